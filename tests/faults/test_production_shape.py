"""The production shape end to end answers every message as the reference replay does, and loses nothing.

Production runs the roles apart: here 2 gateways, 2 intakes and 1 processors (`hub run --role ...`, each a process
of its own) on one Tansu broker (topics of 4 partitions) and one PostgreSQL database made by `hub db upgrade`. A
simulated stream (`hub simulate`, about 500 iJw and GI messages with its deliberate errors) goes in by `hub ingest`,
split by gemeente:aanbieder pair over the two gateways, the two halves sent at once, each in Dagtekening order. The
reference is `hub process` of the same files: one partition, so exactly the file order.

Compared, once every message has its audit record, every event is handled and every retour is delivered: one audit
record per posted message; per message (sender, type, Identificatie, content hash) the outcome and rule codes; one
retour in the receiver's outbox per heenbericht that gets one, equal to the reference's but for the
IdentificatieRetour and DagtekeningRetour the hub fills in; the GI102 statusmeldingen the processors sent, but for
their own Identificatie and Dagtekening; no dead letters; the hub's counters summed over the five processes; and the
domain metrics. `hub run` has no setting for "today", so the processors' /metrics is compared only in the families
that do not depend on it (counters and the histogram); every family is compared as of the reference's --as-of
through the collector the processors serve /metrics with, over the production store.

The README's ordering paragraph leaves unordered what the two halves send to other partitions: the rules wider than
a pair see them in the order the intakes reach them. This stream does not depend on it: its TR056 and TR333 twins
share a pair with the message they repeat, and its other messages break no rule in any order of the pairs (the
halves sent one wholly before the other, either way round, gave the same outcome in every respect compared here).
Nor does it depend on how far the processors lag (docs/definities.md 6.7): started only after the intakes had
judged everything, they gave the same figures.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from prometheus_client import generate_latest
from sqlalchemy import Engine, func, select
from sqlmodel import col

from consumers.embedded import EmbeddedBroker
from hub.events.models import parse_event
from hub.monitor.contract import FAMILIES
from hub.store.gi_tables import GiStatusmeldingRecord
from hub.store.monitor_tables import VerwerktEventRecord
from hub.store.tables import BerichtRecord
from hub.topics import Topics
from producers.ingest import collect
from tests.faults.harness import (
    PSEUDONYM_KEY,
    IntakeProcess,
    answers,
    audit_rows,
    finished,
    read_topics,
    reader,
    throwaway_postgres,
    wait_until,
)
from tests.hub.monitor.helpers import registry

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

AS_OF = date(2026, 11, 20)
SIMULATE = ["--seed", "3", "--clienten", "60", "--aanbieders", "8", "--tot", AS_OF.isoformat()]
ROLES = (("gateway", 2), ("intake", 2), ("processors", 1))
PARTITIONS = "4"
SHOWN = 12  # differences a failure names
# The hub's counters, summed over the roles' /metrics: the replay's single process counts them all.
HUB_COUNTERS = (
    "hub_messages_total",
    "hub_rule_violations_total",
    "hub_retour_total",
    "hub_retour_delivered_total",
)
# What the hub fills in itself: a retour's own id and date, and a GI102's (its BerichtIdentificatie).
RETOUR_OWN = re.compile(r"<(\w+:)?(IdentificatieRetour|DagtekeningRetour)>[^<]*<")
GI102_OWN = re.compile(r"<ijw:(Identificatie|Dagtekening)>[^<]*<")
# The domain families whose values do not depend on "today": the counters and the histogram.
TODAY_FREE = tuple(f.name for f in FAMILIES if f.soort != "gauge")

Identity = tuple[str | None, str | None, str | None, str]
K = TypeVar("K")
V = TypeVar("V")


def hub(*args: str) -> list[str]:
    return [sys.executable, "-m", "hub", *args]


def clean_env(**settings: str) -> dict[str, str]:
    """The environment without the developer's HUB_* settings, plus these."""
    return {k: v for k, v in os.environ.items() if not k.startswith("HUB_")} | settings


def identity(row: BerichtRecord) -> Identity:
    """A message as its sender knows it; the hash tells a TR056 twin from the message whose Identificatie it reuses."""
    return row.afzender, row.bericht, row.identificatie, row.content_hash


def verdict(row: BerichtRecord) -> tuple[str, list[str], str | None]:
    return row.outcome, row.error_codes, row.retour_bericht


def own_retour(xml: str) -> str:
    return RETOUR_OWN.sub(lambda m: f"<{m.group(1) or ''}{m.group(2)}>…<", xml)


def own_gi102(xml: str) -> str:
    return GI102_OWN.sub(lambda m: f"<ijw:{m.group(1)}>…<", xml)


def samples(text: str, wanted: Iterable[str]) -> dict[str, float]:
    """The samples of the wanted families in a Prometheus exposition, by name and labels."""
    names = set(wanted)
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        series, value = line.rsplit(" ", 1)
        name = series.split("{")[0]
        if name in names or name.removesuffix("_bucket").removesuffix("_count").removesuffix("_sum") in names:
            out[series] = float(value)
    return out


