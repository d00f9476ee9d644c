"""The ``piramide`` command line: a thin layer over the core.

The core raises :mod:`piramide.errors`; this module turns them into one-line
messages and exit codes. No traceback reaches a user (set ``PIRAMIDE_DEBUG=1``
to see one for an internal error).

Exit codes, one rule for every command (see README): 0 fine (warnings
allowed); 1 the input has errors (listed), or the work was refused (an
output exists, answers would be dropped); 2 bad usage (an option or
argument that cannot work) or an input that cannot be used at all; 3 an
internal error (a bug: please report it).

The core's messages name arguments as Python keyword arguments
(``force=True``); :data:`_OPTIONS` respells them as this command line's
options (``--force``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import os
import shlex
import signal
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__
from . import layout as L
from ._escape import control_problem, json_terminal_safe, printable
from ._files import safe_file_stem, unique_paths, write_atomic
from ._outputs import is_dashboard, is_piramide_output, refuse_overwriting_answers
from ._pool import Stopped, stop_signals_interrupt
from ._text import issue_counts, noun, plural
from .errors import (
    ArgumentError,
    InputError,
    OutputExistsError,
    PartsRefused,
    PiramideError,
    RefusedError,
    SetError,
    Spelling,
    UpgradeRefused,
    UpgradeVerificationError,
)

if TYPE_CHECKING:
    from .batch import BatchOutcome
    from .model import IndicatorSet
    from .parts import MergeReport, SplitReport
    from .reader import WorkbookReading
    from .sets import KnownSets

# Each command imports the core modules it uses when it runs: `piramide --version` and `--help`
# load no pydantic, XlsxWriter or python-calamine, and `piramide read` no XlsxWriter
# (tests/test_cold_start.py holds this; scripts/bench_cli.py times it).

EXIT_OK, EXIT_INVALID, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 3

# click >= 8.2 raises this (a UsageError) for a group called without a command; it carries the help text.
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _json(data) -> str:
    """JSON for stdout: indented for a person at a terminal, compact (and fast) for a program."""
    if sys.stdout.isatty():
        return json_terminal_safe(json.dumps(data, ensure_ascii=False, indent=2))
    return json_terminal_safe(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def _say(text: str, err: bool = False) -> None:
    """Print text that may hold names and notes from files: control characters are shown, never run."""
    click.echo(printable(text), err=err)


class _Options(Spelling):
    """The core's arguments as this command line's options: ``force=True`` is ``--force``, ``slots=3`` ``--slots 3``."""

    #: Arguments whose option is not the argument's name with dashes.
    RENAMED = {"new_set": "--set", "indicator_set": "--set", "respondents": "--respondenten"}

    def argument(self, name: str, value: object) -> str:
        flag = self.RENAMED.get(name, "--" + name.replace("_", "-"))
        return flag if value is True or value is None else f"{flag} {shlex.quote(str(value))}"

    def remedy(self, name: str, value: object) -> str:
        return f"use {self.argument(name, value)}"


_OPTIONS = _Options()


def _error(message: str | PiramideError) -> None:
    if isinstance(message, PiramideError):
        message = message.describe(_OPTIONS)
    _say(f"piramide: error: {message}", err=True)


def _warning(message: str) -> None:
    _say(f"piramide: warning: {message}", err=True)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes (every command): 0 done, warnings allowed; 1 the input has errors (listed), or the work "
    "was refused (an output exists, answers would be dropped); 2 bad usage, or an input that cannot be used at "
    "all; 3 an internal error (a bug: please report it).",
)
@click.version_option(__version__, "-V", "--version", prog_name="piramide", message="%(prog)s %(version)s")
def cli() -> None:
    """Indicator sets, dashboards and progress for the Piramide Fitte Gemeenten."""


@cli.group()
def sets() -> None:
    """Validate and show indicator sets (YAML)."""


@sets.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def sets_list(as_json: bool) -> int:
    """List the sets bundled with piramide: id, version, fingerprint, indicators.

    Any command that takes a set (--set, or 'extend:' in a variant file)
    accepts a bundled set by name: its id for the newest version
    (nl-referentie), or id@version (nl-referentie@2026.1).
    """
    from .sets import bundled_sets

    rows = []
    newest = {b.id: b for b in bundled_sets()}  # sorted oldest first: the last one of an id wins
    for b in bundled_sets():
        s = b.load()
        rows.append(
            {
                "id": s.id,
                "version": s.version,
                "name": b.name,
                "newest": newest[b.id] is b,
                "fingerprint": s.fingerprint,
                "indicators": len(s.indicators),
            }
        )
    if as_json:
        click.echo(_json(rows))
        return EXIT_OK
    header = ("id", "version", "fingerprint", "indicators")
    table = [header] + [
        (r["id"], r["version"] + (" (newest)" if r["newest"] else ""), r["fingerprint"], str(r["indicators"]))
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


@sets.command("validate")
@click.argument("paths", nargs=-1, metavar="[PATH]...", type=click.Path(path_type=Path))
def sets_validate(paths: tuple[Path, ...]) -> int:
    """Check indicator set files; list every problem as FILE:LINE: message.

    With no PATH, checks every bundled set. Exit 0 when all are valid, 1
    when any has problems, 2 when a file cannot be read at all.
    """
    from .sets import bundled_sets, load_set

    targets: list[Path] = list(paths) or [b.path for b in bundled_sets()]
    code = EXIT_OK
    for path in targets:
        shown = str(path) if paths else f"bundled {path.name}"
        try:
            result = load_set(path)
        except SetError as exc:
            for problem in exc.problems:
                _say(str(problem))
            _say(f"{shown}: {plural(len(exc.problems), 'problem')}", err=True)
            code = max(code, EXIT_INVALID)
            continue
        except InputError as exc:
            _error(str(exc))
            code = EXIT_UNUSABLE
            continue
        _say(
            f"{shown}: valid: {result.id} {result.version}, {len(result.indicators)} indicators, "
            f"{len(result.pillars)} pillars, {len(result.phases)} phases, {result.fingerprint}"
        )
    return code


@sets.command("show")
@click.argument("set_ref", metavar="[SET]", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the resolved set as JSON.")
def sets_show(set_ref: str | None, as_json: bool) -> int:
    """Show a resolved set: a YAML file or a bundled set's name (default: the newest reference set)."""
    from .sets import load_set

    result = load_set(set_ref)
    if as_json:
        click.echo(_json(result.summary()))
    else:
        _say(_format_set(result))
    return EXIT_OK


