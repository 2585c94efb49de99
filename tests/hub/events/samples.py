"""Events normalised from the builders' default messages, shared by the event tests."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from lxml import etree

from hub.events.models import HubEvent
from hub.events.normalise import normalise
from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc
from hub.ijw.extract import extract
from hub.ijw.models import Bericht
from hub.ijw.structure import SCHEMA_DIR
from hub.privacy import Pseudonymiser
from hub.synth import berichten
from hub.synth.build import Spec, to_tree

EVENT_BERICHTEN = ("JW301", "JW305", "JW307", "JW315", "JW317", "JW319")
PSEUDONYM = Pseudonymiser(b"events-test-key-0123456789abcdef")
ONTVANGEN_OP = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


@cache
def _schema(bericht: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / f"{bericht.lower()}.xsd")))


def model(bericht: str, spec: Spec | None = None) -> Bericht:
    """The typed model of the message; XSD-checked first, as extract() is only promised valid input."""
    root = to_tree(bericht, berichten.spec(bericht) if spec is None else spec)
    _schema(bericht).assertValid(root)
    return extract(Doc(root, BERICHTEN[bericht]))


def event(bericht: str, spec: Spec | None = None, *, bericht_id: str = "bericht-1") -> HubEvent:
    """The event of an event-producing message (a test bug when normalise returns None)."""
    result = normalise(
        model(bericht, spec), bericht_id=bericht_id, pseudonym=PSEUDONYM, ontvangen_op=ONTVANGEN_OP
    )
    assert result is not None
    return result
