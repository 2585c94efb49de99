"""The commands that read or change the store: `hub db`, `hub normen` and `hub client`."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from hub.cli import Database, app, load
from hub.clock import vandaag
from hub.errors import ConfigError
from hub.settings import HubSettings

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

    from hub.store.betrokkene import Overzicht
    from hub.store.db import SessionFactory
    from hub.store.key_fingerprint import Recorded

log = logging.getLogger("hub.store")

db_app = typer.Typer(help="The hub's database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(
    database: Database = None,
) -> None:
    """Apply the database migrations (Alembic) up to the newest revision."""
    from hub.store.db import upgrade

    url = database or load(HubSettings).database_url
    if upgrade(url):
        typer.echo("database is at the newest revision", err=True)
    else:
        typer.echo("database is at a later release's revision; this release leaves it as it is", err=True)


@db_app.command("purge")
def db_purge(
    older_than: Annotated[
        int | None,
        typer.Option(
            "--older-than",
            min=0,
            metavar="DAYS",
            help="Clear what was delivered more than DAYS days ago (default: HUB_RETOUR_RETENTION_DAYS; 0: all delivered).",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would be cleared.")] = False,
    database: Database = None,
) -> None:
    """Clear the XML of retouren (it may hold a BSN and name) and of GI102 statusmeldingen delivered more than DAYS days ago.

    The rows stay, with outcome, codes and timestamps; what is not yet delivered is never cleared.
    """
    from datetime import UTC, datetime

    from hub.store import retention

    settings = load(HubSettings)
    days = settings.retour_retention_days if older_than is None else older_than
    if older_than is None and days == 0:
        typer.echo(
            "retention is off (HUB_RETOUR_RETENTION_DAYS=0): nothing cleared; --older-than DAYS clears anyway"
        )
        return
    now = datetime.now(UTC)
    before = retention.cutoff(days, now)
    with _store_to_change(database or settings.database_url) as sessions:
        if dry_run:
            with sessions() as session:
                retouren = retention.count_due(session, before)
                meldingen = retention.count_due(session, before, retention.STATUSMELDINGEN)
        else:
            retouren, meldingen = retention.purge_all(sessions, before, now=now)
    verb = "would clear" if dry_run else "cleared"
    at = before.isoformat(timespec="seconds")
    # The first line as it was before GI102s were cleared too: scripts may read it.
    typer.echo(f"{verb} the retour XML of {_count(retouren, 'message', 'messages')} delivered before {at}")
    typer.echo(
        f"{verb} the XML of {_count(meldingen, 'GI102 statusmelding', 'GI102 statusmeldingen')} delivered before {at}"
    )


@db_app.command("record-key")
def db_record_key(database: Database = None) -> None:
    """Record HUB_PSEUDONYM_KEY as the key of the database's pseudonyms, after a deliberate rotation of the key.

    The roles refuse to start under a key other than the one recorded. Pseudonyms made under the earlier key match
    no client any more: the state rows stay under them (docs/operations.md, section 5).
    """
    from datetime import UTC, datetime

    from hub.privacy import Pseudonymiser
    from hub.store import key_fingerprint as fingerprints

    settings = load(HubSettings)
    if settings.pseudonym_key is None:
        typer.echo("error: HUB_PSEUDONYM_KEY is not set: there is no key to record", err=True)
        raise typer.Exit(2)
    pseudonym = Pseudonymiser(settings.pseudonym_key.get_secret_value().encode())
    key = fingerprints.Recorded(
        fingerprints.fingerprint(pseudonym), throwaway=False, recorded_at=datetime.now(UTC)
    )
    with _store_to_change(database or settings.database_url) as sessions:
        held = fingerprints.recorded(sessions)
        fingerprints.record(sessions, key)
    typer.echo(_recorded(held, key), err=True)


def _refuse_a_missing_sqlite_store(engine: Engine) -> None:
    """Exit 2 with one line for a SQLite path that holds no store: SQLite would create an empty file there."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if path and path != ":memory:" and not Path(path).is_file():
        typer.echo(f"error: no store at {path}", err=True)
        raise typer.Exit(2)