@cli.command("new")
@click.option("--gemeente", metavar="NAME", help="The municipality (one workbook).")
@click.option("--regio", metavar="NAME", help="The RIEC region, shown on the cover.")
@click.option("--code", metavar="CODE", help="A municipality code (e.g. CBS GM0363), kept in the metadata.")
@click.option(
    "--gemeenten",
    "csv_path",
    metavar="FILE.csv",
    type=click.Path(path_type=Path),
    help="A CSV file with a header 'gemeente' (and optionally 'regio', 'code'): one workbook per row.",
)
@click.option(
    "--set",
    "set_path",
    metavar="SET",
    help="Indicator set: a YAML file or a bundled set's name (see 'piramide sets list'); default: nl-referentie.",
)
@click.option(
    "--slots",
    metavar="N",
    type=click.IntRange(1, L.MAX_SLOTS),
    default=L.DEFAULT_SLOTS,
    show_default=True,
    help="Measurement slots: the 0-meting and the later measurements.",
)
@click.option(
    "--out",
    metavar="FILE",
    type=click.Path(path_type=Path),
    help="Output file (one workbook); default: workbooks/<gemeente>.xlsx.",
)
@click.option("--out-dir", metavar="DIR", type=click.Path(path_type=Path), help="Output folder (with --gemeenten).")
@click.option(
    "--password", metavar="PW", help="Password for the sheet protection (default: protected without a password)."
)
@click.option("--force", is_flag=True, help="Overwrite existing files (never a dashboard that holds answers).")
@click.option(
    "--skip-existing", is_flag=True, help="With --gemeenten: keep files that exist already (to rerun a batch)."
)
def new(gemeente, regio, code, csv_path, set_path, slots, out, out_dir, password, force, skip_existing) -> int:
    """Make blank dashboards: one with --gemeente, or one per CSV row with --gemeenten.

    \b
    piramide new --gemeente Utrecht --regio Midden-Nederland
    piramide new --gemeenten regio.csv --out-dir workbooks/regio
    """
    from .sets import load_set
    from .writer import build_workbook

    if bool(gemeente) == bool(csv_path):
        raise click.UsageError("give either --gemeente NAME or --gemeenten FILE.csv")
    if csv_path:
        if out or regio or code:
            raise click.UsageError("--out, --regio and --code go with --gemeente; with --gemeenten use --out-dir")
        if not out_dir:
            raise click.UsageError("--gemeenten needs --out-dir DIR")
        if force and skip_existing:
            raise click.UsageError("--force and --skip-existing exclude each other")
        return _new_batch(csv_path, out_dir, set_path, slots, password, force, skip_existing)
    if skip_existing:
        raise click.UsageError("--skip-existing goes with --gemeenten")
    if out_dir:
        raise click.UsageError("--out-dir goes with --gemeenten; for one workbook use --out FILE")
    for what, value in (("gemeente", gemeente), ("regio", regio), ("code", code)):
        if problem := control_problem(what, value):
            raise click.UsageError(problem)
    indicator_set = load_set(set_path)
    target = out or Path("workbooks") / f"{safe_file_stem(gemeente)}.xlsx"
    if force:
        refuse_overwriting_answers(target)  # --force never replaces a dashboard that holds answers
    build_workbook(
        target,
        gemeente=gemeente,
        regio=regio,
        code=code,
        indicator_set=indicator_set,
        slots=slots,
        password=password,
        force=force,
    )
    _say(
        f"{target}: dashboard for {gemeente} ({indicator_set.id} {indicator_set.version}, {plural(slots, 'slot')})"
    )
    return EXIT_OK


