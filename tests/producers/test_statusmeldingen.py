"""GET /statusmeldingen: a GI connected over HTTP reads its GI102s in the order they were made, from where it left off.

The meldingen come from the real pipeline (intake and processors on the store); the gateway only reads them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from lxml import etree
from pydantic import SecretStr
from sqlmodel import select

import producers.statusmeldingen
from hub.store.gi_tables import GiStatusmeldingRecord
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline.helpers import Pipeline
from tests.hub.gi_pipeline.test_koppeling import DB, gi001, jw301
from tests.producers.conftest import GEMEENTE, GEMEENTE_KEY, Parts
from tests.producers.test_gateway import assert_problem, client_for

SECOND = timedelta(seconds=1)
DEFAULT_SETTLE = producers.statusmeldingen.SETTLE_SECONDS
GI_KEY = "key-gi-87654321"
ANDERE_GI_KEY = "key-gi-87650000"
KEYS = {GI_KEY: [m.GI], ANDERE_GI_KEY: [m.ANDERE_GI], GEMEENTE_KEY: [GEMEENTE]}


@pytest.fixture
async def gi_client(parts: Parts) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(parts.app(api_keys=SecretStr(json.dumps(KEYS)))) as c:
        yield c


def made(parts: Parts) -> list[str]:
    """The statuses the pipeline makes for the GI: a bepaling, its toewijzing, then a correction (06, 02)."""
    p = Pipeline(parts.db)
    gi001(p, m.bepaling("B-1", DB))
    jw301(p, m.toegewezen(300201, DB))
    gi001(p, m.intrekking("B-1", DB), m.bepaling("B-1", DB), ident="B2")
    return [status for _, status in p.statussen()]


async def read(client: httpx.AsyncClient, key: str, **params: str | int) -> httpx.Response:
    return await client.get("/statusmeldingen", params=params, headers={"X-API-Key": key})


async def test_a_gi_reads_its_statusmeldingen_in_order_and_from_where_it_left_off(
    parts: Parts, gi_client: httpx.AsyncClient
) -> None:
    assert made(parts) == ["02", "06", "02"]
    first = await read(gi_client, GI_KEY, limit=2)
    assert first.status_code == 200, first.text
    body = first.json()
    assert [(s["bepaling_id"], s["status"]) for s in body["statusmeldingen"]] == [
        ("B-1", "02"),
        ("B-1", "06"),
    ]
    assert body["na"] == body["statusmeldingen"][-1]["id"]
    for s in body["statusmeldingen"]:
        root = etree.fromstring(s["xml"].encode())
        assert root.findtext("{*}Statusmelding/{*}Status") == s["status"]
        assert root.findtext("{*}Header/{*}Ontvanger") == m.GI
    rest = (await read(gi_client, GI_KEY, na=body["na"])).json()
    assert [s["status"] for s in rest["statusmeldingen"]] == ["02"]
    done = (await read(gi_client, GI_KEY, na=rest["na"])).json()
    assert done == {"statusmeldingen": [], "na": rest["na"]}  # read again later with the same na


async def test_another_gi_and_a_gemeente_see_none_of_them(parts: Parts, gi_client: httpx.AsyncClient) -> None:
    made(parts)
    for key in (ANDERE_GI_KEY, GEMEENTE_KEY):
        assert (await read(gi_client, key)).json() == {"statusmeldingen": [], "na": None}
    mine = (await read(gi_client, GI_KEY, limit=1)).json()["na"]
    # Another key cannot go on from a melding that is not its own either.
    body = assert_problem(await read(gi_client, ANDERE_GI_KEY, na=mine), 422, "unknown-cursor")
    assert mine not in json.dumps(body)


async def test_meldingen_younger_than_the_settle_time_wait_for_the_next_read(
    parts: Parts, gi_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processors may commit meldingen in another order than they made them: a reader that had passed the
    later one would never see the earlier one, so the newest wait a little."""
    made(parts)
    p = Pipeline(parts.db)
    with p.session() as session:
        times = sorted(r.aangemaakt_op for r in session.exec(select(GiStatusmeldingRecord)))
    assert times[0] < times[-1]

    def reading_up_to(moment: datetime) -> float:
        """SETTLE_SECONDS such that a read now sees what was made before `moment`."""
        return (datetime.now(UTC) - moment).total_seconds()

    monkeypatch.setattr(producers.statusmeldingen, "SETTLE_SECONDS", reading_up_to(times[0] - SECOND))
    assert (await read(gi_client, GI_KEY)).json()["statusmeldingen"] == []
    monkeypatch.setattr(producers.statusmeldingen, "SETTLE_SECONDS", reading_up_to(times[0] + SECOND / 2))
    assert len((await read(gi_client, GI_KEY)).json()["statusmeldingen"]) == 1
    monkeypatch.setattr(producers.statusmeldingen, "SETTLE_SECONDS", DEFAULT_SETTLE)
    assert len((await read(gi_client, GI_KEY)).json()["statusmeldingen"]) == len(times)


@pytest.mark.parametrize("params", [{"na": "f" * 32}, {"na": "geen-id"}, {"limit": 0}, {"limit": 501}])
async def test_an_unknown_cursor_or_a_limit_out_of_range_is_422(
    gi_client: httpx.AsyncClient, params: dict[str, str | int]
) -> None:
    response = await read(gi_client, GI_KEY, **params)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"


async def test_without_a_key_it_is_401(gi_client: httpx.AsyncClient) -> None:
    assert_problem(await gi_client.get("/statusmeldingen"), 401, "unauthorized")
