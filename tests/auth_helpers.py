"""Logging in through the pages and the token endpoint, for the authentication tests."""

from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"


def login(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def token_for(username: str, password: str = PASSWORD, **extra):
    return APIClient().post(
        TOKEN, {"username": username, "password": password, **extra}, format="json"
    )


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client
