"""A machine's admin page charts its telemetry (machines/charts.py): the store's window means for
1 h / 24 h / 7 d, the system settings' thresholds as lines, an empty range said as such."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from machines.services import systemsetting_set
from machines.timeseries import Point, get_store


def staff(user):
    user.is_staff = True  # what assigning a role does; the fixtures skip it
    user.save(update_fields=["is_staff"])
    return user


def page(client, machine, query: str = "") -> str:
    response = client.get(f"/admin/machines/machine/{machine.pk}/change/{query}")
    assert response.status_code == 200
    return response.content.decode()


def write(machine, ages: list[timedelta], **values) -> None:
    now = timezone.now()
    get_store().write(
        [Point(machine.pk, now - age, machine.sensor_type, machine.location, **values) for age in ages]
    )


def polyline_lengths(html: str) -> list[int]:
    return [len(points.split()) for points in re.findall(r'<polyline [^>]*points="([^"]*)"', html)]


@pytest.mark.django_db
def test_the_last_24_hours_with_the_thresholds(admin_client_as, supervisor, machine):
    write(machine, [timedelta(minutes=m) for m in range(1, 600, 5)], temperature=70.0, pressure=120.0)
    html = page(admin_client_as(staff(supervisor)), machine)
    assert "Telemetry, last 24h" in html
    assert "Temperature (°C)" in html and "Pressure" in html and "Speed" in html
    # Two charts with a line (5-minute means, one per window), speed was never sent.
    assert polyline_lengths(html) == [120, 120]
    assert html.count("No data in this range") == 1
    assert ">max 80<" in html and ">max 150<" in html  # migration machines.0003's defaults


@pytest.mark.django_db
def test_a_changed_threshold_is_drawn_at_once(admin_client_as, supervisor, manager, machine):
    write(machine, [timedelta(minutes=3)], temperature=70.0)
    systemsetting_set(name="max_temperature_threshold", value="92.5", actor=manager)
    html = page(admin_client_as(staff(supervisor)), machine)
    assert ">max 92.5<" in html and ">max 80<" not in html


@pytest.mark.django_db
def test_the_ranges(admin_client_as, operator, machine):
    # Far enough apart that no hour of the clock joins two of them in one line (gap: 2.5 windows).
    write(machine, [timedelta(minutes=30), timedelta(hours=6), timedelta(days=3)], temperature=60.0)
    client = admin_client_as(staff(operator))
    one_hour = page(client, machine, "?chart_range=1h")
    assert "Telemetry, last 1h" in one_hour and one_hour.count("<circle") == 1
    week = page(client, machine, "?chart_range=7d")
    assert "Telemetry, last 7d" in week and polyline_lengths(week) == [] and week.count("<circle") == 3
    assert 'class="selected" aria-current="true">7d<' in week
    # An unknown range is the default one, never an error.
    assert "Telemetry, last 24h" in page(client, machine, "?chart_range=1y")


@pytest.mark.django_db
def test_no_telemetry_no_lines(admin_client_as, operator, machine):
    html = page(admin_client_as(staff(operator)), machine)
    assert html.count("No data in this range") == 3 and "<polyline" not in html


@pytest.mark.django_db
def test_no_chart_without_the_telemetry_permission(admin_client_as, reader, machine):
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="machines", codename="view_machine")
    )
    html = page(admin_client_as(staff(reader)), machine)
    assert 'id="charts"' not in html


@pytest.mark.django_db
def test_the_add_page_has_no_chart(admin_client):
    response = admin_client.get("/admin/machines/machine/add/")
    assert response.status_code == 200 and 'id="charts"' not in response.content.decode()