def summed(texts: Iterable[str], wanted: Iterable[str]) -> dict[str, float]:
    """The samples over several processes added up, the zero ones left out (each process starts its series at 0)."""
    total: Counter[str] = Counter()
    for text in texts:
        total.update(samples(text, wanted))
    return {series: value for series, value in total.items() if value}


def differ(expected: Mapping[K, V], got: Mapping[K, V], what: str) -> list[str]:
    return [
        f"{what} {key}: reference {expected.get(key)!r}, production {got.get(key)!r}"
        for key in sorted(expected.keys() | got.keys(), key=repr)
        if expected.get(key) != got.get(key)
    ]


def shown(differences: list[str]) -> str:
    return "\n".join([*differences[:SHOWN], f"({len(differences)} differences)"])


# ---- the stream and the reference --------------------------------------------------------------------------


def simulate(out: Path) -> None:
    subprocess.run(
        hub("simulate", *SIMULATE, "--out", str(out)), env=clean_env(), check=True, capture_output=True
    )
    (out / "manifest.json").unlink()


def replay(tansu: EmbeddedBroker, berichten: Path, url: str, metrics: Path, retouren: Path) -> None:
    """`hub process` of the files on the session's broker (topics of its own), into the store at url."""
    env = clean_env(
        HUB_KAFKA_BOOTSTRAP_SERVERS=tansu.bootstrap,
        HUB_KAFKA_TOPIC_PREFIX=f"e2e-ref-{uuid.uuid4().hex[:10]}.",
        HUB_KAFKA_SESSION_TIMEOUT_MS="1000",
        HUB_PSEUDONYM_KEY=PSEUDONYM_KEY,
    )
    args = ["--as-of", AS_OF.isoformat(), "--database", url, "--metrics-out", str(metrics), "--retour-out"]
    done = subprocess.run(
        hub("process", str(berichten), *args, str(retouren)), env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]


# ---- the production shape ------------------------------------------------------------------------------------


def split(berichten: Path, halves: list[Path]) -> list[set[str]]:
    """The files into the halves by gemeente:aanbieder pair, alternately; the senders of each half."""
    senders: list[set[str]] = [set() for _ in halves]
    inputs = collect([berichten])
    pairs = sorted({i.key for i in inputs})
    for half in halves:
        half.mkdir()
    for item in inputs:
        n = pairs.index(item.key) % len(halves)
        shutil.copy(item.path, halves[n] / item.path.name)
        afzender = re.search(rb"<\w+:Afzender>([^<]+)<", item.path.read_bytes())
        assert afzender is not None, item.path
        senders[n].add(afzender.group(1).decode())
    return senders


