"""The ``migrasim`` command line. The only module that echoes or exits.

Exit codes: 0 success; 2 bad input (an invalid scenario, an existing results folder, bad usage,
a --scheduler naming no usable Dask cluster); 1 a failure while running.
"""

from __future__ import annotations

import errno
import gc
import gettext
import inspect
import json
import os
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.utils import make_default_short_help

from migrasim import __version__
from migrasim.errors import (
    N_,
    ClusterError,
    Gettext,
    MigrasimError,
    OutputError,
    ScenarioError,
    translated,
)
from migrasim.render import outputs


def _inert(text: str) -> str:
    """``text`` with every control character but a newline or a tab shown escaped (``\x1b``):
    a name, a header cell, a file name or a key from the user's input never drives the
    terminal (clears the screen, sets the title)."""
    return "".join(
        c if c in "\n\t" or unicodedata.category(c) != "Cc" else repr(c)[1:-1] for c in text
    )


def _echo(message: object = "", nl: bool = True, err: bool = False) -> None:
    """``click.echo`` of ``message`` made inert (:func:`_inert`): every line the command line
    prints goes through here."""
    click.echo(_inert(str(message)), nl=nl, err=err)


def _fail(message: object, code: int, lang: str | None = None) -> None:
    """Print ``message`` (a migrasim error or a :class:`~migrasim.errors.Message`) in ``lang``,
    each line after "Error:", and exit with ``code``."""
    gettext = _gettext(lang)
    text = message.translated(gettext) if isinstance(message, MigrasimError) else message
    for line in translated(text, gettext).splitlines():
        _echo(translated(N_("Error: %(line)s", line=line), gettext), err=True)
    sys.exit(code)


def _gettext(lang: str | None) -> Gettext | None:
    """The catalogue's ``gettext`` for ``lang`` (None: English, the msgids)."""
    if lang is None or lang == "en":
        return None
    from migrasim.render.i18n import translator

    return translator(lang).gettext


def _guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Map migrasim errors to exit codes with clear messages in the command's ``--lang``,
    never a traceback."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        lang = kwargs.get("lang")  # parsed (and checked) by click before the command runs
        try:
            return func(*args, **kwargs)
        except (ScenarioError, OutputError) as exc:
            _fail(exc, 2, lang)
        except ClusterError as exc:  # --scheduler names no usable cluster: bad input
            _fail(exc, 2 if exc.bad_input else 1, lang)
        except MigrasimError as exc:
            _fail(exc, 1, lang)
        except KeyboardInterrupt:
            _fail(N_("interrupted; no results were written"), 1, lang)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # usage errors: click prints them and exits 2
        except Exception as exc:
            if os.environ.get("MIGRASIM_DEBUG"):
                raise
            _fail(
                N_(
                    "internal error (%(error)s); no results were written. Please report it; "
                    "set MIGRASIM_DEBUG=1 to see the traceback.",
                    error=f"{type(exc).__name__}: {exc}",
                ),
                1,
                lang,
            )
        return None

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def _asked_language(args: list[str]) -> str | None:
    """The language a command line asks for (its last ``--lang``, before any ``--``), if it
    has a catalogue: known before click parses it, so click's own messages (a usage error, the
    help page) are in it too."""
    from migrasim.render.i18n import available_languages

    asked = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            asked = args[i + 1]
        elif arg.startswith("--lang="):
            asked = arg.partition("=")[2]
    return asked if asked in available_languages() else None


Words = Callable[[Callable[[str], str]], str]
"""A help text built in a language: given a ``gettext``, the text (a command's help made of
a catalogue message and example command lines, or an epilog naming files)."""


def _say(text: str) -> str:
    """An option's help in the language click speaks now (``render.click_texts``); English
    when none is installed. click keeps the help as a plain ``str`` (the text, a percent sign
    single), so its msgid is that text with each ``%`` doubled, as every msgid writes it."""
    try:
        return gettext.gettext(text.replace("%", "%%")) % {}
    except (KeyError, TypeError, ValueError):  # a translation with a stray placeholder
        return text


def _words(text: str | Words | None) -> Words | None:
    """``text`` (a catalogue message) as :data:`Words`."""
    if text is None or callable(text):
        return text
    return lambda gettext: translated(text, gettext)


def _about(text: str, heading: str, *examples: str) -> Words:
    """A command's help: ``text``, then ``heading`` (catalogue messages) over the example
    command lines, kept as they are (click's ``\\b``)."""
    lines = "".join(f"\n  {line}" for line in examples)
    return lambda gettext: (
        f"{translated(text, gettext)}\n\n\b\n{translated(heading, gettext)}{lines}"
    )


def _english(message: str) -> str:
    """The identity ``gettext``: the msgids are English."""
    return message


