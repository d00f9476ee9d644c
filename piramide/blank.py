"""Blank dashboards for a region: written once by the writer, filled in per municipality.

A region's blank dashboards differ only in a few texts: the gemeente, the
regio and the code, and the time they were made. :class:`Blank` has the
writer (:func:`piramide.writer.written_book`) make the dashboard once with
placeholders for those texts; per municipality it then writes again only
the two parts that hold them, the shared strings (``xl/sharedStrings.xml``)
and the document properties (``docProps/core.xml``), with XlsxWriter's own
code, so that escaping and whitespace are the writer's. Every other part is
taken as it was written.

The layout keeps one truth: the result equals, part for part, what the
writer makes directly (``tests/test_blank.py`` holds that for awkward
names). :meth:`Blank.make` refuses (``None``) when that could not hold: a
placeholder in any other part, or any other part that changes with the
placeholders' length. :meth:`Blank.fill` refuses (``None``) a name the
writer would store differently: one that equals another text of the
workbook (the writer stores a text once) or holds a character outside
plain printable text. The caller then writes that dashboard directly.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, replace

from xlsxwriter.core import Core
from xlsxwriter.sharedstrings import SharedStrings

from .model import IndicatorSet
from .sheets.lists import new_workbook_id
from .writer import WorkbookSpec, check_spec, written_book

SHARED_STRINGS = "xl/sharedStrings.xml"
CORE = "docProps/core.xml"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # as XlsxWriter stamps every part


@dataclass(frozen=True)
class _Placeholders:
    gemeente: str
    regio: str
    code: str
    created: dt.datetime
    workbook_id: str

    def values(self) -> dict[str, str]:
        return {
            "gemeente": self.gemeente,
            "regio": self.regio,
            "code": self.code,
            "created": self.created.isoformat(),
            "workbook_id": self.workbook_id,
        }


# Two sets of placeholders, short and as long as a name may be (255 characters): a part that changes
# between them depends on the texts' length, and the blank is not used.
_FIRST = _Placeholders(
    "Pgemeente7c1e", "Pregio7c1e", "Pcode7c1e", dt.datetime(1901, 1, 1, 1, 1, 1, tzinfo=dt.UTC), "Pworkbookid7c1e"
)
_SECOND = _Placeholders(
    "Qgemeente4b2d".ljust(255, "g"), "Qregio4b2d".ljust(255, "r"), "Qcode4b2d".ljust(255, "c"),
    dt.datetime(1902, 2, 2, 2, 2, 2, tzinfo=dt.UTC), "Qworkbookid-a-longer-one-4b2d",
)  # fmt: skip


@dataclass
class _Render:
    parts: dict[str, bytes]  # every part but the two that are written per municipality, in zip order
    strings: list[str]
    count: int
    properties: dict


def _render(spec: WorkbookSpec, p: _Placeholders) -> _Render:
    data, book = written_book(
        replace(
            spec,
            gemeente=p.gemeente,
            regio=p.regio if spec.regio else None,
            code=p.code if spec.code else None,
            created=p.created,
            workbook_id=p.workbook_id,
        )
    )
    table = book.wb.str_table
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {i.filename: z.read(i) for i in z.infolist() if i.filename not in (SHARED_STRINGS, CORE)}
    return _Render(parts, list(table.string_array), table.count, dict(book.wb.doc_properties))


def _si(string: str) -> str:
    """One ``<si>`` of the shared strings, exactly as XlsxWriter writes it."""
    writer = SharedStrings()
    fh = io.StringIO()
    writer._set_xml_writer(fh)
    writer._write_si(string)
    return fh.getvalue()


class Blank:
    """One blank dashboard (set, slots, password; whether regio and code are given), to fill in per municipality."""

    def __init__(self, spec: WorkbookSpec, render: _Render):
        self.spec = spec
        self._properties = render.properties
        names = _FIRST.values()
        self._pattern = re.compile("|".join(re.escape(v) for v in names.values()))
        self._key = {v: k for k, v in names.items()}
        self._strings = render.strings
        self._si = [_si(s) for s in render.strings]
        self._filled = [i for i, s in enumerate(render.strings) if self._pattern.search(s)]
        self._fixed = {s for i, s in enumerate(render.strings) if i not in set(self._filled)}
        head = SharedStrings()
        fh = io.StringIO()
        head._set_xml_writer(fh)
        head.string_table = _Table(render.count, len(render.strings))
        head._xml_declaration()
        head._write_sst()
        self._head = fh.getvalue()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for name, content in render.parts.items():
                z.writestr(zipfile.ZipInfo(name, _ZIP_TIME), content, zipfile.ZIP_DEFLATED)
        self._base = buffer.getvalue()

    @classmethod
    def make(
        cls,
        indicator_set: IndicatorSet,
        slots: int,
        password: str | None = None,
        *,
        regio: bool = False,
        code: bool = False,
    ) -> Blank | None:
        """The blank for dashboards with (``regio``/``code`` True) or without a regio and a code; ``None``
        when filling it in could differ from writing directly (see the module)."""
        spec = WorkbookSpec(
            indicator_set, "gemeente", "regio" if regio else None, "code" if code else None, slots, password
        )
        first, second = _render(spec, _FIRST), _render(spec, _SECOND)
        if first.parts != second.parts or len(first.strings) != len(second.strings):
            return None  # a part other than the texts depends on them (or the texts' number does)
        for p in (_FIRST, _SECOND):
            if any(v.encode() in part for v in p.values().values() for part in first.parts.values()):
                return None
        return cls(spec, first)

    def fits(self, regio: str | None, code: str | None) -> bool:
        """Whether this blank is the one for a dashboard with this regio and code (given or not)."""
        return bool(regio) == bool(self.spec.regio) and bool(code) == bool(self.spec.code)

    def fill(
        self, gemeente: str, regio: str | None = None, code: str | None = None, created=None, workbook_id=None
    ) -> bytes | None:
        """The dashboard of one municipality, as :func:`~piramide.writer.workbook_bytes` writes it (with its
        own new workbook id unless ``workbook_id``); ``None`` when it cannot be filled in here (write it directly)."""
        if not self.fits(regio, code):
            raise ValueError("this blank is for dashboards " + ("with" if self.spec.regio else "without") + " a regio")
        check_spec(replace(self.spec, gemeente=gemeente, regio=regio, code=code))  # the writer's errors, as is
        values = {"gemeente": gemeente, "regio": regio or "", "code": code or ""}
        if not all(_plain(v) for v in values.values()):
            return None
        values["created"] = (created or dt.datetime.now(dt.UTC).replace(microsecond=0)).isoformat()
        values["workbook_id"] = workbook_id or new_workbook_id()  # every dashboard its own, as the writer does
        strings = list(self._strings)
        si = list(self._si)
        for i in self._filled:
            strings[i] = self._pattern.sub(lambda m: values[self._key[m.group()]], strings[i])
        changed = {strings[i] for i in self._filled}
        if len(changed) != len(self._filled) or not changed.isdisjoint(self._fixed):
            return None  # the writer would store a text once that is here twice
        for i in self._filled:
            si[i] = _si(strings[i])
        sst = self._head + "".join(si) + "</sst>"
        properties = {
            k: (self._pattern.sub(lambda m: values[self._key[m.group()]], v) if isinstance(v, str) else v)
            for k, v in self._properties.items()
        }
        core = Core()
        fh = io.StringIO()
        core._set_properties(properties)
        core._set_xml_writer(fh)
        core._assemble_xml_file()
        buffer = io.BytesIO(self._base)
        with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as z:
            # The fastest deflate: a few kB larger, five times quicker than the default level.
            z.writestr(zipfile.ZipInfo(SHARED_STRINGS, _ZIP_TIME), sst.encode("utf-8"), zipfile.ZIP_DEFLATED, 1)
            z.writestr(zipfile.ZipInfo(CORE, _ZIP_TIME), fh.getvalue().encode("utf-8"), zipfile.ZIP_DEFLATED)
        return buffer.getvalue()


@dataclass
class _Table:
    """The counts of XlsxWriter's shared string table, for the ``<sst>`` element."""

    count: int
    unique_count: int


def _plain(text: str) -> bool:
    """Printable text that no escaping could join with the text around it (the rest is written directly).

    An underscore could, with its neighbours, look like Excel's ``_xHHHH_`` escape.
    """
    return text.isprintable() and "_" not in text


__all__ = ["Blank"]
