"""``migrasim serve``'s API through Starlette's TestClient: the levers, the figures against
``migrasim run --set`` (same seed, same changes), the 422 messages against the command line's
exit-2 errors, the access token, variants and the board pack (byte for byte)."""

from __future__ import annotations

import csv
import difflib
import json
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migrasim.scenario.loader import load_scenario
from migrasim.serve.session import Session
from migrasim.serve.web import create_app, needs_token
from tests.helpers import invoke

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2; httpx 0.28 still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
N = "200"
FIGURES = ("p50", "p80", "p95", "prob_by_go_live", "baseline_completion")

# Two settings: a wider cap with a later start, and Cardiff at half its volume (the PERT points
# 75, 377, 1131 GB halved: 37.5 GB = 37500000000 B, 188.5 GB = 188500000000 B, 565.5 GB =
# 565500000000 B, as the page's multiplier sends them).
SETTINGS = {
    "cap-and-start": {"links.capped.daily_cap": "3 GB", "start": "2025-09-01"},
    "cardiff-half": {
        "flows[Cardiff].volume": '{"low": "37500000000 B", "likely": "188500000000 B", '
        '"high": "565500000000 B", "dist": "pert", "group": "volume_method"}'
    },
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def set_args(changes: dict[str, str]) -> list[str]:
    return [f"--set={key}={value}" for key, value in changes.items()]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Wales scenario copied where variants may be written."""
    folder = tmp_path_factory.mktemp("scenario")
    path = folder / "health_boards.yaml"
    shutil.copy(ROOT / "scenarios" / "health_boards.yaml", path)
    return path


@pytest.fixture(scope="module")
def session(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> Session:
    return Session(scenario, results=tmp_path_factory.mktemp("packs"))


@pytest.fixture(scope="module")
def client(session: Session) -> Iterator[TestClient]:
    with TestClient(create_app(session, "en")) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def cli_runs(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``migrasim run --set ... -n 200 --seed 1`` for each setting (and none), by name."""
    outs = {}
    for name, changes in {"baseline": {}, **SETTINGS}.items():
        out = tmp_path_factory.mktemp("cli") / name
        code, _, stderr = invoke(
            "run", str(scenario), "--out", str(out), "-n", N, "--seed", "1", *set_args(changes)
        )
        assert code == 0, stderr
        outs[name] = out
    return outs


# --- levers ---------------------------------------------------------------------------------


def test_scenario_lists_the_levers_from_the_file(client: TestClient) -> None:
    body = client.get("/api/scenario").json()
    levers = {lever["key"]: lever for lever in body["levers"]}
    assert body["seed"] == 1
    assert body["replications"] == 1000
    assert body["go_live"] == "2026-01-05"
    assert levers["start"]["value"] == "2025-06-02"
    assert levers["go_live"]["value"] == "2026-01-05"
    assert levers["links.capped.daily_cap"]["value"] == "1 GB"
    assert levers["links.capped.outages.mtbf"]["value"] == "30 days"
    for field in ("bandwidth", "window", "lead_time"):  # offered though the file leaves them out
        assert levers[f"links.capped.{field}"]["value"] == ""
    cardiff = levers["flows[Cardiff].volume"]
    assert cardiff["volume_bytes"] == [75e9, 377e9, 1131e9]
    assert cardiff["volume_extra"] == {"dist": "pert", "group": "volume_method"}
    # 2 dates + capped's 4 fields and mtbf + one volume per flow (22 councils, 7 boards).
    assert len(levers) == 2 + 5 + 29


def test_hardwired_levers_include_window_bandwidth_and_lead_time() -> None:
    session = Session(ROOT / "scenarios" / "hardwired.yaml")
    levers = {lever.key: lever.value for lever in session.levers}
    assert levers["links.hardwired.bandwidth"] == "1 Gbit/s"
    assert levers["links.hardwired.window"] == "19:00-07:00"
    assert levers["links.hardwired.lead_time"] == (
        '{"low": "4 weeks", "likely": "8 weeks", "high": "16 weeks"}'
    )
    assert levers["links.hardwired.outages.mtbf"] == "60 days"
    assert levers["links.capped.daily_cap"] == "1 GB"


# --- the figures are the command line's ------------------------------------------------------


def _evaluate(client: TestClient, changes: dict[str, str]) -> dict[str, Any]:
    response = client.post("/api/evaluate", json={"set": changes, "replications": 200, "seed": 1})
    assert response.status_code == 200, response.text
    return response.json()


def _same_figures(answer: dict[str, Any], summary: list[dict[str, str]]) -> None:
    rows = [*answer["flows"], answer["programme"]]
    assert [r["flow"] for r in rows] == [r["flow"] for r in summary]
    for ours, theirs in zip(rows, summary, strict=True):
        for column in FIGURES:
            assert str(ours[column]) == theirs[column], (ours["flow"], column)


@pytest.mark.parametrize("name", ["baseline", *SETTINGS])
def test_evaluate_equals_the_cli_summary(
    client: TestClient, cli_runs: dict[str, Path], name: str
) -> None:
    changes = SETTINGS.get(name, {})
    answer = _evaluate(client, changes)
    assert answer["set"] == changes
    assert answer["seed"] == 1
    assert answer["replications"] == 200
    _same_figures(answer, read_csv(cli_runs[name] / "summary.csv"))


def test_each_setting_moves_the_answer(cli_runs: dict[str, Path]) -> None:
    """The comparisons above could not pass by ignoring the changes: each setting's programme
    P80 differs from the baseline's (3x the cap moves it earlier; half of Cardiff, the largest
    flow and the last to finish, too)."""
    base = read_csv(cli_runs["baseline"] / "summary.csv")[-1]["p80"]
    for name in SETTINGS:
        assert read_csv(cli_runs[name] / "summary.csv")[-1]["p80"] < base, name


def test_the_page_scales_volumes_as_the_test_does(session: Session) -> None:
    from migrasim.serve.levers import scaled_volume

    cardiff = next(lever for lever in session.levers if lever.key == "flows[Cardiff].volume")
    assert scaled_volume(cardiff, 0.5) == SETTINGS["cardiff-half"]["flows[Cardiff].volume"]


# --- bad input: the command line's messages ---------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"links.capped.daily_cap": "-1 GB"},
        {"links.capd.daily_cap": "2 GB"},
        {"start": "2025-13-45", "flows[Cardif].volume": "1 GB"},
    ],
    ids=["negative-cap", "unknown-link", "bad-date-and-flow"],
)
def test_bad_changes_answer_422_with_the_cli_message(
    client: TestClient, scenario: Path, tmp_path: Path, changes: dict[str, str]
) -> None:
    response = client.post("/api/evaluate", json={"set": changes, "replications": 200})
    code, _, stderr = invoke("run", str(scenario), "--out", str(tmp_path / "x"), *set_args(changes))
    assert code == 2
    assert response.status_code == 422
    expected = "".join(f"Error: {line}\n" for line in response.json()["error"].splitlines())
    assert stderr == expected


