"""Reading back dashboards filled and saved by a real spreadsheet engine: LibreOffice (issue 4).

Two LibreOffice runs serve every test here: one types answers and dates into
blank dashboards (``lo_fill``, through LibreOffice's own Python bridge), one
loads and saves dashboards filled by openpyxl or written by piramide
(``recalc``). ``piramide read --json`` on what LibreOffice saved must give
the answers and phases of the scoring engine, with no cache warnings: the
formula results LibreOffice stored agree with what the reader computes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from engine import lo_fill, make_profile, need_soffice, need_uno, recalc
from wb import answer_ref, blank_bytes, fill_openpyxl, filled_workbook, indicator_rows, lo_cells, random_grid

from piramide import read_workbook, reference_set, score_measurement
from piramide import layout as L
from piramide.writer import SlotContent, build_workbook

pytestmark = pytest.mark.soffice

TYPED = ["Ja", "N.v.T.", "DEELS", "N.V.T.", "NEE"]  # other case: the formulas count these
LO_DATES = ["2021-03-01", "2022-02-28", "2023-12-31", "2024-02-29"]


@dataclass
class Filled:
    """A dashboard as a user sent it: the answers meant, and the file LibreOffice saved."""

    name: str
    grids: list[dict]
    dates: list[dt.date | None]
    source: Path | None = None  # before LibreOffice (openpyxl or piramide), if any
    saved: Path | None = None
    extra: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Path:
    need_soffice()
    return make_profile(tmp_path_factory.mktemp("lo-profile-reader"))


@pytest.fixture(scope="module")
def typed_in_libreoffice(tmp_path_factory, profile) -> Filled:
    """Answers (some typed in odd ways) and dates typed in LibreOffice itself, saved by it (one run)."""
    need_uno()
    s = reference_set()
    work = tmp_path_factory.mktemp("lo-typed")
    blank = work / "blank.xlsx"
    blank.write_bytes(blank_bytes(s))
    grids = [random_grid(s, seed=700 + k) for k in range(4)]
    typed = {ind.id: TYPED[n % len(TYPED)] for n, ind in enumerate(s.indicators_of("BO"))}
    grids.append(typed)
    cells = lo_cells(blank, grids)
    for slot, iso in enumerate(LO_DATES):
        cells.append([L.QUESTIONS, L.Q_ROW_DATE, L.answer_col(slot), "date", iso])
    cells.append([L.QUESTIONS, L.Q_ROW_DATE, L.answer_col(4), "text", "1-3-2025"])  # a date typed as text
    cells.append([L.QUESTIONS, L.Q_ROW_BY, L.answer_col(0), "text", "Adviseur OOV"])
    out = work / "lo-typed.xlsx"
    lo_fill([{"in": str(blank), "out": str(out), "cells": cells}], profile, work)
    dates = [dt.date.fromisoformat(d) for d in LO_DATES] + [dt.date(2025, 3, 1)]
    return Filled("lo-typed", grids, dates, source=None, saved=out)


@pytest.fixture(scope="module")
def saved_by_libreoffice(tmp_path_factory, profile) -> dict[str, Filled]:
    """Dashboards filled by openpyxl or written by piramide, then loaded and saved by LibreOffice (one run)."""
    s = reference_set()
    work = tmp_path_factory.mktemp("lo-saved")
    blank = work / "blank.xlsx"
    blank.write_bytes(blank_bytes(s))

    grids = [random_grid(s, seed=800 + k) for k in range(5)]
    dates = [dt.date(2020 + k, 3, 1) for k in range(5)]
    openpyxl_filled = work / "openpyxl.xlsx"
    fill_openpyxl(blank, openpyxl_filled, grids, dates)

    content = [SlotContent(answers=random_grid(s, seed=900 + k), date=dt.date(2022 + k, 6, 1)) for k in range(3)]
    written = build_workbook(work / "piramide.xlsx", gemeente="Teststad", content=content)

    mistakes = filled_workbook(
        work,
        """
        | id      | 0-meting  | Meting 2 |
        | BO-1.01 | ja        | ja       |
        | BO-1.02 | misschien | nee      |
        | IP-1.03 | deels     |          |
        | datum   | gisteren  | 1-3-2026 |
        """,
        cells={f"{L.QUESTIONS}!D{indicator_rows(s)['IP-1.03']}": "Een andere stelling."},
        name="mistakes.xlsx",
        indicator_set=s,
    )
    sources = {"openpyxl": openpyxl_filled, "piramide": written, "mistakes": mistakes}
    outs = recalc(list(sources.values()), work / "saved", profile)
    result = {
        "openpyxl": Filled("openpyxl", grids, dates),
        "piramide": Filled("piramide", [c.answers for c in content], [c.date for c in content]),
        "mistakes": Filled("mistakes", [], []),
    }
    for (name, source), out in zip(sources.items(), outs, strict=True):
        result[name].source, result[name].saved = source, out
    return result


def _assert_engine_phases(reading_json: dict, grids: list[dict]) -> None:
    s = reference_set()
    assert [m["slot"] for m in reading_json["measurements"]] == list(range(len(grids)))
    for m, grid in zip(reading_json["measurements"], grids, strict=True):
        answers = {k: s.normalise_answer(v) for k, v in grid.items()}
        answers = {k: v for k, v in answers.items() if v is not None}
        expected = score_measurement(s, answers)
        assert m["answers"] == answers, m["slot"]
        assert (m["answered"], m["total"], m["phase"]) == (expected.answered, expected.total, expected.phase)
        for code, pillar in expected.pillars.items():
            got = m["pillars"][code]
            assert got["phase"] == pillar.phase, (m["slot"], code)
            assert got["provisional"] == pillar.provisional, (m["slot"], code)
            assert got["scores"] == {
                str(lv.level): None if lv.score is None else pytest.approx(float(lv.score)) for lv in pillar.levels
            }


def test_read_json_of_a_workbook_filled_in_libreoffice_gives_the_engines_answers_and_phases(cli, typed_in_libreoffice):
    """The issue's 'done when': `piramide read --json` on a LibreOffice-filled dashboard equals the scoring engine."""
    result = cli("read", "--json", typed_in_libreoffice.saved)
    assert result.code == 0, result
    data = json.loads(result.out)
    _assert_engine_phases(data, typed_in_libreoffice.grids)
    assert data["issues"] == []  # no cache-stale, no cache-missing: LibreOffice's results agree


