"""The one Ontvangstbevestiging (GI101) that answers GI001, GI002 and GI003 (docs/gi-berichten.md 4.1).

Like an iJw retour, the Header echoes the received Header (BerichtCode 911) with the answer's own identity and
RetourCodes; unlike it, every error is listed with its rule code, location and text, and every part of the
message (Bepaling, Maatregel, Capaciteit) is listed with its own verdict:

accepted: 0200 on the Header and every part | level 2: 0001 on the Header, 0001 on each part with errors and
0233 (not judged) on the others | level 3 on the Header (GB101): its code there, the rule's code on a part a
level-3 rule rejects too and 0233 on the others | level 3 on parts only: 0200 on the Header, the rule's code on
each rejected part and 0200 on the accepted ones.
Errors outside a part go in Header/Fouten, errors of a part in its own Fouten: together, every error once.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Iterable
from datetime import date

from lxml import etree

from hub.gi.build import nsmap
from hub.gi.catalog import (
    GI_BASIS_NS,
    GI_BERICHTEN,
    GI_XSD_VERSION,
    HEENBERICHTEN,
    ONDERDELEN,
    ONTVANGSTBEVESTIGING,
)
from hub.gi.codes import AFGEKEURD, GEEN_OPMERKING, NIET_BEOORDEELD, REGELCODES
from hub.ijw.catalog import BASIS_NS
from hub.ijw.doc import Doc, Element, child, locatie, raw
from hub.rules.registry import Level, Violation
from hub.validate import Verdict

MAX_TEKST = 500  # LDT_Tekst
MAX_LOCATIE = 300  # LDT_Locatie

# The identifying elements each part echoes, in the GI101 order.
SLEUTELS: dict[str, tuple[str, ...]] = {
    "GI001": ("BepalingId", "StatusAanlevering"),
    "GI002": ("MaatregelId",),
    "GI003": ("Jeugdregio", "Peildatum"),
}


def ontvangst_identificatie(doc: Doc, inhoud: str | None = None) -> str:
    """A stable 12-character IdentificatieRetour: a redelivered message gets the same answer, another message
    under the same Identificatie (`inhoud`: its content hash) another one (docs/gi-berichten.md 4.1)."""
    key = f"{doc.bericht}|{doc.afzender}|{doc.ontvanger}|{doc.identificatie}|{doc.dagtekening}" + (
        f"|{inhoud}" if inhoud else ""
    )
    return "G" + base64.b32encode(hashlib.sha256(key.encode()).digest()).decode()[:11]


def build_ontvangstbevestiging(
    verdict: Verdict, dagtekening: date, identificatie: str | None = None
) -> bytes | None:
    """The GI101 answering a GI001/GI002/GI003 verdict; None when there is nothing to answer (not XSD-valid)."""
    doc, info = verdict.doc, verdict.info
    if doc is None or info is None or info.bericht not in HEENBERICHTEN:
        return None
    ns = GI_BERICHTEN[ONTVANGSTBEVESTIGING].ns
    root = etree.Element(f"{{{ns}}}Bericht", nsmap=nsmap(ONTVANGSTBEVESTIGING))
    onderdelen = doc.all(ONDERDELEN[info.bericht])
    header_fouten, per_onderdeel = _verdeel(verdict.errors, onderdelen)
    afgekeurd = verdict.level == Level.XSLT or bool(header_fouten)
    ident = identificatie or ontvangst_identificatie(doc)
    root.append(_header(doc, ns, ident, dagtekening, _header_codes(verdict, header_fouten), header_fouten))
    wrapper, item = ONDERDELEN[info.bericht].split("/")[-2:]  # the GI101 lists the parts under the same names
    holder = _el(root, ns, wrapper)
    for onderdeel in onderdelen:
        fouten = per_onderdeel.get(onderdeel, [])
        _onderdeel(
            holder, ns, item, onderdeel, SLEUTELS[info.bericht], _onderdeel_codes(fouten, afgekeurd), fouten
        )
    etree.cleanup_namespaces(root, top_nsmap=nsmap(ONTVANGSTBEVESTIGING))
    for el in root.iter():  # drop the heenbericht's indentation so pretty_print can lay the answer out
        el.tail = None
        if len(el):
            el.text = None
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _verdeel(
    errors: Iterable[Violation], onderdelen: list[Element]
) -> tuple[list[Violation], dict[Element, list[Violation]]]:
    """Errors outside any part, and per part: by the rule's klasse, else by the location below the part."""
    prefixes = [(locatie(o) + "/", o) for o in onderdelen]
    known = set(onderdelen)
    header: list[Violation] = []
    per: dict[Element, list[Violation]] = {}
    for v in errors:
        target = v.klasse if v.klasse in known else None
        if target is None and v.location:
            target = next((o for p, o in prefixes if (v.location + "/").startswith(p)), None)
        if target is None:
            header.append(v)
        else:
            per.setdefault(target, []).append(v)
    return header, per


