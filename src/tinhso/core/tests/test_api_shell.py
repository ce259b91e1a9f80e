import pytest


@pytest.mark.django_db
def test_healthz_answers_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Tỉnh số API"
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.django_db
def test_unknown_api_path_is_a_json_404_not_a_redirect(client):
    response = client.get("/api/v1/khong-co")
    assert response.status_code == 404
