"""docs/backoffice-aansluiten.md: every example the guide shows is what the hub does.

The HTTP examples run against the real gateway (create_app with the guide's own HUB_API_KEYS) with the real intake
behind it on SQLite and PostgreSQL, fed what the gateway published; the commands run as the console script runs
them; `hub ingest` and the outbox run once end to end through `hub run` on the embedded broker. The guide's claims
in prose that a backoffice relies on are checked here too, each test naming its paragraph.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import shlex
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from lxml import etree
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import select

from consumers.broker import BrokerSettings, largest_record, make_broker
from consumers.cli import main
from consumers.embedded import EmbeddedBroker
from hub.clock import NEDERLAND, vandaag
from hub.intake import Intake, IntakeResult
from hub.metrics import HubMetrics
from hub.retour.build import build_retour
from hub.settings import HubSettings
from hub.store import retention
from hub.store.db import make_engine, session_factory
from hub.store.spool import Spool
from hub.store.tables import BerichtRecord
from hub.synth.berichten import DEFAULT_DAGTEKENING, default_persoon, spec, xml
from hub.synth.build import edit, to_xml
from hub.topics import Topics
from hub.validate import Validator
from producers.gateway import create_app
from producers.handover import InboundPublisher
from producers.health import Health
from producers.publisher import RawPublisher
from producers.retour_dispatcher import Retour, RetourDispatcher
from tests.hub.intake_helpers import new_intake
from tests.producers.conftest import TODAY, FakePublisher
from tests.producers.guide_blocks import (
    Block,
    assert_body_like,
    assert_like,
    assert_xml_like,
    blocks,
    check_status,
    exchange,
)
from tests.test_lifecycle import HubRun

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "backoffice-aansluiten.md"
BLOCKS = blocks(GUIDE)
CHECKED = {  # every marked block of the guide; each is compared with the hub by a test below
    "sleutels", "401", "403", "403-retour", "curl", "curl-gzip", "versturen", "versturen-0001", "retour-0001",
    "422-xsd", "422-xml", "413", "415", "400", "503", "retour-409", "retour-200", "retour-404-geen",
    "retour-404-onbekend", "retour-404-jw325", "retour-410",
    "tt-ontvangen", "tt-beoordeeld", "outbox", "tt-409", "jw306-tr019", "jw325-tr304", "tt-duplicate", "tr056",
    "tr135", "hub-validate", "hub-retour", "hub-ingest",
}  # fmt: skip


def _api_keys() -> str:
    [line] = BLOCKS["sleutels"].text.strip().splitlines()
    name, _, value = shlex.split(line)[0].partition("=")
    assert name == "HUB_API_KEYS"
    return value


API_KEYS = _api_keys()
# HUB_PSEUDONYM_KEY: every gateway of one hub has it; the second one is the key after a rotation.
HUB_KEY, ROTATED_KEY = SecretStr("guide-test-pseudonym-key-0123"), SecretStr("guide-test-pseudonym-key-4567")
XML = {"Content-Type": "application/xml"}
SSC, AANBIEDER = (
    next(k for k, codes in json.loads(API_KEYS).items() if code in codes) for code in ("0200", "12345678")
)


def wrong_bsn() -> str:
    """The synthetic client's BSN with its last digit changed: it fails the elfproef (CS002)."""
    bsn = default_persoon(DEFAULT_DAGTEKENING).bsn
    return bsn[:-1] + str((int(bsn[-1]) + 1) % 10)


def jw301(**edits: str) -> bytes:
    s = spec("JW301")
    for path, value in edits.items():
        s = edit(s, path.replace("__", "/"), value)
    return to_xml("JW301", s)


def retour_codes(retour: bytes) -> list[str | None]:
    """The RetourCodes on a retourbericht's Header."""
    return [c.text for c in etree.fromstring(retour).iterfind("{*}Header/{*}RetourCodes/{*}RetourCode")]


def test_every_block_is_checked() -> None:
    assert set(BLOCKS) == CHECKED


# ---- the gateway with the intake behind it ----------------------------------------------------------


