"""When two records hold the same municipality: one rule, for a batch CSV and for progress."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence


def same_municipality(keys: Sequence[tuple[str, str | None]]) -> list[list[int]]:
    """Group the indexes of ``(gemeente, code)`` pairs that name the same municipality.

    The same code, or the same name, is the same municipality. Names are
    compared ignoring case and surrounding spaces. Records of the same name
    but with different codes are different municipalities (two Bergens); a
    record of that name without a code then stays apart from both. Groups
    are in the order of their first member and do not depend on the order
    of the records otherwise.
    """
    parent = list(range(len(keys)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def link(members: list[int]) -> None:
        for i in members[1:]:
            parent[find(i)] = find(members[0])

    codes = [(code or "").strip().casefold() for _, code in keys]
    by_code: dict[str, list[int]] = defaultdict(list)
    by_name: dict[str, list[int]] = defaultdict(list)
    for i, (name, _) in enumerate(keys):
        if codes[i]:
            by_code[codes[i]].append(i)
        by_name[name.strip().casefold()].append(i)
    for members in by_code.values():
        link(members)
    for members in by_name.values():
        if len({codes[i] for i in members if codes[i]}) <= 1:
            link(members)
        else:
            link([i for i in members if not codes[i]])
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(keys)):
        groups[find(i)].append(i)
    return list(groups.values())
