"""Refuse hostile or wrong files before any spreadsheet parser sees them.

A workbook arrives by e-mail; it may be anything. :func:`open_package`
reads the file once, read-only, into memory and checks the container
itself: size, zip structure, entry count, uncompressed size and
compression ratio (zip bombs), encryption, macros, links to other files,
embedded objects, and XML with document type or entity declarations
(billion laughs, external entities). Only then is it handed to the parser,
from memory: the file on disk is never opened for writing.
"""

from __future__ import annotations

import contextlib
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ._files import read_bounded
from .errors import WorkbookRefused

MAX_FILE_BYTES = 20 * 1024 * 1024
"""A filled-in dashboard is about 60 kB; 20 MB leaves room for pasted notes."""
MAX_ENTRIES = 500
MAX_TOTAL_UNCOMPRESSED = 100 * 1024 * 1024
MAX_ENTRY_UNCOMPRESSED = 50 * 1024 * 1024
MAX_RATIO = 200
"""Spreadsheet XML compresses about 5 to 30 times; bombs compress thousands of times."""
_RATIO_FLOOR = 1024 * 1024  # small entries may have any ratio
MAX_SHEET_CELLS = 1_000_000
"""A dashboard sheet spans some 15,000 cells. The parser fills the whole rectangle from the
first to the last cell with a value, so one cell typed at XFD1048576 would ask for
17 billion cells (the process aborts): such sheets are refused before parsing."""

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_MARKERS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))


@dataclass(frozen=True)
class Package:
    """A checked xlsx package, held in memory."""

    path: Path
    data: bytes
    names: tuple[str, ...]

    def stream(self) -> io.BytesIO:
        return io.BytesIO(self.data)


def open_package(path: Path, sheets: tuple[str, ...] | None = None) -> Package:
    """Read ``path`` (read-only) and check it is a safe, plain xlsx package.

    ``sheets`` names the worksheets that will be parsed: only those get the
    (costly) extent check; ``None`` checks every worksheet.
    """
    path = Path(path)
    data = read_bounded(path, "file", MAX_FILE_BYTES, WorkbookRefused, large="dashboard")
    return check_bytes(data, path, sheets)


def check_bytes(data: bytes, path: Path, sheets: tuple[str, ...] | None = None) -> Package:
    """The checks of :func:`open_package`, on bytes already read."""
    shown = str(path)
    if not data:
        raise WorkbookRefused(f"{shown}: is empty (0 bytes), not a workbook")
    if data.startswith(_OLE_MAGIC):
        if any(marker in data for marker in _ENCRYPTED_MARKERS):
            raise WorkbookRefused(
                f"{shown}: is password-encrypted; save it without a password to open (Bestand > Info > "
                "Werkmap beveiligen) and send it again"
            )
        raise WorkbookRefused(f"{shown}: is an old Excel 97-2003 file (.xls); only .xlsx dashboards can be read")
    if not data.startswith(_ZIP_MAGIC):
        if _looks_like_text(data):
            if Path(path).suffix.lower() == ".xlsx":
                raise WorkbookRefused(f"{shown}: is a text file (a CSV?) renamed to .xlsx, not a workbook")
            raise WorkbookRefused(f"{shown}: is a text file, not an .xlsx workbook")
        raise WorkbookRefused(f"{shown}: is not an .xlsx workbook (not a zip package)")
    try:
        archive = _Parts(data)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise WorkbookRefused(f"{shown}: is damaged or truncated ({exc}); ask for the file again") from exc
    if len(infos) > MAX_ENTRIES:
        raise WorkbookRefused(
            f"{shown}: has {len(infos)} parts (at most {MAX_ENTRIES}); refused as a possible zip bomb"
        )
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise WorkbookRefused(f"{shown}: has two parts with the same name; refused as damaged or crafted")
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise WorkbookRefused(
            f"{shown}: unpacks to {total:,} bytes (at most {MAX_TOTAL_UNCOMPRESSED:,}); refused as a possible zip bomb"
        )
    for info in infos:
        _check_entry(info, shown)
    lowered = [n.lower() for n in names]
    if "[content_types].xml" not in lowered or not any(n.startswith("xl/workbook.") for n in lowered):
        raise WorkbookRefused(f"{shown}: is a zip file but not an .xlsx workbook")
    if any(n.endswith("vbaproject.bin") or n.startswith("xl/macrosheets/") for n in lowered):
        raise WorkbookRefused(f"{shown}: contains macros (.xlsm); dashboards have none, so it is refused")
    if any(n.startswith("xl/externallinks/") for n in lowered):
        raise WorkbookRefused(f"{shown}: has links to other workbooks (external links); remove them and save again")
    if any(n.startswith(("xl/embeddings/", "xl/activex/")) or n == "xl/connections.xml" for n in lowered):
        raise WorkbookRefused(f"{shown}: contains embedded objects or data connections; dashboards have none")
    # Read whole: the parts that say which worksheets are parsed, then those worksheets (their extent is
    # checked). Of every other XML part only the prolog is read, where a document type must stand.
    xml = [i for i in infos if i.filename.lower().endswith((".xml", ".rels", ".vml"))]
    contents: dict[str, bytes] = {}
    for info in xml:
        if info.filename in _INDEX_PARTS:
            contents[info.filename] = _read_checked(archive, info, shown)
    if b"macroEnabled" in contents.get("[Content_Types].xml", b""):
        raise WorkbookRefused(f"{shown}: is a macro-enabled workbook (.xlsm); refused")
    parsed = _sheet_parts(contents, sheets, set(names))
    strings = _shared_strings_parts(names, contents)
    for info in xml:
        name = info.filename
        if name in contents:
            continue
        if name.lower().startswith("xl/worksheets/") and (parsed is None or name in parsed):
            _check_extent(_read_checked(archive, info, shown), name, shown)
        else:
            head = _check_prolog(archive, info, shown)
            if name in strings:
                _check_shared_strings(archive, info, head, shown)
    return Package(Path(path), data, tuple(names))