@dataclass
class Hub:
    """The guide's gateway, and the intake that judges what it published when a test says so."""

    client: httpx.AsyncClient
    publisher: FakePublisher
    intake: Intake
    db: Engine
    judged: int = 0
    results: list[IntakeResult] = field(default_factory=list)

    def verwerk(self) -> None:
        """The intake judges what the gateway published since, publishes each retour and delivers it."""
        for p in self.publisher.published[self.judged :]:
            result = self.intake.verwerk(p.raw, bericht_id=p.bericht_id, received_at=p.received_at)
            self.intake.mark_published(result.bericht_id)
            self.intake.mark_delivered(result.bericht_id)
            self.results.append(result)
        self.judged = len(self.publisher.published)

    async def post(self, data: bytes, key: str = SSC, **headers: str) -> httpx.Response:
        return await self.client.post(
            "/berichten",
            content=data,
            headers={"X-API-Key": key, "Content-Type": "application/xml", **headers},
        )

    async def get(self, path: str, key: str = SSC) -> httpx.Response:
        return await self.client.get(path, headers={"X-API-Key": key})

    async def example(self, name: str, body: bytes = b"", ids: Sequence[str] = ()) -> httpx.Response:
        """Send the guide's request `name` (the ids it shows standing for `ids`) and compare the response."""
        block = BLOCKS[name]
        shown = exchange(block)
        path = shown.path
        for guide_id, hub_id in zip(block.ids(), ids, strict=False):
            path = path.replace(guide_id, hub_id)
        headers = dict(shown.request_headers)
        if "Content-Length" in headers:  # the client sets it; the guide's must be the body's
            assert int(headers.pop("Content-Length")) == len(body)
        response = await self.client.request(shown.method, path, content=body or None, headers=headers)
        answered = [*ids]
        if response.headers.get("content-type", "").endswith("json") and "id" in response.json():
            answered += [i for i in [response.json()["id"]] if i not in answered]
        assert len(answered) == len(block.ids()), f"{name}: ids {answered} against {block.ids()}"
        rename = dict(zip(answered, block.ids(), strict=True))
        check_status(shown, response.status_code, name)
        for header, value in shown.headers.items():
            actual = response.headers.get(header, "")
            for hub_id, guide_id in rename.items():
                actual = actual.replace(hub_id, guide_id)
            assert actual == value, f"{name}: {header}: {actual!r}"
        assert_body_like(shown.body, response.content, rename, name)
        return response

    def records(self) -> list[BerichtRecord]:
        with session_factory(self.db)() as session:
            return list(session.exec(select(BerichtRecord)).all())


