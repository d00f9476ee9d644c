"""What the reader and scoring keep from one reading to the next never changes a reading (issue 15).

A process that reads a region keeps, per stored set, the set itself, what its
rows are checked against, the rows of the last dashboard whose cells were all
as written, and the levels scored before. These tests read workbooks in turn
in one process, so that each reading meets what the one before it kept, and
hold every reading equal to the same reading made with nothing kept.
"""

from __future__ import annotations

import datetime as dt
import pickle
import random
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest
from pydantic import BaseModel
from test_known_sets import alter_stored_set
from wb import filled_workbook, indicator_rows

from piramide import IndicatorSet, load_set, read_workbook, reader, reference_set, score_measurement, scoring
from piramide import layout as L
from piramide.writer import SlotContent, build_workbook

Q = L.QUESTIONS
TABLE = """
| id      | 0-meting | Meting 1 |
| BO-1.01 | ja       | nee      |
| IP-2.03 | deels    | ja       |
| CO-4.03 | n.v.t.   |          |
"""
DATES = {0: dt.date(2025, 3, 1), 1: dt.date(2025, 9, 1)}


def forget() -> None:
    """Drop everything the reader and scoring keep between readings (as a new process starts)."""
    reader._SET_CACHE.clear()
    reader._LAST_SET.clear()
    reader._phase_cells.cache_clear()
    scoring._PLANS.clear()


def as_read_alone(path: Path) -> dict:
    """The reading of ``path`` by a reader that kept nothing, as JSON with its issues."""
    forget()
    return read_workbook(path).model_dump(mode="json")


def read_in_turn(paths: list[Path]) -> list:
    """Read ``paths`` one after the other in this process; each reading equals the one made alone."""
    forget()
    readings = [read_workbook(p) for p in paths]
    for path, reading in zip(paths, readings, strict=True):
        assert reading.model_dump(mode="json") == as_read_alone(path), path.name
    return readings


def codes(reading) -> list[tuple[str, str | None]]:
    return [(i.code, i.location) for i in reading.issues if i.code != "cache-missing"]


def test_two_sets_with_one_id_and_version_each_check_the_rows_against_their_own(tmp_path, reference):
    """A dashboard whose stored set was altered under the same id and version is checked against its own
    stored set, also right after a clean dashboard of the published set (and the clean one after it)."""
    content = [SlotContent(answers={i.id: "ja" for i in reference.indicators}, date=dt.date(2025, 3, 1))]
    clean = build_workbook(tmp_path / "clean.xlsx", gemeente="A", indicator_set=reference, content=content)
    first = reference.indicators[0]
    new_text = first.text[:-1] + ("!" if first.text[-1] != "!" else ".")  # a stored set of the same length

    def change(data):
        data["indicators"][0]["text"] = new_text

    # The stored set altered, the sheet's row not: the row no longer shows its (stored) statement.
    row_kept = tmp_path / "row-kept.xlsx"
    shutil.copy(clean, row_kept)
    altered = alter_stored_set(row_kept, change)
    # The stored set altered and the row with it: only set-altered.
    both = tmp_path / "both.xlsx"
    shutil.copy(clean, both)
    alter_stored_set(both, change)
    row = indicator_rows(reference)[first.id]
    wb = openpyxl.load_workbook(both)
    wb[Q].cell(row, L.Q_COL_TEXT + 1).value = new_text
    wb.save(both)

    readings = read_in_turn([clean, row_kept, both, clean, both, row_kept])
    version = f"{L.METADATA}!B{L.metadata_row('set_version') + 1}"
    assert codes(readings[0]) == codes(readings[3]) == []
    assert codes(readings[1]) == codes(readings[5]) == [("set-altered", version), ("row-changed", f"{Q}!D{row}")]
    assert codes(readings[2]) == codes(readings[4]) == [("set-altered", version)]
    assert readings[2].indicator_set.by_id[first.id].text == new_text == altered.by_id[first.id].text
    assert readings[3].indicator_set.by_id[first.id].text == first.text


