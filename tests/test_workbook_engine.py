"""The dashboard in a real spreadsheet engine: LibreOffice must compute what the scoring engine does.

One LibreOffice run converts every case (to keep the suite fast); the tests
then compare, per case and slot, every ``fase_*`` name and every score per
level with :func:`piramide.score_measurement`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from engine import lo_fill, make_profile, need_soffice, need_uno, recalc
from wb import fill_openpyxl, formula_cells, grid_by_level, lo_cells, name_values, random_grid, uniform_grid

from piramide import IndicatorSet, load_set, reference_set, score_measurement
from piramide import layout as L
from piramide.sets import reference_path
from piramide.writer import SlotContent, WorkbookSpec, build_workbook, workbook_bytes

pytestmark = pytest.mark.soffice


@dataclass
class Case:
    name: str
    indicator_set: IndicatorSet
    grids: list[dict]
    slots: int = 5
    filled: Path | None = None
    recalculated: Path | None = None
    spec: object = None  # helpers.SetSpec, for generated sets (checked against the plain oracle)


def _reference_cases(s: IndicatorSet) -> list[Case]:
    exactly = grid_by_level(
        s,
        {
            1: ["ja"] * 6 + ["nee"] * 2,  # 6/8 = 0.75
            2: ["ja"] * 4 + ["deels", "nee"],  # 4.5/6 = 0.75
            3: ["ja"] * 3 + ["nee"],  # 3/4
            4: ["n.v.t.", "ja", "deels"],  # 1.5/2
        },
    )
    below_at_3 = grid_by_level(
        s, {1: ["ja"] * 8, 2: ["ja"] * 6, 3: ["ja", "ja", "deels", "nee"], 4: ["ja"] * 3}  # 2.5/4 < 0.75
    )
    gap_at_1 = grid_by_level(s, {1: ["nee"] * 8, 2: ["ja"] * 6, 3: ["ja"] * 4, 4: ["ja"] * 3})
    typed = {i.id: v for i, v in zip(s.indicators, ["Ja", "NEE", "N.V.T.", "Deels", "JA"] * 21, strict=True)}
    blanks_but_enough = grid_by_level(
        s, {1: ["ja"] * 6 + [None, None], 2: ["ja"] * 6, 3: [None] * 4, 4: ["ja"] * 3}
    )
    return [
        Case("edges-a", s, [uniform_grid(s, "ja"), uniform_grid(s, "nee"), uniform_grid(s, "n.v.t."),
                            uniform_grid(s, None), exactly]),  # fmt: skip
        Case("edges-b", s, [below_at_3, gap_at_1, uniform_grid(s, "deels"), typed, blanks_but_enough]),
        *(Case(f"random-{n}", s, [random_grid(s, seed=100 * n + k) for k in range(5)]) for n in range(4)),
        Case("one-slot", s, [random_grid(s, seed=7)], slots=1),
        Case("eight-slots", s, [random_grid(s, seed=80 + k) for k in range(6)], slots=8),
    ]


@pytest.fixture(scope="session")
def lo_profile(tmp_path_factory) -> Path:
    need_soffice()
    return make_profile(tmp_path_factory.mktemp("lo-profile"))


@pytest.fixture(scope="session")
def cases(tmp_path_factory, lo_profile) -> list[Case]:
    """Every case written, filled with openpyxl and recalculated by LibreOffice (one run)."""
    work = tmp_path_factory.mktemp("engine")
    s = reference_set()
    variant = load_set(reference_path().parent / "regio-voorbeeld.yaml")
    small = load_set(_small_set(work))
    all_cases = [
        *_reference_cases(s),
        *_generated_cases(work),
        Case("variant", variant, [random_grid(variant, seed=300 + k) for k in range(5)]),
        Case("small-threshold-0.6", small, [random_grid(small, seed=400 + k, p_yes=0.4) for k in range(3)], slots=3),
    ]
    for case in all_cases:
        blank = work / f"{case.name}-blank.xlsx"
        build_workbook(blank, gemeente=f"Test {case.name}", indicator_set=case.indicator_set, slots=case.slots)
        case.filled = work / f"{case.name}.xlsx"
        fill_openpyxl(blank, case.filled, case.grids)
    outs = recalc([c.filled for c in all_cases], work / "recalculated", lo_profile)
    for case, out in zip(all_cases, outs, strict=True):
        case.recalculated = out
    return all_cases


GENERATED_SEEDS = range(8)


def _generated_cases(folder: Path) -> list[Case]:
    """Random sets (other point values, thresholds, phase counts; levels with nothing applicable), 3 slots each."""
    import random

    from helpers import SetSpec, generated_answers, generated_set, write_set

    cases = []
    for seed in GENERATED_SEEDS:
        rng = random.Random(seed)
        spec = generated_set(rng)
        s = load_set(write_set(folder, spec.yaml(), f"generated-{seed}.yaml"))
        cases.append(Case(f"generated-{seed}", s, [generated_answers(spec, rng) for _ in range(3)], slots=3, spec=spec))
    # Exactly at a threshold of 0.7 with points of 0.7 and 0.25: sums a float cannot hold exactly.
    spec = SetSpec(
        scale=(("ja", "1"), ("goed", "0.7"), ("matig", "0.25"), ("nee", "0"), ("n.v.t.", None)),
        threshold="0.7", pillars=("AA", "BB"), per_phase={("AA", 1): 3, ("AA", 2): 10, ("AA", 3): 4,
                                                          ("BB", 1): 7, ("BB", 2): 4, ("BB", 3): 1}, phases=3,
    )  # fmt: skip
    s = load_set(write_set(folder, spec.yaml(), "boundary-0.7.yaml"))
    at = {"AA-1": ["goed"] * 3, "AA-2": ["goed"] * 10, "AA-3": ["ja", "goed", "goed", "matig"],  # 2.65/4 < 0.7
          "BB-1": ["goed"] * 7, "BB-2": ["ja", "goed", "matig", "n.v.t."], "BB-3": ["n.v.t."]}  # fmt: skip
    below = {**at, "AA-1": ["goed", "goed", "matig"], "BB-2": ["ja", "goed", "matig", "nee"]}
    grids = [
        {ident: answers[n] for key, answers in grid.items() for n, ident in enumerate(spec.ids(key[:2], int(key[3])))}
        for grid in (at, below)
    ]
    cases.append(Case("generated-boundary", s, grids, slots=2, spec=spec))
    return cases


def _small_set(folder: Path) -> Path:
    from helpers import set_yaml, write_set

    return write_set(folder, set_yaml(threshold="0.6", pillars=("AA", "BB", "CC"), per_phase=(5, 3, 2)), "small.yaml")


def _expected(case: Case):
    s = case.indicator_set
    grids = case.grids + [{}] * (case.slots - len(case.grids))
    return [score_measurement(s, {k: s.normalise_answer(v) for k, v in g.items()}) for g in grids]


CASE_NAMES = [
    "edges-a", "edges-b", "random-0", "random-1", "random-2", "random-3",
    "one-slot", "eight-slots", "variant", "small-threshold-0.6",
]  # fmt: skip


@pytest.mark.parametrize("name", CASE_NAMES)
def test_phase_names_equal_the_scoring_engine(cases, name):
    """After LibreOffice recalculates, every fase_* name equals the scoring engine's phase."""
    case = next(c for c in cases if c.name == name)
    values = name_values(case.recalculated)
    for slot, result in enumerate(_expected(case)):
        for code, pillar in result.pillars.items():
            assert values[L.name_phase(code, slot)] == pillar.phase, (name, slot, code)
        assert values[L.name_overall(slot)] == result.phase, (name, slot)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_scores_per_level_equal_the_scoring_engine(cases, name):
    """Every score per level and the provisional flag on Berekening match the engine."""
    case = next(c for c in cases if c.name == name)
    s = case.indicator_set
    calc = L.CalcLayout(case.slots, s.pillar_codes, s.phase_numbers)
    ws = openpyxl.load_workbook(case.recalculated, data_only=True)[L.CALCULATION]
    for slot, result in enumerate(_expected(case)):
        for code, pillar in result.pillars.items():
            row = calc.pillar_row(slot, code) + 1
            for level in pillar.levels:
                got = ws.cell(row, calc.score_col(level.level) + 1).value
                if level.score is None:
                    assert got in (None, ""), (slot, code, level.level, got)
                else:
                    assert got == pytest.approx(float(level.score), abs=1e-12), (slot, code, level.level)
            flag = ws.cell(row, calc.provisional_col + 1).value
            assert (flag == "voorlopig") == pillar.provisional, (slot, code)


