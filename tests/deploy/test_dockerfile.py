"""Static checks of the Dockerfile and .dockerignore (no Docker engine runs here, so the image is not built)."""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field

import pytest

from tests.deploy.contract import ROOT

COMPILERS = re.compile(r"\b(build-essential|gcc|g\+\+|clang|cc1|make|cmake|rustc|cargo)\b")


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [arg for kw, arg in self.instructions if kw == keyword]


def _logical_lines(text: str) -> list[str]:
    """Instructions with backslash continuations joined and comments dropped, as Docker reads them."""
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            current += stripped[:-1].rstrip() + " "
            continue
        lines.append(current + stripped)
        current = ""
    if current:
        lines.append(current)
    return lines


def parse(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults (before the first FROM) and the build stages in order."""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in _logical_lines(text):
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        rest = rest.strip()
        if keyword == "FROM":
            parts = rest.split()
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(parts[0], name))
        elif not stages:
            if keyword == "ARG" and "=" in rest:
                key, _, value = rest.partition("=")
                global_args[key] = value
        else:
            stages[-1].instructions.append((keyword, rest))
    return global_args, stages


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], list[Stage]]:
    return parse((ROOT / "Dockerfile").read_text(encoding="utf-8"))


def _resolve(base: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m.group(1) or m.group(2), m.group(0)), base)


def test_parser_joins_continuations_and_finds_stages() -> None:
    args, stages = parse("ARG B=x:1\n# c\nFROM ${B} AS one\nRUN a \\\n  # inner\n  && b\nFROM x:1\nUSER 1\n")
    assert args == {"B": "x:1"}
    assert [(s.base, s.name) for s in stages] == [("${B}", "one"), ("x:1", None)]
    assert stages[0].args("RUN") == ["a && b"]


def test_multi_stage_on_slim_python_311(dockerfile: tuple[dict[str, str], list[Stage]]) -> None:
    args, stages = dockerfile
    assert len(stages) >= 2
    bases = {_resolve(stage.base, args) for stage in stages}
    # One interpreter for every stage: the final stage runs the venv the build stage made.
    assert len(bases) == 1
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", bases.pop())


def test_final_stage_runs_as_non_root(dockerfile: tuple[dict[str, str], list[Stage]]) -> None:
    final = dockerfile[1][-1]
    users = final.args("USER")
    assert users, "the final stage sets no USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    # Kubernetes' runAsNonRoot can verify only a numeric uid.
    assert user.isdigit()


def test_final_stage_has_no_compilers_or_caches(dockerfile: tuple[dict[str, str], list[Stage]]) -> None:
    final = dockerfile[1][-1]
    for command in final.args("RUN"):
        assert not COMPILERS.search(command), command
        assert "apt-get install" not in command, command
        assert "pip install" not in command, "dependencies belong in the build stage"
    builders = dockerfile[1][:-1]
    assert any("build-essential" in run for stage in builders for run in stage.args("RUN"))
    # The build stage leaves no apt lists or pip cache behind either.
    assert any("PIP_NO_CACHE_DIR=1" in env for stage in builders for env in stage.args("ENV"))
    assert all(
        "rm -rf /var/lib/apt/lists/*" in run
        for stage in builders
        for run in stage.args("RUN")
        if "apt-get" in run
    )


def test_schemas_and_reference_data_reach_the_final_stage(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    _, stages = dockerfile
    build = next(
        stage
        for stage in stages[:-1]
        if any(c.split()[0].rstrip("/") == "schemas" for c in stage.args("COPY"))
    )
    copies = build.args("COPY")
    assert "schemas ./schemas" in copies
    assert "hub ./hub" in copies  # hub/reference/*.csv travels with the package
    final_copies = stages[-1].args("COPY")
    assert f"--from={build.name} /app /app" in final_copies
    assert f"--from={build.name} /opt/venv /opt/venv" in final_copies
    # The hub finds its XSDs next to the package: /app/hub/ijw/schema.py -> /app/schemas/ijw/3.2.
    assert (ROOT / "schemas" / "ijw" / "3.2" / "basisschema.xsd").is_file()
    assert list((ROOT / "hub" / "reference").glob("*.csv"))


def test_entrypoint_port_and_healthcheck(dockerfile: tuple[dict[str, str], list[Stage]]) -> None:
    final = dockerfile[1][-1]
    assert json.loads(final.args("ENTRYPOINT")[-1]) == ["hub"]
    assert json.loads(final.args("CMD")[-1]) == ["run", "--role", "all"]
    assert final.args("EXPOSE") == ["8080"]
    health = final.args("HEALTHCHECK")[-1]
    assert "/healthz" in health
    env = " ".join(final.args("ENV"))
    # The hub binds 127.0.0.1 by default; in a container it must listen on every interface.
    assert "HUB_HTTP_HOST=0.0.0.0" in env
    assert "HUB_MIGRATE_ON_START=false" in env


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule, simplified: the last pattern that matches the path or one of its parents decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        glob = pattern.lstrip("!").strip("/")
        if any(fnmatch.fnmatchcase(prefix, glob) for prefix in prefixes):
            ignored = not negated
    return ignored


@pytest.fixture(scope="module")
def ignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".venv/bin/python",
        ".git/HEAD",
        "tests/test_cli.py",
        "out/retour/x.xml",
        "hub/__pycache__/cli.cpython-311.pyc",
        "hub.sqlite",
        "deploy/compose.yaml",
    ],
)
def test_dockerignore_keeps_out(path: str, ignore_patterns: list[str]) -> None:
    assert dockerignored(path, ignore_patterns)


def test_dockerignore_lets_every_copied_path_through(
    dockerfile: tuple[dict[str, str], list[Stage]], ignore_patterns: list[str]
) -> None:
    sources = [
        source
        for stage in dockerfile[1]
        for copy in stage.args("COPY")
        if not copy.startswith("--from")
        for source in copy.split()[:-1]
    ]
    assert "schemas" in sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not dockerignored(source, ignore_patterns), source
    for needed in ("schemas/ijw/3.2/basisschema.xsd", "hub/reference/gemeenten-2026.csv", "hub/cli.py"):
        assert not dockerignored(needed, ignore_patterns), needed
