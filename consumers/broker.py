"""Kafka connection settings (prefix HUB_KAFKA_) and the one place that turns them into a FastStream broker.

With HUB_KAFKA_BOOTSTRAP_SERVERS unset the hub runs on an embedded Tansu broker (`consumers.embedded`);
set it, plus the security settings, for a real cluster.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, Self, TypedDict

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    TopicAlreadyExistsError,
    TopicAuthorizationFailedError,
    for_code,
)
from faststream.kafka import KafkaBroker
from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from consumers.embedded import EmbeddedBroker
from hub.errors import ConfigError

__all__ = [
    "BrokerSettings",
    "GroupOptions",
    "SaslMechanism",
    "SecurityProtocol",
    "build_security",
    "ensure_topics",
    "group_options",
    "make_broker",
    "resolve_bootstrap",
    "ssl_context",
]

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]

_SASL_CLASSES: dict[str, type[SASLPlaintext | SASLScram256 | SASLScram512]] = {
    "PLAIN": SASLPlaintext,
    "SCRAM-SHA-256": SASLScram256,
    "SCRAM-SHA-512": SASLScram512,
}
# Tansu answers a JoinGroup after half the session timeout; a real cluster refuses less than 6 s.
_EMBEDDED_SESSION_TIMEOUT_MS = 1000
_CLUSTER_SESSION_TIMEOUT_MS = 10_000


class BrokerSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HUB_KAFKA_", env_file=os.environ.get("HUB_ENV_FILE"), extra="ignore", frozen=True
    )

    bootstrap_servers: str | None = Field(
        None,
        description="Comma-separated host:port of the Kafka cluster; unset: start the embedded Tansu broker",
    )
    security_protocol: SecurityProtocol = Field(
        "PLAINTEXT", description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"
    )
    sasl_mechanism: SaslMechanism = Field(
        "PLAIN", description="SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"
    )
    sasl_username: str | None = Field(None, description="SASL user name (SASL_* protocols)")
    sasl_password: SecretStr | None = Field(None, description="SASL password (SASL_* protocols)")
    ssl_cafile: Path | None = Field(
        None, description="PEM file of CAs that sign the brokers; default: system CAs"
    )
    ssl_certfile: Path | None = Field(None, description="PEM client certificate for mutual TLS")
    ssl_keyfile: Path | None = Field(None, description="PEM private key of the client certificate")
    enable_idempotence: bool = Field(
        False, description="Idempotent producer; keep false on Tansu (unsupported), true on a real cluster"
    )
    client_id: str = Field("ijw-hub", description="Kafka client id, visible in broker logs and quotas")
    topic_prefix: str = Field("ijw.", description="Prefix of every topic name the hub uses")
    partitions: int = Field(6, description="Partitions of the topics the hub creates", ge=1)
    replication_factor: int = Field(1, description="Replication factor of the topics the hub creates", ge=1)
    session_timeout_ms: int | None = Field(
        None,
        description="Consumer group session timeout; unset: 1000 on embedded Tansu, 10000 on a cluster",
        gt=0,
    )
    batch_max_records: int = Field(
        500,
        description="Most records a consumer takes per poll and handles in one store transaction",
        ge=1,
    )
    batch_timeout_ms: int = Field(
        50, description="How long a consumer waits for a poll's records to arrive", ge=1
    )
    producer_batch_bytes: int = Field(
        512 * 1024,
        description="Largest batch the producer sends to one partition per request; keep it below the "
        "broker's message.max.bytes (about 1 MB by default)",
        ge=1024,
    )
    producer_max_request_bytes: int | None = Field(
        None,
        description="Largest request the producer sends, so the largest record it can publish; unset: 32 MiB on "
        "embedded Tansu (which takes records of any size, so HUB_MAX_MESSAGE_BYTES applies), 1 MiB on a cluster "
        "(Kafka's default message.max.bytes). Keep it at or below the broker's or topic's limit. A message that "
        "would not fit is refused (413) by the gateway and skipped by `hub process` and `hub ingest --to kafka`",
        ge=64 * 1024,
    )
    producer_linger_ms: int = Field(
        0,
        description="How long the producer waits for more records before sending a batch; 0 sends at once "
        "(records still gather while a request is in flight)",
        ge=0,
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        """Refuse settings that would silently connect with less security or fail at the first publish.

        The messages name the environment variables: that is where operators set them.
        """
        sasl = self.security_protocol.startswith("SASL_")
        tls = self.security_protocol.endswith("SSL")
        if sasl and (not self.sasl_username or self.sasl_password is None):
            raise ValueError(
                f"HUB_KAFKA_SECURITY_PROTOCOL={self.security_protocol} needs HUB_KAFKA_SASL_USERNAME and "
                "HUB_KAFKA_SASL_PASSWORD"
            )
        if not sasl and (self.sasl_username or self.sasl_password is not None):
            raise ValueError(
                "HUB_KAFKA_SASL_USERNAME or HUB_KAFKA_SASL_PASSWORD is set but HUB_KAFKA_SECURITY_PROTOCOL is "
                f"{self.security_protocol}"
            )
        if not tls and (self.ssl_cafile or self.ssl_certfile or self.ssl_keyfile):
            raise ValueError(
                f"HUB_KAFKA_SSL_* files are set but HUB_KAFKA_SECURITY_PROTOCOL is {self.security_protocol}"
            )
        if self.ssl_keyfile and not self.ssl_certfile:
            raise ValueError("HUB_KAFKA_SSL_KEYFILE is set without HUB_KAFKA_SSL_CERTFILE")
        if self.enable_idempotence and self.bootstrap_servers is None:
            raise ValueError(
                "the embedded Tansu broker has no idempotent producer; set HUB_KAFKA_ENABLE_IDEMPOTENCE=false"
            )
        return self


def ssl_context(settings: BrokerSettings) -> ssl.SSLContext:
    """A client TLS context that verifies the brokers (system CAs or ssl_cafile) and presents the client cert."""
    try:
        context = ssl.create_default_context(cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None)
        if settings.ssl_certfile:
            keyfile = str(settings.ssl_keyfile) if settings.ssl_keyfile else None
            context.load_cert_chain(str(settings.ssl_certfile), keyfile)
    except (OSError, ssl.SSLError) as exc:
        files = ", ".join(
            f"HUB_KAFKA_SSL_{name.upper()}={path}"
            for name, path in (
                ("cafile", settings.ssl_cafile),
                ("certfile", settings.ssl_certfile),
                ("keyfile", settings.ssl_keyfile),
            )
            if path
        )
        raise ConfigError(f"cannot load the Kafka TLS files ({files}): {exc}") from exc
    return context


def build_security(settings: BrokerSettings) -> BaseSecurity | None:
    """The FastStream security object for settings.security_protocol (None for PLAINTEXT)."""
    protocol = settings.security_protocol
    if protocol == "PLAINTEXT":
        return None
    context = ssl_context(settings) if protocol.endswith("SSL") else None
    if protocol == "SSL":
        return BaseSecurity(ssl_context=context, use_ssl=True)
    # The model validator guarantees both credentials for SASL_*; this narrows the types.
    if settings.sasl_username is None or settings.sasl_password is None:
        raise ConfigError(f"{protocol} needs HUB_KAFKA_SASL_USERNAME and HUB_KAFKA_SASL_PASSWORD")
    sasl_class = _SASL_CLASSES[settings.sasl_mechanism]
    return sasl_class(
        settings.sasl_username,
        settings.sasl_password.get_secret_value(),
        ssl_context=context,
        use_ssl=protocol == "SASL_SSL",
    )


# Room in a producer request for what surrounds a record's value: batch and record headers, key, hub headers.
RECORD_OVERHEAD_BYTES = 4096


# Tansu takes a record of any size: room for HUB_MAX_MESSAGE_BYTES (25 MiB, OP179) and what surrounds it. A cluster's
# brokers refuse what exceeds their message.max.bytes, 1 MiB unless raised there (and then here).
_EMBEDDED_MAX_REQUEST_BYTES = 32 * 2**20
_CLUSTER_MAX_REQUEST_BYTES = 2**20


def max_request_bytes(settings: BrokerSettings) -> int:
    """The producer's max_request_size: as configured, else the default for Tansu or for a cluster."""
    if settings.producer_max_request_bytes is not None:
        return settings.producer_max_request_bytes
    return _EMBEDDED_MAX_REQUEST_BYTES if settings.bootstrap_servers is None else _CLUSTER_MAX_REQUEST_BYTES


