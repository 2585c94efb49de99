"""Read a schema-valid iJw message (a `Doc`) into its typed model.

Hot path, so every value is read from the children-by-name map that the Doc made in its one walk over the
tree; no XPath, no repeated child searches, no second pass over the tags. The tables of extract_klassen say
which element fills which field; extract_read compiles them into readers that turn a class into a plain
dict of its fields, and the message's model is made from them in one `model_validate` call: pydantic 2 then
builds every nested model in its compiled core, which costs a fraction of one constructor call per class (a
JW301 has some 40 classes), and strict mode still checks every type. Absent optional elements are left out
of the dicts, so their fields take the model's defaults (None, or an empty tuple).
"""

from __future__ import annotations

from pydantic import BaseModel

from hub.ijw import extract_klassen as k
from hub.ijw.doc import Doc
from hub.ijw.extract_read import ExtractError, Reader, bericht, validated
from hub.ijw.models import (
    Bericht,
    Jw301,
    Jw302,
    Jw305,
    Jw306,
    Jw307,
    Jw308,
    Jw315,
    Jw316,
    Jw317,
    Jw318,
    Jw319,
    Jw320,
    Jw323,
    Jw325,
)

__all__ = ["ExtractError", "extract"]


# Each message type's model, and the reader of its root element's children.
_BERICHTEN: dict[str, tuple[type[BaseModel], Reader]] = {
    "JW301": bericht(Jw301, Header=k.HEADER, Client=k.TOEWIJZING_CLIENT),
    "JW302": bericht(Jw302, Header=k.RETOUR_HEADER, Client=k.TOEWIJZING_CLIENT),
    "JW305": bericht(Jw305, Header=k.HEADER, Client=k.START_CLIENT),
    "JW306": bericht(Jw306, Header=k.RETOUR_HEADER, Client=k.START_CLIENT),
    "JW307": bericht(Jw307, Header=k.HEADER, Client=k.STOP_CLIENT),
    "JW308": bericht(Jw308, Header=k.RETOUR_HEADER, Client=k.STOP_CLIENT),
    "JW315": bericht(Jw315, Header=k.HEADER, Client=k.VERZOEK_TOEWIJZING_CLIENT),
    "JW316": bericht(Jw316, Header=k.RETOUR_HEADER, Client=k.VERZOEK_TOEWIJZING_CLIENT),
    "JW317": bericht(Jw317, Header=k.HEADER, Client=k.VERZOEK_WIJZIGING_CLIENT),
    "JW318": bericht(Jw318, Header=k.RETOUR_HEADER, Client=k.VERZOEK_WIJZIGING_CLIENT),
    "JW319": bericht(Jw319, Header=k.HEADER, Antwoord=k.ANTWOORD),
    "JW320": bericht(Jw320, Header=k.RETOUR_HEADER, Antwoord=k.ANTWOORD),
    "JW323": bericht(Jw323, Header=k.HEADER, Declaratie=k.DECLARATIE),
    "JW325": bericht(Jw325, Header=k.DECLARATIE_ANTWOORD_HEADER, DeclaratieAntwoord=k.DECLARATIE_ANTWOORD),
}


def extract(doc: Doc) -> Bericht:
    """The typed model of a schema-valid message; raises ExtractError only when the XSD check was skipped."""
    model, read = _BERICHTEN[doc.bericht]
    # validated() returns the model given, typed BaseModel here; every model of _BERICHTEN is a Bericht.
    return validated(model, read(doc.kids_map, doc.root))  # type: ignore[return-value]
