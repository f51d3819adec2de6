"""After an administrator's password reset the account works for nothing until its owner
has chosen a new password: pages lead to the change form, the API answers 403."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {
                reverse("password_change"),
                reverse("password_change_done"),
                reverse("logout"),
                reverse("set_language"),
            }
            path = request.path_info
            if path.startswith("/api/"):
                return JsonResponse(
                    {
                        "detail": _("管理员重设了您的密码：请先修改密码。"),
                        "code": "password_change_required",
                    },
                    status=403,
                )
            if path not in allowed and not path.startswith(("/static/", "/healthz/")):
                return redirect("password_change")
        return self.get_response(request)
