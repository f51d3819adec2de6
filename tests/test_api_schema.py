"""The OpenAPI schema and the browsable docs, served without any CDN."""

import re

import pytest
import yaml
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from tests.conftest import PASSWORD


@pytest.fixture
def schema(web, people) -> dict:
    response = web.as_(people.worker_a).get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    return yaml.safe_load(response.content)


def test_schema_is_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Shequ API"


def test_schema_is_valid_openapi(schema):
    validate_schema(schema)


def test_schema_lists_the_organisation_endpoints(schema):
    for path in [
        "/api/v1/org-units/",
        "/api/v1/org-units/{code}/",
        "/api/v1/org-units/{code}/close/",
        "/api/v1/org-units/{code}/delegate/",
        "/api/v1/users/",
        "/api/v1/audit-events/",
        "/api/v1/sensitive-accesses/",
        "/api/v1/auth/token/",
        "/api/v1/me/",
    ]:
        assert path in schema["paths"], path


def test_schema_documents_the_unit_filter(schema):
    parameters = schema["paths"]["/api/v1/org-units/"]["get"]["parameters"]
    assert {"unit", "page", "page_size", "search"} <= {p["name"] for p in parameters}


def test_schema_documents_token_request_and_answer(schema):
    operation = schema["paths"]["/api/v1/auth/token/"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(request["properties"]) == {"username", "password", "otp"}
    answer = schema["components"]["schemas"]["TokenResponse"]
    assert list(answer["properties"]) == ["token"]


def test_schema_as_json(web, people):
    response = web.as_(people.worker_a).get("/api/schema/", {"format": "json"})
    assert response.json()["paths"]["/api/v1/org-units/"]


def test_schema_is_built_once_per_language_and_kept_for_the_site_languages_only(web, people):
    from shequ.core.schema import SchemaView

    client = web.as_(people.worker_a)
    first = client.get("/api/schema/", {"format": "json"}).json()
    kept = dict(SchemaView._built)
    assert client.get("/api/schema/", {"format": "json"}).json() == first
    # Its text is kept per format, with the same headers.
    yaml_first, yaml_again = client.get("/api/schema/"), client.get("/api/schema/")
    assert yaml_again.content == yaml_first.content and b"openapi:" in yaml_first.content
    assert yaml_again["Content-Type"] == yaml_first["Content-Type"]
    assert yaml_again["Content-Disposition"] == yaml_first["Content-Disposition"]
    # Any text in ?version= or ?lang= is answered, and never kept.
    for params in ({"version": "x1"}, {"lang": "xx-made-up"}):
        assert client.get("/api/schema/", {"format": "json", **params}).status_code == 200
    assert SchemaView._built == kept
    assert {key[:2] for key in SchemaView._rendered} <= set(kept)


def test_organisation_views_generate_without_schema_errors(db):
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        SchemaGenerator().get_schema(request=None, public=True)
    messages = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()
    ours = [m for m in messages if "shequ/org/" in m or "shequ/core/" in m]
    assert ours == []


def test_docs_page_renders(web, people):
    response = web.as_(people.worker_a).get("/api/docs/")
    assert response.status_code == 200
    assert '<div id="swagger-ui"></div>' in response.text


def test_docs_page_loads_nothing_from_outside(web, people):
    page = web.as_(people.worker_a).get("/api/docs/").text
    assert not re.search(r"https?://", page)
    assert not re.search(r"(src|href)=\"//", page)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page


def test_docs_page_allows_no_inline_script(web, people):
    response = web.as_(people.worker_a).get("/api/docs/")
    assert "script-src 'self';" in response["Content-Security-Policy"] + ";"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)


def test_docs_start_up_script_is_a_file_of_its_own(web, people):
    response = web.as_(people.worker_a).get("/api/docs/", {"script": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.text


def test_docs_assets_are_served_locally(client):
    response = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")
    assert response.status_code == 200


def test_schema_requires_a_login(client, db):
    response = client.get("/api/schema/")

    assert response.status_code == 401
    assert "paths" not in response.content.decode()


def test_schema_with_a_token(api, people):
    token = api.post(
        "/api/v1/auth/token/", {"username": "worker_a", "password": PASSWORD}, format="json"
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert api.get("/api/schema/").status_code == 200


@pytest.mark.parametrize("query", ["", "?script"])
def test_docs_send_an_anonymous_browser_to_the_login_page(client, db, query):
    response = client.get("/api/docs/" + query)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/api/docs/")
