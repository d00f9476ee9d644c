"""Carry a municipality's history to a new indicator set, or to more slots, losing nothing silently.

Data flow: filled workbook -> :func:`~piramide.reader.read_workbook` ->
a :class:`Plan` (which old answers go where: carried by id, mapped through
``replaces``, dropped, new) -> a new workbook written to a temporary file
-> read back and compared with the plan -> moved into place. The input
file is only ever read.

Rules (see ``docs/indicator-sets.md``):

- an indicator whose id is in both sets carries its answers and notes; a
  changed statement under the same id is carried and reported;
- a new indicator with ``replaces: [old ids]`` takes the answers of those
  old indicators. Several old answers merge into one, conservatively: blank
  if all of them are blank; ``n.v.t.`` if every given one is; otherwise the
  applicable answer with the fewest points. Their notes are joined, each marked with
  its old id;
- an old answer whose label is not on the new answer scale is dropped;
- an old indicator that the new set neither keeps nor replaces is dropped,
  with its answers and notes. When anything would be dropped the upgrade
  refuses, unless ``allow_drop``; then the dropped answers are written to a
  CSV next to the output;
- the action plan (Actieplan) goes the same way: a row follows its
  indicator by id or ``replaces``; the rows of merged indicators are joined
  (:func:`piramide.plan.join_rows`); the row of a dropped indicator is
  dropped only with ``allow_drop``, and saved in the same CSV. A dashboard
  made before the Actieplan gets an empty one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import layout as L
from ._csv import excel_csv
from ._files import write_atomic
from ._text import has_errors, plural
from .errors import ArgumentError, OutputExistsError, Remedy, UpgradeRefused, UpgradeVerificationError
from .model import IndicatorSet, answer_key
from .plan import PlanRow, join_rows
from .reader import MAX_CELL_TEXT, WorkbookReading, read_dashboard, read_workbook
from .writer import SlotContent, WorkbookSpec, workbook_bytes


UNREAD_CODES = ("answers-unread", "cell-unread")
"""Issues of cells the reader does not read: an upgrade would silently leave them behind, so it refuses."""


@dataclass
class Dropped:
    indicator: str
    text: str
    answers: dict[int, str] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    reason: str = "not in the new set"
    action: PlanRow | None = None
    """The indicator's row of the action plan, if it had input."""


@dataclass
class Mapped:
    to: str
    sources: tuple[str, ...]
    answers: dict[int, dict] = field(default_factory=dict)  # slot -> {"from": {old: label}, "to": label}


@dataclass
class Plan:
    """What goes where; the report of an upgrade."""

    input: str
    output: str
    old_set: IndicatorSet
    new_set: IndicatorSet
    old_slots: int
    new_slots: int
    contents: list[SlotContent]
    slot_sets: list[str | None]
    carried: list[str] = field(default_factory=list)
    mapped: list[Mapped] = field(default_factory=list)
    text_changed: list[str] = field(default_factory=list)
    moved: list[dict] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    actions: list[PlanRow] = field(default_factory=list)
    """The action plan of the new workbook."""
    actions_joined: dict[str, list[str]] = field(default_factory=dict)
    """New id -> the old ids whose plan rows were joined into its row."""
    emptied: list[int] = field(default_factory=list)
    """Measurement slots left without answers (all sat on dropped indicators): kept as measurements."""
    dropped_csv: str | None = None
    verified: bool = False

    @property
    def dropped_answers(self) -> int:
        return sum(len(d.answers) + len(d.notes) for d in self.dropped)

    @property
    def dropped_actions(self) -> int:
        return sum(1 for d in self.dropped if d.action is not None)

    def history_record(self) -> dict:
        """What the new workbook remembers of this upgrade (metadata ``history``)."""
        return {
            "date": dt.date.today().isoformat(),
            "from": {"id": self.old_set.id, "version": self.old_set.version, "fingerprint": self.old_set.fingerprint},
            "to": {"id": self.new_set.id, "version": self.new_set.version, "fingerprint": self.new_set.fingerprint},
            "carried": self.carried,
            "mapped": {m.to: list(m.sources) for m in self.mapped},
            "text_changed": self.text_changed,
            "dropped": [d.indicator for d in self.dropped if d.reason == "not in the new set"],
            "new": self.new,
            "pillars": {i.id: i.pillar for i in self.old_set.indicators}
            | {i.id: i.pillar for i in self.new_set.indicators},
        }

    def to_json(self) -> dict:
        def ref(s: IndicatorSet) -> dict:
            return {"id": s.id, "version": s.version, "fingerprint": s.fingerprint}

        return {
            "input": self.input,
            "output": self.output,
            "from_set": ref(self.old_set),
            "to_set": ref(self.new_set),
            "slots": {"from": self.old_slots, "to": self.new_slots},
            "carried": self.carried,
            "mapped": [
                {"to": m.to, "from": list(m.sources), "answers": {str(k): v for k, v in sorted(m.answers.items())}}
                for m in self.mapped
            ],
            "text_changed": self.text_changed,
            "moved": self.moved,
            "dropped": [
                {
                    "id": d.indicator,
                    "text": d.text,
                    "reason": d.reason,
                    "answers": {str(k): v for k, v in sorted(d.answers.items())},
                    "notes": {str(k): v for k, v in sorted(d.notes.items())},
                    "action": None if d.action is None else d.action.model_dump(mode="json"),
                }
                for d in self.dropped
            ],
            "new": self.new,
            "actions": {"carried": [r.indicator for r in self.actions], "joined": self.actions_joined},
            "emptied": self.emptied,
            "dropped_answers": self.dropped_answers,
            "dropped_actions": self.dropped_actions,
            "dropped_csv": self.dropped_csv,
            "verified": self.verified,
        }


