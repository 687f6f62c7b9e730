"""``run`` shares its charts and CSV files out among helper processes
(``pipelines.run.run_pieces``): two pieces through the helper, or, for a large run, three
forked pieces and the workbook in a fork of its own. However they are shared out, the files
are the same, byte for byte. A command loads its own pipeline only, and forks its helper
first."""

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


CHECK_IMPORTS = """
import json, sys
from migrasim.analysis import parallel

at_fork = []
warm = parallel.Warm.__init__

def hooked(self, *args, **kwargs):
    at_fork.append(set(sys.modules))
    warm(self, *args, **kwargs)

parallel.Warm.__init__ = hooked
from migrasim import api

command, scenarios, out = sys.argv[1], sys.argv[2:-1], sys.argv[-1]
if command == "run":
    api.run(scenarios[0], replications=20, seed=1).write(out)
else:
    api.compare(scenarios, replications=20, seed=1).write(out)
print(json.dumps({
    "pipelines": sorted(m for m in sys.modules if m.startswith("migrasim.pipelines")),
    "main": sorted({"pandas", "matplotlib"} & {m.split(".")[0] for m in sys.modules}),
    "at_fork": sorted({"migrasim.analysis.board", "migrasim.render.bundle"} & at_fork[0]),
}))
"""


@pytest.mark.parametrize(
    ("command", "loaded", "at_fork"),
    [("run", "run", ["migrasim.render.bundle"]), ("compare", "compare", [])],
)
def test_a_command_loads_its_own_pipeline_and_forks_its_helper_first(
    tmp_path: Path, command: str, loaded: str, at_fork: list[str]
) -> None:
    """``migrasim run`` (and ``compare``) imports only its own pipeline module, never pandas or
    matplotlib in the main process (its helper draws), and forks that helper before importing
    what it needs only later: the board's searches (and, for compare, the report's
    renderers), so the helper's imports overlap the simulation as long as they can."""
    import json
    import subprocess
    import sys

    scenarios = [ROOT / "scenarios" / "health_boards.yaml"]
    if command == "compare":
        scenarios.append(ROOT / "scenarios" / "health_boards_shared.yaml")
    found = subprocess.run(
        [sys.executable, "-c", CHECK_IMPORTS, command, *map(str, scenarios), str(tmp_path / "o")],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    seen = json.loads(found.stdout.strip().splitlines()[-1])
    assert seen["pipelines"] == sorted(
        ["migrasim.pipelines", "migrasim.pipelines.common", f"migrasim.pipelines.{loaded}"]
    )
    assert seen["main"] == []
    assert seen["at_fork"] == at_fork
