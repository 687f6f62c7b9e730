"""A run of many flows writes every output, and nothing in the output path grows faster than
the flows (issue 8): the charts name the latest and largest flows and band the rest, the
tables hold one row per flow (and per replication), the batch solver takes the flows
together. benchmarks/bench_e2e.py times 10,000 flows."""

from __future__ import annotations

import csv
import io
import sys
import time
from pathlib import Path

from openpyxl import load_workbook
from PIL import Image

from tests.helpers import invoke

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_e2e import many_flows


def _run(tmp_path: Path, flows: int, replications: int) -> tuple[Path, float]:
    scenario = tmp_path / f"f{flows}.yaml"
    scenario.write_text(many_flows(flows, replications))
    out = tmp_path / f"out{flows}"
    began = time.perf_counter()
    code, _, stderr = invoke("run", str(scenario), "--out", str(out))
    assert code == 0, stderr
    return out, time.perf_counter() - began


def test_many_flows_write_every_output(tmp_path: Path) -> None:
    flows, replications = 400, 20
    out, _ = _run(tmp_path, flows, replications)
    names = {p.name for p in out.iterdir()}
    assert {"summary.csv", "timeline.csv", "completions.csv", "bottlenecks.csv", "gantt.png",
            "burnup.png", "cdf.png", "report.html", "summary.xlsx"} <= names  # fmt: skip
    summary = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text())))
    assert len(summary) == flows + 1  # and ALL
    completions = (out / "completions.csv").read_text().splitlines()
    assert len(completions) == 1 + flows * replications
    # The Gantt names 40 flows and bands the rest: its height does not grow with the flows.
    with Image.open(out / "gantt.png") as gantt:
        assert gantt.height < 2000
    page = (out / "report.html").read_text()
    assert "F00000" in page  # the table has every flow
    assert "F00399" in page
    book = load_workbook(out / "summary.xlsx", read_only=True)
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert len(rows) == flows + 1
    assert rows[0][0] == "F00000"


def test_the_output_path_grows_linearly_with_the_flows(tmp_path: Path) -> None:
    """Four times the flows take well under sixteen times as long (quadratic would)."""
    _run(tmp_path, 60, 10)  # warm: imports, fonts, caches
    _, small = _run(tmp_path, 200, 10)
    _, large = _run(tmp_path, 800, 10)
    assert large < 8 * small, (small, large)
