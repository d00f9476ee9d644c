"""Words for the text reports of every command: counts with their plural, measurements by their label.

One place, so that every command says "1 warning", "2 warnings" and
"0-meting (2025-03-01)" the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from . import layout as L


def plural(n: int, word: str, words: str | None = None) -> str:
    """``n`` with ``word`` or its plural: ``1 warning``, ``2 warnings``, ``0 gemeenten`` (with ``words``).

    The plural is ``word + "s"`` unless given (Dutch domain words:
    ``plural(n, "gemeente", "gemeenten")``).
    """
    return f"{n} {noun(n, word, words)}"


def noun(n: int, word: str, words: str | None = None) -> str:
    """The form of ``word`` for ``n`` things, without the number: ``column``, ``columns``."""
    return word if n == 1 else (words or word + "s")


def has_errors(errors: Sequence[object]) -> str:
    """The one way to say that a workbook has errors: ``has 2 errors; the first: Vragenlijst!F12: ...``."""
    return f"has {plural(len(errors), 'error')}; the first: {errors[0]}"


def issue_counts(errors: int, warnings: int) -> str:
    """The one way to say how many issues: ``1 error, 2 warnings``, ``0 errors, 1 warning``."""
    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"


def measurement(slot: int, date: dt.date | None = None) -> str:
    """A measurement as its users name it: ``0-meting (2025-03-01)``, ``Meting 2`` when it has no date."""
    return L.slot_label(slot) + (f" ({date.isoformat()})" if date else "")
