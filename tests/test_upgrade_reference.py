"""The project's own upgrade path, used for real: filled 2026.1 dashboards carried to nl-referentie 2026.2.

The expected result is worked out here from the two set files and the
documented rules, independently of the upgrade code: answers move exactly as
the ids and ``replaces`` of 2026.2 say, the dropped indicators are exactly
those in the "2026.1 -> 2026.2" table of docs/indicator-sets.md, and the
phases are recomputed on 2026.2.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from helpers import REF_2026_1
from piramide import bundled_set, read_workbook, reference_set, score_measurement
from piramide.upgrade import UpgradeRefused, upgrade_workbook
from piramide.writer import SlotContent, build_workbook
from wb import random_grid

DOC = Path(__file__).resolve().parents[1] / "docs" / "indicator-sets.md"
POINTS = {"ja": 1, "deels": 0.5, "nee": 0}
DATES = (dt.date(2024, 2, 1), dt.date(2025, 2, 3), dt.date(2026, 2, 2))


@pytest.fixture(scope="module")
def old():
    return bundled_set(REF_2026_1)


@pytest.fixture(scope="module")
def new():
    return reference_set()


def doc_table() -> list[list[str]]:
    """The rows of the '2026.1 -> 2026.2' table: [old ids, new id, change, reason]."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## 2026.1 → 2026.2")
    section = text[start : text.find("\n## ", start + 1)]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 4 and re.search(r"[A-Z]{2}-\d\.\d\d", cells[0] + cells[1]):
            rows.append(cells)
    return rows


def ids_in(cell: str) -> set[str]:
    return set(re.findall(r"[A-Z]{2}-\d\.\d\d", cell))


def sources(old, new) -> dict[str, tuple[str, ...]]:
    """New id -> the old ids whose answers it takes: its own id if 2026.1 had it, and its 'replaces'."""
    return {i.id: tuple(o for o in (i.id, *i.replaces) if o in old.by_id) for i in new.indicators}


def merged(answers: list[str | None]) -> str | None:
    """The documented merge rule: blank if all blank; n.v.t. if all given are; else the fewest points."""
    given = [a for a in answers if a is not None]
    if not given:
        return None
    applicable = [a for a in given if a != "n.v.t."]
    return min(applicable, key=POINTS.__getitem__) if applicable else "n.v.t."


def test_the_docs_list_exactly_the_dropped_ids(old, new):
    """The ids of 2026.1 that no 2026.2 indicator continues are exactly the 'dropped' rows of the table."""
    continued = set(new.by_id) | {o for i in new.indicators for o in i.replaces}
    dropped = set(old.by_id) - continued
    documented = {row[0] for row in doc_table() if row[2] == "dropped"}
    assert documented == dropped
    assert all(row[3] for row in doc_table()), "every change gives its reason"


def test_the_docs_explain_every_change(old, new):
    """Every 2026.2 indicator that is new, continues another id, or changed its statement has a row."""
    rows = doc_table()
    in_table_new = set().union(*(ids_in(r[1]) for r in rows))
    in_table_old = set().union(*(ids_in(r[0]) for r in rows))
    changed = {
        i.id for i in new.indicators if i.replaces or i.id not in old.by_id or old.by_id[i.id].text != i.text
    }
    assert changed <= in_table_new
    assert {o for i in new.indicators for o in i.replaces} <= in_table_old
    for row in rows:  # and the table says what the files say
        for ident in ids_in(row[1]):
            assert ident in new.by_id, row
            assert set(new.by_id[ident].replaces) == ids_in(row[0]) - {ident}, row
        for ident in ids_in(row[0]):
            assert ident in old.by_id, row


