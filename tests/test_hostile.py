"""Hostile and wrong files: refused with one clear line, quickly, in bounded memory, never changed (issue 4).

The corpus is generated here, into a temporary folder: nothing hostile is
kept in the repository. Each file goes through ``read_workbook`` (which must
raise :class:`WorkbookRefused`, an ``InputError``), ``piramide read`` and
``piramide check`` (exit 2, one line, no traceback). A fuzz test mutates a
valid dashboard, as bytes and inside its XML parts, and asserts the reader
only ever returns a reading or refuses cleanly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import random
import re
import struct
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from wb import random_grid, rezip, set_cell_xml, sheet_parts, zip_parts

from piramide import InputError, WorkbookReading, WorkbookRefused, load_set, read_workbook, reference_set
from piramide import layout as L
from piramide.writer import SlotContent, WorkbookSpec, workbook_bytes

SECONDS = 5.0
MEGABYTES = 50


def _dashboard() -> bytes:
    s = reference_set()
    content = [SlotContent(answers=random_grid(s, seed=k), date=dt.date(2024 + k, 3, 1)) for k in range(2)]
    return workbook_bytes(WorkbookSpec(s, "Veiligstad", regio="Zuid", content=tuple(content)))


def _with(base: bytes, extra: dict[str, bytes]) -> bytes:
    """The dashboard with parts added or replaced."""
    parts = zip_parts(base)
    parts.update(extra)
    return rezip(parts)


_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_MACRO_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def _macro_enabled(base: bytes) -> dict[str, bytes]:
    """The dashboard's parts with the workbook declared macro-enabled (as Excel saves an .xlsm)."""
    parts = zip_parts(base)
    assert _MAIN in parts["[Content_Types].xml"]
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(_MAIN, _MACRO_MAIN)
    return parts


def _xlsm(base: bytes) -> bytes:
    """A real dashboard saved as .xlsm: a VBA project and the macro-enabled content type."""
    parts = _macro_enabled(base)
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
    )
    parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b'Attribute VB_Name = "Module1"\x00' * 20
    return rezip(parts)


def _macro_content_type_only(base: bytes) -> bytes:
    return rezip(_macro_enabled(base))


_EXTERNAL_LINK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<externalBook r:id="rId1"><sheetNames><sheetName val="Blad1"/></sheetNames></externalBook></externalLink>'
)
_EXTERNAL_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
    b'Target="file:///\\\\server\\share\\andere.xlsx" TargetMode="External"/></Relationships>'
)


def _zip_bomb(base: bytes, size_mb: int, name: str, level: int) -> bytes:
    """The dashboard plus one part of ``size_mb`` MB of zeros, compressed while streaming (memory-light)."""
    parts = zip_parts(base)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for part, data in parts.items():
            z.writestr(part, data)
        chunk = bytes(1 << 20)
        with z.open(name, "w") as handle:
            for _ in range(size_mb):
                handle.write(chunk)
    return out.getvalue()


def _many_entries(base: bytes, count: int = 2000) -> bytes:
    parts = zip_parts(base)
    parts.update({f"xl/media/image{n}.png": b"\x89PNG" for n in range(count)})
    return rezip(parts)


def _lying_header(base: bytes) -> bytes:
    """A sheet whose zip headers claim its first few kB (with a matching CRC) while the stream holds 7 MB."""
    parts = zip_parts(base)
    name = sheet_parts(parts)[L.QUESTIONS]
    real = parts[name]
    head, tail = real.split(b"</sheetData>", 1)
    row = b'<row r="%d"><c r="F%d" t="inlineStr"><is><t>ja</t></is></c></row>'
    rows = b"".join(row % (r, r) for r in range(200, 100_000))
    big = head + rows + b"</sheetData>" + tail
    declared = len(real)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for part, data in parts.items():
            z.writestr(part, big if part == name else data)
    data = bytearray(out.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name)
    crc = zlib.crc32(big[:declared])
    offset = info.header_offset
    assert data[offset : offset + 4] == b"PK\x03\x04"
    struct.pack_into("<LLL", data, offset + 14, crc, info.compress_size, declared)  # local header
    encoded = name.encode()
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:  # the central directory entry
        length = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + length] == encoded:
            struct.pack_into("<LLL", data, pos + 16, crc, info.compress_size, declared)
        pos += 4
    lied = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name)
    assert lied.file_size == declared < len(big)
    return bytes(data)


