"""A page session ends after 30 minutes without a request and 8 hours after its login."""

from tests.auth_helpers import login
from tests.conftest import PASSWORD


def test_session_survives_29_minutes_of_idleness(client, people, clock):
    login(client, "worker_a", PASSWORD)
    clock.advance(minutes=29)
    assert client.get("/").status_code == 200


def test_session_ends_after_30_minutes_without_a_request(client, people, clock):
    login(client, "worker_a", PASSWORD)
    assert client.get("/").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/", follow=True)
    assert response.redirect_chain[0] == ("/accounts/login/?next=/", 302)
    assert "30 分钟未操作，已自动退出，请重新登录。" in response.text
    assert client.get("/").status_code == 302


def test_each_request_restarts_the_idle_clock(client, people, clock):
    login(client, "worker_a", PASSWORD)
    for _ in range(4):
        clock.advance(minutes=20)
        assert client.get("/").status_code == 200


def test_idle_minutes_are_a_setting(client, people, clock, settings):
    settings.SESSION_IDLE_MINUTES = 5
    login(client, "worker_a", PASSWORD)
    clock.advance(minutes=6)
    assert client.get("/").status_code == 302


def test_an_active_session_still_ends_8_hours_after_login(client, people, clock):
    login(client, "worker_a", PASSWORD)
    for _ in range(16):
        clock.advance(minutes=29)
        assert client.get("/").status_code == 200
    clock.advance(minutes=29)  # 8 h 13 min after the login, 29 min after the last request
    response = client.get("/", follow=True)
    assert response.redirect_chain[0] == ("/accounts/login/?next=/", 302)
    assert "登录已超过 8 小时，请重新登录。" in response.text


def test_an_idle_api_session_is_refused(client, people, clock):
    login(client, "worker_a", PASSWORD)
    assert client.get("/api/v1/me/").status_code == 200
    clock.advance(minutes=31)
    assert client.get("/api/v1/me/").status_code == 401