def test_bad_changes_answer_in_the_request_s_language_as_the_cli_does(
    client: TestClient, scenario: Path, tmp_path: Path
) -> None:
    """A Welsh page's 422 is the Welsh command line's exit-2 text, problem by problem."""
    changes = {"links.capd.daily_cap": "2 GB"}
    body = {"set": changes, "replications": 200, "lang": "cy"}
    response = client.post("/api/evaluate", json=body)
    code, _, stderr = invoke("run", str(scenario), "--out", str(tmp_path / "x"), "--lang", "cy",
                             *set_args(changes))  # fmt: skip
    assert code == 2
    assert response.status_code == 422
    answer = response.json()
    assert "Gwall:" in stderr
    assert stderr == "".join(f"Gwall: {line}\n" for line in answer["error"].splitlines())
    assert answer["problems"][0]["problem"] == "nid oes cyswllt 'capd'"
    assert answer["problems"][0]["fix"].endswith("wedi'u diffinio: capped")
    english = client.post("/api/evaluate", json={**body, "lang": "en"}).json()
    assert english["problems"][0]["problem"] == "there is no link 'capd'"


def test_the_api_s_own_messages_follow_the_request_s_language(
    client: TestClient, session: Session
) -> None:
    answer = client.post("/api/evaluate", json={"set": {}, "replications": "many", "lang": "cy"})
    assert answer.status_code == 422
    assert answer.json()["error"] == "rhaid i \"replications\" fod yn rhif cyfan, cafwyd 'many'"
    answer = client.post("/api/evaluate?lang=cy", json={"set": ["a"]})
    assert answer.json()["error"] == ('rhaid i "set" fod yn wrthrych o allweddi a gwerthoedd --set')
    answer = client.post("/api/evaluate", json={"set": {}, "replications": 0, "lang": "cy"})
    assert answer.json()["error"] == ("rhaid i'r ailadroddiadau fod rhwng 1 a 100,000, cafwyd 0")
    unknown = client.post("/api/evaluate", json={"set": {}, "lang": "zz"})
    assert unknown.status_code == 422
    assert unknown.json()["error"].startswith("no catalogue for language 'zz'")
    assert client.get("/static/nope.js?lang=cy").json()["error"] == "dim ffeil 'nope.js'"
    with TestClient(create_app(session, "cy", token="s3cret-token")) as guarded:
        assert guarded.get("/api/scenario").json()["error"] == (
            "mae angen tocyn mynediad y gweinydd hwn"
        )
        assert guarded.get("/api/scenario?token=x&lang=en").json()["error"] == (
            "wrong access token"
        )


