"""What the platform gives every app and every person using it: offline docs, a usable browsable
API, roles that use the admin, role assignment through the API, one password policy."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from config.api.renderers import ORJSONRenderer
from locks.tests.factories import DeviceFactory
from staff.models import User
from staff.tests.factories import PositionFactory, UserFactory

pytestmark = pytest.mark.django_db

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


@pytest.mark.parametrize("name", ["swagger-ui", "redoc"])
def test_docs_pages_load_nothing_from_outside(client, name):
    html = client.get(reverse(name)).content.decode()
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "googleapis" not in html and "jsdelivr" not in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts, "the page must load its UI script"
    for src in scripts:
        if src.startswith("/static/"):
            assert finders.find(src.removeprefix("/static/")), f"{src} is not one of the app's static files"
        else:  # served by the app itself (ReDoc's bundle with its CDN logo pointed here: config/site.py)
            script = client.get(src)
            assert script.status_code == 200, src
            assert b"cdn.redoc.ly" not in b"".join(script), src


def test_browsable_api_pretty_prints_and_offers_login(client):
    page = client.get(reverse("device-list"), HTTP_ACCEPT="text/html").content.decode()
    assert reverse("rest_framework:login") in page
    assert (
        ORJSONRenderer().render({"a": [1]}, "application/json", {"indent": 4})
        == b'{\n  "a": [\n    1\n  ]\n}'
    )
    assert ORJSONRenderer().render({"a": [1]}, "application/json", {}) == b'{"a":[1]}'


def test_browsable_api_action_page_shows_the_actions_own_form(client, supervisor):
    device = DeviceFactory()
    client.force_login(supervisor)
    page = client.get(reverse("device-update", args=[device.pk]), HTTP_ACCEPT="text/html").content.decode()
    form = page[page.index('<form action="' + reverse("device-update", args=[device.pk])) :]
    assert 'name="new_status"' in form and 'name="expected_version_id"' in form
    assert 'name="location"' not in form


def test_browsable_api_patch_form_carries_the_version(client, supervisor):
    device = DeviceFactory(name="Gate")
    client.force_login(supervisor)
    page = client.get(reverse("device-detail", args=[device.pk]), HTTP_ACCEPT="text/html").content.decode()
    assert "&quot;expected_version_id&quot;: 0" in page


@pytest.mark.parametrize("username", ["operator1", "supervisor1", "manager1"])
def test_demo_users_of_every_role_use_the_admin(client, settings, username):
    call_command("seed_demo", "--force", stdout=StringIO())
    assert client.login(username=username, password=settings.DEMO_PASSWORD)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "Smart locks" in response.content.decode()


def test_self_registration_gives_no_role_and_not_the_admin(api_client):
    """Issue 15: a self-registered account has no role (no permission) until Management assigns one."""
    body = {"username": "newop", "email": "newop@example.com", "password": "Str0ng-Passw0rd"}
    assert api_client.post(reverse("auth-register"), body).status_code == 201
    user = User.objects.get(username="newop")
    assert user.role is None and not user.is_staff
    assert not user.groups.exists() and not user.get_all_permissions()


def test_management_assigns_a_role_through_patch(auth_client, manager):
    record = UserFactory(position=PositionFactory())
    response = auth_client(manager).patch(reverse("users-detail", args=[record.pk]), {"role": "Supervisor"})
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "Supervisor"
    record.refresh_from_db()
    assert record.role == "Supervisor" and record.is_staff
    response = auth_client(manager).patch(reverse("users-detail", args=[record.pk]), {"role": None})
    record.refresh_from_db()
    assert response.json()["role"] is None and record.role is None and not record.is_staff


def test_role_change_needs_assign_role_even_with_change_user(auth_client):
    from django.contrib.auth.models import Permission

    editor = UserFactory()
    editor.user_permissions.add(Permission.objects.get(codename="change_user"))
    record = UserFactory(position=PositionFactory())
    response = auth_client(editor).patch(reverse("users-detail", args=[record.pk]), {"role": "Management"})
    assert response.status_code == 403
    assert response.json() == {"detail": "Only Management may assign roles"}
    record.refresh_from_db()
    assert record.role is None


def test_unknown_role_is_400(auth_client, manager):
    record = UserFactory(position=PositionFactory())
    response = auth_client(manager).patch(reverse("users-detail", args=[record.pk]), {"role": "King"})
    assert response.status_code == 400 and "role" in response.json()


def test_password_policy_is_a_validator_everywhere():
    with pytest.raises(ValidationError) as exc:
        validate_password("lowercase-only-1")
    assert "Password must contain an upper-case letter." in exc.value.messages


def test_admin_set_password_form_enforces_the_policy(admin_client):
    user = UserFactory()
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = admin_client.post(url, {"password1": "nouppercase123", "password2": "nouppercase123"})
    assert response.status_code == 200
    assert "Password must contain an upper-case letter." in response.content.decode()


class _TTY(StringIO):
    def isatty(self) -> bool:
        return True


def test_createsuperuser_enforces_the_policy(monkeypatch):
    """Interactive createsuperuser refuses a weak password, then takes a good one."""
    passwords = iter(["nouppercase123", "nouppercase123", "Good-Passw0rd", "Good-Passw0rd"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(passwords))
    answers = iter(["boss", "boss@example.com", "N"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    err = StringIO()
    call_command("createsuperuser", interactive=True, stdin=_TTY(), stdout=StringIO(), stderr=err)
    assert "Password must contain an upper-case letter." in err.getvalue()
    assert User.objects.get(username="boss").check_password("Good-Passw0rd")


def test_admin_index_groups_token_tables_under_staff(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Token Blacklist" not in page
    assert "Issued refresh tokens" in page and "Revoked refresh tokens" in page


def test_admin_times_name_their_zone(admin_client, settings):
    device = DeviceFactory()
    # The admin shows a user who chose no zone ADMIN_TIME_ZONE (README "Language and time").
    settings.ADMIN_TIME_ZONE = "UTC"
    page = admin_client.get(reverse("admin:locks_device_change", args=[device.pk])).content.decode()
    assert re.search(r"\d{2}:\d{2} UTC", page)
    settings.ADMIN_TIME_ZONE = "Asia/Jakarta"
    page = admin_client.get(reverse("admin:locks_device_change", args=[device.pk])).content.decode()
    assert re.search(r"\d{2}:\d{2} WIB", page)


def test_model_validators_hold_in_the_service_path(auth_client, manager):
    record = UserFactory(position=PositionFactory())
    from staff.records import services as records

    with pytest.raises(ValidationError):
        records.user_update(user=record, phone="not-a-phone", actor=manager)
    record.refresh_from_db()
    assert record.phone == ""
