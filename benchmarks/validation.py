"""Validation throughput: bare lxml parse + XSD validation (the floor) against the full hub validation.

Full = hardened parse + XSD + every in-message and external rule + typed model extraction + retour building.
Both run on the same messages in the same process; the ratio is what the README reports.
Run: `make bench` (or `.venv/bin/python benchmarks/validation.py --seconds 3`).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import date

from lxml import etree

from hub.ijw.extract import extract
from hub.ijw.schema import SchemaSet
from hub.retour.build import build_retour
from hub.synth.berichten import spec, toegewezen_product
from hub.synth.build import to_xml
from hub.synth.persons import persoon
from hub.validate import Validator

TODAY = date(2026, 11, 23)


def jw301_messages(n: int, seed: int = 7) -> list[bytes]:
    """JW301s of typical size: one client, three toegewezen producten, a relation."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        s = spec("JW301", persoon=persoon(rng, TODAY), identificatie=f"B{i:08d}")
        producten = s["Client"]["ToegewezenProducten"]["ToegewezenProduct"]
        producten.append(toegewezen_product(toewijzing_nummer=900000 + i, categorie="54"))
        out.append(to_xml("JW301", s))
    return out


def rate(fn: Callable[[bytes], object], messages: list[bytes], seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for m in messages:
            fn(m)
        done += len(messages)
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()

    messages = jw301_messages(args.messages)
    schema = SchemaSet().schema("JW301")
    bare_parser = etree.XMLParser(resolve_entities=False, no_network=True)
    validator = Validator(clock=lambda: TODAY)

    def bare(data: bytes) -> object:
        return schema.validate(etree.fromstring(data, bare_parser))

    def full(data: bytes) -> object:
        verdict = validator.validate(data)
        assert verdict.accepted, verdict.errors
        assert verdict.doc is not None
        extract(verdict.doc)
        return build_retour(verdict, dagtekening=TODAY)

    full(messages[0])  # warm up: compile schemas, import rules
    bare_rate = rate(bare, messages, args.seconds)
    full_rate = rate(full, messages, args.seconds)
    size = sum(map(len, messages)) / len(messages)
    print(f"messages: {len(messages)} JW301, {size:.0f} bytes average")
    print(f"bare lxml parse + XSD validation: {bare_rate:8.0f} msg/s")
    print(f"full hub validation + retour:     {full_rate:8.0f} msg/s")
    print(f"ratio full/bare:                  {full_rate / bare_rate:8.2f}  (target >= 0.5)")


if __name__ == "__main__":
    main()
