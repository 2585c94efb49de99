"""consumers.broker: settings -> FastStream broker, topics, and the delivery guarantees the intake relies on."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import certifi
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.security import parse_security
from faststream.message import AckStatus
from faststream.middlewares import AckPolicy
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import ValidationError

from consumers.broker import (
    BrokerSettings,
    GroupOptions,
    SaslMechanism,
    build_security,
    ensure_topics,
    group_options,
    make_broker,
    resolve_bootstrap,
)
from consumers.embedded import EmbeddedBroker
from hub.errors import ConfigError

KEY = b"0363:12345678"


@dataclass
class Received:
    body: bytes
    key: bytes | None
    headers: dict[str, Any]
    partition: int
    offset: int
    acked: bool


@dataclass
class Inbox:
    """What the test subscriber saw; `ack` decides per body whether the handler acknowledges it."""

    ack: Callable[[bytes], bool] = lambda body: True
    received: list[Received] = field(default_factory=list)

    def bodies(self) -> list[bytes]:
        return [r.body for r in self.received]


def add_intake(broker: KafkaBroker, topic: str, group: str, inbox: Inbox, options: GroupOptions) -> Any:
    """The shape of the hub's intake subscriber: a consumer group, manual ack after the handler's work."""

    @broker.subscriber(topic, group_id=group, ack_policy=AckPolicy.MANUAL, **options)
    async def on_message(body: bytes, msg: KafkaMessage) -> None:
        # 1 record the message  2 ack (commit the offset) only when the test says the work succeeded
        ack = inbox.ack(body)
        if ack:
            await msg.ack()
        record = msg.raw_message
        assert not isinstance(record, tuple)
        inbox.received.append(
            Received(
                body,
                record.key,
                dict(msg.headers),
                record.partition,
                record.offset,
                ack and msg.committed is AckStatus.ACKED,
            )
        )

    return on_message


async def until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait until `condition()` holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def running_intake(
    settings: BrokerSettings, topic: str, group: str, inbox: Inbox
) -> AsyncIterator[KafkaBroker]:
    """A started FastStream broker with the intake subscriber; stopping it stops the group member."""
    broker = make_broker(settings)
    add_intake(broker, topic, group, inbox, group_options(settings))
    async with broker:
        await broker.start()
        yield broker


async def committed(bootstrap: str, group: str, partition: TopicPartition) -> int | None:
    """The group's committed offset as the broker reports it (read by a consumer that never joins)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        offset: int | None = await consumer.committed(partition)
        return offset
    finally:
        await consumer.stop()


# -- against Tansu over TCP --------------------------------------------------------------------------


async def intake_topic(tansu: EmbeddedBroker, topic_prefix: str, partitions: int) -> tuple[str, str]:
    """A new inbound topic of this many partitions on the session broker, and its intake group."""
    topic = f"{topic_prefix}inkomend"
    await ensure_topics(tansu.bootstrap, [topic], partitions, 1)
    return topic, f"{topic_prefix}intake"


@pytest.mark.kafka
async def test_keyed_message_with_headers_arrives_and_ack_commits(
    tansu: EmbeddedBroker, kafka_settings: BrokerSettings, topic_prefix: str
) -> None:
    topic, group = await intake_topic(tansu, topic_prefix, 6)
    inbox = Inbox()
    async with running_intake(kafka_settings, topic, group, inbox) as broker:
        await broker.publish(b"<Bericht/>", topic, key=KEY, headers={"ijw-bericht": "JW301"})
        await until(lambda: len(inbox.received) == 1)

    got = inbox.received[0]
    assert (got.body, got.key, got.headers["ijw-bericht"]) == (b"<Bericht/>", KEY, "JW301")
    assert got.acked
    assert await committed(tansu.bootstrap, group, TopicPartition(topic, got.partition)) == got.offset + 1


