"""Replications on a Dask cluster give exactly the local results for the same seed.

One ``LocalCluster`` (two worker processes, one thread each, loopback only) serves the module.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from migrasim.analysis import runner
from migrasim.analysis.runner import ClusterError, Execution, MonteCarloResult, run_monte_carlo
from migrasim.analysis.solve import solution_json, solve
from migrasim.scenario.loader import load_scenario, read_yaml
from migrasim.scenario.types import parse_scenario
from tests.helpers import invoke

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[2]
HEALTH_BOARDS = ROOT / "scenarios" / "health_boards.yaml"


def small(cap: str = "1 GB", replications: int = 250) -> dict[str, Any]:
    """Eight uncertain flows on a capped link with random outages: every sampling path, and
    more replications than the burn-up band records."""
    flows = [
        {"name": f"F{i}", "source": f"s{i}", "target": "t", "links": ["capped"],
         "volume": {"low": "20 GB", "likely": f"{30 + i} GB", "high": "60 GB"}}
        for i in range(8)
    ]  # fmt: skip
    return {
        "name": "dask test",
        "start": "2025-07-07",
        "go_live": "2025-09-01",
        "calendar": {"holidays": "none"},
        "replications": replications,
        "seed": 4,
        "links": {
            "capped": {
                "daily_cap": cap,
                "per_flow": True,
                "outages": {"mtbf": "10 days", "mttr": {"low": "1 h", "likely": "6 h",
                                                        "high": "2 days"}},
            }
        },
        "flows": flows,
    }  # fmt: skip


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    try:
        yield str(cluster.scheduler_address)
    finally:
        cluster.close()


def assert_same(local: MonteCarloResult, remote: MonteCarloResult) -> None:
    assert np.array_equal(local.finished, remote.finished)
    # the same counts in the same order (most_common() breaks ties by it)
    assert [list(c.items()) for c in local.bottlenecks] == [
        list(c.items()) for c in remote.bottlenecks
    ]
    assert np.array_equal(local.band_counts, remote.band_counts)
    assert local.band_replications == remote.band_replications


@pytest.mark.parametrize("case", ["health_boards", "small"])
def test_cluster_equals_local(case: str, scheduler: str) -> None:
    if case == "health_boards":
        scenario, n, seed = load_scenario(HEALTH_BOARDS), 40, 3
    else:
        scenario, n, seed = parse_scenario(small()), 250, 7
    local = run_monte_carlo(scenario, n, seed, workers=1)
    seen: list[tuple[int, int]] = []
    remote = run_monte_carlo(
        scenario, n, seed, progress=lambda done, total: seen.append((done, total)),
        scheduler=scheduler,
    )  # fmt: skip
    assert_same(local, remote)
    assert seen[-1] == (n, n)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_cli_run_writes_the_same_files(scheduler: str, tmp_path: Path) -> None:
    common = ("run", str(HEALTH_BOARDS), "-n", "30", "--seed", "3")
    code, _, stderr = invoke(*common, "-j", "1", "--out", str(tmp_path / "local"))
    assert code == 0, stderr
    code, _, stderr = invoke(*common, "--scheduler", scheduler, "--out", str(tmp_path / "dask"))
    assert code == 0, stderr
    for name in ("summary.csv", "completions.csv", "bottlenecks.csv"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()


def test_solve_on_the_cluster_equals_local(scheduler: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def read(text: str) -> Any:
        return read_yaml(text, "--between")

    args = (small(replications=60), None, "links.capped.daily_cap", "0.5 GB", "3 GB",
            "prob_by_go_live >= 0.8", 60, 5)  # fmt: skip
    local = solve(*args, Execution(workers=1), read_value=read, grid_points=2)
    connect = runner._connect
    connections: list[str] = []

    def counting(address: str) -> Any:
        connections.append(address)
        return connect(address)

    monkeypatch.setattr(runner, "_connect", counting)
    remote = solve(*args, Execution(scheduler=scheduler), read_value=read, grid_points=2)
    assert solution_json(remote) == solution_json(local)
    assert len(remote.points) > 2
    assert connections == [scheduler]  # one connection for every point of the solve


def test_cli_sweep_on_the_cluster_equals_local(scheduler: str, tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: sweep\nstart: 2025-07-07\ngo_live: 2025-09-01\ncalendar: {holidays: none}\n"
        "links: {capped: {daily_cap: 1 GB, per_flow: true}}\nflows:\n"
        "  - {name: A, source: a, target: t, links: [capped],"
        " volume: {low: 20 GB, likely: 30 GB, high: 60 GB}}\n"
    )
    common = ("sweep", str(path), "--grid", "links.capped.daily_cap=0.8 GB,1 GB", "-n", "40")
    assert invoke(*common, "-j", "1", "--out", str(tmp_path / "local"))[0] == 0
    code, _, stderr = invoke(*common, "--scheduler", scheduler, "--out", str(tmp_path / "dask"))
    assert code == 0, stderr
    sweep_csv = "sweep.csv"
    assert (tmp_path / "dask" / sweep_csv).read_bytes() == (
        tmp_path / "local" / sweep_csv
    ).read_bytes()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_scheduler_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "CONNECT_TIMEOUT", 1.0)
    address = f"tcp://127.0.0.1:{free_port()}"
    out = tmp_path / "out"
    code, stdout, stderr = invoke("run", str(HEALTH_BOARDS), "-n", "5", "--scheduler", address,
                                  "--out", str(out))  # fmt: skip
    assert code == 2  # --scheduler names no cluster: bad input
    assert stderr.startswith(f"Error: cannot reach the Dask scheduler at {address}")
    assert "dask scheduler" in stderr
    assert "Traceback" not in stdout + stderr
    assert not out.exists()
    with pytest.raises(ClusterError, match="cannot reach"):
        run_monte_carlo(parse_scenario(small()), 5, 1, scheduler=address)


def test_unreachable_scheduler_in_welsh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "CONNECT_TIMEOUT", 1.0)
    address = f"tcp://127.0.0.1:{free_port()}"
    code, _, stderr = invoke("run", str(HEALTH_BOARDS), "-n", "5", "--scheduler", address,
                             "--out", str(tmp_path / "out"), "--lang", "cy")  # fmt: skip
    assert code == 2
    assert stderr.startswith(f"Gwall: methu cyrraedd trefnydd Dask yn {address} (")
    assert "gwiriwch y cyfeiriad a bod 'dask scheduler' yn rhedeg yno" in stderr
    assert "Traceback" not in stderr


def test_malformed_scheduler_address_in_welsh(tmp_path: Path) -> None:
    code, _, stderr = invoke("run", str(HEALTH_BOARDS), "--scheduler", "not-an-address",
                             "--out", str(tmp_path / "o"), "--lang", "cy")  # fmt: skip
    assert code == 2
    assert "Gwall: Gwerth annilys i '--scheduler': nid yw 'not-an-address' yn gyfeiriad " in stderr
    assert "rhowch tcp://HOST:PORT, e.e. tcp://10.0.0.5:8786" in stderr


def test_malformed_scheduler_address_is_a_usage_error(tmp_path: Path) -> None:
    code, _, stderr = invoke("run", str(HEALTH_BOARDS), "--scheduler", "not-an-address",
                             "--out", str(tmp_path / "o"))  # fmt: skip
    assert code == 2
    assert "Invalid value for '--scheduler'" in stderr
    assert "tcp://HOST:PORT" in stderr
    assert "Traceback" not in stderr
