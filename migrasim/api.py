"""The library API: each command as a function that returns its results in memory.

``migrasim.run(scenario, **options)`` (and ``compare``, ``sweep``, ``solve``, ``track``,
``plan``) takes what the command line takes and returns a result object with the command's
tables as pandas DataFrames, its charts as PNG bytes by file name, its warnings, and
``.write(folder, force=False)``, which writes exactly the results folder the command writes.
The command line and the what-if server call these functions and nothing else (as
sqlite-utils' CLI calls its Python API).

How a result is made: every function checks its options and the scenario at once (the same
:class:`~migrasim.errors.MigrasimError` subclasses the command line reports with exit 2) and
returns a result that runs the command's pipeline (:mod:`migrasim.pipelines`) once, when first
needed (each command imports its own pipeline module then, so ``migrasim run`` loads nothing
another command needs before it forks its chart helper):

- ``result.write(folder)`` before anything was read from it runs the pipeline straight into
  ``folder`` (it fails fast on a folder it may not replace, before simulating, and overlaps
  chart making with the board's questions as ``migrasim run`` does: the command line's path);
- reading a table, a chart or the records first runs the pipeline into a private temporary
  folder and keeps its files in memory; a later ``write`` writes those bytes, atomically,
  through :func:`migrasim.folder.write_files` with the same refusal rules.

Either way the files are the pipeline's own, so a result's tables are the CSV files' values and
``write`` gives the folder ``migrasim run`` gives for the same scenario, options and seed.

``scenario`` is a path (``str`` or :class:`~pathlib.Path`) or a :class:`Scenario` returned by
:func:`migrasim.load_scenario` (which remembers its file and overrides; the result is that
file's, so the report quotes it). ``overrides`` are ``--set`` changes: ``["key=value", ...]``
or ``{"key": "value"}``.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from migrasim.errors import N_, MigrasimError, Problem, ScenarioError
from migrasim.folder import MARKER, write_files, written_files
from migrasim.pipelines.common import (
    Options,
    ProgressFactory,
    SweepEvents,
    default_out,
    default_seed,
)

if TYPE_CHECKING:
    import pandas as pd

    from migrasim.analysis.records import RunReport
    from migrasim.analysis.runner import Execution, Precision
    from migrasim.analysis.solve import Point, Solution
    from migrasim.pipelines import compare as compare_pipeline
    from migrasim.pipelines import plan as plan_pipeline
    from migrasim.pipelines import run as run_pipeline
    from migrasim.pipelines import sweep as sweep_pipeline
    from migrasim.pipelines import track as track_pipeline
    from migrasim.scenario.types import Scenario

__all__ = [
    "CompareResult",
    "PlanResult",
    "Png",
    "RunResult",
    "SolveResult",
    "SweepEvents",
    "SweepResult",
    "TrackResult",
    "compare",
    "default_seed",
    "evaluate",
    "plan",
    "run",
    "solve",
    "sweep",
    "track",
]

Overrides = Sequence[str] | Mapping[str, object]


class Png(bytes):
    """A chart's PNG file as bytes; a notebook shows it as the image (``_repr_png_``)."""

    def _repr_png_(self) -> bytes:
        return bytes(self)


# --- options, checked as the command line checks them -------------------------------------------


def _option_error(option: str, value: object, expected: str) -> ScenarioError:
    return ScenarioError([Problem(option, N_("%(value)s is not allowed", value=repr(value)),
                                  expected)])  # fmt: skip