MAX_SHARED_STRINGS_SLACK = 10_000
"""How many more shared strings a part may declare (``uniqueCount``) than it holds: the parser reserves
memory for every declared one, so ``uniqueCount="4000000000"`` would ask for 96 GB and abort."""
_SST_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,40}:)?sst(?=[\s/>])([^>]*)>")
_UNIQUE_COUNT = re.compile(rb"""(?:^|\s)uniqueCount\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SI_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,40}:)?si(?=[\s/>])")
_SHARED_STRINGS_TYPE = b"/relationships/sharedStrings"


def _shared_strings_parts(names: list[str], contents: dict[str, bytes]) -> set[str]:
    """The shared string tables: by their usual name (as the parser finds them), and as the workbook's
    relationships say."""
    found = {name for name in names if name.lower().endswith("sharedstrings.xml")}
    rels = contents.get("xl/_rels/workbook.xml.rels", b"")
    if _SHARED_STRINGS_TYPE in rels:
        for tag in _REL_TAG.finditer(rels):
            attrs = {k.decode(): v.decode("utf-8", "replace") for k, v in _ATTR.findall(tag.group(1))}
            if attrs.get("Type", "").endswith("/sharedStrings"):
                target = attrs.get("Target", "")
                found.add(target.lstrip("/") if target.startswith("/") else "xl/" + target)
    return found


def _check_shared_strings(archive: _Parts, info: zipfile.ZipInfo, head: bytes, shown: str) -> None:
    """Refuse a shared string table that declares far more strings than it holds.

    The declaration (``uniqueCount``) stands in the root tag, right after the
    prolog already read; only a table that declares more than
    :data:`MAX_SHARED_STRINGS_SLACK` strings is read whole, to count them.
    """
    declared = _declared_strings(head, info.filename, shown)
    if declared is not None and declared <= MAX_SHARED_STRINGS_SLACK:
        return
    text = _as_utf8(_read_entry(archive, info, shown))
    declared = _declared_strings(text, info.filename, shown)
    present = len(_SI_TAG.findall(text))
    if declared is not None and declared > present + MAX_SHARED_STRINGS_SLACK:
        raise WorkbookRefused(
            f"{shown}: part {info.filename} declares {declared:,} shared strings but holds {present:,} (at most "
            f"{MAX_SHARED_STRINGS_SLACK:,} more may be declared); refused as damaged or crafted"
        )


def _declared_strings(content: bytes, name: str, shown: str) -> int | None:
    """The ``uniqueCount`` of the root ``<sst>`` tag; ``None`` when the tag is not (wholly) in ``content``."""
    tag = _SST_TAG.search(_as_utf8(content))
    if tag is None:
        return None
    for double, single in _UNIQUE_COUNT.findall(tag.group(1)):
        value = (double or single).strip()
        if not value.isdigit() or len(value) > 12:
            raise WorkbookRefused(
                f"{shown}: part {name} declares {value[:24].decode('ascii', 'replace')!r} shared strings; "
                "refused as damaged or crafted"
            )
        return int(value)
    return 0


def _as_utf8(content: bytes) -> bytes:
    """UTF-16 content (with or without a byte order mark) as UTF-8, so that the markup can be searched."""
    encoding = next((enc for bom, enc in _UTF16 if content.startswith(bom)), None)
    if encoding is None:
        return content
    return content[: len(content) - len(content) % 2].decode(encoding, errors="replace").encode("utf-8")


_INDEX_PARTS = ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels")
"""The parts that say which part is what (read whole, checked throughout)."""


def _read_checked(archive: _Parts, info: zipfile.ZipInfo, shown: str) -> bytes:
    content = _read_entry(archive, info, shown)
    _check_xml(content, info.filename, shown)
    return content


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_ATTR = re.compile(rb"""(?:^|\s)([\w:]+)\s*=\s*["']([^"']*)["']""")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")


def _sheet_parts(contents: dict[str, bytes], sheets: tuple[str, ...] | None, names: set[str]) -> set[str] | None:
    """The parts of the worksheets named ``sheets``, or ``None`` (check them all) when unsure.

    Found the way a parser does: ``xl/workbook.xml`` names each sheet with a
    relationship id, ``xl/_rels/workbook.xml.rels`` gives its part. Anything
    unexpected (a name given twice, a target outside xl/worksheets/) falls
    back to checking every worksheet.
    """
    if sheets is None:
        return None
    workbook, rels = contents.get("xl/workbook.xml"), contents.get("xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        return None
    targets = {}
    for tag in _REL_TAG.finditer(rels):
        attrs = {k.decode(): v.decode("utf-8", "replace") for k, v in _ATTR.findall(tag.group(1))}
        if "Id" in attrs and "Target" in attrs:
            targets[attrs["Id"]] = attrs["Target"]
    wanted = {name.encode("utf-8") for name in sheets}
    parts: set[str] = set()
    seen: set[bytes] = set()
    for tag in _SHEET_TAG.finditer(workbook):
        attrs = dict(_ATTR.findall(tag.group(1)))
        name = attrs.get(b"name")
        rid = next((v.decode() for k, v in attrs.items() if k.endswith(b":id")), None)
        if name is None or rid is None or name in seen:
            return None
        seen.add(name)
        if name in wanted:
            target = targets.get(rid, "")
            part = target.lstrip("/") if target.startswith("/") else "xl/" + target
            if not part.startswith("xl/worksheets/") or ".." in part or "\\" in part or part not in names:
                return None
            parts.add(part)
    return parts


def _check_entry(info: zipfile.ZipInfo, shown: str) -> None:
    if info.flag_bits & 0x1:
        raise WorkbookRefused(f"{shown}: has encrypted parts; refused")
    if info.file_size > MAX_ENTRY_UNCOMPRESSED:
        raise WorkbookRefused(
            f"{shown}: part {info.filename} unpacks to {info.file_size:,} bytes (at most {MAX_ENTRY_UNCOMPRESSED:,}); "
            "refused as a possible zip bomb"
        )
    if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise WorkbookRefused(
            f"{shown}: part {info.filename} unpacks {info.compress_size:,} bytes to {info.file_size:,} (more than "
            f"{MAX_RATIO} times, over {_RATIO_FLOOR:,} bytes); refused as a possible zip bomb"
        )


@contextlib.contextmanager
def _damaged_as_refused(info: zipfile.ZipInfo, shown: str) -> Iterator[None]:
    """Decompressing a part: any failure of the stream is a damaged (or crafted) file, refused in one line."""
    try:
        yield
    except WorkbookRefused:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise WorkbookRefused(f"{shown}: part {info.filename} is damaged ({exc}); ask for the file again") from exc
    except Exception as exc:  # zlib.error and friends from a crafted stream
        raise WorkbookRefused(
            f"{shown}: part {info.filename} is damaged ({type(exc).__name__}); ask for the file again"
        ) from exc


class _Parts:
    """The parts of a package held in memory, read the way :mod:`zipfile` reads them, only with less overhead.

    A stored or deflated part whose local header is sound is decompressed
    straight from the package's bytes; anything else (another compression
    method, a header that disagrees with the directory) goes through
    ``zipfile``, which raises what it raises. A whole part read straight is
    checked against its length and CRC, and read again through ``zipfile``
    when either is off, so that a damaged part is refused as before.
    """

    def __init__(self, data: bytes):
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))

    def infolist(self) -> list[zipfile.ZipInfo]:
        return self.zip.infolist()

    def open(self, info: zipfile.ZipInfo):
        start = self._start(info)
        if start is None:
            return self.zip.open(info)
        return _RawPart(self.data, start, info)

    def read(self, info: zipfile.ZipInfo, limit: int) -> bytes:
        """Up to ``limit`` bytes of the part, as ``zipfile`` gives them."""
        start = self._start(info)
        if start is not None and limit > info.file_size:
            content = _RawPart(self.data, start, info).read(limit)
            if len(content) == info.file_size and zlib.crc32(content) == info.CRC:
                return content
        with self.zip.open(info) as handle:  # unusual or damaged: zipfile reads it, or says what is wrong
            return handle.read(limit)

    def _start(self, info: zipfile.ZipInfo) -> int | None:
        """Where the part's data starts in the package, when it can be read straight; else ``None``."""
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
            return None
        offset = info.header_offset
        header = self.data[offset : offset + _LOCAL_HEADER.size]
        if len(header) != _LOCAL_HEADER.size or not header.startswith(b"PK\x03\x04"):
            return None
        name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
        start = offset + _LOCAL_HEADER.size
        encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
        try:
            name = info.orig_filename.encode(encoding)
        except UnicodeEncodeError:
            return None
        if self.data[start : start + name_length] != name:
            return None
        return start + name_length + extra_length


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
"""A zip local file header: signature, versions, flags, method, time, date, CRC, sizes, name and extra lengths."""


