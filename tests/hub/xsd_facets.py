"""The facets of every simple element of the iJw and GI message XSDs (maxLength, maxInclusive, totalDigits,
patterns, enumeration), and the value of an element at its XSD maximum: shared by the test of the stories at the
XSD maxima and the intake property."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from hub.gi.catalog import GI_BASIS_NS, gi_ns, is_gi
from hub.gi.schema import GI_BASISSCHEMA, schema_path
from hub.ijw.catalog import BASIS_NS, message_ns
from hub.ijw.structure import SCHEMA_DIR
from hub.synth.berichten import ASPECIFIEK, SPECIFIEK

XS = "{http://www.w3.org/2001/XMLSchema}"
UNBOUNDED = 100  # the length of a string the XSD does not bound (LDT_Versie, LDT_Commentaar)


# ---- the facets of every simple element, read from the XSDs ---------------------------------------------


@dataclass(frozen=True)
class Facets:
    type: str  # the LDT type's local name (or the XSD built-in's)
    max_length: int | None = None
    max_inclusive: int | None = None
    total_digits: int | None = None
    patterns: tuple[str, ...] = ()
    enumeration: bool = False


def _qname(ref: str, nsmap: Mapping[str | None, str]) -> str:
    prefix, _, local = ref.rpartition(":")
    return f"{{{nsmap[prefix or None]}}}{local}"


def _restriction(simple: etree._Element, nsmap: Mapping[str | None, str], named: dict[str, Facets]) -> Facets:
    r = simple.find(f"{XS}restriction")
    assert r is not None
    base = _qname(r.get("base", ""), nsmap)
    f = named.get(base, Facets(type=etree.QName(base).localname))
    for c in r:
        tag, value = etree.QName(c).localname, c.get("value", "")
        if tag == "maxLength":
            f = replace(f, max_length=int(value))
        elif tag == "maxInclusive":
            f = replace(f, max_inclusive=int(value))
        elif tag == "totalDigits":
            f = replace(f, total_digits=int(value))
        elif tag == "pattern":
            f = replace(f, patterns=(*f.patterns, value))
        elif tag == "enumeration":
            f = replace(f, enumeration=True)
    return f


def _element_facets(schemas: list[tuple[Path, str]]) -> dict[str, dict[str, Facets]]:
    """Per complex type key ("ns|Name", as hub.ijw.structure names them): the facets of its simple children."""
    named: dict[str, Facets] = {}
    trees = [(etree.parse(str(path)).getroot(), ns) for path, ns in schemas]
    for root, ns in trees:
        for simple in root.iterchildren(f"{XS}simpleType"):
            name = simple.get("name", "")
            named[f"{{{ns}}}{name}"] = replace(_restriction(simple, root.nsmap, named), type=name)
    out: dict[str, dict[str, Facets]] = {}
    for root, ns in trees:
        for ct in root.iter(f"{XS}complexType"):
            children: dict[str, Facets] = {}
            for el in ct.iter(f"{XS}element"):
                inline = el.find(f"{XS}simpleType")
                if inline is not None:
                    children[el.get("name", "")] = _restriction(inline, root.nsmap, named)
                elif (typ := el.get("type")) and (facets := named.get(_qname(typ, root.nsmap))) is not None:
                    children[el.get("name", "")] = facets
            out[f"{ns}|{ct.get('name')}"] = children
    return out


@cache
def facets_of(bericht: str) -> dict[str, dict[str, Facets]]:
    basis = (SCHEMA_DIR / "basisschema.xsd", BASIS_NS)
    if is_gi(bericht):
        return _element_facets([basis, (GI_BASISSCHEMA, GI_BASIS_NS), (schema_path(bericht), gi_ns(bericht))])
    return _element_facets([basis, (SCHEMA_DIR / f"{bericht.lower()}.xsd", message_ns(bericht))])


# ---- the maximal value of an element -------------------------------------------------------------------

# LDT_Nummer identifies a toewijzing: the story's two numbers stay two, and the same in every message.
NUMMERS = {SPECIFIEK[0]: 999_999_999, ASPECIFIEK[0]: 999_999_998}
# Padding that keeps a value valid where it can: "." is noise to the jeugdregio comparison (GB031).
PADDING = (".", "X", "9", "A")
# Restricted by each message XSD to its one value.
FIXED_VALUE = {"LDT_BerichtCode", "LDT_BerichtVersie", "LDT_BerichtSubversie"}


def _langste(value: str, f: Facets, unbounded: int) -> str:
    """`value` padded at its end to the maximal length, the same wherever it occurs (so references match)."""
    lengte = unbounded if f.max_length is None else f.max_length
    if f.type == "LDT_Versie":  # (0|[1-9][0-9]*) three times: lengthen the first number, 1.0.0 to 100..0.0.0
        return value[0] + "0" * (lengte - len(value)) + value[1:]
    for pad in PADDING:
        padded = value + pad * (lengte - len(value))
        if all(re.fullmatch(p, padded) for p in f.patterns):  # these patterns use no XSD-only syntax
            return padded
    return value  # a fixed length ([0-9]{4}, [0-9]{8}, [0-9]{9}): already its longest


def maximaal(value: Any, f: Facets, unbounded: int = UNBOUNDED) -> Any:
    """The element's value at its XSD maximum: what a column or field fed from it must hold."""
    if f.type in FIXED_VALUE or f.enumeration or f.type in {"date", "time", "LDT_Datum", "LDT_Tijd"}:
        return value
    if f.max_inclusive is not None:
        return NUMMERS.get(int(value), f.max_inclusive) if f.type == "LDT_Nummer" else f.max_inclusive
    if f.total_digits is not None:
        return Decimal("9" * f.total_digits)  # LDT_Fte: 6 digits, none of them decimals
    if isinstance(value, str):
        return _langste(value, f, unbounded)
    return value
