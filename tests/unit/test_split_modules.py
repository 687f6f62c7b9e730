"""render/plots.py and scenario/types.py, split by concept, still give every public name of the
modules they gather, as the same objects (callers import from one place)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHARTS = ("style", "burnup", "gantt", "completion", "compare", "sweep", "tornado")
SCENARIO = (
    "fields", "calendar", "estimates", "links", "flows", "options", "model", "checks", "registered",
)  # fmt: skip


def _public(module: str) -> list[str]:
    """The public names a module defines at its top level (functions, classes, constants)."""
    path = ROOT / (module.replace(".", "/") + ".py")
    names: list[str] = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                elts = target.elts if isinstance(target, ast.Tuple) else [target]
                names += [e.id for e in elts if isinstance(e, ast.Name)]
    return [n for n in names if not n.startswith("_")]


@pytest.mark.parametrize(
    ("facade", "module"),
    [("migrasim.render.plots", f"migrasim.render.charts.{m}") for m in CHARTS]
    + [("migrasim.scenario.types", f"migrasim.scenario.{m}") for m in SCENARIO],
)
def test_the_facade_gives_every_public_name_of_its_modules(facade: str, module: str) -> None:
    names = _public(module)
    assert names, module
    gathered, home = importlib.import_module(facade), importlib.import_module(module)
    for name in names:
        assert getattr(gathered, name) is getattr(home, name), f"{facade}.{name}"
        assert name in gathered.__all__, f"{facade}.__all__ lacks {name}"


def test_the_facades_name_what_callers_import() -> None:
    from migrasim.render import plots
    from migrasim.scenario import types

    for name in ("burnup_figure", "gantt_figure", "cdf_figure", "tornado_figure", "NEVER"):
        assert hasattr(plots, name)
    for name in ("Scenario", "LinkSpec", "parse_scenario", "scenario_json_schema", "MAX_FLOWS"):
        assert hasattr(types, name)
