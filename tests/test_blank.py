"""The writer's two speed-ups keep their promises (issue 15, point 3).

1. A batch fills its dashboards in from a blank written once
   (:mod:`piramide.blank`): every part of every file equals what the writer
   makes directly (the document's timestamps aside), whatever sheets the
   workbook has, so the layout has one truth.
2. The writer skips XlsxWriter's formula scan by overriding a private
   method: the XlsxWriter versions it is tested with are pinned, and the
   override is seen to take effect.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from importlib.metadata import version

import pytest
import xlsxwriter

import piramide
from piramide import layout as L
from piramide import writer as writer_module
from piramide.batch import BatchRow, build_batch, dashboard_bytes
from piramide.blank import Blank
from piramide.sheets.book import Sheet
from piramide.writer import WorkbookSpec, workbook_bytes

CREATED = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)

#: (gemeente, regio, code): XML's special characters, non-ASCII, long names, edge spaces.
NAMES = [
    ("Utrecht", "Midden-Nederland", "GM0344"),
    ("'s-Hertogenbosch", "Oost-Brabant", None),
    ('A&B <Noord> "Oost" \'West\'', "R&D <regio>", "GM<1>&"),
    ("Súdwest-Fryslân", "Noord-Nederland", "GM1900"),
    ("Zoë Ærø 東京 Ελλάδα", None, "ÆØÅ"),
    ("Bergen (NH)", None, None),
    ("Lange" + " naam" * 50, "R" * 255, "C" * 255),
    ("g" * 255, None, None),
    ("  spaties voor en na ", " regio ", None),
    ("_x0041_ letterlijk", "tab\tloos", None),
    ("onder_streep", None, None),
]


def parts(data: bytes) -> dict[str, bytes]:
    """Every part of a package, with the document's own time stamps left out."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        found = {i.filename: z.read(i) for i in z.infolist()}
    found["docProps/core.xml"] = re.sub(
        rb"<dcterms:(created|modified)\b[^<]*</dcterms:\1>", b"", found["docProps/core.xml"]
    )
    return found


_STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")
_WORKBOOK_ID = re.compile(rb"<t>[0-9a-f]{32}</t>")  # each dashboard's own id (metadata `workbook_id`)
WID = "0123456789abcdef0123456789abcdef"


def unstamped(data: bytes) -> dict[str, bytes]:
    """:func:`parts` with the time of writing and the workbook id left out too (for files made apart)."""
    return {
        name: _WORKBOOK_ID.sub(b"<t>(workbook id)</t>", _STAMP.sub(b"(time of writing)", content))
        for name, content in parts(data).items()
    }


def _blank(reference, regio, code, slots=5, password=None) -> Blank:
    blank = Blank.make(reference, slots, password, regio=bool(regio), code=bool(code))
    assert blank is not None, "the writer's layout no longer allows filling in a blank"
    return blank


@pytest.mark.parametrize(("gemeente", "regio", "code"), NAMES)
def test_a_filled_blank_equals_the_writer_part_for_part(reference, gemeente, regio, code):
    direct = workbook_bytes(WorkbookSpec(reference, gemeente, regio, code, created=CREATED, workbook_id=WID))
    filled = _blank(reference, regio, code).fill(gemeente, regio, code, CREATED, WID)
    names = gemeente + (regio or "") + (code or "")
    if not names.isprintable() or "_" in names:
        assert filled is None  # a character the writer might escape or replace: written directly instead
        return
    assert filled is not None, "filled in directly although it needed not be"
    want, got = parts(direct), parts(filled)
    assert sorted(got) == sorted(want)
    assert [name for name in want if got[name] != want[name]] == []


@pytest.mark.parametrize(("slots", "password"), [(1, None), (3, "geheim"), (8, None)])
def test_every_blank_kind_equals_the_writer(reference, slots, password):
    for gemeente, regio, code in NAMES[:3]:
        spec = WorkbookSpec(reference, gemeente, regio, code, slots, password, created=CREATED, workbook_id=WID)
        direct = workbook_bytes(spec)
        filled = _blank(reference, regio, code, slots, password).fill(gemeente, regio, code, CREATED, WID)
        assert parts(filled) == parts(direct)


