"""What docs/gi-berichten.md promises a GI's software, each claim against the code that keeps it.

test_docs.py checks that every element, code, rule and example is documented as the hub has it; this file checks
what the text says they do: the datatypes of 2.2, a correction (2.5) through the intake and a MaatregelId's
binding, the jeugdregio's of 3.3, the GI101 of 4.1 in the cases its table and text name, resends (5.6), status 05
of 4.2 and the JSON of `hub validate` (8).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Engine
from typer.testing import CliRunner

from hub.cli import app
from hub.gi.ack import build_ontvangstbevestiging
from hub.gi.build import to_tree, to_xml
from hub.gi.catalog import GI_BERICHTEN
from hub.gi.extract import extract_gi
from hub.gi.models import Gi101
from hub.gi.reference import jeugdregios, normaliseer
from hub.gi.state import GiSnapshot
from hub.gi.synth import BEPALING_ID, bepaling, capaciteit, spec
from hub.ijw.doc import Doc
from hub.intake import Inbound
from hub.synth import berichten as ijw
from hub.synth.build import edit
from tests.cli_json import lines
from tests.hub.gi.helpers import TODAY, schema, violations
from tests.hub.gi.rules.test_stateful import ANDER, bekend, maatregel_bekend, pseudonym
from tests.hub.gi.test_ack import answer, verdict_for
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline.helpers import Pipeline
from tests.hub.intake_helpers import new_intake

DAG = ijw.DEFAULT_DAGTEKENING
D = date(2026, 9, 1)  # DatumBepaling and Dagtekening of the pipeline stories
KIND, ANDER_KIND = m.kind(1), m.kind(2)


def gi101(retour: bytes | None) -> Gi101:
    """A GI101 as the hub sends it: XSD-valid, read into its model."""
    assert retour is not None
    root = etree.fromstring(retour)
    assert schema("GI101").validate(root), schema("GI101").error_log
    model = extract_gi(Doc(root, GI_BERICHTEN["GI101"]))
    assert isinstance(model, Gi101)
    return model


# ---- 2.2 datatypes: the XSD accepts what the table says ------------------------------------------------------

FTE = "Capaciteiten/Capaciteit[1]/Jeugdbeschermers"
AANTAL = "Capaciteiten/Capaciteit[1]/Caseload"
REGIO = "Capaciteiten/Capaciteit[1]/Jeugdregio"
TOELICHTING = "Client/Bepalingen/Bepaling[1]/Toelichting"
ID = "Client/Bepalingen/Bepaling[1]/BepalingId"


@pytest.mark.parametrize(
    ("bericht", "path", "value", "accepted"),
    [
        # LDT_Fte: 0 or more, at most 6 digits, at most 2 of them decimals (trailing zeros do not count), a point.
        ("GI003", FTE, "42.5", True),
        ("GI003", FTE, "42.50", True),
        ("GI003", FTE, "0", True),
        ("GI003", FTE, "9999.99", True),
        ("GI003", FTE, "10000.00", True),
        ("GI003", FTE, "12345.67", False),
        ("GI003", FTE, "0.125", False),
        ("GI003", FTE, "-1", False),
        ("GI003", FTE, "42,5", False),
        # LDT_Aantal: 0 up to and including 99999.
        ("GI003", AANTAL, "0", True),
        ("GI003", AANTAL, "99999", True),
        ("GI003", AANTAL, "100000", False),
        ("GI003", AANTAL, "-1", False),
        # LDT_Jeugdregio: 1-80 characters on one line, not only spaces.
        ("GI003", REGIO, "x" * 80, True),
        ("GI003", REGIO, "x" * 81, False),
        ("GI003", REGIO, " ", False),
        ("GI003", REGIO, "Food\nValley", False),
        # LDT_Toelichting: 1-500 characters, at least one other than space, tab or line break.
        ("GI001", TOELICHTING, "x" * 500, True),
        ("GI001", TOELICHTING, "x" * 501, False),
        ("GI001", TOELICHTING, " a ", True),
        ("GI001", TOELICHTING, " \t\n", False),
        # LDT_BepalingId: 1-36 characters of 0-9 A-Z a-z . _ -
        ("GI001", ID, "aZ09._-", True),
        ("GI001", ID, "x" * 36, True),
        ("GI001", ID, "x" * 37, False),
        ("GI001", ID, "B 1", False),
        ("GI001", ID, "B/1", False),
    ],
)
def test_the_datatypes_accept_what_the_table_says(
    bericht: str, path: str, value: str, accepted: bool
) -> None:
    tree = to_tree(bericht, edit(spec(bericht), path, value))
    assert schema(bericht).validate(tree) is accepted


def test_a_geboortedatum_is_not_judged_against_its_datumgebruik() -> None:
    """2.2: of iJw's in-message rules only chapter 5's apply; CS139's check of DatumGebruik is not one of them."""
    s = edit(spec("GI001"), "Client/Geboortedatum", {"Datum": date(2014, 5, 3), "DatumGebruik": "3"})
    assert violations("GI001", s) == []