def plan_upgrade(reading: WorkbookReading, new_set: IndicatorSet | None, slots: int | None, output: str = "") -> Plan:
    """Work out where every answer, note, date and name goes (nothing is written)."""
    old = reading.indicator_set
    new = new_set or old
    new_slots = slots or reading.slots
    remains = reading.unanswered  # slots without answers that hold a date, a name or notes
    used = max([m.slot for m in reading.measurements] + list(remains), default=-1) + 1
    if new_slots < reading.slots:
        raise ArgumentError(
            "slots", new_slots, f"fewer than the {reading.slots} slots the workbook has; slots are only added"
        )
    if not 1 <= new_slots <= L.MAX_SLOTS:
        raise ArgumentError("slots", new_slots, f"must be from 1 to {L.MAX_SLOTS}")
    contents = [SlotContent() for _ in range(max(used, 0))]
    by_slot = {m.slot: m for m in reading.measurements}
    slot_data = {**{k: _Remains(r) for k, r in remains.items()}, **by_slot}
    for slot in range(used):
        m = slot_data.get(slot)
        if m is not None:
            contents[slot].date = m.date
            contents[slot].ingevuld_door = m.ingevuld_door
    plan = Plan(
        input=reading.file,
        output=output,
        old_set=old,
        new_set=new,
        old_slots=reading.slots,
        new_slots=new_slots,
        contents=contents,
        slot_sets=[None] * used,
    )
    for slot in range(used):
        if slot in by_slot:
            plan.slot_sets[slot] = reading.set_of_slot(slot)

    labels = {answer_key(a.label): a.label for a in new.answers}
    points = new.points

    def translate(label: str) -> str | None:
        return labels.get(answer_key(label))

    sources: dict[str, tuple[str, ...]] = {}
    replaced_by: dict[str, list[str]] = defaultdict(list)
    for ind in new.indicators:
        olds = tuple(o for o in ind.replaces if o in old.by_id and o != ind.id)
        for o in olds:
            replaced_by[o].append(ind.id)
        if ind.id in old.by_id:
            # Same id: carried; it may take other old indicators too (a merge into a kept id).
            sources[ind.id] = (ind.id, *olds)
            plan.carried.append(ind.id)
            before = old.by_id[ind.id]
            if " ".join(ind.text.split()) != " ".join(before.text.split()):
                plan.text_changed.append(ind.id)
            if (ind.pillar, ind.phase) != (before.pillar, before.phase):
                plan.moved.append(
                    {
                        "id": ind.id,
                        "from": {"pillar": before.pillar, "phase": before.phase},
                        "to": {"pillar": ind.pillar, "phase": ind.phase},
                    }
                )
        else:
            sources[ind.id] = olds
            if not olds:
                plan.new.append(ind.id)
    # Answers (and notes) per slot.
    for slot, m in sorted(slot_data.items()):
        content = contents[slot]
        for ind in new.indicators:
            src = sources[ind.id]
            if not src:
                continue
            given = {o: m.answers.get(o) for o in src}
            translated = {o: (translate(a) if a is not None else None) for o, a in given.items()}
            for o, a in given.items():
                if a is not None and translated[o] is None:
                    reason = f"answer '{a}' is not on the answer scale of {new.id} {new.version}"
                    entry = next((d for d in plan.dropped if d.indicator == o and d.reason == reason), None)
                    if entry is None:
                        entry = Dropped(o, old.by_id[o].text, reason=reason)
                        plan.dropped.append(entry)
                    entry.answers[slot] = a
            answer = _merge([translated[o] for o in src], points)
            if answer is not None:
                content.answers[ind.id] = answer
            notes = [(o, m.notes[o]) for o in src if m.notes.get(o)]
            if notes:
                content.notes[ind.id] = (
                    notes[0][1] if len(src) == 1 else "\n".join(f"[{o}] {text}" for o, text in notes)
                )
            if src != (ind.id,) and any(given[o] is not None for o in src):
                mapped = next((x for x in plan.mapped if x.to == ind.id), None)
                if mapped is None:
                    mapped = Mapped(ind.id, src)
                    plan.mapped.append(mapped)
                mapped.answers[slot] = {"from": {o: given[o] for o in src}, "to": answer}
    for ind in new.indicators:
        if sources[ind.id] and sources[ind.id] != (ind.id,) and not any(x.to == ind.id for x in plan.mapped):
            plan.mapped.append(Mapped(ind.id, sources[ind.id]))
    plan.mapped.sort(key=lambda x: new.indicators.index(new.by_id[x.to]))
    plan.emptied = [slot for slot in sorted(by_slot) if not any(v is not None for v in contents[slot].answers.values())]
    # The action plan: each row follows its indicator; rows of merged indicators are joined.
    old_rows = {r.indicator: r for r in reading.plan}
    for ind in new.indicators:
        given = [(o, old_rows[o]) for o in sources[ind.id] if o in old_rows]
        row = join_rows(ind.id, given)
        if row is not None:
            plan.actions.append(row)
            if len(given) > 1:
                plan.actions_joined[ind.id] = [o for o, _ in given]
    # Old indicators that go nowhere.
    kept = set(new.by_id) | set(replaced_by)
    for ind in old.indicators:
        if ind.id in kept:
            continue
        d = Dropped(ind.id, ind.text, action=old_rows.get(ind.id))
        for slot, m in sorted(slot_data.items()):
            if ind.id in m.answers:
                d.answers[slot] = m.answers[ind.id]
            if m.notes.get(ind.id):
                d.notes[slot] = m.notes[ind.id]
        plan.dropped.append(d)
    return plan


