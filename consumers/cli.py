"""The `hub` command: the core's commands (hub.cli) plus those that run transport; the program's entry point.

This is the composition root: it wires the transport of consumers/ and producers/ to the core, so hub/ itself
imports neither. Each command imports its transport when it runs, which keeps `hub validate` quick to start.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from hub import heap
from hub.cli import ApiKey, Format, Productcodes, Tarieven, app, as_date, load, main
from hub.errors import ConfigError, InputError, StartError
from hub.settings import HubSettings

# The console script runs hub.cli's main, which runs `app`: by then this module has added the commands below.
__all__ = ["app", "main"]


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Seed of the simulated traffic.")] = 1,
    port: Annotated[
        int, typer.Option(help="HTTP port (a free one is taken when it is in use).", min=1, max=65535)
    ] = 8080,
    speed: Annotated[
        float, typer.Option(help="Live messages per second through the gateway.", min=0.01)
    ] = 2.0,
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: until Ctrl-C).")
    ] = None,
    live: Annotated[bool, typer.Option("--live/--no-live", help="Show the live summary.")] = True,
    error_rate: Annotated[
        float, typer.Option(help="Share of deliberately wrong messages.", min=0.0, max=1.0)
    ] = 0.02,
) -> None:
    """The whole hub with simulated traffic: embedded broker, SQLite, gateway, processors, /metrics."""
    import asyncio
    import contextlib

    from consumers.demo import run_demo
    from hub.logs import configure

    configure("text", "WARNING")
    heap.settle()
    status = 0
    with contextlib.suppress(KeyboardInterrupt):
        status = asyncio.run(
            run_demo(
                seed=seed, port=port, speed=speed, duration=duration, live_ui=live, error_rate=error_rate
            )
        )
    if status:
        raise typer.Exit(status)


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

    today = as_date(as_of)
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
    except StartError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:  # the pipeline itself failed: say what, without a traceback
        typer.echo(f"error: the pipeline failed: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from None
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    typer.echo(f"processed {sum(counts.values())} messages: {summary or 'none'}", err=True)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories of messages to send.")],
    to: Annotated[
        str,
        typer.Option(
            "--to", help="A hub's base URL (its /berichten is taken too) or 'kafka' (the configured broker)."
        ),
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

        try:
            sent = asyncio.run(send())
        except Exception as exc:  # the broker away or refusing: one clear line, as for HTTP
            from consumers.serve import describe_start_failure

            typer.echo(f"error: {describe_start_failure(exc, broker_settings.bootstrap_servers)}", err=True)
            raise typer.Exit(1) from None
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
    from consumers.serve import Service, StartFailed, build_service, listen, serve
    from hub.configuration import mask_url, unknown_variables
    from hub.logs import configure

    if role not in ROLES:
        typer.echo(f"error: --role must be one of {', '.join(ROLES)}", err=True)
        raise typer.Exit(2)
    settings = load(HubSettings)
    broker_settings = load(BrokerSettings)
    for line in unknown_variables(os.environ, [HubSettings, BrokerSettings]):
        typer.echo(f"warning: {line}", err=True)
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

    try:  # first, so that a port in use ends the start before the database is migrated or a broker started
        sock = listen(settings)
    except OSError as exc:
        where = f"{settings.http_host}:{settings.http_port}"
        typer.echo(
            f"error: cannot listen on {where} (HUB_HTTP_HOST, HUB_HTTP_PORT): {exc.strerror or exc}", err=True
        )
        raise typer.Exit(2) from None
    with sock:
        try:
            service = build_service(settings, broker_settings, (role,), on_started=started)
        except ConfigError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        heap.settle()
        try:
            serve(service, settings, sock)
        except (
            StartFailed
        ) as exc:  # status 3, as uvicorn's start-up failure: an orchestrator restarts the hub
            typer.echo(f"error: the hub did not start: {exc}", err=True)
            raise typer.Exit(exc.status) from None  # 2: a configuration it refuses, as an invalid setting


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
            start=as_date(start),
            tot=as_date(tot),
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
    from hub.configuration import effective, unknown_variables

    rows = effective([load(HubSettings), load(BrokerSettings)])
    for line in unknown_variables(os.environ, [HubSettings, BrokerSettings]):
        typer.echo(f"warning: {line}", err=True)
    if format is Format.json:
        typer.echo(json.dumps({r.env: r.value for r in rows}, indent=2))
        return
    width = max(len(r.env) for r in rows)
    for r in rows:
        typer.echo(f"{r.env:<{width}}  {r.value}")