def _whole(option: str, value: object, least: int) -> int | None:
    """``value`` if it is None or a whole number of at least ``least``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral) or value < least:
        raise _option_error(option, value, N_("give a whole number of %(least)s or more",
                                              least=least))  # fmt: skip
    return int(value)  # numpy's integers too


def _overrides(overrides: Overrides | None) -> tuple[str, ...]:
    """``--set`` changes as the strings the command line receives: a list of ``key=value``
    or a mapping of key to value (in its order)."""
    if overrides is None:
        return ()
    if isinstance(overrides, Mapping):
        return tuple(f"{key}={value}" for key, value in overrides.items())
    if isinstance(overrides, str | bytes) or not all(isinstance(o, str) for o in overrides):
        raise _option_error("overrides", overrides, N_(
            "give a list of KEY=VALUE changes, as --set takes them, or a mapping of key to "
            "value"))  # fmt: skip
    return tuple(overrides)


def _source(scenario: object, overrides: tuple[str, ...]) -> tuple[Path, tuple[str, ...]]:
    """The scenario file and the overrides to run it with: ``scenario`` itself (a path), or the
    file and overrides a loaded :class:`Scenario` was read from, followed by ``overrides``."""
    from migrasim.scenario.loader import load_scenario, source_of
    from migrasim.scenario.types import Scenario

    if isinstance(scenario, str | Path):
        return Path(scenario), overrides
    if isinstance(scenario, Scenario):
        source = source_of(scenario)
        # a copy made with changes (model_copy) keeps its original's source: not that file
        if source is not None and load_scenario(*source) == scenario:
            return source[0], (*source[1], *overrides)
        raise _option_error("scenario", scenario.name, N_(
            "give the scenario's file, or a scenario as migrasim.load_scenario returns it "
            "(unchanged since; give changes as overrides)"))  # fmt: skip
    raise _option_error("scenario", scenario, N_(
        "give the path of a scenario file (.yaml) or a loaded scenario"))  # fmt: skip


def _execution(workers: object, scheduler: object) -> Execution:
    from migrasim.analysis.runner import Execution, check_address

    count = _whole("workers", workers, 1)
    if scheduler is not None:
        if not isinstance(scheduler, str):
            raise _option_error("scheduler", scheduler, N_(
                "give the Dask scheduler's address, tcp://HOST:PORT"))  # fmt: skip
        if workers is not None:
            raise _option_error("workers", workers, N_(
                "with a scheduler the cluster's workers run the replications: give one or "
                "the other"))  # fmt: skip
        check_address(scheduler)
    return Execution(count, scheduler)


def _precision(days: object) -> Precision | None:
    from migrasim.analysis.runner import Precision

    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int | float) or not days > 0:
        raise _option_error("precision", days, N_("give a number of days above 0"))
    return Precision(days=float(days))


def _lang(lang: object) -> str:
    from migrasim.render.i18n import translator

    if not isinstance(lang, str):
        raise _option_error("lang", lang, N_("give a language code, e.g. en or cy"))
    translator(lang)  # an unknown language: UnknownLanguageError, before anything runs
    return lang


def _options(
    replications: object,
    seed: object,
    lang: object,
    workers: object,
    scheduler: object,
    precision: object = None,
    progress: ProgressFactory | None = None,
) -> Options:
    """The options every simulating command takes, checked once, in this order, as the
    record its pipeline is given."""
    return Options(
        replications=_whole("replications", replications, 1),
        seed=_whole("seed", seed, 0),
        lang=_lang(lang),
        execution=_execution(workers, scheduler),
        precision=_precision(precision),
        progress=progress,
    )


# --- results -------------------------------------------------------------------------------------

Output = TypeVar("Output")


def _read_folder(folder: Path) -> dict[str, bytes]:
    """The files migrasim wrote in ``folder`` (its marker's list), by name."""
    names = written_files(folder) or set()
    return {name: (folder / name).read_bytes() for name in sorted(names) if name != MARKER}


class Result(Generic[Output]):
    """A command's result: its pipeline runs once, into the folder ``write`` is given first
    or, when something is read before, into a private temporary folder (module docstring)."""

    def __init__(
        self,
        pipeline: Callable[[Path | None, bool], Output],
        command: str,
        paths: Sequence[Path],
        protect: Sequence[Path],
        variants: int = 0,
    ) -> None:
        self._pipeline = pipeline
        self._command = command
        self._paths = tuple(paths)
        self._protect = tuple(protect)
        self._variants = variants
        self._output: Output | None = None
        self._files: dict[str, bytes] | None = None
        self._written: Path | None = None  # where the pipeline wrote, not yet read back

    @property
    def output(self) -> Output:
        """The pipeline's typed output (``RunOutput``, ``CompareOutput``, ...)."""
        if self._output is None:
            with tempfile.TemporaryDirectory(prefix="migrasim-") as temporary:
                folder = Path(temporary) / "results"
                self._output = self._pipeline(folder, False)
                self._files = _read_folder(folder)
        return self._output

    @property
    def files(self) -> dict[str, bytes]:
        """Every file of the results folder (but its marker), by name, as bytes."""
        if self._output is None:
            self.output  # noqa: B018 - makes the files
        if self._files is None:  # written by the pipeline: read back from its folder
            assert self._written is not None
            self._files = _read_folder(self._written)
        return dict(self._files)

    def write(self, folder: str | Path | None = None, force: bool = False) -> Path:
        """Write the results folder the command writes into ``folder`` (default: the command's,
        e.g. ``results/<stem>``), atomically; an existing folder with results is replaced only
        with ``force``, and never one that holds files migrasim did not write or the scenario
        (:class:`~migrasim.errors.ResultsExistError`). Returns the folder written."""
        target = None if folder is None else Path(folder)
        if self._output is None:  # nothing made yet: the pipeline writes the folder itself
            self._output = self._pipeline(target, force)
            self._written = self._folder_of(self._output)
            return self._written
        if target is None:
            target = self._default()
        write_files(target, self.files, force=force, protect=self._protect)
        return target  # as the pipeline says it (a link to a folder: the link)

    def _folder_of(self, output: Output) -> Path:
        """The folder the pipeline wrote (its output's ``out``)."""
        return Path(output.out)  # type: ignore[attr-defined]

    def _default(self) -> Path:
        return default_out(self._command, self._paths, self._variants)

    def csv(self, name: str) -> pd.DataFrame | None:
        """The CSV file ``name`` as a DataFrame (None if the command did not write it): its
        cells as the file holds them, an empty cell missing (NaN), any other text kept."""
        import pandas as pd

        data = self.files.get(name)
        if data is None:
            return None
        return pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""])

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every CSV file of the folder as a DataFrame, by file name."""
        return {name: self.csv(name) for name in self.files if name.endswith(".csv")}  # type: ignore[misc]

    @property
    def figures(self) -> dict[str, Png]:
        """The folder's charts, by file name, as PNG bytes."""
        return {name: Png(data) for name, data in self.files.items() if name.endswith(".png")}

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the command warns of, in the result's language."""
        return ()

    def __repr__(self) -> str:
        state = "made" if self._output is not None else "not run yet"
        return f"<{type(self).__name__} of {', '.join(map(str, self._paths))} ({state})>"


