"""Pages of logging in and out, the password change and the second factor."""

from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from shequ.org.auth import api_tokens_revoke
from shequ.org.forms import LoginForm, StyledPasswordChangeForm


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True


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

    @transaction.atomic
    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        api_tokens_revoke(user=form.user, actor=form.user, reason=_("修改密码"))
        return response
