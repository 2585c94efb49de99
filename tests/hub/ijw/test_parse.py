"""The hardened parser refuses hostile and malformed input with a clear reason, and reads nothing else."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.errors import BerichtUnreadable
from hub.ijw.parse import ParseLimits, parse_bericht

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/jw301/schema">&lol4;</Bericht>"""


def external_entity(url: str) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE b [<!ENTITY x SYSTEM "{url}">]>'
        f'<Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/jw301/schema">&x;</Bericht>'
    ).encode()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOPSECRET")
    return path


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback server that records every request, to prove the parser never fetches anything."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<x>fetched</x>")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/evil.dtd", hits
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty", b"", "empty input"),
        ("whitespace", b"  \n ", "empty input"),
        ("binary", bytes(range(256)) * 4, "not well-formed"),
        ("billion-laughs", BILLION_LAUGHS, "DOCTYPE"),
        ("non-ijw", b'<root xmlns="urn:other"><a/></root>', "not an iJw 3.2 message"),
        ("no-namespace", b"<Bericht><Header/></Bericht>", "not an iJw 3.2 message"),
        (
            "latin1-declared-utf8",
            '<?xml version="1.0" encoding="UTF-8"?><a>caf\xe9</a>'.encode("latin-1"),
            "not well-formed",
        ),
        ("unknown-encoding", b'<?xml version="1.0" encoding="X-NOPE"?><a/>', "not well-formed"),
        (
            "truncated",
            b'<Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/jw301/schema"><Header>',
            "not well-formed",
        ),
        ("nesting-bomb", b"<a>" * 50 + b"</a>" * 50, "nested deeper"),
    ],
)
def test_hostile_input_is_refused(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(BerichtUnreadable, match=reason):
        parse_bericht(data)


def test_external_file_entity_is_never_read(secret_file: Path) -> None:
    with pytest.raises(BerichtUnreadable, match="DOCTYPE") as exc:
        parse_bericht(external_entity(secret_file.as_uri()))
    assert "TOPSECRET" not in str(exc.value)


def test_external_http_entity_is_never_fetched(http_server: tuple[str, list[str]]) -> None:
    url, hits = http_server
    with pytest.raises(BerichtUnreadable):
        parse_bericht(external_entity(url))
    with pytest.raises(BerichtUnreadable):
        parse_bericht(f'<?xml version="1.0"?><!DOCTYPE b SYSTEM "{url}"><b/>'.encode())
    assert hits == []


def test_size_limit_is_configurable() -> None:
    data = b'<Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/jw301/schema"/>'
    assert parse_bericht(data).info.bericht == "JW301"
    with pytest.raises(BerichtUnreadable, match="exceeds the size limit of 10 bytes"):
        parse_bericht(data, ParseLimits(max_bytes=10))


def test_depth_limit_is_configurable() -> None:
    data = b'<Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/jw305/schema"><a><b><c/></b></a></Bericht>'
    assert parse_bericht(data, ParseLimits(max_depth=4)).info.bericht == "JW305"
    with pytest.raises(BerichtUnreadable, match="deeper than 3"):
        parse_bericht(data, ParseLimits(max_depth=3))


def test_foreign_namespace_with_known_code_names_the_message() -> None:
    data = b'<Bericht xmlns="urn:ijw31"><Header><BerichtCode>436</BerichtCode></Header></Bericht>'
    with pytest.raises(BerichtUnreadable, match="BerichtCode 436 is JW301"):
        parse_bericht(data)


@pytest.mark.parametrize("bericht", ["JW301", "JW302", "JW305", "JW320", "JW323", "JW325"])
def test_message_type_from_root_namespace(bericht: str) -> None:
    ns = f"http://www.istandaarden.nl/ijw/3_2/{bericht.lower()}/schema"
    assert parse_bericht(f'<x:Bericht xmlns:x="{ns}"/>'.encode()).info.bericht == bericht


def test_utf16_message_is_read() -> None:
    xml = '<?xml version="1.0" encoding="UTF-16"?><Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/jw305/schema"/>'
    assert parse_bericht(xml.encode("utf-16")).info.bericht == "JW305"


JW301_ROOT = b'<Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/jw301/schema"/>'


def test_size_limit_takes_a_message_of_exactly_the_limit() -> None:
    assert parse_bericht(JW301_ROOT, ParseLimits(max_bytes=len(JW301_ROOT))).info.bericht == "JW301"
    with pytest.raises(BerichtUnreadable, match=f"message of {len(JW301_ROOT)} bytes exceeds"):
        parse_bericht(JW301_ROOT, ParseLimits(max_bytes=len(JW301_ROOT) - 1))


def test_default_size_limit_is_25_mib() -> None:
    """OP179: files up to 25 MB must be accepted; the default refuses only beyond 25 MiB (26214400 bytes)."""
    limit = 25 * 1024 * 1024
    at_limit = b"<" + b"a" * (limit - 1)  # not XML: refused for that, not for its size
    with pytest.raises(BerichtUnreadable, match="not well-formed"):
        parse_bericht(at_limit)
    with pytest.raises(
        BerichtUnreadable, match=f"of {limit + 1} bytes exceeds the size limit of {limit} bytes"
    ):
        parse_bericht(at_limit + b"a")


def test_not_well_formed_names_the_parser_reason_on_one_line() -> None:
    """The reason is libxml2's own, white space folded, so a sender sees where the XML breaks."""
    with pytest.raises(BerichtUnreadable) as exc:
        parse_bericht(b'<Bericht xmlns="urn:x">\n\n<Header></Bericht>')
    message = str(exc.value)
    assert message.startswith("not well-formed XML: Opening and ending tag mismatch")
    assert "\n" not in message
    # Where it breaks, said once: not lxml's str() with "(<string>, line 3)" after it.
    assert message.endswith(", line 3, column 19")


def test_foreign_namespace_with_unknown_code_gives_no_hint() -> None:
    data = b'<Bericht xmlns="urn:ijw31"><Header><BerichtCode>999</BerichtCode></Header></Bericht>'
    with pytest.raises(BerichtUnreadable) as exc:
        parse_bericht(data)
    assert str(exc.value) == "not an iJw 3.2 message: root element 'Bericht' in namespace 'urn:ijw31'"
