"""docs/backoffice-aansluiten.md 10: a backoffice that writes to the raw topic itself follows its messages with the
GET routes under the bericht-id it set; a malformed one shows to its sender, and a reused id loses nothing."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree
from pydantic import SecretStr

from consumers.broker import ensure_topics
from consumers.embedded import EmbeddedBroker
from hub.store import audit
from hub.topics import Topics
from tests.faults.harness import audit_rows, gateway, hub_settings, reader, running_intake, wait_until
from tests.faults.stream import Bericht
from tests.faults.test_compression import send_compressed

pytestmark = pytest.mark.kafka

API_KEY = "kafka-backoffice-key"


async def test_a_backoffice_on_kafka_follows_its_messages_under_its_own_ids(
    tansu: EmbeddedBroker, stream: list[Bericht], tmp_path: Path
) -> None:
    first = stream[0]
    # the next message of the same Afzender, so the key sees it too
    later = next(b for b in stream[1:] if b.afzender == first.afzender)
    topics = Topics(f"bo-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=3, replication=1)
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    malformed_data = re.sub(rb"(<[a-z0-9]+:Bsn>)", rb"\1x", first.data, count=1)
    malformed = replace(first, data=malformed_data, bericht_id=uuid.uuid4().hex)
    reused = replace(later, bericht_id=first.bericht_id)  # a producer reusing its id
    settings = hub_settings(url, api_keys=SecretStr(json.dumps({API_KEY: [first.afzender]})))
    async with running_intake(tansu.bootstrap, topics.prefix, url, settings=settings) as (runtime, _):
        engine = reader(url)
        async with gateway(runtime, API_KEY) as client:
            await send_compressed(tansu.bootstrap, topics.inbound, "gzip", [first, malformed, reused])
            elsewhere = audit.other_id(first.bericht_id, audit.content_hash(reused.data))
            wanted = {first.bericht_id, malformed.bericht_id, elsewhere}
            await wait_until(lambda: wanted <= audit_rows(engine).keys(), timeout=30)
            traces = {i: (await client.get(f"/berichten/{i}")).json() for i in wanted}
            retour = await client.get(f"/berichten/{first.bericht_id}/retour")
    assert traces[first.bericht_id]["outcome"] == "accepted" and retour.status_code == 200
    shown = traces[malformed.bericht_id]
    assert (shown["outcome"], set(shown["error_codes"])) == ("malformed", {"XSD"})
    assert traces[elsewhere]["identificatie"] == etree.fromstring(reused.data).findtext(
        "{*}Header/{*}BerichtIdentificatie/{*}Identificatie"
    )