def _encrypted_part(base: bytes) -> bytes:
    """A zip whose sheet part is flagged as encrypted (traditional PKWARE encryption)."""
    data = bytearray(base)
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = 0
        while (pos := data.find(sig, pos)) >= 0:
            flags = struct.unpack_from("<H", data, pos + flag_at)[0]
            struct.pack_into("<H", data, pos + flag_at, flags | 0x1)
            pos += 4
    return bytes(data)


_BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE sst [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&lol9;</t></si></sst>"""


def _external_entity(base: bytes) -> bytes:
    parts = zip_parts(base)
    name = sheet_parts(parts)[L.QUESTIONS]
    xml = parts[name]
    declaration, rest = xml.split(b"?>", 1)
    doctype = b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    row = b'<row r="200"><c r="F200" t="inlineStr"><is><t>&x;</t></is></c></row>'
    rest = rest.replace(b"</sheetData>", row + b"</sheetData>", 1)
    parts[name] = declaration + b"?>" + doctype + rest
    return rezip(parts)


def _utf16_entity(base: bytes) -> bytes:
    """The same trick in a part encoded as UTF-16 (with a byte order mark)."""
    parts = zip_parts(base)
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]>' + parts["docProps/app.xml"].decode(
        "utf-8"
    ).split("?>", 1)[1]
    parts["docProps/app.xml"] = text.encode("utf-16")
    return rezip(parts)


def _metadata_cell(base: bytes, key: str, text: str) -> bytes:
    parts = zip_parts(base)
    set_cell_xml(parts, L.METADATA, L.cell(L.metadata_row(key), 1), text)
    return rezip(parts)


def _not_piramide_openpyxl() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Gemeenten"
    ws.append(["gemeente", "fase"])
    ws.append(["Utrecht", 2])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _not_piramide_with_a_metadata_sheet() -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet("Metadata")
    ws.write_string(0, 0, "layout_version")
    ws.write_string(0, 1, "1")
    wb.add_worksheet("Vragenlijst")
    wb.close()
    return out.getvalue()


def _far_cell(base: bytes) -> bytes:
    """One answer typed at the very last cell of Vragenlijst (XFD1048576): 17 billion cells to a parser."""
    parts = zip_parts(base)
    name = sheet_parts(parts)[L.QUESTIONS]
    row = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>ja</t></is></c></row>'
    parts[name] = parts[name].replace(b"</sheetData>", row + b"</sheetData>", 1)
    return rezip(parts)


def _far_cell_hidden(base: bytes) -> bytes:
    """A crafted variant: the far reference hidden behind a harmless one (a second r attribute)."""
    parts = zip_parts(base)
    name = sheet_parts(parts)[L.METADATA]
    parts[name] = parts[name].replace(b'<c r="A1" ', b'<c r="A1"\tr="XFD1048576" ', 1)
    return rezip(parts)


def _row_added(sheet: str, number: str, ref: str | None) -> Callable[[bytes], bytes]:
    """The dashboard with a row ``number`` added to ``sheet``, one answer in it at ``ref`` (``None``: no reference)."""

    def build(base: bytes) -> bytes:
        parts = zip_parts(base)
        name = sheet_parts(parts)[sheet]
        r = f' r="{ref}"' if ref is not None else ""
        row = f'<row r="{number}"><c{r} t="inlineStr"><is><t>ja</t></is></c></row>'.encode()
        parts[name] = parts[name].replace(b"</sheetData>", row + b"</sheetData>", 1)
        return rezip(parts)

    return build


def _answer_at(sheet: str, ref: str, row: str | None = None) -> Callable[[bytes], bytes]:
    """One answer typed at ``ref`` (in its own row ``row``, default: ref's digits)."""
    return _row_added(sheet, row if row is not None else re.sub(r"^\$?[A-Za-z]+\$?", "", ref), ref)


def _row_without_refs(sheet: str, number: str) -> Callable[[bytes], bytes]:
    """A row numbered ``number`` whose cell has no reference (the parser places it by the row)."""
    return _row_added(sheet, number, None)


def _dimension(sheet: str, ref: str) -> Callable[[bytes], bytes]:
    def build(base: bytes) -> bytes:
        parts = zip_parts(base)
        name = sheet_parts(parts)[sheet]
        xml, n = re.subn(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), parts[name], count=1)
        assert n == 1
        parts[name] = xml
        return rezip(parts)

    return build


def _unique_count(base: bytes, value: str) -> bytes:
    """The shared string table declaring ``value`` strings (the parser reserves memory for each: 96 GB for 4e9)."""
    parts = zip_parts(base)
    xml, n = re.subn(rb'uniqueCount="\d+"', f'uniqueCount="{value}"'.encode(), parts["xl/sharedStrings.xml"], count=1)
    assert n == 1
    parts["xl/sharedStrings.xml"] = xml
    return rezip(parts)


def _ole(*markers: str) -> bytes:
    body = b"".join(m.encode("utf-16-le") + b"\x00" * 64 for m in markers)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + body + bytes(range(256)) * 8


# name -> (file name, build(base) -> bytes, a fragment of the refusal)
CORPUS: dict[str, tuple[str, Callable[[bytes], bytes], str]] = {
    "random-bytes": ("ruis.xlsx", lambda b: random.Random(4).randbytes(30_000), "not an .xlsx workbook"),
    "empty": ("leeg.xlsx", lambda b: b"", "is empty"),
    "truncated-50": ("half.xlsx", lambda b: b[: len(b) // 2], "damaged or truncated"),
    "truncated-95": ("bijna.xlsx", lambda b: b[: len(b) * 95 // 100], "damaged or truncated"),
    "encrypted": ("geheim.xlsx", lambda b: _ole("EncryptionInfo", "EncryptedPackage"), "password-encrypted"),
    "xls": ("oud.xls", lambda b: _ole("Workbook", "SummaryInformation"), "Excel 97-2003"),
    "xls-renamed": ("oud.xlsx", lambda b: _ole("Workbook"), "Excel 97-2003"),
    "xlsm": ("macro.xlsm", _xlsm, "macros"),
    "macro-content-type": ("macro.xlsx", _macro_content_type_only, "macro-enabled"),
    "external-links": (
        "links.xlsx",
        lambda b: _with(b, {
            "xl/externalLinks/externalLink1.xml": _EXTERNAL_LINK,
            "xl/externalLinks/_rels/externalLink1.xml.rels": _EXTERNAL_RELS,
        }),
        "external links",
    ),  # fmt: skip
    "embedded-object": (
        "ole.xlsx", lambda b: _with(b, {"xl/embeddings/oleObject1.bin": _ole("Ole10Native")}), "embedded"
    ),
    "zip-bomb-200mb": ("bom.xlsx", lambda b: _zip_bomb(b, 200, "xl/worksheets/sheet99.xml", 1), "zip bomb"),
    "zip-bomb-ratio": ("verhouding.xlsx", lambda b: _zip_bomb(b, 40, "xl/media/image1.png", 9), "zip bomb"),
    "zip-bomb-entries": ("delen.xlsx", _many_entries, "zip bomb"),
    "zip-lying-header": ("leugen.xlsx", _lying_header, "cannot be read"),
    "zip-encrypted-part": ("versleuteld.xlsx", _encrypted_part, "encrypted parts"),
    "billion-laughs": ("lach.xlsx", lambda b: _with(b, {"xl/sharedStrings.xml": _BILLION_LAUGHS}), "entities"),
    "external-entity": ("passwd.xlsx", _external_entity, "entities"),
    "utf16-entity": ("utf16.xlsx", _utf16_entity, "entities"),
    "csv-renamed": ("gemeenten.xlsx", lambda b: "gemeente;fase\nUtrecht;2\nZeist;1\n".encode(), "CSV"),
    "not-piramide": ("ander.xlsx", lambda b: _not_piramide_openpyxl(), "not a Piramide dashboard"),
    "not-piramide-metadata": (
        "metadata.xlsx", lambda b: _not_piramide_with_a_metadata_sheet(), "not a Piramide dashboard"
    ),
    "layout-99": ("nieuw.xlsx", lambda b: _metadata_cell(b, "layout_version", "99"), "newer piramide"),
    "layout-garbage": ("lay.xlsx", lambda b: _metadata_cell(b, "layout_version", "een"), "damaged"),
    "set-json-damaged": ("set.xlsx", lambda b: _metadata_cell(b, "set_json", '{"format": "kapot'), "damaged"),
    "slots-damaged": ("slots.xlsx", lambda b: _metadata_cell(b, "slots", "999"), "damaged"),
    "far-cell": ("ver.xlsx", _far_cell, "cells up to row"),
    "far-cell-hidden": ("verstopt.xlsx", _far_cell_hidden, "cells up to row"),
    "column-6-letters": ("kolom.xlsx", _row_added(L.QUESTIONS, "200", "AAAAAA200"), "outside A1:XFD1048576"),
    "row-14-digits": ("rij.xlsx", _row_added(L.QUESTIONS, "200", "F99999999999999"), "outside A1:XFD1048576"),
    "dimension-beyond": ("dim.xlsx", _dimension(L.METADATA, "A1:XFE1048577"), "outside A1:XFD1048576"),
    "shared-strings-declared": ("strings.xlsx", lambda b: _unique_count(b, "4000000000"), "declares 4,000,000,000"),
    "too-large": ("groot.xlsx", lambda b: b + bytes(21 * 1024 * 1024), "too large"),
}
BOMBS = {
    "zip-bomb-200mb", "zip-bomb-ratio", "zip-bomb-entries", "zip-lying-header", "billion-laughs",
    "far-cell", "far-cell-hidden", "column-6-letters", "row-14-digits", "shared-strings-declared",
}  # fmt: skip


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, tuple[Path, str, str]]:
    """Every hostile file, written once: name -> (path, sha256 of its bytes, refusal fragment)."""
    folder = tmp_path_factory.mktemp("hostile")
    base = _dashboard()
    out = {}
    for name, (file_name, build, fragment) in CORPUS.items():
        path = folder / name / file_name
        path.parent.mkdir()
        data = build(base)
        path.write_bytes(data)
        out[name] = (path, hashlib.sha256(data).hexdigest(), fragment)
    return out


def _unchanged(path: Path, digest: str) -> bool:
    return hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_the_valid_dashboard_behind_the_corpus_reads_cleanly(tmp_path):
    """Control: the dashboard the hostile files are made from is read without any issue."""
    path = tmp_path / "goed.xlsx"
    path.write_bytes(_dashboard())
    reading = read_workbook(path)
    assert reading.issues == [] and len(reading.measurements) == 2


@pytest.mark.parametrize("name", list(CORPUS))
def test_read_workbook_refuses_with_one_clear_line(corpus, name):
    """WorkbookRefused (an InputError) naming the file, on one line, within seconds and bounded memory."""
    path, digest, fragment = corpus[name]
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(WorkbookRefused) as caught:
            read_workbook(path)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert isinstance(caught.value, InputError)
    assert message.startswith(str(path)) and "\n" not in message and len(message) < 400, message
    assert fragment in message, message
    assert "Traceback" not in message
    assert elapsed < SECONDS, f"{name}: {elapsed:.1f} s"
    assert peak < MEGABYTES * 1024 * 1024, f"{name}: {peak / 1e6:.0f} MB"
    assert _unchanged(path, digest)


@pytest.mark.parametrize("name", list(CORPUS))
def test_cli_read_exits_2_with_one_line_on_stderr(cli, corpus, name):
    """`piramide read FILE`: exit 2, exactly one line on stderr ('piramide: error: ...'), nothing else."""
    path, digest, fragment = corpus[name]
    started = time.perf_counter()
    result = cli("read", path)
    assert time.perf_counter() - started < SECONDS
    assert result.code == 2, result
    assert result.out == ""
    (line,) = result.err.splitlines()
    assert line.startswith(f"piramide: error: {path}") and fragment in line
    assert "Traceback" not in result.err
    assert _unchanged(path, digest)


@pytest.mark.parametrize("name", list(CORPUS))
def test_cli_check_exits_2_and_marks_the_file_refused(cli, corpus, name):
    """`piramide check FILE`: exit 2, one '[refused]' line for the file, the summary on stderr."""
    path, digest, _ = corpus[name]
    result = cli("check", path)
    assert result.code == 2, result
    (line,) = result.out.splitlines()
    assert line.startswith(str(path)) and line.endswith("[refused]")
    assert result.err.splitlines() == ["1 workbook: 0 without errors, 0 with errors, 1 refused"]
    assert "Traceback" not in result.out + result.err
    assert _unchanged(path, digest)


_RSS_PROBE = """
import json, resource, sys
from piramide import read_workbook, WorkbookRefused
read_workbook(sys.argv[1])  # a valid dashboard first: the parser's own memory is in the baseline
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
refused = 0
for path in sys.argv[2:]:
    try:
        read_workbook(path)
    except WorkbookRefused:
        refused += 1
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"base_kb": base, "peak_kb": peak, "refused": refused}))
"""


def test_bombs_stay_within_bounded_memory_outside_python_too(corpus, tmp_path):
    """tracemalloc sees only Python's memory; the parser is native. A fresh process reading every bomb
    grows its peak resident memory by less than 50 MB (it would abort or take gigabytes otherwise)."""
    import subprocess
    import sys

    good = tmp_path / "goed.xlsx"
    good.write_bytes(_dashboard())
    bombs = [str(corpus[name][0]) for name in sorted(BOMBS)]
    args = [sys.executable, "-c", _RSS_PROBE, str(good), *bombs]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    probe = json.loads(done.stdout)
    assert probe["refused"] == len(bombs)
    assert probe["peak_kb"] - probe["base_kb"] < MEGABYTES * 1024, probe


def test_cli_read_json_refuses_too(cli, corpus):
    """`--json` does not change a refusal: exit 2, nothing on stdout."""
    path, _, _ = corpus["billion-laughs"]
    result = cli("read", "--json", path)
    assert result.code == 2 and result.out == ""
    assert len(result.err.splitlines()) == 1


def test_check_of_the_whole_corpus_refuses_every_file_once(cli, corpus):
    """`piramide check` on the corpus folder: every .xlsx refused (one line each), exit 2, no traceback."""
    folder = next(iter(corpus.values()))[0].parent.parent
    result = cli("check", folder)
    assert result.code == 2
    xlsx = [path for path, _, _ in corpus.values() if path.suffix == ".xlsx"]
    refused = [line for line in result.out.splitlines() if line.endswith("[refused]")]
    assert len(refused) == len(xlsx) == len(result.out.splitlines())
    assert "Traceback" not in result.out + result.err


def test_a_folder_named_like_a_workbook_is_refused(cli, tmp_path):
    """`piramide read map.xlsx/` where that is a folder: exit 2, one line."""
    folder = tmp_path / "map.xlsx"
    folder.mkdir()
    with pytest.raises(WorkbookRefused, match="is a folder"):
        read_workbook(folder)
    result = cli("read", folder)
    assert result.code == 2 and len(result.err.splitlines()) == 1


def test_a_missing_file_is_refused(cli, tmp_path):
    """A path that does not exist: exit 2, 'no such file'."""
    result = cli("read", tmp_path / "weg.xlsx")
    assert result.code == 2
    assert result.err.startswith("piramide: error:") and "no such file" in result.err


# --- fuzzing: mutated dashboards never crash the reader ----------------------------------


@pytest.fixture(scope="module")
def fuzz_base(tmp_path_factory) -> tuple[bytes, dict[str, bytes], Path]:
    """A small filled dashboard (small set, two slots) as bytes and parts, and a folder to write to."""
    from helpers import set_yaml, write_set

    folder = tmp_path_factory.mktemp("fuzz")
    s = load_set(write_set(folder, set_yaml(per_phase=(2, 1))))
    content = (
        SlotContent(answers={i.id: "ja" for i in s.indicators}, date=dt.date(2025, 3, 1), ingevuld_door="A"),
        SlotContent(answers={s.indicators[0].id: "nee"}, notes={s.indicators[0].id: "zie besluit"}),
    )
    data = workbook_bytes(WorkbookSpec(s, "Fuzzdorp", slots=2, content=content))
    return data, zip_parts(data), folder


def _outcome(data: bytes, folder: Path) -> str:
    """Read the mutated file: a reading or a one-line refusal, within :data:`SECONDS` (a hang fails too)."""
    path = folder / "fuzz.xlsx"
    path.write_bytes(data)
    started = time.perf_counter()
    try:
        reading = read_workbook(path)
    except WorkbookRefused as exc:
        message = str(exc)
        assert message and "\n" not in message
        assert time.perf_counter() - started < SECONDS
        return "refused"
    assert time.perf_counter() - started < SECONDS
    assert isinstance(reading, WorkbookReading)
    json.dumps(reading.model_dump(mode="json"))  # whatever was read still fits the contract
    return "errors" if reading.errors else "read"


def _mutate(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for kind, where, payload in ops:
        if not buf:
            buf = bytearray(payload)
            continue
        at = int(where * (len(buf) - 1))
        if kind == "flip":
            buf[at] ^= payload[0] or 0x01
        elif kind == "overwrite":
            buf[at : at + len(payload)] = payload
        elif kind == "insert":
            buf[at:at] = payload
        else:  # delete
            del buf[at : at + len(payload)]
    return bytes(buf)


_OPS = st.lists(
    st.tuples(
        st.sampled_from(["flip", "overwrite", "insert", "delete"]),
        st.floats(min_value=0, max_value=1, allow_nan=False),
        st.binary(min_size=1, max_size=8),
    ),
    min_size=1,
    max_size=4,
)
_FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_FUZZ
@given(ops=_OPS)
def test_mutated_bytes_are_read_or_refused_never_a_crash(fuzz_base, ops):
    """Bytes flipped, overwritten, inserted or deleted anywhere in the file: a reading or a clean refusal."""
    data, _, folder = fuzz_base
    event(_outcome(_mutate(data, ops), folder))


_XML_NAMES = sorted(
    ["[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/workbook.xml", "xl/sharedStrings.xml",
     "xl/styles.xml"] + [f"xl/worksheets/sheet{n}.xml" for n in range(1, 7)]
)  # fmt: skip
_NUMBERS = [b"0", b"-1", b"99", b"1048576", b"1048577", b"4294967296", b"4294967297", b"99999999999999", b"1e308"]
_REF = st.one_of(
    st.from_regex(r"\A[A-Z]{1,3}[0-9]{1,7}\Z"),
    st.from_regex(r"\A[A-Za-z]{1,7}[0-9]{1,15}\Z"),  # beyond XFD1048576 too: more letters, more digits
    st.sampled_from(  # the far corners and one step beyond, found more often
        ["XFD1048576", "AAA100000", "A1048576", "XFD1", "XFE1", "A1048577", "AAAAAA1", "F99999999999999", "A0"]
    ),
)
_DIMENSIONS = ["A1", "A1:XFD1048576", "A1:XFE1", "A1:A1048577", "A1:AAAAAA1", "A0:B2", "$A$1:$P$114", "A1:B2:C3", ""]


@_FUZZ
@given(
    name=st.sampled_from(_XML_NAMES + 2 * [f"xl/worksheets/sheet{n}.xml" for n in (2, 4, 6)]),  # the sheets read
    ops=_OPS | st.just([]),
    refs=st.lists(st.tuples(st.integers(min_value=0), _REF), max_size=2),
    numbers=st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(_NUMBERS)), max_size=2),
    rows=st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(_NUMBERS)), max_size=2),
    dimension=st.none() | st.sampled_from(_DIMENSIONS),
)
def test_mutated_xml_parts_are_read_or_refused_never_a_crash(fuzz_base, name, ops, refs, numbers, rows, dimension):
    """Bytes, cell references, row numbers, dimensions and numbers changed inside one XML part (re-zipped)."""
    _, parts, folder = fuzz_base
    parts = dict(parts)
    xml = parts[name]
    if dimension is not None:
        xml = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + dimension.encode() + b'"', xml, count=1)
    for index, number in rows:  # a row renumbered, possibly beyond the last row
        found = list(re.finditer(rb'<row r="([0-9]+)"', xml))
        if found:
            m = found[index % len(found)]
            xml = xml[: m.start(1)] + number + xml[m.end(1) :]
    for index, ref in refs:  # move a cell somewhere else, possibly very far
        found = list(re.finditer(rb'<c r="([A-Z]+[0-9]+)"', xml))
        if found:
            m = found[index % len(found)]
            xml = xml[: m.start(1)] + ref.encode() + xml[m.end(1) :]
    for index, number in numbers:  # a number in an attribute or a value replaced
        found = list(re.finditer(rb"(?<=[\">])[0-9]+(?=[\"<])", xml))
        if found:
            m = found[index % len(found)]
            xml = xml[: m.start()] + number + xml[m.end() :]
    parts[name] = _mutate(xml, ops)
    event(_outcome(rezip(parts), folder))