@contextmanager
def _store_to_change(url: str) -> Iterator[SessionFactory]:
    """Sessions on the store for a command that changes it; one line and exit 1 when the store fails (never the
    statement's parameters), exit 2 for an unusable URL or a SQLite path that holds no store (SQLite would create
    an empty one)."""
    from sqlalchemy.exc import SQLAlchemyError

    from hub.store.db import session_factory

    engine = _engine_for(url)
    try:
        _refuse_a_missing_sqlite_store(engine)
        try:
            yield session_factory(engine)
        except SQLAlchemyError as exc:  # unreachable, or not migrated
            typer.echo(
                f"error: the store failed: {type(exc).__name__} (is it reachable and at `hub db upgrade`?)",
                err=True,
            )
            raise typer.Exit(1) from None
    finally:
        engine.dispose()


def _recorded(held: Recorded | None, key: Recorded) -> str:
    """What `hub db record-key` did, in one line."""
    if held is None:
        return "recorded HUB_PSEUDONYM_KEY as the key of the database's pseudonyms"
    if held.fingerprint == key.fingerprint:
        return "HUB_PSEUDONYM_KEY is already the key of the database's pseudonyms; nothing changed"
    return (
        f"recorded HUB_PSEUDONYM_KEY in place of the key recorded {held.recorded_at.date().isoformat()}: "
        "the pseudonyms made under that key match no client any more"
    )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


class NormenFormat(StrEnum):
    text = "text"
    csv = "csv"
    json = "json"


class Naar(StrEnum):
    einddatum = "einddatum"
    begindatum = "begindatum"


@app.command()
def normen(
    maand: Annotated[
        str | None,
        typer.Option(
            "--maand", metavar="YYYY-MM", help="The calendar month (default: the month before today)."
        ),
    ] = None,
    naar: Annotated[
        Naar,
        typer.Option(
            "--naar",
            help="einddatum: an outcome counts in the month of the norm's second date; begindatum: of its first "
            "(a cohort).",
        ),
    ] = Naar.einddatum,
    regio: Annotated[
        list[str] | None,
        typer.Option(
            "--regio", metavar="NAAM", help="Only this jeugdregio, also when it has none (repeatable)."
        ),
    ] = None,
    format: Annotated[NormenFormat, typer.Option("--format")] = NormenFormat.text,
    database: Database = None,
) -> None:
    """The Inspectie norms per calendar month and regio (binnen, buiten, % binnen), from the store."""
    from hub.monitor import maand as report

    try:
        gekozen = report.Maand.vorige(vandaag()) if maand is None else report.Maand.parse(maand)
    except ValueError as exc:
        typer.echo(f"error: --maand: {exc}", err=True)
        raise typer.Exit(2) from None
    settings = load(HubSettings)
    with _store_to_read(database or settings.database_url) as session:
        regios = None
        if regio:
            regios = _regios(session, regio, settings.gemeenten_file)
        cijfers = report.maandcijfers(session, gekozen, naar.value, regios)
    if format is NormenFormat.json:
        typer.echo(report.als_json(cijfers))
    elif format is NormenFormat.csv:
        typer.echo(report.als_csv(cijfers), nl=False)
    else:
        typer.echo(report.als_tekst(cijfers), nl=False)
    if format is not NormenFormat.text and cijfers.zonder_datum:
        typer.echo(f"warning: {cijfers.zonder_datum} outcomes without dates: {report.HERSTEL}", err=True)


def _regios(session: Session, gevraagd: list[str], gemeenten: Path | None) -> list[str]:
    """The --regio names as the mapping spells them; a regio only stored (renamed since, 6.14) is known too."""
    from hub.monitor.maand import kies_regios
    from hub.monitor.registry import Regios
    from hub.store.norm_maand import opgeslagen_regios

    try:
        bekend = Regios.from_file(gemeenten).alle()
        try:
            return kies_regios(gevraagd, bekend)
        except ValueError:
            return kies_regios(gevraagd, {*bekend, *opgeslagen_regios(session)})
    except (ValueError, ConfigError) as exc:
        typer.echo(f"error: --regio: {exc}", err=True)
        raise typer.Exit(2) from None


client_app = typer.Typer(
    help="What the store holds about a client (a request for inzage), and its erasure.", no_args_is_help=True
)
app.add_typer(client_app, name="client")


class OverzichtFormat(StrEnum):
    text = "text"
    json = "json"


