"""Nothing a user can write gives an internal error: a fuzz test of the loader and validation.

Two properties, over generated input:

* any YAML document (generated trees, and mutations of a scenario that uses every feature)
  gets exit 0 or 2 from ``validate``, never 1 and never a traceback;
* whatever ``validate`` accepts, ``run`` runs (exit 0).

The CLI runs in-process with ``MIGRASIM_DEBUG=1``, so an internal error surfaces as an
exception (and fails the test with its traceback) instead of exit 1.
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import invoke

BASE_YAML = """
name: fuzz base
start: 2025-06-02
go_live: 2025-09-01
horizon: 2 years
calendar: {holidays: wales, closures: [2025-08-25..2025-08-29]}
correlation: {estimates: 0.5}
links:
  capped:
    daily_cap: {low: 0.8 GB, likely: 1 GB, high: 1.2 GB, group: estimates}
    outages: {mtbf: 30 days, mttr: {low: 2 h, likely: 8 h, high: 2 days}, planned: [2025-07-08]}
  wire:
    bandwidth: 100 Mbit/s
    efficiency: 0.7
    window: 19:00-07:00
    per_flow: true
    lead_time: {low: 2 weeks, likely: 4 weeks, high: 8 weeks}
    fallback: capped
    records_rate: 500 records/s
flows:
  - name: Cardiff
    source: WCCIS
    target: Connecting Care
    volume: {low: 20 GB, likely: 30 GB, high: 60 GB, group: estimates}
    links: [wire]
    records: 2 M
    growth: 0.1 GB/day
    rejection: {fraction: {low: 0.01, likely: 0.02, high: 0.05}, delay: 1 week}
  - name: Powys
    source: WCCIS
    target: Connecting Care
    volume: 5 GB
    links: [capped]
    after: [Cardiff]
  - name: Conwy
    source: WCCIS
    target: Connecting Care
    volume: 8 GB
    links: [capped]
    start: 2025-06-16
"""

NASTY_VALUES = st.one_of(
    st.sampled_from(
        [
            "1e308 GB",
            "1e-300 B",
            "0 B",
            "-1 GB",
            "nan GB",
            "inf GB",
            "1 EB",
            "1000 PB",
            "1e308 GB/day",
            "1e-9 bit/s",
            "100 years",
            "101 years",
            "10000 years",
            "1 s",
            "0001-01-01",
            "9999-12-30",
            "2025-02-30",
            "25:00-07:00",
            "00:00-00:00",
            "2025-07-08..2025-07-01",
            "",
            " ",
            "Mon",
            "none",
            "wales",
            "capped",
            "wire",
            "Cardiff",
            "\x00",
            "a\x1bb",
            '=HYPERLINK("x")',
            "+cmd|' /C calc'!A0",
            "{low: 3 GB, likely: 2 GB, high: 1 GB}",
        ]
    ),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
    st.lists(st.sampled_from(["capped", "wire", "Cardiff", "x"]), max_size=3),
    st.dictionaries(st.sampled_from(["low", "likely", "high", "mtbf", "x"]), st.text(max_size=6)),
)

YAML_TREES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=25,
)

_SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIGRASIM_DEBUG", "1")  # an internal error raises instead of exit 1


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


BASE = yaml.safe_load(BASE_YAML)
PATHS = [p for p in _paths(BASE) if p]


def _replace(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(data)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


def _write(tmp: Path, text: str) -> Path:
    # tmp_path is shared by every example of a hypothesis test: one folder per example.
    folder = Path(tempfile.mkdtemp(dir=tmp))
    path = folder / "scenario.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


@_SETTINGS
@given(tree=YAML_TREES)
def test_any_yaml_tree_gets_exit_0_or_2(tmp_path: Path, tree: Any) -> None:
    code, _, _ = invoke("validate", str(_write(tmp_path, yaml.safe_dump(tree))))
    assert code in (0, 2)


@_SETTINGS
@given(path=st.sampled_from(PATHS), value=NASTY_VALUES, delete=st.booleans())
def test_a_mutated_scenario_validates_or_is_refused_and_what_validates_runs(
    tmp_path: Path, path: tuple[Any, ...], value: Any, delete: bool
) -> None:
    data = _replace(BASE, path, value)
    if delete and isinstance(path[-1], str):
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        del parent[path[-1]]
    try:
        text = yaml.safe_dump(data, allow_unicode=True)
    except yaml.YAMLError:
        return  # not writable as YAML: nothing a user could give
    scenario = _write(tmp_path, text)
    code, _, err = invoke("validate", str(scenario))
    assert code in (0, 2), err
    if code == 0:
        out = scenario.parent / "out"
        code, _, err = invoke("run", str(scenario), "--out", str(out), "-n", "3", "--workers", "1")
        assert code == 0, err
        assert (out / "summary.csv").is_file()


def test_the_base_scenario_is_valid_and_runs(tmp_path: Path) -> None:
    scenario = _write(tmp_path, BASE_YAML)
    code, out, err = invoke("validate", str(scenario))
    assert (code, err) == (0, "")
    assert out == f"{scenario}: valid (3 flows, 2 links)\n"
