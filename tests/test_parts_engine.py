"""Deelvragenlijsten filled in LibreOffice, as respondents would, and merged back (issue 13, "done when").

One LibreOffice run types into every part (``lo_fill``); a second loads the
merged dashboard and recalculates it. A dashboard with a 0-meting is split
for Meting 1; the parts come back typed (answers in odd spellings, notes,
dates, names); `piramide merge` puts them into the dashboard; `piramide read`
must show exactly what was typed, with the notes and respondents, and the
merged workbook's formulas in LibreOffice must give the phases of the rule.
A conflicting part (of a second split, made with a respondents CSV) and a
part of another dashboard, both typed in LibreOffice too, are refused.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from engine import lo_fill, make_profile, need_soffice, need_uno, recalc
from helpers import run_cli
from wb import name_values, part_cells, random_grid

from piramide import read_workbook, reference_set, score_measurement
from piramide.cli import run
from piramide import layout as L
from piramide.parts import split_workbook
from piramide.plan import PlanRow
from piramide.writer import SlotContent, build_workbook

pytestmark = pytest.mark.soffice

SPELLINGS = ["Ja", "deels", "NEE", "n.v.t.", "ja", "N.V.T.", "Deels"]  # any case: what the dashboard counts
CANONICAL = {"ja": "ja", "deels": "deels", "nee": "nee", "n.v.t.": "n.v.t."}


@dataclass
class Typed:
    """What the respondents typed, and the files LibreOffice saved."""

    dashboard: Path
    parts: dict[str, Path]  # respondent -> the part as LibreOffice saved it
    answers: dict[str, str]  # indicator -> canonical answer typed
    notes: dict[str, tuple[str, str]]  # indicator -> (respondent, note typed)
    dates: dict[str, str]
    names: dict[str, str]
    conflicting: Path
    foreign: Path
    plan: dict[str, dict[str, str]]  # indicator -> Actieplan fields typed (as typed: ISO dates, any case)


PLANNED = PlanRow(indicator="BO-1.01", actie="Draaiboek", eigenaar="OOV", deadline=dt.date(2026, 5, 1), status="bezig")


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Path:
    need_soffice()
    return make_profile(tmp_path_factory.mktemp("lo-profile-parts"))


@pytest.fixture(scope="module")
def typed(tmp_path_factory, profile) -> Typed:
    """A dashboard with a 0-meting, split for Meting 1; every part typed in LibreOffice in one run."""
    need_uno()
    s = reference_set()
    work = tmp_path_factory.mktemp("parts-lo")
    zero = SlotContent(
        answers={k: v for k, v in random_grid(s, seed=1313).items() if v},
        notes={"BO-1.01": "coordinator benoemd"},
        date=dt.date(2025, 3, 1),
        ingevuld_door="Adviseur OOV",
    )
    dashboard = build_workbook(
        work / "Utrecht.xlsx", gemeente="Utrecht", indicator_set=s, content=[zero], plan=[PLANNED]
    )
    report = split_workbook(dashboard, work / "delen")
    assert report.slot == 1 and report.previous_slot == 0
    jobs, answers, notes, dates, names, plan = [], {}, {}, {}, {}, {}
    for k, part in enumerate(report.parts):
        ids = part.indicators[:-3] if part.respondent.startswith("CO") else part.indicators  # CO leaves 3 open
        typed_answers = {ident: SPELLINGS[(n + k) % len(SPELLINGS)] for n, ident in enumerate(ids)}
        answers.update({i: CANONICAL[a.strip().lower()] for i, a in typed_answers.items()})
        note = {ids[0]: f"Bewijs: notulen {k + 1}; zie ook 'besluit' & \"bijlage\""}
        notes.update({i: (part.respondent, text) for i, text in note.items()})
        dates[part.respondent] = f"2026-03-{10 + k:02d}"
        names[part.respondent] = f"Medewerker {k + 1}"
        # The Actieplan: a new row for the part's second indicator; BO adds a toelichting to the dashboard's row.
        rows = {ids[1]: {"actie": f"Actie {k + 1}: \"nota\" & 'raad'", "eigenaar": f"Eigenaar {k + 1}",
                         "deadline": f"2026-{k + 6:02d}-01", "status": ["Gepland", "bezig ", "OPEN"][k % 3]}}  # fmt: skip
        if part.respondent.startswith("BO"):
            rows[PLANNED.indicator] = {"toelichting": "besproken in het MT"}
        plan.update(rows)
        cells = part_cells(
            part.path, typed_answers, note, dates[part.respondent], names[part.respondent], plan=rows
        )
        out = work / "terug" / part.path.name
        jobs.append({"in": str(part.path), "out": str(out), "cells": cells})
    # A second split by a respondents CSV (Windows-1252, an id over its pillar) gives BO-1.01 to "Zoë".
    csv = work / "resp.csv"
    csv.write_bytes("indicator;respondent\nBO;Zoë\nBO-1.01;Zoë\nIP;Zoë\nBH;Zoë\nIV;Zoë\nCO;Zoë\n".encode("cp1252"))
    (conflicting,) = split_workbook(dashboard, work / "zoe", respondents=csv).parts
    other = build_workbook(work / "Anders.xlsx", gemeente="Utrecht", indicator_set=s, content=[zero])
    foreign = split_workbook(other, work / "anders").parts[0]
    differs = "nee" if answers["BO-1.01"] != "nee" else "ja"
    for part, cells in (
        (conflicting, part_cells(conflicting.path, {"BO-1.01": differs}, date="2026-03-20")),
        (foreign, part_cells(foreign.path, {"BO-1.02": "ja"})),
    ):
        jobs.append({"in": str(part.path), "out": str(work / "terug-fout" / part.path.name), "cells": cells})
    (work / "terug").mkdir()
    (work / "terug-fout").mkdir()
    lo_fill(jobs, profile, work)
    parts = {p.respondent: work / "terug" / p.path.name for p in report.parts}
    return Typed(
        dashboard,
        parts,
        answers,
        notes,
        dates,
        names,
        work / "terug-fout" / conflicting.path.name,
        work / "terug-fout" / foreign.path.name,
        plan,
    )


@pytest.fixture(scope="module")
def merged(typed, tmp_path_factory) -> Path:
    """`piramide merge DASHBOARD FOLDER --out ...` with the folder of parts LibreOffice saved."""
    out = tmp_path_factory.mktemp("merged") / "Utrecht-samen.xlsx"
    folder = typed.parts["BO gemeentesecretaris/OOV"].parent
    assert run(["merge", str(typed.dashboard), str(folder), "--out", str(out)]) == 0
    return out


def test_read_shows_the_typed_answers_notes_and_respondents(typed, merged):
    """Meting 1 of the merged dashboard is what the respondents typed in LibreOffice; the 0-meting is unchanged."""
    before = read_workbook(typed.dashboard)
    after = read_workbook(merged)
    assert after.issues == []
    zero, one = after.measurements
    assert (zero.answers, zero.notes, zero.date) == (before.measurements[0].answers, before.measurements[0].notes, before.measurements[0].date)
    assert one.answers == typed.answers
    assert one.notes == {i: f"[{who}] {text}" for i, (who, text) in typed.notes.items()}
    assert one.ingevuld_door == "; ".join(f"{who} ({typed.names[who]})" for who in typed.parts)
    assert one.date == dt.date.fromisoformat(max(typed.dates.values()))
    assert after.workbook_id == before.workbook_id
    expected = score_measurement(after.indicator_set, typed.answers)
    assert {c: p.phase for c, p in one.pillars.items()} == {c: p.phase for c, p in expected.pillars.items()}
    assert one.pillars["CO"].provisional and not one.pillars["BO"].provisional


def test_read_shows_the_actieplan_rows_typed_in_the_parts(typed, merged, capsys):
    """The Actieplan of the merged dashboard: the dashboard's row with BO's toelichting, and every typed row."""
    expected = {PLANNED.indicator: PLANNED.model_dump()}
    for ident, fields in typed.plan.items():
        row = expected.setdefault(ident, PlanRow(indicator=ident).model_dump())
        for field, value in fields.items():
            row[field] = dt.date.fromisoformat(value) if field == "deadline" else value
            if field == "status":
                row[field] = value.strip().lower()
    order = [i.id for i in read_workbook(merged).indicator_set.indicators]
    rows = [PlanRow(**expected[i]) for i in order if i in expected]
    assert read_workbook(merged).plan == rows
    shown = json.loads(run_cli(capsys, "read", merged, "--json").out)["plan"]
    assert [(r["indicator"], r["eigenaar"], r["deadline"]) for r in shown] == [
        (r.indicator, r.eigenaar, r.deadline.isoformat()) for r in rows
    ]


def test_merge_reports_what_each_respondent_left_open(typed, capsys, tmp_path):
    """The CO part left 3 of its 21 open: `CO communicatie: 3 van 21 nog open`."""
    result = run_cli(capsys, "merge", typed.dashboard, *typed.parts.values(), "--out", tmp_path / "x.xlsx")
    assert result.code == 0, result
    assert "  CO communicatie: 3 van 21 nog open" in result.out.splitlines()
    assert "BO gemeentesecretaris/OOV: 0 van 21" not in result.out  # only what is open is listed


def test_the_merged_dashboard_recalculates_in_libreoffice_to_the_phases_of_the_rule(typed, merged, profile, tmp_path):
    """LibreOffice's fase_* for Meting 1 equal the engine's phases for the typed answers; no stale cache."""
    (recalculated,) = recalc([merged], tmp_path / "recalc", profile)
    values = name_values(recalculated)
    result = score_measurement(reference_set(), typed.answers)
    for code, pillar in result.pillars.items():
        assert values[L.name_phase(code, 1)] == pillar.phase, code
    assert values[L.name_overall(1)] == result.phase
    reading = read_workbook(recalculated)
    assert reading.issues == [] and reading.measurements[1].answers == typed.answers


def test_a_conflicting_part_and_a_part_of_another_dashboard_typed_in_libreoffice_are_refused(typed, capsys, tmp_path):
    """Zoë's BO-1.01 differs from BO's: listed, nothing written; a part of another dashboard: refused and named."""
    out = tmp_path / "uit.xlsx"
    result = run_cli(capsys, "merge", typed.dashboard, *typed.parts.values(), typed.conflicting, "--out", out, "--json")
    assert result.code == 1 and not out.exists()
    data = json.loads(result.out)
    (conflict,) = data["conflicts"]
    assert conflict["indicator"] == "BO-1.01" and {v["respondent"] for v in conflict["values"]} == {
        "BO gemeentesecretaris/OOV",
        "Zoë",
    }
    result = run_cli(capsys, "merge", typed.dashboard, typed.parts["IP informatievoorziening"], typed.foreign, "--out", out)
    assert result.code == 1 and not out.exists()
    assert f"refused: {typed.foreign}: belongs to another dashboard" in result.out
