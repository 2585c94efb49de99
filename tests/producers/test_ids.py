"""producers.ids: the gateway's message ids and their tag, which every replica of one deployment recognises."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

import pytest
from pydantic import SecretStr

from hub.ijw.catalog import BY_NS
from producers.ids import ID, LABEL, NO_RETOUR, BerichtIds, Minted
from tests.producers.conftest import AANBIEDER, GEMEENTE, make_settings

SECRET = b"ids-test-pseudonym-key-0123456789"
CODES = frozenset({GEMEENTE})


@pytest.fixture
def ids() -> BerichtIds:
    return BerichtIds(SECRET)


def test_an_id_is_32_lowercase_hex_and_new_every_time(ids: BerichtIds) -> None:
    minted = [ids.mint(GEMEENTE, "JW301") for _ in range(1000)]
    assert all(ID.fullmatch(i) for i in minted) and len(set(minted)) == len(minted)
    assert len({i[:16] for i in minted}) == len(minted)  # 64 random bits each


def test_the_tag_names_the_sender_code_it_was_minted_for(ids: BerichtIds) -> None:
    bericht_id = ids.mint(GEMEENTE, "JW301")
    assert ids.minted(bericht_id, CODES) == Minted(GEMEENTE, None)
    assert ids.minted(bericht_id, frozenset({"0363", GEMEENTE, AANBIEDER})) == Minted(GEMEENTE, None)
    assert ids.minted(bericht_id, frozenset({AANBIEDER, "0363"})) is None
    assert ids.minted(bericht_id, frozenset()) is None


def test_a_type_without_retour_is_in_the_tag(ids: BerichtIds) -> None:
    """So that every replica can answer 404 no-retour naming the type, as the one that took it."""
    assert set(NO_RETOUR) == {b.bericht for b in BY_NS.values() if b.retour is None} >= {"JW325", "JW302"}
    for bericht in NO_RETOUR:
        assert ids.minted(ids.mint(GEMEENTE, bericht), CODES) == Minted(GEMEENTE, bericht)
    for answered in ("JW301", "JW305", "JW323", "GI001", None):
        assert ids.minted(ids.mint(GEMEENTE, answered), CODES) == Minted(GEMEENTE, None)


def test_another_key_or_an_altered_id_is_not_recognised(ids: BerichtIds) -> None:
    bericht_id = ids.mint(GEMEENTE, "JW301")
    assert BerichtIds(SECRET + b"-rotated").minted(bericht_id, CODES) is None
    for position in (0, 15, 16, 31):  # the random part and the tag
        changed = "1" if bericht_id[position] == "0" else "0"
        altered = bericht_id[:position] + changed + bericht_id[position + 1 :]
        assert ids.minted(altered, CODES) is None, position
    other = ids.mint(GEMEENTE, "JW301")
    assert ids.minted(bericht_id[:16] + other[16:], CODES) is None  # one id's randomness, another's tag
    for wrong in (
        bericht_id.upper(),
        bericht_id[:31],
        bericht_id + "0",
        f"{bericht_id[:31]}g",
        "",
        "not-an-id",
    ):
        assert ids.minted(wrong, CODES) is None, wrong


def test_ids_without_a_tag_are_not_recognised(ids: BerichtIds) -> None:
    """uuid4 hex (earlier gateways, `hub ingest --to kafka`, `hub process`) and token_hex (`hub demo`)."""
    for untagged in (uuid.uuid4().hex, secrets.token_hex(16), "0" * 32, ids.mint(None, "JW301")):
        assert ID.fullmatch(untagged) and ids.minted(untagged, CODES | {""}) is None


def test_the_key_is_derived_from_the_deployment_secret_and_is_not_it(ids: BerichtIds) -> None:
    """HMAC(HMAC(HUB_PSEUDONYM_KEY, label), random ‖ code ‖ NUL ‖ type-without-retour)[:8], never the key itself."""
    bericht_id = ids.mint(GEMEENTE, "JW301")
    random, tag = bytes.fromhex(bericht_id[:16]), bytes.fromhex(bericht_id[16:])
    message = random + GEMEENTE.encode() + b"\x00"
    derived = hmac.new(SECRET, LABEL, hashlib.sha256).digest()
    assert tag == hmac.digest(derived, message, "sha256")[:8]
    assert tag != hmac.digest(SECRET, message, "sha256")[:8]
    assert not LABEL.isdigit()  # a BSN is 9 digits: no pseudonym the hub publishes equals the derived key


def test_the_settings_give_one_key_per_deployment_and_a_throwaway_without_one() -> None:
    configured = make_settings(pseudonym_key=SecretStr(SECRET.decode()))
    bericht_id = BerichtIds.for_settings(configured).mint(GEMEENTE, "JW301")
    assert BerichtIds.for_settings(configured).minted(bericht_id, CODES) == Minted(GEMEENTE, None)
    assert BerichtIds(SECRET).minted(bericht_id, CODES) == Minted(GEMEENTE, None)
    demo = BerichtIds.for_settings(make_settings())  # no HUB_PSEUDONYM_KEY: demo mode's one process
    own = demo.mint(GEMEENTE, "JW301")
    assert demo.minted(own, CODES) is not None
    assert BerichtIds.for_settings(make_settings()).minted(own, CODES) is None


def test_hub_id_key_tags_the_ids_in_place_of_the_pseudonym_key() -> None:
    """A gateway with HUB_ID_KEY needs no HUB_PSEUDONYM_KEY; where both are set the id key wins, so the intake's
    key may differ. Switching from the derived key to HUB_ID_KEY is a rotation: earlier ids are not recognised."""
    id_key = "ids-test-id-key-0123456789abcdef"
    gateway = BerichtIds.for_settings(make_settings(id_key=SecretStr(id_key)))
    both = BerichtIds.for_settings(
        make_settings(id_key=SecretStr(id_key), pseudonym_key=SecretStr(SECRET.decode()))
    )
    bericht_id = gateway.mint(GEMEENTE, "JW301")
    assert both.minted(bericht_id, CODES) == Minted(GEMEENTE, None)
    assert BerichtIds(id_key.encode()).minted(bericht_id, CODES) == Minted(GEMEENTE, None)
    assert (
        BerichtIds(SECRET).minted(bericht_id, CODES) is None
    )  # minted under the derived key: 404 after a switch


def test_the_key_is_never_shown(ids: BerichtIds) -> None:
    assert repr(ids) == "BerichtIds(key=***)" and SECRET.decode() not in repr(ids)
