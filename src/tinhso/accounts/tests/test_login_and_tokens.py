import hashlib
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tinhso.accounts.models import ApiToken
from tinhso.accounts.tests.factories import AgencyFactory, UserFactory, officer
from tinhso.accounts.tokens import token_create, token_revoke
from tinhso.directory.models import Role

PASSWORD = "mat-khau-rat-dai-2026"


@pytest.mark.django_db
def test_an_officer_logs_in_with_the_right_password(client):
    UserFactory(username="motcua")
    response = client.post("/dang-nhap/", {"username": "motcua", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_a_wrong_password_shows_a_vietnamese_error(client):
    UserFactory(username="motcua")
    response = client.post("/dang-nhap/", {"username": "motcua", "password": "sai"})
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


@pytest.mark.django_db
def test_login_without_csrf_token_is_refused():
    UserFactory(username="motcua")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/dang-nhap/", {"username": "motcua", "password": PASSWORD})
    assert response.status_code == 403


@pytest.mark.django_db
def test_after_five_failures_even_the_right_password_is_refused_for_a_while(client, settings):
    settings.LOGIN_MAX_FAILURES = 5
    UserFactory(username="motcua")
    for _ in range(5):
        client.post("/dang-nhap/", {"username": "motcua", "password": "sai"})
    response = client.post("/dang-nhap/", {"username": "motcua", "password": PASSWORD})
    assert response.status_code == 200
    assert "sai quá nhiều lần" in response.content.decode()
    assert not client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_throttling_counts_usernames_case_insensitively(client, settings):
    settings.LOGIN_MAX_FAILURES = 3
    UserFactory(username="motcua")
    for name in ("MOTCUA", "MotCua", "motcua"):
        client.post("/dang-nhap/", {"username": name, "password": "sai"})
    response = client.post("/dang-nhap/", {"username": "motcua", "password": PASSWORD})
    assert "sai quá nhiều lần" in response.content.decode()


@pytest.mark.django_db
def test_failures_older_than_the_window_no_longer_count(client, settings):
    from tinhso.accounts.models import LoginFailure

    settings.LOGIN_MAX_FAILURES = 2
    UserFactory(username="motcua")
    old = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW + 5)
    LoginFailure.objects.bulk_create([LoginFailure(username="motcua", at=old) for _ in range(5)])
    response = client.post("/dang-nhap/", {"username": "motcua", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_token_is_stored_only_as_a_hash_and_works_as_bearer(client):
    user = officer(Role.SPECIALIST, AgencyFactory(), username="chuyenvien")
    _, raw = token_create(user=user, name="hệ thống thử")
    row = ApiToken.objects.get(user=user)
    secret = raw.split("_", 2)[2]
    assert secret not in (row.digest, row.prefix)
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    response = client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "chuyenvien"
    assert body["grants"][0]["role"] == "specialist"


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Bearer ts_nope_nope", "Bearer ", "Token abc", "Bearer ' OR 1=1 --"])
def test_a_bad_token_gets_a_401_problem(client, header):
    response = client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 401


@pytest.mark.django_db
def test_revoked_and_expired_tokens_stop_working(client):
    user = UserFactory()
    token, raw = token_create(user=user)
    token_revoke(token=token, actor=user)
    assert client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    _, raw2 = token_create(user=user, expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw2}").status_code == 401


@pytest.mark.django_db
def test_token_command_prints_a_token_that_works(client, capsys):
    UserFactory(username="hethong")
    call_command("token", user="hethong", name="cổng quốc gia")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("ts_")
    assert client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


@pytest.mark.django_db
def test_a_token_in_force_works_records_its_use_and_stops_with_its_user(client):
    user = UserFactory()
    token, raw = token_create(user=user, expires_at=timezone.now() + timedelta(days=30))
    assert client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert abs((timezone.now() - token.last_used_at).total_seconds()) < 60
    _, wrong_secret = token_create(user=user)
    assert client.get("/api/v1/accounts/me",
                      HTTP_AUTHORIZATION=f"Bearer {wrong_secret[:-2]}xx").status_code == 401
    user.is_active = False
    user.save()
    assert client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