async def ingest(half: Path, gateway: IntakeProcess, api_key: str) -> dict[str, str]:
    """`hub ingest` of a half to a gateway; the hub's message id of every file, all of them taken (202)."""
    sending = await asyncio.create_subprocess_exec(
        *hub("ingest", str(half), "--to", base(gateway), "--api-key", api_key),
        env=clean_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await sending.communicate()
    assert sending.returncode == 0, (out + err).decode()[-3000:]
    ids: dict[str, str] = {}
    for line in out.decode().splitlines():
        status, path, bericht_id = line.split("\t")
        assert status == "202", line
        ids[bericht_id] = Path(path).name
    return ids


def base(process: IntakeProcess) -> str:
    return f"http://127.0.0.1:{process.env['HUB_HTTP_PORT']}"


def drained(engine: Engine, ids: set[str]) -> bool:
    """Every message judged and its retour delivered, every event handled, every GI102 delivered."""
    if not finished(engine, ids):
        return False
    events = {str(parse_event(row.event).event_id) for row in audit_rows(engine).values() if row.event}
    with engine.connect() as conn:
        handled = set(conn.execute(select(col(VerwerktEventRecord.event_id))).scalars())
        undelivered = select(func.count()).where(col(GiStatusmeldingRecord.afgeleverd_op).is_(None))
        return events <= handled and conn.execute(undelivered).scalar_one() == 0


async def test_the_production_shape_answers_every_message_as_the_reference_replay(
    tansu: EmbeddedBroker, tmp_path: Path
) -> None:
    berichten = tmp_path / "berichten"
    simulate(berichten)
    halves = [tmp_path / "half-a", tmp_path / "half-b"]
    api_keys = {f"key-{n}": sorted(codes) for n, codes in enumerate(split(berichten, halves))}
    outbox = tmp_path / "outbox"
    prefix = f"e2e-{uuid.uuid4().hex[:10]}."

    with throwaway_postgres() as ref_url, throwaway_postgres() as url:
        replay(tansu, berichten, ref_url, tmp_path / "ref.metrics", tmp_path / "ref-retouren")
        ref_engine = reader(ref_url)
        reference = audit_rows(ref_engine)
        ref_engine.dispose()
        subprocess.run(
            hub("db", "upgrade", "--database", url), env=clean_env(), check=True, capture_output=True
        )
        processes = [
            IntakeProcess(
                tansu.bootstrap,
                prefix,
                url,
                tmp_path / f"{role}-{n}.log",
                role=role,
                HUB_MIGRATE_ON_START="false",  # as docs/operations.md has it: `hub db upgrade` ran first
                HUB_API_KEYS=json.dumps(api_keys),
                HUB_RETOUR_DIR=str(outbox),
                HUB_KAFKA_PARTITIONS=PARTITIONS,
            )
            for role, count in ROLES
            for n in range(count)
        ]
        gateways = [p for p in processes if p.role == "gateway"]
        engine = reader(url)
        try:
            for process in processes:
                process.start()
            for process in processes:
                await answers(process, base(process))
            sent = await asyncio.gather(
                *(ingest(h, g, key) for h, g, key in zip(halves, gateways, api_keys, strict=True))
            )
            files = {bericht_id: name for ids in sent for bericht_id, name in ids.items()}
            try:
                await wait_until(lambda: drained(engine, set(files)), timeout=120, interval=0.2)
            except TimeoutError:
                pytest.fail("not drained; the logs' tails:\n" + "\n".join(p.log_tail(10) for p in processes))
            async with httpx.AsyncClient(timeout=10.0) as client:
                metrics = {p.log_path.stem: (await client.get(f"{base(p)}/metrics")).text for p in processes}
            dead_letters = await read_topics(tansu.bootstrap, [Topics(prefix).dead_letter])
            rows = audit_rows(engine)
            as_of = generate_latest(registry(engine, AS_OF)).decode()
        finally:
            for process in processes:
                process.stop()
            engine.dispose()

    # The reference is worth comparing: all but the deliberate errors accepted, the errors rejected.
    outcomes = Counter(row.outcome for row in reference.values())
    assert outcomes["accepted"] > 0.95 * len(files) and outcomes["rejected"] > 0, outcomes
    assert dead_letters == []

    # Every posted message exactly one audit record, and nothing else recorded.
    assert rows.keys() == files.keys()
    by_identity = {identity(row): row for row in rows.values()}
    expected = {identity(row): row for row in reference.values()}
    lost, extra = expected.keys() - by_identity.keys(), by_identity.keys() - expected.keys()
    assert not lost and not extra, (
        f"reference only: {sorted(lost)[:SHOWN]}; production only: {sorted(extra)[:SHOWN]}"
    )
    assert len(by_identity) == len(rows) and len(expected) == len(reference) == len(files)

    # Per message the reference's verdict, and its retour but for the hub's own id and date of it.
    differences = differ(
        {k: verdict(r) for k, r in expected.items()},
        {k: verdict(r) for k, r in by_identity.items()},
        "verdict",
    )
    differences += differ(
        {k: own_retour(r.retour) for k, r in expected.items() if r.retour},
        {k: own_retour(r.retour) for k, r in by_identity.items() if r.retour},
        "retour",
    )
    assert not differences, shown(differences)

    # The outboxes: each heenbericht's retour once, in its sender's folder, as recorded; the reference names its
    # files after the heenbericht's file. What else they hold is the processors' GI102s.
    delivered = sorted(outbox.rglob("*.xml"))
    ref_files = sorted((tmp_path / "ref-retouren").glob("*.xml"))
    retouren = {row.id: row for row in rows.values() if row.retour is not None}
    for bericht_id, row in retouren.items():
        [file] = [f for f in delivered if f.name == f"{bericht_id}.{row.retour_bericht}.xml"]
        assert file.parent.name == row.afzender and file.read_text() == row.retour
        ref_file = tmp_path / "ref-retouren" / f"{Path(files[bericht_id]).stem}.{row.retour_bericht}.xml"
        assert own_retour(file.read_text()) == own_retour(ref_file.read_text()), files[bericht_id]
    gi102 = Counter(own_gi102(f.read_text()) for f in delivered if f.name.split(".")[0] not in retouren)
    ref_gi102 = Counter(own_gi102(f.read_text()) for f in ref_files if f.name.endswith(".GI102.xml"))
    assert len(ref_files) == len(retouren) + ref_gi102.total() and ref_gi102.total() > 0
    assert gi102 == ref_gi102

    # The figures: the hub's counters added up over the roles; the domain families as served (those free of
    # "today") and, all of them, as of the reference's day over the production store.
    ref_metrics = (tmp_path / "ref.metrics").read_text()
    differences = differ(
        summed([ref_metrics], HUB_COUNTERS), summed(metrics.values(), HUB_COUNTERS), "counter"
    )
    assert not summed(metrics.values(), ["hub_dead_letters_total"])
    served = metrics["processors-0"]
    differences += differ(samples(ref_metrics, TODAY_FREE), samples(served, TODAY_FREE), "served")
    domain = [f.name for f in FAMILIES]
    differences += differ(samples(ref_metrics, domain), samples(as_of, domain), f"as of {AS_OF}")
    assert not differences, shown(differences)
    assert samples(served, TODAY_FREE)  # compared, not two empty sets
