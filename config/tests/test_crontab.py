"""`deploy/crontab` is the schedule cron runs (docs/architecture.md §13): every job names a management
command that exists, with arguments that command's own parser takes, and the README's cron table
lists the same jobs at the same frequency. A renamed command or option fails here, not at 3 a.m."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]
CRONTAB = ROOT / "deploy" / "crontab"
README = ROOT / "README.md"

_ENV_LINE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# minute, hour, day of month, month, day of week (0 and 7 are Sunday)
_FIELD_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_SHELL_CHARACTERS = set(";&|<>`$()")
_README_ROW = re.compile(r"^\|\s*`python manage\.py ([^`]+)`\s*\|\s*([^|]+?)\s*\|")


@dataclass(frozen=True)
class Job:
    """One crontab line: its schedule and the `manage.py` command it runs."""

    line: int
    schedule: tuple[str, ...]
    command: str
    args: tuple[str, ...]

    @property
    def frequency(self) -> str:
        """`every minute`, `hourly`, `daily` or `other`, in the words of the README's table."""
        minute, hour, *rest = self.schedule
        if rest == ["*", "*", "*"] and minute == hour == "*":
            return "every minute"
        if rest != ["*", "*", "*"] or not minute.isdigit():
            return "other"
        if hour == "*":
            return "hourly"
        return "daily" if hour.isdigit() else "other"

    @property
    def invocation(self) -> tuple[str, ...]:
        return (self.command, *self.args)


def _field_ok(text: str, low: int, high: int) -> bool:
    """A cron field of numbers, ranges, lists and steps within [low, high]."""
    for part in text.split(","):
        base, _, step = part.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            return False
        if base == "*":
            continue
        start, _, end = base.partition("-")
        numbers = [start, end] if end else [start]
        if not all(n.isdigit() and low <= int(n) <= high for n in numbers):
            return False
        if end and int(start) > int(end):
            return False
    return True


def parse_crontab(text: str) -> list[Job]:
    """The jobs of a crontab; ValueError naming the line for anything this project doesn't write."""
    jobs = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or _ENV_LINE.match(line):
            continue
        parts = line.split(None, 5)
        if len(parts) != 6:
            raise ValueError(f"line {number}: expected five schedule fields and a command: {raw!r}")
        schedule, command = tuple(parts[:5]), parts[5]
        for field, (low, high) in zip(schedule, _FIELD_BOUNDS, strict=True):
            if not _field_ok(field, low, high):
                raise ValueError(f"line {number}: bad schedule field {field!r}")
        tokens = shlex.split(command)
        if "manage.py" not in tokens:
            raise ValueError(f"line {number}: not a `python manage.py` command: {command!r}")
        at = tokens.index("manage.py")
        if at == 0 or not tokens[at - 1].startswith("python") or len(tokens) == at + 1:
            raise ValueError(f"line {number}: expected `python manage.py <command>`: {command!r}")
        after = tokens[at + 1 :]
        if any(_SHELL_CHARACTERS & set(token) for token in after):
            raise ValueError(f"line {number}: nothing may follow the command's arguments: {command!r}")
        jobs.append(Job(number, schedule, after[0], tuple(after[1:])))
    return jobs


