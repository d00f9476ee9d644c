"""Workbook helpers for the tests: answer grids, filling as a user would, reading names."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import openpyxl

from piramide import IndicatorSet
from piramide import layout as L

Grid = dict[str, str | None]

LABELS = (None, "ja", "deels", "nee", "n.v.t.")


def random_grid(s: IndicatorSet, seed: int, p_yes: float | None = None) -> Grid:
    """Random answers, mostly ``ja`` (so phases land all over 0..4), some blanks."""
    rng = random.Random(seed)
    p_yes = rng.uniform(0.5, 0.95) if p_yes is None else p_yes
    grid = {}
    for ind in s.indicators:
        r = rng.random()
        if r < p_yes:
            grid[ind.id] = "ja"
        else:
            grid[ind.id] = rng.choice(LABELS)
    return grid


def uniform_grid(s: IndicatorSet, label: str | None) -> Grid:
    return {i.id: label for i in s.indicators}


def grid_by_level(s: IndicatorSet, per_level: dict[int, list[str | None]]) -> Grid:
    """Per phase level a list of answers, used in order for that level's indicators of every pillar."""
    grid = {}
    for pillar in s.pillar_codes:
        for level, answers in per_level.items():
            inds = s.indicators_of(pillar, level)
            assert len(answers) == len(inds), (pillar, level, len(inds))
            for ind, a in zip(inds, answers, strict=True):
                grid[ind.id] = a
    return grid


def question_rows(ws) -> dict[str, int]:
    """Indicator id -> 1-based row in the Vragenlijst sheet (openpyxl)."""
    rows = {}
    for row in ws.iter_rows(min_row=L.Q_FIRST_ROW + 1, max_col=1):
        value = row[0].value
        if isinstance(value, str) and value:
            rows[value] = row[0].row
    return rows


def fill_openpyxl(blank: Path, out: Path, grids: list[Grid], dates: list[dt.date | None] | None = None) -> None:
    """Type answers into a dashboard with openpyxl (as a script or a user would) and save it."""
    wb = openpyxl.load_workbook(blank)
    ws = wb[L.QUESTIONS]
    rows = question_rows(ws)
    for slot, grid in enumerate(grids):
        col = L.answer_col(slot) + 1
        for ident, answer in grid.items():
            if answer is not None:
                ws.cell(rows[ident], col).value = answer
        if dates and dates[slot]:
            ws.cell(L.Q_ROW_DATE + 1, col).value = dates[slot]
    wb.save(out)


def lo_cells(blank: Path, grids: list[Grid]) -> list[list]:
    """The cells to type in LibreOffice (``lo_fill`` format) for these grids."""
    wb = openpyxl.load_workbook(blank, read_only=False)
    rows = question_rows(wb[L.QUESTIONS])
    cells = []
    for slot, grid in enumerate(grids):
        for ident, answer in grid.items():
            if answer is not None:
                cells.append([L.QUESTIONS, rows[ident] - 1, L.answer_col(slot), "text", answer])
    return cells


def name_values(path: Path) -> dict[str, object]:
    """Defined name -> the value of its (single) cell, as stored in the file."""
    wb = openpyxl.load_workbook(path, data_only=True)
    values = {}
    for name, dn in wb.defined_names.items():
        dests = list(dn.destinations)
        if len(dests) != 1 or ":" in dests[0][1]:
            continue
        sheet, ref = dests[0]
        values[name] = wb[sheet][ref.replace("$", "")].value
    return values


def formula_cells(path: Path) -> dict[tuple[str, str], str]:
    """(sheet, cell) -> formula text for every formula in the workbook."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    out[(ws.title, c.coordinate)] = c.value
    return out
