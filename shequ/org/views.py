"""Pages of the organisation tree, staff users and the audit logs."""

from collections.abc import Iterator
from itertools import islice
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.core.dashboard import Card, cards_for
from shequ.core.forms import add_service_errors, show_conflict
from shequ.core.identifiers import redact_id_numbers
from shequ.core.tabular import Column, Table
from shequ.core.versions import EditConflict
from shequ.core.web import client_ip, download, paginate, query_without, sort_by
from shequ.org import selectors, services
from shequ.org.audit import audit_export
from shequ.org.audit_display import describe_changes, mask_labels
from shequ.org.forms import (
    AuditEventFilterForm,
    AuditFilterForm,
    DelegateForm,
    OrgUnitCreateForm,
    OrgUnitRenameForm,
    PasswordResetForm,
    ReasonForm,
    UserCreateForm,
    UserEditForm,
    UserRightsForm,
)
from shequ.org.models import OrgUnit, User
from shequ.org.permissions import StaffRequest, action_required, staff_required
from shequ.org.roles import Action, Level, Role, can, rights_labels
from shequ.org.scoping import code_in_scope, subtree_q


def _unit_context(user, unit: OrgUnit) -> dict:
    ancestors = selectors.org_unit_ancestors(unit)
    return {
        "unit": unit,
        "ancestors": [(a, code_in_scope(user, a.code, personal=False)) for a in ancestors],
        "can_manage": can(user, Action.MANAGE_ORG)
        and (user.is_superuser or unit.code != user.unit_id),
        "can_add_child": can(user, Action.MANAGE_ORG)
        and unit.is_active
        and unit.level < Level.GRID,
    }


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What django-axes answers once a user name is locked: a page, or JSON for the API."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path_info.startswith("/api/"):
        message = _("登录失败次数过多，该用户名已锁定 %(minutes)d 分钟。") % {"minutes": minutes}
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


@staff_required
def home(request: StaffRequest) -> HttpResponse:
    user = request.user
    unit = selectors.org_unit_root_for(user)
    context: dict[str, Any] = {"cards": [], "unit": unit}
    if unit is not None:
        counts = selectors.org_unit_subtree_counts(unit)
        tree_url = reverse("org:unit", args=[unit.code])
        cards = [
            Card(Level(level).label, counts[level], tree_url, "diagram-3")
            for level in sorted(counts)
        ]
        context.update(_unit_context(user, unit))
        # Figures of people are data work: an administrator or an auditor sees the tree only.
        reads_people = can(user, Action.READ_REGISTRY)
        context["cards"] = cards + (cards_for(user, unit) if reads_people else [])
        context["delegated"] = [
            z for z in selectors.org_units_visible(user).filter(delegate=unit, is_active=True)
        ]
    return render(request, "org/home.html", context)


@staff_required
def tree(request: StaffRequest) -> HttpResponse:
    unit = selectors.org_unit_root_for(request.user)
    if unit is None:
        raise Http404
    return redirect("org:unit", code=unit.code)


def _tree_table(figures) -> Table:
    return Table(
        kind="org_units",
        title=_("组织"),
        columns=[
            Column(_("代码"), "code", width=16, text=True),
            Column(_("名称"), "name", width=20),
            Column(_("上级代码"), "parent_code", width=16, text=True),
            Column(_("层级"), "level", width=10),
            Column(_("类型"), "kind", width=18),
            Column(_("状态"), "status", width=8),
            *[Column(str(figure.label), figure.key, width=10) for figure in figures],
        ],
    )


def _tree_export(request: StaffRequest, unit: OrgUnit) -> HttpResponse:
    """The unit and every unit below it, each with the counts of its subtree."""
    units = list(selectors.org_units_in_subtree(request.user, unit))
    reads_people = can(request.user, Action.READ_REGISTRY)
    figures = selectors.org_unit_figures(request.user, unit, units) if reads_people else []
    rows = (
        {
            "code": u.code,
            "name": u.name,
            "parent_code": u.parent.code if u.parent else "",
            "level": u.get_level_display(),
            "kind": u.get_kind_display(),
            "status": _("在用") if u.is_active else _("已撤销"),
            **{figure.key: figure.of(u) for figure in figures},
        }
        for u in units
    )
    return download(
        _tree_table(figures), rows, basename=f"org-{unit.code}", fmt=request.GET["export"]
    )


