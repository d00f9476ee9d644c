"""Excel opens every file we write without a repair dialog, whatever was typed (issue 9, point 7).

Control characters in every user-text field give well-formed XML in every
part of every workbook we write (dashboards, upgrades, overviews) and are
shown escaped at the terminal; `new` refuses them in names; sets whose
workbook would break Excel (colliding names, formulas over 8,192
characters, control characters) are refused by validation; a note longer
than a cell is an issue with its cell; --password takes only what Excel and
LibreOffice both honour; protected sheets do not offer sorting.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from engine import SYSTEM_PYTHON, make_profile, need_soffice, need_uno, recalc
from helpers import SMALL_SET, edit, line_of, set_yaml, write_set
from wb import answer_ref, name_values, rezip, set_cell_xml, sheet_parts, zip_parts

from piramide import layout as L
from piramide import load_set, reference_set
from piramide.errors import PiramideError, SetError
from piramide.plan import PlanRow
from piramide.progress import region_progress
from piramide.progress_out import overview_bytes
from piramide.reader import read_workbook
from piramide.scoring import score_measurement
from piramide.sets import MAX_ANSWERS, MAX_LABEL, MAX_PHASES
from piramide.upgrade import upgrade_workbook
from piramide.writer import SlotContent, WorkbookSpec, build_workbook, workbook_bytes

#: Every C0 control character XML 1.0 forbids, DEL, a C1 control (CSI) and an escape sequence.
NASTY = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "\x7f\x9b\x1b[31m _x0041_"


def assert_every_part_parses(data: bytes | Path) -> None:
    """Every XML part of the package parses (a control character in XML is a fatal error for parsers and Excel)."""
    for name, content in zip_parts(data).items():
        if name.endswith((".xml", ".rels", ".vml")):
            try:
                ET.fromstring(content)
            except ET.ParseError as exc:
                raise AssertionError(f"{name}: {exc}") from None


@pytest.fixture(scope="module")
def nasty_dashboard(tmp_path_factory) -> Path:
    """A dashboard (Python API) with control characters in the names, notes, 'ingevuld door' and action plan."""
    s = reference_set()
    folder = tmp_path_factory.mktemp("nasty")
    contents = [
        SlotContent(
            answers={"BO-1.01": "ja", "IP-1.03": "deels"},
            notes={"BO-1.01": f"notitie {NASTY}", "IP-1.04": NASTY},
            date=dt.date(2024, 3, 1),
            ingevuld_door=f"A{NASTY}",
        ),
        SlotContent(answers={"BO-1.01": "nee"}, date=dt.date(2025, 3, 1), ingevuld_door=NASTY),
    ]
    plan = (PlanRow(indicator="BO-1.02", actie=f"Actie{NASTY}", eigenaar=NASTY, status="bezig",
                    toelichting=f"T{NASTY}"),)  # fmt: skip
    spec = WorkbookSpec(s, f"Ede{NASTY}", regio=f"R{NASTY}", code=f"GM{NASTY}", slots=3, content=tuple(contents),
                        plan=plan)  # fmt: skip
    path = folder / "nasty.xlsx"
    path.write_bytes(workbook_bytes(spec))
    return path


def test_a_dashboard_with_control_characters_everywhere_parses(nasty_dashboard):
    """Names, notes and 'ingevuld door' (also in formula results) with control characters: every part parses."""
    assert_every_part_parses(nasty_dashboard)


def test_control_characters_read_back_exactly(nasty_dashboard):
    """Written as Excel writes them (_x000B_), they read back as typed: names, notes, 'ingevuld door'."""
    r = read_workbook(nasty_dashboard)
    assert (r.gemeente, r.regio, r.code) == (f"Ede{NASTY}", f"R{NASTY}", f"GM{NASTY}")
    first, second = r.measurements
    assert first.ingevuld_door == f"A{NASTY}".strip() and second.ingevuld_door == NASTY.strip()
    assert first.notes == {"BO-1.01": f"notitie {NASTY}".strip(), "IP-1.04": NASTY.strip()}


def test_read_json_carries_notes_with_control_characters_exactly(nasty_dashboard, cli):
    """`read --json` has each measurement's notes; control characters survive the JSON round trip."""
    result = cli("read", "--json", nasty_dashboard)
    first, second = json.loads(result.out)["measurements"]
    assert first["notes"] == {"BO-1.01": f"notitie {NASTY}".strip(), "IP-1.04": NASTY.strip()}
    assert second["notes"] == {}


