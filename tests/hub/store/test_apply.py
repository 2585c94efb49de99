"""apply_accepted + load_snapshot round trips: what an accepted message changes is what the next one sees."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, col, select

from hub.ijw.models import Jw325
from hub.store import apply
from hub.store.db import session_factory
from hub.store.tables import (
    DELETED,
    IN_FORCE,
    PrestatieRecord,
    StartRecord,
    ToewijzingRecord,
    VerzoekRecord,
)
from hub.synth import berichten
from hub.synth.build import Spec, edit
from tests.hub.prestaties import specifieke_prestatie
from tests.hub.store.plans import plans
from tests.hub.store.scenario import (
    ANDER,
    ASPECIFIEK,
    CLIENT,
    DAG,
    INGANG,
    PS,
    SPECIFIEK,
    accept,
    model,
    record,
    snapshot,
    spec,
)

VOT_A, VOT_B = f"VOT{DAG:%Y%m%d}A", f"VOT{DAG:%Y%m%d}B"
REF_SPECIFIEK, REF_ASPECIFIEK = f"P{SPECIFIEK}{INGANG:%Y%m}", f"P{ASPECIFIEK}{INGANG:%Y%m}"


def _lines(s: Spec, path: str, *lines: Spec) -> Spec:
    return edit(s, path, list(lines))


def _start(nummer: int = SPECIFIEK, *, begindatum: date = INGANG, status: str = "1") -> Spec:
    cat, code = ("45", "45A53") if nummer == SPECIFIEK else ("43", None)
    return berichten.start_product(
        nummer, categorie=cat, code=code, toewijzing_ingangsdatum=INGANG, begindatum=begindatum, status=status
    )


def _stop(status: str = "1") -> Spec:
    return berichten.stop_product(
        SPECIFIEK,
        categorie="45",
        code="45A53",
        toewijzing_ingangsdatum=INGANG,
        begindatum=INGANG,
        einddatum=date(2026, 10, 31),
        status=status,
    )


def _jw319(ident: str, ref: str, antwoord: str) -> Spec:
    reden = "4" if antwoord == "1" else None
    a = berichten.antwoord(ref, verzoek_antwoord=antwoord, reden_afwijzing=reden)
    return edit(spec("JW319", ident), "Antwoord", a)


# ---- toewijzingen ---------------------------------------------------------------------------------------


def test_jw301_gives_the_jw305_its_toewijzingen(session: Session) -> None:
    accept(session, "JW301", spec("JW301"))
    snap = snapshot(session, "JW305", spec("JW305"))
    assert [t.toewijzing_nummer for t in snap.toewijzingen] == [SPECIFIEK, ASPECIFIEK]
    t = snap.toewijzing(SPECIFIEK, PS(CLIENT.bsn))
    assert t is not None
    assert (t.gemeente, t.aanbieder, t.categorie, t.code) == ("0200", "12345678", "45", "45A53")
    assert (t.volume, t.eenheid, t.frequentie, t.budget) == (4, "04", "2", None)
    assert (t.ingangsdatum, t.einddatum, t.eerste_toewijzingsdatum) == (INGANG, date(2027, 3, 31), DAG)
    assert t.actueel(DAG)


def test_latest_toewijzing_version_wins_and_keeps_its_first_date(session: Session) -> None:
    accept(session, "JW301", spec("JW301"))
    later = date(2026, 11, 5)
    changed = spec("JW301", "JW301B", dagtekening=later)
    changed = edit(changed, "Client/ToegewezenProducten/ToegewezenProduct[1]/Einddatum", date(2026, 12, 31))
    changed = edit(changed, "Client/ToegewezenProducten/ToegewezenProduct[1]/RedenWijziging", "05")
    accept(session, "JW301", changed)
    snap = snapshot(session, "JW307", spec("JW307"))
    t = snap.toewijzing(SPECIFIEK)
    assert t is not None
    assert (t.einddatum, t.reden_wijziging, t.toewijzingsdatum, t.eerste_toewijzingsdatum) == (
        date(2026, 12, 31),
        "05",
        later,
        DAG,
    )


def test_resending_an_unchanged_toewijzing_adds_no_version(session: Session) -> None:
    accept(session, "JW301", spec("JW301"))
    accept(session, "JW301", spec("JW301", "JW301B"))  # same Toewijzingsdatum and -tijd
    assert len(session.exec(select(ToewijzingRecord)).all()) == 2


def test_a_product_twice_in_one_message_is_one_version(session: Session) -> None:
    s = spec("JW301")
    first, second = s["Client"]["ToegewezenProducten"]["ToegewezenProduct"]
    accept(session, "JW301", _lines(s, "Client/ToegewezenProducten/ToegewezenProduct", first, second, first))
    nummers = session.exec(
        select(ToewijzingRecord.toewijzing_nummer).order_by(col(ToewijzingRecord.id))
    ).all()
    assert nummers == [SPECIFIEK, ASPECIFIEK]


def test_an_empty_field_compares_as_a_value_between_versions(session: Session) -> None:
    # The aspecifiek product has no Code, Omvang or Budget: resent as is it equals its version, with a Budget it
    # is a new one, and that one resent is not.
    accept(session, "JW301", spec("JW301"))
    path = "Client/ToegewezenProducten/ToegewezenProduct[2]/Budget"
    accept(session, "JW301", edit(spec("JW301", "JW301B"), path, 1200))
    accept(session, "JW301", edit(spec("JW301", "JW301C"), path, 1200))
    rows = session.exec(select(ToewijzingRecord).order_by(col(ToewijzingRecord.id))).all()
    assert [(r.toewijzing_nummer, r.budget, r.code, r.volume) for r in rows] == [
        (SPECIFIEK, None, "45A53", 4),
        (ASPECIFIEK, None, None, None),
        (ASPECIFIEK, 1200, None, None),
    ]


def test_deleted_toewijzing_stays_visible_as_verwijderd(session: Session) -> None:
    accept(session, "JW301", spec("JW301"))
    p = "Client/ToegewezenProducten/ToegewezenProduct[2]"
    deleted = spec("JW301", "JW301B")
    for path, value in (("Einddatum", INGANG), ("RedenWijziging", "13"), ("Toewijzingstijd", time(11, 0))):
        deleted = edit(deleted, f"{p}/{path}", value)
    accept(session, "JW301", deleted)
    t = snapshot(session, "JW305", spec("JW305")).toewijzing(ASPECIFIEK)
    assert t is not None and t.verwijderd and not t.actueel(DAG)


# ---- start and stop ---------------------------------------------------------------------------------------


def test_jw305_start_is_in_force(session: Session) -> None:
    accept(session, "JW301", spec("JW301"))
    accept(session, "JW305", spec("JW305"))
    snap = snapshot(session, "JW307", spec("JW307"))
    assert [s.sleutel for s in snap.starts] == [
        (SPECIFIEK, "45", "45A53", INGANG),
        (ASPECIFIEK, "43", None, INGANG),
    ]
    assert snap.starts[0].toewijzing_ingangsdatum == INGANG


def test_jw305_status_3_deletes_the_start(session: Session) -> None:
    accept(session, "JW305", spec("JW305"))
    delete_id = accept(
        session,
        "JW305",
        _lines(spec("JW305", "JW305B"), "Client/StartProducten/StartProduct", _start(status="3")),
    )
    snap = snapshot(session, "JW305", spec("JW305", "JW305C"))
    assert [s.toewijzing_nummer for s in snap.starts] == [ASPECIFIEK]
    row = session.exec(select(StartRecord).where(StartRecord.toewijzing_nummer == SPECIFIEK)).one()
    assert (row.status, row.verwijderd_bericht_id) == (DELETED, delete_id)


def test_deletions_are_processed_before_additions(session: Session) -> None:
    # The new line comes first in the message, with the same key: it must survive the deletion (6.1).
    accept(session, "JW305", spec("JW305"))
    correction = _lines(
        spec("JW305", "JW305B"), "Client/StartProducten/StartProduct", _start(), _start(status="3")
    )
    correction_id = accept(session, "JW305", correction)
    rows = session.exec(select(StartRecord).where(StartRecord.toewijzing_nummer == SPECIFIEK)).all()
    assert sorted((r.status, r.bericht_id == correction_id) for r in rows) == [
        (DELETED, False),
        (IN_FORCE, True),
    ]
    assert len(snapshot(session, "JW307", spec("JW307")).starts) == 2


def test_jw307_stop_appears_and_status_3_deletes_it(session: Session) -> None:
    accept(session, "JW305", spec("JW305"))
    accept(session, "JW307", spec("JW307"))
    snap = snapshot(session, "JW307", spec("JW307", "JW307B"))
    assert [s.sleutel for s in snap.stops] == [
        (SPECIFIEK, "45", "45A53", INGANG, date(2026, 10, 31), "31"),
    ]
    assert not snap.stops[0].tijdelijk
    accept(session, "JW307", _lines(spec("JW307", "JW307B"), "Client/StopProducten/StopProduct", _stop("3")))
    assert snapshot(session, "JW307", spec("JW307", "JW307C")).stops == ()


def test_start_and_stop_are_scoped_to_client_gemeente_and_aanbieder(session: Session) -> None:
    accept(session, "JW301", spec("JW301"))
    accept(session, "JW305", spec("JW305"))
    assert len(snapshot(session, "JW305", spec("JW305", "X0")).starts) == 2
    others = (
        spec("JW305", "X1", aanbieder="87654321"),
        spec("JW305", "X2", gemeente="0363"),
        spec("JW305", "X3", persoon=ANDER),
    )
    for s in others:
        snap = snapshot(session, "JW305", s)
        assert (snap.toewijzingen, snap.starts) == ((), ())


# ---- verzoeken and antwoorden -----------------------------------------------------------------------------


def test_vot_is_pending_until_a_jw301_honours_its_referentie(session: Session) -> None:
    accept(session, "JW315", spec("JW315"))
    snap = snapshot(session, "JW317", spec("JW317"))
    assert {v.referentie_aanbieder: v.pending for v in snap.verzoeken} == {VOT_A: True, VOT_B: True}
    a = next(v for v in snap.verzoeken if v.referentie_aanbieder == VOT_A)
    assert (a.soort, a.gemeente, a.client, a.dagtekening) == ("VOT", "0200", PS(CLIENT.bsn), DAG)

    honoured = edit(
        spec("JW301"), "Client/ToegewezenProducten/ToegewezenProduct[1]/ReferentieAanbieder", VOT_A
    )
    accept(session, "JW301", honoured)
    snap = snapshot(session, "JW317", spec("JW317"))
    assert {v.referentie_aanbieder: (v.toegewezen, v.pending) for v in snap.verzoeken} == {
        VOT_A: (True, False),
        VOT_B: (False, True),
    }


def test_jw319_in_onderzoek_keeps_it_pending_and_afgewezen_ends_it(session: Session) -> None:
    accept(session, "JW315", spec("JW315"))
    accept(session, "JW319", _jw319("JW319A", VOT_B, "2"))
    state = snapshot(session, "JW319", _jw319("JW319B", VOT_B, "1")).referenties[VOT_B]
    assert (state.antwoorden, state.pending, state.client) == (("2",), True, PS(CLIENT.bsn))
    accept(session, "JW319", _jw319("JW319B", VOT_B, "1"))
    state = snapshot(session, "JW319", _jw319("JW319C", VOT_B, "1")).referenties[VOT_B]
    assert (state.antwoorden, state.afgewezen, state.pending) == (("2", "1"), True, False)
    assert not any(
        v.pending
        for v in snapshot(session, "JW317", spec("JW317")).verzoeken
        if v.referentie_aanbieder == VOT_B
    )


def test_jw319_for_an_unknown_referentie_finds_nothing(session: Session) -> None:
    accept(session, "JW315", spec("JW315"))
    assert snapshot(session, "JW319", _jw319("JW319A", "ONBEKEND", "1")).referenties == {}


def test_vot_stores_what_was_asked(session: Session) -> None:
    accept(session, "JW315", spec("JW315"))
    rows = {r.referentie_aanbieder: r for r in session.exec(select(VerzoekRecord))}
    a, b = rows[VOT_A], rows[VOT_B]
    assert (a.categorie, a.code, a.volume, a.eenheid, a.ingangsdatum) == (
        "45",
        "45A53",
        4,
        "04",
        date(2026, 12, 1),
    )
    assert (b.categorie, b.code, b.budget, b.einddatum) == ("43", None, 250000, date(2027, 5, 31))


def test_vow_is_one_pending_verzoek(session: Session) -> None:
    accept(session, "JW301", spec("JW301"))
    accept(session, "JW317", spec("JW317"))
    snap = snapshot(session, "JW315", spec("JW315"))
    assert [(v.referentie_aanbieder, v.soort, v.pending) for v in snap.verzoeken] == [
        (f"VOW{DAG:%Y%m%d}", "VOW", True)
    ]
    assert len(snap.toewijzingen) == 2


def test_referenties_are_found_for_any_client_of_the_aanbieder(session: Session) -> None:
    # TR347: a ReferentieAanbieder is unique per aanbieder, whoever the client.
    accept(session, "JW315", spec("JW315"))
    other = spec("JW315", "JW315B", persoon=ANDER)
    snap = snapshot(session, "JW315", other)
    assert set(snap.referenties) == {VOT_A, VOT_B}
    assert snap.verzoeken == ()  # the other client has none of its own


# ---- declaraties ------------------------------------------------------------------------------------------


def _jw323(ident: str, nummer: str, *prestaties: Spec) -> Spec:
    s = spec("JW323", ident)
    d = berichten.declaratie(
        [(CLIENT.bsn, list(prestaties))], nummer=nummer, periode_begin=INGANG, declaratie_dagtekening=DAG
    )
    return edit(s, "Declaratie", d)


def _prestaties(session: Session) -> dict[str, PrestatieRecord]:
    return {p.referentie_nummer: p for p in session.exec(select(PrestatieRecord))}


def test_jw323_gives_the_next_declaratie_its_history(session: Session) -> None:
    accept(session, "JW301", spec("JW301"))
    accept(session, "JW323", spec("JW323"))
    nummer = spec("JW323")["Declaratie"]["DeclaratieNummer"]
    snap = snapshot(session, "JW323", spec("JW323", "JW323B"))
    assert {p.referentie_nummer: p.toegekend for p in snap.prestaties} == {
        REF_SPECIFIEK: None,
        REF_ASPECIFIEK: None,
    }
    p = next(p for p in snap.prestaties if p.referentie_nummer == REF_SPECIFIEK)
    assert (p.client, p.volume, p.eenheid, p.bedrag, p.debet) == (PS(CLIENT.bsn), 16, "04", 128000, True)
    assert p.gemeente == spec("JW323")["Header"]["Ontvanger"]  # TR323: a credit goes to the debet's gemeente
    assert snap.declaratie_nummers == {nummer}
    assert snap.laatste_declaratieperiode == INGANG
    assert [t.toewijzing_nummer for t in snap.toewijzingen] == [SPECIFIEK, ASPECIFIEK]


def test_jw325_rejects_the_returned_prestaties_and_grants_the_rest(session: Session) -> None:
    jw323 = spec("JW323")
    accept(session, "JW323", jw323)
    jw325 = berichten.declaratie_antwoord(
        jw323, dagtekening=DAG, identificatie="JW325A", afgewezen={REF_ASPECIFIEK: "9307"}
    )
    accept(session, "JW325", jw325)
    rows = _prestaties(session)
    assert (rows[REF_SPECIFIEK].toegekend, rows[REF_ASPECIFIEK].toegekend) == (True, False)
    declaratie = snapshot(session, "JW325", jw325).beantwoorde_declaratie  # a JW325 sees the JW323 it answers
    assert declaratie is not None and [p.toegekend for p in declaratie.prestaties[REF_ASPECIFIEK]] == [False]


def test_jw325_rejecting_the_declaratie_makes_it_not_sent(session: Session) -> None:
    jw323 = spec("JW323")
    accept(session, "JW323", jw323)
    jw325 = berichten.declaratie_antwoord(jw323, dagtekening=DAG, identificatie="JW325A")
    jw325 = edit(jw325, "DeclaratieAntwoord/RetourCodes/RetourCode", "9333")
    accept(session, "JW325", jw325)
    assert {p.toegekend for p in _prestaties(session).values()} == {False}
    snap = snapshot(session, "JW323", spec("JW323", "JW323B"))
    assert (snap.declaratie_nummers, snap.laatste_declaratieperiode) == (frozenset(), None)


def test_credit_line_marks_the_debet_gecrediteerd_unless_the_jw325_rejects_it(session: Session) -> None:
    accept(session, "JW323", spec("JW323"))
    credit = _jw323("JW323B", "D202610002", specifieke_prestatie("C1", vorig_referentie_nummer=REF_SPECIFIEK))
    accept(session, "JW323", credit)
    assert _prestaties(session)[REF_SPECIFIEK].gecrediteerd
    snap = snapshot(session, "JW323", credit)
    assert {p.referentie_nummer for p in snap.prestaties} >= {"C1", REF_SPECIFIEK}

    jw325 = berichten.declaratie_antwoord(
        credit, dagtekening=DAG, identificatie="JW325B", afgewezen={"C1": "8017"}
    )
    accept(session, "JW325", jw325)
    rows = _prestaties(session)
    assert (rows["C1"].toegekend, rows[REF_SPECIFIEK].gecrediteerd) == (False, False)


def test_a_credit_line_the_hub_returned_credits_once_the_gemeente_grants_it(session: Session) -> None:
    accept(session, "JW323", spec("JW323"))
    credit = _jw323("JW323B", "D202610002", specifieke_prestatie("C1", vorig_referentie_nummer=REF_SPECIFIEK))
    m, bericht_id = record(session, "JW323", credit)
    apply.apply_accepted(session, m, bericht_id, PS, frozenset())  # the hub returned its one line
    session.commit()
    rows = _prestaties(session)
    assert (rows["C1"].toegekend, rows[REF_SPECIFIEK].gecrediteerd) == (False, False)  # counts as not sent

    accept(session, "JW325", berichten.declaratie_antwoord(credit, dagtekening=DAG, identificatie="JW325B"))
    rows = _prestaties(session)
    assert (rows["C1"].toegekend, rows[REF_SPECIFIEK].gecrediteerd) == (True, True)


# ---- privacy ----------------------------------------------------------------------------------------------


def test_no_bsn_or_name_is_stored_anywhere(session: Session) -> None:
    accept(session, "JW315", spec("JW315"))
    honoured = edit(
        spec("JW301"), "Client/ToegewezenProducten/ToegewezenProduct[1]/ReferentieAanbieder", VOT_A
    )
    accept(session, "JW301", honoured)
    accept(session, "JW305", spec("JW305"))
    accept(session, "JW307", spec("JW307"))
    accept(session, "JW317", spec("JW317"))
    accept(session, "JW319", _jw319("JW319A", VOT_B, "1"))
    accept(session, "JW323", spec("JW323"))
    accept(session, "JW325", spec("JW325"))
    ouder = honoured["Client"]["Relaties"]["Relatie"][0]["Naam"]
    forbidden = {CLIENT.bsn, CLIENT.achternaam, CLIENT.voornamen, ouder["Voornamen"]}
    seen: list[Any] = []
    conn = session.connection()
    for table in inspect(conn).get_table_names():
        for row in conn.execute(text(f"SELECT * FROM {table}")):
            seen.extend(row)
    assert len(seen) > 100  # every message type left rows behind
    assert not [v for v in seen if any(f in str(v) for f in forbidden)]
    assert PS(CLIENT.bsn) in seen


def test_a_jw325_finds_its_declaratie_by_the_jw323s_identification(sqlite_db: Engine) -> None:
    """Through the JW323's audit row (ix_bericht_identificatie), not through every declaratie of the aanbieder."""
    with session_factory(sqlite_db)() as session:
        jw323 = spec("JW323")
        accept(session, "JW323", jw323)
        accept(session, "JW323", edit(spec("JW323", "JW323B"), "Declaratie/DeclaratieNummer", "D2"))
        jw325 = model("JW325", berichten.declaratie_antwoord(jw323, dagtekening=DAG, identificatie="JW325A"))
        assert isinstance(jw325, Jw325)
        found: list[Any] = []
        steps = plans(sqlite_db, lambda: found.append(apply._beantwoorde_declaratie(session, jw325.header)))
    assert found[0] is not None and found[0].declaratie_nummer == jw323["Declaratie"]["DeclaratieNummer"]
    assert steps == {
        "bericht": [
            "SEARCH bericht USING INDEX ix_bericht_identificatie (afzender=? AND bericht=? AND identificatie=?)",
            "SEARCH declaratie USING INDEX ix_declaratie_bericht_id (bericht_id=?)",
        ]
    }