class _RawPart:
    """A file-like reader of one stored or deflated part, straight from the package's bytes."""

    def __init__(self, data: bytes, start: int, info: zipfile.ZipInfo):
        self._rest = memoryview(data)[start : start + info.compress_size]
        self._inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None

    def read(self, n: int) -> bytes:
        if self._inflate is None:
            chunk, self._rest = bytes(self._rest[:n]), self._rest[n:]
            return chunk
        chunk = self._inflate.decompress(self._rest, n)
        self._rest = self._inflate.unconsumed_tail
        return chunk

    def __enter__(self) -> _RawPart:
        return self

    def __exit__(self, *exc) -> None:
        self._rest = memoryview(b"")


def _read_entry(archive: _Parts, info: zipfile.ZipInfo, shown: str) -> bytes:
    """Decompress one part, never more than it declares (a lying header is a bomb)."""
    with _damaged_as_refused(info, shown):
        content = archive.read(info, info.file_size + 1)
    if len(content) > info.file_size:
        raise WorkbookRefused(f"{shown}: part {info.filename} is larger than it says; refused as crafted")
    return content


def _check_xml(content: bytes, name: str, shown: str) -> None:
    head = content
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = content.decode("utf-16", errors="replace").encode("utf-8")
    if _DOCTYPE.search(head):
        _refuse_doctype(name, shown)


