"""InQuery: IN lists over a fixed number of parameters find what an expanding IN finds, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any, cast

import pytest
from sqlalchemy import ClauseElement, Engine, bindparam, or_, select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session, col

from hub.store import audit
from hub.store.db import IN_SIZES, InList, InQuery, run
from hub.store.tables import BerichtRecord

IDS = [f"{i:032x}" for i in range(700)]


def _ids_in(ids: InList) -> Any:
    return select(col(BerichtRecord.id)).where(col(BerichtRecord.id).in_(ids))


BY_ID = InQuery(_ids_in, ids=BerichtRecord.id)
EXPANDING = _ids_in(bindparam("ids", expanding=True))


@pytest.fixture
def stored(session: Session) -> Session:
    """Every other id of IDS recorded."""
    rows = [audit.values(id=i, content_hash="0" * 64, outcome="malformed") for i in IDS[::2]]
    audit.insert_records(session, rows)
    return session


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5, 17, IN_SIZES[-1], IN_SIZES[-1] + 1, 700])
def test_finds_what_an_expanding_in_finds(stored: Session, count: int) -> None:
    wanted = IDS[1 : count + 1]  # odd and even ids: half of them recorded
    found = set(BY_ID.run(stored, {"ids": wanted}).scalars())
    assert found == set(run(stored, EXPANDING, {"ids": wanted}).scalars())
    assert found == {i for i in wanted if int(i, 16) % 2 == 0}


def test_one_statement_serves_every_length_up_to_its_slots(db: Engine) -> None:
    three, params = BY_ID.prepare({"ids": IDS[:3]})
    assert BY_ID.prepare({"ids": IDS[:4]})[0] is three
    assert BY_ID.prepare({"ids": IDS[:5]})[0] is not three
    # padded with the last value: no expanding parameter left to render per execution
    assert params == {"ids_0": IDS[0], "ids_1": IDS[1], "ids_2": IDS[2], "ids_3": IDS[2]}
    compiled = cast(ClauseElement, three).compile(db)
    assert isinstance(compiled, SQLCompiler)  # a SELECT's compiler, the one that keeps the binds
    assert not any(b.expanding for b in compiled.binds.values())
    assert {b.type.python_type for b in compiled.binds.values()} == {str}  # the column's type, for every slot


def test_a_longer_list_takes_an_expanding_parameter() -> None:
    statement, params = BY_ID.prepare({"ids": IDS[: IN_SIZES[-1] + 1]})
    assert params == {"ids": IDS[: IN_SIZES[-1] + 1]}
    compiled = cast(ClauseElement, statement).compile()
    assert isinstance(compiled, SQLCompiler)
    assert [b.expanding for b in compiled.binds.values()] == [True]


def test_a_list_left_out_is_none_to_the_builder(stored: Session) -> None:
    def build(ids: InList | None, identificaties: InList | None) -> Any:
        conditions = [col(BerichtRecord.id).in_(ids)] if ids is not None else []
        if identificaties is not None:
            conditions.append(col(BerichtRecord.identificatie).in_(identificaties))
        return select(col(BerichtRecord.id)).where(or_(*conditions))

    query = InQuery(build, ids=BerichtRecord.id, identificaties=BerichtRecord.identificatie)
    assert set(query.run(stored, {"ids": IDS[:3]}).scalars()) == {IDS[0], IDS[2]}
    assert set(query.run(stored, {"identificaties": ["x"]}).scalars()) == set()
    assert query.prepare({"ids": IDS[:1]})[0] is not query.prepare({"identificaties": IDS[:1]})[0]
