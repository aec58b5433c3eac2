"""The MQTT subscriber's settings (machines/subscriber.py): broker, topic filter, session, batching."""

from __future__ import annotations

from dataclasses import dataclass

from machines.mqtt import TopicFilter


@dataclass(frozen=True, slots=True)
class Options:
    url: str
    topic: str
    client_id: str
    shared_group: str = ""
    qos: int = 1
    batch_size: int = 5000
    batch_ms: int = 200
    session_expiry: int = 7 * 24 * 3600
    progress_seconds: float = 5.0
    exit_when_idle: float | None = None  # seconds without a message, then stop (benchmarks, tests)

    @property
    def topics(self) -> TopicFilter:
        """The topic filter read by its wildcard positions; ValueError when it cannot be mapped."""
        return TopicFilter.parse(self.topic, self.shared_group)

    @property
    def subscription(self) -> str:
        return self.topics.subscription
