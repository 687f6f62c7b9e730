"""One scenario served: evaluate a set of ``--set`` changes through the library, cache the
baseline, write variants and board packs.

``evaluate`` is a thin call, ``load_scenario(path, overrides)`` -> ``api.evaluate`` (the run's
records: ``run_scenario`` -> ``summarise``, the same steps ``migrasim run`` takes before it
writes anything), so the
answer's figures are summary.csv's (same seed, same overrides) and any speed-up of the Monte
Carlo runner reaches the page unchanged. No sensitivity, advice or charts per request.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from migrasim import api
from migrasim.analysis.records import RunReport
from migrasim.analysis.runner import LOCAL, Execution
from migrasim.errors import N_, MigrasimError, OutputError, Problem, ScenarioError
from migrasim.render.outputs import BOARD_PACK
from migrasim.scenario.loader import load_scenario, read_scenario_data
from migrasim.scenario.overrides import changes_of
from migrasim.scenario.types import Scenario
from migrasim.scenario.writer import variant_yaml
from migrasim.serve.evaluator import Evaluator
from migrasim.serve.levers import Lever, scenario_levers

CACHE_SIZE = 32
"""Evaluations kept (a board going back to an earlier setting gets it at once)."""
CACHE_BYTES = 256 * 10**6
"""... and at most this many bytes of their per-replication arrays: a few large answers
(100,000 replications of many flows) evict the rest rather than grow the server."""
FILE_KEYS = ("flows_from",)
"""Scenario keys that name files. The page reads only the scenario it serves: a change may
not point one anywhere (``flows_from`` set to ``/abs/payroll.csv`` would read that file)."""
MAX_SERVED_FLOWS = 2_000
"""A change may not make the scenario larger than this many flows (or the file's own count,
if larger): one request must not take the server's memory."""

MAX_REPLICATIONS = 100_000
"""The most replications one request may ask for (a page is not a batch queue)."""

BOARD_PACK_FILES = BOARD_PACK

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def _report_bytes(report: RunReport) -> int:
    """The bytes of a report's per-replication arrays (the rest is small)."""
    arrays = (report.completions, report.completion_days)
    return sum(int(a.nbytes) for a in arrays if isinstance(a, np.ndarray))


def _evaluate(spec: Scenario, n: int | None, seed: int, execution: Execution) -> RunReport:
    """An evaluation's run (in the evaluator's worker when the server has one)."""
    return api.evaluate(spec, n, seed, execution)


def _board_pack(path: Path, overrides: tuple[str, ...], out: Path, n: int | None, seed: int,
                execution: Execution, lang: str) -> Path:  # fmt: skip
    """A board pack written as ``migrasim run`` writes it (in the evaluator's worker)."""
    run = api.run(path, overrides=overrides, replications=n, seed=seed, lang=lang,
                  workers=execution.workers, scheduler=execution.scheduler)  # fmt: skip
    return run.write(out)


def overrides_of(changes: Mapping[str, str]) -> tuple[str, ...]:
    """``{"links.capped.daily_cap": "3 GB"}`` -> ``("links.capped.daily_cap=3 GB",)``, the
    strings ``--set`` receives, in the order given."""
    return tuple(f"{key}={value}" for key, value in changes.items())


