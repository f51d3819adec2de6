"""Pages of couples and families: record and end a marriage, correct it (certificate,
光荣证), add a child or a newborn, issue a newborn's identity number, 户口性质, 婚育证明 and
pregnancies (with the health right). Each is one event page on a person (``event_view``:
one form, a confirmation for what ends something, one service call); the marriage list
lists a unit's couples."""

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from shequ.core.web import paginate, query_without
from shequ.org.permissions import action_required
from shequ.org.roles import Action
from shequ.registry import selectors, services
from shequ.registry.forms import families as forms
from shequ.registry.models import Person, Sex
from shequ.registry.views.flows import Event, event_view


def _marriage_of(person: Person, uid) -> Any:
    """One of the person's own marriages (the person is in the jurisdiction)."""
    for marriage in selectors.person_marriages(person):
        if str(marriage.uid) == str(uid):
            return marriage
    raise Http404


def _child_of(person: Person, uid) -> Any:
    for child in selectors.person_children_all(person):
        if str(child.uid) == str(uid):
            return child
    raise Http404


def _allow_any(person: Person) -> str:
    """Facts of the past (a late spouse's marriage, a child's death) stay recordable."""
    return ""


MARRIAGE = Event(
    title=gettext_lazy("登记婚姻：%(name)s"),
    intro=gettext_lazy(
        "登记后婚姻状况由婚姻记录得出（双方都在本库时同时更新）。配偶不在本库时填写其姓名、"
        "身份证号码和户籍地。"
    ),
    submit=gettext_lazy("登记婚姻"),
    success=gettext_lazy("已为 %(name)s 登记婚姻。"),
)
MARRIAGE_EDIT = Event(
    title=gettext_lazy("更正婚姻信息：%(name)s"),
    intro=gettext_lazy(
        "更正结婚日期、结婚证、独生子女父母光荣证或非本库配偶的信息；原因记入历史。"
    ),
    submit=gettext_lazy("保存"),
    success=gettext_lazy("已更正 %(name)s 的婚姻信息。"),
)
MARRIAGE_END = Event(
    title=gettext_lazy("婚姻终止：%(name)s"),
    intro=gettext_lazy(
        "登记离婚、配偶死亡或婚姻无效。双方的婚姻状况随之改变；婚姻记录保留，不会删除。"
    ),
    submit=gettext_lazy("确认终止"),
    success=gettext_lazy("已登记 %(name)s 的婚姻终止。"),
    danger=True,
    confirm=True,
)
CHILD = Event(
    title=gettext_lazy("登记子女：%(name)s"),
    intro=gettext_lazy("子女同时记在父母双方名下（配偶为本库人员时）；现有子女数随之更新。"),
    submit=gettext_lazy("登记子女"),
    success=gettext_lazy("已为 %(name)s 登记子女。"),
)
CHILD_EDIT = Event(
    title=gettext_lazy("子女信息：%(name)s"),
    intro=gettext_lazy("登记子女死亡（日期）或残疾等级，供奖励扶助、特别扶助等服务使用。"),
    submit=gettext_lazy("保存"),
    success=gettext_lazy("已更新 %(name)s 的子女信息。"),
)
NEWBORN = Event(
    title=gettext_lazy("新生儿出生登记：%(name)s 的子女"),
    intro=gettext_lazy(
        "尚无身份证号码的新生儿凭出生医学证明登记，住在父/母现居住户；身份证号码签发后在其页面补录。"
    ),
    submit=gettext_lazy("登记新生儿"),
    success=gettext_lazy("已为 %(name)s 登记新生儿。"),
)
ISSUE_ID = Event(
    title=gettext_lazy("补录身份证号码：%(name)s"),
    intro=gettext_lazy("号码须与出生日期、性别一致且未被登记；补录记入历史。"),
    submit=gettext_lazy("保存"),
    success=gettext_lazy("已为 %(name)s 补录身份证号码。"),
)
HUKOU_NATURE = Event(
    title=gettext_lazy("户口性质：%(name)s"),
    intro=gettext_lazy(
        "农业/非农业户口性质（2014年户籍改革前的登记），供奖励扶助等服务核对；历次变更可查。"
    ),
    submit=gettext_lazy("保存"),
    success=gettext_lazy("已更新 %(name)s 的户口性质。"),
)
CERTIFICATE = Event(
    title=gettext_lazy("登记婚育证明：%(name)s"),
    intro=gettext_lazy(
        "流动人口出示的婚育证明：编号、发证地、日期，以及查验方式（本人出示或经户籍地核实）。"
    ),
    submit=gettext_lazy("登记"),
    success=gettext_lazy("已登记 %(name)s 的婚育证明。"),
)
CERTIFICATE_VERIFY = Event(
    title=gettext_lazy("查验婚育证明：%(name)s"),
    intro=gettext_lazy("记录查验：查验人为您，日期默认今天。"),
    submit=gettext_lazy("记录查验"),
    success=gettext_lazy("已记录 %(name)s 婚育证明的查验。"),
)
PREGNANCY = Event(
    title=gettext_lazy("孕情登记：%(name)s"),
    intro=gettext_lazy("孕情属敏感健康信息，仅有“查看健康信息”权限者可见，每次查看均记录。"),
    submit=gettext_lazy("登记孕情"),
    success=gettext_lazy("已为 %(name)s 登记孕情。"),
)
PREGNANCY_OUTCOME = Event(
    title=gettext_lazy("妊娠结局：%(name)s"),
    intro=gettext_lazy("登记妊娠结局；活产的新生儿另行出生登记。"),
    submit=gettext_lazy("保存"),
    success=gettext_lazy("已登记 %(name)s 的妊娠结局。"),
)


