"""Accounts that could escalate (issue 14, item 2): who manages an account, separated duties,
data rights approved by a second person, a reset password changed at the next login."""

import pytest
from django.core.management import call_command

from shequ.org.auth import api_token_issue
from shequ.org.models import ApiToken, AuditEvent, RightRequest, SensitiveAccess, User
from shequ.org.roles import Duty, Role
from tests.conftest import PASSWORD, make_user
from tests.factories import make_building, make_household, make_person

NEW_PASSWORD = "Lijing-work-2026"
OWN_PASSWORD = "Mine-only-2026"
ALL_RIGHTS = ["export_registry", "reveal_id_number", "view_health"]


@pytest.fixture
def resident(tree):
    household = make_household(make_building(tree.grid_a1))
    return make_person(household, contraception="iud")


def new_account(api, actor, **values):
    data = {
        "username": "mole",
        "full_name": "内应",
        "role": Role.COMMUNITY,
        "unit": "340603020001",
        "password": NEW_PASSWORD,
        "rights": ALL_RIGHTS,
    }
    data.update(values)
    return api.as_(actor).post("/api/v1/users/", data, format="json")


def token_for(client, username: str, password: str):
    client.force_authenticate(None)
    return client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def actions_of(api, user) -> set[str]:
    return set(api.as_(user).get("/api/v1/me/").json()["actions"])


# --- (a) city created a community account and read through it ---------------------------


def test_city_data_account_cannot_create_accounts(api, people):
    response = new_account(api, people.city)
    assert response.status_code == 403
    assert not User.objects.filter(username="mole").exists()


def test_an_account_made_by_an_administrator_reads_nothing_sensitive_until_approved(
    api, people, resident
):
    assert new_account(api, people.city_admin).status_code == 201
    mole = User.objects.get(username="mole")
    # Its first login asks for a new password; the API says so and gives no token.
    response = token_for(api, "mole", NEW_PASSWORD)
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"
    # Even with its own password it has no data right: they wait for a second person.
    assert mole.data_rights == []
    assert not actions_of(api, mole) & set(ALL_RIGHTS)
    body = api.as_(mole).get("/api/v1/persons/").json()
    assert [row["name"] for row in body["results"]] == ["张三"]
    assert resident.id_number not in str(body) and "iud" not in str(body)
    reveal = api.as_(mole).post(
        f"/api/v1/persons/{resident.uid}/reveal/", {"purpose": "service"}, format="json"
    )
    assert reveal.status_code == 403
    pending = RightRequest.objects.get(user=mole)
    assert (pending.status, pending.rights, pending.requested_by) == (
        "pending",
        ALL_RIGHTS,
        people.city_admin,
    )


# --- (b) street reset a colleague's password and logged in as them ----------------------


def test_nobody_resets_the_password_of_a_colleague_at_the_same_unit(web, api, people, tree):
    colleague = make_user("street_admin2", Role.STREET, tree.street, Duty.ADMIN)
    for actor, target in [
        (people.street_admin, colleague),
        (people.street_admin, people.street),
        (people.street, people.provider),
    ]:
        response = web.as_(actor).post(
            f"/users/{target.uid}/password/", {"password": "Taken-over-2026", "reason": "接管"}
        )
        assert response.status_code == 403
        target.refresh_from_db()
        assert target.check_password(PASSWORD)
    response = api.as_(people.street_admin).post(
        f"/api/v1/users/{colleague.uid}/password/",
        {"password": "Taken-over-2026", "reason": "接管"},
        format="json",
    )
    assert response.status_code == 403


@pytest.mark.parametrize("persona", ["street_admin", "district_admin"])
def test_nobody_creates_an_account_at_their_own_unit(api, people, tree, persona):
    actor = getattr(people, persona)
    response = new_account(api, actor, role=actor.role, unit=actor.unit_id, duty="admin")
    assert response.status_code == 403
    assert not User.objects.filter(username="mole").exists()


def test_an_administrator_of_a_higher_unit_manages_the_account(api, people):
    response = api.as_(people.district_admin).post(
        f"/api/v1/users/{people.street_admin.uid}/deactivate/", {"reason": "离职"}, format="json"
    )
    assert response.status_code == 200


# --- Separation of duties ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["city_admin", "street_admin", "auditor"])
def test_administrators_and_auditors_read_no_personal_data(api, web, people, resident, persona):
    user = getattr(people, persona)
    assert api.as_(user).get("/api/v1/persons/").json()["results"] == []
    assert api.as_(user).get(f"/api/v1/persons/{resident.uid}/").status_code == 404
    assert web.as_(user).get(f"/registry/persons/{resident.uid}/").status_code == 404
    assert "张三" not in web.as_(user).get("/registry/persons/").text


@pytest.mark.parametrize("persona", ["city_admin", "street_admin", "city", "street", "worker_a"])
def test_administrators_and_data_workers_read_no_audit_log(api, people, persona):
    assert api.as_(getattr(people, persona)).get("/api/v1/audit-events/").status_code == 403


