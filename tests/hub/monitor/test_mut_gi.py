"""hub.monitor.gi: cases of the GI002 read-back and the GI figures that no other test pins down."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from hub.events.models import MaatregelRegel, MaatregelVoortgangOntvangen
from hub.monitor.gi import UITSPRAAK, _maatregel_datums

GI, GEMEENTE = "87654321", "0200"
U, V = date(2026, 3, 2), date(2026, 3, 4)
VASTE = "datum_vaste_jeugdbeschermer"


def _bericht(n: int, *regels: MaatregelRegel) -> MaatregelVoortgangOntvangen:
    return MaatregelVoortgangOntvangen(
        event_id=uuid.uuid4(), bericht_id=f"b{n}", afzender=GI, ontvanger=GEMEENTE, gemeente=GEMEENTE,
        aanbieder=GI, identificatie=f"V{n}", dagtekening=date(2026, 3, 9), client="0" * 64,
        ontvangen_op=datetime(2026, 3, 9, tzinfo=UTC), maatregelen=regels,
    )  # fmt: skip


def test_a_maatregel_only_the_unread_message_names_takes_that_messages_dates() -> None:
    # The message's own audit row could not be read, the client's earlier GI002s could and are about another
    # maatregel: the new one's dates are this message's, not unknown.
    eerder = _bericht(0, MaatregelRegel(maatregel_id="M-A", maatregel_type="01", datum_uitspraak=U))
    event = _bericht(
        1,
        MaatregelRegel(
            maatregel_id="M-B", maatregel_type="01", datum_uitspraak=U, datum_vaste_jeugdbeschermer=V
        ),
    )
    found = _maatregel_datums([eerder.model_dump_json()], event, {"M-B": {UITSPRAAK, VASTE}})
    assert found == {"M-B": {UITSPRAAK: U, VASTE: V}}
