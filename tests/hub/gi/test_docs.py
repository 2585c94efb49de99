"""docs/gi-berichten.md documents every element, code and rule of the GI messages, and its examples are true."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from hub.gi import codes
from hub.gi.ack import build_ontvangstbevestiging
from hub.gi.catalog import GI_BERICHTEN
from hub.gi.schema import GI_BASISSCHEMA, schema_path
from hub.gi.synth import EXAMPLES_DIR, bepaling, spec
from hub.synth.berichten import DEFAULT_DAGTEKENING
from hub.synth.build import Spec, edit
from hub.validate import Validator, Verdict
from tests.hub.gi.helpers import TODAY, doc, schema, violations

DOC = (Path(__file__).resolve().parents[3] / "docs" / "gi-berichten.md").read_text(encoding="utf-8")
XS = "{http://www.w3.org/2001/XMLSchema}"
DAG = DEFAULT_DAGTEKENING
Leaf = tuple[str, str]  # (path of Clark names below Bericht, text)


def examples_in_text() -> dict[str, etree._Element]:
    """The XML examples of chapter 7 by message (GI001, GI101, GI102), comments kept."""
    found: dict[str, etree._Element] = {}
    for block in re.findall(r"```xml\n(.*?)```", DOC, re.S):
        root = etree.fromstring(block.encode())
        found[(etree.QName(root).namespace or "").split("/")[-2].upper()] = root
    return found


EXAMPLES = examples_in_text()


def leaves(root: etree._Element, leave_out: frozenset[str] = frozenset()) -> list[Leaf]:
    """Every element without element children, in document order, with its namespaced path; the Header children
    named in `leave_out` (what an example's comment stands for) and everything below them are left out."""
    out: list[Leaf] = []
    for el in root.iter(etree.Element):
        below_root = [*reversed(list(el.iterancestors())), el][1:]
        path = [etree.QName(e).text for e in below_root]
        names = [etree.QName(e).localname for e in below_root]
        if names[:1] == ["Header"] and names[1:2] and names[1] in leave_out:
            continue
        if any(isinstance(c.tag, str) for c in el):
            continue
        out.append(("/".join(path), (el.text or "").strip()))
    return out


def comment_names(root: etree._Element) -> frozenset[str]:
    """The Header elements an example's comment says it leaves out ("<!-- A, B, C: ... -->")."""
    (comment,) = [c for c in root.iter(etree.Comment)]
    return frozenset(n.strip() for n in (comment.text or "").split(":")[0].split(","))


def element_names(path: Path) -> set[str]:
    return {el.get("name", "") for el in etree.parse(str(path)).getroot().iter(f"{XS}element")}


@pytest.mark.parametrize("bericht", sorted(GI_BERICHTEN))
def test_every_element_is_documented(bericht: str) -> None:
    names = element_names(schema_path(bericht)) | element_names(GI_BASISSCHEMA)
    # Named in code style, as a whole path step: `Bepaling/DatumBepaling` documents both names.
    missing = {n for n in names if not re.search(rf"`(?:[^`]*/)?{n}(?:/[^`]*)?`", DOC)}
    assert missing == set()


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("GIC00", codes.BERICHTCODES),
        ("GIC01", codes.MAATREGELTYPES),
        ("GIC02", codes.URGENTIES),
        ("GIC03", codes.STATUSSEN),
        ("GIC04", codes.RETOURCODES),
    ],
)
def test_every_code_is_documented_with_its_label(name: str, values: dict[str, str]) -> None:
    section = DOC.split(f"**{name} ")[1].split("**GIC")[0]
    for code, label in values.items():
        assert f"| {code} | {label} |" in section


@pytest.mark.parametrize("code", sorted(codes.REGELCODES))
def test_every_rule_is_in_a_rules_table(code: str) -> None:
    rules = DOC.split("## 5. Regels")[1].split("## 6.")[0]
    assert re.search(rf"^\| {code} \|", rules, re.M)


