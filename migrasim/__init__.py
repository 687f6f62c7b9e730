"""migrasim: when will a bulk data migration finish, and will it make go-live?

Public API::

    from migrasim import load_scenario, build_model, simulate
    model = build_model(load_scenario("scenarios/health_boards.yaml"))
    result = simulate(model)
"""

from migrasim.core.engine import FlowResult, Model, RunResult, simulate
from migrasim.errors import MigrasimError, ScenarioError
from migrasim.scenario.compile import build_model
from migrasim.scenario.loader import load_scenario
from migrasim.scenario.types import Scenario, parse_scenario

__version__ = "0.1.0"

__all__ = [
    "FlowResult",
    "MigrasimError",
    "Model",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "build_model",
    "load_scenario",
    "parse_scenario",
    "simulate",
]
