"""The domain metrics of issue 5 as a Prometheus collector that reads the store at every scrape.

Nothing is counted in process memory: counters and the histogram are aggregates of the stored observations,
gauges are computed as of today (or --as-of) from the state. A restart, a replay or N replicas therefore
expose the same values; dashboards take `max` over replicas (deploy/prometheus/recording_rules.yml).
With a maximum age (HUB_DOMAIN_METRICS_MAX_AGE_SECONDS) the replicas share one computed copy in the store
(hub.store.monitor_snapshot) and compute anew only when it is older, or of another day.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from hub.clock import vandaag
from hub.metrics import HubMetrics
from hub.monitor import contract
from hub.monitor.contract import FAMILIES, Family
from hub.monitor.maand import gauge_maanden, normcijfers
from hub.monitor.model import ONBEKEND, Peil, Sample
from hub.monitor.norms import UITKOMSTEN, boven_norm_grens
from hub.monitor.registry import BRONNEN, FAMILIE_BRONNEN, WACHT_BRONNEN, Regios, load_plugins
from hub.settings import HubSettings
from hub.store import gi_link, observations
from hub.store.db import SessionFactory
from hub.store.monitor_snapshot import Snapshots

log = logging.getLogger("hub.monitor")

Aggregate = dict[tuple[str, ...], float]


class MonitorCollector(Collector):
    """Yields every family of hub.monitor.contract, samples read from the store; families exist when empty."""

    def __init__(
        self,
        sessions: SessionFactory,
        regios: Regios,
        *,
        clock: Callable[[], date] = vandaag,
        drop_labels: Iterable[str] = (),
        max_age: float = 0.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        load_plugins()
        self.sessions = sessions
        self.regios = regios
        self.clock = clock
        self.drop = frozenset(drop_labels) & contract.DROPPABLE
        self.max_age = timedelta(seconds=max_age)  # 0: computed at every scrape, nothing kept
        self.now = now
        self.snapshots = Snapshots(sessions, _sleutel(self.drop))

    def describe(self) -> Iterable[Metric]:
        """The families without samples: lets the registry refuse a second family of the same name."""
        return [_family(f, f.kept(self.drop)) for f in FAMILIES]

    def collect(self) -> Iterable[Metric]:
        vandaag = self.clock()
        peil = Peil(vandaag, boven_norm_grens(vandaag))
        try:
            return self._computed(peil) if not self.max_age else self._shared(peil)
        except SQLAlchemyError as exc:  # a scrape must not fail the whole /metrics page
            log.warning(
                "domain metrics unavailable: store error", extra={"error": type(exc).__name__}, exc_info=True
            )
            return []

    def _computed(self, peil: Peil) -> list[Metric]:
        with self.sessions() as session:
            return list(self._families(session, peil))

    def _shared(self, peil: Peil) -> list[Metric]:
        """The kept copy while it is of today and younger than the maximum age; else computed and kept by this
        replica, unless another one is computing (or the claim fails): then the kept copy of today, or computed
        here and not kept."""
        now = self.now()
        kept = self.snapshots.read()
        if kept is not None and kept.vandaag != peil.vandaag:
            kept = None  # the gauges of another day: never served
        if kept is not None and now - kept.computed_at < self.max_age:
            return _decode(kept.families)
        try:
            until = self.snapshots.claim(now)
        except SQLAlchemyError as exc:  # e.g. SQLite busy with writes: serve as if another replica computed
            log.warning("domain metrics not kept: store error", extra={"error": type(exc).__name__})
            until = None
        if until is None:
            return _decode(kept.families) if kept is not None else self._computed(peil)
        try:
            families = self._computed(peil)
        except BaseException:
            self.snapshots.release(until)
            raise
        try:
            self.snapshots.save(peil.vandaag, now, _encode(families), until)
        except SQLAlchemyError as exc:  # computed all the same: serve it; the claim lapses after its lease
            log.warning("domain metrics not kept: store error", extra={"error": type(exc).__name__})
        return families

    def _families(self, session: Session, peil: Peil) -> Iterator[Metric]:
        yield self._histogram(session)
        samples = self._samples(session, peil)
        for family in FAMILIES:
            if family.soort == "histogram":
                continue
            kept = family.kept(self.drop)
            metric = _family(family, kept)
            assert not isinstance(metric, HistogramMetricFamily)
            extra = (s for source in BRONNEN.get(family.name, ()) for s in source(session, peil))
            for labels, value in sorted(
                self._aggregate(family, kept, [*samples.get(family.name, ()), *extra]).items()
            ):
                metric.add_metric(list(labels), value)
            yield metric

    def _samples(self, session: Session, peil: Peil) -> dict[str, list[Sample]]:
        """The samples the monitor itself derives (waiting requests, norm outcomes (all at 0 first) and per month,
        stops), and those of the sources of several families."""
        wachtend: list[Sample] = []
        boven: list[Sample] = []
        for source in WACHT_BRONNEN:
            for r in source(session, peil):
                labels = {"fase": r.fase, "gemeente": r.gemeente, "productcategorie": r.productcategorie}
                wachtend.append(({**labels, "aanbieder": r.aanbieder}, float(r.aantal)))
                boven.append((labels, float(r.boven_norm)))
        # Every norm × uitkomst × regio exists at 0, so an alert sees the first increase.
        normen: list[Sample] = [
            ({"norm": n, "uitkomst": u, "regio": regio}, 0.0)
            for n in contract.NORMEN
            for u in UITKOMSTEN
            for regio in self.regios.alle()
        ]
        normen += [
            ({"norm": n, "uitkomst": u, "regio": regio}, float(c))
            for n, u, regio, c in observations.norm_aantallen(session)
        ]
        beeindigd: list[Sample] = [
            ({"regio": regio, "productcategorie": cat, "reden": reden}, float(c))
            for regio, cat, reden, c in observations.beeindigd_aantallen(session)
        ]
        found: dict[str, list[Sample]] = {
            contract.WACHTEND.name: wachtend,
            contract.WACHTEND_BOVEN_NORM.name: boven,
            contract.NORM.name: normen,
            contract.NORM_MAAND.name: normen_per_maand(session, peil.vandaag),
            contract.BEEINDIGD.name: beeindigd,
        }
        for familie_bron in FAMILIE_BRONNEN:  # one query for several families
            for name, extra in familie_bron(session, peil).items():
                found.setdefault(name, []).extend(extra)
        return found

    def _aggregate(self, family: Family, kept: tuple[str, ...], samples: Iterable[Sample]) -> Aggregate:
        """Sum samples per exposed label set: fills regio from gemeente, None as "onbekend", dropped labels out."""
        out: Aggregate = {}
        for labels, value in samples:
            full: dict[str, str | None] = dict(labels)
            if "regio" in family.labels and "regio" not in full:
                full["regio"] = self.regios(full.get("gemeente"))
            key = tuple(full.get(label) or ONBEKEND for label in kept)
            out[key] = out.get(key, 0.0) + value
        return out

    def _histogram(self, session: Session) -> Metric:
        family = contract.DOORLOOPTIJD
        metric = HistogramMetricFamily(family.name, family.help, labels=list(family.labels))
        bounds = contract.BUCKETS_SECONDEN
        for fase, regio, cat, count, total, cumulative in sorted(
            observations.doorlooptijd_buckets(session, bounds)
        ):
            buckets = [(_le(b), float(c)) for b, c in zip(bounds, cumulative, strict=True)]
            metric.add_metric([fase, regio, cat], [*buckets, ("+Inf", float(count))], float(total))
        return metric


def normen_per_maand(session: Session, vandaag: date) -> list[Sample]:
    """jeugdhulp_norm_maand: the rows of `hub normen` (by einddatum) of the month before `vandaag` and of its own,
    one indexed query each; a month without outcomes has no series (its one row has no regio)."""
    return [
        ({"norm": c.norm, "uitkomst": uitkomst, "regio": c.regio, "maand": str(maand)}, float(aantal))
        for maand in gauge_maanden(vandaag)
        for c in normcijfers(session, maand, "einddatum")
        if c.regio is not None
        for uitkomst, aantal in (("binnen", c.binnen), ("buiten", c.buiten))
    ]


def _sleutel(drop: frozenset[str]) -> str:
    """The kept copy's key: the dropped labels and a digest of the families with their labels, so that replicas
    of two releases with other families (a rolling upgrade) never serve each other's copy."""
    families = repr([(f.name, f.soort, f.kept(drop)) for f in FAMILIES])
    return ",".join(sorted(drop)) + "|" + hashlib.sha256(families.encode()).hexdigest()[:16]


