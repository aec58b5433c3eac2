"""Mail the new and escalated threshold alerts to the `alert_email` setting (cron: every minute)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from machines import services


class Command(BaseCommand):
    help = (
        "Send one mail listing the threshold alerts opened or escalated since they were last reported "
        "(a machine's metric at most once per ALERT_MAIL_INTERVAL seconds) to the alert_email setting."
    )

    def handle(self, *args, **options) -> None:
        result = services.alert_mail_send()
        if result.alerts:
            self.stdout.write(f"Mailed {len(result.alerts)} alert(s) to {result.recipient}.")
        elif result.skipped == "no alert_email setting":
            raise CommandError(
                "send_alert_mail: alerts are waiting but the alert_email setting is empty; set it"
            )
        else:
            self.stdout.write(f"No alert mail: {result.skipped}.")
