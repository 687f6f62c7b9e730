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
from typing import TYPE_CHECKING, Any

import yaml

from migrasim.errors import N_, Problem, ScenarioError
from migrasim.scenario.inventory import check_regular_file, expand_flows_from
from migrasim.scenario.overrides import Change, apply_overrides, changes_of, split_assignment
from migrasim.scenario.types import InventoryFlow, Scenario, parse_scenario

MAX_CHARACTERS = 20_000_000
"""A scenario file longer than this is refused before parsing (20 MB of YAML is ~100,000 flows)."""

MAX_NODES = 2_000_000
"""The document with every alias expanded may hold at most this many values: anchors and
aliases keep working, but a "billion laughs" file (nine levels of aliases to aliases, a few
hundred bytes) is refused before anything walks the expanded tree."""

MAX_DEPTH = 40
"""Mappings and lists nested deeper than this are refused (a scenario needs about six)."""


class _DocumentTooLargeError(Exception):
    """The composed document exceeds a bound; carries the problem and where it was found."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.mark = mark


class _Bounded:
    """The composed document bounded (values with aliases expanded, nesting depth)."""

    def __init__(self, stream: Any) -> None:
        # an alias is written with '*': text without one composes to a tree
        self._aliases = not isinstance(stream, str) or "*" in stream
        super().__init__(stream)  # type: ignore[call-arg]

    def get_single_node(self) -> Any:
        node = super().get_single_node()  # type: ignore[misc]
        if node is not None:
            _check_bounds(node, self._aliases)
        return node


class _StrictLoader(_Bounded, yaml.SafeLoader):
    """SafeLoader with timestamps left as strings, duplicate keys and binary refused, and the
    composed document bounded (values with aliases expanded, nesting depth)."""


# libyaml's parser when PyYAML was built with it: about 10x faster (10,000 flows in 1.5 s, not
# 15 s); the constructors and resolvers, so what each value becomes, are the same. A file it
# refuses is read again by PyYAML's own parser, whose messages (and verdict) are the ones given.
if TYPE_CHECKING:
    _CSafeLoader = yaml.SafeLoader
else:
    _CSafeLoader = getattr(yaml, "CSafeLoader", None)
_FastStrictLoader: type[yaml.SafeLoader] | None = None
if _CSafeLoader is not None:

    class _FastStrictLoader(_Bounded, _CSafeLoader):  # type: ignore[no-redef]
        """:class:`_StrictLoader` on libyaml's parser."""


def _within_bounds_as_a_tree(root: yaml.Node) -> bool:
    """Whether the document, walked as a tree, holds at most :data:`MAX_NODES` values nested
    at most :data:`MAX_DEPTH` deep. A plain walk, no memo: for a document without aliases
    (every node has one parent) it is the answer, ten times faster than the DAG walk."""
    count = 0
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES or depth > MAX_DEPTH:
            return False
        value = node.value
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend((part, depth + 1) for pair in value for part in pair)
    return True


def _check_bounds(root: yaml.Node, aliases: bool = True) -> None:
    """Count the values of the document as if every alias were expanded, without expanding:
    an alias is the same node object, so sizes are memoised per node (a DAG walk). A document
    that cannot hold an alias (``aliases=False``) and is within bounds as a tree is passed by
    the plain walk; any other is walked as a DAG, which says what is over and where."""
    if not aliases and _within_bounds_as_a_tree(root):
        return
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    # Iterative post-order walk: a deeply nested file must not exhaust Python's stack.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in size:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        if not done:
            if len(stack) > MAX_DEPTH * 1000:
                raise _DocumentTooLargeError("the document is too large", node.start_mark)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in size)
            continue
        size[key] = 1 + sum(size[id(c)] for c in children)
        depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
        if size[key] > MAX_NODES:
            raise _DocumentTooLargeError(
                f"with its aliases expanded the document holds over {MAX_NODES:,} values",
                node.start_mark,
            )
        if depth[key] > MAX_DEPTH:
            raise _DocumentTooLargeError(
                f"values are nested more than {MAX_DEPTH} levels deep", node.start_mark
            )


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


def _refuse_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"could not determine a constructor for the tag {node.tag!r}", node.start_mark
    )


for _loader in (_StrictLoader, _FastStrictLoader):
    if _loader is not None:
        _loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
        _loader.add_constructor("tag:yaml.org,2002:binary", _refuse_tag)
        _loader.add_constructor(
            yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
        )


def _load(text: str) -> Any:
    """The document, by libyaml when it can read it, else by PyYAML (its errors are raised)."""
    if _FastStrictLoader is not None:
        try:
            return yaml.load(text, Loader=_FastStrictLoader)
        except yaml.YAMLError:
            pass
    return yaml.load(text, Loader=_StrictLoader)


