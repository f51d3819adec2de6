"""The audit log: complete (sign-ins, refusals, exports), append-only and hash-chained."""

import datetime
import importlib
import io
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from shequ.org import services
from shequ.org.audit import SensitiveTarget, audit_sensitive_read
from shequ.org.audit_chain import CHAINS, append, prune
from shequ.org.models import AuditChain, AuditEvent, SensitiveAccess
from tests.audit_tamper import triggers_lifted
from tests.conftest import PASSWORD
from tests.factories import make_building, make_household, make_person

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
REASON = "测试"
ADDRESS = "203.0.113.7"
postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the DELETE trigger is PostgreSQL's"
)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ADDRESS)


def verify() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def verify_fails() -> str:
    with pytest.raises(CommandError) as failure:
        verify()
    return str(failure.value)


# --- Sign-ins ------------------------------------------------------------------------------


def test_page_login_and_logout_are_logged_with_the_address(client, people, tree):
    assert login(client, "worker_a", PASSWORD).status_code == 302
    client.post("/accounts/logout/", REMOTE_ADDR=ADDRESS)

    (signed_in,) = events("auth.login")
    (signed_out,) = events("auth.logout")
    for event in (signed_in, signed_out):
        assert event.actor == people.worker_a
        assert event.ip == ADDRESS
        assert event.unit_code == tree.community_a.code
        assert event.target_id == str(people.worker_a.uid)


def test_failed_login_is_logged_in_the_accounts_unit_by_nobody(client, people, tree):
    login(client, "worker_a", "Wrong-pass-2026")

    (failed,) = events("auth.login_failed")
    assert failed.actor is None
    assert failed.target_label == "worker_a"
    assert failed.unit_code == tree.community_a.code
    assert failed.ip == ADDRESS
    assert failed.changes == {"via": "web"}


def test_failed_login_for_an_unknown_name_is_logged_too(client, db):
    login(client, "nobody-here", "Wrong-pass-2026")

    (failed,) = events("auth.login_failed")
    assert (failed.target_label, failed.target_id, failed.unit_code) == ("nobody-here", "", "")


def test_lockout_is_logged_and_failures_stay_after_a_success(client, people):
    for _ in range(5):
        login(client, "worker_a", "Wrong-pass-2026")
    assert len(events("auth.lockout")) == 1
    assert login(client, "worker_a", PASSWORD).status_code == 429

    assert len(events("auth.login_failed")) == 6
    assert events("auth.lockout")[-1].target_label == "worker_a"


def test_failures_before_a_successful_login_stay_in_the_log(client, people):
    for _ in range(3):
        login(client, "worker_a", "Wrong-pass-2026")
    assert login(client, "worker_a", PASSWORD).status_code == 302

    assert len(events("auth.login_failed")) == 3
    assert len(events("auth.login")) == 1


def test_token_login_and_its_failure_are_logged(people, tree):
    client = APIClient(REMOTE_ADDR=ADDRESS)
    assert client.post(TOKEN, {"username": "worker_a", "password": "x"}).status_code == 400
    assert client.post(TOKEN, {"username": "worker_a", "password": PASSWORD}).status_code == 200

    (failed,) = events("auth.login_failed")
    assert failed.changes == {"via": "api"}
    (token,) = events("auth.token")
    assert (token.actor, token.ip, token.unit_code) == (
        people.worker_a,
        ADDRESS,
        tree.community_a.code,
    )


def test_auditor_reads_sign_ins_in_chinese(client, web, people):
    login(client, "worker_a", "Wrong-pass-2026")
    page = web.as_(people.auditor).get("/audit/?action=auth.login_failed").text
    assert "登录失败" in page
    assert "worker_a" in page


# --- Refused authorisations ------------------------------------------------------------------


def test_a_403_is_logged_with_the_path(web, people):
    response = web.as_(people.worker_a).get("/audit/", REMOTE_ADDR=ADDRESS)
    assert response.status_code == 403

    (denied,) = events("access.denied")
    assert (denied.actor, denied.target_label, denied.ip) == (
        people.worker_a,
        "GET /audit/",
        ADDRESS,
    )


