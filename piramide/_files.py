"""File names and atomic writes: outputs never half-written, never overwritten unasked."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import re
import stat
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import InputError, OutputError, OutputExistsError

_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


_pending: set[Path] = set()
"""Temporary files being written in this process; removed by :func:`remove_pending` on a fatal signal."""


def remove_pending() -> None:
    """Remove the temporary files this process is writing (called when it is told to stop)."""
    for tmp in list(_pending):
        try:
            tmp.unlink()
        except OSError:
            pass
        _pending.discard(tmp)


def make_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) for an output, with one line naming the user's path on failure."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), folder)
        raise OutputError(f"{blocker}: is a file, not a folder") from None
    except OSError as exc:
        raise OutputError(_write_problem(folder, exc)) from None


def _write_problem(path: Path, exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{path}: the folder is not writable"
    if exc.errno == errno.ENOSPC:
        return f"{path}: the disk is full"
    return f"{path}: cannot be written ({exc.strerror or exc})"


def safe_file_stem(name: str, fallback: str = "gemeente") -> str:
    """A portable file name for a municipality: ``'Súdwest-Fryslân'`` -> ``'Sudwest-Fryslan'``.

    Letters and digits are kept (accents folded to ASCII), every other run of
    characters becomes one ``-``; Windows device names and empty results get
    a fallback. Distinct names can map to the same stem (``Bergen (NH)`` and
    ``Bergen NH``): callers that write many files must resolve clashes.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-")[:80].strip("-")
    if not stem:
        stem = fallback
    if stem.lower() in _RESERVED:
        stem = f"{fallback}-{stem}"
    return stem


def distinct_stems(stems: list[str]) -> list[str]:
    """The stems made distinct, case-insensitively (as on Windows and macOS): a repeat gets ``-2``, ``-3``, ..."""
    taken: set[str] = set()
    names = []
    for stem in stems:
        name, n = stem, 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name.lower())
        names.append(name)
    return names


def unique_paths(paths: Iterable[Path]) -> list[Path]:
    """The paths in order, each file once (two spellings of one file count once)."""
    seen: set[Path] = set()
    unique = []
    for path in paths:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def read_bounded(
    path: Path, what: str, max_bytes: int, error: type[InputError] = InputError, large: str | None = None
) -> bytes:
    """The bytes of a file that must exist, be a file and be at most ``max_bytes``; read-only.

    Every other case raises ``error`` with one line that says why, naming the
    file as ``what`` ("no such YAML file") and, when too large, as ``large``
    (default ``what``).
    """
    path = Path(path)
    try:
        info = path.stat()  # follows links: a link to a device is a device
    except FileNotFoundError:
        raise error(f"{path}: no such {what}") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: is a folder, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: is {_kind(info.st_mode)}, not a {what}; refused without reading it")
    if info.st_size > max_bytes:
        raise error(_too_large(path, info.st_size, max_bytes, large or what))
    try:
        # Read-only, and without waiting: should a FIFO or device take the file's place after the
        # check above, opening it must not block; fstat then refuses it before a byte is read.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    with os.fdopen(fd, "rb") as handle:
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                raise error(f"{path}: is {_kind(opened.st_mode)}, not a {what}; refused without reading it")
            if opened.st_size > max_bytes:
                raise error(_too_large(path, opened.st_size, max_bytes, large or what))
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise error(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:  # grew while being read
        raise error(_too_large(path, len(data), max_bytes, large or what))
    return data


def _too_large(path: Path, size: int, max_bytes: int, what: str) -> str:
    return (
        f"{path}: too large for a {what} ({size:,} bytes, {size / 2**20:.1f} MiB; "
        f"the limit is {max_bytes:,} bytes, {max_bytes / 2**20:.1f} MiB)"
    )


def _kind(mode: int) -> str:
    """What a path that is not a regular file is, in a few words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def write_atomic(path: Path, data: bytes, force: bool = False, verify: Callable[[Path], None] | None = None) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder.

    Without ``force`` an existing file is left untouched and
    :class:`OutputExistsError` is raised; the check and the final link are one
    atomic step, so two writers cannot both win. A file replaced with
    ``force`` keeps its permission bits. ``verify`` is called with the
    temporary file before it is moved into place; if it raises, nothing is
    written. Failures name ``path``, never the hidden temporary file.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not force and path.exists():
        raise OutputExistsError(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder, not a file")
    make_folder(folder)
    tmp: Path | None = None
    try:
        with _stop_signals_held():  # a stop signal never falls between making the file and knowing it
            try:
                fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
            except OSError as exc:
                raise OutputError(_write_problem(path, exc)) from None
            tmp = Path(tmp_name)
            _pending.add(tmp)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, _mode_for(path))
        except OSError as exc:
            raise OutputError(_write_problem(path, exc)) from None
        if verify is not None:
            verify(tmp)
        try:
            if force:
                os.replace(tmp, path)
            else:
                try:
                    os.link(tmp, path)  # fails if path exists: no overwrite, atomically
                except FileExistsError:
                    raise OutputExistsError(path) from None
                except OSError:
                    if path.exists():
                        raise OutputExistsError(path) from None
                    os.replace(tmp, path)  # a file system without hard links
        except OutputExistsError:
            raise
        except OSError as exc:
            raise OutputError(_write_problem(path, exc)) from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
            _pending.discard(tmp)


@contextlib.contextmanager
def _stop_signals_held():
    """Hold Ctrl-C, SIGTERM and SIGHUP for the duration (POSIX); they are delivered when the block ends."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:
        yield
        return
    held = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)}
    previous = mask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, previous)


def _mode_for(path: Path) -> int:
    """The permission bits of a new output: those of the file it replaces, else 0644 less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o644 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
