"""TR302/TR386/TR410 (`_stacking`) against the old pairwise implementation, and the bound on level-2 findings."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import combinations, product
from typing import Any
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc
from hub.rules import products
from hub.rules.products import TOEGEWEZEN, ProductKlasse, _stacking, deleted, overlap, regels, same_product
from hub.rules.registry import MAX_XSLT_FINDINGS, Context, Hit, Level, Rule, iter_violations
from hub.synth.berichten import spec
from hub.synth.build import to_tree
from hub.synth.toewijzing import toegewezen_product

CTX = Context(today=date(2026, 11, 23))
BEGIN = date(2026, 1, 1)


def old_stacking(doc: Doc, k: ProductKlasse, *, skip_deleted: bool) -> Iterator[Hit]:
    """The oracle: the pairwise implementation _stacking had before it was made O(n log n + findings)."""
    periodes: list[tuple[Any, tuple[date, date | None]]] = [
        (r, (r.begin, r.eind))
        for r in regels(doc, (k,))
        if r.begin is not None and not (skip_deleted and deleted(doc, r))
    ]
    for (a, periode_a), (b, periode_b) in combinations(periodes, 2):
        if same_product(doc, a, b) and overlap(periode_a, periode_b):
            yield Hit(
                a.el,
                f"{doc.locatie(a.el)} and {doc.locatie(b.el)} are the same product with overlapping periods.",
            )


# (categorie, code): None categorie is a generic toewijzing; a blank code is an aspecific product; " 45" is
# another raw Categorie than "45" (the stacking rules compare the exact text).
PRODUCTEN = [(None, None), ("45", None), ("45", "45A53"), ("45", "45A54"), ("43", None), ("43", "45A53")]
PRODUCTEN += [(" 45", None), (" 45", "45A53"), ("45", ""), ("45", " 45A53")]


@st.composite
def a_product(draw: st.DrawFn, nummer: int) -> dict[str, Any]:
    categorie, code = draw(st.sampled_from(PRODUCTEN))
    begin = draw(st.none() | st.integers(0, 12).map(lambda d: BEGIN + timedelta(days=d)))
    eind = draw(
        st.none()
        | st.integers(-3, 12).map(lambda d: (begin or BEGIN) + timedelta(days=d))  # touching, equal, before
        | st.sampled_from([date.min, date.max])
    )
    reden = draw(st.sampled_from([None, None, "13", "01", "14"]))
    if reden in ("13", "01") and draw(st.booleans()):
        eind = begin  # deleted (when begin is filled)
    return toegewezen_product(
        nummer,
        categorie=categorie,
        code=code,
        toewijzingsdatum=BEGIN,
        ingangsdatum=begin,  # type: ignore[arg-type]  # None: no Ingangsdatum (takes no part)
        einddatum=eind,
        reden_wijziging=reden,
    )


def doc_with(producten: list[dict[str, Any]]) -> Doc:
    s = spec("JW301")
    s["Client"]["ToegewezenProducten"]["ToegewezenProduct"] = producten
    return Doc(to_tree("JW301", s), BERICHTEN["JW301"])


def assert_same(doc: Doc) -> None:
    for skip, pairwise_max in product([True, False], [products._PAIRWISE_MAX, 0]):  # 0: always the sweep
        with patch.object(products, "_PAIRWISE_MAX", pairwise_max):
            new = list(_stacking(doc, TOEGEWEZEN, skip_deleted=skip))
        old = list(old_stacking(doc, TOEGEWEZEN, skip_deleted=skip))
        if len(old) <= MAX_XSLT_FINDINGS + 1:
            assert new == old
        else:  # the set is the same; beyond the bound the order is the order found
            assert sorted(new, key=repr) == sorted(old, key=repr)


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 12).flatmap(lambda n: st.tuples(*(a_product(i + 1) for i in range(n)))))
def test_stacking_finds_what_the_pairwise_check_found_in_its_order(
    producten: tuple[dict[str, Any], ...],
) -> None:
    assert_same(doc_with(list(producten)))


def test_stacking_on_larger_random_messages_matches_the_pairwise_check() -> None:
    rng = random.Random(302)
    for n in (20, 40, 80):
        for _ in range(10):
            producten = []
            for i in range(n):
                categorie, code = rng.choice(PRODUCTEN[1:] if rng.random() < 0.9 else PRODUCTEN)
                begin = BEGIN + timedelta(days=rng.randrange(0, 4 * n))
                eind = None if rng.random() < 0.1 else begin + timedelta(days=rng.randrange(-2, 10))
                producten.append(
                    toegewezen_product(
                        i + 1,
                        categorie=categorie,
                        code=code,
                        toewijzingsdatum=BEGIN,
                        ingangsdatum=begin,
                        einddatum=eind,
                    )
                )
            assert_same(doc_with(producten))


def overlapping(n: int) -> Doc:
    """n aspecific ToegewezenProducten of one Categorie over the same period: n(n-1)/2 TR302 pairs."""
    return doc_with(
        [
            toegewezen_product(i + 1, categorie="43", toewijzingsdatum=BEGIN, ingangsdatum=BEGIN)
            for i in range(n)
        ]
    )


def test_a_rule_lists_at_most_the_bound_then_says_there_are_more() -> None:
    found = [v for v in iter_violations(overlapping(400), CTX) if v.rule == "TR302"]  # 79,800 pairs
    assert len(found) == MAX_XSLT_FINDINGS + 1
    assert all(v.location is not None for v in found[:-1])
    assert found[-1].location is None and found[-1].retourcode == "0001"
    assert "only the first" in found[-1].message
    # Beyond the bound the pairs come in the order found; for one period shared by all, that is document order.
    assert found[0].message.startswith(
        "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[1] and "
        "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[2] "
    )


def test_tr302_below_the_bound_lists_every_pair_and_above_it_the_bound_and_a_note() -> None:
    # 11 products: 55 pairs; 10: 45 (below); the bound is 50 (exactly 50: the counting rule below)
    assert len([v for v in iter_violations(overlapping(10), CTX) if v.rule == "TR302"]) == 45
    assert (
        len([v for v in iter_violations(overlapping(11), CTX) if v.rule == "TR302"]) == MAX_XSLT_FINDINGS + 1
    )


def counting_rule(level: Level, n: int, closed: list[bool]) -> Rule:
    def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
        try:
            for i in range(n):
                yield Hit(None, f"finding {i}")
        finally:
            closed.append(True)

    return Rule("TEST", level, frozenset({"JW301"}), "0001", "test", check)


def test_the_bound_stops_a_level_2_rule_and_spares_levels_3_and_4() -> None:
    doc = overlapping(1)
    closed: list[bool] = []
    found = list(counting_rule(Level.XSLT, 10_000, closed).run(doc, CTX))
    assert len(found) == MAX_XSLT_FINDINGS + 1 and closed == [True]
    assert [v.message for v in found[:3]] == ["finding 0", "finding 1", "finding 2"]
    exactly = list(counting_rule(Level.XSLT, MAX_XSLT_FINDINGS, []).run(doc, CTX))
    assert [v.message for v in exactly] == [f"finding {i}" for i in range(MAX_XSLT_FINDINGS)]  # no note
    for level in (Level.STATEFUL, Level.EXTERNAL):
        assert len(list(counting_rule(level, 500, []).run(doc, CTX))) == 500