def parse_readme_table(text: str) -> list[tuple[tuple[str, ...], str]]:
    """(invocation, frequency) of each row of the README's cron table; `[optional]` parts dropped,
    since the crontab runs a command with its defaults unless the table names an argument."""
    section = text.split("## Scheduled commands (cron)", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        match = _README_ROW.match(line)
        if match:
            required = re.sub(r"\s*\[[^\]]*\]", "", match.group(1))
            rows.append((tuple(shlex.split(required)), match.group(2).strip()))
    return rows


def job_problem(job: Job) -> str | None:
    """Why cron would fail to run this job, or None: an unknown command or arguments its parser
    refuses (the same parser `manage.py` and `call_command` use)."""
    app_name = get_commands().get(job.command)
    if app_name is None:
        return f"line {job.line}: no management command {job.command!r}"
    command = load_command_class(app_name, job.command)
    parser = command.create_parser("manage.py", job.command)
    try:
        parser.parse_args(list(job.args))
    except CommandError as exc:
        return f"line {job.line}: {job.command} {' '.join(job.args)}: {exc}"
    return None


def table_differences(rows: list[tuple[tuple[str, ...], str]], jobs: list[Job]) -> list[str]:
    """What the README's table and the crontab disagree on (empty: they agree)."""
    in_table = {invocation: frequency for invocation, frequency in rows}
    in_crontab = {job.invocation: job.frequency for job in jobs}
    problems = [f"README only: {' '.join(i)}" for i in in_table.keys() - in_crontab.keys()]
    problems += [f"deploy/crontab only: {' '.join(i)}" for i in in_crontab.keys() - in_table.keys()]
    problems += [
        f"{' '.join(i)}: README says {in_table[i]}, deploy/crontab runs it {in_crontab[i]}"
        for i in in_table.keys() & in_crontab.keys()
        if in_table[i] != in_crontab[i]
    ]
    if len(in_crontab) != len(jobs):
        problems.append("deploy/crontab runs a job twice")
    return sorted(problems)


JOBS = parse_crontab(CRONTAB.read_text())


def test_crontab_has_the_jobs() -> None:
    assert len(JOBS) >= 8
    assert {job.frequency for job in JOBS} <= {"every minute", "hourly", "daily"}


@pytest.mark.parametrize("job", JOBS, ids=lambda job: job.command)
def test_every_job_runs_an_existing_command_with_valid_arguments(job: Job) -> None:
    assert job_problem(job) is None


def test_readme_table_and_crontab_agree() -> None:
    rows = parse_readme_table(README.read_text())
    assert rows, "the README's cron table has no `python manage.py` rows"
    assert table_differences(rows, JOBS) == []


def test_readme_points_at_the_crontab() -> None:
    section = README.read_text().split("## Scheduled commands (cron)", 1)[1].split("\n## ", 1)[0]
    assert "deploy/crontab" in section


# --- the checks themselves fail on a broken file ------------------------------------------------
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("0 3 * * * cd /app && python manage.py no_such_command", "no management command"),
        # --older-than is required
        ("0 3 * * * cd /app && python manage.py archive_sensor_data", "required"),
        ("0 3 * * * cd /app && python manage.py purge_telemetry --days soon", "invalid int value"),
        ("0 3 * * * cd /app && python manage.py clearsessions --no-such-option", "unrecognized arguments"),
    ],
)
def test_a_broken_job_is_named(line: str, expected: str) -> None:
    (job,) = parse_crontab(line)
    problem = job_problem(job)
    assert problem is not None and expected in problem


@pytest.mark.parametrize(
    "line",
    [
        "61 3 * * * cd /app && python manage.py clearsessions",
        "0 3 * * cd /app && python manage.py clearsessions",
        "0 3 * * * cd /app && ./cleanup.sh",
        "0 3 * * * cd /app && python manage.py clearsessions > /tmp/log",
    ],
)
def test_a_malformed_line_is_refused(line: str) -> None:
    with pytest.raises(ValueError, match="line 1"):
        parse_crontab(line)


def test_frequencies_are_named() -> None:
    every, hourly, other = parse_crontab(
        "* * * * * cd /app && python manage.py clearsessions\n"
        "5 * * * * cd /app && python manage.py clearsessions\n"
        "*/5 * * * * cd /app && python manage.py clearsessions"
    )
    assert (every.frequency, hourly.frequency, other.frequency) == ("every minute", "hourly", "other")


def test_a_disagreeing_table_is_named() -> None:
    jobs = parse_crontab("5 * * * * cd /app && python manage.py purge_idempotency_records --older-than 24h")
    assert table_differences([(("purge_idempotency_records", "--older-than", "24h"), "hourly")], jobs) == []
    assert table_differences([(("purge_idempotency_records", "--older-than", "24h"), "daily")], jobs) == [
        "purge_idempotency_records --older-than 24h: README says daily, deploy/crontab runs it hourly"
    ]
    assert table_differences([(("clearsessions",), "daily")], jobs) == [
        "README only: clearsessions",
        "deploy/crontab only: purge_idempotency_records --older-than 24h",
    ]
