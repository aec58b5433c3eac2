"""The password policy as an AUTH_PASSWORD_VALIDATORS class, so registration, the admin's
password forms, `changepassword` and `createsuperuser` all enforce the same rule."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_RULES = [
    (re.compile(r"[A-Z]"), _("Password must contain an upper-case letter."), "password_no_upper"),
    (re.compile(r"[a-z]"), _("Password must contain a lower-case letter."), "password_no_lower"),
    (re.compile(r"\d"), _("Password must contain a digit."), "password_no_digit"),
]


class PasswordPolicyValidator:
    """At least one upper-case letter, one lower-case letter and one digit."""

    def validate(self, password: str, user: Any = None) -> None:
        errors = [ValidationError(msg, code=code) for rx, msg, code in _RULES if not rx.search(password)]
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _("Your password must contain an upper-case letter, a lower-case letter and a digit.")
