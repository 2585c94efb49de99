"""README.md, claim by claim: the commands, paths, names and limits it states are those of the code.

Each test reads the README itself where it can, so a claim edited there is checked as it now reads. The measured
numbers of "## Figures" are not checked; the scripts, flags and make targets it names are.
"""

from __future__ import annotations

import inspect
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from alembic.script import ScriptDirectory
from pydantic import SecretStr
from typer.testing import CliRunner

import hub.rules.all  # noqa: F401  (registers every rule)
from consumers.app import pseudonymiser_for
from consumers.cli import app
from hub.ijw.parse import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH
from hub.monitor.registry import EVENT_KINDS, load_plugins
from hub.privacy import Pseudonymiser
from hub.rules.registry import REGISTRY, Level
from hub.settings import HubSettings
from hub.store.db import alembic_config
from hub.topics import GI, NORMALISED, Topics

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
runner = CliRunner()

pytestmark = pytest.mark.usefixtures("no_hub_env")  # settings come from the test, not from the shell


def section(start: str, end: str) -> str:
    """The README's text from `start` up to (not including) the next `end` after it."""
    begin = README.index(start)
    return README[begin : README.index(end, begin + len(start))]


def quick_start_command(start: str) -> list[str]:
    """The arguments after `.venv/bin/hub` of the first quick-start line that begins `.venv/bin/hub <start> `."""
    block = section("Try the commands on your own files", "## Architecture")
    line = next(x for x in block.splitlines() if x.startswith(f".venv/bin/hub {start} "))
    return shlex.split(line.split("#", 1)[0])[1:]


def with_value(args: list[str], option: str, value: str) -> list[str]:
    """`args` with the value of `option` replaced (an output path, to write into the test's directory)."""
    i = args.index(option)
    return [*args[: i + 1], value, *args[i + 2 :]]


# ---- "What a newcomer sees": the commands on the shipped examples ------------------------------------------


def test_validate_and_retour_on_the_examples_as_the_quick_start_runs_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, quick_start_command("validate"))
    assert result.exit_code == 0, result.output
    verdicts = [line.split()[0] for line in result.output.splitlines() if not line.startswith(" ")]
    assert len(verdicts) == len(list((ROOT / "examples").rglob("*.xml")))  # one line per file
    assert set(verdicts) == {"accepted"}

    result = runner.invoke(app, quick_start_command("validate --format json"))
    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()  # one JSON object per file per line
    assert json.loads(line)["accepted"] is True

    out = tmp_path / "jw306.xml"
    result = runner.invoke(app, with_value(quick_start_command("retour"), "-o", str(out)))
    assert result.exit_code == 0, result.output
    assert b"/jw306/schema" in out.read_bytes()  # "the JW306 that answers it"


def test_the_simulate_example_is_deterministic(tmp_path: Path) -> None:
    """`hub simulate` as the README gives it writes the same files, byte for byte, every time it runs."""
    runs = []
    for n in (1, 2):
        out = tmp_path / f"sim{n}"
        result = runner.invoke(app, with_value(quick_start_command("simulate"), "--out", str(out)))
        assert result.exit_code == 0, result.output
        runs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert "manifest.json" in runs[0] and len(runs[0]) > 1
    assert runs[0] == runs[1]


# ---- Validation ----------------------------------------------------------------------------------------------


