"""The person list with its search, filters and bulk checks, and the list of flows."""

import io
import uuid
from functools import partial
from urllib.parse import parse_qsl, urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shequ.core.forms import PlainSelect
from shequ.core.web import ListPaginator, client_ip, paginate, query_without, sort_by
from shequ.jobs.exports import export_file_name, export_job_create, export_needs_job
from shequ.jobs.tasks import enqueue_export_job
from shequ.org.permissions import action_required, staff_required
from shequ.org.roles import Action, can
from shequ.registry import selectors, services
from shequ.registry.export_views import file_response
from shequ.registry.flow_rows import flow_row, flow_unit_names, write_flows
from shequ.registry.forms.checks import ChecksBulkForm
from shequ.registry.forms.housing import unit_filter_choices
from shequ.registry.models import Check, Contraception, PersonStatus
from shequ.registry.person_rows import person_rows, row_labels
from shequ.registry.rules import month_start, quarter_start
from shequ.registry.search_tokens import person_search_token

PERSON_SORTS = selectors.PERSON_SORTS
_REVEALING_CONTRACEPTION = {*Contraception.values, "any", "unprotected"}
# Filters the page keeps in the query string without showing a control for them.
_HIDDEN_FILTERS = ("household", "building", "hukou")


PERSON_SORT_CHOICES = [
    ("name", gettext_lazy("姓名")),
    ("-name", gettext_lazy("姓名（倒序）")),
    ("birth_date", gettext_lazy("年龄从大到小")),
    ("-birth_date", gettext_lazy("年龄从小到大")),
    ("-registered", gettext_lazy("最近建档在前")),
    ("registered", gettext_lazy("最早建档在前")),
]


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs["class"] = css
        if getattr(field, "empty_label", None) is not None:
            # django-filter prepends its empty label ("---------") itself; name it "全部".
            options = [choice for choice in field.choices if choice[0] != ""]
            field.empty_label = None
            field.choices = [("", _("全部")), *options]
        if type(field.widget) is forms.Select:  # the same HTML without a template per option
            field.widget = PlainSelect(attrs=field.widget.attrs, choices=field.widget.choices)


def _person_filter_form(filterset, user, unit: str) -> forms.Form:
    form = filterset.form
    form.fields["unit"].widget = forms.Select(choices=unit_filter_choices(user, unit))
    form.fields["unit"].label = form["unit"].label = _("网格/社区")
    for name in _HIDDEN_FILTERS:
        form.fields[name].widget = forms.HiddenInput()
    _style(form)
    form.fields["search"].widget.attrs.update(
        {
            "class": "form-control form-control-lg",
            "placeholder": _("身份证号、姓名或拼音（如 zs）"),
            "autocomplete": "off",
            "autocapitalize": "off",
        }
    )
    form.fields["search"].widget.input_type = "search"
    return form


def _inactive_matches(request: HttpRequest, page, problems: list[str], token_term: str) -> int:
    """For a search among the people in the register (the default status) that found few or
    none, how many who have left (迁出、死亡、注销) it would find: they stay findable, and
    the page says so rather than "nobody". One capped query, and only for a short result."""
    term = request.GET.get("search", "").strip() or token_term  # ?sid=: an identity number
    # The filter form sends status=active when the user left it at its default.
    if problems or request.GET.get("status", "") not in ("", PersonStatus.ACTIVE) or not term:
        return 0
    if page.number != 1 or len(page.object_list) >= page.paginator.per_page:
        return 0
    if page.object_list and selectors.is_whole_id_number(term):
        return 0  # the one person with this number is listed: nobody else can match
    return selectors.persons_inactive_matching(request.user, request.GET, request=request)


def _search_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """The search form posts its terms; the list is a GET of them, a whole identity number
    replaced by a token kept on the server (``search_tokens``), so the number is in no URL
    (nor in the server's request log)."""
    params = [
        (key, value.strip())
        for key, values in request.POST.lists()
        if key not in ("csrfmiddlewaretoken", "sid", "page")
        for value in values
    ]
    search = request.POST.get("search", "").strip()
    if selectors.is_identifying_id_term(search):
        params = [(key, value) for key, value in params if key != "search"]
        params.append(("sid", person_search_token(request.user, search)))
    return _back_to_list(urlencode(params))


