"""Statusmeldingen (GI102): each status once, valid messages, the 3-month check, and the outbound path."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, timedelta
from typing import Any

from faststream.kafka import KafkaBroker, KafkaMessage, TestKafkaBroker
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from consumers.broker import BrokerSettings
from consumers.intake import HEADER_ID
from consumers.processors import ProcessorWorker, register_processors
from hub.events.models import StatusmeldingVerstuurd
from hub.gi.extract import extract_gi
from hub.gi.models import Gi102
from hub.gi.status import status_identificatie
from hub.metrics import HubMetrics
from hub.monitor.processor import Processor
from hub.store.db import session_factory
from hub.synth import berichten as ijw
from hub.topics import Topics
from hub.validate import Validator
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline.helpers import AS_OF, PSEUDONYM, Pipeline, status_xml
from tests.hub.monitor.helpers import REGIOS, ticking

KIND = m.kind(1)
DB = date(2026, 9, 1)
VOT = DB + timedelta(days=3)
TW = DB + timedelta(days=10)
START = DB + timedelta(days=20)
REF_A = f"VOT{VOT:%Y%m%d}A"


def keten(p: Pipeline) -> None:
    """Bepaling, the GI's request, the toewijzing answering it and its start: statuses 01, 02 and 03."""
    p.stuur("GI001", m.gi001(KIND, DB, "B1", m.bepaling("B-1", DB)))
    p.stuur("JW315", ijw.spec("JW315", dagtekening=VOT, identificatie="VOT1", persoon=KIND))
    p.stuur("JW301", m.jw301(KIND, TW, "T1", m.toegewezen(300201, TW, referentie=REF_A)))
    p.stuur("JW305", m.jw305(KIND, START, "S1", 300201, TW, START))


def test_each_status_is_made_once_whoever_computes_it(db: Engine) -> None:
    p = Pipeline(db)
    keten(p)
    assert p.statussen() == [("B-1", "01"), ("B-1", "02"), ("B-1", "03")]
    # Another replica deriving the same links from a later event makes nothing new.
    p.processor = Processor(session_factory(db), REGIOS, now=ticking(), clock=lambda: AS_OF)
    result = p.stuur("JW301", m.jw301(KIND, TW, "T2", m.toegewezen(300201, TW, referentie=REF_A)))
    assert result.event is not None
    assert p.statussen() == [("B-1", "01"), ("B-1", "02"), ("B-1", "03")]


def test_the_statusmeldingen_are_valid_gi102s_with_what_their_status_needs(db: Engine) -> None:
    p = Pipeline(db)
    keten(p)
    validator = Validator(clock=lambda: AS_OF)
    velden = {}
    for row in p.meldingen():
        verdict = validator.validate(row.xml.encode())
        assert verdict.accepted and verdict.bericht == "GI102", [v.message for v in verdict.errors]
        leaves = status_xml(row.xml)
        assert (leaves["BerichtCode"], leaves["Afzender"], leaves["Ontvanger"]) == ("912", m.GEMEENTE, m.GI)
        assert leaves["Identificatie"] == row.identificatie and leaves["Dagtekening"] == AS_OF.isoformat()
        velden[row.status] = leaves
    assert velden["01"]["StatusDatum"] == VOT.isoformat() and velden["01"]["Aanbieder"] == m.AANBIEDER
    assert velden["02"]["ToewijzingNummer"] == "300201" and velden["02"]["Categorie"] == "45"
    assert velden["02"]["StatusDatum"] == TW.isoformat() and velden["02"]["Code"] == "45A53"
    assert velden["03"]["Begindatum"] == START.isoformat() == velden["03"]["StatusDatum"]
    assert {v["BepalingId"] for v in velden.values()} == {"B-1"}


def test_a_bepaling_ids_first_use_gets_the_identificatie_hub_gi_status_documents(db: Engine) -> None:
    # Only a reused BepalingId adds its version to the key (test_koppeling: a correction): the first use keeps
    # status_identificatie's id, the one GI102s made before that versioning carried, so none changes.
    p = Pipeline(db)
    keten(p)
    validator = Validator(clock=lambda: AS_OF)
    for row in p.meldingen():
        doc = validator.validate(row.xml.encode()).doc
        assert doc is not None
        gi102 = extract_gi(doc)
        assert isinstance(gi102, Gi102)
        assert row.identificatie == status_identificatie(m.GI, gi102.statusmelding), row.status


