"""serve/levers.py and scenario/writer.py: levers from a scenario, scaled volumes, variants."""

from __future__ import annotations

import json
from pathlib import Path

from migrasim.render.i18n import translator
from migrasim.scenario.loader import load_scenario
from migrasim.scenario.writer import variant_yaml
from migrasim.serve.levers import (
    Lever,
    lever_labels,
    scaled_volume,
    scenario_levers,
    value_text,
)
from tests.helpers import invoke, scenario_dict

ROOT = Path(__file__).resolve().parents[2]


def test_value_text_is_what_set_reads() -> None:
    assert value_text("1 GB") == "1 GB"
    assert value_text(None) == ""
    assert value_text({"low": "1 h", "likely": "2 h"}) == '{"low": "1 h", "likely": "2 h"}'
    assert value_text(0.7) == "0.7"


def test_scaled_volume_keeps_the_estimate_shape() -> None:
    lever = Lever("flows[A].volume", "", "volumes", "A", (10e9, 20e9, 40e9), {"dist": "pert"})
    # 10, 20, 40 GB x 1.5 = 15, 30, 60 GB = 15000000000, 30000000000, 60000000000 bytes.
    assert scaled_volume(lever, 1.5) == (
        '{"low": "15000000000 B", "likely": "30000000000 B", "high": "60000000000 B", '
        '"dist": "pert"}'
    )
    fixed = Lever("flows[B].volume", "5 GB", "volumes", "B", (5e9, 5e9, 5e9), {})
    assert scaled_volume(fixed, 0.2) == "1000000000 B"  # 5 GB x 0.2 = 1 GB


def test_inventory_flows_are_levers_too() -> None:
    spec, levers = scenario_levers(ROOT / "scenarios" / "inventory_example.yaml")
    volume_keys = [lever.key for lever in levers if lever.group == "volumes"]
    assert volume_keys == [f"flows[{flow.name}].volume" for flow in spec.flows]


def test_a_written_scenario_loads_back_the_same(tmp_path: Path) -> None:
    # the inventory stays an inventory: the variant reads it from beside itself
    (tmp_path / "inventory_example.csv").write_bytes(
        (ROOT / "scenarios" / "inventory_example.csv").read_bytes()
    )
    for name in ("health_boards.yaml", "hardwired.yaml", "inventory_example.yaml"):
        source = ROOT / "scenarios" / name
        copy = tmp_path / name
        copy.write_text(variant_yaml(source, (), ["a header"]), encoding="utf-8")
        # no change: the file itself, under the header
        assert copy.read_text(encoding="utf-8") == "# a header\n" + source.read_text("utf-8")
        assert load_scenario(copy) == load_scenario(source), name


def test_serve_refuses_a_bad_scenario_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n", encoding="utf-8")
    code, _, stderr = invoke("serve", str(bad))
    assert code == 2
    assert stderr.startswith(f"Error: {bad}: ")


def test_the_wales_levers_and_their_order() -> None:
    # scenarios/health_boards.yaml: the dates, then its one link "capped" (daily cap 1 GB,
    # outages every 30 days; no bandwidth, window or lead time in the file), then 31 volumes
    _, levers = scenario_levers(ROOT / "scenarios" / "health_boards.yaml")
    head = [(lever.key, lever.value, lever.group, lever.field) for lever in levers[:7]]
    assert head == [
        ("start", "2025-06-02", "dates", "start"),
        ("go_live", "2026-01-05", "dates", "go_live"),
        ("links.capped.daily_cap", "1 GB", "capped", "daily_cap"),
        ("links.capped.bandwidth", "", "capped", "bandwidth"),
        ("links.capped.window", "", "capped", "window"),
        ("links.capped.lead_time", "", "capped", "lead_time"),
        ("links.capped.outages.mtbf", "30 days", "capped", "mtbf"),
    ]
    assert [lever.group for lever in levers[7:]] == ["volumes"] * 29
    assert levers[7].as_json() == {
        "key": "flows[Isle of Anglesey].volume",
        "value": '{"low": "14 GB", "likely": "72 GB", "high": "216 GB", "group": "volume_method"}',
        "group": "volumes",
        "field": "Isle of Anglesey",
        "volume_bytes": [14e9, 72e9, 216e9],
        "volume_extra": {"dist": "pert", "group": "volume_method"},
    }


def test_every_shipped_scenario_keeps_its_levers() -> None:
    # GET /api/scenario's levers of every shipped scenario, as main offered them before the
    # levers came from the registries (tests/unit/levers_shipped.json): same levers, same order
    pinned = json.loads((Path(__file__).with_name("levers_shipped.json")).read_text("utf-8"))
    shipped = sorted(path.name for path in (ROOT / "scenarios").glob("*.yaml"))
    assert sorted(pinned) == shipped
    for name, expected in pinned.items():
        _, levers = scenario_levers(ROOT / "scenarios" / name)
        assert [lever.as_json() for lever in levers] == expected, name