@pytest.mark.parametrize("seed", [*GENERATED_SEEDS, "boundary"])
def test_generated_sets_in_libreoffice_equal_the_oracle(cases, seed):
    """For generated sets (points 0.7, 0.25, other thresholds, levels all n.v.t.) LibreOffice's phases and scores
    equal the plain oracle of the domain rule, not only the scoring engine."""
    from helpers import oracle

    case = next(c for c in cases if c.name == f"generated-{seed}")
    s, spec = case.indicator_set, case.spec
    values = name_values(case.recalculated)
    calc = L.CalcLayout(case.slots, s.pillar_codes, s.phase_numbers)
    ws = openpyxl.load_workbook(case.recalculated, data_only=True)[L.CALCULATION]
    for slot, answers in enumerate(case.grids):
        expected = oracle(spec, answers)
        for code, (phase, scores) in expected.items():
            assert values[L.name_phase(code, slot)] == phase, (spec, slot, code)
            row = calc.pillar_row(slot, code) + 1
            for level, score in zip(s.phase_numbers, scores, strict=True):
                got = ws.cell(row, calc.score_col(level) + 1).value
                if score is None:
                    assert got in (None, ""), (slot, code, level, got)
                else:
                    assert got == pytest.approx(float(score), abs=1e-12), (slot, code, level)
        assert values[L.name_overall(slot)] == min(phase for phase, _ in expected.values())
    if seed == "boundary":  # the case does sit on the threshold: 0.7 reached twice in AA, just missed below
        from fractions import Fraction

        assert oracle(spec, case.grids[0])["AA"] == (2, [Fraction(7, 10), Fraction(7, 10), Fraction(53, 80)])
        assert oracle(spec, case.grids[1])["AA"][0] == 0


