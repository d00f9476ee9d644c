"""Read filled-in dashboards back: every problem in one pass, phases computed here.

Data flow: file -> :func:`piramide.safety.open_package` (hostile files
refused) -> python-calamine, from memory -> the metadata and the set the
workbook was made from -> the answer rows, matched by indicator id (never by
position) -> issues + measurements scored by :mod:`piramide.scoring`. The
file's cached formula results are never trusted; they are only compared,
to warn about stale or edited files.

:func:`read_workbook` returns a :class:`WorkbookReading` whose
``model_dump(mode="json")`` is the JSON contract of ``piramide read --json``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, PrivateAttr

from . import layout as L
from ._text import plural
from .errors import AnswerError, WorkbookRefused
from .model import Indicator, IndicatorSet
from .plan import PlanRow, normalise_status
from .safety import Package, open_package
from .scoring import MeasurementResult, scored
from .sets import KnownSets

Severity = Literal["error", "warning"]


# --- the result (a contract: see README and docs/workbook-format.md) ---------------


class SetRef(BaseModel):
    id: str
    version: str
    fingerprint: str


class PillarReading(BaseModel):
    phase: int
    provisional: bool
    phase_max: int
    scores: dict[str, float | None]


class MeasurementReading(BaseModel):
    slot: int
    label: str
    date: dt.date | None
    ingevuld_door: str | None
    answered: int
    total: int
    answers: dict[str, str]
    pillars: dict[str, PillarReading]
    phase: int
    settled: bool
    notes: dict[str, str] = Field(default_factory=dict)
    """Notes (Toelichting) per indicator id, only the non-empty ones, trimmed."""

    _result: MeasurementResult | None = PrivateAttr(default=None)

    @property
    def result(self) -> MeasurementResult | None:
        """The scoring engine's full result (exact fractions); not part of the JSON."""
        return self._result


class SlotRemains(BaseModel):
    """What a slot without answers holds: a date, who fills it in, notes typed ahead of the answers."""

    slot: int
    date: dt.date | None
    ingevuld_door: str | None
    notes: dict[str, str]


class Issue(BaseModel):
    code: str
    severity: Severity
    location: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.message} [{self.severity}: {self.code}]"


class PartReading(BaseModel):
    """What a part (deelvragenlijst, ``piramide split``) holds: one respondent's answers for one slot."""

    respondent: str
    slot: int
    label: str
    indicators: list[str]
    previous_slot: int | None
    date: dt.date | None
    ingevuld_door: str | None
    answered: int
    total: int
    answers: dict[str, str]
    notes: dict[str, str] = Field(default_factory=dict)
    """Notes (Toelichting) per indicator id, only the non-empty ones, trimmed."""


class WorkbookReading(BaseModel):
    file: str
    kind: Literal["dashboard", "deelvragenlijst"] = "dashboard"
    workbook_id: str = ""
    gemeente: str
    regio: str | None
    set: SetRef
    measurements: list[MeasurementReading]
    plan: list[PlanRow] = []
    """The rows of the Actieplan that hold input, in the sheet's order (empty for dashboards without one)."""
    part: PartReading | None = None
    issues: list[Issue]

    _indicator_set: IndicatorSet | None = PrivateAttr(default=None)
    _slots: int = PrivateAttr(default=0)
    _code: str | None = PrivateAttr(default=None)
    _slot_sets: list[str | None] = PrivateAttr(default_factory=list)
    _history: list[dict] = PrivateAttr(default_factory=list)
    _unanswered: dict[int, SlotRemains] = PrivateAttr(default_factory=dict)
    _workbook_id_stored: bool = PrivateAttr(default=True)

    @property
    def workbook_id_stored(self) -> bool:
        """False for a dashboard made before workbook ids: ``workbook_id`` is then derived from its metadata."""
        return self._workbook_id_stored

    def set_of_slot(self, slot: int) -> str:
        """The set (``"<id> <version>"``) a slot was measured on: this file's set unless it was upgraded."""
        own = f"{self.set.id} {self.set.version}"
        if slot < len(self._slot_sets) and self._slot_sets[slot]:
            return self._slot_sets[slot]
        return own

    @property
    def unanswered(self) -> dict[int, SlotRemains]:
        """Slots without answers that hold a date, a name or notes (no measurement yet); not part of the JSON."""
        return self._unanswered

    @property
    def history(self) -> list[dict]:
        """Earlier upgrades of the workbook (``piramide upgrade``), oldest first."""
        return self._history

    @property
    def indicator_set(self) -> IndicatorSet:
        """The set the workbook was made from (rebuilt from its metadata)."""
        assert self._indicator_set is not None
        return self._indicator_set

    @property
    def slots(self) -> int:
        return self._slots

    @property
    def code(self) -> str | None:
        return self._code

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


# --- issue codes ----------------------------------------------------------------------
#: Every issue code with its severity and what it means (documented in docs/reading.md).
ISSUE_CODES: dict[str, tuple[Severity, str]] = {
    "answer-invalid": ("error", "an answer that is not on the scale"),
    "answers-unread": ("error", "answers or notes outside the answer and note columns (an added or renamed column)"),
    "cell-unread": ("warning", "a cell outside the dashboard's cells; it is not read"),
    "answer-not-counted": ("error", "an answer the dashboard's formulas do not count (a space, a missing dot)"),
    "row-missing": ("error", "an indicator of the set has no row (deleted)"),
    "row-unknown": ("error", "a row with an id the set does not have (added or id changed)"),
    "row-duplicate": ("error", "an indicator has more than one row"),
    "row-changed": ("error", "an indicator's statement, pillar or phase differs from the set"),
    "id-changed": ("error", "a row's id was changed (its statement belongs to another id)"),
    "fingerprint-mismatch": ("error", "the stored fingerprint does not match the stored set"),
    "set-altered": ("error", "the stored set has the id and version of a known set but other content"),
    "set-unknown": ("warning", "the stored set is neither bundled nor given as a known set"),
    "sheet-missing": ("error", "a sheet of the dashboard is missing"),
    "column-missing": ("error", "a column of Vragenlijst is missing or renamed"),
    "date-invalid": ("error", "a measurement date that is not a date"),
    "date-missing": ("warning", "a measurement with answers has no date"),
    "slot-gap": ("warning", "a later measurement is filled while an earlier one is empty"),
    "cache-stale": ("warning", "a stored formula result differs from the computed phase"),
    "cache-missing": ("warning", "the formulas have no stored results (saved without calculating)"),
    "text-too-long": ("error", "a note or name longer than an Excel cell holds (32,767 characters)"),
    "date-future": ("warning", "a measurement dated after today"),
    "date-order": ("warning", "a measurement dated before the measurement in the slot before it"),
    "plan-deadline-invalid": ("error", "a deadline in the Actieplan that is not a date"),
    "plan-status-invalid": ("error", "a status in the Actieplan that is not on its list"),
    "plan-row-unknown": ("error", "an Actieplan row with input whose id the set does not have"),
    "plan-row-duplicate": ("error", "an indicator has more than one Actieplan row"),
    "plan-column-missing": ("error", "the Actieplan's header row or one of its input columns is missing or renamed"),
}
MAX_CELL_TEXT = 32_767  # Excel's limit for the text of one cell

