"""Every documented safety limit of the reader, at its boundary, one at a time (issue 9).

Each limit is met exactly (the file passes that check) and exceeded by one
(refused with its exact message, which names the limit). Raising or
lowering any limit, even tenfold, fails a test here. The zip packages are
made small: the parts that are never decompressed (``.bin``) declare their
sizes in the central directory, which is all the checks read.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from piramide import WorkbookRefused, safety
from piramide.safety import check_bytes

SHOWN = Path("x.xlsx")
_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>%s</sheetData></worksheet>"
)
_CORE = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}


def _package(cells: bytes = b"", extra: dict[str, tuple[int, int]] | None = None, count: int = 0) -> bytes:
    """A minimal xlsx package: one sheet of ``cells``; ``extra`` parts declaring (size, compressed size);
    ``count`` more tiny parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, data in _CORE.items():
            z.writestr(name, data)
        z.writestr("xl/worksheets/sheet1.xml", _SHEET % cells)
        for name in extra or {}:
            z.writestr(name, b"x")
        for n in range(count):
            z.writestr(f"xl/media/image{n}.png", b"")
    data = bytearray(out.getvalue())
    for name, (size, compressed) in (extra or {}).items():
        _declare(data, name, size, compressed)
    return bytes(data)


def _declare(data: bytearray, name: str, size: int, compressed: int) -> None:
    """Make the central directory entry of ``name`` declare these sizes (the checks read no more)."""
    encoded, pos = name.encode(), 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
        length = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + length] == encoded:
            struct.pack_into("<LL", data, pos + 20, compressed, size)
            return
        pos += 4
    raise AssertionError(name)


def _refused(data: bytes) -> str:
    with pytest.raises(WorkbookRefused) as caught:
        check_bytes(data, SHOWN)
    return str(caught.value)


def test_the_limits_are_the_documented_ones():
    """The values docs/reading.md states."""
    assert safety.MAX_FILE_BYTES == 20 * 2**20
    assert safety.MAX_ENTRIES == 500
    assert safety.MAX_TOTAL_UNCOMPRESSED == 100 * 2**20
    assert safety.MAX_ENTRY_UNCOMPRESSED == 50 * 2**20
    assert safety.MAX_RATIO == 200
    assert safety.MAX_SHEET_CELLS == 1_000_000
    assert safety.MAX_SHARED_STRINGS_SLACK == 10_000
    docs = (Path(__file__).parent.parent / "docs" / "reading.md").read_text(encoding="utf-8")
    for text in ("20 MiB", "more than 500 parts", "100 MiB unpacked", "a part over 50 MiB",
                 "more than 200 times (over 1 MiB)", "1,000,000 cells", "more than 10,000 strings"):  # fmt: skip
        assert text in docs, text


def test_parts_at_the_limit_pass_and_one_more_is_refused():
    """500 parts pass; 501: 'has 501 parts (at most 500)'."""
    n = safety.MAX_ENTRIES - len(_CORE) - 1
    assert check_bytes(_package(count=n), SHOWN)
    assert _refused(_package(count=n + 1)) == f"{SHOWN}: has 501 parts (at most 500); refused as a possible zip bomb"


def test_total_size_at_the_limit_passes_and_one_byte_more_is_refused():
    """Declared sizes adding up to 100 MiB pass (each part within its own limits); one byte more is refused."""
    half = safety.MAX_TOTAL_UNCOMPRESSED // 2
    small = sum(len(d) for d in _CORE.values()) + len(_SHEET % b"")
    parts = {"xl/media/a.bin": (half, half), "xl/media/b.bin": (half - small, half)}
    assert check_bytes(_package(extra=parts), SHOWN)
    parts["xl/media/b.bin"] = (half - small + 1, half)
    assert _refused(_package(extra=parts)) == (
        f"{SHOWN}: unpacks to 104,857,601 bytes (at most 104,857,600); refused as a possible zip bomb"
    )


