"""Issue 15, "security round 2", the staff findings: no path from Management to the superuser in the
admin (1), access only through the role (2, 3), no token strings on screen and no pre-family refresh
(4), self-registration without a role (17), a per-IP login window apart from the per-account one and
refresh's own (24), and NUL in a login name is a 4xx, never a 500 (20).

Each test failed on the code before the fix (the finding's symptom), unless it says otherwise.
"""

from __future__ import annotations

import time

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from import_export.tmp_storages import TempFolderStorage
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from config.api.throttling import client_ident_key
from config.roles import Role
from config.testing_imports import admin_import, csv_bytes, import_row_errors
from locks.models import Device
from staff.auth import lockout
from staff.auth import services as auth
from staff.auth.lockout import account_key
from staff.exceptions import RoleForbidden, SuperuserProtected
from staff.models import AccessOutstandingToken, TokenFamily, User
from staff.records import services as records
from staff.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Pwn3d-Passw0rd-x"


def staff_member(role: str, username: str) -> User:
    """A person given `role` the way the admin and seed_demo do (role + admin access)."""
    user = UserFactory(username=username)
    return records.user_set_role(user=user, role=role, actor=None)


@pytest.fixture
def root(db) -> User:
    return UserFactory(username="root", email="root@example.com", is_superuser=True, is_staff=True)


@pytest.fixture
def manager1(db) -> User:
    return staff_member(Role.MANAGEMENT, "manager1")


@pytest.fixture
def manager1_admin_client(manager1) -> Client:
    client = Client()
    client.force_login(manager1)
    return client


def api_login(username: str, password: str = TEST_PASSWORD, **extra):
    return APIClient().post(reverse("auth-login"), {"username": username, "password": password}, **extra)


# --- 1. Management never changes a superuser, through any admin view ---------------------------------
def snapshot(user_id: int) -> tuple | None:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    return (
        user.username,
        user.email,
        user.password,
        user.is_superuser,
        user.is_staff,
        user.is_active,
        user.token_generation,
        user.full_name,
        sorted(user.groups.values_list("name", flat=True)),
        sorted(user.user_permissions.values_list("codename", flat=True)),
    )


# Every URL of the user admin and every action it offers: the walk below covers each one, and this
# list makes a new view or action fail the test until the walk covers it too.
USER_ADMIN_URLS = {
    "auth_user_password_change",  # Django names it so for any user model
    "staff_user_changelist",
    "staff_user_add",
    "staff_user_history",
    "staff_user_delete",
    "staff_user_change",
    "staff_user_import",  # config.imports: the preview and its confirmation
    "staff_user_process_import",
    None,  # the redirect from /admin/staff/user/<id>/ to its change page
}
USER_ADMIN_ACTIONS = {"delete_selected", "export_csv", "logout_everywhere", "reset_login_lockout"}


def change_form_data(user: User, **overrides) -> dict:
    data = {
        "username": "pwned",
        "email": "mgr@example.com",
        "first_name": "",
        "last_name": "",
        "full_name": "taken over",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "role": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "factory_id": "",
        "department": "",
        "phone": "",
        "address": "",
    }
    data.update(overrides)
    return data


def test_the_walk_covers_every_user_admin_view_and_action(rf, manager1):
    user_admin = admin.site._registry[User]
    names = {pattern.name for pattern in user_admin.get_urls()}
    assert names == USER_ADMIN_URLS
    request = rf.get("/admin/staff/user/")
    request.user = manager1
    assert set(user_admin.get_actions(request)) == USER_ADMIN_ACTIONS


