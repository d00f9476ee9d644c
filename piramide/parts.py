"""Deelvragenlijsten: one measurement split over respondents, and merged back, losing and hiding nothing.

Split: dashboard -> :func:`~piramide.reader.read_dashboard` -> the slot to
fill and the measurement before it -> a respondent per indicator (per
pillar by default, or from a CSV) -> one part workbook per respondent,
written by the dashboard's own writer (a :class:`~piramide.writer.PartSpec`),
each atomically and read back.

Merge: dashboard + parts -> each part read by the same reader -> bound to
the dashboard (workbook id, set fingerprint, gemeente, one slot, each
respondent once) or refused -> per indicator the answers of the parts and of
the dashboard; a disagreement is a conflict, listed and never resolved
silently -> the dashboard's contents as :func:`~piramide.upgrade.plan_upgrade`
carries them, with the slot filled -> the new dashboard written to a
temporary file, read back, compared, and moved into place. The inputs are
only ever read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from . import layout as L
from ._csv import read_csv_table
from ._files import distinct_stems, safe_file_stem, unique_paths, write_atomic
from ._outputs import refuse_overwriting_answers
from ._text import has_errors, plural
from .errors import ArgumentError, InputError, OutputExistsError, PartsRefused, Remedy, UpgradeVerificationError
from .model import IndicatorSet
from .plan import PlanRow
from .reader import MAX_CELL_TEXT, WorkbookReading, read_dashboard, read_workbook
from .upgrade import carried_spec, plan_upgrade, too_long, verify_written
from .writer import PartSpec, SlotContent, WorkbookSpec, workbook_bytes

#: The usual owner of each pillar of the reference set: the default respondents (``BO gemeentesecretaris/OOV``).
DEFAULT_OWNERS = {
    "BO": "gemeentesecretaris/OOV",
    "IP": "informatievoorziening",
    "BH": "vergunningverlening en handhaving",
    "IV": "HRM/P&O",
    "CO": "communicatie",
}
MAX_RESPONDENT = 100  # characters
MAX_CSV_BYTES = 1024 * 1024
CSV_COLUMNS = ("indicator", "respondent")

Prefer = Literal["parts", "file"]


# --- respondents ------------------------------------------------------------------------------


def default_respondents(s: IndicatorSet) -> dict[str, str]:
    """Indicator id -> respondent: one per pillar, named by its code and usual owner (or the pillar's name)."""
    names = {p.code: f"{p.code} {DEFAULT_OWNERS.get(p.code, p.name)}" for p in s.pillars}
    return {i.id: names[i.pillar] for i in s.indicators}


def read_respondents_csv(path: str | Path, s: IndicatorSet) -> dict[str, str]:
    """Indicator id -> respondent, from a CSV with the columns ``indicator`` and ``respondent``.

    ``indicator`` holds an indicator id (``CO-2.03``) or a pillar code
    (``CO``); an id wins over its pillar. Separators and encodings as Excel
    saves CSV. Raises :class:`~piramide.errors.PartsRefused` listing every
    bad line (``FILE:LINE: message``), or every indicator left without a
    respondent; :class:`~piramide.errors.InputError` when the file cannot be
    used at all.
    """
    path = Path(path)
    header, records = read_csv_table(path, "CSV file", MAX_CSV_BYTES, "the columns 'indicator' and 'respondent'")
    missing_columns = [c for c in CSV_COLUMNS if c not in header]
    unknown = [h for h in header if h and h not in CSV_COLUMNS]
    if missing_columns or unknown:
        raise InputError(
            f"{path}:1: the header must be 'indicator' and 'respondent' (found: {', '.join(header) or 'nothing'})"
        )
    col_key, col_name = header.index("indicator"), header.index("respondent")
    ids = {i.id.casefold(): i.id for i in s.indicators}
    pillars = {p.code.casefold(): p.code for p in s.pillars}
    spelling: dict[str, str] = {}  # casefolded respondent -> the first spelling (one respondent, one file)
    given: dict[str, tuple[str, int]] = {}  # indicator id or pillar code -> (respondent, line)
    problems: list[str] = []
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            problems.append(f"{path}:{line}: {len(record)} fields, but the header has {len(header)}")
            continue
        key = record[col_key].strip() if col_key < len(record) else ""
        name = record[col_name].strip() if col_name < len(record) else ""
        target = ids.get(key.casefold()) or pillars.get(key.casefold())
        problem = _respondent_problem(name)
        if not key:
            problem = "the indicator is empty; give an indicator id or a pillar code"
        elif target is None:
            problem = (
                f"{key[:40]!r} is neither an indicator id nor a pillar code of {s.id} {s.version} "
                f"(pillars: {', '.join(s.pillar_codes)})"
            )
        if problem:
            problems.append(f"{path}:{line}: {problem}")
            continue
        name = spelling.setdefault(name.casefold(), name)
        if target in given and given[target][0] != name:
            first, at = given[target]
            problems.append(f"{path}:{line}: {target} has the respondent {first!r} already (line {at})")
            continue
        given.setdefault(target, (name, line))
    if problems:
        raise PartsRefused(f"{path}: {plural(len(problems), 'problem')}; nothing was written", problems)
    result: dict[str, str] = {}
    without: list[str] = []
    for ind in s.indicators:
        found = given.get(ind.id) or given.get(ind.pillar)
        if found is None:
            without.append(ind.id)
        else:
            result[ind.id] = found[0]
    if without:
        raise PartsRefused(
            f"{path}: {plural(len(without), 'indicator has', 'indicators have')} no respondent; add a row for "
            "each, or for its pillar; nothing was written",
            [f"{path}: no respondent for {', '.join(without)}"],
        )
    return result


def _respondent_problem(name: str) -> str | None:
    if not name:
        return "the respondent is empty"
    if any(not ch.isprintable() for ch in name):
        return "the respondent contains a control character (a tab, a line break?); type the name on one line"
    if len(name) > MAX_RESPONDENT:
        return f"the respondent is longer than {MAX_RESPONDENT} characters"
    return None


# --- split ----------------------------------------------------------------------------------


@dataclass
class PartFile:
    respondent: str
    path: Path
    indicators: list[str]

    def to_json(self) -> dict:
        return {"respondent": self.respondent, "file": str(self.path), "indicators": self.indicators}


@dataclass
class SplitReport:
    input: str
    gemeente: str
    workbook_id: str
    workbook_id_stored: bool
    slot: int
    previous_slot: int | None
    parts: list[PartFile] = field(default_factory=list)
    others: list[PartFile] = field(default_factory=list)
    """Parts of the same measurement already in the folder from an earlier split (with other respondents)."""

    def to_json(self) -> dict:
        return {
            "input": self.input,
            "gemeente": self.gemeente,
            "workbook_id": self.workbook_id,
            "workbook_id_stored": self.workbook_id_stored,
            "slot": self.slot,
            "label": L.slot_label(self.slot),
            "previous_slot": self.previous_slot,
            "parts": [p.to_json() for p in self.parts],
            "others": [p.to_json() for p in self.others],
        }


def split_workbook(
    path: str | Path,
    out_dir: str | Path,
    *,
    slot: int | None = None,
    respondents: str | Path | dict[str, str] | None = None,
    force: bool = False,
) -> SplitReport:
    """Write one part (deelvragenlijst) per respondent for one measurement slot of a dashboard.

    ``slot`` defaults to the slot after the last one with answers (the next
    measurement). ``respondents`` is a CSV path (:func:`read_respondents_csv`)
    or a mapping indicator id -> respondent; default one per pillar
    (:func:`default_respondents`). Each part is named ``<gemeente> -
    <respondent>.xlsx`` (portable, distinct); existing files are kept
    (:class:`~piramide.errors.OutputExistsError`) unless ``force``.
    """
    path, out_dir = Path(path), Path(out_dir)
    reading = read_dashboard(path)
    if reading.errors:
        raise PartsRefused(f"{path}: {has_errors(reading.errors)}; fix them first")
    s = reading.indicator_set
    slot = _split_slot(reading, slot)
    if out_dir.exists() and not out_dir.is_dir():
        raise ArgumentError("out_dir", str(out_dir), "is a file, not a folder")
    if isinstance(respondents, dict):
        assignment = dict(respondents)
        without = [i.id for i in s.indicators if not assignment.get(i.id)]
        bad = sorted({n for n in assignment.values() if n and _respondent_problem(n)})
        if without or bad:
            raise PartsRefused(
                "the respondents do not cover the set once each; nothing was written",
                [f"no respondent for {', '.join(without)}"] * bool(without)
                + [f"{n!r}: {_respondent_problem(n)}" for n in bad],
            )
    elif respondents is not None:
        assignment = read_respondents_csv(respondents, s)
    else:
        assignment = default_respondents(s)
    groups: dict[str, list[str]] = defaultdict(list)
    for ind in s.indicators:
        groups[assignment[ind.id]].append(ind.id)

    by_slot = {m.slot: m for m in reading.measurements}
    previous = max((k for k in by_slot if k < slot), default=None)
    contents = [SlotContent() for _ in range(slot + 1)]
    earlier = None
    if previous is not None:
        m = by_slot[previous]
        earlier = SlotContent(dict(m.answers), dict(m.notes), m.date, m.ingevuld_door)
        contents[previous] = earlier
    if slot in by_slot:  # a measurement under way: the part shows what the dashboard has already
        contents[slot] = SlotContent(dict(by_slot[slot].answers), dict(by_slot[slot].notes))
    elif slot in reading.unanswered:
        contents[slot] = SlotContent(notes=dict(reading.unanswered[slot].notes))

    stems = distinct_stems(
        [f"{safe_file_stem(reading.gemeente)} - {safe_file_stem(name, 'respondent')}" for name in groups]
    )
    targets = [out_dir / f"{stem}.xlsx" for stem in stems]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise OutputExistsError(existing[0])
    for target in existing:  # even with force: a part someone filled in is never replaced
        refuse_overwriting_answers(target)
    report = SplitReport(str(path), reading.gemeente, reading.workbook_id, reading.workbook_id_stored, slot, previous)
    for (respondent, ids), target in zip(groups.items(), targets, strict=True):
        spec = WorkbookSpec(
            indicator_set=s,
            gemeente=reading.gemeente,
            regio=reading.regio,
            code=reading.code,
            slots=reading.slots,
            content=tuple(contents),
            workbook_id=reading.workbook_id,
            part=PartSpec(slot, respondent, tuple(ids), previous, earlier),
            plan=tuple(r for r in reading.plan if r.indicator in set(ids)),
        )
        expected = {i: a for i, a in contents[slot].answers.items() if i in set(ids) and a}
        write_atomic(
            target,
            workbook_bytes(spec),
            force=force,
            verify=lambda tmp, spec=spec, expected=expected: _verify_part(tmp, spec, expected),
        )
        report.parts.append(PartFile(respondent, target, ids))
    report.others = _earlier_parts(out_dir, reading, slot, set(targets))
    return report


def _earlier_parts(folder: Path, reading: WorkbookReading, slot: int, written: set[Path]) -> list[PartFile]:
    """Parts of this dashboard and slot in ``folder`` that this split did not write (a split before, other names).

    Merging the folder would merge both splits; the caller says so. Files that
    cannot be read are not this function's business (``merge`` names them).
    """
    found = []
    for f in sorted(folder.glob("*.xlsx")):
        if f in written or f.name.startswith(("~$", ".~lock")):
            continue
        try:
            r = read_workbook(f)
        except InputError:
            continue
        if r.part is not None and r.workbook_id == reading.workbook_id and r.part.slot == slot:
            found.append(PartFile(r.part.respondent, f, r.part.indicators))
    return found


def _split_slot(reading: WorkbookReading, slot: int | None) -> int:
    answered = [m.slot for m in reading.measurements]
    if slot is None:
        slot = max(answered, default=-1) + 1
        if slot >= reading.slots:
            raise ArgumentError(
                "slot",
                None,
                f"every one of the {reading.slots} slots up to the last has answers; add slots first "
                "(piramide upgrade) or name a slot",
            )
    elif not 0 <= slot < reading.slots:
        raise ArgumentError("slot", slot, f"must be from 0 to {reading.slots - 1} (the workbook has that many slots)")
    return slot


def _verify_part(tmp: Path, spec: WorkbookSpec, expected: dict[str, str]) -> None:
    """Read a written part back: bound to its dashboard, its indicators, its slot, what it was given."""
    part = spec.part
    assert part is not None
    r = read_workbook(tmp)
    ok = (
        r.kind == L.KIND_PART
        and r.part is not None
        and not r.errors
        and r.workbook_id == spec.workbook_id
        and r.set.fingerprint == spec.indicator_set.fingerprint
        and (r.part.slot, r.part.respondent, tuple(r.part.indicators)) == (part.slot, part.respondent, part.indicators)
        and r.part.answers == expected
        and [row.model_dump() for row in r.plan] == [row.model_dump() for row in spec.plan]
    )
    if not ok:
        raise UpgradeVerificationError(
            f"the deelvragenlijst of {part.respondent!r} did not read back as written; it was not written. "
            "This is a bug: please report it"
        )


# --- merge ----------------------------------------------------------------------------------


@dataclass
class PartSource:
    """A part that was merged: its file, respondent and what it held."""

    file: str
    respondent: str
    indicators: list[str]
    answered: int
    date: dt.date | None
    ingevuld_door: str | None

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "respondent": self.respondent,
            "answered": self.answered,
            "total": len(self.indicators),
            "date": self.date.isoformat() if self.date else None,
            "ingevuld_door": self.ingevuld_door,
        }


