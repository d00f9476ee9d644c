"""Piramide: indicator sets, dashboard workbooks and progress for the
Dutch *Piramide Fitte Gemeenten*.

The public API is what this module exports; everything else is internal.
"""

from ._version import __version__
from .errors import AnswerError, InputError, PiramideError, SetError, SetProblem
from .model import AnswerOption, Indicator, IndicatorSet, Phase, Pillar
from .scoring import LevelScore, MeasurementResult, PillarResult, normalise_answers, score_measurement
from .sets import load_set, reference_path, reference_set

__all__ = [
    "AnswerError",
    "AnswerOption",
    "Indicator",
    "IndicatorSet",
    "InputError",
    "LevelScore",
    "MeasurementResult",
    "Phase",
    "PiramideError",
    "Pillar",
    "PillarResult",
    "SetError",
    "SetProblem",
    "__version__",
    "load_set",
    "normalise_answers",
    "reference_path",
    "reference_set",
    "score_measurement",
]
