"""The hidden sheets: Lijsten (the answer scale behind the dropdowns) and Metadata (the contract for the reader)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from .. import layout as L
from .._version import __version__
from ..plan import STATUSES
from .book import Book, number


def write_lists(book: Book) -> None:
    ws, s = book.sheets[L.LISTS], book.set
    for c, h in enumerate(L.L_HEADERS):
        ws.write_string(0, c, h, book.f.label)
    for r, a in enumerate(s.answers, start=L.L_FIRST_ROW):
        ws.write_string(r, 0, a.label)
        if a.applicable:
            ws.write_number(r, 1, number(a.points))
        ws.write_string(r, 2, "ja" if a.applicable else "nee")
        ws.write_string(r, 3, a.description)
    last = L.L_FIRST_ROW + len(s.answers) - 1
    book.name(L.NAME_ANSWER_LIST, L.LISTS, f"$A${L.L_FIRST_ROW + 1}:$A${last + 1}")
    ws.write_string(0, L.L_STATUS_COL, L.L_STATUS_HEADER, book.f.label)
    for r, status in enumerate(STATUSES, start=L.L_FIRST_ROW):
        ws.write_string(r, L.L_STATUS_COL, status)
    first = L.cell(L.L_FIRST_ROW, L.L_STATUS_COL, True)
    book.name(L.NAME_STATUS_LIST, L.LISTS, f"{first}:{L.cell(L.L_FIRST_ROW + len(STATUSES) - 1, L.L_STATUS_COL, True)}")
    ws.set_column(0, 0, 12)
    ws.set_column(3, 3, 60)


def _slot_sets(book: Book) -> list[str | None]:
    """Per slot the set a measurement was made on; ``None`` for empty slots.

    A slot given a set (an upgrade) keeps it even without answers: a
    measurement whose answers all sat on dropped indicators stays a
    measurement, in its slot.
    """
    own = f"{book.set.id} {book.set.version}"
    given = list(book.spec.slot_sets) + [None] * book.spec.slots
    return [given[k] or (own if book.results[k].answered else None) for k in range(book.spec.slots)]


def _metadata_values(book: Book) -> dict[str, str]:
    s, spec = book.set, book.spec
    created = spec.created or dt.datetime.now(dt.UTC).replace(microsecond=0)
    return {
        "layout_version": str(L.LAYOUT_VERSION),
        "generator": L.GENERATOR,
        "generator_version": __version__,
        "created": created.isoformat(),
        "set_id": s.id,
        "set_name": s.name,
        "set_version": s.version,
        "fingerprint": s.fingerprint,
        "threshold": format(s.threshold.normalize(), "f"),
        "gemeente": spec.gemeente,
        "regio": spec.regio or "",
        "code": spec.code or "",
        "slots": str(spec.slots),
        "indicator_rows": f"{L.Q_FIRST_ROW + 1}:{book.last_row + 1}",
        "slot_sets": json.dumps(_slot_sets(book), ensure_ascii=False),
        "history": json.dumps(list(spec.history), ensure_ascii=False, sort_keys=True),
        "kind": L.KIND_DASHBOARD if spec.part is None else L.KIND_PART,
        "workbook_id": spec.workbook_id or new_workbook_id(),
        **_part_values(book),
    }


def new_workbook_id() -> str:
    """A fresh stable id for a dashboard: 32 hex digits (a random UUID)."""
    return uuid.uuid4().hex


def _part_values(book: Book) -> dict[str, str]:
    part = book.part
    if part is None:
        return dict.fromkeys(L.M_PART_KEYS, "")
    return {
        "part_slot": str(part.slot),
        "part_respondent": part.respondent,
        "part_indicators": json.dumps([i.id for i in book.indicators], ensure_ascii=False),
        "part_previous_slot": "" if part.previous_slot is None else str(part.previous_slot),
    }


def write_metadata(book: Book) -> None:
    ws, s = book.sheets[L.METADATA], book.set
    values = _metadata_values(book)
    for key in L.M_KEYS:
        row = L.metadata_row(key)
        ws.write_string(row, 0, key)
        if key == "set_json":
            text = s.canonical_json()
            for i in range(0, len(text), L.M_JSON_CHUNK):
                ws.write_string(row, 1 + i // L.M_JSON_CHUNK, text[i : i + L.M_JSON_CHUNK])
        else:
            ws.write_string(row, 1, values[key])
    hr = L.M_INDICATOR_HEADER_ROW
    for col, h in enumerate(L.M_INDICATOR_HEADERS):
        ws.write_string(hr, col, h, book.f.label)
    for r, ind in enumerate(s.indicators, start=hr + 1):
        ws.write_string(r, 0, ind.id)
        ws.write_string(r, 1, ind.pillar)
        ws.write_number(r, 2, ind.phase)
        ws.write_string(r, 3, ind.text)
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 40)