def _encode(families: Iterable[Metric]) -> str:
    """Families as JSON, every field the exposition writes, so _decode() gives back the same text."""
    return json.dumps(
        [
            [m.name, m.documentation, m.type, m.unit, [[s.name, s.labels, s.value] for s in m.samples]]
            for m in families
        ]
    )


def _decode(text: str) -> list[Metric]:
    families = []
    for name, documentation, kind, unit, samples in json.loads(text):
        metric = Metric(name, documentation, kind, unit)
        for sample, labels, value in samples:
            metric.add_sample(sample, labels, value)
        families.append(metric)
    return families


def _le(bound: int) -> str:
    """A bucket bound written as prometheus_client's own Histogram writes it ("86400.0")."""
    text: str = floatToGoString(bound)  # type: ignore[no-untyped-call]  # unannotated in prometheus_client
    return text


def _family(
    family: Family, labels: tuple[str, ...]
) -> CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily:
    match family.soort:
        case "counter":
            return CounterMetricFamily(family.name, family.help, labels=list(labels))
        case "gauge":
            return GaugeMetricFamily(family.name, family.help, labels=list(labels))
        case "histogram":
            return HistogramMetricFamily(family.name, family.help, labels=list(labels))


def bind_retour_pending(metrics: HubMetrics, sessions: SessionFactory) -> None:
    """hub_retour_pending reads the store at scrape time (one family, the one HubMetrics defines): the intake's
    retouren and the processors' GI102 statusmeldingen, both published on the retour topic and not yet delivered."""

    def pending() -> float:
        try:
            with sessions() as session:
                return float(
                    observations.retour_pending(session) + gi_link.verstuurd_niet_afgeleverd(session)
                )
        except SQLAlchemyError:
            return float("nan")

    metrics.retour_pending.set_function(pending)


def install(
    registry: CollectorRegistry,
    metrics: HubMetrics,
    sessions: SessionFactory,
    settings: HubSettings,
    clock: Callable[[], date] = vandaag,
) -> MonitorCollector:
    """Register the domain metrics on the registry and let hub_retour_pending read the store."""
    collector = MonitorCollector(
        sessions,
        Regios.from_file(settings.gemeenten_file),
        clock=clock,
        drop_labels=settings.metrics_drop_labels,
        max_age=settings.domain_metrics_max_age_seconds,
    )
    registry.register(collector)
    bind_retour_pending(metrics, sessions)
    return collector


__all__ = ["MonitorCollector", "bind_retour_pending", "install", "normen_per_maand"]
