"""Progress after the 0-meting: per municipality and across a region.

Data flow: paths -> workbooks (read with :mod:`piramide.reader`, in
parallel) -> per municipality: history, changes, regressions, blocking
indicators -> across the region: latest phases, distribution per calendar
year, municipalities without a recent measurement. The result is plain data
(:class:`RegionProgress`); :meth:`RegionProgress.to_json` is the JSON
contract of ``piramide progress --json``. CSV and workbook output live in
:mod:`piramide.progress_out`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ._gemeenten import same_municipality
from ._pool import worker_pool
from ._text import has_errors
from .errors import PiramideError
from .model import IndicatorSet
from .plan import plan_progress
from .reader import MeasurementReading, WorkbookReading, read_workbook
from .scoring import blocking
from .sets import KnownSets

STALE_AFTER_DAYS = 456  # 15 months
PARALLEL_FROM = 16  # files; below this, reading in one process is faster


@dataclass(frozen=True)
class Regression:
    pillar: str
    from_slot: int
    to_slot: int
    from_phase: int
    to_phase: int

    def to_json(self) -> dict:
        return {
            "pillar": self.pillar,
            "from_slot": self.from_slot,
            "to_slot": self.to_slot,
            "from": self.from_phase,
            "to": self.to_phase,
        }


@dataclass(frozen=True)
class AnswerChange:
    indicator: str
    from_slot: int
    to_slot: int
    before: str | None
    after: str | None


@dataclass
class GemeenteProgress:
    """One municipality's history, from one workbook."""

    gemeente: str
    regio: str | None
    code: str | None
    file: str
    reading: WorkbookReading
    measurements: list[MeasurementReading]
    change_since_baseline: dict[str, int]
    change_since_previous: dict[str, int]
    regressions: list[Regression]
    changes: list[AnswerChange]
    blocking: dict[str, list[str]]
    set_changes: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plan: dict[str, list[str]] = field(default_factory=dict)
    """The action plan's state (:func:`piramide.plan.plan_progress`): ids per key."""

    @property
    def blocking_with_owner(self) -> tuple[int, int]:
        """(blocking indicators that have an owner in the plan, blocking indicators)."""
        total = sum(len(ids) for ids in self.blocking.values())
        return total - len(self.plan.get("blocking_without_owner", [])), total
    conflicts: list[dict] = field(default_factory=list)
    """Other files of this municipality with the same latest date but different answers."""
    unusable: list[dict] = field(default_factory=list)
    """Other files of this municipality that could not be used (errors), with their latest date."""
    today: dt.date | None = None
    """Dates after this day are left out of :attr:`latest_date` (and of the region's years)."""

    @property
    def indicator_set(self) -> IndicatorSet:
        return self.reading.indicator_set

    @property
    def settled(self) -> list[MeasurementReading]:
        """The measurements whose phases are settled: the ones changes and regressions compare."""
        return [m for m in self.measurements if m.settled]

    @property
    def latest(self) -> MeasurementReading | None:
        """The latest settled measurement: the municipality's current state."""
        settled = self.settled
        return settled[-1] if settled else None

    @property
    def running(self) -> MeasurementReading | None:
        """The last measurement, when it is still running (not settled); it never replaces :attr:`latest`."""
        return self.measurements[-1] if self.measurements and not self.measurements[-1].settled else None

    @property
    def latest_date(self) -> dt.date | None:
        """The latest measurement date that is not after today."""
        dates = [d for m in self.measurements if (d := usable_date(m, self.today))]
        return max(dates) if dates else None

    @property
    def warnings(self) -> list:
        """The reader's warnings about the measurement dates (future, out of order), with their cells."""
        return [i for i in self.reading.issues if i.code in DATE_WARNINGS]

    def to_json(self) -> dict:
        return {
            "gemeente": self.gemeente,
            "code": self.code,
            "regio": self.regio,
            "file": self.file,
            "set": self.reading.set.model_dump(),
            "measurements": [
                {
                    "slot": m.slot,
                    "label": m.label,
                    "date": m.date.isoformat() if m.date else None,
                    "phase": m.phase,
                    "pillars": {code: p.phase for code, p in m.pillars.items()},
                    "settled": m.settled,
                }
                for m in self.measurements
            ],
            "running": _running_json(self.running),
            "change_since_baseline": self.change_since_baseline,
            "change_since_previous": self.change_since_previous,
            "regressions": [r.to_json() for r in self.regressions],
            "changed_answers": [
                {
                    "indicator": c.indicator,
                    "from_slot": c.from_slot,
                    "to_slot": c.to_slot,
                    "from": c.before,
                    "to": c.after,
                }
                for c in self.changes
            ],
            "blocking": self.blocking,
            "plan": self.plan,
            "set_changes": self.set_changes,
            "notes": self.notes,
            "conflicts": self.conflicts,
            "unusable_files": self.unusable,
            "warnings": [{"code": i.code, "location": i.location, "message": i.message} for i in self.warnings],
        }


