"""Security settings: refusing to start on demo secrets, headers, CSRF, password rules."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from shequ.org.models import User
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
DEMO_KEY = "shequ-demo-only-not-secret-0c7d1f6b9e"
GOOD_KEY = "a-real-production-secret-key-of-enough-length-1234"
GOOD_DATA_KEY = "a-real-production-data-key-of-enough-length-5678"

SHOW_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
)


def start(**env: str | None) -> subprocess.CompletedProcess:
    """Import the production settings in a fresh interpreter with only the given variables."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "shequ.settings",
        "DATABASE_URL": "sqlite:////tmp/shequ-settings-check.sqlite3",
        "SHEQU_DATA_KEY": GOOD_DATA_KEY,
        **env,
    }
    clean = {name: value for name, value in clean.items() if value is not None}
    return subprocess.run(  # noqa: S603 — our own interpreter, fixed arguments
        [sys.executable, "-c", SHOW_SETTINGS],
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- Starting up ----------------------------------------------------------------------


def test_production_without_secret_key_refuses_to_start():
    result = start(DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set in the environment" in result.stderr


def test_production_with_the_demo_key_refuses_to_start():
    result = start(DEBUG="0", SECRET_KEY=DEMO_KEY)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set in the environment" in result.stderr


def test_production_without_a_data_key_refuses_to_start():
    """Identity numbers and health facts are encrypted with it (docs/security.md)."""
    for data_key in (None, "", "shequ-demo-only-data-key-not-secret-4b1e9c"):
        result = start(DEBUG="0", SECRET_KEY=GOOD_KEY, SHEQU_DATA_KEY=data_key)
        assert result.returncode != 0
        assert "SHEQU_DATA_KEY must be set in the environment" in result.stderr
    result = start(DEBUG="0", SECRET_KEY=GOOD_KEY, SHEQU_DATA_KEY="y" * 40)
    assert "SHEQU_DATA_KEY must mix at least 10 different characters" in result.stderr


def test_production_with_a_short_key_refuses_to_start():
    result = start(DEBUG="0", SECRET_KEY="too-short")
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 32 characters long." in result.stderr


def test_production_with_a_long_but_uniform_key_refuses_to_start():
    result = start(DEBUG="0", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "SECRET_KEY must mix at least 10 different characters; it has 1." in result.stderr


def test_deploy_check_passes_with_production_settings():
    result = subprocess.run(
        [sys.executable, "-m", "shequ.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATABASE_URL": "sqlite:////tmp/shequ-settings-check.sqlite3",
            "DEBUG": "0",
            "HTTPS": "1",
            "SECRET_KEY": GOOD_KEY,
            "SHEQU_DATA_KEY": GOOD_DATA_KEY,
            "ALLOWED_HOSTS": "shequ.example.org",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_defaults_to_off():
    result = start()
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_unreadable_debug_value_refuses_to_start():
    result = start(DEBUG="maybe", SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0
    assert "DEBUG must be one of 1/0, true/false, yes/no; got 'maybe'" in result.stderr


def test_production_with_a_real_key_starts():
    result = start(DEBUG="0", SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False", "0"]


def test_demo_starts_without_any_configuration():
    result = start(DEBUG="1", SHEQU_DATA_KEY=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


def test_https_makes_cookies_secure_and_turns_on_hsts():
    result = start(DEBUG="0", SECRET_KEY=GOOD_KEY, HTTPS="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "31536000"]


# --- Headers --------------------------------------------------------------------------


@pytest.fixture
def login_page(client, db):
    return client.get("/accounts/login/")


def test_content_security_policy_allows_only_own_origin(login_page):
    csp = login_page["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "base-uri 'none'" in csp
    assert "unsafe-inline" not in csp


def test_pages_may_not_be_framed(login_page):
    assert login_page["X-Frame-Options"] == "DENY"


def test_content_type_sniffing_is_off(login_page):
    assert login_page["X-Content-Type-Options"] == "nosniff"


def test_referrer_stays_on_the_site(login_page):
    assert login_page["Referrer-Policy"] == "same-origin"


def test_cross_origin_opener_policy(login_page):
    assert login_page["Cross-Origin-Opener-Policy"] == "same-origin"


def test_api_responses_carry_the_headers_too(api, people):
    response = api.as_(people.worker_a).get("/api/v1/org-units/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_http_only(client, people):
    client.post("/accounts/login/", {"username": "worker_a", "password": PASSWORD})
    assert client.cookies["sessionid"]["httponly"]


def test_no_inline_scripts_or_styles_on_pages(web, people):
    # The CSP forbids them; a page that had one would break silently in the browser.
    page = web.as_(people.street).get("/").text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert " style=" not in page


def test_pages_load_no_cdn(web, people):
    page = web.as_(people.street).get("/").text
    assert not re.search(r"(src|href)=\"(https?:)?//", page)


# --- CSRF ------------------------------------------------------------------------------


def test_login_form_without_csrf_token_is_refused(people):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "worker_a", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_form_post_without_csrf_token_is_refused(people, tree):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.street_admin, backend="shequ.org.auth.UnitModelBackend")
    response = client.post(
        f"/org/{tree.community_a.code}/rename/", {"name": "改名", "reason": "测试"}
    )
    assert response.status_code == 403
    tree.community_a.refresh_from_db()
    assert tree.community_a.name == "丽景社区"


def test_form_post_with_csrf_token_goes_through(people, tree):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.street_admin, backend="shequ.org.auth.UnitModelBackend")
    client.get(f"/org/{tree.community_a.code}/rename/")
    response = client.post(
        f"/org/{tree.community_a.code}/rename/",
        {
            "name": "改名社区",
            "reason": "测试",
            "version": 1,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302
    tree.community_a.refresh_from_db()
    assert tree.community_a.name == "改名社区"


def test_session_authenticated_api_write_needs_csrf(people, tree):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(people.street_admin, backend="shequ.org.auth.UnitModelBackend")
    response = client.patch(
        f"/api/v1/org-units/{tree.community_a.code}/",
        {"name": "改名", "reason": "测试"},
        format="json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    tree.community_a.refresh_from_db()
    assert tree.community_a.name == "丽景社区"


def test_token_authenticated_api_write_needs_no_csrf(people, tree):
    key = (
        APIClient()
        .post(
            "/api/v1/auth/token/", {"username": "street_admin", "password": PASSWORD}, format="json"
        )
        .json()["token"]
    )
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.patch(
        f"/api/v1/org-units/{tree.community_a.code}/",
        {"name": "改名社区", "reason": "测试", "version": 1},
        format="json",
    )
    assert response.status_code == 200


# --- Password rules (through user creation) -----------------------------------------------


def create_user_with_password(web, people, tree, password: str):
    return web.as_(people.street_admin).post(
        "/users/new/",
        {
            "username": "newbie",
            "full_name": "新人",
            "role": "community",
            "unit": tree.community_a.code,
            "password": password,
        },
    )


def errors_of(response) -> list[str]:
    return re.findall(r'<div class="invalid-feedback d-block">([^<]*)</div>', response.text)


def test_short_password_is_refused(web, people, tree):
    response = create_user_with_password(web, people, tree, "Ab-12345")
    assert errors_of(response) == ["密码太短，至少需要 10 个字符。"]
    assert not User.objects.filter(username="newbie").exists()


def test_common_password_is_refused(web, people, tree):
    response = create_user_with_password(web, people, tree, "password123")
    assert errors_of(response) == ["这个密码太常见了。"]


def test_numeric_password_is_refused(web, people, tree):
    response = create_user_with_password(web, people, tree, "73920581647")
    assert "密码只包含数字。" in errors_of(response)


def test_letters_only_password_is_refused(web, people, tree):
    response = create_user_with_password(web, people, tree, "abcdefghijkl")
    assert errors_of(response) == ["密码须同时包含字母和数字或符号。"]


def test_password_like_the_user_name_is_refused(web, people, tree):
    response = create_user_with_password(web, people, tree, "newbie-2026")
    assert errors_of(response) == ["密码跟 用户名 太相似了。"]


def test_good_password_creates_the_user(web, people, tree):
    response = create_user_with_password(web, people, tree, "Lijing-work-2026")
    assert response.status_code == 302
    assert User.objects.get(username="newbie").check_password("Lijing-work-2026")
