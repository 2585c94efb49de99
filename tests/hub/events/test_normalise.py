"""normalise(): the one event of each heenbericht, its envelope, its id and what it leaves behind."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from hub.events.models import (
    AangevraagdProductRegel,
    AntwoordOntvangen,
    NieuwProductRegel,
    Omvang,
    OngewijzigdProductRegel,
    StartOntvangen,
    StartRegel,
    StopOntvangen,
    StopRegel,
    TeWijzigenProductRegel,
    ToegewezenProductRegel,
    ToewijzingOntvangen,
    VerzoekOmToewijzingOntvangen,
    VerzoekOmWijzigingOntvangen,
    make_event_id,
)
from hub.events.normalise import normalise
from hub.ijw.models import Jw301, Jw302, Jw305, Jw306, Jw319, Jw320, RetourHeader
from hub.synth import berichten
from hub.synth.build import Spec, edit, to_xml
from tests.hub.events.samples import EVENT_BERICHTEN, ONTVANGEN_OP, PSEUDONYM, event, model

INGANG = date(2026, 10, 1)  # berichten.ingang(2026-11-02)
EINDE = date(2027, 3, 31)
VERZOEK_BEGIN = date(2026, 12, 1)
PERSOON = berichten.default_persoon(berichten.DEFAULT_DAGTEKENING)
CLIENT = PSEUDONYM(PERSOON.bsn)


# --- the envelope ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bericht", EVENT_BERICHTEN)
def test_envelope_copies_the_header_and_orients_gemeente_and_aanbieder(bericht: str) -> None:
    spec = berichten.spec(bericht, gemeente="0363", aanbieder="11223344", identificatie="ID42")
    e = event(bericht, spec, bericht_id="msg-7")
    van_gemeente = bericht in {"JW301", "JW319"}
    assert (e.afzender, e.ontvanger) == (("0363", "11223344") if van_gemeente else ("11223344", "0363"))
    assert (e.gemeente, e.aanbieder) == ("0363", "11223344")
    assert (e.bericht, e.bericht_id, e.identificatie) == (bericht, "msg-7", "ID42")
    assert e.dagtekening == berichten.DEFAULT_DAGTEKENING
    assert e.ontvangen_op == ONTVANGEN_OP
    assert e.schema_version == 1
    assert e.type == type(e).__name__


@pytest.mark.parametrize("bericht", ["JW301", "JW305", "JW307", "JW315", "JW317"])
def test_client_is_the_pseudonym_of_the_bsn(bericht: str) -> None:
    e = event(bericht)
    assert e.client == CLIENT
    assert len(CLIENT) == 64


def test_antwoord_client_is_the_given_pseudonym_or_none() -> None:
    jw319 = model("JW319")
    zonder = normalise(jw319, bericht_id="b", pseudonym=PSEUDONYM, ontvangen_op=ONTVANGEN_OP)
    met = normalise(jw319, bericht_id="b", pseudonym=PSEUDONYM, ontvangen_op=ONTVANGEN_OP, client=CLIENT)
    assert zonder is not None and zonder.client is None
    assert met is not None and met.client == CLIENT


def test_a_given_client_must_be_the_messages_own() -> None:
    jw301 = model("JW301")
    same = normalise(jw301, bericht_id="b", pseudonym=PSEUDONYM, ontvangen_op=ONTVANGEN_OP, client=CLIENT)
    assert same is not None and same.client == CLIENT
    with pytest.raises(ValueError, match="not the pseudonym of the message's Bsn"):
        normalise(jw301, bericht_id="b", pseudonym=PSEUDONYM, ontvangen_op=ONTVANGEN_OP, client="0" * 64)


def test_a_pseudonym_function_that_leaks_the_bsn_is_refused() -> None:
    # The identity function would put the BSN in the Kafka key: the model's pattern stops it.
    with pytest.raises(ValidationError, match="client"):
        normalise(model("JW305"), bericht_id="b", pseudonym=lambda bsn: bsn, ontvangen_op=ONTVANGEN_OP)


def test_ontvangen_op_is_held_in_utc() -> None:
    amsterdam = datetime(2026, 11, 2, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    e = normalise(model("JW305"), bericht_id="b", pseudonym=PSEUDONYM, ontvangen_op=amsterdam)
    assert e is not None
    assert e.ontvangen_op == amsterdam
    assert e.ontvangen_op.utcoffset() == timedelta(0)
    assert '"ontvangen_op":"2026-11-02T09:30:00Z"' in e.model_dump_json()


def test_a_naive_ontvangen_op_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        normalise(model("JW305"), bericht_id="b", pseudonym=PSEUDONYM, ontvangen_op=datetime(2026, 11, 2, 9))


# --- event ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bericht", EVENT_BERICHTEN)
def test_event_id_is_the_same_for_a_redelivery(bericht: str) -> None:
    first = event(bericht, bericht_id="msg-1")
    again = normalise(
        model(bericht),
        bericht_id="msg-1",
        pseudonym=PSEUDONYM,
        ontvangen_op=ONTVANGEN_OP + timedelta(hours=1),
    )
    other = event(bericht, bericht_id="msg-2")
    assert again is not None
    assert first.event_id == again.event_id == make_event_id("msg-1", first.type)
    assert other.event_id != first.event_id


def test_event_id_namespace_never_changes() -> None:
    # Consumers deduplicate on event_id: a changed namespace would make every replayed event look new.
    assert make_event_id("abc", "ToewijzingOntvangen") == uuid.UUID("45a1a7b9-15d9-56ad-8a7f-9ed0ad323933")
    assert make_event_id("abc", "StartOntvangen") != make_event_id("abc", "ToewijzingOntvangen")


# --- messages without an event --------------------------------------------------------------------


def _retour_header(heen: Any) -> RetourHeader:
    return RetourHeader(
        **dict(heen.header),
        identificatie_retour="R1",
        dagtekening_retour=date(2026, 11, 4),
        xsd_versie_retour=heen.header.xsd_versie,
    )


def _zonder_event() -> Iterator[Any]:
    yield model("JW323")
    yield model("JW325")
    jw301, jw305, jw319 = model("JW301"), model("JW305"), model("JW319")
    assert isinstance(jw301, Jw301) and isinstance(jw305, Jw305) and isinstance(jw319, Jw319)
    yield Jw302(header=_retour_header(jw301), client=jw301.client)
    yield Jw306(header=_retour_header(jw305), client=None)
    yield Jw320(header=_retour_header(jw319), antwoord=jw319.antwoord)


@pytest.mark.parametrize("bericht", list(_zonder_event()), ids=lambda m: m.bericht)
def test_retouren_and_declaraties_have_no_event(bericht: Any) -> None:
    assert normalise(bericht, bericht_id="b", pseudonym=PSEUDONYM, ontvangen_op=ONTVANGEN_OP) is None


# --- each message's fields ------------------------------------------------------------------------


def test_toewijzing() -> None:
    e = event("JW301")
    assert isinstance(e, ToewijzingOntvangen)
    nr1, cat1, code1 = berichten.SPECIFIEK
    nr2, cat2, _ = berichten.ASPECIFIEK
    common = {"toewijzingsdatum": berichten.DEFAULT_DAGTEKENING, "ingangsdatum": INGANG, "einddatum": EINDE}
    assert e.producten == (
        ToegewezenProductRegel(
            toewijzing_nummer=nr1,
            categorie=cat1,
            code=code1,
            toewijzingstijd=time(10, 0),
            omvang=Omvang(volume=4, eenheid="04", frequentie="2"),
            **common,
        ),
        ToegewezenProductRegel(toewijzing_nummer=nr2, categorie=cat2, toewijzingstijd=time(10, 0), **common),
    )
    assert isinstance(e.producten[0].toewijzingstijd, time)


def test_toewijzing_carries_reden_wijziging_budget_and_referentie() -> None:
    pad = "Client/ToegewezenProducten/ToegewezenProduct[2]"
    spec = edit(berichten.spec("JW301"), f"{pad}/Budget", 125000)
    spec = edit(spec, f"{pad}/ReferentieAanbieder", "VOT20261001B")
    spec = edit(spec, f"{pad}/RedenWijziging", "01")
    e = event("JW301", spec)
    assert isinstance(e, ToewijzingOntvangen)
    regel = e.producten[1]
    assert (regel.budget, regel.referentie_aanbieder, regel.reden_wijziging) == (125000, "VOT20261001B", "01")


def test_start() -> None:
    e = event("JW305")
    assert isinstance(e, StartOntvangen)
    assert e.regels == tuple(
        StartRegel(
            toewijzing_nummer=nr,
            categorie=cat,
            code=code,
            toewijzing_ingangsdatum=INGANG,
            begindatum=INGANG,
            status_aanlevering="1",
        )
        for nr, cat, code in (berichten.SPECIFIEK, berichten.ASPECIFIEK)
    )


def test_stop() -> None:
    e = event("JW307")
    assert isinstance(e, StopOntvangen)
    nr, cat, code = berichten.SPECIFIEK
    assert e.regels == (
        StopRegel(
            toewijzing_nummer=nr,
            categorie=cat,
            code=code,
            toewijzing_ingangsdatum=INGANG,
            begindatum=INGANG,
            einddatum=date(2026, 10, 31),
            reden_beeindiging="31",
            status_aanlevering="1",
        ),
    )


def test_verzoek_om_toewijzing() -> None:
    e = event("JW315")
    assert isinstance(e, VerzoekOmToewijzingOntvangen)
    eind = date(2027, 5, 31)
    specifiek, aspecifiek = e.producten
    assert specifiek == AangevraagdProductRegel(
        referentie_aanbieder="VOT20261102A",
        categorie=berichten.SPECIFIEK[1],
        code=berichten.SPECIFIEK[2],
        toewijzing_ingangsdatum=VERZOEK_BEGIN,
        toewijzing_einddatum=eind,
        omvang=Omvang(volume=4, eenheid="04", frequentie="2"),
        verwijzer_type="04",
        verwijzer_zorgverlener_code="87654321",
    )
    assert specifiek.verwijzer_zorgverlener_code is not None  # the AGB code travels
    assert aspecifiek == AangevraagdProductRegel(
        referentie_aanbieder="VOT20261102B",
        categorie=berichten.ASPECIFIEK[1],
        toewijzing_ingangsdatum=VERZOEK_BEGIN,
        toewijzing_einddatum=eind,
        budget=250000,
        verwijzer_type="02",
        verwijzer_zorgverlener_code=None,
    )


def test_verzoek_om_wijziging() -> None:
    e = event("JW317")
    assert isinstance(e, VerzoekOmWijzigingOntvangen)
    assert (e.referentie_aanbieder, e.reden_verzoek) == ("VOW20261102", "2")
    assert e.ongewijzigde_producten == (OngewijzigdProductRegel(toewijzing_nummer=berichten.ASPECIFIEK[0]),)
    assert e.te_wijzigen_producten == (
        TeWijzigenProductRegel(
            toewijzing_nummer=berichten.SPECIFIEK[0],
            gewenste_ingangsdatum=VERZOEK_BEGIN,
            einddatum=EINDE,
            omvang=Omvang(volume=6, eenheid="04", frequentie="2"),
        ),
    )
    assert e.nieuwe_producten == (
        NieuwProductRegel(
            categorie=berichten.SPECIFIEK[1],
            code=berichten.NIEUW_CODE,
            gewenste_ingangsdatum=VERZOEK_BEGIN,
            einddatum=EINDE,
            omvang=Omvang(volume=2, eenheid="04", frequentie="2"),
        ),
    )


def test_antwoord() -> None:
    e = event("JW319")
    assert isinstance(e, AntwoordOntvangen)
    assert e.referentie_aanbieder == "VOT20261102A"
    assert (e.verzoek_antwoord, e.reden_afwijzing) == ("1", "4")  # the default JW319 rejects (reason 4)
    assert e.woonplaatsbeginsel_gemeente is None


def test_antwoord_woonplaatsbeginsel() -> None:
    spec = edit(berichten.spec("JW319"), "Antwoord/RedenAfwijzingVerzoek", "2")
    spec = edit(spec, "Antwoord/Woonplaatsbeginsel", {"Gemeente": "0363"})
    e = event("JW319", spec)
    assert isinstance(e, AntwoordOntvangen)
    assert (e.reden_afwijzing, e.woonplaatsbeginsel_gemeente) == ("2", "0363")


# --- privacy --------------------------------------------------------------------------------------

# Elements whose text identifies or describes a person; Naam as text is a Verwijzer's name.
PERSOONLIJK = {"Bsn", "Achternaam", "Voornamen", "Commentaar", "Naam", "Telefoonnummer", "Emailadres"}
PERSOONLIJK |= {"Straatnaam", "Postcode"}


def _persoonlijk(spec: Any, parent: str = "") -> Iterator[str]:
    """Every personal value in a spec: the elements above plus every Geboortedatum/Datum."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if isinstance(value, str | date) and (
                key in PERSOONLIJK or (parent, key) == ("Geboortedatum", "Datum")
            ):
                yield value.isoformat() if isinstance(value, date) else value
            else:
                yield from _persoonlijk(value, key)
    elif isinstance(spec, list):
        for item in spec:
            yield from _persoonlijk(item, parent)


