"""The `hub` command line. Contracts (flags, JSON lines, exit codes) are fixed by the issues: keep them exact."""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from hub import heap
from hub.clock import vandaag
from hub.errors import ConfigError, InputError
from hub.ijw.parse import ParseLimits
from hub.reference import gemeenten as gemeentelijst
from hub.reference.producten import load_productcodes
from hub.reference.tarieven import load_tarieven
from hub.rules.registry import Level, Violation
from hub.settings import HubSettings
from hub.validate import Validator, Verdict

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
    try:
        return cls()
    except ValidationError as exc:
        prefix = str(cls.model_config.get("env_prefix", ""))
        for error in exc.errors(include_url=False, include_input=False, include_context=False):
            name = (prefix + "_".join(str(part) for part in error["loc"])).upper().rstrip("_")
            typer.echo(f"error: invalid configuration {name or cls.__name__}: {error['msg']}", err=True)
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


def _as_date(value: str | None) -> date | None:
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
    validator = _validator(schema_dir, gemeenten, _as_date(as_of), productcodes, tarieven)
    all_ok = True
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

    today = _as_date(as_of)
    validator = _validator(schema_dir, gemeenten, today, productcodes, tarieven)
    verdict = judge_file(validator, file)
    xml = build_retour(verdict, dagtekening=today or vandaag())
    if xml is None:
        if verdict.info is None or verdict.doc is None:
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
        out.write_bytes(xml)
        typer.echo(f"{verdict.bericht} -> {out}", err=True)


def main() -> int:
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
    except Exception as exc:  # a defect of ours: one line, never a traceback that could show message content
        typer.echo(f"error: internal error ({type(exc).__name__}: {exc}); please report it", err=True)
        return 1
    return 0


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Seed of the simulated traffic.")] = 1,
    port: Annotated[int, typer.Option(help="HTTP port (a free one is taken when it is in use).")] = 8080,
    speed: Annotated[float, typer.Option(help="Live messages per second through the gateway.")] = 2.0,
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: until Ctrl-C).")
    ] = None,
    live: Annotated[bool, typer.Option("--live/--no-live", help="Show the live summary.")] = True,
    error_rate: Annotated[float, typer.Option(help="Share of deliberately wrong messages.")] = 0.02,
) -> None:
    """The whole hub with simulated traffic: embedded broker, SQLite, gateway, processors, /metrics."""
    import asyncio
    import contextlib

    from consumers.demo import run_demo
    from hub.logs import configure

    configure("text", "WARNING")
    heap.settle()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            run_demo(
                seed=seed, port=port, speed=speed, duration=duration, live_ui=live, error_rate=error_rate
            )
        )