def test_answers_typed_oddly_in_libreoffice_are_normalised(typed_in_libreoffice):
    """'Ja', 'N.v.T.', 'DEELS', 'N.V.T.', 'NEE' typed in LibreOffice read as the set's labels."""
    reading = read_workbook(typed_in_libreoffice.saved)
    last = reading.measurements[-1]
    assert set(last.answers.values()) == {"ja", "n.v.t.", "deels", "nee"}
    assert len(last.answers) == 21


def test_dates_typed_in_libreoffice_read_back(typed_in_libreoffice):
    """Dates typed in LibreOffice (as dates, and one as text) and the name read back per slot."""
    reading = read_workbook(typed_in_libreoffice.saved)
    assert [m.date for m in reading.measurements] == typed_in_libreoffice.dates
    assert reading.measurements[0].ingevuld_door == "Adviseur OOV"


@pytest.mark.parametrize("name", ["openpyxl", "piramide"])
def test_a_full_load_and_save_by_libreoffice_reads_the_same(saved_by_libreoffice, name):
    """Loaded and saved by LibreOffice: the same answers, dates and phases, and the engine's phases."""
    filled = saved_by_libreoffice[name]
    before = read_workbook(filled.source).model_dump(mode="json")
    after = read_workbook(filled.saved).model_dump(mode="json")
    assert after["measurements"] == before["measurements"]
    assert [m["date"] for m in after["measurements"]] == [d.isoformat() for d in filled.dates]
    _assert_engine_phases(after, filled.grids)
    assert after["issues"] == []