def afgekeurd() -> Spec:
    """The GI001 of example 7.2: its second bepaling is dated after the Dagtekening and has categorie 48."""
    return edit(
        spec("GI001"),
        "Client/Bepalingen/Bepaling",
        [
            bepaling("B1", datum_bepaling=DAG - timedelta(days=3), gewenste_ingangsdatum=DAG),
            bepaling(
                "B2",
                datum_bepaling=DAG + timedelta(days=1),
                gewenste_ingangsdatum=DAG + timedelta(days=29),
                categorie="48",
                code=None,
            ),
        ],
    )


def test_the_rejected_example_is_what_the_hub_reports() -> None:
    s = afgekeurd()
    found = violations("GI001", s)
    assert [v.rule for v in found] == ["GB012", "GB015"]
    for v in found:
        assert f"<gi:Locatie>{v.location}</gi:Locatie>" in DOC
        assert f"<gi:Tekst>{v.message}</gi:Tekst>" in DOC


def test_the_bepaling_example_is_the_shipped_example_shortened_and_accepted() -> None:
    # 7.1 says "ingekort": what it shows is examples/gi/GI001.xml with optional elements left out, no more.
    shown = EXAMPLES["GI001"]
    full = etree.parse(str(EXAMPLES_DIR / "GI001.xml")).getroot()
    rest = iter(leaves(full))
    assert all(leaf in rest for leaf in leaves(shown))  # a subsequence: same paths, values and order
    assert schema("GI001").validate(shown), schema("GI001").error_log
    verdict = Validator().validate(etree.tostring(shown), today=TODAY)
    assert (verdict.accepted, verdict.errors) == (True, ())


def test_the_rejected_example_is_the_gi101_the_hub_builds() -> None:
    # 7.2: the answer the hub writes on that GI001 (DagtekeningRetour: the day it judged it), element for
    # element and namespace for namespace, once the Header elements its comment names are left out of both.
    shown = EXAMPLES["GI101"]
    d = doc("GI001", afgekeurd())
    xml = build_ontvangstbevestiging(Verdict(d.info, tuple(violations("GI001", afgekeurd())), d), DAG)
    assert xml is not None
    built = etree.fromstring(xml)
    assert schema("GI101").validate(built)
    weg = comment_names(shown)
    assert weg == {
        "BerichtVersie",
        "BerichtSubversie",
        "Afzender",
        "Ontvanger",
        "BerichtIdentificatie",
        "XsdVersie",
    }
    assert leaves(shown) == leaves(built, weg)


def test_the_statusmelding_example_is_the_shipped_example_shortened() -> None:
    shown = EXAMPLES["GI102"]
    full = etree.parse(str(EXAMPLES_DIR / "GI102.xml")).getroot()
    weg = comment_names(shown)
    assert weg == {"BerichtIdentificatie", "XsdVersie"}
    assert leaves(shown) == leaves(full, weg)
    assert schema("GI102").validate(full)


def test_prefixes_are_free() -> None:
    # 2.1: the namespace says what an element is; example 7.1 with other prefixes, or its message's namespace as
    # the default one, is the same message.
    text = re.search(r"```xml\n(<gi001:Bericht.*?)```", DOC, re.S)
    assert text is not None
    nieuw = {"ijw": "a", "gi": "b", "gi001": "c"}
    anders = re.sub(r"\b(ijw|gi|gi001)([:=])", lambda p: nieuw[p[1]] + p[2], text[1])
    standaard = re.sub(r"\bgi001:", "", text[1]).replace("xmlns:gi001=", "xmlns=")
    for variant in (anders, standaard):
        assert "gi001:" not in variant and "ijw:" not in anders
        verdict = Validator().validate(variant.encode(), today=TODAY)
        assert (verdict.bericht, verdict.accepted, verdict.errors) == ("GI001", True, ())