@staff_required
def unit_detail(request: StaffRequest, code: str) -> HttpResponse:
    user = request.user
    unit = selectors.org_unit_get(user, code)
    if request.GET.get("export") in ("xlsx", "csv"):
        return _tree_export(request, unit)
    children = selectors.org_unit_children(user, unit)
    show_closed = request.GET.get("closed") == "1"
    if not show_closed:
        children = children.filter(is_active=True)
    q = (request.GET.get("q") or "").strip()
    if q:
        children = children.filter(Q(name__contains=q) | Q(code__startswith=q))
    page = paginate(request, children, per_page=100)
    page.object_list = list(page.object_list)
    # One grouped query per kind of record for the unit and all children of the page.
    figures = (
        selectors.org_unit_figures(user, unit, [unit, *page.object_list])
        if can(user, Action.READ_REGISTRY)
        else []
    )
    context = _unit_context(user, unit) | {
        "page": page,
        "figures": figures,
        "child_rows": [
            (child, [(f.label, f.of(child), f.url(child.code)) for f in figures])
            for child in page.object_list
        ],
        "totals": [(f.label, f.of(unit), f.url(unit.code)) for f in figures],
        "unit_links": [(f.link_label, f.url(unit.code)) for f in figures if f.link_label],
        "q": q,
        "show_closed": show_closed,
        "query": query_without(request, "page"),
        "delegated": selectors.org_units_visible(user).filter(delegate=unit, is_active=True),
        "unit_users": selectors.users_visible(user).filter(unit=unit, is_active=True)[:50],
    }
    return render(request, "org/unit_detail.html", context)


@action_required(Action.MANAGE_ORG)
@require_http_methods(["GET", "POST"])
def unit_create(request: StaffRequest, code: str) -> HttpResponse:
    parent = selectors.org_unit_get(request.user, code)
    form = OrgUnitCreateForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.org_unit_create(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已建立 %(name)s。") % {"name": unit.name})
            return redirect("org:unit", code=unit.code)
    return render(
        request,
        "org/form.html",
        {"form": form, "unit": parent, "title": _("在 %(p)s 下新建单位") % {"p": parent.name}},
    )


def _unit_change(request, code, *, form_class, title, service, success, danger=False, **extra):
    unit = selectors.org_unit_get(request.user, code)
    form = form_class(
        request.POST or None, initial={"version": unit.version}, **extra.get("form_kwargs", {})
    )
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, unit=unit, **form.cleaned_data)
        except EditConflict as conflict:  # a rename based on an older version
            show_conflict(form, conflict, {"name": cast(OrgUnit, conflict.current).name})
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success % {"name": unit.name})
            return redirect("org:unit", code=unit.code)
    return render(
        request,
        "core/confirm.html",
        {
            "form": form,
            "title": title % {"name": unit.name},
            "question": extra.get("question", ""),
            "confirm_label": extra.get("confirm_label", _("保存")),
            "danger": danger,
            "cancel_url": reverse("org:unit", args=[unit.code]),
        },
    )


@action_required(Action.MANAGE_ORG)
@require_http_methods(["GET", "POST"])
def unit_rename(request: StaffRequest, code: str) -> HttpResponse:
    return _unit_change(
        request,
        code,
        form_class=OrgUnitRenameForm,
        title=_("更名：%(name)s"),
        service=services.org_unit_rename,
        success=_("已更名为 %(name)s。"),
    )


@action_required(Action.MANAGE_ORG)
@require_http_methods(["GET", "POST"])
def unit_close(request: StaffRequest, code: str) -> HttpResponse:
    return _unit_change(
        request,
        code,
        form_class=ReasonForm,
        title=_("撤销：%(name)s"),
        service=services.org_unit_close,
        success=_("%(name)s 已撤销。"),
        danger=True,
        question=_("撤销后该单位不再接受新的人员和用户，历史记录保留，可以恢复。确定撤销吗？"),
        confirm_label=_("确认撤销"),
    )


@action_required(Action.MANAGE_ORG)
@require_http_methods(["GET", "POST"])
def unit_reopen(request: StaffRequest, code: str) -> HttpResponse:
    return _unit_change(
        request,
        code,
        form_class=ReasonForm,
        title=_("恢复：%(name)s"),
        service=services.org_unit_reopen,
        success=_("%(name)s 已恢复。"),
        confirm_label=_("确认恢复"),
    )