def test_a_record_limit_is_a_lever_where_the_file_sets_one(tmp_path: Path) -> None:
    # the record limits declare WhatIf(always=False): offered by the link that sets one only
    links = {"rated": {"records_rate": "200 records/s"},
             "plain": {"daily_cap": "1 GB"}}  # fmt: skip
    flows = [{"name": "A", "volume": "1 GB", "records": "1 M", "links": ["rated"]},
             {"name": "B", "volume": "1 GB", "links": ["plain"]}]  # fmt: skip
    path = tmp_path / "rated.yaml"
    path.write_text(json.dumps(scenario_dict(links, flows)), encoding="utf-8")
    _, levers = scenario_levers(path)
    assert [(lever.key, lever.value) for lever in levers if lever.group == "rated"] == [
        ("links.rated.daily_cap", ""),
        ("links.rated.bandwidth", ""),
        ("links.rated.records_rate", "200 records/s"),
        ("links.rated.window", ""),
        ("links.rated.lead_time", ""),
    ]
    assert [lever.field for lever in levers if lever.group == "plain"] == [
        "daily_cap", "bandwidth", "window", "lead_time"]  # fmt: skip


def test_the_lever_captions_come_from_the_kinds() -> None:
    # a kind's WhatIf label (the page's words before the levers came from the registries),
    # else its label with a capital, in the page's language
    en, cy = lever_labels(translator("en")), lever_labels(translator("cy"))
    assert en == {
        "daily_cap": "Daily cap",
        "bandwidth": "Bandwidth",
        "records_rate": "Record rate",
        "daily_records": "Daily record limit",
        "daily_cap_by_weekday": "Daily cap by weekday",
        "lead_time": "Lead time",
        "mtbf": "Time between outages",
    }
    assert cy["daily_cap"] == "Terfyn dyddiol"
    assert cy["lead_time"] == "Amser arwain"
    assert cy["mtbf"] == "Amser rhwng toriadau"
    assert cy["records_rate"] == "Cyfradd cofnodion"


WEEK = {"Mon": "1 GB", "Tue": "1 GB", "Wed": "1 GB", "Thu": "1 GB", "Fri": "1 GB",
        "Sat": "5 GB", "Sun": "5 GB"}  # fmt: skip


def test_a_daily_cap_by_weekday_is_a_lever_where_the_file_sets_one(tmp_path: Path) -> None:
    # WhatIf(always=False): offered by the link that sets one, in the rules' registry order,
    # its value the mapping as a JSON flow mapping; no daily cap beside it (it excludes one)
    links = {"weekly": {"daily_cap_by_weekday": WEEK}, "plain": {"daily_cap": "1 GB"}}
    flows = [{"name": "A", "volume": "10 GB", "links": ["weekly"]},
             {"name": "B", "volume": "1 GB", "links": ["plain"]}]  # fmt: skip
    path = tmp_path / "weekly.yaml"
    path.write_text(json.dumps(scenario_dict(links, flows)), encoding="utf-8")
    _, levers = scenario_levers(path)
    found = [(lever.key, lever.value) for lever in levers if lever.group == "weekly"]
    assert found == [
        ("links.weekly.bandwidth", ""),
        ("links.weekly.daily_cap_by_weekday", json.dumps(WEEK)),
        ("links.weekly.window", ""),
        ("links.weekly.lead_time", ""),
    ]
    assert [lever.field for lever in levers if lever.group == "plain"] == [
        "daily_cap", "bandwidth", "window", "lead_time"]  # fmt: skip
    # the page sends the value back as --set takes it: the same scenario, and a changed day
    # is read as the file's mapping would be
    (weekly,) = [lever for lever in levers if lever.field == "daily_cap_by_weekday"]
    same = load_scenario(path, [f"{weekly.key}={weekly.value}"])
    assert same.links["weekly"] == load_scenario(path).links["weekly"]
    changed = json.dumps({**WEEK, "Sat": "10 GB"})
    link = load_scenario(path, [f"{weekly.key}={changed}"]).links["weekly"]
    assert link.limits == {"daily_cap_by_weekday": 10e9}  # its largest day
    assert link.profiles == {"daily_cap_by_weekday": (1e9, 1e9, 1e9, 1e9, 1e9, 10e9, 5e9)}
    assert lever_labels(translator("cy"))["daily_cap_by_weekday"] == (
        "Terfyn dyddiol fesul diwrnod o'r wythnos"
    )
