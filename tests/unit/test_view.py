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
    assert view.headers[0] == "Llif"  # the compare table pairs flows by name
    first, second = view.rows
    # the programme's row in Welsh (compare.csv keeps its code name, ALL)
    assert [c.text for c in first[:3]] == ["Y CYFAN", "a", "1 Chwefror 2026"]
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


def _side_rows() -> list[CompareRow]:
    """Three scenarios' programme rows: the reference (late), a Monte Carlo one and a
    deterministic one (its intervals have zero width)."""
    late = DateStats(date(2028, 3, 10), date(2028, 3, 10), None, 0.009, (0.0047, 0.017),
                     (date(2028, 2, 18), date(2028, 4, 20)), 31.0)  # fmt: skip
    ok = DateStats(date(2025, 9, 8), date(2025, 9, 8), date(2025, 9, 9), 1.0, (0.996, 1.0),
                   (date(2025, 9, 8), date(2025, 9, 10)), 1.0)  # fmt: skip
    exact = DateStats(date(2025, 8, 6), date(2025, 8, 6), date(2025, 8, 6), 1.0, (1.0, 1.0),
                      (date(2025, 8, 6), date(2025, 8, 6)), 0.0)  # fmt: skip
    return [
        CompareRow(
            "ALL",
            "Plan A",
            late,
            verdict="no",
            organisations=29,
            organisations_late=6,
            organisations_at_risk=18,
        ),
        CompareRow(
            "ALL",
            "Plan B",
            ok,
            -657.0,
            Interval(-914.0, -954.0, -893.0),
            Interval(-678.4, -697.1, -659.7),
            Interval(0.991, 0.9851, 0.9969),
            verdict="yes",
            organisations=29,
            organisations_late=0,
            organisations_at_risk=0,
        ),
        CompareRow(
            "ALL",
            "Plan C",
            exact,
            -659.0,
            Interval(-947.0, None, None),
            Interval(-680.0, -699.0, -661.0),
            Interval(0.991, 0.985, 0.997),
            exact=True,
            verdict="yes",
            organisations=29,
            organisations_late=0,
        ),
    ]


def test_the_side_by_side_terminal_table() -> None:
    from migrasim.render.terminal import side_by_side_lines

    head, a, b, c = side_by_side_lines(_side_rows(), EN)
    assert head.split("  ")[0] == "make go-live?"
    assert head.endswith("scenario")
    # one line per scenario, the name last; the same verdict words as run's
    assert a.startswith("No ")
    assert a.endswith("Plan A")
    assert b.startswith("Yes ")
    assert b.endswith("Plan B")
    assert "2028-03-10 [2028-02-18, 2028-04-20]" in a
    assert "0.9% [0.5%, 1.7%]" in a  # the share formatter of the report
    assert "6 of 29" in a
    assert a.count("(reference)") == 2  # no change against itself
    assert "-914 [-954, -893]" in b
    assert "+99 [+99, +100]" in b  # percentage points
    # a deterministic scenario has no interval of its P80 or chance; a change without one
    # is shown alone
    assert "2025-08-06 " in c
    assert "2025-08-06 [" not in c
    assert "100% " in c
    assert "100% [" not in c
    assert " -947 " in c
    # the columns line up: every name starts at the same place
    assert len({line.rindex("Plan") for line in (a, b, c)}) == 1
    cy_head, cy_a, *_ = side_by_side_lines(_side_rows(), CY)
    assert cy_head.endswith("senario")
    assert "(cyfeirnod)" in cy_a
    assert "6 o 29" in cy_a


def test_the_side_by_side_view() -> None:
    from migrasim.render.view import comparison_rows

    a, b, c = comparison_rows(_side_rows(), EN)
    assert (a.scenario, a.verdict, a.reference) == ("Plan A", "no", True)
    assert (a.p80, a.p80_low, a.p80_high) == ("10 March 2028", "18 February 2028", "20 April 2028")
    assert (a.chance, a.chance_low, a.chance_high) == ("0.9%", "0.5%", "1.7%")
    assert (a.late, a.at_risk, a.organisations) == (6, 18, 29)
    assert a.p80_change is None
    assert a.chance_change is None
    assert (b.p80_change, b.p80_change_low, b.p80_change_high) == ("\u2212914", "\u2212954",
                                                                    "\u2212893")  # fmt: skip
    assert (b.chance_change, b.chance_change_low, b.chance_change_high) == ("+99", "+99", "+100")
    assert not b.reference
    assert b.has_p80_interval
    assert not c.has_p80_interval
    assert c.chance_low is None
    assert (c.p80_change, c.p80_change_low) == ("\u2212947", None)
    assert comparison_rows(_side_rows(), CY)[0].p80 == "10 Mawrth 2028"


def test_the_side_by_side_without_go_live() -> None:
    from migrasim.render.terminal import side_by_side_lines

    stats = DateStats(date(2026, 2, 1), date(2026, 3, 1), None, None, None,
                      (date(2026, 2, 20), date(2026, 3, 9)), 8.0)  # fmt: skip
    rows = [CompareRow("ALL", "a", stats, verdict="none", organisations=3),
            CompareRow("ALL", "b", stats, 0.0, Interval(0.0, -1.0, 2.0), verdict="none",
                       organisations=3)]  # fmt: skip
    _, a, b = side_by_side_lines(rows, EN)
    # the words of run's report for a scenario without go-live; no chance, no count late
    assert a.startswith("No go-live date  2026-03-01 [2026-02-20, 2026-03-09]")
    assert " of 3" not in a
    assert "%" not in a
    assert "+0 [-1, +2]" in b