@client_app.command("overzicht")
def client_overzicht(
    format: Annotated[OverzichtFormat, typer.Option("--format")] = OverzichtFormat.text,
    database: Database = None,
) -> None:
    """The messages and rows of the clients whose BSNs are on stdin, one per line, found by their pseudonyms.

    The BSNs are read from stdin, not from the command line, so they stay out of the shell's history and the
    process list; the output names them by their order on stdin only. Needs the deployment's HUB_PSEUDONYM_KEY.
    """
    from hub.store.betrokkene import overzicht

    settings = load(HubSettings)
    bsns, pseudonym = _clients_on_stdin(settings)
    with _store_to_read(database or settings.database_url) as session:
        _same_key(session, pseudonym)
        gevonden = [overzicht(session, pseudonym(bsn)) for bsn in bsns]
    for n, o in enumerate(gevonden, 1):
        _show(format, n, o, o.rijen)


@client_app.command("wis")
def client_wis(
    ja: Annotated[
        bool, typer.Option("--ja", help="Erase. Without it nothing is erased: it lists what would be.")
    ] = False,
    format: Annotated[OverzichtFormat, typer.Option("--format")] = OverzichtFormat.text,
    database: Database = None,
) -> None:
    """Erase the rows of the clients whose BSNs are on stdin (one per line), on the controller's decision.

    Every row with a client's pseudonym, or naming one of its messages (the audit rows of those messages too,
    with their retour XML), in one transaction for all the clients; the rows are those `hub client overzicht`
    counts. Without --ja it only lists them. BSNs and HUB_PSEUDONYM_KEY as for `hub client overzicht`.

    What follows: a later message about an erased client is judged as about a stranger (a start or stop on an
    erased toewijzing is rejected, TR019), a redelivered or replayed message of it is judged anew, and the norm
    and monitor figures lose it. Not erased: the Kafka topics (Kafka deletes no single record; the event topics
    carry the pseudonym) and the outbox, until they expire or are cleared; a declaratie (JW323) stays with its
    retour, which may name the client until the retention clears it; on PostgreSQL the erased values stay in
    dead row versions, the WAL and the backups until those are cleared (docs/operations.md, section 6).
    """
    from sqlalchemy.exc import IntegrityError

    from hub.store.betrokkene import overzicht, wis

    settings = load(HubSettings)
    bsns, pseudonym = _clients_on_stdin(settings)
    with _store_to_change(database or settings.database_url) as sessions, sessions() as session:
        _at_this_release(session)
        _same_key(session, pseudonym)
        gevonden = [overzicht(session, pseudonym(bsn)) for bsn in bsns]
        try:
            gewist = [wis(session, o.client) for o in gevonden] if ja else [o.rijen for o in gevonden]
            session.commit()
        except IntegrityError:  # a foreign key: a row that is not the client's refers to one that is
            typer.echo(
                "error: the store refused the erasure (IntegrityError): a row that is not these clients' refers "
                "to one of theirs; nothing was erased",
                err=True,
            )
            raise typer.Exit(1) from None
    for n, (o, rijen) in enumerate(zip(gevonden, gewist, strict=True), 1):
        _show(format, n, o, rijen)
    total = sum(sum(rijen.values()) for rijen in gewist)
    extra = {"clients": len(bsns), "berichten": sum(len(o.berichten) for o in gevonden), "rijen": total}
    if ja:
        log.info("client rows erased", extra=extra)
        typer.echo(
            f"erased {_count(total, 'row', 'rows')} of {_count(len(bsns), 'client', 'clients')}", err=True
        )
    else:
        log.info("client rows to erase counted, none erased", extra=extra)
        typer.echo(
            f"nothing erased: repeat with --ja to erase these {_count(total, 'row', 'rows')}", err=True
        )


def _clients_on_stdin(settings: HubSettings) -> tuple[list[str], Callable[[str], str]]:
    """The BSNs on stdin, one per line, and the pseudonymiser under HUB_PSEUDONYM_KEY; exit 2 for either missing."""
    from hub.privacy import Pseudonymiser

    if settings.pseudonym_key is None:
        typer.echo(
            "error: HUB_PSEUDONYM_KEY is not set: a client is found by the pseudonym under that key", err=True
        )
        raise typer.Exit(2)
    bsns = [line.strip() for line in sys.stdin if line.strip()]
    if not bsns or any(not re.fullmatch(r"[0-9]{9}", bsn) for bsn in bsns):
        typer.echo("error: give BSNs on stdin, one per line, each 9 digits", err=True)
        raise typer.Exit(2)
    return bsns, Pseudonymiser(settings.pseudonym_key.get_secret_value().encode())


