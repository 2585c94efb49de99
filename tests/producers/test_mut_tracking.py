"""producers.tracking, pinned where a mutation pass found it free: the store read's guards, gets_no_retour, the 410."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import cast

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hub.store.db import SessionFactory
from hub.store.tables import BerichtRecord
from producers.ids import BerichtIds
from producers.problems import ProblemError
from producers.tracking import Received, Tracking, gets_no_retour, purged


def _tracking(sessions: Callable[[], AbstractContextManager[Session]]) -> Tracking:
    return Tracking(sessions=cast(SessionFactory, sessions), ids=BerichtIds(b"k" * 32))  # a stand-in store


RECEIVED = Received("JW301", "0200", "JW301261102", datetime(2026, 11, 23, tzinfo=UTC))


def _no_store() -> AbstractContextManager[Session]:
    raise AssertionError("an impossible id must not reach the store")


def _store_down() -> AbstractContextManager[Session]:
    raise OperationalError("SELECT", {}, Exception("connection refused"))


async def test_an_impossible_id_is_unknown_without_a_store_read() -> None:
    # An id that cannot be one is answered without a query (a path segment such as "x%00": PostgreSQL refuses NUL).
    tracking = _tracking(_no_store)
    for bericht_id in ("x\x00", "", "0" * 31, "0" * 33, "G" * 32):
        assert await tracking.load(bericht_id) is None


async def test_a_store_error_is_503_store_unavailable_retry_after_5() -> None:
    tracking = _tracking(_store_down)
    with pytest.raises(ProblemError) as raised:
        await tracking.load("0" * 32)
    assert (raised.value.status, raised.value.slug, raised.value.headers) == (
        503,
        "store-unavailable",
        {"Retry-After": "5"},
    )


def test_a_remembered_id_is_not_minted_elsewhere_even_when_its_tag_verifies() -> None:
    tracking = _tracking(_no_store)
    ids = tracking.ids
    bericht_id = ids.mint("0200", "JW301")
    assert tracking.minted(bericht_id, frozenset({"0200"})) is not None  # the tag verifies for the code
    tracking.remember(bericht_id, RECEIVED)
    assert tracking.minted(bericht_id, frozenset({"0200"})) is None  # its Received says whose it is


@pytest.mark.parametrize(
    ("bericht", "expected"),
    [("JW325", True), ("GI101", True), ("JW301", False), ("JW315", False), (None, False), ("XX999", False)],
)
def test_gets_no_retour_only_for_a_known_type_without_retourbericht(
    bericht: str | None, expected: bool
) -> None:
    assert gets_no_retour(bericht) is expected


def test_a_purged_retour_is_410_retour_removed_with_its_moment() -> None:
    at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    record = BerichtRecord(
        id="a" * 32,
        bericht="JW301",
        content_hash="0" * 64,
        outcome="accepted",
        received_at=at,
        retour_purged_at=at,
    )
    problem = purged(record)
    assert (problem.status, problem.slug, problem.title) == (410, "retour-purged", "Retour removed")
    assert problem.extra == {"id": "a" * 32, "bericht": "JW301", "retour_purged_at": at.isoformat()}