# ---- 2.5 a correction through the intake -----------------------------------------------------------------


def test_a_correction_is_accepted_whatever_maatregel_its_withdrawal_repeats(db: Engine) -> None:
    # The hub finds a withdrawn bepaling by BepalingId and Bsn only. A withdrawal naming another child's
    # maatregel once made GB104 reject it while GB102 let the new bepaling take its id: two bepalingen in
    # force with one id, which the store refused, so the GI got no GI101 at all.
    p = Pipeline(db)
    p.stuur("GI001", m.gi001(KIND, D, "B1", m.bepaling("B-1", D)))
    p.stuur("GI001", m.gi001(ANDER_KIND, D, "B2", m.bepaling("B-9", D, maatregel_id="M-9")))
    correctie = m.gi001(
        KIND, D + timedelta(days=1), "B3", m.intrekking("B-1", D, maatregel_id="M-9"), m.bepaling("B-1", D)
    )
    result = p.stuur("GI001", correctie)
    ack = gi101(result.retour)
    assert [(b.status_aanlevering, b.retour_codes) for b in ack.bepalingen] == [
        ("3", ("0200",)),
        ("1", ("0200",)),
    ]
    assert p.statussen() == [("B-1", "06")]


def test_a_maatregelid_keeps_its_first_type_after_every_bepaling_with_it_is_withdrawn(db: Engine) -> None:
    """2.5: a wrong MaatregelType is corrected under a new MaatregelId, not by withdrawing and sending again."""
    intake = new_intake(db)
    eerste = m.gi001(KIND, D, "B1", m.bepaling("B-1", D, maatregel_id="M-1"))
    assert intake.verwerk(to_xml("GI001", eerste)).errors == ()
    assert intake.verwerk(to_xml("GI001", m.gi001(KIND, D, "B2", m.intrekking("B-1", D)))).errors == ()
    ander_type = edit(m.bepaling("B-1", D, maatregel_id="M-1"), "Maatregel/MaatregelType", "01")
    opnieuw = intake.verwerk(to_xml("GI001", m.gi001(KIND, D, "B3", ander_type)))
    assert [v.rule for v in opnieuw.errors] == ["GB104"]
    nieuw_id = edit(m.bepaling("B-1", D, maatregel_id="M-2"), "Maatregel/MaatregelType", "01")
    assert intake.verwerk(to_xml("GI001", m.gi001(KIND, D, "B4", nieuw_id))).errors == ()


# ---- 3.3 jeugdregio's -------------------------------------------------------------------------------------


def test_jeugdregios_are_those_of_the_cbs_2026_list_compared_leniently() -> None:
    assert len(jeugdregios()) == 42
    for naam in ("Food Valley", "FoodValley", "food-valley", "Food.Valley"):
        s = edit(spec("GI003"), "Capaciteiten/Capaciteit", [capaciteit(naam, peildatum=DAG)])
        assert violations("GI003", s, "GB031") == [], naam
    assert normaliseer("Food Valley") in jeugdregios()


# ---- 4.1 the GI101 ------------------------------------------------------------------------------------------


def test_gb101_rejects_the_whole_message_and_a_part_keeps_its_own_level3_code() -> None:
    s = edit(
        spec("GI001"),
        "Client/Bepalingen/Bepaling",
        [
            bepaling(BEPALING_ID, datum_bepaling=DAG, gewenste_ingangsdatum=DAG),  # in force: GB102
            bepaling("B-NIEUW", datum_bepaling=DAG, gewenste_ingangsdatum=DAG),
        ],
    )
    state = GiSnapshot(pseudonym=pseudonym, identificatie_bekend=True, bepalingen={BEPALING_ID: bekend()})
    ack = answer(verdict_for("GI001", s, state))
    assert ack.header.retour_codes == ("G101",)
    assert [f.code for f in ack.header.fouten] == ["GB101"]
    assert [b.retour_codes for b in ack.bepalingen] == [("G102",), ("0233",)]


def test_a_message_whose_every_part_is_rejected_frees_its_identificatie(db: Engine) -> None:
    """4.1: Header 0200 and every part a level-3 code: nothing processed, so the Identificatie is free again."""
    intake = new_intake(db)
    niets = intake.verwerk(
        to_xml("GI001", m.gi001(KIND, D, "X1", m.intrekking("B-1", D)))
    )  # nothing to withdraw
    ack = gi101(niets.retour)
    assert (ack.header.retour_codes, [b.retour_codes for b in ack.bepalingen]) == (("0200",), [("G103",)])
    assert niets.outcome == "rejected"
    opnieuw = intake.verwerk(to_xml("GI001", m.gi001(KIND, D, "X1", m.bepaling("B-1", D))))
    assert (opnieuw.outcome, opnieuw.errors) == ("accepted", ())