def test_a_cached_formula_text_is_escaped_as_excel_writes_it(nasty_dashboard):
    """Berekening's 'Ingevuld door' formula carries the name as its cached value, with _x000B_ escapes."""
    parts = zip_parts(nasty_dashboard)
    calc = parts[sheet_parts(parts)[L.CALCULATION]].decode("utf-8")
    cached = re.findall(r'<c r="C6"[^>]*t="str"[^>]*><f>[^<]*</f><v>([^<]*)</v>', calc)
    assert cached and "_x000B_" in cached[0] and "_x005F_x0041_" in cached[0]


def test_an_upgrade_carrying_control_characters_parses(nasty_dashboard, tmp_path):
    """`upgrade` carries names and notes with control characters into a file that parses and verifies."""
    plan = upgrade_workbook(nasty_dashboard, tmp_path / "meer.xlsx", slots=4)
    assert plan.verified
    assert_every_part_parses(tmp_path / "meer.xlsx")
    assert read_workbook(tmp_path / "meer.xlsx").measurements[0].ingevuld_door == f"A{NASTY}".strip()


def test_an_overview_with_control_characters_parses(nasty_dashboard, tmp_path):
    """The overview of a region with such a municipality (and a broken file with such a name) parses."""
    broken = tmp_path / f"kapot{chr(11)}.xlsx"
    broken.write_bytes(b"PK\x03\x04 niet echt")
    result = region_progress([nasty_dashboard, broken], today=dt.date(2025, 6, 30))
    data = overview_bytes(result)
    assert_every_part_parses(data)
    names = openpyxl.load_workbook(io.BytesIO(data)).sheetnames
    assert all(not any(ord(ch) < 32 for ch in name) for name in names)


# --- names in `new`, text at the terminal ---------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--gemeente", "--regio", "--code"])
def test_new_refuses_a_name_with_a_control_character(cli, tmp_path, option):
    """`new` with a control character in a name: exit 2, one line naming it (escaped), nothing written."""
    args = {"--gemeente": "Ede", option: "Ede\x1b[2J"}
    r = cli("new", *[x for kv in args.items() for x in kv], "--out", tmp_path / "x.xlsx")
    assert r.code == 2
    assert "holds a control character (U+001B)" in r.err and "\x1b" not in r.err and "\\x1b[2J" in r.err
    assert list(tmp_path.iterdir()) == []


def test_a_csv_row_with_a_control_character_is_refused_with_its_line(cli, tmp_path):
    """In a batch, that row fails with its line; the others are written."""
    csv = tmp_path / "regio.csv"
    csv.write_text("gemeente;regio\nEde;Oost\nZe\x07ist;Midden\n", encoding="utf-8")
    r = cli("new", "--gemeenten", csv, "--out-dir", tmp_path / "uit")
    assert r.code == 1
    assert f"{csv}:3: the gemeente 'Ze\\x07ist' holds a control character (U+0007)" in r.err
    assert sorted(p.name for p in (tmp_path / "uit").iterdir()) == ["Ede.xlsx"]


def test_text_output_shows_control_characters_escaped(cli, nasty_dashboard):
    """`read` prints names and notes from a received file with escapes, never the raw characters."""
    r = cli("read", nasty_dashboard)
    assert r.code == 0
    assert "Ede" in r.out and "\\x1b[31m" in r.out
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", r.out + r.err)


def test_json_output_escapes_control_characters(cli, nasty_dashboard):
    """`read --json` parses back to the exact names, with no raw control character (C1 included) in the output."""
    r = cli("read", nasty_dashboard, "--json")
    assert not re.search("[\x00-\x1f\x7f-\x9f]", r.out.strip())
    assert json.loads(r.out)["gemeente"] == f"Ede{NASTY}"


def test_progress_text_shows_control_characters_escaped(cli, nasty_dashboard):
    """The region report escapes too."""
    r = cli("progress", nasty_dashboard, "--today", "2025-06-30")
    assert "\\x1b[31m" in r.out and not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", r.out + r.err)


# --- sets that would break the workbook ------------------------------------------------------------------------------


def set_problems(write_set, text: str) -> tuple[Path, list]:
    """The path of ``text`` written as a set, and the problems validation finds in it."""
    path = write_set(text)
    with pytest.raises(SetError) as caught:
        load_set(path)
    return path, caught.value.problems


def test_a_pillar_code_totaal_is_refused(write_set):
    """TOTAAL would make fase_TOTAAL_0, which Excel cannot tell from fase_totaal_0."""
    text = SMALL_SET.replace("code: BB", "code: TOTAAL").replace("pillar: BB", "pillar: TOTAAL")
    path, problems = set_problems(write_set, text.replace("id: BB-", "id: TT-"))
    assert [str(p) for p in problems] == [
        f"{path}:{line_of(text, 'code: TOTAAL')}: pillar code TOTAAL gives the workbook the name fase_TOTAAL_0, "
        "which Excel cannot tell from fase_totaal_0 (names ignore case); choose another code"
    ]


