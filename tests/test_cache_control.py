"""What a logged-in user is shown is never kept by a browser cache or a proxy."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.conftest import PASSWORD


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["/", "/registry/persons/", "/housing/", "/en/housing/"])
def test_pages_of_a_logged_in_user_are_not_stored(web, people, path):
    response = web.as_(people.worker_a).get(path)

    assert response.status_code == 200
    assert no_store(response)
    assert "private" in response["Cache-Control"]


def test_export_download_is_not_stored(web, people):
    response = web.as_(people.worker_a).get(reverse("registry:export", args=["persons"]))

    assert response.status_code == 200
    assert no_store(response)


def test_api_answer_to_a_token_is_not_stored(people):
    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"username": "worker_a", "password": PASSWORD}, format="json"
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = client.get("/api/v1/persons/")

    assert response.status_code == 200
    assert no_store(response)


def test_api_answer_to_a_session_is_not_stored(web, people):
    response = web.as_(people.worker_a).get("/api/v1/org-units/")

    assert response.status_code == 200
    assert no_store(response)


def test_public_answers_may_be_cached(client, db):
    response = client.get("/healthz/")

    assert response.status_code == 200
    assert not no_store(response)