@pytest.mark.kafka
async def test_committed_offsets_survive_a_consumer_restart(
    tansu: EmbeddedBroker, kafka_settings: BrokerSettings, topic_prefix: str
) -> None:
    topic, group = await intake_topic(tansu, topic_prefix, 1)  # one partition: redeliveries would come first
    first, second = Inbox(), Inbox()
    async with running_intake(kafka_settings, topic, group, first) as broker:
        for n in range(3):
            await broker.publish(f"m{n}".encode(), topic, key=KEY)
        await until(lambda: len(first.received) == 3)

    async with running_intake(kafka_settings, topic, group, second) as broker:
        await broker.publish(b"m3", topic, key=KEY)
        await until(lambda: len(second.received) >= 1)

    assert first.bodies() == [b"m0", b"m1", b"m2"]
    assert [(r.body, r.offset) for r in second.received] == [(b"m3", 3)]


@pytest.mark.kafka
async def test_an_unacknowledged_message_is_delivered_again_after_a_restart(
    tansu: EmbeddedBroker, kafka_settings: BrokerSettings, topic_prefix: str
) -> None:
    topic, group = await intake_topic(tansu, topic_prefix, 1)
    first, second = Inbox(ack=lambda body: body != b"m1"), Inbox()
    async with running_intake(kafka_settings, topic, group, first) as broker:
        await broker.publish(b"m0", topic, key=KEY)
        await broker.publish(b"m1", topic, key=KEY)  # handled, then the "crash": never acked
        await until(lambda: len(first.received) == 2)

    async with running_intake(kafka_settings, topic, group, second) as broker:
        await until(lambda: len(second.received) >= 1)

    assert [r.acked for r in first.received] == [True, False]
    assert [(r.body, r.offset) for r in second.received] == [(b"m1", 1)]


@pytest.mark.kafka
async def test_publishing_waits_out_a_paused_broker_and_succeeds_after_resume(
    tansu: EmbeddedBroker, kafka_settings: BrokerSettings, topic_prefix: str
) -> None:
    topic, group = await intake_topic(tansu, topic_prefix, 1)
    inbox = Inbox()
    async with running_intake(kafka_settings, topic, group, inbox) as broker:
        await broker.publish(b"before", topic, key=KEY)
        await until(lambda: len(inbox.received) == 1)
        tansu.pause()
        try:
            during = asyncio.create_task(broker.publish(b"during", topic, key=KEY))
            await asyncio.sleep(2)
            assert not during.done(), "a SIGSTOPped broker must not acknowledge a publish"
        finally:
            tansu.resume()
        await asyncio.wait_for(during, timeout=15)
        await broker.publish(b"after", topic, key=KEY)
        await until(lambda: b"after" in inbox.bodies())

    # At-least-once: a commit lost to the pause may replay a message, but none is lost or reordered.
    assert list(dict.fromkeys(inbox.bodies())) == [b"before", b"during", b"after"]


@pytest.mark.kafka
async def test_a_full_producer_batch_is_taken_by_the_broker(
    tansu: EmbeddedBroker, kafka_settings: BrokerSettings, topic_prefix: str
) -> None:
    """A poll's worth of records for one partition leaves in batches of the default size (512 KiB), all delivered."""
    topic = f"{topic_prefix}retourberichten"
    await ensure_topics(tansu.bootstrap, [topic], 1, 1)
    values = [f"{i:05d}".encode() + b"x" * 5_000 for i in range(300)]  # ~1.5 MB: three full batches
    async with make_broker(kafka_settings) as broker:
        await broker.connect()
        sent = [await broker.publish(v, topic, key=KEY, no_confirm=True) for v in values]
        await asyncio.gather(*sent)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=tansu.bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        received: list[bytes] = []
        while len(received) < len(values):
            batches = await consumer.getmany(timeout_ms=5_000)
            assert batches, f"{len(received)} of {len(values)} records arrived"
            received += [r.value for records in batches.values() for r in records]
    finally:
        await consumer.stop()
    assert received == values


