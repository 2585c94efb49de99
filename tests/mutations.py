"""Mutations of valid messages for the property tests: byte edits and edits of a spec's leaves."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

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
