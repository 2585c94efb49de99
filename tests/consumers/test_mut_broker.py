"""consumers.broker, pinned where the mutation pass found it free: the smallest values each HUB_KAFKA_* number
takes, and the words of each refusal (`hub` prints them as `error: invalid configuration: ...`)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
from aiokafka.errors import InvalidPartitionsError, MessageSizeTooLargeError
from pydantic import ValidationError

from consumers.broker import (
    BrokerSettings,
    batch_options,
    ensure_topics,
    group_options,
    largest_record,
    make_broker,
    max_request_bytes,
)
from consumers.embedded import EmbeddedBroker
from hub.errors import ConfigError
from tests.tansu import tansu_settings

CLUSTER = "kafka:9092"


@pytest.mark.parametrize(
    ("setting", "smallest"),
    [
        ("partitions", 1),
        ("replication_factor", 1),
        ("session_timeout_ms", 1),
        ("batch_max_records", 1),
        ("batch_timeout_ms", 1),
        ("producer_batch_bytes", 1024),
        ("producer_max_request_bytes", 64 * 1024),
        ("producer_linger_ms", 0),
    ],
)
def test_each_number_takes_its_smallest_value_and_refuses_one_less(setting: str, smallest: int) -> None:
    given: dict[str, Any] = {"bootstrap_servers": CLUSTER, setting: smallest}
    assert getattr(BrokerSettings(**given), setting) == smallest
    with pytest.raises(ValidationError) as refused:
        BrokerSettings(**{**given, setting: smallest - 1})
    assert [error["loc"] for error in refused.value.errors()] == [(setting,)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"security_protocol": "SASL_SSL", "sasl_username": "hub"},
            "HUB_KAFKA_SECURITY_PROTOCOL=SASL_SSL needs HUB_KAFKA_SASL_USERNAME and HUB_KAFKA_SASL_PASSWORD",
        ),
        (
            {"security_protocol": "SASL_PLAINTEXT", "sasl_password": "geheim"},
            "HUB_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT needs HUB_KAFKA_SASL_USERNAME and HUB_KAFKA_SASL_PASSWORD",
        ),
        (
            {"sasl_username": "hub"},
            "HUB_KAFKA_SASL_USERNAME or HUB_KAFKA_SASL_PASSWORD is set but HUB_KAFKA_SECURITY_PROTOCOL is PLAINTEXT",
        ),
        (
            {"sasl_password": "geheim"},
            "HUB_KAFKA_SASL_USERNAME or HUB_KAFKA_SASL_PASSWORD is set but HUB_KAFKA_SECURITY_PROTOCOL is PLAINTEXT",
        ),
        (
            {
                "security_protocol": "SASL_PLAINTEXT",
                "sasl_username": "hub",
                "sasl_password": "x",
                "ssl_cafile": "ca.pem",
            },
            "HUB_KAFKA_SSL_* files are set but HUB_KAFKA_SECURITY_PROTOCOL is SASL_PLAINTEXT",
        ),
        (
            {"ssl_certfile": "client.pem"},
            "HUB_KAFKA_SSL_* files are set but HUB_KAFKA_SECURITY_PROTOCOL is PLAINTEXT",
        ),
        (
            {"security_protocol": "SSL", "ssl_keyfile": "client.key"},
            "HUB_KAFKA_SSL_KEYFILE is set without HUB_KAFKA_SSL_CERTFILE",
        ),
        (
            {"bootstrap_servers": None, "enable_idempotence": True},
            "the embedded Tansu broker has no idempotent producer; set HUB_KAFKA_ENABLE_IDEMPOTENCE=false",
        ),
    ],
)
def test_inconsistent_security_is_refused_in_words_that_name_the_settings(
    kwargs: dict[str, Any], message: str
) -> None:
    kwargs.setdefault("bootstrap_servers", CLUSTER)
    with pytest.raises(ValidationError) as refused:
        BrokerSettings(**kwargs)
    [error] = refused.value.errors()
    assert error["msg"] == f"Value error, {message}"
    assert "geheim" not in error["msg"]


def test_the_heartbeat_is_a_third_of_the_session_at_least_100_ms_and_always_below_the_session() -> None:
    beat = {
        session: group_options(BrokerSettings(bootstrap_servers=CLUSTER, session_timeout_ms=session))[
            "heartbeat_interval_ms"
        ]
        for session in (600, 240, 150, 100, 3)
    }
    assert beat == {600: 200, 240: 100, 150: 75, 100: 50, 3: 1}


def test_a_batch_subscriber_takes_the_configured_poll() -> None:
    """HUB_KAFKA_BATCH_MAX_RECORDS and HUB_KAFKA_BATCH_TIMEOUT_MS reach every batch subscriber, with the group's
    options."""
    settings = BrokerSettings(bootstrap_servers=CLUSTER, batch_max_records=20, batch_timeout_ms=7)
    assert batch_options(settings) == {
        **group_options(settings),
        "batch": True,
        "max_records": 20,
        "batch_timeout_ms": 7,
    }


def test_the_producer_requests_are_as_large_as_configured() -> None:
    settings = BrokerSettings(bootstrap_servers=CLUSTER, producer_max_request_bytes=8 * 2**20)
    assert make_broker(settings)._connection_kwargs["max_request_size"] == 8 * 2**20
    assert make_broker(BrokerSettings(), "127.0.0.1:1")._connection_kwargs["max_request_size"] == 32 * 2**20


def test_a_client_key_that_is_not_the_certificates_is_a_config_error(tmp_path: Path) -> None:
    """Refused at start, where the operator reads it, instead of at the first TLS handshake."""
    files = {}
    for name in ("one", "other"):
        files[name] = (tmp_path / f"{name}.pem", tmp_path / f"{name}.key")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=ijw-hub",
             "-keyout", str(files[name][1]), "-out", str(files[name][0])],
            check=True,
            capture_output=True,
        )  # fmt: skip
    settings = BrokerSettings(
        bootstrap_servers=CLUSTER,
        security_protocol="SSL",
        ssl_certfile=files["one"][0],
        ssl_keyfile=files["other"][1],
    )
    with pytest.raises(ConfigError, match="cannot load the Kafka TLS files"):
        make_broker(settings)


@pytest.mark.kafka
async def test_the_largest_record_fits_the_producers_request_and_a_full_request_does_not(
    tansu: EmbeddedBroker, topic_prefix: str
) -> None:
    """largest_record() is what the gateway and `hub process` take: a value of that size, with a key and the
    hub's headers, is published; one of the whole request size is refused by the producer itself."""
    settings = tansu_settings(tansu, topic_prefix, producer_max_request_bytes=64 * 1024)
    topic = f"{topic_prefix}inkomend"
    await ensure_topics(tansu.bootstrap, [topic], 1, 1, settings=settings)
    headers = {"ijw-bericht": "JW301", "bericht-id": "0" * 32, "content-hash": "0" * 64}
    async with make_broker(settings) as broker:
        await broker.connect()
        await broker.publish(b"x" * largest_record(settings), topic, key=b"0363:12345678", headers=headers)
        with pytest.raises(MessageSizeTooLargeError):
            await broker.publish(
                b"x" * max_request_bytes(settings), topic, key=b"0363:12345678", headers=headers
            )


