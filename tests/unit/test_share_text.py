"""One rule for a share's text (``render.i18n.share_percent``), hand-checked, and the
workbook's number formats that show a share as the rule writes it."""

from __future__ import annotations

import decimal
from datetime import date

import pytest

from migrasim.render.headlines import Headline, verdict, verdict_text
from migrasim.render.i18n import share_percent, translator
from migrasim.render.xlsx import percent_format


def excel_text(value: float, number_format: str) -> str:
    """What a spreadsheet shows for ``value`` under the formats the workbook uses: ``0%`` and
    ``0.0%`` scale by 100 and round half away from zero on the value's 15 significant digits
    (as Excel and LibreOffice do); a quoted literal is shown as written."""
    if number_format.startswith('"') and number_format.endswith('"'):
        return number_format[1:-1]
    places = {"0%": decimal.Decimal(1), "0.0%": decimal.Decimal("0.1")}[number_format]
    scaled = decimal.Decimal(f"{value:.15g}") * 100
    return f"{scaled.quantize(places, rounding=decimal.ROUND_HALF_UP)}%"


# share -> its text: whole percents from 10 % to 90 %, one decimal outside, half up, never
# 0 % for a chance that is not nothing nor 100 % for one short of certain.
CASES = [
    (0.355, "36%"),  # half up: 35.5 -> 36 (not 35, and not 35.5: a whole percent here)
    (0.345, "35%"),  # half up, not half to even (34)
    (0.125, "13%"),
    (0.837, "84%"),
    (0.5, "50%"),
    (0.1, "10%"),  # the band's edges are whole percents
    (0.9, "90%"),
    (0.0996, "10%"),  # 9.96 -> 10.0: no trailing .0
    (0.015, "1.5%"),  # one decimal below 10 %
    (0.05, "5%"),
    (0.0005, "0.1%"),  # 0.05 % rounds half up to 0.1 %
    (0.0004, "<0.1%"),  # not nothing: never 0 %
    (0.00001, "<0.1%"),  # 1 in 100,000 replications (the most a run takes)
    (0.995, "99.5%"),  # one decimal above 90 %
    (0.9994, "99.9%"),
    (0.9995, ">99.9%"),  # would round to 100.0: short of certain, never 100 %
    (0.9996, ">99.9%"),
    (0.0, "0%"),
    (1.0, "100%"),
    (0.3549996, "36%"),  # rounded as the files keep it (0.355), so a cell reads as the text
    (0.0000004, "<0.1%"),  # ... but judged on the share itself: only exactly 0 is "0%"
    (0.9999996, ">99.9%"),  # and only exactly 1 is "100%" (these keep 0 and 1 at 6 decimals)
    (0.00049, "<0.1%"),
    (0.99949, "99.9%"),
]
EDGES = {0.0000004, 0.9999996}
"""Shares a file's 6 decimals write as 0 and 1: a workbook cell holding that 0 or 1 shows 0%
or 100% (a share of runs is never one: that takes over 2 million replications)."""


@pytest.mark.parametrize(("share", "text"), CASES)
def test_the_rule_in_each_language(share: float, text: str) -> None:
    assert translator("en").percent(share) == text
    assert translator("cy").percent(share) == text  # Welsh writes percentages the same way


@pytest.mark.parametrize(("share", "text"), [c for c in CASES if c[0] not in EDGES])
def test_the_workbook_shows_what_the_rule_writes(share: float, text: str) -> None:
    stored = round(share, 6)  # the workbook keeps a share to 6 decimals, as summary.csv
    assert excel_text(stored, percent_format(stored)) == text


def test_the_rule_in_parts() -> None:
    assert share_percent(0.355) == ("=", decimal.Decimal(36))
    assert share_percent(0.015) == ("=", decimal.Decimal("1.5"))
    assert share_percent(0.0004) == ("<", decimal.Decimal("0.1"))
    assert share_percent(0.9996) == (">", decimal.Decimal("99.9"))
    assert share_percent(float("nan"))[0] == "nan"
    assert share_percent(0.0) == ("=", decimal.Decimal(0))
    assert share_percent(1.0) == ("=", decimal.Decimal(100))
    assert share_percent(0.5) == ("=", decimal.Decimal(50))
    assert share_percent(1e-9) == ("<", decimal.Decimal("0.1"))
    assert share_percent(1 - 1e-9) == (">", decimal.Decimal("99.9"))
    assert translator("en").percent(float("nan")) == ""
    assert percent_format(0.355) == "0%"
    assert percent_format(0.015) == "0.0%"
    assert percent_format(0.05) == "0%"
    assert percent_format(0.0004) == '"<0.1%"'
    assert percent_format(0.9996) == '">99.9%"'


def _headline(in_time: bool | None, chance: float | None) -> Headline:
    go_live = None if in_time is None else date(2026, 3, 1)
    return Headline(in_time, go_live, None, None, None, chance, None, "capped")


