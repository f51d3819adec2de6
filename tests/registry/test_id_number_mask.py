"""The identity-number mask cannot be undone (issue 14, item 1).

For each role, everything it can read about a person by default — the person page with its
timeline, the person list, the building page, the API (detail, list, history), the change
log and the sensitive-read log (pages, CSV files, API), a masked export — is collected, and
the person's identity number must not be rebuildable from it: for a role that may not reveal
numbers, neither the number's birth digits nor the birth date's month and day appear
anywhere; for a role that may, the whole number appears only through an explicit reveal.
"""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.core.identifiers import id_number_for_test, mask_id_number
from shequ.org.audit import SensitiveTarget, audit_change, audit_sensitive_read
from shequ.registry import services
from shequ.registry.models import Person
from shequ.registry.tables import export_write
from tests.factories import make_building, make_household, make_person

BIRTH = datetime.date(1986, 11, 28)
CORRECTED_BIRTH = datetime.date(1986, 11, 27)
NUMBER = id_number_for_test("340603", BIRTH, 428, "M")
CORRECTED = id_number_for_test("340603", CORRECTED_BIRTH, 428, "M")
CHILD_BIRTH = datetime.date(2015, 6, 9)

NO_REVEAL = ["city", "district", "provider", "auditor"]
REVEAL = ["street", "worker_a", "grid_a1"]


@pytest.fixture
def record(tree, people):
    """A person whose number was corrected (two numbers in the history), with a child,
    and change-log and read-log rows as an older version wrote them (longer mask, whole
    birth date)."""
    building = make_building(tree.grid_a1)
    person = make_person(
        make_household(building),
        id_number=NUMBER,
        sex="M",
        birth_date=BIRTH,
        name="王建国",
        marital_status="married",
        children=[{"order": 1, "birth_date": CHILD_BIRTH, "sex": "F"}],
        children_count=1,
    )
    services.person_update(
        actor=people.worker_a,
        person=person,
        values={"id_number": CORRECTED, "birth_date": CORRECTED_BIRTH, "phone": "13905612345"},
        reason="身份证号码录错",
    )
    old_mask = CORRECTED[:6] + "********" + CORRECTED[-4:]
    audit_change(
        actor=people.worker_a,
        action="person.update",
        target=person,
        unit_code=person.unit_id,
        label=f"王建国（{old_mask}）",
        reason="旧版本写的记录",
        changes={"birth_date": [BIRTH.isoformat(), CORRECTED_BIRTH.isoformat()]},
    )
    audit_sensitive_read(
        actor=people.worker_a,
        targets=[SensitiveTarget("registry.person", str(person.uid), f"王建国（{old_mask}）", "x")],
        fields=["id_number"],
        purpose="verify",
        channel="web",
    )
    return Person.objects.get(pk=person.pk), building


def _texts(web, api, user, person, building) -> dict[str, str]:
    """What the user can read about the person by default, by where it was read."""
    web.as_(user)
    api.as_(user)
    pages = {
        "person page": reverse("registry:person_detail", args=[person.uid]),
        "person list": reverse("registry:person_list") + "?search=王建国",
        "building page": reverse("registry:building_detail", args=[building.uid]),
        "change log": reverse("org:audit_events"),
        "change log csv": reverse("org:audit_events") + "?export=csv",
        "read log": reverse("org:sensitive_accesses"),
        "read log csv": reverse("org:sensitive_accesses") + "?export=csv",
    }
    texts = {name: web.get(url).content.decode("utf-8-sig") for name, url in pages.items()}
    for name, url in {
        "api detail": f"/api/v1/persons/{person.uid}/",
        "api list": "/api/v1/persons/?status=all",
        "api history": f"/api/v1/persons/{person.uid}/history/",
        "api change log": "/api/v1/audit-events/",
        "api read log": "/api/v1/sensitive-accesses/",
    }.items():
        texts[name] = api.get(url).content.decode()
    return texts


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _month_day_shown(text: str, day: datetime.date) -> str:
    """11-28, 11/28, 11.28, 11月28 (with or without the year, which is shown), with what
    surrounds it; "" when absent."""
    text = _UUID.sub("<uuid>", text)  # a uuid's "…a6-9b…" is no date
    found = re.search(rf"(?<![0-9A-Za-z])0?{day.month}(?:-|/|\.|月)0?{day.day}(?!\d)", text)
    return text[max(found.start() - 30, 0) : found.end() + 30] if found else ""


