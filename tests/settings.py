"""Settings for the test suite: production settings with fast hashing and immediate tasks."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0f2c9d7a1b6e4c3f8a5d")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SHEQU_DATA_KEY", "tests-only-data-key-7d3f1a9c5e2b8046")

from shequ.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Emptied before each test (conftest), with or without a database; the database cache of
# production is exercised by tests/test_lockout.py.
PRODUCTION_CACHES = CACHES  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The second factor is switched on by the tests of it (tests/test_second_factor.py).
OTP_REQUIRED = False
