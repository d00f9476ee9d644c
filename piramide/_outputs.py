"""What an existing file is, before anything replaces it: a dashboard with answers, or one of our outputs.

Nothing that holds answers is overwritten, not even with ``--force``; a
folder scan skips the overviews that ``piramide progress`` wrote (they carry
a custom document property, :data:`OUTPUT_PROPERTY`).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from . import layout as L
from ._text import plural
from .errors import OutputHoldsAnswers, PiramideError

OUTPUT_PROPERTY = "piramide_output"
"""Custom document property of the workbooks piramide writes that are not dashboards (value: what they are)."""
_PART_LIMIT = 1024 * 1024


_TAIL = 8192
"""How much of a package's end :func:`_surely_absent` reads: a dashboard's central directory is about 2 kB."""
_END = b"PK\x05\x06"  # the end of central directory record, 22 bytes without a comment
_END64_LOCATOR = b"PK\x06\x07"  # the zip64 locator, 20 bytes right before it


def _surely_absent(path: Path, name: str) -> bool:
    """True when the package at ``path`` certainly has no part ``name``: the name is not in its central directory.

    :mod:`zipfile` reads the central directory that ends right before the
    end record; when that record ends the file (no comment, no zip64) and the
    directory lies in the last :data:`_TAIL` bytes, a name whose bytes are not
    in it cannot be found there (the names of the parts asked for here are
    ASCII, the same bytes in either encoding a zip may use). Reading one block
    is cheaper than building the whole listing, for each file of a folder
    scan. False when unsure: then :mod:`zipfile` decides.
    """
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        f.seek(max(0, size - _TAIL))
        tail = f.read(_TAIL)
    end = tail[-22:]
    if len(end) < 22 or end[:4] != _END or end[20:] != b"\0\0" or tail[-42:-38] == _END64_LOCATOR:
        return False
    directory = int.from_bytes(end[12:16], "little")
    if directory + 22 > len(tail):
        return False
    return name.encode("ascii") not in tail[-22 - directory : -22]


def _part(path: Path, name: str) -> bytes:
    """One small part of an xlsx package, or b"" (not a zip, missing, too large, not a regular file)."""
    if not path.is_file():  # a FIFO or device is never opened: reading it could wait for ever
        return b""
    try:
        if _surely_absent(path, name):
            return b""
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(name)
            if info.file_size > _PART_LIMIT:
                return b""
            return archive.read(info)
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError, NotImplementedError):
        return b""


def is_piramide_output(path: Path) -> bool:
    """True for a workbook that piramide wrote as an output (the progress overview), never for a dashboard."""
    return f'name="{OUTPUT_PROPERTY}"'.encode() in _part(Path(path), "docProps/custom.xml")


def is_dashboard(path: Path) -> bool:
    """True when ``path`` looks like a Piramide dashboard (it has the Metadata sheet), readable or not."""
    return f'name="{L.METADATA}"'.encode() in _part(Path(path), "xl/workbook.xml")


def answers_held(path: Path) -> str | None:
    """What a person typed into the dashboard at ``path`` (e.g. ``"0-meting (12 answers)"``), or None.

    A file that looks like a dashboard but cannot be read may hold answers too: that is said as well.
    """
    from .reader import read_workbook  # the reader is only needed when a file would be replaced

    try:
        reading = read_workbook(path)
    except PiramideError:
        return "it looks like a dashboard but cannot be read, so it may" if is_dashboard(path) else None
    held = [f"{m.label} ({plural(m.answered, 'answer')})" for m in reading.measurements]
    part = reading.part  # a deelvragenlijst a respondent filled in
    if part is not None and (part.answers or part.notes or part.date or part.ingevuld_door):
        held.append(f"deelvragenlijst {part.label} of {part.respondent} ({plural(part.answered, 'answer')})")
    held += [f"{L.slot_label(slot)} (a date, name or notes)" for slot in sorted(reading.unanswered)]
    return ", ".join(held) or None


def refuse_overwriting_answers(path: Path) -> None:
    """Raise :class:`OutputHoldsAnswers` when ``path`` is a dashboard that holds answers."""
    path = Path(path)
    if not path.is_file():
        return
    held = answers_held(path)
    if held:
        what = f"{held} hold answers" if held.startswith("it ") else f"holds answers: {held}"
        raise OutputHoldsAnswers(
            f"{path}: {what}; a dashboard with answers is never overwritten: move it away first"
        )
