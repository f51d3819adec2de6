"""Logging in: the login form, throttling (django-axes) and API tokens."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from shequ.org import services
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
WRONG = "Wrong-pass-2026"
REASON = "测试"


def login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def fail_times(client: Client, username: str, times: int) -> list[int]:
    return [login(client, username, WRONG).status_code for _ in range(times)]


def token_for(username: str, password: str = PASSWORD):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json")


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# --- The login form ----------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(client, people):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/"


def test_login_page_is_chinese_and_warns_about_the_lock(client, db):
    page = client.get(LOGIN).text
    assert '<h1 class="h4 mb-3">登录</h1>' in page
    assert "连续 5 次密码错误将锁定 15 分钟。" in page


def test_right_password_logs_in_and_lands_on_home(client, people):
    response = login(client, "worker_a", PASSWORD)
    assert response.status_code == 302
    assert response.url == "/"
    assert "丽景社区" in client.get("/").text


def test_login_follows_next(client, people, tree):
    response = client.post(
        LOGIN + f"?next=/org/{tree.community_a.code}/",
        {"username": "worker_a", "password": PASSWORD, "next": f"/org/{tree.community_a.code}/"},
    )
    assert response.url == f"/org/{tree.community_a.code}/"


def test_login_never_redirects_to_another_site(client, people):
    response = client.post(
        LOGIN, {"username": "worker_a", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response.url == "/"


def test_wrong_password_is_refused_with_a_message(client, people):
    response = login(client, "worker_a", WRONG)
    assert response.status_code == 200
    assert "请输入一个正确的用户名和密码。注意，两者都区分大小写。" in response.text
    assert "_auth_user_id" not in client.session


def test_deactivated_user_cannot_log_in(client, people):
    services.user_set_active(
        actor=people.street_admin, user=people.worker_a, active=False, reason=REASON
    )
    response = login(client, "worker_a", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client, people):
    login(client, "worker_a", PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_password_change_page_changes_the_password(client, people):
    login(client, "worker_a", PASSWORD)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Brand-new-2026",
            "new_password2": "Brand-new-2026",
        },
    )
    assert response.status_code == 302
    people.worker_a.refresh_from_db()
    assert people.worker_a.check_password("Brand-new-2026")


# --- Throttling (django-axes) -------------------------------------------------------------


def test_four_wrong_passwords_do_not_lock(client, people):
    assert fail_times(client, "worker_a", 4) == [200, 200, 200, 200]
    assert login(client, "worker_a", PASSWORD).status_code == 302


def test_fifth_wrong_password_locks_the_user(client, people):
    statuses = fail_times(client, "worker_a", 5)
    assert statuses == [200, 200, 200, 200, 429]


def test_locked_out_page_says_so(client, people):
    fail_times(client, "worker_a", 5)
    response = login(client, "worker_a", WRONG)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.text
    assert "该用户名在此设备上已锁定 15 分钟" in response.text


def test_locked_user_is_refused_with_the_right_password(client, people):
    fail_times(client, "worker_a", 5)
    response = login(client, "worker_a", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lock_of_one_user_leaves_others_alone(client, people):
    fail_times(client, "worker_a", 5)
    assert login(client, "worker_b", PASSWORD).status_code == 302


def test_behind_a_proxy_the_lock_follows_the_client_not_the_proxy(people, settings):
    settings.TRUSTED_PROXIES = 1
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    colleague = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert fail_times(attacker, "worker_a", 5)[-1] == 429
    assert login(colleague, "worker_a", PASSWORD).status_code == 302


def test_a_forged_forwarded_for_does_not_escape_the_lock(people, settings):
    settings.TRUSTED_PROXIES = 1
    fail_times(Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"), "worker_a", 5)
    # The client may write anything on the left; the proxy appends the address it saw.
    forged = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
    assert login(forged, "worker_a", PASSWORD).status_code == 429


def test_without_a_trusted_proxy_forwarded_for_is_ignored(people, settings):
    settings.TRUSTED_PROXIES = 0
    fail_times(Client(HTTP_X_FORWARDED_FOR="203.0.113.9"), "worker_a", 5)
    assert (
        login(Client(HTTP_X_FORWARDED_FOR="198.51.100.7"), "worker_a", PASSWORD).status_code == 429
    )


def test_locked_user_cannot_get_an_api_token(client, people):
    fail_times(client, "worker_a", 5)
    response = token_for("worker_a")
    assert response.status_code == 429
    assert response.json() == {"detail": "登录失败次数过多，该用户名已锁定 15 分钟。"}


def test_wrong_passwords_on_the_api_lock_the_web_login_too(client, people):
    for _ in range(5):
        token_for("worker_a", WRONG)
    assert login(client, "worker_a", PASSWORD).status_code == 429


def test_successful_login_resets_the_failure_count(client, people):
    fail_times(client, "worker_a", 4)
    assert login(client, "worker_a", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    assert fail_times(client, "worker_a", 4) == [200, 200, 200, 200]
    assert login(client, "worker_a", PASSWORD).status_code == 302


# --- API tokens ----------------------------------------------------------------------------


def test_token_endpoint_answers_a_token(people):
    response = token_for("worker_a")
    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    assert len(response.json()["token"]) == 40


def test_each_token_request_gets_a_new_token_and_both_work(people):
    first, second = token_for("worker_a").json()["token"], token_for("worker_a").json()["token"]
    assert first != second
    assert token_client(first).get("/api/v1/me/").status_code == 200
    assert token_client(second).get("/api/v1/me/").status_code == 200


def test_token_authenticates_api_calls(people):
    key = token_for("worker_a").json()["token"]
    response = token_client(key).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "worker_a"
    assert response.json()["unit"] == "340603020001"


def test_wrong_password_gets_no_token(people):
    response = token_for("worker_a", WRONG)
    assert response.status_code == 400
    assert response.json() == {"detail": "用户名或密码错误，或账号已锁定。"}


def test_token_request_without_password_names_the_field(people):
    response = APIClient().post(TOKEN, {"username": "worker_a"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_api_without_credentials_is_401(people):
    assert APIClient().get("/api/v1/org-units/").status_code == 401
    assert APIClient().get("/api/v1/me/").status_code == 401


def test_api_with_unknown_token_is_401(people):
    assert token_client("0" * 40).get("/api/v1/org-units/").status_code == 401


def test_deactivated_users_token_stops_working(people):
    key = token_for("worker_a").json()["token"]
    services.user_set_active(
        actor=people.street_admin, user=people.worker_a, active=False, reason=REASON
    )
    assert token_client(key).get("/api/v1/org-units/").status_code == 401


def test_deactivated_user_gets_no_new_token(people):
    services.user_set_active(
        actor=people.street_admin, user=people.worker_a, active=False, reason=REASON
    )
    assert token_for("worker_a").status_code == 400


def test_password_reset_revokes_the_token(people):
    key = token_for("worker_a").json()["token"]
    services.user_set_password(
        actor=people.street_admin, user=people.worker_a, password="Reset-pass-2026", reason=REASON
    )
    assert token_client(key).get("/api/v1/org-units/").status_code == 401
    # The reset password opens no API: its owner first chooses a new one.
    response = token_for("worker_a", "Reset-pass-2026")
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"


def test_token_endpoint_throttles_a_flood_of_attempts(people):
    client = APIClient()
    statuses = [
        client.post(TOKEN, {"username": f"nobody{i}", "password": WRONG}, format="json").status_code
        for i in range(21)
    ]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429


@pytest.mark.parametrize("path", ["/api/v1/org-units/", "/api/v1/me/"])
def test_session_login_works_for_api_reads(client, people, path):
    login(client, "worker_a", PASSWORD)
    assert client.get(path).status_code == 200
