"""The library API (migrasim/api.py): each command's result holds the tables, charts and files
``migrasim <command>`` writes for the same options and seed, ``write`` writes that folder (with
the command line's refusal rules), and bad input raises the errors the command line reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import migrasim
from migrasim import api
from migrasim.errors import MigrasimError, ResultsExistError, ScenarioError, translated
from migrasim.folder import MARKER, written_files
from migrasim.render.i18n import UnknownLanguageError
from migrasim.scenario.loader import load_scenario, source_of
from tests.helpers import invoke

SMALL = """\
name: small
start: 2025-06-02
go_live: 2025-07-14
calendar: {working_days: [Mon, Tue, Wed, Thu, Fri], holidays: none}
links:
  capped: {daily_cap: 1 GB, per_flow: true}
  wired: {bandwidth: 100 Mbit/s, per_flow: true,
          lead_time: {low: 1 week, likely: 2 weeks, high: 5 weeks}, fallback: capped}
flows:
  - {name: A, source: a, target: t, links: [capped],
     volume: {low: 20 GB, likely: 40 GB, high: 70 GB}}
  - {name: B, source: b, target: t, links: [capped],
     volume: {low: 10 GB, likely: 30 GB, high: 60 GB}}
options:
  - name: wire
    each: organisation
    set: {"flows[{flow}].links": [wired]}
    cost: 30
  - name: cap
    set: {links.capped.daily_cap: 1.6 GB}
    cost: 45