def _new_batch(csv_path: Path, out_dir: Path, set_path, slots, password, force, skip_existing) -> int:
    from .batch import build_batch, duplicate_rows, read_gemeenten_csv
    from .sets import load_set

    indicator_set = load_set(set_path)
    rows, problems = read_gemeenten_csv(csv_path)
    for p in problems:
        _error(f"{csv_path}:{p.line}: {p.message}; row skipped")
    failed: list[BatchOutcome] = []
    show_bar = sys.stderr.isatty() and len(rows) > 1
    with (
        click.progressbar(length=len(rows), label="Dashboards", file=sys.stderr, show_pos=True)
        if show_bar
        else _nullbar() as bar
    ):

        def done(outcome: BatchOutcome) -> None:
            if not outcome.ok:
                failed.append(outcome)
            bar.update(1)

        outcomes = build_batch(
            rows,
            out_dir,
            indicator_set,
            slots=slots,
            password=password,
            force=force,
            skip_existing=skip_existing,
            on_done=done,
        )
    for outcome in failed:
        _error(f"{csv_path}:{outcome.row.line}: {outcome.row.gemeente}: {outcome.error.describe(_OPTIONS)}")
    for group in duplicate_rows(rows):
        same = [outcomes[i] for i in group]
        written_as = [o.path.name for o in same if o.written]
        _warning(
            f"{csv_path}:{', '.join(str(o.row.line) for o in same)}: {same[0].row.gemeente!r} is on {len(same)} rows "
            "(the same gemeente; progress uses one workbook per gemeente)"
            + (f"; written as {_and(written_as)}" if written_as else "")
        )
    written = sum(o.written for o in outcomes)
    kept = sum(o.kept for o in outcomes)
    _say(
        f"{written} of {plural(len(rows) + len(problems), 'dashboard')} written to {out_dir}"
        + (f"; {kept} existed already and were kept" if kept else "")
        + (f"; {plural(len(failed) + len(problems), 'row')} failed (listed above)" if failed or problems else "")
    )
    return EXIT_INVALID if failed or problems else EXIT_OK


def _and(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class _nullbar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int) -> None:
        pass


_KNOWN_SET_HELP = (
    "A published set the workbooks may be made from (a YAML file or a bundled set's name), besides the bundled "
    "ones; may be repeated. A workbook whose stored set claims its id and version but differs is an error."
)


def _known_sets(refs: tuple[str, ...]) -> KnownSets:
    from .sets import KnownSets, load_set

    return KnownSets(load_set(ref) for ref in refs)


@cli.command("read")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the reading as JSON (the documented contract).")
@click.option("--set", "set_refs", multiple=True, metavar="SET", help=_KNOWN_SET_HELP)
def read(file: Path, as_json: bool, set_refs: tuple[str, ...]) -> int:
    """Read a filled-in dashboard: per measurement the phases, then every issue.

    The phases are computed from the answers; the file's own formula results
    are never trusted. Exit 0 without errors (warnings allowed), 1 with
    errors, 2 when the file cannot be read as a Piramide dashboard.
    """
    from .reader import read_workbook

    reading = read_workbook(file, _known_sets(set_refs))
    if as_json:
        click.echo(_json(reading.model_dump(mode="json")))
    else:
        _say(_format_reading(reading))
    return EXIT_INVALID if reading.errors else EXIT_OK


