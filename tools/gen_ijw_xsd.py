"""Write the project's own iJw 3.2 XSDs from the facts tables in ../shared/ijw (messages.md, datatypes.md).

Tooling, not runtime: `make schemas` runs it, and a test checks the committed XSDs are what it writes.
The tables list every element with its namespace, type, cardinality and facets; this script turns them
into one basisschema plus one schema per message with the same names, order, types and facets.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

ROOT = Path(__file__).resolve().parents[1]
# Run as a script from a checkout: tools/ is on sys.path, the repository root (for `tools.generated`) is not.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.generated import arguments, write_or_check  # noqa: E402

BASIS_NS = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
MSG_NS = "http://www.istandaarden.nl/ijw/3_2/{bericht}/schema"
XSD_VERSION = "1.0.0"

ROW = re.compile(r"^\|\s*(\d+)\s*\|(.*)\|\s*$")
SECTION = re.compile(r"^## (JW\d{3}) - ")


@dataclass
class SimpleType:
    base: str
    min_length: int | None = None
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    patterns: list[str] = field(default_factory=list)
    enumeration: list[str] = field(default_factory=list)


@dataclass
class Row:
    path: str
    ns: str
    type: str
    min_occurs: str
    max_occurs: str
    facets: str


def split_cells(line: str) -> list[str]:
    """Split a markdown table row on unescaped pipes and undo the `\\|` escapes."""
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [c.strip().replace("\\|", "|") for c in cells]


def code(text: str) -> str:
    return text.strip().strip("`")


def parse_enumerations(datatypes: str) -> dict[str, list[str]]:
    enums: dict[str, list[str]] = {}
    for m in re.finditer(r"^- `(LDT_\w+)` \(\d+\): (.*)$", datatypes, re.M):
        enums[m.group(1)] = re.findall(r"`([^`]*)`", m.group(2))
    return enums


def parse_complex_types(datatypes: str) -> dict[str, list[tuple[str, str, str]]]:
    types: dict[str, list[tuple[str, str, str]]] = {}
    current: str | None = None
    for line in datatypes.splitlines():
        if line.startswith("### `CDT_"):
            current = code(line[4:])
            types[current] = []
        elif current and ROW.match(line):
            _, name, typ, card = split_cells(line)
            types[current].append((code(name), code(typ), card))
    return types


def parse_facets(text: str, enums: dict[str, list[str]], type_name: str) -> tuple[SimpleType, bool]:
    """Read a Facets cell; returns the type and whether it is a fixed (inline) restriction."""
    fixed = text.startswith("fixed value:")
    fixed_pattern = None
    if fixed:
        m = re.match(r"fixed value: pattern `([^`]*)` on (\w+)(.*)", text)
        assert m, text
        fixed_pattern, base, rest = m.group(1), m.group(2), m.group(3)
        text = base + rest
    base = text.split(",")[0].strip()
    st = SimpleType(base=base)
    if m := re.search(r"len (\d+)\.\.(\d+)", text):
        st.min_length, st.max_length = int(m.group(1)), int(m.group(2))
    elif m := re.search(r"len >= (\d+)", text):
        st.min_length = int(m.group(1))
    elif m := re.search(r"len <= (\d+)", text):
        st.max_length = int(m.group(1))
    if base == "integer" and (m := re.search(r"integer, (\d+)\.\.(\d+)", text)):
        st.min_value, st.max_value = int(m.group(1)), int(m.group(2))
    if not fixed or type_name in {"LDT_IdentificatieDeclaratie"}:
        st.patterns = re.findall(r"pattern `([^`]*)`", text)
    if type_name in enums:
        st.enumeration = enums[type_name]
    if fixed:
        # The pattern belongs to the inline restriction, not to the basisschema type.
        st.patterns = [fixed_pattern] if fixed_pattern else []
    return st, fixed


def parse_messages(messages: str) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    current: str | None = None
    for line in messages.splitlines():
        if m := SECTION.match(line):
            current = m.group(1)
            out[current] = []
        elif current and (m := ROW.match(line)) and "`" in line:
            cells = split_cells(line)
            _, path, ns, typ, card, facets = cells[:6]
            lo, hi = card.split("..")
            out[current].append(Row(code(path), ns, code(typ), lo, "unbounded" if hi == "n" else hi, facets))
    return out


def simple_type_xsd(name: str | None, st: SimpleType, base_prefix: str = "xs", indent: str = "  ") -> str:
    head = f'{indent}<xs:simpleType name="{name}">' if name else f"{indent}<xs:simpleType>"
    lines = [head, f'{indent}  <xs:restriction base="{base_prefix}:{st.base}">']
    for facet, value in (
        ("minLength", st.min_length),
        ("maxLength", st.max_length),
        ("minInclusive", st.min_value),
        ("maxInclusive", st.max_value),
    ):
        if value is not None:
            lines.append(f'{indent}    <xs:{facet} value="{value}"/>')
    lines += [f"{indent}    <xs:pattern value={quoteattr(p)}/>" for p in st.patterns]
    lines += [f"{indent}    <xs:enumeration value={quoteattr(v)}/>" for v in st.enumeration]
    lines += [f"{indent}  </xs:restriction>", f"{indent}</xs:simpleType>"]
    return "\n".join(lines)


def header(target_ns: str, extra_ns: str, bericht: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!-- ijw-hub: written from the published facts of iJw release 3.2 by tools/gen_ijw_xsd.py. -->\n"
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"{extra_ns}\n'
        f'           targetNamespace="{target_ns}" elementFormDefault="qualified"'
        ' attributeFormDefault="unqualified" version="' + XSD_VERSION + '">\n'
        f"  <xs:annotation><xs:appinfo>\n"
        f"    <standaard>ijw</standaard><bericht>{bericht}</bericht><release>3.2</release>\n"
        f"    <XsdVersie>{XSD_VERSION}</XsdVersie>\n"
        f"  </xs:appinfo></xs:annotation>\n"
    )


def occurs(lo: str, hi: str) -> str:
    attrs = "" if lo == "1" else f' minOccurs="{lo}"'
    return attrs + ("" if hi == "1" else f' maxOccurs="{hi}"')


def build(shared: Path) -> dict[str, str]:
    datatypes = (shared / "datatypes.md").read_text(encoding="utf-8")
    messages = parse_messages((shared / "messages.md").read_text(encoding="utf-8"))
    enums = parse_enumerations(datatypes)
    complex_types = parse_complex_types(datatypes)

    simple: dict[str, SimpleType] = {}
    for rows in messages.values():
        for row in rows:
            if row.type.startswith("LDT_") and row.facets != "complex" and row.type not in simple:
                st, fixed = parse_facets(row.facets, enums, row.type)
                if fixed:
                    st.patterns = []
                simple[row.type] = st
    # Basis children of CDT types have the type's own facets; unused LDT types are not needed.
    files = {"basisschema.xsd": basisschema(simple, complex_types)}
    for bericht, rows in messages.items():
        files[f"{bericht.lower()}.xsd"] = message_schema(bericht, rows, enums)
    return files


def basisschema(simple: dict[str, SimpleType], complex_types: dict[str, list[tuple[str, str, str]]]) -> str:
    parts = [header(BASIS_NS, f' xmlns:ijw="{BASIS_NS}"', "basisschema")]
    for name in sorted(simple):
        parts.append(simple_type_xsd(name, simple[name]) + "\n")
    for name in sorted(complex_types):
        parts.append(f'  <xs:complexType name="{name}">\n    <xs:sequence>\n')
        for child, typ, card in complex_types[name]:
            lo, hi = card.split("..")
            parts.append(
                f'      <xs:element name="{child}" type="ijw:{typ}"{occurs(lo, "unbounded" if hi == "n" else hi)}/>\n'
            )
        parts.append("    </xs:sequence>\n  </xs:complexType>\n")
    parts.append("</xs:schema>\n")
    return "".join(parts)


def message_schema(bericht: str, rows: list[Row], enums: dict[str, list[str]]) -> str:
    prefix = bericht.lower()
    target = MSG_NS.format(bericht=prefix)
    parts = [header(target, f' xmlns:ijw="{BASIS_NS}" xmlns:{prefix}="{target}"', prefix)]
    parts.append(f'  <xs:import namespace="{BASIS_NS}" schemaLocation="basisschema.xsd"/>\n')
    parts.append(f'  <xs:element name="Bericht" type="{prefix}:Root"/>\n')
    # Children of each locally typed element, in document order; a local type is written once.
    children: dict[str, list[Row]] = {"Root": []}
    type_of_path: dict[str, str] = {"": "Root"}
    for row in rows:
        parent_type = type_of_path.get(row.path.rpartition("/")[0])
        if row.ns != "msg" or parent_type is None:
            continue  # basis children are described by their CDT type
        if row.type.startswith(f"{prefix}:"):
            local = row.type.split(":")[1]
            type_of_path[row.path] = local
            children.setdefault(local, [])
        siblings = children[parent_type]
        name = row.path.rpartition("/")[2]
        if all(s.path.rpartition("/")[2] != name for s in siblings):  # a shared local type is written once
            siblings.append(row)
    for local, kids in children.items():
        parts.append(f'  <xs:complexType name="{local}">\n    <xs:sequence>\n')
        for row in kids:
            name = row.path.rpartition("/")[2]
            occ = occurs(row.min_occurs, row.max_occurs)
            if row.type.startswith(f"{prefix}:"):
                parts.append(f'      <xs:element name="{name}" type="{row.type}"{occ}/>\n')
            elif row.facets.startswith("fixed value:"):
                st, _ = parse_facets(row.facets, enums, row.type)
                inline = SimpleType(base=row.type, patterns=st.patterns)
                parts.append(f'      <xs:element name="{name}"{occ}>\n')
                parts.append(simple_type_xsd(None, inline, base_prefix="ijw", indent="        ") + "\n")
                parts.append("      </xs:element>\n")
            else:
                parts.append(f'      <xs:element name="{name}" type="ijw:{row.type}"{occ}/>\n')
        parts.append("    </xs:sequence>\n  </xs:complexType>\n")
    parts.append("</xs:schema>\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__, ROOT / "schemas" / "ijw" / "3.2")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "ijw")
    args = parser.parse_args(argv)
    return write_or_check(
        args.out, build(args.shared), check=args.check, what="schemas", remedy="make schemas"
    )


if __name__ == "__main__":
    raise SystemExit(main())
