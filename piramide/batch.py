"""Blank dashboards for a whole region: one workbook per row of a CSV file.

Data flow: CSV -> :class:`BatchRow` list (bad rows become problems, never
guesses) -> a unique file name per row -> workbooks written in parallel
(one process per core), each atomically. A failing row never stops the
others; the caller gets one :class:`BatchOutcome` per row.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ._csv import read_csv_table
from ._escape import control_problem
from ._files import distinct_stems, make_folder, safe_file_stem, write_atomic
from ._gemeenten import same_municipality
from ._outputs import refuse_overwriting_answers
from ._pool import worker_pool
from ._text import noun
from .blank import Blank
from .errors import ArgumentError, InputError, OutputExistsError, PiramideError
from .model import IndicatorSet
from .writer import WorkbookSpec, check_password, workbook_bytes

MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
BLANK_FROM = 8
"""From this many rows on, dashboards are filled in from a blank written once (:mod:`piramide.blank`)."""
COLUMNS = ("gemeente", "regio", "code")


@dataclass(frozen=True)
class BatchRow:
    """One data row of the CSV file (``line`` is the line number in the file)."""

    line: int
    gemeente: str
    regio: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


@dataclass(frozen=True)
class BatchOutcome:
    """What became of one row: written to ``path``, or ``error`` (nothing written)."""

    row: BatchRow
    path: Path
    error: PiramideError | None = None
    kept: bool = False
    """The file existed already and was kept (``skip_existing``)."""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def written(self) -> bool:
        return self.ok and not self.kept


def read_gemeenten_csv(path: Path) -> tuple[list[BatchRow], list[RowProblem]]:
    """Read the municipalities CSV: header ``gemeente`` and optionally ``regio``, ``code``.

    Encodings and separators as :func:`~piramide._csv.read_csv_table`. Raises
    :class:`InputError` when the file as a whole is unusable.
    """
    header, records = read_csv_table(path, "CSV file", MAX_CSV_BYTES, "the column 'gemeente'")
    if "gemeente" not in header:
        raise InputError(
            f"{path}:1: no column 'gemeente' in the header ({', '.join(header) or 'empty'}); "
            f"expected the columns {', '.join(COLUMNS)} (regio and code optional)"
        )
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise InputError(
            f"{path}:1: unknown {noun(len(unknown), 'column')} {', '.join(unknown)}; allowed: {', '.join(COLUMNS)}"
        )
    index = {h: header.index(h) for h in COLUMNS if h in header}
    rows: list[BatchRow] = []
    problems: list[RowProblem] = []
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) + len(problems) >= MAX_ROWS:
            raise InputError(f"{path}: more than {MAX_ROWS} rows; split the file")
        values = {k: (record[i].strip() if i < len(record) else "") for k, i in index.items()}
        if len(record) > len(header):
            problems.append(RowProblem(line, f"{len(record)} fields, but the header has {len(header)}"))
            continue
        if not values["gemeente"]:
            problems.append(RowProblem(line, "the gemeente is empty"))
            continue
        too_long = [k for k, v in values.items() if len(v) > 255]
        if too_long:
            problems.append(RowProblem(line, f"{too_long[0]} is longer than 255 characters"))
            continue
        control = next(filter(None, (control_problem(k, v) for k, v in values.items())), None)
        if control:
            problems.append(RowProblem(line, control))
            continue
        rows.append(BatchRow(line, values["gemeente"], values.get("regio") or None, values.get("code") or None))
    return rows, problems


def plan_file_names(rows: Iterable[BatchRow]) -> list[str]:
    """A distinct ``.xlsx`` file name per row, stable for the same input.

    Names that map to the same file name (case-insensitively, as on Windows
    and macOS) get their ``code`` appended when that tells them apart, else a
    number: nothing overwrites anything.
    """
    rows = list(rows)
    stems = [safe_file_stem(r.gemeente) for r in rows]
    clashes = Counter(s.lower() for s in stems)
    candidates = []
    for row, stem in zip(rows, stems, strict=True):
        if clashes[stem.lower()] > 1 and row.code:
            stem = f"{stem}-{safe_file_stem(row.code, 'code')}"
        candidates.append(stem)
    return [f"{name}.xlsx" for name in distinct_stems(candidates)]


def duplicate_rows(rows: list[BatchRow]) -> list[list[int]]:
    """The rows that hold the same municipality as another row (same name, or same code), as groups of indexes.

    Each still gets its own file; the caller warns, because ``progress``
    will use only one workbook per municipality.
    """
    return [group for group in same_municipality([(r.gemeente, r.code) for r in rows]) if len(group) > 1]


# -- parallel build ------------------------------------------------------------------

_worker_state: dict = {}
_KEPT = "kept"


def _set_state(
    indicator_set: IndicatorSet, slots: int, password: str | None, force: bool, skip: bool, blanks: dict
) -> None:
    _worker_state.update(set=indicator_set, slots=slots, password=password, force=force, skip=skip, blanks=blanks)


def _blanks(rows: list[BatchRow], indicator_set: IndicatorSet, slots: int, password: str | None) -> dict:
    """The blank dashboards the rows need, by (regio given, code given); ``None`` where there is none."""
    keys = {(bool(r.regio), bool(r.code)) for r in rows}
    return {key: Blank.make(indicator_set, slots, password, regio=key[0], code=key[1]) for key in sorted(keys)}


def dashboard_bytes(row: BatchRow, spec: WorkbookSpec, blanks: dict) -> bytes:
    """A row's dashboard: filled in from its blank, or written directly when there is none or it does not fit."""
    blank = blanks.get((bool(row.regio), bool(row.code)))
    data = blank.fill(row.gemeente, row.regio, row.code) if blank is not None else None
    return data if data is not None else workbook_bytes(spec)


