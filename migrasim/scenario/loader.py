"""load_scenario(path): the only reader of scenario files.

YAML is read with a safe loader that never runs tags such as ``!!python/object``, keeps dates
as text (so ``2025-13-45`` is reported with its key path instead of crashing PyYAML), and refuses
duplicate keys (PyYAML would silently keep the last). Syntax errors carry line and column.

``flows_from:`` inventory files (``inventory.py``) are read here too, relative to the scenario
file's folder, after ``--set flows_from=...`` overrides and before every other override (so
``--set flows[Cardiff].volume=...`` reaches a flow read from an inventory).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from migrasim.errors import Problem, ScenarioError
from migrasim.scenario.inventory import expand_flows_from
from migrasim.scenario.overrides import apply_overrides, split_assignment
from migrasim.scenario.types import InventoryFlow, Scenario, parse_scenario


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with timestamps left as strings and duplicate keys refused."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type,unused-ignore]


def _mapping_without_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if isinstance(key, (str, int, float, bool)) and key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {mark.line + 1})", mark
            )
        if isinstance(key, (str, int, float, bool)):
            seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


def read_yaml(text: str, source: str) -> Any:
    """Parse YAML text safely; errors become :class:`ScenarioError` with line:column."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or str(exc)
        fix = "check the YAML syntax (indentation, colons, quotes)"
        if problem.startswith("duplicate key"):
            fix = "give each key once (PyYAML would silently keep only the last)"
        elif "could not determine a constructor" in problem or "tag" in problem:
            problem = f"unsupported YAML tag: {problem.split('tag', 1)[-1].strip()}"
            fix = "remove the tag: scenario files hold plain data only"
        raise ScenarioError([Problem(where, problem, fix)], source) from None
    except (yaml.YAMLError, ValueError) as exc:
        raise ScenarioError([Problem("", f"cannot read YAML: {exc}", "")], source) from None


def _changes_inventory(assignment: str) -> bool:
    try:
        key = split_assignment(assignment)[0]
    except ValueError:
        return False  # reported with the other overrides
    return key == "flows_from" or key.startswith(("flows_from.", "flows_from["))


def read_scenario_data(path: str | Path, overrides: Sequence[str] = ()) -> Any:
    """The scenario file's raw mapping, inventory flows added and ``--set`` overrides applied."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem("", "no such file", "check the path")], source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem("", f"cannot read the file: {exc}", "")], source) from None
    data = read_yaml(text, source)
    if not isinstance(data, dict):
        return data  # parse_scenario reports the file's shape
    early = [o for o in overrides if _changes_inventory(o)]
    late = [o for o in overrides if not _changes_inventory(o)]
    if early:
        data = apply_overrides(data, early, source, lambda value: read_yaml(value, "--set"))
    data = expand_flows_from(data, Path(path).parent, source)
    if late:
        read = data
        data = apply_overrides(data, late, source, lambda value: read_yaml(value, "--set"))
        _note_changed_inventory_cells(read, data)
    return data


def _note_changed_inventory_cells(read: dict[str, Any], changed: Any) -> None:
    """Mark the keys of inventory flows that overrides changed (so errors do not blame a cell)."""
    before, after = read.get("flows"), changed.get("flows") if isinstance(changed, dict) else None
    if not isinstance(before, list) or not isinstance(after, list):
        return
    for old, new in zip(before, after, strict=False):
        if isinstance(old, InventoryFlow) and isinstance(new, InventoryFlow):
            keys = set(old) | set(new)
            new.changed = frozenset(k for k in keys if old.get(k) != new.get(k))


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read and validate the scenario file at ``path``, with ``--set`` overrides applied."""
    return parse_scenario(read_scenario_data(path, overrides), str(path))
