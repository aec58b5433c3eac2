"""A person's own preferences: the time zone the admin shows their times in (README "Language and
time"). The admin's Preferences page writes it through this service; the user admin's form (Management
editing a person) checks the same field choices."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from config.locale import user_time_zone
from staff.exceptions import InvalidTimeZone
from staff.models import User


def user_set_time_zone(*, user: User, time_zone: str) -> User:
    """Set the zone the admin shows `user`'s times in ("" = the site's ADMIN_TIME_ZONE)."""
    if time_zone and time_zone not in zoneinfo.available_timezones():
        raise InvalidTimeZone()
    if user.time_zone != time_zone:
        user.time_zone = time_zone
        user.save(update_fields=["time_zone", "updated_at"])
    return user


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        required=False,
        help_text=gettext_lazy("Times in the admin are shown in this zone; empty: the site's default."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", "—"), *User._meta.get_field("time_zone").choices]


def preferences_view(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own page (any admin user, whatever their role): their time zone."""
    user = request.user
    form = PreferencesForm(request.POST or None, initial={"time_zone": user.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            user_set_time_zone(user=user, time_zone=form.cleaned_data["time_zone"])
        except InvalidTimeZone as exc:
            form.add_error("time_zone", exc.detail)
        else:
            messages.success(request, gettext("Your preferences were saved."))
            return HttpResponseRedirect(request.path)
    context = {
        **admin.site.each_context(request),
        "title": gettext("Preferences"),
        "form": form,
        "zone": user_time_zone(user),
        "now": timezone.now(),
    }
    return TemplateResponse(request, "admin/preferences.html", context)
