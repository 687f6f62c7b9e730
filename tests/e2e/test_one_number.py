"""One number, one text: a share reads the same in the terminal, report.html, summary.xlsx,
the charts and the what-if page; the report's answer to "Will we make go-live?" is the page's
word for the same scenario; "Days late" says what it is measured on."""

from __future__ import annotations

import dataclasses
import html
import re
import shutil
import warnings
from collections.abc import Iterator
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook

from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.records import RunReport
from migrasim.analysis.summary import summarise
from migrasim.render.headlines import row_name
from migrasim.render.html import column_label
from migrasim.render.i18n import Translator, fill, translator
from migrasim.render.messages import CHARTS
from migrasim.render.plots import cdf_figure
from migrasim.render.report import ReportInputs, headline_from, render_html, xlsx_bytes
from migrasim.render.terminal import run_lines
from migrasim.scenario.loader import load_scenario
from migrasim.serve import view as page
from migrasim.serve.session import Session
from migrasim.serve.web import create_app
from tests.e2e.test_status_counts import mixed
from tests.helpers import invoke
from tests.unit.test_share_text import excel_text

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2; httpx 0.28 still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
N, SEED = "200", "1"

# The figures of issue 18, and the two ends.
SHARES = [(0.355, "36%"), (0.015, "1.5%"), (0.9996, ">99.9%"), (0.0004, "<0.1%"),
          (0.0, "0%"), (1.0, "100%")]  # fmt: skip


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def report_chances(page_html: str) -> dict[str, str]:
    """Each row of report.html's table: its heading (the organisation, or the total row's
    label) -> the chance shown."""
    found = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page_html, flags=re.S):
        name = re.search(r'<th scope="row">(.*?)(?:<span class="reason">|</th>)', row, re.S)
        chance = re.search(r'<td class="num key-chance"><strong>(.*?)</strong>', row, re.S)
        if name and chance:
            found[_text(name.group(1))] = _text(chance.group(1))
    return found


def headline_chance(page_html: str) -> str:
    match = re.search(r'<p class="chance">.*?<strong>(.*?)</strong>', page_html, re.S)
    assert match is not None
    return _text(match.group(1))


def terminal_chances(lines: list[str], names: list[str]) -> dict[str, str]:
    """Each row of the terminal table -> the chance in its P(by go-live) column."""
    found = {}
    for line in lines:
        for name in names:
            rest = line[len(name) :]
            if line.startswith(name) and rest[:2] == "  ":
                # baseline, P50, P80, P95 (dates or "never"), then "chance [low-high]"
                match = re.match(r"\s+(\S+\s+){4}(\S+) \[", rest)
                if match:
                    found[name] = match.group(2)
    return found


def workbook_chances(data: bytes, t: Translator) -> dict[str, str]:
    """Summary sheet: organisation -> the chance as a spreadsheet shows it (value and format)."""
    sheet = load_workbook(BytesIO(data))[fill(t, "Summary")]
    rows = list(sheet.iter_rows())
    top = next(i for i, r in enumerate(rows) if r[0].value == column_label(t, "flow"))
    header = [c.value for c in rows[top]]
    at = header.index(column_label(t, "prob_by_go_live"))
    found = {}
    for row in rows[top + 1 :]:
        cell = row[at]
        if cell.value is not None:
            found[str(row[0].value)] = excel_text(float(str(cell.value)), cell.number_format)
    return found


# --- a share injected into a real run's records --------------------------------------------


@pytest.fixture(scope="module")
def real_report(tmp_path_factory: pytest.TempPathFactory) -> RunReport:
    """A real Monte Carlo run (3 organisations, 200 replications) to carry the shares."""
    path = tmp_path_factory.mktemp("mixed") / "mixed.yaml"
    path.write_text(yaml.safe_dump(mixed()), encoding="utf-8")
    return summarise(run_scenario(load_scenario(path), 200, 1))


def with_chance(report: RunReport, share: float) -> RunReport:
    programme = dataclasses.replace(report.programme, chance=share, chance_ci=(share, share))
    return dataclasses.replace(report, programme=programme)


def inputs_of(report: RunReport) -> ReportInputs:
    return ReportInputs(
        title=report.scenario_name,
        command="migrasim run mixed.yaml",
        headline=headline_from(report.programme, report.go_live),
        results=report,
        figures={},
        assumptions=[],
        scenario_text="name: mixed\n",
        version="0",
    )


def cdf_subtitle(share: float, t: Translator) -> str:
    """The CDF's subtitle for completions of which ``share`` are before go-live."""
    n = 10_000 if share in (0.9996, 0.0004) else 200
    k = round(share * n)
    go_live = date(2026, 1, 5)
    days = [go_live - timedelta(days=3)] * k + [go_live + timedelta(days=3)] * (n - k)
    figure = cdf_figure(days, go_live, {}, "t", t)
    texts = [text.get_text() for ax in figure.axes for text in ax.texts]
    return "\n".join(texts)