_WORKBOOK_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
_DATE_TEXT = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+)?\s*$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_FIRST_DATE, _LAST_DATE = dt.date(1990, 1, 1), dt.date(2100, 12, 31)  # as the dashboard's date validation


@dataclass(frozen=True)
class _PartMeta:
    slot: int
    previous: int | None
    respondent: str
    indicators: list[str]


class _Sheet:
    """A sheet's values as a grid with absolute 0-based coordinates."""

    def __init__(self, name: str, rows: list[list[Any]], start: tuple[int, int]):
        self.name = name
        self.rows = rows
        self.r0, self.c0 = start

    def get(self, row: int, col: int) -> Any:
        r, c = row - self.r0, col - self.c0
        if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]):
            return self.rows[r][c]
        return ""

    @property
    def height(self) -> int:
        return self.r0 + len(self.rows)

    def ref(self, row: int, col: int) -> str:
        return f"{self.name}!{L.cell(row, col)}"


@dataclass
class _Rows:
    """What :meth:`_Reader._indicator_rows` finds below the Vragenlijst's header."""

    notes: list[dict[str, str]]
    """Per slot the notes by id (non-empty, trimmed)."""
    seen: dict[str, int] = dataclasses.field(default_factory=dict)
    """Each id's first row."""
    id_rows: set[int] = dataclasses.field(default_factory=set)
    """Every row that holds an id."""
    unknown: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    """Rows with an id that is not read (not in the set or the part), with the id."""
    ids: list[str] = dataclasses.field(default_factory=list)
    """The indicators read, in the sheet's order..."""
    cells: list[list[Any]] = dataclasses.field(default_factory=list)
    """... and their rows' cells."""
    in_order: bool = True
    """Whether :attr:`ids` are in the set's order."""
    width: int = 0
    """The length of the shortest of :attr:`cells`."""


@dataclass(eq=False)
class _Block:
    """A Vragenlijst's id, pillar, phase and statement cells below its header, and the rows they make."""

    cells: list[tuple[Any, ...]]
    header_row: int
    phases: list[type] = dataclasses.field(init=False)
    """The type of each phase cell: ``True`` equals ``1`` (and ``1.0``), but is not the phase 1."""
    seen: dict[str, int] = dataclasses.field(default_factory=dict)
    id_rows: set[int] = dataclasses.field(default_factory=set)
    ids: list[str] = dataclasses.field(default_factory=list)
    at: list[int] = dataclasses.field(default_factory=list)
    """Each indicator's row, counted from the first row below the header."""

    def __post_init__(self) -> None:
        self.phases = list(map(type, map(itemgetter(2), self.cells)))

    def __eq__(self, other: object) -> bool:
        """The same cells (of the same types, as to the phases) below a header in the same row."""
        return (
            isinstance(other, _Block)
            and self.header_row == other.header_row
            and self.cells == other.cells
            and self.phases == other.phases
        )


_Model = TypeVar("_Model", bound=BaseModel)


def _built(
    cls: type[_Model], values: dict[str, Any], private: dict[str, Any] | None = None, given: set[str] | None = None
) -> _Model:
    """What ``cls.model_construct(_fields_set=given, **values)`` makes, for ``values`` of the right types.

    ``values`` holds every field of ``cls``, in the order of its fields; ``given``
    the fields given (default: all). The reader's readings are made of values
    it made itself: validating them again (or ``model_construct``, which walks
    every field in Python) costs more than reading them. This sets what
    ``model_construct`` sets (a test holds the two equal): the fields, which
    were given, no extra fields, and ``private`` as the private attributes
    (every one of them; ``None`` when the model has none).
    """
    model = cls.__new__(cls)
    object.__setattr__(model, "__dict__", values)
    object.__setattr__(model, "__pydantic_fields_set__", set(values) if given is None else given)
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", private)
    return model


def _cells(indexes: Sequence[int]) -> Callable[[list[Any]], tuple[Any, ...]] | None:
    """A function giving the cells at ``indexes`` of a row as a tuple (which must be long enough); ``None`` for none."""
    if not indexes:
        return None
    if len(indexes) == 1:
        only = indexes[0]
        return lambda row: (row[only],)
    return itemgetter(*indexes)


def _blanks(values: Sequence[Any]) -> int:
    """How many of ``values`` are empty cells (``""`` or ``None``)."""
    return values.count("") + values.count(None)


_BUNDLED = KnownSets()
_META_KEYS = frozenset(L.M_KEYS)
_NO_CELL = object()  # equal to no cell's value


def read_workbook(path: str | Path, known: KnownSets | None = None, today: dt.date | None = None) -> WorkbookReading:
    """Read, validate and score a filled-in dashboard.

    The set stored in the workbook is compared with the published sets in
    ``known`` (default: the sets bundled with piramide): other content under
    a known id and version is the error ``set-altered``, a set that is not
    known the warning ``set-unknown``.

    Raises :class:`~piramide.errors.WorkbookRefused` (an
    :class:`~piramide.errors.InputError`) when the file cannot be read as a
    Piramide workbook; everything else is reported in ``issues``. ``today``
    (default: the real date) is the date after which a measurement date is
    a warning (``date-future``).
    """
    package = open_package(Path(path), sheets=(L.METADATA, L.QUESTIONS, L.CALCULATION, L.ACTIONS))
    return _Reader(package, known or _BUNDLED, today).read()