def test_rows_like_the_last_clean_ones_but_one_cell_are_checked_again(tmp_path, reference):
    """After a dashboard whose rows are as written, one whose rows differ in one cell is checked in full:
    a phase typed as TRUE (which equals 1 to Python) or as text, a statement or pillar changed, an id
    typed as a number; a phase typed as the number it is reads as written."""
    rows = indicator_rows(reference)
    phase = f"{Q}!C{rows['BO-1.01']}"  # BO-1.01 is in phase 1
    statement = f"{Q}!D{rows['IP-2.03']}"
    pillar = f"{Q}!B{rows['CO-4.03']}"

    def made(name: str, cells: dict | None = None) -> Path:
        return filled_workbook(tmp_path, TABLE, dates=DATES, cells=cells, name=name)

    clean = made("clean.xlsx")
    true = made("true.xlsx", {phase: True})
    text = made("text.xlsx", {phase: "1"})
    number = made("number.xlsx", {phase: 1})
    changed = made("changed.xlsx", {statement: "Een andere stelling.", pillar: "IP"})
    readings = read_in_turn([clean, true, clean, text, number, changed, clean])
    assert codes(readings[0]) == codes(readings[2]) == codes(readings[6]) == []
    assert codes(readings[1]) == [("row-changed", phase)]
    assert "phase 'True'" in readings[1].errors[0].message
    assert codes(readings[3]) == codes(readings[4]) == []  # the text "1" and the number 1 are the phase 1
    assert sorted(codes(readings[5])) == sorted([("row-changed", statement), ("row-changed", pillar)])


def test_a_moved_header_or_a_deleted_row_after_a_clean_dashboard_is_read_as_alone(tmp_path, reference):
    """Rows equal to the last clean ones, but under a header one row lower, or with a row deleted."""
    clean = filled_workbook(tmp_path, TABLE, dates=DATES, name="clean.xlsx")

    def lower(wb, rows):
        wb[Q].insert_rows(1)

    def delete(wb, rows):
        wb[Q].delete_rows(rows["IV-1.01"])

    moved = filled_workbook(tmp_path, TABLE, dates=DATES, edit=lower, name="moved.xlsx")
    deleted = filled_workbook(tmp_path, TABLE, dates=DATES, edit=delete, name="deleted.xlsx")
    readings = read_in_turn([clean, moved, clean, deleted])
    assert [m.answers for m in readings[1].measurements] == [m.answers for m in readings[0].measurements]
    assert ("row-missing", None) in codes(readings[3])


def test_scoring_keeps_levels_per_set_and_forgets_them_without_changing_a_result(monkeypatch):
    """Levels kept per set (here at most 3, so they are forgotten all the time): generated sets, and two sets
    that differ only in their threshold scored in turn, give what the plain oracle gives."""
    from helpers import generated_answers, generated_set, oracle, write_set

    monkeypatch.setattr(scoring, "_LEVELS_KEPT", 3)
    rng = random.Random(15)
    with tempfile.TemporaryDirectory() as folder:
        specs = [generated_set(rng) for _ in range(6)]
        low = specs[0]
        high = type(low)(low.scale, "1", low.pillars, low.per_phase, low.phases)
        specs += [high]
        sets = [load_set(write_set(Path(folder), spec.yaml(), f"s{k}.yaml")) for k, spec in enumerate(specs)]
    for _ in range(40):
        k = rng.randrange(len(specs))
        for spec, s in ((specs[k], sets[k]), (low, sets[0]), (high, sets[-1])):
            answers = generated_answers(spec, rng)
            result = score_measurement(s, answers)
            for code, (phase, scores) in oracle(spec, answers).items():
                levels = result.pillars[code].levels
                assert [lv.score for lv in levels] == scores
                assert [(lv.level, lv.total) for lv in levels] == [
                    (n, len(spec.ids(code, n))) for n in range(1, spec.phases + 1)
                ]
                assert result.pillars[code].phase == phase
            assert len(scoring._plan(s).known_levels) <= 3


