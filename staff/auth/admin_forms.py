"""The admin's password doors (login, own password change) on the shared limits (staff.auth.throttling).

The admin login already authenticates through `staff.auth.backends.GuardedModelBackend`; its form here
only words the refusal. The password-change form checks the old password itself (not through
`authenticate()`), so it is guarded here directly.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from staff.auth.lockout import password_failed, password_succeeded
from staff.auth.throttling import password_door_check
from staff.exceptions import LoginThrottled


def _throttled_message(retry_after: int | None) -> str:
    return _("Too many login attempts. Try again in %(seconds)s seconds.") % {"seconds": retry_after or 1}


class GuardedAdminAuthenticationForm(AdminAuthenticationForm):
    """Says "too many attempts" instead of "wrong password" when the backend refused a throttled try."""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError:
            retry_after = getattr(self.request, "password_door_retry_after", None)
            if retry_after is not None:
                raise ValidationError(_throttled_message(retry_after), code="throttled") from None
            raise


class GuardedPasswordChangeForm(AdminPasswordChangeForm):
    """The old password is one more password door: same windows, same lockout."""

    def __init__(self, user, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        try:
            key = password_door_check(
                request=self.request, identifier=self.user.get_username(), account_id=self.user.pk
            )
        except LoginThrottled as exc:
            raise ValidationError(_throttled_message(exc.retry_after), code="throttled") from None
        if not self.user.check_password(old_password):
            password_failed(key=key)
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        password_succeeded(key=key)
        return old_password


class GuardedPasswordChangeView(PasswordChangeView):
    form_class = GuardedPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


def guarded_password_change(site, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """AdminSite.password_change with the guarded form (Django hard-codes its form class there)."""
    request.current_app = site.name
    defaults: dict[str, Any] = {
        "success_url": reverse("admin:password_change_done", current_app=site.name),
        "extra_context": {**site.each_context(request), **(extra_context or {})},
    }
    if site.password_change_template is not None:
        defaults["template_name"] = site.password_change_template
    return GuardedPasswordChangeView.as_view(**defaults)(request)
