"""No log line of `hub run` carries personal data, and every line is a JSON object with correlation fields.

The hub runs at DEBUG (as much logging as it can do) and gets messages through both doors: valid ones, ones that
break a rule (CS002, TR019), ones that are not XSD-valid with a BSN or a name in the offending element, truncated
XML, garbage, a duplicate and a forbidden Afzender. Then all of its output is searched for every BSN, surname and
first name those messages carried.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from consumers.broker import BrokerSettings, ensure_topics, make_broker
from consumers.embedded import EmbeddedBroker
from consumers.intake import HEADER_ID
from hub.store.monitor_tables import VerwerktEventRecord
from hub.synth.berichten import spec
from hub.synth.build import Spec, edit, to_xml
from hub.synth.persons import Persoon, persoon
from hub.topics import Topics
from tests.faults.harness import audit_rows, finished, reader
from tests.faults.stream import client_berichten, dagtekening
from tests.test_lifecycle import HubRun

pytestmark = pytest.mark.kafka

API_KEY = "privacy-test-key"
OTHER_KEY = "privacy-test-other-key"  # bound to a sender code none of the messages uses: 403
PAIR_HTTP = ("0200", "12345678")
PAIR_KAFKA = ("0599", "34567890")
PAIR_NO_TOEWIJZING = ("0363", "23456789")
# What the hub may print that is not a log line: the banner of `hub run` (consumers/cli.py).
BANNER = re.compile(r"ijw-hub \w+ is running|  (broker|database|gateway|metrics|health) +\S.*")


@dataclass
class Sent:
    """What the test put into the hub: the people in it, and the message ids the hub must process."""

    people: list[Persoon]
    specs: list[Spec]
    intake_ids: set[str]  # went to the intake (202 over HTTP, or straight onto the topic)
    gateway_ids: set[str]  # refused with 422 by the gateway, recorded there
    accepted: int  # messages that yield an event for the processors


def personal_data(sent: Sent) -> set[str]:
    """Every BSN, surname and first name in the messages (the clients' and their relations')."""
    found: set[str] = set()
    for p in sent.people:
        found |= {p.bsn, p.achternaam, *p.voornamen.split()}

    def walk(node: Any) -> Iterator[tuple[str, Any]]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield key, value
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for s in sent.specs:
        for key, value in walk(s):
            if key in {"Bsn", "Achternaam"} and isinstance(value, str):
                found.add(value)
            elif key == "Voornamen" and isinstance(value, str):
                found |= set(value.split())
    return found


def people(n: int) -> list[Persoon]:
    """n children with distinct BSNs."""
    rng = random.Random(20261123)
    out: dict[str, Persoon] = {}
    while len(out) < n:
        p = persoon(rng, dagtekening(), min_leeftijd=4, max_leeftijd=15)
        out.setdefault(p.bsn, p)
    return list(out.values())


def message(bericht: str, p: Persoon, ident: str, pair: tuple[str, str]) -> Spec:
    return spec(
        bericht,
        persoon=p,
        identificatie=ident,
        gemeente=pair[0],
        aanbieder=pair[1],
        dagtekening=dagtekening(),
    )


def wrong_bsn(bsn: str) -> str:
    """Nine digits that fail the 11-proef (CS002): the check digit moved by one."""
    return bsn[:8] + str((int(bsn[8]) + 1) % 10)


async def post(client: httpx.AsyncClient, data: bytes, key: str = API_KEY) -> httpx.Response:
    return await client.post(
        "/berichten", content=data, headers={"X-API-Key": key, "Content-Type": "application/xml"}
    )


async def send_http(hub: HubRun, p: list[Persoon], sent: Sent) -> None:
    """Through the gateway: a coherent trajectory, CS002, TR019, XSD errors with a BSN and a name, broken XML."""
    trajectory = client_berichten(p[0], "P00", 90, *PAIR_HTTP, dagtekening(), verzoek=True)
    cs002 = edit(message("JW301", p[1], "PCS002", PAIR_HTTP), "Client/Bsn", wrong_bsn(p[1].bsn))
    tr019 = message("JW305", p[2], "PTR019", PAIR_NO_TOEWIJZING)  # a start without any toewijzing
    bsn_too_long = edit(message("JW301", p[3], "PXSD1", PAIR_HTTP), "Client/Bsn", p[3].bsn + "0")
    name_as_geslacht = edit(message("JW301", p[4], "PXSD2", PAIR_HTTP), "Client/Geslacht", p[4].achternaam)
    truncated = to_xml("JW301", message("JW301", p[5], "PTRUNC", PAIR_HTTP))
    truncated = truncated[: truncated.index(p[5].achternaam.encode()) + len(p[5].achternaam)]
    garbage = f"\x00garbage {p[6].bsn} {p[6].achternaam}\xff".encode("latin-1")
    forbidden = message("JW301", p[7], "PFORBID", PAIR_HTTP)
    sent.specs += [cs002, tr019, bsn_too_long, name_as_geslacht, forbidden]
    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as client:
        for b in trajectory:
            response = await post(client, b.data)
            assert response.status_code == 202, response.text
            sent.intake_ids.add(response.json()["id"])
        sent.accepted += len(trajectory)
        for s, bericht in ((cs002, "JW301"), (tr019, "JW305")):
            response = await post(client, to_xml(bericht, s))
            assert response.status_code == 202, response.text
            sent.intake_ids.add(response.json()["id"])
        for data in (to_xml("JW301", bsn_too_long), to_xml("JW301", name_as_geslacht), truncated, garbage):
            response = await post(client, data)
            assert response.status_code == 422, response.text
            sent.gateway_ids.add(response.json()["id"])
        assert (await post(client, to_xml("JW301", forbidden), OTHER_KEY)).status_code == 403


async def send_kafka(bootstrap: str, topics: Topics, p: list[Persoon], sent: Sent) -> None:
    """Straight onto the inbound topic: valid, CS002, not XSD-valid, garbage and a resent (duplicate) message."""
    jw301, jw305 = client_berichten(p[8], "K00", 91, *PAIR_KAFKA, dagtekening(), verzoek=False)[:2]
    cs002 = edit(message("JW305", p[9], "KCS002", PAIR_KAFKA), "Client/Bsn", wrong_bsn(p[9].bsn))
    not_xsd = edit(message("JW301", p[10], "KXSD", PAIR_KAFKA), "Client/Bsn", p[10].bsn + "0")
    values = [
        jw301.data,
        jw305.data,
        to_xml("JW305", cs002),
        to_xml("JW301", not_xsd),
        f"garbage {p[11].bsn} {p[11].achternaam}".encode(),
        jw301.data,  # the same message again under a new id: a duplicate
    ]
    sent.specs += [cs002, not_xsd]
    sent.accepted += 2
    broker = make_broker(BrokerSettings(bootstrap_servers=bootstrap), bootstrap)
    await broker.start()
    try:
        for value in values:
            bericht_id = uuid.uuid4().hex
            await broker.publish(value, topics.inbound, key=b"0599:34567890", headers={HEADER_ID: bericht_id})
            sent.intake_ids.add(bericht_id)
    finally:
        await broker.stop()


def handled_events(engine: Any) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(VerwerktEventRecord)).scalar_one())


async def wait_processed(hub: HubRun, engine: Any, sent: Sent, timeout: float = 60.0) -> None:
    """Every message judged and published, its retour delivered, and the processors through every event."""
    deadline = time.monotonic() + timeout
    while not (
        finished(engine, sent.intake_ids)
        and sent.gateway_ids <= audit_rows(engine).keys()
        and handled_events(engine) >= sent.accepted
    ):
        if not hub.alive or time.monotonic() > deadline:
            pytest.fail(f"the hub did not process everything; its log:\n{hub.log_tail()}")
        await asyncio.sleep(0.1)


def found(needles: set[str], text: str) -> list[str]:
    """The needles that occur in text as a whole word or number ("Noor" is not in "Noord-Veluwe")."""
    return sorted(n for n in needles if re.search(rf"(?<![0-9A-Za-z]){re.escape(n)}(?![0-9A-Za-z])", text))


def log_lines(text: str) -> list[dict[str, Any]]:
    """Every line as a JSON object; the banner of `hub run` is the only other output allowed."""
    lines: list[dict[str, Any]] = []
    for line in text.splitlines():
        if BANNER.fullmatch(line):
            continue
        try:
            parsed = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON log line: {line[:200]!r}")
        assert isinstance(parsed, dict), line
        lines.append(parsed)
    return lines


async def test_no_log_line_carries_a_bsn_or_a_name(tansu: EmbeddedBroker, tmp_path: Path) -> None:
    topics = Topics(f"privacy-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=3, replication=1)
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    codes = [*PAIR_HTTP, *PAIR_KAFKA, *PAIR_NO_TOEWIJZING]
    hub = HubRun(
        tansu.bootstrap, topics.prefix, url, tmp_path / "hub.log",
        HUB_LOG_LEVEL="DEBUG",
        HUB_API_KEYS=json.dumps({API_KEY: codes, OTHER_KEY: ["0014"]}),
        HUB_RETOUR_DIR=str(tmp_path / "outbox"),
    )  # fmt: skip
    p = people(12)
    sent = Sent(people=p, specs=[], intake_ids=set(), gateway_ids=set(), accepted=0)
    engine = reader(url)
    try:
        hub.start()
        await hub.wait_for("/readyz", 200)
        await send_http(hub, p, sent)
        await send_kafka(tansu.bootstrap, topics, p, sent)
        await wait_processed(hub, engine, sent)
        async with httpx.AsyncClient(base_url=hub.url, timeout=30) as client:
            scraped = (await client.get("/metrics")).text  # the domain collectors query the store now
        code, _ = hub.terminate()
        assert code == 0, hub.log_tail()
    finally:
        hub.stop()
    outcomes = {row.outcome for row in audit_rows(engine).values()}
    errors = {code for row in audit_rows(engine).values() for code in row.error_codes}
    engine.dispose()
    # The hub saw what the test meant it to see.
    assert outcomes == {"accepted", "rejected", "duplicate", "malformed"}
    assert {"CS002", "TR019", "XSD", "XML"} <= errors

    output = hub.output()
    secrets = personal_data(sent)
    assert len(secrets) >= 30  # 12 clients plus their relations
    assert found(secrets, output) == [], "personal data in the log"
    assert found(secrets, scraped) == [], "personal data in /metrics"

    lines = log_lines(hub.log_path.read_text())
    assert hub.out_path.read_text() == ""  # stdout stays clean: logs and the banner go to stderr
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    assert any(line["level"] == "DEBUG" for line in lines)  # the level asked for is the level logged
    judged = [
        line for line in lines if line["logger"] == "hub.intake" and line["message"] == "bericht beoordeeld"
    ]
    assert {line["bericht_id"] for line in judged} == sent.intake_ids
    assert all(line["identificatie"] for line in judged if line["outcome"] != "malformed")
    received = [
        line for line in lines if line["logger"] == "hub.gateway" and line["message"] == "bericht ontvangen"
    ]
    assert received and all(line["bericht_id"] and line["identificatie"] for line in received)