@dataclass
class Conflict:
    """An indicator with different answers in two parts, or in a part and the dashboard."""

    indicator: str
    values: list[tuple[str, str | None, str]]  # (file, respondent or None for the dashboard, answer or value)
    resolved_by: Prefer | None = None
    kept: str | None = None
    field: str | None = None
    """The Actieplan field (``actie``, ``eigenaar``, ...) that disagrees; ``None``: the answer."""

    @property
    def between_parts(self) -> bool:
        return len({a for _, who, a in self.values if who is not None}) > 1

    def __str__(self) -> str:
        given = "; ".join(f"{a} in {f}" + (f" ({who})" if who else " (the dashboard)") for f, who, a in self.values)
        winner = {"parts": "the deelvragenlijst wins", "file": "the dashboard wins"}.get(self.resolved_by or "")
        settled = f" -> {self.kept or 'blank'} ({winner})" if winner else ""
        what = f"{self.indicator} (Actieplan {self.field})" if self.field else self.indicator
        return f"{what}: {given}{settled}"

    def to_json(self) -> dict:
        return {
            "indicator": self.indicator,
            "field": self.field,
            "values": [{"file": f, "respondent": who, "answer": a} for f, who, a in self.values],
            "resolved_by": self.resolved_by,
            "kept": self.kept,
        }