def guide_app(
    db: Engine, validator: Validator, publisher: InboundPublisher, **overrides: object
) -> httpx.AsyncClient:
    """A client of the gateway configured with the guide's HUB_API_KEYS."""

    async def broker() -> bool:
        return True

    registry = CollectorRegistry()
    settings = HubSettings(api_keys=SecretStr(API_KEYS), **overrides)  # type: ignore[arg-type]  # keywords
    app = create_app(
        settings,
        validator,
        session_factory(db),
        publisher,
        registry,
        Health(broker=broker, engine=db, timeout=1.0),
        metrics=HubMetrics(registry),
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub")


@pytest.fixture
async def hub(db: Engine, validator: Validator) -> AsyncIterator[Hub]:
    publisher = FakePublisher()
    # The wall clock for the times, as the gateway's: track and trace shows both.
    intake = new_intake(db, TODAY, now=lambda: datetime.now(UTC))
    async with guide_app(db, validator, publisher) as client:
        yield Hub(client, publisher, intake, db)


# ---- 2, 3: sending ----------------------------------------------------------------------------------


async def test_a_message_is_sent_traced_and_answered_as_the_guide_shows(hub: Hub) -> None:
    """3, 3.1, 4.1, 4.2: the curl command, 202, track and trace before and after the intake, 409, the retour."""
    curl = shlex.split(BLOCKS["curl"].text.replace("\\\n", " "))
    headers = dict(curl[i + 1].split(": ", 1) for i, arg in enumerate(curl) if arg == "-H")
    assert curl[curl.index("--data-binary") + 1] == "@jw301.xml" and curl[2].endswith("/berichten")
    assert headers == exchange(BLOCKS["versturen"]).request_headers  # curl sends what the request shows

    sent = await hub.example("versturen", xml("JW301"))
    bericht_id = sent.json()["id"]
    await hub.example("tt-ontvangen", ids=[bericht_id])
    await hub.example("retour-409", ids=[bericht_id])
    hub.verwerk()
    retour = await hub.example("retour-200", ids=[bericht_id])
    assert retour.content == hub.results[0].retour  # byte for byte
    await hub.example("tt-beoordeeld", ids=[bericht_id])
    await hub.example("retour-404-onbekend", ids=[bericht_id])
    assert (await hub.get(f"/berichten/{bericht_id}", key=AANBIEDER)).status_code == 404  # the Ontvanger too


async def test_a_level_2_finding_comes_with_its_0001_retour_in_the_202(hub: Hub) -> None:
    """3.2: the retour in `retour` is final; the intake gives the same one via GET; error_codes name the rule."""
    answer = await hub.example("versturen-0001", jw301(Client__Bsn=wrong_bsn()))
    retour = answer.json()["retour"]
    assert_xml_like(BLOCKS["retour-0001"].text, retour.encode())
    hub.verwerk()
    bericht_id = answer.json()["id"]
    assert (await hub.get(f"/berichten/{bericht_id}/retour")).content == retour.encode()
    trace = (await hub.get(f"/berichten/{bericht_id}")).json()
    assert (trace["outcome"], trace["error_codes"]) == ("rejected", ["CS002"])


async def test_a_level_4_finding_gives_no_retour_in_the_202(hub: Hub) -> None:
    """3.2: TR135 is answered by the intake's retour, Header only with 8848."""
    answer = await hub.post(xml("JW301", dagtekening=TODAY + timedelta(days=1)))
    assert answer.status_code == 202 and "retour" not in answer.json()
    hub.verwerk()
    retour = (await hub.get(f"/berichten/{answer.json()['id']}/retour")).content
    assert retour_codes(retour) == ["8848"] and etree.fromstring(retour).find("{*}Client") is None


async def test_an_invalid_message_is_422_without_a_retour(hub: Hub) -> None:
    """3.3: 422 listing the errors; recorded as malformed; GET .../retour is 404 no-retour."""
    invalid = await hub.example("422-xsd", jw301(Client__Bsn="12AB"))
    await hub.example("422-xml", xml("JW301")[:1000])
    bericht_id = invalid.json()["id"]
    await hub.example("retour-404-geen", ids=[bericht_id])
    assert (await hub.get(f"/berichten/{bericht_id}")).json()["outcome"] == "malformed"
    assert hub.publisher.published == []


@pytest.mark.parametrize(
    "body",
    [
        xml("JW301").replace(b"/ijw/3_2/", b"/ijw/3_1/"),  # another release
        b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',  # unsafe
        gzip.compress(xml("JW301")),  # compressed without Content-Encoding: the hub does not guess
    ],
    ids=["ijw-3.1", "doctype", "gzip-without-content-encoding"],
)
async def test_what_is_not_ijw_3_2_xml_is_422_rule_xml_and_nobody_can_look_it_up(
    hub: Hub, body: bytes
) -> None:
    """3, 3.3: rule XML; without a readable Afzender the id is 404 for any key."""
    answer = await hub.post(body)
    assert answer.status_code == 422 and [e["rule"] for e in answer.json()["errors"]] == ["XML"]
    for key in (SSC, AANBIEDER):
        assert (await hub.get(f"/berichten/{answer.json()['id']}", key=key)).status_code == 404


async def test_what_the_gateway_reads_and_ignores(hub: Hub) -> None:
    """2, 3: Content-Encoding identity and a charset do nothing, text/xml and a bearer token work, paths are
    exact, the OpenAPI is served."""
    assert (await hub.post(xml("JW301"), **{"Content-Encoding": "identity"})).status_code == 202
    assert (
        await hub.post(xml("JW301"), **{"Content-Type": "application/xml; charset=utf-8"})
    ).status_code == 202
    bearer = {"Authorization": f"Bearer {SSC}", "Content-Type": "text/xml"}
    answer = await hub.client.post("/berichten", content=xml("JW301"), headers=bearer)
    assert answer.status_code == 202
    assert (await hub.client.get(answer.headers["location"], headers=bearer)).status_code == 200
    no_type = await hub.client.post("/berichten", content=xml("JW301"), headers={"X-API-Key": SSC})
    assert no_type.status_code == 415
    assert (await hub.client.post("/berichten/", content=xml("JW301"), headers=bearer)).status_code == 404
    assert (await hub.client.put("/berichten", content=xml("JW301"), headers=bearer)).status_code == 405
    assert (await hub.client.get(f"/berichten/{'0' * 32}")).status_code == 401
    assert {"/berichten", "/berichten/{bericht_id}/retour"} <= set(
        (await hub.client.get("/openapi.json")).json()["paths"]
    )
    assert (await hub.client.get("/docs")).status_code == 200


async def test_refused_messages_leave_nothing_behind(hub: Hub) -> None:
    """2, 3, 3.4: 401, 403, 413, 415 and 400 as shown; nothing published, nothing recorded."""
    await hub.example("401", xml("JW301"))
    await hub.example("403", xml("JW301"))
    await hub.example("403-retour", retourbericht_for(xml("JW301")))
    await hub.example("415", xml("JW301"))
    await hub.example("413", b" " * (HubSettings().max_message_bytes + 1))
    await hub.example("400", xml("JW301"))
    readable_but_invalid = jw301(Client__Bsn="12AB")
    assert (await hub.post(readable_but_invalid, key=AANBIEDER)).status_code == 403
    refused = await hub.post(gzip.compress(xml("JW301")), **{"Content-Encoding": "br"})
    assert (refused.status_code, refused.json()["type"]) == (
        415,
        "urn:ijw-hub:problem:unsupported-content-encoding",
    )
    assert refused.headers["accept-encoding"] == "gzip, deflate, identity"
    assert (await hub.post(xml("JW301"), **{"Content-Encoding": "gzip, deflate"})).status_code == 415
    assert (
        await hub.post(gzip.compress(xml("JW301"))[:-1], **{"Content-Encoding": "gzip"})
    ).status_code == 400
    assert hub.publisher.published == [] and hub.records() == []


async def test_a_compressed_message_is_sent_as_the_guide_shows(hub: Hub, tmp_path: Path) -> None:
    """3: `gzip -k` and the curl command; the hub judges, keeps and hands on the message unpacked; deflate and
    x-gzip too."""
    steps = BLOCKS["curl-gzip"].text.replace("\\\n", " ").strip().split("\n")
    assert shlex.split(steps[0]) == ["gzip", "-k", "jw323.xml"]
    jw323 = xml("JW323")
    (tmp_path / "jw323.xml").write_bytes(jw323)
    subprocess.run(shlex.split(steps[0]), cwd=tmp_path, check=True)
    curl = shlex.split(steps[1])
    headers = dict(curl[i + 1].split(": ", 1) for i, arg in enumerate(curl) if arg == "-H")
    assert curl[curl.index("--data-binary") + 1] == "@jw323.xml.gz" and curl[2].endswith("/berichten")
    body = (tmp_path / "jw323.xml.gz").read_bytes()
    answer = await hub.client.post("/berichten", content=body, headers=headers)
    assert (answer.status_code, answer.json()["bericht"]) == (202, "JW323")
    assert [p.raw for p in hub.publisher.published] == [jw323]
    for coding, packed in (("deflate", zlib.compress(jw323)), ("x-gzip", gzip.compress(jw323))):
        assert (await hub.post(packed, key=AANBIEDER, **{"Content-Encoding": coding})).status_code == 202
    assert [p.raw for p in hub.publisher.published] == [jw323] * 3


async def test_an_unpacked_message_past_the_limit_is_413_naming_both_limits(hub: Hub) -> None:
    """3.4: a few kilobytes that unpack beyond the 25 MiB: the detail the guide quotes."""
    member = gzip.compress(bytes(2**20), compresslevel=9)
    answer = await hub.post(member * 26, **{"Content-Encoding": "gzip"})
    assert answer.status_code == 413
    quoted = re.search(r"`(the limit is \d+ bytes of XML once[^`]*)`", GUIDE.read_text(encoding="utf-8"))
    assert quoted is not None and answer.json()["detail"] == quoted[1]
    assert hub.publisher.published == []


async def test_a_body_without_content_length_is_refused_once_past_the_limit(
    db: Engine, validator: Validator
) -> None:
    """3: the limit holds while the body streams in."""
    data = xml("JW301")

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 1000):
            yield data[start : start + 1000]

    async with guide_app(db, validator, FakePublisher(), max_message_bytes=len(data) - 1) as client:
        headers = {"X-API-Key": SSC, "Content-Type": "application/xml"}
        answer = await client.post("/berichten", content=chunks(), headers=headers)
    assert answer.status_code == 413 and answer.json()["detail"] == f"the limit is {len(data) - 1} bytes"