@pytest.mark.kafka
async def test_ensure_topics_creates_partitions_once(tansu: EmbeddedBroker, topic_prefix: str) -> None:
    names = [f"{topic_prefix}a", f"{topic_prefix}b"]
    assert sorted(await ensure_topics(tansu.bootstrap, [*names, names[0]], 6, 1)) == names
    assert await ensure_topics(tansu.bootstrap, names, 6, 1) == []
    admin = AIOKafkaAdminClient(bootstrap_servers=tansu.bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    assert [len(topic["partitions"]) for topic in described] == [6, 6]


# -- in memory ------------------------------------------------------------------------------------


async def test_intake_subscriber_in_memory_acks_after_handling() -> None:
    settings = BrokerSettings(bootstrap_servers="kafka.invalid:9092")
    broker = make_broker(settings)
    inbox = Inbox(ack=lambda body: body != b"fails")
    on_message = add_intake(
        broker, "ijw.berichten.inkomend", "ijw-hub-intake", inbox, group_options(settings)
    )
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(
            b"<Bericht/>", "ijw.berichten.inkomend", key=KEY, headers={"ijw-bericht": "JW301"}
        )
        await test_broker.publish(b"fails", "ijw.berichten.inkomend", key=KEY)
        assert on_message.mock.call_count == 2  # the mock exists only under the test broker

    ok, failed = inbox.received
    assert (ok.body, ok.key, ok.headers["ijw-bericht"], ok.acked) == (b"<Bericht/>", KEY, "JW301", True)
    assert (failed.body, failed.acked) == (b"fails", False)


# -- settings -> security, no connection ------------------------------------------------------------


def test_plaintext_has_no_security_and_embedded_defaults() -> None:
    settings = BrokerSettings()
    assert settings.bootstrap_servers is None
    assert (settings.topic_prefix, settings.partitions, settings.replication_factor) == ("ijw.", 6, 1)
    assert build_security(settings) is None
    assert group_options(settings) == {
        "session_timeout_ms": 1000,
        "heartbeat_interval_ms": 333,
        "auto_offset_reset": "earliest",
    }


def test_settings_read_the_hub_kafka_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_KAFKA_BOOTSTRAP_SERVERS", "k1:9093,k2:9093")
    monkeypatch.setenv("HUB_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("HUB_KAFKA_SASL_USERNAME", "hub")
    monkeypatch.setenv("HUB_KAFKA_SASL_PASSWORD", "geheim")
    monkeypatch.setenv("HUB_KAFKA_PARTITIONS", "12")
    settings = BrokerSettings()
    assert (settings.security_protocol, settings.partitions) == ("SASL_PLAINTEXT", 12)
    assert "geheim" not in repr(settings)
    assert group_options(settings)["session_timeout_ms"] == 10_000


@pytest.mark.parametrize(
    ("mechanism", "cls"),
    [("PLAIN", SASLPlaintext), ("SCRAM-SHA-256", SASLScram256), ("SCRAM-SHA-512", SASLScram512)],
)
def test_make_broker_builds_sasl_ssl_security(mechanism: SaslMechanism, cls: type[BaseSecurity]) -> None:
    settings = BrokerSettings(
        bootstrap_servers="k1:9093,k2:9093",
        security_protocol="SASL_SSL",
        sasl_mechanism=mechanism,
        sasl_username="hub",
        sasl_password="geheim",
        ssl_cafile=Path(certifi.where()),
        enable_idempotence=True,
    )
    broker = make_broker(settings)

    security = broker.specification.security
    assert isinstance(security, cls)
    kwargs = parse_security(security)
    assert kwargs["security_protocol"] == "SASL_SSL"
    assert (kwargs["sasl_mechanism"], kwargs["sasl_plain_username"], kwargs["sasl_plain_password"]) == (
        mechanism,
        "hub",
        "geheim",
    )
    assert kwargs["ssl_context"].verify_mode is ssl.CERT_REQUIRED
    assert broker._connection_kwargs["bootstrap_servers"] == ["k1:9093", "k2:9093"]
    assert (broker._connection_kwargs["enable_idempotence"], broker._connection_kwargs["acks"]) == (
        True,
        "all",
    )


def test_sasl_plaintext_has_no_tls() -> None:
    settings = BrokerSettings(
        bootstrap_servers="k:9092",
        security_protocol="SASL_PLAINTEXT",
        sasl_username="hub",
        sasl_password="x",
    )
    kwargs = parse_security(build_security(settings))
    assert (kwargs["security_protocol"], kwargs["ssl_context"]) == ("SASL_PLAINTEXT", None)


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=ijw-hub",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_ssl_with_client_certificate(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    settings = BrokerSettings(
        bootstrap_servers="k:9093",
        security_protocol="SSL",
        ssl_cafile=cert,
        ssl_certfile=cert,
        ssl_keyfile=key,
    )
    security = make_broker(settings).specification.security
    assert type(security) is BaseSecurity
    assert security.use_ssl
    assert parse_security(security)["security_protocol"] == "SSL"


def test_unreadable_tls_file_is_a_config_error(tmp_path: Path) -> None:
    settings = BrokerSettings(
        bootstrap_servers="k:9093", security_protocol="SSL", ssl_cafile=tmp_path / "missing.pem"
    )
    with pytest.raises(ConfigError, match="TLS"):
        make_broker(settings)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"security_protocol": "SASL_SSL", "sasl_username": "hub"},  # no password
        {
            "security_protocol": "PLAINTEXT",
            "sasl_username": "hub",
            "sasl_password": "x",
        },  # creds sent nowhere
        {"security_protocol": "PLAINTEXT", "ssl_cafile": "ca.pem"},  # TLS file without TLS
        {"security_protocol": "SSL", "ssl_keyfile": "client.key"},  # key without certificate
        {"bootstrap_servers": None, "enable_idempotence": True},  # Tansu has no idempotent producer
        {"partitions": 0},
    ],
)
def test_inconsistent_settings_are_refused(kwargs: dict[str, Any]) -> None:
    kwargs.setdefault("bootstrap_servers", "k:9092")
    with pytest.raises(ValidationError):
        BrokerSettings(**kwargs)


