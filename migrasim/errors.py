"""Exceptions raised by migrasim. Imports no other migrasim module.

The library raises subclasses of :class:`MigrasimError` and never exits; ``cli.py`` maps them to
exit codes (2 for bad input, 1 for a failure while running).
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
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


Gettext = Callable[[str], str]
"""A catalogue's ``gettext``: English msgid -> the text in one language."""


class Message(str):
    """A message for the user: the English text (it *is* that string), remembering its msgid
    and the values of its ``%(name)s`` placeholders, so that the command line can show it in
    the user's language (:meth:`translated`). Made by :func:`N_`; anything that treats it as a
    ``str`` (tests, ``str(error)``, a library caller) sees the English."""

    msgid: str
    values: dict[str, object]

    def __new__(cls, msgid: str, values: dict[str, object]) -> Message:
        # without values, the message as a template: its placeholders kept, %% read as %
        self = super().__new__(cls, msgid % values if values else msgid.replace("%%", "%"))
        self.msgid = msgid
        self.values = values
        return self

    def __reduce__(self) -> tuple[object, ...]:  # survives pickling (helper processes)
        return (Message, (self.msgid, self.values))

    def translated(self, gettext: Gettext) -> str:
        """The message in ``gettext``'s language, its values filled in (a value that is itself
        a message is translated too; the others, such as the bad value, a file or a key, are
        shown as they are). A translation whose placeholders do not match gives the English."""
        values = {k: translated(v, gettext) for k, v in self.values.items()}
        try:
            return gettext(self.msgid) % values
        except (KeyError, TypeError, ValueError):
            return self.msgid % values


def N_(message: str, /, **values: object) -> Message:  # noqa: N802 - the gettext marker
    """``message`` (English, a Python format string with ``%(name)s`` placeholders and ``%%``
    for a literal percent sign) filled from ``values``: the extraction keyword ``N_`` puts it
    in the catalogues, and the command line translates it (:func:`translated`). The library
    layers raise errors with these without knowing the user's language."""
    return Message(message, values)


def translated(text: object, gettext: Gettext | None) -> str:
    """``text`` in ``gettext``'s language if it is a :class:`Message`, else as it is."""
    if gettext is not None and isinstance(text, Message):
        return text.translated(gettext)
    return str(text)


class MigrasimError(Exception):
    """Base class of every error migrasim raises on purpose. Raised with a :class:`Message`
    (see :func:`N_`), the command line shows it in the user's language."""

    def translated(self, gettext: Gettext | None) -> str:
        """The error's text in ``gettext``'s language (what of it is a :class:`Message`)."""
        if len(self.args) == 1:
            return translated(self.args[0], gettext)
        return str(self)


@dataclass(frozen=True)
class Problem:
    """One problem in a scenario: where it is, what is wrong (with the bad value), how to fix it."""

    key_path: str
    problem: str
    fix: str = ""

    def render(self, file: str | None, gettext: Gettext | None = None) -> str:
        """``file: key.path: problem. Fix: fix``, in ``gettext``'s language (the problem and
        fix, and a key path such as ``line 3, column 7``, are translated if they are messages; the
        file never)."""
        where = f"{file}: " if file else ""
        key = f"{translated(self.key_path, gettext)}: " if self.key_path else ""
        problem = translated(self.problem, gettext)
        problem = problem if problem.endswith((".", "?", "!")) else f"{problem}."
        fix = ""
        if self.fix:
            fix = " " + translated(N_("Fix: %(fix)s", fix=self.fix), gettext)
        return f"{where}{key}{problem}{fix}"


class ScenarioError(MigrasimError):
    """A scenario is invalid. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem], file: str | None = None) -> None:
        self.problems = list(problems)
        self.file = file
        super().__init__("\n".join(p.render(file) for p in self.problems))

    def translated(self, gettext: Gettext | None) -> str:
        """Every problem, one a line, in ``gettext``'s language."""
        return "\n".join(p.render(self.file, gettext) for p in self.problems)

    def with_file(self, file: str) -> ScenarioError:
        """The same problems, attributed to ``file``."""
        return ScenarioError(self.problems, file)


class UnitError(MigrasimError, ValueError):
    """A quantity could not be parsed: ``problem`` names the bad value, ``expected`` the fix."""

    def __init__(self, problem: str, expected: str) -> None:
        self.problem = problem
        self.expected = expected
        super().__init__(N_("%(problem)s; expected %(expected)s", problem=problem,
                            expected=expected))  # fmt: skip


class ClusterError(MigrasimError):
    """The Dask cluster could not be used (``bad_input``: ``--scheduler`` names no cluster that
    can run replications, or dask.distributed is not installed: the command line exits 2), or
    failed while running replications (exit 1)."""

    def __init__(self, message: str, *, bad_input: bool = False) -> None:
        super().__init__(message)
        self.bad_input = bad_input


class OutputError(MigrasimError):
    """Results cannot be written where asked (permissions, a full disk, a missing target):
    a problem with the command's input, exit 2, with the path and the fix."""


class ResultsExistError(OutputError):
    """The output folder exists and is not empty, and overwriting was not asked for (or
    would delete something migrasim did not write)."""