def test_every_defined_name_of_a_valid_set_is_unique_ignoring_case(reference):
    """The layout's list of names, for the reference set and all slots, has no two names equal ignoring case."""
    names = L.defined_names(reference.pillar_codes)
    assert len({n.casefold() for n in names}) == len(names)


def test_more_than_the_maximum_of_phases_is_refused(write_set):
    """13 phases: one clear problem at 'phases'."""
    _, problems = set_problems(write_set, set_yaml(per_phase=(1,) * (MAX_PHASES + 1)))
    assert [p.message for p in problems] == [
        f"{MAX_PHASES + 1} phases; a set has at most {MAX_PHASES} (the dashboard's pyramid and formulas are made "
        "for that many)"
    ]


def test_too_many_or_too_long_answers_are_refused(write_set):
    """An answer label over the limit, and more answers than the limit: one problem each, with their lines."""
    long_label = "x" * (MAX_LABEL + 1)
    extra = "".join(f"  - {{label: extra{n}, points: 0}}\n" for n in range(MAX_ANSWERS - 3))
    text = edit(set_yaml(), "  - {label: ja, points: 1}\n", f"  - {{label: {long_label}, points: 1}}\n" + extra)
    _, problems = set_problems(write_set, text)
    assert sorted(p.message.split(";")[0] for p in problems) == [
        f"{MAX_ANSWERS + 1} answers",
        f"answer label '{long_label[:40]}...' is longer than {MAX_LABEL} characters",
    ]
    assert [p.line for p in problems if "label" in p.message] == [line_of(text, long_label)]


def test_a_control_character_escaped_in_yaml_is_refused(write_set):
    """A double-quoted "\\x0b" in a statement passes YAML but not validation: one problem with its line."""
    text = edit(SMALL_SET, "text: Er is een vastgestelde meldroute.", 'text: "Er is een\\x0bmeldroute."')
    path, problems = set_problems(write_set, text)
    assert [str(p) for p in problems] == [
        f"{path}:{line_of(text, 'meldroute.')}: 'text' holds the control character U+000B; remove it (a workbook "
        "cannot hold it)"
    ]


def _wide_set(folder: Path, phases: int) -> Path:
    """A valid set at the limits: ``phases`` phases, the most answers, every label as long as allowed."""
    labels = [f"{n}" * MAX_LABEL for n in range(MAX_ANSWERS - 1)]
    answers = "".join(f"  - {{label: '{label}', points: {n / 10}}}\n" for n, label in enumerate(labels))
    answers += f"  - {{label: '{'n' * MAX_LABEL}', applicable: false}}\n"
    text = set_yaml(pillars=("AA", "BB", "CC", "DD", "EE", "FF"), per_phase=(2,) * phases)
    start, end = text.index("answers:\n") + len("answers:\n"), text.index("phases:\n")
    return write_set(folder, text[:start] + answers + text[end:], f"fasen{phases}.yaml")


@pytest.mark.parametrize("phases", [9, MAX_PHASES])
def test_every_formula_stays_under_excels_limit_at_the_set_limits(tmp_path, phases):
    """9 and 12 phases, 10 answers of 30 characters, 20 slots: every formula (cells, rules) under 8,192 chars."""
    s = load_set(_wide_set(tmp_path, phases))
    parts = zip_parts(workbook_bytes(WorkbookSpec(s, "Grens", slots=L.MAX_SLOTS)))
    longest = 0
    for name, content in parts.items():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            for formula in re.findall(rb"<(?:f|formula)>([^<]*)</(?:f|formula)>", content):
                longest = max(longest, len(formula.decode("utf-8").replace("&quot;", '"').replace("&amp;", "&")))
    assert 500 < longest < 8192


def test_the_phase_formula_grows_linearly(tmp_path):
    """The phase formula of 12 phases is about three times that of 4 (it was exponential)."""

    def phase_formula(phases: int) -> str:
        s = load_set(write_set(tmp_path, set_yaml(per_phase=(1,) * phases), f"f{phases}.yaml"))
        parts = zip_parts(workbook_bytes(WorkbookSpec(s, "Lineair", slots=1)))
        calc = parts[sheet_parts(parts)[L.CALCULATION]].decode("utf-8")
        return max(re.findall(r"<f>(IF\(OR[^<]*)</f>", calc), key=len)

    four, twelve = len(phase_formula(4)), len(phase_formula(12))
    assert twelve < 3.5 * four