_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)")


def _refuse_doctype(name: str, shown: str) -> None:
    raise WorkbookRefused(
        f"{shown}: part {name} declares a document type or entities (possible XML bomb or external entity); refused"
    )


PROLOG_CHUNK = 2048
"""Bytes decompressed at a time while looking for the end of a part's prolog (it is some 60 bytes)."""
MAX_PROLOG = 64 * 1024
"""Past this, a prolog (comments, processing instructions) is not looked at in chunks any more."""
_PROLOG = re.compile(r"(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)
_UTF16 = ((b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"), (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"))


def _check_prolog(archive: _Parts, info: zipfile.ZipInfo, shown: str) -> bytes:
    """Refuse a part whose prolog declares a document type, decompressing no more than the prolog.

    XML allows a document type (and so entity declarations) only in the
    prolog, before the first element; there it is what an XML bomb or an
    external entity needs. The part is decompressed a chunk at a time until
    its first element; a part that does not start as XML is read whole and
    checked throughout, as :func:`_check_xml` does. Returns what was read.
    """
    head = b""
    with _damaged_as_refused(info, shown), archive.open(info) as handle:
        while True:
            chunk = handle.read(PROLOG_CHUNK)
            head += chunk
            verdict = _prolog(head, done=not chunk)
            if verdict is None and len(head) > MAX_PROLOG:
                verdict = "whole"  # a prolog this long is no plain XML: check the part throughout
            if verdict is not None:
                break
    if verdict == "doctype":
        _refuse_doctype(info.filename, shown)
    elif verdict == "whole":
        return _read_checked(archive, info, shown)
    return head


def _prolog(head: bytes, done: bool) -> str | None:
    """What the start of a part shows: ``"element"`` (prolog over, no document type), ``"doctype"``,
    ``"whole"`` (not plainly XML: check it all), or ``None`` (read on)."""
    encoding = next((enc for bom, enc in _UTF16 if head.startswith(bom)), None)
    if encoding is not None:
        text = head[: len(head) - len(head) % 2].decode(encoding, errors="replace").lstrip("\ufeff")
    else:
        text = head.removeprefix(b"\xef\xbb\xbf").decode("latin-1")  # the markup is ASCII in any case
    rest = text[_PROLOG.match(text).end() :]
    if rest.startswith("<!--") or rest.startswith("<?") or rest in ("", "<", "<!", "<!-"):
        return ("element" if encoding or text.startswith("<") else "whole") if done else None  # unfinished
    if rest.startswith("<!"):
        return "doctype"  # a document type, or other markup that has no place in a prolog
    return "element" if rest.startswith("<") else "whole"


MAX_ROW, MAX_COL = 1_048_576, 16_384
"""The last cell a sheet can hold, XFD1048576 (Excel 2007 and later; LibreOffice holds no more)."""

# Cells as Excel, LibreOffice, XlsxWriter and openpyxl write them: ``<c r="B7" ...>``.
_FAST_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
# What follows "<c" in other elements whose name starts with c (col, cfRule, customSheetView, cellWatch, ...).
_NOT_CELLS = (b"o", b"f", b"u", b"e")
# One pass over a sheet that finds only the exceptions to plain writing near A1: each "<c" that does
# not start a cell within A1:Z9999 referenced plainly (no leading zero), with the byte after it ("" at
# the very end); each row whose r is not in double quotes (an empty match).
_PLAIN_EXCEPTIONS = re.compile(rb'<(?:c(?! r="[A-Z][1-9][0-9]{0,3}")(.?)|row r=(?!"))', re.DOTALL)
_NEAR = (9_999, 26)
"""Rows and columns that :data:`_PLAIN_EXCEPTIONS` lets by; a sheet within them cannot exceed MAX_SHEET_CELLS."""
# A "<c " that does not start a plainly referenced cell anywhere in A1:ZZZ9999999.
_NOT_FAST_CELL = re.compile(rb'<c (?!r="[A-Z]{1,3}[0-9]{1,7}")')
# An " r=" that is not a cell's or a row's first attribute (a second r in a cell, an r elsewhere), or an r
# followed by whitespace (" r =").
_LOOSE_R = re.compile(rb" r(?:=(?<!<c r=)(?<!<row r=)|\s)")
# Prefixed cells or rows (<x:c>, <x:row>): written otherwise. Tab, newline and carriage return before an r
# are looked for with a quick byte search.
_PREFIXED = re.compile(rb":(?:c|row)")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,40}:)?c(?=[\s/>])([^>]*)>")
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,40}:)?row(?=[\s/>])([^>]*)>")
_DIMENSION_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,40}:)?dimension(?=[\s/>])([^>]*)>")
# Every r (or ref) attribute, whatever its value: the value is then checked strictly.
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF_ATTR = re.compile(rb"""(?:^|\s)ref\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# A cell reference the parser reads: letters then digits (it also takes lower case).
_CELL_NAME = re.compile(rb"([A-Za-z]+)([0-9]+)")


def _check_extent(content: bytes, name: str, shown: str) -> None:
    """Refuse a sheet with a reference outside A1:XFD1048576, or whose cells span more than :data:`MAX_SHEET_CELLS`.

    The parser places every cell with a value by its reference (or, without
    one, after the previous cell or row) and fills the rectangle from the
    first to the last. Every reference it could use (each cell's and row's
    ``r``, the ``dimension``) must be one a sheet can hold: a column of at
    most three letters up to XFD, a row from 1 to 1,048,576. Plainly
    written sheets are checked with one quick scan; anything unusual (and
    any sheet over the limit) with an exact one that skips empty formatted
    cells (``<c .../>``, which the parser skips for the area) and places
    cells without a reference conservatively.
    """
    _check_dimension(content, name, shown)
    # Plain: every cell has its one reference first (see _plain_scan). The parser then places
    # every cell by its own reference: a row's number matters only to cells without one.
    plain = _plain_scan(content)
    if plain == "near":
        return  # every cell within A1:Z9999 (see _NEAR)
    if plain == "far":
        box = _box(_FAST_CELL.findall(content))
        inside = box is None or (box[0] >= 1 and box[1] <= MAX_ROW and box[3] <= MAX_COL)
        if inside and (box is None or _area(box) <= MAX_SHEET_CELLS):
            return  # else the exact scan names the reference outside, or the area
    box = _exact_box(content, name, shown)
    if box is None:
        return
    area = _area(box)
    if area > MAX_SHEET_CELLS:
        raise WorkbookRefused(
            f"{shown}: part {name} has cells up to row {box[1]:,} and column {_col_letters(box[3])} "
            f"({area:,} cells to read; at most "
            f"{MAX_SHEET_CELLS:,}); delete the cells far outside the dashboard and save again"
        )


def _beyond(value: bytes, what: str, name: str, shown: str) -> None:
    text = value[:24].decode("ascii", "replace")
    text = "".join(ch if ch.isprintable() and ch.isascii() else "?" for ch in text) + ("..." if len(value) > 24 else "")
    raise WorkbookRefused(
        f"{shown}: part {name} has {what} {text!r} outside A1:XFD1048576, the cells a sheet can hold; "
        "refused as damaged or crafted"
    )


def _position(value: bytes) -> tuple[int, int] | None:
    """(row, column), 1-based, of a cell reference within XFD1048576; ``None`` for anything else."""
    match = _CELL_NAME.fullmatch(value)
    if match is None or len(match.group(1)) > 3 or len(match.group(2)) > 7:
        return None
    row, col = int(match.group(2)), _col_number(match.group(1))
    return (row, col) if 0 < row <= MAX_ROW and col <= MAX_COL else None


def _cell_position(value: bytes, name: str, shown: str) -> tuple[int, int]:
    position = _position(value)
    if position is None:
        _beyond(value, "a cell reference", name, shown)
    return position


def _row_number(value: bytes, name: str, shown: str) -> int:
    if not value.isdigit() or len(value) > 7 or not 0 < int(value) <= MAX_ROW:
        _beyond(value, "a row number", name, shown)
    return int(value)


def _check_dimension(content: bytes, name: str, shown: str) -> None:
    """The ``<dimension ref="A1:P114"/>`` a sheet declares: one or two corners within XFD1048576."""
    at = content.find(b"dimension")
    while at >= 0:  # quicker than a regular expression over the whole sheet
        tag = _DIMENSION_TAG.match(content, max(content.rfind(b"<", 0, at), 0))
        at = content.find(b"dimension", at + 1)
        if tag is None:
            continue
        for double, single in _REF_ATTR.findall(tag.group(1)):
            value = double or single
            corners = value.replace(b"$", b"").split(b":")
            if len(corners) > 2 or any(_position(corner) is None for corner in corners):
                _beyond(value, "a dimension", name, shown)


def _plain_scan(content: bytes) -> str | None:
    """``"near"`` for a plainly written sheet whose cells all lie within A1:Z9999, ``"far"`` for one with
    a cell beyond, ``None`` when not plainly written.

    Plainly written: every cell is written ``<c r="B7"`` (:data:`_FAST_CELL`),
    with that one reference. Every ``<c`` is such a cell or another element
    (:data:`_NOT_CELLS`); every `` r=`` is a cell's or a row's first
    attribute, quoted with ``"``; and no reference is written otherwise (a
    prefix, other whitespace around an ``r``). Each test is a search that
    finds only the exceptions, so that a plain sheet costs a few passes in C
    and no object per cell.
    """
    far = False
    for after_c in _PLAIN_EXCEPTIONS.findall(content):
        if after_c == b" ":
            far = True  # a cell beyond Z9999, or not plainly referenced: looked at below
        elif after_c not in _NOT_CELLS:
            return None  # a "<c" that is no cell nor other element ("<c>", "<c\t"), or an unquoted row r
    if _LOOSE_R.search(content) or _PREFIXED.search(content) or _space_then_r(content):
        return None
    if far:
        return None if _NOT_FAST_CELL.search(content) else "far"
    return "near"


def _space_then_r(content: bytes) -> bool:
    """Whether a tab, newline or carriage return is followed by an ``r`` (an attribute after other spacing).

    Sheets hold few of these bytes (a newline after the XML declaration):
    each is looked at, up to a handful, before one search for the pair.
    """
    for space in (b"\t", b"\r", b"\n"):
        at = content.find(space)
        for _ in range(16):
            if at < 0:
                break
            if content[at + 1 : at + 2] == b"r":
                return True
            at = content.find(space, at + 1)
        else:
            if space + b"r" in content:
                return True
    return False


def _box(refs: list[tuple[bytes, bytes]]) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of cell references, 1-based."""
    if not refs:
        return None
    cols, rows = zip(*refs)
    numbers = [int(r) for r in set(rows)]  # a sheet has many cells but few rows and columns
    letters = [_col_number(c) for c in set(cols)]
    return min(numbers), max(numbers), min(letters), max(letters)


