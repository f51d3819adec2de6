"""The second factor (TOTP) for accounts that administer, audit or read sensitive data, when
the deployment requires it (OTP_REQUIRED)."""

import io
import os
import re
import subprocess
import sys
import time
from base64 import b32decode
from html import unescape
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django_otp.oath import TOTP

from shequ.org.models import AuditEvent
from tests.auth_helpers import login, token_client, token_for

ROOT = Path(__file__).resolve().parent.parent
SETUP = "/accounts/otp/setup/"
VERIFY = "/accounts/otp/"
PERSONAS = ["city_admin", "street_admin", "street", "worker_a", "grid_a1", "provider", "auditor"]


@pytest.fixture(autouse=True)
def _otp_required(settings):
    settings.OTP_REQUIRED = True


def code_for(secret: str, steps_ahead: int = 0) -> str:
    """What the authenticator app shows now (or that many 30-second steps later: an app's
    code is accepted one step either side, and each step's code only once)."""
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def secret_on(page: str) -> str:
    return re.search(r'<code class="otp-secret">([A-Z2-7 ]+)</code>', page).group(1)


def codes_on(page: str) -> list[str]:
    block = re.search(r'<ul class="[^"]*recovery-codes">(.*?)</ul>', page, re.S).group(1)
    return re.findall(r"<li>([a-z0-9-]+)</li>", block)


def enrol(client: Client, username: str) -> tuple[str, list[str]]:
    """Log in with the password and enrol an app; answers the secret and the recovery codes."""
    assert login(client, username).url == f"{SETUP}?next=%2F"
    secret = secret_on(client.get(SETUP).text)
    response = client.post(SETUP, {"otp": code_for(secret), "next": "/"})
    assert response.status_code == 200
    return secret, codes_on(response.text)


def new_session(username: str) -> Client:
    client = Client()
    response = login(client, username)
    assert response.url == f"{VERIFY}?next=%2F"
    return client


@pytest.fixture
def enrolled(people):
    """worker_a, enrolled: (secret, recovery codes)."""
    return enrol(Client(), "worker_a")


# --- Who needs one ---------------------------------------------------------------------------


@pytest.mark.parametrize("username", PERSONAS)
def test_every_role_with_a_sensitive_right_is_sent_to_enrol_after_the_password(
    client, people, username
):
    response = login(client, username)
    assert response.status_code == 302
    assert response.url == f"{SETUP}?next=%2F"


def test_without_otp_required_the_password_is_enough(client, people, settings):
    settings.OTP_REQUIRED = False
    assert login(client, "worker_a").url == "/"
    assert client.get(SETUP).status_code == 404


def test_production_requires_it_and_the_demo_does_not():
    show = "import django; django.setup(); from django.conf import settings as s; print(s.OTP_REQUIRED)"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "shequ.settings",
        "DATABASE_URL": "sqlite:////tmp/shequ-settings-check.sqlite3",
    }
    production = {
        **env,
        "DEBUG": "0",
        "SECRET_KEY": "k3Y-for-the-settings-check-9d8f7a6b5c4e3f21",
        # production settings refuse to start without a data key (encryption at rest)
        "SHEQU_DATA_KEY": "d4t4-key-for-the-settings-check-1a2b3c4d5e6f",
    }

    def run(extra: dict) -> str:
        result = subprocess.run(  # noqa: S603 — our own interpreter, fixed arguments
            [sys.executable, "-c", show],
            env=extra,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return result.stdout.strip()

    assert run(production) == "True"
    assert run({**production, "OTP_REQUIRED": "0"}) == "False"
    assert run({**env, "DEBUG": "1"}) == "False"


# --- Before the second factor ---------------------------------------------------------------


def test_a_session_without_its_second_factor_opens_no_page(client, people, tree):
    login(client, "street")
    response = client.get(f"/org/{tree.street.code}/")
    assert response.status_code == 302
    assert response.url == f"{SETUP}?next=%2Forg%2F{tree.street.code}%2F"
    assert client.get("/users/").status_code == 302


def test_a_session_without_its_second_factor_is_refused_by_the_api(client, people):
    login(client, "worker_a")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "须先在登录页完成两步验证。"}


def test_a_session_without_its_second_factor_may_log_out(client, people):
    login(client, "worker_a")
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get(SETUP).status_code == 302
    assert client.get(SETUP).url.startswith("/accounts/login/")


# --- Enrolment -------------------------------------------------------------------------------


def test_enrolment_page_shows_the_qr_code_inline_and_the_secret(client, people):
    login(client, "worker_a")
    page = client.get(SETUP)
    assert page["Cache-Control"].startswith("max-age=0")
    assert "no-store" in page["Cache-Control"]
    text = page.text
    assert '<svg width="' in text and 'class="segno"' in text
    assert not re.search(r"(src|href)=\"(https?:)?//", text)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
    assert len(secret_on(text).replace(" ", "")) == 32


def test_enrolment_with_a_wrong_code_is_refused(client, people):
    login(client, "worker_a")
    client.get(SETUP)
    response = client.post(SETUP, {"otp": "000000", "next": "/"})
    assert response.status_code == 200
    assert "验证码不正确，请核对手机时间后输入应用中当前的 6 位数字。" in unescape(response.text)
    assert client.get("/").status_code == 302


