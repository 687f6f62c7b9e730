"""End-to-end: the CLI on every scenario file, and its handling of bad input."""

from __future__ import annotations

import csv
import hashlib
import html
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from migrasim.analysis.sampling import has_uncertainty
from migrasim.core.calendar import Clock
from migrasim.folder import MARKER, written_files
from migrasim.scenario.loader import load_scenario
from tests.helpers import invoke

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_run_every_scenario(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = invoke("run", str(scenario), "--out", str(out), "-n", "30")
    assert code == 0, stderr
    written = {p.name for p in out.iterdir()}
    every_run = {"summary.csv", "timeline.csv", "burnup.png", "gantt.png", "cdf.png",
                 "completions.csv", "bottlenecks.csv", "report.html", "summary.xlsx",
                 "fix.csv", MARKER}  # fmt: skip
    # fix.csv: every shipped scenario has a go-live and a bottleneck with a capacity to raise
    uncertain = {"sensitivity.csv", "tornado.png"}
    spec = load_scenario(scenario)
    assert written == (every_run | uncertain if has_uncertainty(spec) else every_run)
    assert written_files(out) == written - {MARKER}  # the marker lists what migrasim wrote
    if scenario.name == "health_boards.yaml":  # late at 1 GB a day: the fix is printed
        assert (
            "What would fix it: Daily cap of link capped needed (links.capped.daily_cap; today "
            "1 GB a day):\n  - 50% chance of making go-live: "
        ) in stdout
        # the most likely inputs' value is labelled as such, never as the fix
        assert "\nAt the most likely inputs only (every uncertain input at its likely value)" in (
            stdout
        )
        assert "What would fix it: Raise" not in stdout
        fix = read_csv(out / "fix.csv")
        assert [(r["key"], r["confidence"]) for r in fix] == [
            ("links.capped.daily_cap", "0.5"),
            ("links.capped.daily_cap", "0.8"),
        ]
    summary = read_csv(out / "summary.csv")
    assert next(iter(summary[0])) == "flow"
    assert {
        "source", "target", "volume_bytes", "baseline_completion", "baseline_finish_date",
        "p50", "p80", "p95", "prob_by_go_live", "prob_ci_low", "prob_ci_high",
        "p80_halfwidth_days", "bottleneck",
    } <= set(summary[0])  # fmt: skip
    assert summary[-1]["flow"] == "ALL"
    flows = summary[:-1]
    assert sum(int(r["volume_bytes"]) for r in flows) == int(summary[-1]["volume_bytes"])
    # Every flow appears in the printed table with its P-dates, which are ordered.
    for row in flows:
        assert row["flow"] in stdout
        dates = [row["p50"], row["p80"], row["p95"]]
        finite = [d for d in dates if d != "never"]
        assert finite == sorted(finite)
        assert dates[len(finite) :] == ["never"] * (3 - len(finite))
        assert all(d in stdout for d in dates)
    timeline = read_csv(out / "timeline.csv")
    assert list(timeline[0]) == ["date", "flow", "delivered_bytes", "cumulative_bytes"]
    by_flow: dict[str, list[dict[str, str]]] = {}
    for row in timeline:
        by_flow.setdefault(row["flow"], []).append(row)
    for row in flows:
        days = by_flow[row["flow"]]
        if row["baseline_completion"] != "never":
            # the day the exact moment counts for, written beside it
            assert days[-1]["date"] == row["baseline_finish_date"]
            moment = datetime.fromisoformat(row["baseline_completion"])
            assert row["baseline_finish_date"] == Clock.local_completion_day(moment).isoformat()
            assert float(days[-1]["cumulative_bytes"]) == pytest.approx(float(row["total_bytes"]))
        total = sum(float(d["delivered_bytes"]) for d in days)
        assert total == pytest.approx(float(days[-1]["cumulative_bytes"]), rel=1e-9)
    for png in ("burnup.png", "gantt.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_health_boards_baseline_answers_the_question(tmp_path: Path) -> None:
    code, stdout, _ = invoke(
        "run", str(ROOT / "scenarios/health_boards.yaml"), "--out", str(tmp_path / "o"),
        "-n", "200",
    )  # fmt: skip
    assert code == 0
    summary = {r["flow"]: r for r in read_csv(tmp_path / "o" / "summary.csv")}
    assert len(summary) == 30
    # At 1 GB/day Cardiff's 377 GB (likely) needs 377 working days; only its lowest volumes
    # could make January 2026.
    cardiff = summary["Cardiff"]
    assert cardiff["bottleneck"] == "capped"
    assert float(cardiff["prob_by_go_live"]) < 0.1
    assert cardiff["baseline_completion"].startswith("2027-")
    assert summary["ALL"]["p80"] >= cardiff["p80"]
    # 22 local authorities + 7 health boards in the file; how many are late is the table's job.
    lines = stdout.splitlines()
    [verdict] = [line for line in lines if "miss go-live" in line]
    assert re.fullmatch(r"Baseline: \d+ of 29 organisations miss go-live\.", verdict), verdict
    assert lines[-1] == f"Results written to {tmp_path / 'o'}/"


def test_same_scenario_gives_byte_identical_outputs(tmp_path: Path) -> None:
    digests = []
    for name in ("a", "b"):
        out = tmp_path / name
        assert invoke("run", str(SCENARIOS[0]), "--out", str(out), "-n", "20")[0] == 0
        digests.append(
            {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}
        )
    assert digests[0] == digests[1]


def test_refuses_to_overwrite_results(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    code, _, _ = invoke("run", str(SCENARIOS[0]), "--out", str(out), "-n", "20")
    assert code == 0
    code, _stdout, stderr = invoke("run", str(SCENARIOS[0]), "--out", str(out))
    assert code == 2
    assert stderr == (
        f"Error: {out} already holds results; pass --force to replace them or --out for a "
        "new folder\n"
    )
    code, _, _ = invoke("run", str(SCENARIOS[0]), "--out", str(out), "--force", "-n", "20")
    assert code == 0
    assert (out / "summary.csv").exists()


def test_force_never_deletes_what_migrasim_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    code, _stdout, stderr = invoke("run", str(SCENARIOS[0]), "--out", str(out))
    assert code == 2
    assert stderr == (
        f"Error: {out} is not empty and holds files migrasim did not write (keep.txt); "
        "choose another --out\n"
    )
    code, _, stderr = invoke("run", str(SCENARIOS[0]), "--out", str(out), "--force", "-n", "20")
    assert code == 2
    assert stderr == (
        f"Error: {out} holds files migrasim did not write, so --force will not replace it: "
        "keep.txt; move them away or choose another --out\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert (out / "keep.txt").read_text() == "precious"


def test_default_out_dir_is_results_stem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, stdout, _ = invoke("run", str(SCENARIOS[0]), "-n", "20")
    assert code == 0
    assert (tmp_path / "results" / SCENARIOS[0].stem / "summary.csv").exists()
    assert stdout.splitlines()[-1] == f"Results written to results/{SCENARIOS[0].stem}/"


BAD_CASES = {
    "negative size": (
        "volume: -5 GB",
        "flows[0].volume (s -> t): must be > 0, got '-5 GB'. Fix: give a size with a unit",
    ),
    "zero size": ("volume: 0 GB", "flows[0].volume (s -> t): must be > 0, got '0 GB'"),
    "unknown unit": ("volume: 5 GX", "flows[0].volume (s -> t): unknown unit 'GX' in '5 GX'"),
    "bare number": ("volume: 5", "flows[0].volume (s -> t): 5 has no unit"),
    "typo key": (
        "volumes: 5 GB",
        "flows[0].volumes (s -> t): unknown key. Fix: did you mean 'volume'?",
    ),
    "undefined link": ("links: [capd]", "flows[0].links[0]: undefined link 'capd'"),
}
GOOD_FLOW = {"volume": "volume: 5 GB", "links": "links: [capped]"}


def scenario_text(
    flow_lines: list[str], links: str = "capped: {daily_cap: 1 GB}", extra: str = ""
) -> str:
    body = "\n".join(f"    {line}" for line in flow_lines)
    return (
        "name: t\nstart: 2025-07-07\n"
        + extra
        + f"links:\n  {links}\nflows:\n  - source: s\n    target: t\n{body}\n"
    )


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_flow_values_are_named(case: str, tmp_path: Path) -> None:
    line, expected = BAD_CASES[case]
    key = line.split(":")[0]
    lines = [line] + [v for k, v in GOOD_FLOW.items() if k != key]
    path = tmp_path / "bad.yaml"
    path.write_text(scenario_text(lines))
    code, _stdout, stderr = invoke("run", str(path), "--out", str(tmp_path / "out"))
    assert code == 2
    assert f"Error: {path}: {expected}" in stderr
    assert all(line.startswith(f"Error: {path}: ") for line in stderr.splitlines())
    assert "Traceback" not in stderr
    assert not (tmp_path / "out").exists()
    assert invoke("validate", str(path))[0] == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the scenario is empty"),
        ("- a\n- b\n", "expected a mapping of keys (name, start, links, flows), got a list"),
        ("name: t\nstart: 2025-13-45\n", "start: not a valid date or date-time: '2025-13-45'"),
        ("name: !!python/object/apply:os.system ['echo pwned']\n", "unsupported YAML tag"),
        ("name: t\nname: u\n", "line 2, column 1: duplicate key 'name'"),
        ("name: [t\n", "line 2, column 1: expected ',' or ']'"),
    ],
)
def test_bad_files(text: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    code, _, stderr = invoke("validate", str(path))
    assert code == 2
    assert stderr.startswith(f"Error: {path}: ")
    assert expected in stderr
    assert "Traceback" not in stderr


def test_every_problem_is_reported_on_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        scenario_text(
            ["volume: 0 GB", "links: [capped]"],
            links="capped: {daily_cap: 1 GB, efficiency: 1.5}\n  empty: {}\n"
            "  win: {bandwidth: 1 Gbit/s, window: '25:00-03:00'}",
        )
    )
    code, _, stderr = invoke("validate", str(path))
    assert code == 2
    lines = stderr.splitlines()
    assert all(line.startswith(f"Error: {path}: ") for line in lines)
    joined = "\n".join(lines)
    assert "links.capped.efficiency: must be in (0, 1], got 1.5" in joined
    assert "links.empty: a link needs a capacity" in joined
    assert "links.win.window: not a valid time of day in '25:00-03:00'" in joined
    assert "flows[0].volume (s -> t): must be > 0, got '0 GB'" in joined


def test_cross_checks(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: t\nstart: 2025-07-07\ngo_live: 2025-07-01\nlinks:\n  c: {daily_cap: 1 GB}\n"
        "flows:\n"
        "  - {name: A, source: s, target: t, volume: 1 GB, links: [c], after: [B]}\n"
        "  - {name: B, source: s, target: t, volume: 1 GB, links: [c], after: [A]}\n"
        "  - {name: B, source: s, target: t, volume: 1 GB, links: [c]}\n"
        "  - {name: D, source: s, target: t, volume: 1 GB, links: [c], after: [Z]}\n"
    )
    code, _, stderr = invoke("validate", str(path))
    assert code == 2
    assert "flows[2].name: duplicate flow name 'B' (also flows[1])" in stderr
    assert "flows[0].after: dependency cycle: A -> B -> A" in stderr
    assert "flows[3].after[0]: unknown flow 'Z'" in stderr
    assert "go_live: go-live 2025-07-01 is not after the start 2025-07-07" in stderr


def test_missing_file(tmp_path: Path) -> None:
    code, _, stderr = invoke("run", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert stderr == f"Error: {tmp_path / 'nope.yaml'}: no such file. Fix: check the path\n"


# Counted by hand in each file: 22 local authorities + 7 health boards; hardwired.yaml has the
# hard-wired link and its capped fallback; inventory_example.csv has 7 rows after its header;
# shipped_disks.yaml has 2 flows per organisation (bulk by courier, delta capped): 2 x 29 = 58.
VALIDATE_COUNTS = {
    "hardwired.yaml": "29 flows, 2 links",
    "health_boards.yaml": "29 flows, 1 link",
    "health_boards_shared.yaml": "29 flows, 1 link",
    "health_boards_options.yaml": "29 flows, 3 links",
    "inventory_example.yaml": "7 flows, 1 link",
    "shipped_disks.yaml": "58 flows, 2 links",
}


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_validate_prints_the_exact_counts(path: Path) -> None:
    code, stdout, stderr = invoke("validate", str(path))
    assert (code, stderr) == (0, "")
    assert stdout == f"{path}: valid ({VALIDATE_COUNTS[path.name]})\n"


def test_schema(tmp_path: Path) -> None:
    code, stdout, _ = invoke("schema")
    assert code == 0
    schema = json.loads(stdout)
    assert schema["additionalProperties"] is False
    assert {"name", "start", "links", "flows", "go_live"} <= set(schema["properties"])


def test_every_command_has_help() -> None:
    for command in ("run", "validate", "schema"):
        code, stdout, _ = invoke(command, "--help")
        assert code == 0
        assert "Usage:" in stdout


def test_monte_carlo_outputs_do_not_depend_on_workers(tmp_path: Path) -> None:
    scenario = str(ROOT / "scenarios/health_boards.yaml")
    outputs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        code, stdout, stderr = invoke(
            "run", scenario, "--out", str(out), "-n", "40", "--seed", "5", "-j", workers
        )
        assert code == 0, stderr
        outputs[workers] = {
            name: (out / name).read_bytes()
            for name in ("summary.csv", "completions.csv", "bottlenecks.csv")
        }
    assert outputs["1"] == outputs["2"]
    other = tmp_path / "seed6"
    assert invoke("run", scenario, "--out", str(other), "-n", "40", "--seed", "6")[0] == 0
    assert (other / "completions.csv").read_bytes() != outputs["1"]["completions.csv"]
    completions = read_csv(tmp_path / "w1" / "completions.csv")
    assert list(completions[0]) == ["replication", "flow", "completion", "finish_date"]
    assert len(completions) == 40 * 29
    summary = read_csv(tmp_path / "w1" / "summary.csv")
    for row in summary:
        assert row["p50"] <= row["p80"] <= row["p95"] or "never" in (row["p80"], row["p95"])
        assert float(row["prob_ci_low"]) <= float(row["prob_by_go_live"])
        assert float(row["prob_by_go_live"]) <= float(row["prob_ci_high"])
    assert (tmp_path / "w1" / "cdf.png").read_bytes()[:4] == b"\x89PNG"
    # the first line names the scenario (its name: key) and echoes -n and --seed
    assert stdout.splitlines()[0] == (
        "Wales social care records to Connecting Care (1 GB a day): 40 replications, seed 5"
    )


def test_compare_showcase_writes_comparison_report_and_workbook(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    code, stdout, stderr = invoke(
        "compare", str(ROOT / "scenarios" / "health_boards.yaml"),
        str(ROOT / "scenarios" / "hardwired.yaml"), "--out", str(out), "-n", "60", "-j", "1",
    )  # fmt: skip
    assert code == 0, stderr
    assert {p.name for p in out.iterdir()} == {
        "compare.csv", "compare_cdf.png", "compare_burnup.png", "report.html", "summary.xlsx",
        MARKER,
    }  # fmt: skip
    rows = read_csv(out / "compare.csv")
    programme = [r for r in rows if r["flow"] == "ALL"]
    # scenarios are labelled by their names (name: in the file)
    first, second = (load_scenario(ROOT / "scenarios" / f).name
                     for f in ("health_boards.yaml", "hardwired.yaml"))  # fmt: skip
    assert [r["scenario"] for r in programme] == [first, second]
    assert programme[0]["p80_diff_days"] == ""  # the first is the reference
    hard = programme[1]
    assert float(hard["p80_diff_ci_low"]) <= float(hard["p80_diff_days"])
    assert float(hard["p80_diff_days"]) <= float(hard["p80_diff_ci_high"]) < 0  # earlier
    assert -1 <= float(hard["prob_diff_ci_low"]) <= float(hard["prob_diff_ci_high"]) <= 1
    # seed 1 is health_boards.yaml's own (seed: 1), the default for compare
    assert (
        "Comparing 2 scenarios: 60 replications each, seed 1, common random numbers; "
        "changes are versus the first"
    ) in stdout.splitlines()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert html.escape(f"Move from {first} to {second}: the P80 date moves") in page


def test_compare_variant_and_welsh_report(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    code, _, stderr = invoke(
        "compare", str(ROOT / "scenarios" / "health_boards.yaml"), "--variant",
        "links.capped.daily_cap=3 GB", "--out", str(out), "-n", "30", "-j", "1", "--lang", "cy",
    )  # fmt: skip
    assert code == 0, stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="cy">' in page
    # the variant labels the report and the echoed scenario is the one that ran
    assert 'id="what-if" role="note">Beth os: links.capped.daily_cap=3 GB<' in page
    assert "daily_cap: 3 GB" in page
    assert "daily_cap: 1 GB" not in page


def test_compare_needs_two(tmp_path: Path) -> None:
    code, _, stderr = invoke("compare", str(ROOT / "scenarios" / "health_boards.yaml"),
                             "--out", str(tmp_path / "x"))  # fmt: skip
    assert code == 2
    assert "two or more scenarios" in stderr


def test_workers_and_scheduler_together_are_refused(tmp_path: Path) -> None:
    scenario = str(ROOT / "scenarios" / "health_boards.yaml")
    code, _, stderr = invoke(
        "run", scenario, "-j", "2", "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path / "o")
    )
    assert code == 2
    assert "--workers sets local processes" in stderr
    assert not (tmp_path / "o").exists()