def test_the_json_example_is_what_hub_validate_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's JSON line, for a JW305 whose BSN fails the 11-proef, is hub validate's own output."""
    shown = json.loads(section("```json", "```\n").removeprefix("```json"))
    example = (ROOT / "examples" / "JW305.xml").read_text(encoding="utf-8")
    assert ">999999862<" in example
    path = tmp_path / shown["file"]
    path.parent.mkdir(parents=True)
    path.write_text(example.replace(">999999862<", ">999999863<"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", "--format", "json", shown["file"]])
    assert result.exit_code == 1, result.output
    assert json.loads(result.output) == shown


def test_the_parser_limits_are_the_defaults() -> None:
    level_1 = section("1. **XML and XSD.**", "2. **In-message rules**")
    assert "`HUB_MAX_MESSAGE_BYTES`, 25 MiB" in level_1 and "`HUB_MAX_XML_DEPTH`, 32" in level_1
    assert DEFAULT_MAX_BYTES == 25 * 2**20 and DEFAULT_MAX_DEPTH == 32
    settings = HubSettings()
    assert (settings.max_message_bytes, settings.max_xml_depth) == (DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH)


def _codes(text: str) -> set[str]:
    """Rule codes as the README writes them: TR056, TR069/TR382, TR413–415, GB101–GB105."""
    codes: set[str] = set()
    for prefix, first, last in re.findall(r"\b(TR|GB)(\d{3})(?:–(?:TR|GB)?(\d{3}))?", text):
        codes.update(f"{prefix}{n:03d}" for n in range(int(first), int(last or first) + 1))
    return codes


def test_level_3_names_the_stateful_rules() -> None:
    """Level 3 lists each stateful rule by code, but for the JW323 rules it names as a group."""
    listed = _codes(section("3. **Stateful rules**", "(OP286)"))
    stateful = {code.split(":")[0]: r for code, r in REGISTRY.items() if r.level is Level.STATEFUL}
    assert listed <= set(stateful), f"not stateful rules: {sorted(listed - set(stateful))}"
    unnamed = {code for code, r in stateful.items() if code not in listed and r.berichten != {"JW323"}}
    assert unnamed == set(), f"stateful rules the README does not name: {sorted(unnamed)}"


# ---- The event pipeline --------------------------------------------------------------------------------------


def test_the_topic_table_and_consumer_groups_are_the_hubs() -> None:
    table = section("| topic | key |", "\n\n")
    rows = [line.split("|")[1:-1] for line in table.splitlines()[2:]]
    named = {name for row in rows for name in re.findall(r"`([\w.-]+)`", row[0])}
    assert named == set(Topics(prefix="").all())
    # The processors read every normalised topic but gi.status, which they write (docs: "all but `gi.status`").
    load_plugins()
    assert set(EVENT_KINDS) == set(NORMALISED) | set(GI) - {"gi.status"}
    gi_row = next(row for row in rows if "`gi.status`" in row[0])
    assert "all but `gi.status`" in gi_row[5]
    groups = section("and so do the consumer groups", "so hubs with different prefixes")
    assert re.findall(r"`(ijw-hub-[\w-]+)`", groups) == Topics().groups.all()


def test_hub_process_uses_the_configured_pseudonym_key() -> None:
    """`hub process` (allow_throwaway) takes HUB_PSEUDONYM_KEY when set; only without one a throwaway key."""
    key = "a-key-of-the-deployment-0123456789"
    configured = pseudonymiser_for(HubSettings(pseudonym_key=SecretStr(key)), allow_throwaway=True)
    assert configured("999999862") == Pseudonymiser(key.encode())("999999862")
    first = pseudonymiser_for(HubSettings(), allow_throwaway=True)
    second = pseudonymiser_for(HubSettings(), allow_throwaway=True)
    assert first("999999862") != second("999999862")


# ---- Commands, paths, make targets ---------------------------------------------------------------------------


def _options(path: list[str]) -> set[str]:
    """The option names of `hub <path>` (typer's own click: found by name, not by class)."""
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.get_command(None, name) if hasattr(command, "get_command") else None
        assert command is not None, f"no command `hub {' '.join(path)}`"
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}  # --no-live too


def _synopses() -> list[str]:
    """`hub ...` synopses: the validate contract and the first cell of each row of the Commands table."""
    table = section("| command | what it does |", "\n\n")
    rows = [line.split(" | ")[0].lstrip("| ") for line in table.splitlines()[2:]]
    contract = re.search(r"^`(hub validate [^`]+)`$", README, re.MULTILINE)
    assert contract is not None
    return [contract[1], *(row.strip("`") for row in rows)]


@pytest.mark.parametrize("synopsis", _synopses())
def test_every_command_and_option_the_readme_gives_exists(synopsis: str) -> None:
    words = synopsis.split()
    path = [w for w in words[1:3] if re.fullmatch(r"[a-z]+(?:-[a-z]+)*", w)]  # record-key too
    options = _options(path)
    given = set(re.findall(r"(?<![\w-])(--[a-z-]+|-o)\b", synopsis))
    assert given <= options, f"`{synopsis}`: no such option {sorted(given - options)}"