def test_the_fuzz_base_reads_cleanly(fuzz_base):
    """Control: the unmutated fuzz dashboard reads without issues (so mutations are what the fuzz tests)."""
    data, parts, folder = fuzz_base
    assert _outcome(data, folder) == "read"
    assert _outcome(rezip(parts), folder) == "read"
    assert set(_XML_NAMES) <= set(parts)


# --- references and sizes at and beyond what a sheet can hold (issue 9) -------------------------


_OUTSIDE = "outside A1:XFD1048576"
# name -> (build, fragment): each a reference a sheet cannot hold, in each sheet that is parsed.
BEYOND: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "column-XFE": (_answer_at(L.QUESTIONS, "XFE200"), "'XFE200' " + _OUTSIDE),
    "column-4-letters": (_answer_at(L.QUESTIONS, "AAAA200"), "'AAAA200' " + _OUTSIDE),
    "column-6-letters": (_answer_at(L.QUESTIONS, "AAAAAA200"), "'AAAAAA200' " + _OUTSIDE),  # 79 GB to the parser
    "column-lower-case": (_answer_at(L.QUESTIONS, "xfe200"), "'xfe200' " + _OUTSIDE),
    "row-1048577": (_answer_at(L.QUESTIONS, "F1048577"), "'F1048577' " + _OUTSIDE),
    "row-8-digits": (_answer_at(L.QUESTIONS, "F10000000", row="200"), "'F10000000' " + _OUTSIDE),
    "row-14-digits": (_answer_at(L.QUESTIONS, "F99999999999999", row="200"), "'F99999999999999' " + _OUTSIDE),
    "row-2-to-the-32": (_answer_at(L.QUESTIONS, "F4294967297", row="200"), "'F4294967297' " + _OUTSIDE),
    "row-0": (_answer_at(L.QUESTIONS, "F0", row="200"), "'F0' " + _OUTSIDE),
    "absolute-reference": (_answer_at(L.QUESTIONS, "$F$200", row="200"), "'$F$200' " + _OUTSIDE),
    "row-number-14-digits": (_row_without_refs(L.QUESTIONS, "99999999999999"), "row number '99999999999999'"),
    "row-number-1048577": (_row_without_refs(L.QUESTIONS, "1048577"), "row number '1048577'"),
    "metadata-column": (_answer_at(L.METADATA, "AAAAAA300"), "'AAAAAA300' " + _OUTSIDE),
    "berekening-row": (_answer_at(L.CALCULATION, "A99999999999"), "'A99999999999' " + _OUTSIDE),
    "dimension-column": (_dimension(L.QUESTIONS, "A1:XFE114"), "dimension 'A1:XFE114'"),
    "dimension-row": (_dimension(L.QUESTIONS, "A1:P99999999999"), "dimension 'A1:P99999999999'"),
    "dimension-garbage": (_dimension(L.QUESTIONS, "A1:P114:Q5"), "dimension 'A1:P114:Q5'"),
}


