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


def test_every_message_names_its_key_headers_and_content_type() -> None:
    """What an integrator needs beyond the payload (the topic table of the README, per message)."""
    doc = json.loads(render())
    messages = doc["components"]["messages"]
    by_address: dict[str, list[dict[str, object]]] = {}
    for channel in doc["channels"].values():
        for ref in channel["messages"].values():
            name = ref["$ref"].rsplit("/", 1)[1].replace("%20", " ").replace("%28", "(").replace("%29", ")")
            by_address.setdefault(channel["address"], []).append(messages[name])
    for address, found in by_address.items():
        for message in found:
            headers = message["headers"]["properties"]  # type: ignore[index]
            assert "bericht-id" in headers, address
            assert message["correlationId"]["location"] == "$message.header#/bericht-id"  # type: ignore[index]
            assert "key" in message["bindings"]["kafka"], address  # type: ignore[index]
    (inbound,) = by_address["ijw.berichten.inkomend"]
    assert inbound["contentType"] == "application/xml"
    assert inbound["payload"]["type"] == "string"  # type: ignore[index]  # one message per record, not the poll
    assert set(inbound["headers"]["properties"]) == {"bericht-id", "ontvangen-op", "content-type"}  # type: ignore[index]
    for retour in by_address["ijw.retourberichten"]:
        assert {"bericht", "ontvanger", "retour-in-store"} <= set(retour["headers"]["properties"])  # type: ignore[index]
    for event in by_address["ijw.toewijzing"]:
        assert event["contentType"] == "application/json" and "event-type" in event["headers"]["properties"]  # type: ignore[index]
    for letter in by_address["ijw.dead-letter"]:
        assert "reason" in letter["headers"]["properties"]  # type: ignore[index]
