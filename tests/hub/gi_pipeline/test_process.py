"""`hub process` end to end over Tansu with GI and iJw messages: acknowledgements, statusmeldingen, metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from consumers.embedded import EmbeddedBroker
from consumers.process import process
from hub.settings import HubSettings
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline import scenario as sc
from tests.hub.gi_pipeline.helpers import AS_OF, status_xml
from tests.tansu import tansu_settings


async def replay(
    source: Path, tmp_path: Path, name: str, tansu: EmbeddedBroker, prefix: str
) -> dict[str, int]:
    return await process(
        [source],
        settings=HubSettings(),
        broker_settings=tansu_settings(tansu, prefix),
        metrics_out=tmp_path / f"{name}.prom",
        retour_out=tmp_path / name,
        as_of=AS_OF,
        database=f"sqlite:///{tmp_path / 'hub.sqlite'}",
        timeout=120,
    )


@pytest.mark.kafka
async def test_hub_process_acknowledges_links_reports_and_counts(
    tmp_path: Path, tansu: EmbeddedBroker, topic_prefix: str
) -> None:
    source = sc.write(tmp_path / "berichten")
    assert await replay(source, tmp_path, "first", tansu, topic_prefix) == {"accepted": len(sc.BERICHTEN)}
    out = tmp_path / "first"

    # Every GI message got its Ontvangstbevestiging, accepted as a whole.
    for name in sc.GI_BESTANDEN:
        ack = status_xml((out / f"{name}.GI101.xml").read_text())
        assert (ack["BerichtCode"], ack["RetourCode"], ack["Afzender"]) == ("911", "0200", m.GI), name

    # Every statusmelding once, to the GI, dated as of --as-of.
    meldingen = [status_xml(f.read_text()) for f in sorted(out.glob("*.GI102.xml"))]
    assert len(meldingen) == len(sc.STATUSSEN)
    found = {(x["BepalingId"], x["Status"]): x["StatusDatum"] for x in meldingen}
    assert found == {key: d.isoformat() for key, d in sc.STATUSSEN.items()}
    assert {(x["Afzender"], x["Ontvanger"], x["Dagtekening"]) for x in meldingen} == {
        (m.GEMEENTE, m.GI, AS_OF.isoformat())
    }
    a_toewijzing = next(x for x in meldingen if (x["BepalingId"], x["Status"]) == ("B-A1", "02"))
    assert (a_toewijzing["ToewijzingNummer"], a_toewijzing["Aanbieder"]) == ("300201", m.AANBIEDER)

    values = sc.domain_samples((tmp_path / "first.prom").read_text())
    sc.check_metrics(values)

    # The same files again into the same store: duplicates, no new statusmelding, the same metrics.
    assert await replay(source, tmp_path, "again", tansu, f"{topic_prefix}2.") == {
        "duplicate": len(sc.BERICHTEN)
    }
    assert list((tmp_path / "again").glob("*.GI102.xml")) == []
    assert sc.domain_samples((tmp_path / "again.prom").read_text()) == values
