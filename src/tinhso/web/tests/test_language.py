import pytest


@pytest.mark.django_db
def test_pages_start_in_vietnamese_even_for_an_english_browser(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="vi"' in response.content.decode()


@pytest.mark.django_db
def test_choosing_english_shows_english_pages(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert '<html lang="en"' in response.content.decode()
    assert '<html lang="en"' in client.get("/thu-tuc/").content.decode()
