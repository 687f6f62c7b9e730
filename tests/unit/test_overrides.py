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
