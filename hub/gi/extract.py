"""Read a schema-valid GI message (a `Doc`) into its typed model, as hub/ijw/extract.py reads an iJw one.

The tables of extract_klassen say which element fills which field; hub/ijw/extract_read compiles them into
readers and makes the model of what they read. Same contract as iJw: values whitespace-collapsed, blank is
None, and a missing required element means the XSD check was skipped (ExtractError).
"""

from __future__ import annotations

from pydantic import BaseModel

from hub.gi import extract_klassen as k
from hub.gi.models import Gi001, Gi002, Gi003, Gi101, Gi102, GiBericht
from hub.ijw import extract_klassen as ijw
from hub.ijw.doc import Doc
from hub.ijw.extract_read import ExtractError, Many, Reader, bericht, validated

__all__ = ["ExtractError", "extract_gi"]


# Each message type's model, and the reader of its root element's children.
_BERICHTEN: dict[str, tuple[type[BaseModel], Reader]] = {
    "GI001": bericht(Gi001, Header=ijw.HEADER, Client=k.BEPALING_CLIENT),
    "GI002": bericht(Gi002, Header=ijw.HEADER, Client=k.VOORTGANG_CLIENT),
    "GI003": bericht(Gi003, Header=ijw.HEADER, Capaciteiten=k.CAPACITEITEN),
    "GI101": bericht(
        Gi101,
        Header=k.ONTVANGST_HEADER,
        Bepalingen=Many("Bepaling", k.BEPALING_ONTVANGST),
        Maatregelen=Many("Maatregel", k.MAATREGEL_ONTVANGST),
        Capaciteiten=Many("Capaciteit", k.CAPACITEIT_ONTVANGST),
    ),
    "GI102": bericht(Gi102, Header=ijw.HEADER, Statusmelding=k.STATUSMELDING),
}


def extract_gi(doc: Doc) -> GiBericht:
    """The typed model of a schema-valid GI message; raises ExtractError only when the XSD check was skipped."""
    try:
        model, read = _BERICHTEN[doc.bericht]
    except KeyError:
        raise ExtractError(f"{doc.bericht} is not a GI message") from None
    # validated() is typed by its model argument, BaseModel here; every model of _BERICHTEN is a GiBericht.
    return validated(model, read(doc.kids_map, doc.root))  # type: ignore[return-value]
