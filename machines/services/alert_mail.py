"""The alert mail: new and escalated alerts, batched into one message to the `alert_email` setting.

Sent by `manage.py send_alert_mail` (cron, every minute), never in a request or the ingest path. A
machine's metric is reported at most once per ALERT_MAIL_INTERVAL seconds: an alert that opens or
escalates sooner waits for the next mail after the interval. Two senders at once send one mail (a
PostgreSQL advisory lock; the second finds the lock taken and sends nothing). An alert is marked
mailed in the sender's transaction, after the mail backend took the message: a failed send marks
nothing and the next run tries again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from machines import selectors
from machines.choices import AlertSeverity
from machines.models import Alert

logger = logging.getLogger(__name__)

MAX_ALERTS_PER_MAIL = 200
# pg_try_advisory_xact_lock key: "alerts" in ASCII, one lock for every sender of this project.
_SENDER_LOCK = 0x616C65727473


@dataclass(frozen=True, slots=True)
class AlertMailResult:
    """What one run did: the alerts mailed (none: nothing pending, no recipient, or another sender
    held the lock), to whom, and why nothing went out."""

    alerts: list[Alert] = field(default_factory=list)
    recipient: str = ""
    skipped: str = ""


def _pending(now: datetime, interval: int):
    """Alerts never mailed, or mailed before they escalated, whose machine and metric were not
    mailed within the interval."""
    recent = Alert.objects.filter(
        machine_id=OuterRef("machine_id"),
        metric=OuterRef("metric"),
        notified_at__gt=now - timedelta(seconds=interval),
    )
    escalated = Q(severity=AlertSeverity.CRITICAL, notified_severity=AlertSeverity.WARNING)
    return (
        Alert.objects.filter(Q(notified_severity="") | escalated)
        .exclude(Exists(recent))
        .select_related("machine")
        .order_by("machine__name", "metric", "bound", "first_seen", "id")
    )


def _line(alert: Alert) -> str:
    news = "NEW" if not alert.notified_severity else "ESCALATED"
    state = "open" if alert.closed_at is None else f"closed {alert.closed_at:%Y-%m-%d %H:%M:%S}Z"
    where = alert.get_bound_display().lower()
    return (
        f"[{alert.severity.upper()}] {news} {alert.machine.name}: {alert.metric} {where} "
        f"({alert.bound} {alert.threshold:g}); last {alert.last_value:g}, peak {alert.peak_value:g}, "
        f"{alert.count} reading(s) from {alert.first_seen:%Y-%m-%d %H:%M:%S}Z to "
        f"{alert.last_seen:%Y-%m-%d %H:%M:%S}Z; {state} (alert {alert.pk})"
    )


def render_alert_mail(alerts: list[Alert]) -> tuple[str, str]:
    """Subject and body of the mail reporting `alerts`."""
    critical = sum(1 for alert in alerts if alert.severity == AlertSeverity.CRITICAL)
    subject = f"Machine alerts: {len(alerts)} new or escalated ({critical} critical)"
    body = "\n".join(
        [
            "Machine readings past the thresholds in the system settings (UTC):",
            "",
            *(_line(alert) for alert in alerts),
            "",
            "Acknowledge them in the admin or with POST /api/v1/alerts/{id}/acknowledge.",
        ]
    )
    return subject, body + "\n"


def _lock_taken() -> bool:
    """Whether another sender holds the lock (PostgreSQL; SQLite runs one writer at a time)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_SENDER_LOCK])
        return not cursor.fetchone()[0]


def alert_mail_send(*, now: datetime | None = None) -> AlertMailResult:
    """Mail the pending new and escalated alerts in one message to `alert_email`, then mark them
    mailed with the severity reported; nothing is marked when no recipient is set or the send fails."""
    now = now or timezone.now()
    recipient = (selectors.systemsetting_get(name="alert_email") or "").strip()
    with transaction.atomic():
        if _lock_taken():
            return AlertMailResult(skipped="another sender is running")
        alerts = list(_pending(now, settings.ALERT_MAIL_INTERVAL)[:MAX_ALERTS_PER_MAIL])
        if not alerts:
            return AlertMailResult(recipient=recipient, skipped="nothing to report")
        if not recipient:
            logger.warning("%d alerts not mailed: the alert_email setting is empty", len(alerts))
            return AlertMailResult(skipped="no alert_email setting")
        subject, body = render_alert_mail(alerts)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
        for severity in AlertSeverity.values:
            ids = [alert.pk for alert in alerts if alert.severity == severity]
            if ids:
                Alert.objects.filter(pk__in=ids).update(notified_severity=severity, notified_at=now)
    logger.info("alert mail sent to %s: %d alerts", recipient, len(alerts))
    return AlertMailResult(alerts=alerts, recipient=recipient)


__all__ = ["AlertMailResult", "alert_mail_send", "render_alert_mail"]