class RunResult(Result["run_pipeline.RunOutput"]):
    """``migrasim run``'s result."""

    lang: str = "en"

    @property
    def report(self) -> RunReport:
        """The run's records (``analysis.records.RunReport``)."""
        return self.output.report

    @property
    def summary(self) -> pd.DataFrame:
        """summary.csv: per flow and overall, P50/P80/P95, the chance by go-live, the
        bottleneck."""
        return self.csv("summary.csv")  # type: ignore[return-value]

    @property
    def completions(self) -> pd.DataFrame | None:
        """completions.csv: each flow's finish in every replication (None without any)."""
        return self.csv("completions.csv")

    @property
    def timeline(self) -> pd.DataFrame:
        """timeline.csv: the most likely run, data delivered per flow per day."""
        return self.csv("timeline.csv")  # type: ignore[return-value]

    @property
    def warnings(self) -> tuple[str, ...]:
        """As the command line warns: intervals wider than a week, a precision not reached."""
        from migrasim.render.i18n import translator
        from migrasim.render.terminal import term

        t = translator(self.lang)
        output, report = self.output, self.output.report
        found = []
        if report.precision_capped and report.precision_half_width_days is not None:
            found.append(term(t, "precision_capped", n=f"{report.replications:,}",
                              reached=f"{report.precision_half_width_days:.1f}",
                              goal=f"{report.precision_goal_days:.1f}"))  # fmt: skip
        if output.wide_intervals:
            found.append(term(t, "wide", k=len(output.wide_intervals),
                              example=output.wide_intervals[0],
                              more=4 * (report.replications or 1)))  # fmt: skip
        return tuple(found)


class CompareResult(Result["compare_pipeline.CompareOutput"]):
    """``migrasim compare``'s result."""

    @property
    def table(self) -> pd.DataFrame:
        """compare.csv: every scenario (and organisation) side by side, with differences from
        the first and paired intervals."""
        return self.csv("compare.csv")  # type: ignore[return-value]

    @property
    def side_by_side(self) -> pd.DataFrame:
        """compare.csv's programme rows: one per scenario, the first first."""
        from migrasim.analysis.records import PROGRAMME

        table = self.table
        return table[table["flow"] == PROGRAMME].reset_index(drop=True)

    @property
    def labels(self) -> list[str]:
        """Each scenario's label in compare.csv (its name; a variant's with its changes)."""
        return list(self.output.labels)


