"""What would fix it, in the units the user types: the capacity a run suggests is in the terms of
the scenario key it names (a nominal bandwidth, before efficiency), so that ``--set KEY=VALUE``
with it reproduces the stated chance; fix.csv carries the same values; every "N days earlier"
names its basis."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from migrasim.analysis.advice import fix_for
from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.records import Binding, Relief, RunReport
from migrasim.analysis.summary import summarise
from migrasim.core import units
from migrasim.core.rules import in_time
from migrasim.pipelines import run as run_pipeline
from migrasim.pipelines.common import default_seed
from migrasim.render.board import binding_words
from migrasim.render.bundle import fix_files
from migrasim.render.i18n import translator
from migrasim.scenario.loader import load_scenario

EN, CY = translator("en"), translator("cy")
KEY = "links.wan.bandwidth"


def _scenario(
    bandwidth: Any, efficiency: Any, volume: Any, replications: int = 300
) -> dict[str, Any]:
    """One flow through one 24-hour link, Mon-Fri with Welsh holidays: 2025-06-02 to go-live
    2025-09-01 leaves 64 working days (21 in June, 23 in July, 20 in August: 25 Aug is a bank
    holiday)."""
    flow = {"name": "Records", "source": "Old", "target": "New", "volume": volume,
            "links": ["wan"]}  # fmt: skip
    return {
        "name": "One link at 60 % efficiency",
        "start": "2025-06-02",
        "go_live": "2025-09-01",
        "replications": replications,
        "seed": 3,
        "links": {"wan": {"bandwidth": bandwidth, "efficiency": efficiency}},
        "flows": [flow],
    }


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "eff.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _report(path: Path, overrides: tuple[str, ...] = ()) -> RunReport:
    """What ``run`` finds (the board's findings included), in-process and without its files;
    each of ``overrides`` applied as ``--set`` applies it."""
    spec = load_scenario(path, overrides)
    outcome = run_scenario(spec, None, default_seed(spec, None))
    report = summarise(outcome)
    fix = fix_for(spec, report.programme.bottleneck, str(path), overrides, outcome.model)
    report = replace(report, fix=fix)
    return replace(report, **run_pipeline.board_findings(outcome, report, fix))


def _typed_back(path: Path, value: str) -> tuple[float, RunReport]:
    """(the chance of making go-live, the run) with ``--set KEY=value``."""
    spec = load_scenario(path, (f"{KEY}={value}",))
    report = summarise(run_scenario(spec, None, default_seed(spec, None)))
    assert report.programme.chance is not None
    return report.programme.chance, report


def _fix_rows(report: RunReport) -> list[dict[str, str]]:
    """fix.csv's rows as ``run`` writes them."""
    text = fix_files(report)["fix.csv"].decode("utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert reader.fieldnames == ["key", "confidence", "value", "low", "high"]
    return list(reader)


def test_bandwidth_need_is_nominal_by_hand(tmp_path: Path) -> None:
    # 90 TB (+-0.1 TB) in 64 working days of 24 h needs 9e13 B / (64 x 86,400 s) = 16.28 MB/s
    # = 130.2 Mbit/s usable, so 130.2 / 0.6 = 217.0 Mbit/s of nominal line speed (the advice
    # used to state the usable 130 Mbit/s, which --set reads as a line speed). 90.1 TB needs
    # 217.25; the search stops within 0.5 % above a need: at most 218.4.
    data = _scenario("200 Mbit/s", 0.6, {"low": "89.9 TB", "likely": "90 TB", "high": "90.1 TB"})
    path = _write(tmp_path, data)
    result = run_pipeline.run(path, (), tmp_path / "out", force=True)  # the files, fix.csv too
    need = result.report.capacity
    assert need is not None
    assert need.key == KEY
    assert need.unit == "Mbit/s"
    assert need.current == pytest.approx(200.0)  # nominal, as the file gives it
    for target in need.targets:
        assert target.needed is not None
        assert 216.7 <= target.needed <= 218.4, target
    with (tmp_path / "out" / "fix.csv").open(newline="", encoding="utf-8") as handle:
        written = handle.read()
    assert written.startswith("key,confidence,value,low,high\n")
    rows = _fix_rows(result.report)
    assert rows == list(csv.DictReader(io.StringIO(written, newline="")))
    assert [r["confidence"] for r in rows] == ["0.5", "0.8"]
    # the workbook has the same table, headed in words, with the values as text to type
    sheet = openpyxl.load_workbook(tmp_path / "out" / "summary.xlsx")["What would fix it"]
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0] == ("Scenario key (as --set takes it)", "Chance of making go-live", "Value",
                        "Low", "High")  # fmt: skip
    assert cells[1:] == [(r["key"], float(r["confidence"]), r["value"], r["low"], r["high"])
                         for r in rows]  # fmt: skip
    for row, target in zip(rows, need.targets, strict=True):
        assert row["key"] == KEY
        assert row["value"].endswith(" Mbit/s")
        # the text is what --set reads: the stated value, in bytes/s
        assert units.parse_rate(row["value"]) == pytest.approx(target.needed * 1e6 / 8)


UNCERTAIN_BANDWIDTH = {"low": "150 Mbit/s", "likely": "200 Mbit/s", "high": "230 Mbit/s"}
UNCERTAIN_EFFICIENCY = {"low": 0.5, "likely": 0.6, "high": 0.7}


@pytest.mark.parametrize(
    ("bandwidth", "efficiency", "n"),
    [
        ("200 Mbit/s", 0.6, 300),  # the case
        # both uncertain: --set fixes the bandwidth, the efficiency stays drawn (a rate per
        # draw makes the batch solver slow: fewer replications)
        (UNCERTAIN_BANDWIDTH, UNCERTAIN_EFFICIENCY, 100),
    ],
)
def test_suggested_bandwidth_typed_back_reproduces_its_chance(
    tmp_path: Path, bandwidth: Any, efficiency: Any, n: int
) -> None:
    volume = {"low": "60 TB", "likely": "90 TB", "high": "160 TB"}
    path = _write(tmp_path, _scenario(bandwidth, efficiency, volume, n))
    report = _report(path)
    go_live = report.go_live
    assert go_live is not None
    rows = {r["confidence"]: r for r in _fix_rows(report)}
    assert set(rows) == {"0.5", "0.8"}
    for confidence, row in rows.items():
        p = float(confidence)
        assert row["key"] == KEY
        chance, typed = _typed_back(path, row["value"])
        # the same draws as the run: at least the stated chance, and no more than a few draws
        # beyond it (the value is the smallest to 0.5 %, then rounded up to 4 figures)
        assert p <= chance <= p + 3 / n, (row, chance)
        low, _ = _typed_back(path, row["low"])
        high, _ = _typed_back(path, row["high"])
        assert low <= p <= high
        if p == 0.8:  # the P80 target: the suggested value makes "P80 < go_live"
            assert in_time(typed.programme.p80, go_live)


def test_doubling_states_its_basis(tmp_path: Path) -> None:
    volume = {"low": "60 TB", "likely": "90 TB", "high": "160 TB"}
    path = _write(tmp_path, _scenario("200 Mbit/s", 0.6, volume))
    report = _report(path)
    binding = report.binding
    assert binding is not None
    assert binding.p80_draws == 300
    # measured on the run's draws: today's headline P80 against that of the same draws at
    # twice the line speed
    _, doubled = _typed_back(path, "400 Mbit/s")
    today, twice = report.programme.p80, doubled.programme.p80
    assert today is not None
    assert twice is not None
    assert binding.link_p80_days == (today - twice).days
    _, words = binding_words(binding, None, EN)
    assert words is not None
    assert words.startswith(
        f"Doubling this link's capacity would bring the P80 finish {(today - twice).days} days "
        "earlier (on 300 of this run's simulated draws; at the most likely inputs alone, "
    )
    _, cy_words = binding_words(binding, None, CY)
    assert cy_words is not None
    assert "P80" in cy_words


def test_every_days_earlier_names_its_basis() -> None:
    # Without draws (a deterministic run, or flows sharing a link: the batch solver cannot
    # re-solve the draws) the gains are the most likely run's, and the sentences say so.
    link = Binding(
        "link", "wan", None, 52.4, (Relief("lead_time", 0.0), Relief("remediation", 0.0))
    )
    assert binding_words(link, None, EN)[1] == (
        "Doubling this link's capacity would bring the finish 52 days earlier at the most likely "
        "inputs."
    )
    lead = Binding(
        "lead_time", "wan", None, 3.0, (Relief("lead_time", 28.0), Relief("remediation", 0.0))
    )
    assert binding_words(lead, None, EN)[1] == (
        "With no install lead time the programme would finish 28 days earlier at the most "
        "likely inputs."
    )
    remediation = Binding(
        "remediation", "wan", None, 3.0, (Relief("lead_time", 0.0), Relief("remediation", 140.0))
    )
    assert binding_words(remediation, None, EN)[1] == (
        "With no remediation delay for rejected records the programme would finish 140 days "
        "earlier at the most likely inputs."
    )
    # With the draws, the P80's shift leads and the most likely run's is given beside it.
    both = Binding(
        "link",
        "wan",
        None,
        300.2,
        (Relief("lead_time", 0.0), Relief("remediation", 13.0)),
        507.0,
        1000,
    )
    assert binding_words(both, None, EN)[1] == (
        "Doubling this link's capacity would bring the P80 finish 507 days earlier (on 1,000 of "
        "this run's simulated draws; at the most likely inputs alone, 300 days)."
    )
    assert binding_words(both, None, CY)[1] == (
        "Byddai dyblu capasiti'r cyswllt hwn yn dod â diwedd y P80 507 diwrnod yn gynt (ar 1,000 "
        "o dyniadau efelychiedig y rhediad hwn; gyda'r mewnbynnau mwyaf tebygol yn unig, 300 "
        "diwrnod)."
    )


def test_the_printed_solve_command_is_inert_when_pasted(tmp_path: Path) -> None:
    """A link named like a shell command stays one argument of the suggested command."""
    import shlex
    import subprocess

    from migrasim.analysis.advice import fix_for
    from migrasim.scenario.types import parse_scenario

    evil = "x;touch PWNED;#"
    data = {
        "name": "quoted",
        "start": "2025-06-02",
        "go_live": "2025-06-20",
        "calendar": {"holidays": "none"},
        "links": {evil: {"daily_cap": "1 GB"}},
        "flows": [{"source": "A", "target": "B", "volume": "30 GB", "links": [evil]}],
    }
    fix = fix_for(parse_scenario(data, "s.yaml"), evil, "my plan.yaml", ["go_live=2025-06-21"])
    assert fix is not None
    words = shlex.split(fix.solve_command)
    assert words[words.index("--vary") + 1] == f"links.{evil}.daily_cap"
    assert words[2] == "my plan.yaml"
    assert words[words.index("--set") + 1] == "go_live=2025-06-21"
    # pasted into a shell (with echo in front), it runs nothing
    subprocess.run(["sh", "-c", f"echo {fix.solve_command}"], cwd=tmp_path, check=True,
                   capture_output=True)  # fmt: skip
    assert not (tmp_path / "PWNED").exists()