def test_the_defaults_the_guide_names() -> None:
    """3, 3.5, 4.1, 4.4: size limit, gateway buffer, retention, attempts; on a cluster the limit is what one
    record holds: just under 1 MiB unset, room for the 25 MiB as compose and Kubernetes set it."""
    settings = HubSettings()
    assert settings.max_message_bytes == 26214400 == 25 * 2**20
    assert (settings.gateway_buffer, settings.retour_retention_days, settings.max_attempts) == (1000, 90, 5)
    assert 2**20 - 8192 < largest_record(BrokerSettings(bootstrap_servers="kafka:9092")) < 2**20
    deploy = GUIDE.parents[1] / "deploy"
    for path in (deploy / "compose.yaml", deploy / "k8s" / "base" / "kustomization.yaml"):
        [value] = re.findall(r"HUB_KAFKA_PRODUCER_MAX_REQUEST_BYTES\W+(\d+)", path.read_text())
        cluster = BrokerSettings(bootstrap_servers="kafka:9092", producer_max_request_bytes=int(value))
        assert largest_record(cluster) >= settings.max_message_bytes, path


async def test_a_full_buffer_is_503_with_retry_after(db: Engine, validator: Validator) -> None:
    """3.5: the real publisher with no room (HUB_GATEWAY_BUFFER=0) while the broker is away; Retry-After 1 to 5."""
    broker = make_broker(BrokerSettings(bootstrap_servers="127.0.0.1:1"))
    # never started: the broker is unreachable
    publisher = RawPublisher(broker, Topics("ijw."), Spool(session_factory(db)), capacity=0)
    assert publisher.backoff[1] == 5.0  # the longest retry interval, so the highest Retry-After
    async with guide_app(db, validator, publisher) as client:
        await Hub(client, FakePublisher(), new_intake(db), db).example("503", xml("JW301"))
    with session_factory(db)() as session:
        assert session.exec(select(BerichtRecord)).all() == []


