"""docs/backoffice-aansluiten.md: the claims in its prose that no example shows, each test naming its paragraph.

tests/producers/test_backoffice_guide.py runs the guide's marked examples (and the claims next to them); this file
holds the rest a backoffice acts on: the order of the gateway's checks, who may read a malformed message, what every
error answer looks like, the level-4 and retourbericht verdicts, the intake's copy of a 0001 retour, resending, the
outbox directory of a JW325, and the commands of section 8.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from consumers.cli import main
from hub.synth.berichten import xml
from hub.validate import Validator
from producers import ingest
from tests.hub.intake_helpers import new_intake
from tests.producers.conftest import TODAY, FakePublisher, Parts
from tests.producers.test_backoffice_guide import (
    AANBIEDER,
    SSC,
    Hub,
    guide_app,
    jw301,
    retour_codes,
    retourbericht_for,
    wrong_bsn,
)
from tests.producers.test_gateway import client_for

PROBLEM = "application/problem+json"
HTTPX_CLIENT = httpx.Client  # `hub ingest`'s client, before a test answers it (answer_with)


@pytest.fixture
async def hub(db: Engine, validator: Validator) -> AsyncIterator[Hub]:
    publisher = FakePublisher()
    async with guide_app(db, validator, publisher) as client:
        yield Hub(client, publisher, new_intake(db, TODAY), db)


def problem_type(answer: httpx.Response) -> str:
    """The problem's type without its urn prefix."""
    assert answer.headers["content-type"] == PROBLEM, answer.text
    kind: str = answer.json()["type"]
    return kind.removeprefix("urn:ijw-hub:problem:")


def too_deep() -> bytes:
    """A JW301 whose Header holds 40 nested elements (the limit is 32): no Header can be read."""
    return xml("JW301").replace(b"</jw301:XsdVersie>", b"<a>" * 40 + b"</a>" * 40 + b"</jw301:XsdVersie>")


def deep_body() -> bytes:
    """A JW301 whose Header is readable but whose Client holds 40 nested elements."""
    return xml("JW301").replace(b"</jw301:Client>", b"<a>" * 40 + b"</a>" * 40 + b"</jw301:Client>")


def cut_after_header() -> bytes:
    """A JW301 cut off in its Client, as a broken upload would be: the Header is whole."""
    message = xml("JW301")
    return message[: message.index(b"</jw301:Header>") + 200]


# ---- 2, 3, 3.3: what the gateway checks, and in which order -----------------------------------------


async def test_the_gateway_checks_in_the_order_the_guide_gives(db: Engine, validator: Validator) -> None:
    """3: the key (401), Content-Type and Content-Encoding (415), the size (413), inflating (400, or 413 once the
    inflated message passes the limit), the message (403, 422, 202), then whether it can be handed on (503)."""
    message = xml("JW301")  # of gemeente 0200: the aanbieder's key may not send it
    limit = len(message) - 1
    wire = limit + limit // 1024 + 64  # what a compressed body may be on the wire (3.4)
    full = FakePublisher(full=True)  # nothing can be handed on: a 202 would be a 503
    async with guide_app(db, validator, full, max_message_bytes=limit) as client:

        async def post(body: bytes, key: str | None = AANBIEDER, **headers: str) -> httpx.Response:
            sent = {"Content-Type": "application/xml", **headers}
            if key is not None:
                sent["X-API-Key"] = key
            return await client.post("/berichten", content=body, headers=sent)

        # The message passes the limit and the aanbieder may not send it: each answer below names the first check.
        assert (await post(message, key=None, **{"Content-Type": "application/json"})).status_code == 401
        assert (
            problem_type(await post(message, **{"Content-Type": "application/json"}))
            == "unsupported-media-type"
        )
        assert (
            problem_type(await post(message, **{"Content-Encoding": "br"})) == "unsupported-content-encoding"
        )
        assert problem_type(await post(message)) == "too-large"  # before the aanbieder's key is refused
        garbage = b"\x1f\x8b" + bytes(wire)  # beyond the wire limit and no gzip stream either
        assert problem_type(await post(garbage, **{"Content-Encoding": "gzip"})) == "too-large"
        truncated = gzip.compress(message[:limit])[:-4]
        assert (
            problem_type(await post(truncated, **{"Content-Encoding": "gzip"})) == "invalid-content-encoding"
        )
        inflates_beyond = gzip.compress(message)
        assert problem_type(await post(inflates_beyond, **{"Content-Encoding": "gzip"})) == "too-large"
    async with guide_app(db, validator, full) as client:
        headers = {"Content-Type": "application/xml"}
        for key, body, expected in (
            (AANBIEDER, message, "forbidden-afzender"),  # 403 before 503
            (AANBIEDER, jw301(Client__Bsn="12AB"), "forbidden-afzender"),  # 403 before 422
            (SSC, jw301(Client__Bsn="12AB"), "invalid-bericht"),  # 422 before 503: never handed on
            (SSC, message, "unavailable"),
        ):
            answer = await client.post("/berichten", content=body, headers={**headers, "X-API-Key": key})
            assert problem_type(answer) == expected
    assert full.published == []