@dataclass
class Session:
    """The served scenario: its path (as the command line named it), default replications and
    seed, where board packs go, and a small cache of evaluations."""

    path: Path
    replications: int | None = None
    seed: int | None = None
    results: Path | None = None  # board packs go in numbered folders under it
    execution: Execution = LOCAL
    # ``migrasim serve`` runs evaluations and board packs in a worker process of its own
    # (time limit, bounded queue); without one (a library caller, tests) they run here
    evaluator: Evaluator | None = None
    spec: Scenario = field(init=False)
    levers: list[Lever] = field(init=False)
    _cache: OrderedDict[tuple[Any, ...], RunReport] = field(init=False)
    _lock: threading.Lock = field(init=False)
    _running: threading.Lock = field(init=False)
    _packs: set[int] = field(init=False)
    _data: Any = field(init=False)  # the file's raw mapping: a registered key's value there

    def __post_init__(self) -> None:
        self.spec, self.levers = scenario_levers(self.path)
        self._data = read_scenario_data(self.path)
        self.seed = api.default_seed(self.spec, self.seed)
        self._cache = OrderedDict()
        self._lock = threading.Lock()  # the cache
        self._running = threading.Lock()  # one run at a time here when there is no evaluator
        self._packs = set()  # pack folders being written
        if self.results is None:
            self.results = Path("results") / f"{self.path.stem}-serve"

    def defaults(self, replications: int | None, seed: int | None) -> tuple[int | None, int]:
        """The replications and seed a request runs with (its own, else the session's)."""
        n = replications if replications is not None else self.replications
        if n is not None and not 1 <= n <= MAX_REPLICATIONS:
            raise ValueError(
                N_(
                    "replications must be 1 to %(most)s, got %(n)s",
                    most=f"{MAX_REPLICATIONS:,}",
                    n=n,
                )
            )
        s = seed if seed is not None else self.seed
        if s is None or s < 0:
            raise ValueError(N_("seed must be a whole number >= 0, got %(seed)s", seed=s))
        return n, s

    def evaluate(
        self, changes: Mapping[str, str], replications: int | None = None, seed: int | None = None
    ) -> RunReport:
        """The run's records for the scenario with ``changes`` (``--set`` key -> value).

        Raises :class:`~migrasim.errors.ScenarioError` with the command line's messages."""
        n, s = self.defaults(replications, seed)
        overrides = self.checked(changes)
        key = (overrides, n, s)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        spec = self.load(overrides)
        report: RunReport = self._run(_evaluate, spec, n, s, self.execution)
        # what changed, in the file's terms, for the page's labels (self.spec: the file's)
        report = replace(report, changes=changes_of(self.spec, spec, overrides, self._data))
        with self._lock:
            self._cache[key] = report
            while len(self._cache) > CACHE_SIZE or (
                len(self._cache) > 1
                and sum(_report_bytes(r) for r in self._cache.values()) > CACHE_BYTES
            ):
                self._cache.popitem(last=False)
            return report

    def _run(self, function: Any, *args: Any) -> Any:
        """``function(*args)`` in the evaluator's worker, else here, one at a time (the runner
        already uses every core)."""
        if self.evaluator is not None:
            return self.evaluator.run(function, *args)
        with self._running:
            return function(*args)

    def checked(self, changes: Mapping[str, str]) -> tuple[str, ...]:
        """``changes`` as ``--set`` strings, refusing (a :class:`ScenarioError`, 422) any that
        names a file (:data:`FILE_KEYS`): the page reads the scenario it serves and nothing
        else, and no message ever shows another file's content."""
        problems = [
            Problem(
                N_("set %(key)s", key=key),
                N_("names a file, and the what-if page reads only the scenario it serves"),
                N_("change the scenario file itself, or use migrasim run --set"),
            )
            for key in changes
            if re.split(r"[.\[]", key.strip(), maxsplit=1)[0] in FILE_KEYS
        ]
        if problems:
            raise ScenarioError(problems, str(self.path))
        return overrides_of(changes)

    def load(self, overrides: tuple[str, ...]) -> Scenario:
        """The scenario with ``overrides``, refused (:class:`ScenarioError`, 422) if they make
        it cost more than a page may ask: more replications than :data:`MAX_REPLICATIONS`
        (through ``set`` too), more flows than :data:`MAX_SERVED_FLOWS` or the file's own."""
        spec = load_scenario(self.path, overrides)
        problems = []
        if spec.replications is not None and spec.replications > MAX_REPLICATIONS:
            problems.append(
                Problem(
                    "replications",
                    N_("%(n)s is more than the what-if page runs", n=f"{spec.replications:,}"),
                    N_("give at most %(limit)s", limit=f"{MAX_REPLICATIONS:,}"),
                )
            )
        most = max(MAX_SERVED_FLOWS, len(self.spec.flows))
        if len(spec.flows) > most:
            problems.append(
                Problem(
                    "flows",
                    N_("%(n)s flows are more than the what-if page runs", n=f"{len(spec.flows):,}"),
                    N_("give at most %(limit)s, or run it with migrasim run", limit=f"{most:,}"),
                )
            )
        if problems:
            raise ScenarioError(problems, str(self.path))
        return spec

    def baseline(self, replications: int | None = None, seed: int | None = None) -> RunReport:
        """The unchanged scenario's records (cached like any evaluation)."""
        return self.evaluate({}, replications, seed)

    def variant_text(self, changes: Mapping[str, str], words: Callable[[object], str] = str) -> str:
        """A complete scenario file: this one, every line kept but the values that ``changes``
        set, rewritten (no header either: the file differs from this one only where the page
        changed it, but for a note, by ``words``, when the inventory's flows are written in).
        Refused if it would not load."""
        overrides = self.checked(changes)
        self.load(overrides)
        return variant_yaml(self.path, overrides, words=words)

    def save_variant(
        self,
        changes: Mapping[str, str],
        name: str | None = None,
        words: Callable[[object], str] = str,
    ) -> Path:
        """Write the variant next to the scenario as ``<stem>.variant-N.yaml`` (the first N
        free) or ``<stem>.<name>.yaml`` (``name`` cut to letters, digits, - and _). Never
        overwrites: an existing file is an :class:`OutputError`."""
        text = self.variant_text(changes, words)
        folder, stem = self.path.parent, self.path.stem
        if name:
            safe = _SAFE_NAME.sub("-", name).strip("-_")[:60]
            if not safe:
                raise OutputError(
                    N_(
                        "the variant name %(name)s has no letters or digits. "
                        "Fix: name it with letters, digits, - or _",
                        name=repr(name),
                    )
                )
            target = folder / f"{stem}.{safe}.yaml"
        else:
            n = 1
            while (folder / f"{stem}.variant-{n}.yaml").exists():
                n += 1
            target = folder / f"{stem}.variant-{n}.yaml"
        try:
            with target.open("x", encoding="utf-8") as handle:  # "x": never overwrite
                handle.write(text)
        except FileExistsError:
            raise OutputError(
                N_("%(file)s already exists. Fix: give the variant another name", file=str(target))
            ) from None
        except OSError as exc:
            raise OutputError(
                N_("cannot write %(file)s: %(error)s", file=str(target), error=str(exc))
            ) from None
        return target

    def board_pack(
        self,
        changes: Mapping[str, str],
        replications: int | None = None,
        seed: int | None = None,
        lang: str = "en",
    ) -> Path:
        """Run ``migrasim run`` (``api.run``) with ``changes`` into the next free numbered
        folder under ``results``; its report.html and summary.xlsx are the command line's."""
        n, s = self.defaults(replications, seed)
        overrides = self.checked(changes)
        self.load(overrides)
        assert self.results is not None
        with self._lock:  # a folder of its own for each pack
            index = 1
            while (self.results / f"pack-{index}").exists() or index in self._packs:
                index += 1
            self._packs.add(index)
        out = self.results / f"pack-{index}"
        try:
            written = self._run(_board_pack, self.path, overrides, out, n, s, self.execution,
                                lang)  # fmt: skip
        finally:
            with self._lock:
                self._packs.discard(index)
        missing = [f for f in BOARD_PACK_FILES if not (written / f).is_file()]
        if missing:
            raise MigrasimError(
                N_(
                    "the board pack in %(folder)s lacks %(files)s",
                    folder=str(written),
                    files=", ".join(missing),
                )
            )
        return Path(written)
