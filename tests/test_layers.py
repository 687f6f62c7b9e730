"""The layering holds: arrows point down only, no import cycles, and the core stays pure.

The modules are read with ``ast`` (nothing is imported), so the check sees imports inside
functions and under ``if TYPE_CHECKING:`` as well as those at the top of a module. New modules
are found by globbing ``migrasim/``; nothing here lists them by hand.

Layers, lowest first (docs/design.md, "Layers"):

    core < scenario < analysis < render < app (pipelines/, api.py, folder.py, serve/) < cli

Inside the application layer the library API (api.py) stands between its callers (cli.py and
serve/) and the pipelines (pipelines/): the callers reach the pipelines only through it.

``migrasim.errors`` is a leaf any layer may import and that imports nothing from migrasim;
``migrasim/__init__.py`` is the public facade: it may import anything, and it counts as the
top of the application layer when someone imports it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "migrasim"

LAYERS = ("core", "scenario", "analysis", "render", "app", "cli")
RANK = {name: i for i, name in enumerate(LAYERS)}
# the application layer (serve: a package)
APP_MODULES = {"api", "pipelines", "folder", "serve"}
PIPELINES = "migrasim.pipelines"  # the package, reached through migrasim.api only
FACADE = "migrasim"
LEAF = "migrasim.errors"
CORE_BANNED = ("pandas", "matplotlib", "click", "jinja2", "yaml", "ruamel")

# Known violations, named so that fixing one fails this test until its entry is removed here.
# Each is (importer, imported). Empty: every layer imports only from layers below it.
KNOWN_UPWARD_IMPORTS: set[tuple[str, str]] = set()
# Import cycles (each a frozenset of the modules of one strongly connected component).
KNOWN_CYCLES: set[frozenset[str]] = set()


# --- collecting imports --------------------------------------------------------------------------


def module_name(path: Path, root: Path) -> str:
    """Dotted name of the module at ``path``; ``root`` is the folder that holds the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover(root: Path, package: str = "migrasim") -> dict[str, Path]:
    """Every module of ``package`` under ``root``, by dotted name."""
    return {module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}


def _resolve_relative(importer: str, is_package: bool, level: int, target: str | None) -> str:
    base = importer.split(".")
    # A package's own name counts as the first level; a module's parent does.
    drop = level - 1 if is_package else level
    base = base[: len(base) - drop] if drop else base
    return ".".join([*base, target] if target else base)


def imports_of(
    source: str, importer: str, is_package: bool, known: Iterable[str], package: str = "migrasim"
) -> set[str]:
    """Modules of ``package`` that ``source`` imports anywhere (top level, functions, if-blocks).

    ``from a import b`` counts as importing ``a.b`` when that is a module in ``known``, else ``a``.
    """
    modules = set(known)
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _resolve_relative(importer, is_package, node.level, node.module)
            else:
                base = node.module or ""
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
    return {m for m in found if m == package or m.startswith(package + ".")}


def third_party_imports_of(source: str) -> set[str]:
    """Top-level names of every absolute import in ``source`` (``pandas`` for ``pandas.api``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


def import_graph(root: Path, package: str = "migrasim") -> dict[str, set[str]]:
    """Module -> the package's modules it imports (self-imports dropped)."""
    files = discover(root, package)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        found = imports_of(
            path.read_text(encoding="utf-8"), name, path.name == "__init__.py", files, package
        )
        graph[name] = found - {name}
    return graph


# --- the rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    rank: int | None  # None: exempt (the leaf or the facade as importer)
    name: str


def layer_of(module: str, package: str = "migrasim") -> Layer:
    """The layer ``module`` belongs to; the errors leaf and the facade get rank None."""
    parts = module.split(".")
    if module == package:
        return Layer(RANK["app"], "facade")
    if module == f"{package}.errors":
        return Layer(None, "errors")
    head = parts[1]
    if head in APP_MODULES:
        return Layer(RANK["app"], "app")
    if head in RANK:
        return Layer(RANK[head], head)
    raise AssertionError(
        f"{module}: not in any layer. Fix: put it under one of {', '.join(LAYERS[:4])}, "
        "or name it in tests/test_layers.py"
    )


def upward_imports(
    graph: Mapping[str, set[str]], package: str = "migrasim"
) -> set[tuple[str, str]]:
    """(importer, imported) pairs where a lower layer imports a higher one, or the leaf imports."""
    bad: set[tuple[str, str]] = set()
    for importer, targets in graph.items():
        if importer == package:
            continue  # the public facade re-exports from every layer
        src = layer_of(importer, package)
        for target in targets:
            if src.name == "errors":
                bad.add((importer, target))  # the leaf imports nothing from the package
                continue
            dst = layer_of(target, package)
            if src.rank is not None and dst.rank is not None and dst.rank > src.rank:
                bad.add((importer, target))
    return bad