@cli.command("check")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...", type=click.Path(path_type=Path))
@click.option("--set", "set_refs", multiple=True, metavar="SET", help=_KNOWN_SET_HELP)
def check(paths: tuple[Path, ...], set_refs: tuple[str, ...]) -> int:
    """Validate dashboards (files, or folders searched for .xlsx): one line per issue.

    Exit 0 without errors (warnings allowed), 1 when a workbook has errors,
    2 when a file cannot be read as a Piramide dashboard.
    """
    from .progress import ReadFailure, read_each

    known = _known_sets(set_refs)
    files = list(find_workbooks(paths))
    code = EXIT_OK
    counts = {"ok": 0, "errors": 0, "refused": 0, "parts": 0}
    for path, reading in read_each(files, known=known):
        if isinstance(reading, ReadFailure):
            _say(f"{reading.message} [refused]")
            counts["refused"] += 1
            code = EXIT_UNUSABLE
            continue
        part = reading.part
        shown = f"{path} (deelvragenlijst {part.respondent}, {part.label})" if part is not None else str(path)
        counts["parts"] += part is not None
        for issue in reading.issues:
            _say(f"{shown}: {issue}")
        if reading.errors:
            counts["errors"] += 1
            code = max(code, EXIT_INVALID) if code != EXIT_UNUSABLE else code
        else:
            counts["ok"] += 1
    _say(
        f"{plural(len(files), 'workbook')}: {counts['ok']} without errors, "
        f"{counts['errors']} with errors, {counts['refused']} refused"
        + (f" ({counts['parts']} of them {noun(counts['parts'], 'deelvragenlijst', 'deelvragenlijsten')})"
           if counts["parts"] else ""),
        err=True,
    )
    if not files:
        _error("no .xlsx files found in " + ", ".join(map(str, paths)))
        return EXIT_UNUSABLE
    return code


