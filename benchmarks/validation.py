"""Validation throughput: bare lxml parse + XSD validation (the floor) against the full hub validation.

Full = hardened parse + XSD + every in-message and external rule + typed model extraction + retour building.
Both run on the same messages in the same process; the ratio is what the README reports. A breakdown
follows: each stage of the full path timed on its own, on inputs prepared by the stages before it.
Run: `make bench` (or `.venv/bin/python benchmarks/validation.py --seconds 3`).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from lxml import etree

from hub import heap
from hub.ijw.doc import Doc
from hub.ijw.extract import extract
from hub.ijw.parse import Parsed, parse_bericht
from hub.ijw.schema import SchemaSet
from hub.retour.build import build_retour
from hub.rules.registry import Level, iter_violations
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
        first = producten[0]
        producten.append(
            toegewezen_product(
                900000 + i,
                categorie="54",
                toewijzingsdatum=first["Toewijzingsdatum"],
                ingangsdatum=first["Ingangsdatum"],
                einddatum=first.get("Einddatum"),
            )
        )
        out.append(to_xml("JW301", s))
    return out


T = TypeVar("T")


def rate(fn: Callable[[T], object], messages: list[T], seconds: float) -> float:
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
    heap.settle()  # as `hub run` and `hub process` do after start-up
    bare_rate = rate(bare, messages, args.seconds)
    full_rate = rate(full, messages, args.seconds)
    size = sum(map(len, messages)) / len(messages)
    print(f"messages: {len(messages)} JW301, {size:.0f} bytes average")
    print(f"bare lxml parse + XSD validation: {bare_rate:8.0f} msg/s")
    print(f"full hub validation + retour:     {full_rate:8.0f} msg/s")
    print(f"ratio full/bare:                  {full_rate / bare_rate:8.2f}  (target >= 0.5)")
    stages(validator, messages, args.seconds / 2, full_rate)


def stages(validator: Validator, messages: list[bytes], seconds: float, full_rate: float) -> None:
    """Each stage of the full path on its own: the part of a message's time that it takes.

    The stages add up to less than the full path. The rest is what only running them one after the other
    costs: each stage finds the CPU caches filled by the others (libxml2's parse and XSD check run some 15%
    slower after the Python stages than in a loop of their own), each message's tree, maps and models are
    freed at its end, and the retour stage alone reads header values that the full path reads fresh.
    """
    ctx = validator.context()
    parsed = [parse_bericht(m, validator.limits) for m in messages]
    verdicts = [validator.validate(m) for m in messages]

    def parse_xsd(data: bytes) -> object:
        p = parse_bericht(data, validator.limits, check_depth=False)  # Validator bounds the depth later
        return validator.schemas.validate(p.info.bericht, p.root)

    def rules(p: Parsed) -> object:
        doc = Doc(p.root, p.info)  # a fresh Doc, as each message gets
        return [*iter_violations(doc, ctx, (Level.XSLT,)), *iter_violations(doc, ctx, (Level.EXTERNAL,))]

    timed: list[tuple[str, float]] = [
        ("hardened parse + XSD validation", rate(parse_xsd, messages, seconds)),
        ("Doc + level-2 and external rules", rate(rules, parsed, seconds)),
        ("typed model extraction", rate(extract, [v.doc for v in verdicts if v.doc is not None], seconds)),
        ("retour building", rate(lambda v: build_retour(v, dagtekening=TODAY), verdicts, seconds)),
    ]
    print("per stage, each timed on its own:")
    for name, stage_rate in timed:
        print(f"  {name + ':':34s}{stage_rate:8.0f} msg/s  {1e6 / stage_rate:6.0f} us/msg")
    rest = 1e6 / full_rate - sum(1e6 / stage_rate for _, stage_rate in timed)
    print(f"  {'rest of the full path:':34s}{'':14s}{rest:6.0f} us/msg  (caches, freeing; see stages())")


if __name__ == "__main__":
    main()
