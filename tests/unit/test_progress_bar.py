"""The command line's progress bar: click's, on a terminal only; rich is no dependency."""

from __future__ import annotations

import ast
import io
import sys
import tomllib
from pathlib import Path

import pytest

from migrasim.cli import _Progress

ROOT = Path(__file__).resolve().parents[2]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_is_drawn_when_stderr_is_piped(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    with _Progress() as progress:
        assert progress() is None
    assert stream.getvalue() == ""


def test_a_bar_per_run_on_a_terminal_filled_as_replications_arrive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    with _Progress() as progress:
        first = progress()
        assert first is not None
        first(5, 20)  # a quarter of the cap
        assert "25%" in stream.getvalue()
        first(20, 20)
        assert "100%" in stream.getvalue()
        second = progress()  # the next run (compare): the first bar is finished
        assert second is not None
        second(1, 2)
        assert stream.getvalue().endswith("50%")
    text = stream.getvalue()
    assert "[" + "#" * 36 + "]" in text  # click's bar, full at the end of the first run
    assert text.endswith("\n")  # finished when the command ends


def test_rich_is_neither_a_dependency_nor_imported() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = [d.split(">")[0].split("=")[0].split("[")[0].strip().lower()
             for d in project["dependencies"]]  # fmt: skip
    assert "rich" not in names
    for path in (ROOT / "migrasim").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] != "rich" for a in node.names), path
            elif isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "rich", path