def test_a_malformed_body_is_422(client: TestClient) -> None:
    bad_json = client.post(
        "/api/evaluate", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 422
    assert bad_json.json()["error"].startswith("the body is not JSON")
    answer = client.post("/api/evaluate", json={"set": ["a"]})
    assert answer.status_code == 422
    assert '"set" must be an object' in answer.json()["error"]
    answer = client.post("/api/evaluate", json={"set": {}, "replications": "many"})
    assert answer.json()["error"] == "\"replications\" must be a whole number, got 'many'"


# --- the access token -----------------------------------------------------------------------


def test_a_token_is_needed_when_bound_beyond_this_machine(session: Session) -> None:
    assert needs_token("0.0.0.0")
    assert needs_token("192.168.1.5")
    assert not needs_token("127.0.0.1")
    assert not needs_token("localhost")
    with TestClient(create_app(session, "en", token="s3cret-token")) as guarded:
        assert guarded.get("/api/scenario").status_code == 401
        assert guarded.get("/").status_code == 401
        assert guarded.get("/static/serve.js").status_code == 401
        assert guarded.get("/api/scenario?token=wrong").status_code == 403
        wrong = guarded.get("/api/scenario", headers={"X-Migrasim-Token": "s3cret"})
        assert wrong.status_code == 403
        assert guarded.get("/api/scenario?token=s3cret-token").status_code == 200
        ok = guarded.get("/api/scenario", headers={"X-Migrasim-Token": "s3cret-token"})
        assert ok.status_code == 200
        bearer = guarded.get("/api/scenario", headers={"Authorization": "Bearer s3cret-token"})
        assert bearer.status_code == 200
        page = guarded.get("/?token=s3cret-token").text
        assert "/static/serve.js?token=s3cret-token" in page  # the page's own requests carry it


def test_the_page_loads_nothing_from_elsewhere(client: TestClient) -> None:
    for url in ("/", "/?lang=cy", "/static/serve.js", "/static/serve.css"):
        text = client.get(url).text
        for needle in ("http://", "https://", "//cdn", "@import", "@font-face"):
            assert needle not in text, (url, needle)
    assert client.get("/static/web.py").status_code == 404
    assert client.get("/static/..%2Fweb.py").status_code == 404


def test_the_page_speaks_welsh(client: TestClient) -> None:
    assert "Cadw fel amrywiad" in client.get("/?lang=cy").text  # "Save as variant"
    assert "Save as variant" in client.get("/").text
    answer = client.post("/api/evaluate", json={"set": {}, "replications": 200, "lang": "cy"})
    # the report's answer in Welsh: "No" / "At risk"
    assert answer.json()["display"]["programme"]["verdict"] in ("Na fyddwn", "Mewn perygl")


def test_the_page_labels_each_change_with_the_files_value(client: TestClient) -> None:
    """The what-if card says what changed in words, with the file's value (1 GB a day, start
    2 June 2025), in the page's language; the baseline card says nothing."""
    changes = SETTINGS["cap-and-start"]
    for lang, expected in (
        ("en", "daily cap of link capped 3 GB a day (file: 1 GB a day); "
               "start 1 September 2025 (file: 2 June 2025)"),
        ("cy", "terfyn dyddiol cyswllt capped 3 GB y dydd (ffeil: 1 GB y dydd); "
               "dechrau 1 Medi 2025 (ffeil: 2 Mehefin 2025)"),
    ):  # fmt: skip
        body = {"set": changes, "replications": 200, "seed": 1, "lang": lang}
        assert client.post("/api/evaluate", json=body).json()["display"]["changes"] == expected
    assert _evaluate(client, {})["display"]["changes"] == ""


# --- variants ---------------------------------------------------------------------------------


def test_save_as_variant_writes_a_scenario_that_loads_to_the_same(
    client: TestClient, scenario: Path
) -> None:
    changes = SETTINGS["cap-and-start"]
    first = Path(client.post("/api/variant", json={"set": changes}).json()["file"])
    second = Path(client.post("/api/variant", json={"set": changes}).json()["file"])
    assert first == scenario.with_name("health_boards.variant-1.yaml")
    assert second == scenario.with_name("health_boards.variant-2.yaml")
    assert load_scenario(first) == load_scenario(scenario, [f"{k}={v}" for k, v in changes.items()])
    assert load_scenario(first) != load_scenario(scenario)
    named = client.post("/api/variant", json={"set": changes, "name": "../3 GB a day!"})
    assert Path(named.json()["file"]) == scenario.with_name("health_boards.3-GB-a-day.yaml")
    again = client.post("/api/variant", json={"set": changes, "name": "3 GB a day"})
    assert again.status_code == 409
    assert "already exists" in again.json()["error"]
    download = client.post("/api/variant", json={"set": changes, "download": True})
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.text == first.read_text(encoding="utf-8")


def test_a_saved_variant_is_the_file_with_only_the_edited_values_changed(
    client: TestClient, scenario: Path
) -> None:
    """The file's comments and ASSUMPTION labels stay; the diff is the two edited lines (304
    lines became 646 when the variant was written from the parsed data)."""
    text = scenario.read_text(encoding="utf-8")
    changes = SETTINGS["cap-and-start"]
    answer = client.post("/api/variant", json={"set": changes, "name": "diffed"})
    variant = Path(answer.json()["file"]).read_text(encoding="utf-8")
    diff = list(difflib.ndiff(text.splitlines(), variant.splitlines()))
    assert [d[2:] for d in diff if d[:2] == "- "] == ["start: 2025-06-02", "    daily_cap: 1 GB"]
    assert [d[2:] for d in diff if d[:2] == "+ "] == ["start: 2025-09-01", "    daily_cap: 3 GB"]
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert all(line in variant.splitlines() for line in comments)
    assert len(variant.splitlines()) == len(text.splitlines())
    assert load_scenario(scenario.with_name("health_boards.diffed.yaml")) == load_scenario(
        scenario, [f"{k}={v}" for k, v in changes.items()]
    )


def test_a_bad_variant_is_refused_before_writing(client: TestClient, scenario: Path) -> None:
    before = sorted(scenario.parent.iterdir())
    response = client.post("/api/variant", json={"set": {"links.capped.daily_cap": "-1 GB"}})
    assert response.status_code == 422
    assert sorted(scenario.parent.iterdir()) == before


# --- the board pack ---------------------------------------------------------------------------


def test_board_pack_is_the_cli_run_byte_for_byte(
    client: TestClient, cli_runs: dict[str, Path]
) -> None:
    changes = SETTINGS["cap-and-start"]
    response = client.post("/api/boardpack", json={"set": changes, "replications": 200, "seed": 1})
    assert response.status_code == 200, response.text
    files = response.json()["files"]
    assert set(files) == {"report.html", "summary.xlsx"}
    for name, url in files.items():
        served = client.get(url)
        assert served.status_code == 200
        assert served.content == (cli_runs["cap-and-start"] / name).read_bytes(), name
    assert client.get("/api/boardpack/pack-1/summary.csv").status_code == 404


def test_another_sites_page_cannot_post_or_rebind(session: Session) -> None:
    """A page elsewhere can send a form or text/plain POST without asking: refused, as is a
    Host header naming another machine (DNS rebinding) when bound to this machine."""
    with TestClient(create_app(session, "en", hosts=["127.0.0.1", "localhost"])) as local:
        simple = local.post(
            "http://127.0.0.1/api/variant",
            content=b'{"set": {}}',
            headers={"Content-Type": "text/plain"},
        )
        assert simple.status_code == 422
        assert simple.json()["error"] == "send the body as application/json, not 'text/plain'"
        assert local.get("http://evil.example/api/scenario").status_code == 400
        assert local.get("http://localhost/api/scenario").status_code == 200


WEEKLY = """\
name: weekly
start: 2026-03-02
calendar: {working_days: [Mon, Tue, Wed, Thu, Fri, Sat, Sun]}
links:
  weekly:
    daily_cap_by_weekday: {Mon: 10 GB, Tue: 10 GB, Wed: 10 GB, Thu: 10 GB, Fri: 10 GB,
                           Sat: 20 GB, Sun: 20 GB}
flows:
  - {name: F, source: a, target: b, volume: 30 GB, links: [weekly]}
"""


def test_a_daily_cap_by_weekday_is_a_lever_the_page_sends_back(tmp_path: Path) -> None:
    # 30 GB from Monday 2 March at 10 GB on each weekday: done at Thursday 5 March 00:00
    # (finish date 4 March); the page's Monday raised to 30 GB: done in one day, on 2 March.
    path = tmp_path / "weekly.yaml"
    path.write_text(WEEKLY, encoding="utf-8")
    with TestClient(create_app(Session(path, results=tmp_path / "packs"), "en")) as client:
        body = client.get("/api/scenario").json()
        (lever,) = [lever for lever in body["levers"] if lever["field"] == "daily_cap_by_weekday"]
        assert lever["key"] == "links.weekly.daily_cap_by_weekday"
        assert json.loads(lever["value"])["Sat"] == "20 GB"
        assert "links.weekly.daily_cap" not in [lever["key"] for lever in body["levers"]]
        assert _evaluate(client, {})["programme"]["p80"] == "2026-03-04"
        changes = {lever["key"]: json.dumps({**json.loads(lever["value"]), "Mon": "30 GB"})}
        answer = _evaluate(client, changes)
    assert answer["programme"]["baseline_completion"] == "2026-03-03T00:00:00"
    assert answer["programme"]["p80"] == "2026-03-02"
    assert answer["display"]["changes"] == (
        "daily cap by weekday (its largest day, the others in proportion) of link weekly "
        "Mon 30 GB, Tue 10 GB, Wed 10 GB, Thu 10 GB, Fri 10 GB, Sat 20 GB, Sun 20 GB "
        "(file: Mon 10 GB, Tue 10 GB, Wed 10 GB, Thu 10 GB, Fri 10 GB, Sat 20 GB, Sun 20 GB)"
    )
    # the same figures as the command line with the same --set
    out = tmp_path / "cli"
    code, _, stderr = invoke("run", str(path), "--out", str(out), "-n", N, "--seed", "1",
                             *set_args(changes))  # fmt: skip
    assert code == 0, stderr
    _same_figures(answer, read_csv(out / "summary.csv"))