def test_scoring_refuses_a_wrong_label_first_in_the_sets_order_also_in_a_kept_cell():
    """A label that is no answer is refused naming the first such indicator in the set's order, whether
    the cells before it were scored before or not; a label that is no key (a list) as before."""
    s = reference_set()
    ids = [i.id for i in s.indicators]
    answers = dict.fromkeys(ids, "ja")
    score_measurement(s, answers)  # every cell kept
    wrong = {**answers, ids[40]: "misschien", ids[7]: "Ja"}
    with pytest.raises(Exception, match=rf"^{ids[7]}: 'Ja' is not an answer"):
        score_measurement(s, wrong)
    with pytest.raises(TypeError):
        score_measurement(s, {**answers, ids[3]: ["ja"]})
    with pytest.raises(Exception, match=rf"^{ids[3]}: 'x' is not an answer"):
        score_measurement(s, {**answers, ids[3]: "x", ids[50]: ["ja"]})


# --- models made from values the reader made ------------------------------------------------------


def _models(s: IndicatorSet):
    """(class, values, private, given) for each model the reader builds with ``_built``."""
    pillar = {"phase": 2, "provisional": True, "phase_max": 3, "scores": {"1": 1.0, "2": 0.75, "3": None}}
    result = score_measurement(s, {s.indicators[0].id: "ja"})
    measurement = {
        "slot": 1,
        "label": "Meting 1",
        "date": dt.date(2026, 3, 2),
        "ingevuld_door": "A. de Vries",
        "answered": 1,
        "total": 105,
        "answers": {s.indicators[0].id: "ja"},
        "pillars": {"BO": reader.PillarReading(**pillar)},
        "phase": 0,
        "settled": False,
        "notes": {s.indicators[0].id: "Zie verslag."},
    }
    issue = {"code": "date-future", "severity": "warning", "location": "Vragenlijst!H2", "message": "later"}
    set_ref = {"id": s.id, "version": s.version, "fingerprint": s.fingerprint}
    reading = {
        "file": "a.xlsx",
        "kind": "dashboard",
        "workbook_id": "abcdefgh",
        "gemeente": "A",
        "regio": None,
        "set": reader.SetRef(**set_ref),
        "measurements": [reader.MeasurementReading(**measurement)],
        "plan": [],
        "part": None,
        "issues": [reader.Issue(**issue)],
    }
    private = {
        "_indicator_set": s,
        "_slots": 5,
        "_code": "GM0001",
        "_slot_sets": [],
        "_history": [],
        "_unanswered": {},
        "_workbook_id_stored": True,
    }
    given = {"file", "kind", "workbook_id", "gemeente", "regio", "set", "measurements", "issues"}
    return [
        (reader.PillarReading, pillar, None, None),
        (reader.MeasurementReading, measurement, {"_result": result}, None),
        (reader.Issue, issue, None, None),
        (reader.SetRef, set_ref, None, None),
        (reader.WorkbookReading, reading, private, given),
    ]


@pytest.mark.parametrize("k", range(5))
def test_a_model_built_from_values_is_the_validated_model(k):
    """``_built`` makes what validation (and model_construct) make of the same values: the same fields in
    the same order, the fields given, no extra fields, the private attributes; equal, and pickled alike."""
    cls, values, private, given = _models(reference_set())[k]
    built = reader._built(cls, dict(values), dict(private) if private else None, given)
    validated = cls.model_validate({key: values[key] for key in (given or values)})
    constructed = cls.model_construct(_fields_set=given, **values)
    for name, value in (private or {}).items():
        setattr(validated, name, value)
        setattr(constructed, name, value)
    for other in (validated, constructed):
        assert built == other
        assert list(built.__dict__) == list(other.__dict__) == list(cls.model_fields)
        assert built.model_fields_set == other.model_fields_set
        assert built.__pydantic_private__ == other.__pydantic_private__
        assert built.__pydantic_extra__ == other.__pydantic_extra__
        assert built.model_dump(mode="json") == other.model_dump(mode="json")
        assert repr(built) == repr(other)
    assert all(hasattr(built, slot) for slot in BaseModel.__slots__)
    again = pickle.loads(pickle.dumps(built))
    assert again.model_dump(mode="json") == built.model_dump(mode="json")
    assert again.model_fields_set == built.model_fields_set
