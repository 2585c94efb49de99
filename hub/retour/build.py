"""The one place that builds retourberichten (JW302/306/308/316/318/320) and the JW325 answer on a JW323.

The shape follows the control level that failed (rules.md section 1, process.md section 5):
accepted: Header 0200 | level 2: Header only, 0001 and XsltVersie | level 3/4 on the Header: Header only with
the codes | level 3/4 on a class: Header 0200 and the client copied with RetourCodes on every berichtklasse
(its own codes, 0200 where nothing is wrong, 0233 below a rejected class).
"""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from lxml import etree

from hub import __version__
from hub.gi.ack import build_ontvangstbevestiging, ontvangst_identificatie
from hub.gi.catalog import HEENBERICHTEN as GI_HEENBERICHTEN
from hub.ijw.catalog import BASIS_NS, BERICHTEN, RETOUR_KLASSEN, XSD_VERSION, BerichtInfo
from hub.ijw.doc import Doc, Element, child, children, text
from hub.rules.registry import Level, Violation
from hub.validate import Verdict

GEEN_OPMERKING = "0200"
NIET_BEOORDEELD = "0233"
TECHNISCH_AFGEKEURD = "0001"
VOLLEDIG_TOEGEKEND = "8001"
VALIDATOR_VERSIE = __version__  # goes into XsltVersie: our in-message validation stands in for the XSLT


def retour_identificatie(doc: Doc, inhoud: str | None = None) -> str:
    """A stable 12-character IdentificatieRetour: a redelivered message gets the same retour.

    `inhoud`, the message's content hash, tells apart two messages under one Identificatie (the second gets
    TR056): their retouren must not share an identification, or a backoffice that keeps one retour per
    identification drops the rejection.
    """
    key = f"{doc.bericht}|{doc.afzender}|{doc.ontvanger}|{doc.identificatie}|{doc.dagtekening}" + (
        f"|{inhoud}" if inhoud else ""
    )
    # Base32 turns each 5 bytes into 8 characters on their own, so 10 bytes give the same first 11 as all 32.
    return "R" + base64.b32encode(hashlib.sha256(key.encode()).digest()[:10]).decode()[:11]


def build_retour(
    verdict: Verdict, *, dagtekening: date, identificatie: str | None = None, inhoud: str | None = None
) -> bytes | None:
    """The retourbericht for a verdict, or None where the standard sends none (XSD errors, retouren, JW325).

    `inhoud`: the content hash of the message (hub.store.audit.content_hash), part of the IdentificatieRetour.
    """
    doc, info = verdict.doc, verdict.info
    if doc is None or info is None or info.retour is None:
        return None
    if info.bericht in GI_HEENBERICHTEN:  # the hub's own GI messages get the uniform Ontvangstbevestiging
        return build_ontvangstbevestiging(
            verdict, dagtekening, identificatie or ontvangst_identificatie(doc, inhoud)
        )
    retour = BERICHTEN[info.retour]
    ident = identificatie or retour_identificatie(doc, inhoud)
    if retour.bericht == "JW325":
        root = _declaratie_antwoord(doc, verdict, retour, ident, dagtekening)
    else:
        codes, klasse_codes, xslt = _shape(verdict)
        if klasse_codes is None:
            written = _header_only(doc, retour, ident, dagtekening, codes, xslt=xslt)
            if written is not None:
                return written
        root = _retour(doc, retour, ident, dagtekening, codes, xslt=xslt, klasse_codes=klasse_codes)
    return _serialize(root, retour)


def _serialize(root: Element, retour: BerichtInfo) -> bytes:
    etree.cleanup_namespaces(root, top_nsmap={"ijw": BASIS_NS, retour.bericht.lower(): retour.ns})
    for el in root.iter():  # drop the heenbericht's indentation so pretty_print can lay the retour out
        el.tail = None
        if len(el):
            el.text = None
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _shape(verdict: Verdict) -> tuple[list[str], dict[Element, list[str]] | None, bool]:
    """The Header's codes; the codes per class if the client follows (else None); whether XsltVersie goes."""
    header_codes, klasse_codes = _split(verdict.errors)
    if verdict.level == Level.XSLT:
        return [TECHNISCH_AFGEKEURD], None, True
    if header_codes:
        return header_codes, None, False
    return [GEEN_OPMERKING], klasse_codes or None, False


