"""Helpers shared by the tests: indicator sets written as literal YAML, and the CLI.

Tests import these directly (``from helpers import ...``); ``tests/`` has no
``__init__.py``, so pytest puts it on ``sys.path``.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from piramide.cli import run
from piramide.sets import find_bundled

#: The reference set as released in 2026.1, frozen: tests that pin its ids and counts use it by name.
REF_2026_1 = "nl-referentie@2026.1"
REF_2026_1_PATH = find_bundled(REF_2026_1).path

#: A small valid indicator set: 2 pillars (AA, BB), 2 phases, one indicator each.
#: Tests change it with ``str.replace`` and find lines with :func:`line_of`.
SMALL_SET = textwrap.dedent(
    """\
    id: klein
    name: Kleine set
    version: "1"
    threshold: 0.75
    answers:
      - label: ja
        points: 1
      - label: deels
        points: 0.5
      - label: nee
        points: 0
      - label: n.v.t.
        applicable: false
    phases:
      - number: 1
        name: Bewust
      - number: 2
        name: Georganiseerd
    pillars:
      - code: AA
        name: Eerste pijler
      - code: BB
        name: Tweede pijler
    indicators:
      - id: AA-1.01
        pillar: AA
        phase: 1
        text: Het onderwerp staat op de agenda van het college.
        handvat: Zet het onderwerp op de agenda.
      - id: AA-2.01
        pillar: AA
        phase: 2
        text: Het college heeft beleid vastgesteld.
        handvat: Stel het beleid vast.
      - id: BB-1.01
        pillar: BB
        phase: 1
        text: Er is een aanspreekpunt benoemd.
        handvat: Wijs een aanspreekpunt aan.
      - id: BB-2.01
        pillar: BB
        phase: 2
        text: Er is een vastgestelde meldroute.
        handvat: Leg een meldroute vast.
    """
)


def write_set(folder: Path, text: str, name: str = "set.yaml") -> Path:
    """Write YAML text (dedented) to ``folder/name`` and return its path."""
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """The 1-based number of the one line of ``text`` that contains ``needle``."""
    hits = [n for n, line in enumerate(textwrap.dedent(text).splitlines(), 1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits}; make the needle unique"
    return hits[0]


def edit(text: str, old: str, new: str) -> str:
    """``text`` with the one occurrence of ``old`` replaced by ``new`` (fails if not exactly one)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def set_yaml(threshold: str = "0.75", pillars: tuple[str, ...] = ("AA", "BB"), per_phase: tuple[int, ...] = (1, 1)) -> str:
    """A valid set as YAML text: ``per_phase[k]`` indicators in phase k+1 of every pillar.

    Ids are ``<PILLAR>-<phase>.<nn>``, such as ``AA-1.07``.
    """
    lines = [
        "id: gemaakt",
        "name: Gemaakte set",
        'version: "1"',
        f"threshold: {threshold}",
        "answers:",
        "  - {label: ja, points: 1}",
        "  - {label: deels, points: 0.5}",
        "  - {label: nee, points: 0}",
        "  - {label: n.v.t., applicable: false}",
        "phases:",
        *(f"  - {{number: {n}, name: Fase {n}}}" for n in range(1, len(per_phase) + 1)),
        "pillars:",
        *(f"  - {{code: {code}, name: Pijler {code}}}" for code in pillars),
        "indicators:",
    ]
    for code in pillars:
        for phase, count in enumerate(per_phase, 1):
            for n in range(1, count + 1):
                lines += [
                    f"  - id: {code}-{phase}.{n:02d}",
                    f"    pillar: {code}",
                    f"    phase: {phase}",
                    f"    text: Stelling {n} van fase {phase} in pijler {code}.",
                    "    handvat: Doe er iets aan.",
                ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class CliResult:
    """What one run of the command line did."""

    code: int
    out: str
    err: str


def run_cli(capsys, *args: str) -> CliResult:
    """Run ``piramide ARGS`` in-process (through :func:`piramide.cli.run`) and capture its output."""
    capsys.readouterr()  # drop anything printed before
    code = run([str(a) for a in args])
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)
