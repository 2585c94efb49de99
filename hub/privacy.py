"""Client pseudonyms: HMAC-SHA256 of the BSN under a secret key. Events, logs and metrics carry only these."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from hub.errors import ConfigError

MIN_KEY_BYTES = 16


class Pseudonymiser:
    """Maps a BSN to a stable, keyed pseudonym (64 hex characters); the BSN cannot be recovered from it."""

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ConfigError(f"the pseudonymisation key must be at least {MIN_KEY_BYTES} bytes")
        self._key = key

    @classmethod
    def throwaway(cls) -> Pseudonymiser:
        """A random key for demo mode and `hub process`: pseudonyms are not comparable across runs."""
        return cls(secrets.token_bytes(32))

    def __call__(self, bsn: str) -> str:
        return hmac.new(self._key, bsn.strip().encode("ascii", "replace"), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:  # never show the key
        return "Pseudonymiser(key=***)"
