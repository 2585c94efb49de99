"""GET /statusmeldingen: the GI102 statusmeldingen to the GIs of the API key, read in the order they were made.

A GI connected over HTTP has no id to ask for: the hub makes a statusmelding when something happens to a bepaling
(docs/gi-berichten.md 4.2). It reads them as a feed instead, from where it left off (`na`: the id of the last one
it has). Meldingen younger than SETTLE_SECONDS wait for the next read, so that none is skipped: two processors may
commit meldingen in another order than they made them.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import SQLAlchemyError

from hub.store import gi_link
from hub.store.db import SessionFactory
from hub.store.gi_tables import GiStatusmeldingRecord
from producers.auth import SenderCodes
from producers.problems import (
    INTERNAL,
    ProblemError,
    problem_doc,
    store_unavailable,
    store_unavailable_doc,
    unauthorized_doc,
)

SETTLE_SECONDS = 60
MAX_LIMIT = 500

statusmeldingen = APIRouter(tags=["GI"], responses=INTERNAL)


class Statusmelding(BaseModel):
    id: str = Field(description="The melding's id: pass it as `na` to read the ones after it")
    bepaling_id: str = Field(description="Statusmelding/BepalingId")
    status: str = Field(description="Statusmelding/Status (GIC03: 01 ... 06)")
    status_datum: date = Field(description="Statusmelding/StatusDatum")
    xml: str | None = Field(
        description="The GI102 as the outbox has it; null once removed after the retention period "
        "(HUB_RETOUR_RETENTION_DAYS after its delivery to the outbox)"
    )


class Statusmeldingen(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "statusmeldingen": [
                        {
                            "id": "6d1f0c3b2a9e4d8c7b6a5f4e3d2c1b0a",
                            "bepaling_id": "B-2026-0001",
                            "status": "02",
                            "status_datum": "2026-11-02",
                            "xml": "<?xml version='1.0' encoding='UTF-8'?><gi102:Bericht …",
                        }
                    ],
                    "na": "6d1f0c3b2a9e4d8c7b6a5f4e3d2c1b0a",
                }
            ]
        }
    )

    statusmeldingen: list[Statusmelding]
    na: str | None = Field(
        description="Pass as `na` on the next read: the last melding's id, or the `na` asked with when none came"
    )


@statusmeldingen.get(
    "/statusmeldingen",
    response_model=Statusmeldingen,
    summary="The GI102 statusmeldingen to the key's GIs, oldest first",
    description="For a GI connected over HTTP: the statusmeldingen (GI102) to the AGB codes of the API key, in "
    "the order the hub made them, after the one named by `na` (from the first without). Read again with the "
    f"returned `na` until the list is empty. A melding appears {SETTLE_SECONDS} seconds after it was made. The "
    "same meldingen also go to the outbox and the retour topic (docs/gi-berichten.md 4.3).",
    responses={
        401: unauthorized_doc(),
        422: problem_doc(
            "`na` is not the id of a statusmelding to this key's GIs, or `limit` is out of range"
        ),
        503: store_unavailable_doc(),
    },
)
async def get_statusmeldingen(
    request: Request,
    codes: SenderCodes,
    na: Annotated[str | None, Query(description="The id of the last statusmelding read")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many")] = 100,
) -> Statusmeldingen:
    sessions: SessionFactory = request.app.state.tracking.sessions
    tot = datetime.now(UTC) - timedelta(seconds=SETTLE_SECONDS)

    def read() -> list[GiStatusmeldingRecord] | None:
        with sessions() as session:
            return gi_link.voor_gi(session, codes, na, tot, limit)

    try:
        rows = await asyncio.to_thread(read)
    except SQLAlchemyError:
        raise store_unavailable() from None
    if rows is None:
        raise ProblemError(
            422,
            "unknown-cursor",
            "Unknown statusmelding",
            "`na` is not the id of a statusmelding to the GIs of this API key",
        )
    return Statusmeldingen(
        statusmeldingen=[
            Statusmelding(
                id=r.id,
                bepaling_id=r.bepaling_id,
                status=r.status,
                status_datum=r.status_datum,
                xml=None if r.xml_purged_at is not None else r.xml,
            )
            for r in rows
        ],
        na=rows[-1].id if rows else na,
    )
