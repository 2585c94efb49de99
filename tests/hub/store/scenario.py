"""Helpers for the store tests: typed messages from the synthetic specs, accepted as the intake would."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from sqlmodel import Session

from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc
from hub.ijw.extract import extract
from hub.ijw.models import Bericht
from hub.privacy import Pseudonymiser
from hub.state.snapshot import Snapshot
from hub.store import audit
from hub.store.apply import apply_accepted
from hub.store.snapshot import load_snapshot
from hub.synth import berichten
from hub.synth.build import Spec, to_tree, to_xml
from hub.synth.persons import Persoon, persoon

PS = Pseudonymiser(b"store-tests-pseudonym-key")
DAG = berichten.DEFAULT_DAGTEKENING
INGANG = berichten.ingang(DAG)
CLIENT = berichten.default_persoon(DAG)
ANDER: Persoon = persoon(random.Random(99), DAG, min_leeftijd=4, max_leeftijd=15)
GEMEENTE, AANBIEDER = "0200", "12345678"
SPECIFIEK, ASPECIFIEK = berichten.SPECIFIEK[0], berichten.ASPECIFIEK[0]


def spec(bericht: str, ident: str | None = None, **kwargs: Any) -> Spec:
    """A default spec; `ident` makes a second message of a type distinct (TR056)."""
    return berichten.spec(bericht, identificatie=ident, **kwargs)


def model(bericht: str, s: Spec) -> Bericht:
    return extract(Doc(to_tree(bericht, s), BERICHTEN[bericht]))


def client_of(m: Bericht) -> str | None:
    client = getattr(m, "client", None)
    return PS(client.bsn) if client is not None else None


def record(
    session: Session, bericht: str, s: Spec, outcome: audit.Outcome = "accepted"
) -> tuple[Bericht, str]:
    m = model(bericht, s)
    row = audit.record(
        session,
        content_hash=audit.content_hash(to_xml(bericht, s)),
        outcome=outcome,
        bericht=bericht,
        afzender=m.header.afzender,
        ontvanger=m.header.ontvanger,
        identificatie=m.header.identificatie,
        dagtekening=m.header.dagtekening,
        client=client_of(m),
    )
    return m, row.id


def accept(session: Session, bericht: str, s: Spec) -> str:
    """Record the message as accepted and apply it in one commit, as the intake does; its message id."""
    m, bericht_id = record(session, bericht, s)
    apply_accepted(session, m, bericht_id, PS)
    session.commit()
    return bericht_id


def snapshot(session: Session, bericht: str, s: Spec, today: date = DAG) -> Snapshot:
    return load_snapshot(session, model(bericht, s), PS, today)