@dataclass
class StillBlank:
    """Indicators of one respondent (``None``: of no part given) that are still blank after the merge."""

    respondent: str | None
    open: list[str]
    total: int

    def __str__(self) -> str:
        return f"{self.respondent or 'in no deelvragenlijst'}: {len(self.open)} van {self.total} nog open"

    def to_json(self) -> dict:
        return {"respondent": self.respondent, "open": self.open, "total": self.total, "text": str(self)}


@dataclass
class MergeReport:
    """What a merge did, or would do: the report of ``piramide merge``."""

    input: str
    output: str
    workbook_id: str
    slot: int | None = None
    parts: list[PartSource] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    plan_merged: list[str] = field(default_factory=list)
    """Indicators whose Actieplan row the parts changed."""
    still_blank: list[StillBlank] = field(default_factory=list)
    date: dt.date | None = None
    ingevuld_door: str | None = None
    verified: bool = False

    @property
    def unresolved(self) -> list[Conflict]:
        return [c for c in self.conflicts if c.resolved_by is None]

    def to_json(self) -> dict:
        return {
            "input": self.input,
            "output": self.output,
            "workbook_id": self.workbook_id,
            "slot": self.slot,
            "label": L.slot_label(self.slot) if self.slot is not None else None,
            "parts": [p.to_json() for p in self.parts],
            "refused": [{"file": f, "reason": why} for f, why in self.refused],
            "merged": self.merged,
            "plan_merged": self.plan_merged,
            "conflicts": [c.to_json() for c in self.conflicts],
            "still_blank": [b.to_json() for b in self.still_blank],
            "date": self.date.isoformat() if self.date else None,
            "ingevuld_door": self.ingevuld_door,
            "verified": self.verified,
        }


