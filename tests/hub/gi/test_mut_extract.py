"""extract_gi refuses a message that is not a GI message, and says which one it got."""

from __future__ import annotations

import pytest

from hub.gi.extract import ExtractError, extract_gi
from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc
from hub.synth.berichten import spec
from hub.synth.build import to_tree


def test_an_ijw_message_is_no_gi_message() -> None:
    d = Doc(to_tree("JW301", spec("JW301")), BERICHTEN["JW301"])
    with pytest.raises(ExtractError, match=r"^JW301 is not a GI message$"):
        extract_gi(d)
