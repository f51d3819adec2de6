"""Password rules beyond Django's own validators."""

import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule, with a message of our own: Django 5.2's Chinese catalogue lacks
    the reworded English message, so users would read it in English."""

    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}


class CharacterClassValidator:
    """A password must mix letters with digits or symbols."""

    def validate(self, password: str, user=None) -> None:
        has_letter = re.search(r"[A-Za-z]", password) is not None
        has_other = re.search(r"[^A-Za-z]", password) is not None
        if not (has_letter and has_other):
            raise ValidationError(
                _("密码须同时包含字母和数字或符号。"), code="password_character_classes"
            )

    def get_help_text(self) -> str:
        return _("密码须同时包含字母和数字或符号。")