def test_the_dagtekening_is_never_before_the_statusdatum(db: Engine) -> None:
    p = Pipeline(db)
    # The processors' day lies before the events (a replay --as-of an earlier day): the Dagtekening follows the
    # StatusDatum instead (GB041), so every GI102 stays valid.
    p.processor = Processor(session_factory(db), REGIOS, now=ticking(), clock=lambda: DB)
    keten(p)
    rows = p.meldingen()
    assert [(r.status, r.dagtekening) for r in rows] == [("01", VOT), ("02", TW), ("03", START)]
    for row in rows:
        assert Validator(clock=lambda: AS_OF).validate(row.xml.encode()).accepted


# ---- the 3-month check (status 04) --------------------------------------------------------------------


def bepalingen_voor_de_check(p: Pipeline) -> None:
    """B-OUD not started after 3 months; B-GESTART started; B-WEG withdrawn; B-JONG not yet 3 months old."""
    oud, jong = date(2026, 6, 30), date(2026, 10, 1)
    p.stuur("GI001", m.gi001(KIND, jong, "B1", m.bepaling("B-OUD", oud), m.bepaling("B-JONG", jong)))
    p.stuur(
        "GI001",
        m.gi001(
            m.kind(2),
            oud,
            "B2",
            m.bepaling("B-GESTART", oud, maatregel_id="M-2"),
            m.bepaling("B-WEG", oud, categorie=m.CAT_B, maatregel_id="M-2"),
        ),
    )
    p.stuur(
        "GI001",
        m.gi001(
            m.kind(2),
            oud + timedelta(days=1),
            "B3",
            m.intrekking("B-WEG", oud, categorie=m.CAT_B, maatregel_id="M-2"),
        ),
    )
    tw = oud + timedelta(days=5)
    p.stuur("JW301", m.jw301(m.kind(2), tw, "T1", m.toegewezen(400101, tw)))
    p.stuur("JW305", m.jw305(m.kind(2), tw + timedelta(days=2), "S1", 400101, tw, tw + timedelta(days=2)))


def test_norm_check_reports_each_bepaling_not_started_after_three_months_once(db: Engine) -> None:
    p = Pipeline(db)
    bepalingen_voor_de_check(p)
    before = set(p.statussen())
    assert p.processor.peil(date(2026, 9, 30)) == 0  # 30 Jun + 3 months = 30 Sep: not yet above the norm
    assert p.processor.peil(date(2026, 10, 1)) == 1
    assert p.processor.peil(date(2026, 12, 1)) == 0  # once; B-JONG is not 3 months old on 1 Dec
    assert set(p.statussen()) - before == {("B-OUD", "04")}
    [norm] = [r for r in p.meldingen() if r.status == "04"]
    assert (norm.status_datum, norm.dagtekening) == (date(2026, 10, 1), date(2026, 10, 1))
    assert p.processor.peil(date(2027, 1, 2)) == 1
    assert ("B-JONG", "04") in p.statussen()
    assert not any(b in ("B-GESTART", "B-WEG") and s == "04" for b, s in p.statussen())


def test_help_that_begins_on_the_day_of_the_check_has_started(db: Engine) -> None:
    """A start linked to the bepaling counts from its Begindatum on, that day included: checked on the day help
    begins, after the 3-month deadline, no status 04. The start's event is still on its way (K7): the check
    links the group from the store itself."""
    p = Pipeline(db)
    oud, begin = date(2026, 6, 30), date(2026, 10, 5)
    tw = oud + timedelta(days=5)
    p.stuur("GI001", m.gi001(m.kind(3), oud, "B1", m.bepaling("B-LAAT", oud, maatregel_id="M-3")))
    p.stuur("JW301", m.jw301(m.kind(3), tw, "T1", m.toegewezen(400101, tw)))
    p.stuur("JW305", m.jw305(m.kind(3), begin, "S1", 400101, tw, begin), verwerk=False)
    assert p.processor.peil(begin) == 0
    assert p.statussen() == [("B-LAAT", "02")]  # no 04; the 03 comes with the start's event


# ---- the outbound path ----------------------------------------------------------------------------------


