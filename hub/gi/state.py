"""What the stateful GI rules (GB101-GB105) may know of earlier GI messages: a read-only snapshot per message.

Like hub/state/snapshot.py for iJw: the store loads a GiSnapshot scoped to the message (its GI, and the
BepalingIds and MaatregelIds the message names) and the rules judge the message against it as pure functions.
Only accepted parts ever change the state, and clients are known by their pseudonym only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class BepalingState:
    """The latest accepted version of one bepaling of a GI (StatusAanlevering 1, or withdrawn by a 3)."""

    gi: str
    bepaling_id: str
    client: str  # pseudonym
    gemeente: str
    maatregel_id: str
    maatregel_type: str
    categorie: str
    code: str | None
    datum_bepaling: date
    gewenste_ingangsdatum: date
    urgentie: str
    dagtekening: date  # of the GI001 that brought this version
    ingetrokken: bool = False

    @property
    def lopend(self) -> bool:
        """A bepaling in force: not withdrawn. A withdrawn id may be used again (a correction, GB102)."""
        return not self.ingetrokken


@dataclass(frozen=True, slots=True)
class MaatregelState:
    """What the GI told about one maatregel so far: its client and type (GI001/GI002) and the GI002 dates."""

    gi: str
    maatregel_id: str
    client: str  # pseudonym
    maatregel_type: str
    datum_uitspraak: date | None = None
    datum_vaste_jeugdbeschermer: date | None = None
    datum_gedragen_koers: date | None = None
    einddatum: date | None = None


def _empty() -> Mapping[str, object]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class GiSnapshot:
    """State for one incoming GI message; fields not needed for its message type stay empty."""

    pseudonym: Callable[[str], str]  # BSN -> client pseudonym, to match the message's client
    identificatie_bekend: bool = False  # GB101: same GI, message type and Identificatie accepted before
    # _empty() is a Mapping[str, object]; an empty read-only map fits any Mapping.
    bepalingen: Mapping[str, BepalingState] = field(default_factory=_empty)  # type: ignore[arg-type]
    maatregelen: Mapping[str, MaatregelState] = field(default_factory=_empty)  # type: ignore[arg-type]