def _met_commentaar(bericht: str) -> Spec:
    spec = berichten.spec(bericht)
    product = {
        "JW301": "Client/ToegewezenProducten/ToegewezenProduct[1]",
        "JW315": "Client/AangevraagdeProducten/AangevraagdProduct[1]",
    }.get(bericht)
    if product is not None:
        spec = edit(spec, "Client/Commentaar", "Moeder belt liever na 17 uur")
        spec = edit(spec, f"{product}/Commentaar", "Spoed: gesprek met school gepland")
    return spec


@pytest.mark.parametrize("bericht", ["JW301", "JW305", "JW307", "JW315", "JW317"])
def test_event_json_holds_no_personal_data(bericht: str) -> None:
    spec = _met_commentaar(bericht)
    waarden = set(_persoonlijk(spec))
    xml = to_xml(bericht, spec).decode()
    assert PERSOON.bsn in waarden
    assert all(w in xml for w in waarden)  # the message does carry them ...
    text = event(bericht, spec).model_dump_json()
    assert [w for w in waarden if w in text] == []  # ... and the event does not
    assert PERSOON.geboortedatum.isoformat() not in text


def test_personal_values_are_found_in_a_toewijzing() -> None:
    # Guards the privacy test above: the walker must see the client's name, birth date and Commentaar.
    waarden = set(_persoonlijk(_met_commentaar("JW301")))
    assert {PERSOON.achternaam, PERSOON.voornamen, PERSOON.geboortedatum.isoformat()} <= waarden
    assert "Moeder belt liever na 17 uur" in waarden
    assert "Huisartsenpraktijk De Proeftuin" in set(_persoonlijk(berichten.spec("JW315")))
