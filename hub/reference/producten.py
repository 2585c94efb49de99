"""A deployment's product code list (TR381) and contract tariffs (TR418), from CSV files it configures.

Neither has a default: unconfigured, the rule is not checked. A file that does not read as its format says
refuses the start with one line naming the file, the line and the problem, since a half-read list would
reject or pass messages wrongly.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from hub.errors import ConfigError

PRODUCTCODES_KOLOMMEN = ("categorie", "code")
TARIEVEN_KOLOMMEN = ("productcode", "tarief")
PRODUCTCODES = "product code list"
TARIEVEN = "tariff list"

_CATEGORIE = re.compile(r"\d{2}")  # LDT_ProductCategorie: two digits, kept as text
_CENTEN = re.compile(r"\d+")  # int() would also take "+5", " 5" and "1_000"


def load_productcodes(path: Path) -> frozenset[tuple[str, str]]:
    """(categorie, code) pairs from a CSV with header categorie,code; values kept as written (leading zeros)."""
    paren: set[tuple[str, str]] = set()
    for regel, (categorie, code) in _rijen(path, PRODUCTCODES, PRODUCTCODES_KOLOMMEN):
        if not _CATEGORIE.fullmatch(categorie):
            raise _fout(
                PRODUCTCODES, path, regel, f"categorie {categorie!r} is not a two-digit productcategorie"
            )
        paren.add((categorie, code))
    return frozenset(paren)


def load_tarieven(path: Path) -> dict[str, int]:
    """Productcode -> contract tariff in euro cents, from a CSV with header productcode,tarief."""
    tarieven: dict[str, int] = {}
    genoemd: dict[str, int] = {}  # productcode -> the line that first gave its tariff
    for regel, (code, tarief) in _rijen(path, TARIEVEN, TARIEVEN_KOLOMMEN):
        if not _CENTEN.fullmatch(tarief):
            raise _fout(
                TARIEVEN,
                path,
                regel,
                f"tarief {tarief!r} is not a whole number of euro cents (8000 for EUR 80,00)",
            )
        centen = int(tarief)
        if code in tarieven and tarieven[code] != centen:
            raise _fout(
                TARIEVEN, path, regel,
                f"productcode {code} has tarief {centen} here and {tarieven[code]} on line {genoemd[code]}",
            )  # fmt: skip
        tarieven[code] = centen
        genoemd.setdefault(code, regel)
    return tarieven


def _rijen(path: Path, soort: str, kolommen: tuple[str, ...]) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(line number, the named columns' values) per non-blank row below the header; ConfigError on any flaw."""
    tekst = _lees(path, soort)
    reader = csv.reader(io.StringIO(tekst, newline=""))
    try:
        kop = next(reader, None)
        if kop is None:
            raise _fout(
                soort, path, 1, f"the file is empty: its first line must be the header {','.join(kolommen)}"
            )
        if not any(cel.strip() for cel in kop):
            raise _fout(
                soort, path, 1, f"the first line is blank: it must be the header {','.join(kolommen)}"
            )
        namen = [cel.strip().lower() for cel in kop]
        for kolom in kolommen:
            if kolom not in namen:
                raise _fout(soort, path, 1, f"the header has no column {kolom!r}{_kop_hint(kop, kolommen)}")
        plaats = [namen.index(kolom) for kolom in kolommen]
        gelezen = 0
        for rij in reader:
            if not any(cel.strip() for cel in rij):
                continue
            if len(rij) > len(kop):
                raise _fout(
                    soort, path, reader.line_num,
                    f"{len(rij)} values for {len(kop)} columns (a decimal comma, or a comma in an unquoted value?)",
                )  # fmt: skip
            waarden = tuple(rij[i].strip() if i < len(rij) else "" for i in plaats)
            for kolom, waarde in zip(kolommen, waarden, strict=True):
                if not waarde:
                    raise _fout(soort, path, reader.line_num, f"no value in column {kolom!r}")
            gelezen += 1
            yield reader.line_num, waarden
    except csv.Error as exc:
        raise _fout(soort, path, reader.line_num, f"not readable as CSV: {exc}") from None
    if gelezen == 0:
        raise _fout(soort, path, 1, "no rows below the header")


def _lees(path: Path, soort: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {soort} {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        regel = data.count(b"\n", 0, exc.start) + 1
        raise _fout(soort, path, regel, "not UTF-8 (save the file as CSV UTF-8)") from None


def _kop_hint(kop: list[str], kolommen: tuple[str, ...]) -> str:
    if len(kop) == 1 and ";" in kop[0]:
        return f" (columns separated by ';': separate them by commas, {','.join(kolommen)})"
    return f" (the header is {','.join(cel.strip() for cel in kop)!r}; expected {','.join(kolommen)})"


def _fout(soort: str, path: Path, regel: int, probleem: str) -> ConfigError:
    return ConfigError(f"{soort} {path}, line {regel}: {probleem}")
