"""hub.privacy: a pseudonymisation key too short to keep BSNs secret is refused, and the key is never shown."""

from __future__ import annotations

import pytest

from hub.errors import ConfigError
from hub.privacy import MIN_KEY_BYTES, Pseudonymiser


def test_a_key_shorter_than_16_bytes_is_refused() -> None:
    assert MIN_KEY_BYTES == 16
    with pytest.raises(ConfigError, match="at least 16 bytes"):
        Pseudonymiser(b"k" * 15)
    assert len(Pseudonymiser(b"k" * 16)("999999862")) == 64


def test_the_key_never_appears_in_its_repr() -> None:
    key = b"a-secret-pseudonym-key-0123456789"
    shown = repr(Pseudonymiser(key))
    assert shown == "Pseudonymiser(key=***)" and key.decode() not in shown