def cycles(graph: Mapping[str, set[str]]) -> set[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.add(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# --- the checks on migrasim ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(ROOT)


def test_every_module_has_a_layer(graph: dict[str, set[str]]) -> None:
    for module in graph:
        layer_of(module)  # raises with a fix for a module outside the layers


def test_imports_point_down_only(graph: dict[str, set[str]]) -> None:
    found = upward_imports(graph)
    assert found - KNOWN_UPWARD_IMPORTS == set(), "new upward import(s)"
    assert KNOWN_UPWARD_IMPORTS - found == set(), (
        "fixed: remove these from KNOWN_UPWARD_IMPORTS in tests/test_layers.py"
    )


def api_bypasses(graph: Mapping[str, set[str]], package: str = "migrasim") -> set[tuple[str, str]]:
    """(caller, pipeline module) pairs where the command line or the what-if server imports
    a pipeline module itself instead of calling the library API."""
    callers = {m for m in graph if m == f"{package}.cli" or m.startswith(f"{package}.serve")}
    return {(m, t) for m in callers for t in graph[m]
            if t == PIPELINES or t.startswith(f"{PIPELINES}.")}  # fmt: skip


def test_cli_and_server_call_the_pipelines_through_the_api(graph: dict[str, set[str]]) -> None:
    assert api_bypasses(graph) == set()
    assert "migrasim.api" in graph["migrasim.cli"]
    assert "migrasim.api" in graph["migrasim.serve.session"]


def test_checker_catches_a_cli_that_bypasses_the_api(tmp_path: Path) -> None:
    files = {**SYNTHETIC, "migrasim/cli.py": "def run():\n    from migrasim.pipelines import run\n",
             "migrasim/serve/__init__.py": "", "migrasim/serve/s.py": "import migrasim.api\n",
             "migrasim/api.py": "from migrasim.pipelines import run\n"}  # fmt: skip
    graph = import_graph(write_package(tmp_path, files))
    assert api_bypasses(graph) == {("migrasim.cli", "migrasim.pipelines.run")}


def test_errors_is_a_leaf(graph: dict[str, set[str]]) -> None:
    assert graph[LEAF] == set()


def test_no_import_cycles(graph: dict[str, set[str]]) -> None:
    found = cycles(graph)
    assert found - KNOWN_CYCLES == set(), "new import cycle(s)"
    assert KNOWN_CYCLES - found == set(), "fixed: remove these from KNOWN_CYCLES"


def test_core_imports_no_heavy_or_edge_library() -> None:
    offenders = {
        name: sorted(third_party_imports_of(path.read_text(encoding="utf-8")) & set(CORE_BANNED))
        for name, path in discover(ROOT).items()
        if name.startswith("migrasim.core")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_the_core_loads_no_banned_library() -> None:
    """Like click's tests/test_imports.py, but for every migrasim.core module.

    The facade ``migrasim/__init__.py`` re-exports the loader (which needs yaml) on purpose, so
    the subprocess registers an empty ``migrasim`` package first: this measures what the core
    itself pulls in, which is what a core-only user (or a worker) pays for.
    """
    core = sorted(n for n in discover(ROOT) if n.startswith("migrasim.core"))
    script = textwrap.dedent(
        f"""
        import importlib, json, sys, types
        pkg = types.ModuleType("migrasim")
        pkg.__path__ = [{str(PACKAGE)!r}]
        sys.modules["migrasim"] = pkg
        for name in {core!r}:
            importlib.import_module(name)
        print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = set(ast.literal_eval(out.stdout.strip()))
    assert "numpy" in loaded  # the subprocess really imported the core
    assert loaded & set(CORE_BANNED) == set()


# --- the checker itself, on a synthetic package --------------------------------------------------


def write_package(tmp: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp


SYNTHETIC = {
    "migrasim/__init__.py": "from migrasim.core import a\n",
    "migrasim/errors.py": "",
    "migrasim/cli.py": "import migrasim\n",
    "migrasim/core/__init__.py": "",
    # Upward, hidden in a function and under TYPE_CHECKING, via relative imports.
    "migrasim/core/a.py": """
        from typing import TYPE_CHECKING
        from migrasim import errors
        if TYPE_CHECKING:
            from ..render import view
        def f():
            from ..scenario import types
    """,
    "migrasim/scenario/__init__.py": "",
    "migrasim/scenario/types.py": "from migrasim.core import a\n",
    # A cycle inside one layer: b -> c -> b (c's import inside a function still counts).
    "migrasim/analysis/__init__.py": "",
    "migrasim/analysis/b.py": "from . import c\nimport migrasim.errors\n",
    "migrasim/analysis/c.py": "def g():\n    import migrasim.analysis.b\n",
    "migrasim/render/__init__.py": "",
    "migrasim/render/view.py": "from migrasim.analysis import b\n",
    "migrasim/pipelines/__init__.py": "",
    "migrasim/pipelines/run.py": "from migrasim.render import view\n",
}


def test_checker_catches_upward_imports_and_cycles(tmp_path: Path) -> None:
    graph = import_graph(write_package(tmp_path, SYNTHETIC))
    assert graph["migrasim.core.a"] == {
        "migrasim.errors",
        "migrasim.render.view",
        "migrasim.scenario.types",
    }
    assert upward_imports(graph) == {
        ("migrasim.core.a", "migrasim.render.view"),
        ("migrasim.core.a", "migrasim.scenario.types"),
    }
    # core.a -> scenario.types -> core.a is a cycle too; b <-> c is the other.
    assert cycles(graph) == {
        frozenset({"migrasim.core.a", "migrasim.scenario.types"}),
        frozenset({"migrasim.analysis.b", "migrasim.analysis.c"}),
    }


def test_checker_flags_a_leaf_that_imports(tmp_path: Path) -> None:
    files = {**SYNTHETIC, "migrasim/errors.py": "from migrasim.core.a import f\n"}
    graph = import_graph(write_package(tmp_path, files))
    assert ("migrasim.errors", "migrasim.core.a") in upward_imports(graph)


def test_checker_sees_banned_libraries_anywhere_in_a_module() -> None:
    source = "def f():\n    import pandas.api\n    from yaml import safe_load\nimport numpy\n"
    assert third_party_imports_of(source) == {"pandas", "yaml", "numpy"}
