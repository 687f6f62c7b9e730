"""Exceptions raised by migrasim. Imports no other migrasim module.

The library raises subclasses of :class:`MigrasimError` and never exits; ``cli.py`` maps them to
exit codes (2 for bad input, 1 for a failure while running).
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass

_SHORT = reprlib.Repr()
_SHORT.maxstring = 80
_SHORT.maxother = 80
_SHORT.maxlevel = 3
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxset = 6
_SHORT.maxdict = 4


def quoted(value: object) -> str:
    """``repr(value)`` cut to a short length: error messages quote the bad value, never a
    megabyte of it (a YAML alias bomb expands to millions of items)."""
    return _SHORT.repr(value)


class MigrasimError(Exception):
    """Base class of every error migrasim raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem in a scenario: where it is, what is wrong (with the bad value), how to fix it."""

    key_path: str
    problem: str
    fix: str = ""

    def render(self, file: str | None) -> str:
        where = f"{file}: " if file else ""
        key = f"{self.key_path}: " if self.key_path else ""
        problem = self.problem if self.problem.endswith((".", "?", "!")) else f"{self.problem}."
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{where}{key}{problem}{fix}"


class ScenarioError(MigrasimError):
    """A scenario is invalid. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem], file: str | None = None) -> None:
        self.problems = list(problems)
        self.file = file
        super().__init__("\n".join(p.render(file) for p in self.problems))

    def with_file(self, file: str) -> ScenarioError:
        """The same problems, attributed to ``file``."""
        return ScenarioError(self.problems, file)


class UnitError(MigrasimError, ValueError):
    """A quantity could not be parsed: ``problem`` names the bad value, ``expected`` the fix."""

    def __init__(self, problem: str, expected: str) -> None:
        self.problem = problem
        self.expected = expected
        super().__init__(f"{problem}; expected {expected}")


class OutputError(MigrasimError):
    """Results cannot be written where asked (permissions, a full disk, a missing target):
    a problem with the command's input, exit 2, with the path and the fix."""


class ResultsExistError(OutputError):
    """The output folder exists and is not empty, and overwriting was not asked for (or
    would delete something migrasim did not write)."""
