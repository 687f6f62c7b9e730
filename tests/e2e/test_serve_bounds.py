"""The what-if server reads only the scenario it serves, bounds what one request may cost
through ``set`` as on the command line, and answers 422 (never 500) to any malformed body
(issue 23)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from migrasim.serve.session import MAX_REPLICATIONS, Session, _report_bytes
from migrasim.serve.web import create_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, Path]:
    folder = tmp_path_factory.mktemp("served")
    path = folder / "health_boards.yaml"
    shutil.copy(ROOT / "scenarios" / "health_boards.yaml", path)
    secret = tmp_path_factory.mktemp("elsewhere") / "payroll.csv"
    secret.write_text("source,target,volume,salary\nA,B,1 GB,99999\n", encoding="utf-8")
    return Session(path, replications=20, results=folder / "packs"), secret


@pytest.fixture(scope="module")
def client(served: tuple[Session, Path]) -> Iterator[TestClient]:
    with TestClient(create_app(served[0], "en")) as test_client:
        yield test_client


@pytest.mark.parametrize("endpoint", ["/api/evaluate", "/api/variant", "/api/boardpack"])
@pytest.mark.parametrize("key", ["flows_from", "flows_from.file", "flows_from[0]"])
def test_no_key_that_names_a_file_can_be_set(
    client: TestClient, served: tuple[Session, Path], endpoint: str, key: str
) -> None:
    _, secret = served
    body = {"set": {key: str(secret)}, "download": True}
    answer = client.post(endpoint, json=body)
    assert answer.status_code == 422
    text = answer.text
    assert "reads only the scenario it serves" in text
    assert "salary" not in text  # nothing of the other file is read or echoed
    assert "99999" not in text


def test_replications_through_set_are_bounded(client: TestClient) -> None:
    answer = client.post("/api/evaluate", json={"set": {"replications": str(10**6)}})
    assert answer.status_code == 422
    assert "more than the what-if page runs" in answer.text
    within = client.post("/api/evaluate", json={"set": {"replications": str(MAX_REPLICATIONS)},
                                                "replications": 20})  # fmt: skip
    assert within.status_code == 200  # the request's own count is what runs


def test_a_change_may_not_grow_the_scenario_beyond_the_flow_bound(client: TestClient) -> None:
    flows = (
        "["
        + ", ".join(
            f"{{name: f{i}, source: a, target: b, volume: 1 GB, links: [capped]}}"
            for i in range(2001)
        )
        + "]"
    )
    answer = client.post(
        "/api/evaluate", json={"set": {"links.capped.outages": "null", "flows": flows}}
    )
    assert answer.status_code == 422
    assert "2,001 flows are more than the what-if page runs" in answer.text


@pytest.mark.parametrize(
    "raw",
    [b"[" * 1000 + b"]" * 1000, b'{"set": {"go_live": "\\ud800"}}', b'{"set": {"\\udfff": "1"}}'],
    ids=["deep", "surrogate-value", "surrogate-key"],
)
def test_a_malformed_body_is_422_not_500(client: TestClient, raw: bytes) -> None:
    deep = b'{"set": ' + raw + b"}" if raw.startswith(b"[") else raw
    answer = client.post("/api/evaluate", content=deep,
                         headers={"Content-Type": "application/json"})  # fmt: skip
    assert answer.status_code == 422, answer.text


def test_the_answer_cache_is_bounded_in_bytes(served: tuple[Session, Path]) -> None:
    session, _ = served
    report = session.evaluate({}, replications=20)
    assert _report_bytes(report) > 0
    assert _report_bytes(report) == report.completions.nbytes + report.completion_days.nbytes