def _retour(
    doc: Doc,
    retour: BerichtInfo,
    ident: str,
    dagtekening: date,
    codes: list[str],
    *,
    xslt: bool,
    klasse_codes: dict[Element, list[str]] | None,
) -> Element:
    """The retour as a tree; with `klasse_codes` the client (or Antwoord) follows, codes on each class."""
    root = etree.Element(
        f"{{{retour.ns}}}Bericht", nsmap={"ijw": BASIS_NS, retour.bericht.lower(): retour.ns}
    )
    root.append(_retour_header(doc, retour, ident, dagtekening, codes, xslt=xslt))
    if klasse_codes is not None:
        klassen = RETOUR_KLASSEN[retour.bericht]
        top = doc.first(klassen[0])
        if top is not None:
            root.append(_copy_with_codes(top, doc.info.ns, retour.ns, klassen, klasse_codes, doc))
    return root


# --- the header-only retour, written directly ------------------------------------------------------
# Most retouren are a Header only. Writing that text straight from the heenbericht's Header gives the very
# bytes that building the tree with lxml and serializing it gives, at a fraction of the cost (lxml spends
# more on making each element than on the rest). Only Headers of plain elements in the message and
# basisschema namespaces take this road; anything else (a comment, an attribute) takes the tree's.


@dataclass(frozen=True, slots=True)
class _Frame:
    """What a Header-only retour writes the same for every heenbericht of one type: made once per pair."""

    head: str  # the XML declaration, the root element and the Header's start tag
    prefixes: dict[str, str]  # namespace -> prefix of the elements copied from the heenbericht
    code_tag: str  # the heenbericht's BerichtCode, which the retour's own code replaces
    code_line: str
    p: str  # the retour's prefix
    xsd_versie: str  # XsdVersieRetour, a constant


_FRAMES: dict[tuple[str, str], _Frame] = {}


def _frame(heen_ns: str, retour: BerichtInfo) -> _Frame:
    frame = _FRAMES.get((heen_ns, retour.bericht))
    if frame is None:
        p = retour.bericht.lower()
        frame = _FRAMES[(heen_ns, retour.bericht)] = _Frame(
            head="\n".join(
                (
                    "<?xml version='1.0' encoding='UTF-8'?>",
                    f'<{p}:Bericht xmlns:ijw="{BASIS_NS}" xmlns:{p}="{retour.ns}">',
                    f"  <{p}:Header>",
                )
            ),
            prefixes={heen_ns: p, BASIS_NS: "ijw"},
            code_tag=f"{{{heen_ns}}}BerichtCode",
            code_line=f"    <{p}:BerichtCode>{_escape(retour.code)}</{p}:BerichtCode>",
            p=p,
            xsd_versie="\n".join(
                (
                    f"    <{p}:XsdVersieRetour>",
                    f"      <ijw:BasisschemaXsdVersie>{_escape(XSD_VERSION)}</ijw:BasisschemaXsdVersie>",
                    f"      <ijw:BerichtXsdVersie>{_escape(XSD_VERSION)}</ijw:BerichtXsdVersie>",
                    f"    </{p}:XsdVersieRetour>",
                )
            ),
        )
    return frame


def _header_only(
    doc: Doc, retour: BerichtInfo, ident: str, dagtekening: date, codes: list[str], *, xslt: bool
) -> bytes | None:
    """The Header-only retour as lxml writes it (pretty printed, UTF-8); None for a Header not plain."""
    heen_header = doc.first("Header")
    assert heen_header is not None  # schema-valid messages always have one
    frame = _frame(doc.info.ns, retour)
    p = frame.p
    out = [frame.head]
    code_tag, prefixes = frame.code_tag, frame.prefixes
    for el in heen_header:
        if el.tag == code_tag and len(el) == 0 and not el.keys():
            out.append(frame.code_line)
        elif not _write_plain(out, el, "    ", prefixes):
            return None
    _leaf(out, "    ", f"{p}:IdentificatieRetour", ident)
    _leaf(out, "    ", f"{p}:DagtekeningRetour", dagtekening.isoformat())
    if xslt:
        _leaf(out, "    ", f"{p}:XsltVersie", VALIDATOR_VERSIE)
    out.append(frame.xsd_versie)
    if codes:
        out.append(f"    <{p}:RetourCodes>")
        for code in codes:
            _leaf(out, "      ", f"{p}:RetourCode", code)
        out.append(f"    </{p}:RetourCodes>")
    else:
        out.append(f"    <{p}:RetourCodes/>")
    out.append(f"  </{p}:Header>")
    out.append(f"</{p}:Bericht>\n")
    return "\n".join(out).encode()