@pytest.mark.parametrize(
    "body",
    [
        xml("JW301")[:300],  # not well-formed, cut off in the Header
        xml("JW301").replace(b"/ijw/3_2/", b"/ijw/3_1/"),  # not iJw 3.2
        b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "0200">]>\n'
        + xml("JW301").split(b"?>", 1)[1],  # unsafe
        too_deep(),
    ],
    ids=["truncated", "ijw-3.1", "doctype", "too-deep"],
)
async def test_what_the_hub_cannot_read_is_422_rule_xml_for_every_key(hub: Hub, body: bytes) -> None:
    """2, 3.3: a message the hub reads no Header of (rule XML: not well-formed, unsafe, not iJw 3.2 or nested too
    deep) is 422 with any valid key, also one that may not send as the 0200 its Header names."""
    for key in (SSC, AANBIEDER):
        answer = await hub.post(body, key=key)
        assert answer.status_code == 422, answer.text
        assert [e["rule"] for e in answer.json()["errors"]] == ["XML"]


@pytest.mark.parametrize("body", [cut_after_header(), deep_body()], ids=["cut-after-header", "deep-body"])
async def test_a_readable_header_names_the_sender_of_a_message_that_breaks_after_it(
    hub: Hub, body: bytes
) -> None:
    """2, 3.3: the Header is read up to its end. A message that breaks after it (rule XML) is 403 for a key that
    may not send as its Afzender, and 422 for the sender's own key, whose track and trace shows it."""
    refused = await hub.post(body, key=AANBIEDER)
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "Header/Afzender 0200 is not a sender code of this API key",
    )
    answer = await hub.post(body, key=SSC)
    assert answer.status_code == 422, answer.text
    assert [e["rule"] for e in answer.json()["errors"]] == ["XML"]
    trace = await hub.get(f"/berichten/{answer.json()['id']}", key=SSC)
    assert (trace.status_code, trace.json()["outcome"]) == (200, "malformed")


async def test_a_malformed_retourbericht_is_traced_to_its_ontvanger(hub: Hub) -> None:
    """3.3: a 422 message whose sender the hub could read shows in track and trace to the key of that sender: of
    a retourbericht the Header/Ontvanger (2), not the Afzender."""
    jw302 = retourbericht_for(xml("JW301"))  # Afzender 0200, Ontvanger 12345678: the aanbieder sends it
    invalid = re.sub(rb"(DagtekeningRetour>)[^<]*", rb"\g<1>geen-datum", jw302)
    refused = await hub.post(invalid, key=SSC)
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "Header/Ontvanger 12345678 is not a sender code of this API key",
    )
    answer = await hub.post(invalid, key=AANBIEDER)
    assert (answer.status_code, {e["rule"] for e in answer.json()["errors"]}) == (422, {"XSD"})
    bericht_id = answer.json()["id"]
    trace = await hub.get(f"/berichten/{bericht_id}", key=AANBIEDER)
    assert (trace.status_code, trace.json()["outcome"]) == (200, "malformed")
    assert problem_type(await hub.get(f"/berichten/{bericht_id}/retour", key=AANBIEDER)) == "no-retour"
    assert problem_type(await hub.get(f"/berichten/{bericht_id}", key=SSC)) == "not-found"


# ---- 3.5: every error is a problem ------------------------------------------------------------------