@pytest.mark.soffice
def test_libreoffice_computes_twelve_phases_as_the_engine(tmp_path):
    """A 12-phase set filled at random: LibreOffice's fase_* names equal the scoring engine, per pillar and slot."""
    need_soffice()
    s = load_set(write_set(tmp_path, set_yaml(pillars=("AA", "BB"), per_phase=(2,) * MAX_PHASES), "f12.yaml"))
    rng = random.Random(12)
    contents = []
    for slot in range(3):
        level = [8, 12, 5][slot]  # answers ja up to this phase, then random
        answers = {
            i.id: ("ja" if i.phase <= level else rng.choice(["ja", "nee", "deels", "n.v.t.", None])) for i in s.indicators
        }
        contents.append(SlotContent(answers=answers, date=dt.date(2023 + slot, 1, 1)))
    src = build_workbook(tmp_path / "twaalf.xlsx", gemeente="Twaalf", indicator_set=s, slots=3, content=contents)
    (saved,) = recalc([src], tmp_path / "lo", make_profile(tmp_path / "profile"))
    values = name_values(saved)
    for slot, content in enumerate(contents):
        result = score_measurement(s, content.answers)
        for code in s.pillar_codes:
            assert values[L.name_phase(code, slot)] == result.pillars[code].phase, (slot, code)
        assert values[L.name_overall(slot)] == result.phase
    assert {values[L.name_phase(c, s_)] for c in s.pillar_codes for s_ in range(3)} - {0}  # not all zero


# --- notes longer than a cell -----------------------------------------------------------------------------------------


def test_a_note_longer_than_a_cell_is_an_issue_with_its_cell(cli, tmp_path):
    """A note of 40,000 characters (possible in a crafted file): text-too-long at its cell; upgrade refuses it."""
    s = reference_set()
    content = SlotContent(answers={"BO-1.01": "ja"}, notes={"BO-1.01": "kort"}, date=dt.date(2024, 1, 1))
    made = workbook_bytes(WorkbookSpec(s, "Lang", slots=2, content=(content,)))
    where = answer_ref(s, "BO-1.01").replace(L.col_letter(L.answer_col(0)), L.col_letter(L.note_col(0)))
    parts = zip_parts(made)
    set_cell_xml(parts, L.QUESTIONS, where.split("!")[1], "x" * 40_000)  # openpyxl would cut it to 32,767
    src = tmp_path / "lang.xlsx"
    src.write_bytes(rezip(parts))
    [issue] = [i for i in read_workbook(src).issues if i.code == "text-too-long"]
    assert (issue.severity, issue.location) == ("error", where)
    assert issue.message == (
        "the note on BO-1.01 has 40,000 characters; an Excel cell holds at most 32,767: shorten it "
        "(or move the rest to a separate document)"
    )
    r = cli("upgrade", src, "--slots", "3", "--out", tmp_path / "uit.xlsx")
    assert r.code == 1 and where in r.err and "bug" not in r.err
    assert not (tmp_path / "uit.xlsx").exists()


# --- passwords and sorting -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["wachtwoordé", "€uro", "Größe", "tab\there", "x" * 256])
def test_a_password_excel_and_libreoffice_cannot_both_honour_is_refused(cli, tmp_path, password):
    """Non-ASCII, control characters or more than 255 characters: exit 2 with one line; nothing written."""
    r = cli("new", "--gemeente", "Ede", "--password", password, "--out", tmp_path / "x.xlsx")
    assert r.code == 2 and r.err.startswith("piramide: error: --password ") and r.err.count("\n") == 1
    assert password not in r.err  # a password is never echoed
    assert list(tmp_path.iterdir()) == []


def test_a_batch_with_a_refused_password_writes_nothing(cli, tmp_path):
    """The password is checked once, before any dashboard of the batch is written."""
    csv = tmp_path / "regio.csv"
    csv.write_text("gemeente\nEde\nZeist\n", encoding="utf-8")
    r = cli("new", "--gemeenten", csv, "--out-dir", tmp_path / "uit", "--password", "Größe")
    assert r.code == 2 and r.err.count("--password") == 1
    assert not (tmp_path / "uit").exists() or list((tmp_path / "uit").iterdir()) == []