def _build_one(job: tuple[BatchRow, Path]) -> PiramideError | str | None:
    """Write one row's dashboard; the error, :data:`_KEPT`, or None when written."""
    row, path = job
    st = _worker_state
    try:
        if st["skip"] and path.exists():
            return _KEPT
        if st["force"]:
            refuse_overwriting_answers(path)
        spec = WorkbookSpec(st["set"], row.gemeente, row.regio, row.code, st["slots"], st["password"])
        write_atomic(path, dashboard_bytes(row, spec, st["blanks"]), force=st["force"])
    except OutputExistsError as exc:
        return _KEPT if st["skip"] else exc
    except PiramideError as exc:
        return exc
    except OSError as exc:
        return PiramideError(f"{path}: cannot be written ({exc.strerror or exc})")
    return None


def build_batch(
    rows: list[BatchRow],
    out_dir: Path,
    indicator_set: IndicatorSet,
    *,
    slots: int,
    password: str | None = None,
    force: bool = False,
    skip_existing: bool = False,
    workers: int | None = None,
    on_done: Callable[[BatchOutcome], None] | None = None,
) -> list[BatchOutcome]:
    """Write one dashboard per row into ``out_dir``; returns an outcome per row, in order.

    An existing file is an error unless ``force`` (then it is replaced, but
    never a dashboard that holds answers: that row fails) or
    ``skip_existing`` (then it is kept).
    """
    if force and skip_existing:
        raise ArgumentError("skip_existing", True, "cannot go with force=True (keep existing files, or replace them)")
    check_password(password)  # once, not once per row
    make_folder(out_dir)
    jobs = [(row, out_dir / name) for row, name in zip(rows, plan_file_names(rows), strict=True)]
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    # Blanks pay from a few rows on (each costs about three dashboards); workers inherit them.
    blanks = _blanks(rows, indicator_set, slots, password) if len(jobs) >= BLANK_FROM else {}
    init = (indicator_set, slots, password, force, skip_existing, blanks)
    outcomes: list[BatchOutcome] = []

    def record(job, result):
        kept = result == _KEPT
        outcome = BatchOutcome(job[0], job[1], None if kept else result, kept)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)

    if workers <= 1 or len(jobs) < 4:
        _set_state(*init)  # in this process: Ctrl-C stays with the user
        for job in jobs:
            record(job, _build_one(job))
    else:
        with worker_pool(workers, _set_state, init) as pool:
            for job, error in zip(jobs, pool.map(_build_one, jobs, chunksize=8), strict=True):
                record(job, error)
    return outcomes