@pytest.mark.parametrize("path", ["/berichten/{id}", "/berichten/{id}/retour"])
async def test_the_get_routes_are_503_while_the_store_is_away(validator: Validator, path: str) -> None:
    """4.1: 503 store-unavailable with Retry-After 5, for track and trace too."""
    nowhere = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    try:
        async with guide_app(nowhere, validator, FakePublisher()) as client:
            answer = await client.get(path.format(id="a" * 32), headers={"X-API-Key": SSC})
    finally:
        nowhere.dispose()
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert answer.json()["type"] == "urn:ijw-hub:problem:store-unavailable"


# ---- 4: the answer ----------------------------------------------------------------------------------


async def test_every_gateway_of_the_hub_knows_an_unjudged_message_of_the_sender(
    db: Engine, validator: Validator
) -> None:
    """4.4, 3.5: another gateway, and one restarted, answer as the one that took the message, for the sender's key
    only (404 for another key, and for a gateway under another HUB_PSEUDONYM_KEY); a message kept in the spool
    that has not reached Kafka yet stays 409."""
    broker = make_broker(BrokerSettings(bootstrap_servers="127.0.0.1:1"))
    # the broker is away: the messages are kept in the spool
    buffering = RawPublisher(broker, Topics("ijw."), Spool(session_factory(db)), capacity=2)
    auth = {"X-API-Key": SSC}
    async with (
        guide_app(db, validator, buffering, pseudonym_key=HUB_KEY) as first,
        guide_app(db, validator, FakePublisher(), pseudonym_key=HUB_KEY) as second,
    ):
        answer = await first.post("/berichten", content=xml("JW301"), headers=auth | XML)
        jw325 = await first.post("/berichten", content=xml("JW325"), headers=auth | XML)
        assert (answer.status_code, jw325.status_code, buffering.pending) == (202, 202, 2)
        bericht_id = answer.json()["id"]
        pending, geen = f"/berichten/{bericht_id}/retour", f"/berichten/{jw325.json()['id']}/retour"
        for path, status in ((pending, 409), (geen, 404)):  # JW325: 404 no-retour at once (4.1)
            taken, elsewhere = (await first.get(path, headers=auth)), (await second.get(path, headers=auth))
            assert (taken.status_code, elsewhere.status_code) == (status, status)
            assert (elsewhere.json(), elsewhere.headers.get("retry-after")) == (
                taken.json(),
                taken.headers.get("retry-after"),
            )
        assert (await first.get(answer.headers["location"], headers=auth)).json()["status"] == "ontvangen"
        await Hub(second, FakePublisher(), new_intake(db), db).example("tt-409", ids=[bericht_id])
        for path in (answer.headers["location"], pending):
            assert (await second.get(path, headers={"X-API-Key": AANBIEDER})).status_code == 404
    async with (
        guide_app(db, validator, FakePublisher(), pseudonym_key=HUB_KEY) as restarted,
        guide_app(db, validator, FakePublisher(), pseudonym_key=ROTATED_KEY) as rotated,
    ):
        for path in (answer.headers["location"], pending):
            assert (await restarted.get(path, headers=auth)).status_code == 409
            assert (await rotated.get(path, headers=auth)).status_code == 404
    with session_factory(db)() as session:
        assert session.exec(select(BerichtRecord)).all() == []  # never recorded: 409 until the sender resends


async def test_a_purged_retour_is_410(hub: Hub) -> None:
    """4.1: after the retention period."""
    bericht_id = (await hub.post(xml("JW301"))).json()["id"]
    hub.verwerk()
    purged_at = datetime.now(UTC)
    assert retention.purge(session_factory(hub.db), purged_at + timedelta(seconds=1), now=purged_at) == 1
    await hub.example("retour-410", ids=[bericht_id])


