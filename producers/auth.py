"""Authentication by API key: X-API-Key or a bearer token, bound to the sender codes the key may send as."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from hub.ijw.catalog import verzender
from producers.problems import ProblemError

_API_KEY = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="API key bound to the sender codes (AGB code or gemeentecode)",
)
_BEARER = HTTPBearer(auto_error=False, description="The same API key as a bearer token")
log = logging.getLogger("hub.gateway")


class ApiKeys:
    """The configured API keys, each with its sender codes (HubSettings.api_key_senders); `app.state.api_keys`."""

    def __init__(self, keys: Mapping[str, frozenset[str]]) -> None:
        self.keys = [(key.encode(), codes) for key, codes in keys.items()]  # encoded once, not per request

    def codes(self, given: str) -> frozenset[str] | None:
        """The sender codes of the presented key; None when no configured key matches."""
        presented = given.encode()
        for key, codes in self.keys:
            if hmac.compare_digest(key, presented):  # no timing hint about which keys exist
                return codes
        return None


async def sender_codes(
    request: Request,
    api_key: Annotated[str | None, Security(_API_KEY)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)],
) -> frozenset[str]:
    """The sender codes of the presented API key; 401 when there is none, it is unknown, or keys disagree.

    `api_key` and `bearer` (the first header of each) name the schemes in the OpenAPI document; the key is read
    from every X-API-Key and bearer Authorization line, so that a second, different key is refused instead of
    one of them winning by its place (a proxy that adds a header must not decide whose message it is).
    """
    presented = presented_keys(request.headers.getlist("x-api-key"), request.headers.getlist("authorization"))
    if len(presented) == 1:
        keys: ApiKeys = request.app.state.api_keys
        codes = keys.codes(next(iter(presented)))
        if codes is not None:
            return codes
    # Who still sends without a valid key (docs/operations.md 5.3 names this line); never the key itself.
    log.warning(
        "API key missing or unknown",
        extra={
            "client": request.client.host if request.client else None,
            "path": request.url.path,
            "keys": len(presented),
        },
    )
    raise ProblemError(
        401,
        "unauthorized",
        "Missing or unknown API key",
        "send one API key, as X-API-Key or Authorization: Bearer <key>"
        if len(presented) > 1
        else "send X-API-Key or Authorization: Bearer <key>",
        headers={"WWW-Authenticate": "Bearer"},
    )


def presented_keys(api_keys: list[str], authorizations: list[str]) -> set[str]:
    """Every distinct key of these X-API-Key and Authorization header lines (bearer ones; empty ones say nothing)."""
    found = {key for key in api_keys if key}
    for value in authorizations:
        scheme, credentials = get_authorization_scheme_param(value)
        if scheme.lower() == "bearer" and credentials:
            found.add(credentials)
    return found


SenderCodes = Annotated[frozenset[str], Depends(sender_codes)]


@dataclass(frozen=True, slots=True)
class Sender:
    """Who sends a message, as an API key must be bound to it: the Header element that names it, and its code."""

    element: str  # "Afzender", or "Ontvanger" for an iJw retourbericht (hub.ijw.catalog.verzender)
    code: str | None  # None when the header could not be read

    def allowed(self, codes: frozenset[str]) -> bool:
        return self.code in codes


def sender(bericht: str | None, afzender: str | None, ontvanger: str | None) -> Sender:
    """The sender of a message of type `bericht` with this Header/Afzender and Header/Ontvanger."""
    element = verzender(bericht)
    return Sender(element, ontvanger if element == "Ontvanger" else afzender)
