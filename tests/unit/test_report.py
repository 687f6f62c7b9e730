"""report.html and summary.xlsx: the answer first, self-contained, English and Welsh."""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import load_workbook

from migrasim.analysis.advice import fix_for
from migrasim.analysis.experiment import Outcome
from migrasim.analysis.summary import summarise
from migrasim.cli import cli
from migrasim.core.engine import simulate
from migrasim.render.headlines import advice_text
from migrasim.render.i18n import translator
from migrasim.render.report import ReportInputs, headline_from, render_html, xlsx_bytes
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def hand(volume: str = "100 GB", cap: str = "1 GB") -> dict[str, Any]:
    # Mon 7 Jul 2025, Mon-Fri, no holidays; go-live Mon 4 Aug: 20 working days before it.
    return {
        "name": "Hand <example> & co",
        "description": "A hand-worked case.",
        "start": "2025-07-07",
        "go_live": "2025-08-04",
        "calendar": {"holidays": "none"},
        "links": {"capped": {"daily_cap": cap, "per_flow": True, "description": "1 GB/day rule"}},
        "flows": [{"name": "A", "source": "s", "target": "t", "volume": volume,
                   "links": ["capped"]}],
    }  # fmt: skip


def inputs_for(data: dict[str, Any], with_fix: bool = False) -> ReportInputs:
    scenario = parse_scenario(data)
    model = build_model(scenario)
    results = summarise(Outcome(scenario, model, simulate(model, record=True), None, 7))
    fix = fix_for(scenario, "capped", "hand.yaml") if with_fix else None
    return ReportInputs(
        title=scenario.name,
        command="migrasim run hand.yaml",
        headline=headline_from(results.programme, scenario.go_live, fix),
        results=results,
        figures={"burnup": PNG_1PX, "gantt": PNG_1PX},
        assumptions=[("links.capped", "1 GB/day rule")],
        scenario_text="name: Hand\n# a comment <b>\n",
        version="9.9.9",
    )


def h2_texts(page: str) -> list[str]:
    found = re.findall(r"<h2[^>]*>(.*?)</h2>", page)
    return [html.unescape(re.sub(r"<[^>]+>", "", h)) for h in found]


def test_headline_answers_first_with_the_hand_worked_date() -> None:
    # 100 GB at 1 GB a working day: 100 working days from Mon 7 Jul; the last byte arrives at
    # 00:00 on Sat 22 Nov 2025, which counts for Fri 21 Nov.
    page = render_html(inputs_for(hand(), with_fix=True), "en")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in page
    summary = page.index('id="summary"')
    assert summary < page.index('id="organisations"') < page.index('id="charts"')
    verdict = re.search(r'id="verdict">([^<]*)<', page)
    assert verdict is not None
    assert verdict.group(1) == "No"
    p80 = re.search(r'id="p80">(.*?)</p>', page)
    assert p80 is not None
    assert "21 November 2025" in p80.group(1)
    # the constraint in plain words: the link's description, its key named underneath
    assert 'id="bottleneck">1 GB/day rule<' in page
    assert "Bottleneck link: capped" in page
    # 100 GB in the 20 working days before go-live needs 5 GB a day
    assert "Raise the daily cap of link &#39;capped&#39; from 1 GB to 5 GB (5.0×)" in page
    assert "Hand &lt;example&gt; &amp; co" in page  # user text is escaped
    assert "# a comment &lt;b&gt;" in page  # the scenario is echoed, escaped
    assert "seed" in page.lower()
    assert "9.9.9" in page


def test_report_is_self_contained() -> None:
    page = render_html(inputs_for(hand()), "en")
    sources = re.findall(r'\ssrc="([^"]*)"', page)
    assert len(sources) == 2
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert not re.search(r"<link\b|https?://|url\(", page.replace("http://www.w3.org", ""))


def test_welsh_report_translates_every_heading() -> None:
    en = render_html(inputs_for(hand()), "en")
    cy = render_html(inputs_for(hand()), "cy")
    assert '<html lang="cy">' in cy
    headings_en, headings_cy = h2_texts(en), h2_texts(cy)
    assert len(headings_en) == len(headings_cy) >= 5
    t = translator("cy")
    for english, welsh in zip(headings_en, headings_cy, strict=True):
        assert t.gettext(english) == welsh != english
    assert "Na fyddwn" in cy  # "No"
    assert "21 Tachwedd 2025" in cy
    # No English label survives in the Welsh table header.
    header = re.search(r'id="organisations".*?<thead>(.*?)</thead>', cy, re.S)
    assert header is not None
    for english in ("Organisation", "Data to move", "Finish date", "Bottleneck"):
        assert english not in header.group(1)


def test_on_time_run_says_yes() -> None:
    page = render_html(inputs_for(hand(volume="10 GB")), "en")
    verdict = re.search(r'id="verdict">([^<]*)<', page)
    assert verdict is not None
    assert verdict.group(1) == "Yes"