@cli.command("progress")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the progress as JSON (the documented contract).")
@click.option(
    "--xlsx",
    "xlsx_out",
    metavar="OUT",
    type=click.Path(path_type=Path),
    help="Also write an overview workbook (Dutch).",
)
@click.option(
    "--csv",
    "csv_out",
    metavar="OUT",
    type=click.Path(path_type=Path),
    help="Also write a CSV in long format (UTF-8 with BOM, ';', decimal comma) for Excel and Power BI.",
)
@click.option(
    "--plan-csv",
    "plan_csv_out",
    metavar="OUT",
    type=click.Path(path_type=Path),
    help="Also write the action plans as a CSV in long format (one row per gemeente and indicator).",
)
@click.option("--force", is_flag=True, help="Overwrite existing --xlsx/--csv/--plan-csv files.")
@click.option(
    "--today",
    metavar="YYYY-MM-DD",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Reference date for '15 months' and overdue actions (default: today).",
)
@click.option("--set", "set_refs", multiple=True, metavar="SET", help=_KNOWN_SET_HELP)
def progress(paths, as_json, xlsx_out, csv_out, plan_csv_out, force, today, set_refs) -> int:
    """Phases over the measurements, per municipality and for a region.

    PATH is a workbook or a folder (searched recursively for .xlsx). A file
    that cannot be read or has errors is listed with its reason and never
    stops the others. Exit 0 when all files were used, 1 when some were not.
    """
    with _gc_paused():
        return _progress(paths, as_json, xlsx_out, csv_out, plan_csv_out, force, today, set_refs)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Within this block the cyclic garbage collector does not run (reference counting still frees memory).

    For ``progress``, which builds many long-lived objects and hardly any
    cyclic garbage: the collector would scan the growing heap again and again
    for nothing (a quarter of the parent's CPU time over 342 workbooks). It
    is enabled again afterwards, when it was before.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _progress(paths, as_json, xlsx_out, csv_out, plan_csv_out, force, today, set_refs) -> int:
    from .progress import region_progress

    known = _known_sets(set_refs)
    files = find_workbooks(paths)
    if not files:
        _error("no .xlsx files found in " + ", ".join(map(str, paths)))
        return EXIT_UNUSABLE
    inputs = {f.resolve() for f in files}
    for out in (xlsx_out, csv_out, plan_csv_out):
        if out is None:
            continue
        if out.resolve() in inputs:
            _error(f"{out}: is one of the workbooks read; choose another file for the output")
            return EXIT_INVALID
        if out.is_file() and is_dashboard(out):
            _error(f"{out}: is a Piramide dashboard; it is never overwritten by an output, choose another file")
            return EXIT_INVALID
        if out.exists() and not force:
            raise OutputExistsError(out)
    show_bar = sys.stderr.isatty() and len(files) >= 20
    with click.progressbar(length=len(files), label="Reading", file=sys.stderr) if show_bar else _nullbar() as bar:
        result = region_progress(
            files, today=today.date() if today else None, on_done=lambda: bar.update(1), known=known
        )
    # Files first: a reader of stdout that stops early (| head) must not cost them. The outputs' module (and
    # XlsxWriter) is loaded only for an output other than the JSON.
    if csv_out is not None:
        from .progress_out import csv_bytes

        write_atomic(csv_out, csv_bytes(result), force=force)
        _say(f"{csv_out}: CSV written", err=True)
    if plan_csv_out is not None:
        from .progress_out import plan_csv_bytes

        write_atomic(plan_csv_out, plan_csv_bytes(result), force=force)
        _say(f"{plan_csv_out}: plan CSV written", err=True)
    if xlsx_out is not None:
        from .progress_out import overview_bytes

        write_atomic(xlsx_out, overview_bytes(result), force=force)
        _say(f"{xlsx_out}: overview workbook written", err=True)
    if as_json:
        click.echo(_json(result.to_json()))
    else:
        from .progress_out import format_text

        _say(format_text(result))
    return EXIT_INVALID if result.errors or result.set_conflicts else EXIT_OK


@cli.command("upgrade")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--set",
    "set_path",
    metavar="SET",
    help="The new indicator set: a YAML file or a bundled set's name (nl-referentie).",
)
@click.option(
    "--out",
    metavar="NEWFILE",
    type=click.Path(path_type=Path),
    required=True,
    help="The new workbook (never the input).",
)
@click.option(
    "--slots",
    metavar="N",
    type=click.IntRange(1, L.MAX_SLOTS),
    help=f"Slots in the new workbook, 1 to {L.MAX_SLOTS} (only more, never fewer).",
)
@click.option("--allow-drop", is_flag=True, help="Drop answers that have no place in the new set (saved to a CSV).")
@click.option("--force", is_flag=True, help="Overwrite an existing output (and its .dropped.csv).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def upgrade(file: Path, set_path: str | None, out: Path, slots, allow_drop: bool, force: bool, as_json: bool) -> int:
    """Carry a filled-in dashboard to a new indicator set and/or more slots.

    Every measurement, answer, note, date and "ingevuld door" is carried
    over; answers are matched by id, or through the new set's `replaces`.
    When answers would be dropped it refuses (exit 1) unless --allow-drop,
    which saves them to OUT.dropped.csv. The new file is read back and
    compared before it is put in place; the input is never modified.
    """
    from .sets import load_set
    from .upgrade import upgrade_workbook

    if set_path is None and slots is None:
        raise click.UsageError("give --set NEW.yaml, --slots N, or both")
    new_set = load_set(set_path) if set_path is not None else None
    if force and Path(file).resolve() != Path(out).resolve():
        refuse_overwriting_answers(out)  # a dashboard someone may have filled in since
    try:
        plan = upgrade_workbook(file, out, new_set=new_set, slots=slots, allow_drop=allow_drop, force=force)
    except UpgradeRefused as exc:
        if as_json and exc.plan is not None:
            click.echo(_json(exc.plan.to_json()))
        elif exc.plan is not None:
            _say(_format_upgrade(exc.plan))
        _error(exc)
        return EXIT_INVALID
    if as_json:
        click.echo(_json(plan.to_json()))
    else:
        _say(_format_upgrade(plan))
    return EXIT_OK


@cli.command("split")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--out-dir", metavar="DIR", type=click.Path(path_type=Path), required=True, help="Folder for the parts."
)
@click.option(
    "--slot",
    metavar="N",
    type=click.IntRange(0, L.MAX_SLOTS - 1),
    help="The measurement slot to fill in (0 = the 0-meting); default: the next measurement.",
)
@click.option(
    "--respondenten",
    "respondents",
    metavar="CSV",
    type=click.Path(path_type=Path),
    help="CSV with the columns indicator;respondent (an indicator id or a pillar code); default: one per pillar.",
)
@click.option("--force", is_flag=True, help="Overwrite existing parts.")
def split(file: Path, out_dir: Path, slot, respondents, force: bool) -> int:
    """Split one measurement of a dashboard into deelvragenlijsten: one workbook per respondent.

    Each part holds only its respondent's indicators, with the dashboard's
    statements, handvatten, dropdowns and protection; for a herhaalmeting
    also the previous answers, read-only. Parts are bound to the dashboard
    (its workbook id, set and slot); `piramide merge` puts them back.
    """
    from .parts import split_workbook

    try:
        report = split_workbook(file, out_dir, slot=slot, respondents=respondents, force=force)
    except PartsRefused as exc:
        for problem in exc.problems:
            _say(problem, err=True)
        raise
    _say(_format_split(report))
    return EXIT_OK


def _format_split(r: SplitReport) -> str:
    lines = [
        f"{r.input}: {L.slot_label(r.slot)} of {r.gemeente} split into "
        f"{plural(len(r.parts), 'deelvragenlijst', 'deelvragenlijsten')}"
        + (f" (with the answers of {L.slot_label(r.previous_slot)} to see, read-only)" if r.previous_slot is not None else "")
    ]
    width = max(len(p.respondent) for p in r.parts)
    for p in r.parts:
        lines.append(f"  {p.respondent:<{width}}  {plural(len(p.indicators), 'indicator'):>14}  {p.path}")
    for p in r.others:
        lines.append(
            f"  note: {p.path} is a deelvragenlijst of this measurement from an earlier split ({p.respondent}); "
            "remove it, or it is merged with the folder too"
        )
    if not r.workbook_id_stored:
        lines.append(
            "  note: the dashboard has no stored workbook id (made by an older piramide); the parts carry one "
            "derived from its metadata, and the file that piramide merge writes stores it"
        )
    return "\n".join(lines)


