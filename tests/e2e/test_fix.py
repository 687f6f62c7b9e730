"""End-to-end: "what would fix it" on the shipped Wales scenario agrees with what ``--set`` and
``migrasim solve`` give for the same target, on the same replications."""

from __future__ import annotations

import csv
import json
import re
import shlex
from pathlib import Path

from migrasim.core import units
from tests.helpers import invoke

ROOT = Path(__file__).resolve().parents[2]
HEALTH_BOARDS = ROOT / "scenarios" / "health_boards.yaml"
N = "200"  # replications of every command here: the same draws (seed 1, block 0) for each
_VERDICT = re.compile(r"Will we make go-live\? (?P<answer>[^:]+): P80 \S+, chance (?P<c>.*)%")


def _chance(stdout: str) -> tuple[str, float]:
    match = _VERDICT.search(stdout)
    assert match, stdout
    return match["answer"], float(match["c"]) / 100


def test_health_boards_fix_typed_back_and_solved(tmp_path: Path) -> None:
    out = tmp_path / "run"
    code, stdout, stderr = invoke("run", str(HEALTH_BOARDS), "--out", str(out), "-n", N)
    assert code == 0, stderr
    with (out / "fix.csv").open(newline="", encoding="utf-8") as handle:
        rows = {row["confidence"]: row for row in csv.DictReader(handle)}
    p80 = rows["0.8"]
    assert p80["key"] == "links.capped.daily_cap"
    # the terminal states the same P80 value (4 figures, in the same unit)
    assert f"80% chance of making go-live: {p80['value']} a day (95% interval" in stdout
    # "N days earlier" names its basis: the P80, on the run's draws
    assert "Doubling this link's capacity would bring the P80 finish " in stdout
    assert "days earlier (on 200 of this run's simulated draws; at the most likely inputs" in stdout

    # Typed back with --set: the P80 now makes go-live, with a chance of at least 80 %.
    code, typed, stderr = invoke(
        "run", str(HEALTH_BOARDS), "--set", f"links.capped.daily_cap={p80['value']}",
        "--out", str(tmp_path / "typed"), "-n", N,
    )  # fmt: skip
    assert code == 0, stderr
    answer, chance = _chance(typed)
    assert answer == "Yes"
    assert 0.8 <= chance <= 0.8 + 3 / int(N)
    # ... and at the interval's ends, the chance lies either side of 80 %.
    for end, below in ((p80["low"], True), (p80["high"], False)):
        code, at_end, stderr = invoke(
            "run", str(HEALTH_BOARDS), "--set", f"links.capped.daily_cap={end}",
            "--out", str(tmp_path / "end"), "--force", "-n", N,
        )  # fmt: skip
        assert code == 0, stderr
        _, end_chance = _chance(at_end)
        assert (end_chance <= 0.8) if below else (end_chance >= 0.8), (end, end_chance)

    # The printed solve command still runs, and its answer falls within the stated interval.
    match = re.search(r"run: (migrasim solve .*)$", stdout, re.MULTILINE)
    assert match, stdout
    command = shlex.split(match[1])
    assert command[:2] == ["migrasim", "solve"]
    code, _, stderr = invoke(*command[1:], "-n", N, "--out", str(tmp_path / "solve"))
    assert code == 0, stderr
    record = json.loads((tmp_path / "solve" / "solve.json").read_text(encoding="utf-8"))
    solved = record["value_si"]
    low, high = units.parse_daily(p80["low"]), units.parse_daily(p80["high"])
    assert low <= solved <= high, (solved, p80)
    # on the same draws the two searches answer the same question: within their resolutions
    # (solve: 1e-4 of its 1-100 GB range; the run: 0.5 %, then 4 figures up)
    assert abs(solved - units.parse_daily(p80["value"])) <= 0.006 * solved + 0.01e9