def test_an_auditor_manages_nothing(api, web, people, tree):
    assert new_account(api, people.auditor).status_code == 403
    assert web.as_(people.auditor).get("/users/").status_code == 403
    response = api.as_(people.auditor).post(
        "/api/v1/org-units/",
        {"parent": tree.community_a.code, "code": "34060302000109", "name": "x", "kind": "grid"},
        format="json",
    )
    assert response.status_code == 403


def test_an_administrator_cannot_hold_data_rights(api, people):
    response = new_account(
        api, people.city_admin, role=Role.DISTRICT, unit="340603000000", duty="admin"
    )
    assert response.status_code == 400
    assert "rights" in response.json()


def test_the_duties_of_each_demo_like_account(api, people):
    # City staff keep the rulebook and the health facilities (no personal data in either).
    assert actions_of(api, people.city) == {"read_registry", "manage_rules", "manage_facilities"}
    assert actions_of(api, people.city_admin) == {"manage_org", "manage_users", "approve_rights"}
    assert actions_of(api, people.auditor) == {"view_audit"}
    assert actions_of(api, people.worker_a) == {
        "read_registry",
        "edit_registry",
        "import_registry",
        *ALL_RIGHTS,
        # the demo grants an account every right its role may hold: a community worker keeps
        # and hands out the service room's contraceptives
        "keep_stock",
        "dispense_supplies",
    }


# --- Data rights need a second person ----------------------------------------------------


@pytest.fixture
def pending(api, people):
    assert new_account(api, people.district_admin).status_code == 201
    return RightRequest.objects.get(user__username="mole")


def decide(api, actor, request, approve=True, reason="岗位需要"):
    return api.as_(actor).post(
        f"/api/v1/right-requests/{request.uid}/decide/",
        {"approve": approve, "reason": reason},
        format="json",
    )


def test_the_creator_cannot_approve_the_rights_it_asked_for(api, people, pending):
    assert api.as_(people.district_admin).get("/api/v1/right-requests/").json()["results"] == []
    assert decide(api, people.district_admin, pending).status_code == 403
    assert User.objects.get(username="mole").data_rights == []


def test_a_second_administrator_above_approves_and_it_is_audited(api, web, people, pending):
    listed = api.as_(people.city_admin).get("/api/v1/right-requests/").json()["results"]
    assert [(r["username"], r["rights"], r["requested_by"]) for r in listed] == [
        ("mole", ALL_RIGHTS, "district_admin")
    ]
    assert "mole" in web.as_(people.city_admin).get("/users/approvals/").text
    response = decide(api, people.city_admin, pending)
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    mole = User.objects.get(username="mole")
    assert mole.data_rights == ALL_RIGHTS
    event = AuditEvent.objects.get(action="user.rights_approve")
    assert (event.actor, event.reason, event.target_id) == (
        people.city_admin,
        "岗位需要",
        str(mole.uid),
    )
    assert AuditEvent.objects.filter(action="user.rights_request", actor=people.district_admin)


def test_a_refusal_needs_a_reason_and_grants_nothing(api, people, pending):
    assert decide(api, people.city_admin, pending, approve=False, reason="").status_code == 400
    response = decide(api, people.city_admin, pending, approve=False, reason="不需要")
    assert response.json()["status"] == "refused"
    assert User.objects.get(username="mole").data_rights == []
    assert AuditEvent.objects.get(action="user.rights_refuse").reason == "不需要"


def test_a_data_worker_or_an_auditor_cannot_approve(api, people, pending):
    for actor in (people.street, people.worker_a, people.auditor):
        assert decide(api, actor, pending).status_code == 403


def test_rights_taken_away_go_at_once_and_added_ones_wait(web, people):
    response = web.as_(people.street_admin).post(
        f"/users/{people.worker_a.uid}/rights/",
        {"rights": ["view_health"], "reason": "调整岗位"},
    )
    assert response.status_code == 302
    people.worker_a.refresh_from_db()
    assert people.worker_a.data_rights == ["view_health"]
    assert AuditEvent.objects.get(action="user.rights_change").reason == "调整岗位"
    web.as_(people.street_admin).post(
        f"/users/{people.worker_a.uid}/rights/",
        {"rights": ["view_health", "reveal_id_number"], "reason": "恢复"},
    )
    people.worker_a.refresh_from_db()
    assert people.worker_a.data_rights == ["view_health"]
    request = RightRequest.objects.get(user=people.worker_a, status="pending")
    assert request.rights == ["reveal_id_number"]
    # The district's administrator approves on the page.
    page = web.as_(people.district_admin).post(
        f"/users/approvals/{request.uid}/", {"decision": "approve", "reason": "同意"}
    )
    assert page.status_code == 302
    people.worker_a.refresh_from_db()
    assert people.worker_a.data_rights == ["reveal_id_number", "view_health"]


# --- A reset password is changed at the next login ---------------------------------------