def _area(box: tuple[int, int, int, int]) -> int:
    top, bottom, left, right = box
    return (bottom - top + 1) * (right - left + 1)


def _exact_box(content: bytes, name: str, shown: str) -> tuple[int, int, int, int] | None:
    cells: list[tuple[int, int]] = []
    loose = 0
    for match in _CELL_TAG.finditer(content):
        attrs = match.group(1)
        found = [_cell_position(a or b, name, shown) for a, b in _R_ATTR.findall(attrs)]  # every r, should there be two
        if attrs.endswith(b"/"):
            continue  # an empty cell: the parser skips it
        if found:
            cells.extend(found)
        else:
            loose += 1
    rows = [
        _row_number(a or b, name, shown) for tag in _ROW_TAG.finditer(content) for a, b in _R_ATTR.findall(tag.group(1))
    ]
    box = (
        (min(r for r, _ in cells), max(r for r, _ in cells), min(c for _, c in cells), max(c for _, c in cells))
        if cells
        else None
    )
    if not loose:
        return box
    # Cells without a (readable) reference follow the previous cell or row: assume the worst.
    top, bottom, left, right = box or (1, 1, 1, 1)
    bottom = max([bottom, *rows]) + content.count(b"row") + 1
    return 1, bottom, 1, right + loose


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _col_letters(n: int) -> str:
    letters = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters or "A"


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        try:
            sample.decode("cp1252")
        except UnicodeDecodeError:
            return False
    return True