async def test_every_error_answer_is_a_problem_and_an_unexpected_one_says_nothing(
    db: Engine, validator: Validator
) -> None:
    """3.5: application/problem+json with at least type, title and status; 500 `internal` without details."""
    bsn = "999999862"
    failing = FakePublisher(error=RuntimeError(f"something about {bsn}"))
    async with guide_app(db, validator, failing) as client:
        key = {"X-API-Key": SSC}
        answers = {
            "not-found": await client.get("/nergens", headers=key),
            "method-not-allowed": await client.delete("/berichten", headers=key),
            "unauthorized": await client.get(f"/berichten/{'a' * 32}/retour"),
            "internal": await client.post(
                "/berichten", content=xml("JW301"), headers={**key, "Content-Type": "application/xml"}
            ),
        }
    for kind, answer in answers.items():
        assert problem_type(answer) == kind
        assert {"type", "title", "status"} <= set(answer.json()) and answer.json()[
            "status"
        ] == answer.status_code
    assert answers["internal"].status_code == 500
    assert bsn not in answers["internal"].text and "RuntimeError" not in answers["internal"].text


# ---- 3.2, 5: the verdicts -----------------------------------------------------------------------------


async def test_the_intakes_0001_retour_differs_only_in_dagtekening_retour_after_midnight(
    db: Engine, validator: Validator
) -> None:
    """3.2: the 0001 retour of the 202 is final; an intake that judges it the next day gives the same retourbericht
    but for DagtekeningRetour."""
    publisher = FakePublisher()
    async with guide_app(db, validator, publisher) as client:
        tomorrow = Hub(client, publisher, new_intake(db, TODAY + timedelta(days=1)), db)
        answer = (await tomorrow.post(jw301(Client__Bsn=wrong_bsn()))).json()
        tomorrow.verwerk()
        later = (await tomorrow.get(f"/berichten/{answer['id']}/retour")).content.decode()
    [result] = tomorrow.results
    assert (result.outcome, [v.rule for v in result.errors]) == ("rejected", ["CS002"])
    day = re.compile(r"(DagtekeningRetour>)[^<]*")
    assert f">{TODAY.isoformat()}<" in answer["retour"] and f">{TODAY + timedelta(days=1)}<" in later
    assert day.sub(r"\1", later) == day.sub(r"\1", answer["retour"])


async def test_a_gemeente_outside_the_cbs_list_is_s300_on_the_header_from_the_intake(hub: Hub) -> None:
    """1, 3.2, 5: TR378 is level 4 at the gateway too, so the 202 carries no retour; the intake's retour is the
    Header only with S300."""
    answer = await hub.post(xml("JW305", gemeente="0001"), key=AANBIEDER)
    assert answer.status_code == 202 and "retour" not in answer.json()
    hub.verwerk()
    retour = (await hub.get(f"/berichten/{answer.json()['id']}/retour", key=AANBIEDER)).content
    assert retour_codes(retour) == ["S300"] and b"Client>" not in retour


async def test_a_retourbericht_sent_in_is_judged_on_its_xsd_only(hub: Hub) -> None:
    """5: a JW306 whose Client has a BSN that fails the elfproef is accepted and answered with nothing; the same
    BSN in a heenbericht is CS002."""
    start = new_intake(hub.db, TODAY).verwerk(xml("JW305"))  # TR019: the JW306 copies the Client
    assert start.retour is not None and b"Client>" in start.retour
    bsn = re.search(rb"Bsn>(\d{9})<", start.retour)
    assert bsn is not None
    jw306 = start.retour.replace(bsn[1], wrong_bsn().encode())
    answer = await hub.post(jw306, key=SSC)  # the gemeente, its Ontvanger, sends it
    assert answer.status_code == 202 and "retour" not in answer.json()
    hub.verwerk()
    assert (hub.results[-1].outcome, hub.results[-1].errors) == ("accepted", ())
    rejected = await hub.post(xml("JW305").replace(bsn[1], wrong_bsn().encode()), key=AANBIEDER)
    assert "retour" in rejected.json()  # CS002: the 0001 retour at once


# ---- 4.3, 6: outbox, resending, order -------------------------------------------------------------


