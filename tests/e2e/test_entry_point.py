"""The console entry point (``cli.main``) leaves through the interpreter's own exit (atexit
handlers run; only its final garbage collections are skipped): its exit code and every line it
printed come out whole, and the collector's thresholds are never changed."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from migrasim import cli
from migrasim.scenario import types
from migrasim.serve import evaluator, web

ROOT = Path(__file__).resolve().parents[2]
MAIN = [sys.executable, "-c", "from migrasim.cli import main; main()"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MAIN, *args], capture_output=True, text=True, cwd=ROOT, check=False)


def test_a_command_that_succeeds_exits_0_with_all_it_printed() -> None:
    done = _run("validate", "scenarios/health_boards.yaml")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()  # printed through a pipe, flushed before leaving
    assert done.stderr == ""


def test_bad_input_exits_2_with_its_message() -> None:
    done = _run("validate", "no/such/file.yaml")
    assert done.returncode == 2
    assert "no/such/file.yaml" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_usage_error_exits_2_and_help_exits_0() -> None:
    assert _run("run", "--no-such-option").returncode == 2
    help_text = _run("--help")
    assert help_text.returncode == 0
    assert "Usage:" in help_text.stdout


def test_a_command_runs_the_exit_handlers_with_the_default_collector() -> None:
    code = (
        "import atexit, gc, sys\n"
        "default = gc.get_threshold()\n"
        "atexit.register(lambda: print('exit handlers ran', gc.get_threshold() == default))\n"
        "sys.argv = ['migrasim', 'validate', 'scenarios/health_boards.yaml']\n"
        "from migrasim.cli import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "exit handlers ran True"


def _main(monkeypatch: pytest.MonkeyPatch, *args: str) -> None:
    """``cli.main`` in this process (its stdout, stderr and frozen objects put back)."""
    monkeypatch.setattr(sys, "argv", ["migrasim", *args])
    monkeypatch.setattr(sys, "stdout", sys.stdout)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    try:
        with pytest.raises(SystemExit):
            cli.main()
    finally:
        gc.unfreeze()


def test_a_command_runs_with_the_raised_threshold_and_the_server_with_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, tuple[int, ...]] = {}
    default = gc.get_threshold()

    def schema() -> dict[str, str]:
        seen["schema"] = gc.get_threshold()
        return {}

    class Evaluator:
        def __init__(self, *_: object) -> None:
            pass

        def close(self) -> None:
            pass

    def serve_forever(*_: object) -> None:
        seen["serve"] = gc.get_threshold()

    monkeypatch.setattr(types, "scenario_json_schema", schema)
    monkeypatch.setattr(evaluator, "Evaluator", Evaluator)
    monkeypatch.setattr(web, "serve_forever", serve_forever)
    _main(monkeypatch, "schema")
    _main(monkeypatch, "serve", str(ROOT / "scenarios" / "health_boards.yaml"))
    assert seen["schema"][0] > default[0]  # a command's young generation is larger
    assert seen["serve"] == default  # the long-running server keeps the defaults
    assert gc.get_threshold() == default  # and they are put back after a command
