"""The one parser: untrusted bytes in, an iJw message tree out, or `BerichtUnreadable` with a clear reason.

Hardened: no DTD, no entity expansion, no network, no file access, bounded size and depth. iJw messages
never carry a DOCTYPE, so any document that declares one is refused before its entities can matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from hub.errors import BerichtUnreadable
from hub.ijw.catalog import BERICHTEN, BY_NS, BerichtInfo

DEFAULT_MAX_BYTES = (
    25 * 1024 * 1024
)  # OP179: files up to 25 MB must be accepted (25 MiB covers either reading)
DEFAULT_MAX_DEPTH = 32  # iJw trees are at most 9 deep; a generous bound against nesting bombs


@dataclass(frozen=True, slots=True)
class ParseLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        collect_ids=False,
        # A value is its text content as the XSD and the XSLT read it: `<Bsn>1234<!-- x -->56782</Bsn>` is
        # 123456782, so comments and processing instructions go and the text around them is joined.
        remove_comments=True,
        remove_pis=True,
    )


_PARSER = _parser()
# iJw elements have no attributes (messages.md; xsi:* aside) and libxml2's XSD check logs an error of about a
# kilobyte for each one: eight bytes of `a1="x"` per error would let a 25 MB message cost gigabytes. Beyond this
# many, the message is refused as unsafe in one line; a few stray ones are left to the XSD to report.
MAX_ATTRIBUTES = 100
_EQUALS_AS_0X3D = re.compile(r"(?i)(utf-?8|utf-?16|utf-?32|us-ascii|ascii|iso-?8859|latin|windows-125|cp125)")
# Only the four attributes XML Schema itself defines are left to the XSD: any other xsi:* name is as foreign
# as one without a namespace, and libxml2 logs it the same way.
_ATTRIBUTES = etree.XPath(
    "count(//@*[not(namespace-uri() = 'http://www.w3.org/2001/XMLSchema-instance' and "
    "(local-name() = 'type' or local-name() = 'nil' or local-name() = 'schemaLocation' or "
    "local-name() = 'noNamespaceSchemaLocation'))])"
)
_DEFAULT_LIMITS = ParseLimits()
_DEPTH_PROBES: dict[int, etree.XPath] = {}


def too_deep(root: etree._Element, max_depth: int) -> bool:
    """An element deeper than `max_depth` levels (the root is level 1)."""
    probe = _DEPTH_PROBES.get(max_depth)
    if probe is None:
        # True when an element exists at depth max_depth + 1; evaluated in C.
        probe = _DEPTH_PROBES[max_depth] = etree.XPath("boolean(/" + "*/" * max_depth + "*)")
    return bool(probe(root))


@dataclass(frozen=True, slots=True)
class Parsed:
    root: etree._Element
    info: BerichtInfo


def too_deep_error(max_depth: int) -> BerichtUnreadable:
    return BerichtUnreadable(f"elements nested deeper than {max_depth} levels")


def parse_bericht(data: bytes, limits: ParseLimits | None = None, *, check_depth: bool = True) -> Parsed:
    """Parse and identify a message by its root namespace; raises BerichtUnreadable (rule `XML`).

    With check_depth=False the caller bounds the depth itself, before anything recursive walks the tree
    (the Validator does, and so skips a walk over every element that it makes anyway).
    """
    limits = limits or _DEFAULT_LIMITS
    if not data or data.isspace():  # isspace() stops at the first other byte; strip() would copy it all
        raise BerichtUnreadable("empty input: expected an iJw XML message")
    if len(data) > limits.max_bytes:
        raise BerichtUnreadable(
            f"message of {len(data)} bytes exceeds the size limit of {limits.max_bytes} bytes"
        )
    try:
        # A fresh parser per call would be slower; lxml parsers are not shared across threads here.
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        # msg, not str(exc): that adds "(<string>, line N)", a third mention of a line the sender cannot open.
        raise BerichtUnreadable(f"not well-formed XML: {_clean(exc.msg or str(exc))}") from None
    except (ValueError, TypeError, LookupError) as exc:
        raise BerichtUnreadable(f"unreadable input: {_clean(str(exc))}") from None
    tree = root.getroottree()
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise BerichtUnreadable("a DOCTYPE is not allowed in an iJw message (DTDs and entities are refused)")
    # Every attribute has its "=", the byte 0x3D in the encodings iJw is sent in (UTF-8, and UTF-16 or a Latin
    # one that libxml2 reads too): counting those bytes spares the tree walk for every ordinary message. In
    # any other encoding (EBCDIC, say) the attributes are counted in the tree.
    encoding = docinfo.encoding
    if data.count(b"=") > MAX_ATTRIBUTES or (
        encoding != "UTF-8" and not _EQUALS_AS_0X3D.match(encoding or "")
    ):
        attributes = int(_ATTRIBUTES(root))  # count() is a number
        if attributes > MAX_ATTRIBUTES:
            raise BerichtUnreadable(
                f"{attributes} attributes, while iJw elements have none (besides xsi:type, nil and "
                "schemaLocation): refused unread"
            )
    if check_depth and too_deep(root, limits.max_depth):
        raise too_deep_error(limits.max_depth)
    return Parsed(root, identify(root))


def identify(root: etree._Element) -> BerichtInfo:
    """The message type from the root namespace; BerichtCode names the type when the namespace is foreign."""
    qname = etree.QName(root)
    info = BY_NS.get(qname.namespace or "")
    if info is not None and qname.localname == "Bericht":
        return info
    code = root.findtext("{*}Header/{*}BerichtCode")
    named = next((b.bericht for b in BERICHTEN.values() if b.code == (code or "").strip()), None)
    hint = f" (BerichtCode {code.strip()} is {named} in iJw 3.2)" if code and named else ""
    raise BerichtUnreadable(
        f"not an iJw 3.2 message: root element {qname.localname!r} in namespace {qname.namespace or 'none'!r}{hint}"
    )


def _clean(text: str) -> str:
    return " ".join(text.split())[:300]