def test_a_reset_password_must_be_changed_at_the_next_login(client, api, people):
    api_token_issue(user=people.worker_a)
    web_admin = client
    web_admin.force_login(people.street_admin)
    web_admin.post(
        f"/users/{people.worker_a.uid}/password/",
        {"password": "Reset-pass-2026", "reason": "忘记密码"},
    )
    web_admin.logout()
    assert not ApiToken.objects.filter(user=people.worker_a).exists()

    response = token_for(api, "worker_a", "Reset-pass-2026")
    assert response.status_code == 403
    assert "修改密码" in response.json()["detail"]

    response = client.post(
        "/accounts/login/", {"username": "worker_a", "password": "Reset-pass-2026"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/accounts/password/"
    assert "管理员重设了您的密码" in response.text
    assert client.get("/registry/persons/").url == "/accounts/password/"
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "Reset-pass-2026",
            "new_password1": OWN_PASSWORD,
            "new_password2": OWN_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get("/registry/persons/").status_code == 200
    people.worker_a.refresh_from_db()
    assert not people.worker_a.must_change_password
    assert token_for(api, "worker_a", OWN_PASSWORD).status_code == 200


# --- The superuser's reads are logged like anyone's --------------------------------------


def test_a_superusers_reveal_and_health_reads_are_logged(api, tree, resident):
    admin = User.objects.create_superuser("root", password=PASSWORD)
    response = api.as_(admin).post(
        f"/api/v1/persons/{resident.uid}/reveal/", {"purpose": "verify"}, format="json"
    )
    assert response.json() == {"id_number": resident.id_number}
    api.as_(admin).get(f"/api/v1/persons/{resident.uid}/")
    logged = SensitiveAccess.objects.filter(actor=admin, target_id=str(resident.uid))
    assert {row.fields for row in logged} >= {"id_number", "contraception"}


# --- Set-up from the command line ---------------------------------------------------------


def test_adduser_creates_an_administrator_and_grants_rights_at_set_up(tree, capsys):
    call_command(
        "adduser", "boss", "--role", "district", "--unit", tree.district.code,
        "--password", NEW_PASSWORD, "--duty", "admin",
    )  # fmt: skip
    call_command(
        "adduser", "nurse", "--role", "provider", "--unit", tree.street.code,
        "--password", NEW_PASSWORD, "--rights", "view_health",
    )  # fmt: skip
    boss, nurse = User.objects.get(username="boss"), User.objects.get(username="nurse")
    assert (boss.duty, boss.data_rights, boss.must_change_password) == ("admin", [], False)
    assert (nurse.duty, nurse.data_rights) == ("data", ["view_health"])
    assert "duty: admin" in capsys.readouterr().out


# --- The approvals list: constant queries ------------------------------------------------


@pytest.mark.parametrize("extra", [2, 30])
def test_approvals_list_runs_constant_queries(
    api, web, people, tree, extra, django_assert_max_num_queries
):
    from shequ.org import services

    for number in range(extra):
        services.user_create(
            actor=people.street_admin,
            username=f"new{number:03d}",
            full_name="新人",
            role=Role.COMMUNITY,
            unit=tree.community_a,
            password=NEW_PASSWORD,
            rights=["view_health"],
        )
    client = web.as_(people.district_admin)
    with django_assert_max_num_queries(8):
        page = client.get("/users/approvals/")
    assert page.text.count("/users/approvals/") >= min(extra, 50)
    assert page.text.count("查看健康信息") == min(extra, 50)
    api_client = api.as_(people.district_admin)
    with django_assert_max_num_queries(4):
        response = api_client.get("/api/v1/right-requests/", {"page_size": 100})
    assert len(response.json()["results"]) == extra


# --- Accounts made before the duties were separated --------------------------------------


def test_migration_gives_existing_accounts_the_duty_and_rights_they_had(tree):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("shequ.org.migrations.0005_user_duties_rights")
    old = {
        name: User.objects.create(username=name, role=role, unit=unit)
        for name, role, unit in [
            ("old_city", Role.CITY, tree.city),
            ("old_street", Role.STREET, tree.street),
            ("old_grid", Role.GRID, tree.grid_a1),
            ("old_auditor", Role.AUDITOR, tree.city),
        ]
    }
    migration._split_duties(apps, None)
    accounts = User.objects.filter(pk__in=[u.pk for u in old.values()])
    found = {u.username: (u.duty, u.data_rights) for u in accounts}
    assert found == {
        "old_city": ("admin", []),
        "old_street": ("data", ALL_RIGHTS),
        "old_grid": ("data", ["reveal_id_number", "view_health"]),
        "old_auditor": ("audit", []),
    }


def test_the_new_account_form_labels_the_rights_above_their_checkboxes(web, people):
    """A list of checkboxes is a group: its label was printed under the boxes, like a box."""
    page = web.as_(people.street_admin).get("/users/new/").text
    group = page[page.index('id="group-id_rights"') - 30 :]
    group = group[: group.index("</div>\n", group.index('name="rights"'))]
    assert 'class="mb-3 form-check"' not in group
    assert group.index("申请数据权限") < group.index('name="rights"')


def test_an_audit_date_range_ending_before_it_starts_is_refused_with_a_message(web, people):
    page = web.as_(people.auditor).get("/audit/", {"since": "2030-01-01", "until": "2020-01-01"})
    assert page.status_code == 200
    assert "“至”的日期不能早于“自”的日期。" in page.text
