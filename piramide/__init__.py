"""Piramide: indicator sets, dashboard workbooks and progress for the
Dutch *Piramide Fitte Gemeenten*.

The public API is what this module exports; everything else is internal.
"""

from ._version import __version__
from .errors import AnswerError, InputError, PiramideError, SetError, SetProblem, WorkbookRefused
from .model import AnswerOption, Indicator, IndicatorSet, Phase, Pillar
from .reader import Issue, MeasurementReading, WorkbookReading, read_workbook
from .scoring import LevelScore, MeasurementResult, PillarResult, normalise_answers, score_measurement
from .sets import KnownSets, bundled_set, bundled_sets, load_set, reference_path, reference_set
from .writer import SlotContent, build_workbook

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
