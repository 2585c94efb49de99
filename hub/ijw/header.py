"""The header fields of a message that is not XSD-valid, read as far as they can be, for its audit record.

Track and trace shows such a message to its sender (found by the Afzender), and its Identificatie is a
correlation field of the logs; both are read without trusting the message any further.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from hub.ijw.catalog import BY_NS
from hub.ijw.parse import ParseLimits

IDENTIFICATIE_MAX = 12  # the maxLength of LDT_IdentificatieBericht
CODE_MAX = 8  # Afzender and Ontvanger are an LDT_Gemeente (4 digits) or an LDT_AgbCode (8 digits)
# The header comes first: the message is read in pieces and no further than its end, so a body that is not
# well-formed still yields it, and a large message (the dead-letter path) costs a header's worth of tree.
_PIECE = 16 * 1024


@dataclass(frozen=True, slots=True)
class LeesbareHeader:
    afzender: str | None = None
    ontvanger: str | None = None
    identificatie: str | None = None


def leesbare_header(raw: bytes, limits: ParseLimits) -> LeesbareHeader:
    """Afzender, Ontvanger and Identificatie of a message that is not XSD-valid, when its header can be read."""
    if len(raw) > limits.max_bytes:
        return LeesbareHeader()
    header = _header(raw, limits.max_depth)
    if header is None:
        return LeesbareHeader()

    def text(path: str) -> str | None:
        return (header.findtext(path) or "").strip() or None

    return LeesbareHeader(
        _code(text("{*}Afzender")),
        _code(text("{*}Ontvanger")),
        _identificatie(text("{*}BerichtIdentificatie/{*}Identificatie")),
    )


def _header(raw: bytes, max_depth: int) -> etree._Element | None:
    """The Header element of an iJw message's root, complete and no deeper than the parser allows, or None."""
    parser = etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    depth = 0
    for at in range(0, len(raw), _PIECE):
        try:
            parser.feed(raw[at : at + _PIECE])
            failed = False
        except (etree.XMLSyntaxError, ValueError, TypeError, LookupError):
            failed = True  # what was read before the error still counts: the header may be whole
        for event, element in parser.read_events():
            depth += 1 if event == "start" else -1
            if depth > max_depth:
                return None
            # A DOCTYPE is refused as the hardened parser refuses it (hub.ijw.parse), in any encoding: it comes
            # before the root, so the tree knows it by the root's start.
            if event == "start" and depth == 1 and (_declares_a_dtd(element) or not _ijw_root(element)):
                return None
            if event == "end" and depth == 1:
                return element if etree.QName(element).localname == "Header" else None
        if failed:
            return None
    return None


def _declares_a_dtd(root: etree._Element) -> bool:
    docinfo = root.getroottree().docinfo
    return bool(docinfo.doctype) or docinfo.internalDTD is not None


def _ijw_root(element: etree._Element) -> bool:
    name = etree.QName(element)
    return name.localname == "Bericht" and (name.namespace or "") in BY_NS


def _code(value: str | None) -> str | None:
    """A gemeente or AGB code as its types allow it (at most 8 digits), else None: no free text gets through."""
    if value is None or len(value) > CODE_MAX or not (value.isascii() and value.isdigit()):
        return None
    return value


def _identificatie(value: str | None) -> str | None:
    """An Identificatie as its type allows it (LDT_IdentificatieBericht: at most 12 characters), else None.

    It goes into the log lines and the audit row of a message that is not XSD-valid, where free text beyond its
    type (a name, a BSN, megabytes) would otherwise land as sent.
    """
    if value is None or len(value) > IDENTIFICATIE_MAX or not value.isprintable():
        return None
    return value