async def test_a_declaratie_antwoord_is_404_no_retour_from_the_202_on(hub: Hub) -> None:
    """4.1: the gateway knows at once that no retour comes; the same answer after the intake (TR337 rejects this
    JW325: the hub knows no JW323 it answers)."""
    bericht_id = (await hub.post(xml("JW325"))).json()["id"]
    early = await hub.example("retour-404-jw325", ids=[bericht_id])
    hub.verwerk()
    assert (await hub.get(f"/berichten/{bericht_id}/retour")).json() == early.json()
    trace = (await hub.get(f"/berichten/{bericht_id}")).json()
    assert (trace["outcome"], trace["retour_bericht"]) == ("rejected", None)


@pytest.mark.parametrize("heen", ["JW301", "JW305", "JW307", "JW315", "JW317", "JW319"])
async def test_a_retourbericht_is_sent_and_traced_by_the_ontvanger(hub: Hub, heen: str) -> None:
    """2, 4.1, 5: the key of Header/Ontvanger sends it (403 naming it for the Afzender's); 404 no-retour at once."""
    data = retourbericht_for(xml(heen))
    header = etree.fromstring(data).find("{*}Header")
    assert header is not None
    afzender, ontvanger = header.findtext("{*}Afzender"), header.findtext("{*}Ontvanger")
    key_of = {"0200": SSC, "12345678": AANBIEDER}
    refused = await hub.post(data, key=key_of[afzender or ""])
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        f"Header/Ontvanger {ontvanger} is not a sender code of this API key",
    )
    key = key_of[ontvanger or ""]
    bericht_id = (await hub.post(data, key=key)).json()["id"]
    retour = f"/berichten/{bericht_id}/retour"
    assert (await hub.get(retour, key=key)).json()["type"] == "urn:ijw-hub:problem:no-retour"
    hub.verwerk()
    assert (await hub.get(retour, key=key)).json()["type"] == "urn:ijw-hub:problem:no-retour"
    trace = (await hub.get(f"/berichten/{bericht_id}", key=key)).json()
    assert (trace["outcome"], trace["retour_bericht"]) == ("accepted", None)
    assert (await hub.get(f"/berichten/{bericht_id}", key=key_of[afzender or ""])).status_code == 404


def retourbericht_for(heenbericht: bytes) -> bytes:
    """The JW30x the hub builds for `heenbericht` on levels 1, 2 and 4: a retourbericht to send in."""
    built = build_retour(Validator(clock=lambda: TODAY).validate(heenbericht), dagtekening=TODAY)
    assert built is not None
    return built


def test_the_outbox_writes_under_a_dot_then_renames_and_overwrites(tmp_path: Path) -> None:
    """4.3: one directory per Afzender; no dot file left; the same retour again overwrites; unsafe characters `_`."""

    def mark(ids: Sequence[str]) -> set[str]:
        return set(ids)

    dispatcher = RetourDispatcher(tmp_path, mark, HubMetrics(CollectorRegistry()))
    bericht_id = uuid.uuid4().hex
    for body in (b"<a/>", b"<a/>"):
        dispatcher.deliver([Retour(body, bericht_id, "JW302", "0200")])
    dispatcher.deliver([Retour(b"<b/>", "c" * 32, "JW306", "12/34")])
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert files == [f"0200/{bericht_id}.JW302.xml", f"12_34/{'c' * 32}.JW306.xml"]
    assert (tmp_path / "0200" / f"{bericht_id}.JW302.xml").read_bytes() == b"<a/>"


# ---- 5: retourcodes ---------------------------------------------------------------------------------


async def test_a_start_on_an_unknown_toewijzing_gets_9019_on_each_startproduct(hub: Hub) -> None:
    """5, 4.2: JW306 as shown; track and trace names TR019 once per StartProduct."""
    bericht_id = (await hub.post(xml("JW305"), key=AANBIEDER)).json()["id"]
    hub.verwerk()
    assert_xml_like(
        BLOCKS["jw306-tr019"].text, (await hub.get(f"/berichten/{bericht_id}/retour", AANBIEDER)).content
    )
    trace = (await hub.get(f"/berichten/{bericht_id}", AANBIEDER)).json()
    assert (trace["outcome"], trace["error_codes"]) == ("rejected", ["TR019", "TR019"])