def test_edge_cases_have_the_phases_the_rule_says(cases):
    """The hand-made grids give the phases the domain rule prescribes (engine and LibreOffice)."""
    values = {c.name: name_values(c.recalculated) for c in cases}
    edges_a, edges_b = values["edges-a"], values["edges-b"]
    assert [edges_a[f"fase_totaal_{k}"] for k in range(5)] == [4, 0, 4, 0, 4]
    assert [edges_b[f"fase_totaal_{k}"] for k in range(3)] == [2, 0, 0]
    assert edges_b["fase_BO_4"] == 2  # blanks at level 3 count as 0 points


def test_cached_values_equal_libreoffice_for_every_formula(tmp_path, lo_profile):
    """A workbook written with answers carries, in every formula cell, the value LibreOffice computes."""
    s = reference_set()
    content = [
        SlotContent(answers=random_grid(s, seed=900 + k), date=dt.date(2023 + k, 3, 1), ingevuld_door=f"Adviseur {k}")
        for k in range(3)
    ]
    content[1].answers["BO-1.01"] = None
    path = build_workbook(tmp_path / "filled.xlsx", gemeente="Cachedam", regio="Midden", content=content)
    (out,) = recalc([path], tmp_path / "out", lo_profile)
    ours = openpyxl.load_workbook(path, data_only=True)
    theirs = openpyxl.load_workbook(out, data_only=True)
    formulas = formula_cells(path)
    assert len(formulas) > 300
    for (sheet, ref), text in formulas.items():
        a, b = ours[sheet][ref].value, theirs[sheet][ref].value
        a = "" if a is None else a
        b = "" if b is None else b
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            assert a == pytest.approx(b, abs=1e-12), (sheet, ref, text)
        else:
            assert a == b, (sheet, ref, text, a, b)


def test_libreoffice_really_recalculates(tmp_path, lo_profile):
    """The recalculation helper is not fooled by cached values: a wrong cache gets corrected."""
    import xlsxwriter

    path = tmp_path / "stale.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write_number(0, 0, 2)
    ws.write_formula(0, 1, "=A1*21", None, 7)  # cached value deliberately wrong
    wb.close()
    (out,) = recalc([path], tmp_path / "out", lo_profile)
    assert openpyxl.load_workbook(out, data_only=True).active["B1"].value == 42