@pytest.fixture(scope="module")
def beyond(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("beyond")
    base = _dashboard()
    out = {}
    for name, (build, fragment) in BEYOND.items():
        path = folder / f"{name}.xlsx"
        path.write_bytes(build(base))
        out[name] = (path, fragment)
    return out


@pytest.mark.parametrize("name", list(BEYOND))
def test_a_reference_no_sheet_can_hold_is_refused_before_parsing(beyond, cli, monkeypatch, name):
    """Any reference beyond XFD1048576 (cell, row, dimension; any sheet parsed): exit 2, one line, never parsed."""
    import python_calamine

    path, fragment = beyond[name]

    def never(*args, **kwargs):
        raise AssertionError("the parser was called")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", never)
    with pytest.raises(WorkbookRefused) as caught:
        read_workbook(path)
    assert fragment in str(caught.value) and "\n" not in str(caught.value), caught.value
    result = cli("read", path)
    assert result.code == 2 and result.out == ""
    (line,) = result.err.splitlines()
    assert line.startswith(f"piramide: error: {path}: part xl/worksheets/") and fragment in line


def test_the_whole_beyond_corpus_in_one_fresh_process_exits_2_not_134(beyond):
    """`piramide check` over the folder in a real process: every file refused, exit 2 (not an abort, exit 134)."""
    import subprocess
    import sys

    folder = next(iter(beyond.values()))[0].parent
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from piramide.cli import main; main(sys.argv[1:])", "check", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert sum(line.endswith("[refused]") for line in done.stdout.splitlines()) == len(BEYOND)


def _one_sheet(cells: bytes, dimension: bytes | None = None) -> bytes:
    """A minimal xlsx package of one sheet holding ``cells`` (its ``<sheetData>`` content)."""
    dim = b'<dimension ref="' + dimension + b'"/>' if dimension is not None else b""
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + dim + b"<sheetData>" + cells + b"</sheetData></worksheet>"
    )  # fmt: skip
    core = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}
    return rezip({**core, "xl/worksheets/sheet1.xml": sheet})