def test_management_changes_nothing_of_a_superuser_through_any_admin_view(manager1_admin_client, root):
    """Walks every admin view that can change a User as Management against the superuser."""
    token = api_login("root").json()["access_token"]
    lock_key = f"login:lock:{account_key('', account_id=root.pk)}"
    cache.set(lock_key, time.time() + 600, timeout=600)
    before = snapshot(root.pk)
    change = reverse("admin:staff_user_change", args=[root.pk])
    password = reverse("admin:auth_user_password_change", args=[root.pk])
    delete = reverse("admin:staff_user_delete", args=[root.pk])
    changelist = reverse("admin:staff_user_changelist")

    # The change form: shown read-only (nothing to submit), and a submitted one is refused.
    page = manager1_admin_client.get(change)
    assert page.status_code == 200
    assert 'name="username"' not in page.content.decode()
    assert manager1_admin_client.post(change, change_form_data(root)).status_code == 403
    # The password form (Django checks only change_user there): refused, shown or submitted.
    assert manager1_admin_client.get(password).status_code == 403
    form = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    assert manager1_admin_client.post(password, form).status_code == 403
    # Delete: refused at the confirmation page, and when confirmed.
    for response in (
        manager1_admin_client.get(delete, follow=True),
        manager1_admin_client.post(delete, {"post": "yes"}, follow=True),
    ):
        assert "Only a superuser may change or delete a superuser" in response.content.decode()
    # Every bulk action, with the superuser selected (the confirmation of a bulk delete too).
    for action, extra in [
        ("delete_selected", {}),
        ("delete_selected", {"post": "yes"}),
        ("logout_everywhere", {}),
        ("reset_login_lockout", {}),
        ("export_csv", {}),
    ]:
        response = manager1_admin_client.post(
            changelist, {"action": action, "_selected_action": [root.pk], **extra}, follow=True
        )
        assert response.status_code == 200, action
        if action != "export_csv":
            assert "Only a superuser" in response.content.decode(), action
    # The import: its preview refuses the superuser's row, and a confirmation of such a file too.
    rows = csv_bytes(["id_user", "nama", "is_active"], [root.pk, "taken over", "false"])
    preview = admin_import(manager1_admin_client, User, rows)
    assert import_row_errors(preview) == {1: [SuperuserProtected.default_detail]}
    stored = TempFolderStorage(encoding="utf-8-sig", read_mode="r")
    stored.save(rows)
    confirm = {
        "import_file_name": stored.name,
        "original_file_name": "rows.csv",
        "format": "0",
        "resource": "0",
    }
    response = manager1_admin_client.post(reverse("admin:staff_user_process_import"), confirm, follow=True)
    assert "Nothing imported: row 1: " + SuperuserProtected.default_detail in response.content.decode()
    # History is read-only (Django's admin has no revert); it shows, and changes nothing.
    assert manager1_admin_client.get(reverse("admin:staff_user_history", args=[root.pk])).status_code == 200

    assert snapshot(root.pk) == before
    assert cache.get(lock_key) is not None, "the superuser's lockout was lifted"
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.get(reverse("auth-me")).status_code == 200, "the superuser was logged out"


def test_every_service_that_changes_a_user_refuses_a_superuser_target_for_management(manager1, root):
    """The one guard (records.user_check_actor), asked by each service an admin view calls."""
    calls = [
        lambda: records.user_update(user=root, actor=manager1, full_name="x"),
        lambda: records.user_set_role(user=root, role=Role.OPERATOR, actor=manager1),
        lambda: records.user_delete(user=root, actor=manager1),
        lambda: auth.tokens_revoke_user(user=root, actor=manager1),
        lambda: lockout.lockout_reset(user=root, actor=manager1),
    ]
    for call in calls:
        with pytest.raises(SuperuserProtected):
            call()
    assert User.objects.get(pk=root.pk).is_superuser


