"""The AsyncAPI document FastStream generates is committed and current, and names every hub topic."""

from __future__ import annotations

import json

from tools.gen_asyncapi import TARGET, render


def test_committed_asyncapi_document_is_current() -> None:
    assert TARGET.read_text(encoding="utf-8") == render(), "run `make asyncapi`"


def test_document_covers_inbound_retour_dead_letter_and_normalised_topics() -> None:
    doc = json.loads(render())
    addresses = {channel.get("address") for channel in doc["channels"].values()}
    for topic in (
        "ijw.berichten.inkomend",
        "ijw.retourberichten",
        "ijw.dead-letter",
        "ijw.toewijzing",
        "ijw.start",
        "ijw.stop",
        "ijw.verzoek-om-toewijzing",
        "ijw.verzoek-om-wijziging",
        "ijw.antwoord",
    ):
        assert topic in addresses, topic
