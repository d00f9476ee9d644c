"""The phase rule: pure functions from (set, one measurement's answers) to phases.

For one pillar and phase level L::

    score(L) = points of its applicable indicators / number of applicable indicators

A blank answer counts as applicable with 0 points and makes the pillar
*provisional*; an answer that is not applicable (``n.v.t.``) leaves the
indicator out. Level L is reached when ``score(L) >= threshold`` or when it has
no applicable indicator. The pillar's phase is the highest L such that every
level 1..L is reached; the overall phase is the lowest pillar phase.

Arithmetic is exact (fractions), so a score of exactly the threshold always
reaches it. The workbook's formulas compute the same rule (see
:mod:`piramide.writer`); the real-spreadsheet tests hold both to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from ._text import noun
from .errors import AnswerError
from .model import IndicatorSet


@dataclass(frozen=True, slots=True)
class LevelScore:
    """The count behind one phase level of one pillar.

    Points are kept as a whole number of *units* (``unit`` units make one
    point: 2 for a scale of 1, 0.5 and 0), so that sums and the threshold
    comparison are exact integer arithmetic.
    """

    level: int
    total: int
    """Indicators of this pillar in this phase."""
    not_applicable: int
    blank: int
    units: int
    unit: int

    @property
    def points(self) -> Fraction:
        return Fraction(self.units, self.unit)

    @property
    def applicable(self) -> int:
        return self.total - self.not_applicable

    @property
    def score(self) -> Fraction | None:
        """Points per applicable indicator; ``None`` when none is applicable."""
        return Fraction(self.units, self.unit * self.applicable) if self.applicable else None

    def score_float(self) -> float | None:
        """:attr:`score` as the nearest float (exactly what ``float(score)`` gives)."""
        return self.units / (self.unit * self.applicable) if self.applicable else None

    def reached(self, threshold: Fraction, blank_units: int = 0) -> bool:
        """Whether the level is reached; ``blank_units`` counts each blank as that many units."""
        # points / applicable >= threshold, without division: exact.
        units = self.units + self.blank * blank_units
        return self.applicable == 0 or (
            units * threshold.denominator >= threshold.numerator * self.unit * self.applicable
        )


def _phase(reached: Sequence[bool]) -> int:
    """The highest level L such that every level 1..L is reached."""
    phase = 0
    for ok in reached:
        if not ok:
            break
        phase += 1
    return phase


@dataclass(frozen=True, slots=True)
class PillarResult:
    code: str
    levels: tuple[LevelScore, ...]
    reached: tuple[bool, ...]
    phase: int
    provisional: bool
    """True when any indicator of the pillar is blank."""
    phase_max: int
    """The phase if every blank were the full-points answer (``ja``); :attr:`phase` counts blanks as ``nee``."""

    @property
    def settled(self) -> bool:
        """True when no blank answer could change the phase."""
        return self.phase == self.phase_max

    @property
    def next_level_score(self) -> Fraction | None:
        """Score of the level above the phase (progress within a phase); ``None`` at the top."""
        if self.phase >= len(self.levels):
            return None
        return self.levels[self.phase].score

    def scores(self) -> dict[str, float | None]:
        """Score per level as JSON-ready floats: ``{"1": 0.75, ...}``."""
        return {str(lv.level): lv.score_float() for lv in self.levels}


@dataclass(frozen=True, slots=True)
class MeasurementResult:
    pillars: dict[str, PillarResult]
    phase: int
    """The overall phase: the lowest pillar phase."""
    answered: int
    total: int

    @property
    def provisional(self) -> bool:
        return any(p.provisional for p in self.pillars.values())

    @property
    def settled(self) -> bool:
        """True when no blank answer could change any pillar's phase (see ``docs/reading.md``)."""
        return all(p.settled for p in self.pillars.values())

    @property
    def phase_max(self) -> int:
        """The overall phase if every blank were ``ja``."""
        return min(p.phase_max for p in self.pillars.values())


def cover_slot(results: Sequence[MeasurementResult]) -> int:
    """The slot the cover describes: the latest with answers whose phases are settled; -1 when none."""
    return max((k for k, r in enumerate(results) if r.answered and r.settled), default=-1)


