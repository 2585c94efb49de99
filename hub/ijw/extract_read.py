"""The field readers of extract: how one child element of a berichtklasse fills that class's fields.

A class is read by a table from its child elements' local names to readers (`klasse()` builds one, naming
each field after its element: ToewijzingNummer fills `toewijzing_nummer`). Reading walks the children the
message has, from the children-by-name map the Doc made in its one walk over the tree (`Doc.kids_map`,
passed as `m`), so an absent optional element costs nothing and its field keeps the model's default.
Were a name repeated within a class anyway (repeats sit in wrapper elements), the last one is read.
The value readers keep doc.text()'s contract (whitespace collapsed, blank is None) but collapse with
str.split, which does in C what the regex does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time

from pydantic import BaseModel

from hub.ijw.doc import Element, Kids, local


class ExtractError(ValueError):
    """The tree lacks what its schema guarantees: extract was given a message that was not XSD-checked."""


KidsMap = dict[Element, Kids]
Fields = dict[str, object]  # one class's fields by the model's field names, for model_validate
Read = Callable[[KidsMap, Element, Fields], None]  # reads one child element into its class's fields
Kind = Callable[[str], Read]  # a kind of value, made into the reader of the field it is given
Table = dict[str, Read]  # a berichtklasse: its child elements' local names to their readers
_NO_KIDS: Kids = {}


def field_name(element: str) -> str:
    """The model field an element fills: `ToewijzingNummer` -> `toewijzing_nummer`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", element).lower()


def klasse(model: type[BaseModel], /, **kinds: Kind) -> Table:
    """The table of a class; refuses a field the model lacks (pydantic would drop it without a word)."""
    keys = [kind.keys if isinstance(kind, Flat) else (field_name(name),) for name, kind in kinds.items()]
    unknown = {key for some in keys for key in some} - set(model.model_fields)
    if unknown:
        raise TypeError(f"{model.__name__} has no field(s) {sorted(unknown)}")
    return {name: kind(field_name(name)) for name, kind in kinds.items()}


def _collapse(t: str | None) -> str:
    return " ".join(t.split()) if t else ""


def fields_of(m: KidsMap, el: Element, table: Table) -> Fields:
    """The fields of the class at `el`, read by its table."""
    out: Fields = {}
    get = table.get
    for name, found in m.get(el, _NO_KIDS).items():
        read = get(name)
        if read is not None:
            read(m, found[-1], out)
    return out


# --- values ---------------------------------------------------------------------------------------
# These run for every value, so each is one closure that writes its field, with the text collapsed inline.
# Most values are codes, numbers and names of letters and digits only: isalnum() says so in C, and such a
# text is its own collapsed form.


def text(key: str) -> Read:
    # Blank is schema-valid for the few types without the non-blank pattern (LDT_ReferentieNummer).
    def read(m: KidsMap, el: Element, out: Fields) -> None:
        t = el.text
        out[key] = (t if t.isalnum() else " ".join(t.split())) if t else ""

    return read


def opt_text(key: str) -> Read:
    def read(m: KidsMap, el: Element, out: Fields) -> None:
        t = el.text
        out[key] = (t if t.isalnum() else " ".join(t.split()) or None) if t else None

    return read


def integer(key: str) -> Read:
    def read(m: KidsMap, el: Element, out: Fields) -> None:
        # int() takes the leading zeros, "+" and whitespace that xs:integer allows.
        try:
            out[key] = int(el.text or "")
        except ValueError as exc:
            raise ExtractError(f"{local(el)} is not an integer") from exc

    return read


def iso_date(key: str) -> Read:
    def read(m: KidsMap, el: Element, out: Fields) -> None:
        try:
            out[key] = date.fromisoformat((el.text or "").strip())
        except ValueError as exc:
            raise ExtractError(f"{local(el)} is not a date") from exc

    return read


def iso_time(key: str) -> Read:
    def read(m: KidsMap, el: Element, out: Fields) -> None:
        value = _collapse(el.text)
        # xs:time allows 24:00:00 as another spelling of midnight (XSD 1.0 part 2, 3.2.8).
        if value.startswith("24:00:00"):
            out[key] = time(0, 0)
            return
        try:
            out[key] = time.fromisoformat(value)
        except ValueError as exc:
            raise ExtractError(f"{local(el)} is not a time") from exc

    return read


def codes(key: str) -> Read:
    """RetourCodes: the values of its RetourCode children, in order."""

    def read(m: KidsMap, el: Element, out: Fields) -> None:
        out[key] = tuple([_collapse(c.text) for c in el if isinstance(c.tag, str)])

    return read


# --- structure ------------------------------------------------------------------------------------
# The loop of fields_of() is written out in the readers of classes: a call less per class, and the table's
# get bound once.


def one(table: Table) -> Kind:
    """A nested class, read by its table."""

    def kind(key: str) -> Read:
        get = table.get

        def read(m: KidsMap, el: Element, out: Fields) -> None:
            fields: Fields = {}
            for name, found in m.get(el, _NO_KIDS).items():
                r = get(name)
                if r is not None:
                    r(m, found[-1], fields)
            out[key] = fields

        return read

    return kind


def many(item: str, table: Table) -> Kind:
    """A wrapper of repeated classes (`Relaties/Relatie`): a tuple in document order."""

    def kind(key: str) -> Read:
        get = table.get

        def read(m: KidsMap, el: Element, out: Fields) -> None:
            items = []
            for c in m.get(el, _NO_KIDS).get(item, ()):
                fields: Fields = {}
                for name, found in m.get(c, _NO_KIDS).items():
                    r = get(name)
                    if r is not None:
                        r(m, found[-1], fields)
                items.append(fields)
            out[key] = tuple(items)  # strict models want tuples

        return read

    return kind


def numbered(prefix: str, table: Table) -> Kind:
    """A wrapper of numbered classes (`Telefoon/Telefoon01`, `Telefoon02`): a tuple in document order."""

    def kind(key: str) -> Read:
        def read(m: KidsMap, el: Element, out: Fields) -> None:
            out[key] = tuple([fields_of(m, c, table) for c in el if local(c).startswith(prefix)])

        return read

    return kind


class Flat:
    """A composite whose parts fill fields of the class holding it: `Flat(Datum=("geboortedatum", iso_date))`.

    A class rather than a kind made by a function, so that klasse() can check the fields it fills.
    """

    def __init__(self, **parts: tuple[str, Kind]) -> None:
        self.keys = tuple(key for key, _ in parts.values())
        self.table: Table = {name: kind(key) for name, (key, kind) in parts.items()}

    def __call__(self, key: str) -> Read:
        get = self.table.get

        def read(m: KidsMap, el: Element, out: Fields) -> None:
            for name, found in m.get(el, _NO_KIDS).items():
                r = get(name)
                if r is not None:
                    r(m, found[-1], out)

        return read
