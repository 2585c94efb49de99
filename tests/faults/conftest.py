"""Fixtures for the fault tests: the coherent stream, no HUB_* settings leaking in from the shell, a store per run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.faults.harness import throwaway_postgres
from tests.faults.stream import Bericht, coherent_stream

StoreFactory = Callable[[], str]


@pytest.fixture(autouse=True)
def _no_hub_env(no_hub_env: None) -> None:
    """Settings come from the test, not from the developer's shell (tests/conftest.py)."""


@pytest.fixture(scope="session")
def stream() -> list[Bericht]:
    """80 messages over four gemeente/aanbieder pairs (three partitions), all accepted in order."""
    return coherent_stream()


@pytest.fixture(params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Makes the URL of a new, empty store on each call (a SQLite file or a throwaway PostgreSQL database)."""
    with ExitStack() as stack:
        made: list[str] = []

        def make() -> str:
            if request.param == "postgresql":
                url = stack.enter_context(throwaway_postgres())
            else:
                url = f"sqlite:///{tmp_path / f'hub-{len(made)}.sqlite'}"
            made.append(url)
            return url

        yield make
