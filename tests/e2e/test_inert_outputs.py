"""Names from inputs are inert in every output: CSV cells a spreadsheet would run as a formula
are neutralised (OWASP "CSV Injection"), the HTML escapes them, the workbook stores text."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from migrasim.render.tables import inert_cell
from tests.helpers import invoke

HOSTILE = [
    '=HYPERLINK("http://example.invalid","x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
]  # (a tab or carriage return cannot start a name: validation refuses control characters)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-5", "-5"),  # a plain number is data, not a formula
        ("+1.5", "+1.5"),
        ("Cardiff", "Cardiff"),
        ("2025-06-02", "2025-06-02"),
        (-3, -3),
    ],
)
def test_inert_cell(cell: object, expected: object) -> None:
    assert inert_cell(cell) == expected


def test_every_csv_neutralises_hostile_names(tmp_path: Path) -> None:
    flows = "\n".join(
        f"  - {{name: {name!r}, source: {name!r}, target: t, links: [{HOSTILE[3]!r}],"
        f" volume: {{low: 1 GB, likely: 2 GB, high: {3 + i} GB}}}}"
        for i, name in enumerate(HOSTILE)
    )
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(
        "name: hostile\nstart: 2025-06-02\ngo_live: 2026-01-05\n"
        f"links:\n  {HOSTILE[3]!r}: {{daily_cap: 1 GB, per_flow: true}}\nflows:\n{flows}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code, _, stderr = invoke("run", str(scenario), "--out", str(out), "-n", "20")
    assert code == 0, stderr
    seen = set()
    for path in sorted(out.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                        float(cell)  # only plain numbers may start so
                    if cell.startswith("'"):
                        seen.add(cell[1:])
    assert set(HOSTILE) <= seen
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '=HYPERLINK("http' not in html  # quotes are escaped in the page
    # the workbook stores every name as text: no cell is a formula
    texts = set()
    for sheet in load_workbook(out / "summary.xlsx").worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    assert set(HOSTILE) <= texts
