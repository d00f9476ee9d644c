"""Piramide: indicator sets, dashboard workbooks and progress for the
Dutch *Piramide Fitte Gemeenten*.

The public API is what this module exports; everything else is internal.

Importing the package is cheap: the errors and the version are loaded at
once, everything else (the pydantic models, XlsxWriter, python-calamine)
when first used, so ``piramide --version`` does not pay for what it does
not use. ``from piramide import read_workbook`` works as always.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._version import __version__
from .errors import AnswerError, InputError, PiramideError, SetError, SetProblem, WorkbookRefused

#: Each public name that is loaded on first use, with the module that defines it.
_LAZY = {
    **dict.fromkeys(("AnswerOption", "Indicator", "IndicatorSet", "Phase", "Pillar"), "model"),
    **dict.fromkeys(("Issue", "MeasurementReading", "WorkbookReading", "read_workbook"), "reader"),
    **dict.fromkeys(
        ("LevelScore", "MeasurementResult", "PillarResult", "normalise_answers", "score_measurement"), "scoring"
    ),
    **dict.fromkeys(
        ("KnownSets", "bundled_set", "bundled_sets", "load_set", "reference_path", "reference_set"), "sets"
    ),
    **dict.fromkeys(("SlotContent", "build_workbook"), "writer"),
}

if TYPE_CHECKING:  # pragma: no cover - what type checkers and IDEs see
    from .model import AnswerOption, Indicator, IndicatorSet, Phase, Pillar
    from .reader import Issue, MeasurementReading, WorkbookReading, read_workbook
    from .scoring import LevelScore, MeasurementResult, PillarResult, normalise_answers, score_measurement
    from .sets import KnownSets, bundled_set, bundled_sets, load_set, reference_path, reference_set
    from .writer import SlotContent, build_workbook


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'piramide' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __package__), name)
    globals()[name] = value  # loaded once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "AnswerError",
    "AnswerOption",
    "Indicator",
    "IndicatorSet",
    "InputError",
    "Issue",
    "KnownSets",
    "LevelScore",
    "MeasurementReading",
    "MeasurementResult",
    "Phase",
    "PiramideError",
    "Pillar",
    "PillarResult",
    "SetError",
    "SetProblem",
    "SlotContent",
    "WorkbookReading",
    "WorkbookRefused",
    "__version__",
    "build_workbook",
    "bundled_set",
    "bundled_sets",
    "load_set",
    "normalise_answers",
    "read_workbook",
    "reference_path",
    "reference_set",
    "score_measurement",
]