def read_dashboard(path: str | Path, known: KnownSets | None = None) -> WorkbookReading:
    """:func:`read_workbook` for commands that need a dashboard: a part (deelvragenlijst) is refused."""
    reading = read_workbook(path, known)
    if reading.kind == L.KIND_PART:
        part = reading.part
        what = f" ({part.respondent}, {part.label})" if part is not None else ""
        raise WorkbookRefused(
            f"{reading.file}: is a deelvragenlijst{what} of {reading.gemeente}, not a dashboard; "
            "give the dashboard itself (piramide merge puts a deelvragenlijst into it)"
        )
    return reading


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _Reader:
    def __init__(self, package: Package, known: KnownSets, today: dt.date | None = None):
        self.package = package
        self.known = known
        self.today = today or dt.date.today()
        self.file = str(package.path)
        self.issues: list[Issue] = []
        self.unanswered: dict[int, SlotRemains] = {}

    def issue(self, code: str, location: str | None, message: str) -> None:
        values = {"code": code, "severity": ISSUE_CODES[code][0], "location": location, "message": message}
        self.issues.append(_built(Issue, values))

    # -- parsing ------------------------------------------------------------------

    def _open(self):
        import python_calamine

        try:
            return python_calamine.CalamineWorkbook.from_filelike(self.package.stream())
        except Exception as exc:
            raise WorkbookRefused(f"{self.file}: cannot be read as a workbook ({_short(exc)})") from exc
        except BaseException as exc:  # a panic in the parser is a refusal, not a crash
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise WorkbookRefused(f"{self.file}: cannot be read as a workbook (parser failure)") from exc

    def _sheet(self, wb, name: str) -> _Sheet | None:
        if name not in self.sheet_names:
            return None
        try:
            sheet = wb.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            start = (0, 0)
        except Exception as exc:
            raise WorkbookRefused(f"{self.file}: sheet {name} cannot be read ({_short(exc)})") from exc
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise WorkbookRefused(f"{self.file}: sheet {name} cannot be read (parser failure)") from exc
        return _Sheet(name, rows, start)

    # -- the whole file -----------------------------------------------------------------

    def read(self) -> WorkbookReading:
        wb = self._open()
        try:
            self.sheet_names = list(wb.sheet_names)
            meta_sheet = self._sheet(wb, L.METADATA)
            if meta_sheet is None:
                raise WorkbookRefused(
                    f"{self.file}: is a workbook, but not a Piramide dashboard (it has no {L.METADATA} sheet)"
                )
            meta = self._metadata(meta_sheet)
            s = self._indicator_set(meta, meta_sheet)
            slots = self._slots(meta)
            kind = meta.get("kind") or L.KIND_DASHBOARD
            if kind not in (L.KIND_DASHBOARD, L.KIND_PART):
                raise WorkbookRefused(f"{self.file}: the dashboard metadata is damaged (kind = {kind[:40]!r})")
            part = self._part_metadata(meta, s, slots) if kind == L.KIND_PART else None
            workbook_id, stored = self._workbook_id(meta, s)
            slot_sets = _json_list(meta.get("slot_sets"), lambda x: x is None or isinstance(x, str))
            history = _json_list(meta.get("history"), lambda x: isinstance(x, dict))
            fields: dict[str, Any] = {}  # the fields given beyond the first ones, as they are found
            unanswered: dict[int, SlotRemains] = {}
            for name in (L.COVER, L.QUESTIONS, L.CALCULATION) if part is None else (L.QUESTIONS,):
                if name not in self.sheet_names:
                    self.issue("sheet-missing", None, f"the sheet {name} is missing; use the {kind} as it was sent")
            measurements: list[MeasurementReading] = []
            questions = self._sheet(wb, L.QUESTIONS)
            if questions is not None and part is not None:
                fields["part"] = self._part(questions, s, slots, part)
            elif questions is not None:
                measured = {k for k, ref in enumerate(slot_sets) if ref}
                measurements = self._measurements(questions, s, slots, measured)
                unanswered = self.unanswered
                calc = self._sheet(wb, L.CALCULATION)
                if calc is not None:
                    self._check_cache(calc, s, slots, measurements)
            actions = self._sheet(wb, L.ACTIONS)
            if actions is not None:  # dashboards made before the Actieplan have none: an empty plan
                fields["plan"] = self._plan(actions, s)
        finally:
            wb.close()
        fingerprint = meta.get("fingerprint") or s.fingerprint
        values = {
            "file": self.file,
            "kind": kind,
            "workbook_id": workbook_id,
            "gemeente": meta.get("gemeente", ""),
            "regio": meta.get("regio") or None,
            "set": _built(SetRef, {"id": s.id, "version": s.version, "fingerprint": fingerprint}),
            "measurements": measurements,
            "plan": fields.get("plan", []),
            "part": fields.get("part"),
            "issues": self.issues,
        }
        private = {
            "_indicator_set": s,
            "_slots": slots,
            "_code": meta.get("code") or None,
            "_slot_sets": slot_sets,
            "_history": history,
            "_unanswered": unanswered,
            "_workbook_id_stored": stored,
        }
        given = {"file", "kind", "workbook_id", "gemeente", "regio", "set", "measurements", "issues", *fields}
        return _built(WorkbookReading, values, private, given)

    def _metadata(self, sheet: _Sheet) -> dict[str, str]:
        meta: dict[str, str] = {}
        json_parts: list[str] = []
        key_at, value_at = 0 - sheet.c0, 1 - sheet.c0  # the keys in column A, the values in column B
        for r, row in enumerate(sheet.rows[:60], sheet.r0):
            key = row[key_at] if 0 <= key_at < len(row) else ""
            key = (key if key.__class__ is str else _text(key)).strip()
            if key == "set_json":
                c = 1
                while (part := sheet.get(r, c)) not in ("", None):
                    json_parts.append(_text(part))
                    c += 1
            elif key in _META_KEYS:
                meta[key] = _text(row[value_at] if 0 <= value_at < len(row) else "").strip()
        if meta.get("generator") != L.GENERATOR:
            raise WorkbookRefused(f"{self.file}: is a workbook, but not a Piramide dashboard (no piramide metadata)")
        try:
            version = int(meta.get("layout_version", ""))
        except ValueError:
            raise WorkbookRefused(f"{self.file}: the dashboard metadata is damaged (layout_version)") from None
        if version > L.LAYOUT_VERSION:
            raise WorkbookRefused(
                f"{self.file}: was made with a newer piramide (layout {version}; this version reads up to "
                f"{L.LAYOUT_VERSION}); upgrade piramide"
            )
        meta["set_json"] = "".join(json_parts)
        return meta

    def _indicator_set(self, meta: dict[str, str], sheet: _Sheet) -> IndicatorSet:
        try:
            self.info = _set_from_json(meta["set_json"])
            s = self.info.set
        except Exception as exc:
            raise WorkbookRefused(
                f"{self.file}: the indicator set stored in the dashboard is damaged ({_short(exc)}); "
                "the phases cannot be computed"
            ) from exc
        stored = meta.get("fingerprint", "")
        if stored != s.fingerprint:
            self.issue(
                "fingerprint-mismatch",
                f"{L.METADATA}!{L.cell(L.metadata_row('fingerprint'), 1)}",
                f"the stored fingerprint {stored[:19]}... does not match the stored set ({s.fingerprint[:19]}...); "
                "the metadata was edited",
            )
        self._check_published(s)
        return s

    def _workbook_id(self, meta: dict[str, str], s: IndicatorSet) -> tuple[str, bool]:
        """The stored workbook id, or for a dashboard made before ids one derived from its metadata."""
        stored = meta.get("workbook_id", "")
        if stored:
            if not _WORKBOOK_ID.match(stored):
                raise WorkbookRefused(f"{self.file}: the dashboard metadata is damaged (workbook_id)")
            return stored, True
        if meta.get("kind") == L.KIND_PART:
            raise WorkbookRefused(f"{self.file}: the deelvragenlijst metadata is damaged (no workbook_id)")
        basis = "\n".join(meta.get(k, "") for k in ("created", "gemeente", "regio", "code", "fingerprint"))
        return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32], False

    def _part_metadata(self, meta: dict[str, str], s: IndicatorSet, slots: int) -> _PartMeta:
        """The metadata that binds a part to its dashboard; damaged metadata refuses the file."""

        def damaged(key: str) -> WorkbookRefused:
            return WorkbookRefused(f"{self.file}: the deelvragenlijst metadata is damaged ({key})")

        try:
            slot = int(meta.get("part_slot", ""))
        except ValueError:
            raise damaged("part_slot") from None
        if not 0 <= slot < slots:
            raise damaged("part_slot")
        previous_text = meta.get("part_previous_slot", "")
        try:
            previous = int(previous_text) if previous_text else None
        except ValueError:
            raise damaged("part_previous_slot") from None
        if previous is not None and not 0 <= previous < slot:
            raise damaged("part_previous_slot")
        respondent = meta.get("part_respondent", "")
        if not respondent or len(respondent) > 255 or any(not ch.isprintable() for ch in respondent):
            raise damaged("part_respondent")
        ids = _json_list(meta.get("part_indicators"), lambda x: isinstance(x, str))
        if not ids or len(set(ids)) != len(ids) or any(i not in s.by_id for i in ids):
            raise damaged("part_indicators")
        return _PartMeta(slot, previous, respondent, [i.id for i in s.indicators if i.id in set(ids)])

    def _part(self, sheet: _Sheet, s: IndicatorSet, slots: int, meta: _PartMeta) -> PartReading:
        """A part's one slot, read by the dashboard's rules over the part's own indicators."""
        found = self._measurements(
            sheet, s, slots, only=meta.slot, indicators=meta.indicators, previous=meta.previous
        )
        m = found[0] if found else None
        remains = self.unanswered.get(meta.slot)
        answers = m.answers if m is not None else {}
        source = m if m is not None else remains
        part = PartReading(
            respondent=meta.respondent,
            slot=meta.slot,
            label=L.slot_label(meta.slot),
            indicators=meta.indicators,
            previous_slot=meta.previous,
            date=source.date if source is not None else None,
            ingevuld_door=source.ingevuld_door if source is not None else None,
            answered=len(answers),
            total=len(meta.indicators),
            answers=answers,
            notes=dict(source.notes) if source is not None else {},
        )
        return part

    def _check_published(self, s: IndicatorSet) -> None:
        """Is the stored set the published set of its id and version?"""
        where = f"{L.METADATA}!{L.cell(L.metadata_row('set_version'), 1)}"
        published = self.known.published(s.id, s.version)
        if published is None:
            self.issue(
                "set-unknown",
                where,
                f"the set {s.id} {s.version} is neither bundled with piramide nor given as a known set, "
                "so it cannot be checked against its published version; give its file as a known set",
            )
        elif published.fingerprint != s.fingerprint:
            self.issue(
                "set-altered",
                where,
                f"the set stored in the dashboard claims to be {s.id} {s.version} but differs from the published "
                f"set ({s.fingerprint[:19]}... instead of {published.fingerprint[:19]}...): its threshold, answer "
                "scale or indicators were changed inside the file; ask for the dashboard as it was sent",
            )

    def _slots(self, meta: dict[str, str]) -> int:
        try:
            slots = int(meta.get("slots", ""))
        except ValueError:
            raise WorkbookRefused(f"{self.file}: the dashboard metadata is damaged (slots)") from None
        if not 1 <= slots <= L.MAX_SLOTS:
            raise WorkbookRefused(f"{self.file}: the dashboard metadata is damaged (slots = {slots})")
        return slots

    # -- Vragenlijst -----------------------------------------------------------------

    def _find_header(self, sheet: _Sheet, headers: Sequence[str]) -> int | None:
        """The row (within the first 50) that starts with ``headers``, ignoring case and spaces."""
        expected = [h.casefold() for h in headers]
        for r in range(sheet.r0, min(sheet.height, sheet.r0 + 50)):
            if _text(sheet.get(r, 0)).strip().casefold() != expected[0]:
                continue  # most rows: not even the first header
            row = [_text(sheet.get(r, c)).strip().casefold() for c in range(len(expected))]
            if row == expected:
                return r
        return None

    def _header(
        self, sheet: _Sheet, fixed: Sequence[str], row: int, code: str, what: str
    ) -> tuple[int, dict[str, int]] | None:
        """The header row of a table starting with ``fixed`` (as written: at ``row``) and its columns by
        header (case-folded); ``None``, and an issue ``code`` that ``what`` cannot be read, when it is not found."""
        header_row = self._find_header(sheet, fixed)
        if header_row is None:
            self.issue(
                code,
                sheet.ref(row, 0),
                f"the header row {', '.join(fixed)} was not found; {what} cannot be read",
            )
            return None
        width = max(map(len, sheet.rows), default=0) + sheet.c0
        row = sheet.rows[header_row - sheet.r0]
        cells = [""] * sheet.c0 + row + [""] * (width - sheet.c0 - len(row))  # as sheet.get(header_row, c) gives them
        return header_row, {_text(value).strip().casefold(): c for c, value in enumerate(cells)}

    def _again(self, code: str, sheet: _Sheet, r: int, ident: str, seen: dict[str, int], what: str) -> bool:
        """Whether ``ident`` has a row already (an issue ``code`` then); else remember its row ``r``."""
        if ident not in seen:
            seen[ident] = r
            return False
        self.issue(
            code,
            sheet.ref(r, 0),
            f"indicator {ident} {what} (first at {sheet.ref(seen[ident], 0)}); keep one row per indicator",
        )
        return True

    def _measurements(
        self,
        sheet: _Sheet,
        s: IndicatorSet,
        slots: int,
        measured: set[int] = frozenset(),
        only: int | None = None,
        indicators: list[str] | None = None,
        previous: int | None = None,
    ) -> list[MeasurementReading]:
        """The measurements: slots with answers, and slots an upgrade recorded as measured (``measured``).

        After an upgrade, a measurement whose answers all sat on dropped
        indicators has none left; it stays a measurement in its slot (with
        its date and name), so that a later one never becomes the 0-meting.
        A part (deelvragenlijst) reads the one slot ``only`` over its ``indicators``;
        the read-only columns of its ``previous`` measurement are its own cells, not read.
        """
        wanted = range(slots) if only is None else (only,)
        found = self._header(sheet, L.Q_FIXED_HEADERS, L.Q_ROW_HEADER, "column-missing", "the answers")
        if found is None:
            return []
        header_row, headers = found
        columns: dict[int, tuple[int, int | None]] = {}
        for slot in wanted:
            a = headers.get(L.answer_header(slot).casefold())
            n = headers.get(L.note_header(slot).casefold())
            if a is None:
                self.issue(
                    "column-missing",
                    sheet.ref(header_row, L.answer_col(slot)),
                    f"the column '{L.answer_header(slot)}' is missing or renamed; the answers of "
                    f"{L.slot_label(slot)} cannot be read",
                )
                continue
            columns[slot] = (a, n)

        rows = self._indicator_rows(sheet, header_row, indicators, columns, slots)
        by_id = s.by_id if indicators is None else {i: s.by_id[i] for i in indicators}
        missing = [i for i in by_id.values() if i.id not in rows.seen] if len(rows.ids) < len(by_id) else []
        self._report_rows(sheet, s, rows.unknown, missing, part=indicators is not None)
        earlier = [headers.get(h(previous).casefold()) for h in (L.previous_answer_header, L.previous_note_header)]
        shown = {c for c in earlier if c is not None} if previous is not None else set()
        self._report_unread(sheet, s, header_row, columns, rows.id_rows, shown)

        measurements = []
        date_row, by_row = header_row - (L.Q_ROW_HEADER - L.Q_ROW_DATE), header_row - (L.Q_ROW_HEADER - L.Q_ROW_BY)
        filled: dict[int, bool] = {}
        dated: list[tuple[int, dt.date, int, int]] = []
        known: dict[Any, tuple[str | None, str | None]] = {}  # typed value -> (label, problem); a region types few
        for slot in wanted:
            answers, filled[slot] = self._answers(sheet, s, rows, columns.get(slot), known)
            col = columns.get(slot, (L.answer_col(slot), None))[0]
            date = self._date(sheet, date_row, col) if date_row >= sheet.r0 else None
            by = _text(sheet.get(by_row, col)).strip() if by_row >= sheet.r0 else ""
            if by and not self._fits(sheet, by_row, col, by, f"'{L.Q_LABEL_BY}' of {L.slot_label(slot)}"):
                by = ""
            notes = rows.notes[slot]
            if not answers and slot not in measured:
                if date is not None or by or notes:
                    self.unanswered[slot] = SlotRemains(slot=slot, date=date, ingevuld_door=by or None, notes=notes)
                continue
            if date is None and not any(
                i.code == "date-invalid" and i.location == sheet.ref(date_row, col) for i in self.issues
            ):
                self.issue("date-missing", sheet.ref(date_row, col), f"{L.slot_label(slot)} has answers but no date")
            if date is not None:
                dated.append((slot, date, date_row, col))
            measurements.append(self._measurement(s, slot, answers, date, by, notes))
        self._check_dates(sheet, dated)
        for slot in range(1, slots if only is None else 0):
            if filled[slot] and not all(filled[k] for k in range(slot)):
                empty = [L.slot_label(k) for k in range(slot) if not filled[k]]
                self.issue(
                    "slot-gap",
                    sheet.ref(header_row, columns.get(slot, (L.answer_col(slot),))[0]),
                    f"{L.slot_label(slot)} is filled while {', '.join(empty)} is empty; fill the measurements in order",
                )
                break
        return measurements

    def _indicator_rows(
        self,
        sheet: _Sheet,
        header_row: int,
        indicators: list[str] | None,
        columns: dict[int, tuple[int, int | None]],
        slots: int,
    ) -> _Rows:
        """The rows below the header that hold an id: each indicator's row checked against the set, its notes.

        An id seen before is ``row-duplicate`` (the first row counts), an id
        the set (or the part's ``indicators``) does not have is kept for :meth:`_report_rows`.
        A dashboard whose id, pillar, phase and statement cells are those of
        the last dashboard of its set read without a remark on them (as a
        region's dashboards are) is not checked again row by row.
        """
        info, c0 = self.info, sheet.c0
        rows = _Rows(notes=[{} for _ in range(slots)])
        body = sheet.rows[header_row + 1 - sheet.r0 :]
        at = tuple(c - c0 for c in (L.Q_COL_ID, L.Q_COL_PILLAR, L.Q_COL_PHASE, L.Q_COL_TEXT))
        note_cols = [(slot, n, n - c0, rows.notes[slot]) for slot, (_, n) in columns.items() if n is not None]
        # Each row's note cells, when every row has them all (and no notes to read when there are none).
        note_cells = _cells([a for _, _, a, _ in note_cols])
        width = min(map(len, body), default=0)
        if note_cells is not None and width > max(a for _, _, a, _ in note_cols):
            noted = list(map(note_cells, body))
            nothing = ("",) * len(note_cols)
        else:
            noted, nothing = [None] * len(body), ()
        block = None
        if indicators is None and width > max(at) and min(at) >= 0:
            block, kept = _Block(list(map(itemgetter(*at), body)), header_row), info.block
            if block == kept:  # the rows as written, as before: only their notes are read
                rows.seen, rows.id_rows, rows.ids = kept.seen, kept.id_rows, kept.ids
                rows.cells = list(map(body.__getitem__, kept.at))
                for k, ident in zip(kept.at, rows.ids, strict=True):
                    if noted[k] != nothing:
                        self._notes(sheet, header_row + 1 + k, body[k], ident, note_cols, noted[k])
                rows.width = width  # (the shortest row below the header: these rows are no shorter)
                return rows
        seen, id_rows, unknown, found, cells = rows.seen, rows.id_rows, rows.unknown, rows.ids, rows.cells
        expected = info.rows if indicators is None else {i: info.rows[i] for i in indicators}
        id_at, pillar_at, phase_at, text_at = at
        shown_at = max(pillar_at, phase_at, text_at)
        as_written = True  # every row an indicator's, in the set's order, with its cells as the writer writes them
        for r, row, typed in zip(range(header_row + 1, sheet.height), body, noted, strict=True):
            width = len(row)
            cell = row[id_at] if width > id_at else ""
            ident = (cell if cell.__class__ is str else _text(cell)).strip()
            if not ident:
                continue  # a pillar heading or an empty row
            id_rows.add(r)
            if ident in seen:
                self._again("row-duplicate", sheet, r, ident, seen, "appears again")
                as_written = False
                continue
            seen[ident] = r
            shown = expected.get(ident)
            if shown is None:
                unknown.append((r, ident))
                as_written = False
                continue
            found.append(ident)
            cells.append(row)
            ind, pillar, phase, text = shown
            if (
                width <= shown_at
                or row[pillar_at] != pillar
                or row[text_at] != text
                or (value := row[phase_at]).__class__ not in (int, float)
                or value != phase
                or cell.__class__ is not str
            ):  # not the row as written: check it cell by cell
                self._check_row(sheet, r, ind, info.texts[ident])
                as_written = False
            if typed != nothing:
                self._notes(sheet, r, row, ident, note_cols, typed)
        rows.in_order = found == info.ids or found == sorted(found, key=info.position.__getitem__)
        rows.width = min(map(len, cells), default=0)
        if block is not None and as_written and rows.in_order:
            # Equal cells are then these rows again (equal texts are the same text; the phases' types are compared).
            # The block keeps the set's own ids and texts in place of the sheet's (equal) ones.
            block.at = [seen[i] - header_row - 1 for i in found]
            block.ids = [expected[i][0].id for i in found]
            for k, ident in zip(block.at, block.ids, strict=True):
                block.cells[k] = info.cells[ident]
            block.seen = dict(zip(block.ids, map(seen.__getitem__, found), strict=True))
            block.id_rows = id_rows
            info.block = block
        return rows

    def _notes(
        self,
        sheet: _Sheet,
        r: int,
        row: list[Any],
        ident: str,
        note_cols: list[tuple[int, int, int, dict[str, str]]],
        typed: tuple[Any, ...] | None,
    ) -> None:
        """The notes in indicator ``ident``'s row ``r`` into each slot's ``notes``.

        ``note_cols``: per slot with a note column ``(slot, column, index in row, notes)``;
        ``typed``: the row's note cells when every row has them all, else ``None``.
        """
        if typed is None:
            typed = tuple(row[at] if at < len(row) else "" for _, _, at, _ in note_cols)
        for (_, n, _, notes), note in zip(note_cols, typed, strict=True):
            if note != "" and note is not None:
                note = _text(note).strip()
                if note and (len(note) <= MAX_CELL_TEXT or self._fits(sheet, r, n, note, f"the note on {ident}")):
                    notes[ident] = note

    def _answers(
        self,
        sheet: _Sheet,
        s: IndicatorSet,
        rows: _Rows,
        columns: tuple[int, int | None] | None,
        known: dict[Any, tuple[str | None, str | None]],
    ) -> tuple[dict[str, str], bool]:
        """A slot's answers by id, in the set's order, and whether anything was typed in its answer column.

        A typed value that the dashboard does not count is an issue
        (``answer-invalid``, ``answer-not-counted``; see :meth:`_answer`); the
        typed values met are kept in ``known`` for the next slots.
        """
        if columns is None:
            return {}, False
        a = columns[0]
        at = a - sheet.c0
        if rows.width > at:
            values = list(map(itemgetter(at), rows.cells))
        else:
            values = [row[at] if at < len(row) else "" for row in rows.cells]
        typed = set(values)
        blank = "" in typed or None in typed
        typed.discard("")
        typed.discard(None)
        labels = self.info.labels
        if typed <= labels.keys():  # only labels typed as they are, and blanks: the usual column
            if not blank:
                answers = dict(zip(rows.ids, map(labels.__getitem__, values), strict=True))
            else:
                pairs = zip(rows.ids, values, strict=True)
                answers = {ident: labels[value] for ident, value in pairs if value in typed}
        else:
            answers = {}
            for ident, value in zip(rows.ids, values, strict=True):
                if value != "" and value is not None:
                    try:
                        label, problem = known[value]
                    except (KeyError, TypeError):
                        label, problem = known.setdefault(value, self._answer(s, value))
                    if problem is not None:
                        code = "answer-invalid" if label is None else "answer-not-counted"
                        self.issue(code, sheet.ref(rows.seen[ident], a), problem)
                    elif label is not None:
                        answers[ident] = label
        if not rows.in_order:
            answers = {i.id: answers[i.id] for i in s.indicators if i.id in answers}
        return answers, bool(typed)

    def _measurement(
        self, s: IndicatorSet, slot: int, answers: dict[str, str], date: dt.date | None, by: str, notes: dict[str, str]
    ) -> MeasurementReading:
        """A slot's measurement, scored."""
        result, scores = scored(s, answers)
        pillars = {
            code: _built(
                PillarReading,
                {"phase": p.phase, "provisional": p.provisional, "phase_max": p.phase_max, "scores": scores[code]},
            )
            for code, p in result.pillars.items()
        }
        values = {
            "slot": slot,
            "label": L.slot_label(slot),
            "date": date,
            "ingevuld_door": by or None,
            "answered": result.answered,
            "total": result.total,
            "answers": answers,
            "pillars": pillars,
            "phase": result.phase,
            "settled": result.settled,
            "notes": notes,
        }
        return _built(MeasurementReading, values, {"_result": result})

    def _report_unread(
        self,
        sheet: _Sheet,
        s: IndicatorSet,
        header_row: int,
        columns: dict[int, tuple[int, int | None]],
        id_rows,
        shown: set[int] = frozenset(),
    ) -> None:
        """Every non-empty cell outside the cells the dashboard has (and the reader reads) is an issue.

        Known (see :mod:`piramide.layout`): above the header, columns A-E
        (title, labels, hints) and each slot's date and name; the header; per
        indicator row its id, texts, answers and notes; per pillar heading its
        code and texts. Anything else is not read, so it is
        reported: ``answers-unread`` (an error) when it looks like answers or
        notes (in an indicator row, in an answer or note column, or under a
        header such as ``Antwoord Meting 5``), ``cell-unread`` otherwise.
        Cells below the header are reported once per column, at the first.
        ``shown``: a part's read-only columns of an earlier measurement (with
        its date and name above them), known cells that are not read.
        """
        fixed = {*range(len(L.Q_FIXED_HEADERS)), *shown}
        slot_cols = {c for a, n in columns.values() for c in (a, n) if c is not None}
        date_row, by_row = header_row - (L.Q_ROW_HEADER - L.Q_ROW_DATE), header_row - (L.Q_ROW_HEADER - L.Q_ROW_BY)
        inputs = {(row, a) for row in (date_row, by_row) for a, _ in columns.values()}  # dates and names
        pillars = set(s.pillar_codes)

        def looks_like_answers(header: str) -> bool:
            return header.casefold().startswith(("antwoord", "toelichting", "meting", "0-meting"))

        widths = set(map(len, sheet.rows))
        all_columns = range(sheet.c0, sheet.c0 + max(widths, default=0))
        headers = {c: _text(sheet.get(header_row, c)).strip() for c in all_columns}
        below: dict[int, list[int]] = {}  # column -> rows with content, below the header
        answers_like: set[int] = set()
        # Per row width, the indexes of an indicator row's cells that are not read (usually none).
        read = fixed | slot_cols
        others = {w: [i for i in range(w) if i + sheet.c0 not in read] for w in widths}
        any_others = any(others.values())
        for r, row in enumerate(sheet.rows, sheet.r0):
            if r in id_rows:  # an indicator row: only its cells outside the fixed and slot columns can be unread
                if not any_others:
                    continue
                for i in others[len(row)]:
                    value = row[i]
                    if value in ("", None) or (isinstance(value, str) and not value.strip()):
                        continue
                    answers_like.add(i + sheet.c0)
                    below.setdefault(i + sheet.c0, []).append(r)
                continue
            for i, value in enumerate(row):
                if value in ("", None) or (isinstance(value, str) and not value.strip()):
                    continue
                c = i + sheet.c0
                if r < header_row:
                    if c not in fixed and (r, c) not in inputs:  # A-E: the title, labels and hints
                        self.issue(
                            "cell-unread",
                            sheet.ref(r, c),
                            f"{_clip(value)!r} is outside the dashboard's cells and is not read; "
                            "move it into a note (Toelichting) or remove it",
                        )
                    continue
                if r == header_row:
                    if c not in fixed and c not in slot_cols:
                        below.setdefault(c, [])
                    continue
                if c in fixed and (c != L.Q_COL_ID) and _text(row[L.Q_COL_PILLAR - sheet.c0]).strip() in pillars:
                    continue  # a pillar heading: its code, name and description
                elif c in slot_cols:
                    answers_like.add(c)
                below.setdefault(c, []).append(r)
        for c, rows in sorted(below.items()):
            header = headers.get(c, "")
            first = rows[0] if rows else header_row
            named = f" (headed {header!r})" if header else ""
            what = plural(len(rows), "cell")
            if c in answers_like or (rows and looks_like_answers(header)):
                self.issue(
                    "answers-unread",
                    sheet.ref(first, c),
                    f"{what} in column {L.col_letter(c)}{named} hold answers or notes outside the dashboard's "
                    "answer and note columns (or beside no indicator); they are not read: put them in a "
                    "measurement's Antwoord or Toelichting column (piramide upgrade adds slots when they ran out)",
                )
            elif rows:
                self.issue(
                    "cell-unread",
                    sheet.ref(first, c),
                    f"{what} in column {L.col_letter(c)}{named} outside the dashboard's cells, not read; "
                    "move them into a note (Toelichting) or remove them",
                )
            else:
                self.issue(
                    "cell-unread",
                    sheet.ref(first, c),
                    f"the header {header!r} in column {L.col_letter(c)} is not one of the dashboard's; it is not read",
                )

    @staticmethod
    def _answer(s: IndicatorSet, value: Any) -> tuple[str | None, str | None]:
        """(label, problem) of a typed answer cell: what the dashboard counts it as, or why it is not counted.

        A value counts only when the workbook's own formulas count it
        (:func:`piramide.layout.counted_label`), so that the reader and the
        dashboard never disagree. A value that means a label but that the
        formulas do not count (``'ja '``, ``'nvt'``) is ``answer-not-counted``
        and reads as blank, as the dashboard sees it; anything else is
        ``answer-invalid``.
        """
        if isinstance(value, str):
            label = L.counted_label(value, [a.label for a in s.answers])
            if label is not None:
                return label, None
            if not value.strip():
                return "", (
                    f"{value!r} holds only spaces: the dashboard does not count it as blank or as an answer; "
                    "empty the cell or choose from the list"
                )
            try:
                meant = s.normalise_answer(value)
            except AnswerError:
                meant = None
            if meant is not None:
                return meant, (
                    f"{value!r} is not counted by the dashboard (it counts {meant!r} exactly, in any case); "
                    f"choose {meant} from the list"
                )
        return None, f"{_text(value)!r} is not an answer; use {s.labels_text}"

    def _check_dates(self, sheet: _Sheet, dated: list[tuple[int, dt.date, int, int]]) -> None:
        """Warn about a measurement dated after today, or before the measurement in the slot before it.

        ``dated``: per measurement with a date, its slot, date and date cell (row, column), in slot order.
        """
        previous: tuple[int, dt.date] | None = None
        for slot, date, row, col in dated:
            if date > self.today:
                self.issue(
                    "date-future",
                    sheet.ref(row, col),
                    f"{L.slot_label(slot)} is dated {date.strftime('%d-%m-%Y')}, after today "
                    f"({self.today.strftime('%d-%m-%Y')}); "
                    "check the date (a region report leaves it out of the years and the latest date)",
                )
            if previous is not None and date < previous[1]:
                self.issue(
                    "date-order",
                    sheet.ref(row, col),
                    f"{L.slot_label(slot)} is dated {date.strftime('%d-%m-%Y')}, before {L.slot_label(previous[0])} "
                    f"({previous[1].strftime('%d-%m-%Y')}); measurements go in order: check the dates",
                )
            previous = (slot, date)

    def _fits(self, sheet: _Sheet, row: int, col: int, text: str, what: str) -> bool:
        """True when ``text`` fits in an Excel cell; else an issue with its cell (Excel would cut it off)."""
        if len(text) <= MAX_CELL_TEXT:
            return True
        self.issue(
            "text-too-long",
            sheet.ref(row, col),
            f"{what} has {len(text):,} characters; an Excel cell holds at most {MAX_CELL_TEXT:,}: shorten it "
            "(or move the rest to a separate document)",
        )
        return False

    def _check_row(self, sheet: _Sheet, r: int, ind, expected_text: str) -> None:
        pillar = _text(sheet.get(r, L.Q_COL_PILLAR)).strip()
        phase = sheet.get(r, L.Q_COL_PHASE)
        text = _text(sheet.get(r, L.Q_COL_TEXT))
        if pillar != ind.pillar:
            self.issue(
                "row-changed",
                sheet.ref(r, L.Q_COL_PILLAR),
                f"indicator {ind.id}: pillar {pillar!r}, but the set says {ind.pillar}; restore the row",
            )
        if _text(phase).strip() != str(ind.phase):
            self.issue(
                "row-changed",
                sheet.ref(r, L.Q_COL_PHASE),
                f"indicator {ind.id}: phase {_text(phase)!r}, but the set says {ind.phase}; restore the row",
            )
        if text != ind.text and _norm_space(text) != expected_text:
            self.issue(
                "row-changed",
                sheet.ref(r, L.Q_COL_TEXT),
                f"indicator {ind.id}: the statement was changed; the set says: {ind.text!r}",
            )

    def _report_rows(self, sheet: _Sheet, s: IndicatorSet, unknown_rows, missing, part: bool = False) -> None:
        by_text = {_norm_space(i.text): i for i in missing}
        still_missing = {i.id: i for i in missing}
        for r, ident in unknown_rows:
            match = by_text.get(_norm_space(_text(sheet.get(r, L.Q_COL_TEXT))))
            if match is not None:
                self.issue(
                    "id-changed",
                    sheet.ref(r, L.Q_COL_ID),
                    f"id {ident!r} is not in the set; this row's statement is that of {match.id}: "
                    f"restore the id {match.id}",
                )
                still_missing.pop(match.id, None)
            elif part and ident in s.by_id:
                self.issue(
                    "row-unknown",
                    sheet.ref(r, L.Q_COL_ID),
                    f"indicator {ident!r} is not in this deelvragenlijst; rows cannot be added "
                    "(answers on it are ignored)",
                )
            else:
                self.issue(
                    "row-unknown",
                    sheet.ref(r, L.Q_COL_ID),
                    f"indicator {ident!r} is not in the set {s.id} {s.version}; rows cannot be added "
                    "(answers on it are ignored)",
                )
        for ind in still_missing.values():
            self.issue(
                "row-missing",
                None,
                f"indicator {ind.id} ({ind.pillar}, fase {ind.phase}) has no row; it was deleted, so its "
                "answers count as blank",
            )

    def _date(self, sheet: _Sheet, row: int, col: int) -> dt.date | None:
        """The date in a slot's date cell: an Excel date, a serial number, or text d-m-yyyy / yyyy-mm-dd."""
        value = sheet.get(row, col)
        if value in ("", None):
            return None
        found = _parse_date(value)
        if found is None:
            self.issue(
                "date-invalid", sheet.ref(row, col), f"{_text(value)!r} is not a date; use a date such as 1-3-2026"
            )
            return None
        if not _FIRST_DATE <= found <= _LAST_DATE:
            self.issue(
                "date-invalid",
                sheet.ref(row, col),
                f"{found.strftime('%d-%m-%Y')} is not a plausible date of a measurement "
                "(a number typed in the date cell?); use a date such as 1-3-2026",
            )
            return None
        return found

    # -- Actieplan ------------------------------------------------------------------------

    def _plan(self, sheet: _Sheet, s: IndicatorSet) -> list[PlanRow]:
        """The rows of the Actieplan with any input, matched by id; wrong deadlines and statuses are issues."""
        found = self._header(
            sheet, L.A_HEADERS[: L.A_COL_HANDVAT + 1], L.A_ROW_HEADER, "plan-column-missing", "the plan"
        )
        if found is None:
            return []
        header_row, headers = found
        columns: dict[str, int] = {}
        for field, col in L.A_FIELDS.items():
            at = headers.get(L.A_HEADERS[col].casefold())
            if at is None:
                self.issue(
                    "plan-column-missing",
                    sheet.ref(header_row, col),
                    f"the column '{L.A_HEADERS[col]}' of the Actieplan is missing or renamed; it cannot be read",
                )
                continue
            columns[field] = at
        rows: list[PlanRow] = []
        seen: dict[str, int] = {}
        cols = [(field, col - sheet.c0) for field, col in columns.items()]
        if not cols:
            return rows
        # The cells from the first input column to the last: most rows hold nothing there (often no row does).
        span = slice(max(0, min(c for _, c in cols)), max(c for _, c in cols) + 1)
        body = sheet.rows[header_row + 1 - sheet.r0 :]
        typed = list(map(itemgetter(span), body))
        nothing = [""] * (span.stop - span.start)
        if typed.count(nothing) == len(typed):
            return rows
        for r, row, cells in zip(range(header_row + 1, sheet.height), body, typed, strict=True):
            if cells == nothing or _blanks(cells) == len(cells):
                continue
            values = {field: row[c] if 0 <= c < len(row) else "" for field, c in cols}
            if all(v in ("", None) or (isinstance(v, str) and not v.strip()) for v in values.values()):
                continue  # most rows: nothing typed
            ident = _text(sheet.get(r, L.A_COL_ID)).strip()
            if not ident:
                continue
            if self._again("plan-row-duplicate", sheet, r, ident, seen, "has another Actieplan row with input"):
                continue
            if ident not in s.by_id:
                self.issue(
                    "plan-row-unknown",
                    sheet.ref(r, L.A_COL_ID),
                    f"indicator {ident!r} is not in the set {s.id} {s.version}; its action cannot be kept",
                )
                continue
            row = PlanRow(indicator=ident)
            for field in ("actie", "eigenaar", "toelichting"):
                if field in values:
                    setattr(row, field, _text(values[field]).strip() or None)
            if "deadline" in values:
                row.deadline = self._deadline(sheet, r, columns["deadline"])
            if "status" in values and values["status"] not in ("", None):
                try:
                    row.status = normalise_status(_text(values["status"]))
                except ValueError as exc:
                    self.issue("plan-status-invalid", sheet.ref(r, columns["status"]), str(exc))
            rows.append(row)
        return rows

    def _deadline(self, sheet: _Sheet, row: int, col: int) -> dt.date | None:
        value = sheet.get(row, col)
        if value in ("", None) or (isinstance(value, str) and not value.strip()):
            return None
        found = _parse_date(value)
        if found is None or not _FIRST_DATE <= found <= _LAST_DATE:
            shown = _text(value) if found is None else found.strftime("%d-%m-%Y")
            self.issue(
                "plan-deadline-invalid",
                sheet.ref(row, col),
                f"deadline {shown!r} is not a date; use a date such as 1-9-2026",
            )
            return None
        return found

    # -- cached values --------------------------------------------------------------------

    def _check_cache(
        self, calc: _Sheet, s: IndicatorSet, slots: int, measurements: Sequence[MeasurementReading]
    ) -> None:
        codes = s.pillar_codes
        by_slot = {m.slot: m for m in measurements}
        cells = 0
        stale: list[str] = []
        for slot, (row, cols) in enumerate(_phase_cells(slots, codes, s.phase_numbers)):
            m = by_slot.get(slot)
            expected = [m.pillars[code].phase for code in codes] if m else [0] * len(codes)
            shown = [calc.get(row, col) for col in cols]
            if shown == expected:  # numbers equal to the computed phases: the usual row
                cells += len(shown)
                continue
            for code, got, phase in zip(codes, shown, expected, strict=True):
                if got in ("", None):
                    continue
                cells += 1
                if not isinstance(got, (int, float)) or got != phase:
                    stale.append(f"{L.name_phase(code, slot)} shows {_text(got)}, computed {phase}")
        if cells == 0 and measurements:
            self.issue(
                "cache-missing",
                None,
                "the formulas have no stored results (the file was saved by a program that does not "
                "calculate); open and save it in Excel or LibreOffice to see the phases there",
            )
        elif stale:
            more = f" (and {len(stale) - 3} more)" if len(stale) > 3 else ""
            row, cols = _phase_cells(slots, codes, s.phase_numbers)[0]
            first = f"{L.CALCULATION}!{L.cell(row, cols[0])}"
            self.issue(
                "cache-stale",
                first,
                f"the phases stored in the file differ from the computed ones: {'; '.join(stale[:3])}{more}; "
                "the file is stale or was edited (the computed phases are reported)",
            )