async def test_ensure_topics_of_no_names_contacts_no_broker() -> None:
    assert await ensure_topics("127.0.0.1:1", [], 6, 1) == []  # nothing listens on port 1


@pytest.mark.kafka
async def test_ensure_topics_takes_every_bootstrap_server(tansu: EmbeddedBroker, topic_prefix: str) -> None:
    """HUB_KAFKA_BOOTSTRAP_SERVERS is comma-separated: a first server that is down is passed over."""
    topic = f"{topic_prefix}a"
    assert await ensure_topics(f"127.0.0.1:1,{tansu.bootstrap}", [topic], 1, 1) == [topic]


class FakeAdmin:
    """An admin client that answers CreateTopics with `answer` (topic, error code, message) rows."""

    answer: ClassVar[list[tuple[str, int, str | None]]] = []
    made: ClassVar[list[FakeAdmin]] = []

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.topics: list[Any] = []
        self.closed = False
        FakeAdmin.made.append(self)

    async def start(self) -> None:
        pass

    async def create_topics(self, topics: list[Any]) -> Any:
        self.topics = topics
        return SimpleNamespace(topic_errors=FakeAdmin.answer)

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
def admin(monkeypatch: pytest.MonkeyPatch) -> type[FakeAdmin]:
    monkeypatch.setattr("consumers.broker.AIOKafkaAdminClient", FakeAdmin)
    FakeAdmin.made = []
    return FakeAdmin


async def test_a_topic_that_exists_or_is_not_ours_to_create_is_fine(admin: type[FakeAdmin]) -> None:
    """docs/operations.md: on a cluster whose topics are KafkaTopics the hub's user has no Create ACL, and a
    refused CreateTopics means "managed elsewhere"."""
    admin.answer = [("ijw.a", 0, None), ("ijw.b", 36, None), ("ijw.c", 29, "Authorization failed.")]
    assert await ensure_topics(CLUSTER, ["ijw.a", "ijw.b", "ijw.c"], 6, 3) == ["ijw.a"]
    [made] = admin.made
    assert [(t.name, t.num_partitions, t.replication_factor) for t in made.topics] == [
        ("ijw.a", 6, 3),
        ("ijw.b", 6, 3),
        ("ijw.c", 6, 3),
    ]
    assert made.closed


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("Number of partitions is invalid.", "Number of partitions is invalid."),
        (None, "InvalidPartitionsError"),
    ],
)
async def test_any_other_refusal_names_the_topic_and_why(
    admin: type[FakeAdmin], message: str | None, said: str
) -> None:
    admin.answer = [("ijw.a", 0, None), ("ijw.b", 37, message)]
    with pytest.raises(InvalidPartitionsError, match=re.escape(f"cannot create topic ijw.b: {said}")):
        await ensure_topics(CLUSTER, ["ijw.a", "ijw.b"], 6, 1)
    assert admin.made[0].closed


async def test_created_topics_take_records_as_large_as_the_producer_sends(admin: type[FakeAdmin]) -> None:
    """Raising HUB_KAFKA_PRODUCER_MAX_REQUEST_BYTES is enough for the topics the hub creates itself."""
    settings = BrokerSettings(
        bootstrap_servers=CLUSTER, producer_max_request_bytes=8 * 2**20, client_id="hub-acc"
    )
    admin.answer = [("ijw.a", 0, None)]
    await ensure_topics(CLUSTER, ["ijw.a"], 6, 1, settings=settings)
    await ensure_topics(CLUSTER, ["ijw.a"], 6, 1)
    with_settings, without = admin.made
    assert with_settings.topics[0].topic_configs == {"max.message.bytes": str(8 * 2**20)}
    assert with_settings.kwargs["client_id"] == "hub-acc"
    assert without.topics[0].topic_configs == {}
    assert without.kwargs["client_id"] == "ijw-hub"