def test_the_normen_row_gives_every_option_and_value_of_hub_normen() -> None:
    """`hub normen`: the synopsis names each of its options, the values --naar and --format take, and the
    migration that dates the outcomes; the Metrics section points the monitoring teams to it."""
    from hub.cli_store import Naar, NormenFormat

    [synopsis] = [s for s in _synopses() if s.startswith("hub normen ")]
    assert set(re.findall(r"(?<![\w-])(--[a-z-]+)\b", synopsis)) == _options(["normen"])
    bar = "\\|"  # a | in a table cell
    assert f"[--naar {bar.join(Naar)}]" in synopsis and f"[--format {bar.join(NormenFormat)}]" in synopsis
    row = section("| `hub normen ", "\n")
    assert "migration 0013" in row and "`docs/definities.md` 4.4" in row
    assert ScriptDirectory.from_config(alembic_config()).get_revision("0013") is not None
    metrics = section("## Metrics", "**Why N replicas agree.**")
    assert "`hub normen` gives the exact figures of the norms per\ncalendar month and regio" in metrics


def test_the_demo_row_gives_every_option_of_hub_demo() -> None:
    [synopsis] = [s for s in _synopses() if s.startswith("hub demo ")]
    assert set(re.findall(r"(?<![\w-])(--[a-z-]+)\b", synopsis)) == _options(["demo"]) - {"--help", "--live"}


def test_every_command_that_posts_to_a_gateway_gives_a_key() -> None:
    """The gateway refuses a message without a key (401): the README's `hub ingest` and `hub simulate --to`, in its
    examples and in the Commands table, give `--api-key`, which also reads HUB_INGEST_API_KEY."""
    lines = [
        line for line in README.splitlines() if re.search(r"hub (ingest|simulate) .*--to (URL|http)", line)
    ]
    assert any("hub ingest examples/" in line for line in lines)
    rows = [line for line in lines if line.startswith("| `hub")]
    assert len(rows) == 2  # those of the Commands table
    for line in lines:
        assert "--api-key" in line, line
    for command in ("ingest", "simulate"):
        [key] = [p for p in _command(command).params if "--api-key" in p.opts]
        assert key.envvar == "HUB_INGEST_API_KEY"


def _command(name: str) -> Any:
    command: Any = typer.main.get_command(app)
    return command.get_command(None, name)


def test_the_quick_start_writes_only_outside_the_checkout() -> None:
    """Every output path of "Try the commands" is under /tmp, so a clone stays clean."""
    block = section("Try the commands on your own files", "With `make demo` running")
    written = re.findall(r"(?:-o|--out|--metrics-out|--retour-out) (\S+)", block)
    assert len(written) == 4 and all(path.startswith("/tmp/") for path in written), written


def test_the_newcomer_section_says_how_the_demo_routes_answer() -> None:
    """The gateway URL the demo prints takes POST only (a GET is 405), and /docs loads Swagger UI from a CDN."""
    from fastapi.openapi.docs import get_swagger_ui_html

    from producers.routes import berichten

    newcomer = " ".join(section("## What a newcomer sees", "## Architecture").split())  # as reflowed
    methods = {m for r in berichten.routes if getattr(r, "path", None) == "/berichten" for m in r.methods}  # type: ignore[attr-defined]
    assert methods == {"POST"} and "takes a `POST` only (a browser's `GET` of it answers 405)" in newcomer
    cdn = inspect.signature(get_swagger_ui_html).parameters["swagger_js_url"].default
    assert cdn.startswith("https://cdn.jsdelivr.net/") and "from a CDN (cdn.jsdelivr.net)" in newcomer
    # "`hub validate` accepts all 13": the examples posted in a row
    accepted = re.search(r"`hub validate` accepts all (\d+)\)", newcomer)
    assert accepted is not None and int(accepted[1]) == len(list((ROOT / "examples").rglob("*.xml")))


