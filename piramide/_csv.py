"""CSV output that Dutch Excel opens as columns: UTF-8 with BOM, ';', CRLF, no formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def excel_text(text: str) -> str:
    """Text that Excel will not run as a formula: a leading ``'`` before ``=``, ``+``, ``-``, ``@``."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def excel_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A ``;``-separated CSV with a BOM; text cells are passed through :func:`excel_text`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([excel_text(v) if isinstance(v, str) else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
