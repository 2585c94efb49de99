"""A parsed, schema-valid iJw message as rules see it: elements by path, text helpers and Locatie paths.

Rules run on the lxml tree rather than on typed models because what they report is an element's
location, written as the official XSLT writes it: `/Bericht/Client/ToegewezenProducten/ToegewezenProduct[2]/Einddatum`.

The module-level helpers work on any element. `Doc` offers the same helpers as methods that answer from
the maps it builds in its one walk over the tree; they are several times faster, which matters on the hot
path where the rules make over a hundred lookups per message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any, Generic, TypeVar, overload

from lxml import etree

from hub.ijw.catalog import BerichtInfo

Element = etree._Element
T = TypeVar("T")
A = TypeVar("A", bound=Hashable)
_MISSING = object()
Kids = dict[str, list[Element]]  # child elements by local name, each list in document order

_NO_KIDS: Kids = {}
# Up to this many same-named siblings locatie() scans for an element's position; beyond, it indexes them once
# (a message with thousands of products otherwise costs a scan per finding that names one).
_SCAN_MAX = 16
ABSENT: tuple[None] = (None,)  # `kids.get(name, ABSENT)[0]`: the first child of that name, or None


def local(el: Element) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


_XML_SPACE = re.compile("[ \t\r\n]+")


def collapse(value: str) -> str:
    """XML's whitespace collapse: runs of space, tab, CR and LF to one space, trimmed.

    Only those four, as in the XSD's `\\s` and the XSLT's normalize-space(): a no-break space (U+00A0) or
    another Unicode space is content, so an element holding one is filled. For ASCII text str.split() splits on
    exactly these (its other ASCII separators are not allowed in XML 1.0) and costs least.
    """
    if value.isascii():
        return " ".join(value.split())
    return _XML_SPACE.sub(" ", value).strip(" ")


# An xs:date fromisoformat refuses: a year of more than four digits (no leading zero) or a negative year (libxml2
# refuses 0000, which XSD 1.0 forbids and 1.1 allows; it is read too). Month and day are checked below.
_FAR_DATE = re.compile(r"(-?)(?:[1-9][0-9]{4,}|[0-9]{4})-([0-9]{2})-([0-9]{2})")


def xsd_date(value: str) -> date:
    """An xs:date text (collapsed, as LDT_Datum holds it: no time zone) as a date; ValueError when it is none.

    A year beyond 9999 reads as date.max and a year before 1 as date.min: Python's date holds neither, and a
    backoffice's typo (12026-01-01) is XSD-valid. Every comparison with a date of a real process then has the
    outcome the official XSLT gives (12026 is after any Dagtekening, so TR135 fires). The limitations: two such
    far dates compare equal (12026-01-01 == 13000-01-01) and print as 9999-12-31 or 0001-01-01 (so findings quote
    Doc.datum_tekst), and arithmetic on any message date must stay within date's range (hub.dates).
    """
    try:
        return date.fromisoformat(value)  # the usual case, as cheap as it can be
    except ValueError:
        return far_date(value)


def far_date(value: str) -> date:
    """xsd_date() of a text date.fromisoformat refused: date.max or date.min for a far year, else ValueError.

    Split from xsd_date() for the hot paths, which call date.fromisoformat inline and this only when it fails.
    """
    found = _FAR_DATE.fullmatch(value)
    if found is None:
        raise ValueError(f"not a date: {value!r}")
    sign, month, day = found.groups()
    date(2000, int(month), int(day))  # the month and day must exist (2000 has 29 February); ValueError if not
    if sign or value.startswith("0000"):
        return date.min
    if len(value) > 10:  # five or more year digits, the first not 0
        return date.max
    raise ValueError(
        f"not a date: {value!r}"
    )  # a four-digit year that fromisoformat refused (an impossible day)


def is_far(value: str) -> bool:
    """Whether an xs:date text lies beyond Python's date (a year after 9999 or before 1): xsd_date() read it
    as date.max or date.min, so a date the hub computes from it (a month's first day, 60 months back) is no
    date the sender meant, and a finding names the date as sent instead."""
    try:
        date.fromisoformat(value)
    except ValueError:
        return True
    return False


def _collapse(value: str | None) -> str | None:
    """collapse(), None when absent or blank."""
    if value is None:
        return None
    return collapse(value) or None


def children(el: Element | None, name: str) -> list[Element]:
    """Child elements with this local name, in document order (none below an absent element)."""
    if el is None:
        return []
    if not _plain(name):
        return [c for c in el if isinstance(c.tag, str) and c.tag.endswith("}" + name)]
    # lxml matches "{*}name" in C; it also matches an element without a namespace, which these helpers skip.
    return [c for c in el.iterchildren("{*}" + name) if _namespaced(c)]


def _plain(name: str) -> bool:
    """A name lxml's tag matcher takes literally (no wildcard, no namespace syntax)."""
    return bool(name) and "*" not in name and "{" not in name and "}" not in name


def _first_child(el: Element, name: str) -> Element | None:
    if not _plain(name):
        return next((c for c in el if isinstance(c.tag, str) and c.tag.endswith("}" + name)), None)
    for c in el.iterchildren("{*}" + name):
        if _namespaced(c):
            return c
    return None


def _namespaced(el: Element) -> bool:
    tag = el.tag
    return isinstance(tag, str) and tag.startswith("{")


def child(el: Element | None, path: str) -> Element | None:
    """The first element at a slash path of local names below `el`, or None."""
    for name in path.split("/"):
        if el is None:
            return None
        el = _first_child(el, name)
    return el


def text(el: Element | None, path: str | None = None) -> str | None:
    """The element's text with whitespace collapsed; None when absent or blank (the XSLT's "empty")."""
    if path is not None:
        el = child(el, path)
    return None if el is None else _collapse(el.text)


def raw(el: Element | None, path: str | None = None) -> str | None:
    """The exact text (for key comparisons, where whitespace and leading zeros count)."""
    if path is not None:
        el = child(el, path)
    return None if el is None else (el.text or "")


def filled(el: Element | None, path: str | None = None) -> bool:
    return text(el, path) is not None


def present(el: Element | None, path: str | None = None) -> bool:
    return (child(el, path) if path is not None else el) is not None


def _to_date(value: str | None) -> date | None:
    """xsd_date(), None when absent or not a date."""
    if value is None:
        return None
    try:
        return xsd_date(value)
    except ValueError:
        return None


def _to_int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def as_date(el: Element | None, path: str | None = None) -> date | None:
    """A schema-valid LDT_Datum as a date; None when absent."""
    return _to_date(text(el, path))


def as_int(el: Element | None, path: str | None = None) -> int | None:
    return _to_int(text(el, path))


def locatie(el: Element) -> str:
    """The XSLT's Locatie: local names from the root, `[n]` where same-named siblings exist."""
    parts: list[str] = []
    node: Element | None = el
    while node is not None:
        name = local(node)
        parent = node.getparent()
        if parent is not None:
            same = children(parent, name)
            if len(same) > 1:
                name = f"{name}[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))


class _once(Generic[T]):  # lower case: a decorator, named like functools' ones
    """functools.cached_property without its lock (Python 3.11 takes one per first read, which costs more
    than reading a header value): the value lands in the instance's __dict__, which later reads find first.
    Two threads reading at once both compute it, which is harmless for values of a tree that never changes.
    """

    def __init__(self, make: Callable[[Doc], T]) -> None:
        self.make = make
        self.name = make.__name__
        self.__doc__ = make.__doc__

    @overload
    def __get__(self, doc: None, owner: type[Doc]) -> _once[T]: ...

    @overload
    def __get__(self, doc: Doc, owner: type[Doc]) -> T: ...

    def __get__(self, doc: Doc | None, owner: type[Doc]) -> T | _once[T]:
        if doc is None:
            return self
        value = doc.__dict__[self.name] = self.make(doc)
        return value


# Tag -> local name of namespaced tags, shared by every Doc: a dict hit is cheaper than splitting the tag,
# and hands out one string per name, whose hash Python keeps. Bounded: schema-valid messages use a few
# hundred tags.
_LOCAL_NAMES: dict[str, str] = {}
_LOCAL_NAMES_MAX = 4096


class Doc:
    """A message tree with its elements by path below `Bericht` (e.g. `Client/Bsn`), and fast element helpers.

    The methods `child`, `children`, `text`, `raw`, `filled`, `present`, `as_date`, `as_int` and `locatie`
    mean what the module-level functions of the same name mean, for elements of this tree; they answer from
    `kids_map`, which one walk over the tree builds. The tree must not change after the Doc is made.
    `datum_tekst` is how a finding quotes a date element (as sent, not as `as_date` reads it).
    """

    def __init__(self, root: Element, info: BerichtInfo) -> None:
        self.root = root
        self.info = info
        self.bericht = info.bericht
        # Per element its namespaced child elements by local name (the ones the helpers see); elements
        # without element children are absent. Keyed by the element itself: the dict keeps every lxml proxy
        # alive, and an lxml node keeps one proxy (one identity) only while something references it.
        self.kids_map: dict[Element, Kids] = {}
        self._with_bare: set[Element] = set()  # parents of elements without a namespace (never in iJw)
        self._paths: dict[str, list[Element]] = {}  # all(path), resolved on first use
        self._memo: dict[tuple[object, Hashable], Any] = {}
        # locatie(): the position of each element among many same-named siblings, per sibling list
        self._posities: dict[int, tuple[list[Element], dict[Element, int]]] = {}
        self.depth = self._walk(root)  # levels of elements, the root being level 1

    def _walk(self, root: Element) -> int:
        """Map every element's children (one pass over the tree, in document order); return the depth.

        The hot path of every message, so each element costs as few bytecodes as can be: the parent's map is
        looked up once, and levels are kept only for parents (met once each), not for every element.
        """
        names = _LOCAL_NAMES
        kids_map = self.kids_map
        # The level of each element with element children; parents come before their children.
        levels: dict[Element, int] = {root: 1}
        depth = 1
        for c in root.iterdescendants():
            tag = c.tag
            # A comment's or processing instruction's tag is a function, which the lookup simply misses.
            name = names.get(tag)  # type: ignore[arg-type]  # non-str tags miss too
            if name is None:
                if not isinstance(tag, str):
                    continue  # comments and processing instructions
                if not tag.startswith("{"):
                    # all() finds it by its name; the helpers skip it, as the module-level ones do.
                    bare_parent: Element = c.getparent()  # type: ignore[assignment]  # has a parent
                    self._with_bare.add(bare_parent)
                    level = levels.get(bare_parent)
                    if level is None:
                        # Not in levels, so not the root: it has a parent.
                        level = levels[bare_parent] = levels[bare_parent.getparent()] + 1  # type: ignore[index]
                    if level >= depth:
                        depth = level + 1
                    continue
                name = tag.rpartition("}")[2]
                if len(names) < _LOCAL_NAMES_MAX:
                    names[tag] = name
            # A descendant has a parent; an ignore rather than cast(), which would cost a call per element.
            parent: Element = c.getparent()  # type: ignore[assignment]
            mine = kids_map.get(parent)
            if mine is None:
                kids_map[parent] = {name: [c]}
                level = levels.get(parent)
                if level is None:
                    # Not in levels, so not the root: it has a parent.
                    level = levels[parent] = levels[parent.getparent()] + 1  # type: ignore[index]
                if level >= depth:
                    depth = level + 1
            else:
                same = mine.get(name)
                if same is None:
                    mine[name] = [c]
                else:
                    same.append(c)
        return depth

    def all(self, path: str) -> list[Element]:
        """Every element at this path (below `Bericht`), in document order: the Doc's own list, not to be changed."""
        found = self._paths.get(path)
        if found is None:
            found = self._resolve(path)
        return found if found else []

    def _resolve(self, path: str) -> list[Element]:
        """all(path), remembered with the paths above it; each step is one map lookup per parent."""
        parent, sep, name = path.rpartition("/")
        if not sep:
            parents = [self.root]
        else:
            known = self._paths.get(parent)
            parents = known if known is not None else self._resolve(parent)
        # Parents come in document order and each keeps its children in order, so the result is in order.
        if self._with_bare:
            found: list[Element] = []
            for el in parents:
                found += self._all_kids(el).get(name, ())
        elif len(parents) == 1:  # most steps of an iJw path: one parent, so copy its list at once
            same = self.kids_map.get(parents[0])
            found = [] if same is None else list(same.get(name, ()))
        else:
            found = []
            kids = self.kids_map
            for el in parents:
                same = kids.get(el)
                if same is not None:
                    found += same.get(name, ())
        self._paths[path] = found
        return found

    def _all_kids(self, el: Element) -> Kids:
        """Child elements by local name, with or without a namespace."""
        if el not in self._with_bare:
            return self.kids_map.get(el, _NO_KIDS)
        found: Kids = {}
        for c in el:
            if isinstance(c.tag, str):
                found.setdefault(local(c), []).append(c)
        return found

    def first(self, path: str) -> Element | None:
        """`all(path)[0]`, or None; found depth first, without resolving (and keeping) every match."""
        found = self._paths.get(path)
        if found is not None or self._with_bare:
            found = self.all(path)
            return found[0] if found else None
        return self._first_below(self.root, path.split("/"), 0)

    def _first_below(self, el: Element, names: list[str], i: int) -> Element | None:
        kids = self.kids_map.get(el)
        same = None if kids is None else kids.get(names[i])
        if same is None:
            return None
        if i + 1 == len(names):
            return same[0]
        for c in same:  # the first match in document order is below the first of these that has one
            found = self._first_below(c, names, i + 1)
            if found is not None:
                return found
        return None

    def memo(self, make: Callable[[Doc, A], T], arg: A) -> T:
        """`make(self, arg)`, made once per Doc: rules that read the same elements share one reading."""
        key = (make, arg)
        found = self._memo.get(key, _MISSING)
        if found is _MISSING:
            found = self._memo[key] = make(self, arg)
        return found  # type: ignore[no-any-return]  # what make() returned for this key

    def kids(self, el: Element | None) -> Kids:
        """The namespaced child elements of `el` by local name (read only; empty for None).

        `doc.kids(el).get("Budget", ABSENT)[0]` is the first Budget or None, like `doc.child(el, "Budget")`:
        the form for code that reads many children of one element.
        """
        return _NO_KIDS if el is None else self.kids_map.get(el, _NO_KIDS)

    def child(self, el: Element | None, path: str) -> Element | None:
        """Like `child()`."""
        if el is None:
            return None
        kids = self.kids_map
        found = kids.get(el)
        if found is None:
            return None
        if "/" not in path:
            same = found.get(path)
            return None if same is None else same[0]
        for name in path.split("/"):
            if found is None:
                return None
            same = found.get(name)
            if same is None:
                return None
            el = same[0]
            found = kids.get(el)
        return el

    def children(self, el: Element | None, name: str) -> list[Element]:
        """Like `children()`."""
        if el is None:
            return []
        return list(self.kids_map.get(el, _NO_KIDS).get(name, ()))

    def text(self, el: Element | None, path: str | None = None) -> str | None:
        """Like `text()`."""
        if el is None:
            return None
        if path is not None:
            # child() written out: rules call this over a hundred times per message.
            kids = self.kids_map
            found = kids.get(el)
            if found is None:
                return None
            if "/" not in path:
                same = found.get(path)
                if same is None:
                    return None
                el = same[0]
            else:
                for name in path.split("/"):
                    if found is None:
                        return None
                    same = found.get(name)
                    if same is None:
                        return None
                    el = same[0]
                    found = kids.get(el)
        value = el.text
        if value is None:
            return None
        return (" ".join(value.split()) if value.isascii() else collapse(value)) or None  # collapse() inlined

    def raw(self, el: Element | None, path: str | None = None) -> str | None:
        """Like `raw()`."""
        if path is not None:
            el = self.child(el, path)
        return None if el is None else (el.text or "")

    def filled(self, el: Element | None, path: str | None = None) -> bool:
        return self.text(el, path) is not None

    def present(self, el: Element | None, path: str | None = None) -> bool:
        return (self.child(el, path) if path is not None else el) is not None

    def as_date(self, el: Element | None, path: str | None = None) -> date | None:
        """Like `as_date()`; `_to_date(self.text(el, path))` written out, as rules read many dates."""
        if path is not None:
            el = self.child(el, path)
        if el is None:
            return None
        value = el.text
        if value is None:
            return None
        value = " ".join(value.split())  # collapse() inlined
        try:  # xsd_date() written out
            return date.fromisoformat(value)  # blank gives "": a ValueError too
        except ValueError:
            try:
                return far_date(value)
            except ValueError:
                return None

    def as_int(self, el: Element | None, path: str | None = None) -> int | None:
        return _to_int(self.text(el, path))

    def locatie(self, el: Element) -> str:
        """Like `locatie()`."""
        parts: list[str] = []
        node: Element | None = el
        while node is not None:
            name = local(node)
            parent = node.getparent()
            if parent is not None:
                same = self.kids_map.get(parent, _NO_KIDS).get(name)
                if same is None:  # not an element of this tree's maps (a comment, say)
                    same = children(parent, name)
                n = len(same)
                if n > 1:
                    i = same.index(node) if n <= _SCAN_MAX else self._positie(same, node)
                    name = f"{name}[{i + 1}]"
            parts.append(name)
            node = parent
        return "/" + "/".join(reversed(parts))

    def positie(self, el: Element) -> int:
        """el's position (1-based) among its same-named siblings, as locatie() numbers it; 1 for the root."""
        parent = el.getparent()
        if parent is None:
            return 1
        name = local(el)
        same = self.kids_map.get(parent, _NO_KIDS).get(name)
        if same is None:  # not an element of this tree's maps (a comment, say)
            same = children(parent, name)
        return (same.index(el) if len(same) <= _SCAN_MAX else self._positie(same, el)) + 1

    def _positie(self, same: list[Element], el: Element) -> int:
        """el's index in many siblings `same`, from an index of their positions made once per list."""
        # Keyed by the list's id: the list lives as long as the Doc (kids_map holds it, or this dict does).
        found = self._posities.get(id(same))
        if found is None or found[0] is not same:
            found = self._posities[id(same)] = (same, {e: i for i, e in enumerate(same)})
        return found[1][el]

    @_once
    def dagtekening(self) -> date | None:
        return self.as_date(self.first("Header/BerichtIdentificatie/Dagtekening"))

    def datum_tekst(self, el: Element | None, path: str | None = None) -> str | None:
        """A date element's text as sent (collapsed), for findings; None when absent or blank.

        A finding quotes this rather than the `as_date()` value: that reads a far year (12026-01-01,
        -0001-01-01) as date.max or date.min, which prints as 9999-12-31 or 0001-01-01, never sent.
        """
        return self.text(el, path)

    @_once
    def dagtekening_tekst(self) -> str | None:
        """The Dagtekening as sent (collapsed), for findings: a far year reads as date.max in `dagtekening`."""
        return self.datum_tekst(self.first("Header/BerichtIdentificatie/Dagtekening"))

    @_once
    def identificatie(self) -> str | None:
        return self.text(self.first("Header/BerichtIdentificatie/Identificatie"))

    @_once
    def afzender(self) -> str | None:
        return self.text(self.first("Header/Afzender"))

    @_once
    def ontvanger(self) -> str | None:
        return self.text(self.first("Header/Ontvanger"))