def merge_parts(
    path: str | Path,
    parts: Sequence[str | Path],
    out: str | Path,
    *,
    prefer: Prefer | None = None,
    force: bool = False,
) -> MergeReport:
    """Merge filled-in parts into their measurement slot; write the result to ``out`` (the input is never modified).

    Raises :class:`~piramide.errors.PartsRefused` (with the ``report``) when a
    part is refused (another dashboard, slot or set; unreadable; errors; a
    respondent twice) or when answers conflict and ``prefer`` does not say
    which wins (``"parts"`` or ``"file"``; two parts that disagree are never
    chosen between). Nothing is written then.
    """
    path, out = Path(path), Path(out)
    if prefer not in (None, "parts", "file"):
        raise ArgumentError("prefer", prefer, "must be parts or file")
    files = unique_paths(Path(p) for p in parts)
    if not files:
        raise InputError("no deelvragenlijst given to merge")
    if out.resolve() == path.resolve() or out.resolve() in {f.resolve() for f in files}:
        raise ArgumentError("out", str(out), "is an input; the output must be a new file (inputs are never modified)")
    reading = read_dashboard(path)
    if reading.errors:
        raise PartsRefused(f"{path}: {has_errors(reading.errors)}; fix them first")
    if out.exists() and not force:
        raise OutputExistsError(out)
    if force:
        refuse_overwriting_answers(out)  # a dashboard someone may have filled in since
    report = MergeReport(str(path), str(out), reading.workbook_id)
    accepted = _bind(reading, files, report)
    if report.refused:
        raise PartsRefused(
            f"{plural(len(report.refused), 'deelvragenlijst', 'deelvragenlijsten')} refused; nothing was written",
            [f"{f}: {why}" for f, why in report.refused],
            report,
        )
    slot = accepted[0].part.slot
    report.slot = slot
    plan = plan_upgrade(reading, None, None, str(out))
    while len(plan.contents) <= slot:
        plan.contents.append(SlotContent())
        plan.slot_sets.append(None)
    target = plan.contents[slot]
    _merge_answers(reading, accepted, target, prefer, report)
    plan.actions = _merge_plan(reading, accepted, plan.actions, prefer, report)
    if report.unresolved:
        between = any(c.between_parts for c in report.unresolved)
        raise PartsRefused(
            f"{plural(len(report.unresolved), 'conflict')}; nothing was written"
            + (
                "; deelvragenlijsten that disagree must be corrected (no option chooses between respondents)"
                if between
                else ""
            ),
            [str(c) for c in report.unresolved],
            report,
            None if between else Remedy("prefer", "parts", "(or file) to say which wins"),
        )
    _merge_notes_and_heads(accepted, target, report)
    _still_blank(reading.indicator_set, accepted, target, report)
    long = too_long(plan)
    if long:
        raise PartsRefused(
            f"{'; '.join(long)}; an Excel cell holds at most {MAX_CELL_TEXT:,} characters: shorten the texts; "
            "nothing was written",
            long,
            report,
        )
    data = workbook_bytes(carried_spec(reading, plan))
    write_atomic(out, data, force=force, verify=lambda tmp: verify_written(tmp, plan, reading, "merged", slot))
    report.verified = True
    return report


