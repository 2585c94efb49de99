"""Write a GI message from a nested spec, in schema order and with the right namespaces.

The same spec format as hub/synth/build.py (dicts per complex element, lists for repeats, None = absent),
so `hub.synth.build.edit` works on GI specs too; only the structure and namespaces are the GI ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from lxml import etree

from hub.gi.catalog import BERICHT_SUBVERSIE, BERICHT_VERSIE, GI_BASIS_NS, GI_BERICHTEN, GI_XSD_VERSION, gi_ns
from hub.gi.structure import gi_structure
from hub.ijw.catalog import BASIS_NS
from hub.synth.build import Spec, fill


def nsmap(bericht: str) -> dict[str | None, str]:
    """The prefixes the hub writes: ijw for the iJw basisschema, gi for the GI one, giNNN for the message."""
    return {"ijw": BASIS_NS, "gi": GI_BASIS_NS, bericht.lower(): gi_ns(bericht)}


def to_tree(bericht: str, spec: Mapping[str, Any]) -> etree._Element:
    st = gi_structure(bericht)
    root = etree.Element(f"{{{gi_ns(bericht)}}}Bericht", nsmap=nsmap(bericht))
    fill(root, spec, st.root_type, st)
    return root


def to_xml(bericht: str, spec: Mapping[str, Any]) -> bytes:
    """The message as UTF-8 bytes with an XML declaration."""
    return etree.tostring(to_tree(bericht, spec), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def xsd_versie() -> Spec:
    """The XsdVersie the hub writes: the version in the appinfo of schemas/gi/*.xsd."""
    return {"BasisschemaXsdVersie": GI_XSD_VERSION, "BerichtXsdVersie": GI_XSD_VERSION}


def header(bericht: str, *, dagtekening: date, identificatie: str, gi: str, gemeente: str) -> Spec:
    """The Header of a GI message; a GI sends GI001-GI003, the hub (for the gemeente) sends GI102."""
    info = GI_BERICHTEN[bericht]
    afzender, ontvanger = (gemeente, gi) if info.afzender == "gemeente" else (gi, gemeente)
    return {
        "BerichtCode": info.code,
        "BerichtVersie": BERICHT_VERSIE,
        "BerichtSubversie": BERICHT_SUBVERSIE,
        "Afzender": afzender,
        "Ontvanger": ontvanger,
        "BerichtIdentificatie": {"Identificatie": identificatie, "Dagtekening": dagtekening},
        "XsdVersie": xsd_versie(),
    }