def _running_json(m: MeasurementReading | None) -> dict | None:
    if m is None:
        return None
    return {
        "slot": m.slot,
        "label": m.label,
        "date": m.date.isoformat() if m.date else None,
        "answered": m.answered,
        "total": m.total,
        "pillars": {code: [p.phase, p.phase_max] for code, p in m.pillars.items()},
    }


DATE_WARNINGS = ("date-future", "date-order")


def usable_date(m: MeasurementReading, today: dt.date | None) -> dt.date | None:
    """A measurement's date for the region's years and recency: none when it lies after ``today``."""
    return m.date if m.date is not None and (today is None or m.date <= today) else None


@dataclass(frozen=True)
class FileError:
    file: str
    message: str
    gemeente: str | None = None
    """For a file that was read but has errors: whom it holds, so its municipality can name it."""
    code: str | None = None
    latest_date: dt.date | None = None

    def to_json(self) -> dict:
        return {"file": self.file, "message": self.message}


@dataclass(frozen=True)
class Skipped(FileError):
    """A file that is not a municipality's dashboard, skipped with a note (a deelvragenlijst)."""


@dataclass
class RegionProgress:
    gemeenten: list[GemeenteProgress]
    errors: list[FileError]
    today: dt.date
    files: int
    set_conflicts: list[dict] = field(default_factory=list)
    """Sets claimed (same id and version) by used files with different content: see :func:`set_conflicts`."""
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def pillar_codes(self) -> list[str]:
        codes: list[str] = []
        for g in self.gemeenten:
            for code in g.indicator_set.pillar_codes:
                if code not in codes:
                    codes.append(code)
        return codes

    def distribution(self) -> dict[str, dict[str, dict[str, int]]]:
        """Per calendar year, per pillar (and ``totaal``), how many measurements reached each phase.

        Each municipality counts once per year: its last settled measurement
        of that year. Measurements without a date are left out (see
        :meth:`undated`); running ones too.
        """
        result: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        for g in self.gemeenten:
            per_year: dict[int, MeasurementReading] = {}
            dated = [m for m in g.settled if usable_date(m, self.today)]  # never a year from a future date
            for m in sorted(dated, key=lambda m: (m.date, m.slot)):
                per_year[m.date.year] = m  # the last of each year, by date
            for year, m in per_year.items():
                for code, p in m.pillars.items():
                    result[str(year)][code][str(p.phase)] += 1
                result[str(year)]["totaal"][str(m.phase)] += 1
        return {
            year: {code: dict(sorted(c.items())) for code, c in pillars.items()}
            for year, pillars in sorted(result.items())
        }

    def undated(self) -> int:
        return sum(1 for g in self.gemeenten for m in g.settled if m.date is None)

    def overdue(self) -> list[GemeenteProgress]:
        """Municipalities without a measurement in the last 15 months."""
        limit = self.today - dt.timedelta(days=STALE_AFTER_DAYS)
        return [g for g in self.gemeenten if g.latest_date is None or g.latest_date < limit]

    def plan_owner_share(self) -> float | None:
        """The share of the region's blocking indicators that have an owner in the plan; ``None`` when none blocks."""
        owned = total = 0
        for g in self.gemeenten:
            o, t = g.blocking_with_owner
            owned, total = owned + o, total + t
        return round(owned / total, 4) if total else None

    def names(self) -> list[str]:
        """Per municipality a unique name: the name, with the code (else the file) where two share it."""
        counts = Counter(g.gemeente.strip().casefold() for g in self.gemeenten)
        return [
            f"{g.gemeente} ({g.code or g.file})" if counts[g.gemeente.strip().casefold()] > 1 else g.gemeente
            for g in self.gemeenten
        ]

    def to_json(self) -> dict:
        return {
            "gemeenten": [g.to_json() for g in self.gemeenten],
            "errors": [e.to_json() for e in self.errors],
            "set_conflicts": self.set_conflicts,
            "skipped": [e.to_json() for e in self.skipped],
            "region": {
                "today": self.today.isoformat(),
                "files": self.files,
                "latest": {
                    key: {
                        "gemeente": g.gemeente,
                        "code": g.code,
                        "pillars": {c: p.phase for c, p in g.latest.pillars.items()} if g.latest else {},
                        "phase": g.latest.phase if g.latest else None,
                        "change_since_baseline": g.change_since_baseline,
                    }
                    for key, g in zip(self.names(), self.gemeenten, strict=True)
                },
                "distribution_per_year": self.distribution(),
                "undated_measurements": self.undated(),
                "without_recent_measurement": [
                    {
                        "gemeente": g.gemeente,
                        "code": g.code,
                        "latest_date": g.latest_date.isoformat() if g.latest_date else None,
                    }
                    for g in self.overdue()
                ],
                "plan_owner_share": self.plan_owner_share(),
            },
        }


