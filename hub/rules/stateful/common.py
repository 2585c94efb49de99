"""What the stateful rules (rules.md section 6) share: the snapshot, the client's pseudonym, the walk over a
message's classes with both, TR304's known client, and product matching."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from hub.ijw.doc import Doc, Element, as_date, as_int, child, text
from hub.rules.registry import Context, Hit
from hub.state.snapshot import Snapshot

GRENS_2020 = date(2020, 12, 31)  # products ending on or before this date are exempt from the Omvang rules

Product = tuple[str | None, str | None]  # (Categorie, Code); Categorie None = generic (no Product)


def snapshot(ctx: Context) -> Snapshot | None:
    """The state the rule may judge against; None (rule silent) when the pipeline supplied none."""
    state = ctx.state
    return state if isinstance(state, Snapshot) else None


def client(state: Snapshot, el: Element | None, path: str = "Bsn") -> str | None:
    """The pseudonym of the Bsn at `path` below `el`: how the snapshot knows clients."""
    bsn = text(el, path)
    return None if bsn is None else state.pseudonym(bsn)


def doc_client(state: Snapshot, doc: Doc) -> str | None:
    """The pseudonym of the single Client/Bsn of a JW301..JW317."""
    return client(state, doc.first("Client"))


def per_klasse(doc: Doc, ctx: Context, path: str) -> Iterator[tuple[Snapshot, str | None, Element]]:
    """(state, the client's pseudonym, element) per element at `path` of a JW301..JW317; none without state."""
    state = snapshot(ctx)
    if state is None:
        return
    cl = doc_client(state, doc)
    for el in doc.all(path):
        yield state, cl, el


def bekende_client(state: Snapshot, cl: str | None) -> bool:
    """TR304: the client has a toewijzing from this gemeente to this aanbieder."""
    return bool(state.toewijzingen_van(cl))


def onbekende_client(state: Snapshot, client_el: Element | None) -> Iterator[Hit]:
    """TR304 on a JW317 or JW323: this Client is not known (bekende_client), reported on its Bsn."""
    if not bekende_client(state, client(state, client_el)):
        yield Hit(
            child(client_el, "Bsn"),
            "Client/Bsn is not a client with a toewijzing from this gemeente to this aanbieder.",
            klasse=client_el,
        )


def nummer(el: Element | None, path: str = "ToewijzingNummer") -> int | None:
    return as_int(el, path)


def product_of(
    el: Element | None, categorie: str = "Product/Categorie", code: str = "Product/Code"
) -> Product:
    """(Categorie, Code) of a message line, as the snapshot stores them (collapsed text, None when empty)."""
    return text(el, categorie), text(el, code)


def datum(el: Element | None, path: str) -> date | None:
    return as_date(el, path)


def zelfde_product(a: Product, b: Product) -> bool:
    """The TR302 notion of "the same product": equal codes, an aspecific one in the category, or a generic one."""
    (cat_a, code_a), (cat_b, code_b) = a, b
    if cat_a is None or cat_b is None:
        return True  # a generic assignment conflicts with every other product
    if code_a is not None and code_b is not None:
        return code_a == code_b and cat_a == cat_b
    return cat_a == cat_b


def open_of_na_2020(einddatum: date | None) -> bool:
    """The end date is empty or later than 2020-12-31 (the condition of TR375/TR412, like CD096)."""
    return einddatum is None or einddatum > GRENS_2020
