"""The resolved indicator set: plain, immutable pydantic models.

A resolved set is what every later stage works from (scoring, the workbook
writer and reader, progress). It is made by :mod:`piramide.sets` from YAML,
or rebuilt from the canonical JSON that a workbook carries.
"""

from __future__ import annotations

import hashlib
import json
import math
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from .errors import AnswerError

#: Version of the canonical serialisation behind :attr:`IndicatorSet.fingerprint`.
CANONICAL_FORMAT = "piramide-set/1"


def _decimal_text(value: Decimal) -> str:
    """Canonical text of a decimal: no exponent, no trailing zeros (``0.50`` -> ``0.5``)."""
    text = format(value.normalize(), "f")
    return text


Number = Annotated[Decimal, PlainSerializer(_decimal_text, return_type=str, when_used="json")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AnswerOption(_Frozen):
    """One answer on the scale, e.g. ``ja`` (1 point) or ``n.v.t.`` (not applicable)."""

    label: str
    points: Number | None = None
    applicable: bool = True
    description: str = ""


class Phase(_Frozen):
    """A phase level (1 = the base of the pyramid)."""

    number: int
    name: str
    description: str = ""


class Pillar(_Frozen):
    """A pillar (pijler), identified by a short code such as ``BO``."""

    code: str
    name: str
    description: str = ""


class Indicator(_Frozen):
    """One statement, answered per measurement, in exactly one pillar and phase."""

    id: str
    pillar: str
    phase: int
    text: str
    handvat: str
    source: str | None = None
    replaces: tuple[str, ...] = ()
    """Ids of a previous set version whose answers carry over to this indicator (upgrades)."""


def answer_key(text: str) -> str:
    """The loosest form in which a typed answer can match a label: trimmed, case-folded, without dots.

    ``' Ja '``, ``'JA'`` and ``'ja'`` share the key ``ja``; ``'nvt'``, ``'n.v.t'``
    and ``'N.V.T.'`` share ``nvt``. Dots are only ignored for labels that have
    them (``'j.a'`` is not ``ja``); nothing else is folded: no spelling is guessed.
    Two labels of one scale must not share a key.
    """
    return text.strip().casefold().replace(".", "")


class IndicatorSet(_Frozen):
    """A resolved indicator set: what a dashboard is made from and scored by."""

    id: str
    name: str
    version: str
    provenance: str = ""
    threshold: Number
    answers: tuple[AnswerOption, ...]
    phases: tuple[Phase, ...]
    pillars: tuple[Pillar, ...]
    indicators: tuple[Indicator, ...] = Field(min_length=1)

    # -- derived views (not part of the data, so not serialised) --------------

    def model_copy(self, *, update: dict | None = None, deep: bool = False) -> IndicatorSet:
        """A copy; its derived views (fingerprint, lookups) are computed afresh, not copied."""
        copy = super().model_copy(update=update, deep=deep)
        for name, attr in vars(IndicatorSet).items():
            if isinstance(attr, cached_property):
                copy.__dict__.pop(name, None)
        return copy

    def canonical_json(self) -> str:
        """The canonical serialisation: sorted keys, no spaces, UTF-8 text."""
        # Fields at their defaults are left out: a later optional field does not change old fingerprints.
        data = {"format": CANONICAL_FORMAT, **self.model_dump(mode="json", exclude_defaults=True)}
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @cached_property
    def fingerprint(self) -> str:
        """``sha256:<hex>`` of :meth:`canonical_json`: which indicators, exactly."""
        digest = hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()
        return f"sha256:{digest}"

    @classmethod
    def from_canonical_json(cls, text: str) -> IndicatorSet:
        """Rebuild a set from :meth:`canonical_json` (as stored in a workbook)."""
        data = json.loads(text)
        if data.pop("format", None) != CANONICAL_FORMAT:
            raise ValueError(f"not a canonical indicator set ({CANONICAL_FORMAT} expected)")
        return cls.model_validate(data)

    @cached_property
    def threshold_fraction(self) -> Fraction:
        return Fraction(self.threshold)

    @cached_property
    def points(self) -> dict[str, Fraction | None]:
        """Canonical label -> points as an exact fraction, ``None`` when not applicable."""
        return {a.label: (Fraction(a.points) if a.applicable and a.points is not None else None) for a in self.answers}

    @cached_property
    def point_unit(self) -> int:
        """The number of units in one point: the common denominator of all points (2 for 1/0.5/0)."""
        unit = 1
        for pts in self.points.values():
            if pts is not None:
                unit = unit * pts.denominator // math.gcd(unit, pts.denominator)
        return unit

    @cached_property
    def point_units(self) -> dict[str, int | None]:
        """Canonical label -> points in whole units of ``1 / point_unit``; ``None`` when not applicable."""
        return {label: None if pts is None else int(pts * self.point_unit) for label, pts in self.points.items()}

    @cached_property
    def _answer_keys(self) -> tuple[dict[str, str], dict[str, str]]:
        exact = {a.label.strip().casefold(): a.label for a in self.answers}
        dotless = {answer_key(a.label): a.label for a in self.answers if "." in a.label}
        return exact, dotless

    @cached_property
    def labels_text(self) -> str:
        """The labels for a message: ``ja, deels, nee or n.v.t.``."""
        labels = [a.label for a in self.answers]
        return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]

    def normalise_answer(self, value: object) -> str | None:
        """The canonical label for a typed answer, ``None`` for a blank.

        Only unambiguous variants are accepted (case, surrounding space, dots:
        ``' Ja '``, ``'nvt'``, ``'N.V.T.'``). Anything else raises
        :class:`~piramide.errors.AnswerError`; nothing is guessed.
        """
        if value is None:
            return None
        if isinstance(value, str):
            if not value.strip():
                return None
            exact, dotless = self._answer_keys
            typed = value.strip().casefold()
            label = exact.get(typed) or dotless.get(typed.replace(".", ""))
            if label is not None:
                return label
        raise AnswerError(f"{value!r} is not an answer; use {self.labels_text}")

    @cached_property
    def phase_numbers(self) -> tuple[int, ...]:
        return tuple(p.number for p in self.phases)

    @cached_property
    def pillar_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.pillars)

    @cached_property
    def by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    def indicators_of(self, pillar: str, phase: int | None = None) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.pillar == pillar and (phase is None or i.phase == phase))

    def per_phase(self, pillar: str) -> dict[int, int]:
        """Number of indicators per phase in one pillar."""
        counts = dict.fromkeys(self.phase_numbers, 0)
        for i in self.indicators:
            if i.pillar == pillar:
                counts[i.phase] += 1
        return counts

    def summary(self) -> dict:
        """The JSON shown by ``piramide sets show --json``."""
        data = self.model_dump(mode="json")
        data["threshold"] = float(self.threshold)
        for answer in data["answers"]:
            answer["points"] = None if answer["points"] is None else float(answer["points"])
        for pillar in data["pillars"]:
            pillar["per_phase"] = {str(k): v for k, v in self.per_phase(pillar["code"]).items()}
        return {"fingerprint": self.fingerprint, **data}