@pytest.mark.parametrize("lang", ["en", "cy"])
@pytest.mark.parametrize(("share", "expected"), SHARES)
def test_a_share_reads_the_same_in_every_output(
    real_report: RunReport, share: float, expected: str, lang: str
) -> None:
    t = translator(lang)
    report = with_chance(real_report, share)
    inputs = inputs_of(report)
    report_page = render_html(inputs, lang)
    total = _text(fill(t, "Whole programme"))
    programme = row_name("ALL", t)  # the terminal's name for the programme's row ("Y CYFAN")
    outputs = {
        "terminal": terminal_chances(run_lines(report, t), [programme])[programme],
        "report headline": headline_chance(report_page),
        "report table": report_chances(report_page)[total],
        "workbook": workbook_chances(xlsx_bytes(inputs, lang), t)["ALL"],
        "page": page.answer(report, {}, 1, t)["display"]["programme"]["chance"],
    }
    assert outputs == dict.fromkeys(outputs, expected)
    assert fill(t, CHARTS["before_go_live"], share=expected) in cdf_subtitle(share, t)


# --- every row of a real run, from the command line and the page -----------------------------


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "health_boards.yaml"
    shutil.copy(ROOT / "scenarios" / "health_boards.yaml", path)
    return path


@pytest.fixture(scope="module")
def client(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    session = Session(scenario, results=tmp_path_factory.mktemp("packs"))
    with TestClient(create_app(session, "en")) as test_client:
        yield test_client


_RUNS: dict[tuple[Path, str, str], tuple[Path, str]] = {}


def cli_run(scenario: Path, lang: str, changes: dict[str, str]) -> tuple[Path, str]:
    """``migrasim run -n 200 --seed 1 --lang LANG --set ...``: its folder and its output
    (each run once per test session)."""
    sets = [f"--set={key}={value}" for key, value in changes.items()]
    key = (scenario, lang, " ".join(sets))
    if key not in _RUNS:
        out = scenario.parent / f"run-{len(_RUNS)}"
        code, stdout, stderr = invoke("run", str(scenario), "--out", str(out), "-n", N,
                                      "--seed", SEED, "--lang", lang, *sets)  # fmt: skip
        assert code == 0, stderr
        _RUNS[key] = (out, stdout)
    return _RUNS[key]


def evaluate(client: TestClient, lang: str, changes: dict[str, str]) -> dict[str, Any]:
    body = {"set": changes, "replications": int(N), "seed": int(SEED), "lang": lang}
    answer = client.post("/api/evaluate", json=body)
    assert answer.status_code == 200, answer.text
    display: dict[str, Any] = answer.json()["display"]
    return display


def test_every_row_of_a_real_run_reads_the_same(scenario: Path, client: TestClient) -> None:
    t = translator("en")
    out, stdout = cli_run(scenario, "en", {})
    shown = evaluate(client, "en", {})
    names = [row["name"] for row in shown["flows"]]
    assert len(names) == 29
    terminal = terminal_chances(stdout.splitlines(), names)
    report = report_chances((out / "report.html").read_text(encoding="utf-8"))
    workbook = workbook_chances((out / "summary.xlsx").read_bytes(), t)
    on_page = {row["name"]: row["chance"] for row in shown["flows"]}
    programme = report.pop(fill(t, "Whole programme"))
    assert terminal == report == on_page == {n: workbook[n] for n in names}
    assert programme == workbook["ALL"] == shown["programme"]["chance"]
    assert all(re.fullmatch(r"[<>]?\d+(\.\d)?%", text) for text in terminal.values())
    # the programme's chance, in the terminal's answer and on the page's card
    verdict_line = next(line for line in stdout.splitlines() if "Will we make go-live?" in line)
    assert verdict_line.endswith(f"chance {shown['programme']['chance']}.")
    assert shown["programme"]["chance"] == workbook["ALL"]


# --- one classification: the report's answer is the page's -----------------------------------


@pytest.mark.parametrize(
    ("lang", "changes", "word"),
    [
        ("en", {}, "No"),  # the Wales baseline: about 1 % chance
        ("cy", {}, "Na fyddwn"),
        # about a third: the report said "No" and the page "At risk" (issue 18)
        ("en", {"links.capped.daily_cap": "2.949 GB"}, "No"),
        ("en", {"links.capped.daily_cap": "20 GB"}, "Yes"),  # makes go-live
        ("cy", {"links.capped.daily_cap": "20 GB"}, "Byddwn"),
    ],
)
def test_the_report_and_the_page_give_one_answer(
    scenario: Path, client: TestClient, lang: str, changes: dict[str, str], word: str
) -> None:
    t = translator(lang)
    out, stdout = cli_run(scenario, lang, changes)
    report_page = (out / "report.html").read_text(encoding="utf-8")
    in_report = re.search(r'id="verdict">([^<]*)<', report_page)
    assert in_report is not None
    on_page = evaluate(client, lang, changes)["programme"]["verdict"]
    about = load_workbook(out / "summary.xlsx")[fill(t, "About")]
    in_workbook = {r[0]: r[1] for r in about.iter_rows(values_only=True)}
    assert in_report.group(1) == on_page == word
    assert in_workbook[fill(t, "Will we make go-live?")] == word
    answer = fill(t, "Will we make go-live? %(answer)s: P80 %(p80)s, chance %(chance)s.",
                  answer=word, p80="", chance="")  # fmt: skip
    assert any(line.startswith(answer.split(":")[0] + ":") for line in stdout.splitlines())


# --- days late says its basis ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_days_late_names_its_basis(scenario: Path, lang: str) -> None:
    t = translator(lang)
    out, _ = cli_run(scenario, lang, {})
    book = load_workbook(out / "summary.xlsx")
    headers = [str(c.value) for ws in book.worksheets for row in ws.iter_rows(max_row=2)
               for c in row if c.value is not None]  # fmt: skip
    late = fill(t, "Days late (most-likely run)")
    assert late in headers
    plain = fill(t, "Days late")
    assert plain == late or plain not in headers  # no bare "Days late" header is left
    report_page = (out / "report.html").read_text(encoding="utf-8")
    card = re.search(r'<p class="delta late">(.*?)</p>', report_page, re.S)
    assert card is not None
    assert _text(card.group(1)).endswith("(P80)")  # the headline's lateness is the P80's
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"`days_late` \(the most-likely run", readme)


