"""Mutations of valid messages for the property tests: byte edits and edits of a spec's leaves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# The property tests' budget: enough examples to find a crash, no deadline for the slow first XSD load.
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# (position, kind, chunk): kind 0 deletes, 1 inserts, 2 overwrites, 3 truncates.
BYTE_EDITS = st.lists(
    st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=3), st.binary(max_size=8)),
    max_size=4,
)


def mutate_bytes(original: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    data = bytearray(original)
    for pos, kind, chunk in edits:
        pos %= len(data) or 1
        if kind == 0:
            del data[pos : pos + len(chunk) + 1]
        elif kind == 1:
            data[pos:pos] = chunk
        elif kind == 2:
            data[pos : pos + len(chunk)] = chunk
        else:
            del data[pos:]
    return bytes(data)


def leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every simple value of a spec."""
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in leaves(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in leaves(v, (*path, i))]
    return [path]


def set_leaf(node: Any, path: tuple[Any, ...], value: str | None) -> None:
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


# Values that trip any message: blanks, small codes, out-of-range numbers, edge dates, a BSN that passes and
# one that fails the 11-proef.
EDGE_VALUES: tuple[str, ...] = ("", " ", "0", "1", "2", "3", "9999", "99999", "-1")
EDGE_VALUES += ("2020-12-31", "2026-11-24", "1900-01-01", "2026-02-29", "000000000", "123456789")


def leaf_values(*telling: str) -> st.SearchStrategy[str | None]:
    """What a mutated leaf gets: nothing, an edge value or one of these telling values, or any short text."""
    return st.one_of(st.none(), st.sampled_from([*EDGE_VALUES, *telling]), st.text(max_size=12))


def mutate_leaves(spec: Any, data: st.DataObject, values: st.SearchStrategy[str | None]) -> None:
    """Set one to three drawn leaves of the spec to drawn values."""
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        path = data.draw(st.sampled_from(leaves(spec)))
        set_leaf(spec, path, data.draw(values))


def to_xml_or_none(to_xml: Callable[[str, Any], bytes], bericht: str, spec: Any) -> bytes | None:
    """The mutated message as XML; None where lxml refuses a drawn text (control characters): nothing to judge."""
    try:
        return to_xml(bericht, spec)
    except ValueError:
        return None


def mutated_xml(
    to_xml: Callable[[str, Any], bytes],
    bericht: str,
    spec: Any,
    data: st.DataObject,
    values: st.SearchStrategy[str | None],
) -> bytes | None:
    """The spec with one to three leaves changed (mutate_leaves), as XML or None (to_xml_or_none)."""
    mutate_leaves(spec, data, values)
    return to_xml_or_none(to_xml, bericht, spec)
