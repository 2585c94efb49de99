"""How extract reads a berichtklasse: the kinds its table is made of, and the reader a table becomes.

A table (`klasse()`) names a class's child elements, each with the kind of value it holds; the field it fills
is named after the element (ToewijzingNummer fills `toewijzing_nummer`). `reader()` turns a table into a
function that reads the class into a plain dict of its fields, from the children-by-name map the Doc made in
its one walk over the tree (`Doc.kids_map`, passed as `m`), and `validated()` makes the message's model of
what the root's reader read. An absent optional element leaves its field out, so the field keeps the model's
default; an absent repeat (a wrapper, RetourCodes) whose field the model requires reads as an empty tuple.
Were a name repeated within a class anyway (repeats sit in wrapper elements), the last one is read. Values
keep doc.text()'s contract (whitespace collapsed, blank is None) but collapse with str.split, which does in C
what the regex does.

The reader is written as Python source and compiled once per table, as dataclasses writes `__init__`: one
straight line of lookups per class with each value read in place. Looping over the table instead costs a
call and the loop's own steps for every value, which made a message some 15% slower to read.
"""

from __future__ import annotations

import linecache
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation
from itertools import count
from typing import TypeVar, cast

from pydantic import BaseModel, ValidationError

from hub.ijw.doc import Element, Kids, collapse, local, xsd_date


class ExtractError(ValueError):
    """The tree lacks what its schema guarantees: extract was given a message that was not XSD-checked."""


KidsMap = dict[Element, Kids]
Fields = dict[str, object]  # one class's fields by the model's field names, for model_validate
Reader = Callable[[KidsMap, Element], Fields]
M = TypeVar("M", bound=BaseModel)
_NO_KIDS: Kids = {}


def field_name(element: str) -> str:
    """The model field an element fills: `ToewijzingNummer` -> `toewijzing_nummer`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", element).lower()


# --- the kinds of a table -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Value:
    """A simple value: statements that read element `e` into `out[{key}]`."""

    source: str
    empty: str | None = (
        None  # what an absent element reads as when the model requires its field; None: missing
    )


# Most values are codes, numbers and names of letters and digits only: isalnum() says so in C, and such a
# text is its own collapsed form. Blank is schema-valid for the few types without the non-blank pattern.
TEXT = Value('t = e.text\nout[{key}] = (t if t.isalnum() else collapse(t)) if t else ""')
OPT_TEXT = Value("t = e.text\nout[{key}] = (t if t.isalnum() else collapse(t) or None) if t else None")
# int() takes the leading zeros, "+" and whitespace that xs:integer allows.
INTEGER = Value(
    'try:\n    out[{key}] = int(e.text or "")\n'
    'except ValueError as exc:\n    raise not_a(e, "an integer") from exc'
)
# xsd_date() of the collapsed text written out: a date as sent has no whitespace, so fromisoformat reads the
# raw text in place, and only what it refuses (whitespace around the date, a far year) costs a call.
DATE = Value(
    't = e.text or ""\n'
    "try:\n    out[{key}] = date.fromisoformat(t)\n"
    "except ValueError:\n    out[{key}] = read_date(e, t)"
)
# Decimal() takes the sign, leading zeros and fraction digits of xs:decimal as sent (12.50 stays 12.50).
DECIMAL = Value(
    't = e.text\ntry:\n    out[{key}] = Decimal(collapse(t) if t else "")\n'
    'except InvalidOperation as exc:\n    raise not_a(e, "a decimal") from exc'
)
TIME = Value("out[{key}] = read_time(e)")
CODES = Value("out[{key}] = read_codes(e)", empty="()")  # RetourCodes: its RetourCode values, in order


@dataclass(frozen=True, slots=True)
class Many:
    """A wrapper of repeated classes (`Relaties/Relatie`): a tuple in document order."""

    item: str
    klasse: Klasse


@dataclass(frozen=True, slots=True)
class Numbered:
    """A wrapper of numbered classes (`Telefoon/Telefoon01`, `Telefoon02`): a tuple in document order."""

    prefix: str
    klasse: Klasse


@dataclass(frozen=True, slots=True)
class Flat:
    """A composite whose values fill fields of the class holding it (`Geboortedatum/Datum`: geboortedatum)."""

    parts: tuple[tuple[str, str, Value], ...]  # (element, field, value)


def flat(**parts: tuple[str, Value]) -> Flat:
    """`flat(Datum=("geboortedatum", DATE), DatumGebruik=("datum_gebruik", OPT_TEXT))`."""
    return Flat(tuple((name, key, value) for name, (key, value) in parts.items()))


@dataclass(frozen=True, eq=False, slots=True)
class Klasse:
    """A berichtklasse: its model, and per child element the field it fills and the kind of value it holds."""

    model: type[BaseModel]
    fields: tuple[tuple[str, str, Kind], ...]  # (element, field, kind); a Flat's field is unused


Kind = Value | Klasse | Many | Numbered | Flat


def klasse(model: type[BaseModel], /, **kinds: Kind) -> Klasse:
    """The table of a class; refuses a field the model lacks (pydantic would drop its value without a word)."""
    fields = tuple((name, field_name(name), kind) for name, kind in kinds.items())
    keys = [key for _, key, kind in fields if not isinstance(kind, Flat)]
    keys += [key for _, _, kind in fields if isinstance(kind, Flat) for _, key, _ in kind.parts]
    unknown = set(keys) - set(model.model_fields)
    if unknown:
        raise TypeError(f"{model.__name__} has no field(s) {sorted(unknown)}")
    return Klasse(model, fields)


# --- the message's model ---------------------------------------------------------------------------


def bericht(model: type[BaseModel], /, **kinds: Kind) -> tuple[type[BaseModel], Reader]:
    """A message type's model and the reader of its root element's children (each table named after its element)."""
    return model, reader(klasse(model, **kinds))


def validated(model: type[M], fields: Fields) -> M:
    """The message's model of its root's fields; ExtractError when a required element is missing."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        missing = next((e["loc"] for e in exc.errors() if e["type"] == "missing"), None)
        if missing is None:
            raise
        # The field is named after its element: name the element, as the schema does.
        element = "".join(part.title() for part in str(missing[-1]).split("_"))
        raise ExtractError(f"required element {element} is missing") from None