@cli.command("merge")
@click.argument("file", type=click.Path(path_type=Path))
@click.argument("parts", nargs=-1, required=True, metavar="PARTS...", type=click.Path(path_type=Path))
@click.option(
    "--out", metavar="NEWFILE", type=click.Path(path_type=Path), required=True, help="The new workbook (never an input)."
)
@click.option("--force", is_flag=True, help="Overwrite an existing output.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--prefer",
    metavar="parts|file",
    type=click.Choice(["parts", "file"]),
    help="Which wins when a part's answer differs from the dashboard's (default: refuse and list them).",
)
def merge(file: Path, parts, out: Path, force: bool, as_json: bool, prefer) -> int:
    """Merge filled-in deelvragenlijsten (files or folders) into their dashboard, as a new file.

    Answers and notes go into the measurement the parts were made for;
    each note is prefixed with its respondent. A part of another dashboard,
    slot or set is refused. Conflicting answers are listed and nothing is
    written (exit 1), unless --prefer says which wins. The new file is read
    back and compared before it is put in place; the inputs are never
    modified.
    """
    from .parts import merge_parts

    # A folder may hold the dashboard and the output too (`merge Utrecht.xlsx . --out ...`): not parts.
    own = {p.resolve() for p in (file, out) if p.exists()}
    files = [f for p in parts for f in find_workbooks([p]) if not (p.is_dir() and f.resolve() in own)]
    if not files:
        _error("no .xlsx files found in " + ", ".join(map(str, parts)))
        return EXIT_UNUSABLE
    try:
        report = merge_parts(file, files, out, prefer=prefer, force=force)
    except PartsRefused as exc:
        if as_json and exc.report is not None:
            click.echo(_json(exc.report.to_json()))
        elif exc.report is not None:
            _say(_format_merge(exc.report))
        else:
            for problem in exc.problems:
                _say(problem, err=True)
        _error(exc)
        return EXIT_INVALID
    if as_json:
        click.echo(_json(report.to_json()))
    else:
        _say(_format_merge(report))
    return EXIT_OK


def _format_merge(r: MergeReport) -> str:
    lines = [f"{r.input} + {plural(len(r.parts) + len(r.refused), 'deelvragenlijst', 'deelvragenlijsten')} -> "
             + (r.output if r.verified else "(not written)")]
    if r.slot is not None:
        lines.append(f"  measurement  {L.slot_label(r.slot)}" + (f" ({r.date.isoformat()})" if r.date else ""))
    for f, why in r.refused:
        lines.append(f"  refused: {f}: {why}")
    if r.refused:
        return "\n".join(lines)
    for p in r.parts:
        lines.append(f"  {p.respondent}: {p.answered} of {plural(len(p.indicators), 'answer')} ({p.file})")
    if r.parts:
        lines.append(f"  merged: {plural(len(r.merged), 'answer')}, {plural(len(r.plan_merged), 'Actieplan row')}")
    for c in r.conflicts:
        lines.append(f"  {'conflict' if c.resolved_by is None else 'resolved'}: {c}")
    lines.extend(f"  {b}" for b in r.still_blank if b.open)
    if r.ingevuld_door:
        lines.append(f"  ingevuld door: {r.ingevuld_door}")
    if r.verified:
        lines.append("  verified: the new workbook was read back and holds every answer, note, date, name and Actieplan row")
    return "\n".join(lines)


