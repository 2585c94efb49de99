"""The `hub` command line: the commands of the core (validate, retour, db, normen), the options and helpers all share.

The commands that run transport (run, process, ingest, demo, simulate, config) are added by consumers/cli.py, the
program's composition root and its entry point, so the core imports no transport code. Contracts (flags, JSON
lines, exit codes) are fixed by the issues: keep them exact.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsError

from hub.clock import vandaag
from hub.errors import ConfigError, InputError, StartError
from hub.ijw.parse import ParseLimits
from hub.reference import gemeenten as gemeentelijst
from hub.reference.producten import load_productcodes
from hub.reference.tarieven import load_tarieven
from hub.rules.registry import Level, Violation
from hub.settings import HubSettings
from hub.validate import Validator, Verdict

if TYPE_CHECKING:
    from sqlmodel import Session

    from hub.store.key_fingerprint import Recorded

# No pretty tracebacks: their local variables could show a message's content (BSNs, names).
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="ijw-hub: iJw 3.2 validation and message hub.",
    pretty_exceptions_enable=False,
)


class Format(StrEnum):
    json = "json"
    text = "text"


S = TypeVar("S", bound=BaseSettings)


def load(cls: type[S]) -> S:
    """Settings from the environment; invalid ones end the command with one line each, never with their value.

    pydantic's own report quotes the input, and that may be a secret (HUB_API_KEYS, a database password).
    """
    prefix = str(cls.model_config.get("env_prefix", ""))
    env_file = os.environ.get("HUB_ENV_FILE")
    if env_file and not Path(env_file).is_file():  # pydantic-settings would skip it without a word
        typer.echo(f"error: invalid configuration HUB_ENV_FILE: no such file: {env_file}", err=True)
        raise typer.Exit(2)
    try:
        return cls()
    except (
        SettingsError
    ) as exc:  # a list or object setting that is not JSON: pydantic-settings names the field
        named = re.search(r'field "(\w+)"', str(exc))
        name = (prefix + named[1]).upper() if named else "a list or object setting"
        typer.echo(
            f"error: invalid configuration {name}: not valid JSON (a list is written as [...])", err=True
        )
        raise typer.Exit(2) from None
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False, include_context=False):
            if not error["loc"]:  # a check across settings: its message names them
                typer.echo(
                    f"error: invalid configuration: {error['msg'].removeprefix('Value error, ')}", err=True
                )
                continue
            # The variable is the field; deeper parts are positions within its JSON value (item 1 of a list).
            field, *within = error["loc"]
            name = (prefix + str(field)).upper()
            where = "".join(f" (item {part + 1})" if isinstance(part, int) else "" for part in within)
            message = str(error["msg"]).removeprefix("Value error, ")
            typer.echo(f"error: invalid configuration {name}{where}: {message}", err=True)
        raise typer.Exit(2) from None


def _validator(
    schema_dir: Path | None,
    gemeenten: Path | None,
    as_of: date | None,
    productcodes: Path | None = None,
    tarieven: Path | None = None,
) -> Validator:
    settings = load(HubSettings)
    productcodes = productcodes or settings.productcodes_file
    tarieven = tarieven or settings.tarieven_file
    try:
        gemeentelijst.gebruik(gemeenten or settings.gemeenten_file)
        return Validator.from_paths(
            schema_dir or settings.schema_dir,
            gemeenten or settings.gemeenten_file,
            limits=ParseLimits(settings.max_message_bytes, settings.max_xml_depth),
            productcodes=load_productcodes(productcodes) if productcodes else None,
            tarieven=load_tarieven(tarieven) if tarieven else None,
            **({"clock": lambda: as_of} if as_of else {}),
        )
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _files(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix.lower() == ".xml" and p.is_file())
        else:
            yield path


def _read(path: Path, limit: int) -> bytes | Violation:
    """The file's bytes, read no further than the size limit (a pipe or FIFO has no size to check first)."""
    try:
        with path.open("rb") as f:
            found = os.fstat(f.fileno())
            if stat.S_ISREG(found.st_mode) and found.st_size > limit:
                return _too_large(f"file of {found.st_size} bytes", limit)
            data = f.read(limit + 1)
    except OSError as exc:
        return Violation("IO", None, None, f"cannot read {path}: {exc.strerror or exc}", Level.XSD)
    return _too_large("input", limit) if len(data) > limit else data


