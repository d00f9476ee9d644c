"""The safety checks, made faster (issue 15, point 1), refuse what they refused.

The document-type check reads only each part's prolog, and the extent
check counts a sheet's cells in fewer passes; both are held here to what
the slower checks they replace did.

XML allows a document type (and so entity declarations) only before the
first element. Parts the reader does not need whole are decompressed a
chunk at a time up to their first element; these tests place a document
type wherever a prolog can hide one: after a long comment, behind a
processing instruction, in UTF-16 with and without a byte order mark, and
in a prolog too long to look at in chunks.
"""

from __future__ import annotations

import random
import struct
import zipfile

import pytest
from wb import rezip, zip_parts

from piramide import WorkbookRefused, read_workbook
from piramide import safety as S
from piramide.writer import WorkbookSpec, workbook_bytes

DOCTYPE = '<!DOCTYPE x [<!ENTITY a "b">]>'


@pytest.fixture(scope="module")
def dashboard(reference) -> bytes:
    return workbook_bytes(WorkbookSpec(reference, "Ede", "Gelderland-Midden"))


def _with_prolog(base: bytes, part: str, prolog: str, encoding: str = "utf-8") -> bytes:
    parts = zip_parts(base)
    body = parts[part].decode("utf-8").split("?>", 1)[1]  # the part without its XML declaration
    parts[part] = (prolog + body).encode(encoding)
    return rezip(parts)


DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CASES = {
    "plain": DECLARATION + DOCTYPE,
    "after a comment longer than a chunk": DECLARATION + "<!--" + "x" * (3 * S.PROLOG_CHUNK) + "-->" + DOCTYPE,
    "after processing instructions": DECLARATION + '<?mso-application progid="Excel.Sheet"?>\n  ' + DOCTYPE,
    "beyond the longest prolog looked at in chunks": DECLARATION + "<!--" + "y" * (S.MAX_PROLOG + 10) + "-->" + DOCTYPE,
    "lower case": DECLARATION + DOCTYPE.replace("DOCTYPE", "doctype"),
}


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/styles.xml", "docProps/core.xml", "xl/theme/theme1.xml"])
@pytest.mark.parametrize("case", list(CASES))
def test_a_document_type_in_a_prolog_is_refused(tmp_path, dashboard, part, case):
    path = tmp_path / "entity.xlsx"
    path.write_bytes(_with_prolog(dashboard, part, CASES[case]))
    with pytest.raises(WorkbookRefused, match=f"part {part} declares a document type"):
        read_workbook(path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_document_type_in_utf16_is_refused(tmp_path, dashboard, encoding):
    path = tmp_path / "utf16.xlsx"
    prolog = '<?xml version="1.0" encoding="UTF-16"?>' + DOCTYPE
    path.write_bytes(_with_prolog(dashboard, "xl/sharedStrings.xml", prolog, encoding))
    with pytest.raises(WorkbookRefused, match="declares a document type"):
        read_workbook(path)


def test_a_plain_dashboard_passes_with_only_prologs_read(tmp_path, dashboard, monkeypatch):
    """Of the parts the reader does not need whole, no more than one chunk is decompressed."""
    path = tmp_path / "plain.xlsx"
    path.write_bytes(dashboard)
    read: dict[str, int] = {}
    real_open, real_read = S._Parts.open, S._Parts.read

    def counting(handle, key):
        read_chunk = handle.read

        def read_counted(n=-1):
            data = read_chunk(n)
            read[key] = read.get(key, 0) + len(data)
            return data

        handle.read = read_counted
        return handle

    def counting_open(self, info):
        return counting(real_open(self, info), info.filename)

    def counting_whole(self, info, limit):
        data = real_read(self, info, limit)
        read[info.filename] = read.get(info.filename, 0) + len(data)
        return data

    monkeypatch.setattr(S._Parts, "open", counting_open)
    monkeypatch.setattr(S._Parts, "read", counting_whole)
    S.open_package(path, sheets=("Metadata",))
    with zipfile.ZipFile(path) as z:
        sizes = {i.filename: i.file_size for i in z.infolist()}
    assert read["xl/sharedStrings.xml"] <= S.PROLOG_CHUNK < sizes["xl/sharedStrings.xml"]
    whole = {name for name, n in read.items() if n == sizes[name]}
    assert {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"} <= whole


@pytest.mark.parametrize(
    ("head", "done", "verdict"),
    [
        (b'<?xml version="1.0"?>\n<sst>', False, "element"),
        (b"\xef\xbb\xbf<?xml version='1.0'?><sst>", False, "element"),
        (b'<?xml version="1.0"?><!-- unfinished', False, None),
        (b'<?xml version="1.0"?><!-- unfinished', True, "element"),
        (b'<?xml version="1.0"?><!', False, None),
        (b'<?xml version="1.0"?><!DOC', False, "doctype"),
        (b'<?xml version="1.0"?><![CDATA[x]]>', False, "doctype"),
        (b"not xml at all <!DOCTYPE", False, "whole"),
        ('<?xml version="1.0"?><a/>'.encode("utf-16"), False, "element"),
    ],
)
def test_what_a_prolog_shows(head, done, verdict):
    assert S._prolog(head, done) == verdict


# --- the extent check's quick pass ------------------------------------------------------------

_NOT_CELLS = (b"<co", b"<cf", b"<cu", b"<ce")
_ODD = (b":c", b"\tr", b"\nr", b"\rr", b" r ", b" r\t", b" r\n", b" r\r")


def _plain_reference(content: bytes) -> bool:
    """The quick pass's promise as it was first written: one count per spelling."""
    n = len(S._FAST_CELL.findall(content))
    return (
        n == content.count(b"<c ")
        and content.count(b"<c") == n + sum(content.count(tag) for tag in _NOT_CELLS)
        and content.count(b" r=") == content.count(b' r="') == n + content.count(b'<row r="')
        and not any(odd in content for odd in _ODD)
    )


#: Spellings that a quick pass must notice: other whitespace, quotes, prefixes, a second r, loose cells.
_TWISTS = [
    b'<c r="B2">', b"<c>", b"<c/>", b"<c\tr=\"A1\">", b"<c\nr=\"A1\"/>", b'<x:c r="A1">', b" r='A1'",
    b' r ="A9"', b" r\t=", b"\r", b"\n", b"\t", b"<col/>", b"<cfRule/>", b" r=\"", b'<row r="3">', b"<c",
    b" r=", b' r="XFD1048576"', b"<ce", b"<c ", b'<c r="A1" r="B2">', b'<row spans="1:3" r="2">', b"<row r=3>",
    b'<c r="a1">', b'<c r="AAAA1">', b'<c r="A12345678">',
]


def _random_sheet(dashboard: bytes, rng: random.Random) -> bytes:
    parts = zip_parts(dashboard)
    return parts[rng.choice([name for name in parts if name.startswith("xl/worksheets/sheet")])]


@pytest.mark.parametrize("seed", range(40))
def test_the_quick_pass_agrees_with_one_count_per_spelling(dashboard, seed):
    rng = random.Random(seed)
    content = _random_sheet(dashboard, rng)
    for _ in range(rng.randint(0, 3)):
        at = rng.randrange(len(content) + 1)
        content = content[:at] + rng.choice(_TWISTS) + content[at:]
    assert (S._plain_scan(content) is not None) == _plain_reference(content)


def _ref(col: int, row: int) -> bytes:
    return S._col_letters(col).encode() + str(row).encode()


def test_cells_within_the_near_corner_cannot_exceed_the_limit():
    rows, cols = S._NEAR
    assert rows * cols <= S.MAX_SHEET_CELLS


@pytest.mark.parametrize("seed", range(20))
def test_a_far_cell_is_one_outside_the_near_corner(seed):
    rng = random.Random(seed)
    rows, cols = S._NEAR
    for _ in range(200):
        col = rng.choice([1, 2, 25, 26, 27, 28, 702, 703, 16_384, rng.randint(1, 16_384)])
        row = rng.choice([1, 9, 10, 9_999, 10_000, 99_999, 1_048_576, rng.randint(1, 1_048_576)])
        cell = b'<c r="' + _ref(col, row) + b'" s="1"><v>1</v></c>'
        assert S._plain_scan(cell) == ("near" if col <= cols and row <= rows else "far")
    assert S._plain_scan(b'<c r="A0"/>') == S._plain_scan(b'<c r="B007"/>') == "far"


def _verdict(content: bytes) -> str:
    try:
        S._check_extent(content, "sheet", "x.xlsx")
    except WorkbookRefused as exc:
        return str(exc)
    return "ok"


def _exact_verdict(content: bytes) -> str:
    """What the exact scan alone says of a sheet."""
    try:
        S._check_dimension(content, "sheet", "x.xlsx")
        box = S._exact_box(content, "sheet", "x.xlsx")
    except WorkbookRefused as exc:
        return str(exc)
    if box is not None and S._area(box) > S.MAX_SHEET_CELLS:
        return "too large"
    return "ok"


@pytest.mark.parametrize("seed", range(60))
def test_the_quick_extent_check_agrees_with_the_exact_scan(dashboard, seed):
    """Cells added anywhere (near, far, at the limits): refused by the quick path exactly when the exact scan refuses."""
    rng = random.Random(seed)
    content = _random_sheet(dashboard, rng)
    for _ in range(rng.randint(1, 3)):
        col = rng.choice([1, 26, 27, 100, 700, 16_384, 16_385, 18_279, rng.randint(1, 20_000)])
        row = rng.choice(
            [0, 1, 9_999, 10_000, 38_000, 40_000, 1_048_576, 1_048_577, 12_345_678, rng.randint(1, 1_100_000)]
        )
        empty = rng.random() < 0.3
        cell = b'<c r="' + _ref(col, row) + (b'" s="1"/>' if empty else b'"><v>1</v></c>')
        at = content.index(b"</row>") + len(b"</row>") if rng.random() < 0.5 else content.index(b"</sheetData>")
        content = content[:at] + b'<row r="' + str(row).encode() + b'">' + cell + b"</row>" + content[at:]
    quick, exact = _verdict(content), _exact_verdict(content)
    assert (quick == "ok") == (exact == "ok"), (quick, exact)


# --- parts read straight from the package's bytes --------------------------------------------


def _zipfile_read(data: bytes, name: str) -> bytes | str:
    """What zipfile itself gives for a part: its bytes, or its error's text."""
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return z.read(name)
    except Exception as exc:  # noqa: BLE001 - the error is what is compared
        return str(exc)


def _parts_read(data: bytes, name: str, chunk: int | None = None) -> bytes | str:
    try:
        parts = S._Parts(data)
        info = parts.zip.getinfo(name)
        if chunk is None:
            return parts.read(info, info.file_size + 1)
        out = b""
        with parts.open(info) as handle:
            while piece := handle.read(chunk):
                out += piece
        return out
    except Exception as exc:  # noqa: BLE001
        return str(exc)


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_BZIP2])
def test_parts_read_straight_equal_what_zipfile_reads(dashboard, compression):
    data = rezip(zip_parts(dashboard), compression=compression)
    for name in zip_parts(dashboard):
        expected = _zipfile_read(data, name)
        assert _parts_read(data, name) == expected
        assert _parts_read(data, name, chunk=S.PROLOG_CHUNK) == expected