class SweepResult(Result["sweep_pipeline.SweepOutput"]):
    """``migrasim sweep``'s result."""

    _resume = False  # write(resume=True): the pipeline carries on a sweep in the folder

    @property
    def table(self) -> pd.DataFrame:
        """sweep.csv: P50/P80/P95, the chance by go-live and the verdict at each point."""
        return self.csv("sweep.csv")  # type: ignore[return-value]

    @property
    def advice(self) -> Any:
        """The sweep's answer (``analysis.sweep.SweepAdvice``; None: no point has a go-live)."""
        return self.output.advice

    def write(self, folder: str | Path | None = None, force: bool = False,
              resume: bool = False) -> Path:  # fmt: skip
        """As :meth:`Result.write`; with ``resume`` (before the sweep ran), an interrupted
        sweep in ``folder`` carries on from its saved points, as ``migrasim sweep --resume``."""
        if resume:
            if self._output is not None:
                raise _option_error("resume", resume, N_(
                    "resume applies to a sweep not run yet: write it before reading it"
                ))  # fmt: skip
            self._resume = True
        return super().write(folder, force)


class SolveResult(Result["tuple[Solution, Path]"]):
    """``migrasim solve``'s result."""

    def _folder_of(self, output: tuple[Solution, Path]) -> Path:
        return output[1]

    @property
    def solution(self) -> Solution:
        """The answer (``analysis.solve.Solution``): the value found (None: none meets the
        target), what it achieves, every value tried."""
        return self.output[0]

    @property
    def found(self) -> dict[str, Any]:
        """solve.json, read."""
        return json.loads(self.files["solve.json"])  # type: ignore[no-any-return]

    @property
    def points(self) -> pd.DataFrame:
        """Every value tried, in order (solve.json's ``evaluations``: value, met, p80,
        prob_by_go_live)."""
        import pandas as pd

        return pd.DataFrame(self.found["evaluations"])


class TrackResult(Result["track_pipeline.TrackOutput"]):
    """``migrasim track``'s result."""

    lang: str = "en"

    @property
    def summary(self) -> pd.DataFrame:
        """summary.csv: the re-forecast per flow and overall."""
        return self.csv("summary.csv")  # type: ignore[return-value]

    @property
    def progress(self) -> pd.DataFrame:
        """progress.csv: delivered, % complete, the plan's P80 beside the new one, slip."""
        return self.csv("progress.csv")  # type: ignore[return-value]

    @property
    def completions(self) -> pd.DataFrame | None:
        """completions.csv: the re-forecast's finishes in every replication (None without)."""
        return self.csv("completions.csv")

    @property
    def warnings(self) -> tuple[str, ...]:
        """The log's and the history's warnings, in the result's language."""
        from migrasim.errors import translated
        from migrasim.render.i18n import translator

        gettext = translator(self.lang).gettext
        return tuple(translated(w, gettext) for w in self.output.warnings)


class PlanResult(Result["plan_pipeline.PlanOutput"]):
    """``migrasim plan``'s result."""

    @property
    def plan(self) -> pd.DataFrame:
        """plan.csv: per organisation, the options chosen, crew slot, cost, P80, chance."""
        return self.csv("plan.csv")  # type: ignore[return-value]

    @property
    def frontier(self) -> pd.DataFrame:
        """frontier.csv: the cheapest plan for each number of organisations in time."""
        return self.csv("frontier.csv")  # type: ignore[return-value]

    @property
    def yaml(self) -> str:
        """plan.yaml: the scenario with the plan's changes, comments kept."""
        return self.files["plan.yaml"].decode("utf-8")


# --- the commands --------------------------------------------------------------------------------


def _loaded(path: Path, overrides: tuple[str, ...]) -> Scenario:
    """The scenario checked now (a bad file or override raises here, not when first read)."""
    from migrasim.scenario.loader import load_scenario

    return load_scenario(path, overrides)


def run(
    scenario: str | Path | Scenario,
    *,
    overrides: Overrides | None = None,
    replications: int | None = None,
    seed: int | None = None,
    lang: str = "en",
    workers: int | None = None,
    scheduler: str | None = None,
    precision: float | None = None,
    progress: ProgressFactory | None = None,
) -> RunResult:
    """``migrasim run``: simulate one scenario (baseline, Monte Carlo, sensitivity, the fix).

    ``replications`` (else the file's, else as many as ``precision`` days of the P80 need),
    ``seed`` (else the file's, else 0), ``lang`` of the report and charts, ``workers`` local
    processes or a Dask ``scheduler``; ``progress`` is called once per Monte Carlo run for a
    callback ``(done, total)``. The scenario is checked now; the simulation runs when the
    result is first read or written."""
    options = _options(replications, seed, lang, workers, scheduler, precision, progress)
    path, changes = _source(scenario, _overrides(overrides))
    spec = _loaded(path, changes)

    def pipeline(out: Path | None, force: bool) -> run_pipeline.RunOutput:
        from migrasim.pipelines import run as run_pipeline  # on first use (docstring)

        return run_pipeline.run(path, changes, out, force, options, spec)

    result = RunResult(pipeline, "run", [path], [path])
    result.lang = options.lang
    return result


