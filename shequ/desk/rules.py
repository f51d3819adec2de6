"""The desk's rules as pure functions: who may make which step, which kinds need a review,
the promised time, how long a document is valid, its number, what a status proof says.
No ORM here: services, pages, the API and the demo all ask these."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from shequ.org.roles import Action, Role, can

# Who may make each step of an application (the role of the account; the jurisdiction is
# checked beside it). A sealed document is issued by the street office (街道), which holds
# the seal; a community accepts at its desk and for its residents.
STEP_ROLES: dict[str, frozenset[str]] = {
    "apply": frozenset({Role.COMMUNITY, Role.GRID, Role.STREET}),
    "accept": frozenset({Role.COMMUNITY, Role.STREET}),
    "review": frozenset({Role.STREET}),
    "issue": frozenset({Role.STREET}),
}
# Who may revoke or replace an issued document: the issuer's level.
DOCUMENT_ROLES: frozenset[str] = frozenset({Role.STREET})

# Kinds whose application is reviewed before the document is issued: a replaced 光荣证
# and the legacy certificate restate facts not all in the registry.
REVIEWED_KINDS = frozenset({"glory_certificate", "legacy_status"})

# 承诺时限 in working days from acceptance (the desk's published promise, per kind).
PROMISED_WORKING_DAYS: dict[str, int] = {
    "status_proof": 3,
    "service_book": 5,
    "glory_certificate": 10,
    "legacy_status": 5,
}

# A status proof is valid for three months from its date (MISSION.md, 婚育情况证明).
STATUS_PROOF_VALID_MONTHS = 3


def may_step(user, step: str) -> bool:
    """Whether the user's role may make ``step`` (apply, accept, review, issue). Refusing is
    the step the application waits for. The superuser and the system (None) may all."""
    if user is None or getattr(user, "is_superuser", False):
        return True
    return can(user, Action.EDIT_REGISTRY) and user.role in STEP_ROLES[step]


def may_manage_documents(user) -> bool:
    if user is None or getattr(user, "is_superuser", False):
        return True
    return can(user, Action.EDIT_REGISTRY) and user.role in DOCUMENT_ROLES


def next_step(kind: str, state: str) -> str | None:
    """The step an application in ``state`` waits for (None: decided)."""
    if state == "applied":
        return "accept"
    if state == "accepted":
        return "review" if kind in REVIEWED_KINDS else "issue"
    if state == "reviewed":
        return "issue"
    return None


def kind_problem(kind: str) -> str:
    """Why an application of this kind is not taken ("" when it is)."""
    if kind == "legacy_status" and not settings.DESK_LEGACY_STATUS_CERTIFICATE:
        return _(
            "本地未开展“外出前办理婚育证明”业务：流动人口婚育情况已改为信息核查，"
            "如需证明请申请《婚育情况证明》。"
        )
    return ""


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def valid_until(kind: str, issued_on: datetime.date) -> datetime.date | None:
    """The last day a document of this kind is valid (None: no end)."""
    if kind in ("status_proof", "legacy_status"):
        return add_months(issued_on, STATUS_PROOF_VALID_MONTHS) - datetime.timedelta(days=1)
    return None


def document_number(unit_name: str, year: int, serial: int) -> str:
    """示范街道〔2026〕第000012号: the unit, the year, the unit's serial number that year."""
    return f"{unit_name}〔{year}〕第{serial:06d}号"


def verification_state(status: str, valid_until: datetime.date | None, today: datetime.date) -> str:
    """What the public page says: valid, expired, revoked or replaced."""
    if status != "valid":
        return status
    if valid_until is not None and today > valid_until:
        return "expired"
    return "valid"


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the first character only, for the public."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


# The mark of the row holding the identity number: stored masked in ``Document.content``
# (what pages and the API show), filled in whole only on the printed page (a logged read).
ID_ROW = "id_number"


@dataclass(frozen=True)
class ProofFacts:
    """What a status proof states, read from the registry when it is issued."""

    name: str
    sex: str
    birth_date: str
    id_number: str
    marital_status: str
    marriage_date: str
    spouse: str
    children: str
    hukou: str
    residence: str


