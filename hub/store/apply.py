"""Write what an accepted message changes in the trajectory state (rules.md 6.1).

Only accepted messages come here: a rejected message counts as not sent (OP286), so the caller records it in
the audit log and never applies it. `bericht_id` is the message's audit record, added before this is called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import bindparam, exists, insert, update
from sqlmodel import Session, SQLModel, col, select

from hub.ijw.models import (
    Bericht,
    DeclaratieAntwoordHeader,
    Jw301,
    Jw305,
    Jw307,
    Jw315,
    Jw317,
    Jw319,
    Jw323,
    Jw325,
    Omvang,
    Prestatie,
    Product,
    StartProduct,
    StopProduct,
)
from hub.store.db import InQuery, run
from hub.store.snapshot import BEANTWOORDE_JW323, beantwoorde_jw323, regels_in_force
from hub.store.tables import (
    DELETED,
    IN_FORCE,
    AntwoordRecord,
    BerichtRecord,
    DeclaratieRecord,
    PrestatieRecord,
    StartRecord,
    StopRecord,
    ToewijzingRecord,
    VerzoekRecord,
)

Pseudonym = Callable[[str], str]
NIEUW, VERWIJDER = "1", "3"  # StatusAanlevering (COD467); 2 and 9 never pass CS058
TOEGEKEND_CODES = frozenset({"0200", "8001"})  # a DeclaratieAntwoord with only these did not reject the whole


def apply_accepted(
    session: Session,
    model: Bericht,
    bericht_id: str,
    pseudonym: Pseudonym,
    onderdelen: frozenset[int] | None = None,
) -> None:
    """Write the state changes of one accepted heenbericht; retourberichten change nothing.

    `onderdelen`: of a JW323, the granted Prestaties (indices in document order; None: all); the others are kept
    as returned by its JW325 and count as not sent.
    """
    match model:
        case Jw301():
            _jw301(session, model, bericht_id, pseudonym)
        case Jw305() | Jw307():
            _start_stop(session, model, bericht_id, pseudonym)
        case Jw315() | Jw317():
            _verzoek(session, model, bericht_id, pseudonym)
        case Jw319():
            _jw319(session, model, bericht_id)
        case Jw323():
            _jw323(session, model, bericht_id, pseudonym, onderdelen)
        case Jw325():
            _jw325(session, model, bericht_id, pseudonym)
    session.flush()


def _product(p: Product | None) -> dict[str, Any]:
    return {"categorie": p.categorie if p else None, "code": p.code if p else None}


def _omvang(o: Omvang | None) -> dict[str, Any]:
    if o is None:
        return {"volume": None, "eenheid": None, "frequentie": None}
    return {"volume": o.volume, "eenheid": o.eenheid, "frequentie": o.frequentie}


# ---- JW301 ----------------------------------------------------------------------------------------


def _jw301(session: Session, m: Jw301, bericht_id: str, pseudonym: Pseudonym) -> None:
    """A version per ToegewezenProduct; a ReferentieAanbieder in it honours that verzoek (TR359, TR374)."""
    gemeente, aanbieder = m.header.afzender, m.header.ontvanger
    client = pseudonym(m.client.bsn)
    producten = m.client.toegewezen_producten
    rows = [
        {
            "gemeente": gemeente,
            "aanbieder": aanbieder,
            "client": client,
            "toewijzing_nummer": p.toewijzing_nummer,
            **_product(p.product),
            "ingangsdatum": p.ingangsdatum,
            "einddatum": p.einddatum,
            "reden_wijziging": p.reden_wijziging,
            **_omvang(p.omvang),
            "budget": p.budget,
            "referentie_aanbieder": p.referentie_aanbieder,
            "toewijzingsdatum": p.toewijzingsdatum,
            "toewijzingstijd": p.toewijzingstijd,
            "bericht_id": bericht_id,
        }
        for p in producten
    ]
    # One executemany, in product order (ids ascend as before), without an ORM instance per row: nothing reads
    # these rows back from the session. `run` flushes first: the audit row they refer to goes first.
    run(session, _INSERT_NEW_VERSIE, rows)
    _honour(session, gemeente, aanbieder, {p.referentie_aanbieder for p in producten})


# What makes a toewijzing version: everything but the row id and the message that carried it.
_VERSIE = tuple(f for f in ToewijzingRecord.model_fields if f not in {"id", "bericht_id"})
_TOEWIJZING = SQLModel.metadata.tables["toewijzing"]


# The new version's values, each bound once (a parameter used twice is converted twice), and the same version.
_VERSIE_NIEUW = select(
    *(bindparam(f, type_=_TOEWIJZING.c[f].type).label(f) for f in (*_VERSIE, "bericht_id"))
).subquery("versie")


def _same(name: str) -> Any:
    # NULL is a value here (no Einddatum equals no Einddatum): IS NOT DISTINCT FROM, `IS` on SQLite
    column, value = _TOEWIJZING.c[name], _VERSIE_NIEUW.c[name]
    return column.is_not_distinct_from(value) if column.nullable else column == value


# A JW301 repeats every current product (OP087): one sent again unchanged is not a new version. The statement
# inserts a row only when no version equals it, so an executemany also skips a repeat within one message; it
# asks the store in the same round trip as the insert.
_INSERT_NEW_VERSIE = insert(ToewijzingRecord).from_select(
    [*_VERSIE, "bericht_id"],
    select(*_VERSIE_NIEUW.c).where(~exists().where(*(_same(f) for f in _VERSIE))),
)


# A plain update on the connection: the intake holds no VerzoekRecord entities (verzoeken are inserted without
# the ORM below, and read as columns), so there is no in-session copy to keep in step.
_HONOUR = InQuery(
    lambda refs: (
        update(VerzoekRecord)
        .where(
            # bind names other than the columns': an update reserves those for its SET clause
            col(VerzoekRecord.aanbieder) == bindparam("b_aanbieder"),
            col(VerzoekRecord.gemeente) == bindparam("b_gemeente"),
            col(VerzoekRecord.referentie_aanbieder).in_(refs),
        )
        .values(toegewezen=True)
    ),
    refs=VerzoekRecord.referentie_aanbieder,
)


def _honour(session: Session, gemeente: str, aanbieder: str, refs: set[str | None]) -> None:
    """Mark the verzoeken whose ReferentieAanbieder a ToegewezenProduct carried as toegewezen."""
    refs.discard(None)
    if refs:
        _HONOUR.run(session, {"b_aanbieder": aanbieder, "b_gemeente": gemeente, "refs": sorted(refs)})


# ---- JW305 / JW307 --------------------------------------------------------------------------------


def _start_key(r: StartRecord | StopRecord | StartProduct | StopProduct) -> tuple[Any, ...]:
    if isinstance(r, StartProduct | StopProduct):
        product = _product(r.product)
        return (r.toewijzing_nummer, product["categorie"], product["code"], r.begindatum)
    return (r.toewijzing_nummer, r.categorie, r.code, r.begindatum)


def _stop_key(r: StopRecord | StopProduct) -> tuple[Any, ...]:
    return (*_start_key(r), r.einddatum, r.reden_beeindiging)


def _delete_in_force(
    session: Session,
    in_force: Any,
    params: dict[str, Any],
    lines: Iterable[StartProduct] | Iterable[StopProduct],
    key: Callable[[Any], tuple[Any, ...]],
    bericht_id: str,
) -> None:
    """Mark deleted the line in force with the same logical key as each StatusAanlevering 3 line."""
    deletions = [line for line in lines if line.status_aanlevering == VERWIJDER]
    if not deletions:  # most messages only add lines: nothing to load
        return
    by_key: dict[tuple[Any, ...], list[Any]] = {}
    for row in session.exec(in_force, params=params):
        by_key.setdefault(key(row), []).append(row)
    for line in deletions:
        matches = by_key.get(key(line))
        if matches:  # TR063 rejects a deletion without a match; should one slip through, nothing changes
            row = matches.pop(0)
            row.status = DELETED
            row.verwijderd_bericht_id = bericht_id  # loaded rows are tracked: the flush writes this


# Built once, with bind parameters (as the snapshot queries): only the values change per message.
_STARTS_IN_FORCE = select(StartRecord).where(*regels_in_force(StartRecord))
_STOPS_IN_FORCE = select(StopRecord).where(*regels_in_force(StopRecord))


def _insert(session: Session, statement: Any, rows: list[dict[str, Any]]) -> None:
    """New state rows in one executemany, in their order (ids ascend as before), without an ORM entity per row.

    Nothing reads them back from the session; `run` flushes first, so the deletions marked on loaded rows and
    the audit row they refer to are written before them, as the ORM's flush would order it.
    """
    if rows:
        run(session, statement, rows)


_INSERT_START = insert(StartRecord)
_INSERT_STOP = insert(StopRecord)


def _start_stop(session: Session, m: Jw305 | Jw307, bericht_id: str, pseudonym: Pseudonym) -> None:
    """Deletions (3) before additions (1), so a correction in one message is delete + add (IV008)."""
    # The client's key, named as both the lines' columns and the in-force query's parameters.
    params = {
        "gemeente": m.header.ontvanger,
        "aanbieder": m.header.afzender,
        "client": pseudonym(m.client.bsn),
    }
    lines: tuple[StartProduct, ...] | tuple[StopProduct, ...]
    if isinstance(m, Jw305):
        lines, statement = m.client.start_producten, _INSERT_START
        _delete_in_force(session, _STARTS_IN_FORCE, params, lines, _start_key, bericht_id)
    else:
        lines, statement = m.client.stop_producten, _INSERT_STOP
        _delete_in_force(session, _STOPS_IN_FORCE, params, lines, _stop_key, bericht_id)
    rows = [
        {**params, **_regel(p), "status": IN_FORCE, "bericht_id": bericht_id}
        for p in lines
        if p.status_aanlevering == NIEUW
    ]
    _insert(session, statement, rows)


def _regel(p: StartProduct | StopProduct) -> dict[str, Any]:
    """The columns a start or stop line gives itself; a stop adds its Einddatum and RedenBeeindiging."""
    stop = (
        {"einddatum": p.einddatum, "reden_beeindiging": p.reden_beeindiging}
        if isinstance(p, StopProduct)
        else {}
    )
    return {
        "toewijzing_nummer": p.toewijzing_nummer,
        **_product(p.product),
        "begindatum": p.begindatum,
        **stop,
        "toewijzing_ingangsdatum": p.toewijzing_ingangsdatum,
    }


# ---- JW315 / JW317 / JW319 ------------------------------------------------------------------------


_INSERT_VERZOEK = insert(VerzoekRecord)
_INSERT_ANTWOORD = insert(AntwoordRecord)


def _verzoek(session: Session, m: Jw315 | Jw317, bericht_id: str, pseudonym: Pseudonym) -> None:
    """A VOT adds one verzoek per AangevraagdProduct, a VOW one for the whole Verzoek."""
    common: dict[str, Any] = {
        "aanbieder": m.header.afzender,
        "gemeente": m.header.ontvanger,
        "client": pseudonym(m.client.bsn),
        "dagtekening": m.header.dagtekening,
        "toegewezen": False,
        "bericht_id": bericht_id,
    }
    if isinstance(m, Jw317):
        v = m.client.verzoek
        vow = {
            "referentie_aanbieder": v.referentie_aanbieder,
            "soort": "VOW",
            "reden_verzoek": v.reden_verzoek,
        }
        _insert(session, _INSERT_VERZOEK, [{**common, **vow}])
        return
    rows = [
        {
            **common,
            "referentie_aanbieder": p.referentie_aanbieder,
            "soort": "VOT",
            **_product(p.product),
            "ingangsdatum": p.toewijzing_ingangsdatum,
            "einddatum": p.toewijzing_einddatum,
            **_omvang(p.omvang),
            "budget": p.budget,
        }
        for p in m.client.aangevraagde_producten
    ]
    _insert(session, _INSERT_VERZOEK, rows)


def _jw319(session: Session, m: Jw319, bericht_id: str) -> None:
    a = m.antwoord
    row = {
        "aanbieder": m.header.ontvanger,
        "gemeente": m.header.afzender,
        "referentie_aanbieder": a.referentie_aanbieder,
        "verzoek_antwoord": a.verzoek_antwoord,
        "reden": a.reden_afwijzing_verzoek,
        "woonplaatsbeginsel": a.woonplaatsbeginsel.gemeente if a.woonplaatsbeginsel else None,
        "dagtekening": m.header.dagtekening,
        "bericht_id": bericht_id,
    }
    _insert(session, _INSERT_ANTWOORD, [row])


# ---- JW323 / JW325 --------------------------------------------------------------------------------


def _jw323(
    session: Session, m: Jw323, bericht_id: str, pseudonym: Pseudonym, toegekend: frozenset[int] | None
) -> None:
    """The declaratie and its prestaties; a granted credit line marks the debet line it names gecrediteerd.

    A line the hub rejected (its retour JW325 returned it) is kept as returned (`toegekend` False): it counts as
    not sent, as one the gemeente returns does, yet the gemeente's own JW325 may still name it (TR366, TR367).
    With no line granted the declaratie is kept as rejected whole (`afgewezen`), for the same reason (TR337).
    """
    aanbieder, gemeente, d = m.header.afzender, m.header.ontvanger, m.declaratie
    declaratie = DeclaratieRecord(
        aanbieder=aanbieder,
        gemeente=gemeente,
        declaratie_nummer=d.declaratie_nummer,
        periode_begin=d.declaratie_periode.begindatum,
        periode_eind=d.declaratie_periode.einddatum,
        declaratie_dagtekening=d.declaratie_dagtekening,
        basisschema_xsd_versie=m.header.xsd_versie.basisschema_xsd_versie,
        bericht_xsd_versie=m.header.xsd_versie.bericht_xsd_versie,
        afgewezen=toegekend is not None and not toegekend,
        bericht_id=bericht_id,
    )
    session.add(declaratie)
    session.flush()  # the prestaties need its id
    assert declaratie.id is not None
    lines = [(c, p) for c in d.clienten for p in c.prestaties]
    rows = [_prestatie(p, declaratie.id, aanbieder, gemeente, pseudonym(c.bsn)) for c, p in lines]
    if toegekend is not None:
        for i, row in enumerate(rows):
            if i not in toegekend:
                row.toegekend = False
    session.add_all(rows)
    credited = {
        r.vorig_referentie_nummer
        for r in rows
        if not r.debet and r.vorig_referentie_nummer is not None and r.toegekend is not False
    }
    _set_gecrediteerd(session, aanbieder, credited, True)


def _prestatie(
    p: Prestatie, declaratie_id: int, aanbieder: str, gemeente: str, client: str
) -> PrestatieRecord:
    return PrestatieRecord(
        declaratie_id=declaratie_id,
        aanbieder=aanbieder,
        gemeente=gemeente,
        client=client,
        referentie_nummer=p.product_referentie.referentie_nummer,
        vorig_referentie_nummer=p.product_referentie.vorig_referentie_nummer,
        toewijzing_nummer=p.toewijzing_nummer,
        categorie=p.product_categorie,
        code=p.product_code,
        begindatum=p.product_periode.begindatum,
        einddatum=p.product_periode.einddatum,
        volume=p.geleverd_volume,
        eenheid=p.eenheid,
        tarief=p.product_tarief,
        bedrag=p.ingediend_bedrag.bedrag,
        debet=p.ingediend_bedrag.debet_credit == "D",
    )


def _set_gecrediteerd(session: Session, aanbieder: str, refs: set[str], value: bool) -> None:
    if refs:
        session.exec(
            update(PrestatieRecord)
            .where(
                col(PrestatieRecord.aanbieder) == aanbieder,
                col(PrestatieRecord.referentie_nummer).in_(refs),
                col(PrestatieRecord.debet).is_(True),
            )
            .values(gecrediteerd=value)
        )


def _jw325(session: Session, m: Jw325, bericht_id: str, pseudonym: Pseudonym) -> None:
    """The returned prestaties are rejected, every other line of the answered declaratie is granted.

    A line is returned by its Client and ReferentieNummer: a JW323 may repeat a ReferentieNummer (TR314).

    A JW325 without DeclaratieAntwoord, or one whose DeclaratieAntwoord carries a rejection code (TR333),
    rejects the whole declaratie: it counts as not sent (process.md 5.3).
    """
    h, antwoord = m.header, m.declaratie_antwoord
    declaratie = _beantwoorde_declaratie(session, h)
    if declaratie is None:
        # No recorded JW323 with that identification: TR337 rejects such a JW325, and a rejected message is
        # never applied (OP286). Kept so that no line is marked should one reach here judged without state.
        return
    geheel_afgewezen = antwoord is None or bool(set(antwoord.retour_codes) - TOEGEKEND_CODES)
    afgewezen = (
        set()
        if antwoord is None
        else {
            (pseudonym(c.bsn), p.product_referentie.referentie_nummer)
            for c in antwoord.clienten
            for p in c.prestaties
        }
    )
    declaratie.afgewezen = geheel_afgewezen
    session.add(declaratie)
    gecrediteerd: dict[bool, set[str]] = {True: set(), False: set()}
    for p in session.exec(_BEANTWOORDE_PRESTATIES, params={"declaratie_id": declaratie.id}):
        p.toegekend = not geheel_afgewezen and (p.client, p.referentie_nummer) not in afgewezen
        p.antwoord_bericht_id = bericht_id
        session.add(p)
        if not p.debet and p.vorig_referentie_nummer is not None:
            gecrediteerd[p.toegekend].add(p.vorig_referentie_nummer)
    # A rejected credit line counts as not sent: the debet line it named is not credited after all. A granted one
    # credits it, also when the hub had returned the credit line and the gemeente grants it all the same.
    _set_gecrediteerd(session, h.ontvanger, gecrediteerd[False], False)
    _set_gecrediteerd(session, h.ontvanger, gecrediteerd[True], True)


# A declaratie's aanbieder and gemeente are its JW323's Afzender and Ontvanger (_jw323 writes them so): asked of
# the JW323's audit row, ix_bericht_identificatie finds it and ix_declaratie_bericht_id its declaratie. Asked of
# the declaratie, the search walked every declaratie of the aanbieder at the gemeente.
_BEANTWOORDE_DECLARATIE = (
    select(DeclaratieRecord)
    .join(BerichtRecord, col(BerichtRecord.id) == col(DeclaratieRecord.bericht_id))
    .where(*BEANTWOORDE_JW323)
    .order_by(col(DeclaratieRecord.id).desc())
)
_BEANTWOORDE_PRESTATIES = select(PrestatieRecord).where(
    col(PrestatieRecord.declaratie_id) == bindparam("declaratie_id")
)


def _beantwoorde_declaratie(session: Session, h: DeclaratieAntwoordHeader) -> DeclaratieRecord | None:
    """The declaratie of the JW323 whose BerichtIdentificatie the JW325 header names (TR337)."""
    return session.exec(_BEANTWOORDE_DECLARATIE, params=beantwoorde_jw323(h)).first()