def compare(
    scenarios: Sequence[str | Path | Scenario],
    *,
    variants: Sequence[str] = (),
    overrides: Overrides | None = None,
    replications: int | None = None,
    seed: int | None = None,
    lang: str = "en",
    workers: int | None = None,
    scheduler: str | None = None,
    precision: float | None = None,
    progress: ProgressFactory | None = None,
) -> CompareResult:
    """``migrasim compare``: the scenarios (and ``variants`` of the first, each
    ``"key=value;key=value"``) on common random numbers. Loaded scenarios must carry the same
    overrides (compare applies one set of ``overrides`` to every file)."""
    options = _options(replications, seed, lang, workers, scheduler, precision, progress)
    if isinstance(scenarios, str | Path) or not isinstance(scenarios, Sequence):
        raise _option_error("scenarios", scenarios, N_("give a list of scenarios"))
    if isinstance(variants, str) or not all(isinstance(v, str) for v in variants):
        raise _option_error("variants", variants, N_(
            "give a list of variants, each KEY=VALUE[;KEY=VALUE]"))  # fmt: skip
    given = _overrides(overrides)
    sources = [_source(s, given) for s in scenarios]
    changes = sources[0][1] if sources else given
    if any(c != changes for _, c in sources):
        raise _option_error("scenarios", [str(p) for p, _ in sources], N_(
            "every scenario of a compare runs with the same overrides: load them with the "
            "same changes, or give the files and the overrides"))  # fmt: skip
    paths = [p for p, _ in sources]
    if len(paths) + len(variants) < 2:
        raise MigrasimError(N_("give two or more scenarios, or one with --variant"))
    specs = [_loaded(p, changes) for p in paths]

    def pipeline(out: Path | None, force: bool) -> compare_pipeline.CompareOutput:
        from migrasim.pipelines import compare as compare_pipeline  # on first use (docstring)

        return compare_pipeline.compare(paths, changes, tuple(variants), out, force, options,
                                        specs)  # fmt: skip

    return CompareResult(pipeline, "compare", paths, paths, len(variants))


def sweep(
    scenario: str | Path | Scenario,
    grids: Sequence[str] | Mapping[str, Sequence[object]],
    *,
    overrides: Overrides | None = None,
    target: str | None = None,
    replications: int | None = None,
    seed: int | None = None,
    lang: str = "en",
    workers: int | None = None,
    scheduler: str | None = None,
    precision: float | None = None,
    events: SweepEvents | None = None,
) -> SweepResult:
    """``migrasim sweep``: every combination of the ``grids`` (``["key=v1,v2", ...]`` or
    ``{"key": [v1, v2]}``), each point judged by ``target`` (default: its P80 before its own
    go-live). ``events`` are called as points start and finish."""
    options = _options(replications, seed, lang, workers, scheduler, precision)
    path, changes = _source(scenario, _overrides(overrides))
    if isinstance(grids, Mapping):
        grid = tuple(f"{key}={','.join(map(str, values))}" for key, values in grids.items())
    elif isinstance(grids, str) or not all(isinstance(g, str) for g in grids):
        raise _option_error("grids", grids, N_(
            "give a list of KEY=V1,V2,... grids, as --grid takes them, or a mapping of key to "
            "values"))  # fmt: skip
    else:
        grid = tuple(grids)
    _loaded(path, changes)

    def pipeline(out: Path | None, force: bool) -> sweep_pipeline.SweepOutput:
        from migrasim.pipelines import sweep as sweep_pipeline  # on first use (docstring)

        return sweep_pipeline.sweep(path, grid, changes, out, force, result._resume, options,
                                    events, target)  # fmt: skip

    result = SweepResult(pipeline, "sweep", [path], [path])
    return result


