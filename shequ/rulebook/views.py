"""The settings pages: the list (filters, pages), a new value, an edit with its history."""

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.core.forms import add_service_errors, show_conflict
from shequ.core.versions import EditConflict
from shequ.core.web import paginate, query_without
from shequ.org.permissions import StaffRequest, action_required, staff_required
from shequ.org.roles import Action, can
from shequ.rulebook import selectors, services
from shequ.rulebook.forms import SettingCreateForm, SettingEditForm, show_value
from shequ.rulebook.models import Setting


@staff_required
@require_http_methods(["GET"])
def setting_list(request: StaffRequest) -> HttpResponse:
    filterset = selectors.SettingFilter(
        request.GET, queryset=selectors.settings_visible(request.user).select_related("updated_by")
    )
    rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = paginate(request, rows)
    for setting in page.object_list:
        setting.shown = show_value(setting.value)
    for field in filterset.form.fields.values():
        field.widget.attrs["class"] = "form-control form-control-sm"
    return render(
        request,
        "rulebook/setting_list.html",
        {
            "page": page,
            "form": filterset.form,
            "query": query_without(request, "page"),
            "can_edit": can(request.user, Action.MANAGE_RULES),
        },
    )


@action_required(Action.MANAGE_RULES)
@require_http_methods(["GET", "POST"])
def setting_create(request: StaffRequest) -> HttpResponse:
    form = SettingCreateForm(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        try:
            services.setting_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存规则设置。"))
            return redirect("rulebook:setting_list")
    return render(
        request, "org/form.html", {"form": form, "title": _("新建规则设置"), "cancel_url": "../"}
    )


def _initial(setting: Setting) -> dict:
    return {
        "value": show_value(setting.value),
        "valid_from": setting.valid_from,
        "valid_to": setting.valid_to,
        "note": setting.note,
        "version": setting.version,
    }


@staff_required
@require_http_methods(["GET", "POST"])
def setting_edit(request: StaffRequest, uid) -> HttpResponse:
    setting = selectors.setting_get(request.user, uid)
    may_edit = can(request.user, Action.MANAGE_RULES) and selectors.setting_may_edit(
        request.user, setting.region_prefix
    )
    form = SettingEditForm(request.POST or None, initial=_initial(setting))
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("您不能修改这条设置。"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.setting_update(
                    actor=request.user,
                    setting=setting,
                    version=data["version"],
                    reason=data["reason"],
                    value=data["value"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                    end=True,
                    note=data["note"],
                )
            except EditConflict as conflict:
                show_conflict(form, conflict, _initial(cast(Setting, conflict.current)))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已保存规则设置。"))
                return redirect("rulebook:setting_list")
    history = list(setting.history.select_related("history_user").order_by("-history_date")[:20])
    return render(
        request,
        "rulebook/setting_edit.html",
        {
            "form": form,
            "setting": setting,
            "may_edit": may_edit,
            "history": [(row, show_value(row.value)) for row in history],
            "title": _("规则设置：%(name)s") % {"name": str(setting)},
        },
    )
