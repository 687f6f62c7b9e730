"""--set refuses key paths through names that do not exist, and new links nobody uses."""

from __future__ import annotations

from typing import Any

import pytest

from migrasim.errors import ScenarioError
from migrasim.scenario.loader import read_yaml
from migrasim.scenario.overrides import apply_overrides

BASE: dict[str, Any] = {
    "name": "probe",
    "start": "2025-06-02",
    "links": {"capped": {"daily_cap": "1 GB"}},
    "flows": [
        {"name": "Cardiff", "source": "A", "target": "B", "volume": "1 GB", "links": ["capped"]}
    ],
}


def _apply(*assignments: str) -> Any:
    return apply_overrides(BASE, assignments, "probe.yaml", lambda text: read_yaml(text, "--set"))


def test_a_typo_in_a_link_name_is_refused_with_did_you_mean() -> None:
    with pytest.raises(ScenarioError) as info:
        _apply("links.caped.daily_cap=5 GB")
    assert str(info.value) == (
        "probe.yaml: --set links.caped.daily_cap=5 GB: there is no link 'caped'. "
        "Fix: did you mean 'capped'? defined: capped"
    )


def test_a_new_link_that_no_flow_uses_is_refused() -> None:
    with pytest.raises(ScenarioError, match="defines a new link 'wire' that no flow uses"):
        _apply("links.wire={bandwidth: 1 Gbit/s}")


def test_a_new_link_put_on_a_path_is_accepted() -> None:
    data = _apply("links.wire={bandwidth: 1 Gbit/s}", "flows[Cardiff].links=[wire]")
    assert data["links"]["wire"] == {"bandwidth": "1 Gbit/s"}
    assert data["flows"][0]["links"] == ["wire"]


def test_a_new_field_of_an_existing_link_is_set() -> None:
    data = _apply("links.capped.outages.mtbf=30 days")
    assert data["links"]["capped"]["outages"] == {"mtbf": "30 days"}
    assert "outages" not in BASE["links"]["capped"]  # the input is not changed


def test_a_value_the_file_shares_through_an_alias_changes_only_where_the_key_points() -> None:
    """health_boards.yaml gives every flow ``rejection: *rejection``: ``--set`` on one flow's
    rejection changed all 29 flows (the copy kept the sharing)."""
    text = """
name: probe
start: 2025-06-02
links: {capped: {daily_cap: 1 GB}}
flows:
  - {name: A, source: s, target: t, volume: 1 GB, links: [capped],
     rejection: &r {fraction: 0.03, delay: {low: 1 week, likely: 2 weeks, high: 4 weeks}}}
  - {name: B, source: s, target: t, volume: 1 GB, links: [capped], rejection: *r}
  - {name: C, source: s, target: t, volume: 1 GB, links: [capped], rejection: *r}
"""
    data = read_yaml(text, "probe.yaml")
    changed = apply_overrides(
        data, ["flows[B].rejection.fraction=0.5", "flows[0].rejection.delay.high=6 weeks"],
        "probe.yaml", lambda value: read_yaml(value, "--set"),
    )  # fmt: skip
    fractions = [flow["rejection"]["fraction"] for flow in changed["flows"]]
    highs = [flow["rejection"]["delay"]["high"] for flow in changed["flows"]]
    assert fractions == [0.03, 0.5, 0.03]
    assert highs == ["6 weeks", "4 weeks", "4 weeks"]
    assert [flow["rejection"]["fraction"] for flow in data["flows"]] == [0.03] * 3  # untouched
