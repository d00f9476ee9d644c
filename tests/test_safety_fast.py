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
    real_open = zipfile.ZipFile.open

    def counting_open(self, name, *args, **kwargs):
        handle = real_open(self, name, *args, **kwargs)
        real_read = handle.read
        key = getattr(name, "filename", name)

        def read_counted(n=-1):
            data = real_read(n)
            read[key] = read.get(key, 0) + len(data)
            return data

        handle.read = read_counted
        return handle

    monkeypatch.setattr(zipfile.ZipFile, "open", counting_open)
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
    b" r=", b' r="XFD1048576"', b"<ce", b"<c ",
]


@pytest.mark.parametrize("seed", range(40))
def test_the_quick_pass_agrees_with_one_count_per_spelling(dashboard, seed):
    rng = random.Random(seed)
    sheets = [name for name in zip_parts(dashboard) if name.startswith("xl/worksheets/sheet")]
    content = zip_parts(dashboard)[rng.choice(sheets)]
    for _ in range(rng.randint(0, 3)):
        at = rng.randrange(len(content) + 1)
        content = content[:at] + rng.choice(_TWISTS) + content[at:]
    n = len(S._FAST_CELL.findall(content))
    assert S._plainly_written(content, n) == _plain_reference(content)