@app.command()
def process(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories of messages to replay.")],
    metrics_out: Annotated[
        Path | None, typer.Option("--metrics-out", help="Write the Prometheus exposition here.")
    ] = None,
    retour_out: Annotated[
        Path | None, typer.Option("--retour-out", help="Write every retourbericht here.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="'Today' (YYYY-MM-DD) of the gauges; messages dated later are processed as any other.",
        ),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option("--database", help="SQLAlchemy URL (default: a fresh temporary SQLite file)."),
    ] = None,
    productcodes: Productcodes = None,
    tarieven: Tarieven = None,
) -> None:
    """Replay messages through the full pipeline (embedded broker unless one is configured) and wait until drained."""
    import asyncio

    from consumers.broker import BrokerSettings
    from consumers.process import process as run_process
    from hub.logs import configure

    today = _as_date(as_of)
    settings = load(HubSettings)
    broker_settings = load(BrokerSettings)  # outside the try below: an invalid one is a usage error, exit 2
    if (
        productcodes is not None or tarieven is not None
    ):  # the options override the settings, as in `hub validate`
        settings = settings.model_copy(
            update={
                "productcodes_file": productcodes or settings.productcodes_file,
                "tarieven_file": tarieven or settings.tarieven_file,
            }
        )
    configure(settings.log_format, "WARNING")
    heap.settle()
    try:
        counts = asyncio.run(
            run_process(
                paths,
                settings=settings,
                broker_settings=broker_settings,
                metrics_out=metrics_out,
                retour_out=retour_out,
                as_of=today,
                database=database,
            )
        )
    except (ConfigError, InputError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except Exception as exc:  # the pipeline itself failed: say what, without a traceback
        typer.echo(f"error: the pipeline failed: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from None
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    typer.echo(f"processed {sum(counts.values())} messages: {summary or 'none'}", err=True)


db_app = typer.Typer(help="The hub's database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(
    database: Database = None,
) -> None:
    """Apply the database migrations (Alembic) up to the newest revision."""
    from hub.store.db import upgrade

    url = database or load(HubSettings).database_url
    upgrade(url)
    typer.echo("database is at the newest revision", err=True)


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


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories of messages to send.")],
    to: Annotated[
        str, typer.Option("--to", help="A hub's base URL (HTTP gateway) or 'kafka' (the configured broker).")
    ],
    api_key: ApiKey = None,
) -> None:
    """Send message files to a running hub, in order of Dagtekening then file name."""
    import asyncio

    from producers.ingest import Sent, collect, send_http, send_kafka

    try:
        inputs = collect(paths)
    except InputError as exc:
        typer.echo(f"error: {exc}; nothing was sent", err=True)
        raise typer.Exit(2) from None
    if to == "kafka":
        from consumers.broker import BrokerSettings, largest_record, make_broker
        from hub.topics import Topics

        broker_settings = load(BrokerSettings)
        if not broker_settings.bootstrap_servers:
            typer.echo("error: --to kafka needs HUB_KAFKA_BOOTSTRAP_SERVERS", err=True)
            raise typer.Exit(2)

        async def send() -> list[Sent]:
            broker = make_broker(broker_settings)
            await broker.connect()
            try:
                return await send_kafka(
                    inputs,
                    broker.publish,
                    Topics(broker_settings.topic_prefix).inbound,
                    largest=largest_record(broker_settings),
                )
            finally:
                await broker.stop()

        sent = asyncio.run(send())
    else:
        try:
            sent = send_http(inputs, to, api_key)
        except Exception as exc:  # connection refused, timeouts: one clear line
            typer.echo(f"error: cannot send to {to}: {type(exc).__name__}: {exc}", err=True)
            raise typer.Exit(1) from None
    failed = 0
    for s in sent:
        typer.echo(f"{s.status}\t{s.path}\t{s.detail}")
        failed += s.status not in ("kafka", 202)
    raise typer.Exit(1 if failed else 0)


@app.command()
def run(
    role: Annotated[str, typer.Option("--role", help="all | intake | processors | gateway")] = "all",
    demo_mode: Annotated[
        bool, typer.Option("--demo", help="Allow a throwaway pseudonymisation key.")
    ] = False,
) -> None:
    """The service: intake, processors, HTTP gateway and /metrics (embedded broker and SQLite by default)."""
    from consumers.app import ROLES
    from consumers.broker import BrokerSettings
    from consumers.serve import Service, build_service, serve
    from hub.configuration import mask_url
    from hub.logs import configure

    if role not in ROLES:
        typer.echo(f"error: --role must be one of {', '.join(ROLES)}", err=True)
        raise typer.Exit(2)
    settings = load(HubSettings)
    broker_settings = load(BrokerSettings)
    if demo_mode:
        settings = settings.model_copy(update={"demo": True})
    configure(settings.log_format, settings.log_level)

    def started(service: Service) -> None:
        base = f"http://{settings.http_host}:{settings.http_port}"
        broker = service.runtime.bootstrap + (" (embedded Tansu)" if service.runtime.embedded else "")
        lines = [
            f"ijw-hub {role} is running",
            f"  broker   {broker}",
            f"  database {mask_url(settings.database_url)}",
        ]
        if service.runtime.has("gateway"):
            lines += [f"  gateway  {base}/berichten   (API docs: {base}/docs)"]
        lines += [f"  metrics  {base}/metrics", f"  health   {base}/healthz  {base}/readyz"]
        typer.echo("\n".join(lines), err=True)

    try:
        service = build_service(settings, broker_settings, (role,), on_started=started)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    heap.settle()
    serve(service, settings)


def post_simulated(
    berichten: Iterator[Any], url: str, api_key: str | None, *, speed: float | None = None, batch: int = 100
) -> list[Any]:
    """POST simulated messages in order through producers.ingest.send_http; at most `speed` per second.

    Returns what the gateway answered for messages it did not take (anything but 202).
    """
    import itertools
    import time

    from producers.ingest import Input, send_http

    def as_input(b: Any) -> Input:
        return Input(Path(b.bestandsnaam), b.xml, b.dagtekening, b.key)

    refused: list[Any] = []
    if speed is None:  # as fast as possible: one HTTP client per batch
        while chunk := [as_input(b) for b in itertools.islice(berichten, batch)]:
            refused += [s for s in send_http(chunk, url, api_key) if s.status != 202]
        return refused
    begin = time.monotonic()
    for i, b in enumerate(berichten):
        time.sleep(max(0.0, begin + i / speed - time.monotonic()))
        refused += [s for s in send_http([as_input(b)], url, api_key) if s.status != 202]
    return refused


@app.command()
def simulate(
    seed: Annotated[
        int, typer.Option("--seed", help="The same seed gives the same messages, byte for byte.")
    ] = 1,
    regio: Annotated[
        list[str] | None,
        typer.Option(
            "--regio", help="A jeugdregio (repeat for more); default: the seven Gelderland regions."
        ),
    ] = None,
    aanbieders: Annotated[int, typer.Option("--aanbieders", help="Number of aanbieders.")] = 30,
    clienten: Annotated[int, typer.Option("--clienten", help="Client stories over the period.")] = 400,
    start: Annotated[
        str | None, typer.Option("--start", help="First day (default: nine months before --tot).")
    ] = None,
    tot: Annotated[str | None, typer.Option("--tot", help="Last Dagtekening (default: today).")] = None,
    error_rate: Annotated[
        float, typer.Option("--error-rate", help="Share of messages that get a deliberately wrong twin.")
    ] = 0.02,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the messages and manifest.json to this directory.")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="POST the messages to a running hub (its base URL).")
    ] = None,
    api_key: ApiKey = None,
    speed: Annotated[
        float | None,
        typer.Option(
            "--speed", help="Messages per second with --to (default: as fast as possible; 2 with --live)."
        ),
    ] = None,
    live: Annotated[
        bool, typer.Option("--live", help="With --to: after the history keep sending traffic dated today.")
    ] = False,
    gi: Annotated[
        bool, typer.Option("--gi/--no-gi", help="Also GI bepalingen, maatregel-voortgang and capaciteit.")
    ] = True,
) -> None:
    """Realistic synthetic traffic for a set of jeugdregio's: files plus manifest.json (--out), or POSTed to a hub (--to)."""
    from hub.synth.simulate import SimConfig, Simulator, schrijf
    from hub.synth.wereld import GELDERLAND

    if (out is None) == (to is None) or (live and to is None) or (speed is not None and speed <= 0):
        typer.echo(
            "error: give --out DIR or --to URL (one of them; --live and --speed need --to, speed > 0)",
            err=True,
        )
        raise typer.Exit(2)
    try:
        config = SimConfig(
            seed=seed,
            regios=tuple(regio or GELDERLAND),
            aanbieders=aanbieders,
            clienten=clienten,
            start=_as_date(start),
            tot=_as_date(tot),
            error_rate=error_rate,
            gi=gi,
        )
        sim = Simulator(config)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if out is not None:
        data = schrijf(sim, out)
        counts = ", ".join(f"{n} {bericht}" for bericht, n in data["counts"].items())
        typer.echo(
            f"wrote {data['messages']} messages to {out} ({counts or 'none'}); "
            f"{len(data['deliberate'])} deliberately wrong, listed in {out / 'manifest.json'}",
            err=True,
        )
        return
    assert to is not None
    try:
        refused = post_simulated(
            sim.live() if live else sim.run(), to, api_key, speed=speed or (2.0 if live else None)
        )
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
    except Exception as exc:  # connection refused, timeouts: one clear line
        typer.echo(f"error: cannot send to {to}: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from None
    for s in refused:
        typer.echo(f"{s.status}\t{s.path}\t{s.detail}")
    typer.echo(f"sent the simulated messages to {to}; {len(refused)} not taken by the gateway", err=True)
    raise typer.Exit(1 if refused else 0)


config_app = typer.Typer(help="The hub's configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
def config_show(
    format: Annotated[Format, typer.Option("--format", help="text or json")] = Format.text,
) -> None:
    """Print the effective configuration (environment, .env file, defaults) with secrets masked."""
    from consumers.broker import BrokerSettings
    from hub.configuration import effective

    rows = effective([load(HubSettings), load(BrokerSettings)])
    if format is Format.json:
        typer.echo(json.dumps({r.env: r.value for r in rows}, indent=2))
        return
    width = max(len(r.env) for r in rows)
    for r in rows:
        typer.echo(f"{r.env:<{width}}  {r.value}")