def test_the_readme_links_only_into_the_repository() -> None:
    targets = re.findall(r"\]\(([^)#]+)", README)
    outside = [t for t in targets if "://" not in t and not (ROOT / t).resolve().is_relative_to(ROOT)]
    assert outside == [] and "../shared" not in README


def test_make_targets_the_readme_names_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z]+):", makefile, re.MULTILINE))
    named = set(re.findall(r"`make (\w+)`", README)) | set(re.findall(r"^make (\w+)", README, re.MULTILINE))
    assert named and named <= targets, sorted(named - targets)
    bench = makefile.split("\nbench:", 1)[1].split("\n\n", 1)[0]
    assert (
        "benchmarks/validation.py" in bench and "benchmarks/pipeline.py" in bench
    )  # "the two headline ones"


def test_every_path_the_readme_names_exists() -> None:
    named = set(
        re.findall(
            r"`((?:hub|consumers|producers|schemas|deploy|docs|benchmarks|tools|tests|examples)/[^`\s]*)`",
            README,
        )
    )
    named |= set(re.findall(r"`(\.ci/run|constraints\.txt|pyproject\.toml)`", README))
    layout = {
        "hub/ijw/parse.py",
        "hub/ijw/schema.py",
        "hub/ijw/doc.py",
        "hub/ijw/structure.py",
        "hub/ijw/models.py",
        "hub/ijw/extract.py",
        "hub/ijw/catalog.py",
        "hub/rules/registry.py",
        "hub/rules/stateful/",
        "hub/rules/external.py",
        "hub/retour/build.py",
        "hub/gi/",
        "hub/state/snapshot.py",
        "hub/store/migrations/",
        "hub/events/normalise.py",
        "hub/monitor/norms.py",
        "hub/monitor/collector.py",
        "hub/synth/simulate.py",
        "hub/intake.py",
        "hub/validate.py",
        "hub/cli.py",
        "hub/settings.py",
        "consumers/cli.py",
        "consumers/embedded.py",
        "producers/gateway.py",
        "producers/ingest.py",
        "producers/retour_dispatcher.py",
        "producers/health.py",
        "schemas/ijw/3.2/",
        "schemas/gi/",
        "schemas/events/",
        "schemas/asyncapi.json",
        "deploy/compose.yaml",
        "deploy/k8s/",
        "deploy/prometheus/",
        "deploy/grafana/",
        "deploy/alertmanager/",
        "docs/operations.md",
        "docs/gi-berichten.md",
        "docs/gi-koppeling.md",
        "docs/backoffice-aansluiten.md",
        "docs/definities.md",
        "tools/postgres.py",
        "tools/gen_examples.py",
    }
    missing = sorted(p for p in named | layout if not (ROOT / p).exists())
    assert missing == []
    benchmarks = re.search(r"^benchmarks/\s+(.+?) \(see Figures\)$", README, re.MULTILINE)
    assert benchmarks is not None
    listed = {name.strip() for name in benchmarks[1].split(",")}
    assert listed == {p.name for p in (ROOT / "benchmarks").glob("*.py")} - {"stores.py"}


def test_the_figures_scripts_take_the_flags_the_readme_gives() -> None:
    """Every `benchmarks/X.py [--flag value]` of "## Figures", and the flags its text names, are in its --help."""
    figures = section("## Figures", "## Tests")
    wanted: dict[str, set[str]] = {}
    for script, rest in re.findall(r"`benchmarks/(\w+)\.py([^`]*)`", figures):
        wanted.setdefault(script, set()).update(re.findall(r"--[a-z-]+", rest))
        for choices in re.findall(r"--only ([\w\\|]+)", rest):
            wanted[script].update(f"--only {c}" for c in choices.split("\\|"))
    wanted["pipeline"] |= {"--only relay", "--sender httpx"}  # named in the text, outside the table
    wanted["processors"] |= {"--batch"}
    for script, flags in sorted(wanted.items()):
        helped = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / f"{script}.py"), "--help"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        for flag in flags:
            option, _, value = flag.partition(" ")
            assert option in helped, f"benchmarks/{script}.py has no {option}"
            assert value in helped, f"benchmarks/{script}.py {option} has no choice {value}"
