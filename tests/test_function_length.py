"""No function in the package is over 80 lines (issue 21: "split the giants by concept").

A function's length is counted from its ``def`` line to its last line (docstring and comments
included, decorators not), for every function: module level, methods and nested functions
alike. The modules are read with ``ast`` (nothing is imported) and found by globbing
``migrasim/``; nothing here lists them by hand.

``STILL_LONG`` names the functions still being split. It can only shrink: a function not on it
that grows past the limit fails, and so does an entry whose function is gone or now short
enough (remove the entry then).
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "migrasim"
LIMIT = 80

# path relative to the repository :: dotted name (a method as Class.method, a nested
# function as outer.inner)
STILL_LONG: set[str] = set()


def function_lengths(source: str) -> dict[str, int]:
    """Every function's dotted name in ``source`` and its length in lines."""
    found: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                assert child.end_lineno is not None
                found[name] = child.end_lineno - child.lineno + 1
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return found


def package_lengths() -> dict[str, int]:
    """``path::name`` -> length, for every function of the package."""
    lengths: dict[str, int] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        for name, length in function_lengths(path.read_text(encoding="utf-8")).items():
            lengths[f"{where}::{name}"] = length
    return lengths


def test_no_function_over_the_limit() -> None:
    too_long = {
        name: length
        for name, length in package_lengths().items()
        if length > LIMIT and name not in STILL_LONG
    }
    assert too_long == {}, f"split these into named steps (at most {LIMIT} lines each)"


def test_the_list_of_long_functions_only_shrinks() -> None:
    lengths = package_lengths()
    stale = {name for name in STILL_LONG if lengths.get(name, 0) <= LIMIT}
    assert stale == set(), "no longer over the limit (or gone): remove from STILL_LONG"


def test_lengths_are_counted_from_def_to_last_line() -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(LIMIT - 1))
    source = textwrap.dedent(
        """
        class Box:
            @staticmethod
            def short():
                return 1

            def method(self):
                def inner():
                    pass
        """
    )
    source += f"\ndef exactly():\n{body}\n\ndef one_more():\n{body}    x = 0\n"
    lengths = function_lengths(source)
    assert lengths == {
        "Box.short": 2,
        "Box.method": 3,
        "Box.method.inner": 2,
        "exactly": LIMIT,
        "one_more": LIMIT + 1,
    }
