"""``migrasim run --set``: every label derived from a changed value shows the value that ran
beside the file's (issue 18: the title said "(1 GB a day)" and "What holds us back" read "1 GB
a day per organisation" for a run at 3 GB a day)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.helpers import invoke

ROOT = Path(__file__).resolve().parents[2]
WALES = str(ROOT / "scenarios" / "health_boards.yaml")
CHANGE = {
    "en": "What-if: daily cap of link capped 3 GB a day (file: 1 GB a day)",
    "cy": "Beth os: terfyn dyddiol cyswllt capped 3 GB y dydd (ffeil: 1 GB y dydd)",
}
BINDING = {
    "en": "link capped, 3 GB a day per organisation (what-if); the file's description says: "
    "1 GB a day per organisation (Senedd",
    "cy": "cyswllt capped, 3 GB y dydd fesul sefydliad (beth os); mae disgrifiad y ffeil yn "
    "dweud: 1 GB a day per organisation (Senedd",
}


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_a_what_if_run_is_labelled_with_the_value_that_ran(tmp_path: Path, lang: str) -> None:
    out = tmp_path / "r"
    code, stdout, stderr = invoke(
        "run", WALES, "--set", "links.capped.daily_cap=3 GB", "--out", str(out), "-n", "60",
        "--seed", "1", "--lang", lang,
    )  # fmt: skip
    assert code == 0, stderr
    lines = stdout.splitlines()
    # the terminal's title: the scenario's name, then the change with the file's value
    assert lines[0].startswith(
        f"Wales social care records to Connecting Care (1 GB a day) — {CHANGE[lang]}: 60 "
    )
    holding = next(line for line in lines if BINDING[lang][:20] in line)
    assert BINDING[lang] in holding
    assert not holding.split(": ", 1)[1].startswith("1 GB")  # not the stale description first
    page = html.unescape((out / "report.html").read_text(encoding="utf-8"))
    heading = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert heading is not None
    assert CHANGE[lang] in heading.group(1)
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None
    assert CHANGE[lang] in title.group(1)
    bottleneck = re.search(r'id="bottleneck">(.*?)</p>', page, re.S)
    assert bottleneck is not None
    assert bottleneck.group(1).startswith(BINDING[lang])
    sheet = load_workbook(out / "summary.xlsx", read_only=True).worksheets[0]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert any(CHANGE[lang] in c for c in cells)