def _show(format: OverzichtFormat, n: int, o: Overzicht, rijen: dict[str, int]) -> None:
    """One client: its number on stdin, its pseudonym, its messages and its rows per table; never the BSN."""
    if format is OverzichtFormat.json:
        found = {"client": n, "pseudoniem": o.client, "berichten": [_als_json(b) for b in o.berichten]}
        typer.echo(json.dumps({**found, "rijen": rijen}))
        return
    typer.echo(f"client {n} (pseudoniem {o.client}): {_count(len(o.berichten), 'bericht', 'berichten')}")
    for b in o.berichten:
        gewist = f" op {b.retour_gewist_op:%Y-%m-%d}" if b.retour_gewist_op else ""
        typer.echo(
            f"  {b.id}  {b.bericht or '-'} {b.identificatie or '-'}  {b.dagtekening or '-'}  {b.outcome}"
            f"  retour: {b.retour}{gewist}"
        )
    for table, count in rijen.items():
        typer.echo(f"  {table}: {count}")


def _at_this_release(session: Session) -> None:
    """Exit 2 unless the store is at this release's revision: a later one may hold tables this one does not know,
    whose rows of the client would stay while the command says it erased them."""
    from sqlalchemy import Engine

    from hub.store.db import revisions

    engine = session.get_bind()
    assert isinstance(engine, Engine)
    current, heads = revisions(engine)
    if current != heads:
        _wrong_revision(
            current,
            heads,
            "is not at this release's revision",
            "has",
            "`hub db upgrade`, or the release the store is at",
        )


def _wrong_revision(current: set[str], heads: set[str], what: str, has: str, run: str) -> NoReturn:
    """Exit 2 with one line: the store's revision, this release's, and what to run."""
    at = f"revision {', '.join(sorted(current))}" if current else "no revision"
    typer.echo(
        f"error: the store {what} ({at}, this release {has} {', '.join(sorted(heads))}): run {run}", err=True
    )
    raise typer.Exit(2)


def _same_key(session: Session, pseudonym: Callable[[str], str]) -> None:
    """Refuse a key other than the store's: under it every client would seem to have no data at all."""
    from hub.store import key_fingerprint as fingerprints

    held = session.get(fingerprints.KeyFingerprintRecord, fingerprints.PSEUDONYM)
    if held is None:
        typer.echo(
            "warning: the database records no key: it cannot be told whether this is its key", err=True
        )
    elif held.fingerprint != fingerprints.fingerprint(pseudonym):
        made = "a throwaway key" if held.throwaway else "another key"
        typer.echo(
            f"error: this database's pseudonyms were made under {made} than HUB_PSEUDONYM_KEY: "
            "no client of it could be found",
            err=True,
        )
        raise typer.Exit(2)


def _als_json(b: Any) -> dict[str, Any]:
    return {
        "id": b.id,
        "bericht": b.bericht,
        "identificatie": b.identificatie,
        "dagtekening": b.dagtekening.isoformat() if b.dagtekening else None,
        "outcome": b.outcome,
        "received_at": b.received_at.isoformat(),
        "retour": b.retour,
        "retour_gewist_op": b.retour_gewist_op.isoformat() if b.retour_gewist_op else None,
    }


def _engine_for(url: str) -> Engine:
    """The engine of a database URL; one line and exit 2 when the URL cannot be used."""
    from hub.store.db import make_engine

    try:
        return make_engine(url)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@contextmanager
def _store_to_read(url: str) -> Iterator[Session]:
    """A session on a store migrated for this release (or a later one); one line and exit 2 otherwise, 1 when it
    cannot be read. Never creates a SQLite file that is not there."""
    from sqlalchemy.exc import SQLAlchemyError

    from hub.configuration import mask_url
    from hub.store.db import revisions, serves, session_factory

    engine = _engine_for(url)
    try:
        _refuse_a_missing_sqlite_store(engine)
        try:
            current, heads = revisions(engine)
        except SQLAlchemyError as exc:
            typer.echo(f"error: cannot read the store {mask_url(url)}: {type(exc).__name__}", err=True)
            raise typer.Exit(1) from None
        if not serves(current, heads):
            _wrong_revision(
                current, heads, "is not migrated to this release", "needs", "`hub db upgrade` first"
            )
        try:
            with session_factory(engine)() as session:
                yield session
        except SQLAlchemyError as exc:  # one line, never the statement's parameters
            typer.echo(f"error: the store failed: {type(exc).__name__}", err=True)
            raise typer.Exit(1) from None
    finally:
        engine.dispose()
