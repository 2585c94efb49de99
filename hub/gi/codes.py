"""The code lists of the GI messages (docs/gi-berichten.md section 6): one place, Dutch labels as documented.

The XSDs in schemas/gi/ carry the same values as enumerations with these labels as documentation; a test keeps
the two equal, so a code is added here and in gi-basisschema.xsd together.
"""

from __future__ import annotations

# GIC00 BerichtCode: the hub's own range 9xx, next to iJw's COD002 (436-491) so the two never collide.
BERICHTCODES: dict[str, str] = {
    "901": "Bepaling jeugdhulp (GI001)",
    "902": "Maatregel-voortgang (GI002)",
    "903": "Capaciteit (GI003)",
    "911": "Ontvangstbevestiging (GI101)",
    "912": "Statusmelding (GI102)",
}

# GIC01 Maatregeltype: the child-protection and youth-probation measures a GI carries out.
MAATREGELTYPES: dict[str, str] = {
    "01": "Voorlopige ondertoezichtstelling (VOTS)",
    "02": "Ondertoezichtstelling (OTS)",
    "03": "Voorlopige voogdij",
    "04": "Voogdij",
    "05": "Jeugdreclassering",
    "06": "Gedragsbeïnvloedende maatregel (GBM)",
}

# GIC02 Urgentie of a bepaling.
URGENTIES: dict[str, str] = {
    "1": "Crisis: hulp nodig binnen 24 uur",
    "2": "Spoed: hulp nodig binnen 5 werkdagen",
    "3": "Regulier: hulp vanaf de gewenste ingangsdatum",
}

# GIC03 Status of a bepaling in a Statusmelding (GI102).
STATUS_VERZOEK_ONTVANGEN = "01"
STATUS_TOEWIJZING_AFGEGEVEN = "02"
STATUS_HULP_GESTART = "03"
STATUS_NORM_OVERSCHREDEN = "04"
STATUS_TOEWIJZING_VERVALLEN = "05"
STATUS_BEPALING_INGETROKKEN = "06"
STATUSSEN: dict[str, str] = {
    STATUS_VERZOEK_ONTVANGEN: "Verzoek om toewijzing ontvangen",
    STATUS_TOEWIJZING_AFGEGEVEN: "Toewijzing afgegeven",
    STATUS_HULP_GESTART: "Hulp gestart",
    STATUS_NORM_OVERSCHREDEN: "Norm 3 maanden overschreden: hulp nog niet gestart",
    STATUS_TOEWIJZING_VERVALLEN: "Toewijzing vervallen",
    STATUS_BEPALING_INGETROKKEN: "Bepaling ingetrokken",
}

# GIC04 RetourCode of the Ontvangstbevestiging (GI101).
AFGEKEURD = "0001"
GEEN_OPMERKING = "0200"
NIET_BEOORDEELD = "0233"
RETOURCODES: dict[str, str] = {
    AFGEKEURD: "Bericht afgekeurd: een of meer regels zijn niet nageleefd (zie Fouten)",
    GEEN_OPMERKING: "Geen opmerking: verwerkt",
    NIET_BEOORDEELD: "Niet beoordeeld: het bericht is afgekeurd op een ander onderdeel",
    "G101": "Identificatie is al eerder gebruikt door deze GI voor dit berichttype",
    "G102": "BepalingId is al in gebruik bij deze GI",
    "G103": "Intrekking verwijst niet naar een lopende bepaling van deze client",
    "G104": "MaatregelId is bekend bij een andere client of met een ander maatregeltype",
    "G105": "Datums van de maatregel passen niet bij eerder ontvangen datums",
}

# GIC05 Regelcode: every rule of the GI messages, as Fout/Code in the Ontvangstbevestiging.
REGELCODES: dict[str, str] = {
    "GB001": "Bsn voldoet aan de elfproef",
    "GB002": "Geboortedatum niet na de Dagtekening",
    "GB003": "Dagtekening niet na de ontvangstdatum",
    "GB004": "Gemeentecode komt voor in de gemeentelijst",
    "GB010": "StatusAanlevering is 1 (nieuw) of 3 (intrekking)",
    "GB011": "BepalingId komt per StatusAanlevering hooguit eenmaal voor in het bericht",
    "GB012": "DatumBepaling niet na de Dagtekening",
    "GB013": "DatumBepaling niet voor de Geboortedatum",
    "GB014": "GewensteIngangsdatum niet voor de DatumBepaling",
    "GB015": "Productcategorie is een actuele categorie jeugdhulp",
    "GB016": "Omvang alleen bij een Productcode",
    "GB017": "Eén MaatregelId heeft in het bericht één MaatregelType",
    "GB020": "Datums van de maatregel (behalve Einddatum) niet na de Dagtekening",
    "GB021": "DatumVasteJeugdbeschermer niet voor de DatumUitspraak",
    "GB022": "DatumGedragenKoers niet voor de DatumUitspraak",
    "GB023": "Einddatum niet voor de DatumUitspraak",
    "GB024": "Maatregel bevat ten minste één datum",
    "GB025": "MaatregelId komt hooguit eenmaal voor in het bericht",
    "GB030": "Peildatum niet na de Dagtekening",
    "GB031": "Jeugdregio komt voor in de gemeentelijst",
    "GB032": "Jeugdregio en Peildatum komen hooguit eenmaal voor in het bericht",
    "GB033": "Caseload is 0 als Jeugdbeschermers 0 is",
    "GB040": "Statusmelding bevat de gegevens die bij de Status horen",
    "GB041": "StatusDatum niet na de Dagtekening",
    "GB101": "Identificatie uniek per GI per berichttype",
    "GB102": "Nieuwe bepaling heeft een BepalingId dat nog niet in gebruik is",
    "GB103": "Intrekking verwijst naar een lopende bepaling van dezelfde client",
    "GB104": "MaatregelId hoort bij dezelfde client en hetzelfde MaatregelType als eerder",
    "GB105": "Datums van de maatregel in volgorde met eerder ontvangen datums",
}

# JZ020 categories that are not jeugdhulp a GI can determine (GB015): the 2015 categories are historical,
# 47-49 are the GI's own justice products, not help for the child.
CATEGORIEEN_2015 = frozenset({"31", "32", "33", "34", "35", "36", "37", "38"})
JUSTITIELE_CATEGORIEEN = frozenset({"47", "48", "49"})

NIEUW = "1"  # StatusAanlevering (COD467) as iJw uses it
INTREKKING = "3"
