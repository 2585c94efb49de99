"""The outbox's files (retouren: BSN, name, birth date) are never readable by every user of the machine: files
0640 and directories 0770, narrowed by the umask; docs/operations.md section 6."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from hub.metrics import HubMetrics
from producers.retour_dispatcher import Retour, RetourDispatcher, write_private

ID = "2" * 32


@pytest.fixture
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The process umask set to the test's parameter, and restored after."""
    before = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def deliver(outbox: Path, *, per_receiver: bool = True) -> None:
    dispatcher = RetourDispatcher(
        outbox, lambda ids: set(ids), HubMetrics(CollectorRegistry()), per_receiver=per_receiver
    )
    dispatcher.deliver([Retour(b"<r/>", ID, "JW302", "0200")])


@pytest.mark.parametrize(
    ("umask", "file_mode", "dir_mode"),
    [
        (0o022, 0o640, 0o750),  # the usual umask: the group reads, nobody else
        (0o002, 0o640, 0o770),  # a transport of the hub's group may remove what it picked up
        (0o077, 0o600, 0o700),  # a stricter umask narrows both
        (0o000, 0o640, 0o770),  # none at all: still not for every user
    ],
    indirect=["umask"],
    ids=["umask-022", "umask-002", "umask-077", "umask-000"],
)
def test_retour_files_and_their_directories_are_not_for_every_user(
    tmp_path: Path, umask: int, file_mode: int, dir_mode: int
) -> None:
    outbox = tmp_path / "outbox"  # created by the hub, as its receiver's directory is
    deliver(outbox)
    written = outbox / "0200" / f"{ID}.JW302.xml"
    assert written.read_bytes() == b"<r/>"
    assert (oct(mode(written)), oct(mode(outbox / "0200")), oct(mode(outbox))) == (
        oct(file_mode),
        oct(dir_mode),
        oct(dir_mode),
    )


@pytest.mark.parametrize("umask", [0o022], indirect=True, ids=["umask-022"])
def test_a_redelivered_retour_and_a_stale_temporary_file_do_not_keep_a_wider_mode(
    tmp_path: Path, umask: int
) -> None:
    """A file written by an earlier release (0644), and a temporary one a crash left, are written anew, 0640."""
    (tmp_path / "0200").mkdir()
    for name in (f"{ID}.JW302.xml", f".{ID}.JW302.xml.tmp"):
        (tmp_path / "0200" / name).write_bytes(b"old")
        (tmp_path / "0200" / name).chmod(0o644)
    deliver(tmp_path)
    assert [(p.name, oct(mode(p))) for p in (tmp_path / "0200").iterdir()] == [(f"{ID}.JW302.xml", "0o640")]


@pytest.mark.parametrize("umask", [0o022], indirect=True, ids=["umask-022"])
def test_hub_process_flat_retour_directory_gets_the_same_file_mode(tmp_path: Path, umask: int) -> None:
    deliver(tmp_path, per_receiver=False)
    assert [oct(mode(p)) for p in tmp_path.iterdir()] == ["0o640"]


def test_a_link_left_where_a_retour_goes_is_replaced_not_written_through(tmp_path: Path) -> None:
    """The file is created anew (exclusively, O_NOFOLLOW: a link slipped in meanwhile fails the write, retried)."""
    target = tmp_path / "elsewhere.txt"
    target.write_bytes(b"untouched")
    path = tmp_path / "retour.xml"
    path.symlink_to(target)
    write_private(path, b"<retour/>")  # a link left in place is removed, as a stale file is
    assert target.read_bytes() == b"untouched" and not path.is_symlink()
    assert path.read_bytes() == b"<retour/>"
