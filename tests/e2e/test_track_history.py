"""track --history end to end on the Wales scenario: two weekly re-forecasts make a history of
two rows, the P80 trend and a waterfall whose parts add up to the change; a corrupt history is
refused (exit 2, file and row) and the history is only ever appended to."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path

from migrasim.scenario.history_file import digest
from migrasim.scenario.loader import load_scenario
from tests.helpers import invoke

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "health_boards.yaml"
N = "60"


def _log(path: Path, before: date) -> Path:
    """Every organisation's rows from Mon 2 June 2025 to the day before ``before``, weekdays:
    most at 0.8 GB a day (the plan is 1 GB), Cardiff at 0.4 GB, one zero day each Friday for
    Powys."""
    names = load_scenario(SCENARIO).flow_names()
    rows = [["date", "flow", "bytes"]]
    day = date(2025, 6, 2)
    while day < before:
        if day.weekday() < 5:
            for name in names:
                size = "0.4 GB" if name == "Cardiff" else "0.8 GB"
                if name == "Powys" and day.weekday() == 4:
                    size = "0"
                rows.append([day.isoformat(), name, size])
        day += timedelta(days=1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _track(log: Path, as_of: date, history: Path, out: Path, *more: str) -> tuple[str, str]:
    code, stdout, stderr = invoke(
        "track", str(SCENARIO), "--actuals", str(log), "--as-of", as_of.isoformat(),
        "--history", str(history), "--out", str(out), "-n", N, *more,
    )  # fmt: skip
    assert code == 0, stderr
    return stdout, stderr


def _history(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _programme_p80(out: Path) -> str:
    with (out / "summary.csv").open(encoding="utf-8") as handle:
        return next(r for r in csv.DictReader(handle) if r["flow"] == "ALL")["p80"]


def _parts(stdout: str) -> tuple[int, dict[str, int]]:
    """The terminal's waterfall line: the total and each part, in days."""
    line = next(x for x in stdout.splitlines() if x.startswith("Since the forecast of"))
    total = int(re.search(r"the P80 moved ([+-]\d+)d:", line).group(1))  # type: ignore[union-attr]
    parts = {}
    for part in line.split("d: ", 1)[1].split("; "):
        name, days = part.rsplit(" ", 1)
        parts[name] = int(days.removesuffix("d"))
    return total, parts


def test_two_weekly_reforecasts(tmp_path: Path) -> None:
    history = tmp_path / "board" / "history.csv"
    history.parent.mkdir()
    first, second = date(2025, 6, 23), date(2025, 6, 30)
    stdout1, _ = _track(_log(tmp_path / "log1.csv", first), first, history, tmp_path / "out1")
    after_one = history.read_bytes()
    assert f"Forecast history {history}: the first forecast in it" in stdout1
    assert f"Forecast appended to {history} (row 2)" in stdout1
    out1 = tmp_path / "out1"
    assert (out1 / "forecast_trend.png").is_file()
    assert not (out1 / "forecast_waterfall.png").exists()  # nothing to compare with yet
    report1 = (out1 / "report.html").read_text(encoding="utf-8")
    assert ">Forecast history<" in report1
    assert "there is no waterfall yet" in report1

    # A week later the log has five more days (same rows before the 23rd, as a real log).
    stdout2, _ = _track(_log(tmp_path / "log2.csv", second), second, history, tmp_path / "out2")
    out2 = tmp_path / "out2"
    assert history.read_bytes().startswith(after_one)  # appended, never rewritten
    rows = _history(history)
    assert [r["as_of"] for r in rows] == ["2025-06-23", "2025-06-30"]
    assert [r["p80"] for r in rows] == [_programme_p80(out1), _programme_p80(out2)]
    assert len({r["seed"] for r in rows}) == 1
    assert {r["replications"] for r in rows} == {N}
    # One scenario, stored once under its digest, beside the history.
    stored = sorted((tmp_path / "board" / "history.csv.scenarios").iterdir())
    assert [p.name for p in stored] == [f"{rows[0]['scenario_digest']}.yaml"]
    kept = digest(stored[0].read_text(encoding="utf-8"))
    assert rows[0]["scenario_digest"] == rows[1]["scenario_digest"] == kept
    assert load_scenario(stored[0]) == load_scenario(SCENARIO)

    total, parts = _parts(stdout2)
    change = (date.fromisoformat(rows[1]["p80"]) - date.fromisoformat(rows[0]["p80"])).days
    assert total == change
    assert list(parts) == ["progress against plan", "volume re-estimates",
                           "throughput calibration", "scenario edits"]  # fmt: skip
    assert sum(parts.values()) == total  # the parts add up (no restatement: same rows, seed)
    assert parts["scenario edits"] == 0  # the scenario did not change
    assert (out2 / "forecast_waterfall.png").is_file()
    assert not (out1 / "forecast_waterfall.csv").exists()
    with (out2 / "forecast_waterfall.csv").open(encoding="utf-8") as handle:
        bars = list(csv.DictReader(handle))
    assert [b["part"] for b in bars] == ["previous", "restated", "progress", "volume",
                                         "throughput", "edits", "total"]  # fmt: skip
    assert (bars[0]["p80"], bars[-1]["p80"]) == (rows[0]["p80"], rows[1]["p80"])
    assert sum(int(b["days"]) for b in bars[1:-1]) == int(bars[-1]["days"]) == total
    assert bars[1]["days"] == "0"  # nothing restated
    assert [int(b["days"]) for b in bars[2:-1]] == list(parts.values())
    report2 = (out2 / "report.html").read_text(encoding="utf-8")
    assert "What moved the P80 since the previous forecast" in report2
    assert "throughput calibration" in report2


