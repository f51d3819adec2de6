"""The second factor: a time-based one-time code (TOTP, django-otp) from an authenticator app,
with single-use recovery codes for a lost phone. Who needs one is ``roles.needs_second_factor``;
whether this deployment requires it at all is the OTP_REQUIRED setting."""

import hashlib
import secrets
from base64 import b32encode

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from shequ.org.audit import audit_change
from shequ.org.models import User
from shequ.org.roles import needs_second_factor

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
DEVICE_NAME = "default"


def otp_required(user) -> bool:
    """Whether this user must pass a second factor to log in, in this deployment."""
    return settings.OTP_REQUIRED and needs_second_factor(user)


def otp_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_pending(request: HttpRequest) -> bool:
    """A logged-in page session that has not yet passed its required second factor."""
    user = request.user
    return (
        user.is_authenticated
        and otp_required(user)
        and not (hasattr(user, "is_verified") and user.is_verified())
    )


def otp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator of an enrolment under way (a new secret the first time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def otp_secret(device: TOTPDevice) -> str:
    """The secret in the base32 form an authenticator app accepts when typed in."""
    return b32encode(device.bin_key).decode()


def otp_qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG, made here (no outside service sees the secret)."""
    return segno.make(device.config_url, micro=False).svg_inline(scale=4, title=_("二维码"))


@transaction.atomic
def otp_enrol_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm an enrolment with a code from the app; the user's earlier authenticator and
    recovery codes are replaced. Answers the new recovery codes, to be shown once."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError(_("设置已失效，请重新开始。"))
    if not device.verify_token(code.strip()):
        raise ValidationError(
            {"otp": [_("验证码不正确，请核对手机时间后输入应用中当前的 6 位数字。")]}
        )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_new(user)
    audit_change(
        actor=user,
        action="otp.enrol",
        target=user,
        unit_code=user.unit_id or "",
        label=user.username,
    )
    return codes


def _recovery_hash(code: str) -> str:
    """The stored form of a recovery code: django-otp keeps at most 16 characters, so 64 bits
    of its SHA-256. A code has 59 random bits, which no one guesses offline from the hash."""
    return hashlib.sha256(code.encode()).hexdigest()[:16]


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _recovery_codes_new(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _i in range(12))
        for _j in range(RECOVERY_CODES)
    ]
    StaticToken.objects.bulk_create(
        [StaticToken(device=static, token=_recovery_hash(code)) for code in codes]
    )
    return [f"{code[:4]}-{code[4:8]}-{code[8:]}" for code in codes]


@transaction.atomic
def otp_recovery_codes_renew(*, user: User) -> list[str]:
    """New recovery codes for an enrolled user; the old ones stop working."""
    codes = _recovery_codes_new(user)
    audit_change(
        actor=user,
        action="otp.recovery_codes",
        target=user,
        unit_code=user.unit_id or "",
        label=user.username,
    )
    return codes


@transaction.atomic
def otp_check(*, user: User, code: str) -> Device | None:
    """The device that accepts this code from the app (6 digits) or this recovery code (then
    used up), if any. Each device slows down guessing by itself (django-otp's throttling)."""
    code = _normalise(code or "")
    if code.isdigit() and len(code) == 6:
        devices, token = TOTPDevice.objects.filter(user=user, confirmed=True), code
    elif code:
        devices, token = StaticDevice.objects.filter(user=user), _recovery_hash(code)
    else:
        return None
    for device in devices.select_for_update():
        if device.verify_token(token):
            return device
    return None


@transaction.atomic
def otp_reset(*, user: User, actor: User | None, reason: str) -> None:
    """Remove the user's authenticator and recovery codes (a lost phone): the next login
    enrols anew."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    audit_change(
        actor=actor,
        action="otp.reset",
        target=user,
        unit_code=user.unit_id or "",
        label=user.username,
        reason=reason,
        changes={"devices": [removed, 0]},
    )
