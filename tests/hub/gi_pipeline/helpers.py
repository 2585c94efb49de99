"""The transport-free pipeline for the GI tests: the intake and the processors on one store, event by event."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from lxml import etree
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub.gi.build import to_xml as gi_xml
from hub.gi.catalog import is_gi
from hub.intake import Intake, IntakeResult
from hub.monitor.collector import MonitorCollector
from hub.monitor.processor import Processor
from hub.privacy import Pseudonymiser
from hub.store.db import session_factory
from hub.store.gi_tables import GiBepalingRecord, GiKoppelingRecord, GiStatusmeldingRecord
from hub.synth.build import Spec
from hub.synth.build import to_xml as ijw_xml
from tests.hub.intake_helpers import new_intake
from tests.hub.monitor.helpers import REGIOS, ticking

AS_OF = date(2027, 1, 15)
PSEUDONYM = Pseudonymiser(b"gi-pipeline-test-key")


def xml(bericht: str, spec: Spec) -> bytes:
    return gi_xml(bericht, spec) if is_gi(bericht) else ijw_xml(bericht, spec)


@dataclass
class Pipeline:
    """Intake and processors in one: every accepted message's event is processed at once (or held back)."""

    db: Engine
    today: date = AS_OF  # the intake's date (rules) and the processors' date (Dagtekening of a GI102)
    termijn: int = 365
    intake: Intake = field(init=False)
    processor: Processor = field(init=False)

    def __post_init__(self) -> None:
        sessions = session_factory(self.db)
        self.intake = new_intake(self.db, clock=lambda: self.today, now=ticking(), pseudonym=PSEUDONYM)
        self.processor = Processor(
            sessions, REGIOS, now=ticking(), clock=lambda: self.today, koppeltermijn_dagen=self.termijn
        )

    def stuur(self, bericht: str, spec: Spec, *, verwerk: bool = True) -> IntakeResult:
        """Send one message; assert it is accepted; let the processors handle its event unless told not to."""
        result = self.intake.verwerk(xml(bericht, spec))
        assert result.outcome == "accepted", (bericht, [(v.rule, v.message) for v in result.errors])
        if verwerk and result.event is not None:
            assert self.processor.verwerk(result.event)
        return result

    def alle(self, berichten: Iterable[tuple[str, Spec]]) -> list[IntakeResult]:
        return [self.stuur(bericht, spec) for bericht, spec in berichten]

    def session(self) -> Session:
        return session_factory(self.db)()

    def statussen(self) -> list[tuple[str, str]]:
        """(BepalingId, Status) of every statusmelding made, in order of making."""
        with self.session() as s:
            rows = s.exec(select(GiStatusmeldingRecord).order_by(col(GiStatusmeldingRecord.aangemaakt_op)))
            return [(r.bepaling_id, r.status) for r in rows]

    def meldingen(self) -> list[GiStatusmeldingRecord]:
        with self.session() as s:
            return list(
                s.exec(select(GiStatusmeldingRecord).order_by(col(GiStatusmeldingRecord.aangemaakt_op)))
            )

    def koppeling(self, bepaling_id: str) -> GiKoppelingRecord | None:
        """The link row of the bepaling in force (else the latest) with this BepalingId."""
        with self.session() as s:
            rows = list(
                s.exec(
                    select(GiBepalingRecord)
                    .where(GiBepalingRecord.bepaling_id == bepaling_id)
                    .order_by(col(GiBepalingRecord.id))
                )
            )
            assert rows, bepaling_id
            row = next((r for r in reversed(rows) if not r.ingetrokken), rows[-1])
            return s.exec(select(GiKoppelingRecord).where(GiKoppelingRecord.bepaling_ref == row.id)).first()

    def gekoppeld(self, bepaling_id: str) -> tuple[int | None, str | None, date | None]:
        """(ToewijzingNummer, ReferentieAanbieder of the verzoek, Begindatum of the start) of a bepaling."""
        k = self.koppeling(bepaling_id)
        return (None, None, None) if k is None else (k.toewijzing_nummer, k.verzoek_referentie, k.start_datum)

    def registry(self, as_of: date = AS_OF) -> CollectorRegistry:
        reg = CollectorRegistry()
        reg.register(MonitorCollector(session_factory(self.db), REGIOS, clock=lambda: as_of))
        return reg

    def uitkomsten(self, norm: str, regio: str) -> dict[str, float | None]:
        """jeugdhulp_norm_total of one norm and regio by uitkomst, as /metrics shows it."""
        reg = self.registry()
        labels = {"norm": norm, "regio": regio}
        return {
            u: reg.get_sample_value("jeugdhulp_norm_total", {**labels, "uitkomst": u})
            for u in ("binnen", "buiten")
        }


def status_xml(xml_text: str) -> dict[str, str]:
    """Header and Statusmelding leaves of a GI102, by local name (Bsn and names never appear in one)."""
    root = etree.fromstring(xml_text.encode())
    return {etree.QName(el).localname: (el.text or "").strip() for el in root.iter() if len(el) == 0}
