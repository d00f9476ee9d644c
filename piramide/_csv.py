"""CSV for and from Dutch Excel.

Output that Excel opens as columns: UTF-8 with BOM, ';', CRLF, no formula
injection. Input as Excel saves it: ``;``, ``,`` or tabs; UTF-8, UTF-16 or
Windows-1252.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ._yaml import read_text
from .errors import InputError

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


def read_csv_table(
    path: Path, what: str, max_bytes: int, expected: str
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header (stripped, lower case) and the records with their line numbers of a CSV file.

    Accepts UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode
    text") and, as Dutch Excel saves CSV, Windows-1252; separated by ``,``,
    ``;`` or tabs (detected from the header). Raises :class:`InputError`
    when the file as a whole is unusable (also while iterating the records).
    """
    try:
        text = read_text(path, what, max_bytes, utf16=True)
    except InputError as exc:
        if "not UTF-8" not in str(exc):
            raise
        text = path.read_bytes().decode("cp1252", errors="replace")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InputError(f"{path}: is empty; the first line must be a header with {expected}")
    header_line = lines[0]
    delimiter = max(";,\t", key=header_line.count) if any(d in header_line for d in ";,\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise InputError(f"{path}:1: cannot read the header ({exc})") from exc

    def records() -> Iterator[tuple[int, list[str]]]:
        try:
            for record in reader:
                yield reader.line_num, record
        except csv.Error as exc:
            raise InputError(f"{path}:{reader.line_num}: cannot read the CSV ({exc})") from exc

    return header, records()
