"""Ordinary mistakes on the command line are input errors (exit 2, the key or option named),
never an internal error (exit 1) or a traceback (issue 23)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import invoke

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "scenarios" / "health_boards.yaml")


@pytest.mark.parametrize(
    "args",
    [
        ("sweep", SCENARIO, "--grid", "links.caped.daily_cap=1 GB,2 GB"),
        ("solve", SCENARIO, "--vary", "links.caped.daily_cap", "--between", "1 GB", "2 GB"),
    ],
    ids=["sweep-grid", "solve-vary"],
)
def test_a_typo_in_a_varied_key_is_an_input_error(tmp_path: Path, args: tuple[str, ...]) -> None:
    code, _, stderr = invoke(*args, "-n", "5", "--out", str(tmp_path / "out"))
    assert code == 2, stderr
    assert "links.caped.daily_cap: there is no link 'caped'" in stderr
    assert "did you mean 'capped'?" in stderr
    assert not (tmp_path / "out").exists()


def test_solve_for_a_flow_that_is_not_there_is_an_input_error(tmp_path: Path) -> None:
    code, _, stderr = invoke("solve", SCENARIO, "--vary", "links.capped.daily_cap", "--between",
                             "1 GB", "2 GB", "--flow", "Cardif", "-n", "5", "--out",
                             str(tmp_path / "out"))  # fmt: skip
    assert code == 2, stderr
    assert "--flow: no flow named 'Cardif'" in stderr
    assert "did you mean 'Cardiff'?" in stderr


def test_schema_into_a_new_folder_and_never_over_a_file_silently(tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "schema.json"
    code, _, stderr = invoke("schema", "--out", str(target))
    assert code == 0, stderr
    assert "properties" in json.loads(target.read_text(encoding="utf-8"))
    target.write_text("mine\n", encoding="utf-8")
    code, _, stderr = invoke("schema", "--out", str(target))
    assert code == 2
    assert "exists; pass --force" in stderr
    assert target.read_text(encoding="utf-8") == "mine\n"
    code, _, stderr = invoke("schema", "--out", str(target), "--force")
    assert code == 0, stderr
    assert "properties" in json.loads(target.read_text(encoding="utf-8"))


def test_dates_beyond_the_horizon_in_a_log_or_as_of_are_input_errors(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("date,flow,bytes\n9999-12-30,Gwynedd,1 GB\n", encoding="utf-8")
    track = ("track", SCENARIO, "-n", "5", "--out", str(tmp_path / "out"))
    code, _, stderr = invoke(*track, "--actuals", str(log))
    assert code == 2, stderr
    assert "row 2, column date: 9999-12-30 is after the scenario's horizon" in stderr
    example = str(ROOT / "scenarios" / "actuals_example.csv")
    code, _, stderr = invoke(*track, "--actuals", example, "--as-of", "9999-12-30")
    assert code == 2, stderr
    assert "--as-of: 9999-12-30 is after the scenario's horizon" in stderr


MAIN = [sys.executable, "-c", "from migrasim.cli import main; main()"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_standard_output_is_an_output_error_after_the_results(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with open("/dev/full", "w") as full:
        done = subprocess.run([*MAIN, "run", SCENARIO, "-n", "5", "--out", str(out)],
                              stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                              check=False, timeout=300)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "cannot write to standard output (No space left on device)" in done.stderr
    assert "Traceback" not in done.stderr
    assert (out / "summary.csv").exists()  # the results are still written in full


@pytest.mark.parametrize("closed", ["stdout", "stderr"])
def test_a_closed_standard_stream_is_no_internal_error(closed: str) -> None:
    bad = str(ROOT / "tests" / "no-such-scenario.yaml")
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    streams[closed] = subprocess.DEVNULL
    code = (
        "import os, sys; os.close(1 if sys.argv[1] == 'stdout' else 2); "
        "sys.argv = ['migrasim', 'validate', sys.argv[2]]; "
        "from migrasim.cli import main; main()"
    )
    done = subprocess.run([sys.executable, "-c", code, closed, bad], **streams, cwd=ROOT,
                          check=False, timeout=120)  # fmt: skip
    assert done.returncode == 2


def test_a_reader_that_stops_early_does_not_fail_the_run(tmp_path: Path) -> None:
    command = [*MAIN, "run", SCENARIO, "-n", "5", "--out", str(tmp_path / "o")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    assert b"Traceback" not in stderr


def test_control_characters_from_inputs_reach_the_terminal_escaped(tmp_path: Path) -> None:
    """A clear-screen sequence in a --set key, an inventory header cell or a file name is
    printed as text (\\x1b), never sent to the terminal."""
    code, _, stderr = invoke("validate", SCENARIO, "--set", "links.capped.\x1b[2Jcap=1 GB")
    assert code == 2
    assert "\x1b" not in stderr
    assert "\\x1b[2Jcap" in stderr
    inventory = tmp_path / "flows.csv"
    inventory.write_text("source,target,volume,\x1b]0;owned\x07\nA,B,1 GB,x\n", encoding="utf-8")
    scenario = tmp_path / "s\x1b[2J.yaml"
    scenario.write_text(
        "name: t\nstart: 2025-06-02\nlinks: {capped: {daily_cap: 1 GB}}\n"
        "flows_from: {file: flows.csv, links: [capped]}\n",
        encoding="utf-8",
    )
    code, _, stderr = invoke("validate", str(scenario))
    assert code == 2
    assert "\x1b" not in stderr
    assert "\x07" not in stderr
    assert "\\x1b]0;owned\\x07" in stderr
    assert "s\\x1b[2J.yaml" in stderr


@pytest.mark.parametrize("volume", ["1 B", "60 MB"])
def test_a_flow_done_within_a_second_of_a_midnight_start_runs(tmp_path: Path, volume: str) -> None:
    """1 B or 60 MB at 1 Gbit/s from 00:00: done within a second of the start (the 1 B one
    counts for the day before it), which crashed run and compare."""
    scenario = tmp_path / "quick.yaml"
    scenario.write_text(
        "name: quick\nstart: 2025-07-07\ngo_live: 2025-08-01\n"
        "calendar: {working_days: [mon, tue, wed, thu, fri, sat, sun], holidays: none}\n"
        "links: {wire: {bandwidth: 1 Gbit/s}}\n"
        f"flows: [{{name: a, source: x, target: y, volume: {volume}, links: [wire]}}]\n",
        encoding="utf-8",
    )
    code, _, stderr = invoke("run", str(scenario), "--out", str(tmp_path / "run"))
    assert code == 0, stderr
    timeline = (tmp_path / "run" / "timeline.csv").read_text(encoding="utf-8").splitlines()
    assert timeline[1].startswith("2025-07-07,a,")  # its first day's row
    code, _, stderr = invoke("compare", str(scenario), str(scenario), "-n", "5",
                             "--out", str(tmp_path / "compare"))  # fmt: skip
    assert code == 0, stderr
