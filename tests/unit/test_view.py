"""The report's view model and terminal text from typed values: no text is parsed back."""

from __future__ import annotations

from datetime import date

from migrasim.analysis.compare import CompareRow, Interval
from migrasim.analysis.stats import DateStats
from migrasim.render.html import Cell
from migrasim.render.i18n import translator
from migrasim.render.inputs import NEVER, compare_table, sweep_table
from migrasim.render.terminal import lateness_text
from migrasim.render.view import cell, number_text, table_view

EN, CY = translator("en"), translator("cy")


def test_cells_are_formatted_from_their_type() -> None:
    assert cell("share", 0.25, EN) == Cell("25%", numeric=True)
    assert cell("prob_diff_ci_low", 0.995, EN) == Cell("99.5%", numeric=True)
    # a difference in days between 0 and 1 is a number, not a percentage
    assert cell("mean_diff_ci_low", 0.5, EN) == Cell("0.5", numeric=True)
    assert cell("p80", NEVER, EN) == Cell("", never=True)
    assert cell("p50", date(2026, 1, 5), EN) == Cell("5 January 2026")
    assert cell("p50", date(2026, 1, 5), CY) == Cell("5 Ionawr 2026")
    assert cell("point", 3, EN) == Cell("3", numeric=True)
    assert cell("swing_days", 1234.6, EN) == Cell("1,235", numeric=True)
    assert cell("prob_diff", None, EN) == Cell("")
    assert cell("links.capped.daily_cap", "2 GB", EN) == Cell("2 GB")


def test_numbers_in_tables() -> None:
    assert number_text(12.0) == "12"
    assert number_text(12345.0) == "12,345"
    assert number_text(-130.4) == "-130"
    assert number_text(2.345) == "2.35"


def test_the_comparison_table_from_its_records() -> None:
    stats = DateStats(date(2026, 2, 1), None, None, 0.25, (0.2, 0.3), (None, None), None)
    rows = [
        CompareRow("ALL", "a", stats),
        CompareRow(
            "ALL",
            "b",
            stats,
            -3.0,
            Interval(-5.0, -8.0, -2.0),
            Interval(-4.5, -6.0, -3.0),
            Interval(0.1, 0.05, 0.15),
        ),
    ]
    view = table_view(compare_table(rows), CY)
    assert view.title == "Cymharu senarios"
    assert view.headers[0] == "Sefydliad"
    first, second = view.rows
    assert [c.text for c in first[:3]] == ["ALL", "a", "1 Chwefror 2026"]
    assert first[3].never  # P80 never
    assert [c.text for c in first[8:]] == [""] * 10  # no differences for the first scenario
    assert [c.text for c in second[8:12]] == ["-3", "-5", "-8", "-2"]
    assert [c.text for c in second[15:]] == ["10%", "5%", "15%"]
    # compare.csv's row for the same record: ISO dates, 'never', '' for no value
    fields = rows[0].fields()
    assert (fields["p50"], fields["p80"], fields["p80_diff_days"]) == ("2026-02-01", "never", "")


def test_the_sweep_table_follows_the_grid() -> None:
    from migrasim.analysis.records import SweepPoint

    points = [
        SweepPoint({"k": "1 GB"}, None, None, replications=1),
        SweepPoint({"k": "2 GB"}, date(2026, 1, 5), 0.5, replications=1),
    ]
    table = sweep_table(points, ["k"])
    assert table.columns[:2] == ("point", "k")
    assert table.rows[0][:4] == (0, "1 GB", NEVER, NEVER)
    view = table_view(table, EN)
    assert [c.text for c in view.rows[1][:4]] == ["1", "2 GB", "", "5 January 2026"]


def test_lateness_in_the_terminal() -> None:
    assert lateness_text(3, EN) == "3 days late"
    assert lateness_text(1, EN) == "1 day late"
    assert lateness_text(0, EN) == "on time, no days to spare"
    assert lateness_text(-2, EN) == "2 days early"
    assert lateness_text(None, EN) == "never completes"
    assert lateness_text(3, CY) == "3 diwrnod yn hwyr"
