"""`shequ demo` on an empty database (tests/test_demo_command.py: on a loaded one)."""

import pytest
from django.core.management import CommandError

from shequ.core.demo import DEMO_PASSWORD
from shequ.org.models import OrgUnit, User
from tests.test_demo_command import demo, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True  # the demo loads only with DEBUG=1, as `make demo` runs it


def test_demo_is_deterministic_for_a_seed():
    demo("--seed", "7")
    first = snapshot()
    demo("--seed", "7", "--reset")
    assert snapshot() == first


def test_if_empty_on_other_data_says_so_and_prints_no_logins():
    OrgUnit.objects.create(code="340600000000", prefix="3406", name="淮北市", kind="city", level=1)
    User.objects.create_superuser("admin", password="Own-pass-2026")

    output = demo("--if-empty")

    assert "The database holds data that are not the demo; nothing loaded." in output
    assert "Demo logins" not in output
    assert DEMO_PASSWORD not in output
    assert OrgUnit.objects.count() == 1


def test_if_empty_loads_an_empty_database():
    output = demo("--if-empty")
    assert "demo loaded in" in output
    assert OrgUnit.objects.filter(code="340603020000").exists()


def test_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        demo()
    assert not OrgUnit.objects.exists()
    assert not User.objects.filter(username__startswith="demo").exists()
