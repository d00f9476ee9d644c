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


# --- generated sets and the phase rule written out plainly (an oracle) ------------------------

import random  # noqa: E402
from fractions import Fraction  # noqa: E402

_SCALE_POOL = (("ja", "1"), ("goed", "0.7"), ("deels", "0.5"), ("matig", "0.25"), ("nee", "0"))
_THRESHOLDS = ("0.25", "0.5", "0.6", "0.7", "0.75", "0.9", "1")


@dataclass(frozen=True)
class SetSpec:
    """A generated indicator set: its scale, threshold, shape, and answers for some measurements."""

    scale: tuple[tuple[str, str | None], ...]  # (label, points as text; None: not applicable)
    threshold: str
    pillars: tuple[str, ...]
    per_phase: dict[tuple[str, int], int]  # (pillar, phase) -> number of indicators
    phases: int
    named: dict[tuple[str, int], tuple[str, ...]] | None = None  # ids per level, when not <P>-<phase>.<nn>

    def ids(self, pillar: str, phase: int) -> list[str]:
        if self.named is not None:
            return list(self.named[pillar, phase])
        return [f"{pillar}-{phase}.{n:02d}" for n in range(1, self.per_phase[pillar, phase] + 1)]

    def yaml(self) -> str:
        lines = ["id: gegenereerd", "name: Gegenereerde set", 'version: "1"', f"threshold: {self.threshold}"]
        lines.append("answers:")
        for label, points in self.scale:
            lines.append(f"  - {{label: {label}, points: {points}}}" if points is not None
                         else f"  - {{label: {label}, applicable: false}}")  # fmt: skip
        lines += ["phases:", *(f"  - {{number: {n}, name: Fase {n}}}" for n in range(1, self.phases + 1))]
        lines += ["pillars:", *(f"  - {{code: {p}, name: Pijler {p}}}" for p in self.pillars), "indicators:"]
        for p in self.pillars:
            for phase in range(1, self.phases + 1):
                for ident in self.ids(p, phase):
                    lines += [f"  - id: {ident}", f"    pillar: {p}", f"    phase: {phase}",
                              f"    text: Stelling {ident}.", "    handvat: Doe er iets aan."]  # fmt: skip
        return "\n".join(lines) + "\n"


def generated_set(rng: random.Random) -> SetSpec:
    """A random valid set: other point values (0.7, 0.25), another threshold, 1-5 phases, 1-3 pillars."""
    scale = [entry for entry in _SCALE_POOL if rng.random() < 0.6] or [rng.choice(_SCALE_POOL)]
    if rng.random() < 0.7:
        scale.append(("n.v.t.", None))
    pillars = tuple(rng.sample(["AA", "BB", "CC"], rng.randint(1, 3)))
    phases = rng.randint(1, 5)
    per_phase = {(p, n): rng.randint(1, 4) for p in pillars for n in range(1, phases + 1)}
    return SetSpec(tuple(scale), rng.choice(_THRESHOLDS), pillars, per_phase, phases)


def generated_answers(spec: SetSpec, rng: random.Random) -> dict[str, str | None]:
    """Answers for one measurement: per level a mix of the labels and blanks; some levels all not applicable."""
    labels = [label for label, _ in spec.scale]
    not_applicable = [label for label, points in spec.scale if points is None]
    answers: dict[str, str | None] = {}
    for p in spec.pillars:
        for phase in range(1, spec.phases + 1):
            if not_applicable and rng.random() < 0.15:
                mix = not_applicable  # a level without applicable indicators
            else:
                mix = rng.sample([*labels, None], rng.randint(1, len(labels) + 1))
            for ident in spec.ids(p, phase):
                answers[ident] = rng.choice(mix)
    return answers


def oracle(spec: SetSpec, answers: dict[str, str | None]) -> dict[str, tuple[int, list[Fraction | None]]]:
    """The phase rule of the domain brief, written out plainly: {pillar: (phase, scores per level)}.

    A level's score is its points over its applicable indicators (a blank
    counts 0 points and is applicable); a level is reached at or above the
    threshold, or when nothing in it is applicable; the phase is the number
    of levels reached from the bottom up without a gap.
    """
    points = {label: None if value is None else Fraction(value) for label, value in spec.scale}
    threshold = Fraction(spec.threshold)
    result = {}
    for p in spec.pillars:
        scores, phase, climbing = [], 0, True
        for level in range(1, spec.phases + 1):
            given = [answers.get(ident) for ident in spec.ids(p, level)]
            counted = [Fraction(0) if a is None else points[a] for a in given if a is None or points[a] is not None]
            score = sum(counted, Fraction(0)) / len(counted) if counted else None
            scores.append(score)
            if climbing and (score is None or score >= threshold):
                phase = level
            else:
                climbing = False
        result[p] = (phase, scores)
    return result
