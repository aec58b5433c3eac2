"""The admin as each role meets it: names, the refusal page, links only where the viewer may go, date
ranges, autocomplete for growing tables, refusals on the form, and each role's daily job."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.forms import ModelChoiceField
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from config.admin_pages import permission_denied
from config.roles import Role
from locks import services as lock_services
from locks.models import DeviceLog
from locks.tests.factories import DeviceFactory
from machines.models import Machine
from maintenance.models import AuditLog, SparePart
from maintenance.tests.factories import SparePartFactory
from staff.models import User
from staff.records import services as records
from staff.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Correct-Horse-42-battery"


def staff_member(role: str, username: str) -> User:
    """A person given `role` the way Management gives it (role + admin access)."""
    return records.user_set_role(user=UserFactory(username=username), role=role, actor=None)


@pytest.fixture
def operator_admin(admin_client_as):
    return admin_client_as(staff_member(Role.OPERATOR, "op-admin"))


@pytest.fixture
def supervisor_admin(admin_client_as):
    return admin_client_as(staff_member(Role.SUPERVISOR, "sup-admin"))


@pytest.fixture
def manager_admin(admin_client_as):
    return admin_client_as(staff_member(Role.MANAGEMENT, "mgr-admin"))


# --- Look ---------------------------------------------------------------------------------------------
def test_the_index_names_the_site_and_the_apps_as_staff_say_them(admin_client):
    page = admin_client.get(reverse("admin:index")).text
    assert "<title>Back office | Facility Operations</title>" in page
    assert '<a href="/docs">View site</a>' in page
    for app in ["Smart locks", "Staff", "Sensors", "Machines", "Maintenance"]:
        assert f">{app}</a>" in page, app
    assert ">Machine telemetry</a>" in page and ">Sensor readings</a>" in page


def growing_fk_fields(request):
    """(admin, field name, form field) for every foreign key choice on an add form or inline."""
    for model_admin in admin.site._registry.values():
        if not model_admin.has_add_permission(request):
            continue
        form = model_admin.get_form(request, None, change=False)
        for name, field in form.base_fields.items():
            if isinstance(field, ModelChoiceField):
                yield model_admin, name, field
        for inline in model_admin.get_inline_instances(request, None):
            for name, field in inline.get_formset(request, None).form.base_fields.items():
                if isinstance(field, ModelChoiceField) and name != inline.fk_name:
                    yield inline, name, field


def test_every_foreign_key_on_a_form_is_an_autocomplete(rf, superuser):
    request = rf.get("/admin/")
    request.user = superuser
    found = {}
    for owner, name, field in growing_fk_fields(request):
        if field.queryset.model._meta.label in ("auth.Group", "auth.Permission"):
            continue  # Django's own, a superuser's only (a handful of rows)
        found[f"{type(owner).__name__}.{name}"] = isinstance(field.widget.widget, AutocompleteSelect)
    assert found and all(found.values()), found
    assert {"SparePartAdmin.category", "SensorAdmin.unit", "SensorDataAdmin.sensor"} <= set(found)
    assert "OrderLineInline.spare_part" in found


def test_a_persons_position_is_chosen_by_autocomplete(admin_client):
    person = UserFactory()
    page = admin_client.get(reverse("admin:staff_user_change", args=[person.pk])).text
    assert '<select name="position" id="id_position" class="admin-autocomplete"' in page


# --- The refusal page -----------------------------------------------------------------------------------
def test_a_refusal_in_the_admin_is_a_styled_admin_page(operator_admin):
    response = operator_admin.get(reverse("admin:staff_user_changelist"))
    assert response.status_code == 403
    assert 'id="site-name"' in response.text and "Facility Operations" in response.text
    assert "Permission denied" in response.text and 'href="/admin/"' in response.text
    assert "<h1>403 Forbidden</h1>" not in response.text


def test_a_refusal_outside_the_admin_is_the_apis_json():
    request = RequestFactory().get("/some/view")
    response = permission_denied(request, PermissionError("not yours"))
    assert response.status_code == 403
    assert json.loads(response.content) == {"detail": "not yours"}


# --- Links only where the viewer may go ---------------------------------------------------------------
def test_a_device_log_links_its_actor_only_for_those_who_may_open_people(
    admin_client_as, operator_admin, supervisor_admin
):
    device = DeviceFactory()
    actor = staff_member(Role.SUPERVISOR, "locker")
    lock_services.device_change_status(
        device_id=device.pk, new_status="unlocked", expected_version=0, actor=actor, note="", source="api"
    )
    log = DeviceLog.objects.get()
    user_url = reverse("admin:staff_user_change", args=[actor.pk])
    log_url = reverse("admin:locks_devicelog_change", args=[log.pk])
    device_url = reverse("admin:locks_device_change", args=[device.pk])
    as_operator = operator_admin.get(log_url)
    assert as_operator.status_code == 200
    assert user_url not in as_operator.text
    assert '<div class="readonly">locker</div>' in as_operator.text
    assert user_url in supervisor_admin.get(log_url).text
    # The device page's inline log too, and its link to the full log is there for whoever may read it.
    page = operator_admin.get(device_url).text
    assert user_url not in page and "all 1 changes" in page
    assert f"{reverse('admin:locks_devicelog_changelist')}?device__id__exact={device.pk}" in page


def test_management_sees_no_reset_password_or_delete_link_on_a_superusers_page(manager_admin, superuser):
    page = manager_admin.get(reverse("admin:staff_user_change", args=[superuser.pk])).text
    assert "Reset password" not in page and 'href="../password/"' not in page
    assert reverse("admin:staff_user_delete", args=[superuser.pk]) not in page
    assert "algorithm" in page  # the password's summary is still shown
    # On a page Management may change, both are there.
    person = UserFactory(username="person")
    person.set_password(PASSWORD)
    person.save()
    page = manager_admin.get(reverse("admin:staff_user_change", args=[person.pk])).text
    assert "Reset password" in page and reverse("admin:staff_user_delete", args=[person.pk]) in page


def test_no_audit_link_for_an_operator_on_a_parts_page(operator_admin, supervisor_admin):
    part = SparePartFactory()
    url = reverse("admin:maintenance_sparepart_change", args=[part.pk])
    assert reverse("admin:maintenance_auditlog_changelist") not in operator_admin.get(url).text
    assert reverse("admin:maintenance_auditlog_changelist") in supervisor_admin.get(url).text


# --- Date ranges on logs and telemetry ------------------------------------------------------------------
def test_the_log_filters_by_a_date_range_in_the_viewers_time_zone(admin_client):
    device = DeviceFactory()
    for version, day in enumerate([1, 5, 9]):
        lock_services.device_change_status(
            device_id=device.pk,
            new_status="unlocked" if version % 2 == 0 else "locked",
            expected_version=version,
            actor=None,
            note=f"day {day}",
            source="api",
        )
        DeviceLog.objects.filter(note=f"day {day}").update(
            changed_at=timezone.make_aware(datetime.datetime(2026, 3, day, 12, 0))
        )
    url = reverse("admin:locks_devicelog_changelist")
    response = admin_client.get(
        url, {"changed_at__from": "2026-03-05", "changed_at__to": "2026-03-09", "q": "day"}
    )
    assert sorted(log.note for log in response.context["cl"].result_list) == ["day 5", "day 9"]
    # The form keeps the other parameters and shows the dates chosen.
    assert '<input type="hidden" name="q" value="day">' in response.text
    assert 'name="changed_at__from" value="2026-03-05"' in response.text
    response = admin_client.get(url, {"changed_at__to": "2026-03-04"})
    assert [log.note for log in response.context["cl"].result_list] == ["day 1"]


def test_a_bad_date_is_not_a_server_error(admin_client):
    response = admin_client.get(
        reverse("admin:locks_devicelog_changelist"), {"changed_at__from": "yesterday"}
    )
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_telemetry_and_every_log_have_a_date_hierarchy_and_a_range(admin_client):
    for model_name in [
        "locks.devicelog",
        "maintenance.auditlog",
        "machines.sensorreading",
        "machines.systemconfigchange",
    ]:
        model_admin = admin.site._registry[
            next(m for m in admin.site._registry if m._meta.label_lower == model_name)
        ]
        assert model_admin.date_hierarchy, model_name
        assert any(
            isinstance(f, tuple) and f[0] == model_admin.date_hierarchy for f in model_admin.list_filter
        )
        opts = model_admin.model._meta
        page = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert page.status_code == 200 and f'name="{model_admin.date_hierarchy}__from"' in page.text


# --- Each role's day ----------------------------------------------------------------------------------
def test_a_supervisor_edits_a_part_and_a_bad_sku_keeps_the_form(supervisor_admin):
    part = SparePartFactory(name="Hex bolt", sku="BLT-STL-M8-50", stock=5, price="1.00")
    url = reverse("admin:maintenance_sparepart_change", args=[part.pk])
    data = {
        "name": "Hex bolt M8",
        "sku": "BLT-STL-M8-50",
        "category": "",
        "price": "1.25",
        "stock": "5",
        "initial-stock": "5",
        "min_stock": "2",
    }
    assert supervisor_admin.post(url, data).status_code == 302
    part.refresh_from_db()
    assert (part.name, str(part.price), part.min_stock) == ("Hex bolt M8", "1.25", 2)
    row = AuditLog.objects.filter(entity="spare_part", action="update").latest("id")
    assert row.actor.username == "sup-admin"
    response = supervisor_admin.post(url, {**data, "sku": "nope", "name": "typed"})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["sku"][0].startswith("Invalid SKU format")
    assert (form["name"].value(), form["sku"].value()) == ("typed", "nope")
    part.refresh_from_db()
    assert part.name == "Hex bolt M8"


def test_a_supervisor_registers_a_machine_and_a_taken_name_keeps_the_form(supervisor_admin):
    url = reverse("admin:machines_machine_add")
    data = {"name": "Press 7", "location": "Hall B", "sensor_type": "thermocouple", "status": "active"}
    assert supervisor_admin.post(url, data).status_code == 302
    assert Machine.objects.get(name="Press 7").location == "Hall B"
    response = supervisor_admin.post(url, {**data, "location": "Hall C"})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["name"] and form["location"].value() == "Hall C"
    assert Machine.objects.filter(name="Press 7").count() == 1


def test_an_operator_may_not_edit_parts_or_register_machines(operator_admin):
    assert operator_admin.get(reverse("admin:machines_machine_add")).status_code == 403
    part = SparePartFactory()
    response = operator_admin.post(
        reverse("admin:maintenance_sparepart_change", args=[part.pk]), {"name": "x", "sku": part.sku}
    )
    assert response.status_code == 403
    assert SparePart.objects.get(pk=part.pk).name == part.name


def test_management_gives_a_role_and_the_person_logs_in_to_the_admin(manager_admin):
    data = {
        "username": "newhire",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "usable_password": "true",
        "role": Role.OPERATOR,
    }
    assert manager_admin.post(reverse("admin:staff_user_add"), data).status_code == 302
    hire = User.objects.get(username="newhire")
    assert (hire.role, hire.is_staff) == (Role.OPERATOR, True)
    browser = Client()
    login = browser.post(
        reverse("admin:login"), {"username": "newhire", "password": PASSWORD, "next": "/admin/"}
    )
    assert login.status_code == 302 and login["Location"] == "/admin/"
    assert browser.get(reverse("admin:maintenance_serviceorder_add")).status_code == 200
    # Management changes the role on the person's page: one field, through user_set_role.
    page = manager_admin.get(reverse("admin:staff_user_change", args=[hire.pk]))
    assert page.text.count('name="role"') == 1


def test_fields_whose_meaning_is_not_obvious_have_help(admin_client):
    device = DeviceFactory()
    page = admin_client.get(reverse("admin:locks_device_change", args=[device.pk])).text
    assert "Goes up by one with every change" in page
    part = SparePartFactory()
    page = admin_client.get(reverse("admin:maintenance_sparepart_change", args=[part.pk])).text
    assert "On the shelf now: an order takes from it" in page
    assert "Below this the part counts as low stock." in page
    page = admin_client.get(reverse("admin:machines_machine_add")).text
    assert "stored as the location tag of each telemetry point" in page


def test_a_refused_csrf_check_outside_the_admin_stays_djangos_page(superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    response = client.post(reverse("rest_framework:logout"))
    assert response.status_code == 403
    assert "CSRF verification failed" in response.text and "Facility Operations" not in response.text