@functools.lru_cache(maxsize=64)
def _phase_cells(
    slots: int, pillars: tuple[str, ...], levels: tuple[int, ...]
) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """Per slot, the row on Berekening with the phase per pillar (``fase_<pillar>_<slot>``) and their columns."""
    layout = L.CalcLayout(slots, pillars, levels)
    return tuple((layout.slot_row(slot), tuple(map(layout.slot_pillar_col, pillars))) for slot in range(slots))


@dataclass
class _SetInfo:
    """What the reader checks a stored set's rows against, made once per set (see :func:`_set_from_json`)."""

    set: IndicatorSet
    texts: dict[str, str]
    """The statements, space-normalised, per indicator id."""
    rows: dict[str, tuple[Indicator, object, int, str]]
    """Per id the indicator, and the pillar, phase and statement that a row showing them unchanged holds."""
    ids: list[str]
    """The indicator ids in the set's order."""
    position: dict[str, int]
    """Each id's place in the set's order."""
    cells: dict[str, tuple[str, str, int, str]]
    """Per id the id, pillar, phase and statement cells of its row as written (a :class:`_Block`'s cells)."""
    labels: dict[str, str]
    """The labels that the dashboard's formulas count as themselves when typed exactly, each to itself: a
    reading holds the set's own label objects, which scoring then compares by identity."""
    block: _Block | None = dataclasses.field(default=None, compare=False)
    """The rows of the last dashboard of this set whose id, pillar, phase and statement cells are as written."""

    @classmethod
    def of(cls, s: IndicatorSet) -> _SetInfo:
        labels = [a.label for a in s.answers]
        return cls(
            set=s,
            texts={i.id: _norm_space(i.text) for i in s.indicators},
            # A pillar code with surrounding spaces is never shown unchanged (its cell is read stripped).
            rows={
                i.id: (i, i.pillar if i.pillar == i.pillar.strip() else _NO_CELL, i.phase, i.text) for i in s.indicators
            },
            ids=[i.id for i in s.indicators],
            cells={i.id: (i.id, i.pillar, i.phase, i.text) for i in s.indicators},
            position={i.id: k for k, i in enumerate(s.indicators)},
            labels={a: a for a in labels if L.counted_label(a, labels) == a},
        )