def _fact_view(
    event: Event,
    form: Any,
    service: Callable[..., Any],
    *,
    subject: str = "person",
    blocked: Callable[[Person], str] | None = None,
    health: bool = False,
) -> Callable[..., HttpResponse]:
    """The page that records one new fact on a person (a child, a newborn, a 婚育证明, a
    pregnancy): ``event_view`` with the form, calling ``services.<service>`` with the person
    as ``subject``, the form's values and reason. ``health``: a health fact."""
    name = service.__name__

    def view(request: HttpRequest, uid) -> HttpResponse:
        user = request.user

        def run(person: Person, data: dict) -> None:
            service(actor=user, **{subject: person}, values=data, reason=data.get("reason") or "")

        extra = {"blocked": blocked} if blocked is not None else {}
        return event_view(request, uid, event, form_factory=form, run=run, **extra)

    view.__name__ = view.__qualname__ = f"person_{name}"
    view = require_http_methods(["GET", "POST"])(view)
    view = action_required(Action.EDIT_REGISTRY)(view)
    return action_required(Action.VIEW_HEALTH)(view) if health else view


person_child_add = _fact_view(
    CHILD, forms.ChildForm, services.child_record, subject="parent", blocked=_allow_any
)
person_newborn = _fact_view(NEWBORN, forms.NewbornForm, services.newborn_register, subject="parent")
person_certificate_add = _fact_view(
    CERTIFICATE, forms.CertificateForm, services.fertility_certificate_record
)
person_pregnancy_add = _fact_view(
    PREGNANCY, forms.PregnancyForm, services.pregnancy_record, health=True
)


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_marriage_record(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    person = selectors.person_get(user, uid)
    other = Sex.MALE if person.sex == Sex.FEMALE else Sex.FEMALE
    candidates = [p for p in selectors.housemates(person) if p.sex == other]

    def run(person: Person, data: dict) -> None:
        side = "husband" if person.sex == Sex.FEMALE else "wife"
        own = "wife" if side == "husband" else "husband"
        spouse = next((p for p in candidates if str(p.uid) == data.get("spouse")), None)
        form_values = {
            k: data.get(k) for k in ("married_on", "certificate_number", "certificate_place")
        }
        if spouse is None:
            form_values.update(forms.MarriageForm.outside_values_of(data, side))
        services.marriage_record(
            actor=user,
            **{own: person, side: spouse},
            values=form_values,
            reason=data.get("reason") or "",
        )

    return event_view(
        request,
        uid,
        MARRIAGE,
        form_factory=lambda data, initial: forms.MarriageForm(
            data, initial=initial, candidates=candidates
        ),
        run=run,
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_marriage_edit(request: HttpRequest, uid, muid) -> HttpResponse:
    user = request.user
    person = selectors.person_get(user, uid)
    marriage = _marriage_of(person, muid)
    outside_side = (
        "husband" if marriage.husband_id is None else "wife" if marriage.wife_id is None else ""
    )

    def initial(_person: Person) -> dict:
        values = {
            f: getattr(marriage, f)
            for f in (
                "married_on",
                "certificate_number",
                "certificate_place",
                "honor_certificate_number",
                "honor_certificate_date",
            )
        }
        if outside_side:
            values.update(
                spouse_name=getattr(marriage, f"{outside_side}_name"),
                spouse_id_number=getattr(marriage, f"{outside_side}_id_number"),
                spouse_hukou_division=getattr(marriage, f"{outside_side}_hukou_division_id"),
                spouse_hukou_address=getattr(marriage, f"{outside_side}_hukou_address"),
            )
        return {**values, "version": marriage.version}

    def run(_person: Person, data: dict) -> None:
        values = {
            k: data.get(k)
            for k in (
                "married_on",
                "certificate_number",
                "certificate_place",
                "honor_certificate_number",
                "honor_certificate_date",
            )
        }
        if outside_side:
            values.update(forms.MarriageForm.outside_values_of(data, outside_side))
        services.marriage_update(
            actor=user,
            marriage=marriage,
            values=values,
            reason=data["reason"],
            version=data["version"],
        )

    return event_view(
        request,
        uid,
        MARRIAGE_EDIT,
        form_factory=lambda data, initial: forms.MarriageEditForm(
            data, initial=initial, outside=bool(outside_side)
        ),
        run=run,
        initial=initial,
        blocked=_allow_any,
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_marriage_end(request: HttpRequest, uid, muid) -> HttpResponse:
    user = request.user
    person = selectors.person_get(user, uid)
    marriage = _marriage_of(person, muid)
    return event_view(
        request,
        uid,
        MARRIAGE_END,
        form_factory=forms.MarriageEndForm,
        initial=lambda _p: {"version": marriage.version},
        run=lambda _p, data: services.marriage_end(
            actor=user,
            marriage=marriage,
            end_reason=data["end_reason"],
            ended_on=data.get("ended_on"),
            reason=data.get("reason") or "",
            version=data["version"],
        ),
        blocked=lambda _p: "" if marriage.in_force else str(gettext_lazy("该婚姻已终止。")),
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_child_edit(request: HttpRequest, uid, cuid) -> HttpResponse:
    user = request.user
    person = selectors.person_get(user, uid)
    child = _child_of(person, cuid)
    return event_view(
        request,
        uid,
        CHILD_EDIT,
        form_factory=forms.ChildEditForm,
        initial=lambda _p: {
            "name": child.name,
            "death_date": child.death_date,
            "disability_grade": child.disability_grade,
        },
        run=lambda _p, data: services.child_update(
            actor=user, child=child, values=data, reason=data["reason"]
        ),
        blocked=_allow_any,
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_issue_id_number(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    return event_view(
        request,
        uid,
        ISSUE_ID,
        form_factory=forms.IssueIdNumberForm,
        initial=lambda p: {"version": p.version},
        run=lambda person, data: services.person_issue_id_number(
            actor=user,
            person=person,
            id_number=data["id_number"],
            reason=data.get("reason") or "",
            version=data["version"],
        ),
        blocked=lambda p: str(gettext_lazy("此人已有身份证号码。")) if p.id_number else "",
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_hukou_nature(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    return event_view(
        request,
        uid,
        HUKOU_NATURE,
        form_factory=forms.HukouNatureForm,
        initial=lambda p: {"hukou_nature": p.hukou_nature, "version": p.version},
        run=lambda person, data: services.person_set_hukou_nature(
            actor=user,
            person=person,
            nature=data.get("hukou_nature") or "",
            reason=data["reason"],
            version=data["version"],
        ),
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_certificate_verify(request: HttpRequest, uid, cuid) -> HttpResponse:
    user = request.user
    person = selectors.person_get(user, uid)
    cert = next((c for c in selectors.person_certificates(person) if str(c.uid) == str(cuid)), None)
    if cert is None:
        raise Http404
    return event_view(
        request,
        uid,
        CERTIFICATE_VERIFY,
        form_factory=forms.CertificateVerifyForm,
        initial=lambda _p: {"version": cert.version},
        run=lambda _p, data: services.fertility_certificate_verify(
            actor=user,
            certificate=cert,
            how=data["verified_how"],
            on=data.get("verified_on"),
            version=data["version"],
        ),
    )


@action_required(Action.VIEW_HEALTH)
@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_pregnancy_outcome(request: HttpRequest, uid, puid) -> HttpResponse:
    user = request.user
    person = selectors.person_get(user, uid)
    rows = services.pregnancies_read(actor=user, persons=[person], channel="web")
    pregnancy = next((p for p in rows.get(person.pk, []) if str(p.uid) == str(puid)), None)
    if pregnancy is None:
        raise Http404
    return event_view(
        request,
        uid,
        PREGNANCY_OUTCOME,
        form_factory=forms.PregnancyOutcomeForm,
        initial=lambda _p: {"version": pregnancy.version},
        run=lambda _p, data: services.pregnancy_outcome(
            actor=user,
            pregnancy=pregnancy,
            outcome=data["outcome"],
            outcome_on=data["outcome_on"],
            reason=data.get("reason") or "",
            version=data["version"],
        ),
        blocked=_allow_any,
    )


# --- The marriage list ---------------------------------------------------------------------


@action_required(Action.READ_REGISTRY)
@require_GET
def marriage_list(request: HttpRequest) -> HttpResponse:
    """A unit's couples: search by name, in force or ended, 光荣证, a spouse outside."""
    user = request.user
    filterset = selectors.MarriageFilter(request.GET, queryset=selectors.marriages_visible(user))
    problems = filterset.problems()
    queryset = filterset.qs if not problems else selectors.marriages_visible(user).none()
    sort = request.GET.get("sort", "-married_on")
    page = paginate(request, queryset.order_by(*selectors.marriage_order(sort)))
    return render(
        request,
        "registry/marriage_list.html",
        {
            "filter": filterset,
            "problems": problems,
            "page": page,
            "sort": sort,
            "query": query_without(request, "page"),
        },
    )