# --- what the compiled readers call ----------------------------------------------------------------


def not_a(el: Element, what: str) -> ExtractError:
    return ExtractError(f"{local(el)} is not {what}")


def read_date(el: Element, value: str) -> date:
    """xsd_date() of the collapsed text; ExtractError for no date.

    Collapsed, not str.strip()ped: a no-break space around a date is content, which the XSD refuses.
    """
    try:
        return xsd_date(collapse(value))
    except ValueError as exc:
        raise not_a(el, "a date") from exc


def read_time(el: Element) -> time:
    t = el.text
    value = collapse(t) if t else ""
    # xs:time allows 24:00:00 as another spelling of midnight (XSD 1.0 part 2, 3.2.8).
    if value.startswith("24:00:00"):
        return time(0, 0)
    try:
        return time.fromisoformat(value)
    except ValueError as exc:
        raise not_a(el, "a time") from exc


def read_codes(el: Element) -> tuple[str, ...]:
    return tuple([collapse(c.text) if c.text else "" for c in el if isinstance(c.tag, str)])


# --- compiling a table into its reader -------------------------------------------------------------

_NAMESPACE = {
    "NO_KIDS": _NO_KIDS,
    "collapse": collapse,
    "date": date,
    "Decimal": Decimal,
    "InvalidOperation": InvalidOperation,
    "local": local,
    "not_a": not_a,
    "read_date": read_date,
    "read_time": read_time,
    "read_codes": read_codes,
}
_READERS: dict[Klasse, str] = {}  # compiled tables: the name of their reader in _NAMESPACE
_NUMBERS = count(1)


def reader(table: Klasse) -> Reader:
    """The reader of a class (and of the classes in it), compiled on first use."""
    return cast(Reader, _NAMESPACE[_compiled(table)])


def _compiled(table: Klasse) -> str:
    name = _READERS.get(table)
    if name is not None:
        return name
    name = f"read_{table.model.__name__}_{next(_NUMBERS)}"
    lines = [f"def {name}(m, el):", "    k = m.get(el, NO_KIDS)", "    out = {}"]
    required = {key for key, info in table.model.model_fields.items() if info.is_required()}
    for element, key, kind in table.fields:
        lines += _indent(_child("k", element, _statements(kind, key)), 1)
        empty = "()" if isinstance(kind, Many | Numbered) else kind.empty if isinstance(kind, Value) else None
        if empty is not None and key in required:  # with a default, leaving the field out is cheaper
            lines += _indent(["else:", f"    out[{key!r}] = {empty}"], 1)
    lines.append("    return out")
    source = "\n".join(lines) + "\n"
    filename = f"<extract reader {name}>"
    # Tracebacks and inspect.getsource() show the reader's lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    exec(compile(source, filename, "exec"), _NAMESPACE)  # source made from our own tables only
    _READERS[table] = name
    return name


def _child(kids: str, element: str, statements: list[str]) -> list[str]:
    """Run `statements` on the child `element` (as `e`) when the class has it."""
    return [f"f = {kids}.get({element!r})", "if f is not None:", "    e = f[-1]", *_indent(statements, 1)]


def _statements(kind: Kind, key: str) -> list[str]:
    """Statements that read element `e` into `out[key]`."""
    if isinstance(kind, Value):
        return kind.source.format(key=repr(key)).splitlines()
    if isinstance(kind, Klasse):
        return [f"out[{key!r}] = {_compiled(kind)}(m, e)"]
    if isinstance(kind, Many):
        read, item = _compiled(kind.klasse), repr(kind.item)
        return [f"out[{key!r}] = tuple([{read}(m, c) for c in m.get(e, NO_KIDS).get({item}, ())])"]
    if isinstance(kind, Numbered):
        read, prefix = _compiled(kind.klasse), repr(kind.prefix)
        return [f"out[{key!r}] = tuple([{read}(m, c) for c in e if local(c).startswith({prefix})])"]
    lines = ["kf = m.get(e, NO_KIDS)"]
    for element, part_key, value in kind.parts:
        lines += _child("kf", element, _statements(value, part_key))
    return lines


def _indent(lines: list[str], levels: int) -> list[str]:
    return [" " * 4 * levels + line for line in lines]