_SET_CACHE: dict[str, _SetInfo] = {}
_SET_CACHE_SIZE = 16
_LAST_SET: list[tuple[str, _SetInfo]] = []  # the text and set read last


def _set_from_json(text: str) -> _SetInfo:
    """The set stored in a workbook, with what its rows are checked against.

    The same text gives the same (immutable) set object: a region's
    workbooks share a handful of sets, so reading a folder parses and
    fingerprints each set once. The set read last is found by comparing
    the texts, which is cheaper than hashing a new one (45 kB).
    """
    last = next(iter(_LAST_SET), None)
    if last is not None and last[0] == text:
        return last[1]
    entry = _SET_CACHE.get(text)
    if entry is None:
        entry = _SetInfo.of(IndicatorSet.from_canonical_json(text))
        if len(_SET_CACHE) >= _SET_CACHE_SIZE:
            _SET_CACHE.pop(next(iter(_SET_CACHE)))
        _SET_CACHE[text] = entry
    _LAST_SET[:] = [(text, entry)]
    return entry


def _parse_date(value: Any) -> dt.date | None:
    """A date from a cell: an Excel date, a serial number, or text d-m-yyyy / yyyy-mm-dd; ``None`` if it is none."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 0 < value < 2_958_466:  # Excel's last date is 31-12-9999
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        return None
    if isinstance(value, str):
        try:
            if m := _DATE_TEXT.match(value):
                d, mth, y = map(int, m.groups())
                return dt.date(y, mth, d)
            if m := _ISO_DATE.match(value):
                y, mth, d = map(int, m.groups())
                return dt.date(y, mth, d)
        except ValueError:
            return None
    return None


def _json_list(text: str | None, ok) -> list:
    """A JSON list from the metadata, or ``[]`` when absent or damaged (informational only)."""
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return value if isinstance(value, list) and all(ok(x) for x in value) else []


def _clip(value: Any, limit: int = 60) -> str:
    text = _text(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _norm_space(text: str) -> str:
    return " ".join(text.split())


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


__all__ = [
    "ISSUE_CODES",
    "Issue",
    "MeasurementReading",
    "PartReading",
    "PillarReading",
    "SetRef",
    "WorkbookReading",
    "WorkbookRefused",
    "read_dashboard",
    "read_workbook",
]