@action_required(Action.MANAGE_ORG)
@require_http_methods(["GET", "POST"])
def zone_delegate(request: StaffRequest, code: str) -> HttpResponse:
    zone = selectors.org_unit_get(request.user, code)
    if zone.kind != OrgUnit.Kind.COMPOUND:
        raise Http404
    form = DelegateForm(
        request.POST or None,
        zone=zone,
        initial={"delegate": zone.delegate.code if zone.delegate else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.blind_zone_delegate(
                actor=request.user,
                zone=zone,
                delegate=form.cleaned_data["delegate"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已更新 %(name)s 的代管单位。") % {"name": zone.name})
            return redirect("org:unit", code=zone.code)
    return render(
        request,
        "core/confirm.html",
        {
            "form": form,
            "title": _("委托代管：%(name)s") % {"name": zone.name},
            "question": _(
                "未建社区的新建小区由所在街道管理，或由街道指定相邻社区代管。"
                "代管社区的工作人员将能看到并管理该小区。"
            ),
            "confirm_label": _("保存"),
            "cancel_url": reverse("org:unit", args=[zone.code]),
        },
    )


# --- Users --------------------------------------------------------------------------------

USER_TABLE = Table(
    kind="users",
    title=_("用户"),
    columns=[
        Column(_("用户名"), "username", width=16),
        Column(_("姓名"), "full_name"),
        Column(_("角色"), "role"),
        Column(_("职责"), "duty"),
        Column(_("数据权限"), "rights", width=30),
        Column(_("单位代码"), "unit_code", width=16),
        Column(_("单位"), "unit_name", width=20),
        Column(_("手机号码"), "phone"),
        Column(_("状态"), "status"),
        Column(_("最近登录"), "last_login", width=18),
    ],
)


def _manageable_units(user):
    return selectors.user_units_manageable(user)


def _audited_download(
    request: StaffRequest, table: Table, rows, *, basename: str, kind: str, target_type: str
) -> HttpResponse:
    """A download of the user list or an audit log, itself in the change log: how many
    rows, which format, which filters."""
    count = 0

    def counted():
        nonlocal count
        for row in rows:
            count += 1
            yield row

    fmt = request.GET["export"]
    response = download(table, counted(), basename=basename, fmt=fmt)
    filters = {k: v for k, v in request.GET.items() if k not in ("export", "page") and v}
    audit_export(
        actor=request.user,
        kind=kind,
        target_type=target_type,
        label=str(table.title),
        changes={"rows": count, "format": fmt, **({"filters": filters} if filters else {})},
        ip=client_ip(request),
    )
    return response


@action_required(Action.MANAGE_USERS)
def user_list(request: StaffRequest) -> HttpResponse:
    users = selectors.users_visible(request.user)
    q = (request.GET.get("q") or "").strip()
    role = request.GET.get("role") or ""
    unit = (request.GET.get("unit") or "").strip()
    status = request.GET.get("status") or "active"
    if q:
        users = users.filter(Q(username__icontains=q) | Q(full_name__contains=q))
    if role in Role.values:
        users = users.filter(role=role)
    if unit:
        users = users.filter(subtree_q("unit_id", unit))
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "inactive":
        users = users.filter(is_active=False)
    users, sort = sort_by(
        request,
        users,
        {
            "username": "username",
            "name": "full_name",
            "unit": ("unit_id", "username"),
            "role": ("role", "username"),
            "login": "last_login",
        },
        "unit",
    )
    if request.GET.get("export") in ("xlsx", "csv"):
        rows = (
            {
                "username": u.username,
                "full_name": u.full_name,
                "role": u.get_role_display(),
                "duty": u.get_duty_display(),
                "rights": "、".join(rights_labels(u.data_rights)),
                "unit_code": u.unit_id,
                "unit_name": u.unit.name if u.unit else "",
                "phone": u.phone,
                "status": _("在用") if u.is_active else _("停用"),
                "last_login": u.last_login,
            }
            for u in users.iterator(chunk_size=2000)
        )
        return _audited_download(
            request, USER_TABLE, rows, basename="users", kind="users", target_type="org.user"
        )
    return render(
        request,
        "org/user_list.html",
        {
            "page": paginate(request, users),
            "q": q,
            "role": role,
            "unit_filter": unit,
            "status": status,
            "roles": Role.choices,
            "sort": sort,
            "query": query_without(request, "page"),
            "sort_query": query_without(request, "page", "sort"),
        },
    )


@action_required(Action.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_create(request: StaffRequest) -> HttpResponse:
    units = _manageable_units(request.user)
    form = UserCreateForm(
        request.POST or None,
        units=units,
        roles=selectors.user_roles_assignable(request.user, units),
        initial={"unit": request.GET.get("unit")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = services.user_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已建立用户 %(u)s。") % {"u": created.username})
            return redirect("org:user_list")
    return render(request, "org/form.html", {"form": form, "title": _("新建用户")})


def _user_initial(user: User) -> dict:
    return {
        "full_name": user.full_name,
        "phone": user.phone,
        "role": user.role,
        "duty": user.duty,
        "unit": user.unit_id,
        "version": user.version,
    }


@action_required(Action.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_edit(request: StaffRequest, uid) -> HttpResponse:
    target = selectors.user_get(request.user, uid)
    units = _manageable_units(request.user)
    form = UserEditForm(
        request.POST or None,
        units=units,
        roles=selectors.user_roles_assignable(request.user, units),
        initial=_user_initial(target),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=target, **form.cleaned_data)
        except EditConflict as conflict:
            show_conflict(form, conflict, _user_initial(cast(User, conflict.current)))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存 %(u)s。") % {"u": target.username})
            return redirect("org:user_list")
    history = list(
        selectors.audit_events(request.user).filter(
            target_type="org.user", target_id=str(target.uid)
        )[:20]
    )
    describe_changes(request.user, history)
    return render(
        request,
        "org/user_edit.html",
        {
            "form": form,
            "target": target,
            "history": history,
            "rights": rights_labels(target.data_rights),
            "requests": list(selectors.right_requests_of(request.user, target)[:10]),
            "title": _("用户：%(u)s") % {"u": target.username},
        },
    )


@action_required(Action.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_rights(request: StaffRequest, uid) -> HttpResponse:
    target = selectors.user_get(request.user, uid)
    form = UserRightsForm(request.POST or None, initial={"rights": target.data_rights})
    if request.method == "POST" and form.is_valid():
        try:
            pending = services.user_set_rights(actor=request.user, user=target, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if pending is not None:
                messages.success(request, _("已提交数据权限申请，待上级管理员审批后生效。"))
            else:
                messages.success(request, _("已保存 %(u)s 的数据权限。") % {"u": target.username})
            return redirect("org:user_edit", uid=target.uid)
    return render(
        request,
        "org/form.html",
        {
            "form": form,
            "title": _("数据权限：%(u)s") % {"u": target.username},
            "cancel_url": reverse("org:user_edit", args=[target.uid]),
        },
    )


@action_required(Action.APPROVE_RIGHTS)
def right_requests(request: StaffRequest) -> HttpResponse:
    pending = selectors.right_requests_pending(request.user)
    page = paginate(request, pending)
    return render(
        request, "org/right_requests.html", {"page": page, "query": query_without(request, "page")}
    )


@action_required(Action.APPROVE_RIGHTS)
@require_http_methods(["GET", "POST"])
def right_request_decide(request: StaffRequest, uid) -> HttpResponse:
    pending = selectors.right_request_get(request.user, uid)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = request.POST.get("decision") == "approve"
        try:
            services.right_request_decide(
                actor=request.user,
                request=pending,
                approve=approve,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                (_("已批准 %(u)s 的数据权限。") if approve else _("已拒绝 %(u)s 的数据权限申请。"))
                % {"u": pending.user.username},
            )
            return redirect("org:right_requests")
    return render(
        request,
        "org/right_request_decide.html",
        {
            "form": form,
            "pending": pending,
            "may_decide": services.may_decide(request.user, pending),
            "title": _("审批数据权限：%(u)s") % {"u": pending.user.username},
        },
    )


@action_required(Action.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_set_active(request: StaffRequest, uid, active: bool) -> HttpResponse:
    target = selectors.user_get(request.user, uid)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_active(
                actor=request.user, user=target, active=active, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                (_("已启用 %(u)s。") if active else _("已停用 %(u)s。")) % {"u": target.username},
            )
            return redirect("org:user_list")
    return render(
        request,
        "core/confirm.html",
        {
            "form": form,
            "title": (_("启用用户：%(u)s") if active else _("停用用户：%(u)s"))
            % {"u": target.username},
            "question": ""
            if active
            else _("停用后该用户不能登录，其接口令牌作废；账号和操作记录保留。"),
            "confirm_label": _("确认启用") if active else _("确认停用"),
            "danger": not active,
            "cancel_url": reverse("org:user_edit", args=[target.uid]),
        },
    )


@action_required(Action.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_password(request: StaffRequest, uid) -> HttpResponse:
    target = selectors.user_get(request.user, uid)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(actor=request.user, user=target, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已重设 %(u)s 的密码。") % {"u": target.username})
            return redirect("org:user_edit", uid=target.uid)
    return render(
        request,
        "org/form.html",
        {"form": form, "title": _("重设密码：%(u)s") % {"u": target.username}},
    )


# --- Audit logs -------------------------------------------------------------------------

EVENT_TABLE = Table(
    kind="audit_events",
    title=_("变更记录"),
    columns=[
        Column(_("时间"), "at", width=18),
        Column(_("操作人"), "actor"),
        Column(_("操作"), "action", width=18),
        Column(_("操作代码"), "action_code", width=18),
        Column(_("对象"), "target_label", width=20),
        Column(_("单位代码"), "unit_code", width=16),
        Column(_("原因"), "reason", width=30),
        Column(_("变更内容"), "changes", width=60),
        Column(_("IP 地址"), "ip"),
    ],
)

ACCESS_TABLE = Table(
    kind="sensitive_accesses",
    title=_("敏感信息查看记录"),
    columns=[
        Column(_("时间"), "at", width=18),
        Column(_("查看人"), "actor"),
        Column(_("对象"), "target_label", width=20),
        Column(_("单位代码"), "unit_code", width=16),
        Column(_("查看内容"), "fields", width=20),
        Column(_("目的"), "purpose"),
        Column(_("途径"), "channel"),
        Column(_("IP 地址"), "ip"),
    ],
)


def _event_rows(user, events) -> Iterator[dict]:
    """The change log as the page words it (action names, field labels, named records),
    described a batch at a time so related records cost one query per batch."""
    stream = events.iterator(chunk_size=2000)
    while batch := list(islice(stream, 2000)):
        describe_changes(user, batch)
        for e in batch:
            yield {
                "at": timezone.localtime(e.at),
                "actor": e.actor.username if e.actor else "",
                "action": e.action_label,
                "action_code": e.action,
                "target_label": e.target_label,
                "unit_code": e.unit_code,
                "reason": e.reason,
                "changes": "；".join(
                    f"{line.label}：{line.old.text} → {line.new.text}"
                    if line.old is not None
                    else f"{line.label}：{line.new.text}"
                    for line in e.change_lines
                ),
                "ip": e.ip,
            }


def _audit_filters(request, form_class=AuditFilterForm) -> tuple[AuditFilterForm, dict]:
    form = form_class(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, {k: v for k, v in filters.items() if v}


@action_required(Action.VIEW_AUDIT)
def audit_events(request: StaffRequest) -> HttpResponse:
    form, filters = _audit_filters(request, AuditEventFilterForm)
    events = selectors.audit_events(request.user, **filters)
    if request.GET.get("export") in ("xlsx", "csv"):
        rows = _event_rows(request.user, events)
        return _audited_download(
            request,
            EVENT_TABLE,
            rows,
            basename="audit-events",
            kind="audit_events",
            target_type="org.auditevent",
        )
    page = paginate(request, events)
    page.object_list = list(page.object_list)
    describe_changes(request.user, page.object_list)
    return render(
        request,
        "org/audit_events.html",
        {
            "form": form,
            "page": page,
            "query": query_without(request, "page"),
            "export_query": query_without(request, "page", "export"),
            "tab": "events",
        },
    )


@action_required(Action.VIEW_AUDIT)
def sensitive_accesses(request: StaffRequest) -> HttpResponse:
    form, filters = _audit_filters(request)
    accesses = selectors.sensitive_accesses(request.user, **filters)
    if request.GET.get("export") in ("xlsx", "csv"):
        rows = (
            {
                "at": timezone.localtime(a.at),
                "actor": a.actor.username,
                "target_label": redact_id_numbers(a.target_label),
                "unit_code": a.unit_code,
                "fields": a.fields,
                "purpose": a.get_purpose_display(),
                "channel": a.get_channel_display(),
                "ip": a.ip,
            }
            for a in accesses.iterator(chunk_size=2000)
        )
        return _audited_download(
            request,
            ACCESS_TABLE,
            rows,
            basename="sensitive-reads",
            kind="sensitive_reads",
            target_type="org.sensitiveaccess",
        )
    summary = selectors.sensitive_access_summary(accesses)
    page = paginate(request, accesses)
    page.object_list = list(page.object_list)
    mask_labels(page.object_list)
    return render(
        request,
        "org/sensitive_accesses.html",
        {
            "form": form,
            "page": page,
            "query": query_without(request, "page"),
            "export_query": query_without(request, "page", "export"),
            "summary": summary,
            "tab": "sensitive",
        },
    )