def test_enrolment_shows_ten_recovery_codes_once_and_opens_the_pages(client, people):
    _secret, codes = enrol(client, "worker_a")
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", c) for c in codes)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    event = AuditEvent.objects.get(action="otp.enrol")
    assert event.actor == people.worker_a


def test_the_database_keeps_no_recovery_code(people, enrolled):
    _secret, codes = enrolled
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM otp_static_statictoken")
        stored = {row[0] for row in cursor.fetchall()}
    assert len(stored) == 10
    assert not stored & ({c.replace("-", "") for c in codes} | set(codes))


def test_an_enrolled_user_must_pass_the_factor_before_enrolling_again(people, enrolled):
    client = new_session("worker_a")
    response = client.get(SETUP)
    assert response.url == f"{VERIFY}?next=%2F"


# --- Logging in with the second factor ------------------------------------------------------


def test_the_code_from_the_app_completes_the_login(people, enrolled):
    secret, _codes = enrolled
    client = new_session("worker_a")
    assert "请打开手机上的验证器应用" in client.get(VERIFY).text
    response = client.post(VERIFY, {"otp": code_for(secret, 1), "next": "/"})
    assert response.status_code == 302 and response.url == "/"
    assert "丽景社区" in client.get("/").text


def test_a_wrong_code_is_refused_with_a_message(people, enrolled):
    client = new_session("worker_a")
    response = client.post(VERIFY, {"otp": "123456", "next": "/"})
    assert response.status_code == 200
    assert "验证码不正确或已用过。" in response.text
    assert client.get("/").status_code == 302


def test_guessing_is_slowed_down(people, enrolled, clock):
    secret, _codes = enrolled
    client = new_session("worker_a")
    for _ in range(3):
        client.post(VERIFY, {"otp": "123456"})
    # After three failures the app's right code waits 4 seconds.
    assert client.post(VERIFY, {"otp": code_for(secret, 1)}).status_code == 200
    clock.advance(seconds=5)
    assert client.post(VERIFY, {"otp": code_for(secret, 1)}).status_code == 302


def test_a_recovery_code_completes_the_login_once(people, enrolled):
    _secret, codes = enrolled
    client = new_session("worker_a")
    response = client.post(VERIFY, {"otp": codes[0], "next": "/"}, follow=True)
    assert "已使用一个恢复码，还剩 9 个。" in response.text
    again = new_session("worker_a")
    assert again.post(VERIFY, {"otp": codes[0]}).status_code == 200


def test_another_users_code_does_not_work(people, enrolled):
    secret_b, _codes = enrol(Client(), "worker_b")
    client = new_session("worker_a")
    assert client.post(VERIFY, {"otp": code_for(secret_b, 1)}).status_code == 200


def test_new_recovery_codes_replace_the_old_ones(people, enrolled, clock):
    secret, codes = enrolled
    client = new_session("worker_a")
    client.post(VERIFY, {"otp": code_for(secret, 1)})
    new_codes = codes_on(client.post("/accounts/otp/recovery-codes/").text)
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    assert new_session("worker_a").post(VERIFY, {"otp": codes[1]}).status_code == 200
    clock.advance(seconds=2)  # the failure above slows the next try down
    assert new_session("worker_a").post(VERIFY, {"otp": new_codes[0]}).status_code == 302


# --- API tokens -----------------------------------------------------------------------------


def test_token_request_without_the_code_names_the_field(people, enrolled):
    response = token_for("worker_a")
    assert response.status_code == 400
    assert response.json() == {
        "otp": ["该账号须提供两步验证码（验证器应用中的 6 位数字或一个恢复码）。"]
    }


def test_token_request_with_a_wrong_code_is_refused(people, enrolled):
    response = token_for("worker_a", otp="123456")
    assert response.status_code == 400
    assert response.json() == {"otp": ["两步验证码不正确或已用过。"]}


def test_token_request_with_the_code_answers_a_token(people, enrolled):
    secret, _codes = enrolled
    response = token_for("worker_a", otp=code_for(secret, 1))
    assert response.status_code == 200
    assert token_client(response.json()["token"]).get("/api/v1/me/").status_code == 200


def test_token_request_before_enrolment_says_to_enrol_on_the_pages(people):
    response = token_for("worker_a", otp="123456")
    assert response.status_code == 400
    assert response.json() == {"detail": "该账号须先在网页登录并设置两步验证，才能取得 API 令牌。"}


def test_token_request_with_a_wrong_password_says_nothing_about_the_factor(people, enrolled):
    response = token_for("worker_a", "Wrong-pass-2026")
    assert response.json() == {"detail": "用户名或密码错误，或账号已锁定。"}


# --- A lost phone ---------------------------------------------------------------------------


def test_otp_reset_command_lets_the_user_enrol_anew(people, enrolled):
    out = io.StringIO()
    call_command("otp_reset", "worker_a", "--reason", "手机丢失", stdout=out)
    assert "已删除 worker_a 的两步验证" in out.getvalue()
    assert login(Client(), "worker_a").url == f"{SETUP}?next=%2F"
    event = AuditEvent.objects.get(action="otp.reset")
    assert (event.actor, event.reason, event.target_label) == (None, "手机丢失", "worker_a")


def test_otp_reset_command_names_an_unknown_user(db):
    with pytest.raises(CommandError, match="没有用户 nobody"):
        call_command("otp_reset", "nobody", "--reason", "手机丢失")
