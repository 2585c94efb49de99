"""constraints.txt pins what `make test` and the image install: every requirement, within pyproject's ranges."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, pinned = line.partition("==")
        assert sep, f"constraints.txt pins exactly, not {line!r}"
        pins[canonicalize_name(name)] = Version(pinned)
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    return [Requirement(r) for r in declared]


PINS = _pins()


@pytest.mark.parametrize("requirement", _requirements(), ids=str)
def test_every_requirement_is_pinned_within_its_range(requirement: Requirement) -> None:
    pinned = PINS.get(canonicalize_name(requirement.name))
    assert pinned is not None, f"{requirement.name} has no pin: run `make lock`"
    assert requirement.specifier.contains(pinned, prereleases=True), (
        f"{requirement.name}=={pinned} is outside pyproject's {requirement.specifier}: run `make lock`"
    )


def test_the_environment_holds_the_pins() -> None:
    """`make test` installed the pins (pip -c): a test run on other versions would prove nothing about main's."""
    differ = {}
    for name, pinned in PINS.items():
        try:
            installed = Version(version(name))
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            differ[name] = (str(pinned), installed and str(installed))
    assert not differ, f"installed versions differ from constraints.txt (pinned, installed): {differ}"