def _format_upgrade(p) -> str:
    old, new = p.old_set, p.new_set
    lines = [
        f"{p.input} -> {p.output or '(not written)'}",
        f"  set    {old.id} {old.version} -> {new.id} {new.version}",
        f"  slots  {p.old_slots} -> {p.new_slots}",
        f"  carried: {plural(len(p.carried), 'indicator')} (same id)",
    ]
    if p.text_changed:
        lines.append(f"  statement changed, answers carried: {', '.join(p.text_changed)}")
    for m in p.moved:
        lines.append(
            f"  moved, answers carried: {m['id']} from {m['from']['pillar']} fase {m['from']['phase']} "
            f"to {m['to']['pillar']} fase {m['to']['phase']}"
        )
    for m in p.mapped:
        detail = "; ".join(
            f"{L.slot_label(slot)}: "
            + ", ".join(f"{k}={v or '-'}" for k, v in a["from"].items())
            + f" -> {a['to'] or '-'}"
            for slot, a in sorted(m.answers.items())
        )
        lines.append(f"  mapped: {', '.join(m.sources)} -> {m.to}" + (f" ({detail})" if detail else ""))
    if p.actions:
        lines.append(f"  Actieplan: {plural(len(p.actions), 'row')} carried")
    for new_id, olds in p.actions_joined.items():
        lines.append(f"  Actieplan rows joined: {', '.join(olds)} -> {new_id}")
    for d in p.dropped:
        answers = ", ".join(f"{L.slot_label(k)}={v}" for k, v in sorted(d.answers.items())) or "no answers"
        notes = f", {plural(len(d.notes), 'note')}" if d.notes else ""
        action = ", its Actieplan row" if d.action is not None else ""
        lines.append(f"  dropped: {d.indicator} ({d.reason}): {answers}{notes}{action}")
    if p.new:
        lines.append(f"  new, unanswered: {', '.join(p.new)}")
    for slot in p.emptied:
        lines.append(
            f"  {L.slot_label(slot)}: every answer was on a dropped indicator; it stays a measurement in its slot, "
            "with its date and name, and no answers on the new set"
        )
    if p.dropped_csv:
        lines.append(f"  dropped answers saved to {p.dropped_csv}")
    if p.verified:
        lines.append(
            "  verified: the new workbook was read back and holds every carried answer, note, date, name and "
            "Actieplan row"
        )
    return "\n".join(lines)