@staff_required
@require_http_methods(["GET", "POST"])
def person_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _search_redirect(request)
    user = request.user
    filterset = selectors.PersonFilter(
        request.GET,
        queryset=selectors.persons_listed(user),
        request=request,
    )
    problems = filterset.problems()
    # A filter that cannot be applied lists nobody (and says why), never everyone.
    persons = filterset.queryset.none() if problems else filterset.qs
    persons, sort = sort_by(request, persons, PERSON_SORTS, "name")
    persons, id_sources = selectors.listed_persons(
        persons, user, None if problems else request.GET.get("search"), request.GET.get("unit")
    )
    page = paginate(request, persons, paginator_class=partial(ListPaginator, id_sources=id_sources))
    today = timezone.localdate()
    contraception = request.GET.get("contraception", "")
    if "contraception" in filterset.filters and contraception in _REVEALING_CONTRACEPTION:
        # Filtering by a method (or by any, or none) shows what each listed person does: a
        # health-data read. "Not registered" shows only that nothing is recorded.
        services.log_health_read(
            actor=user, persons=page.object_list, channel="web", purpose="service"
        )
    token_term = "" if problems else filterset.form.cleaned_data.get("sid", "")
    inactive = _inactive_matches(request, page, problems, token_term)
    form = _person_filter_form(filterset, user, request.GET.get("unit", ""))
    if token_term:
        # The box shows the number the user typed (the page, never its URL, holds it).
        form.data = form.data.copy()
        form.data["search"] = token_term
    query = query_without(request, "page")
    overdue = request.GET.get("overdue", "")
    return render(
        request,
        "registry/person_list.html",
        {
            "page": page,
            "form": form,
            "problems": problems,
            "advanced_fields": [
                form[name]
                for name in form.fields
                if name not in ("search", "sid", *_HIDDEN_FILTERS)
                and name in filterset.filters
                and not (name == "unit" and len(form.fields["unit"].widget.choices) <= 1)
            ],
            "hidden_fields": [form[name] for name in _HIDDEN_FILTERS],
            "filtered": any(
                request.GET.get(name) for name in form.fields if name not in ("status",)
            ),
            "overdue": overdue,
            "month_start": month_start(today),
            "quarter_start": quarter_start(today),
            "today": today,
            "sort": sort,
            "sort_choices": PERSON_SORT_CHOICES,
            "rows": person_rows(page.object_list, user, today),
            "row_labels": row_labels(),
            "query": query,
            "inactive_matches": inactive,
            "inactive_label": f"{selectors.INACTIVE_HINT_CAP}+"
            if inactive > selectors.INACTIVE_HINT_CAP
            else str(inactive),
            "all_status_query": urlencode(
                [*parse_qsl(query_without(request, "page", "status")), ("status", "all")]
            ),
            "sort_query": query_without(request, "page", "sort"),
            "export_query": query_without(request, "page", "page_size"),
            "check_kinds": Check.Kind.choices,
            "check_results": Check.Result.choices,
            "can_edit": can(user, Action.EDIT_REGISTRY),
            "can_export": can(user, Action.EXPORT_REGISTRY),
        },
    )


def _back_to_list(query: str) -> HttpResponseRedirect:
    """The person list with the filters the user had; only a query string is taken from the
    form, never a URL, so the redirect cannot leave the site."""
    params = urlencode(parse_qsl(query or "", keep_blank_values=False))
    url = reverse("registry:person_list")
    return HttpResponseRedirect(f"{url}?{params}" if params else url)


def _uuids(values: list[str]) -> list[uuid.UUID]:
    result = []
    for value in values:
        try:
            result.append(uuid.UUID(value))
        except ValueError as exc:
            raise Http404 from exc
    return result


@action_required(Action.EDIT_REGISTRY)
@require_POST
def checks_bulk(request: HttpRequest) -> HttpResponse:
    user = request.user
    back = _back_to_list(request.POST.get("next", ""))
    uids = set(_uuids(request.POST.getlist("person")))
    if not uids:
        messages.warning(request, _("请先勾选要核查的人员。"))
        return back
    form = ChecksBulkForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}：{error}" if label else error)
        return back
    persons = selectors.persons_by_uid(user, uids)
    if len(persons) != len(uids):
        raise Http404  # someone outside the jurisdiction, answered like a missing one
    data = form.cleaned_data
    try:
        count = services.checks_record(
            actor=user,
            persons=persons,
            kind=data["kind"],
            date=data["date"],
            result=data["result"],
            note=data["note"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("已为 %(n)d 人记录%(kind)s（%(date)s）。")
            % {
                "n": count,
                "kind": Check.Kind(data["kind"]).label,
                "date": data["date"].isoformat(),
            },
        )
    return back


def _export_flows(request: HttpRequest, flows) -> HttpResponse:
    """The listed flows as a file, masked as the list masks them (a person who has left
    the jurisdiction by surname, their new home not named); one audit event. A large export
    goes to the task worker and the user to its status page, as the other exports do."""
    user = request.user
    if not can(user, Action.EXPORT_REGISTRY):
        raise PermissionDenied(_("您的角色不能导出数据。"))
    fmt = "csv" if request.GET["export"] == "csv" else "xlsx"
    filters = query_without(request, "export", "page", "page_size")
    ip = client_ip(request)
    if export_needs_job(flows):
        job = export_job_create(actor=user, kind="flows", fmt=fmt, filters=filters, ip=ip)
        enqueue_export_job(job)
        return redirect("registry:export_status", uid=job.uid)
    buffer = io.BytesIO()
    write_flows(flows, buffer, actor=user, fmt=fmt, ip=ip, filters=filters)
    return file_response(buffer.getvalue(), filename=export_file_name("flows", fmt), fmt=fmt)


@staff_required
def flow_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    filterset = selectors.FlowFilter(
        request.GET, queryset=selectors.flows_visible(user), request=request
    )
    problems = filterset.problems()
    # A filter that cannot be applied lists nothing (and says why), never every flow.
    flows = selectors.flows_in_order(
        filterset.queryset.none() if problems else filterset.qs, user, request.GET.get("unit")
    )
    if request.GET.get("export") in ("xlsx", "csv") and not problems:
        return _export_flows(request, flows)
    page = paginate(request, flows, paginator_class=ListPaginator)
    unit_names = flow_unit_names(page.object_list, user)
    form = filterset.form
    form.fields["unit"].widget = forms.Select(
        choices=unit_filter_choices(user, request.GET.get("unit", ""))
    )
    form.fields["unit"].label = form["unit"].label = _("网格/社区")
    form.fields["person"].widget = forms.HiddenInput()
    for name in ("since", "until"):
        form.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    _style(form)
    return render(
        request,
        "registry/flow_list.html",
        {
            "page": page,
            "rows": [flow_row(f, user, unit_names) for f in page.object_list],
            "form": form,
            "problems": problems,
            "query": query_without(request, "page"),
            "export_query": query_without(request, "page", "export", "page_size"),
            "can_export": can(user, Action.EXPORT_REGISTRY),
        },
    )