class _HelpInLanguage(click.Command):
    """A command whose ``--help`` is in the language of the command line: its help text, its
    epilog, its options' help (each a catalogue message, or :data:`Words`), translated when the
    page is written; click keeps the English in ``help`` and ``epilog``. The help option's own
    text is reset too (click writes it once, when the option is first made, and keeps it)."""

    def __init__(
        self, name: str | None, *, help: str | Words | None = None,
        epilog: str | Words | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        self.help_words, self.epilog_words = _words(help), _words(epilog)
        english = [None if w is None else w(_english) for w in (self.help_words, self.epilog_words)]
        super().__init__(name, help=english[0], epilog=english[1], **kwargs)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = gettext.gettext("Show this message and exit.")
        return option

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.help_words is not None:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(inspect.cleandoc(self.help_words(gettext.gettext)))

    def get_short_help_str(self, limit: int = 45) -> str:
        if self.help_words is None:
            return ""
        return make_default_short_help(self.help_words(gettext.gettext), limit).strip()

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = [_help_record(param, ctx) for param in self.get_params(ctx)]
        if any(records):
            with formatter.section(gettext.gettext("Options")):
                formatter.write_dl([record for record in records if record is not None])

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.epilog_words is not None:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(inspect.cleandoc(self.epilog_words(gettext.gettext)))


def _help_record(param: click.Parameter, ctx: click.Context) -> tuple[str, str] | None:
    """``param``'s line on the help page, its help (a catalogue message) in the language click
    speaks now, with ``{languages}`` naming the languages that have a catalogue (so a
    catalogue added is listed; nothing here names a language)."""
    record = param.get_help_record(ctx)
    if record is None:
        return None
    names, text = record
    english = getattr(param, "help", None)
    if english and text.startswith(english):  # then click's own extras ("[default: en]")
        text = _say(english) + text[len(english) :]
    if "{languages}" in text:
        from migrasim.render.i18n import available_languages

        text = text.replace("{languages}", ", ".join(available_languages()))
    return names, text


class _Migrasim(click.Group, _HelpInLanguage):
    """The ``migrasim`` group: click's own messages and the help pages in the language of
    ``--lang`` (``render.click_texts``)."""

    command_class = _HelpInLanguage

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        from migrasim.render.click_texts import click_language

        with click_language(_asked_language(list(sys.argv[1:] if args is None else args))):
            return super().main(args, *rest, **kwargs)


def _lang_for_commands(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """``migrasim --lang LANG ...``: the group's own help page in ``LANG`` (click's language is
    installed from the command line before parsing, ``_Migrasim.main``), and ``LANG`` the
    default ``--lang`` of the command that follows (its own ``--lang`` still wins). Hidden, so
    the group's page is as it was; README.md and docs/design.md say so."""
    if value is None:
        return
    lang = _check_lang(ctx, param, value)
    ctx.default_map = {name: {"lang": lang} for name in _commands(ctx)}


def _commands(ctx: click.Context) -> list[str]:
    """The names of the group's commands."""
    group = ctx.command
    return group.list_commands(ctx) if isinstance(group, click.Group) else []


@click.group(
    cls=_Migrasim,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_(
        "migrasim: when will a bulk data migration finish, and will it make go-live?"
        "\n\nSimulates every flow of a migration programme under its capacity rules (daily "
        "caps, bandwidth, transfer windows, working calendars, shared links) and reports "
        "completion dates, the chance of making go-live and the bottleneck."
    ),
)
@click.version_option(__version__, prog_name="migrasim")
@click.option(
    "--lang",
    hidden=True,
    is_eager=True,
    expose_value=False,
    metavar="LANG",
    callback=_lang_for_commands,
)
def cli() -> None:
    """The ``migrasim`` group (its help page is the ``help=`` above, from the catalogue)."""


class _IntRange(click.IntRange):
    """click's integer range, its name (in "'x' is not a valid integer range" and its metavar
    INTEGER RANGE) in the language click speaks when it is shown."""

    @property
    def name(self) -> str:  # type: ignore[override]
        return gettext.gettext(N_("integer range"))


class _FloatRange(click.FloatRange):
    """click's float range, its name in the language click speaks (as :class:`_IntRange`)."""

    @property
    def name(self) -> str:  # type: ignore[override]
        return gettext.gettext(N_("float range"))


class _Path(click.Path):
    """click's path, its name ("file", "directory" or "path", which click chooses when the type
    is made, at import: English) in the language click speaks when it is shown (its metavar,
    its messages)."""

    @property
    def name(self) -> str:
        return gettext.gettext(self.english_name)

    @name.setter
    def name(self, value: str) -> None:
        self.english_name = value


SCENARIO = click.argument("scenario", type=_Path(dir_okay=False, path_type=Path))
SET = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help=N_(
        "Change the scenario before it is checked, e.g. --set links.capped.daily_cap='5 GB' "
        "or --set flows[Cardiff].volume='400 GB'. Repeatable."
    ),
)


def _check_scheduler(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    if value is not None:
        from migrasim.analysis.runner import check_address

        try:
            check_address(value)
        except ClusterError as exc:  # in --lang's language (render.click_texts)
            raise click.BadParameter(exc.translated(gettext.gettext)) from None
    return value


SCHEDULER = click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    callback=_check_scheduler,
    help=N_(
        "Run replications on this existing Dask cluster instead of local processes. "
        "Results do not depend on it."
    ),
)


SEED = click.option(
    "--seed", type=_IntRange(min=0), help=N_("Random seed (default: the file's, else 0).")
)
WORKERS = click.option(
    "--workers",
    "-j",
    type=_IntRange(min=1),
    help=N_("Processes for the replications (default: all cores). Results do not depend on it."),
)


def _check_lang(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """A language with a catalogue (found when the command runs, so a catalogue added to
    $MIGRASIM_LOCALE_DIR is a language)."""
    from migrasim.render.i18n import available_languages

    languages = available_languages()
    if value not in languages:
        raise click.BadParameter(f"{value!r} is not one of {', '.join(map(repr, languages))}.")
    return value


LANG = click.option(
    "--lang",
    default="en",
    show_default=True,
    callback=_check_lang,
    metavar="LANG",
    help=N_(
        "Language of the report, workbook, charts and terminal output: a catalogue's code "
        "(available: {languages})."
    ),
)


PRECISION = click.option(
    "--precision",
    metavar="DAYS",
    type=_FloatRange(min=0, min_open=True),
    help=N_(
        "With no replication count (option or file): run blocks of 1,000 until the "
        "programme's P80 is known within this many days either way (default: the larger of 1 day "
        "and 1 %% of the time from the start to the P80), up to 100,000 replications."
    ),
)


def _execution(workers: int | None, scheduler: str | None) -> dict[str, Any]:
    """Where the replications run, as the library's options (``workers``, ``scheduler``);
    both at once is a usage error."""
    if workers is not None and scheduler is not None:
        raise click.UsageError(
            translated(
                N_(
                    "--workers sets local processes; with --scheduler the cluster's workers run "
                    "the replications (size the cluster with %(command)s instead)",
                    command="dask worker --nworkers",
                ),
                gettext.gettext,  # in --lang's language (render.click_texts)
            )
        )
    return {"workers": workers, "scheduler": scheduler}


class _Progress:
    """A click progress bar on stderr when it is a terminal, one per Monte Carlo run (each
    finished when the next starts or the command ends); nothing when piped.

    Use as a context manager; the object it gives is an ``api.ProgressFactory``."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __enter__(self) -> Callable[[], Callable[[int, int], None] | None]:
        return self.callback

    def callback(self) -> Callable[[int, int], None] | None:
        if not sys.stderr.isatty():
            return None
        self._finish()

        def update(done: int, total: int) -> None:
            if self.bar is None:
                self.bar = click.progressbar(length=total, file=sys.stderr)
            self.bar.length = total  # the cap while a precision target decides when to stop
            self.bar.update(done - self.bar.pos)

        return update

    def _finish(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()
            self.bar = None

    def __exit__(self, *exc: object) -> None:
        self._finish()


def _files(command: str) -> Words:
    """The --help section naming the files ``command`` writes (render/outputs.py)."""
    heading = N_("Files written in the results folder:")
    return lambda gettext: outputs.files_help(outputs.WRITES[command], heading, gettext)


def _serve_files(gettext: Callable[[str], str]) -> str:
    """The --help section naming the files ``serve`` writes."""
    what = N_(
        "Files written: a saved variant next to SCENARIO, as <stem>.variant-N.yaml (or "
        "<stem>.<name>.yaml); a board pack in results/<stem>-serve/pack-N/, with every file "
        "`migrasim run` writes:"
    )
    return translated(what, gettext) + "\n\n\b\n" + "\n".join(f"  {o.name}" for o in outputs.RUN)


@cli.command(
    help=_about(
        N_(
            "Simulate SCENARIO: completion dates, the chance of making go-live, the "
            "bottleneck."
            "\n\nWrites the report, the workbook, CSV tables and charts into the results folder "
            "(listed below)."
        ),
        N_("Example:"),
        "migrasim run scenarios/health_boards.yaml",
        "migrasim run scenarios/health_boards.yaml --replications 4000 --seed 7",
    ),
    epilog=_files("run"),
)
@SCENARIO
@click.option(
    "--out",
    type=_Path(file_okay=False, path_type=Path),
    help=N_("Results folder (default: results/<scenario file stem>/)."),
)
@click.option("--force", is_flag=True, help=N_("Replace an existing non-empty results folder."))
@SET
@click.option(
    "--replications",
    "-n",
    type=_IntRange(min=1),
    help=N_(
        "Monte Carlo replications (default: the file's 'replications', else as many as "
        "--precision needs when any input is uncertain, else none)."
    ),
)
@SEED
@WORKERS
@SCHEDULER
@PRECISION
@LANG
@_guarded
def run(
    scenario: Path,
    out: Path | None,
    force: bool,
    overrides: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    lang: str,
    precision: float | None,
) -> None:
    from migrasim import api

    execution = _execution(workers, scheduler)  # refuse --workers with --scheduler first
    with _Progress() as progress:
        run = api.run(scenario, overrides=overrides, replications=replications, seed=seed,
                      lang=lang, progress=progress, precision=precision, **execution)  # fmt: skip
        run.write(out, force)
    result = run.output
    from migrasim.render.headlines import advice_text
    from migrasim.render.i18n import translator
    from migrasim.render.terminal import run_lines, shared_lines, term

    t = translator(lang)
    report = result.report
    for line in run_lines(report, t):
        _echo(line)
    if report.fix is not None and result.headline_late:
        # worded as what it is (at the most likely inputs, or the fix when nothing is
        # uncertain); "What would fix it" heads the capacity for each chance (run_lines)
        text = advice_text(report.fix, t)
        exact = not report.fix.uncertain and report.capacity is None
        _echo(term(t, "fix", fix=text) if exact else text)
    if report.precision_half_width_days is not None:
        reached = report.precision_half_width_days
        goal = report.precision_goal_days
        state = "precision_capped" if report.precision_capped else "precision_reached"
        _echo(term(t, state, n=f"{report.replications:,}", reached=f"{reached:.1f}",
                        goal=f"{goal:.1f}"))  # fmt: skip
    if result.wide_intervals:
        more = 4 * (report.replications or 1)
        _echo(term(t, "wide", k=len(result.wide_intervals),
                        example=result.wide_intervals[0], more=more))  # fmt: skip
    for line in shared_lines(result.shared, t):
        _echo(line)
    _echo(term(t, "written", folder=result.out))


@cli.command(
    help=_about(
        N_(
            "Compare scenarios (or variants of one) on common random numbers."
            "\n\nEvery scenario runs with the same seed, so each uncertain input gets the same "
            "draws in each; differences from the first scenario come with paired 95%% "
            "intervals. The files it writes are listed below."
        ),
        N_("Examples:"),
        "migrasim compare scenarios/health_boards.yaml scenarios/hardwired.yaml",
        'migrasim compare scenarios/health_boards.yaml --variant "links.capped.daily_cap=5 GB"',
    ),
    epilog=_files("compare"),
)
@click.argument("scenarios", nargs=-1, required=True, type=_Path(dir_okay=False, path_type=Path))
@SET
@click.option(
    "--variant",
    "variants",
    multiple=True,
    metavar="KEY=VALUE[;KEY=VALUE]",
    help=N_("A variant of the first scenario with these changes (repeatable); compared with it."),
)
@click.option("--replications", "-n", type=_IntRange(min=1), help=N_("Replications each."))
@click.option("--seed", type=_IntRange(min=0), help=N_("Random seed (default: the first file's)."))
@WORKERS
@SCHEDULER
@click.option(
    "--out",
    type=_Path(file_okay=False, path_type=Path),
    help=(
        N_(
            "Results folder (default: results/compare-<first>-vs-<others>/, from the files' stems "
            "and the number of variants, e.g. compare-a-vs-b-c or compare-a-vs-2-variants; with "
            "many scenarios compare-<first>-vs-<second>-and-<k>-more-<hash>)."
        )
    ),
)
@click.option("--force", is_flag=True, help=N_("Replace an existing non-empty results folder."))
@click.option(
    "--by-organisation",
    is_flag=True,
    help=N_("Also print the comparison organisation by organisation (as in compare.csv)."),
)
@PRECISION
@LANG
@_guarded
def compare(
    scenarios: tuple[Path, ...],
    overrides: tuple[str, ...],
    variants: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    out: Path | None,
    force: bool,
    by_organisation: bool,
    lang: str,
    precision: float | None,
) -> None:
    from migrasim import api

    if len(scenarios) + len(variants) < 2:
        needed = N_("give two or more scenarios, or one with --variant")
        raise click.UsageError(translated(needed, _gettext(lang)))
    execution = _execution(workers, scheduler)
    with _Progress() as progress:
        compared = api.compare(
            scenarios, variants=variants, overrides=overrides, replications=replications,
            seed=seed, lang=lang, progress=progress, precision=precision, **execution,
        )  # fmt: skip
        compared.write(out, force)
    result = compared.output
    from migrasim.render.i18n import translator
    from migrasim.render.terminal import comparison_lines, side_by_side_lines, term

    t = translator(lang)
    _echo(term(t, "comparing", n=len(result.labels), replications=result.replications,
                    seed=result.seed))  # fmt: skip
    # First the scenarios side by side; the organisation-by-organisation table on request.
    for line in side_by_side_lines(result.side_by_side, t):
        _echo(line)
    if by_organisation:
        _echo("")
        for line in comparison_lines(result.rows, result.labels, result.go_live is not None, t):
            _echo(line)
    else:
        _echo(term(t, "by_organisation_hint"))
    _echo(term(t, "written", folder=result.out))


@cli.command(
    help=_about(
        N_(
            "Run every combination of a grid: P80 and the chance of go-live at each point."
            "\n\nEach point is saved as soon as it finishes (points/NNNN.json), so an "
            "interrupted sweep carries on with --resume and produces the same sweep.csv. "
            "The report shows the unchanged scenario's results with the sweep's answer; the "
            "files are listed below."
            "\n\nEach point is judged by its own scenario: its P80 before its own go-live (a "
            "swept or --set go_live, start, ...), or --target with go_live as the point's "
            "own. sweep.csv gives each point's point_go_live, point_target and meets_target "
            "(yes/no); the answer counts them."
        ),
        N_("Example:"),
        'migrasim sweep scenarios/health_boards.yaml --grid links.capped.daily_cap="1 GB,2 GB,5 GB"',  # noqa: E501
    ),
    epilog=_files("sweep"),
)
@SCENARIO
@SET
@click.option(
    "--grid",
    "grids",
    multiple=True,
    required=True,
    metavar="KEY=V1,V2,...",
    help=N_("Values to try for a key (repeat for more keys: every combination is run)."),
)
@click.option("--replications", "-n", type=_IntRange(min=1), help=N_("Replications per point."))
@SEED
@WORKERS
@SCHEDULER
@click.option(
    "--out",
    type=_Path(file_okay=False, path_type=Path),
    help=N_("Results folder (default: results/<stem>-sweep/)."),
)
@click.option("--resume", is_flag=True, help=N_("Carry on an interrupted sweep in --out."))
@click.option(
    "--target",
    metavar="TARGET",
    help=N_(
        "What each point must meet, go_live being the point's own (default 'P80 < go_live'), "
        "e.g. 'P95 < go_live' or 'prob_by_go_live >= 0.9'."
    ),
)
@PRECISION
@LANG
@click.option("--force", is_flag=True, help=N_("Start again, replacing an existing folder."))
@_guarded
def sweep(
    scenario: Path,
    overrides: tuple[str, ...],
    grids: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    out: Path | None,
    resume: bool,
    target: str | None,
    lang: str,
    precision: float | None,
    force: bool,
) -> None:
    from migrasim import api
    from migrasim.analysis.sweep import sweep_point
    from migrasim.render.board import what_if_text
    from migrasim.render.headlines import advice_text
    from migrasim.render.i18n import translator
    from migrasim.render.terminal import term

    t = translator(lang)

    def started(points: int, seed: int, keys: list[str]) -> None:
        _echo(term(t, "sweep_start", points=points, seed=seed, keys=", ".join(keys)))
        what_if = what_if_text(overrides, t)  # every point runs with the --set changes
        if what_if is not None:
            _echo(what_if)

    def point(
        index: int, total: int, values: dict[str, str], record: dict[str, Any], earlier: bool
    ) -> None:
        typed = sweep_point(values, record)
        chance = (
            "" if typed.chance is None else term(t, "sweep_chance", chance=t.percent(typed.chance))
        )
        p80 = term(t, "never_short") if typed.p80 is None else typed.p80.isoformat()
        where = ", ".join(f"{k}={v}" for k, v in values.items())
        state = term(t, "saved_earlier" if earlier else "done")
        _echo(term(t, "sweep_point", index=index + 1, total=total, where=where, p80=p80,
                        chance=chance, state=state))  # fmt: skip

    execution = _execution(workers, scheduler)
    swept = api.sweep(
        scenario, grids, overrides=overrides, target=target, replications=replications,
        seed=seed, lang=lang, precision=precision, events=api.SweepEvents(started, point),
        **execution,
    )  # fmt: skip
    swept.write(out, force, resume=resume)
    result = swept.output
    if not result.charted:
        _echo(term(t, "no_sweep_chart"))
    if result.advice is not None:  # the report's headline answer, counted as sweep.csv's
        _echo(advice_text(result.advice, t))
    _echo(term(t, "written", folder=result.out))


@cli.command(
    help=_about(
        N_(
            "Find the smallest value of a key (or latest start) that meets a target."
            "\n\nBisection over the range with common random numbers, after checking the target "
            "is monotone across it. The report shows the unchanged scenario's results with "
            "the answer and every value tried; the files are listed below."
        ),
        N_("Examples:"),
        "migrasim solve scenarios/health_boards.yaml --vary links.capped.daily_cap \\",
        '    --between "1 GB" "20 GB" --target "P80 < go_live"',
        "migrasim solve scenarios/hardwired.yaml --vary start --between 2025-06-02 2025-12-01",
    ),
    epilog=_files("solve"),
)
@SCENARIO
@SET
@click.option(
    "--vary", "key", required=True, help=N_("Key to change, e.g. links.capped.daily_cap or start.")
)
@click.option(
    "--between",
    nargs=2,
    required=True,
    metavar="LOW HIGH",
    help=N_("Range to search, as you would write the value, e.g. '1 GB' '20 GB' or two dates."),
)
@click.option(
    "--target",
    "target",
    default="P80 < go_live",
    show_default=True,
    help=N_("What must hold: 'P50|P80|P95 <|<= DATE|go_live' or 'prob_by_go_live >= 0.9'."),
)
@click.option("--flow", default="ALL", show_default=True, help=N_("Flow the target applies to."))
@click.option("--replications", "-n", type=_IntRange(min=1), help=N_("Replications per point."))
@SEED
@WORKERS
@SCHEDULER
@click.option(
    "--out",
    type=_Path(file_okay=False, path_type=Path),
    help=N_("Results folder (default: results/<stem>-solve/)."),
)
@click.option("--force", is_flag=True, help=N_("Replace an existing non-empty results folder."))
@PRECISION
@LANG
@_guarded
def solve(
    scenario: Path,
    overrides: tuple[str, ...],
    key: str,
    between: tuple[str, str],
    target: str,
    flow: str,
    replications: int | None,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    precision: float | None,
    out: Path | None,
    force: bool,
    lang: str,
) -> None:
    from migrasim import api
    from migrasim.render.i18n import fill, translator
    from migrasim.render.messages import TERMINAL
    from migrasim.render.terminal import term

    t = translator(lang)

    def say(name: str, **values: object) -> str:  # a terminal message with a %(key)s
        return fill(t, TERMINAL[name], **values)

    def chance(prob: float | None, key: str) -> str:
        return "" if prob is None else term(t, key, chance=f"{prob:.2f}")

    def p80(day: object) -> str:
        return term(t, "never_short") if day is None else str(day)

    def show(point: Any) -> None:
        _echo(say("solve_point", key=key, value=point.text, p80=p80(point.stats.p80),
                       chance=chance(point.stats.prob, "solve_chance"),
                       state=term(t, "met" if point.met else "not_met")))  # fmt: skip

    execution = _execution(workers, scheduler)
    _echo(say("solving", target=repr(target), flow=flow, key=key, low=between[0],
                   high=between[1]))  # fmt: skip
    solved = api.solve(
        scenario, key, between, target=target, flow=flow, overrides=overrides,
        replications=replications, seed=seed, lang=lang, precision=precision, on_point=show,
        **execution,
    )  # fmt: skip
    folder = solved.write(out, force)
    solution = solved.solution
    note = translated(solution.note, t.gettext)
    if solution.value is None:
        _echo(term(t, "not_achievable", note=note))
    else:
        stats = solution.value.stats
        found = "solve_largest" if solution.direction == "largest" else "solve_smallest"
        _echo(say(found, key=key, target=repr(target), value=solution.value.text,
                       p80=p80(stats.p80), chance=chance(stats.prob, "solve_chance_by_go_live"),
                       n=solution.replications, seed=solution.seed))  # fmt: skip
        if solution.note:
            _echo(term(t, "note", note=note))
    _echo(term(t, "written", folder=folder))
    if solution.value is None:
        sys.exit(1)


@cli.command(
    help=_about(
        N_(
            "Re-forecast SCENARIO from the transfer log ACTUALS while the migration runs."
            "\n\nUp to the as-of date the log is fact; the rest is simulated with each volume "
            "conditioned on what has crossed and each link's throughput calibrated from the "
            "log. The files it writes are listed below."
        ),
        N_("Example:"),
        "migrasim track scenarios/health_boards.yaml --actuals scenarios/actuals_example.csv",
    ),
    epilog=_files("track"),
)
@SCENARIO
@click.option(
    "--actuals",
    required=True,
    type=_Path(path_type=Path, dir_okay=False),
    help=N_(
        "Transfer log (.csv or .xlsx): date, flow, bytes [, records, rejected_bytes, complete]."
    ),
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help=N_("Forecast from this date (default: the day after the log's last date)."),
)
@click.option(
    "--month-first",
    is_flag=True,
    help=N_("Read the log's dates 01/02/2025 as month first (2 January); default day first."),
)
@click.option(
    "--out",
    type=_Path(path_type=Path, file_okay=False),
    help=N_("Results folder (default: results/<scenario>-track)."),
)
@click.option("--force", is_flag=True, help=N_("Replace an existing non-empty results folder."))
@click.option(
    "--history",
    type=_Path(path_type=Path, dir_okay=False),
    help=N_(
        "Forecast history (.csv) to append this forecast to; the report then shows the P80 "
        "trend and what moved it since the previous forecast."
    ),
)
@SET
@click.option("--replications", "-n", type=_IntRange(min=1), help=N_("Monte Carlo replications."))
@SEED
@WORKERS
@SCHEDULER
@LANG
@_guarded
def track(
    scenario: Path,
    actuals: Path,
    as_of: Any,
    month_first: bool,
    out: Path | None,
    force: bool,
    history: Path | None,
    overrides: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    lang: str,
) -> None:
    from migrasim import api
    from migrasim.render.history_report import history_lines
    from migrasim.render.i18n import translator
    from migrasim.render.terminal import term, track_lines

    t = translator(lang)
    execution = _execution(workers, scheduler)
    day = None if as_of is None else as_of.date()
    with _Progress() as progress:
        tracked = api.track(
            scenario, actuals, as_of=day, month_first=month_first, history=history,
            overrides=overrides, replications=replications, seed=seed, lang=lang,
            progress=progress, **execution,
        )  # fmt: skip
        tracked.write(out, force)
    result = tracked.output
    for warning in result.warnings:
        _echo(term(t, "warning", warning=translated(warning, t.gettext)), err=True)
    forecast = result.forecast
    _echo(term(t, "track_header", name=forecast.scenario_name, date=result.as_of,
                    n=forecast.replications, seed=forecast.seed))  # fmt: skip
    for line in track_lines(result.progress, result.slip, forecast, result.advice, t):
        _echo(line)
    if result.history is not None:
        _echo(history_lines(result.history, t))
    _echo(term(t, "written", folder=result.out))


@cli.command(
    help=_about(
        N_(
            "Start a local what-if page for SCENARIO: move a lever, see the answer."
            "\n\nThe page shows the baseline beside the what-if (same seed, so the difference "
            "is the lever's effect), saves a variant next to the scenario and makes a board "
            "pack (report.html, summary.xlsx) as `migrasim run --set ...` would. Its API: "
            "GET /api/scenario, POST /api/evaluate."
        ),
        N_("Example:"),
        "migrasim serve scenarios/health_boards.yaml",
        "migrasim serve scenarios/health_boards.yaml --lang cy --port 8800",
    ),
    epilog=_serve_files,
)
@SCENARIO
@click.option("--port", type=_IntRange(0, 65535), default=8765, show_default=True,
              help=N_("Port to listen on."))  # fmt: skip
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help=N_(
        "Address to bind. Anything but this machine (127.0.0.1, localhost, ::1) prints a "
        "one-time access token that every request must carry."
    ),
)
@click.option(
    "--replications",
    "-n",
    type=_IntRange(min=1),
    help=N_(
        "Replications per answer (default: the file's, else 1000 when any input is uncertain)."
    ),
)
@SEED
@click.option(
    "--lang",
    default="en",
    show_default=True,
    callback=_check_lang,
    metavar="LANG",
    help=N_(
        "Language of the page and its board packs: a catalogue's code (available: {languages})."
    ),
)
@click.option(
    "--time-limit",
    type=_FloatRange(min=1),
    default=300,
    show_default=True,
    help=N_(
        "Seconds one evaluation or board pack may take; past it the request answers 503 "
        "(try fewer replications) and the server carries on."
    ),
)
@_guarded
def serve(
    scenario: Path,
    port: int,
    host: str,
    replications: int | None,
    seed: int | None,
    lang: str,
    time_limit: float,
) -> None:
    import secrets

    gc.set_threshold(*_DEFAULT_COLLECTOR)  # a long-running server keeps the defaults

    from migrasim.serve.evaluator import Evaluator
    from migrasim.serve.session import Session
    from migrasim.serve.web import create_app, needs_token, serve_forever

    session = Session(scenario, replications, seed)
    # Started here, in the main thread, before any request thread exists (never forked from one).
    session.evaluator = Evaluator(time_limit)
    token = secrets.token_urlsafe(24) if needs_token(host) else None
    local = not needs_token(host)
    web = create_app(
        session, lang, token, hosts=["127.0.0.1", "localhost", "::1", "[::1]"] if local else None
    )
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    from migrasim.render.i18n import translator
    from migrasim.render.terminal import term

    t = translator(lang)
    if token is not None:
        _echo(term(t, "access_token", token=token))
        url += f"?token={token}"
    _echo(term(t, "serving", file=scenario, url=url))
    try:
        serve_forever(web, host, port)
    finally:
        session.evaluator.close()


@cli.command(
    help=_about(
        N_(
            "Choose the cheapest set of the scenario's options that makes go-live, and "
            "their order."
            "\n\nThe options are the scenario's 'options:' (docs/scenario-format.md, "
            '"Options"): changes such as hard-wiring an organisation or raising a cap, each '
            "with a cost and, where a crew installs them, a limit per period. Every option "
            "is judged on the same simulated draws."
        ),
        N_("Example:"),
        "migrasim plan scenarios/health_boards_options.yaml",
        "migrasim plan scenarios/health_boards_options.yaml --budget 500000",
    ),
    epilog=_files("plan"),
)
@SCENARIO
@click.option(
    "--chance",
    type=_FloatRange(0, 1, min_open=True),
    help=N_("Chance each organisation must make its own go-live with (default 0.8)."),
)
@click.option(
    "--target",
    help=N_(
        "The same as a target: 'P80 < go_live' (0.8), 'P95 < go_live', 'prob_by_go_live >= 0.9'."
    ),
)
@click.option(
    "--budget",
    type=_FloatRange(min=0),
    help=N_("Spend at most this: the plan then puts the most organisations in time."),
)
@click.option(
    "--joint",
    is_flag=True,
    help=N_("Ask for the chance that every organisation makes its go-live together, not each."),
)
@click.option(
    "--out",
    type=_Path(file_okay=False, path_type=Path),
    help=N_("Results folder (default: results/<scenario file stem>-plan/)."),
)
@click.option("--force", is_flag=True, help=N_("Replace an existing non-empty results folder."))
@SET
@click.option(
    "--replications",
    "-n",
    type=_IntRange(min=1),
    help=N_(
        "Replications every option is judged on (default: the file's, else 1000 when "
        "anything, or any option, is uncertain, else 1)."
    ),
)
@SEED
@WORKERS
@SCHEDULER
@LANG
@_guarded
def plan(
    scenario: Path,
    chance: float | None,
    target: str | None,
    budget: float | None,
    joint: bool,
    out: Path | None,
    force: bool,
    overrides: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    lang: str,
) -> None:
    from migrasim import api
    from migrasim.render.i18n import translator
    from migrasim.render.plan import plan_lines
    from migrasim.render.terminal import term

    execution = _execution(workers, scheduler)
    planned = api.plan(
        scenario, chance=chance, target=target, budget=budget, joint=joint,
        overrides=overrides, replications=replications, seed=seed, lang=lang, **execution,
    )  # fmt: skip
    planned.write(out, force)
    result = planned.output
    t = translator(lang)
    for line in plan_lines(result.outcome, result.name, t):
        _echo(line)
    _echo(term(t, "written", folder=result.out))


@cli.command(
    help=N_("Check SCENARIO without simulating; print every problem found (in --lang)."),
    epilog=N_("Writes no files."),
)
@SCENARIO
@SET
@LANG
@_guarded
def validate(scenario: Path, overrides: tuple[str, ...], lang: str) -> None:
    from migrasim.render.i18n import nfill, translator
    from migrasim.render.messages import TERMINAL_COUNTS
    from migrasim.render.terminal import term
    from migrasim.scenario.loader import load_scenario

    _load_kinds()
    spec = load_scenario(scenario, overrides)
    t = translator(lang)
    flows = nfill(t, TERMINAL_COUNTS["flows"], len(spec.flows))
    links = nfill(t, TERMINAL_COUNTS["links"], len(spec.links))
    _echo(term(t, "valid", file=scenario, flows=flows, links=links))


def _load_kinds() -> None:
    """Register every uncertain input kind (``migrasim/analysis/uncertain_inputs/``), so that a
    command that reads a scenario without the engine knows their scenario keys."""
    from migrasim.analysis import uncertain  # noqa: F401 - registers them when imported


@cli.command(
    help=N_("Print the JSON Schema of the scenario format (for editor autocompletion)."),
    epilog=N_("Writes only the --out FILE, if given."),
)
@click.option(
    "--out",
    type=_Path(dir_okay=False, path_type=Path),
    help=N_("Write the schema to this file (JSON), not stdout."),
)
@click.option("--force", is_flag=True, help=N_("Replace an existing file given by --out."))
@_guarded
def schema(out: Path | None, force: bool) -> None:
    from migrasim.folder import write_file
    from migrasim.scenario.types import scenario_json_schema

    _load_kinds()
    text = json.dumps(scenario_json_schema(), indent=2) + "\n"
    if out is None:
        _echo(text, nl=False)
    else:
        written = write_file(out, text, force)
        _echo(f"Schema written to {written}")


class _Output:
    """Standard output that never fails the command: a write to a full disk or a closed pipe
    is remembered (and later writes dropped) so the command still finishes its results, and
    :func:`main` then reports it (a full disk or another error: exit 2; a reader that stopped
    reading, as ``| head`` does: exit as the command did)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.error: OSError | None = None

    def write(self, text: str) -> int:
        if self.error is None:
            try:
                return int(self._stream.write(text))
            except OSError as exc:
                self.error = exc
        return len(text)

    def flush(self) -> None:
        if self.error is None:
            try:
                self._stream.flush()
            except OSError as exc:
                self.error = exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


_DEFAULT_COLLECTOR = gc.get_threshold()
_COMMAND_COLLECTOR = (50_000, 20, 100)
"""The young-generation threshold while a command runs (docs/design.md, "Speed without
tricks"): a command allocates millions of small objects that live until it ends, and at the
default (700) a 10,000-flow run spends 5.6 s of CPU collecting them for next to nothing (1.0 s
so); ``serve`` puts the defaults back for its long run."""


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    output = _Output(sys.stdout) if sys.stdout is not None else None
    if output is not None:
        sys.stdout = output
    if sys.stderr is not None:
        sys.stderr = _Output(sys.stderr)  # a closed or full stderr loses the messages, no more
    gc.set_threshold(*_COMMAND_COLLECTOR)
    try:
        cli()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    finally:
        gc.set_threshold(*_DEFAULT_COLLECTOR)
    if isinstance(code, str):
        if sys.stderr is not None:
            print(code, file=sys.stderr)
        code = 1
    if output is not None:
        output.flush()
        if output.error is not None and output.error.errno != errno.EPIPE and not code:
            if sys.stderr is not None:
                print(f"Error: cannot write to standard output ({output.error.strerror}); "
                      "any results folder was written in full", file=sys.stderr)  # fmt: skip
            code = 2
    # The other speed trick kept (docs/design.md, "Speed without tricks"): every result
    # is written and every worker process ended by now, so the interpreter's final garbage
    # collections, which walk the 100,000 objects the imports made only to find nothing to
    # free (about 0.3 s of run's 2), are skipped; atexit handlers and finalisers still run.
    gc.freeze()
    sys.exit(0 if code is None else int(code))


if __name__ == "__main__":
    main()
