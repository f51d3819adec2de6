"""API tokens expire, end at logout and with a new password, and are stored only as a hash."""

from django.db import connection

from shequ.org import services
from shequ.org.models import AuditEvent, User
from tests.auth_helpers import login, token_client, token_for
from tests.conftest import PASSWORD

ME = "/api/v1/me/"
LOGOUT = "/api/v1/auth/logout/"
NEW_PASSWORD = "Brand-new-2026"


def key_for(username: str = "worker_a") -> str:
    response = token_for(username)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_token_works_for_7_hours_59_minutes(people, clock):
    key = key_for()
    clock.advance(hours=7, minutes=59)
    assert token_client(key).get(ME).status_code == 200


def test_token_expires_8_hours_after_it_was_issued(people, clock):
    key = key_for()
    clock.advance(hours=8, minutes=1)
    response = token_client(key).get(ME)
    assert response.status_code == 401
    assert response.json() == {"detail": "令牌无效或已过期，请重新获取。"}


def test_token_lifetime_is_a_setting(people, clock, settings):
    settings.API_TOKEN_HOURS = 1
    key = key_for()
    clock.advance(minutes=61)
    assert token_client(key).get(ME).status_code == 401


def test_api_logout_ends_the_token_it_carries_and_no_other(people):
    key, other = key_for(), key_for()
    response = token_client(key).post(LOGOUT)
    assert response.status_code == 204
    assert token_client(key).get(ME).status_code == 401
    assert token_client(other).get(ME).status_code == 200


def test_api_logout_without_credentials_is_401(people):
    assert token_client("0" * 40).post(LOGOUT).status_code == 401


def test_page_logout_ends_the_users_tokens(client, people):
    key = key_for()
    login(client, "worker_a")
    client.post("/accounts/logout/")
    assert token_client(key).get(ME).status_code == 401
    event = AuditEvent.objects.get(action="api_token.revoke")
    assert (event.actor, event.reason) == (people.worker_a, "退出登录")


def test_page_logout_of_another_user_leaves_this_token_alone(client, people):
    key = key_for("worker_b")
    login(client, "worker_a")
    client.post("/accounts/logout/")
    assert token_client(key).get(ME).status_code == 200


def test_own_password_change_ends_the_tokens(client, people):
    key = key_for()
    login(client, "worker_a")
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert token_client(key).get(ME).status_code == 401
    assert AuditEvent.objects.get(action="api_token.revoke").reason == "修改密码"
    assert client.get("/").status_code == 200  # the page session that changed it goes on


def test_administrators_password_reset_ends_the_tokens(people):
    key = key_for()
    services.user_set_password(
        actor=people.street_admin, user=people.worker_a, password=NEW_PASSWORD, reason="忘记密码"
    )
    assert token_client(key).get(ME).status_code == 401
    event = AuditEvent.objects.get(action="api_token.revoke")
    assert (event.actor, event.reason) == (people.street_admin, "忘记密码")


def test_the_database_holds_no_token_key(people):
    key = key_for()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM org_apitoken")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert key not in stored
    assert stored  # the token is there, as its hash
    assert "authtoken_token" not in connection.introspection.table_names()


def test_token_authentication_costs_one_query(api, people, django_assert_num_queries):
    key = key_for()
    token_client(key).get(ME)  # the first use writes the token's last use
    user = User.objects.get(username="worker_a")  # nothing loaded with it yet
    with django_assert_num_queries(1) as forced:
        api.as_(user).get(ME)
    # The token's one lookup brings its user and the user's unit, which the forced user
    # had to read apart: no more queries than a user already known.
    with django_assert_num_queries(len(forced)):
        assert token_client(key).get(ME).status_code == 200
