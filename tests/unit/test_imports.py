"""Import boundaries: the core imports nothing above it and none of the heavy libraries.

Static (the module's import statements), because importing ``migrasim.core`` at run time also
runs ``migrasim/__init__.py``, which loads the whole package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "migrasim" / "core"
# Layers above the core, and libraries the core must do without (STYLE.md: keep the core pure).
BANNED = (
    "migrasim.scenario",
    "migrasim.analysis",
    "migrasim.render",
    "migrasim.cli",
    "migrasim.api",
    "migrasim.pipelines",
    "pydantic",
    "pandas",
    "matplotlib",
    "click",
    "jinja2",
    "yaml",
)


def banned_imports(source: str, package: str) -> list[str]:
    """The banned modules ``source`` (a module of ``package``) imports, at any depth."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1 packages
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names.append(base)
    return [n for n in names if any(n == b or n.startswith(b + ".") for b in BANNED)]


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: str(p.relative_to(CORE)))
def test_core_imports_nothing_above_it(path: Path) -> None:
    package = ".".join(path.relative_to(ROOT).parts[:-1])
    assert banned_imports(path.read_text(encoding="utf-8"), package) == []


def test_the_check_finds_banned_imports() -> None:
    source = (
        "import numpy\n"
        "from migrasim.scenario.types import Scenario\n"
        "def f():\n"
        "    import pandas as pd\n"
        "from ...render import tables\n"
        "from . import curve\n"
    )
    found = banned_imports(source, "migrasim.core.solvers")
    assert sorted(found) == ["migrasim.render", "migrasim.scenario.types", "pandas"]
