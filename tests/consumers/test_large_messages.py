"""Messages up to HUB_MAX_MESSAGE_BYTES go through Kafka; one too large for the producer is skipped alone.

A monthly JW323 of a large aanbieder runs to megabytes. On the embedded broker the producer takes it by default;
on a cluster the limit is the brokers' message.max.bytes (1 MiB unless raised, here and there). Before, one
file over the producer's limit failed all of `hub process`.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
from aiokafka.admin import NewTopic
from lxml import etree
from pydantic import SecretStr

from consumers.broker import BrokerSettings, ensure_topics, largest_record, max_request_bytes
from consumers.embedded import EmbeddedBroker
from consumers.process import process
from hub.ijw.parse import DEFAULT_MAX_BYTES
from hub.settings import HubSettings
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.synth.declaratie import declaratie, prestatie
from hub.synth.persons import persoon
from producers.ingest import TOO_LARGE, collect, send_kafka
from tests.tansu import tansu_settings

TODAY = date(2026, 11, 23)
MiB = 2**20


def grote_declaratie(clienten: int, per_client: int = 5) -> bytes:
    """A JW323 of `clienten` clients with `per_client` Prestaties each (about 0.9 kB per Prestatie)."""
    rng = random.Random(5)
    regels: list[tuple[str, list[dict[str, object]]]] = []
    for c in range(clienten):
        lines = [
            prestatie(
                f"R{c:05d}{i:04d}",
                toewijzing_nummer=1000 + c,
                categorie="45",
                code="45A01",
                begindatum=date(2026, 10, 1 + i),
                einddatum=date(2026, 10, 1 + i),
                volume=3,
            )
            for i in range(per_client)
        ]
        regels.append((persoon(rng, TODAY).bsn, lines))
    s = spec("JW323")
    s["Declaratie"] = declaratie(
        regels, nummer="D1", periode_begin=date(2026, 10, 1), declaratie_dagtekening=date(2026, 11, 2)
    )
    return to_xml("JW323", s)


def hub_settings(tmp_path: Path) -> HubSettings:
    return HubSettings(
        database_url=f"sqlite:///{tmp_path / 'hub.sqlite'}",
        pseudonym_key=SecretStr("large-messages-test-pseudonym-key-0123"),
    )


def test_the_producer_takes_a_message_of_the_hubs_size_limit_on_the_embedded_broker() -> None:
    embedded = BrokerSettings()
    assert embedded.bootstrap_servers is None
    assert largest_record(embedded) >= DEFAULT_MAX_BYTES
    assert max_request_bytes(BrokerSettings(bootstrap_servers="kafka:9092")) == MiB  # Kafka's default limit
    configured = BrokerSettings(bootstrap_servers="kafka:9092", producer_max_request_bytes=8 * MiB)
    assert max_request_bytes(configured) == 8 * MiB


@pytest.mark.kafka
async def test_a_declaratie_of_megabytes_is_judged_and_answered(
    tmp_path: Path, tansu: EmbeddedBroker, topic_prefix: str
) -> None:
    berichten = tmp_path / "berichten"
    berichten.mkdir()
    data = grote_declaratie(300)
    assert len(data) > MiB  # beyond Kafka's default, within what the broker is configured for below
    (berichten / "groot.xml").write_bytes(data)
    retouren = tmp_path / "retouren"
    s = hub_settings(tmp_path)
    counts = await process(
        [berichten],
        settings=s,
        broker_settings=tansu_settings(tansu, topic_prefix, producer_max_request_bytes=8 * MiB),
        retour_out=retouren,
        database=s.database_url,
        as_of=TODAY,
        timeout=300,
    )
    assert sum(counts.values()) == 1 and set(counts) <= {"accepted", "rejected"}, counts
    [retour] = retouren.iterdir()
    assert retour.name == "groot.JW325.xml"
    assert etree.QName(etree.fromstring(retour.read_bytes())).namespace == (
        "http://www.istandaarden.nl/ijw/3_2/jw325/schema"
    )


@pytest.mark.kafka
async def test_a_file_too_large_for_the_producer_is_skipped_and_the_rest_processed(
    tmp_path: Path, tansu: EmbeddedBroker, topic_prefix: str
) -> None:
    berichten = tmp_path / "berichten"
    berichten.mkdir()
    (berichten / "groot.xml").write_bytes(grote_declaratie(100))
    (berichten / "klein.xml").write_bytes(to_xml("JW305", spec("JW305")))
    s = hub_settings(tmp_path)
    small = tansu_settings(tansu, topic_prefix, producer_max_request_bytes=64 * 1024)
    assert (berichten / "groot.xml").stat().st_size > largest_record(small)
    counts = await process(
        [berichten], settings=s, broker_settings=small, database=s.database_url, as_of=TODAY, timeout=120
    )
    assert counts.pop(TOO_LARGE) == 1
    assert sum(counts.values()) == 1 and set(counts) <= {"accepted", "rejected"}, counts


async def test_ingest_to_kafka_sends_what_fits_and_names_what_does_not(tmp_path: Path) -> None:
    (tmp_path / "groot.xml").write_bytes(grote_declaratie(100))
    (tmp_path / "klein.xml").write_bytes(to_xml("JW305", spec("JW305")))
    published: list[bytes] = []
    headers: list[object] = []

    async def publish(data: bytes, topic: str, **options: object) -> None:
        published.append(data)
        headers.append(options["headers"])

    sent = await send_kafka(collect([tmp_path]), publish, "ijw.inbound", largest=64 * 1024)
    by_name = {s.path.name: s for s in sent}
    assert by_name["groot.xml"].status == TOO_LARGE
    assert "larger than the 65536 bytes" in by_name["groot.xml"].detail
    assert by_name["klein.xml"].status == "kafka"
    assert published == [(tmp_path / "klein.xml").read_bytes()]
    [sent_headers] = headers
    assert isinstance(sent_headers, dict)
    assert (
        sent_headers["content-type"] == "application/xml"
    )  # as the gateway's records (operations.md section 2)
    assert sent_headers["bericht-id"] == by_name["klein.xml"].detail


async def test_topics_the_hub_creates_take_what_the_producer_may_send(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    requested: list[NewTopic] = []

    class Admin:
        def __init__(self, **_: object) -> None: ...

        async def start(self) -> None: ...

        async def close(self) -> None: ...

        async def create_topics(self, topics: list[NewTopic]) -> object:
            requested.extend(topics)
            return type("Response", (), {"topic_errors": [(t.name, 0) for t in topics]})()

    monkeypatch.setattr("consumers.broker.AIOKafkaAdminClient", Admin)
    settings = BrokerSettings(bootstrap_servers="kafka:9092", producer_max_request_bytes=8 * MiB)
    created = await ensure_topics("kafka:9092", ["a", "b"], 6, 3, settings=settings)
    assert created == ["a", "b"]
    assert [t.topic_configs for t in requested] == [{"max.message.bytes": str(8 * MiB)}] * 2