def _format_reading(r: WorkbookReading) -> str:
    s = r.indicator_set
    lines = [
        f"{r.gemeente}" + (f" (regio {r.regio})" if r.regio else "") + f" - {s.name}, versie {s.version}",
        f"  {r.file}",
        "",
    ]
    if r.part is not None:
        p = r.part
        answered = set(p.answers)
        per_pillar: dict[str, list[str]] = {}
        for ident in p.indicators:
            per_pillar.setdefault(s.by_id[ident].pillar, []).append(ident)
        lines += [
            f"  Deelvragenlijst for {p.label}, respondent {p.respondent}",
            f"  Datum {p.date.isoformat() if p.date else '-'}, ingevuld door {p.ingevuld_door or '-'}",
            f"  Beantwoord {p.answered}/{p.total}: "
            + ", ".join(
                f"{code} {sum(i in answered for i in ids)}/{len(ids)}" for code, ids in per_pillar.items()
            ),
            "  (the phases are computed once the parts are merged into the dashboard: piramide merge)",
        ]
    elif r.measurements:
        codes = list(s.pillar_codes)
        header = ["Meting", "Datum", "Ingevuld door", "Beantwoord", *codes, "Totaal"]
        rows = []
        for m in r.measurements:
            phases = [f"{m.pillars[c].phase}{'*' if m.pillars[c].provisional else ''}" for c in codes]
            rows.append(
                [
                    m.label,
                    m.date.isoformat() if m.date else "-",
                    m.ingevuld_door or "-",
                    f"{m.answered}/{m.total}",
                    *phases,
                    str(m.phase),
                ]
            )
        widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
        for row in [header, *rows]:
            lines.append("  " + "  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)).rstrip())
        if any(p.provisional for m in r.measurements for p in m.pillars.values()):
            lines.append("  * provisional: some answers of that pillar are blank")
    else:
        lines.append("  No measurement has answers yet.")
    lines += _format_plan(r)
    lines.append("")
    if r.issues:
        lines.append(f"Issues ({issue_counts(len(r.errors), len(r.warnings))}):")
        lines.extend(f"  {issue}" for issue in r.issues)
    else:
        lines.append("No issues.")
    return "\n".join(lines)


def _format_plan(r: WorkbookReading, today: dt.date | None = None) -> list[str]:
    """The open actions of the Actieplan, per pillar (none: nothing)."""
    s, today = r.indicator_set, today or dt.date.today()
    open_rows = [row for row in r.plan if row.is_open]
    if not open_rows:
        return []
    lines = ["", f"Actieplan: {plural(len(open_rows), 'open action')} (of {plural(len(r.plan), 'row')} with input)"]
    for code in s.pillar_codes:
        rows = [row for row in open_rows if s.by_id[row.indicator].pillar == code]
        if rows:
            lines.append(f"  {code}")
        for row in rows:
            details = [
                f"eigenaar {row.eigenaar}" if row.eigenaar else "no owner",
                f"deadline {row.deadline.isoformat()}" + (" (overdue)" if row.overdue(today) else "")
                if row.deadline
                else "no deadline",
                row.status or "no status",
            ]
            lines.append(f"    {row.indicator}  {row.actie or '(no action described)'}  [{'; '.join(details)}]")
    return lines


def find_workbooks(paths) -> list[Path]:
    """The .xlsx files among ``paths`` (folders searched recursively), in a stable order.

    In folders, Office lock files (``~$name.xlsx``, ``.~lock.name.xlsx#``)
    and the overviews piramide itself wrote (``progress --xlsx``, known by
    their metadata) are skipped.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                # Not only regular files: a FIFO or device named .xlsx is listed, so that it is refused aloud.
                if p.suffix.lower() == ".xlsx"
                and not p.is_dir()
                and not p.name.startswith(("~$", ".~lock"))
                and not (p.is_file() and is_piramide_output(p))
            )
        else:
            found.append(path)
    return unique_paths(found)


def _format_set(s: IndicatorSet) -> str:
    def fmt_points(a) -> str:
        return "not applicable" if not a.applicable else format(a.points.normalize(), "f")

    lines = [
        f"{s.name}",
        f"  id           {s.id}",
        f"  version      {s.version}",
        f"  fingerprint  {s.fingerprint}",
        f"  threshold    {format(s.threshold.normalize(), 'f')}",
        "  answers      " + ", ".join(f"{a.label} ({fmt_points(a)})" for a in s.answers),
        "  phases       " + ", ".join(f"{p.number} {p.name}" for p in s.phases),
        "",
        "Pillars (indicators per phase " + " / ".join(str(n) for n in s.phase_numbers) + "):",
    ]
    for p in s.pillars:
        counts = s.per_phase(p.code)
        lines.append(
            f"  {p.code:<5} {p.name:<36} {' / '.join(str(counts[n]) for n in s.phase_numbers)}"
            f"  ({sum(counts.values())})"
        )
    lines.append("")
    lines.append(f"Indicators ({len(s.indicators)}):")
    width = max(len(i.id) for i in s.indicators)
    for i in s.indicators:
        wrapped = textwrap.wrap(i.text, 96 - width) or [""]
        lines.append(f"  {i.id:<{width}}  {wrapped[0]}")
        lines.extend(f"  {'':<{width}}  {more}" for more in wrapped[1:])
    if s.provenance:
        lines.append("")
        lines.extend(textwrap.wrap(s.provenance, 100))
    return "\n".join(lines)


# Exit codes of the core's errors, most specific first (the rest: 2, the input cannot be used).
_EXIT_CODES: tuple[tuple[type[PiramideError], int], ...] = (
    (OutputExistsError, EXIT_INVALID),
    (RefusedError, EXIT_INVALID),
    (ArgumentError, EXIT_UNUSABLE),
    (UpgradeVerificationError, EXIT_INTERNAL),
)


def _exit_code(exc: PiramideError) -> int:
    return next((code for kind, code in _EXIT_CODES if isinstance(exc, kind)), EXIT_UNUSABLE)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``piramide`` console script."""
    code = run(argv)
    # The process ends now: spare it the full collection of the whole heap (modules, pydantic's schemas, what the
    # command built) that the interpreter runs on its way out, 20-40 ms that find nothing to collect. Objects are
    # still freed as the modules are torn down; open files were closed by the commands.
    gc.freeze()
    sys.exit(code)


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (for tests and embedding)."""
    try:
        with stop_signals_interrupt():
            result = cli.main(args=argv, prog_name="piramide", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, Stopped):  # SIGTERM or SIGHUP, handled like Ctrl-C
            _error(f"stopped ({signal.Signals(exc.__cause__.signum).name})")
            return 128 + exc.__cause__.signum
        _error("aborted")
        return 130
    except Stopped as exc:
        _error(f"stopped ({signal.Signals(exc.signum).name})")
        return 128 + exc.signum
    except _NO_ARGS_IS_HELP as exc:  # `piramide sets` alone: the help text, as click shows it
        exc.show()
        return EXIT_UNUSABLE
    except click.UsageError as exc:
        # One line, like every other error: click's default adds a usage block and a blank line.
        message = " ".join(exc.format_message().split())
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        _error(message + hint)
        return EXIT_UNUSABLE
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except SetError as exc:
        for problem in exc.problems:
            _say(str(problem), err=True)
        return EXIT_INVALID
    except PiramideError as exc:
        _error(exc)
        return _exit_code(exc)
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`piramide sets show | head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        _error(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
        return EXIT_UNUSABLE
    except Exception as exc:
        if os.environ.get("PIRAMIDE_DEBUG"):
            raise
        _error(f"internal error ({type(exc).__name__}: {exc}); please report this, with the command you ran")
        return EXIT_INTERNAL
    return result if isinstance(result, int) else EXIT_OK