def test_answers_typed_in_libreoffice_give_the_engines_phases(tmp_path, lo_profile):
    """Answers typed in LibreOffice itself, recalculated and saved by it, give the engine's phases."""
    need_uno()
    s = reference_set()
    blank = build_workbook(tmp_path / "blank.xlsx", gemeente="Typdorp")
    grids = [random_grid(s, seed=500 + k) for k in range(4)] + [uniform_grid(s, "ja")]
    cells = lo_cells(blank, grids)
    cells.append([L.QUESTIONS, L.Q_ROW_DATE, L.answer_col(0), "date", "2025-03-01"])
    out = tmp_path / "typed.xlsx"
    lo_fill([{"in": str(blank), "out": str(out), "cells": cells}], lo_profile, tmp_path)
    values = name_values(out)
    for slot, grid in enumerate(grids):
        result = score_measurement(s, grid)
        for code, pillar in result.pillars.items():
            assert values[L.name_phase(code, slot)] == pillar.phase, (slot, code)
        assert values[L.name_overall(slot)] == result.phase
    assert values[L.name_date(0)] == dt.datetime(2025, 3, 1)


def test_libreoffice_round_trip_keeps_the_contract(cases):
    """A file saved by LibreOffice keeps the defined names, the dropdowns and the sheet protection."""
    case = next(c for c in cases if c.name == "random-0")
    wb = openpyxl.load_workbook(case.recalculated)
    names = set(wb.defined_names)
    for slot in range(case.slots):
        assert {L.name_overall(slot), L.name_date(slot)} <= names
        assert {L.name_phase(p, slot) for p in case.indicator_set.pillar_codes} <= names
    ws = wb[L.QUESTIONS]
    assert ws.protection.sheet
    sources = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert L.NAME_ANSWER_LIST in sources


def test_blank_dashboard_opens_and_cover_prints_on_one_page(tmp_path, lo_profile):
    """LibreOffice opens a blank dashboard and prints the Voorblad on exactly one A4 landscape page."""
    pypdf = pytest.importorskip("pypdf")
    path = build_workbook(tmp_path / "Printdorp.xlsx", gemeente="Printdorp", regio="Zuid")
    from engine import convert

    (pdf,) = convert([path], tmp_path / "pdf", lo_profile, "pdf")
    reader = pypdf.PdfReader(pdf)
    first = reader.pages[0].extract_text()
    second = reader.pages[1].extract_text()
    assert "Piramide Fitte Gemeenten" in first and "Printdorp" in first
    assert "Vragenlijst Piramide" in second and "Vragenlijst Piramide" not in first  # the questionnaire's title
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    assert abs(float(box.width) - 842) < 3 and abs(float(box.height) - 595) < 3  # A4


def test_workbook_bytes_are_a_valid_zip_that_openpyxl_reads_without_warnings():
    """openpyxl reads a dashboard without any warning (warnings are errors in this suite)."""
    import io

    data = workbook_bytes(WorkbookSpec(reference_set(), "Zipstad"))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == list(L.SHEET_ORDER)


def test_next_phase_highlight_rule_marks_the_blocking_indicators(tmp_path, lo_profile):
    """The conditional-format rule, evaluated by LibreOffice, marks exactly the blocking indicators."""
    import openpyxl as ox

    from piramide.progress import blocking_indicators
    from piramide.reader import read_workbook
    from piramide.writer import next_phase_rule

    s = reference_set()
    grids = [random_grid(s, seed=700), random_grid(s, seed=701, p_yes=0.85)]
    blank = build_workbook(tmp_path / "blank.xlsx", gemeente="Markeerdam")
    filled = tmp_path / "marked.xlsx"
    fill_openpyxl(blank, filled, grids)
    wb = ox.load_workbook(filled)
    ws = wb[L.QUESTIONS]
    probe = L.note_col(4) + 3  # a spare column to the right of the slots
    for row in range(L.Q_FIRST_ROW + 1, ws.max_row + 1):
        if ws.cell(row, 1).value:
            ws.cell(row, probe).value = f"=IF({next_phase_rule(s, 5, row)},1,0)"
    wb.save(filled)
    (out,) = recalc([filled], tmp_path / "out", lo_profile)
    marked = set()
    values = ox.load_workbook(out, data_only=True)[L.QUESTIONS]
    for row in range(L.Q_FIRST_ROW + 1, values.max_row + 1):
        if values.cell(row, 1).value and values.cell(row, probe).value == 1:
            marked.add(values.cell(row, 1).value)
    shown = [m for m in read_workbook(filled).measurements if m.settled][-1]  # the measurement on the Voorblad
    expected = {i for ids in blocking_indicators(s, shown).values() for i in ids}
    assert expected, "the grids should leave something to do"
    assert marked == expected