def test_a_part_at_the_limit_passes_and_one_byte_more_is_refused():
    """A part of 50 MiB passes; 50 MiB + 1 byte: 'unpacks to 52,428,801 bytes (at most 52,428,800)'."""
    size = safety.MAX_ENTRY_UNCOMPRESSED
    assert check_bytes(_package(extra={"xl/media/a.bin": (size, size)}), SHOWN)
    assert _refused(_package(extra={"xl/media/a.bin": (size + 1, size)})) == (
        f"{SHOWN}: part xl/media/a.bin unpacks to 52,428,801 bytes (at most 52,428,800); refused as a possible zip bomb"
    )


def test_a_ratio_at_the_limit_passes_and_one_byte_more_is_refused():
    """A 2 MiB part compressed exactly 200 times passes; one byte more is refused, with both sizes."""
    compressed = 10_486
    size = compressed * safety.MAX_RATIO  # 2,097,200 bytes: over the 1 MiB below which any ratio passes
    assert check_bytes(_package(extra={"xl/media/a.bin": (size, compressed)}), SHOWN)
    assert _refused(_package(extra={"xl/media/a.bin": (size + 1, compressed)})) == (
        f"{SHOWN}: part xl/media/a.bin unpacks 10,486 bytes to 2,097,201 (more than 200 times, over 1,048,576 "
        "bytes); refused as a possible zip bomb"
    )


def test_the_ratio_applies_from_1_mib_on():
    """A part of exactly 1 MiB may have any ratio; one byte more, compressed to 1 byte, is refused."""
    floor = 2**20
    assert check_bytes(_package(extra={"xl/media/a.bin": (floor, 1)}), SHOWN)
    assert "more than 200 times, over 1,048,576 bytes" in _refused(_package(extra={"xl/media/a.bin": (floor + 1, 1)}))


def test_cells_at_the_limit_pass_and_one_row_more_is_refused():
    """Cells spanning exactly 1,000,000 (A1:J100000) pass; A1:J100001 is refused with the area."""
    corner = b'<row r="1"><c r="A1"><v>1</v></c></row><row r="%d"><c r="J%d"><v>1</v></c></row>'
    assert check_bytes(_package(corner % (100_000, 100_000)), SHOWN)
    assert _refused(_package(corner % (100_001, 100_001))) == (
        f"{SHOWN}: part xl/worksheets/sheet1.xml has cells up to row 100,001 and column J (1,000,010 cells to "
        "read; at most 1,000,000); delete the cells far outside the dashboard and save again"
    )


def test_file_size_at_the_limit_is_read_and_one_byte_more_is_refused(tmp_path):
    """A file of exactly 20 MiB is read (then refused as no workbook); one byte more: 'too large', unread."""
    from piramide import read_workbook

    path = tmp_path / "groot.xlsx"
    path.write_bytes(bytes(safety.MAX_FILE_BYTES))
    with pytest.raises(WorkbookRefused, match="not an .xlsx workbook"):
        read_workbook(path)
    path.write_bytes(bytes(safety.MAX_FILE_BYTES + 1))
    with pytest.raises(WorkbookRefused) as caught:
        read_workbook(path)
    assert str(caught.value) == (
        f"{path}: too large for a dashboard (20,971,521 bytes, 20.0 MiB; the limit is 20,971,520 bytes, 20.0 MiB)"
    )


def test_shared_strings_declared_at_the_limit_pass_and_one_more_is_refused():
    """A table holding 2 strings may declare 10,002 (uniqueCount); 10,003 is refused, with both figures."""
    table = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' count="2" uniqueCount="%d"><si><t>ja</t></si><si><t>nee</t></si></sst>'
    )

    def package(declared: int) -> bytes:
        data = zipfile.ZipFile(io.BytesIO(_package()))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for name in data.namelist():
                z.writestr(name, data.read(name))
            z.writestr("xl/sharedStrings.xml", table % declared)
        return out.getvalue()

    assert check_bytes(package(10_002), SHOWN)
    assert _refused(package(10_003)) == (
        f"{SHOWN}: part xl/sharedStrings.xml declares 10,003 shared strings but holds 2 (at most 10,000 more may be "
        "declared); refused as damaged or crafted"
    )
