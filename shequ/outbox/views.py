"""The inbox pages: received and sent messages, one message, the acknowledgement."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shequ.core.forms import StyledForm, add_service_errors
from shequ.core.web import paginate, query_without
from shequ.org.permissions import StaffRequest, staff_required
from shequ.org.scoping import code_in_scope
from shequ.outbox import selectors, services
from shequ.outbox.models import Notification


class AcknowledgeForm(StyledForm):
    reply = forms.CharField(label=gettext_lazy("回复（可不填）"), max_length=200, required=False)


@staff_required
@require_http_methods(["GET"])
def notification_list(request: StaffRequest) -> HttpResponse:
    data = request.GET.copy()
    data.setdefault("box", "inbox")
    filterset = selectors.NotificationFilter(
        data, queryset=selectors.notifications_visible(request.user), request=request
    )
    rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = paginate(request, rows)
    on = timezone.localdate()
    selectors.conceal_health(request.user, page.object_list)
    for notice in page.object_list:
        notice.overdue = notice.state != Notification.State.ACKNOWLEDGED and notice.due_date < on
    for field in filterset.form.fields.values():
        field.widget.attrs["class"] = "form-select form-select-sm"
    return render(
        request,
        "outbox/notification_list.html",
        {"page": page, "form": filterset.form, "query": query_without(request, "page")},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def notification_detail(request: StaffRequest, uid) -> HttpResponse:
    notice = selectors.notification_get(request.user, uid)
    form = AcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.notification_acknowledge(
                actor=request.user, notice=notice, reply=form.cleaned_data["reply"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已确认收到。"))
            return redirect("outbox:notification_list")
    selectors.conceal_health(request.user, [notice])
    receiving = bool(notice.to_unit_code) and code_in_scope(request.user, notice.to_unit_code)
    return render(
        request,
        "outbox/notification_detail.html",
        {
            "notice": notice,
            "summary": selectors.summary_for(request.user, notice, channel="web"),
            "form": form,
            "may_acknowledge": receiving and notice.state != Notification.State.ACKNOWLEDGED,
        },
    )
