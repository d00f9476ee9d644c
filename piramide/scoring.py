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
from dataclasses import dataclass, field
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
        applicable = self.total - self.not_applicable
        return self.units / (self.unit * applicable) if applicable else None

    def reached(self, threshold: Fraction, blank_units: int = 0) -> bool:
        """Whether the level is reached; ``blank_units`` counts each blank as that many units."""
        # points / applicable >= threshold, without division: exact.
        units = self.units + self.blank * blank_units
        return self.applicable == 0 or (
            units * threshold.denominator >= threshold.numerator * self.unit * self.applicable
        )


def _phase(reached: Sequence[bool]) -> int:
    """The highest level L such that every level 1..L is reached."""
    return reached.index(False) if False in reached else len(reached)


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
    return scored(indicator_set, answers)[0]


def scored(
    indicator_set: IndicatorSet, answers: Mapping[str, str | None]
) -> tuple[MeasurementResult, dict[str, dict[str, float | None]]]:
    """:func:`score_measurement`, with each pillar's :meth:`PillarResult.scores` (for the reader)."""
    plan = _plan(indicator_set)
    if not answers.keys() <= plan.known:
        unknown = sorted(set(answers) - plan.known)
        raise AnswerError(f"unknown indicator {noun(len(unknown), 'id')}: {', '.join(unknown)}")
    # The labels in (pillar, level) cell order; a cell whose labels were met before is not counted again.
    labels = tuple(map(answers.get, plan.ids))
    keys = list(zip(plan.cells, map(labels.__getitem__, plan.slices), strict=True))
    try:
        levels: list[_Level | None] = list(map(plan.known_levels.get, keys))
    except TypeError:  # a label that cannot be a key (a list): refused as the set's order meets it
        _refuse_labels(indicator_set, answers)
        raise
    if None in levels:
        levels = [
            plan.level(key, indicator_set, answers) if level is None else level
            for key, level in zip(keys, levels, strict=True)
        ]
    pillars = {}
    scores = {}
    phases = []
    blanks = 0
    for code, cells in plan.pillars:
        levels_of, reached, reached_max, blank, floats = zip(*levels[cells], strict=True)
        phases.append(_phase(reached))
        pillars[code] = PillarResult(code, levels_of, reached, phases[-1], any(blank), _phase(reached_max))
        scores[code] = dict(zip(plan.names, floats, strict=True))
        blanks += sum(blank)
    result = MeasurementResult(pillars, min(phases), len(labels) - blanks, len(indicator_set.indicators))
    return result, scores


def _refuse_labels(s: IndicatorSet, answers: Mapping[str, str | None]) -> None:
    """Raise :class:`AnswerError` for the first answer (in the set's order) that is not a label of the scale."""
    units_of = s.point_units
    for ind in s.indicators:
        label = answers.get(ind.id)
        if label is not None and units_of.get(label, _NOT_A_LABEL) is _NOT_A_LABEL:
            raise AnswerError(f"{ind.id}: {label!r} is not an answer; use {s.labels_text}")


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


_Level = tuple[LevelScore, bool, bool, int, float | None]
"""A level's score; whether it is reached, and with every blank as full points; its blanks; its
:meth:`LevelScore.score_float`."""


@dataclass(frozen=True)
class _Plan:
    """What scoring needs of a set, made once per set: where each indicator counts, the scale, the threshold.

    The indicators are ordered by their (pillar, level) cell, pillar by pillar in
    the set's order and level by level; cell ``k`` holds ``ids[slices[k]]``.
    """

    codes: tuple[str, ...]
    levels: tuple[int, ...]
    names: tuple[str, ...]
    """The levels as :meth:`PillarResult.scores` names them."""
    ids: tuple[str, ...]
    cells: range
    slices: tuple[slice, ...]
    pillars: tuple[tuple[str, slice], ...]
    """Each pillar's code with its cells (``range(len(levels))`` of them, in the order of the levels)."""
    known: frozenset[str]
    """Every indicator id of the set."""
    units: dict[str, int | None]
    """Point units per label (``None``: not applicable)."""
    unit: int
    threshold: Fraction
    top: int
    """The units of the full-points answer (what a blank counts as for ``phase_max``)."""
    known_levels: dict[tuple[int, tuple[str | None, ...]], _Level] = field(default_factory=dict)
    """Levels met before, by cell and its labels (a region's workbooks repeat most of them)."""

    def level(
        self, key: tuple[int, tuple[str | None, ...]], s: IndicatorSet, answers: Mapping[str, str | None]
    ) -> _Level:
        """The level of cell ``key[0]`` holding the labels ``key[1]`` (kept for the next time they are met).

        Raises :class:`AnswerError` (for the first in the set's order) when a label is not on the scale.
        """
        k, labels = key
        not_applicable = blank = units = 0
        for label in labels:
            if label is None:
                blank += 1
                continue
            points = self.units.get(label, _NOT_A_LABEL)
            if points is _NOT_A_LABEL:
                _refuse_labels(s, answers)
            if points is None:
                not_applicable += 1
            else:
                units += points
        score = LevelScore(self.levels[k % len(self.levels)], len(labels), not_applicable, blank, units, self.unit)
        entry = (
            score,
            score.reached(self.threshold),
            score.reached(self.threshold, self.top),
            blank,
            score.score_float(),
        )
        if len(self.known_levels) >= _LEVELS_KEPT:
            self.known_levels.clear()
        self.known_levels[key] = entry
        return entry


_LEVELS_KEPT = 16_384
"""At most this many levels are kept per set (a region of 342 workbooks meets about 7,400)."""
_PLANS: dict[int, tuple[IndicatorSet, _Plan]] = {}


def _plan(s: IndicatorSet) -> _Plan:
    """The set's :class:`_Plan`, made once per set object (a region's readings share a few sets)."""
    entry = _PLANS.get(id(s))
    if entry is not None and entry[0] is s:
        return entry[1]
    codes, levels = s.pillar_codes, s.phase_numbers
    index = {(code, lv): i * len(levels) + j for i, code in enumerate(codes) for j, lv in enumerate(levels)}
    cells: list[list[str]] = [[] for _ in index]
    for ind in s.indicators:
        cells[index[(ind.pillar, ind.phase)]].append(ind.id)
    slices, start = [], 0
    for ids in cells:
        slices.append(slice(start, start + len(ids)))
        start += len(ids)
    units_of = s.point_units
    plan = _Plan(
        codes=codes,
        levels=levels,
        names=tuple(map(str, levels)),
        ids=tuple(i for ids in cells for i in ids),
        cells=range(len(cells)),
        slices=tuple(slices),
        pillars=tuple((code, slice(i * len(levels), (i + 1) * len(levels))) for i, code in enumerate(codes)),
        known=frozenset(s.by_id),
        units=units_of,
        unit=s.point_unit,
        threshold=s.threshold_fraction,
        top=max(u for u in units_of.values() if u is not None),
    )
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
