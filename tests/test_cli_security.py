"""`hub process --retour-out DIR` and `hub retour -o` as files with hostile or unlucky names meet them.

Every retour lands inside DIR under a name of its own: files with the same name in other directories, names that
differ only in characters a file name may not keep, or only in case, and names too long for a file system each get
their own retour, with their own content, in the order the files are processed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from consumers.embedded import EmbeddedBroker
from consumers.process import process, retour_names
from hub.cli import app
from hub.settings import HubSettings
from hub.synth.berichten import spec
from hub.synth.build import edit, to_xml
from producers.ingest import collect
from tests.tansu import tansu_settings

IDENTIFICATIE = "Header/BerichtIdentificatie/Identificatie"
LONG = "x" * 246  # with .xml the longest name most file systems take; its retour's name would be longer still


def jw301(identificatie: str) -> bytes:
    return to_xml("JW301", edit(spec("JW301"), IDENTIFICATIE, identificatie))


def identificatie(xml: bytes) -> str | None:
    return etree.fromstring(xml).findtext(f"{{*}}{IDENTIFICATIE.replace('/', '/{*}')}")


def archive(root: Path) -> dict[Path, str]:
    """Files whose retour names collide or are too long, each with its own Identificatie."""
    files = {
        root / "a" / "jw301.xml": "JW301A",
        root / "b" / "jw301.xml": "JW301B",
        root / "jw301 c.xml": "JW301C1",
        root / "jw301_c.xml": "JW301C2",
        root / "jw301-é.xml": "JW301E1",
        root / "jw301-ö.xml": "JW301E2",
        root / f"{LONG}.xml": "JW301L",
    }
    for path, ident in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(jw301(ident))
    return files


def test_retour_names_are_distinct_safe_and_short(tmp_path: Path) -> None:
    files = archive(tmp_path)
    (tmp_path / "J.xml").write_bytes(jw301("JW301J1"))  # on a file system that ignores case, as j.xml
    (tmp_path / "j.xml").write_bytes(jw301("JW301J2"))
    (tmp_path / "..xml").write_bytes(jw301("JW301D"))  # its stem is "."
    inputs = collect([tmp_path])
    names = retour_names(inputs)
    assert len(names) == len(files) + 3
    assert len({n.casefold() for n in names}) == len(names)
    for name in names:
        assert len(name) <= 160 and not name.startswith(".") and "/" not in name and "\0" not in name
    assert retour_names(collect([tmp_path])) == names  # the same names in every run


@pytest.mark.kafka
async def test_every_file_gets_its_own_retour_inside_the_directory(
    tmp_path: Path, tansu: EmbeddedBroker, topic_prefix: str
) -> None:
    """Found: a/jw301.xml and b/jw301.xml (and 'jw301 c', 'jw301_c') wrote one file, the later retour over the
    earlier; a name of 246 characters made one the file system refused, and the run waited until its timeout."""
    files = archive(tmp_path / "berichten")
    out = tmp_path / "retour"
    counts = await process(
        [tmp_path / "berichten"],
        settings=HubSettings(),
        broker_settings=tansu_settings(tansu, topic_prefix),
        retour_out=out,
        database=f"sqlite:///{tmp_path / 'hub.sqlite'}",
        timeout=60,
    )
    assert sum(counts.values()) == len(files)
    written = [
        p
        for p in tmp_path.rglob("*")
        if p.is_file()
        and not p.is_relative_to(tmp_path / "berichten")
        and not p.name.startswith("hub.sqlite")
    ]
    assert all(p.parent == out and p.name.endswith(".JW302.xml") for p in written), written
    assert sorted(identificatie(p.read_bytes()) or "" for p in written) == sorted(files.values())


def test_hub_retour_writes_where_it_is_told_and_nowhere_else(tmp_path: Path) -> None:
    """`-o` is the operator's path; the message's Identificatie names no file."""
    heen = tmp_path / "jw301.xml"
    heen.write_bytes(jw301("JW301X"))
    target = tmp_path / "out" / "antwoord.xml"
    target.parent.mkdir()
    result = CliRunner().invoke(app, ["retour", str(heen), "-o", str(target), "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["antwoord.xml", "jw301.xml"]
    assert identificatie(target.read_bytes()) == "JW301X"