def filled_contents(old) -> list[SlotContent]:
    """Three fully answered measurements (every answer on the scale occurs), a note on every indicator."""
    contents = []
    for slot in range(3):
        answers = random_grid(old, seed=2026 + slot, p_yes=0.55)
        for k, ind in enumerate(old.indicators):  # fully filled: no blanks
            if answers[ind.id] is None:
                answers[ind.id] = ("ja", "deels", "nee", "n.v.t.")[(k + slot) % 4]
        notes = {ind.id: f"Bewijs {ind.id}, meting {slot}" for ind in old.indicators}
        contents.append(SlotContent(answers=answers, notes=notes, date=DATES[slot], ingevuld_door=f"Adviseur {slot}"))
    return contents


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory, old, new):
    """Two fully filled 2026.1 dashboards, upgraded to 2026.2 with --allow-drop."""
    folder = tmp_path_factory.mktemp("upgrade-2026-2")
    results = []
    for k, name in enumerate(("Eerstedorp", "Tweestad")):
        contents = filled_contents(old) if k == 0 else filled_contents(old)[::-1]
        src = build_workbook(folder / f"{name}.xlsx", gemeente=name, indicator_set=old, content=contents)
        before = read_workbook(src)
        out = folder / f"{name}-2026.2.xlsx"
        plan = upgrade_workbook(src, out, new_set=new, allow_drop=True)
        results.append((before, plan, read_workbook(out)))
    return results


def test_without_allow_drop_the_upgrade_refuses_and_writes_nothing(tmp_path, old, new):
    """Answers on dropped indicators are never lost silently: without --allow-drop, nothing is written."""
    src = build_workbook(tmp_path / "a.xlsx", gemeente="A", indicator_set=old, content=filled_contents(old)[:1])
    with pytest.raises(UpgradeRefused):
        upgrade_workbook(src, tmp_path / "b.xlsx", new_set=new)
    assert not (tmp_path / "b.xlsx").exists()


def test_answers_move_exactly_as_the_mapping_says(upgraded, old, new):
    """Every answer and note of 2026.2 comes from the 2026.1 ids its indicator continues; new ones are blank."""
    src_of = sources(old, new)
    for before, plan, after in upgraded:
        assert plan.verified
        assert len(after.measurements) == len(before.measurements) == 3
        for b, a in zip(before.measurements, after.measurements, strict=True):
            assert (a.date, a.ingevuld_door) == (b.date, b.ingevuld_door)
            expected = {nid: merged([b.answers.get(o) for o in src]) for nid, src in src_of.items()}
            assert a.answers == {k: v for k, v in expected.items() if v is not None}
            for nid, src in src_of.items():
                notes = [b.notes[o] for o in src if b.notes.get(o)]
                if len(src) == 1:
                    assert a.notes.get(nid) == notes[0]
                elif src:
                    assert a.notes.get(nid) == "\n".join(f"[{o}] {b.notes[o]}" for o in src)
                else:
                    assert nid not in a.notes and nid not in a.answers, "a new indicator starts unanswered"


def test_the_dropped_are_exactly_the_documented_ones(upgraded):
    """The upgrade drops exactly the ids the docs list as dropped, with all their answers and notes."""
    documented = {row[0] for row in doc_table() if row[2] == "dropped"}
    for before, plan, _ in upgraded:
        assert {d.indicator for d in plan.dropped} == documented
        for d in plan.dropped:
            assert d.reason == "not in the new set"
            assert d.answers == {m.slot: m.answers[d.indicator] for m in before.measurements}
            assert d.notes == {m.slot: m.notes[d.indicator] for m in before.measurements}
        assert Path(plan.dropped_csv).is_file()


def test_the_phases_are_recomputed_on_2026_2(upgraded, new):
    """Every measurement's phases are those of its carried answers scored on 2026.2."""
    for _, _, after in upgraded:
        for m in after.measurements:
            expected = score_measurement(new, m.answers)
            assert m.phase == expected.phase
            assert {c: p.phase for c, p in m.pillars.items()} == {c: p.phase for c, p in expected.pillars.items()}
        assert after.set.version == "2026.2" and after.errors == []


def test_the_report_names_merges_splits_and_new_indicators(upgraded, old, new):
    """Merged and split indicators are reported as mapped; indicators without a source as new."""
    _, plan, _ = upgraded[0]
    src_of = sources(old, new)
    assert {m.to for m in plan.mapped} == {nid for nid, src in src_of.items() if src and src != (nid,)}
    assert set(plan.new) == {nid for nid, src in src_of.items() if not src}
    fed = [o for src in src_of.values() for o in src]
    splits = {o for o in fed if fed.count(o) > 1}
    assert splits == {"BH-2.02", "BH-3.04", "IV-3.02"}, "a split old indicator's answer goes to each part"