def _write_plain(out: list[str], el: Element, indent: str, prefixes: dict[str, str]) -> bool:
    """Write `el` and its subtree; False when something in it is not a plain element of these namespaces."""
    tag = el.tag
    if not isinstance(tag, str) or not tag.startswith("{") or el.keys():
        return False
    ns, _, name = tag[1:].partition("}")
    prefix = prefixes.get(ns)
    if prefix is None:
        return False
    if not len(el):
        _leaf(out, indent, f"{prefix}:{name}", el.text)
        return True
    out.append(f"{indent}<{prefix}:{name}>")  # the text of an element with children is indentation: dropped
    inner = indent + "  "
    for c in el:
        if not _write_plain(out, c, inner, prefixes):
            return False
    out.append(f"{indent}</{prefix}:{name}>")
    return True


def _leaf(out: list[str], indent: str, qname: str, value: str | None) -> None:
    if value is None:
        out.append(f"{indent}<{qname}/>")
    else:
        out.append(f"{indent}<{qname}>{_escape(value)}</{qname}>")


def _escape(value: str) -> str:
    """Text content escaped as libxml2 escapes it."""
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    return value


def _split(errors: Iterable[Violation]) -> tuple[list[str], dict[Element, list[str]]]:
    """Retourcodes on the Header, and per berichtklasse element; each list without repeats, in order."""
    header: list[str] = []
    per_klasse: dict[Element, list[str]] = {}
    for v in errors:
        if v.retourcode is None:
            continue
        target = header if v.klasse is None else per_klasse.setdefault(v.klasse, [])
        if v.retourcode not in target:
            target.append(v.retourcode)
    return header, per_klasse


def _el(parent: Element, ns: str, name: str, value: object | None = None) -> Element:
    el = etree.SubElement(parent, f"{{{ns}}}{name}")
    if value is not None:
        el.text = str(value)
    return el


def _copy_into(parent: Element, source: Element, old_ns: str, new_ns: str) -> Element:
    """Append a copy of `source` with its message-namespace elements moved to the retour's namespace."""
    dup = copy.deepcopy(source)
    for el in dup.iter():
        if isinstance(el.tag, str) and el.tag.startswith(f"{{{old_ns}}}"):
            el.tag = f"{{{new_ns}}}{el.tag[len(old_ns) + 2 :]}"
    parent.append(dup)
    return dup


def _codes(parent: Element, ns: str, codes: Iterable[str]) -> None:
    wrapper = _el(parent, ns, "RetourCodes")
    for code in codes:
        _el(wrapper, ns, "RetourCode", code)


def _xsd_versie(parent: Element, ns: str, name: str) -> None:
    versie = _el(parent, ns, name)
    _el(versie, BASIS_NS, "BasisschemaXsdVersie", XSD_VERSION)
    _el(versie, BASIS_NS, "BerichtXsdVersie", XSD_VERSION)


def _retour_header(
    doc: Doc, retour: BerichtInfo, ident: str, dagtekening: date, codes: list[str], *, xslt: bool
) -> Element:
    heen_header = doc.first("Header")
    assert heen_header is not None  # schema-valid messages always have one
    header = etree.Element(f"{{{retour.ns}}}Header")
    for el in heen_header:
        dup = _copy_into(header, el, doc.info.ns, retour.ns)
        if dup.tag == f"{{{retour.ns}}}BerichtCode":
            dup.text = retour.code
    _el(header, retour.ns, "IdentificatieRetour", ident)
    _el(header, retour.ns, "DagtekeningRetour", dagtekening.isoformat())
    if xslt:
        _el(header, retour.ns, "XsltVersie", VALIDATOR_VERSIE)
    _xsd_versie(header, retour.ns, "XsdVersieRetour")
    _codes(header, retour.ns, codes)
    return header


def _copy_with_codes(
    top: Element,
    old_ns: str,
    new_ns: str,
    klassen: tuple[str, ...],
    klasse_codes: dict[Element, list[str]],
    doc: Doc,
) -> Element:
    holder = etree.Element("holder")
    dup = _copy_into(holder, top, old_ns, new_ns)
    mirror = dict(zip(top.iter(), dup.iter(), strict=True))
    klasse_set = {el for path in klassen for el in doc.all(path)}
    # Deepest classes first, so a class's RetourCodes follow those of the classes inside it.
    for path in sorted(klassen, key=lambda p: -p.count("/")):
        for el in doc.all(path):
            _codes(mirror[el], new_ns, _codes_for(el, klasse_set, klasse_codes))
    holder.remove(dup)
    return dup


def _codes_for(el: Element, klassen: set[Element], klasse_codes: dict[Element, list[str]]) -> list[str]:
    own = klasse_codes.get(el)
    if own:
        return own
    parent = el.getparent()
    while parent is not None:
        if parent in klassen and klasse_codes.get(parent):
            return [NIET_BEOORDEELD]
        parent = parent.getparent()
    return [GEEN_OPMERKING]


