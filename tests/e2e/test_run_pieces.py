"""``run`` shares its charts and CSV files out among helper processes (``run_pipeline.run_pieces``):
two pieces through the helper, or, for a large run, three forked pieces and the workbook in a
fork of its own. However they are shared out, the files are the same, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrasim.analysis import parallel
from migrasim.pipelines import run as run_pipeline
from migrasim.pipelines.common import Options
from migrasim.render.bundle import RUN_CHARTS

ROOT = Path(__file__).resolve().parents[2]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_a_large_runs_three_pieces_write_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "can_fork", lambda: True)  # as on the CLI
    scenario = ROOT / "scenarios" / "health_boards.yaml"
    assert [p.csv for p in run_pipeline.run_pieces(29)] == [False, True]
    run_pipeline.run(scenario, out=tmp_path / "two", options=Options(replications=200, seed=3))
    monkeypatch.setattr(run_pipeline, "INHERIT_FLOWS", 10)  # 29 flows: a large run now
    plan = run_pipeline.run_pieces(29)
    assert [p.csv for p in plan] == [False, False, True]
    assert sorted(c for p in plan for c in p.charts) == sorted(RUN_CHARTS)
    run_pipeline.run(scenario, out=tmp_path / "three", options=Options(replications=200, seed=3))
    two, three = _files(tmp_path / "two"), _files(tmp_path / "three")
    assert {"timeline.csv", "gantt.png", "burnup.png", "report.html"} <= two.keys()
    assert two == three