def test_a_superuser_still_changes_a_superuser_in_the_admin(root):
    other = UserFactory(username="root2", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    form = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    response = client.post(reverse("admin:auth_user_password_change", args=[other.pk]), form)
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.check_password(NEW_PASSWORD)


def test_management_still_changes_a_non_superusers_password(manager1_admin_client):
    target = UserFactory(username="worker")
    form = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    response = manager1_admin_client.post(reverse("admin:auth_user_password_change", args=[target.pk]), form)
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password(NEW_PASSWORD)


# --- 2. Non-superusers change access only through the role; groups are a superuser's ----------------
GRANTING_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


def form_fields(response) -> set[str]:
    return set(response.context["adminform"].form.fields)


def test_management_sees_one_role_field_and_no_granting_fields(manager1_admin_client):
    target = UserFactory(username="worker")
    fields = form_fields(manager1_admin_client.get(reverse("admin:staff_user_change", args=[target.pk])))
    assert "role" in fields and not fields & set(GRANTING_FIELDS)
    fields = form_fields(manager1_admin_client.get(reverse("admin:staff_user_add")))
    assert "role" in fields and not fields & set(GRANTING_FIELDS)


def test_superuser_keeps_the_granting_fields_and_the_role(root):
    client = Client()
    client.force_login(root)
    target = UserFactory(username="worker")
    fields = form_fields(client.get(reverse("admin:staff_user_change", args=[target.pk])))
    assert set(GRANTING_FIELDS) | {"role"} <= fields


def test_management_cannot_grant_itself_permissions_or_superuser(manager1_admin_client, manager1):
    change_group = Permission.objects.get(codename="change_group", content_type__app_label="auth")
    operator_group = Group.objects.get(name=Role.OPERATOR)
    data = change_form_data(
        manager1,
        username="manager1",
        email="manager1@example.com",
        role=Role.MANAGEMENT,
        groups=[operator_group.pk],
        user_permissions=[change_group.pk],
    )
    response = manager1_admin_client.post(reverse("admin:staff_user_change", args=[manager1.pk]), data)
    assert response.status_code == 302
    manager1 = User.objects.get(pk=manager1.pk)
    assert not manager1.is_superuser
    assert not manager1.user_permissions.exists()
    assert list(manager1.groups.values_list("name", flat=True)) == [Role.MANAGEMENT]
    assert manager1.full_name == "taken over"  # the ordinary fields were saved


def test_group_permissions_are_a_superusers_to_edit(root):
    """Even a holder of auth.*_group (granted by mistake) only looks at groups."""
    manager = staff_member(Role.MANAGEMENT, "mgr-with-group-perms")
    manager.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="auth", codename__endswith="_group")
    )
    group = Group.objects.get(name=Role.MANAGEMENT)
    every_permission = list(Permission.objects.values_list("pk", flat=True))
    before = set(group.permissions.values_list("pk", flat=True))
    client = Client()
    client.force_login(User.objects.get(pk=manager.pk))
    change = reverse("admin:auth_group_change", args=[group.pk])
    assert client.get(change).status_code == 200  # read-only view
    assert client.post(change, {"name": group.name, "permissions": every_permission}).status_code == 403
    assert client.post(reverse("admin:auth_group_add"), {"name": "x"}).status_code == 403
    delete = reverse("admin:auth_group_delete", args=[group.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert set(Group.objects.get(pk=group.pk).permissions.values_list("pk", flat=True)) == before
    assert not Group.objects.filter(name="x").exists()
    # A superuser edits groups as before.
    superuser_client = Client()
    superuser_client.force_login(root)
    response = superuser_client.post(reverse("admin:auth_group_add"), {"name": "Auditors"})
    assert response.status_code == 302 and Group.objects.filter(name="Auditors").exists()


def test_no_role_is_granted_permission_or_group_changes():
    """Passed before the fix too: the role grants hold no auth.* (group, permission) rights."""
    for role in Role.values:
        granted = Group.objects.get(name=role).permissions.filter(content_type__app_label="auth")
        assert not granted.exists(), (role, list(granted.values_list("codename", flat=True)))


# --- 3. The admin's role field: one role, through user_set_role, with admin access ----------------------
def test_a_role_given_in_the_admin_carries_admin_access(manager1_admin_client):
    person = UserFactory(username="newsup", email="newsup@example.com")
    assert not person.is_staff
    data = change_form_data(
        person, username="newsup", email="newsup@example.com", is_superuser="", is_staff=""
    )
    data["role"] = Role.SUPERVISOR
    response = manager1_admin_client.post(reverse("admin:staff_user_change", args=[person.pk]), data)
    assert response.status_code == 302
    person = User.objects.get(pk=person.pk)
    assert person.role == Role.SUPERVISOR and person.is_staff
    client = Client()
    assert client.login(username="newsup", password=TEST_PASSWORD)
    assert client.get(reverse("admin:index")).status_code == 200
    # Taking the role away takes the admin away.
    data["role"] = ""
    assert (
        manager1_admin_client.post(reverse("admin:staff_user_change", args=[person.pk]), data).status_code
        == 302
    )
    person = User.objects.get(pk=person.pk)
    assert person.role is None and not person.is_staff


def test_the_add_form_assigns_the_role_through_the_service(manager1_admin_client):
    data = {
        "username": "fresh",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "usable_password": "true",
        "role": Role.OPERATOR,
    }
    assert manager1_admin_client.post(reverse("admin:staff_user_add"), data).status_code == 302
    fresh = User.objects.get(username="fresh")
    assert fresh.role == Role.OPERATOR and fresh.is_staff


def test_two_roles_at_once_are_impossible(manager1_admin_client, root):
    person = UserFactory(username="twice")
    page = manager1_admin_client.get(reverse("admin:staff_user_change", args=[person.pk])).content.decode()
    assert page.count('name="role"') == 1 and 'name="groups"' not in page
    # A superuser's groups widget offers no role group: two roles through it are refused.
    client = Client()
    client.force_login(root)
    roles = Group.objects.filter(name__in=[Role.OPERATOR, Role.SUPERVISOR]).values_list("pk", flat=True)
    data = change_form_data(
        person, username="twice", email="twice@example.com", is_superuser="", groups=list(roles)
    )
    response = client.post(reverse("admin:staff_user_change", args=[person.pk]), data)
    assert response.status_code == 200 and response.context["adminform"].form.errors.get("groups")
    assert not User.objects.get(pk=person.pk).groups.exists()


def test_a_superuser_editing_other_groups_keeps_the_role(root):
    person = staff_member(Role.SUPERVISOR, "keeper")
    extra = Group.objects.create(name="Night shift")
    client = Client()
    client.force_login(root)
    data = change_form_data(
        person,
        username="keeper",
        email="keeper@example.com",
        is_superuser="",
        role=Role.SUPERVISOR,
        groups=[extra.pk],
    )
    assert client.post(reverse("admin:staff_user_change", args=[person.pk]), data).status_code == 302
    person = User.objects.get(pk=person.pk)
    assert sorted(person.groups.values_list("name", flat=True)) == ["Night shift", Role.SUPERVISOR]
    assert not person.is_superuser


def test_only_holders_of_assign_role_assign_roles(client):
    editor = UserFactory(username="editor", is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="staff", codename__in=["view_user", "change_user"])
    )
    person = UserFactory(username="plain")
    client.force_login(editor)
    page = client.get(reverse("admin:staff_user_change", args=[person.pk]))
    assert "role" not in form_fields(page)
    data = change_form_data(person, username="plain", email="plain@example.com", role=Role.MANAGEMENT)
    assert client.post(reverse("admin:staff_user_change", args=[person.pk]), data).status_code == 302
    assert User.objects.get(pk=person.pk).role is None
    with pytest.raises(RoleForbidden):
        records.user_set_role(user=person, role=Role.MANAGEMENT, actor=User.objects.get(pk=editor.pk))


# --- 4. Issued refresh tokens: never the token string; pre-family tokens do not refresh -------------
def test_issued_refresh_token_admin_shows_no_token_string(root):
    pair = api_login("root").json()
    rotated = APIClient().post(reverse("auth-refresh"), {"refresh_token": pair["refresh_token"]}).json()
    client = Client()
    client.force_login(root)
    changelist = client.get(reverse("admin:staff_accessoutstandingtoken_changelist")).content.decode()
    rows = list(AccessOutstandingToken.objects.order_by("created_at", "id"))
    assert rows
    for row in rows:
        assert row.jti in changelist
        assert row.token not in changelist
        page = client.get(reverse("admin:staff_accessoutstandingtoken_change", args=[row.pk]))
        assert page.status_code == 200
        assert row.token not in page.content.decode()
        assert "name=" not in page.context["adminform"].form.as_p()  # nothing editable
    for raw in (pair["refresh_token"], rotated["refresh_token"]):
        assert raw not in changelist
    assert "revoked" in changelist and "active" in changelist
    revoked = client.get(reverse("admin:staff_accessblacklistedtoken_changelist")).content.decode()
    assert rows[0].jti in revoked and pair["refresh_token"] not in revoked
    change = reverse("admin:staff_accessoutstandingtoken_change", args=[rows[0].pk])
    assert client.post(change, {"token": "x"}).status_code == 403


def test_a_refresh_token_without_a_generation_claim_is_refused():
    """Even naming a live family: a token without `tgen` was never issued by this code."""
    user = UserFactory()
    family = TokenFamily.objects.create(id="f" * 32, user=user)
    legacy = RefreshToken.for_user(user)
    legacy[auth.FAMILY_CLAIM] = family.pk
    response = APIClient().post(reverse("auth-refresh"), {"refresh_token": str(legacy)})
    assert response.status_code == 401


# --- 17. Self-registration gives no role --------------------------------------------------------------
REGISTER_BODY = {"username": "walkin", "email": "walkin@example.com", "password": "Str0ng-Passw0rd"}
REGISTER_FIELDS = {
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "full_name",
    "factory_id",
    "department",
    "role",
    "is_active",
    "date_joined",
    "last_login",
}


def role_guarded_calls(api: APIClient) -> dict[str, int]:
    device = Device.objects.create(name="Door", type="smart-lock", status="locked")
    return {
        "jabatan list": api.get("/jabatan/").status_code,
        "lock status": api.post(
            f"/device/{device.pk}/update", {"new_status": "unlocked", "expected_version_id": 0}
        ).status_code,
        "device create": api.post("/device/", {"name": "Gate"}).status_code,
        "machines list": api.get(reverse("machines-list")).status_code,
        "ingest": api.post(reverse("machines-ingest"), {}, format="json").status_code,
        "order": api.post("/api/v1/orders/", {"request_id": 1, "items": []}, format="json").status_code,
        "reading": api.post("/api/sensor-data/", {}, format="json").status_code,
        "config": api.get(reverse("machines-config")).status_code,
    }


def test_a_self_registered_account_logs_in_and_reads_me_but_nothing_else():
    response = APIClient().post(reverse("auth-register"), REGISTER_BODY)
    assert response.status_code == 201
    # The user's fields at the top level (today's clients) and under `user` (the machines clients).
    assert set(response.json()) == REGISTER_FIELDS | {"status", "message", "user"}
    assert set(response.json()["user"]) == REGISTER_FIELDS
    assert response.json()["role"] is None
    user = User.objects.get(username="walkin")
    assert not user.groups.exists() and not user.get_all_permissions() and not user.is_staff
    login = api_login("walkin", REGISTER_BODY["password"])
    assert login.status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access_token']}")
    me = api.get(reverse("auth-me")).json()
    assert me["role"] is None and me["permissions"] == []
    assert role_guarded_calls(api) == dict.fromkeys(role_guarded_calls(api), 403)


def test_self_registration_asking_for_operator_still_succeeds_without_a_role():
    """Older clients send role=Operator (the old default): 201, and the deployment's default role."""
    response = APIClient().post(reverse("auth-register"), {**REGISTER_BODY, "role": "Operator"})
    assert response.status_code == 201
    assert response.json()["role"] is None


def test_self_registration_role_setting_assigns_through_user_set_role(settings, monkeypatch):
    settings.SELF_REGISTRATION_ROLE = "Operator"
    calls = []
    original = auth.user_set_role

    def spy(**kwargs):
        calls.append(kwargs["role"])
        return original(**kwargs)

    monkeypatch.setattr(auth, "user_set_role", spy)
    response = APIClient().post(reverse("auth-register"), REGISTER_BODY)
    assert response.status_code == 201
    assert response.json()["role"] == "Operator"
    assert calls == ["Operator"]
    user = User.objects.get(username="walkin")
    assert user.role == Role.OPERATOR and user.is_staff  # an assigned role carries the admin


def test_a_self_registration_role_that_is_no_role_stops_the_start(settings):
    settings.SELF_REGISTRATION_ROLE = "Emperor"
    with pytest.raises(ImproperlyConfigured, match="SELF_REGISTRATION_ROLE"):
        apps.get_app_config("staff").ready()


def test_management_still_registers_a_role(manager1):
    api = APIClient()
    api.force_authenticate(manager1)
    response = api.post(reverse("auth-register"), {**REGISTER_BODY, "role": "Supervisor"})
    assert response.status_code == 201 and response.json()["role"] == "Supervisor"


# --- 24. One office NAT logs many people in; the per-account window stays strict -------------------
@pytest.fixture
def default_login_rates(settings, frozen_throttle_clock):
    settings.THROTTLE_LOGIN = "10/min"
    settings.THROTTLE_LOGIN_IP = "60/min"
    settings.THROTTLE_REFRESH = "60/min"


def test_the_eleventh_correct_login_from_one_ip_is_not_throttled(default_login_rates):
    users = [UserFactory(username=f"worker{i}") for i in range(12)]
    statuses = [api_login(user.username, REMOTE_ADDR="10.9.0.1").status_code for user in users]
    assert statuses == [200] * 12


def test_the_per_account_window_still_bites(default_login_rates):
    UserFactory(username="dave")
    statuses = [api_login("dave", REMOTE_ADDR=f"10.9.1.{i}").status_code for i in range(11)]
    assert statuses == [200] * 10 + [429]


def test_the_per_ip_window_bites_at_its_own_rate(settings, frozen_throttle_clock):
    settings.THROTTLE_LOGIN_IP = "3/min"
    statuses = [api_login(f"guess{i}", "x", REMOTE_ADDR="10.9.2.1").status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_refresh_has_its_own_window(settings, frozen_throttle_clock):
    settings.THROTTLE_LOGIN_IP = "2/min"
    settings.THROTTLE_REFRESH = "3/min"
    UserFactory(username="dave")
    token = api_login("dave").json()["refresh_token"]
    statuses = []
    for _ in range(4):
        response = APIClient().post(reverse("auth-refresh"), {"refresh_token": token})
        statuses.append(response.status_code)
        if response.status_code == 200:
            token = response.json()["refresh_token"]
    assert statuses == [200, 200, 200, 429]
    # Refreshing spent none of the login window (one login so far, of 2).
    assert api_login("dave").status_code == 200


def test_the_shipped_defaults():
    from config import settings as project_settings

    assert project_settings.THROTTLE_LOGIN == "10/min"
    assert project_settings.THROTTLE_LOGIN_IP == "60/min"
    assert project_settings.THROTTLE_REFRESH == "60/min"
    assert project_settings.SELF_REGISTRATION_ROLE == ""


# --- 20. NUL (or a forged proxy header) in what keys a throttle is a 4xx, never a 500 --------------------
@pytest.mark.parametrize(
    ("url_name", "body"),
    [
        ("auth-login", '{"username": "a\\u0000b", "password": "x"}'),
        ("auth-login", '{"username": "a@example.com\\u0000", "password": "x"}'),
        (
            "auth-register",
            '{"username": "a\\u0000b", "email": "a@example.com", "password": "Str0ng-Passw0rd"}',
        ),
        (
            "auth-register",
            '{"username": "ab", "email": "a\\u0000@example.com", "password": "Str0ng-Passw0rd"}',
        ),
        (
            "auth-register",
            '{"username": "abc", "email": "a@example.com", "password": "Str0ng-Passw0rd", '
            '"factory_id": "\\u0000"}',
        ),
        ("auth-refresh", '{"refresh_token": "a\\u0000b"}'),
        ("otp-generate", '{"id": "a\\u0000b"}'),
        ("otp-verify", '{"id": "a\\u0000b", "otp": "123456"}'),
    ],
)
def test_nul_in_a_name_is_a_field_error(api_client, url_name, body):
    response = api_client.post(reverse(url_name), data=body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert not User.objects.filter(email__startswith="a").exists()


def test_nul_names_nobody_in_every_password_door():
    UserFactory(username="ab")
    assert authenticate(None, username="a\x00b", password=TEST_PASSWORD) is None
    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key("a\x00b")
    assert account_key("a\x00b").startswith("n")
    response = Client().post("/admin/login/", {"username": "a\x00b", "password": "x"})
    assert response.status_code == 200 and "_auth_user_id" not in Client().session


def test_a_forged_forwarded_address_keys_a_bounded_hash(settings):
    settings.NUM_PROXIES = 1
    UserFactory(username="dave")
    forwarded = {"HTTP_X_FORWARDED_FOR": "1.2.3.4, x\x00" + "y" * 5000}
    assert api_login("dave", **forwarded).status_code == 200
    api = APIClient()
    assert api.post(reverse("auth-register"), REGISTER_BODY, **forwarded).status_code == 201
    assert api.post(reverse("otp-generate"), {"id": 7}, **forwarded).status_code == 200
    assert client_ident_key("10.0.0.1") == "10.0.0.1"
    assert client_ident_key("::ffff:10.0.0.1") == "::ffff:a00:1"
    forged = client_ident_key("x\x00" + "y" * 5000)
    assert forged.startswith("h") and len(forged) == 41