def test_workbook_holds_the_same_tables(tmp_path: Path) -> None:
    inputs = inputs_for(hand())
    path = tmp_path / "summary.xlsx"
    path.write_bytes(xlsx_bytes(inputs))
    book = load_workbook(path)
    assert {"Summary", "Assumptions", "Scenario", "About"} <= set(book.sheetnames)
    sheet = book["Summary"]
    # The headers are words (summary.csv keeps the code names: a data interface).
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Flow", "Source", "Target"]
    assert header[-1] == "Organisation"
    assert len(header) == 22  # with baseline_finish_date and organisation
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["A", "ALL"]
    # the exact moment (Sat 22 Nov 00:00) beside the day it counts for (Fri 21 Nov)
    for row in rows:
        assert row[header.index("Baseline finish")] == datetime(2025, 11, 22)
        assert row[header.index("Baseline finish date")].date() == date(2025, 11, 21)
    p80 = rows[0][header.index("P80")]
    assert p80 is not None
    assert p80.date() == date(2025, 11, 21)
    about = {r[0]: r[1] for r in book["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Seed"] == 7
    assert about["Version"] == "9.9.9"
    assert about["Will we make go-live?"] == "No"  # the report's answer, in its words


def test_welsh_workbook_names_sheets_and_columns_in_welsh(tmp_path: Path) -> None:
    path = tmp_path / "summary.xlsx"
    path.write_bytes(xlsx_bytes(inputs_for(hand()), "cy"))
    book = load_workbook(path)
    assert book.sheetnames[0] == "Crynodeb"
    assert "Summary" not in book.sheetnames
    header = [c.value for c in book.worksheets[0][1]]
    assert (header[0], header[-1]) == ("Llif", "Sefydliad")
    about = {r[0]: r[1] for r in book.worksheets[-1].iter_rows(min_row=2, values_only=True)}
    assert about["Hedyn"] == 7


def test_fix_by_hand() -> None:
    # 100 GB in the 20 working days before go-live needs 5 GB a day.
    data = hand()
    scenario = parse_scenario(data)
    fix = fix_for(scenario, "capped", "hand.yaml")
    assert fix is not None
    assert fix.needed is not None
    needed = float(fix.needed.split()[0])
    assert 5.0 <= needed <= 5.005
    # The stated value, written into the scenario, really does make go-live (rounded up).
    from migrasim.analysis.experiment import with_overrides

    fixed = with_overrides(data, [(fix.key, fix.needed)], None)
    model = build_model(fixed)
    done = simulate(model).finished_s
    assert done is not None
    assert model.clock.to_local(done).date() <= date(2025, 8, 2)
    assert fix.key == "links.capped.daily_cap"
    assert "--vary links.capped.daily_cap" in fix.solve_command
    assert advice_text(fix, translator("en")).startswith(
        "Raise the daily cap of link 'capped' from 1 GB to 5"
    )
    on_time = fix_for(parse_scenario(hand("10 GB")), "capped", "h.yaml")
    assert on_time is not None
    assert on_time.needed == on_time.current


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_cli_run_writes_report_and_workbook(tmp_path: Path, lang: str) -> None:
    scenario = tmp_path / "hand.yaml"
    scenario.write_text(yaml.safe_dump(hand()), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(scenario), "--out", str(out), "--lang", lang])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in page
    # the fix found by the baseline bisection: 100 GB in 20 working days needs 5 GB a day
    assert ("from 1 GB to 5 GB (5.0×)" if lang == "en" else "o 1 GB i 5 GB (5.0×)") in page
    assert (out / "summary.xlsx").stat().st_size > 0
    bad = CliRunner().invoke(cli, ["run", str(scenario), "--lang", "fr", "--out", str(out)])
    assert bad.exit_code == 2


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_workbook_bytes_are_reproducible(tmp_path: Path, lang: str) -> None:
    inputs = inputs_for(hand(), with_fix=True)
    (tmp_path / "a.xlsx").write_bytes(xlsx_bytes(inputs, lang))
    (tmp_path / "b.xlsx").write_bytes(xlsx_bytes(inputs, lang))
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_fix_raises_bandwidth_when_the_link_has_no_cap() -> None:
    # 100 GB over 20 working days of 24 h at efficiency 0.5: 100e9 / (20 * 86400) / 0.5 bytes/s
    # = 115,740.7 B/s = 0.92593 Mbit/s, stated rounded up as 0.9260 Mbit/s.
    data = hand()
    data["links"] = {"wire": {"bandwidth": "0.1 Mbit/s", "efficiency": 0.5}}
    data["flows"][0]["links"] = ["wire"]
    fix = fix_for(parse_scenario(data), "wire", "hand.yaml")
    assert fix is not None
    assert fix.key == "links.wire.bandwidth"
    assert fix.current == "0.1 Mbit/s"
    assert fix.needed == "0.926 Mbit/s"
