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
from collections.abc import Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

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
    pass

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


# The commands that read or change the store register themselves on `app` (hub.cli_store imports this module).
import hub.cli_store  # noqa: E402, F401