def _declaratie_antwoord(
    doc: Doc, verdict: Verdict, retour: BerichtInfo, ident: str, dagtekening: date
) -> Element:
    """JW325 on a JW323 (process.md 5.3): totals and only the rejected Prestaties."""
    ns = retour.ns
    root = etree.Element(f"{{{ns}}}Bericht", nsmap={"ijw": BASIS_NS, "jw325": ns})
    level = verdict.level
    header_codes, klasse_codes = _split(verdict.errors)
    codes = [TECHNISCH_AFGEKEURD] if level == Level.XSLT else header_codes or [GEEN_OPMERKING]
    header = _el(root, ns, "Header")
    for name, value in (("BerichtCode", retour.code), ("BerichtVersie", "3"), ("BerichtSubversie", "2")):
        _el(header, ns, name, value)
    _el(header, ns, "Afzender", doc.ontvanger)
    _el(header, ns, "Ontvanger", doc.afzender)
    bi = _el(header, ns, "BerichtIdentificatie")
    _el(bi, BASIS_NS, "Identificatie", ident)
    _el(bi, BASIS_NS, "Dagtekening", dagtekening.isoformat())
    _xsd_versie(header, ns, "XsdVersie")
    heen_bi = doc.first("Header/BerichtIdentificatie")
    heen_xsd = doc.first("Header/XsdVersie")
    assert heen_bi is not None and heen_xsd is not None
    _copy_into(header, heen_bi, doc.info.ns, ns).tag = f"{{{ns}}}DeclaratieIdentificatie"
    if level == Level.XSLT:
        _el(header, ns, "XsltVersie", VALIDATOR_VERSIE)
    _copy_into(header, heen_xsd, doc.info.ns, ns).tag = f"{{{ns}}}XsdVersieDeclaratie"
    _codes(header, ns, codes)
    if level != Level.XSLT and not header_codes:
        declaratie = doc.first("Declaratie")
        assert declaratie is not None
        root.append(_antwoord_body(declaratie, doc.info.ns, ns, klasse_codes))
    return root


def _signed(bedrag: Element | None, amount: str, dc: str) -> int:
    value = int(text(bedrag, amount) or 0)
    return -value if text(bedrag, dc) == "C" else value


def _totaal(parent: Element, ns: str, name: str, value: int) -> None:
    totaal = _el(parent, ns, name)
    _el(totaal, BASIS_NS, "TotaalBedrag", abs(value))
    _el(totaal, BASIS_NS, "DebetCredit", "C" if value < 0 else "D")


def _antwoord_body(
    declaratie: Element, old_ns: str, ns: str, klasse_codes: dict[Element, list[str]]
) -> Element:
    antwoord = etree.Element(f"{{{ns}}}DeclaratieAntwoord")
    _el(antwoord, ns, "DeclaratieNummer", text(declaratie, "DeclaratieNummer"))
    ingediend = _signed(child(declaratie, "TotaalIngediendBedrag"), "TotaalBedrag", "DebetCredit")
    _totaal(antwoord, ns, "TotaalIngediendBedrag", ingediend)
    own = klasse_codes.get(declaratie)
    if own:  # the whole declaration is rejected (e.g. TR333): nothing granted
        _totaal(antwoord, ns, "TotaalToegekendBedrag", 0)
        _codes(antwoord, ns, own)
        return antwoord
    afgewezen = 0
    clienten = etree.Element(f"{{{ns}}}Clienten")
    for client in children(child(declaratie, "Clienten"), "Client"):
        client_codes = klasse_codes.get(client)
        prestaties = children(child(client, "Prestaties"), "Prestatie")
        returned = [p for p in prestaties if client_codes or klasse_codes.get(p)]
        if not returned:
            continue
        out = _el(clienten, ns, "Client")
        _el(out, ns, "Bsn", text(client, "Bsn"))
        holder = _el(out, ns, "Prestaties")
        for p in returned:
            afgewezen += _signed(child(p, "IngediendBedrag"), "Bedrag", "DebetCredit")
            _codes(
                _copy_into(holder, p, old_ns, ns), ns, [NIET_BEOORDEELD] if client_codes else klasse_codes[p]
            )
        _codes(out, ns, client_codes or [GEEN_OPMERKING])
    _totaal(antwoord, ns, "TotaalToegekendBedrag", ingediend - afgewezen)
    if len(clienten):
        antwoord.append(clienten)
        _codes(antwoord, ns, [GEEN_OPMERKING])
    else:
        _codes(antwoord, ns, [VOLLEDIG_TOEGEKEND])
    return antwoord