def _unique_codes(errors: Iterable[Violation]) -> list[str]:
    codes: list[str] = []
    for v in errors:
        if v.retourcode and v.retourcode not in codes:
            codes.append(v.retourcode)
    return codes


def _header_codes(verdict: Verdict, header_fouten: list[Violation]) -> list[str]:
    if verdict.level == Level.XSLT:
        return [AFGEKEURD]
    return _unique_codes(header_fouten) or [GEEN_OPMERKING]


def _onderdeel_codes(fouten: list[Violation], afgekeurd: bool) -> list[str]:
    if fouten:
        return _unique_codes(fouten) or [AFGEKEURD]
    return [NIET_BEOORDEELD] if afgekeurd else [GEEN_OPMERKING]


def _el(parent: Element, ns: str, name: str, value: object | None = None) -> Element:
    el = etree.SubElement(parent, f"{{{ns}}}{name}")
    if value is not None:
        el.text = str(value)
    return el


def _codes(parent: Element, ns: str, codes: Iterable[str]) -> None:
    wrapper = _el(parent, ns, "RetourCodes")
    for code in codes:
        _el(wrapper, GI_BASIS_NS, "RetourCode", code)


def _fouten(parent: Element, ns: str, fouten: list[Violation]) -> None:
    """One Fout per finding of a GI rule. The hub's own failure (a dead-lettered message) has no GIC05 code:
    its 0001 stands without a Fout, so the answer stays valid against the GI101 XSD."""
    fouten = [v for v in fouten if v.rule in REGELCODES]
    if not fouten:
        return
    wrapper = _el(parent, ns, "Fouten")
    for v in fouten:
        fout = _el(wrapper, GI_BASIS_NS, "Fout")
        _el(fout, GI_BASIS_NS, "Code", v.rule)
        if v.location:
            _el(fout, GI_BASIS_NS, "Locatie", v.location[:MAX_LOCATIE])
        _el(fout, GI_BASIS_NS, "Tekst", (v.message or v.rule)[:MAX_TEKST])


def _header(
    doc: Doc, ns: str, ident: str, dagtekening: date, codes: list[str], fouten: list[Violation]
) -> Element:
    heen = doc.first("Header")
    assert heen is not None  # schema-valid messages always have one
    header = etree.Element(f"{{{ns}}}Header")
    for el in heen:
        if not isinstance(el.tag, str):
            continue
        dup = copy.deepcopy(el)
        dup.tag = f"{{{ns}}}{etree.QName(el).localname}"  # children of CDTs keep the basisschema namespace
        header.append(dup)
        if etree.QName(el).localname == "BerichtCode":
            dup.text = GI_BERICHTEN[ONTVANGSTBEVESTIGING].code
    _el(header, ns, "BerichtCodeHeenbericht", doc.info.code)
    _el(header, ns, "IdentificatieRetour", ident)
    _el(header, ns, "DagtekeningRetour", dagtekening.isoformat())
    versie = _el(header, ns, "XsdVersieRetour")
    _el(versie, BASIS_NS, "BasisschemaXsdVersie", GI_XSD_VERSION)
    _el(versie, BASIS_NS, "BerichtXsdVersie", GI_XSD_VERSION)
    _codes(header, ns, codes)
    _fouten(header, ns, fouten)
    return header


def _onderdeel(
    holder: Element,
    ns: str,
    item: str,
    onderdeel: Element,
    sleutels: tuple[str, ...],
    codes: list[str],
    fouten: list[Violation],
) -> None:
    out = _el(holder, ns, item)
    for name in sleutels:
        _el(out, ns, name, raw(child(onderdeel, name)))
    _codes(out, ns, codes)
    _fouten(out, ns, fouten)