class _Remains:
    """A slot without answers (:class:`~piramide.reader.SlotRemains`), seen as a measurement with no answers."""

    def __init__(self, remains):
        self.slot, self.date, self.ingevuld_door = remains.slot, remains.date, remains.ingevuld_door
        self.notes: dict[str, str] = remains.notes
        self.answers: dict[str, str] = {}


def _merge(answers: list[str | None], points: dict) -> str | None:
    """One answer from several old ones (a merge), conservatively.

    Blank only if all are blank; ``n.v.t.`` if every given answer is not
    applicable; otherwise the applicable answer with the fewest points.
    """
    given = [a for a in answers if a is not None]
    if not given:
        return None
    applicable = [a for a in given if points.get(a) is not None]
    if not applicable:
        return given[0]
    return min(applicable, key=lambda a: points[a])


def dropped_csv_bytes(plan: Plan, reading: WorkbookReading) -> bytes:
    """The dropped answers and notes (UTF-8 with BOM, ';'), one row per indicator and slot; then the dropped
    rows of the action plan (label ``Actieplan``), one per indicator, in the last five columns."""
    dates = {k: r.date for k, r in reading.unanswered.items()} | {m.slot: m.date for m in reading.measurements}
    answers = (
        [
            reading.gemeente,
            slot,
            L.slot_label(slot),
            dates[slot].isoformat() if dates.get(slot) else "",
            d.indicator,
            d.text,
            d.answers.get(slot, ""),
            d.notes.get(slot, ""),
            d.reason,
            *[""] * len(CSV_ACTION_COLUMNS),
        ]
        for d in plan.dropped
        for slot in sorted(set(d.answers) | set(d.notes))
    )
    actions = (
        [reading.gemeente, "", L.ACTIONS, "", d.indicator, d.text, "", "", d.reason, *_action_cells(d.action)]
        for d in plan.dropped
        if d.action is not None
    )
    header = ["gemeente", "slot", "label", "datum", "indicator", "indicator_tekst", "antwoord", "toelichting", "reden"]
    return excel_csv([*header, *CSV_ACTION_COLUMNS], [*answers, *actions])