def _bind(reading: WorkbookReading, files: list[Path], report: MergeReport) -> list[WorkbookReading]:
    """Read every part; those not bound to this dashboard, one slot and one respondent each go to ``refused``."""
    accepted: list[WorkbookReading] = []
    for f in files:
        try:
            r = read_workbook(f)
        except InputError as exc:
            report.refused.append((str(f), str(exc).removeprefix(f"{f}: ")))
            continue
        why = _refusal(reading, r)
        if why:
            report.refused.append((str(f), why))
        else:
            accepted.append(r)
    slots = {r.part.slot for r in accepted}
    if len(slots) > 1:
        for r in accepted:
            report.refused.append(
                (
                    r.file,
                    f"is for {r.part.label}; the deelvragenlijsten are for {len(slots)} different measurements "
                    "(merge one measurement at a time)",
                )
            )
        return []
    by_respondent: dict[str, list[WorkbookReading]] = defaultdict(list)
    for r in accepted:
        by_respondent[r.part.respondent.casefold()].append(r)
    for same in by_respondent.values():
        if len(same) > 1:
            names = ", ".join(r.file for r in same)
            for r in same:
                report.refused.append(
                    (
                        r.file,
                        f"the deelvragenlijst of {r.part.respondent!r} is given {len(same)} times ({names}); "
                        "give each respondent's file once",
                    )
                )
    if any(len(same) > 1 for same in by_respondent.values()):
        return []
    order = {i.id: n for n, i in enumerate(reading.indicator_set.indicators)}
    accepted.sort(key=lambda r: (min(order[i] for i in r.part.indicators), r.part.respondent))
    for r in accepted:
        report.parts.append(
            PartSource(r.file, r.part.respondent, r.part.indicators, r.part.answered, r.part.date, r.part.ingevuld_door)
        )
    return accepted