def score_measurement(indicator_set: IndicatorSet, answers: Mapping[str, str | None]) -> MeasurementResult:
    """Score one measurement.

    ``answers`` maps indicator ids to canonical answer labels; a missing id or
    ``None`` is a blank. Raises :class:`~piramide.errors.AnswerError` for an
    unknown id or a label that is not canonical (normalise first with
    :func:`normalise_answers`).
    """
    plan = _plan(indicator_set)
    units_of = indicator_set.point_units
    by_id = indicator_set.by_id
    for ident in answers:
        if ident not in by_id:
            unknown = sorted(set(answers) - set(by_id))
            raise AnswerError(f"unknown indicator {noun(len(unknown), 'id')}: {', '.join(unknown)}")
    # Tally per (pillar, level), flat: not applicable, blank, point units (the totals are the set's).
    cells = len(plan.totals)
    not_applicable, blank, units_sum = [0] * cells, [0] * cells, [0] * cells
    answered = 0
    get = answers.get
    for ident, k in plan.slots:
        label = get(ident)
        if label is None:
            blank[k] += 1
            continue
        units = units_of.get(label, _NOT_A_LABEL)
        if units is _NOT_A_LABEL:
            raise AnswerError(f"{ident}: {label!r} is not an answer; use {indicator_set.labels_text}")
        answered += 1
        if units is None:
            not_applicable[k] += 1
        else:
            units_sum[k] += units
    threshold = indicator_set.threshold_fraction
    top = max(u for u in units_of.values() if u is not None)
    unit = indicator_set.point_unit
    levels = plan.levels
    pillars = {}
    k = 0
    for code in plan.codes:
        scores = []
        for lv in levels:
            scores.append(LevelScore(lv, plan.totals[k], not_applicable[k], blank[k], units_sum[k], unit))
            k += 1
        reached = tuple(s.reached(threshold) for s in scores)
        pillars[code] = PillarResult(
            code=code,
            levels=tuple(scores),
            reached=reached,
            phase=_phase(reached),
            provisional=any(s.blank for s in scores),
            phase_max=_phase([s.reached(threshold, top) for s in scores]),
        )
    overall = min(p.phase for p in pillars.values())
    return MeasurementResult(pillars, overall, answered, len(indicator_set.indicators))


def blocking(
    indicator_set: IndicatorSet, phases: Mapping[str, int], answers: Mapping[str, str | None]
) -> dict[str, list[str]]:
    """Per pillar below the top phase: the applicable indicators of its next phase not answered with full points.

    ``phases`` is the phase per pillar of one measurement, ``answers`` its
    answers. A blank counts as not met; an answer that is not applicable
    (``n.v.t.``) never blocks.
    """
    s = indicator_set
    top_points = max(a.points for a in s.answers if a.applicable)
    done = {a.label for a in s.answers if not a.applicable or a.points == top_points}
    top = max(s.phase_numbers)
    return {
        code: [ind.id for ind in s.indicators_of(code, phases[code] + 1) if answers.get(ind.id) not in done]
        for code in s.pillar_codes
        if phases[code] < top
    }


_NOT_A_LABEL = object()


@dataclass(frozen=True)
class _Plan:
    """Where each indicator of a set counts: its (pillar, level) cell, in indicator order."""

    codes: tuple[str, ...]
    levels: tuple[int, ...]
    slots: tuple[tuple[str, int], ...]
    totals: tuple[int, ...]


_PLANS: dict[int, tuple[IndicatorSet, _Plan]] = {}


def _plan(s: IndicatorSet) -> _Plan:
    """The set's :class:`_Plan`, made once per set object (a region's readings share a few sets)."""
    entry = _PLANS.get(id(s))
    if entry is not None and entry[0] is s:
        return entry[1]
    codes, levels = s.pillar_codes, s.phase_numbers
    index = {(code, lv): i * len(levels) + j for i, code in enumerate(codes) for j, lv in enumerate(levels)}
    slots = tuple((ind.id, index[(ind.pillar, ind.phase)]) for ind in s.indicators)
    totals = [0] * len(index)
    for _, k in slots:
        totals[k] += 1
    plan = _Plan(codes, levels, slots, tuple(totals))
    if len(_PLANS) >= 32:
        _PLANS.pop(next(iter(_PLANS)))
    _PLANS[id(s)] = (s, plan)  # the set is kept with it, so its id cannot be reused meanwhile
    return plan


def normalise_answers(
    indicator_set: IndicatorSet, raw: Mapping[str, object]
) -> tuple[dict[str, str | None], dict[str, str]]:
    """Normalise typed answers: ``(canonical answers, {id: problem})``.

    Blanks become ``None``; unambiguous variants (``' Ja '``, ``nvt``) their
    canonical label; anything else is reported, never guessed.
    """
    result: dict[str, str | None] = {}
    problems: dict[str, str] = {}
    for ident, value in raw.items():
        try:
            result[ident] = indicator_set.normalise_answer(value)
        except AnswerError as exc:
            problems[ident] = str(exc)
    return result, problems