async def test_a_declaratie_for_an_unknown_client_and_one_fully_granted(hub: Hub) -> None:
    """5: the JW325 with 8187 on the Client and 0233 on its Prestaties; after the toewijzing, 8001 and no Clienten."""
    unknown = (await hub.post(xml("JW323"), key=AANBIEDER)).json()["id"]
    hub.verwerk()
    assert_xml_like(
        BLOCKS["jw325-tr304"].text, (await hub.get(f"/berichten/{unknown}/retour", AANBIEDER)).content
    )
    assert (await hub.post(xml("JW301"))).status_code == 202
    granted = (await hub.post(xml("JW323", identificatie="JW323B"), key=AANBIEDER)).json()["id"]
    hub.verwerk()
    jw325 = etree.fromstring((await hub.get(f"/berichten/{granted}/retour", AANBIEDER)).content)
    antwoord = jw325.find("{*}DeclaratieAntwoord")
    assert antwoord is not None and antwoord.find("{*}Clienten") is None
    assert [c.text for c in antwoord.iterfind("{*}RetourCodes/{*}RetourCode")] == ["8001"]


# ---- 6: sending again -------------------------------------------------------------------------------


async def test_the_same_bytes_again_are_a_duplicate_with_the_same_retour(hub: Hub) -> None:
    """6: a new id, outcome duplicate, the original's retour byte for byte, nothing applied twice."""
    original = (await hub.post(xml("JW301"))).json()["id"]
    again = (await hub.post(xml("JW301"))).json()["id"]
    hub.verwerk()
    await hub.example("tt-duplicate", ids=[again])
    first, second = [(await hub.get(f"/berichten/{i}/retour")).content for i in (original, again)]
    assert first == second
    assert [r.event is not None for r in hub.results] == [True, False]  # no second toewijzing


async def test_a_rejected_message_is_judged_again_and_identificatie_counts_accepted_ones(hub: Hub) -> None:
    """6: the same JW305 bytes after the JW301; a corrected JW305 reusing a rejected one's Identificatie."""
    early = (await hub.post(xml("JW305"), key=AANBIEDER)).json()["id"]
    hub.verwerk()
    assert (await hub.post(xml("JW301"))).status_code == 202
    again = (await hub.post(xml("JW305"), key=AANBIEDER)).json()["id"]
    hub.verwerk()
    outcomes = [(await hub.get(f"/berichten/{i}", AANBIEDER)).json()["outcome"] for i in (early, again)]
    assert outcomes == ["rejected", "accepted"]
    rejected = (
        await hub.post(xml("JW307", identificatie="STOP1", dagtekening=date(2026, 9, 1)), AANBIEDER)
    ).json()
    corrected = (await hub.post(xml("JW307", identificatie="STOP1"), key=AANBIEDER)).json()
    hub.verwerk()
    outcomes = [
        (await hub.get(f"/berichten/{a['id']}", AANBIEDER)).json()["outcome"] for a in (rejected, corrected)
    ]
    assert outcomes == ["rejected", "accepted"]


async def test_the_same_identificatie_with_other_content_is_9056_per_afzender(hub: Hub) -> None:
    """6: TR056 on the Header; an SSC's two gemeentecodes each have their own Identificaties."""
    assert (await hub.post(xml("JW301"))).status_code == 202
    other = (await hub.post(xml("JW301", identificatie="JW301261102", dagtekening=date(2026, 11, 3)))).json()
    same_for_0203 = (await hub.post(xml("JW301", gemeente="0203"))).json()
    hub.verwerk()
    assert_xml_like(BLOCKS["tr056"].text, (await hub.get(f"/berichten/{other['id']}/retour")).content)
    assert (await hub.get(f"/berichten/{same_for_0203['id']}")).json()["outcome"] == "accepted"


# ---- 7: TR135 on the Dutch calendar day -------------------------------------------------------------


def test_tr135_judges_on_the_dutch_calendar_day(db: Engine) -> None:
    """7: each line of the example, through the intake whose today is the Dutch day of that moment."""
    lines = BLOCKS["tr135"].text.strip().splitlines()
    for n, line in enumerate(lines):
        dagtekening, rest = line.removeprefix("Dagtekening ").split(", beoordeeld op ")
        moment, rest = rest.split(" (")
        local, outcome = rest.split(" in Nederland): ")
        at = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        assert at.astimezone(NEDERLAND).strftime("%H:%M") == local
        result = new_intake(db, vandaag(at)).verwerk(
            xml("JW301", dagtekening=date.fromisoformat(dagtekening), identificatie=f"TR135{n}")
        )
        assert result.retour is not None
        codes = retour_codes(result.retour)
        if outcome == "aangenomen":
            assert (result.outcome, codes) == ("accepted", ["0200"])
        else:
            assert outcome == "TR135, RetourCode 8848"
            assert (result.outcome, [v.rule for v in result.errors], codes) == (
                "rejected",
                ["TR135"],
                ["8848"],
            )


# ---- 8: the commands --------------------------------------------------------------------------------