def test_a_retour_goes_to_the_directory_of_the_heenberichts_afzender(db: Engine) -> None:
    """4.3: `<HUB_RETOUR_DIR>/<Afzender>/`: the gemeente's for a JW302, the aanbieder's for the JW325 on a JW323,
    also for a duplicate."""
    intake = new_intake(db, TODAY)
    toewijzing, declaratie = intake.verwerk(xml("JW301")), intake.verwerk(xml("JW323"))
    again = intake.verwerk(xml("JW323"))  # the JW323's bytes again (its original was rejected: judged again)
    resent = intake.verwerk(xml("JW301"))
    assert (toewijzing.retour_bericht, toewijzing.retour_ontvanger) == ("JW302", "0200")
    assert (declaratie.retour_bericht, declaratie.retour_ontvanger) == ("JW325", "12345678")
    assert again.retour_ontvanger == "12345678"
    assert (resent.outcome, resent.retour_ontvanger) == ("duplicate", "0200")


async def test_the_same_bytes_of_a_rejected_message_are_judged_again_not_a_duplicate(hub: Hub) -> None:
    """4.4, 6: a resend that the hub sees after a rejected original is judged again (here rejected again), not
    logged as a duplicate, and gets no 9056."""
    ids = [(await hub.post(xml("JW305"), key=AANBIEDER)).json()["id"] for _ in range(2)]
    hub.verwerk()
    traces = [(await hub.get(f"/berichten/{i}", AANBIEDER)).json() for i in ids]
    assert [(t["outcome"], t["error_codes"]) for t in traces] == [("rejected", ["TR019", "TR019"])] * 2
    first, second = [(await hub.get(f"/berichten/{i}/retour", AANBIEDER)).content for i in ids]
    assert first == second


async def test_an_identificatie_is_unique_per_berichttype(hub: Hub) -> None:
    """6: TR056 is per Afzender per berichttype: a JW319 may have the Identificatie of an accepted JW301."""
    assert (await hub.post(xml("JW301", identificatie="GEDEELD1"))).status_code == 202
    assert (await hub.post(xml("JW319", identificatie="GEDEELD1"))).status_code == 202
    hub.verwerk()
    assert hub.results[0].outcome == "accepted"
    assert "TR056" not in [v.rule for v in hub.results[1].errors]


async def test_the_messages_of_one_gemeente_and_aanbieder_go_in_one_order(hub: Hub) -> None:
    """6: both directions between gemeente 0200 and aanbieder 12345678 share the inbound key (one partition, in
    order of arrival); gemeente 0203 has its own."""
    for bericht, key in (("JW301", SSC), ("JW305", AANBIEDER), ("JW323", AANBIEDER), ("JW325", SSC)):
        assert (await hub.post(xml(bericht), key=key)).status_code == 202
    assert (await hub.post(xml("JW301", gemeente="0203"))).status_code == 202
    keys = [p.key for p in hub.publisher.published]
    assert len(set(keys[:4])) == 1 and keys[4] != keys[0]


# ---- 8: the commands ----------------------------------------------------------------------------------


async def test_a_hub_without_hub_api_keys_refuses_every_key(db: Engine, validator: Validator) -> None:
    """8: `hub run --demo` takes the keys from HUB_API_KEYS like any hub: without it every POST is 401."""
    async with client_for(Parts(db, validator).app(demo=True, api_keys=None)) as client:
        headers = {"X-API-Key": SSC, "Content-Type": "application/xml"}
        assert (await client.post("/berichten", content=xml("JW301"), headers=headers)).status_code == 401