def _too_large(what: str, limit: int) -> Violation:
    return Violation("XML", None, None, f"{what} exceeds the size limit of {limit} bytes", Level.XSD)


def judge_file(validator: Validator, path: Path) -> Verdict:
    data = _read(path, validator.limits.max_bytes)
    if isinstance(data, Violation):
        return Verdict(None, (data,))
    return validator.validate(data)


def as_date(value: str | None) -> date | None:
    """A YYYY-MM-DD option as a date (None when not given); a usage error otherwise."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


SchemaDir = Annotated[
    Path | None,
    typer.Option("--schema-dir", help="Validate against another XSD set (e.g. the official release files)."),
]
Gemeenten = Annotated[Path | None, typer.Option("--gemeenten", help="CBS gemeente list (CSV) for TR378.")]
Productcodes = Annotated[
    Path | None,
    typer.Option(
        "--productcodes",
        help="Product code list (CSV categorie,code) for TR381; default: HUB_PRODUCTCODES_FILE.",
    ),
]
Tarieven = Annotated[
    Path | None,
    typer.Option(
        "--tarieven",
        help="Contract tariffs (CSV productcode,tarief in cents) for TR418; default: HUB_TARIEVEN_FILE.",
    ),
]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Date to judge TR135 against (default: today).")]
ApiKey = Annotated[
    str | None, typer.Option("--api-key", envvar="HUB_INGEST_API_KEY", help="API key for the gateway.")
]
Database = Annotated[
    str | None, typer.Option("--database", help="SQLAlchemy URL (default: HUB_DATABASE_URL).")
]


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories (all *.xml below them).")],
    format: Annotated[
        Format, typer.Option("--format", help="json: one object per file per line.")
    ] = Format.text,
    schema_dir: SchemaDir = None,
    gemeenten: Gemeenten = None,
    productcodes: Productcodes = None,
    tarieven: Tarieven = None,
    as_of: AsOf = None,
) -> None:
    """Validate iJw 3.2 messages as an official receiver would (XSD, in-message rules, TR135, TR378, TR346; TR381/TR418 if configured)."""
    validator = _validator(schema_dir, gemeenten, as_date(as_of), productcodes, tarieven)
    all_ok = True
    for path in paths:  # stdout is the contract's lines only: a note for people goes to stderr
        if path.is_dir() and not any(_files([path])):
            typer.echo(f"note: no *.xml files in {path}", err=True)
    for path in _files(paths):
        verdict = judge_file(validator, path)
        all_ok &= verdict.accepted
        if format is Format.json:
            line = {
                "file": str(path),
                "bericht": verdict.bericht,
                "accepted": verdict.accepted,
                "errors": [v.as_json() for v in verdict.errors],
            }
            typer.echo(json.dumps(line, ensure_ascii=False))
        else:
            status = "accepted" if verdict.accepted else "REJECTED"
            typer.echo(f"{status:8} {verdict.bericht or '-':5} {path}")
            for v in verdict.errors:
                code = f" [{v.retourcode}]" if v.retourcode else ""
                where = f" at {v.location}" if v.location else ""
                typer.echo(f"    {v.rule}{code}{where}: {v.message}")
    raise typer.Exit(0 if all_ok else 1)


@app.command()
def retour(
    file: Annotated[Path, typer.Argument(help="The heenbericht to answer.")],
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Write the retour here (default: stdout).")
    ] = None,
    schema_dir: SchemaDir = None,
    gemeenten: Gemeenten = None,
    productcodes: Productcodes = None,
    tarieven: Tarieven = None,
    as_of: AsOf = None,
) -> None:
    """Write the retourbericht (or JW325) that answers a heenbericht."""
    from hub.retour.build import build_retour
    from hub.store.audit import content_hash

    today = as_date(as_of)
    validator = _validator(schema_dir, gemeenten, today, productcodes, tarieven)
    data = _read(file, validator.limits.max_bytes)
    verdict = Verdict(None, (data,)) if isinstance(data, Violation) else validator.validate(data)
    # The content hash too, as the hub's intake builds it: the same retour, identification included.
    inhoud = None if isinstance(data, Violation) else content_hash(data)
    xml = build_retour(verdict, dagtekening=today or vandaag(), inhoud=inhoud)
    if xml is None:
        if any(v.rule == "IO" for v in verdict.errors):
            reason = "the file cannot be read"
        elif verdict.info is None or verdict.doc is None:
            reason = "the message is not XSD-valid; the standard sends none"
        elif verdict.info.is_retour:
            reason = f"a {verdict.bericht} is itself a retourbericht, which gets none"
        else:  # JW325, GI102: heenberichten the standard answers with no message
            reason = f"a {verdict.bericht} is a heenbericht that gets no retourbericht"
        typer.echo(f"no retourbericht: {reason}", err=True)
        for v in verdict.errors:
            typer.echo(f"    {v.rule}{' at ' + v.location if v.location else ''}: {v.message}", err=True)
        raise typer.Exit(1)
    if out is None:
        sys.stdout.buffer.write(xml)
    else:
        try:
            out.write_bytes(xml)
        except OSError as exc:
            typer.echo(f"error: cannot write {out}: {exc.strerror or exc}", err=True)
            raise typer.Exit(2) from None
        assert verdict.info is not None  # a retour was built, so the message was read
        typer.echo(f"{verdict.info.retour} answering {verdict.bericht} -> {out}", err=True)


def main() -> int:
    """Run `app` with the commands registered on it; the exit status, never a traceback."""
    try:
        app()
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt:
        return 130
    # What a command did not catch itself: a usage error all the same.
    except (ConfigError, InputError) as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except StartError as exc:  # not a defect of ours: the machine lacks what the part needs
        typer.echo(f"error: {exc}", err=True)
        return 1
    except Exception as exc:  # a defect of ours: one line, never a traceback that could show message content
        typer.echo(f"error: internal error ({type(exc).__name__}: {exc}); please report it", err=True)
        return 1
    return 0


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

    from sqlalchemy.exc import SQLAlchemyError

    from hub.store import retention
    from hub.store.db import make_engine, session_factory

    settings = load(HubSettings)
    days = settings.retour_retention_days if older_than is None else older_than
    if older_than is None and days == 0:
        typer.echo(
            "retention is off (HUB_RETOUR_RETENTION_DAYS=0): nothing cleared; --older-than DAYS clears anyway"
        )
        return
    now = datetime.now(UTC)
    before = retention.cutoff(days, now)
    engine = make_engine(database or settings.database_url)
    try:
        sessions = session_factory(engine)
        if dry_run:
            with sessions() as session:
                retouren = retention.count_due(session, before)
                meldingen = retention.count_due(session, before, retention.STATUSMELDINGEN)
        else:
            retouren, meldingen = retention.purge_all(sessions, before, now=now)
    except SQLAlchemyError as exc:  # unreachable, or not migrated: one line, never the statement's parameters
        typer.echo(
            f"error: the store failed: {type(exc).__name__} (is it reachable and at `hub db upgrade`?)",
            err=True,
        )
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
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

    from sqlalchemy.exc import SQLAlchemyError

    from hub.privacy import Pseudonymiser
    from hub.store import key_fingerprint as fingerprints
    from hub.store.db import make_engine, session_factory

    settings = load(HubSettings)
    if settings.pseudonym_key is None:
        typer.echo("error: HUB_PSEUDONYM_KEY is not set: there is no key to record", err=True)
        raise typer.Exit(2)
    pseudonym = Pseudonymiser(settings.pseudonym_key.get_secret_value().encode())
    key = fingerprints.Recorded(
        fingerprints.fingerprint(pseudonym), throwaway=False, recorded_at=datetime.now(UTC)
    )
    engine = make_engine(database or settings.database_url)
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if path and path != ":memory:" and not Path(path).is_file():  # SQLite would create an empty one
        typer.echo(f"error: no store at {path}", err=True)
        raise typer.Exit(2)
    try:
        sessions = session_factory(engine)
        held = fingerprints.recorded(sessions)
        fingerprints.record(sessions, key)
    except SQLAlchemyError as exc:  # unreachable, or not migrated: one line, as `hub db purge`
        typer.echo(
            f"error: the store failed: {type(exc).__name__} (is it reachable and at `hub db upgrade`?)",
            err=True,
        )
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(_recorded(held, key), err=True)


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
    help="What the store holds about a client (a request for inzage).", no_args_is_help=True
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
    from hub.privacy import Pseudonymiser
    from hub.store.betrokkene import overzicht

    settings = load(HubSettings)
    if settings.pseudonym_key is None:
        typer.echo(
            "error: HUB_PSEUDONYM_KEY is not set: a client is found by the pseudonym under that key", err=True
        )
        raise typer.Exit(2)
    bsns = [line.strip() for line in sys.stdin if line.strip()]
    if not bsns or any(not re.fullmatch(r"[0-9]{9}", bsn) for bsn in bsns):
        typer.echo("error: give BSNs on stdin, one per line, each 9 digits", err=True)
        raise typer.Exit(2)
    pseudonym = Pseudonymiser(settings.pseudonym_key.get_secret_value().encode())
    with _store_to_read(database or settings.database_url) as session:
        _same_key(session, pseudonym)
        gevonden = [overzicht(session, pseudonym(bsn)) for bsn in bsns]
    if format is OverzichtFormat.json:
        for n, o in enumerate(gevonden, 1):
            rows = {"client": n, "pseudoniem": o.client, "berichten": [_als_json(b) for b in o.berichten]}
            typer.echo(json.dumps({**rows, "rijen": o.rijen}))
        return
    for n, o in enumerate(gevonden, 1):
        typer.echo(f"client {n} (pseudoniem {o.client}): {_count(len(o.berichten), 'bericht', 'berichten')}")
        for b in o.berichten:
            gewist = f" op {b.retour_gewist_op:%Y-%m-%d}" if b.retour_gewist_op else ""
            typer.echo(
                f"  {b.id}  {b.bericht or '-'} {b.identificatie or '-'}  {b.dagtekening or '-'}  {b.outcome}"
                f"  retour: {b.retour}{gewist}"
            )
        for table, count in o.rijen.items():
            typer.echo(f"  {table}: {count}")


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


@contextmanager
def _store_to_read(url: str) -> Iterator[Session]:
    """A session on a store migrated for this release (or a later one); one line and exit 2 otherwise, 1 when it
    cannot be read. Never creates a SQLite file that is not there."""
    from sqlalchemy.exc import SQLAlchemyError

    from hub.configuration import mask_url
    from hub.store.db import make_engine, revisions, serves, session_factory

    try:
        engine = make_engine(url)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        path = engine.url.database if engine.dialect.name == "sqlite" else None
        if path and path != ":memory:" and not Path(path).is_file():
            typer.echo(f"error: no store at {path}", err=True)
            raise typer.Exit(2)
        try:
            current, heads = revisions(engine)
        except SQLAlchemyError as exc:
            typer.echo(f"error: cannot read the store {mask_url(url)}: {type(exc).__name__}", err=True)
            raise typer.Exit(1) from None
        if not serves(current, heads):
            at = f"revision {', '.join(sorted(current))}" if current else "no revision"
            typer.echo(
                f"error: the store is not migrated to this release ({at}, this release needs "
                f"{', '.join(sorted(heads))}): run `hub db upgrade` first",
                err=True,
            )
            raise typer.Exit(2)
        try:
            with session_factory(engine)() as session:
                yield session
        except SQLAlchemyError as exc:  # one line, never the statement's parameters
            typer.echo(f"error: the store failed: {type(exc).__name__}", err=True)
            raise typer.Exit(1) from None
    finally:
        engine.dispose()
