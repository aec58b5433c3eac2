"""The alert mail (`send_alert_mail`): new and escalated alerts batched into one message, at most
one report per machine and metric per ALERT_MAIL_INTERVAL, nothing marked when it is not sent."""

from __future__ import annotations

from datetime import timedelta
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from config.testing import run_threads
from machines import services
from machines.choices import AlertBound, AlertMetric, AlertSeverity
from machines.models import Alert, SystemConfig
from machines.tests.factories import MachineFactory


def make_alert(machine, *, metric=AlertMetric.TEMPERATURE, severity=AlertSeverity.WARNING, **fields) -> Alert:
    now = timezone.now()
    values = {
        "bound": AlertBound.MAX,
        "threshold": 80.0,
        "last_value": 85.0,
        "peak_value": 86.5,
        "first_seen": now,
        "last_seen": now,
        **fields,
    }
    return Alert.objects.create(machine=machine, metric=metric, severity=severity, **values)


def test_new_alerts_go_out_in_one_mail_once(machine, settings):
    other = MachineFactory(name="Press-9")
    first = make_alert(machine)
    second = make_alert(other, metric=AlertMetric.PRESSURE, severity=AlertSeverity.CRITICAL, threshold=150.0)
    result = services.alert_mail_send()
    assert [alert.pk for alert in result.alerts] == [first.pk, second.pk]  # by machine name
    (sent,) = mail.outbox
    assert sent.to == ["alerts@factory.com"]
    assert sent.from_email == settings.DEFAULT_FROM_EMAIL
    assert sent.subject == "Machine alerts: 2 new or escalated (1 critical)"
    line = f"[WARNING] NEW {machine.name}: temperature above maximum (max 80); last 85, peak 86.5"
    assert line in sent.body
    assert "[CRITICAL] NEW Press-9: pressure above maximum (max 150)" in sent.body
    first.refresh_from_db()
    assert (first.notified_severity, first.notified_at is not None) == ("warning", True)
    assert services.alert_mail_send().skipped == "nothing to report"
    assert len(mail.outbox) == 1


def test_an_escalation_waits_for_the_interval(machine, settings):
    settings.ALERT_MAIL_INTERVAL = 900
    alert = make_alert(machine)
    services.alert_mail_send()
    Alert.objects.filter(pk=alert.pk).update(severity=AlertSeverity.CRITICAL)
    assert services.alert_mail_send().alerts == []
    later = timezone.now() + timedelta(seconds=901)
    result = services.alert_mail_send(now=later)
    assert [a.pk for a in result.alerts] == [alert.pk]
    assert "[CRITICAL] ESCALATED" in mail.outbox[-1].body
    alert.refresh_from_db()
    assert alert.notified_severity == AlertSeverity.CRITICAL
    assert services.alert_mail_send(now=later + timedelta(hours=1)).alerts == []


def test_a_reopened_condition_is_not_mailed_again_within_the_interval(machine):
    make_alert(machine, closed_at=timezone.now())
    services.alert_mail_send()
    reopened = make_alert(machine)
    assert services.alert_mail_send().alerts == []
    other_metric = make_alert(machine, metric=AlertMetric.PRESSURE)
    assert [a.pk for a in services.alert_mail_send().alerts] == [other_metric.pk]
    later = timezone.now() + timedelta(hours=1)
    assert [a.pk for a in services.alert_mail_send(now=later).alerts] == [reopened.pk]
    assert len(mail.outbox) == 3


def test_a_closed_alert_never_mailed_is_still_reported(machine):
    make_alert(machine, closed_at=timezone.now())
    services.alert_mail_send()
    assert "; closed " in mail.outbox[0].body


def test_a_failed_send_marks_nothing(machine, monkeypatch):
    alert = make_alert(machine)

    def refuse(*args, **kwargs):
        raise SMTPException("relay refused")

    monkeypatch.setattr("machines.services.alert_mail.send_mail", refuse)
    with pytest.raises(SMTPException):
        services.alert_mail_send()
    alert.refresh_from_db()
    assert (alert.notified_severity, alert.notified_at) == ("", None)


def test_the_command_mails_and_says_so(machine, capsys):
    make_alert(machine)
    call_command("send_alert_mail")
    assert "Mailed 1 alert(s) to alerts@factory.com." in capsys.readouterr().out
    call_command("send_alert_mail")
    assert "No alert mail: nothing to report." in capsys.readouterr().out
    assert len(mail.outbox) == 1


def test_the_command_fails_without_a_recipient(machine):
    alert = make_alert(machine)
    SystemConfig.objects.filter(name="alert_email").delete()
    with pytest.raises(CommandError, match="alert_email"):
        call_command("send_alert_mail")
    assert mail.outbox == []
    alert.refresh_from_db()
    assert alert.notified_at is None


def test_ingest_never_sends_mail(machine, supervisor_client):
    body = {
        "gateway_id": "gw",
        "timestamp": "2026-03-01T10:00:00Z",
        "batch": [
            {
                "machine_id": str(machine.pk),
                "sensor_type": "T",
                "readings": [{"timestamp": "2026-03-01T10:00:00Z", "temperature": 99.0}],
            }
        ],
    }
    assert supervisor_client.post("/api/v1/data/ingest", body, format="json").status_code == 201
    assert Alert.objects.get().severity == AlertSeverity.CRITICAL
    assert mail.outbox == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_one_mail():
    machine = MachineFactory()
    make_alert(machine)
    make_alert(machine, metric=AlertMetric.PRESSURE)

    results = run_threads(4, lambda index: services.alert_mail_send())
    mailed = [result for result in results if result.alerts]
    assert len(mailed) == 1 and len(mailed[0].alerts) == 2
    assert len(mail.outbox) == 1
    assert Alert.objects.filter(notified_at__isnull=True).count() == 0
