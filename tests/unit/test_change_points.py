"""One rule for a change in a chance (``render.i18n.change_points``, written by
``Translator.points``), hand-checked, and every output that shows one uses it."""

from __future__ import annotations

import csv
import decimal
import re
from pathlib import Path

import pytest

from migrasim.render.i18n import change_points, translator
from tests.helpers import invoke

# change -> its text in percentage points: whole points from 10 either way, one decimal below,
# half away from zero on the change as the CSV keeps it (6 decimals), ".0" dropped, no sign on 0.
CASES = [
    (0.125, "+13"),  # 12.5 -> 13: whole points from 10 up, half up
    (-0.125, "-13"),  # half away from zero either way
    (0.1234, "+12"),
    (-0.015, "-1.5"),  # below 10 points: a tenth matters
    (0.0125, "+1.3"),
    (0.05, "+5"),  # 5.0 -> 5
    (0.099, "+9.9"),
    (0.0995, "+10"),  # 9.95 -> 10.0 -> 10
    (0.0005, "+0.1"),
    (-0.0005, "-0.1"),
    (0.00049, "0"),  # less than a twentieth of a point: no change to a tenth
    (-0.0004, "0"),  # and no "-0"
    (0.0, "0"),
    (1.0, "+100"),
    (-1.0, "-100"),
    (0.1249999999, "+13"),  # taken as the CSV keeps it: 0.125
]


@pytest.mark.parametrize(("change", "text"), CASES)
def test_a_change_in_points(change: float, text: str) -> None:
    assert translator("en").points(change) == text
    assert translator("cy").points(change) == text  # Welsh writes numbers as English does


def test_the_rule_returns_the_rounded_points() -> None:
    assert change_points(0.125) == decimal.Decimal(13)
    assert change_points(-0.015) == decimal.Decimal("-1.5")
    assert str(change_points(0.05)) == "5"
    assert change_points(float("nan")) is None
    assert translator("en").points(float("nan")) == ""


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_compare_shows_every_chance_change_by_the_rule(tmp_path: Path) -> None:
    """The terminal's two tables and the report write compare.csv's prob_diff (and its
    interval) by the one rule."""
    out = tmp_path / "out"
    code, stdout, stderr = invoke("compare", "scenarios/health_boards.yaml",
                                  "scenarios/hardwired.yaml", "-n", "200", "--by-organisation",
                                  "--out", str(out))  # fmt: skip
    assert code == 0, stderr
    t = translator("en")
    rows = [r for r in _csv(out / "compare.csv") if r["prob_diff"]]
    assert rows
    texts = set()
    for row in rows:
        estimate, low, high = (t.points(float(row[k])) for k in
                               ("prob_diff", "prob_diff_ci_low", "prob_diff_ci_high"))  # fmt: skip
        assert f"{estimate} [{low}, {high}]" in stdout, row["flow"]
        texts.add(estimate)
    programme = next(r for r in rows if r["flow"] == "ALL")
    first = t.points(float(programme["prob_diff"]))
    page = (out / "report.html").read_text(encoding="utf-8")
    assert re.search(rf">{re.escape(first)}<span class=\"ci\">", page)
    assert not re.search(r"[+-]\d+\.\d\d\b", stdout)  # no share written as a change
