"""`hub normen` without a store: its three formats exactly (what monitoring teams paste into a report), the
month as YYYY-MM and the choice of regio's.

tests/hub/monitor/test_maand.py reads the figures back through the CLI; these pin the rest of the text (the
begindatum explanation, the note on dateless outcomes, the closing newline), the JSON's non-ASCII regio and the
hint an unknown regio gets.
"""

from __future__ import annotations

import pytest

from hub.monitor.maand import Maand, Maandcijfers, NormCijfer, als_csv, als_json, als_tekst, kies_regios

REGIO = "Fryslân"  # a regio name with a character outside ASCII
CIJFERS = Maandcijfers(
    Maand(2026, 2),
    "begindatum",
    (
        NormCijfer("antwoord_verzoek_5_werkdagen", REGIO, 2, 1),
        NormCijfer("gedragen_koers_6_weken", None, 0, 0),
    ),
    3,
)


def test_the_text_by_begindatum_with_dateless_outcomes() -> None:
    assert als_tekst(CIJFERS) == (
        "norm outcomes of 2026-02, by begindatum: counted in the month of their first date "
        "(JW315 Dagtekening, DatumBepaling, DatumUitspraak)\n"
        "\n"
        "norm                          regio    binnen  buiten  totaal  % binnen\n"
        "antwoord_verzoek_5_werkdagen  Fryslân       2       1       3      66.7\n"
        "gedragen_koers_6_weken        -             0       0       0         -\n"
        "\n"
        "outcomes without dates: 3 (stored before this release, they fall in no month; a replay of the archive "
        "with `hub process` into an empty database gives them their dates (docs/operations.md section 6, "
        "rebuilding))\n"
        "open cases (no second date yet) are in no month: see the gauges "
        "jeugdhulp_verzoeken_onbeantwoord_boven_norm, jeugdhulp_wachtend_boven_norm and "
        "gi_maatregelen_wachtend_boven_norm (docs/definities.md 6.4)\n"
    )


def test_the_text_by_einddatum_names_the_second_date() -> None:
    tekst = als_tekst(Maandcijfers(Maand(2026, 2), "einddatum", CIJFERS.normen, 0))
    assert tekst.startswith(
        "norm outcomes of 2026-02, by einddatum: counted in the month of their second date "
        "(answer, start, vaste jeugdbeschermer, gedragen koers)\n\n"
    )
    assert "\n\noutcomes without dates: 0\nopen cases" in tekst


def test_the_csv_exactly() -> None:
    assert als_csv(CIJFERS) == (
        "maand,naar,norm,regio,binnen,buiten,totaal,percentage_binnen\n"
        "2026-02,begindatum,antwoord_verzoek_5_werkdagen,Fryslân,2,1,3,66.7\n"
        "2026-02,begindatum,gedragen_koers_6_weken,,0,0,0,\n"
    )


def test_the_json_exactly_keeps_the_regio_as_written() -> None:
    assert als_json(CIJFERS) == (
        '{"maand": "2026-02", "naar": "begindatum", "normen": ['
        '{"norm": "antwoord_verzoek_5_werkdagen", "regio": "Fryslân", "binnen": 2, "buiten": 1, "totaal": 3, '
        '"percentage_binnen": 66.7}, '
        '{"norm": "gedragen_koers_6_weken", "regio": null, "binnen": 0, "buiten": 0, "totaal": 0, '
        '"percentage_binnen": null}], "zonder_datum": 3}'
    )


def test_a_month_of_an_early_year_is_written_with_four_digits() -> None:
    """As --maand takes it (YYYY-MM), so the csv's first column sorts and parses back."""
    assert str(Maand(987, 3)) == "0987-03" and Maand.parse("0987-03") == Maand(987, 3)


def test_an_unknown_regio_names_at_most_three_close_ones_and_every_known_one() -> None:
    bekend = ["Holland Rijnland", "Holland Noord", "Holland Zuid", "Holland Midden", "Utrecht"]
    with pytest.raises(ValueError) as raised:
        kies_regios(["Holand"], bekend)
    assert str(raised.value) == (
        "unknown regio 'Holand'; did you mean 'Holland Zuid', 'Holland Noord', 'Holland Midden'? "
        "(known: Holland Midden, Holland Noord, Holland Rijnland, Holland Zuid, Utrecht)"
    )
    with pytest.raises(ValueError) as raised:
        kies_regios(["xyz"], bekend)
    assert str(raised.value).startswith(
        "unknown regio 'xyz' (known: Holland Midden,"
    )  # nothing close: no hint


def test_regios_asked_for_twice_in_two_spellings_are_one() -> None:
    assert kies_regios(["holland-noord", "Holland Noord", "UTRECHT"], ["Holland Noord", "Utrecht"]) == [
        "Holland Noord",
        "Utrecht",
    ]
