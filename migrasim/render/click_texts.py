"""click's own messages (usage errors, the help page's "Usage:" and "Options:") in the
language the user asked for.

click marks its messages with the standard library's ``gettext.gettext`` (the process's text
domain, ``"messages"`` by default) and formats them with ``str.format`` (``{name!r}``
placeholders). Their msgids are listed here (:data:`CLICK_MESSAGES`, marked for extraction),
so they are in migrasim's catalogues and every language translates them with the rest;
:func:`click_language` installs a language's catalogue as that text domain's translation while
a command runs, through the standard ``gettext`` machinery alone (``bindtextdomain`` and the
``LANGUAGE`` variable, both put back afterwards): nothing of click is replaced.

``tests/unit/test_click_texts.py`` extracts the msgids from the installed click and fails when
click adds, changes or drops one (so an upgrade that needs a new translation says so); every
one is either here or in :data:`NOT_SHOWN` (messages about a mistake in a command's definition,
prompts and platforms migrasim does not use).
"""

from __future__ import annotations

import functools
import gettext as gettext_module
import io
import os
import string
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from babel.messages.mofile import read_mo, write_mo

from migrasim.render.i18n import N_, SOURCE_LANGUAGE, Nn_, compiled_catalogue, locale_dir

__all__ = ["CLICK_MESSAGES", "CLICK_UNMARKED", "NOT_SHOWN", "click_language"]

CLICK_MESSAGES: tuple[str | tuple[str, str], ...] = (
    # the help page (formatting.py, core.py, decorators.py)
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("%(prog)s, version %(version)s"),
    N_("default: {default}"),
    N_("(dynamic)"),
    N_("env var: {var}"),
    # usage errors (exceptions.py, parser.py, core.py)
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    Nn_("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"),
    N_("Missing command."),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Option {name!r} does not take a value."),
    Nn_("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."),
    N_("Argument {name!r} takes {nargs} values."),
    Nn_("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    N_("Could not open file {filename!r}: {message}"),
    N_("unknown error"),
    N_("Aborted!"),
    # bad values (types.py)
    N_("Choose from:\n\t{choices}"),
    Nn_("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
    Nn_(
        "{value!r} does not match the format {format}.",
        "{value!r} does not match the formats {formats}.",
    ),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("{value!r} is not a valid UUID."),
    N_("file"),
    N_("directory"),
    N_("path"),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("{name} {filename!r} is not executable."),
    Nn_(
        "{len_type} values are required, but {len_value} was given.",
        "{len_type} values are required, but {len_value} were given.",
    ),
)
"""The click msgids a migrasim user can meet, as click writes them."""

CLICK_UNMARKED = (N_("required"),)
"""Words click translates when it shows them but does not mark (an option's "[required]"),
so the extraction of click's msgids does not find them."""

NOT_SHOWN = frozenset({
    # a mistake in a command's definition, found by its author, never by a user
    "Name '{name}' defined twice",
    "Boolean option {decl!r} cannot use the same flag for true/false.",
    "Could not determine name for option with declarations {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument "
    "instead? Did you mean to pass '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.",
    "Value must be an iterable.",
    "Takes {nargs} values but 1 was given.",
    "Invalid start character for option ({option})",
    "Choice({choices})",
    "Unknown standard stream '{name}'",
    "Unknown color {colour!r}",
    # deprecation (no migrasim command or option is deprecated)
    "deprecated",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}",
    # prompts, the editor, the pager, progress bars and shell completion (not used)
    "Do you want to continue?",
    "Confirm the action without prompting.",
    "Repeat for confirmation",
    "Error: The two entered values do not match.",
    "Error: invalid input",
    "Press any key to continue...",
    "{editor}: Editing failed",
    "{editor}: Editing failed: {e}",
    "d",
    "Shell completion is not supported for Bash versions older than 4.4.",
    "Couldn't detect Bash version, shell completion is not supported.",
    # Windows' console
    "Windows error: {error}",
})  # fmt: skip
"""click msgids (the first form of a plural) left out of the catalogues, and why."""


@contextmanager
def click_language(lang: str | None) -> Iterator[None]:
    """While the block runs, the standard ``gettext.gettext`` (with which click writes its
    messages) answers in ``lang``'s catalogue; English (or None) changes nothing.

    The catalogue is compiled once per process into a temporary folder (removed at exit),
    bound to the current text domain, and ``LANGUAGE`` names ``lang`` (``gettext`` reads it
    first); both are put back after the block, whatever happens in it."""
    if lang is None or lang == SOURCE_LANGUAGE:
        yield
        return
    domain = gettext_module.textdomain()
    folder = _compiled_folder(lang, domain, locale_dir().resolve())
    bound = gettext_module.bindtextdomain(domain)
    previous = os.environ.get("LANGUAGE")
    gettext_module.bindtextdomain(domain, str(folder))
    os.environ["LANGUAGE"] = lang
    try:
        yield
    finally:
        gettext_module.bindtextdomain(domain, bound)
        if previous is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = previous


@functools.lru_cache(maxsize=8)
def _compiled_folder(lang: str, domain: str, root: Path) -> Path:
    """A temporary folder with ``<lang>/LC_MESSAGES/<domain>.mo``, ``lang``'s catalogue
    compiled (one per language, domain and catalogue folder in a process)."""
    holder = tempfile.TemporaryDirectory(prefix="migrasim-lang-")  # removed at exit
    _FOLDERS.append(holder)
    folder = Path(holder.name)
    target = folder / lang / "LC_MESSAGES" / f"{domain}.mo"
    target.parent.mkdir(parents=True)
    target.write_bytes(_click_safe(compiled_catalogue(lang, root)))
    return folder


def _click_safe(mo: bytes) -> bytes:
    """The compiled catalogue ``mo`` without a translation of a click message that names a
    ``{field}`` click does not give (or has a stray brace): click would fail formatting it,
    so that message stays English, as a catalogue message with other placeholders does."""
    catalog = read_mo(io.BytesIO(mo))
    for msgid in CLICK_MESSAGES:
        forms = (msgid,) if isinstance(msgid, str) else msgid
        message = catalog.get(forms[0])
        if message is None:
            continue
        given = {name for form in forms for name in _fields(form)}
        strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        if not all(_fields(text) <= given for text in strings if text):
            catalog.delete(forms[0])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def _fields(text: str) -> set[str | None]:
    """The ``{field}`` names of a ``str.format`` text (None for a text ``format`` rejects)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {None}


_FOLDERS: list[tempfile.TemporaryDirectory[str]] = []
"""The compiled catalogues' folders, kept alive (and so on disk) until the process ends."""