def _refusal(dashboard: WorkbookReading, r: WorkbookReading) -> str | None:
    """Why the reading ``r`` cannot be merged into ``dashboard``, or ``None``."""
    if r.kind != L.KIND_PART or r.part is None:
        same = r.workbook_id == dashboard.workbook_id
        return (
            "is a dashboard"
            + (" with this dashboard's id (a copy, or an altered deelvragenlijst)" if same else "")
            + ", not a deelvragenlijst"
        )
    if r.workbook_id != dashboard.workbook_id:
        return (
            f"belongs to another dashboard ({r.gemeente}, workbook id {r.workbook_id[:8]}...); "
            f"this is {dashboard.gemeente}, workbook id {dashboard.workbook_id[:8]}..."
        )
    if r.errors:
        return f"{has_errors(r.errors)}; have it corrected (piramide check lists them)"
    if r.set.fingerprint != dashboard.set.fingerprint:
        return (
            f"was made from another indicator set ({r.set.id} {r.set.version}); the dashboard is on "
            f"{dashboard.set.id} {dashboard.set.version} (split it again)"
        )
    if (r.gemeente, r.regio, r.code) != (dashboard.gemeente, dashboard.regio, dashboard.code):
        return f"its metadata names the gemeente {r.gemeente!r}, the dashboard {dashboard.gemeente!r}; it was altered"
    outside = [row.indicator for row in r.plan if row.indicator not in set(r.part.indicators)]
    if outside:
        return f"has Actieplan rows of indicators not in it ({', '.join(outside)}); it was altered"
    if r.part.slot >= dashboard.slots:
        return f"is for {r.part.label}, but the dashboard has {plural(dashboard.slots, 'slot')}"
    return None


def _merge_answers(
    reading: WorkbookReading, parts: list[WorkbookReading], target: SlotContent, prefer, report: MergeReport
) -> None:
    """Per indicator, the parts' answer into ``target``; disagreements become conflicts (resolved only by ``prefer``)."""
    for ind in reading.indicator_set.indicators:
        given = [(r.file, r.part.respondent, r.part.answers[ind.id]) for r in parts if ind.id in r.part.answers]
        if not given:
            continue
        mine = target.answers.get(ind.id)
        labels = {a for _, _, a in given}
        values = ([(reading.file, None, mine)] if mine is not None else []) + given
        if len(labels) > 1:  # two parts disagree: only the dashboard's own answer can settle it
            settled = prefer == "file" and mine is not None
            report.conflicts.append(Conflict(ind.id, values, "file" if settled else None, mine if settled else None))
            continue
        (answer,) = labels
        if mine is not None and mine != answer:
            conflict = Conflict(ind.id, values, prefer, {"parts": answer, "file": mine}.get(prefer or ""))
            report.conflicts.append(conflict)
            if prefer == "parts":
                target.answers[ind.id] = answer
                report.merged.append(ind.id)
            continue
        if mine is None:
            target.answers[ind.id] = answer
            report.merged.append(ind.id)


