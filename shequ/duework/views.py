"""The task pages: the list with the counts per unit and worker, completing or cancelling a
task; the working-day calendar."""

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
from shequ.duework import calendar, selectors, services
from shequ.duework.forms import CalendarDayForm, TaskCancelForm, TaskCompleteForm
from shequ.duework.models import Task
from shequ.org.permissions import StaffRequest, staff_required
from shequ.org.roles import Action, can


@staff_required
@require_http_methods(["GET"])
def task_list(request: StaffRequest) -> HttpResponse:
    user = request.user
    filterset = selectors.TaskFilter(
        request.GET, queryset=selectors.tasks_listed(user), request=request
    )
    problems = filterset.problems()
    tasks = filterset.queryset.none() if problems else filterset.qs
    page = paginate(request, tasks)
    on = selectors.today()
    for task in page.object_list:
        task.overdue = task.state == Task.State.OPEN and task.due_date < on
    for field in filterset.form.fields.values():
        field.widget.attrs["class"] = "form-control form-control-sm"
    visible = selectors.tasks_visible(user)
    return render(
        request,
        "duework/task_list.html",
        {
            "page": page,
            "form": filterset.form,
            "problems": problems,
            "query": query_without(request, "page"),
            "by_unit": selectors.task_counts_by_unit(user, visible),
            "by_assignee": selectors.task_counts_by_assignee(visible),
        },
    )


def _version(task: Task) -> dict:
    return {"version": task.version}


@staff_required
@require_http_methods(["GET", "POST"])
def task_done(request: StaffRequest, uid) -> HttpResponse:
    task = selectors.task_get(request.user, uid)
    cancel = request.GET.get("cancel") == "1" or "reason" in request.POST
    form_class = TaskCancelForm if cancel else TaskCompleteForm
    form = form_class(request.POST or None, initial=_version(task))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if cancel:
                services.task_cancel(
                    actor=request.user, task=task, reason=data["reason"], version=data["version"]
                )
            else:
                services.task_complete(
                    actor=request.user, task=task, outcome=data["outcome"], version=data["version"]
                )
        except EditConflict as conflict:
            show_conflict(form, conflict, _version(cast(Task, conflict.current)))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已办结：%(t)s") % {"t": task.title})
            return redirect("duework:task_list")
    title = _("取消任务：%(t)s") if cancel else _("办结任务：%(t)s")
    return render(
        request,
        "org/form.html",
        {"form": form, "title": title % {"t": task.title}, "cancel_url": "../../"},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def calendar_page(request: StaffRequest) -> HttpResponse:
    may_edit = can(request.user, Action.MANAGE_RULES)
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("您的角色不能修改工作日历。"))
        if form.is_valid():
            try:
                services.calendar_day_set(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("duework:calendar")
    on = selectors.today()
    years = [on.year, on.year + 1]
    return render(
        request,
        "duework/calendar.html",
        {
            "form": form,
            "may_edit": may_edit,
            "page": paginate(request, selectors.calendar_days()),
            "unknown_years": [y for y in years if not calendar.year_known(y)],
        },
    )