# --- per municipality -------------------------------------------------------------------


def gemeente_progress(reading: WorkbookReading, today: dt.date | None = None) -> GemeenteProgress:
    """History, changes, regressions, blocking indicators and the action plan's state of one read workbook.

    ``today`` (default: today) is the date actions are overdue against. Phases
    are compared between settled measurements only: a running one (see
    :attr:`GemeenteProgress.running`) has no phases yet, only a range. Changed
    answers are listed between all consecutive measurements.
    """
    s = reading.indicator_set
    ms = [m for m in reading.measurements if m.settled]
    codes = list(s.pillar_codes)
    change_base: dict[str, int] = {}
    change_prev: dict[str, int] = {}
    if ms:
        first, last = ms[0], ms[-1]
        prev = ms[-2] if len(ms) > 1 else ms[-1]
        for code in codes:
            change_base[code] = last.pillars[code].phase - first.pillars[code].phase
            change_prev[code] = last.pillars[code].phase - prev.pillars[code].phase
        change_base["totaal"] = last.phase - first.phase
        change_prev["totaal"] = last.phase - prev.phase
    regressions = [
        Regression(code, before.slot, after.slot, before.pillars[code].phase, after.pillars[code].phase)
        for before, after in itertools.pairwise(ms)
        for code in codes
        if after.pillars[code].phase < before.pillars[code].phase
    ]
    changes = []
    ids = s.by_id  # the set's indicator ids, in its order
    for before, after in itertools.pairwise(reading.measurements):
        a, b = before.answers, after.answers
        if a != b:  # equal answers change nothing: no need to look per indicator
            changes.extend(
                AnswerChange(i, before.slot, after.slot, x, y) for i in ids if (x := a.get(i)) != (y := b.get(i))
            )
    set_changes = []
    slot_sets = [reading.set_of_slot(m.slot) for m in reading.measurements]
    for (before, a), (after, b) in itertools.pairwise(zip(reading.measurements, slot_sets, strict=True)):
        if a != b:
            set_changes.append(
                {
                    "from_slot": before.slot,
                    "to_slot": after.slot,
                    "from": a,
                    "to": b,
                    "pillars": set_differences(reading.history, a, b),
                }
            )
    blocked = blocking_indicators(s, ms[-1]) if ms else {}
    return GemeenteProgress(
        plan=plan_progress(reading.plan, blocked, today or dt.date.today()),
        set_changes=set_changes,
        gemeente=reading.gemeente,
        regio=reading.regio,
        code=reading.code,
        file=reading.file,
        reading=reading,
        measurements=list(reading.measurements),
        change_since_baseline=change_base,
        change_since_previous=change_prev,
        regressions=regressions,
        changes=changes,
        blocking=blocked,
    )


