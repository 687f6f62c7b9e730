"""The console entry point (``cli.main``) leaves through the interpreter's own exit (atexit
handlers run; only its final garbage collections are skipped): its exit code and every line it
printed come out whole, and the collector's thresholds are never changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
