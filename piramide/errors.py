"""Exceptions of the Piramide core: every error the library raises on purpose.

The core raises these; the command-line interface turns them into one-line
messages and exit codes. Each carries text meant for a user, never a
traceback.

A message may name an argument of the call that raised it: a value that
cannot work (:class:`ArgumentError`), or a keyword argument that gets past
the error (:class:`Remedy`, e.g. ``force=True``). ``str(error)`` names them
as Python keyword arguments; the command line respells them as its options
(``--force``) with :meth:`PiramideError.describe`, so that neither audience
is told to use the other's interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class Spelling:
    """How a message names the caller's arguments: as Python keyword arguments.

    The command line has a subclass that spells them as its options.
    """

    def argument(self, name: str, value: object) -> str:
        """An argument with its value: ``slots=3``."""
        return f"{name}={value!r}"

    def remedy(self, name: str, value: object) -> str:
        """What to do to get past an error: ``pass force=True``."""
        return f"pass {self.argument(name, value)}"


PYTHON = Spelling()


@dataclass(frozen=True, slots=True)
class Remedy:
    """A keyword argument that gets past an error, and what it then does: ``force=True``, ``to overwrite it``."""

    argument: str
    value: object
    purpose: str


class PiramideError(Exception):
    """Base class of every error the library raises on purpose.

    ``message`` says what is wrong; ``remedy`` (optional) the argument that
    gets past it.
    """

    def __init__(self, message: str, remedy: Remedy | None = None):
        super().__init__(message)
        self.message = message
        self.remedy = remedy

    def describe(self, spelling: Spelling = PYTHON) -> str:
        """The message, with arguments named as ``spelling`` names them."""
        if self.remedy is None:
            return self.message
        r = self.remedy
        return f"{self.message}; {spelling.remedy(r.argument, r.value)} {r.purpose}"

    def __str__(self) -> str:
        return self.describe()

    def __reduce__(self):
        # Subclasses take other arguments than ``args``: rebuild from the state (errors cross processes).
        return _restore, (type(self), self.args, self.__dict__)


def _restore(kind: type[PiramideError], args: tuple, state: dict) -> PiramideError:
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(state)
    return error


class ArgumentError(PiramideError, ValueError):
    """An argument's value cannot work here (``slots=3`` for a workbook with 5 slots): bad usage.

    The command line reports these with exit code 2, like its own usage errors.
    """

    def __init__(self, argument: str, value: object, message: str):
        super().__init__(message)
        self.argument = argument
        self.value = value

    def describe(self, spelling: Spelling = PYTHON) -> str:
        return f"{spelling.argument(self.argument, self.value)}: {self.message}"


class InputError(PiramideError):
    """A file cannot be used at all: missing, a folder, not text, too large, a bomb.

    The command line reports these with exit code 2.
    """


class WorkbookRefused(InputError):
    """The file is not a workbook we will read: not a dashboard, damaged, hostile (exit code 2)."""


class OutputExistsError(PiramideError):
    """The output file exists and overwriting was not asked for (``force=True``); nothing was written."""

    def __init__(self, path: str | Path):
        super().__init__(f"{path}: exists already", Remedy("force", True, "to overwrite it"))
        self.path = Path(path)


class OutputError(PiramideError):
    """An output cannot be written (a folder that is a file, a folder that is not writable); exit code 2.

    The message names the user's path, never the hidden temporary file.
    """


class RefusedError(PiramideError):
    """The work was refused because it would lose or hide something (answers, errors); nothing was written.

    The command line reports these with exit code 1.
    """


class OutputHoldsAnswers(RefusedError):
    """The output is a dashboard that holds answers: it is never replaced, not even with ``force`` (exit code 1)."""


class UpgradeRefused(RefusedError):
    """An upgrade would lose data (or the input has errors); nothing was written. ``plan`` says what would happen."""

    def __init__(self, message: str, plan=None, remedy: Remedy | None = None):
        super().__init__(message, remedy)
        self.plan = plan


class PartsRefused(RefusedError):
    """``split`` or ``merge`` refused, for the reasons in ``problems`` (one line each); nothing was written.

    ``report`` (merge) says what would have happened: the parts, the
    conflicts, what is still open.
    """

    def __init__(self, message: str, problems: list[str] | None = None, report=None, remedy: Remedy | None = None):
        super().__init__(message, remedy)
        self.problems = list(problems or [])
        self.report = report


class UpgradeVerificationError(PiramideError):
    """The written workbook did not read back as planned; it was not kept (a bug)."""


@dataclass(frozen=True, slots=True)
class SetProblem:
    """One problem in an indicator set file, with its place."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class SetError(PiramideError):
    """An indicator set file has one or more problems; all of them are listed."""

    def __init__(self, problems: list[SetProblem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))


class AnswerError(PiramideError, ValueError):
    """A value is not an answer on the set's scale (never guessed)."""


__all__ = [
    "AnswerError",
    "ArgumentError",
    "InputError",
    "OutputError",
    "OutputExistsError",
    "OutputHoldsAnswers",
    "PartsRefused",
    "PiramideError",
    "RefusedError",
    "Remedy",
    "SetError",
    "SetProblem",
    "Spelling",
    "UpgradeRefused",
    "UpgradeVerificationError",
    "WorkbookRefused",
]
