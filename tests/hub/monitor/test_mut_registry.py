"""hub.monitor.registry, the cases a mutation pass found unpinned: what load_plugins registers in a fresh process,
the Context's defaults, and the registration of observers and sources."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest

from hub.monitor import registry
from hub.monitor.registry import Context, Regios
from tests.processes import fresh_json


def test_load_plugins_registers_the_ijw_and_gi_observers_in_a_fresh_process() -> None:
    """Nothing else imports the plugins: without load_plugins a process would observe nothing."""
    code = (
        "import json, sys\n"
        "from hub.monitor import registry\n"
        "before = sorted(m for m in sys.modules if m in registry.PLUGINS)\n"
        "registry.load_plugins()\n"
        "registry.load_plugins()\n"  # a no-op the second time
        "print(json.dumps({'before': before, 'plugins': sorted(m for m in sys.modules if m in registry.PLUGINS),"
        " 'kinds': sorted(registry.EVENT_KINDS), 'observers': {t: len(o) for t, o in registry.OBSERVERS.items()},"
        " 'wacht': len(registry.WACHT_BRONNEN), 'peilingen': len(registry.PEILINGEN),"
        " 'postvakken': len(registry.POSTVAKKEN), 'familie': len(registry.FAMILIE_BRONNEN),"
        " 'bronnen': sorted(registry.BRONNEN)}))\n"
    )
    found = fresh_json(code)
    assert found["before"] == []
    assert found["plugins"] == ["hub.monitor.gi", "hub.monitor.ijw"]
    assert (
        found["kinds"]
        and found["observers"]
        and found["wacht"]
        and found["peilingen"]
        and found["postvakken"]
        and found["familie"]
        and found["bronnen"]
    )
    # The registrations of this process (the plugins imported once) are the same: loading twice adds nothing.
    registry.load_plugins()
    assert found["kinds"] == sorted(registry.EVENT_KINDS)
    assert found["observers"] == {t: len(o) for t, o in registry.OBSERVERS.items()}
    assert found["wacht"] == len(registry.WACHT_BRONNEN)


def test_a_context_defaults_to_a_year_of_linking_and_the_utc_clock() -> None:
    """docs/gi-koppeling.md: the standard koppeltermijn is 365 days."""
    context = Context(regio=Regios())
    assert registry.DEFAULT_KOPPELTERMIJN_DAGEN == context.koppeltermijn_dagen == 365
    nu = context.nu()
    assert nu.tzinfo is not None and nu.utcoffset() == timedelta(0)
    assert nu.tzinfo == UTC


def test_an_empty_mapping_knows_only_onbekend() -> None:
    assert Regios()("0200") == Regios()(None) == "onbekend"
    assert Regios().alle() == ("onbekend",)


@pytest.fixture
def reg(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The registries, empty for the test (and restored after it), by name."""
    leeg: dict[str, Any] = {name: {} for name in ("OBSERVERS", "VOORSELECTIES", "EENS_PER_BATCH", "BRONNEN")}
    leeg |= {name: [] for name in ("WACHT_BRONNEN", "FAMILIE_BRONNEN", "PEILINGEN", "POSTVAKKEN")}
    for name, container in leeg.items():
        monkeypatch.setattr(registry, name, container)
    return leeg


def test_an_observer_is_registered_for_each_type_with_only_the_options_given(reg: dict[str, Any]) -> None:
    def kies(*args: Any) -> Any:
        return set()

    def sleutel(*args: Any) -> Any:
        return "k"

    def kaal(*args: Any) -> Any:
        return []

    def gekozen(*args: Any) -> Any:
        return []

    def eens(*args: Any) -> Any:
        return []

    assert registry.observer("A", "B")(kaal) is kaal
    assert registry.observer("B", voorselectie=kies)(gekozen) is gekozen
    assert registry.observer("A", eens_per_batch=sleutel)(eens) is eens
    assert reg["OBSERVERS"] == {"A": [kaal, eens], "B": [kaal, gekozen]}
    assert reg["VOORSELECTIES"] == {gekozen: kies}
    assert reg["EENS_PER_BATCH"] == {eens: sleutel}


def test_sources_checks_and_outboxes_are_registered_in_order_and_returned(reg: dict[str, Any]) -> None:
    def een(*args: Any) -> Any:
        return []

    def twee(*args: Any) -> Any:
        return []

    assert registry.bron("f")(een) is een
    assert registry.bron("f")(twee) is twee
    assert registry.bron("g")(een) is een
    assert reg["BRONNEN"] == {"f": [een, twee], "g": [een]}
    assert registry.wacht_bron(een) is een and registry.wacht_bron(twee) is twee
    assert reg["WACHT_BRONNEN"] == [een, twee]
    assert registry.familie_bron(twee) is twee and reg["FAMILIE_BRONNEN"] == [twee]
    assert registry.peiling(een) is een and reg["PEILINGEN"] == [een]
    box: Any = object()
    assert registry.postvak(box) is box and reg["POSTVAKKEN"] == [box]