"""

LOG = """\
date,flow,bytes
2025-06-02,A,0.8 GB
2025-06-03,A,0.9 GB
2025-06-02,B,1.0 GB
2025-06-03,B,0.7 GB
"""

N, SEED = ("-n", "40"), ("--seed", "3")


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def frame(path: Path) -> pd.DataFrame:
    """A CSV file as the API reads it: an empty cell missing, every other text kept."""
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def cli(*args: str) -> None:
    code, _, stderr = invoke(*args)
    assert code == 0, stderr


def same_folder(api_out: Path, cli_out: Path) -> None:
    """The API's folder holds the files the command line's holds, each CSV, JSON and YAML
    file byte for byte (the report and the workbook too: nothing in them depends on time)."""
    assert written_files(api_out) == written_files(cli_out)
    names = written_files(cli_out) or set()
    assert names
    for name in names:
        assert (api_out / name).read_bytes() == (cli_out / name).read_bytes(), name
    assert (api_out / MARKER).read_bytes() == (cli_out / MARKER).read_bytes()


def test_run_tables_charts_and_folder_are_the_command_lines(scenario: Path, tmp_path: Path) -> None:
    cli("run", str(scenario), "--out", str(tmp_path / "cli"), *N, *SEED)
    result = migrasim.run(scenario, replications=40, seed=3)
    pd.testing.assert_frame_equal(result.summary, frame(tmp_path / "cli" / "summary.csv"))
    assert result.completions is not None
    pd.testing.assert_frame_equal(result.completions, frame(tmp_path / "cli" / "completions.csv"))
    assert result.completions.shape[0] == 40 * 2  # a row per replication and flow
    assert result.summary["flow"].tolist()[:2] == ["A", "B"]
    cli_charts = {p.name: p.read_bytes() for p in (tmp_path / "cli").glob("*.png")}
    assert result.figures == cli_charts
    assert result.figures["cdf.png"]._repr_png_().startswith(b"\x89PNG")
    assert set(result.tables) == {p.name for p in (tmp_path / "cli").glob("*.csv")}
    assert result.report.programme.p80 is not None
    # computed first, then written: the same folder
    assert result.write(tmp_path / "api") == tmp_path / "api"
    same_folder(tmp_path / "api", tmp_path / "cli")


def test_a_result_written_before_it_is_read_is_the_same(scenario: Path, tmp_path: Path) -> None:
    cli("run", str(scenario), "--out", str(tmp_path / "cli"), *N, *SEED, "--lang", "cy")
    result = api.run(str(scenario), replications=40, seed=3, lang="cy")
    assert result.write(tmp_path / "api") == tmp_path / "api"  # the pipeline writes it
    same_folder(tmp_path / "api", tmp_path / "cli")
    # read back from the folder written; written again elsewhere, the same
    pd.testing.assert_frame_equal(result.summary, frame(tmp_path / "cli" / "summary.csv"))
    result.write(tmp_path / "again")
    same_folder(tmp_path / "again", tmp_path / "cli")


@pytest.mark.parametrize("read_first", [False, True])
def test_write_refuses_an_existing_folder_without_force(
    scenario: Path, tmp_path: Path, read_first: bool
) -> None:
    out = tmp_path / "out"
    cli("run", str(scenario), "--out", str(out), "-n", "20")
    before = (out / "summary.csv").read_bytes()
    result = api.run(scenario, replications=25, seed=9)
    if read_first:
        assert len(result.summary) == 3  # A, B and ALL
    with pytest.raises(ResultsExistError, match="already holds results; pass --force"):
        result.write(out)
    assert (out / "summary.csv").read_bytes() == before
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(ResultsExistError, match="holds files migrasim did not write"):
        result.write(tmp_path / "mine", force=True)
    assert result.write(out, force=True) == out
    assert (out / "summary.csv").read_bytes() != before  # 25 replications, seed 9


def test_a_loaded_scenario_runs_as_its_file(scenario: Path, tmp_path: Path) -> None:
    cli("run", str(scenario), "--out", str(tmp_path / "cli"), *N, *SEED,
        "--set", "links.capped.daily_cap=2 GB")  # fmt: skip
    loaded = migrasim.load_scenario(scenario, ["links.capped.daily_cap=2 GB"])
    result = api.run(loaded, replications=40, seed=3)
    result.write(tmp_path / "api")
    same_folder(tmp_path / "api", tmp_path / "cli")
    # the overrides given as a mapping are the same --set changes
    mapped = api.run(scenario, overrides={"links.capped.daily_cap": "2 GB"}, replications=40,
                     seed=3)  # fmt: skip
    pd.testing.assert_frame_equal(mapped.summary, frame(tmp_path / "cli" / "summary.csv"))


def test_a_scenario_changed_after_loading_is_refused(scenario: Path) -> None:
    changed = load_scenario(scenario).model_copy(update={"seed": 12})
    with pytest.raises(ScenarioError, match="scenario: 'small' is not allowed"):
        api.run(changed)
    # one made from data, not read from a file, has no file to quote in the report
    made = migrasim.parse_scenario(yaml.safe_load(SMALL))
    with pytest.raises(ScenarioError, match="give the scenario's file, or a scenario as"):
        api.run(made)
    assert source_of(load_scenario(scenario, ["seed=4"])) == (scenario, ("seed=4",))
    assert source_of(made) is None
    assert made == load_scenario(scenario)  # the source is not part of the scenario's value


def _cli_error(*args: str) -> str:
    code, _, stderr = invoke(*args)
    assert code == 2
    return stderr.removeprefix("Error: ").strip()


def test_bad_input_raises_the_command_lines_errors(scenario: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ScenarioError) as raised:
        api.run(missing)
    assert str(raised.value) == _cli_error("run", str(missing))
    bad = ["links.capped.daily_cap=5 parsecs"]
    with pytest.raises(ScenarioError) as raised:
        api.run(scenario, overrides=bad)
    assert str(raised.value) == _cli_error("run", str(scenario), "--set", bad[0])
    with pytest.raises(UnknownLanguageError):
        api.run(scenario, lang="xx")
    for options, words in [
        ({"replications": 0}, "replications: 0 is not allowed. Fix: give a whole number of 1"),
        ({"seed": -1}, "seed: -1 is not allowed. Fix: give a whole number of 0 or more"),
        ({"replications": 2.5}, "replications: 2.5 is not allowed"),
        ({"workers": 2, "scheduler": "tcp://x:1"}, "workers: 2 is not allowed"),
        ({"precision": 0}, "precision: 0 is not allowed. Fix: give a number of days above 0"),
        ({"overrides": "seed=1"}, "overrides: 'seed=1' is not allowed. Fix: give a list of"),
    ]:
        with pytest.raises(ScenarioError, match=words):
            api.run(scenario, **options)
    with pytest.raises(ScenarioError, match="not allowed"):
        api.run(42)  # type: ignore[arg-type]
    api.run(scenario, replications=np.int64(5), seed=np.uint8(1))  # a notebook's counts
    # Welsh, as the command line shows it
    with pytest.raises(ScenarioError) as raised:
        api.run(scenario, replications=0)
    from migrasim.render.i18n import translator

    welsh = translated(raised.value.translated(translator("cy").gettext), None)
    assert welsh == "replications: nid yw 0 yn cael ei ganiatáu. Ateb: rhowch rif cyfan o 1 neu fwy"


def test_compare_is_the_command_lines(scenario: Path, tmp_path: Path) -> None:
    variant = "links.capped.daily_cap=2 GB"
    cli("compare", str(scenario), "--variant", variant, "--out", str(tmp_path / "cli"), *N,
        *SEED)  # fmt: skip
    result = api.compare([scenario], variants=[variant], replications=40, seed=3)
    pd.testing.assert_frame_equal(result.table, frame(tmp_path / "cli" / "compare.csv"))
    assert result.side_by_side["scenario"].tolist() == result.labels
    assert set(result.figures) == {"compare_cdf.png", "compare_burnup.png"}
    result.write(tmp_path / "api")
    same_folder(tmp_path / "api", tmp_path / "cli")
    with pytest.raises(MigrasimError, match="give two or more scenarios"):
        api.compare([scenario])


def test_sweep_is_the_command_lines(scenario: Path, tmp_path: Path) -> None:
    grid = "links.capped.daily_cap=1 GB,2 GB"
    cli("sweep", str(scenario), "--grid", grid, "--out", str(tmp_path / "cli"), *N, *SEED)
    result = api.sweep(scenario, {"links.capped.daily_cap": ["1 GB", "2 GB"]}, replications=40,
                       seed=3)  # fmt: skip
    pd.testing.assert_frame_equal(result.table, frame(tmp_path / "cli" / "sweep.csv"))
    assert len(result.table) == 2
    result.write(tmp_path / "api")
    same_folder(tmp_path / "api", tmp_path / "cli")
    # written first: the pipeline writes the folder, and resumes one
    again = api.sweep(scenario, [grid], replications=40, seed=3)
    assert again.write(tmp_path / "cli", resume=True) == tmp_path / "cli"
    pd.testing.assert_frame_equal(again.table, frame(tmp_path / "api" / "sweep.csv"))


def test_solve_is_the_command_lines(scenario: Path, tmp_path: Path) -> None:
    args = ("--vary", "links.capped.daily_cap", "--between", "1 GB", "4 GB")
    invoke("solve", str(scenario), *args, "--out", str(tmp_path / "cli"), *N, *SEED)
    result = api.solve(scenario, "links.capped.daily_cap", ("1 GB", "4 GB"), replications=40,
                       seed=3)  # fmt: skip
    result.write(tmp_path / "api")
    same_folder(tmp_path / "api", tmp_path / "cli")
    assert len(result.points) == len(result.solution.points) >= 2
    assert result.found["key"] == "links.capped.daily_cap"


def test_track_is_the_command_lines(scenario: Path, tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(LOG, encoding="utf-8")
    cli("track", str(scenario), "--actuals", str(log), "--out", str(tmp_path / "cli"), *N, *SEED)
    result = api.track(scenario, log, replications=40, seed=3)
    pd.testing.assert_frame_equal(result.summary, frame(tmp_path / "cli" / "summary.csv"))
    pd.testing.assert_frame_equal(result.progress, frame(tmp_path / "cli" / "progress.csv"))
    assert "track_burnup.png" in result.figures
    result.write(tmp_path / "api")
    same_folder(tmp_path / "api", tmp_path / "cli")
    with pytest.raises(ScenarioError, match="as_of: 'soon' is not allowed"):
        api.track(scenario, log, as_of="soon")


def test_plan_is_the_command_lines(scenario: Path, tmp_path: Path) -> None:
    cli("plan", str(scenario), "--out", str(tmp_path / "cli"), *N, *SEED)
    result = api.plan(scenario, replications=40, seed=3)
    pd.testing.assert_frame_equal(result.plan, frame(tmp_path / "cli" / "plan.csv"))
    pd.testing.assert_frame_equal(result.frontier, frame(tmp_path / "cli" / "frontier.csv"))
    assert result.yaml == (tmp_path / "cli" / "plan.yaml").read_text(encoding="utf-8")
    result.write(tmp_path / "api")
    same_folder(tmp_path / "api", tmp_path / "cli")


def test_default_folder_is_the_command_lines(
    scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    results: list[tuple[Callable[[], Any], str]] = [
        (lambda: api.run(scenario, replications=5), "results/small"),
        (lambda: api.plan(scenario, replications=5), "results/small-plan"),
    ]
    for make, folder in results:
        result = make()
        assert len(result.files) > 2  # made in a temporary folder, then written
        assert result.write() == Path(folder)
        assert (tmp_path / folder / "report.html").is_file()


def test_each_command_gives_its_pipeline_one_checked_options_record(
    scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The options every simulating command takes reach its pipeline as one record, checked
    (a notebook's numpy count made an int, the precision a ``Precision``), and nothing else
    carries them: the pipeline's other arguments hold none of them."""
    import dataclasses

    from migrasim.analysis.runner import Execution, Precision
    from migrasim.pipelines import compare, plan, run, solve, sweep, track
    from migrasim.pipelines.common import Options

    given: dict[str, tuple[Any, ...]] = {}

    def pipeline(name: str) -> Callable[..., Any]:
        def record(*args: Any, **kwargs: Any) -> Any:
            given[name] = (*args, *kwargs.values())
            raise KeyboardInterrupt  # stops the result here, nothing simulated

        return record

    for module in (run, compare, sweep, solve, track, plan):
        name = module.__name__.rsplit(".", 1)[1]
        monkeypatch.setattr(module, name, pipeline(name))
    log = tmp_path / "log.csv"
    log.write_text(LOG, encoding="utf-8")
    ticks = lambda: None  # noqa: E731 - a progress factory
    common: dict[str, Any] = {"replications": np.int64(7), "seed": 3, "lang": "cy", "workers": 2}
    results = {
        "run": api.run(scenario, precision=2, progress=ticks, **common),
        "compare": api.compare(
            [scenario], variants=["seed=4"], precision=2, progress=ticks, **common
        ),
        "sweep": api.sweep(scenario, ["seed=1,2"], precision=2, **common),
        "solve": api.solve(
            scenario, "links.capped.daily_cap", ("1 GB", "4 GB"), precision=2, **common
        ),
        "track": api.track(scenario, log, progress=ticks, **common),
        "plan": api.plan(scenario, **common),
    }
    for name, result in results.items():
        with pytest.raises(KeyboardInterrupt):
            result.write(tmp_path / name)
        records = [a for a in given[name] if isinstance(a, Options)]
        assert len(records) == 1, name
        options = records[0]
        assert options == Options(
            replications=7, seed=3, execution=Execution(2, None), lang="cy",
            progress=ticks if name in ("run", "compare", "track") else None,
            precision=Precision(days=2.0) if name in ("run", "compare", "sweep", "solve")
            else None,
        ), name  # fmt: skip
        assert type(options.replications) is int
        loose = {7, 3, "cy", ticks}
        assert not [a for a in given[name] if isinstance(a, int | str) and a in loose], name
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.seed = 4  # type: ignore[misc]