def test_a_page_404_for_a_unit_outside_is_logged_a_missing_one_is_not(web, people, tree):
    client = web.as_(people.worker_a)
    outside = client.get(f"/org/{tree.community_b.code}/")
    missing = client.get("/org/340603020099/")
    assert outside.status_code == missing.status_code == 404

    (refused,) = events("access.outside")
    assert (refused.actor, refused.target_type, refused.target_id) == (
        people.worker_a,
        "org.orgunit",
        tree.community_b.code,
    )
    # Logged in the actor's unit: their own auditors see it, not the other unit's.
    assert refused.unit_code == tree.community_a.code


def test_an_api_404_for_a_person_outside_is_logged_a_missing_one_is_not(api, people, tree):
    person = make_person(make_household(make_building(tree.grid_b1)))
    client = api.as_(people.worker_a)
    outside = client.get(f"/api/v1/persons/{person.uid}/")
    missing = client.get(f"/api/v1/persons/{uuid.uuid4()}/")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()

    (refused,) = events("access.outside")
    assert (refused.target_type, refused.target_id) == ("registry.person", str(person.uid))
    assert person.name not in refused.target_label


def test_an_api_write_to_a_person_outside_is_logged(api, people, tree):
    person = make_person(make_household(make_building(tree.grid_b1)))
    response = api.as_(people.worker_a).patch(
        f"/api/v1/persons/{person.uid}/", {"phone": "13900000000", "reason": REASON}
    )
    assert response.status_code == 404
    assert [e.target_id for e in events("access.outside")] == [str(person.uid)]


