"""hub.privacy: the pseudonym is HMAC-SHA256 of the BSN, stable across releases; a throwaway key is random."""

from __future__ import annotations

import hashlib
import hmac

from hub.privacy import Pseudonymiser

KEY = b"privacy-test-key-0123456789abcdef"
BSN = "999999862"  # elfproef-valid, of nobody


def test_the_pseudonym_is_hmac_sha256_of_the_bsn_under_the_key() -> None:
    # Stored pseudonyms (the store's client columns, Kafka keys) must keep matching: the function may never change.
    expected = hmac.new(KEY, BSN.encode("ascii"), hashlib.sha256).hexdigest()
    assert Pseudonymiser(KEY)(BSN) == expected
    assert Pseudonymiser(KEY)(BSN) != Pseudonymiser(KEY + b"x")(BSN)


def test_surrounding_whitespace_does_not_change_the_pseudonym() -> None:
    p = Pseudonymiser(KEY)
    assert p(f" {BSN}\n") == p(BSN)


def test_a_bsn_with_a_non_ascii_character_still_gets_a_pseudonym() -> None:
    # Never an exception that would carry the value into a log: the character is replaced before hashing.
    p = Pseudonymiser(KEY)
    assert p("99999986\u0662") == p("99999986?")
    assert len(p("99999986\u0662")) == 64


def test_a_throwaway_pseudonymiser_works_and_differs_per_run() -> None:
    eerste, tweede = Pseudonymiser.throwaway(), Pseudonymiser.throwaway()
    assert isinstance(eerste, Pseudonymiser)
    assert len(eerste(BSN)) == 64 and eerste(BSN) == eerste(BSN)
    assert eerste(BSN) != tweede(BSN)