def read_yaml(text: str, source: str) -> Any:
    """Parse YAML text safely; errors become :class:`ScenarioError` with line:column."""
    if len(text) > MAX_CHARACTERS:
        raise ScenarioError(
            [
                Problem(
                    "",
                    N_(
                        "the file holds %(n)s characters, over the limit of %(limit)s",
                        n=f"{len(text):,}",
                        limit=f"{MAX_CHARACTERS:,}",
                    ),
                    N_("split the flows into an inventory file (flows_from: a .csv or .xlsx)"),
                )
            ],
            source,
        )
    try:
        return _load(text)
    except _DocumentTooLargeError as exc:
        mark = exc.mark
        where = _where(mark)
        fix = N_("scenario files hold plain data; use fewer aliases or less nesting")
        raise ScenarioError([Problem(where, exc.problem, fix)], source) from None
    except RecursionError:
        problem: str = N_("values are nested more than %(depth)s levels deep", depth=MAX_DEPTH)
        fix = N_("scenario files hold plain data; use less nesting")
        raise ScenarioError([Problem("", problem, fix)], source) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _where(mark)
        problem = exc.problem or str(exc)  # PyYAML's own words (English)
        fix = N_("check the YAML syntax (indentation, colons, quotes)")
        if problem.startswith("duplicate key"):
            fix = N_("give each key once (PyYAML would silently keep only the last)")
        elif "could not determine a constructor" in problem or "tag" in problem:
            problem = N_("unsupported YAML tag: %(tag)s", tag=problem.split("tag", 1)[-1].strip())
            fix = N_("remove the tag: scenario files hold plain data only")
        raise ScenarioError([Problem(where, problem, fix)], source) from None
    except (yaml.YAMLError, ValueError) as exc:
        raise ScenarioError(
            [Problem("", N_("cannot read YAML: %(error)s", error=exc), "")], source
        ) from None


def _where(mark: Any) -> str:
    """``line 3, column 7`` of a YAML mark (1-based), or '' without one."""
    if not mark:
        return ""
    return N_("line %(line)s, column %(column)s", line=mark.line + 1, column=mark.column + 1)


def changes_inventory(assignment: str) -> bool:
    """Whether a ``--set`` assignment changes `flows_from` (applied before the inventory is
    read; every other one after)."""
    try:
        key = split_assignment(assignment)[0]
    except ValueError:
        return False  # reported with the other overrides
    return key == "flows_from" or key.startswith(("flows_from.", "flows_from["))


def read_scenario_data(path: str | Path, overrides: Sequence[str] = ()) -> Any:
    """The scenario file's raw mapping, inventory flows added and ``--set`` overrides applied."""
    source = str(path)
    check_regular_file(Path(path), source, N_("give the path of the scenario's .yaml file"))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(
            [Problem("", N_("no such file"), N_("check the path"))], source
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            [Problem("", N_("cannot read the file: %(error)s", error=exc), "")], source
        ) from None
    data = read_yaml(text, source)
    if not isinstance(data, dict):
        return data  # parse_scenario reports the file's shape
    early = [o for o in overrides if changes_inventory(o)]
    late = [o for o in overrides if not changes_inventory(o)]
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


SOURCE = "_migrasim_source"
"""Where a loaded scenario records the file and overrides it was read from (not a field: the
scenario's equality, dumps and schema ignore it); :func:`source_of` reads it."""


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read and validate the scenario file at ``path``, with ``--set`` overrides applied. The
    scenario remembers both (:func:`source_of`), so the library can run it as its file."""
    spec = parse_scenario(read_scenario_data(path, overrides), str(path))
    spec.__dict__[SOURCE] = (Path(path), tuple(overrides))
    return spec


def source_of(spec: Scenario) -> tuple[Path, tuple[str, ...]] | None:
    """The file and overrides :func:`load_scenario` read ``spec`` from (None: made otherwise).
    A scenario copied with changes (``model_copy``) keeps its original's: check it against
    ``load_scenario(*source)`` before trusting it."""
    source = spec.__dict__.get(SOURCE)
    return None if source is None else (source[0], tuple(source[1]))


def what_changed(path: str | Path, overrides: Sequence[str], spec: Scenario) -> tuple[Change, ...]:
    """What ``overrides`` changed in the scenario file at ``path``, ``spec`` being the scenario
    they made (:func:`changes_of`); the file's values come from its raw mapping when the file
    alone does not validate (a ``--set`` supplies what it lacks)."""
    if not overrides:
        return ()
    raw = read_yaml(Path(path).read_text(encoding="utf-8"), str(path))
    try:
        file_spec: Any = load_scenario(path)
    except ScenarioError:
        file_spec = read_scenario_data(path)
    return changes_of(file_spec, spec, overrides, raw)


def effective_scenario_text(path: str | Path, overrides: Sequence[str] = ()) -> str:
    """The scenario that runs, as YAML: the file verbatim without overrides; with them, the
    file's data with every ``--set``/``--variant`` change applied (comments are lost), headed
    by the changes. Checked values only: call after the scenario validated."""
    if not overrides:
        return Path(path).read_text(encoding="utf-8")
    data = read_scenario_data(path, overrides)

    class _Dumper(yaml.SafeDumper):
        pass

    def plain(dumper: yaml.SafeDumper, value: Any) -> yaml.Node:
        return dumper.represent_str(str(value))

    _Dumper.add_multi_representer(object, plain)  # any marker type: as its text
    head = "".join(f"#   {o}\n" for o in overrides)
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return f"# {path} with these changes applied (the scenario that ran):\n{head}{body}"


def self_contained_text(path: str | Path, overrides: Sequence[str] = ()) -> str:
    """The scenario that runs as one YAML document that loads on its own: the file's data
    with inventory flows (``flows_from``) listed under ``flows`` and every ``--set`` change
    applied (comments are lost). What ``track --history`` stores to recompute a forecast
    later, whatever happens to the file and its inventories meanwhile. Checked values only:
    call after the scenario validated."""
    data = read_scenario_data(path, overrides)

    class _Dumper(yaml.SafeDumper):
        pass

    def plain(dumper: yaml.SafeDumper, value: Any) -> yaml.Node:
        if isinstance(value, dict):
            return dumper.represent_dict(dict(value))
        if isinstance(value, list | tuple):
            return dumper.represent_list(list(value))
        return dumper.represent_str(str(value))

    _Dumper.add_multi_representer(object, plain)  # inventory rows as mappings, markers as text
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return f"# the scenario {Path(path).name} as it ran (inventories and --set applied)\n{body}"
