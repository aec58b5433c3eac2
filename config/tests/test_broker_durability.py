"""The shipped mosquitto.conf keeps what the broker acknowledged through a crash (issue 20).

A private Mosquitto (the repository's mosquitto.conf on a free loopback port, its data in a temporary
directory) queues QoS 1 messages for a persistent session that is away; it is killed with SIGKILL in
the middle of the stream, restarted on the same data, and the session drains. Mosquitto 2.0 saves after
the PUBACK, in its next loop round, so the message acknowledged in the round the broker died in may be
lost (README "Machines", broker durability): at most one, the last acknowledged. With the former
`autosave_interval 60` every queued message was lost.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[2]
TOPIC = "durability/{}/telemetry"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateBroker:
    """mosquitto -c <the repository's conf, adapted>: own port, own persistence directory."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.port = _free_port()
        conf = (ROOT / "mosquitto.conf").read_text()
        conf = re.sub(r"^listener .*$", f"listener {self.port} 127.0.0.1", conf, flags=re.M)
        conf = re.sub(r"^persistence_location .*$", f"persistence_location {self.dir}/", conf, flags=re.M)
        conf = re.sub(r"^log_dest .*$", f"log_dest file {self.dir}/mosquitto.log", conf, flags=re.M)
        (self.dir / "mosquitto.conf").write_text(conf)
        if os.geteuid() == 0:  # mosquitto drops root for its own user, which must write the data
            shutil.chown(self.dir, user="mosquitto")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(["mosquitto", "-c", str(self.dir / "mosquitto.conf")])
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("private mosquitto did not start") from None
                time.sleep(0.05)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def client(self, client_id: str, persistent: bool = False) -> mqtt.Client:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600 if persistent else 0
        client.connect("127.0.0.1", self.port, clean_start=not persistent, properties=props)
        return client


@pytest.fixture
def broker():
    if shutil.which("mosquitto") is None:
        if REQUIRE_SERVICES:
            pytest.fail(
                "the mosquitto binary is not installed (required by REQUIRE_SERVICES=1)", pytrace=False
            )
        pytest.skip("the mosquitto binary is not installed")
    # Not under pytest's tmp_path: its parents are private to root, and mosquitto runs as its own user.
    directory = Path(tempfile.mkdtemp(prefix="durability-mosquitto-"))
    broker = PrivateBroker(directory)
    broker.start()
    yield broker
    if broker.proc is not None and broker.proc.poll() is None:
        broker.kill()
    shutil.rmtree(directory, ignore_errors=True)


def test_a_broker_killed_under_load_keeps_every_acknowledged_message_but_the_last_round(broker):
    topic = TOPIC.format(uuid.uuid4().hex[:8])
    subscriber_id = f"queued-{uuid.uuid4().hex[:8]}"
    # The persistent session subscribes, then goes away: everything published is queued for it.
    subscriber = broker.client(subscriber_id, persistent=True)
    subscriber.loop_start()
    subscribed = subscriber.subscribe(topic, qos=1)
    assert subscribed[0] == mqtt.MQTT_ERR_SUCCESS
    time.sleep(0.3)
    subscriber.disconnect()
    subscriber.loop_stop()

    publisher = broker.client(f"pub-{uuid.uuid4().hex[:8]}")
    publisher.loop_start()
    infos = []
    try:
        for index in range(100_000):
            infos.append(publisher.publish(topic, str(index).encode(), qos=1))
            if index % 50 == 0:
                time.sleep(0.005)
                # Killed mid-stream, with publishes in flight, once a backlog is queued and acknowledged.
                if sum(info.is_published() for info in infos) >= 50:
                    broker.kill()
                    break
    finally:
        publisher.loop_stop()
    acknowledged = {i for i, info in enumerate(infos) if info.is_published()}
    assert len(acknowledged) >= 50

    broker.start()
    received: set[int] = set()
    drainer = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=subscriber_id, protocol=mqtt.MQTTv5)
    drainer.on_message = lambda client, userdata, message: received.add(int(message.payload))
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0  # the session ends with this drain
    drainer.connect("127.0.0.1", broker.port, clean_start=False, properties=props)
    drainer.loop_start()
    try:
        deadline = time.monotonic() + 60
        seen = -1
        while time.monotonic() < deadline and (len(received) != seen or not received):
            seen = len(received)
            time.sleep(1.0)
    finally:
        drainer.disconnect()
        drainer.loop_stop()

    lost = acknowledged - received
    assert len(lost) <= 1, (
        f"{len(lost)} of {len(acknowledged)} acknowledged messages lost: {sorted(lost)[:10]}"
    )
    assert not lost or lost == {max(acknowledged)}
