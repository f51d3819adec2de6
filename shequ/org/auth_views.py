"""Pages of logging in and out, the password change and the second factor."""

from typing import cast

import django_otp
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from shequ.core.forms import add_service_errors
from shequ.org import otp
from shequ.org.auth import api_tokens_revoke, second_factor_url
from shequ.org.forms import LoginForm, OtpForm, StyledPasswordChangeForm
from shequ.org.models import User


class LoginView(auth_views.LoginView):
    """The password; then, for an account that needs it, the second factor."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        url = super().get_success_url()
        if otp.second_factor_pending(self.request):
            return second_factor_url(cast(User, self.request.user), url)  # logged in now
        return url


class LogoutView(auth_views.LogoutView):
    """Logging out of the pages also ends the user's API tokens."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            with transaction.atomic():
                api_tokens_revoke(user=request.user, actor=request.user, reason=_("退出登录"))
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """A new password ends the user's API tokens (the other page sessions end by Django's
    session hash)."""

    form_class = StyledPasswordChangeForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "otp_required": otp.otp_required(self.request.user)
        }

    @transaction.atomic
    def form_valid(self, form) -> HttpResponse:
        return super().form_valid(form)  # the form's save (org.services) ends the API tokens


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("home")


def _verified(request: HttpRequest) -> bool:
    return hasattr(request.user, "is_verified") and request.user.is_verified()


@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login: a code from the authenticator app, or a recovery code."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    next_url = _next_url(request)
    if not otp.second_factor_pending(request):
        return redirect(next_url)
    if not otp.otp_enrolled(user):
        return redirect(second_factor_url(user, next_url))
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = otp.otp_check(user=user, code=form.cleaned_data["otp"])
        if device is not None:
            django_otp.login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    _("已使用一个恢复码，还剩 %(n)d 个。请尽快找回手机或重新生成恢复码。")
                    % {"n": left},
                )
            return redirect(next_url)
        form.add_error(
            "otp", _("验证码不正确或已用过。多次输错后须稍等几秒再试，等待时间逐次加倍。")
        )
    return render(request, "registration/otp_verify.html", {"form": form, "next": next_url})


@never_cache
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment of an authenticator app: scan the code, confirm with a first code, receive
    the recovery codes once. Replacing an enrolled app needs the current second factor."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not otp.otp_required(user):
        raise Http404
    next_url = _next_url(request)
    if otp.otp_enrolled(user) and not _verified(request):
        return redirect(second_factor_url(user, next_url))
    device = otp.otp_device_for_enrolment(user=user)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = otp.otp_enrol_confirm(user=user, device=device, code=form.cleaned_data["otp"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            django_otp.login(request, device)
            return render(
                request, "registration/otp_recovery_codes.html", {"codes": codes, "next": next_url}
            )
    secret = otp.otp_secret(device)
    context = {
        "form": form,
        "next": next_url,
        # segno's SVG: markup made here from the device's URL, nothing the user typed.
        "qr_svg": mark_safe(otp.otp_qr_svg(device)),  # noqa: S308
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "replacing": otp.otp_enrolled(user),
    }
    return render(request, "registration/otp_setup.html", context)


@never_cache
@require_POST
def otp_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes for a session that has passed its second factor."""
    if not request.user.is_authenticated or not _verified(request):
        raise Http404
    codes = otp.otp_recovery_codes_renew(user=request.user)
    return render(
        request, "registration/otp_recovery_codes.html", {"codes": codes, "next": reverse("home")}
    )