def _merge_plan(
    reading: WorkbookReading, parts: list[WorkbookReading], rows: list[PlanRow], prefer, report: MergeReport
) -> list[PlanRow]:
    """The dashboard's Actieplan rows with the parts' fields; each field follows the rules of an answer.

    A field a part leaves blank gives nothing (as a blank answer): clearing a
    field is done in the dashboard. Two parts that disagree on a field are a
    conflict only the dashboard's own value can settle (``prefer="file"``); a
    part that disagrees with the dashboard is settled by ``prefer``.
    """
    mine = {r.indicator: r for r in rows}
    given_rows = [(r, {row.indicator: row for row in r.plan}) for r in parts]
    result: list[PlanRow] = []
    for ind in reading.indicator_set.indicators:
        row = mine.get(ind.id) or PlanRow(indicator=ind.id)
        changes: dict[str, object] = {}
        for name in L.A_FIELDS:
            given = [
                (r.file, r.part.respondent, getattr(by_id[ind.id], name))
                for r, by_id in given_rows
                if ind.id in by_id and getattr(by_id[ind.id], name) not in (None, "")
            ]
            if not given:
                continue
            have = getattr(row, name)
            have = None if have in (None, "") else have
            values = {v for _, _, v in given}
            own = [(reading.file, None, have)] if have is not None else []
            shown = [(f, who, _shown(v)) for f, who, v in own + given]
            if len(values) > 1:
                settled = prefer == "file" and have is not None
                kept = _shown(have) if settled else None
                report.conflicts.append(Conflict(ind.id, shown, "file" if settled else None, kept, name))
                continue
            (value,) = values
            if have is not None and have != value:
                kept = {"parts": _shown(value), "file": _shown(have)}.get(prefer or "")
                report.conflicts.append(Conflict(ind.id, shown, prefer, kept, name))
                if prefer == "parts":
                    changes[name] = value
                continue
            if have is None:
                changes[name] = value
        if changes:
            row = row.model_copy(update=changes)
            report.plan_merged.append(ind.id)
        if row.has_input():
            result.append(row)
    return result


def _shown(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _merge_notes_and_heads(parts: list[WorkbookReading], target: SlotContent, report: MergeReport) -> None:
    """Notes prefixed with their respondent; who filled it in; the date (the latest part's, unless set)."""
    for r in parts:
        who = r.part.respondent
        for ident, note in r.part.notes.items():
            existing = target.notes.get(ident, "")
            prefixed = f"[{who}] {note}"
            if note == existing.strip() or prefixed in existing:
                continue  # unchanged (a part that showed the dashboard's note), or merged before
            target.notes[ident] = f"{existing.rstrip()}\n{prefixed}" if existing.strip() else prefixed
    entries = [e for e in (target.ingevuld_door or "").split("; ") if e]
    for r in parts:
        if not (r.part.answers or r.part.notes):
            continue
        name = r.part.ingevuld_door
        entry = r.part.respondent if not name or name == r.part.respondent else f"{r.part.respondent} ({name})"
        if entry not in entries:
            entries.append(entry)
    target.ingevuld_door = "; ".join(entries) or None
    if target.date is None:
        target.date = max((r.part.date for r in parts if r.part.date), default=None)
    report.date, report.ingevuld_door = target.date, target.ingevuld_door


def _still_blank(s: IndicatorSet, parts: list[WorkbookReading], target: SlotContent, report: MergeReport) -> None:
    covered: set[str] = set()
    for r in parts:
        covered.update(r.part.indicators)
        report.still_blank.append(
            StillBlank(r.part.respondent, [i for i in r.part.indicators if not target.answers.get(i)], r.part.total)
        )
    elsewhere = [i.id for i in s.indicators if i.id not in covered]
    if elsewhere:
        report.still_blank.append(StillBlank(None, [i for i in elsewhere if not target.answers.get(i)], len(elsewhere)))


__all__ = [
    "DEFAULT_OWNERS",
    "Conflict",
    "MergeReport",
    "PartFile",
    "PartSource",
    "SplitReport",
    "StillBlank",
    "default_respondents",
    "merge_parts",
    "read_respondents_csv",
    "split_workbook",
]
