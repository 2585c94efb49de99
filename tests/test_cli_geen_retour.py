"""`hub retour` on a message the standard answers with no retourbericht says why: which kind of message it is."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.gi.synth import examples
from hub.retour.build import build_retour
from hub.synth.berichten import xml
from hub.validate import Validator

TODAY = date(2026, 11, 23)
AS_OF = ["--as-of", TODAY.isoformat()]
runner = CliRunner()


def _retour_of(heenbericht: str) -> bytes:
    built = build_retour(Validator(clock=lambda: TODAY).validate(xml(heenbericht)), dagtekening=TODAY)
    assert built is not None
    return built


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("jw325.xml", xml("JW325"), "a JW325 is a heenbericht that gets no retourbericht"),
        ("gi102.xml", examples()["GI102.xml"], "a GI102 is a heenbericht that gets no retourbericht"),
        ("jw302.xml", _retour_of("JW301"), "a JW302 is itself a retourbericht, which gets none"),
        ("jw306.xml", _retour_of("JW305"), "a JW306 is itself a retourbericht, which gets none"),
        ("gi101.xml", examples()["GI101.xml"], "a GI101 is itself a retourbericht, which gets none"),
        ("bad.xml", b"<nope/>", "the message is not XSD-valid; the standard sends none"),
    ],
)
def test_hub_retour_says_why_no_retourbericht_exists(
    tmp_path: Path, name: str, data: bytes, said: str
) -> None:
    src = tmp_path / name
    src.write_bytes(data)
    result = runner.invoke(app, ["retour", *AS_OF, str(src)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"no retourbericht: {said}"
