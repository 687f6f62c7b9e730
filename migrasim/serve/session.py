"""One scenario served: evaluate a set of ``--set`` changes through the library, cache the
baseline, write variants and board packs.

``evaluate`` is a thin call, ``load_scenario(path, overrides)`` -> ``run_scenario`` ->
``summarise``, the same three steps ``migrasim run`` takes before it writes anything, so the
answer's figures are summary.csv's (same seed, same overrides) and any speed-up of the Monte
Carlo runner reaches the page unchanged. No sensitivity, advice or charts per request.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from migrasim import app
from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.records import RunReport
from migrasim.analysis.runner import LOCAL, Execution
from migrasim.analysis.summary import summarise
from migrasim.errors import MigrasimError, OutputError
from migrasim.render.outputs import BOARD_PACK
from migrasim.scenario.loader import load_scenario
from migrasim.scenario.overrides import changes_of
from migrasim.scenario.types import Scenario
from migrasim.scenario.writer import variant_yaml
from migrasim.serve.levers import Lever, scenario_levers

CACHE_SIZE = 32
"""Evaluations kept (a board going back to an earlier setting gets it at once)."""

MAX_REPLICATIONS = 100_000
"""The most replications one request may ask for (a page is not a batch queue)."""

BOARD_PACK_FILES = BOARD_PACK

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


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
    spec: Scenario = field(init=False)
    levers: list[Lever] = field(init=False)
    _cache: OrderedDict[tuple[Any, ...], RunReport] = field(init=False)
    _lock: threading.Lock = field(init=False)

    def __post_init__(self) -> None:
        self.spec, self.levers = scenario_levers(self.path)
        self.seed = app.default_seed(self.spec, self.seed)
        self._cache = OrderedDict()
        self._lock = threading.Lock()
        if self.results is None:
            self.results = Path("results") / f"{self.path.stem}-serve"

    def defaults(self, replications: int | None, seed: int | None) -> tuple[int | None, int]:
        """The replications and seed a request runs with (its own, else the session's)."""
        n = replications if replications is not None else self.replications
        if n is not None and not 1 <= n <= MAX_REPLICATIONS:
            raise ValueError(f"replications must be 1 to {MAX_REPLICATIONS:,}, got {n}")
        s = seed if seed is not None else self.seed
        if s is None or s < 0:
            raise ValueError(f"seed must be a whole number >= 0, got {s}")
        return n, s

    def evaluate(
        self, changes: Mapping[str, str], replications: int | None = None, seed: int | None = None
    ) -> RunReport:
        """The run's records for the scenario with ``changes`` (``--set`` key -> value).

        Raises :class:`~migrasim.errors.ScenarioError` with the command line's messages."""
        n, s = self.defaults(replications, seed)
        overrides = overrides_of(changes)
        key = (overrides, n, s)
        with self._lock:  # one run at a time: the runner already uses every core
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            spec = load_scenario(self.path, overrides)
            report = summarise(run_scenario(spec, n, s, self.execution))
            # what changed, in the file's terms, for the page's labels (self.spec: the file's)
            report = replace(report, changes=changes_of(self.spec, spec, overrides))
            self._cache[key] = report
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            return report

    def baseline(self, replications: int | None = None, seed: int | None = None) -> RunReport:
        """The unchanged scenario's records (cached like any evaluation)."""
        return self.evaluate({}, replications, seed)

    def variant_text(self, changes: Mapping[str, str]) -> str:
        """A complete scenario file: this one, every line kept but the values that ``changes``
        set, rewritten (no header either: the file differs from this one only where the page
        changed it). Refused if it would not load."""
        return variant_yaml(self.path, overrides_of(changes))

    def save_variant(self, changes: Mapping[str, str], name: str | None = None) -> Path:
        """Write the variant next to the scenario as ``<stem>.variant-N.yaml`` (the first N
        free) or ``<stem>.<name>.yaml`` (``name`` cut to letters, digits, - and _). Never
        overwrites: an existing file is an :class:`OutputError`."""
        text = self.variant_text(changes)
        folder, stem = self.path.parent, self.path.stem
        if name:
            safe = _SAFE_NAME.sub("-", name).strip("-_")[:60]
            if not safe:
                raise OutputError(
                    f"the variant name {name!r} has no letters or digits. "
                    "Fix: name it with letters, digits, - or _"
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
                f"{target} already exists. Fix: give the variant another name"
            ) from None
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {exc}") from None
        return target

    def board_pack(
        self,
        changes: Mapping[str, str],
        replications: int | None = None,
        seed: int | None = None,
        lang: str = "en",
    ) -> Path:
        """Run ``migrasim run`` (``app.run``) with ``changes`` into the next free numbered
        folder under ``results``; its report.html and summary.xlsx are the command line's."""
        n, s = self.defaults(replications, seed)
        assert self.results is not None
        with self._lock:
            index = 1
            while (self.results / f"pack-{index}").exists():
                index += 1
            out = self.results / f"pack-{index}"
            result = app.run(self.path, overrides_of(changes), out, False, n, s,
                             self.execution, lang)  # fmt: skip
        missing = [f for f in BOARD_PACK_FILES if not (result.out / f).is_file()]
        if missing:
            raise MigrasimError(f"the board pack in {result.out} lacks {', '.join(missing)}")
        return result.out
