"""Admin for positions (jabatan) and staff records: list, filters, CSV export, service-backed writes."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.urls import reverse

from staff.models import Position, User
from staff.tests.factories import PositionFactory, UserFactory

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- Positions -------------------------------------------------------------------------------------
def test_position_changelist_search_and_staff_count(admin_client):
    used = PositionFactory(name="Teknisi Listrik")
    PositionFactory(name="Akuntan")
    UserFactory(position=used)
    url = reverse("admin:staff_position_changelist")
    content = admin_client.get(url, {"q": "teknisi"}).content.decode()
    assert "Teknisi Listrik" in content and "Akuntan" not in content
    assert admin_client.get(url, {"o": "4"}).status_code == 200  # ordered by staff count


def test_position_add_and_change_go_through_the_services(admin_client, monkeypatch):
    from staff.records import services

    calls = []
    for name in ("position_create", "position_update"):
        original = getattr(services, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(services, name, spy)

    response = admin_client.post(
        reverse("admin:staff_position_add"), {"name": "Teknisi", "description": "Perawatan"}
    )
    assert response.status_code == 302
    position = Position.objects.get(name="Teknisi")
    response = admin_client.post(
        reverse("admin:staff_position_change", args=[position.pk]),
        {"name": "Teknisi Senior", "description": ""},
    )
    assert response.status_code == 302
    position.refresh_from_db()
    assert (position.name, position.description) == ("Teknisi Senior", "")
    assert calls == ["position_create", "position_update"]


def test_position_add_validates_the_name_length(admin_client):
    response = admin_client.post(reverse("admin:staff_position_add"), {"name": "x" * 101, "description": ""})
    assert response.status_code == 200
    assert not Position.objects.exists()


def test_position_delete_unused_and_in_use(admin_client):
    free = PositionFactory()
    used = PositionFactory()
    UserFactory(position=used)
    response = admin_client.post(reverse("admin:staff_position_delete", args=[free.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Position.objects.filter(pk=free.pk).exists()
    # Django's confirmation page already refuses protected objects: no 500, nothing deleted.
    response = admin_client.post(reverse("admin:staff_position_delete", args=[used.pk]), {"post": "yes"})
    assert response.status_code == 200
    assert Position.objects.filter(pk=used.pk).exists()


def test_position_delete_that_loses_a_race_shows_a_message(admin_client, monkeypatch):
    """If a staff record is assigned after the confirmation page, the service's 409 becomes a message."""
    position = PositionFactory()
    monkeypatch.setattr(
        admin.site._registry[Position].__class__,
        "get_deleted_objects",
        lambda self, objs, request: ([], {}, set(), []),
    )
    UserFactory(position=position)
    response = admin_client.post(
        reverse("admin:staff_position_delete", args=[position.pk]), {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert any("jabatan masih digunakan" in str(m) for m in get_messages(response.wsgi_request))
    assert Position.objects.filter(pk=position.pk).exists()


def test_position_bulk_delete_keeps_positions_in_use(admin_user):
    free, used = PositionFactory(), PositionFactory()
    UserFactory(position=used)
    request = RequestFactory().post("/")
    request.user = admin_user
    request.session = {}
    request._messages = FallbackStorage(request)
    admin.site._registry[Position].delete_queryset(
        request, Position.objects.filter(pk__in=[free.pk, used.pk])
    )
    assert list(Position.objects.values_list("pk", flat=True)) == [used.pk]
    assert any("jabatan masih digunakan" in str(m) for m in request._messages)


def test_position_csv_export(admin_client):
    used = PositionFactory(name="=HYPERLINK(1)", description="a, b")
    UserFactory(position=used)
    other = PositionFactory(name="Akuntan")
    response = admin_client.post(
        reverse("admin:staff_position_changelist"),
        {"action": "export_csv", "_selected_action": [used.pk, other.pk]},
    )
    rows = rows_of(response)
    assert rows[0] == ["id_jabatan", "nama_jabatan", "deskripsi", "jumlah_staff"]
    assert rows[1] == [str(used.pk), "'=HYPERLINK(1)", "a, b", "1"]
    assert rows[2] == [str(other.pk), "Akuntan", other.description, "0"]


# --- Users -----------------------------------------------------------------------------------------
def test_user_changelist_shows_jabatan_and_filters_by_it(admin_client):
    teknisi, akuntan = PositionFactory(name="Teknisi"), PositionFactory(name="Akuntan")
    UserFactory(username="tek", position=teknisi)
    UserFactory(username="akun", position=akuntan)
    url = reverse("admin:staff_user_changelist")
    content = admin_client.get(url).content.decode()
    assert "Teknisi" in content and "Akuntan" in content
    content = admin_client.get(url, {"position__id__exact": teknisi.pk}).content.decode()
    assert ">tek<" in content and ">akun<" not in content
    content = admin_client.get(url, {"q": "akuntan"}).content.decode()
    assert ">akun<" in content and ">tek<" not in content


def test_user_change_form_applies_the_phone_rule(admin_client):
    user = UserFactory(username="hp", phone="")
    url = reverse("admin:staff_user_change", args=[user.pk])
    form = {
        "username": "hp",
        "email": "hp@example.com",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "full_name": "",
        "factory_id": "",
        "department": "",
        "address": "",
        "phone": "0812-bad",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 200
    assert "Nomor telepon tidak valid" in response.content.decode()
    response = admin_client.post(url, {**form, "phone": "+6281234567890"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone == "+6281234567890"


def test_user_csv_export_with_personal_data_for_superuser(admin_client):
    position = PositionFactory(name="Teknisi")
    user = UserFactory(
        username="rina", full_name="Rina", phone="+6281234567890", address="Jl. Mawar", position=position
    )
    response = admin_client.post(
        reverse("admin:staff_user_changelist"), {"action": "export_csv", "_selected_action": [user.pk]}
    )
    rows = rows_of(response)
    header = rows[0]
    assert header[:7] == ["id_user", "username", "nama", "alamat", "telepon", "email", "id_jabatan"]
    row = dict(zip(header, rows[1], strict=True))
    assert row["alamat"] == "Jl. Mawar"
    assert row["telepon"] == "+6281234567890"  # a number, not neutralised as a formula
    assert row["jabatan"] == "Teknisi"


def test_user_csv_export_without_personal_data_permission(client):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user", content_type__app_label="staff"))
    target = UserFactory(username="target", phone="081234567890", address="Rahasia")
    client.force_login(viewer)
    response = client.post(
        reverse("admin:staff_user_changelist"), {"action": "export_csv", "_selected_action": [target.pk]}
    )
    rows = rows_of(response)
    assert "alamat" not in rows[0] and "telepon" not in rows[0]
    assert "Rahasia" not in response.content.decode()


def test_user_delete_through_the_admin(admin_client):
    user = UserFactory()
    response = admin_client.post(reverse("admin:staff_user_delete", args=[user.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


def test_staff_admin_cannot_delete_a_superuser(client, admin_user):
    deleter = UserFactory(username="deleter", is_staff=True)
    deleter.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "delete_user"], content_type__app_label="staff")
    )
    client.force_login(deleter)
    response = client.post(
        reverse("admin:staff_user_delete", args=[admin_user.pk]), {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert any("Only a superuser" in str(m) for m in get_messages(response.wsgi_request))
    assert User.objects.filter(pk=admin_user.pk).exists()
