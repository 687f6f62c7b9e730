"""The status counts are counted once: the records, the terminal and the HTML agree."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.summary import summarise
from migrasim.core.rules import Status
from migrasim.scenario.loader import load_scenario
from tests.helpers import invoke


def mixed() -> dict[str, object]:
    # Mon 7 Jul 2025, Mon-Fri, go-live Tue 5 Aug: 21 working days at 1 GB a day per flow.
    # A (4-6 GB) always makes it: on track. B (50-70 GB) never does: likely late. C (10-30 GB,
    # likely 20 GB, symmetric) makes it when its volume is at most 21 GB, a better than even
    # chance but under 80 %: at risk. In the baseline (likely values) A and C (20 GB: done
    # Sat 2 Aug 00:00, which counts for Fri 1 Aug) make it and only B misses.
    def volume(low: int, likely: int, high: int) -> dict[str, str]:
        return {"low": f"{low} GB", "likely": f"{likely} GB", "high": f"{high} GB"}

    return {
        "name": "mixed",
        "start": "2025-07-07",
        "go_live": "2025-08-05",
        "calendar": {"holidays": "none"},
        "links": {"capped": {"daily_cap": "1 GB", "per_flow": True}},
        "flows": [
            {"name": n, "source": "s", "target": "t", "volume": v, "links": ["capped"]}
            for n, v in (("A", volume(4, 5, 6)), ("B", volume(50, 60, 70)),
                         ("C", volume(10, 20, 30)))
        ],
    }  # fmt: skip


def test_status_counts_agree_everywhere(tmp_path: Path) -> None:
    path = tmp_path / "mixed.yaml"
    path.write_text(yaml.safe_dump(mixed()), encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, stderr = invoke("run", str(path), "-n", "200", "--seed", "1", "--out", str(out))
    assert code == 0, stderr

    report = summarise(run_scenario(load_scenario(path), 200, 1))
    by_name = {row.name: row.status for row in report.flows}
    assert by_name == {"A": Status.ON_TRACK, "B": Status.LATE, "C": Status.AT_RISK}
    counts = report.counts
    assert (counts.flows, counts.on_track, counts.at_risk, counts.late) == (3, 1, 1, 1)
    assert counts.late_in_baseline == 1

    assert "Status: 1 of 3 organisations likely late, 1 at risk, 1 on track." in stdout
    assert "Baseline: 1 of 3 organisations miss go-live." in stdout

    page = (out / "report.html").read_text(encoding="utf-8")
    assert "1 of 3 organisations are likely to be late, 1 are at risk and 1 are on track." in page
    assert "In the baseline run (most likely inputs), 1 of 3 finish after go-live." in page
    assert "baseline run; 1 of 3 finish after go-live." in page  # the Gantt chart's alt text
    rows = re.findall(r'<tr class="row-(ok|risk|late)">', page)  # flows, not the total
    assert sorted(rows) == ["late", "ok", "risk"]