def test_make_broker_needs_an_address() -> None:
    with pytest.raises(ConfigError, match="bootstrap"):
        make_broker(BrokerSettings())
    assert make_broker(BrokerSettings(), "127.0.0.1:1")._connection_kwargs["bootstrap_servers"] == [
        "127.0.0.1:1"
    ]


def test_the_producer_batches_as_configured() -> None:
    defaults = make_broker(BrokerSettings(), "127.0.0.1:1")._connection_kwargs
    # Far above aiokafka's 16 KiB, below the ~1 MB a Kafka broker takes per batch by default.
    assert (defaults["max_batch_size"], defaults["linger_ms"]) == (512 * 1024, 0)
    tuned = BrokerSettings(producer_batch_bytes=200_000, producer_linger_ms=5)
    kwargs = make_broker(tuned, "127.0.0.1:1")._connection_kwargs
    assert (kwargs["max_batch_size"], kwargs["linger_ms"]) == (200_000, 5)


def test_the_producer_waits_for_every_in_sync_replica() -> None:
    """docs/operations.md, section 3: the hub publishes with acks=all, so a published message survives a broker."""
    assert make_broker(BrokerSettings(), "127.0.0.1:1")._connection_kwargs["acks"] == "all"


def test_resolve_bootstrap_uses_the_configured_cluster() -> None:
    assert resolve_bootstrap(BrokerSettings(bootstrap_servers="k1:9092,k2:9092")) == ("k1:9092,k2:9092", None)


@pytest.mark.kafka
def test_resolve_bootstrap_starts_an_embedded_broker_when_unset() -> None:
    bootstrap, embedded = resolve_bootstrap(BrokerSettings())
    assert embedded is not None
    try:
        assert bootstrap == embedded.bootstrap
        assert embedded.running
    finally:
        embedded.stop()