def set_differences(history: list[dict], start: str, end: str) -> dict[str, dict[str, list]]:
    """Per pillar, how the indicators differ between two set versions, from the upgrade history.

    Follows the upgrades recorded in the workbook from ``start`` to ``end``
    (``"<id> <version>"``) and lists per pillar the indicators ``dropped``,
    ``added`` (new, unanswered before), ``mapped`` (new id <- old ids) and
    ``text_changed``. Empty when the history does not connect them.
    """

    def label(ref: dict) -> str:
        return f"{ref.get('id')} {ref.get('version')}"

    chain, current = [], start
    for record in history:
        if label(record.get("from", {})) == current:
            chain.append(record)
            current = label(record.get("to", {}))
            if current == end:
                break
    if current != end:
        return {}
    result: dict[str, dict[str, list]] = {}

    def add(pillars: dict, kind: str, ident: str, value=None) -> None:
        pillar = pillars.get(ident, "?")
        bucket = result.setdefault(pillar, {"dropped": [], "added": [], "mapped": [], "text_changed": []})
        bucket[kind].append(value if value is not None else ident)

    for record in chain:
        pillars = record.get("pillars", {})
        for ident in record.get("dropped", []):
            add(pillars, "dropped", ident)
        for ident in record.get("new", []):
            add(pillars, "added", ident)
        for new, olds in record.get("mapped", {}).items():
            add(pillars, "mapped", new, {"to": new, "from": list(olds)})
        for ident in record.get("text_changed", []):
            add(pillars, "text_changed", ident)
    return dict(sorted(result.items()))


def blocking_indicators(s: IndicatorSet, m: MeasurementReading) -> dict[str, list[str]]:
    """Per pillar below the top phase: the applicable indicators of the next phase not answered with full points.

    These are what stands between the pillar and its next phase (with their
    *handvat*, the to-do list). Blank answers count as not met; ``n.v.t.``
    indicators are not applicable and so never block.
    """
    return blocking(s, {code: p.phase for code, p in m.pillars.items()}, m.answers)


# --- the region ---------------------------------------------------------------------------


def _usable(path: Path, result: WorkbookReading | ReadFailure, today: dt.date | None) -> WorkbookReading | FileError:
    """A reading progress can use, or why not: refused, failed, or with errors (the first is named)."""
    if isinstance(result, ReadFailure):
        return FileError(str(path), result.message.removeprefix(f"{path}: "))
    reading = result
    if reading.part is not None:
        return Skipped(
            str(path),
            f"is a deelvragenlijst ({reading.part.respondent}, {reading.part.label}) of {reading.gemeente}, not a "
            "dashboard; merge it into its dashboard with piramide merge",
        )
    errors = reading.errors
    if errors:
        more = "; all: piramide check" if len(errors) > 1 else ""
        dates = [d for m in reading.measurements if (d := usable_date(m, today))]
        return FileError(
            str(path),
            has_errors(errors) + more,
            gemeente=reading.gemeente,
            code=reading.code,
            latest_date=max(dates, default=None),
        )
    return result


@dataclass(frozen=True)
class ReadFailure:
    """A file that could not be read; ``message`` is one line that starts with the file."""

    file: str
    message: str