@pytest.mark.parametrize(
    ("cells", "dimension", "refused"),
    [
        (b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', b"XFD1048576", False),  # the last cell itself
        (b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>', None, False),
        (b'<row r="1"><c r="A1"><v>1</v></c></row>', b"A1:XFD1048576", False),  # the largest dimension
        (b'<row r="1048576"><c r="XFE1048576"><v>1</v></c></row>', None, True),
        (b'<row r="1048577"><c r="XFD1048577"><v>1</v></c></row>', None, True),
        (b'<row r="1048577"><c><v>1</v></c></row>', None, True),
        (b'<row r="1"><c r="A1"><v>1</v></c></row>', b"A1:XFE1", True),
        (b'<row r="1"><c r="A1"><v>1</v></c></row>', b"A1:A1048577", True),
    ],
)
def test_references_are_checked_exactly_at_the_last_cell(cells, dimension, refused):
    """XFD1048576 and row 1,048,576 pass (a one-cell sheet), one column or row further is refused."""
    from piramide.safety import check_bytes

    data = _one_sheet(cells, dimension)
    if refused:
        with pytest.raises(WorkbookRefused, match=_OUTSIDE):
            check_bytes(data, Path("x.xlsx"))
    else:
        assert check_bytes(data, Path("x.xlsx")).data == data


# --- paths that are not files; folders where one file fails in any way (issue 9) ---------------

_CLI = "import sys; from piramide.cli import main; main(sys.argv[1:])"


def _run(*args, timeout: float = 60):
    import subprocess
    import sys

    command = [sys.executable, "-c", _CLI, *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        (("read", "{fifo}"), "a named pipe (FIFO)"),
        (("check", "{fifo}"), "a named pipe (FIFO)"),
        (("read", "/dev/zero"), "a device"),
        (("sets", "validate", "{fifo}"), "a named pipe (FIFO)"),
        (("new", "--gemeenten", "{fifo}", "--out-dir", "{tmp}/uit"), "a named pipe (FIFO)"),
    ],
)
def test_a_fifo_or_device_is_refused_at_once_never_opened(tmp_path, command, kind):
    """A FIFO (no writer: opening it to read would wait forever) or a device: exit 2, one line, within seconds."""
    import os

    fifo = tmp_path / "dashboard.xlsx"
    os.mkfifo(fifo)
    args = [a.format(fifo=fifo, tmp=tmp_path) for a in command]
    done = _run(*args, timeout=30)  # a regression hangs: the timeout fails the test
    assert done.returncode == 2, done
    line = next(line for line in (done.stdout + done.stderr).splitlines() if kind in line)
    assert f"is {kind}" in line and "refused without reading it" in line
    assert "Traceback" not in done.stdout + done.stderr


def test_a_fifo_in_a_folder_is_reported_and_the_others_read(tmp_path, cli):
    """`check` over a folder with a FIFO named .xlsx and a good dashboard: both reported, exit 2."""
    import os

    (tmp_path / "goed.xlsx").write_bytes(_dashboard())
    os.mkfifo(tmp_path / "pijp.xlsx")
    done = _run("check", tmp_path, timeout=60)
    assert done.returncode == 2
    assert f"{tmp_path / 'pijp.xlsx'}: is a named pipe (FIFO)" in done.stdout
    assert done.stderr.splitlines()[0] == "2 workbooks: 1 without errors, 0 with errors, 1 refused"


@pytest.fixture
def region(tmp_path) -> list[Path]:
    """Six good dashboards of six municipalities, and one named poison.xlsx (also a good file, until patched)."""
    from piramide.writer import WorkbookSpec, workbook_bytes

    s = reference_set()
    files = []
    for k, name in enumerate(["Aa", "Bb", "Cc", "Dd", "Ee", "Ff", "poison"]):
        content = (SlotContent(answers=random_grid(s, seed=k), date=dt.date(2025, 3, 1)),)
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(workbook_bytes(WorkbookSpec(s, name, content=content)))
        files.append(path)
    return files


def _poisoned(how: str):
    """``read_workbook`` that fails on poison.xlsx: a crash of the process, or an unexpected exception."""
    import os

    real = read_workbook

    def read(path, known=None, **options):
        if Path(path).name == "poison.xlsx":
            if how == "abort":
                import faulthandler

                faulthandler.disable()  # pytest's fault handler would print the worker's stack
                os.abort()  # as a native parser failure: SIGABRT, the process is gone
            if how == "kill":
                os.kill(os.getpid(), 9)  # as the out-of-memory killer
            if how == "exit":
                os._exit(134)
            raise RuntimeError("unexpected")
        return real(path)

    return read


@pytest.mark.parametrize("how", ["abort", "kill", "exit", "exception"])
@pytest.mark.parametrize("parallel", [False, True])
def test_a_folder_run_survives_any_single_file(region, cli, monkeypatch, how, parallel):
    """One file kills its worker process (or raises): it is reported, every other file still is; exit 1 / 2, never 3."""
    import piramide.progress as P

    monkeypatch.setattr(P, "read_workbook", _poisoned(how))  # worker processes are forked: they inherit it
    if parallel:
        monkeypatch.setattr(P, "PARALLEL_FROM", 2)
    folder = region[0].parent
    poison = folder / "poison.xlsx"

    checked = cli("check", folder)
    assert checked.code == 2, checked
    lines = checked.out.splitlines()
    assert [line for line in lines if line.endswith("[refused]")] == [
        f"{poison}: cannot be read ("
        + ("the reading process crashed on it" if how != "exception" else "internal error: RuntimeError")
        + "); please report this file [refused]"
    ]
    assert checked.err.splitlines()[0] == "7 workbooks: 6 without errors, 0 with errors, 1 refused"

    result = cli("progress", folder, "--json")
    assert result.code == 1, result
    data = json.loads(result.out)
    assert sorted(g["gemeente"] for g in data["gemeenten"]) == ["Aa", "Bb", "Cc", "Dd", "Ee", "Ff"]
    assert [e["file"] for e in data["errors"]] == [str(poison)]
