"""Ctrl+C (SIGINT to the command's whole process group, as a terminal sends it) while the Monte
Carlo's workers and the chart helper run: the command says it was interrupted (exit 1, no
traceback from it or any worker), writes nothing, and leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAIN = [sys.executable, "-c", "from migrasim.cli import main; main()"]

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or (os.cpu_count() or 1) < 2,
    reason="reads process groups from /proc; workers need a second core",
)


def _group(pgid: int) -> list[int]:
    """The processes of group ``pgid`` (zombies not counted: they have ended)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry.name))
    return found


def test_ctrl_c_stops_every_worker_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [*MAIN, "run", "scenarios/health_boards.yaml", "--replications", "40000",
               "--out", str(out)]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip
    try:
        end = time.monotonic() + 60
        while len(_group(process.pid)) < 4 and time.monotonic() < end:  # helper and 2 workers
            assert process.poll() is None, "ended before it was interrupted"
            time.sleep(0.05)
        assert len(_group(process.pid)) >= 4
        os.killpg(process.pid, signal.SIGINT)
        _, errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    text = errors.decode()
    assert process.returncode == 1, text
    assert "interrupted; no results were written" in text
    assert "Traceback" not in text
    end = time.monotonic() + 10
    while _group(process.pid) and time.monotonic() < end:
        time.sleep(0.05)
    assert _group(process.pid) == []
    assert not out.exists()
