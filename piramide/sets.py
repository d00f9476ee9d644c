"""Load indicator sets from YAML: validate every part, resolve regional variants.

Data flow: YAML file -> :class:`~piramide._yaml.Document` (plain data with
lines) -> items checked one by one with pydantic -> cross-checks -> a
resolved :class:`~piramide.model.IndicatorSet`. Every problem is collected
and raised at once as a :class:`~piramide.errors.SetError`, each with
``FILE:LINE``. See ``docs/indicator-sets.md`` for the schema.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationError

from . import layout as L
from ._yaml import Document, YamlSyntaxError, load_document
from .errors import InputError, SetError, SetProblem
from .model import AnswerOption, Indicator, IndicatorSet, Phase, Pillar, answer_key

REFERENCE_ID = "nl-referentie"
"""The id of the national reference set; ``nl-referentie`` names its newest bundled version."""
MAX_EXTEND_DEPTH = 8

PILLAR_CODE = re.compile(r"[A-Z][A-Z0-9]{0,9}")
INDICATOR_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
SET_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
SET_NAME = re.compile(r"(?P<id>[a-z0-9][a-z0-9._-]{0,63})(?:@(?P<version>[A-Za-z0-9][A-Za-z0-9._+-]{0,63}))?")
"""A bundled set's name: its id (the newest version) or ``id@version``."""
MAX_PHASES = 12
"""The dashboard's formulas and cover stay within Excel's limits up to this many phases (tested)."""
MAX_ANSWERS = 10
MAX_LABEL = 30
"""Answer labels appear in every score formula: their number and length keep formulas under Excel's 8,192 characters."""
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

BASE_KEYS = ("id", "name", "version", "provenance", "threshold", "answers", "phases", "pillars", "indicators")
VARIANT_KEYS = (
    "id",
    "name",
    "version",
    "provenance",
    "extend",
    "threshold",
    "answers",
    "phases",
    "pillars",
    "add",
    "remove",
    "replace",
)


# --- bundled sets ---------------------------------------------------------------------


@dataclass(frozen=True)
class BundledSet:
    """A set file shipped with the package, known by its id and version."""

    id: str
    version: str
    path: Path

    @property
    def name(self) -> str:
        return f"{self.id}@{self.version}"

    def load(self) -> IndicatorSet:
        """The resolved set (loaded once per process)."""
        return _load_bundled(self.path)


_HEAD_KEY = re.compile(r"^(id|version):[ \t]*(?:\"([^\"\n]*)\"|'([^'\n]*)'|([^\s#]+))", re.MULTILINE)


_YAML_SUFFIXES = (".yaml", ".yml")


def _looks_like_name(text: str) -> bool:
    """A reference that names no file and may have meant a bundled set: no folder, not a .yaml file."""
    return not any(sep in text for sep in "/\\") and Path(text).suffix.lower() not in _YAML_SUFFIXES