@pytest.mark.parametrize(
    ("in_time", "chance", "answer", "en", "cy"),
    [
        (True, 0.8, "yes", "Yes", "Byddwn"),  # on track: 80 % or more
        (False, 0.7999, "risk", "At risk", "Mewn perygl"),
        (False, 0.5, "risk", "At risk", "Mewn perygl"),  # an even chance is at risk
        (False, 0.355, "no", "No", "Na fyddwn"),  # late more likely than not: No
        (False, 0.2, "no", "No", "Na fyddwn"),
        (False, None, "no", "No", "Na fyddwn"),  # deterministic: the finish decides
        (True, None, "yes", "Yes", "Byddwn"),
        (None, None, "none", "No go-live date", "Dim dyddiad mynd yn fyw"),
    ],
)
def test_the_verdict_is_the_status_in_words(
    in_time: bool | None, chance: float | None, answer: str, en: str, cy: str
) -> None:
    found = verdict(_headline(in_time, chance))
    assert found == answer
    assert verdict_text(found, translator("en")) == en
    assert verdict_text(found, translator("cy")) == cy


def test_the_terminal_comparison_writes_chances_by_the_rule() -> None:
    from migrasim.analysis.compare import CompareRow
    from migrasim.analysis.stats import DateStats
    from migrasim.render.terminal import comparison_lines

    stats = DateStats(None, None, None, 0.355, (0.3, 0.4), (None, None), None)
    lines = comparison_lines([CompareRow("ALL", "base", stats)], ["base"], True, translator("en"))
    assert "36%" in lines[-1]
    assert "0.35" not in lines[-1]


def _progress(moved: float, delivered: float) -> object:
    """A flow that moved ``moved`` of its plan on 20 working days, one with nothing, and has
    ``delivered`` of 1 TB across."""
    from migrasim.analysis.track import FlowEvidence, FlowProgress

    evidence = FlowEvidence("A", "capped", 20, 1, moved * 1e9, 1e9, ())
    return FlowProgress("A", delivered * 1e12, 1e12, None, None, False, evidence)


def test_track_writes_the_share_moved_by_the_rule_and_progress_csv_keeps_its_english() -> None:
    from migrasim.render.track_tables import progress_frame, progress_table, what_changed

    row = _progress(0.9996, 0.9996)
    said = what_changed(row)  # type: ignore[arg-type]
    # progress.csv: its English as it always was (a data interface)
    assert said == "moved 100 % of planned: 1 of 20 working days with nothing delivered"
    assert progress_frame([row])["what_changed"][0] == said  # type: ignore[list-item]
    assert progress_frame([row])["percent_complete"][0] == 100.0  # type: ignore[list-item]
    # the report, the workbook and the terminal: the one rule, never 100 % short of it
    en, cy = translator("en"), translator("cy")
    assert en.message(said) == (
        "moved >99.9% of planned: 1 of 20 working days with nothing delivered"
    )
    assert cy.message(said) == (
        "wedi symud >99.9% o'r hyn a gynlluniwyd: 1 o 20 diwrnod gwaith heb gyflwyno dim"
    )
    assert en.message(what_changed(_progress(0.0004, 0.5))) == (  # type: ignore[arg-type]
        "moved <0.1% of planned: 1 of 20 working days with nothing delivered"
    )
    assert en.message(what_changed(_progress(0.355, 0.5))).startswith("moved 36% of")  # type: ignore[arg-type]
    # the progress table holds the share complete, written as every share is
    table = progress_table([row])  # type: ignore[list-item]
    assert table.columns[2] == "share_complete"
    assert table.rows[0][2] == pytest.approx(0.9996)
    assert en.percent(table.rows[0][2]) == ">99.9%"  # type: ignore[arg-type]
    # 400 kB of 1 TB left: the share rounds to 1 at 6 decimals, and still is not all of it
    almost = progress_table([_progress(0.5, 0.9999996)])  # type: ignore[list-item]
    assert en.percent(almost.rows[0][2]) == ">99.9%"  # type: ignore[arg-type]


def test_a_share_among_a_message_s_values() -> None:
    from migrasim.errors import N_
    from migrasim.render.i18n import Share

    inner = N_("growth since start: %(grown)s", grown="1 GB")
    said = N_("%(before)s; %(then)s", before=N_("moved %(share)s of planned: %(zero)s of "
              "%(days)s working days with nothing delivered", share=Share(0.5, "50 %"), zero=0,
              days=3), then=inner)  # fmt: skip
    assert str(said).startswith("moved 50 % of planned")
    assert translator("en").message(said).startswith("moved 50% of planned")
    assert translator("cy").message(said) == (
        "wedi symud 50% o'r hyn a gynlluniwyd: 0 o 3 diwrnod gwaith heb gyflwyno dim; "
        "twf ers y dechrau: 1 GB"
    )
    assert translator("en").message("plain text") == "plain text"
    assert translator("en").message(Share(1.0, "100 %")) == "100%"
