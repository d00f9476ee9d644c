"""`piramide new`: one dashboard or a region's batch, safe file names, no overwrites, clear errors.

Also the units behind it: ``safe_file_stem``, ``plan_file_names``,
``read_gemeenten_csv`` and ``write_atomic``. Every CLI test runs in its own
``tmp_path`` as the current folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from helpers import SMALL_SET, edit, write_set
from hypothesis import given, settings
from hypothesis import strategies as st
from wb import read_metadata, sheet_parts, xml_cells, zip_parts

from piramide import InputError, load_set, reference_set
from piramide import layout as L
from piramide._files import safe_file_stem, write_atomic
from piramide.errors import OutputError, OutputExistsError
from piramide.batch import BatchRow, plan_file_names, read_gemeenten_csv
from piramide.sets import reference_path

RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
SAFE_STEM = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """Every test runs with its own empty folder as the current directory."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def small_set(tmp_path) -> Path:
    """The small 2-pillar set as a file (keeps batch workbooks small and fast)."""
    return write_set(tmp_path, SMALL_SET, "klein.yaml")


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` (relative name) -> (bytes, mtime in ns)."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _temp_files(folder: Path) -> list[str]:
    """Leftovers of an atomic write: hidden ``.NAME.xxxx.tmp`` files."""
    return [str(p) for p in folder.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]


def _assert_one_line_error(result, *needles: str) -> None:
    """stderr is one `piramide: error:` line naming the problem; no traceback, nothing on stdout."""
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("piramide: error: "), result.err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def _csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _answer_headers(path: Path) -> list[str]:
    """The `Antwoord ...` cells of the Vragenlijst header row, left to right (from the raw XML)."""
    row = str(L.Q_ROW_HEADER + 1)
    cells = xml_cells(zip_parts(path), L.QUESTIONS)
    header = [c for ref, c in cells.items() if re.fullmatch(rf"[A-Z]+{row}", ref)]
    return [c.text for c in header if c.text and c.text.startswith("Antwoord ")]


# --- one dashboard ------------------------------------------------------------------------


def test_new_writes_workbooks_gemeente_xlsx_under_the_current_folder(cli, tmp_path):
    """`piramide new --gemeente X` writes ./workbooks/X.xlsx with the reference set and 5 slots."""
    result = cli("new", "--gemeente", "Utrecht")
    assert result.code == 0, result.err
    path = tmp_path / "workbooks" / "Utrecht.xlsx"
    assert path.is_file()
    assert str(Path("workbooks") / "Utrecht.xlsx") in result.out
    meta = read_metadata(path)
    assert meta["gemeente"] == "Utrecht"
    assert meta["set_id"] == reference_set().id
    assert str(meta["slots"]) == "5"
    assert result.err == ""


@pytest.mark.parametrize(
    ("gemeente", "file_name"),
    [
        ("Súdwest-Fryslân", "Sudwest-Fryslan.xlsx"),
        ("Bergen (NH)", "Bergen-NH.xlsx"),
        ("'s-Hertogenbosch", "s-Hertogenbosch.xlsx"),
        ("CON", "gemeente-CON.xlsx"),
        ("../../etc/passwd", "etc-passwd.xlsx"),
    ],
)
def test_default_file_name_is_safe_and_the_name_kept(cli, tmp_path, small_set, gemeente, file_name):
    """The default file name is a portable form of the name; the workbook keeps the name as typed."""
    result = cli("new", "--gemeente", gemeente, "--set", small_set)
    assert result.code == 0, result.err
    assert [p.name for p in (tmp_path / "workbooks").iterdir()] == [file_name]
    assert read_metadata(tmp_path / "workbooks" / file_name)["gemeente"] == gemeente
    assert sorted(p.name for p in tmp_path.iterdir()) == ["klein.yaml", "workbooks"]


def test_out_writes_exactly_there_creating_folders(cli, tmp_path, small_set):
    """--out FILE writes that file (making its folders) and nothing under workbooks/."""
    result = cli("new", "--gemeente", "Zeist", "--out", "regio/midden/zeist-2026.xlsx", "--set", small_set)
    assert result.code == 0, result.err
    assert (tmp_path / "regio" / "midden" / "zeist-2026.xlsx").is_file()
    assert not (tmp_path / "workbooks").exists()


def test_regio_is_written_to_cover_and_metadata(cli, tmp_path, small_set):
    """--regio lands in the Metadata and on the Voorblad."""
    assert cli("new", "--gemeente", "Zeist", "--regio", "Midden-Nederland", "--out", "z.xlsx", "--set", small_set).code == 0
    assert read_metadata(tmp_path / "z.xlsx")["regio"] == "Midden-Nederland"
    cover = xml_cells(zip_parts(tmp_path / "z.xlsx"), L.COVER)
    assert any(c.text == "Midden-Nederland" for c in cover.values())


def test_slots_sets_the_number_of_measurements(cli, tmp_path, small_set):
    """--slots 3 gives three answer columns, three slots in Metadata and names up to slot 2."""
    assert cli("new", "--gemeente", "Drie", "--slots", "3", "--out", "d.xlsx", "--set", small_set).code == 0
    path = tmp_path / "d.xlsx"
    assert _answer_headers(path) == ["Antwoord 0-meting", "Antwoord Meting 1", "Antwoord Meting 2"]
    assert str(read_metadata(path)["slots"]) == "3"
    workbook = zip_parts(path)["xl/workbook.xml"].decode("utf-8")
    assert 'name="fase_totaal_2"' in workbook and 'name="fase_totaal_3"' not in workbook


def test_set_uses_the_given_indicator_set(cli, tmp_path):
    """--set PATH (the example regional variant) makes a dashboard of that set, fingerprint and all."""
    variant = reference_path().parent / "regio-voorbeeld.yaml"
    expected = load_set(variant)
    assert cli("new", "--gemeente", "Varia", "--set", variant, "--out", "v.xlsx").code == 0
    meta = read_metadata(tmp_path / "v.xlsx")
    assert meta["set_id"] == expected.id != reference_set().id
    assert meta["fingerprint"] == expected.fingerprint
    assert meta["set_version"] == expected.version


def test_password_protects_every_sheet_with_a_hash(cli, tmp_path, small_set):
    """--password stores a protection hash on every sheet; without it none is stored."""
    assert cli("new", "--gemeente", "Slot", "--password", "Geheim123", "--out", "p.xlsx", "--set", small_set).code == 0
    assert cli("new", "--gemeente", "Open", "--out", "o.xlsx", "--set", small_set).code == 0
    for name, protected in (("p.xlsx", True), ("o.xlsx", False)):
        parts = zip_parts(tmp_path / name)
        for part in sheet_parts(parts).values():
            tag = re.search(r"<sheetProtection [^>]*>", parts[part].decode("utf-8")).group(0)
            assert bool(re.search(r'(password|hashValue)="[^"]+"', tag)) is protected, (name, tag)
        assert not any(b"Geheim123" in data for data in parts.values())


def test_existing_file_is_never_overwritten_without_force(cli, tmp_path):
    """An existing output file gives exit 1 and one error line; its bytes and mtime stay the same."""
    target = tmp_path / "workbooks" / "Utrecht.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"ingevuld door de gemeente")
    os.utime(target, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = _snapshot(tmp_path)
    result = cli("new", "--gemeente", "Utrecht")
    assert result.code == 1
    _assert_one_line_error(result, "Utrecht.xlsx", "--force")
    assert _snapshot(tmp_path) == before
    assert _temp_files(tmp_path) == []


def test_force_replaces_an_existing_file(cli, tmp_path, small_set):
    """With --force the existing file is replaced by a dashboard."""
    target = tmp_path / "u.xlsx"
    target.write_bytes(b"oud")
    result = cli("new", "--gemeente", "Utrecht", "--out", target, "--force", "--set", small_set)
    assert result.code == 0, result.err
    assert target.read_bytes()[:2] == b"PK"
    assert read_metadata(target)["gemeente"] == "Utrecht"
    assert _temp_files(tmp_path) == []


def test_no_temporary_files_are_left_after_success(cli, tmp_path, small_set):
    """After a successful write the folder holds exactly the dashboard."""
    assert cli("new", "--gemeente", "Schoon", "--set", small_set).code == 0
    assert [p.name for p in (tmp_path / "workbooks").iterdir()] == ["Schoon.xlsx"]


# --- usage errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ((), "--gemeente"),
        (("--gemeente", "X", "--gemeenten", "g.csv"), "--gemeente"),
        (("--gemeenten", "g.csv"), "--out-dir"),
        (("--gemeenten", "g.csv", "--out-dir", "d", "--out", "x.xlsx"), "--out"),
        (("--gemeenten", "g.csv", "--out-dir", "d", "--regio", "R"), "--regio"),
        (("--gemeente", "X", "--out-dir", "d"), "--out-dir"),
        (("--gemeente", "X", "--slots", "0"), "--slots"),
        (("--gemeente", "X", "--slots", "21"), "--slots"),
        (("--gemeente", "X", "--slots", "vijf"), "--slots"),
    ],
)
def test_usage_errors_exit_2_with_one_line(cli, tmp_path, args, needle):
    """A wrong combination of options exits 2 with one error line naming the option, and writes nothing."""
    _csv(tmp_path / "g.csv", "gemeente\nUtrecht\n")
    result = cli("new", *args)
    assert result.code == 2
    _assert_one_line_error(result, needle)
    assert result.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.csv"]


def test_missing_set_file_exits_2_with_one_line(cli, tmp_path):
    """--set with a file that does not exist exits 2 with one error line naming it."""
    result = cli("new", "--gemeente", "X", "--set", "weg.yaml")
    assert result.code == 2
    _assert_one_line_error(result, "weg.yaml")
    assert not (tmp_path / "workbooks").exists()


def test_broken_set_file_exits_1_listing_its_problems(cli, tmp_path):
    """--set with an invalid set exits 1 and lists every problem as FILE:LINE; nothing is written."""
    text = edit(SMALL_SET, "threshold: 0.75", "threshold: 1.5")
    text = edit(text, "    pillar: BB\n    phase: 2", "    pillar: ZZ\n    phase: 2")
    path = write_set(tmp_path, text, "kapot.yaml")
    result = cli("new", "--gemeente", "X", "--set", path)
    assert result.code == 1
    assert "Traceback" not in result.err
    problems = [line for line in result.err.splitlines() if "kapot.yaml:" in line]
    assert len(problems) >= 2, result.err
    assert any("threshold" in p for p in problems) and any("ZZ" in p for p in problems)
    assert all(re.match(r".*kapot\.yaml:\d+: ", p) for p in problems)
    assert not (tmp_path / "workbooks").exists()


# --- a region's batch -------------------------------------------------------------------------


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_batch_semicolon_csv_as_dutch_excel_saves_it(cli, tmp_path, small_set):
    """A `;`-separated CSV with gemeente;regio;code gives one dashboard per row, with its regio and code."""
    _csv(tmp_path / "regio.csv", "gemeente;regio;code\nUtrecht;Midden-Nederland;GM0344\nZeist;Midden-Nederland;GM0355\n")
    result = cli("new", "--gemeenten", "regio.csv", "--out-dir", "uit", "--set", small_set)
    assert result.code == 0, result.err
    assert _names(tmp_path / "uit") == ["Utrecht.xlsx", "Zeist.xlsx"]
    meta = read_metadata(tmp_path / "uit" / "Zeist.xlsx")
    assert (meta["gemeente"], meta["regio"], meta["code"]) == ("Zeist", "Midden-Nederland", "GM0355")
    assert "2 of 2 dashboards written" in result.out
    assert result.err == ""


def test_batch_comma_csv(cli, tmp_path, small_set):
    """A `,`-separated CSV works the same."""
    _csv(tmp_path / "regio.csv", "gemeente,regio\nAmersfoort,Midden-Nederland\nBaarn,Midden-Nederland\n")
    result = cli("new", "--gemeenten", "regio.csv", "--out-dir", "uit", "--set", small_set)
    assert result.code == 0, result.err
    assert _names(tmp_path / "uit") == ["Amersfoort.xlsx", "Baarn.xlsx"]
    assert read_metadata(tmp_path / "uit" / "Baarn.xlsx")["regio"] == "Midden-Nederland"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp1252"])
def test_batch_reads_utf8_with_bom_and_windows_1252(cli, tmp_path, small_set, encoding):
    """Accented names survive UTF-8 (with or without BOM) and Windows-1252 CSV files."""
    _csv(tmp_path / "g.csv", "gemeente;regio\nSúdwest-Fryslân;Noord-Nederland\nGroningen;Noord-Nederland\n", encoding)
    result = cli("new", "--gemeenten", "g.csv", "--out-dir", "uit", "--set", small_set)
    assert result.code == 0, result.err
    assert _names(tmp_path / "uit") == ["Groningen.xlsx", "Sudwest-Fryslan.xlsx"]
    assert read_metadata(tmp_path / "uit" / "Sudwest-Fryslan.xlsx")["gemeente"] == "Súdwest-Fryslân"


def test_batch_names_with_the_same_stem_get_distinct_files(cli, tmp_path, small_set):
    """`Bergen (NH)` and `Bergen (L)` give two files, each holding its own gemeente."""
    _csv(tmp_path / "g.csv", "gemeente\nBergen (NH)\nBergen (L)\nBergen NH\n")
    result = cli("new", "--gemeenten", "g.csv", "--out-dir", "uit", "--set", small_set)
    assert result.code == 0, result.err
    files = _names(tmp_path / "uit")
    assert len(files) == 3
    assert {read_metadata(tmp_path / "uit" / f)["gemeente"] for f in files} == {"Bergen (NH)", "Bergen (L)", "Bergen NH"}
    assert {"Bergen-NH.xlsx", "Bergen-L.xlsx"} <= set(files)


def test_batch_same_name_twice_with_codes_appends_the_code(cli, tmp_path, small_set):
    """The same name twice with different codes gives NAME-CODE.xlsx for each."""
    _csv(tmp_path / "g.csv", "gemeente;code\nHaren;GM0017\nHaren;GM9999\n")
    assert cli("new", "--gemeenten", "g.csv", "--out-dir", "uit", "--set", small_set).code == 0
    assert _names(tmp_path / "uit") == ["Haren-GM0017.xlsx", "Haren-GM9999.xlsx"]
    assert read_metadata(tmp_path / "uit" / "Haren-GM9999.xlsx")["code"] == "GM9999"


def test_batch_same_name_twice_without_codes_numbers_the_second(cli, tmp_path, small_set):
    """The same name twice without codes gives NAME.xlsx and NAME-2.xlsx."""
    _csv(tmp_path / "g.csv", "gemeente\nHaren\nHaren\n")
    result = cli("new", "--gemeenten", "g.csv", "--out-dir", "uit", "--set", small_set)
    assert result.code == 0, result.err
    assert _names(tmp_path / "uit") == ["Haren-2.xlsx", "Haren.xlsx"]
    assert "2 of 2 dashboards written" in result.out


def test_batch_names_never_escape_the_out_dir(cli, tmp_path, small_set):
    """Names with /, .., \\ and : land inside DIR, one file each, and nothing is written elsewhere."""
    names = ["../../buiten", "a/b", "..", "c:\\d", "C:", "\\\\server\\share", "/etc/passwd"]
    _csv(tmp_path / "g.csv", "gemeente\n" + "\n".join(f'"{n}"' for n in names) + "\n")
    result = cli("new", "--gemeenten", "g.csv", "--out-dir", "uit", "--set", small_set)
    assert result.code == 0, result.err
    assert _names(tmp_path) == ["g.csv", "klein.yaml", "uit"]
    files = list((tmp_path / "uit").iterdir())
    assert len(files) == len(names)
    assert all(f.is_file() and f.parent == tmp_path / "uit" for f in files)
    assert {read_metadata(f)["gemeente"] for f in files} == set(names)
    assert not (tmp_path.parent / "buiten.xlsx").exists()


def test_batch_bad_rows_are_reported_with_their_line_and_do_not_stop_the_others(cli, tmp_path, small_set):
    """An empty gemeente and a row with too many fields are reported by CSV line; the good rows are written; exit 1."""
    text = "gemeente;regio\nAmersfoort;Midden\n;Midden\nBaarn;Midden\nBunschoten;Midden;extra\n\nLeusden;Midden\n"
    _csv(tmp_path / "g.csv", text)
    result = cli("new", "--gemeenten", "g.csv", "--out-dir", "uit", "--set", small_set)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert _names(tmp_path / "uit") == ["Amersfoort.xlsx", "Baarn.xlsx", "Leusden.xlsx"]
    errors = result.err.splitlines()
    assert len(errors) == 2, result.err
    assert errors[0].startswith("piramide: error: g.csv:3: ") and "gemeente is empty" in errors[0]
    assert errors[1].startswith("piramide: error: g.csv:5: ") and "3 fields" in errors[1]
    assert "3 of 5 dashboards written" in result.out
    assert "2 rows failed" in result.out


def test_batch_all_good_rows_exit_0(cli, tmp_path, small_set):
    """A batch in which every row is written exits 0 and says how many."""
    rows = ["Amersfoort", "Baarn", "Bunschoten", "Eemnes", "Leusden"]
    _csv(tmp_path / "g.csv", "gemeente\n" + "\n".join(rows) + "\n")
    result = cli("new", "--gemeenten", "g.csv", "--out-dir", "uit", "--set", small_set)
    assert result.code == 0, result.err
    assert _names(tmp_path / "uit") == [f"{r}.xlsx" for r in rows]
    assert "5 of 5 dashboards written" in result.out
    assert _temp_files(tmp_path / "uit") == []


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda d: _csv(d / "g.csv", "naam;regio\nUtrecht;Midden\n"), "gemeente"),
        (lambda d: _csv(d / "g.csv", ""), "empty"),
        (lambda d: _csv(d / "g.csv", "\ufeff"), "empty"),
        (lambda d: d / "g.csv", "no such"),
        (lambda d: (d / "g.csv").mkdir() or d / "g.csv", "folder"),
    ],
    ids=["no-gemeente-column", "empty", "only-bom", "missing", "folder"],
)
def test_batch_unusable_csv_exits_2_with_one_line(cli, tmp_path, small_set, make, needle):
    """A CSV without a gemeente column, an empty one, a missing one or a folder: exit 2, one line, nothing written."""
    make(tmp_path)
    result = cli("new", "--gemeenten", "g.csv", "--out-dir", "uit", "--set", small_set)
    assert result.code == 2
    _assert_one_line_error(result, "g.csv", needle)
    assert not (tmp_path / "uit").exists()


def test_batch_twice_without_force_fails_every_row_and_changes_nothing(cli, tmp_path, small_set):
    """Running the same batch again without --force: every row fails (exit 1), every file stays as it was."""
    rows = ["Amersfoort", "Baarn", "Bergen (NH)", "Bergen (L)", "Haren"]
    _csv(tmp_path / "g.csv", "gemeente\n" + "\n".join(rows) + "\n")
    first = cli("new", "--gemeenten", "g.csv", "--out-dir", "uit", "--set", small_set)
    assert first.code == 0, first.err
    for path in (tmp_path / "uit").iterdir():
        os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = _snapshot(tmp_path / "uit")
    second = cli("new", "--gemeenten", "g.csv", "--out-dir", "uit", "--set", small_set)
    assert second.code == 1
    errors = second.err.splitlines()
    assert len(errors) == len(rows)
    assert all("--force" in e for e in errors)
    assert [int(re.match(r"piramide: error: g\.csv:(\d+): ", e).group(1)) for e in errors] == [2, 3, 4, 5, 6]
    assert "0 of 5 dashboards written" in second.out
    assert _snapshot(tmp_path / "uit") == before
    assert _temp_files(tmp_path / "uit") == []


def test_batch_again_with_force_replaces_every_file(cli, tmp_path, small_set):
    """The same batch with --force rewrites every file and exits 0."""
    _csv(tmp_path / "g.csv", "gemeente\nA\nB\nC\nD\n")
    assert cli("new", "--gemeenten", "g.csv", "--out-dir", "uit", "--set", small_set).code == 0
    for path in (tmp_path / "uit").iterdir():
        os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    result = cli("new", "--gemeenten", "g.csv", "--out-dir", "uit", "--set", small_set, "--force")
    assert result.code == 0, result.err
    assert all(p.stat().st_mtime_ns > 1_600_000_000_000_000_000 for p in (tmp_path / "uit").iterdir())
    assert _names(tmp_path / "uit") == ["A.xlsx", "B.xlsx", "C.xlsx", "D.xlsx"]


def test_batch_gemeente_that_looks_like_a_formula_stays_text(cli, tmp_path, small_set):
    """A CSV gemeente `=HYPERLINK(...)` is written as text into its dashboard."""
    _csv(tmp_path / "g.csv", 'gemeente\n"=HYPERLINK(""http://x"",""klik"")"\n')
    assert cli("new", "--gemeenten", "g.csv", "--out-dir", "uit", "--set", small_set).code == 0
    (path,) = (tmp_path / "uit").iterdir()
    assert read_metadata(path)["gemeente"] == '=HYPERLINK("http://x","klik")'
    parts = zip_parts(path)
    assert all(b"HYPERLINK" not in parts[p] for p in sheet_parts(parts).values())


def test_batch_with_slots_and_password(cli, tmp_path, small_set):
    """--slots and --password apply to every dashboard of the batch."""
    _csv(tmp_path / "g.csv", "gemeente\nA\nB\n")
    assert cli("new", "--gemeenten", "g.csv", "--out-dir", "uit", "--set", small_set,
               "--slots", "2", "--password", "pw").code == 0  # fmt: skip
    for path in (tmp_path / "uit").iterdir():
        assert _answer_headers(path) == ["Antwoord 0-meting", "Antwoord Meting 1"]
        parts = zip_parts(path)
        tag = re.search(r"<sheetProtection [^>]*>", parts["xl/worksheets/sheet2.xml"].decode("utf-8")).group(0)
        assert re.search(r'(password|hashValue)="[^"]+"', tag)


# --- safe_file_stem ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("Utrecht", "Utrecht"),
        ("Súdwest-Fryslân", "Sudwest-Fryslan"),
        ("Bergen (NH)", "Bergen-NH"),
        ("Bergen (L)", "Bergen-L"),
        ("'s-Hertogenbosch", "s-Hertogenbosch"),
        ("Nuenen, Gerwen en Nederwetten", "Nuenen-Gerwen-en-Nederwetten"),
        ("CON", "gemeente-CON"),
        ("con", "gemeente-con"),
        ("Lpt1", "gemeente-Lpt1"),
        ("COM¹", "gemeente-COM1"),
        ("", "gemeente"),
        ("???", "gemeente"),
        ("日本", "gemeente"),
        ("../../etc/passwd", "etc-passwd"),
        ("..", "gemeente"),
        ("c:\\d", "c-d"),
        ("  Ede.  ", "Ede"),
    ],
)
def test_safe_file_stem_examples(name, stem):
    """safe_file_stem folds accents, joins other runs with '-', and avoids device names and empties."""
    assert safe_file_stem(name) == stem


def test_safe_file_stem_is_at_most_80_characters():
    """A very long name is cut to 80 characters, not ending in '-'."""
    stem = safe_file_stem("Gemeente " * 30)
    assert len(stem) <= 80 and not stem.endswith("-")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_safe_file_stem_is_always_a_portable_name(name):
    """For any text: ASCII letters/digits joined by single '-', at most 89 characters, never a device name."""
    stem = safe_file_stem(name)
    assert SAFE_STEM.fullmatch(stem), stem
    assert len(stem) <= len("gemeente-") + 80
    assert stem.lower() not in RESERVED


# --- plan_file_names -------------------------------------------------------------------------------


def _rows(*items) -> list[BatchRow]:
    out = []
    for n, item in enumerate(items, start=2):
        name, code = item if isinstance(item, tuple) else (item, None)
        out.append(BatchRow(n, name, None, code))
    return out


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (["Utrecht", "Zeist"], ["Utrecht.xlsx", "Zeist.xlsx"]),
        (["Bergen (NH)", "Bergen (L)"], ["Bergen-NH.xlsx", "Bergen-L.xlsx"]),
        (["Bergen (NH)", "Bergen NH"], ["Bergen-NH.xlsx", "Bergen-NH-2.xlsx"]),
        ([("Haren", "GM0017"), ("Haren", "GM9999")], ["Haren-GM0017.xlsx", "Haren-GM9999.xlsx"]),
        ([("Haren", "GM0017"), ("Haren", "GM0017")], ["Haren-GM0017.xlsx", "Haren-GM0017-2.xlsx"]),
        (["Haren", "Haren", "Haren"], ["Haren.xlsx", "Haren-2.xlsx", "Haren-3.xlsx"]),
        (["Haren", "Haren", "Haren 2"], ["Haren.xlsx", "Haren-2.xlsx", "Haren-2-2.xlsx"]),
        (["ede", "EDE"], ["ede.xlsx", "EDE-2.xlsx"]),
        ([("Haren", "GM1"), "Haren"], ["Haren-GM1.xlsx", "Haren.xlsx"]),
    ],
)
def test_plan_file_names_examples(items, expected):
    """Clashing names get the code when it tells them apart, else a number; case does not tell files apart."""
    assert plan_file_names(_rows(*items)) == expected


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Bergen", "bergen", "Bergen (NH)", "Bergen NH", "Bergen-2", "CON", "", "..", "Ede"]),
            st.one_of(st.none(), st.sampled_from(["GM1", "gm1", "GM2", "2"])),
        ),
        max_size=12,
    )
)
def test_plan_file_names_are_distinct_even_ignoring_case(items):
    """Whatever the names and codes, every row gets its own .xlsx name, distinct case-insensitively, stable."""
    rows = _rows(*items)
    names = plan_file_names(rows)
    assert len(names) == len(rows)
    assert len({n.lower() for n in names}) == len(names)
    assert all(n.endswith(".xlsx") and SAFE_STEM.fullmatch(n[:-5]) for n in names)
    assert plan_file_names(rows) == names


# --- read_gemeenten_csv -----------------------------------------------------------------------------


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_read_csv_detects_the_separator(tmp_path, sep):
    """`;`, `,` and tab separated files all give the same rows."""
    path = _csv(tmp_path / "g.csv", sep.join(["gemeente", "regio", "code"]) + "\n" + sep.join(["Ede", "Oost", "GM0228"]) + "\n")
    rows, problems = read_gemeenten_csv(path)
    assert rows == [BatchRow(2, "Ede", "Oost", "GM0228")] and problems == []


def test_read_csv_header_is_case_insensitive_and_columns_optional(tmp_path):
    """`Gemeente` alone is a valid header; regio and code are then None; cells are trimmed."""
    rows, problems = read_gemeenten_csv(_csv(tmp_path / "g.csv", "Gemeente\n  Ede  \nBaarn\n"))
    assert rows == [BatchRow(2, "Ede"), BatchRow(3, "Baarn")] and problems == []


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_read_csv_decodes_bom_and_windows_1252(tmp_path, encoding):
    """A BOM is not part of the first column name; Windows-1252 accents and curly quotes decode right."""
    path = _csv(tmp_path / "g.csv", "gemeente;regio\nSúdwest-Fryslân;Noord\n’s-Gravenhage;Haaglanden\n", encoding)
    rows, problems = read_gemeenten_csv(path)
    assert rows == [BatchRow(2, "Súdwest-Fryslân", "Noord"), BatchRow(3, "’s-Gravenhage", "Haaglanden")]
    assert problems == []


def test_read_csv_counts_lines_in_windows_line_endings(tmp_path):
    """With CRLF line ends (as Excel saves) bad rows still carry their line number."""
    rows, problems = read_gemeenten_csv(_csv(tmp_path / "g.csv", "gemeente;regio\r\nEde;Oost\r\n\r\n;Oost\r\nBaarn;Oost\r\n"))
    assert [(r.line, r.gemeente) for r in rows] == [(2, "Ede"), (5, "Baarn")]
    assert [p.line for p in problems] == [4]


def test_read_csv_reports_bad_rows_with_their_file_line(tmp_path):
    """Empty gemeente, too many fields and too long values are problems with the file's line number; blank lines skipped."""
    text = "gemeente;regio\nEde;Oost\n\n;Oost\nBaarn;Midden;x\n" + "L" * 256 + ";Oost\nZeist\n"
    rows, problems = read_gemeenten_csv(_csv(tmp_path / "g.csv", text))
    assert [(r.line, r.gemeente) for r in rows] == [(2, "Ede"), (7, "Zeist")]
    assert [p.line for p in problems] == [4, 5, 6]
    assert "empty" in problems[0].message and "fields" in problems[1].message and "255" in problems[2].message


def test_read_csv_quoted_separator_stays_in_the_name(tmp_path):
    """A quoted name with the separator in it is one field."""
    rows, _ = read_gemeenten_csv(_csv(tmp_path / "g.csv", 'gemeente;regio\n"Bergen; NH";Noord\n'))
    assert rows == [BatchRow(2, "Bergen; NH", "Noord")]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("naam\nEde\n", "no column 'gemeente'"),
        ("gemeente;provincie\nEde;Gelderland\n", "unknown column"),
        ("", "empty"),
        ("\n\n", "empty"),
    ],
)
def test_read_csv_unusable_files_raise_input_error(tmp_path, text, needle):
    """A file without a gemeente column, with an unknown column, or empty raises InputError."""
    with pytest.raises(InputError, match=needle):
        read_gemeenten_csv(_csv(tmp_path / "g.csv", text))


def test_read_csv_missing_file_raises_input_error(tmp_path):
    """A missing CSV raises InputError naming the file."""
    with pytest.raises(InputError, match="weg.csv"):
        read_gemeenten_csv(tmp_path / "weg.csv")


# --- write_atomic -------------------------------------------------------------------------------------


def test_write_atomic_writes_and_makes_folders(tmp_path):
    """write_atomic writes the bytes, creating missing folders, and leaves no temporary file."""
    target = tmp_path / "a" / "b" / "x.xlsx"
    write_atomic(target, b"inhoud")
    assert target.read_bytes() == b"inhoud"
    assert _names(target.parent) == ["x.xlsx"]


def test_write_atomic_never_overwrites_without_force(tmp_path):
    """Without force an existing file raises OutputExistsError and keeps its bytes; no temporary file stays."""
    target = tmp_path / "x.xlsx"
    target.write_bytes(b"oud")
    with pytest.raises(OutputExistsError, match="exists already; pass force=True to overwrite it"):
        write_atomic(target, b"nieuw")
    assert target.read_bytes() == b"oud"
    assert _names(tmp_path) == ["x.xlsx"]


def test_write_atomic_with_force_replaces(tmp_path):
    """With force an existing file is replaced."""
    target = tmp_path / "x.xlsx"
    target.write_bytes(b"oud")
    write_atomic(target, b"nieuw", force=True)
    assert target.read_bytes() == b"nieuw"
    assert _names(tmp_path) == ["x.xlsx"]


@pytest.mark.parametrize("force", [False, True])
def test_write_atomic_leaves_the_target_untouched_when_writing_fails(tmp_path, monkeypatch, force):
    """If writing the temporary file fails, the target (existing or not) is untouched and no temporary file stays."""
    import piramide._files as files

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)
    existing = tmp_path / "oud.xlsx"
    existing.write_bytes(b"oud")
    target = existing if force else tmp_path / "nieuw.xlsx"
    with pytest.raises(OutputError) as caught:
        write_atomic(target, b"nieuw", force=force)
    assert str(caught.value) == f"{target}: the disk is full"  # the user's path, never the temporary file
    assert existing.read_bytes() == b"oud"
    assert _names(tmp_path) == ["oud.xlsx"]


def test_write_atomic_loses_a_race_without_overwriting(tmp_path, monkeypatch):
    """A file that appears between the check and the final link is kept; OutputExistsError is raised."""
    import piramide._files as files

    target = tmp_path / "x.xlsx"
    real_link = os.link

    def racing_link(src, dst):
        Path(dst).write_bytes(b"van een ander")
        return real_link(src, dst)

    monkeypatch.setattr(files.os, "link", racing_link)
    with pytest.raises(OutputExistsError):
        write_atomic(target, b"van mij")
    assert target.read_bytes() == b"van een ander"
    assert _names(tmp_path) == ["x.xlsx"]