CSV_ACTION_COLUMNS = ("actie", "eigenaar", "deadline", "status", "actie_toelichting")


def _action_cells(row: PlanRow) -> list[str]:
    return [
        row.actie or "",
        row.eigenaar or "",
        row.deadline.isoformat() if row.deadline else "",
        row.status or "",
        row.toelichting or "",
    ]


def upgrade_workbook(
    path: str | Path,
    out: str | Path,
    *,
    new_set: IndicatorSet | None = None,
    slots: int | None = None,
    allow_drop: bool = False,
    force: bool = False,
) -> Plan:
    """Upgrade a filled workbook; returns the plan, with ``verified`` set.

    Raises :class:`~piramide.errors.UpgradeRefused` when the input has errors
    or answers would be dropped without ``allow_drop``;
    :class:`~piramide.errors.OutputExistsError` when an output exists and
    ``force`` is not set; :class:`~piramide.errors.ArgumentError` when the
    arguments cannot work (the output is the input; fewer slots; nothing to
    do). Nothing is written then.
    """
    path, out = Path(path), Path(out)
    if out.resolve() == path.resolve():
        raise ArgumentError(
            "out", str(out), "is the input; the output must be a new file (the input is never modified)"
        )
    reading = read_dashboard(path)
    unread = [i for i in reading.issues if i.code in UNREAD_CODES]
    if unread:
        more = f" (and {len(unread) - 1} more; see piramide check)" if len(unread) > 1 else ""
        raise UpgradeRefused(
            f"{path}: holds content outside the dashboard's cells, which upgrade would not carry: "
            f"{unread[0]}{more}; move it into an answer or note (Toelichting) column or remove it, then upgrade"
        )
    if reading.errors:
        raise UpgradeRefused(f"{path}: {has_errors(reading.errors)}; fix them first so that no answer is lost")
    if new_set is None and (slots is None or slots == reading.slots):
        raise ArgumentError(
            "slots", slots, f"the workbook has {reading.slots} slots already; without a new set there is nothing to do"
        )
    plan = plan_upgrade(reading, new_set, slots, str(out))
    long = too_long(plan)
    if long:
        raise UpgradeRefused(
            f"{'; '.join(long)}; an Excel cell holds at most {MAX_CELL_TEXT:,} characters: shorten the texts in "
            f"{path} first; nothing was written",
            plan,
        )
    csv_path = out.with_name(out.stem + ".dropped.csv")
    dropping = plan.dropped_answers or plan.dropped_actions
    if dropping:
        lost = sorted({d.indicator for d in plan.dropped if d.answers or d.notes or d.action})
        what = [
            plural(plan.dropped_answers, "answer or note", "answers or notes") if plan.dropped_answers else "",
            plural(plan.dropped_actions, "Actieplan row") if plan.dropped_actions else "",
        ]
        if not allow_drop:
            raise UpgradeRefused(
                f"{' and '.join(w for w in what if w)} would be dropped ({', '.join(lost)})",
                plan,
                Remedy("allow_drop", True, "to drop them (they are then saved to a CSV next to the output)"),
            )
    for target in (out, csv_path if dropping else None):
        if target is not None and target.exists() and not force:
            raise OutputExistsError(target)
    data = workbook_bytes(carried_spec(reading, plan))
    write_atomic(out, data, force=force, verify=lambda tmp: verify_written(tmp, plan, reading, "upgraded"))
    plan.verified = True
    if dropping:
        write_atomic(csv_path, dropped_csv_bytes(plan, reading), force=force)
        plan.dropped_csv = str(csv_path)
    return plan


