"""Importing hub.rules.stateful registers every level-3 rule with its retourcode (rules.md section 3 index)."""

from __future__ import annotations

import hub.rules.stateful  # noqa: F401  (registers the rules under test)
from hub.rules.registry import REGISTRY, Level

EXPECTED: dict[str, str | None] = {
    "TR056": "9056",
    "TR019": "9019",
    "TR063": "9063",
    "TR069": "9069",
    "TR382": "9069",
    "TR071": "9071",
    "TR074": "9074",
    "TR326": "9326",
    "TR413": "9413",
    "TR414": "9414",
    "TR415": "9415",
    "TR332": "9332",
    "TR379": "9379",
    "TR385": "9385",
    "TR347": "9347",
    "TR374": "9374",
    "TR304": "8187",
    "TR349": "9349",
    "TR350": "9350",
    "TR351": "9351",
    "TR357": "9357",
    "TR361": "9361",
    "TR373": "9373",
    "TR375": "9375",
    "TR411": "9411",
    "TR412": "9412",
    "TR355": "9355",
    "TR359": "9359",
    "TR360": "9360",
    "TR365": "9365",
    "TR314": "8021",
    "TR333": "9333",
    "TR318": "8214",
    "TR338": "9338",
    "TR339": "9339",
    "TR340": "9340",
    "TR341": "9341",
    "TR307": "9307",
    "TR308": "9308",
    "TR387": "9387",
    "TR388": "9388",
    "TR321": "9321",
    "TR322": "9322",
    "TR369": "9369",
    "TR323": "8017",
    "TR389": "9389",
    "TR390": "9390",
    "TR384": "9384",
    "TR337": None,  # rules.md: "-", no WJ001 code (a JW325 has no retour to carry one anyway)
    "TR366": "9366",
    "TR367": "9367",
    "TR371": None,
    "TR376": None,
}


def test_every_stateful_rule_is_registered_with_its_retourcode() -> None:
    ours = [r for r in REGISTRY.values() if r.check.__module__.startswith("hub.rules.stateful.")]
    assert {r.code: r.retourcode for r in ours} == EXPECTED
    assert {r.level for r in ours} == {Level.STATEFUL}


def test_tr304_covers_jw317_jw323_and_jw325() -> None:
    berichten = {b for r in REGISTRY.values() if r.code == "TR304" for b in r.berichten}
    assert berichten == {"JW317", "JW323", "JW325"}