@pytest.mark.parametrize(
    ("gemeente", "regio"),
    [
        ("Utrecht", "Utrecht"),  # the writer stores the same text once
        ("ja", None),  # an answer label of the workbook's lists
        ("Ede\x07", None),  # a control character
    ],
)
def test_what_a_blank_cannot_fill_is_written_directly_and_still_equal(reference, gemeente, regio):
    blank = _blank(reference, regio, None)
    assert blank.fill(gemeente, regio, None, CREATED) is None
    row = BatchRow(2, gemeente, regio)
    spec = WorkbookSpec(reference, gemeente, regio)
    got = dashboard_bytes(row, spec, {(bool(regio), False): blank})
    assert unstamped(got) == unstamped(workbook_bytes(spec))


def test_a_blank_raises_the_writers_errors(reference):
    blank = _blank(reference, None, None)
    with pytest.raises(Exception, match="empty"):
        blank.fill("   ")
    with pytest.raises(Exception, match="too long"):
        blank.fill("x" * 256)


def test_every_file_of_a_batch_equals_the_writer(reference, tmp_path):
    """The batch path as the command line runs it (blanks from 8 rows on, two workers)."""
    names = NAMES[:8] + [("Utrecht", "Utrecht", None), (f"Gemeente {'ÿ' * 3}", "Regio", "GM0001")]
    rows = [BatchRow(i + 2, g, r, c) for i, (g, r, c) in enumerate(names)]
    outcomes = build_batch(rows, tmp_path / "out", reference, slots=5, workers=2)
    assert all(o.ok for o in outcomes)
    ids = {piramide.read_workbook(o.path).workbook_id for o in outcomes}
    assert len(ids) == len(outcomes)  # a blank filled in gives every dashboard its own id
    for o in outcomes:
        direct = workbook_bytes(WorkbookSpec(reference, o.row.gemeente, o.row.regio, o.row.code))
        assert unstamped(o.path.read_bytes()) == unstamped(direct), o.row


# --- the formula-scan override --------------------------------------------------------------

#: The XlsxWriter versions the override of Worksheet._prepare_formula is tested with (pyproject.toml pins them).
TESTED_XLSXWRITER = ("3.3",)


def test_xlsxwriter_is_a_version_the_override_is_tested_with():
    assert version("XlsxWriter").startswith(TESTED_XLSXWRITER), (
        f"XlsxWriter {version('XlsxWriter')}: check piramide.sheets.book.Sheet against it, then widen the pin"
    )


def _formulas(worksheet_class) -> list[bytes]:
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = wb.add_worksheet(worksheet_class=worksheet_class) if worksheet_class else wb.add_worksheet()
    ws.write_formula(0, 0, "=FILTER(B1:B3,B1:B3>1)")
    wb.close()
    with zipfile.ZipFile(buffer) as z:
        return re.findall(rb"<f\b[^>]*>([^<]*)</f>", z.read("xl/worksheets/sheet1.xml"))


def test_the_formula_scan_override_takes_effect():
    """XlsxWriter's scan prefixes FILTER (Excel 365); the writer's sheets pass the formula through as written."""
    assert _formulas(None) == [b"_xlfn._xlws.FILTER(B1:B3,B1:B3&gt;1)"]  # the scan runs in plain XlsxWriter
    assert _formulas(Sheet) == [b"FILTER(B1:B3,B1:B3&gt;1)"]  # and not in ours


@pytest.mark.parametrize(
    "leak",
    [
        lambda book: book.sheets[L.COVER].set_row(300, 12 + len(book.spec.gemeente) % 7),  # sized by the name (a row off the cover)
        lambda book: book.sheets[L.COVER].set_header(book.spec.gemeente),  # the name outside the shared strings
    ],
)
def test_no_blank_when_the_layout_depends_on_the_names(reference, monkeypatch, leak):
    """A writer that puts a name anywhere but the shared strings, or sizes by it, gets no blank: all direct."""
    real = writer_module._write

    def leaky(book):
        leak(book)
        real(book)

    monkeypatch.setattr(writer_module, "_write", leaky)
    assert Blank.make(reference, 5) is None