# --- Exports of the audit logs and the user list ----------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("/audit/?export=csv", "export.audit_events"),
        ("/audit/sensitive/?export=xlsx", "export.sensitive_reads"),
    ],
)
def test_exporting_an_audit_log_is_logged(web, people, url, kind):
    services.org_unit_rename(
        actor=people.city_admin, unit=people.worker_a.unit, name="丽景社区（新）", reason=REASON
    )
    response = web.as_(people.auditor).get(url, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200

    (export,) = events(kind)
    assert export.actor == people.auditor
    assert export.ip == ADDRESS
    assert export.changes["format"] == url.rsplit("=", 1)[1]
    # Every row the city's auditor could see when exporting: the renaming, the accounts made.
    written_before = AuditEvent.objects.filter(id__lt=export.id).count()
    assert export.changes["rows"] == (written_before if kind == "export.audit_events" else 0)


def test_exporting_the_user_list_is_logged_with_count_and_filters(web, people):
    response = web.as_(people.street_admin).get("/users/?export=csv&role=community")
    assert response.status_code == 200

    (export,) = events("export.users")
    assert export.actor == people.street_admin
    assert export.changes == {"rows": 2, "format": "csv", "filters": {"role": "community"}}


# --- Append-only ----------------------------------------------------------------------------


def test_audit_rows_cannot_be_updated(people):
    services.org_unit_rename(
        actor=people.city_admin, unit=people.worker_a.unit, name="丽景社区（新）", reason=REASON
    )
    audit_sensitive_read(
        actor=people.worker_a,
        targets=[SensitiveTarget("registry.person", "1", "张三", "340603020001")],
        fields=["id_number"],
        purpose=SensitiveAccess.Purpose.SERVICE,
        channel=SensitiveAccess.Channel.WEB,
    )
    for model in (AuditEvent, SensitiveAccess):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            model.objects.update(target_label="改过")


@postgres_only
def test_audit_rows_cannot_be_deleted_on_postgresql(people):
    services.org_unit_rename(
        actor=people.city_admin, unit=people.worker_a.unit, name="丽景社区（新）", reason=REASON
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()


@postgres_only
def test_the_prune_setting_does_not_let_recent_rows_go(people):
    services.org_unit_rename(
        actor=people.city_admin, unit=people.worker_a.unit, name="丽景社区（新）", reason=REASON
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('shequ.audit_prune_before', %s, true)", ["2999-01-01"]
            )
        AuditEvent.objects.all().delete()


# --- The hash chain -------------------------------------------------------------------------


def _fill(people, tree, n: int = 6) -> None:
    """n change-log rows and 2n sensitive reads, written the ways services write them."""
    for i in range(n):
        services.org_unit_rename(
            actor=people.city_admin, unit=tree.community_a, name=f"丽景社区{i}", reason=f"第{i}次"
        )
        audit_sensitive_read(
            actor=people.worker_a,
            targets=[
                SensitiveTarget("registry.person", f"{i}-{j}", f"张三{i}{j}", "340603020001")
                for j in range(2)
            ],
            fields=["id_number", "contraception"],
            purpose=SensitiveAccess.Purpose.SERVICE,
            channel=SensitiveAccess.Channel.WEB,
        )


def test_verify_says_ok_with_the_row_counts(people, tree):
    _fill(people, tree)
    out = verify()
    assert f"org_auditevent: OK, {AuditEvent.objects.count()} rows" in out
    assert "org_sensitiveaccess: OK, 12 rows" in out


def _tamper(model, position: str, column: str, value: str) -> int:
    ids = list(model.objects.order_by("id").values_list("id", flat=True))
    pk = {"first": ids[0], "middle": ids[len(ids) // 2], "last": ids[-1]}[position]
    table = model._meta.db_table
    with triggers_lifted(), connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" SET "{column}" = %s WHERE id = %s', [value, pk])  # noqa: S608
    return pk


@pytest.mark.parametrize("position", ["first", "middle", "last"])
@pytest.mark.parametrize(
    ("model", "column", "value"),
    [
        (AuditEvent, "reason", "没有原因"),
        (AuditEvent, "ip", "198.51.100.1"),
        (AuditEvent, "changes", '{"name": ["甲", "乙"]}'),
        (AuditEvent, "at", "2025-01-01 00:00:00"),
        (SensitiveAccess, "fields", "id_number"),
        (SensitiveAccess, "target_label", "李四"),
        (SensitiveAccess, "purpose", "verify"),
    ],
)
def test_verify_names_the_row_that_was_changed(people, tree, model, column, value, position):
    _fill(people, tree)
    pk = _tamper(model, position, column, value)

    assert f"#{pk}:" in verify_fails()


@pytest.mark.parametrize("position", ["first", "middle"])
def test_verify_names_the_row_after_one_that_was_removed(people, tree, position):
    _fill(people, tree)
    ids = list(SensitiveAccess.objects.order_by("id").values_list("id", flat=True))
    gone = ids[0] if position == "first" else ids[len(ids) // 2]
    with triggers_lifted():
        SensitiveAccess.objects.filter(id=gone).delete()

    assert f"#{ids[ids.index(gone) + 1]}:" in verify_fails()


def test_verify_sees_the_newest_row_removed(people, tree):
    _fill(people, tree)
    with triggers_lifted():
        AuditEvent.objects.order_by("-id").first().delete()

    assert "the newest rows after" in verify_fails()


def test_verify_sees_a_row_written_around_the_chain(people, tree):
    _fill(people, tree)
    forged = AuditEvent.objects.create(action="person.update", target_label="伪造", unit_code="")
    assert f"#{forged.pk}:" in verify_fails()


def test_writers_in_parallel_do_not_fork_the_chain(people, tree, transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database has one writer at a time")
    errors = []

    def writer(i: int) -> None:
        try:
            for j in range(15):
                append(
                    AuditEvent,
                    [AuditEvent(action="person.update", target_label=f"{i}-{j}", unit_code="")],
                )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AuditEvent.objects.filter(action="person.update").count() == 60
    assert "OK" in verify()


def _empty_logs() -> None:
    with triggers_lifted():
        AuditEvent.objects.all().delete()
        SensitiveAccess.objects.all().delete()
    AuditChain.objects.all().delete()


def test_migration_chains_the_rows_already_there(people, tree):
    _empty_logs()
    for i in range(3):
        AuditEvent.objects.create(action="person.update", target_label=f"旧{i}", unit_code="")
    SensitiveAccess.objects.create(
        actor=people.worker_a,
        target_type="registry.person",
        target_id="1",
        target_label="旧",
        unit_code="",
        fields="id_number",
        purpose="service",
        channel="web",
    )
    migration = importlib.import_module("shequ.org.migrations.0007_audit_chain")
    with triggers_lifted():
        migration.chain_existing_rows(django_apps, None)

    out = verify()
    assert "org_auditevent: OK, 3 rows" in out
    assert "org_sensitiveaccess: OK, 1 rows" in out


# --- Retention ------------------------------------------------------------------------------


def _old_and_new(people, days_ago: int = 400) -> None:
    """Old rows, then a new one: the order they have in a log that has been running."""
    _empty_logs()
    old = timezone.now() - datetime.timedelta(days=days_ago)
    append(
        AuditEvent,
        [
            AuditEvent(at=old, action="person.update", target_label=f"旧{i}", unit_code="")
            for i in range(3)
        ],
    )
    append(
        SensitiveAccess,
        [
            SensitiveAccess(
                at=old,
                actor=people.worker_a,
                target_type="registry.person",
                target_id=str(i),
                target_label="旧",
                unit_code="",
                fields="id_number",
                purpose="service",
                channel="web",
            )
            for i in range(2)
        ],
    )
    append(AuditEvent, [AuditEvent(action="person.update", target_label="新", unit_code="")])


def test_prune_deletes_rows_past_the_retention_and_the_chain_still_verifies(people):
    _old_and_new(people)
    out = io.StringIO()
    call_command("audit", "prune", stdout=out)

    assert "org_auditevent: 3 rows older than 184 days deleted" in out.getvalue()
    assert "org_sensitiveaccess: 2 rows older than 184 days deleted" in out.getvalue()
    assert not AuditEvent.objects.filter(target_label__startswith="旧").exists()
    assert AuditEvent.objects.filter(target_label="新").exists()
    (pruned, _second) = events("audit.prune")
    assert pruned.changes["rows"] == 3
    assert AuditEvent.objects.count() == 1 + 2
    assert "org_auditevent: OK" in verify()


def test_prune_keeps_rows_inside_the_retention(people, settings):
    settings.AUDIT_RETENTION_DAYS = 500
    _old_and_new(people, days_ago=400)
    out = io.StringIO()
    call_command("audit", "prune", stdout=out)
    assert "org_auditevent: 0 rows older than 500 days deleted" in out.getvalue()
    assert AuditEvent.objects.filter(target_label__startswith="旧").count() == 3


def test_prune_refuses_a_retention_below_the_legal_minimum(people, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    with pytest.raises(CommandError, match="184"):
        call_command("audit", "prune", stdout=io.StringIO())


def test_prune_refuses_when_the_rows_to_delete_were_changed(people):
    _old_and_new(people)
    pk = _tamper(AuditEvent, "first", "reason", "改过")
    with pytest.raises(CommandError, match=f"#{pk}:"):
        call_command("audit", "prune", stdout=io.StringIO())
    assert AuditEvent.objects.filter(pk=pk).exists()


def test_settings_refuse_a_retention_below_the_legal_minimum():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
            "DJANGO_SETTINGS_MODULE": "shequ.settings",
            "DEBUG": "1",
            "AUDIT_RETENTION_DAYS": "90",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "AUDIT_RETENTION_DAYS must be at least 184" in result.stderr


def test_verify_sees_the_oldest_rows_removed_and_the_anchor_moved_by_hand(people):
    _old_and_new(people)
    call_command("audit", "prune", stdout=io.StringIO())
    first = AuditEvent.objects.order_by("id").first()
    with triggers_lifted():
        AuditEvent.objects.filter(pk=first.pk).delete()
    AuditChain.objects.update(events_anchor_id=first.pk, events_anchor_hash=first.chain_hash)

    assert f"the chain starts at #{first.pk}, which no prune recorded" in verify_fails()


@pytest.mark.skipif(
    "connection.vendor == 'postgresql'", reason="the trigger checks the cutoff on its own clock"
)
def test_a_later_prune_keeps_the_rows_recording_the_anchors(people):
    _old_and_new(people)
    call_command("audit", "prune", stdout=io.StringIO())
    # Half a year later, with no sensitive reads since: the row recording the reads' anchor
    # is past the retention too, and stays.
    later = timezone.now() + datetime.timedelta(days=400)
    for chain in CHAINS.values():
        prune(chain, now=later)

    assert "OK" in verify()
    reads_anchor = AuditChain.objects.get().reads_anchor_id
    assert AuditEvent.objects.filter(
        action="audit.prune", changes__through_id=reads_anchor
    ).exists()
