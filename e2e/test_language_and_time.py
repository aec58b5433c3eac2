"""The admin in Bahasa Indonesia and in the person's own time zone, in a real browser (README
"Language and time"; screenshots: test-artifacts/browser)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from config.roles import Role
from locks.tests.factories import DeviceFactory
from staff.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_operator_switches_to_indonesian_and_sets_a_time_zone(page):
    operator = UserFactory(username="op-id", role=Role.OPERATOR, is_staff=True)
    device = DeviceFactory(name="Gerbang 7")
    type(device).objects.filter(pk=device.pk).update(updated_at=datetime(2026, 3, 1, 1, 30, tzinfo=UTC))
    page.login(operator.username, TEST_PASSWORD)
    assert "WELCOME" in page.find("#user-tools").text.upper()

    # The header's select posts as soon as a language is picked (its script), back to the same page.
    page.select("#language-switcher-select", value="id")
    page.find("html[lang=id]")
    page.shot("admin-in-indonesian")
    assert "SELAMAT DATANG" in page.find("#user-tools").text.upper()

    page.get("/admin/locks/device/")
    page.find("#result_list")
    page.shot("devices-in-jakarta-time")
    assert "08.30 WIB" in page.text  # 01:30 UTC in the site's default zone, Indonesian format

    page.get("/admin/preferences/")
    page.select("#id_time_zone", value="Asia/Jayapura")
    page.navigate("#preferences-form input[type=submit]")
    page.find(".messagelist")
    page.shot("preferences-saved")
    operator.refresh_from_db()
    assert operator.time_zone == "Asia/Jayapura"
    page.get("/admin/locks/device/")
    page.find("#result_list")
    assert "10.30 WIT" in page.text
