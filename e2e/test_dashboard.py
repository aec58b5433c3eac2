"""The admin dashboard and a machine's chart in a real browser: the figures equal the database, a
change shows without a reload (dashboard.js under the CSP), a figure opens its filtered list, and a
machine row opens the machine's charts (screenshots: test-artifacts/browser)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from config.roles import Role
from staff.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def figure(page, panel: str, key: str) -> str:
    """The figure's text, read in one step: the panel is redrawn every second while the test reads."""
    selector = f'[data-panel="{panel}"] [data-figure="{key}"] .figure-value'
    page.find(selector)
    return page.driver.execute_script(
        "const el = document.querySelector(arguments[0]); return el ? el.innerText.trim() : null;", selector
    )


def test_the_operator_watches_the_dashboard_and_opens_a_machine_chart(page, settings):
    from selenium.webdriver.support.ui import WebDriverWait

    from locks import services as lock_services
    from locks.choices import LockStatus
    from locks.models import Device
    from locks.tests.factories import DeviceFactory
    from machines.tests.factories import MachineFactory
    from machines.timeseries import Point, get_store
    from sensors.models import SensorData
    from sensors.tests.factories import SensorDataFactory

    settings.DASHBOARD_REFRESH_SECONDS = 1
    operator = UserFactory(username="op", role=Role.OPERATOR, is_staff=True)
    doors = [DeviceFactory(status=LockStatus.LOCKED) for _ in range(3)]
    DeviceFactory(status=LockStatus.JAMMED)
    SensorDataFactory.create_batch(4)
    machine = MachineFactory(name="Press-07")
    now = timezone.now()
    get_store().write(
        [
            Point(machine.pk, now - timedelta(minutes=m), "t", "here", temperature=60.0 + m, pressure=100.0)
            for m in range(1, 40, 2)  # 20 points well inside the last hour, however slow the login
        ]
    )

    page.login(operator.username, TEST_PASSWORD)
    page.find("#dashboard")
    page.shot("dashboard")
    for status in LockStatus:
        expected = Device.objects.filter(status=status).count()
        assert figure(page, "locks.devices", status.value) == str(expected)
    pending = SensorData.objects.filter(status="pending").count()
    assert figure(page, "sensors.readings", "pending") == str(pending)
    assert figure(page, "machines.activity", "ingest_rate") == str(round(20 / 60, 1))

    # Someone unlocks a door through the service: the figure follows without a reload.
    lock_services.device_change_status(
        device_id=doors[0].pk, new_status=LockStatus.UNLOCKED, expected_version=0, actor=operator
    )
    WebDriverWait(page.driver, 15).until(lambda _: figure(page, "locks.devices", "unlocked") == "1")
    assert figure(page, "locks.devices", "locked") == "2"
    page.shot("refreshed")

    page.navigate('[data-panel="locks.devices"] [data-figure="jammed"] a')
    page.find("#result_list")
    assert "status__exact=jammed" in page.driver.current_url
    assert len(page.find_all("#result_list tbody tr")) == 1
    page.shot("jammed-list")

    page.get("/admin/")
    page.navigate(f'[data-panel="machines.activity"] a[href*="{machine.pk}"]')
    charts = page.find("#charts")
    assert "Telemetry, last 24h" in charts.text
    assert len(page.find_all("#charts svg polyline")) == 2  # temperature and pressure; no speed sent
    assert "max 80" in charts.text
    page.shot("machine-chart")
    page.navigate('#charts .chart-ranges a[href*="chart_range=1h"]')
    assert "Telemetry, last 1h" in page.find("#charts").text
    page.shot("machine-chart-1h")