def test_outbox_hands_out_each_message_until_sent_and_records_delivery_once(db: Engine) -> None:
    p = Pipeline(db)
    keten(p)
    uit = p.processor.uitgaand()
    assert [u.bericht for u in uit] == ["GI102"] * 3 and {u.ontvanger for u in uit} == {m.GI}
    assert {u.key for u in uit} == {f"{m.GEMEENTE}:{m.GI}"}  # the retour topic's key: gemeente and sender
    assert {u.event.kafka_key for u in uit if u.event is not None} == {PSEUDONYM(KIND.bsn)}
    event = uit[1].event
    assert isinstance(event, StatusmeldingVerstuurd)
    assert (event.status, event.toewijzing_nummer, event.zorgaanbieder, event.bericht_id) == (
        "02",
        300201,
        m.AANBIEDER,
        uit[1].id,
    )
    assert (event.gemeente, event.aanbieder, event.afzender, event.ontvanger) == (
        m.GEMEENTE,
        m.GI,
        m.GEMEENTE,
        m.GI,
    )
    p.processor.verstuurd([uit[0].id])
    assert [u.id for u in p.processor.uitgaand()] == [u.id for u in uit[1:]]
    assert p.processor.onderweg() == {u.id for u in uit}
    assert p.processor.afgeleverd(uit[0].id) and not p.processor.afgeleverd(uit[0].id)
    assert not p.processor.afgeleverd("0" * 32)  # not one of ours: the intake's audit log answers for it
    assert p.processor.onderweg() == {u.id for u in uit[1:]}


async def test_the_processors_publish_statusmeldingen_on_the_retour_topic(db: Engine) -> None:
    p = Pipeline(db)
    p.stuur("GI001", m.gi001(KIND, DB, "B1", m.bepaling("B-1", DB)))
    result = p.stuur("JW301", m.jw301(KIND, TW, "T1", m.toegewezen(300201, TW)), verwerk=False)
    assert result.event is not None
    broker = KafkaBroker()
    topics = Topics("unit.")
    metrics = HubMetrics(CollectorRegistry())
    register_processors(
        broker,
        lambda parsers: ProcessorWorker(p.processor, parsers, broker, topics, metrics),
        topics,
        BrokerSettings(),
    )
    retouren: list[tuple[bytes, dict[str, Any]]] = []
    statussen: list[dict[str, Any]] = []

    @broker.subscriber(topics.retour)
    async def retour(msg: KafkaMessage) -> None:
        retouren.append((msg.body, dict(msg.headers)))

    @broker.subscriber(topics.normalised("gi.status"))
    async def status(body: dict[str, Any]) -> None:
        statussen.append(body)

    async with TestKafkaBroker(broker) as br:
        await br.publish(
            result.event.model_dump_json().encode(),
            topics.normalised("toewijzing"),
            headers={HEADER_ID: result.bericht_id},
        )
    [(body, headers)] = retouren
    assert (headers["bericht"], headers["ontvanger"]) == ("GI102", m.GI)
    assert status_xml(body.decode())["Status"] == "02"
    assert [s["status"] for s in statussen] == ["02"] and statussen[0]["bericht_id"] == headers[HEADER_ID]
    assert p.processor.uitgaand() == []  # marked published
    assert metrics.retour.labels(bericht="GI102")._value.get() == 1


async def test_the_periodic_check_makes_and_sends_status_04_until_cancelled(db: Engine) -> None:
    p = Pipeline(db)
    bepalingen_voor_de_check(p)
    broker = KafkaBroker()
    topics = Topics("unit.")
    worker = ProcessorWorker(p.processor, {}, broker, topics, HubMetrics(CollectorRegistry()))
    retouren: list[dict[str, str]] = []

    @broker.subscriber(topics.retour)
    async def retour(msg: KafkaMessage) -> None:
        retouren.append(status_xml(msg.body.decode()))

    async with TestKafkaBroker(broker):
        task = asyncio.create_task(worker.peil_lus(0.01, lambda: date(2026, 10, 1)))
        for _ in range(200):  # until the round has sent everything
            await asyncio.sleep(0.01)
            if not p.processor.uitgaand() and retouren:
                break
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    sent = {(x["BepalingId"], x["Status"]) for x in retouren}
    assert ("B-OUD", "04") in sent and ("B-JONG", "04") not in sent
    assert sent == set(p.statussen())  # everything made so far went out, each once
    assert len(retouren) == len(sent)
