"""Validation bounds: every quantity within what the engine can represent, printable names, a
bounded number of random outages. Each case names the key path and the limit."""

from __future__ import annotations

from typing import Any

import pytest

from migrasim.errors import ScenarioError
from migrasim.scenario.overrides import apply_override
from migrasim.scenario.types import parse_scenario

BASE: dict[str, Any] = {
    "name": "probe",
    "start": "2025-06-02",
    "go_live": "2026-01-05",
    "links": {"capped": {"daily_cap": "1 GB"}},
    "flows": [{"source": "A", "target": "B", "volume": "10 GB", "links": ["capped"]}],
}


def _problems(key: str, value: Any) -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(apply_override(BASE, key, value), "probe.yaml")
    return str(info.value)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        (
            "flows[0].volume",
            "1e308 GB",
            "flows[0].volume (A -> B): too large, got '1e308 GB'. Fix: give at most 1000 PB",
        ),
        (
            "flows[0].volume",
            "1e-300 B",
            "flows[0].volume (A -> B): too small, got '1e-300 B'. Fix: give at least 1 B",
        ),
        ("links.capped.daily_cap", "1e308 GB", "links.capped.daily_cap: too large"),
        (
            "horizon",
            "10000 years",
            "horizon: too large, got '10000 years'. Fix: give at most 100 years",
        ),
        ("start", "0001-01-01", "start: the year 1 is outside 1990-2200"),
        ("start", "9999-12-30", "start: the year 9999 is outside 1990-2200"),
        ("go_live", "9999-12-31", "go_live: the year 9999 is outside 1990-2200"),
        ("flows[0].start", "9999-12-30T08:00", "flows[0].start (A -> B): the year 9999 is"),
        ("calendar.closures", ["9999-12-30"], "calendar.closures[0]: the year 9999 is outside"),
        (
            "links.capped.outages",
            {"planned": ["2025-07-01..9999-12-30"]},
            "links.capped.outages.planned[0]: the year 9999 is outside 1990-2200",
        ),
        ("replications", 10**30, "replications: input should be less than or equal to 1000000"),
        ("flows[0].name", "a\x00b", "flows[0].name: contains the control character U+0000"),
        (
            "flows[0].source",
            "x\ud800",
            "input should be a valid string, unable to parse raw data",
        ),
        ("name", "n" * 201, "name: is 201 characters long. Fix: shorten it to 200"),
        ("description", "d" * 10_001, "description: is 10,001 characters long"),
        (
            "links.capped.outages",
            {"mtbf": "1 s", "mttr": "1 s"},
            "links.capped.outages.mtbf: about 157,788,000 failures within the horizon",
        ),
    ],
)
def test_out_of_range_values_are_refused_with_their_key(
    key: str, value: Any, expected: str
) -> None:
    assert expected in _problems(key, value)


def test_values_at_the_bounds_are_accepted() -> None:
    data = apply_override(BASE, "flows[0].volume", "1000 PB")
    data = apply_override(data, "horizon", "100 years")
    data = apply_override(data, "description", "two\nlines\twith a tab")
    assert parse_scenario(data, "ok.yaml").flows[0].volume == 1e18


def test_too_many_flows_are_refused_before_validating_them() -> None:
    from migrasim.scenario.types import MAX_FLOWS

    flow = BASE["flows"][0]
    data = {**BASE, "flows": [flow] * (MAX_FLOWS + 1)}
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data, "big.yaml")
    assert str(info.value) == (
        "big.yaml: flows: 20,001 flows (inventory rows included), over the limit of 20,000. "
        "Fix: split the programme into scenarios of at most 20,000 flows, or group small "
        "systems into one flow each"
    )


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("flows[0].name", "ALL", "flows[0].name: 'ALL' is the name every output gives"),
        ("flows[0].name", "all", "flows[0].name: 'all' is the name every output gives"),
        ("flows[0].name", "Cardiff ", "flows[0].name: 'Cardiff ' has spaces at its start or end"),
        ("flows[0].source", " A", "flows[0].source: ' A' has spaces at its start or end"),
    ],
)
def test_names_that_would_never_match_are_refused(key: str, value: Any, expected: str) -> None:
    assert expected in _problems(key, value)


def test_a_log_amount_beyond_any_volume_is_refused(tmp_path: Any) -> None:
    from pathlib import Path

    from migrasim.scenario.actuals import read_actuals

    log = Path(tmp_path) / "log.csv"
    log.write_text("date,flow,bytes\n2025-06-03,A -> B,1e308\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="column bytes: too large, got '1e308'"):
        read_actuals(log, "log.csv", parse_scenario(BASE, "probe.yaml"))


def test_the_outage_bound_counts_every_copy_of_a_per_flow_link() -> None:
    """Near-hourly failures validate on one link (75,000 in ten years) but not on 29 per-flow
    copies of it (2.2 million in all); rarer ones on 29 copies do."""
    data = apply_override(BASE, "links.capped.outages", {"mtbf": "1 h", "mttr": "10 min"})
    parse_scenario(data, "probe.yaml")  # one link: within the bound
    data = apply_override(data, "links.capped.per_flow", True)
    flows = [{**BASE["flows"][0], "name": f"f{i}"} for i in range(29)]
    with pytest.raises(ScenarioError, match="in all, over its 29 per-flow copies"):
        parse_scenario(apply_override(data, "flows", flows), "probe.yaml")
    rarer = apply_override(data, "links.capped.outages", {"mtbf": "20 h", "mttr": "1 h"})
    parse_scenario(apply_override(rarer, "flows", flows), "probe.yaml")


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_only_regular_files_are_read(tmp_path: Any, kind: str) -> None:
    import os
    from pathlib import Path

    from migrasim.scenario.loader import load_scenario

    path = Path(tmp_path) / "flows.csv"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    scenario = Path(tmp_path) / "s.yaml"
    scenario.write_text(
        "name: t\nstart: 2025-06-02\nlinks: {capped: {daily_cap: 1 GB}}\n"
        "flows_from: {file: flows.csv, links: [capped]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match=r"flows\.csv: is not a regular file"):
        load_scenario(scenario)


def test_a_table_is_read_within_its_bounds(tmp_path: Any) -> None:
    from pathlib import Path

    from migrasim.scenario.inventory import MAX_COLUMNS, MAX_LINE, read_rows

    wide = Path(tmp_path) / "wide.csv"
    wide.write_text(",".join(["c"] * (MAX_COLUMNS + 1)) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="row 1: has 1,001 columns"):
        read_rows(wide, "wide.csv")
    long = Path(tmp_path) / "long.csv"
    long.write_text("a" * (MAX_LINE + 5) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="line 1: is 1,000,001 characters long"):
        read_rows(long, "long.csv")
    many = Path(tmp_path) / "many.csv"
    many.write_text("a\n" * 11, encoding="utf-8")
    with pytest.raises(ScenarioError, match="has more than 10 rows"):
        read_rows(many, "many.csv", max_rows=10)
    assert len(read_rows(many, "many.csv", max_rows=11)) == 11