def read_or_refuse(
    path: Path, known: KnownSets | None = None, today: dt.date | None = None
) -> WorkbookReading | ReadFailure:
    """Read one workbook; whatever goes wrong becomes a :class:`ReadFailure`, never an exception.

    A refusal (:class:`InputError`) keeps its message; any other failure is a
    bug in piramide or its parser, reported for this file only, so that a
    folder run goes on with the others.
    """
    try:
        return read_workbook(path, known, today=today)
    except PiramideError as exc:
        message = str(exc)
        return ReadFailure(str(path), message if message.startswith(str(path)) else f"{path}: {message}")
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - one file must not stop a folder
        return ReadFailure(
            str(path), f"{path}: cannot be read (internal error: {type(exc).__name__}); please report this file"
        )


_SENT_SETS: set[str] = set()  # in a worker: fingerprints of the sets already sent to the parent


def _read_in_worker(path: Path, known: KnownSets | None = None, today: dt.date | None = None):
    """:func:`read_or_refuse` for a worker process, with a lean result to send back.

    A reading's indicator set is most of its pickled size and would arrive in
    the parent as one copy per file; each worker sends each set once (as its
    canonical JSON), and the parent shares one object per set. The scoring
    engine's full results are not needed by progress and are left out.
    """
    result = read_or_refuse(path, known, today)
    if isinstance(result, ReadFailure):
        return result, None
    s = result._indicator_set
    result._indicator_set = None
    for m in result.measurements:
        m._result = None
    text = None
    if s.fingerprint not in _SENT_SETS:
        _SENT_SETS.add(s.fingerprint)
        text = s.canonical_json()
    return result, (s.fingerprint, text)


def _read_chunk(paths: Sequence[Path], known: KnownSets | None, today: dt.date | None) -> list:
    """:func:`_read_in_worker` for each of ``paths`` (one round trip to a worker), in order."""
    return [_read_in_worker(path, known, today) for path in paths]


CHUNK_SHARE = 4
"""Each chunk of files sent to a worker is 1 / (CHUNK_SHARE x workers) of the files not yet sent."""