def test_no_cache_warnings_on_files_libreoffice_saved(saved_by_libreoffice, typed_in_libreoffice):
    """LibreOffice stores its formula results: never cache-missing or cache-stale (openpyxl's file had the warning)."""
    for filled in [*saved_by_libreoffice.values(), typed_in_libreoffice]:
        codes = {i.code for i in read_workbook(filled.saved).issues}
        assert not codes & {"cache-missing", "cache-stale"}, filled.name
    assert {i.code for i in read_workbook(saved_by_libreoffice["openpyxl"].source).issues} == {"cache-missing"}


def test_mistakes_survive_a_libreoffice_round_trip_with_their_cells(saved_by_libreoffice):
    """The same issues at the same cells before and after LibreOffice saved the file."""
    filled = saved_by_libreoffice["mistakes"]

    def flat(path):
        return sorted((i.code, i.location) for i in read_workbook(path).issues if i.code != "cache-missing")

    before, after = flat(filled.source), flat(filled.saved)
    assert after == before
    assert {code for code, _ in after} == {"answer-invalid", "row-changed", "date-invalid", "slot-gap"}


# --- the dashboard and `piramide read` agree on every answer (issue 9) ---------------------------

VARIANTS = [
    "ja", "Ja", "JA", "jA", "ja ", " ja", "ja\u00a0", "nvt", "N.V.T", "N.V.T.", "N.v.t.", "n.v.t",
    "Deels", "DEELS", "ja.", "Nee", "Nee\u00a0", " ", "\u00a0", "\uff4a\uff41",
]  # fmt: skip


@pytest.fixture(scope="module")
def variants_in_libreoffice(tmp_path_factory, profile) -> Path:
    """One slot per variant: every indicator ``ja``, BO-1.01 the variant typed in LibreOffice, recalculated, saved."""
    need_uno()
    s = reference_set()
    assert len(VARIANTS) == L.MAX_SLOTS
    work = tmp_path_factory.mktemp("lo-variants")
    blank = work / "blank.xlsx"
    blank.write_bytes(blank_bytes(s, slots=L.MAX_SLOTS))
    grids = [{**{i.id: "ja" for i in s.indicators}, "BO-1.01": v} for v in VARIANTS]
    cells = lo_cells(blank, grids)
    cells += [[L.QUESTIONS, L.Q_ROW_DATE, L.answer_col(k), "date", "2025-03-01"] for k in range(L.MAX_SLOTS)]
    out = work / "varianten.xlsx"
    # In the same LibreOffice run: a 5-slot dashboard where the slots ran out, so a user added a column
    # 'Antwoord Meting 5' after the last one and typed answers under it, and a remark below the table.
    five = work / "vijf.xlsx"
    five.write_bytes(blank_bytes(s))
    rows = indicator_rows(s)
    extra = L.note_col(L.DEFAULT_SLOTS - 1) + 1
    outside = [
        *lo_cells(five, [{i.id: "ja" for i in s.indicators}]),
        [L.QUESTIONS, L.Q_ROW_DATE, L.answer_col(0), "date", "2025-03-01"],
        [L.QUESTIONS, L.Q_ROW_HEADER, extra, "text", "Antwoord Meting 5"],
        [L.QUESTIONS, rows["BO-1.01"] - 1, extra, "text", "nee"],
        [L.QUESTIONS, rows["BO-1.02"] - 1, extra, "text", "nee"],
        [L.QUESTIONS, 199, extra + 2, "text", "zie ook het raadsbesluit"],
    ]
    jobs = [
        {"in": str(blank), "out": str(out), "cells": cells},
        {"in": str(five), "out": str(work / "buiten.xlsx"), "cells": outside},
    ]
    lo_fill(jobs, profile, work)
    return out