def solve(
    scenario: str | Path | Scenario,
    vary: str,
    between: tuple[str, str] | Sequence[object],
    *,
    target: str = "P80 < go_live",
    flow: str = "ALL",
    overrides: Overrides | None = None,
    replications: int | None = None,
    seed: int | None = None,
    lang: str = "en",
    workers: int | None = None,
    scheduler: str | None = None,
    precision: float | None = None,
    on_point: Callable[[Point], None] | None = None,
) -> SolveResult:
    """``migrasim solve``: the smallest value of ``vary`` (or the latest start) in
    ``between`` (two values as you would write them, e.g. ``("1 GB", "20 GB")``) that meets
    ``target`` for ``flow``; ``on_point`` is called with each value tried."""
    options = _options(replications, seed, lang, workers, scheduler, precision)
    path, changes = _source(scenario, _overrides(overrides))
    if isinstance(between, str) or len(between) != 2:
        raise _option_error("between", between, N_("give two values, the low and the high"))
    low, high = (str(v) for v in between)
    _loaded(path, changes)

    def pipeline(out: Path | None, force: bool) -> tuple[Solution, Path]:
        from migrasim.pipelines import solve as solve_pipeline  # on first use (docstring)

        return solve_pipeline.solve(path, vary, (low, high), target, flow, changes, out, force,
                                    options, on_point)  # fmt: skip

    return SolveResult(pipeline, "solve", [path], [path])


def track(
    scenario: str | Path | Scenario,
    actuals: str | Path,
    *,
    as_of: date | str | None = None,
    month_first: bool = False,
    history: str | Path | None = None,
    overrides: Overrides | None = None,
    replications: int | None = None,
    seed: int | None = None,
    lang: str = "en",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressFactory | None = None,
) -> TrackResult:
    """``migrasim track``: re-forecast from the transfer log ``actuals`` as of ``as_of``
    (default: the day after its last date). With ``history``, the forecast is appended to
    that file when the result is made (read or written), as the command does."""
    options = _options(replications, seed, lang, workers, scheduler, progress=progress)
    path, changes = _source(scenario, _overrides(overrides))
    day = as_of
    if isinstance(as_of, str):
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise _option_error("as_of", as_of, N_("give a date, YYYY-MM-DD")) from None
    elif isinstance(as_of, datetime):
        day = as_of.date()
    elif as_of is not None and not isinstance(as_of, date):
        raise _option_error("as_of", as_of, N_("give a date, YYYY-MM-DD"))
    log = Path(actuals)
    kept = None if history is None else Path(history)
    _loaded(path, changes)

    def pipeline(out: Path | None, force: bool) -> track_pipeline.TrackOutput:
        from migrasim.pipelines import track as track_pipeline  # on first use (docstring)

        return track_pipeline.track(path, log, day, changes, out, force, options,  # type: ignore[arg-type]
                                    month_first=month_first, history=kept)  # fmt: skip

    from migrasim.scenario.history_file import store_folder

    protect = [path, log] + ([] if kept is None else [kept, store_folder(kept)])
    result = TrackResult(pipeline, "track", [path], protect)
    result.lang = options.lang
    return result


def plan(
    scenario: str | Path | Scenario,
    *,
    chance: float | None = None,
    target: str | None = None,
    budget: float | None = None,
    joint: bool = False,
    overrides: Overrides | None = None,
    replications: int | None = None,
    seed: int | None = None,
    lang: str = "en",
    workers: int | None = None,
    scheduler: str | None = None,
) -> PlanResult:
    """``migrasim plan``: the cheapest set of the scenario's ``options`` with which every
    organisation makes its go-live with ``chance`` (or ``target``), or within ``budget`` the
    most organisations in time; ``joint`` asks for the chance all make it together."""
    options = _options(replications, seed, lang, workers, scheduler)
    path, changes = _source(scenario, _overrides(overrides))
    _loaded(path, changes)

    def pipeline(out: Path | None, force: bool) -> plan_pipeline.PlanOutput:
        from migrasim.pipelines import plan as plan_pipeline  # on first use (docstring)

        return plan_pipeline.plan(path, changes, out, force, options, chance, target, budget,
                                  joint)  # fmt: skip

    return PlanResult(pipeline, "plan", [path], [path])


def evaluate(
    scenario: Scenario, replications: int | None, seed: int, execution: Execution
) -> RunReport:
    """The run's records alone (summary.csv's figures, same seed): the Monte Carlo and its
    summary without sensitivity, advice, charts or files; what the what-if page shows for
    each change."""
    from migrasim.analysis.experiment import run_scenario
    from migrasim.analysis.summary import summarise

    return summarise(run_scenario(scenario, replications, seed, execution))
