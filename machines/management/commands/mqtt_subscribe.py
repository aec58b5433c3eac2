"""`python manage.py mqtt_subscribe`: consume MQTT telemetry into the time-series store.

The command only wires settings and signals; machines.subscriber does the work.
"""

from __future__ import annotations

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config import metrics
from machines.mqtt import TopicFilter
from machines.subscriber import Options, Subscriber
from machines.timeseries import get_store


class Command(BaseCommand):
    help = (
        "Subscribe to MQTT_TOPIC (default factory/+/machine/+/telemetry; the last '+' is the machine id) "
        "and store every reading (QoS 1, ack after store)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default=settings.MQTT_URL, help="broker URL (MQTT_URL)")
        parser.add_argument("--topic", default=settings.MQTT_TOPIC, help="topic filter (MQTT_TOPIC)")
        parser.add_argument("--client-id", default=settings.MQTT_CLIENT_ID, help="fixed client id")
        parser.add_argument(
            "--shared-group", default=settings.MQTT_SHARED_GROUP, help="MQTT 5 $share group (split load)"
        )
        parser.add_argument("--batch-size", type=int, default=settings.MQTT_BATCH_SIZE)
        parser.add_argument("--batch-ms", type=int, default=settings.MQTT_BATCH_MS)
        parser.add_argument("--progress-seconds", type=float, default=settings.MQTT_PROGRESS_SECONDS)
        parser.add_argument(
            "--exit-when-idle",
            type=float,
            default=None,
            help="stop after this many seconds without a message (benchmarks, tests)",
        )

    def handle(self, *args, **options) -> None:
        try:
            TopicFilter.parse(options["topic"], options["shared_group"])
        except ValueError as exc:
            # Refused at start: a filter read wrongly would drop (and acknowledge) every message.
            raise CommandError(f"MQTT_TOPIC {options['topic']!r} cannot be used: {exc}") from exc
        metrics.serve_subscriber_metrics()  # MQTT_METRICS_PORT; off (0) by default
        subscriber = Subscriber(
            Options(
                url=options["url"],
                topic=options["topic"],
                client_id=options["client_id"],
                shared_group=options["shared_group"],
                qos=settings.MQTT_QOS,
                batch_size=max(1, options["batch_size"]),
                batch_ms=max(1, options["batch_ms"]),
                session_expiry=settings.MQTT_SESSION_EXPIRY,
                progress_seconds=options["progress_seconds"],
                exit_when_idle=options["exit_when_idle"],
            ),
            store=get_store(),
            out=self.stdout,
        )
        signal.signal(signal.SIGTERM, subscriber.stop)
        signal.signal(signal.SIGINT, subscriber.stop)
        self.stdout.write(
            f"mqtt_subscribe: {options['url']} {subscriber.options.subscription} as {options['client_id']}"
        )
        subscriber.run()