def _damage(data: bytes, name: str, how: str) -> bytes:
    import io

    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    out = bytearray(data)
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length
    if how == "flipped byte":
        out[start + info.compress_size // 2] ^= 0x55
    elif how == "cut stream":
        out[start + 10 : start + info.compress_size] = b"\0" * (info.compress_size - 10)
    elif how == "other name in the header":
        out[info.header_offset + 30] ^= 0x20  # the first letter of the name, case swapped
    elif how == "wrong CRC":
        struct.pack_into("<L", out, info.header_offset + 14, info.CRC ^ 1)
        central = data.find(b"PK\x01\x02")
        while data[central + 46 : central + 46 + len(name)] != name.encode():  # the directory's entry
            central = data.find(b"PK\x01\x02", central + 1)
        struct.pack_into("<L", out, central + 16, info.CRC ^ 1)
    return bytes(out)


@pytest.mark.parametrize("how", ["flipped byte", "cut stream", "other name in the header", "wrong CRC"])
@pytest.mark.parametrize("name", ["xl/worksheets/sheet2.xml", "xl/styles.xml"])
def test_a_damaged_part_reads_as_zipfile_says(dashboard, how, name):
    """Damage is refused with zipfile's own words: the straight reading falls back to zipfile."""
    data = _damage(dashboard, name, how)
    expected = _zipfile_read(data, name)
    assert _parts_read(data, name) == expected


@pytest.mark.parametrize("how", ["flipped byte", "wrong CRC"])
def test_a_damaged_parsed_sheet_is_refused(tmp_path, dashboard, how):
    path = tmp_path / "kapot.xlsx"
    path.write_bytes(_damage(dashboard, "xl/worksheets/sheet2.xml", how))
    with pytest.raises(WorkbookRefused, match="part xl/worksheets/sheet2.xml is damaged"):
        read_workbook(path)
