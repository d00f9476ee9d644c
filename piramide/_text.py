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


def dutch_number(value) -> str:
    """A number as Dutch text in a workbook: ``0,5``, ``72,5``, whole numbers without decimals."""
    f = float(value)
    return str(int(f)) if f.is_integer() else f"{f:.10g}".replace(".", ",")


def points(value) -> str:
    """Points in Dutch: ``1 punt``, ``0,5 punt``, ``0 punten``, ``2 punten``."""
    return f"{dutch_number(value)} {'punt' if 0 < float(value) <= 1 else 'punten'}"


def dutch_list(items: list[str], last: str = "of") -> str:
    """``ja, deels, nee of n.v.t.``: a list in running Dutch text."""
    return ", ".join(items[:-1]) + f" {last} " + items[-1] if len(items) > 1 else "".join(items)


def sentence(text: str) -> str:
    """``text`` ending in one full stop, also when it ends in an abbreviation (``n.v.t.``)."""
    return text if text.endswith(".") else text + "."


def riec(regio: str | None) -> str:
    """``het RIEC Noord-Nederland`` for a regio with or without the word RIEC; ``het RIEC in uw regio``."""
    if not regio:
        return "het RIEC in uw regio"
    return f"het {regio}" if regio.upper().startswith("RIEC") else f"het RIEC {regio}"