@pytest.mark.parametrize("role", NO_REVEAL)
def test_nothing_a_role_without_reveal_reads_rebuilds_the_number(role, people, web, api, record):
    person, building = record
    texts = _texts(web, api, getattr(people, role), person, building)
    everything = "\n".join(texts.values())
    if role == "auditor":  # reads no person records (duties), only the logs that name them
        assert "未找到" in texts["person page"]
    else:
        assert mask_id_number(CORRECTED) in everything  # the reads did show the person
        assert "1986" in texts["person page"] and "1986" in texts["api detail"]
    for where, text in texts.items():
        for number, birth in ((NUMBER, BIRTH), (CORRECTED, CORRECTED_BIRTH)):
            assert number not in text, where
            assert number[6:14] not in text, where  # the birth digits
            assert number[3:16] not in text, where  # every hidden digit
            assert not (shown := _month_day_shown(text, birth)), f"{where}: {shown}"
        assert not (shown := _month_day_shown(text, CHILD_BIRTH)), f"{where}: {shown}"


@pytest.mark.parametrize("role", REVEAL)
def test_a_role_that_may_reveal_sees_the_whole_number_only_by_revealing_it(
    role, people, web, api, record
):
    person, building = record
    user = getattr(people, role)
    texts = _texts(web, api, user, person, building)
    assert mask_id_number(CORRECTED) in texts["person page"]
    assert CORRECTED_BIRTH.isoformat() in texts["api detail"]  # this role sees birth dates
    for where, text in texts.items():
        assert CORRECTED not in text and NUMBER not in text, where
    revealed = api.post(
        f"/api/v1/persons/{person.uid}/reveal/", {"purpose": "verify"}, format="json"
    )
    assert revealed.json() == {"id_number": CORRECTED}


def test_a_masked_export_writes_the_birth_year_only(people, record):
    person, _building = record
    out = io.BytesIO()
    export_write(
        "persons",
        Person.objects.filter(pk=person.pk),
        out,
        actor=people.worker_a,
        fmt="csv",
        reveal=False,
        health=False,
    )
    text = out.getvalue().decode("utf-8-sig")
    assert mask_id_number(CORRECTED) in text
    assert CORRECTED[6:14] not in text
    assert not _month_day_shown(text, CORRECTED_BIRTH)
    assert not _month_day_shown(text, CHILD_BIRTH)
    assert "1:2015:女" in text


def test_the_age_filter_of_a_role_without_reveal_goes_by_the_year(api, people, tree):
    """An exact age band would drop a person on their birthday: watched daily, it dates it."""
    today = timezone.localdate()
    if (today.month, today.day) == (12, 31):
        pytest.skip("on 31 December the exact age and this year's age agree")
    home = make_household(make_building(tree.grid_a1))
    born = datetime.date(today.year - 50, 12, 31)
    make_person(home, name="年末生", birth_date=born, region="340621")

    def band(user, value):
        response = api.as_(user).get("/api/v1/persons/", {"age": value})
        return [row["name"] for row in response.json()["results"]]

    assert band(people.worker_a, "15-49") == ["年末生"]  # 49 until 31 December
    assert band(people.city, "15-49") == []  # 50 this year, as the city is shown
    assert band(people.city, "50-59") == ["年末生"]


# --- Forms that carry an identity number (the edit-form hole) ----------------------------

ALL_ROLES = [*NO_REVEAL, *REVEAL, "editor_no_reveal", "street_admin"]


def _role_user(people, tree, role):
    if role == "editor_no_reveal":  # an editor whose reveal right was never approved
        from tests.conftest import make_user

        return make_user("grid_plain", "grid", tree.grid_a1, rights=frozenset())
    return getattr(people, role)


