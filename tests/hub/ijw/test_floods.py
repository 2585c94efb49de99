"""Messages made to cost: an attribute flood is refused unread, and an XSD verdict lists a bounded number of errors.

libxml2's XSD check logs an error of about a kilobyte per stray attribute (eight bytes each in the message), and a
verdict listed every error in the 422 answer, the audit row and the metrics.
"""

from __future__ import annotations

import re

from hub.ijw.parse import MAX_ATTRIBUTES
from hub.ijw.schema import MAX_SCHEMA_ERRORS
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.validate import Validator

VALIDATOR = Validator()


def with_root_attributes(n: int) -> bytes:
    xml = to_xml("JW301", spec("JW301"))
    end_of_root_tag = xml.index(b">", xml.index(b"<jw301:Bericht"))
    return xml[:end_of_root_tag] + b"".join(b' a%d = "x"' % i for i in range(n)) + xml[end_of_root_tag:]


def test_a_flood_of_attributes_is_one_xml_error_not_one_xsd_error_each() -> None:
    verdict = VALIDATOR.validate(with_root_attributes(50_000))
    [error] = verdict.errors
    assert error.rule == "XML"
    assert error.message == (
        "50000 attributes, while iJw elements have none (besides xsi:type, nil and schemaLocation): refused unread"
    )


def test_a_few_stray_attributes_are_left_to_the_xsd_to_report_each() -> None:
    verdict = VALIDATOR.validate(with_root_attributes(MAX_ATTRIBUTES))
    assert [v.rule for v in verdict.errors] == ["XSD"] * MAX_ATTRIBUTES
    assert all("a" in v.message and "not allowed" in v.message for v in verdict.errors)


def test_xsi_attributes_do_not_count_as_a_flood() -> None:
    xml = to_xml("JW301", spec("JW301"))
    xsi = b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x jw301.xsd"'
    end_of_root_tag = xml.index(b">", xml.index(b"<jw301:Bericht"))
    padded = xml[:end_of_root_tag] + xsi + xml[end_of_root_tag:]
    padded = padded.replace(b"</jw301:Bericht>", b"<!--" + b"=" * 500 + b"--></jw301:Bericht>")
    assert VALIDATOR.validate(padded).accepted


def test_an_xsd_verdict_lists_its_first_errors_and_counts_the_rest() -> None:
    s = spec("JW301")
    producten = s["Client"]["ToegewezenProducten"]["ToegewezenProduct"]
    producten.extend(dict(producten[0]) for _ in range(MAX_SCHEMA_ERRORS + 29))
    xml = to_xml("JW301", s)
    # Every Ingangsdatum no date (each ToegewezenProduct's, and one elsewhere): one XSD error each.
    flooded, n = re.subn(rb"(<jw301:Ingangsdatum>)[^<]*", rb"\g<1>gisteren", xml)
    assert n > MAX_SCHEMA_ERRORS + 1
    verdict = VALIDATOR.validate(flooded)
    assert {v.rule for v in verdict.errors} == {"XSD"}
    assert len(verdict.errors) == MAX_SCHEMA_ERRORS + 1
    assert all(v.location and v.location.endswith("/Ingangsdatum") for v in verdict.errors[:-1])
    last = verdict.errors[-1]
    assert (last.location, last.message) == (None, f"and {n - MAX_SCHEMA_ERRORS} more XSD errors, not listed")


def test_a_flood_in_utf_16_is_refused_as_well() -> None:
    text = with_root_attributes(500).decode().replace("encoding='UTF-8'", "encoding='UTF-16'", 1)
    [error] = VALIDATOR.validate(text.encode("utf-16")).errors
    assert (error.rule, error.message.split(",")[0]) == ("XML", "500 attributes")


def test_a_flood_of_made_up_xsi_attributes_is_refused_too() -> None:
    """Only XML Schema's own four are left to the XSD; libxml2 logs any other xsi:* name like a foreign one
    (a review found 1.6 million xsi:aN in a 25 MB message taking 1.9 GB)."""
    xml = to_xml("JW301", spec("JW301"))
    end_of_root_tag = xml.index(b">", xml.index(b"<jw301:Bericht"))
    xsi = b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    made_up = b"".join(b' xsi:a%d="x"' % i for i in range(5_000))
    [error] = VALIDATOR.validate(xml[:end_of_root_tag] + xsi + made_up + xml[end_of_root_tag:]).errors
    assert (error.rule, error.message.split(",")[0]) == ("XML", "5000 attributes")
