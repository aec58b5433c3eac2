"""User admin (platform part): list, change and add pages, role filter and search."""

from __future__ import annotations

import pytest
from django.urls import reverse

from staff.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_changelist_shows_role_factory_department_and_active(admin_client):
    UserFactory(username="opal", role="Operator", factory_id="F9", department="Assembly")
    response = admin_client.get(reverse("admin:staff_user_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    for text in ("opal", "Operator", "F9", "Assembly"):
        assert text in content


def test_user_changelist_filters_by_role_and_active(admin_client):
    UserFactory(username="op-one", role="Operator")
    UserFactory(username="sup-one", role="Supervisor")
    UserFactory(username="gone-one", role="Supervisor", is_active=False)
    url = reverse("admin:staff_user_changelist")
    content = admin_client.get(url, {"role": "Supervisor", "is_active__exact": "1"}).content.decode()
    assert "sup-one" in content
    assert "op-one" not in content and "gone-one" not in content


def test_user_changelist_search_by_name_and_email(admin_client):
    UserFactory(username="x1", full_name="Budi Santoso", email="budi@example.com")
    UserFactory(username="x2", full_name="Siti Aminah", email="siti@example.com")
    url = reverse("admin:staff_user_changelist")
    assert "Budi Santoso" in admin_client.get(url, {"q": "budi"}).content.decode()
    assert "Budi Santoso" not in admin_client.get(url, {"q": "siti@"}).content.decode()


def test_user_change_and_add_pages_render(admin_client):
    user = UserFactory(role="Management")
    assert admin_client.get(reverse("admin:staff_user_change", args=[user.pk])).status_code == 200
    assert admin_client.get(reverse("admin:staff_user_add")).status_code == 200


def test_non_staff_cannot_reach_the_admin(client):
    user = UserFactory(role="Management")
    client.force_login(user)
    response = client.get(reverse("admin:staff_user_changelist"))
    assert response.status_code == 302
