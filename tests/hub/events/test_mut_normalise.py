"""normalise(): refusing a client that is not the message's own names neither the BSN nor either pseudonym."""

from __future__ import annotations

import pytest

from hub.events.normalise import normalise
from hub.ijw.models import Jw301
from tests.hub.events.samples import ONTVANGEN_OP, PSEUDONYM, model


def test_the_refusal_of_a_foreign_client_carries_no_personal_data() -> None:
    jw301 = model("JW301")
    assert isinstance(jw301, Jw301)
    bsn, vreemd = jw301.client.bsn, "0" * 64
    with pytest.raises(ValueError) as refused:
        normalise(jw301, bericht_id="b", pseudonym=PSEUDONYM, ontvangen_op=ONTVANGEN_OP, client=vreemd)
    message = str(refused.value)
    assert message == "the given client is not the pseudonym of the message's Bsn"
    assert bsn not in message and PSEUDONYM(bsn) not in message and vreemd not in message