def hub_command(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """`hub ARGS` as the console script runs it: the exit status and what it printed (stdout, then stderr)."""
    monkeypatch.setattr(sys, "argv", ["hub", *argv])
    status = main()
    out, err = capsys.readouterr()
    return status, out + err


def test_hub_validate_reads_every_xml_below_a_directory_and_judges_tr135_as_of(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """8: a directory's *.xml below it, nested too; exit status 0 when all are accepted; --as-of picks TR135's day."""
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    tomorrow = TODAY + timedelta(days=1)
    (nested / "jw301.xml").write_bytes(xml("JW301", dagtekening=tomorrow))
    (tmp_path / "notitie.txt").write_text("geen bericht")
    status, printed = hub_command(
        ["validate", "--format", "json", "--as-of", tomorrow.isoformat(), str(tmp_path)], monkeypatch, capsys
    )
    [line] = [json.loads(line) for line in printed.splitlines()]
    assert (status, line["file"], line["accepted"]) == (0, str(nested / "jw301.xml"), True)
    status, printed = hub_command(
        ["validate", "--format", "json", "--as-of", TODAY.isoformat(), str(tmp_path)], monkeypatch, capsys
    )
    assert status == 1 and [e["rule"] for e in json.loads(printed)["errors"]] == ["TR135"]


def test_hub_ingest_exits_2_and_sends_nothing_for_a_missing_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """8: 0 when every file got 202, 1 otherwise, 2 (nothing sent) when a path does not exist."""
    (tmp_path / "jw301.xml").write_bytes(xml("JW301"))
    posted: list[bytes] = []
    answer_with(monkeypatch, posted, [httpx.Response(202, json={"id": "a" * 32})])
    argv = ["ingest", str(tmp_path / "jw301.xml"), str(tmp_path / "weg.xml"), "--to", "http://hub.test"]
    status, printed = hub_command([*argv, "--api-key", SSC], monkeypatch, capsys)
    assert (status, posted) == (2, []) and "nothing was sent" in printed
    status, printed = hub_command([*argv[:2], *argv[3:], "--api-key", SSC], monkeypatch, capsys)
    assert (status, printed) == (0, f"202\t{tmp_path / 'jw301.xml'}\t{'a' * 32}\n")


def answer_with(
    monkeypatch: pytest.MonkeyPatch, posted: list[bytes], answers: list[httpx.Response]
) -> list[float]:
    """`hub ingest`'s HTTP client answered by `answers` in turn (the last one from then on); the sleeps it took."""
    replies: Iterator[httpx.Response] = iter(answers)
    last = answers[-1]

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal last
        posted.append(request.content)
        last = next(replies, last)
        return httpx.Response(last.status_code, headers=last.headers, content=last.content)

    def client(**kwargs: object) -> httpx.Client:
        return HTTPX_CLIENT(transport=httpx.MockTransport(handle), **kwargs)  # type: ignore[arg-type]  # httpx's keywords

    slept: list[float] = []
    monkeypatch.setattr(httpx, "Client", client)  # the module producers.ingest uses
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


@pytest.mark.parametrize("to", ["http://hub.test", "http://hub.test/", "http://hub.test/berichten"])
def test_hub_ingest_takes_the_base_url_or_the_endpoint_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, to: str
) -> None:
    """The curl examples show http://host/berichten: given to --to, it was posted to /berichten/berichten (405)."""
    (tmp_path / "jw301.xml").write_bytes(xml("JW301"))
    urls: list[str] = []

    def client(**kwargs: object) -> httpx.Client:
        def handle(request: httpx.Request) -> httpx.Response:
            urls.append(str(request.url))
            return httpx.Response(202, json={"id": "c" * 32})

        return HTTPX_CLIENT(transport=httpx.MockTransport(handle), **kwargs)  # type: ignore[arg-type]  # httpx's keywords

    monkeypatch.setattr(httpx, "Client", client)
    [sent] = ingest.send_http(ingest.collect([tmp_path]), to, SSC)
    assert (sent.status, urls) == (202, ["http://hub.test/berichten"])


def test_hub_ingest_sends_again_after_retry_after_five_attempts_at_most(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """8: on 503 it waits Retry-After seconds and sends again, at most five attempts in all."""
    (tmp_path / "jw301.xml").write_bytes(xml("JW301"))
    busy = httpx.Response(503, headers={"Retry-After": "3"}, json={"title": "Broker unreachable"})
    posted: list[bytes] = []
    slept = answer_with(monkeypatch, posted, [busy, busy, httpx.Response(202, json={"id": "b" * 32})])
    [sent] = ingest.send_http(ingest.collect([tmp_path]), "http://hub.test", SSC)
    assert (sent.status, sent.detail, len(posted), slept) == (202, "b" * 32, 3, [3.0, 3.0])
    posted.clear()
    slept = answer_with(monkeypatch, posted, [busy])
    [sent] = ingest.send_http(ingest.collect([tmp_path]), "http://hub.test", SSC)
    assert (sent.status, sent.detail, len(posted)) == (503, "Broker unreachable", 5)
    assert slept == [3.0] * 4  # no wait after the fifth 503: it is the answer