# --- captions say what the charts draw ---------------------------------------------------------


def captions(report: RunReport) -> dict[str, str]:
    from tests.unit.test_report import PNG_1PX

    inputs = dataclasses.replace(
        inputs_of(report), figures=dict.fromkeys(("cdf", "gantt", "burnup", "tornado"), PNG_1PX)
    )
    page_html = render_html(inputs, "en")
    found = re.findall(r'<figure id="fig-\d+".*?<img src="data:image/png;base64,[^"]*"[^>]*>'
                       r"<figcaption>(.*?)</figcaption>", page_html, re.S)  # fmt: skip
    keys = re.findall(r'<figure id="fig-\d+"[^>]*><h3[^>]*>(.*?)</h3>', page_html)
    assert len(found) == len(keys) == 4
    return dict(zip(("cdf", "gantt", "burnup", "tornado"), map(_text, found), strict=True))


def test_captions_name_the_colours_and_lines_as_drawn(real_report: RunReport) -> None:
    from migrasim.render import plots

    text = captions(real_report)
    # the Gantt's bars are coloured by status (bundle.py passes it for a Monte Carlo run)
    assert "Orange bars finish after go-live" not in text["gantt"]
    assert (
        "blue on track, amber at risk, red-orange with white stripes likely late" in (text["gantt"])
    )
    assert (plots.ON_TIME, plots.AT_RISK, plots.LATE, plots.LATE_HATCH_COLOUR) == (
        "#0072B2", "#E69F00", "#D55E00", "white"  # blue, amber (orange), red-orange (vermilion)
    )  # fmt: skip
    assert "purple cross-hatched" in text["gantt"]
    assert plots.NEVER_HATCH == "xx"
    assert "(blue)" in text["tornado"]
    assert "up to 10" in text["tornado"]  # the chart shows the ten largest swings
    assert "(amber)" in text["tornado"]
    assert (plots.INPUT_LOW, plots.INPUT_HIGH) == ("#0072B2", "#E69F00")
    assert "P10 to P90 band" in text["burnup"]  # a Monte Carlo run draws the band
    assert all("dashed line is go-live" in text[k] for k in ("cdf", "gantt", "burnup"))


def test_captions_without_go_live_or_replications_do_not_promise_them(
    real_report: RunReport,
) -> None:
    no_go_live = dataclasses.replace(real_report, go_live=None)
    text = captions(no_go_live)
    assert not any("go-live" in caption for key, caption in text.items() if key != "tornado")
    deterministic = dataclasses.replace(real_report, replications=None)
    assert "P10" not in captions(deterministic)["burnup"]  # no simulated runs, no band
    assert "status" not in captions(deterministic)["gantt"]  # bars: before or after go-live