def version_key(version: str) -> tuple:
    """Sort key of a version: numbers as numbers (``2026.2`` < ``2026.10``), the rest as text."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", version) if part)


@functools.lru_cache(maxsize=1)
def bundled_sets() -> tuple[BundledSet, ...]:
    """Every set file bundled with the package, by id and then oldest version first.

    The id and version are read from the top of each file (a test checks
    them against the resolved sets), so listing them resolves nothing.
    """
    folder = resources.files("piramide.indicators")
    found = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".yaml"):
            continue
        text = entry.read_text("utf-8")
        head = {m.group(1): next(g for g in m.groups()[1:] if g is not None) for m in _HEAD_KEY.finditer(text)}
        found.append(BundledSet(head["id"], head["version"], Path(str(entry))))
    return tuple(sorted(found, key=lambda b: (b.id, version_key(b.version))))


def find_bundled(name: str) -> BundledSet | None:
    """The bundled set named ``id`` (its newest version) or ``id@version``; ``None`` if there is none."""
    match = SET_NAME.fullmatch(name.strip())
    if match is None:
        return None
    candidates = [b for b in bundled_sets() if b.id == match["id"]]
    if match["version"] is not None:
        candidates = [b for b in candidates if b.version == match["version"]]
    return candidates[-1] if candidates else None


def bundled_set(name: str = REFERENCE_ID) -> IndicatorSet:
    """A bundled set by name: ``nl-referentie`` (the newest version) or ``nl-referentie@2026.1``.

    Raises :class:`~piramide.errors.InputError` naming the bundled sets when there is none of that name.
    """
    found = find_bundled(name)
    if found is None:
        raise InputError(f"{name}: {_no_bundled(name)}")
    return found.load()


def _no_bundled(name: str) -> str:
    names = ", ".join(b.name for b in bundled_sets())
    return f"no bundled set has this name; the bundled sets are {names} (an id alone names its newest version)"


@functools.lru_cache(maxsize=None)
def _load_bundled(path: Path) -> IndicatorSet:
    return _Loader().load(path, ())


class KnownSets:
    """The published sets a workbook's embedded set is compared with: every bundled set, and any given.

    A set is known by its id and version; the fingerprint says whether a
    workbook's copy is the published one. Given sets (``--set``) may not claim
    the id and version of a bundled set with other content.
    """

    def __init__(self, given: Iterable[IndicatorSet] = ()):
        self.given: dict[tuple[str, str], IndicatorSet] = {}
        for s in given:
            key = (s.id, s.version)
            other = self.given.get(key) or self._bundled(*key)
            if other is not None and other.fingerprint != s.fingerprint:
                raise InputError(
                    f"two different sets claim to be {s.id} {s.version} ({other.fingerprint[:19]}... and "
                    f"{s.fingerprint[:19]}...); give a changed set a version of its own"
                )
            self.given[key] = s

    @staticmethod
    def _bundled(set_id: str, version: str) -> IndicatorSet | None:
        found = next((b for b in bundled_sets() if (b.id, b.version) == (set_id, version)), None)
        return found.load() if found is not None else None

    def published(self, set_id: str, version: str) -> IndicatorSet | None:
        """The known set with this id and version, or ``None`` when there is none."""
        return self.given.get((set_id, version)) or self._bundled(set_id, version)


def reference_path() -> Path:
    """Where the newest bundled reference set lies (inside the installed package)."""
    found = find_bundled(REFERENCE_ID)
    assert found is not None, "the package ships the reference set"
    return found.path


def load_set(source: str | Path | None = None) -> IndicatorSet:
    """Load, validate and resolve an indicator set.

    ``source`` is a YAML file, or the name of a bundled set (``nl-referentie``
    for its newest version, ``nl-referentie@2026.1``) when no file of that
    name exists; ``None`` loads the newest bundled reference set.

    Raises :class:`~piramide.errors.SetError` with every problem found, or
    :class:`~piramide.errors.InputError` when the file cannot be read at all.
    """
    if source is None:
        return bundled_set(REFERENCE_ID)
    path = Path(source)
    if not path.exists():
        found = find_bundled(str(source))
        if found is not None:
            return found.load()
        if _looks_like_name(str(source)):
            raise InputError(f"{source}: no such YAML file, and {_no_bundled(str(source))}")
    return _Loader().load(path, ())


def reference_set() -> IndicatorSet:
    """The newest bundled national reference set (105 indicators)."""
    return bundled_set(REFERENCE_ID)


def _id_list(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


# --- item models: what one YAML entry may hold ---------------------------------

Num = StrictInt | StrictFloat


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _AnswerIn(_Item):
    label: StrictStr
    points: Num | None = None
    applicable: StrictBool = True
    description: StrictStr = ""


class _PhaseIn(_Item):
    number: StrictInt
    name: StrictStr
    description: StrictStr = ""


class _PhaseRename(_Item):
    number: StrictInt
    name: StrictStr | None = None
    description: StrictStr | None = None


class _PillarIn(_Item):
    code: StrictStr
    name: StrictStr
    description: StrictStr = ""


class _PillarRename(_Item):
    code: StrictStr
    name: StrictStr | None = None
    description: StrictStr | None = None


class _IndicatorIn(_Item):
    id: StrictStr
    pillar: StrictStr
    phase: StrictInt
    text: StrictStr
    handvat: StrictStr
    source: StrictStr | None = None
    replaces: StrictStr | list[StrictStr] | None = None


class _IndicatorPatch(_Item):
    id: StrictStr
    pillar: StrictStr | None = None
    phase: StrictInt | None = None
    text: StrictStr | None = None
    handvat: StrictStr | None = None
    source: StrictStr | None = None
    replaces: StrictStr | list[StrictStr] | None = None


_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
}


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    return {
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


@dataclass
class _Entry:
    """One validated list entry and where it came from."""

    value: Any
    doc: Document
    path: tuple

    @property
    def line(self) -> int | None:
        return self.doc.line(self.path)

    def line_of(self, key: str) -> int | None:
        return self.doc.line((*self.path, key))


class _Loader:
    def __init__(self) -> None:
        self.problems: list[SetProblem] = []
        self.dropped: set[str] = set()
        """Lists with an entry that was reported and left out: skip checks it would mislead."""

    # -- problems ------------------------------------------------------------

    def problem(self, doc: Document, path: tuple, message: str) -> None:
        self.problems.append(SetProblem(doc.file, doc.line(path), message))

    def _item(self, model: type[_Item], raw: Any, doc: Document, path: tuple, what: str):
        """Validate one entry; report every field problem; ``None`` if it is unusable."""
        if not isinstance(raw, dict):
            self.problem(doc, path, f"{what} must be a mapping of keys to values, not {_type_name(raw)}")
            return None
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            allowed = ", ".join(model.model_fields)
            errors = exc.errors()
            reported: set[str] = set()
            for err in errors:
                key = str(err["loc"][0]) if err["loc"] else ""
                if key in reported:
                    continue  # a number (int or float) fails once per kind: say it once
                reported.add(key)
                kind = err["type"]
                if kind == "missing":
                    msg = f"{what}: key '{key}' is missing"
                elif kind == "extra_forbidden":
                    msg = f"{what}: unknown key '{key}'; allowed keys are {allowed}"
                else:
                    expected = _TYPE_WORDS.get(kind, err["msg"].lower())
                    if len(err["loc"]) > 1 and kind in ("int_type", "float_type"):
                        expected = "a number"
                    got = raw.get(key) if isinstance(raw, dict) else raw
                    msg = f"{what}: '{key}' must be {expected}, not {_type_name(got)} ({got!r})"
                self.problem(doc, (*path, key) if kind != "missing" else path, msg)
            if all(err["type"] == "extra_forbidden" for err in errors):
                # Only unknown keys (reported above): keep the entry, so that the
                # checks that need it (duplicate ids, gaps) still run in this pass.
                return model.model_validate({k: v for k, v in raw.items() if k in model.model_fields})
            return None

    def _list(self, doc: Document, key: str, model: type[_Item], what: str, required: bool):
        raw = doc.data.get(key)
        if raw is None:
            if required:
                self.problem(doc, (), f"key '{key}' is missing; it lists the {what}s")
            return []
        if not isinstance(raw, list):
            self.problem(doc, (key,), f"'{key}' must be a list of {what}s, not {_type_name(raw)}")
            return []
        entries = []
        for i, item in enumerate(raw):
            label = what
            if isinstance(item, dict):
                ident = item.get("id", item.get("code", item.get("label", item.get("number"))))
                if ident is not None:
                    label = f"{what} {ident}"
            value = self._item(model, item, doc, (key, i), label)
            if value is not None:
                entries.append(_Entry(value, doc, (key, i)))
            else:
                self.dropped.add(key)
        return entries

    def _text(self, doc: Document, key: str, required: bool, pattern: re.Pattern | None = None, hint: str = ""):
        if key not in doc.data or doc.data[key] is None:
            if required:
                self.problem(doc, (), f"key '{key}' is missing")
            return None
        value = doc.data[key]
        if key == "version" and isinstance(value, float):
            self.problem(
                doc,
                (key,),
                f"'version' {value!r} is a number in YAML, which loses trailing zeros "
                f'(2026.10 becomes 2026.1); put it in quotes, such as version: "{value}"',
            )
            return None
        if isinstance(value, int) and not isinstance(value, bool) and key == "version":
            value = str(value)  # version: 3 means the text "3"
        if not isinstance(value, str):
            self.problem(doc, (key,), f"'{key}' must be text, not {_type_name(value)} ({value!r})")
            return None
        if not value.strip():
            self.problem(doc, (key,), f"'{key}' is empty")
            return None
        if pattern and not pattern.fullmatch(value):
            self.problem(doc, (key,), f"'{key}' {value!r} is not allowed; {hint}")
            return None
        return value.strip()

    def _threshold(self, doc: Document) -> Decimal | None:
        value = doc.data.get("threshold")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(
                doc,
                ("threshold",),
                f"'threshold' must be a number in (0, 1], such as 0.75, not {_type_name(value)} ({value!r})",
            )
            return None
        number = Decimal(str(value))
        if not (0 < number <= 1):
            self.problem(doc, ("threshold",), f"threshold {value} is outside (0, 1]; use a share such as 0.75")
            return None
        return number

    # -- loading ---------------------------------------------------------------

    def load(self, path: Path, chain: tuple[Path, ...]) -> IndicatorSet:
        try:
            doc = load_document(path)
        except YamlSyntaxError as exc:
            raise SetError(exc.problems) from None
        if doc.data is None:
            raise SetError(
                [
                    SetProblem(
                        doc.file,
                        None,
                        "the file is empty; an indicator set is a YAML mapping with keys " + ", ".join(BASE_KEYS),
                    )
                ]
            )
        if not isinstance(doc.data, dict):
            raise SetError(
                [
                    SetProblem(
                        doc.file,
                        doc.line(()),
                        f"an indicator set is a YAML mapping with keys {', '.join(BASE_KEYS)}, not {_type_name(doc.data)}",
                    )
                ]
            )
        if "extend" in doc.data:
            result = self._variant(doc, path, chain)
        else:
            result = self._base(doc)
        if self.problems or result is None:
            raise SetError(self.problems or [SetProblem(doc.file, None, "the set is not valid")])
        return result

    def _unknown_keys(self, doc: Document, allowed: tuple[str, ...], kind: str) -> None:
        for key in doc.data:
            if key not in allowed:
                self.problem(doc, (key,), f"unknown key '{key}' in {kind}; allowed keys are {', '.join(allowed)}")

    def _base(self, doc: Document) -> IndicatorSet | None:
        self._unknown_keys(doc, BASE_KEYS, "an indicator set")
        head = {
            "id": self._text(doc, "id", True, SET_ID, "use lower-case letters, digits, '.', '_' or '-'"),
            "name": self._text(doc, "name", True),
            "version": self._text(doc, "version", True),
            "provenance": doc.data.get("provenance") if isinstance(doc.data.get("provenance"), str) else "",
        }
        if "provenance" in doc.data and not isinstance(doc.data["provenance"], str):
            self.problem(doc, ("provenance",), "'provenance' must be text")
        threshold = self._threshold(doc) if "threshold" in doc.data else None
        if "threshold" not in doc.data:
            self.problem(
                doc, (), "key 'threshold' is missing; give the share of points that reaches a phase, such as 0.75"
            )
        answers = self._list(doc, "answers", _AnswerIn, "answer", True)
        phases = self._list(doc, "phases", _PhaseIn, "phase", True)
        pillars = self._list(doc, "pillars", _PillarIn, "pillar", True)
        indicators = self._list(doc, "indicators", _IndicatorIn, "indicator", True)
        return self._resolve(doc, head, threshold, answers, phases, pillars, indicators)

    def _variant(self, doc: Document, path: Path, chain: tuple[Path, ...]) -> IndicatorSet | None:
        self._unknown_keys(doc, VARIANT_KEYS, "a variant set (one with 'extend')")
        target = doc.data.get("extend")
        if not isinstance(target, str) or not target.strip():
            self.problem(
                doc,
                ("extend",),
                "'extend' must be the path of the set file this one builds on, relative to this file, "
                f"or the name of a bundled set (such as {REFERENCE_ID} or {REFERENCE_ID}@2026.1)",
            )
            return None
        base_path = (path.parent / target.strip()).resolve()
        bundled = None if base_path.exists() else find_bundled(target)
        if bundled is not None:
            base_path = bundled.path.resolve()
        elif not base_path.exists() and _looks_like_name(target.strip()):
            name = target.strip()
            self.problem(doc, ("extend",), f"'extend: {name}': no such file next to this one, and {_no_bundled(name)}")
            return None
        here = path.resolve()
        if base_path in (*chain, here):
            self.problem(doc, ("extend",), f"'extend' makes a cycle: {target} builds on this file again")
            return None
        if len(chain) >= MAX_EXTEND_DEPTH:
            self.problem(doc, ("extend",), f"sets extend each other more than {MAX_EXTEND_DEPTH} deep")
            return None
        try:
            base = _Loader().load(base_path, (*chain, here))
        except SetError as exc:
            self.problems.extend(exc.problems)
            self.problem(doc, ("extend",), f"the set it extends ({target}) has the problems listed")
            return None
        except InputError as exc:
            self.problem(doc, ("extend",), f"the set it extends cannot be read: {exc}")
            return None

        head = {
            "id": self._text(doc, "id", True, SET_ID, "use lower-case letters, digits, '.', '_' or '-'"),
            "name": self._text(doc, "name", False) or base.name,
            "version": self._text(doc, "version", True),
            "provenance": doc.data["provenance"] if isinstance(doc.data.get("provenance"), str) else base.provenance,
        }
        if head["id"] == base.id:
            self.problem(
                doc, ("id",), f"a variant needs an id of its own, not the id of the set it extends ('{base.id}')"
            )
        threshold = self._threshold(doc) if "threshold" in doc.data else base.threshold
        base_doc = Document(f"{doc.file} (via extend)", None)
        # Answers: a variant replaces the whole scale or keeps the base's.
        if "answers" in doc.data:
            answers = self._list(doc, "answers", _AnswerIn, "answer", True)
        else:
            answers = [
                _Entry(
                    _AnswerIn(
                        **a.model_dump(mode="python") | {"points": None if a.points is None else float(a.points)}
                    ),
                    base_doc,
                    (),
                )
                for a in base.answers
            ]
        # Phases and pillars: renamed by number / code.
        phases = [_Entry(_PhaseIn(**p.model_dump()), base_doc, ()) for p in base.phases]
        for entry in self._list(doc, "phases", _PhaseRename, "phase", False):
            self._rename(phases, entry, "number", "phase")
        pillars = [_Entry(_PillarIn(**p.model_dump()), base_doc, ()) for p in base.pillars]
        for entry in self._list(doc, "pillars", _PillarRename, "pillar", False):
            self._rename(pillars, entry, "code", "pillar")
        # Indicators: remove, replace (in place), add.
        indicators = [
            _Entry(_IndicatorIn(**(i.model_dump() | {"replaces": list(i.replaces) or None})), base_doc, ())
            for i in base.indicators
        ]
        by_id = {e.value.id: e for e in indicators}
        remove = doc.data.get("remove", [])
        if not isinstance(remove, list) or not all(isinstance(x, str) for x in remove):
            self.problem(doc, ("remove",), "'remove' must be a list of indicator ids")
            remove = []
        for i, ident in enumerate(remove):
            if ident not in by_id:
                self.problem(doc, ("remove", i), f"cannot remove '{ident}': the set it extends has no such indicator")
            else:
                indicators.remove(by_id.pop(ident))
        for entry in self._list(doc, "replace", _IndicatorPatch, "replaced indicator", False):
            old = by_id.get(entry.value.id)
            if old is None:
                self.problem(
                    doc,
                    entry.path,
                    f"cannot replace '{entry.value.id}': the set it extends has no such indicator (use 'add')",
                )
                continue
            changes = entry.value.model_dump(exclude_unset=True)
            new = _Entry(old.value.model_copy(update=changes), doc, entry.path)
            indicators[indicators.index(old)] = new
            by_id[entry.value.id] = new
        indicators.extend(self._list(doc, "add", _IndicatorIn, "added indicator", False))
        return self._resolve(doc, head, threshold, answers, phases, pillars, indicators, based_on=base)

    def _rename(self, entries: list[_Entry], change: _Entry, key: str, what: str) -> None:
        ident = getattr(change.value, key)
        for n, entry in enumerate(entries):
            if getattr(entry.value, key) == ident:
                update = change.value.model_dump(exclude_unset=True, exclude={key})
                entries[n] = _Entry(entry.value.model_copy(update=update), change.doc, change.path)
                return
        known = ", ".join(str(getattr(e.value, key)) for e in entries)
        self.problem(
            change.doc,
            change.path,
            f"{what} {ident!r} is not in the set it extends ({known}); a variant can rename {what}s, not add them",
        )

    # -- cross-checks, then the resolved set ------------------------------------

    def _resolve(self, doc, head, threshold, answers, phases, pillars, indicators, based_on=None):
        self._check_texts(answers, phases, pillars, indicators)
        self._check_answers(doc, answers)
        self._check_phases(doc, phases)
        self._check_pillars(doc, pillars)
        self._check_indicators(doc, indicators, phases, pillars)
        if self.problems or None in (head["id"], head["name"], head["version"], threshold):
            return None
        provenance = head["provenance"] or ""
        if based_on is not None and not provenance.strip():
            provenance = f"Variant of {based_on.id} {based_on.version}."
        order = {e.value.code: n for n, e in enumerate(pillars)}
        ordered = sorted(indicators, key=lambda e: (order[e.value.pillar], e.value.phase))
        return IndicatorSet(
            id=head["id"],
            name=head["name"],
            version=head["version"],
            provenance=provenance.strip(),
            threshold=threshold,
            answers=tuple(
                AnswerOption(
                    label=a.value.label.strip(),
                    points=Decimal(str(a.value.points)) if a.value.applicable else None,
                    applicable=a.value.applicable,
                    description=a.value.description.strip(),
                )
                for a in answers
            ),
            phases=tuple(Phase(**p.value.model_dump()) for p in sorted(phases, key=lambda e: e.value.number)),
            pillars=tuple(Pillar(**p.value.model_dump()) for p in pillars),
            indicators=tuple(
                Indicator(
                    **(
                        e.value.model_dump()
                        | {
                            "text": e.value.text.strip(),
                            "handvat": e.value.handvat.strip(),
                            "replaces": _id_list(e.value.replaces),
                        }
                    )
                )
                for e in ordered
            ),
        )

    def _check_answers(self, doc: Document, answers: list[_Entry]) -> None:
        seen: dict[str, str] = {}
        for e in answers:
            a = e.value
            if not a.label.strip():
                self.problem(e.doc, (*e.path, "label"), "answer label is empty")
                continue
            key = answer_key(a.label)
            if key in seen:
                self.problem(
                    e.doc,
                    (*e.path, "label"),
                    f"answer '{a.label}' is the same as '{seen[key]}' when typed (case, spaces and dots are ignored); make the labels differ",
                )
            seen.setdefault(key, a.label)
            if a.applicable and a.points is None:
                self.problem(e.doc, e.path, f"answer '{a.label}' needs 'points' (from 0 to 1), or 'applicable: false'")
            elif a.applicable and not (0 <= a.points <= 1):
                self.problem(
                    e.doc, (*e.path, "points"), f"answer '{a.label}' has points {a.points}; points go from 0 to 1"
                )
            elif not a.applicable and a.points is not None:
                self.problem(
                    e.doc,
                    (*e.path, "points"),
                    f"answer '{a.label}' is not applicable, so it has no points; remove 'points'",
                )
        for e in answers:
            if len(e.value.label) > MAX_LABEL:
                self.problem(
                    e.doc,
                    (*e.path, "label"),
                    f"answer label '{e.value.label[:40]}...' is longer than {MAX_LABEL} characters; "
                    "a label is typed in every answer cell, keep it short",
                )
        if len(answers) > MAX_ANSWERS:
            self.problem(doc, ("answers",), f"{len(answers)} answers; the scale has at most {MAX_ANSWERS}")
        if answers and not any(e.value.applicable for e in answers):
            self.problem(
                doc,
                ("answers",),
                "the answer scale has no applicable answer; give at least one with points (such as ja: 1)",
            )
        elif "answers" in doc.data and isinstance(doc.data["answers"], list) and not doc.data["answers"]:
            self.problem(
                doc,
                ("answers",),
                "the answer scale is empty; list answers such as ja (1), deels (0.5), nee (0), n.v.t. (applicable: false)",
            )

    def _check_texts(self, *entry_lists: list[_Entry]) -> None:
        """Every text of the set reaches a workbook: control characters (an escaped ``"\\x0b"``) are refused."""
        for entries in entry_lists:
            for e in entries:
                for key, value in e.value:
                    if isinstance(value, str) and (bad := _CONTROL_IN_TEXT.search(value)):
                        self.problem(
                            e.doc,
                            (*e.path, key),
                            f"'{key}' holds the control character U+{ord(bad.group()):04X}; remove it "
                            "(a workbook cannot hold it)",
                        )

    def _check_phases(self, doc: Document, phases: list[_Entry]) -> None:
        numbers = []
        for e in phases:
            p = e.value
            if p.number in numbers:
                self.problem(e.doc, (*e.path, "number"), f"phase {p.number} is listed twice")
            numbers.append(p.number)
            if not p.name.strip():
                self.problem(e.doc, (*e.path, "name"), f"phase {p.number} has an empty name")
        if phases and "phases" not in self.dropped and sorted(set(numbers)) != list(range(1, len(set(numbers)) + 1)):
            self.problem(
                doc,
                ("phases",),
                f"phases are numbered {sorted(set(numbers))}; number them 1, 2, 3, ... without gaps (0 is the start phase and is not listed)",
            )
        elif (
            "phases" in doc.data and not phases and isinstance(doc.data.get("phases"), list) and not doc.data["phases"]
        ):
            self.problem(doc, ("phases",), "the list of phases is empty")
        if len(phases) > MAX_PHASES:
            self.problem(
                doc,
                ("phases",),
                f"{len(phases)} phases; a set has at most {MAX_PHASES} (the dashboard's pyramid and formulas "
                "are made for that many)",
            )

    def _check_pillars(self, doc: Document, pillars: list[_Entry]) -> None:
        codes = set()
        for e in pillars:
            p = e.value
            if not PILLAR_CODE.fullmatch(p.code):
                self.problem(
                    e.doc,
                    (*e.path, "code"),
                    f"pillar code {p.code!r} is not allowed; use 1-10 capital letters or digits, starting with a letter (such as BO)",
                )
            if p.code in codes:
                self.problem(e.doc, (*e.path, "code"), f"pillar {p.code} is listed twice")
            elif clash := _name_clash(p.code, codes):
                self.problem(
                    e.doc,
                    (*e.path, "code"),
                    f"pillar code {p.code} gives the workbook the name {clash[0]}, which Excel cannot tell from "
                    f"{clash[1]} (names ignore case); choose another code",
                )
            codes.add(p.code)
            if not p.name.strip():
                self.problem(e.doc, (*e.path, "name"), f"pillar {p.code} has an empty name")
        if "extend" not in doc.data and isinstance(doc.data.get("pillars"), list) and not doc.data["pillars"]:
            self.problem(doc, ("pillars",), "the list of pillars is empty")

    def _check_indicators(self, doc, indicators: list[_Entry], phases: list[_Entry], pillars: list[_Entry]) -> None:
        phase_numbers = {e.value.number for e in phases}
        pillar_codes = [e.value.code for e in pillars]
        seen: dict[str, _Entry] = {}
        for e in indicators:
            i = e.value
            if not INDICATOR_ID.fullmatch(i.id):
                self.problem(
                    e.doc,
                    (*e.path, "id"),
                    f"indicator id {i.id!r} is not allowed; use up to 40 letters, digits, '.', '_' or '-', starting with a letter or digit (such as BO-1.01)",
                )
            if i.id in seen:
                first = seen[i.id]
                if first.line is None:  # it comes from the set this variant extends
                    self.problem(
                        e.doc,
                        (*e.path, "id"),
                        f"indicator id '{i.id}' is already in the set it extends; use 'replace' to change that indicator, or give this one a new id",
                    )
                else:
                    self.problem(
                        e.doc,
                        (*e.path, "id"),
                        f"duplicate indicator id '{i.id}' (first at line {first.line}); every id must be unique",
                    )
            else:
                seen[i.id] = e
            if pillar_codes and "pillars" not in self.dropped and i.pillar not in pillar_codes:
                self.problem(
                    e.doc,
                    (*e.path, "pillar"),
                    f"indicator {i.id}: unknown pillar '{i.pillar}'; use one of {', '.join(pillar_codes)}",
                )
            if phase_numbers and "phases" not in self.dropped and i.phase not in phase_numbers:
                self.problem(
                    e.doc,
                    (*e.path, "phase"),
                    f"indicator {i.id}: unknown phase {i.phase}; use one of {', '.join(map(str, sorted(phase_numbers)))}",
                )
            if not i.text.strip():
                self.problem(e.doc, (*e.path, "text"), f"indicator {i.id}: the statement ('text') is empty")
            if not i.handvat.strip():
                self.problem(
                    e.doc,
                    (*e.path, "handvat"),
                    f"indicator {i.id}: the handvat is empty; say what to do to meet the indicator",
                )
            for old in _id_list(i.replaces):
                if old == i.id:
                    self.problem(
                        e.doc,
                        (*e.path, "replaces"),
                        f"indicator {i.id} replaces itself; an indicator with the same id carries over anyway, so leave it out",
                    )
                elif not INDICATOR_ID.fullmatch(old):
                    self.problem(
                        e.doc, (*e.path, "replaces"), f"indicator {i.id}: {old!r} in 'replaces' is not an indicator id"
                    )
        if "extend" not in doc.data and isinstance(doc.data.get("indicators"), list) and not doc.data["indicators"]:
            self.problem(doc, ("indicators",), "the list of indicators is empty")
            return
        if not indicators or self.dropped & {"indicators", "add"}:
            return  # an entry left out was reported already; a gap it leaves is not news
        present = {(e.value.pillar, e.value.phase) for e in indicators}
        for p in pillars:
            for ph in sorted(phases, key=lambda e: e.value.number):
                if (p.value.code, ph.value.number) not in present:
                    self.problem(
                        p.doc if p.doc.data is not None else doc,
                        p.path if p.doc.data is not None else ("indicators",),
                        f"pillar {p.value.code} has no indicator in phase {ph.value.number} ({ph.value.name}); every pillar needs at least one indicator in every phase",
                    )


def _name_clash(code: str, others: set[str]) -> tuple[str, str] | None:
    """Two defined names of the workbook that differ only in case, when pillar ``code`` joins ``others``."""
    seen: dict[str, str] = {}
    for name in L.defined_names([*others, code], slots=1):
        key = name.casefold()
        if key in seen and seen[key] != name:
            return (name, seen[key]) if code in name else (seen[key], name)
        seen[key] = name
    return None


def workbook_problem(s: IndicatorSet) -> str | None:
    """Why a resolved set cannot be written to a workbook, or None.

    Validation reports the same limits with their lines; this checks a set
    that did not come from YAML (the one stored in a received workbook,
    carried by an upgrade), so that a crafted set never gives a file Excel
    must repair.
    """
    if len(s.phases) > MAX_PHASES:
        return f"{len(s.phases)} phases (at most {MAX_PHASES})"
    if len(s.answers) > MAX_ANSWERS:
        return f"{len(s.answers)} answers (at most {MAX_ANSWERS})"
    for a in s.answers:
        if len(a.label) > MAX_LABEL or _CONTROL_IN_TEXT.search(a.label):
            return f"the answer label {a.label[:40]!r} is longer than {MAX_LABEL} characters or holds a control character"
    codes: set[str] = set()
    for code in s.pillar_codes:
        if not PILLAR_CODE.fullmatch(code) or _name_clash(code, codes):
            return f"the pillar code {code[:20]!r} cannot name the workbook's cells"
        codes.add(code)
    return None
