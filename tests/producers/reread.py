"""An archive whose files change between collection and sending, shared by the `hub ingest` and `hub process` tests.

In their order (Dagtekening, then file name): a.xml goes as collected; b.xml is removed; c.xml becomes a copy of
a.xml with the same Dagtekening (it keeps its place and goes as it is now: a duplicate); d.xml gets a later
Dagtekening (out of its place: not sent); e.xml becomes a directory (unreadable); f.xml, last, goes as collected.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path

from hub.synth.berichten import DEFAULT_DAGTEKENING, xml
from producers.ingest import Input, InputFile

D = DEFAULT_DAGTEKENING
NAMES = ("a.xml", "b.xml", "c.xml", "d.xml", "e.xml", "f.xml")
D_LATER = D + timedelta(days=5)  # d.xml's Dagtekening once changed


def archive(directory: Path) -> Path:
    """The six files as collected."""
    directory.mkdir()
    files = {
        "a.xml": xml("JW301", identificatie="REREADA"),
        "b.xml": xml("JW301", identificatie="REREADB", gemeente="0363"),
        "c.xml": xml("JW305"),
        "d.xml": xml("JW301", dagtekening=D + timedelta(days=1), identificatie="REREADD", gemeente="0344"),
        "e.xml": xml("JW305", dagtekening=D + timedelta(days=2), aanbieder="87654321"),
        "f.xml": xml("JW301", dagtekening=D + timedelta(days=3), identificatie="REREADF", gemeente="0307"),
    }
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return directory


def disturb(directory: Path) -> None:
    """What happens to the files after they were collected and before they are sent."""
    (directory / "b.xml").unlink()
    shutil.copyfile(directory / "a.xml", directory / "c.xml")
    (directory / "d.xml").write_bytes(
        xml("JW301", dagtekening=D_LATER, identificatie="REREADD", gemeente="0344")
    )
    (directory / "e.xml").unlink()
    (directory / "e.xml").mkdir()


def disturbing(
    collect: Callable[[Iterable[Path]], list[Input | InputFile]], directory: Path
) -> Callable[[Iterable[Path]], list[Input | InputFile]]:
    """`collect`, after which the archive in `directory` is disturbed."""

    def collect_then_disturb(paths: Iterable[Path]) -> list[Input | InputFile]:
        inputs = collect(paths)
        assert [i.path.name for i in inputs] == list(NAMES)
        disturb(directory)
        return inputs

    return collect_then_disturb