def session_of(block: Block) -> list[tuple[list[str], list[str]]]:
    """A console block's commands (argv) each with the lines it printed."""
    steps: list[tuple[list[str], list[str]]] = []
    for line in block.text.rstrip("\n").split("\n"):
        if line.startswith("$ "):
            steps.append((shlex.split(line[2:]), []))
        else:
            steps[-1][1].append(line)
    return steps


def run_hub(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[str]]:
    """`hub ARGS` as the console script runs it: the exit status and what it printed, stdout then stderr."""
    assert argv[0] == "hub"
    monkeypatch.setattr(sys, "argv", argv)
    status = main()
    out, err = capsys.readouterr()
    return status, (out + err).splitlines()


@pytest.fixture
def berichten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The guide's files in the working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jw301.xml").write_bytes(xml("JW301"))
    (tmp_path / "jw301-elfproef.xml").write_bytes(jw301(Client__Bsn=wrong_bsn()))
    (tmp_path / "jw301-xsd.xml").write_bytes(jw301(Client__Bsn="12AB"))
    return tmp_path


def test_hub_validate_prints_what_the_guide_shows(
    berichten: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """8: one JSON line per file; exit status 1 when one is rejected."""
    [(argv, shown)] = session_of(BLOCKS["hub-validate"])
    status, printed = run_hub(argv, monkeypatch, capsys)
    assert status == 1 and len(printed) == len(shown)
    for s, p in zip(shown, printed, strict=True):
        assert_like(json.loads(s), json.loads(p))


def test_hub_retour_prints_what_the_guide_shows(
    berichten: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """8: the 0001 retour written; none for an XSD-invalid message, exit status 1."""
    statuses = []
    for argv, shown in session_of(BLOCKS["hub-retour"]):
        status, printed = run_hub(argv, monkeypatch, capsys)
        assert printed == shown
        statuses.append(status)
    assert statuses == [0, 1]
    assert retour_codes((berichten / "jw302.xml").read_bytes()) == ["0001"]


@pytest.mark.kafka
def test_hub_ingest_and_the_outbox_end_to_end(
    tmp_path: Path,
    tansu: EmbeddedBroker,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_hub_env: None,
) -> None:
    """8, 4.3: `hub ingest` against `hub run` with the guide's keys; the retouren in the outbox and via GET."""
    [(argv, shown)] = session_of(BLOCKS["hub-ingest"])
    folder = tmp_path / argv[2].rstrip("/")
    folder.mkdir()
    for gemeente in ("0200", "0203"):
        (folder / f"jw301-{gemeente}.xml").write_bytes(xml("JW301", gemeente=gemeente))
    outbox = tmp_path / "outbox"
    hub = HubRun(
        tansu.bootstrap,
        f"guide-{uuid.uuid4().hex[:10]}.",
        f"sqlite:///{tmp_path / 'hub.sqlite'}",
        tmp_path / "hub.log",
        HUB_API_KEYS=API_KEYS,
        HUB_RETOUR_DIR=str(outbox),
    )
    monkeypatch.chdir(tmp_path)
    try:
        hub.start()
        asyncio.run(hub.wait_for("/readyz", 200))
        status, printed = run_hub(
            [a.replace("https://hub-test.example.nl", hub.url) for a in argv], monkeypatch, capsys
        )
        assert status == 0, printed
        rows = [line.split("\t") for line in printed]
        assert [r[:2] for r in rows] == [line.split("\t")[:2] for line in shown], hub.log_tail()
        ids = [r[2] for r in rows]
        assert ids == list(dict.fromkeys(ids)) and all(len(i) == 32 for i in ids)
        guide_ids = BLOCKS["hub-ingest"].ids()
        expected = [
            line.replace("/var/lib/ijw-hub/outbox", str(outbox)) for line in BLOCKS["outbox"].text.split()
        ]
        for hub_id, guide_id in zip(ids, guide_ids, strict=True):
            expected = [line.replace(guide_id, hub_id) for line in expected]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sorted(str(p) for p in outbox.rglob("*.xml")) != sorted(
            expected
        ):
            time.sleep(0.2)
        assert sorted(str(p) for p in outbox.rglob("*") if p.is_file()) == sorted(expected), hub.log_tail()
        for bericht_id in ids:
            [path] = [Path(line) for line in expected if bericht_id in line]
            answer = httpx.get(f"{hub.url}/berichten/{bericht_id}/retour", headers={"X-API-Key": SSC})
            assert answer.status_code == 200 and answer.content == path.read_bytes()
            assert retour_codes(answer.content) == ["0200"]
    finally:
        hub.stop()
