"""migrasim: when will a bulk data migration finish, and will it make go-live?

Public API: each command as a function (:mod:`migrasim.api`), its results in memory::

    import migrasim
    result = migrasim.run("scenarios/health_boards.yaml", replications=2000, seed=7)
    result.summary            # summary.csv as a pandas DataFrame
    result.figures["cdf.png"]  # the chart (PNG bytes; a notebook shows it)
    result.write("results/health_boards")  # the folder `migrasim run` writes

and ``compare``, ``sweep``, ``solve``, ``track`` and ``plan`` likewise. Underneath, the engine::

    from migrasim import load_scenario, build_model, simulate
    model = build_model(load_scenario("scenarios/health_boards.yaml"))
    result = simulate(model)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from migrasim.errors import MigrasimError, ScenarioError

if TYPE_CHECKING:
    from migrasim.core.engine import FlowResult, Model, RunResult, simulate
    from migrasim.scenario.compile import build_model
    from migrasim.scenario.loader import load_scenario
    from migrasim.scenario.types import Scenario, parse_scenario

__version__ = "0.1.0"

_LAZY = {
    "run": "migrasim.api",
    "compare": "migrasim.api",
    "sweep": "migrasim.api",
    "solve": "migrasim.api",
    "track": "migrasim.api",
    "plan": "migrasim.api",
    "FlowResult": "migrasim.core.engine",
    "Model": "migrasim.core.engine",
    "RunResult": "migrasim.core.engine",
    "simulate": "migrasim.core.engine",
    "build_model": "migrasim.scenario.compile",
    "load_scenario": "migrasim.scenario.loader",
    "Scenario": "migrasim.scenario.types",
    "parse_scenario": "migrasim.scenario.types",
}


def __getattr__(name: str) -> Any:
    """The public API, imported on first use, so ``migrasim --help`` (which imports this
    package for ``__version__``) does not load the engine, pydantic or numpy."""
    if name in _LAZY:
        if _LAZY[name].startswith("migrasim.scenario."):
            # every registered uncertain input's scenario key known (they register when
            # ``analysis.uncertain`` is imported; the scenario layer cannot import it)
            importlib.import_module("migrasim.analysis.uncertain")
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'migrasim' has no attribute {name!r}")


__all__ = [
    "FlowResult",
    "MigrasimError",
    "Model",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "build_model",
    "compare",
    "load_scenario",
    "parse_scenario",
    "plan",
    "run",
    "simulate",
    "solve",
    "sweep",
    "track",
]