UNPROTECT = r"""
import json, subprocess, sys, time, uuid
from pathlib import Path
import uno
from com.sun.star.beans import PropertyValue

def prop(name, value):
    p = PropertyValue(); p.Name, p.Value = name, value; return p

profile, jobs = sys.argv[1], json.loads(sys.argv[2])
pipe = f"pw-{uuid.uuid4().hex}"
office = subprocess.Popen(["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--invisible",
                           "--norestore", "--nologo", "--nodefault", f"--accept=pipe,name={pipe};urp;"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
for _ in range(600):
    try:
        ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext"); break
    except Exception:
        time.sleep(0.1)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
out = []
for path, attempts in jobs:
    doc = desktop.loadComponentFromURL(Path(path).as_uri(), "_blank", 0, (prop("Hidden", True),))
    sheet = doc.Sheets.getByName("Vragenlijst")
    for attempt in attempts:
        try:
            sheet.unprotect(attempt)
        except Exception:
            pass
        out.append(sheet.isProtected())
    doc.close(True)
print(json.dumps(out))
try:
    desktop.terminate()
except Exception:
    pass
office.wait(timeout=30)
"""


@pytest.mark.soffice
def test_libreoffice_unprotects_with_the_password_and_not_without(cli, tmp_path):
    """An accepted password (long, with spaces and punctuation) opens the sheet in LibreOffice; a wrong one does not."""
    need_uno()
    password = "Geheim wachtwoord van het RIEC: 2026 (versie #3)!"
    assert cli("new", "--gemeente", "Ede", "--password", password, "--out", tmp_path / "p.xlsx").code == 0
    jobs = [[str(tmp_path / "p.xlsx"), ["", "geheim", password]]]
    result = subprocess.run([SYSTEM_PYTHON, "-c", UNPROTECT, str(make_profile(tmp_path / "profile")),
                             json.dumps(jobs)], capture_output=True, text=True, timeout=180)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [True, True, False]


def test_protected_sheets_do_not_offer_sorting(tmp_path):
    """No sheet allows sorting (Excel cannot sort locked rows; sorting the answer column alone detaches answers)."""
    parts = zip_parts(workbook_bytes(WorkbookSpec(reference_set(), "Ede")))
    for part in sheet_parts(parts).values():
        tag = re.search(r"<sheetProtection [^>]*>", parts[part].decode("utf-8")).group(0)
        assert 'sort="0"' not in tag, tag
        assert 'autoFilter="0"' in tag, tag  # filtering stays allowed


def test_instructie_does_not_promise_sorting(tmp_path):
    """The Instructie sheet says filtering works and sorting does not."""
    wb = openpyxl.load_workbook(build_workbook(tmp_path / "i.xlsx", gemeente="Ede"))
    text = " ".join(str(c.value) for row in wb[L.INSTRUCTIONS].iter_rows() for c in row if c.value)
    assert "sorteren kan niet" in text and "Filteren kan" in text
    assert "Filteren en sorteren kan" not in text


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["answers"][0].update(label="j\u000ba"),
        lambda d: d["answers"][0].update(label="j" * (MAX_LABEL + 1)),
        lambda d: [p.update(code="TOTAAL") for p in d["pillars"][:1]]
        + [i.update(pillar="TOTAAL") for i in d["indicators"] if i["pillar"] == "AA"],
    ],
    ids=["control-in-label", "long-label", "totaal-pillar"],
)
def test_a_crafted_set_never_reaches_a_workbook(tmp_path, change):
    """A set that skipped validation (stored in a received workbook) and breaks a limit: one clear error."""
    s = load_set(write_set(tmp_path, set_yaml(), "ok.yaml"))
    data = json.loads(s.canonical_json())
    change(data)
    crafted = type(s).from_canonical_json(json.dumps(data))
    with pytest.raises(PiramideError, match=f"^the indicator set {s.id} cannot be written to a workbook: "):
        workbook_bytes(WorkbookSpec(crafted, "Ede"))


def test_every_bundled_set_fits_a_workbook():
    """The bundled sets pass the writer's limits."""
    from piramide.sets import bundled_sets, workbook_problem

    found = bundled_sets()
    assert found and {(b.id, b.version): workbook_problem(b.load()) for b in found} == {(b.id, b.version): None for b in found}


@pytest.mark.soffice
def test_libreoffice_opens_the_nasty_dashboard_and_keeps_the_text(nasty_dashboard, tmp_path):
    """LibreOffice opens the file, recalculates it, saves it; the names and notes read back as written."""
    need_soffice()
    (saved,) = recalc([nasty_dashboard], tmp_path / "lo", make_profile(tmp_path / "profile"))
    before, after = read_workbook(nasty_dashboard), read_workbook(saved)
    assert not after.errors, after.errors
    assert (after.gemeente, after.regio) == (before.gemeente, before.regio)
    assert [(m.ingevuld_door, m.notes, m.phase) for m in after.measurements] == [
        (m.ingevuld_door, m.notes, m.phase) for m in before.measurements
    ]
    assert_every_part_parses(saved)