def children_text(births: list[tuple[datetime.date, str, bool]]) -> str:
    """现有子女 on a proof: the living children with birth date and sex, the dead counted."""
    living = [f"{born:%Y-%m-%d}（{sex}）" for born, sex, alive in births if alive]
    dead = sum(1 for _born, _sex, alive in births if not alive)
    text = _("%(n)s个") % {"n": len(living)}
    if living:
        text += "：" + "、".join(living)
    if dead:
        text += _("；另有已故子女%(n)s个") % {"n": dead}
    return text


def status_proof_content(facts: ProofFacts) -> dict:
    """The frozen text of a 婚育情况证明: labelled rows and the statement."""
    return {
        "fields": [
            [_("姓名"), facts.name],
            [_("性别"), facts.sex],
            [_("出生日期"), facts.birth_date],
            # Stored masked; the printed page carries the whole number (``ID_ROW``).
            [_("公民身份号码"), facts.id_number, ID_ROW],
            [_("婚姻状况"), facts.marital_status],
            [_("结婚日期"), facts.marriage_date or "—"],
            [_("配偶"), facts.spouse or "—"],
            [_("现有子女"), facts.children],
            [_("户籍地"), facts.hukou],
            [_("现居住地"), facts.residence],
        ],
        "paragraphs": [
            _(
                "兹证明以上婚育情况根据本单位人口信息登记核实，属实。"
                "本证明自开具之日起三个月内有效，可扫描二维码核验真伪。"
            )
        ],
    }


def simple_content(kind_label: str, name: str, id_number: str) -> dict:
    """The frozen text of a service book or a replaced certificate's record."""
    return {
        "fields": [
            [_("姓名"), name],
            [_("公民身份号码"), id_number, ID_ROW],
            [_("事项"), kind_label],
        ],
        "paragraphs": [_("此文书由本单位根据登记信息出具，可扫描二维码核验真伪。")],
    }


# --- Birth registration (生育登记) --------------------------------------------------------

# The rule (rulebook) saying whether a birth registration needs the couple married; keyed
# by region (a province sets it), default row for the whole country: not required.
MARRIAGE_RULE = ("desk", "birth_registration_requires_marriage")


def birth_order(living_children: int) -> int:
    """The order of the registered birth: one more than the living children recorded."""
    return living_children + 1


def birth_stage_problem(stage: str, expected_on, born_on, today: datetime.date) -> dict:
    """What is wrong with the dates of a registration ({} when nothing)."""
    errors: dict[str, list[str]] = {}
    if stage == "before":
        if expected_on is None:
            errors["expected_on"] = [_("孕期登记请填写预产期。")]
        elif expected_on < today - datetime.timedelta(days=30):
            errors["expected_on"] = [_("预产期已过，请按出生后登记（补登）。")]
        elif expected_on > today + datetime.timedelta(days=300):
            errors["expected_on"] = [_("预产期不能晚于今天起 300 天。")]
    elif stage == "after":
        if born_on is None:
            errors["born_on"] = [_("出生后登记请填写出生日期。")]
        elif born_on > today:
            errors["born_on"] = [_("出生日期不能晚于今天。")]
    else:
        errors["stage"] = [_("请选择登记时点。")]
    return errors


# --- 独生子女父母光荣证 -------------------------------------------------------------------

# The last birth date of an only child for whom a new certificate may be issued: the
# 2015 amendment (two children for every couple) ended new issues from 2016-01-01.
GLORY_LAST_BIRTH = datetime.date(2015, 12, 31)
# Those who qualified before could still apply until mid-2016 (DOMAIN-FACTS §3).
GLORY_LAST_ISSUE = datetime.date(2016, 6, 30)


def glory_certificate_problem(child_birth: datetime.date | None) -> str:
    """Why a NEW 光荣证 may not be issued for this child ("" when it may); replacing one
    recorded before is always possible."""
    if child_birth is None:
        return _("请先登记独生子女的出生日期。")
    if child_birth > GLORY_LAST_BIRTH:
        return _(
            "子女出生于 2016 年 1 月 1 日以后：全面两孩政策实施后不再新发《独生子女父母光荣证》。"
            "已领证的可以补发或换发。"
        )
    return ""