def test_the_same_bytes_again_get_the_same_gi101_and_other_bytes_gb101(db: Engine) -> None:
    """5.6: a byte-identical resend of an accepted message is answered again; any other difference is GB101;
    a rejected message sent again is judged anew."""
    intake = new_intake(db)
    raw = to_xml("GI001", m.gi001(KIND, D, "X1", m.bepaling("B-1", D)))
    eerste = intake.verwerk(raw)
    herhaald = intake.verwerk(raw)
    assert (herhaald.outcome, herhaald.retour) == ("duplicate", eerste.retour)
    anders = intake.verwerk(raw.rstrip() + b"\n\n")  # only whitespace after the root element differs
    assert [v.rule for v in anders.errors] == ["GB101", "GB102"]  # its bepaling is in force, too
    # 4.1: the IdentificatieRetour is the same for the same message again, another for another message.
    kenmerk = [
        etree.fromstring(r.retour or b"").findtext("{*}Header/{*}IdentificatieRetour")
        for r in (eerste, anders)
    ]
    assert kenmerk[0] != kenmerk[1]
    afgekeurd = to_xml("GI001", m.gi001(KIND, D, "X2", m.intrekking("B-9", D)))
    assert [v.rule for v in intake.verwerk(afgekeurd).errors] == ["GB103"]
    assert [v.rule for v in intake.verwerk(afgekeurd).errors] == ["GB103"]  # judged again, not a duplicate


def test_a_fout_never_names_the_child() -> None:
    # Fout/Tekst: in English, without BSN, name or birth date; level 2 (GB002, GB013) and level 3 (GB103, GB104).
    kind = m.kind(3)
    geboren = DAG + timedelta(days=1)
    s = m.gi001(kind, DAG, "B1", m.bepaling("B-1", DAG - timedelta(days=3)))
    level2 = verdict_for("GI001", edit(s, "Client/Geboortedatum/Datum", geboren))
    assert [v.rule for v in level2.errors] == ["GB002", "GB013"]
    intrekking = m.intrekking(BEPALING_ID, DAG - timedelta(days=3))
    s = m.gi001(kind, DAG, "B2", intrekking, m.bepaling("B-2", DAG, maatregel_id="M-X"))
    state = GiSnapshot(
        pseudonym=pseudonym,
        bepalingen={BEPALING_ID: bekend(client=ANDER)},
        maatregelen={"M-X": maatregel_bekend(client=ANDER)},
    )
    level3 = verdict_for("GI001", s, state)
    assert [v.rule for v in level3.errors] == ["GB103", "GB104"]
    for verdict, datum in ((level2, geboren), (level3, kind.geboortedatum)):
        retour = build_ontvangstbevestiging(verdict, TODAY)
        assert retour is not None and b"<gi:Fout>" in retour
        for secret in (kind.bsn, kind.achternaam, datum.isoformat()):
            assert secret.encode() not in retour, secret


def test_a_message_the_hub_gives_up_on_gets_0001_without_a_fout(db: Engine) -> None:
    # The intake's answer to a dead-lettered message has no GIC05 rule to name: a valid GI101, 0001 alone.
    dead = new_intake(db).dead_letter(Inbound(to_xml("GI001", spec("GI001"))))
    ack = gi101(dead.result.retour)
    assert (ack.header.retour_codes, ack.header.fouten) == (("0001",), ())
    assert [(b.retour_codes, b.fouten) for b in ack.bepalingen] == [(("0233",), ())]


# ---- 4.2 status 05 ------------------------------------------------------------------------------------------


def test_an_earlier_einddatum_is_no_deletion_and_gives_no_status_05(db: Engine) -> None:
    p = Pipeline(db)
    p.stuur("GI001", m.gi001(KIND, D, "B1", m.bepaling("B-1", D)))
    tw = D + timedelta(days=10)
    p.stuur("JW301", m.jw301(KIND, tw, "T1", m.toegewezen(300201, tw)))
    korter = tw + timedelta(days=5)
    ingang = ijw.ingang(tw)
    verkort = m.toegewezen(
        300201, korter, ingangsdatum=ingang, einddatum=ingang + timedelta(days=20), reden_wijziging="05"
    )
    p.stuur("JW301", m.jw301(KIND, korter, "T2", verkort))
    assert p.statussen() == [("B-1", "02")]


# ---- 8 hub validate ---------------------------------------------------------------------------------------


def test_hub_validate_names_rule_retourcode_location_and_message_per_fout(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(to_xml("GI001", edit(spec("GI001"), "Client/Bsn", "123456789")))
    result = CliRunner().invoke(app, ["validate", "--format", "json", "--as-of", "2026-11-23", str(bad)])
    (o,) = lines(result.output)
    assert set(o) >= {"bericht", "accepted", "errors"}
    assert o["errors"] == [
        {
            "rule": "GB001",
            "retourcode": "0001",
            "location": "/Bericht/Client/Bsn",
            "message": "Client/Bsn does not pass the 11-proef.",
        }
    ]
