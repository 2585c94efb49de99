"""Reading the marked examples of a guide in docs/ and comparing them with what the hub answers.

A guide marks each fenced block it shows with `<!-- voorbeeld: NAAM -->` on the line above. The comparisons say
where a block and the hub differ: JSON key by key, XML element by element, HTTP status, phrase and headers.
In a shown value `…` stands for text that differs per run; in shown XML a comment stands for elements left out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from lxml import etree

ELLIPSIS = "…"
HEX_ID = re.compile(r"\b[0-9a-f]{32}\b")
_MARKED = re.compile(
    r"^<!-- voorbeeld: (?P<name>[a-z0-9-]+) -->\n```(?P<lang>[a-z]+)\n(?P<text>.*?)^```$", re.M | re.S
)
_FENCE = re.compile(r"^```", re.M)
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?P<zone>Z|[+-]\d{2}:\d{2})")
_STATUS_LINE = re.compile(r"^HTTP/1\.1 (?P<status>\d{3}) (?P<phrase>.+)$", re.M)


@dataclass(frozen=True, slots=True)
class Block:
    name: str
    lang: str
    text: str

    def ids(self) -> list[str]:
        """The message ids the block shows, in order of first appearance."""
        return list(dict.fromkeys(HEX_ID.findall(self.text)))


def blocks(path: Path) -> dict[str, Block]:
    """The marked blocks of a guide by name; fails on an unmarked block or a name used twice."""
    text = path.read_text(encoding="utf-8")
    found = [Block(m["name"], m["lang"], m["text"]) for m in _MARKED.finditer(text)]
    assert len(_FENCE.findall(text)) == 2 * len(found), "every fenced block carries a `voorbeeld` marker"
    named = {b.name: b for b in found}
    assert len(named) == len(found), "a marker name is used twice"
    return named


@dataclass(frozen=True, slots=True)
class Exchange:
    """An HTTP request and the response a guide shows for it (the request body is a description)."""

    method: str
    path: str
    request_headers: dict[str, str]
    status: int
    phrase: str
    headers: dict[str, str]
    body: str


def _head(lines: list[str]) -> tuple[str, dict[str, str], str]:
    """The start line, the headers and the body of one HTTP message's lines."""
    blank = lines.index("") if "" in lines else len(lines)
    headers = dict(line.split(": ", 1) for line in lines[1:blank])
    return lines[0], headers, "\n".join(lines[blank + 1 :]).strip()


def exchange(block: Block) -> Exchange:
    status = _STATUS_LINE.search(block.text)
    assert status is not None, f"{block.name}: no status line"
    start, request_headers, _ = _head(block.text[: status.start()].strip("\n").split("\n"))
    method, path, version = start.split(" ")
    assert version == "HTTP/1.1", block.name
    _, headers, body = _head(block.text[status.start() :].split("\n"))
    request_headers.pop("Host", None)  # the client sets it
    return Exchange(method, path, request_headers, int(status["status"]), status["phrase"], headers, body)


def check_status(shown: Exchange, status: int, where: str) -> None:
    """The shown status is the hub's, with the phrase HTTP servers give it."""
    assert status == shown.status, f"{where}: the hub answered {status}, the guide shows {shown.status}"
    assert shown.phrase == HTTPStatus(status).phrase, f"{where}: phrase {shown.phrase!r}"


# ---- values ----------------------------------------------------------------------------------------


def _text_like(shown: str, actual: str, where: str) -> None:
    shown_time = _DATETIME.fullmatch(shown)
    if shown_time is not None:  # any moment, written the same way
        actual_time = _DATETIME.fullmatch(actual)
        assert actual_time is not None, f"{where}: {actual!r} is not a moment"
        assert actual_time["zone"] == shown_time["zone"], f"{where}: {actual!r} against {shown!r}"
        return
    if ELLIPSIS not in shown:
        assert actual == shown, f"{where}: the hub has {actual!r}, the guide {shown!r}"
        return
    pattern = ".*".join(re.escape(part) for part in shown.split(ELLIPSIS))
    assert re.fullmatch(pattern, actual, re.S), f"{where}: {actual[:200]!r} does not fit {shown!r}"


def assert_like(shown: Any, actual: Any, where: str = "$") -> None:
    """JSON as shown: the same keys, lengths and values; `…` and moments as described in the module."""
    if isinstance(shown, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r} is not an object"
        assert set(actual) == set(shown), f"{where}: keys {sorted(actual)} against {sorted(shown)}"
        for key, value in shown.items():
            assert_like(value, actual[key], f"{where}.{key}")
    elif isinstance(shown, list):
        assert isinstance(actual, list) and len(actual) == len(shown), f"{where}: {actual!r}"
        for n, (s, a) in enumerate(zip(shown, actual, strict=True)):
            assert_like(s, a, f"{where}[{n}]")
    elif isinstance(shown, str):
        assert isinstance(actual, str), f"{where}: {actual!r} is not a string"
        _text_like(shown, actual, where)
    else:
        assert actual == shown and type(actual) is type(shown), f"{where}: {actual!r} against {shown!r}"


def _elements(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def assert_tree_like(shown: etree._Element, actual: etree._Element, where: str = "") -> None:
    """XML as shown: the same elements in order and the same text; below an element with a comment, the
    shown children are a subsequence of the hub's (the comment says what is left out)."""
    where = f"{where}/{etree.QName(shown).localname}"
    assert actual.tag == shown.tag, f"{where}: the hub has {actual.tag!r}"
    gap = any(isinstance(c, etree._Comment) for c in shown)
    want, have = _elements(shown), _elements(actual)
    if not want and not gap:
        assert not have, f"{where}: the hub has children {[etree.QName(c).localname for c in have]}"
        _text_like((shown.text or "").strip(), (actual.text or "").strip(), where)
        return
    if not gap:
        names = [etree.QName(c).localname for c in have]
        assert names == [etree.QName(c).localname for c in want], f"{where}: the hub has {names}"
        for s, a in zip(want, have, strict=True):
            assert_tree_like(s, a, where)
        return
    rest = iter(have)
    for s in want:
        match = next((a for a in rest if a.tag == s.tag), None)
        assert match is not None, f"{where}: no {etree.QName(s).localname} where the guide shows one"
        assert_tree_like(s, match, where)


def assert_xml_like(shown: str, actual: bytes) -> None:
    assert_tree_like(etree.fromstring(shown.encode()), etree.fromstring(actual))


def assert_body_like(shown: str, actual: bytes, rename: dict[str, str], where: str) -> None:
    """A response body as shown: JSON, XML or nothing; `rename` maps the hub's ids to the guide's."""
    text = actual.decode()
    for hub_id, guide_id in rename.items():
        text = text.replace(hub_id, guide_id)
    if shown.startswith("{"):
        assert_like(json.loads(shown), json.loads(text), where)
    elif shown.startswith("<"):
        assert_xml_like(shown, text.encode())
    else:
        assert shown == "" and text == "", where