def chunk_sizes(files: int, workers: int) -> list[int]:
    """How many files each chunk sent to the workers holds, in order: large first, down to one at the end.

    Each chunk takes a share of the files still left (guided scheduling):
    few round trips while there is much to read, and at the end no worker
    waits long for another's last chunk: over 342 files on two workers,
    equal chunks of 21 files left one worker idle for about 80 ms at the end,
    these for about one file's reading.
    """
    sizes = []
    while files > 0:
        size = max(1, files // (CHUNK_SHARE * workers))
        sizes.append(size)
        files -= size
    return sizes


def read_each(
    files: Sequence[Path],
    workers: int | None = None,
    known: KnownSets | None = None,
    today: dt.date | None = None,
) -> Iterator[tuple[Path, WorkbookReading | ReadFailure]]:
    """Read workbooks and yield ``(path, reading or failure)`` in input order; one file never stops the others.

    With more than one file the reading happens in worker processes (over the
    cores from :data:`PARALLEL_FROM` files on), so that even a file that
    crashes the native parser takes down only its worker: the pool is
    restarted, the files still open are read again one worker at a time, and
    the file whose reading killed a worker is reported as a failure.
    ``workers=1`` reads in this process (no isolation; for profiling).
    ``known`` and ``today`` are passed on to :func:`~piramide.reader.read_workbook`.
    """
    files = list(files)
    if len(files) <= 1 or workers == 1:
        for f in files:
            yield f, read_or_refuse(f, known, today)
        return
    from concurrent.futures.process import BrokenProcessPool  # loaded with the pool, as _pool does

    n = min(workers or os.cpu_count() or 1, len(files)) if len(files) >= PARALLEL_FROM else 1
    sets: dict[str, IndicatorSet] = {}

    def unpack(result, set_ref):
        if set_ref is not None:
            fingerprint, text = set_ref
            if text is not None and fingerprint not in sets:
                sets[fingerprint] = IndicatorSet.from_canonical_json(text)
            result._indicator_set = sets[fingerprint]
        return result

    read = functools.partial(_read_in_worker, known=known, today=today)
    done = 0
    try:
        with worker_pool(n) as pool:
            futures, start = [], 0
            for size in chunk_sizes(len(files), n):
                futures.append(pool.submit(_read_chunk, files[start : start + size], known, today))
                start += size
            for future in futures:
                for result, set_ref in future.result():
                    yield files[done], unpack(result, set_ref)
                    done += 1
        return
    except BrokenProcessPool:
        pass
    # A worker died: go on one file at a time, in a fresh worker after each death.
    while done < len(files):
        try:
            with worker_pool(1) as pool:
                futures = [pool.submit(read, f) for f in files[done:]]
                for future in futures:
                    yield files[done], unpack(*future.result())
                    done += 1
        except BrokenProcessPool:
            path = files[done]
            yield path, ReadFailure(
                str(path), f"{path}: cannot be read (the reading process crashed on it); please report this file"
            )
            done += 1


def read_all(
    files: Sequence[Path],
    workers: int | None = None,
    on_done: Callable[[], None] | None = None,
    known: KnownSets | None = None,
    today: dt.date | None = None,
    on_result: Callable[[WorkbookReading | FileError], None] | None = None,
) -> list[WorkbookReading | FileError]:
    """Read workbooks (see :func:`read_each`), in input order; failures and files with errors as :class:`FileError`.

    ``on_done`` is called after each file, ``on_result`` with each result as
    it comes in (while the workers read the next files).
    """
    out: list[WorkbookReading | FileError] = []
    for path, result in read_each(files, workers, known, today):
        usable = _usable(path, result, today)
        out.append(usable)
        if on_result:
            on_result(usable)
        if on_done:
            on_done()
    return out


def _same_municipality(readings: list[WorkbookReading]) -> list[list[WorkbookReading]]:
    """Group the readings that hold the same municipality (:func:`~piramide._gemeenten.same_municipality`)."""
    groups = same_municipality([(r.gemeente, r.code) for r in readings])
    return [[readings[i] for i in group] for group in groups]


def region_progress(
    files: Iterable[Path],
    today: dt.date | None = None,
    workers: int | None = None,
    on_done: Callable[[], None] | None = None,
    known: KnownSets | None = None,
) -> RegionProgress:
    """Read every workbook and compute the progress per municipality and for the region.

    Files that cannot be read, or that have errors, are listed in
    ``errors`` and never stop the others; a file with errors is also named
    in its municipality's section. When two workbooks hold the same
    municipality (same code, or same name), the one with the latest
    measurement is used and the other is noted; with the same latest date
    but different answers, that is a *conflict*. Dates after ``today``
    never make a measurement the latest. Files that claim the same set (id
    and version) with different content are reported in ``set_conflicts``;
    none of them is preferred. ``known`` are the published sets the files
    are checked against (default: the bundled sets).
    """
    files = list(files)
    today = today or dt.date.today()
    ahead: dict[int, GemeenteProgress] = {}

    def work_ahead(result: WorkbookReading | FileError) -> None:
        """A reading's progress, computed while the workers read on: nearly every reading is used."""
        if isinstance(result, WorkbookReading):
            with contextlib.suppress(Exception):  # if it is used, it fails again below, as it did before
                ahead[id(result)] = gemeente_progress(result, today)

    results = read_all(files, workers, on_done, known, today, on_result=work_ahead)
    skipped = [r for r in results if isinstance(r, Skipped)]
    errors = [r for r in results if isinstance(r, FileError) and not isinstance(r, Skipped)]
    identified = [r for r in results if isinstance(r, WorkbookReading) or (isinstance(r, FileError) and r.gemeente)]
    recency = functools.partial(_recency, today=today)
    gemeenten = []
    for group in _same_municipality(identified):
        readings = [r for r in group if isinstance(r, WorkbookReading)]
        if not readings:
            continue  # only files with errors: listed under errors
        chosen = max(readings, key=recency)
        g = ahead.get(id(chosen)) or gemeente_progress(chosen, today)
        g.today = today
        for other in sorted(readings, key=lambda r: r.file):  # notes in a fixed order, whatever the input order
            if other is not chosen:
                _compare(g, chosen, other, today)
        for bad in sorted((e for e in group if isinstance(e, FileError)), key=lambda e: e.file):
            later = bad.latest_date is not None and (g.latest_date is None or bad.latest_date > g.latest_date)
            g.unusable.append({"file": bad.file, "latest_date": bad.latest_date.isoformat() if bad.latest_date else None})
            g.notes.append(
                f"{bad.file} holds {bad.gemeente} too but could not be used ({bad.message})"
                + (f"; it holds a later measurement ({bad.latest_date.isoformat()}), so this is not the latest state"
                   if later else "")
            )
        gemeenten.append(g)
    gemeenten.sort(key=lambda g: (g.gemeente.casefold(), g.code or "", g.file))
    used = [r for r in results if isinstance(r, WorkbookReading)]
    return RegionProgress(gemeenten, errors, today, len(files), set_conflicts(used), skipped=skipped)


def set_conflicts(readings: Iterable[WorkbookReading]) -> list[dict]:
    """Sets that two or more workbooks claim (same id and version) with different content.

    A published set (bundled, or given with ``--set``) cannot be among them:
    a workbook that differs from it has the error ``set-altered`` and is not
    used. Two workbooks on an unpublished set that disagree cannot both hold
    that set, and which one does is not for progress to guess.
    """
    claims: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in readings:
        claims[(r.set.id, r.set.version)][r.indicator_set.fingerprint].append(r.file)
    return [
        {"set": {"id": key[0], "version": key[1]}, "files": {fp: sorted(files) for fp, files in sorted(by_fp.items())}}
        for key, by_fp in sorted(claims.items())
        if len(by_fp) > 1
    ]


def _compare(g: GemeenteProgress, chosen: WorkbookReading, other: WorkbookReading, today: dt.date) -> None:
    """Note a second file of the municipality: older, the same measurement, or a conflict."""
    mine, theirs = _latest_measurement(chosen, today), _latest_measurement(other, today)
    if _recency(other, today)[:1] != _recency(chosen, today)[:1]:
        g.notes.append(f"{other.file} holds {other.gemeente} too; {chosen.file} has the later measurement and is used")
    elif (mine.answers if mine else {}) != (theirs.answers if theirs else {}):
        when = mine.date.isoformat() if mine and mine.date else "no date"
        g.conflicts.append({"file": other.file, "date": mine.date.isoformat() if mine and mine.date else None})
        g.notes.append(
            f"CONFLICT: {other.file} holds {other.gemeente} too, with a latest measurement of the same date "
            f"({when}) but different answers; {chosen.file} is used: find out which one is right"
        )
    else:
        g.notes.append(f"{other.file} holds {other.gemeente} too; both have the same latest measurement; the first file is used")


def _latest_measurement(reading: WorkbookReading, today: dt.date) -> MeasurementReading | None:
    return max(
        reading.measurements, key=lambda m: (usable_date(m, today) or dt.date.min, m.slot), default=None
    )


def _recency(reading: WorkbookReading, today: dt.date | None = None) -> tuple:
    dates = [d for m in reading.measurements if (d := usable_date(m, today))]
    latest_slot = max((m.slot for m in reading.measurements), default=-1)
    # Later measurement first; on a tie, the file that sorts first (the choice must not depend on order).
    return (max(dates) if dates else dt.date.min, latest_slot, _Desc(reading.file))


class _Desc(str):
    """A string that sorts in reverse, so that max() picks the first file name on ties."""

    def __lt__(self, other):
        return str.__gt__(self, other)

    def __gt__(self, other):
        return str.__lt__(self, other)
