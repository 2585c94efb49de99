"""Topic names and consumer groups: the groups follow the topic prefix, so hubs sharing a cluster never share one."""

from __future__ import annotations

import itertools

import pytest

from hub.topics import Topics

PREFIXES = ("ijw.", "acc.ijw.", "ijw-", "ijw", "", ".", "-", "ijw..", "a.b.", "a-b.", "a.b-")


def test_the_default_prefix_keeps_the_groups_it_always_had() -> None:
    """Offsets committed before the groups followed the prefix stay valid after an upgrade."""
    groups = Topics().groups
    assert (groups.intake, groups.retour, groups.processors) == (
        "ijw-hub-intake",
        "ijw-hub-retour",
        "ijw-hub-processors",
    )


def test_another_prefix_gives_other_groups() -> None:
    assert Topics("acc.ijw.").groups.all() == [
        "acc.ijw-hub-intake",
        "acc.ijw-hub-retour",
        "acc.ijw-hub-processors",
    ]


def test_a_prefix_without_a_trailing_dot_is_followed_by_one() -> None:
    """docs/operations.md, section 1: `ijw` gives `ijw.hub-intake`."""
    assert Topics("ijw").groups.all() == ["ijw.hub-intake", "ijw.hub-retour", "ijw.hub-processors"]


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(PREFIXES, 2)))
def test_distinct_prefixes_share_no_group(a: str, b: str) -> None:
    assert not set(Topics(a).groups.all()) & set(Topics(b).groups.all())


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_consumers_of_one_hub_have_distinct_groups(prefix: str) -> None:
    assert len(set(Topics(prefix).groups.all())) == 3