def test_same_log_edited_scenario_moves_only_scenario_edits(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    day = date(2025, 6, 30)
    log = _log(tmp_path / "log.csv", day)
    _track(log, day, history, tmp_path / "out1")
    # Cardiff (the slowest) may not restart before 1 December 2028: later than any P80.
    later = "flows[Cardiff].start=2028-12-01"
    stdout, _ = _track(log, day, history, tmp_path / "out2", "--set", later)
    total, parts = _parts(stdout)
    assert parts["progress against plan"] == parts["volume re-estimates"] == 0
    assert parts["throughput calibration"] == 0
    assert parts["scenario edits"] == total > 0
    rows = _history(history)
    assert len(rows) == 2
    assert rows[0]["scenario_digest"] != rows[1]["scenario_digest"]
    assert len(list((tmp_path / "history.csv.scenarios").iterdir())) == 2
    assert rows[1]["p80"] > "2028-12-01"

    # Re-estimating a volume in the scenario is a volume re-estimate, not a scenario edit.
    bigger = "flows[Cardiff].volume={low: 700 GB, likely: 760 GB, high: 900 GB}"
    stdout, _ = _track(log, day, history, tmp_path / "out3", "--set", bigger)
    total, parts = _parts(stdout)
    # From the previous forecast (the one with the late start) to this one: the start edit
    # is undone (an edit, earlier) and Cardiff's volume doubled (a re-estimate, later).
    assert parts["progress against plan"] == parts["throughput calibration"] == 0
    assert parts["volume re-estimates"] > 0
    assert parts["scenario edits"] < 0
    assert sum(parts.values()) == total

    # A new name moves nothing, and asks whether this is the same programme's history.
    name = "=HYPERLINK(1) programme"
    stdout, stderr = _track(log, day, history, tmp_path / "out4", "--set", bigger, "--set",
                            f"name='{name}'")  # fmt: skip
    total, parts = _parts(stdout)
    assert total == 0
    assert set(parts.values()) == {0}
    assert f"this one is of {name!r}; check that it is the same programme's" in stderr
    assert _history(history)[-1]["scenario_name"] == f"'{name}"  # inert in a spreadsheet


def test_corrupt_history_exit_2_nothing_written(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    day = date(2025, 6, 30)
    log = _log(tmp_path / "log.csv", day)
    _track(log, day, history, tmp_path / "out1")
    good = history.read_text(encoding="utf-8")
    header, row = good.splitlines()[:2]
    assert row.startswith("2025-06-30,")
    bad = "30/06/2025" + row[len("2025-06-30") :]
    history.write_text(f"{header}\n{bad}\n", encoding="utf-8")
    before = history.read_bytes()
    out = tmp_path / "out2"
    code, _, stderr = invoke("track", str(SCENARIO), "--actuals", str(log), "--history",
                             str(history), "--out", str(out), "-n", N)  # fmt: skip
    assert code == 2
    assert f"Error: {history} row 2, column as_of: not a date: '30/06/2025'." in stderr
    assert "Traceback" not in stderr
    assert not out.exists()
    assert history.read_bytes() == before  # a refused history is left as it was

    foreign = tmp_path / "notes.csv"
    foreign.write_text("date,flow,bytes\n2025-06-02,Cardiff,1 GB\n", encoding="utf-8")
    code, _, stderr = invoke("track", str(SCENARIO), "--actuals", str(log), "--history",
                             str(foreign), "--out", str(out), "-n", N)  # fmt: skip
    assert code == 2
    assert f"{foreign} row 1: not a migrasim forecast history" in stderr
    assert foreign.read_text(encoding="utf-8") == "date,flow,bytes\n2025-06-02,Cardiff,1 GB\n"


def test_history_inside_the_results_folder_is_refused(tmp_path: Path) -> None:
    day = date(2025, 6, 30)
    log = _log(tmp_path / "log.csv", day)
    out = tmp_path / "out"
    code, _, stderr = invoke("track", str(SCENARIO), "--actuals", str(log), "--history",
                             str(out / "history.csv"), "--out", str(out), "-n", N)  # fmt: skip
    assert code == 2, stderr
    assert "results never replace their own input" in stderr


def test_missing_stored_scenario_exit_2(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    day = date(2025, 6, 30)
    log = _log(tmp_path / "log.csv", day)
    _track(log, day, history, tmp_path / "out1")
    for stored in (tmp_path / "history.csv.scenarios").iterdir():
        stored.unlink()
    code, _, stderr = invoke("track", str(SCENARIO), "--actuals", str(log), "--history",
                             str(history), "--out", str(tmp_path / "out2"), "-n", N, "--as-of",
                             "2025-06-30", "--set", "links.capped.daily_cap=2 GB")  # fmt: skip
    assert code == 2
    assert f"{history} row 2, column scenario_digest: the scenario of the forecast" in stderr
    assert len(_history(history)) == 1


def test_an_as_of_date_before_every_recorded_forecast(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    _track(_log(tmp_path / "log2.csv", date(2025, 6, 30)), date(2025, 6, 30), history,
           tmp_path / "out1")  # fmt: skip
    # Then a forecast as of an earlier week (its rows only): no earlier forecast to compare.
    log = _log(tmp_path / "log1.csv", date(2025, 6, 23))
    stdout, _ = _track(log, date(2025, 6, 23), history, tmp_path / "out2")
    assert (
        f"Forecast history {history}: no forecast in it is as of 2025-06-23 or earlier, so "
        "nothing to compare with (no waterfall)"
    ) in stdout
    assert [r["as_of"] for r in _history(history)] == ["2025-06-30", "2025-06-23"]


def test_edited_earlier_rows_restate_the_previous_forecast(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    first, second = date(2025, 6, 23), date(2025, 6, 30)
    _track(_log(tmp_path / "log1.csv", first), first, history, tmp_path / "out1")
    # A week later, the log's earlier rows were corrected: Cardiff moved nothing in week 1.
    log = _log(tmp_path / "log2.csv", second)
    text = log.read_text(encoding="utf-8").splitlines()
    edited = [r.replace("0.4 GB", "0") if r.startswith("2025-06-0") and ",Cardiff," in r else r
              for r in text]  # fmt: skip
    assert edited != text
    log.write_text("\n".join(edited) + "\n", encoding="utf-8")
    stdout, stderr = _track(log, second, history, tmp_path / "out2", "-n", "80")
    assert "the log's rows before 2025-06-23 differ from those the forecast as of 2025-06-23" in (
        stderr
    )
    total, parts = _parts(stdout)
    rows = _history(history)
    change = (date.fromisoformat(rows[1]["p80"]) - date.fromisoformat(rows[0]["p80"])).days
    # From the date the board was given (as recorded) to the new one: the restatement (the
    # corrected rows, 80 replications instead of 60) comes first, and everything adds up.
    assert total == change
    assert next(iter(parts)).startswith("previous forecast restated")
    assert len(parts) == 5
    assert sum(parts.values()) == total


def test_an_edited_stored_scenario_is_refused_and_left_alone(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    day = date(2025, 6, 30)
    log = _log(tmp_path / "log.csv", day)
    _track(log, day, history, tmp_path / "out1")
    (stored,) = (tmp_path / "history.csv.scenarios").iterdir()
    stored.write_text(stored.read_text(encoding="utf-8") + "# my note\n", encoding="utf-8")
    kept = stored.read_bytes()
    code, _, stderr = invoke("track", str(SCENARIO), "--actuals", str(log), "--history",
                             str(history), "--out", str(tmp_path / "out2"), "-n", N)  # fmt: skip
    assert code == 2
    assert f"{stored}: holds another scenario than its name (digest) says" in stderr
    assert stored.read_bytes() == kept  # never overwritten
    assert len(_history(history)) == 1
    assert not (tmp_path / "out2").exists()
