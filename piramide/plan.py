"""The action plan (*actieplan*): per indicator an action, an owner, a deadline and a status.

A measurement is only worth the improvements it starts. Next to the
questionnaire, each dashboard has an ``Actieplan`` sheet with one row per
indicator; this module holds what the plan *is* (its rows and statuses) and
its rules (an owner, overdue, done, how rows of merged indicators join), so
that the writer, the reader, progress and upgrade apply the same ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel

#: The statuses of an action, in the order of the dropdown (the named list ``actiestatus``).
STATUSES = ("open", "gepland", "bezig", "gereed", "vervallen")
DONE = "gereed"
CLOSED = ("gereed", "vervallen")
"""An action with one of these statuses is never overdue and not open."""


class PlanRow(BaseModel):
    """One row of the action plan that holds input (rows without any input are not listed)."""

    indicator: str
    actie: str | None = None
    eigenaar: str | None = None
    deadline: dt.date | None = None
    status: str | None = None
    toelichting: str | None = None

    @property
    def has_owner(self) -> bool:
        return bool(self.eigenaar and self.eigenaar.strip())

    @property
    def is_open(self) -> bool:
        """Not ``gereed`` nor ``vervallen`` (a row without a status is open)."""
        return self.status not in CLOSED

    def overdue(self, today: dt.date) -> bool:
        """Past its deadline (before ``today``) and not ``gereed`` or ``vervallen``."""
        return self.deadline is not None and self.deadline < today and self.is_open

    def has_input(self) -> bool:
        values = (self.actie, self.eigenaar, self.deadline, self.status, self.toelichting)
        return any(v not in (None, "") for v in values)


def normalise_status(value: str) -> str | None:
    """The status for typed text (case and surrounding spaces ignored); ``None`` for a blank.

    Raises :class:`ValueError` for anything else: a status is never guessed.
    """
    typed = value.strip().casefold()
    if not typed:
        return None
    for status in STATUSES:
        if typed == status:
            return status
    raise ValueError(f"{value!r} is not a status; use {', '.join(STATUSES[:-1])} or {STATUSES[-1]}")


def join_rows(indicator: str, rows: Sequence[tuple[str, PlanRow]]) -> PlanRow | None:
    """One row for ``indicator`` from the rows of the old indicators it takes over (an upgrade).

    A single row is carried unchanged. Several (merged indicators) are
    joined, conservatively as answers are: texts (actie, toelichting) each
    marked with the old id, ``[old id] text`` per line; the distinct owners
    joined with ``; ``; the earliest deadline; the least advanced status
    (``open`` < ``gepland`` < ``bezig`` < ``gereed``), ``vervallen`` only
    when every given status is.
    """
    rows = [(old, r) for old, r in rows if r.has_input()]
    if not rows:
        return None
    if len(rows) == 1:
        return rows[0][1].model_copy(update={"indicator": indicator})

    def texts(field: str) -> str | None:
        parts = [f"[{old}] {getattr(r, field)}" for old, r in rows if getattr(r, field)]
        return "\n".join(parts) or None

    owners: list[str] = []
    for _, r in rows:
        if r.eigenaar and r.eigenaar not in owners:
            owners.append(r.eigenaar)
    deadlines = [r.deadline for _, r in rows if r.deadline is not None]
    statuses = [r.status for _, r in rows if r.status is not None]
    active = [st for st in statuses if st != "vervallen"]
    status = min(active, key=STATUSES.index) if active else (statuses[0] if statuses else None)
    return PlanRow(
        indicator=indicator,
        actie=texts("actie"),
        eigenaar="; ".join(owners) or None,
        deadline=min(deadlines) if deadlines else None,
        status=status,
        toelichting=texts("toelichting"),
    )


def plan_progress(
    plan: Iterable[PlanRow], blocking: Mapping[str, Sequence[str]], today: dt.date
) -> dict[str, list[str]]:
    """The plan's state: blocking indicators without an owner, overdue actions, actions ``gereed`` (ids)."""
    rows = {r.indicator: r for r in plan}
    blocking_ids = [i for ids in blocking.values() for i in ids]
    return {
        "blocking_without_owner": [i for i in blocking_ids if i not in rows or not rows[i].has_owner],
        "overdue": [r.indicator for r in rows.values() if r.overdue(today)],
        "done": [r.indicator for r in rows.values() if r.status == DONE],
    }


__all__ = ["CLOSED", "DONE", "STATUSES", "PlanRow", "join_rows", "normalise_status", "plan_progress"]
