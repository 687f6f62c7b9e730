"""End-to-end: ``migrasim solve`` on hand-solvable cases, and what it writes."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import yaml

from migrasim.folder import MARKER
from tests.helpers import invoke


def one_flow(volume: str, cap: str = "1 GB") -> dict[str, Any]:
    # Mon 7 Jul 2025, Mon-Fri, no holidays; go-live Mon 4 Aug 2025.
    return {
        "name": "hand",
        "start": "2025-07-07",
        "go_live": "2025-08-04",
        "calendar": {"holidays": "none"},
        "links": {"capped": {"daily_cap": cap, "per_flow": True}},
        "flows": [{"name": "A", "source": "s", "target": "t", "volume": volume,
                   "links": ["capped"]}],
    }  # fmt: skip


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "hand.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_solve_latest_start_by_hand(tmp_path: Path) -> None:
    # 10 GB at 1 GB a working day needs 10 working days. Starting Mon 21 Jul they are Jul 21-25
    # and Jul 28-Aug 1: the last byte arrives Sat 2 Aug 00:00, which counts for Fri 1 Aug,
    # before go-live. Starting Tue 22 Jul the tenth working day is Mon 4 Aug: too late.
    path = write(tmp_path, one_flow("10 GB"))
    out = tmp_path / "solved"
    code, stdout, stderr = invoke(
        "solve", str(path), "--vary", "start", "--between", "2025-07-07", "2025-08-01",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    assert "Largest start meeting 'P80 < go_live': 2025-07-21 (P80 2025-08-01" in stdout
    assert f"Results written to {out}/" in stdout
    assert sorted(p.name for p in out.iterdir()) == [
        MARKER, "report.html", "solve.json", "summary.xlsx"
    ]  # fmt: skip
    page = _page_text(out / "report.html")
    assert "The largest start that meets 'P80 < go_live' is 2025-07-21 (P80 2025-08-01" in page
    assert "Values tried by solve" in page
    record = json.loads((out / "solve.json").read_text(encoding="utf-8"))
    assert record["key"] == "start"
    assert record["value"] == "2025-07-21"
    assert record["value_si"] == "2025-07-21"
    assert record["achieved"]["p80"] == "2025-08-01"
    assert record["monotone"] is True
    assert record["seed"] == 0
    # Every evaluation on or before Jul 21 meets the target, every one after does not.
    for point in record["evaluations"]:
        assert point["met"] is (point["value"] <= "2025-07-21"), point


def _page_text(path: Path) -> str:
    """report.html's text, tags removed and white space collapsed."""
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def test_solve_in_welsh_writes_a_welsh_report(tmp_path: Path) -> None:
    """The same answer as test_solve_latest_start_by_hand, in Welsh: terminal and report."""
    path = write(tmp_path, one_flow("10 GB"))
    out = tmp_path / "solved"
    code, stdout, stderr = invoke(
        "solve", str(path), "--vary", "start", "--between", "2025-07-07", "2025-08-01",
        "--out", str(out), "--lang", "cy",
    )  # fmt: skip
    assert code == 0, stderr
    assert "Y start mwyaf sy'n bodloni 'P80 < go_live': 2025-07-21 (P80 2025-08-01" in stdout
    assert f"Canlyniadau wedi'u hysgrifennu i {out}/" in stdout
    assert "Largest" not in stdout
    assert "Results written" not in stdout
    page = _page_text(out / "report.html")
    assert "Y start mwyaf sy'n bodloni 'P80 < go_live' yw 2025-07-21 (P80 2025-08-01" in page
    assert "Gwerthoedd a brofwyd gan solve" in page
    assert "Crynodeb" in page
    assert "Summary" not in page
    record = json.loads((out / "solve.json").read_text(encoding="utf-8"))
    assert record["value"] == "2025-07-21"  # solve.json keeps code names: no language


def test_solve_daily_cap_by_hand(tmp_path: Path) -> None:
    # 100 GB in the 20 working days before go-live (Jul 7 - Aug 1) needs 5 GB a day.
    path = write(tmp_path, one_flow("100 GB"))
    out = tmp_path / "cap"
    code, stdout, stderr = invoke(
        "solve", str(path), "--vary", "links.capped.daily_cap", "--between", "1 GB", "20 GB",
        "--out", str(out), "--seed", "4",
    )  # fmt: skip
    assert code == 0, stderr
    record = json.loads((out / "solve.json").read_text(encoding="utf-8"))
    assert 5e9 <= record["value_si"] <= 5.01e9
    assert record["achieved"]["p80"] == "2025-08-01"
    assert record["seed"] == 4
    assert "Smallest links.capped.daily_cap meeting 'P80 < go_live'" in stdout


def test_solve_unreachable_exits_1_and_still_writes(tmp_path: Path) -> None:
    # At most 2 GB a day moves 40 GB by go-live: 100 GB cannot make it.
    path = write(tmp_path, one_flow("100 GB"))
    out = tmp_path / "no"
    code, stdout, _ = invoke(
        "solve", str(path), "--vary", "links.capped.daily_cap", "--between", "1 GB", "2 GB",
        "--out", str(out),
    )  # fmt: skip
    assert code == 1
    assert "Not achievable in the range" in stdout
    assert json.loads((out / "solve.json").read_text(encoding="utf-8"))["value"] is None


def test_solve_refuses_an_existing_folder(tmp_path: Path) -> None:
    path = write(tmp_path, one_flow("10 GB"))
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("precious", encoding="utf-8")
    code, _, stderr = invoke(
        "solve", str(path), "--vary", "start", "--between", "2025-07-07", "2025-08-01",
        "--out", str(out),
    )  # fmt: skip
    assert code == 2
    assert stderr == (
        f"Error: {out} is not empty and holds files migrasim did not write (keep.txt); "
        "choose another --out\n"
    )
    assert (out / "keep.txt").read_text(encoding="utf-8") == "precious"
