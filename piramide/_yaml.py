"""Safe YAML reading with line numbers, size and expansion limits.

PyYAML's composer gives nodes with their place in the file; we turn them into
plain data ourselves so that every value keeps its line, duplicate keys are
caught (PyYAML silently keeps the last one) and alias bombs are stopped by a
budget on the number of nodes visited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ._files import read_bounded
from .errors import InputError, SetProblem

MAX_BYTES = 2 * 1024 * 1024
"""Largest YAML file read; a national set is about 60 kB."""

MAX_NODES = 50_000
"""Largest number of YAML nodes visited, aliases expanded (a bomb expands to billions).

The reference set has about 2,000; a regional set ten times as large still fits."""

MAX_DEPTH = 40

Path_ = tuple[str | int, ...]


@dataclass
class Document:
    """Plain data from one YAML file, with the line of every value."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


def read_text(path: Path, what: str = "file", max_bytes: int = MAX_BYTES, utf16: bool = False) -> str:
    """The text of a small UTF-8 file, or an :class:`InputError` that says why not."""
    raw = read_bounded(path, what, max_bytes)
    if utf16 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: is not valid UTF-16 text (byte {exc.start})") from exc
    if b"\x00" in raw:
        raise InputError(f"{path}: is a binary file, not a {what}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: is not UTF-8 text (byte {exc.start}); save the {what} as UTF-8") from exc


def load_document(path: Path, display: str | None = None) -> Document:
    """Parse a YAML file into a :class:`Document`.

    Syntax errors raise :class:`~piramide.errors.SetError`-ready problems via
    :class:`YamlSyntaxError`; unreadable input raises :class:`InputError`.
    """
    name = display or str(path)
    text = read_text(path, "YAML file")
    try:
        _prescan(text, name)
        node = _compose(text, name)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and (mark is None or mark.index >= len(text.rstrip())):
            mark = exc.context_mark  # found at the end of the file: point at what was left open
        line = mark.line + 1 if mark else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise YamlSyntaxError([SetProblem(name, line, f"YAML syntax error: {problem}")]) from exc
    except yaml.reader.ReaderError as exc:  # a control character, such as one pasted from Word
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise InputError(
            f"{name}:{line}: cannot be read as YAML: it contains the control character #x{char:04x}; remove it"
        ) from exc
    except yaml.YAMLError as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{name}: cannot be read as YAML ({first_line})") from exc
    except RecursionError as exc:
        raise InputError(f"{name}: nested too deeply to be an indicator set") from exc
    doc = Document(name, None)
    if node is None:
        return doc
    walker = _Walker(doc)
    doc.data = walker.walk(node, ())
    if walker.problems:
        raise YamlSyntaxError(walker.problems)
    return doc


def _prescan(text: str, name: str) -> None:
    """Count the YAML events with libyaml's fast C parser (when PyYAML has it) before composing.

    A hostile file of many tiny values is refused here in a fraction of a
    second, instead of after seconds of pure-Python composing. Syntax errors
    are left to the composer, which reports them with their line.
    """
    if not getattr(yaml, "__with_libyaml__", False):
        return
    events = 0
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            events += 1
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise InputError(f"{name}: nested too deeply to be an indicator set")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            if events > 3 * MAX_NODES:
                raise InputError(f"{name}: has more than {MAX_NODES:,} values; too large to be an indicator set")
    except yaml.YAMLError:
        return


def _compose(text: str, name: str) -> yaml.Node | None:
    """The document's node tree: by libyaml in C when PyYAML has it, else (or on any error) in Python.

    libyaml composes the reference set some ten times faster; :func:`_prescan`
    has bounded its events and nesting first. A file libyaml cannot read is
    composed again in Python, so that errors keep the wording and lines of
    :class:`_BoundedLoader`.
    """
    if getattr(yaml, "__with_libyaml__", False):
        fast = yaml.CSafeLoader(text)
        try:
            return fast.get_single_node()
        except yaml.YAMLError:
            pass
        finally:
            fast.dispose()
    loader = _BoundedLoader(text, name)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with a bound on nodes and nesting while composing.

    Pure-Python composing is slow (tens of seconds for a hostile 2 MB file of
    tiny values or deep brackets); counting here stops such a file after
    :data:`MAX_NODES` nodes or :data:`MAX_DEPTH` levels, within a second or two.
    """

    def __init__(self, stream: str, name: str):
        super().__init__(stream)
        self._name = name
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent, index):
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise InputError(f"{self._name}: has more than {MAX_NODES:,} values; too large to be an indicator set")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise InputError(f"{self._name}: nested too deeply to be an indicator set")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class YamlSyntaxError(Exception):
    """Problems found while reading the YAML itself (syntax, duplicate keys)."""

    def __init__(self, problems: list[SetProblem]):
        self.problems = problems
        super().__init__("; ".join(map(str, problems)))


class _Walker:
    def __init__(self, doc: Document):
        self.doc = doc
        self.visited = 0
        self.problems: list[SetProblem] = []
        self.constructor = yaml.SafeLoader("")

    def walk(self, node: yaml.Node, path: Path_) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise InputError(
                f"{self.doc.file}: expands to more than {MAX_NODES:,} values (a YAML alias bomb?); refused"
            )
        if len(path) > MAX_DEPTH:
            raise InputError(f"{self.doc.file}: nested too deeply to be an indicator set")
        line = node.start_mark.line + 1
        self.doc.lines.setdefault(path, line)
        if isinstance(node, yaml.ScalarNode):
            try:
                return self.constructor.construct_object(node, deep=True)
            except Exception as exc:
                detail = getattr(exc, "problem", None) or str(exc)
                self.problems.append(
                    SetProblem(
                        self.doc.file,
                        line,
                        f"bad value {node.value!r} ({detail}); put it in quotes if it is text",
                    )
                )
                return None
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(child, (*path, i)) for i, child in enumerate(node.value)]
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(SetProblem(self.doc.file, key_line, "keys must be plain words (no merge keys)"))
                continue
            key = str(key_node.value)
            if key in result:
                self.problems.append(SetProblem(self.doc.file, key_line, f"duplicate key '{key}'; give each key once"))
                continue
            self.doc.lines[(*path, key)] = value_node.start_mark.line + 1
            result[key] = self.walk(value_node, (*path, key))
        return result