def largest_record(settings: BrokerSettings) -> int:
    """The largest message value the producer can publish in one request."""
    return max_request_bytes(settings) - RECORD_OVERHEAD_BYTES


def make_broker(settings: BrokerSettings, bootstrap: str | None = None, **options: Any) -> KafkaBroker:
    """A FastStream KafkaBroker for `bootstrap` (default settings.bootstrap_servers); options go to KafkaBroker."""
    servers = bootstrap or settings.bootstrap_servers
    if not servers:
        raise ConfigError(
            "no bootstrap servers: pass the embedded broker's address or set HUB_KAFKA_BOOTSTRAP_SERVERS"
        )
    # acks="all": a message the hub considers published survives the loss of the partition leader.
    options.setdefault("acks", "all")
    # The producer fills one batch per partition and has one request per broker in flight: with aiokafka's
    # 16 KiB a poll's retouren and events (or the gateway's concurrent messages) wait round trip after round trip.
    options.setdefault("max_batch_size", settings.producer_batch_bytes)
    options.setdefault("linger_ms", settings.producer_linger_ms)
    options.setdefault("max_request_size", max_request_bytes(settings))
    return KafkaBroker(
        servers.split(","),
        security=build_security(settings),
        client_id=settings.client_id,
        enable_idempotence=settings.enable_idempotence,
        **options,
    )


