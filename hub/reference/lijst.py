"""How the deployment's CSV lists (product codes, tariffs) are read: one row at a time, one clear line per flaw.

A file that does not read as its format says refuses the start with one line naming the file, the line and the
problem, since a half-read list would reject or pass messages wrongly.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from hub.errors import ConfigError

_QUOTE_HINT = "(a quote not closed, or text after a closing quote?)"


def rijen(
    path: Path, soort: str, kolommen: tuple[str, ...], optioneel: tuple[str, ...] = ()
) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(line number, the values of `kolommen` then of `optioneel`) per non-blank row below the header.

    Every column of `kolommen` must be in the header and filled on every row; a column of `optioneel` may be
    absent or blank ("" either way). ConfigError on any flaw.
    """
    tekst = _lees(path, soort)
    # strict: an unclosed quote would otherwise swallow every later line into one value, silently.
    # skipinitialspace: `45, "45A53"` is the code 45A53, not one with quotes in it.
    reader = csv.reader(io.StringIO(tekst, newline=""), strict=True, skipinitialspace=True)
    begin = 1  # the line the record being read starts on: where an unclosed quote opened
    try:
        kop = next(reader, None)
        if kop is None:
            raise fout(
                soort, path, 1, f"the file is empty: its first line must be the header {','.join(kolommen)}"
            )
        if not any(cel.strip() for cel in kop):
            raise fout(soort, path, 1, f"the first line is blank: it must be the header {','.join(kolommen)}")
        namen = [cel.strip().lower() for cel in kop]
        for kolom in kolommen:
            if kolom not in namen:
                raise fout(soort, path, 1, f"the header has no column {kolom!r}{_kop_hint(kop, kolommen)}")
        for kolom in (*kolommen, *optioneel):
            if namen.count(kolom) > 1:  # which of the two the list means, the hub cannot tell
                raise fout(soort, path, 1, f"the header has the column {kolom!r} {namen.count(kolom)} times")
        bijna = _bijna(namen, kolommen, optioneel)
        if bijna:
            naam, kolom = bijna
            raise fout(
                soort, path, 1,
                f"the header has a column {naam!r} and no column {kolom!r}: did you mean {kolom!r}? (rename it, "
                "or give the column another name if it is one the hub should ignore, such as a description)",
            )  # fmt: skip
        plaats = [namen.index(kolom) for kolom in kolommen]
        extra = [namen.index(kolom) if kolom in namen else len(kop) for kolom in optioneel]
        gelezen = 0
        begin = reader.line_num + 1
        for rij in reader:
            regel, begin = begin, reader.line_num + 1  # a quoted line break makes a record span lines
            if not any(cel.strip() for cel in rij):
                continue
            if len(rij) > len(kop):
                raise fout(
                    soort, path, regel,
                    f"{len(rij)} values for {len(kop)} columns (a decimal comma, or a comma in an unquoted value?)",
                )  # fmt: skip
            waarden = tuple(rij[i].strip() if i < len(rij) else "" for i in (*plaats, *extra))
            for kolom, waarde in zip((*kolommen, *optioneel), waarden, strict=True):
                if not waarde and kolom in kolommen:
                    raise fout(soort, path, regel, f"no value in column {kolom!r}")
                if "\n" in waarde or "\r" in waarde:  # no code, date or name the hub reads holds one
                    raise fout(
                        soort, path, regel, f"a line break inside the value of column {kolom!r} {_QUOTE_HINT}"
                    )
            gelezen += 1
            yield regel, waarden
    except csv.Error as exc:
        raise fout(
            soort,
            path,
            begin,
            f"not readable as CSV: {exc} {_QUOTE_HINT}",
        ) from None
    if gelezen == 0:
        raise fout(soort, path, 1, "no rows below the header")


# Other words for an optional column that a list's author may well use; near misses are found by spelling.
_ANDERE_NAMEN = {
    "begindatum": "ingangsdatum",
    "startdatum": "ingangsdatum",
    "agb": "aanbieder",
    "agbcode": "aanbieder",
    "gemeentecode": "gemeente",
    "regio": "jeugdregio",
}


def _bijna(namen: list[str], kolommen: tuple[str, ...], optioneel: tuple[str, ...]) -> tuple[str, str] | None:
    """(a header name, the optional column it stands for) when the header lacks that column.

    Other columns are ignored, so a misspelt optional one (`aanbeider`, `geldig tot`, `begindatum`) would leave
    every row holding for every value of it: a wrong verdict rather than a refused start.
    """
    ontbrekend = {_kaal(kolom): kolom for kolom in optioneel if kolom not in namen}
    for naam in namen:
        if not naam or naam in kolommen or naam in optioneel:
            continue
        kaal = _kaal(naam)
        bedoeld = _ANDERE_NAMEN.get(kaal)
        if bedoeld is not None and bedoeld in ontbrekend.values():
            return naam, bedoeld
        gelijk = difflib.get_close_matches(kaal, ontbrekend, n=1, cutoff=0.8)
        if gelijk:
            return naam, ontbrekend[gelijk[0]]
    return None


def _kaal(naam: str) -> str:
    """A column name without the separators a spreadsheet user may put in it (`geldig tot`, `jeugd-regio`)."""
    return naam.replace(" ", "").replace("_", "").replace("-", "")


def _lees(path: Path, soort: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {soort} {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        regel = data.count(b"\n", 0, exc.start) + 1
        raise fout(soort, path, regel, "not UTF-8 (save the file as CSV UTF-8)") from None


def _kop_hint(kop: list[str], kolommen: tuple[str, ...]) -> str:
    if len(kop) == 1 and ";" in kop[0]:
        return f" (columns separated by ';': separate them by commas, {','.join(kolommen)})"
    return f" (the header is {','.join(cel.strip() for cel in kop)!r}; expected {','.join(kolommen)})"


def fout(soort: str, path: Path, regel: int, probleem: str) -> ConfigError:
    return ConfigError(f"{soort} {path}, line {regel}: {probleem}")


_DATUM = re.compile(r"\d{4}-\d{2}-\d{2}")


def datum(tekst: str, kolom: str) -> date | None:
    """A list's date column written YYYY-MM-DD; None when blank, ValueError (saying so) when it is no such date."""
    if not tekst:
        return None
    try:
        if _DATUM.fullmatch(tekst):
            return date.fromisoformat(tekst)
    except ValueError:
        pass
    raise ValueError(f"{kolom} {tekst!r} is not a date written YYYY-MM-DD")