def _form_pages(person, building, household) -> dict[str, str]:
    return {
        "person edit": reverse("registry:person_edit", args=[person.uid]),
        "person register": reverse("registry:person_register"),
        "transfer in": reverse("registry:person_transfer_in"),
        "household edit": reverse("registry:household_edit", args=[household.uid]),
        "new household": reverse("registry:household_create", args=[building.uid]),
    }


@pytest.mark.parametrize("role", ALL_ROLES)
def test_no_form_gives_the_whole_number_to_a_role_that_may_not_reveal_it(
    role, people, tree, web, record
):
    """Every form, for every role: the whole number (or its hidden digits) only in the edit
    form of an editor who may reveal it, and that read is in the sensitive-read log."""
    from shequ.org.models import SensitiveAccess
    from shequ.org.roles import Action, can

    person, building = record
    landlord_home = make_household(building, "102", is_rented=True, landlord=person)
    user = _role_user(people, tree, role)
    web.as_(user)
    reveal = can(user, Action.REVEAL_ID_NUMBER)
    for where, url in _form_pages(person, building, landlord_home).items():
        before = SensitiveAccess.objects.filter(actor=user, fields="id_number").count()
        text = web.get(url).content.decode()
        logged = SensitiveAccess.objects.filter(actor=user, fields="id_number").count() - before
        if where == "person edit" and reveal and can(user, Action.EDIT_REGISTRY):
            assert CORRECTED in text
            assert logged == 1, where
            continue
        assert logged == 0, where
        for number in (NUMBER, CORRECTED):
            assert number not in text, f"{role}: {where}"
            assert number[3:16] not in text, f"{role}: {where}"
        if where == "person edit" and can(user, Action.EDIT_REGISTRY):
            assert mask_id_number(CORRECTED) in text
            assert not _month_day_shown(text, CORRECTED_BIRTH), where


def _edit_post(person, **changes) -> dict[str, str]:
    values = {
        "id_number": mask_id_number(person.id_number),
        "name": person.name,
        "sex": person.sex,
        "birth_date": "",
        "ethnicity": person.ethnicity,
        "hukou_division": person.hukou_division_id,
        "marital_status": person.marital_status,
        "children_count": "1",
        "reason": "核对更正",
        "version": str(person.version),
        "children-TOTAL_FORMS": "1",
        "children-INITIAL_FORMS": "1",
        "children-MIN_NUM_FORMS": "0",
        "children-MAX_NUM_FORMS": "20",
        "children-0-order": "1",
        "children-0-birth_date": CHILD_BIRTH.isoformat(),
        "children-0-sex": "F",
    }
    values.update(changes)
    return values


def test_an_editor_without_reveal_keeps_or_replaces_the_number(people, tree, web, record):
    person, _building = record
    user = _role_user(people, tree, "editor_no_reveal")
    web.as_(user)
    url = reverse("registry:person_edit", args=[person.uid])
    # Sent back masked: the stored number and birth date stay, the other change is saved.
    response = web.post(url, _edit_post(person, phone="13905619999"))
    assert response.status_code == 302, re.findall(
        r"(?:invalid-feedback|alert)[^>]*>([^<]*<[^<]*<?[^<]*)", response.content.decode()
    )
    person.refresh_from_db()
    assert (person.id_number, person.birth_date, person.phone) == (
        CORRECTED,
        CORRECTED_BIRTH,
        "13905619999",
    )
    # A whole new valid number replaces it, with its history and reason.
    new = id_number_for_test("340603", CORRECTED_BIRTH, 256, "M")
    response = web.post(url, _edit_post(person, id_number=new, reason="证件换发"))
    assert response.status_code == 302, re.findall(
        r"(?:invalid-feedback|alert)[^>]*>([^<]*<[^<]*<?[^<]*)", response.content.decode()
    )
    person.refresh_from_db()
    assert person.id_number == new and person.birth_date == CORRECTED_BIRTH
    last = person.history.order_by("-history_id").first()
    assert last.history_change_reason == "证件换发" and last.history_user_id == user.pk
    # Anything else that is not a whole number is refused, masked or not.
    response = web.post(url, _edit_post(person, id_number="340*****512"))
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.id_number == new