def too_long(plan: Plan) -> list[str]:
    """The texts of the new dashboard that no Excel cell holds (joined notes or Actieplan texts), one line each.

    A text over :data:`~piramide.reader.MAX_CELL_TEXT` characters would be
    cut off by Excel (and the read-back would fail): the work is refused
    instead, naming the indicator.
    """
    found = []
    for slot, content in enumerate(plan.contents):
        for ident, note in content.notes.items():
            if len(note) > MAX_CELL_TEXT:
                found.append(f"{ident}: the note of {L.slot_label(slot)} would have {len(note):,} characters")
    for row in plan.actions:
        for name in ("actie", "eigenaar", "toelichting"):
            text = getattr(row, name) or ""
            if len(text) > MAX_CELL_TEXT:
                found.append(f"{row.indicator}: the Actieplan {name} would have {len(text):,} characters")
    return found


def carried_spec(reading: WorkbookReading, plan: Plan) -> WorkbookSpec:
    """The new dashboard of a plan: the workbook's identity and history, the plan's set, slots and contents.

    Used by upgrade and by merge (:mod:`piramide.parts`): what a dashboard
    carries from one file to the next (measurements, Actieplan rows, set
    history, workbook id) is decided here, once. A dashboard made before
    workbook ids gets its (derived) id stored.
    """
    return WorkbookSpec(
        indicator_set=plan.new_set,
        gemeente=reading.gemeente,
        regio=reading.regio,
        code=reading.code,
        slots=plan.new_slots,
        content=tuple(plan.contents),
        plan=tuple(plan.actions),
        slot_sets=tuple(plan.slot_sets),
        history=(*reading.history, plan.history_record())
        if plan.new_set.fingerprint != plan.old_set.fingerprint
        else tuple(reading.history),
        workbook_id=reading.workbook_id,
    )


def verify_written(tmp: Path, plan: Plan, before: WorkbookReading, what: str, measuring: int | None = None) -> None:
    """Read the written file back and compare it with the plan; raise if anything differs.

    The measurements are those of ``before``, and the slot ``measuring`` when
    the plan fills it in (a merge).
    """
    after = read_workbook(tmp)
    problems = []
    if after.kind != before.kind or after.workbook_id != before.workbook_id:
        problems.append("its kind or workbook id differ")
    if after.errors:
        problems.append(f"it has errors: {after.errors[0]}")
    if after.set.fingerprint != plan.new_set.fingerprint:
        problems.append("its set is not the new set")
    if (after.gemeente, after.regio, after.code) != (before.gemeente, before.regio, before.code):
        problems.append("the gemeente, regio or code differ")
    if after.slots != plan.new_slots:
        problems.append(f"it has {after.slots} slots, not {plan.new_slots}")
    got = {m.slot: m for m in after.measurements}
    was, now = [m.slot for m in before.measurements], [m.slot for m in after.measurements]
    if measuring is not None and any(plan.contents[measuring].answers.values()):
        was = sorted({*was, measuring})
    if now != was:
        problems.append(f"its measurements are in slots {now}, not {was}")
    for slot, content in enumerate(plan.contents):
        expected = {k: v for k, v in content.answers.items() if v is not None}
        m = got.get(slot) or after.unanswered.get(slot)
        if m is None:
            planned = bool(content.date or content.ingevuld_door or any(v.strip() for v in content.notes.values()))
            if expected:
                problems.append(f"slot {slot} lost its answers")
            elif planned:
                problems.append(f"slot {slot} lost its date, name or notes")
            continue
        if getattr(m, "answers", {}) != expected:  # a slot without answers reads back as SlotRemains
            problems.append(f"slot {slot} answers differ")
        if m.notes != {k: v.strip() for k, v in content.notes.items() if v.strip()}:
            problems.append(f"slot {slot} notes differ")
        if m.date != content.date or (m.ingevuld_door or None) != (content.ingevuld_door or None):
            problems.append(f"slot {slot} date or 'ingevuld door' differ")
    if [r.model_dump() for r in after.plan] != [r.model_dump() for r in plan.actions]:
        problems.append("the Actieplan differs")
    if problems:
        raise UpgradeVerificationError(
            f"the {what} workbook did not read back as planned (" + "; ".join(problems) + "); it was not written. "
            "This is a bug: please report it"
        )