def test_the_workbook_and_read_agree_on_every_typed_variant(variants_in_libreoffice):
    """What LibreOffice's formulas compute (answered, score per level, phase) equals `read`, slot by slot;
    `read` flags exactly the cells the formulas did not count (answer-not-counted), and no other."""
    import openpyxl

    s = reference_set()
    reading = read_workbook(variants_in_libreoffice)
    by_slot = {m.slot: m for m in reading.measurements}
    layout = L.CalcLayout(L.MAX_SLOTS, s.pillar_codes, s.phase_numbers)
    calc = openpyxl.load_workbook(variants_in_libreoffice, data_only=True)[L.CALCULATION]
    codes = {i.location: i.code for i in reading.issues}
    flagged = set(codes)
    assert set(codes.values()) == {"answer-not-counted", "answer-invalid"}  # nothing stale: the phases agree
    ref = answer_ref(s, "BO-1.01", 0)
    not_counted = []
    for slot, typed in enumerate(VARIANTS):
        m = by_slot[slot]
        answered = calc.cell(layout.slot_row(slot) + 1, L.C_SLOT_COL_ANSWERED + 1).value
        counted = answered == len(s.indicators)
        assert answered in (len(s.indicators), len(s.indicators) - 1), typed
        assert m.answered == answered, typed
        cell = answer_ref(s, "BO-1.01", slot)
        assert (cell in flagged) == (not counted), (typed, counted)
        if not counted:
            not_counted.append(typed)
        for code in s.pillar_codes:
            row = layout.pillar_row(slot, code) + 1
            assert calc.cell(row, layout.phase_col + 1).value == m.pillars[code].phase, (typed, code)
            for level in s.phase_numbers:
                score = calc.cell(row, layout.score_col(level) + 1).value
                assert m.pillars[code].scores[str(level)] == pytest.approx(score), (typed, code, level)
    assert ref.startswith(f"{L.QUESTIONS}!F")
    invalid = [VARIANTS[k] for k in range(L.MAX_SLOTS) if codes.get(answer_ref(s, "BO-1.01", k)) == "answer-invalid"]
    assert invalid == ["ja.", "\uff4a\uff41"]  # no label at all; the rest mean a label the formulas do not count
    assert not_counted == [
        "ja ", " ja", "ja\u00a0", "nvt", "N.V.T", "n.v.t", "ja.", "Nee\u00a0", " ", "\u00a0", "\uff4a\uff41"
    ]


def test_answers_typed_beside_the_dashboard_in_libreoffice_are_reported(variants_in_libreoffice, cli, tmp_path):
    """A column 'Antwoord Meting 5' added in LibreOffice with answers under it, and a remark below the table:
    the workbook's formulas ignore them and so does the phase `read` reports, but `read` names each one
    (answers-unread, an error; cell-unread, a warning) and `upgrade` refuses to leave them behind."""
    import openpyxl

    s = reference_set()
    path = variants_in_libreoffice.parent / "buiten.xlsx"
    reading = read_workbook(path)
    rows = indicator_rows(s)
    extra = L.col_letter(L.note_col(L.DEFAULT_SLOTS - 1) + 1)
    remark = L.col_letter(L.note_col(L.DEFAULT_SLOTS - 1) + 3)
    assert sorted((i.code, i.location) for i in reading.issues) == [
        ("answers-unread", f"{L.QUESTIONS}!{extra}{rows['BO-1.01']}"),
        ("cell-unread", f"{L.QUESTIONS}!{remark}200"),
    ]
    (m,) = reading.measurements
    calc = openpyxl.load_workbook(path, data_only=True)[L.CALCULATION]
    layout = L.CalcLayout(L.DEFAULT_SLOTS, s.pillar_codes, s.phase_numbers)
    assert calc.cell(layout.slot_row(0) + 1, L.C_SLOT_COL_ANSWERED + 1).value == m.answered == len(s.indicators)
    row = layout.slot_row(0) + 1
    phases = {code: calc.cell(row, layout.slot_pillar_col(code) + 1).value for code in s.pillar_codes}
    assert phases == {code: p.phase for code, p in m.pillars.items()}
    result = cli("upgrade", path, "--slots", "8", "--out", tmp_path / "acht.xlsx")
    assert result.code == 1 and "holds content outside the dashboard's cells" in result.err
    assert not (tmp_path / "acht.xlsx").exists()
