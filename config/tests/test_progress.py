"""Long commands (config.progress): a bar on a terminal, plain lines otherwise and never both,
--quiet keeps the one-line summary, a failure exits non-zero; seed_demo keeps a role Management changed."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from django.db import DatabaseError
from django.utils import timezone

from config import progress as progress_module
from sensors.services import workflow
from sensors.tests.factories import SensorDataFactory

pytestmark = pytest.mark.django_db


class Terminal(StringIO):
    """A stdout that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def old_readings(count: int) -> None:
    taken = timezone.now() - timedelta(days=100)
    SensorDataFactory.create_batch(count, status="validated", timestamp=taken)


def archive(*extra: str, stdout: StringIO | None = None) -> str:
    out = stdout if stdout is not None else StringIO()
    call_command("archive_sensor_data", "--older-than", "90d", "--batch-size", "2", *extra, stdout=out)
    return out.getvalue()


def test_off_a_terminal_each_batch_is_one_plain_line_and_no_bar():
    old_readings(5)
    out = archive()
    lines = out.splitlines()
    assert [line for line in lines if "batch" in line and "archived" in line] == [
        "  batch 1: archived 2 (total 2)",
        "  batch 2: archived 2 (total 4)",
        "  batch 3: archived 1 (total 5)",
    ]
    assert "\r" not in out and "[#" not in out
    assert lines[-1] == "Archived 5 readings older than 90d."


def test_the_service_does_not_print_each_batch_a_second_time(caplog):
    old_readings(3)
    with caplog.at_level("INFO", logger="sensors.services.workflow"):
        archive()
    assert not [r for r in caplog.records if r.name == "sensors.services.workflow" and r.levelname == "INFO"]


def test_on_a_terminal_a_bar_redrawn_in_place_and_no_plain_batch_lines(monkeypatch):
    monkeypatch.setattr(progress_module, "BAR_EVERY", 0.0)
    old_readings(4)
    out = archive(stdout=Terminal())
    assert "\r" in out
    assert "[" + "#" * progress_module.BAR_WIDTH + "] 4/4 readings (100%)" in out
    assert "  batch 1: archived" not in out
    assert out.endswith("Archived 4 readings older than 90d.\n")


@pytest.mark.parametrize("stdout_class", [StringIO, Terminal])
def test_quiet_prints_only_the_one_line_summary(stdout_class):
    old_readings(3)
    out = archive("--quiet", stdout=stdout_class())
    assert out == "Archived 3 readings older than 90d.\n"


def test_a_failure_names_how_far_it_got_and_exits_non_zero(monkeypatch):
    old_readings(4)
    real = workflow.sensordata_archive_older_than

    def breaks_after_one_batch(**kwargs):
        batches = real(**kwargs)
        yield next(batches)
        raise DatabaseError("connection lost")

    monkeypatch.setattr(workflow, "sensordata_archive_older_than", breaks_after_one_batch)
    monkeypatch.setattr("sensors.services.sensordata_archive_older_than", breaks_after_one_batch)
    with pytest.raises(CommandError) as caught:
        archive()
    assert str(caught.value) == (
        "archive_sensor_data: failed after 2/4 readings (50%): DatabaseError: connection lost"
    )
    with pytest.raises(SystemExit) as exit_:
        argv = ["manage.py", "archive_sensor_data", "--older-than", "90d", "--batch-size", "1"]
        ManagementUtility(argv).execute()
    assert exit_.value.code == 1


def test_seed_demo_summary_and_quiet(settings):
    out = StringIO()
    call_command("seed_demo", "--force", "--quiet", stdout=out)
    [line] = out.getvalue().splitlines()
    assert line.startswith("Demo data ready (5 apps).")
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    assert "staff:" in out.getvalue() and "staff: done" in out.getvalue()


def test_seed_demo_never_resets_a_role_management_changed(manager):
    from staff.models import User
    from staff.records.services import user_set_role

    call_command("seed_demo", "--force", "--quiet", stdout=StringIO())
    operator1 = User.objects.get(username="operator1")
    user_set_role(user=operator1, role="Supervisor", actor=manager)
    supervisor1 = User.objects.get(username="supervisor1")
    user_set_role(user=supervisor1, role=None, actor=manager)
    call_command("seed_demo", "--force", "--quiet", stdout=StringIO())
    roles = User.objects.get(username="operator1").groups.values_list("name", flat=True)
    assert list(roles) == ["Supervisor"]
    assert not User.objects.get(username="supervisor1").groups.exists()
