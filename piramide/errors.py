"""Exceptions of the Piramide core.

The core raises these; the command-line interface turns them into one-line
messages and exit codes. Each carries text meant for a user, never a
traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class PiramideError(Exception):
    """Base class of every error the library raises on purpose."""


class InputError(PiramideError):
    """A file cannot be used at all: missing, a folder, not text, too large, a bomb.

    The command line reports these with exit code 2.
    """


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
