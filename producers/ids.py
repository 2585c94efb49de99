"""Message ids that every gateway replica of one deployment recognises as minted for a sender, without shared state.

An id is 32 lowercase hex characters: 16 of randomness and a 16-character tag, the first 8 bytes of HMAC-SHA256
over the randomness, the sender code (producers.auth.sender) and, for a type the standard answers with no
retourbericht, that type. The key is derived from HUB_ID_KEY, which every gateway of a deployment has (unset: from
HUB_PSEUDONYM_KEY, as before HUB_ID_KEY), so a replica that did not take the message (or was restarted since) can
answer the sender "known, not recorded yet" (409) for it, and 404 for any other id, as before. HUB_ID_KEY keeps the
pseudonymisation key out of the internet-facing gateway: with it, a pseudonym is reversed in minutes (few 9-digit
numbers pass the elfproef), where the id key reveals nothing about a client. Ids without a valid tag (uuid4 hex of earlier versions,
`hub process`, `hub ingest --to kafka`, `hub demo`) are simply not recognised this way.

- Uniqueness: ids of one sender collide only when their 64 random bits do; for n ids the chance of any collision
  is about n²/2⁶⁵: 3e-8 for a million ids, 3e-4 for a hundred million, beyond what one deployment ever takes.
- Secrecy: the tag is a MAC under a key no sender has; it says nothing about the message or the sender to anyone
  without that key, and it cannot be made for another code without it (a forged id is 404, as an unknown one).
  Ids were already references only the sender's API keys may follow; this adds no power to an id.
- Rotation of the key (HUB_ID_KEY, or HUB_PSEUDONYM_KEY without it), and a switch from the derived key to HUB_ID_KEY:
  ids minted under the old key are 404 on the new key's replicas until the intake has recorded them
  (docs/operations.md section 5); after that the store answers.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from hub.ijw.catalog import BY_NS
from hub.settings import HubSettings

ID = re.compile(r"[0-9a-f]{32}")  # every hub message id, tagged or not (bericht.id is VARCHAR(32))
RANDOM_BYTES = 8
TAG_BYTES = 8
# A label no BSN can equal (a BSN is 9 digits by the XSD), so the derived key is never a pseudonym the hub publishes.
LABEL = b"ijw-hub bericht-id"
# The types minted with their name in the tag: their GET .../retour is 404 no-retour from the 202 on, on every replica.
NO_RETOUR: tuple[str, ...] = tuple(sorted(b.bericht for b in BY_NS.values() if b.retour is None))


@dataclass(frozen=True, slots=True)
class Minted:
    """What an id's tag says: minted for this sender code, of this type when the type gets no retourbericht."""

    verzender: str
    geen_retour: str | None  # e.g. "JW325"; None for a type that is answered with a retourbericht


class BerichtIds:
    """Mints the gateway's message ids and recognises those minted under the same deployment key."""

    def __init__(self, secret: bytes) -> None:
        # A key of its own, never the secret itself: a tag is then no pseudonym of anything (the secret may be
        # HUB_PSEUDONYM_KEY).
        self._key = hmac.new(secret, LABEL, hashlib.sha256).digest()

    @classmethod
    def for_settings(cls, settings: HubSettings) -> BerichtIds:
        """The deployment's key: HUB_ID_KEY, else HUB_PSEUDONYM_KEY; without either (demo mode, tests) a throwaway key."""
        secret = settings.id_key or settings.pseudonym_key
        if secret is None:
            return cls(secrets.token_bytes(32))
        return cls(secret.get_secret_value().encode())

    def mint(self, verzender: str | None, bericht: str | None) -> str:
        """A new id for a message of type `bericht` from `verzender`; untagged (random) when the sender is unknown."""
        if verzender is None:  # no code can read it (tracking.visible): nothing to recognise
            return secrets.token_hex(RANDOM_BYTES + TAG_BYTES)
        random = secrets.token_bytes(RANDOM_BYTES)
        kind = bericht if bericht in NO_RETOUR else None
        return (random + self._tag(random, verzender, kind)).hex()

    def minted(self, bericht_id: str, codes: frozenset[str]) -> Minted | None:
        """Whose the id is, when its tag verifies for one of `codes`; None for any other id."""
        if not ID.fullmatch(bericht_id):
            return None
        raw = bytes.fromhex(bericht_id)
        random, tag = raw[:RANDOM_BYTES], raw[RANDOM_BYTES:]
        for code in sorted(codes):  # a key has a handful of codes; an SSC's a few dozen: microseconds each
            for kind in (None, *NO_RETOUR):
                if hmac.compare_digest(tag, self._tag(random, code, kind)):
                    return Minted(code, kind)
        return None

    def _tag(self, random: bytes, verzender: str, kind: str | None) -> bytes:
        # The random part has a fixed length and a sender code holds no NUL, so the input reads one way only.
        message = random + verzender.encode() + b"\x00" + (kind or "").encode()
        return hmac.digest(self._key, message, "sha256")[:TAG_BYTES]

    def __repr__(self) -> str:  # never show the key
        return "BerichtIds(key=***)"