class GroupOptions(TypedDict):
    session_timeout_ms: int
    heartbeat_interval_ms: int
    auto_offset_reset: Literal["earliest"]


class BatchOptions(GroupOptions):
    batch: Literal[True]
    max_records: int
    batch_timeout_ms: int


def group_options(settings: BrokerSettings) -> GroupOptions:
    """Consumer-group keyword arguments for `broker.subscriber(...)`, tuned for Tansu or a real cluster.

    earliest: a group that has never committed reads what was published before it first joined.
    """
    default = (
        _EMBEDDED_SESSION_TIMEOUT_MS if settings.bootstrap_servers is None else _CLUSTER_SESSION_TIMEOUT_MS
    )
    session = settings.session_timeout_ms or default
    # A third of the session, at least 100 ms, yet always below the session: a heartbeat as long as the session
    # would have the member evicted between two beats.
    heartbeat = min(max(session // 3, 100), max(session // 2, 1))
    return GroupOptions(
        session_timeout_ms=session, heartbeat_interval_ms=heartbeat, auto_offset_reset="earliest"
    )


def batch_options(settings: BrokerSettings) -> BatchOptions:
    """group_options() for a batch subscriber: one poll's records per call, committed together after it."""
    return BatchOptions(
        **group_options(settings),
        batch=True,
        max_records=settings.batch_max_records,
        batch_timeout_ms=settings.batch_timeout_ms,
    )


def resolve_bootstrap(settings: BrokerSettings) -> tuple[str, EmbeddedBroker | None]:
    """settings.bootstrap_servers, or the address of a started EmbeddedBroker that the caller must stop."""
    if settings.bootstrap_servers:
        return settings.bootstrap_servers, None
    embedded = EmbeddedBroker().start()
    return embedded.bootstrap, embedded


async def ensure_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int,
    replication: int,
    *,
    settings: BrokerSettings | None = None,
) -> list[str]:
    """Create the topics that do not exist yet and return their names; existing topics are left as they are.

    With settings, a created topic takes records as large as the producer may send (max.message.bytes), so
    raising HUB_KAFKA_PRODUCER_MAX_REQUEST_BYTES is enough for the topics the hub creates itself.
    """
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return []
    security = parse_security(build_security(settings)) if settings else {}
    client_id = settings.client_id if settings else "ijw-hub"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id=client_id, **security)
    await admin.start()
    try:
        configs = {"max.message.bytes": str(max_request_bytes(settings))} if settings else {}
        response = await admin.create_topics(
            [NewTopic(name, partitions, replication, topic_configs=configs) for name in wanted]
        )
    finally:
        await admin.close()
    return _created(response)


# Kafka answers TOPIC_AUTHORIZATION_FAILED, also for a topic that exists, to a client without the Create ACL: on
# a cluster whose topics are managed outside the hub (Strimzi KafkaTopics) that means "not yours to create".
_NOT_CREATED = frozenset({TopicAlreadyExistsError.errno, TopicAuthorizationFailedError.errno})


def _created(response: Any) -> list[str]:
    """Names created by a CreateTopics response; exists or not ours to create is fine, any other error raises."""
    created: list[str] = []
    for topic, code, *rest in response.topic_errors:
        if code == 0:
            created.append(topic)
        elif code not in _NOT_CREATED:
            message = rest[0] if rest and rest[0] else for_code(code).__name__
            raise for_code(code)(f"cannot create topic {topic}: {message}")
    return created
