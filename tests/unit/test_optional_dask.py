"""dask.distributed is optional (`pip install 'migrasim[distributed]'`): without it, only
`--scheduler` needs it, and it says how to install it (exit 2), never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrasim.cli import cli


def test_without_distributed_scheduler_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [m for m in sys.modules if m == "distributed" or m.startswith("distributed.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    result = CliRunner().invoke(
        cli, ["run", "scenarios/health_boards.yaml", "--scheduler", "tcp://127.0.0.1:8786"]
    )
    assert result.exit_code == 2, result.output
    assert "pip install 'migrasim[distributed]'" in result.output
    assert "Traceback" not in result.output


def test_without_distributed_the_message_is_in_the_language_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [m for m in sys.modules if m == "distributed" or m.startswith("distributed.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = CliRunner().invoke(cli, ["run", "scenarios/health_boards.yaml", "--lang", "cy",
                                      "--scheduler", "tcp://127.0.0.1:8786"])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert (
        "Gwall: Gwerth annilys i '--scheduler': mae --scheduler yn rhedeg yr ailadroddiadau ar "
        "glwstwr Dask, sydd angen dask.distributed; gosodwch ef gyda: "
        "pip install 'migrasim[distributed]'"
    ) in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_without_distributed_a_local_run_never_imports_it(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['distributed'] = None\n"
        "from migrasim.cli import main\n"
        "sys.argv = ['migrasim', 'run', 'scenarios/health_boards.yaml', '-n', '20', '--out', "
        f"{str(tmp_path / 'out')!r}]\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
