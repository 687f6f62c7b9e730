"""summary.xlsx holds the cells it held when it was written by splicing XML into openpyxl's
zip (before issue 21): every sheet's name, cell values and types, number formats, bold headers,
wrapping, column widths, freeze panes and filters, read back with openpyxl, equal to a record
of that writer's workbook (``workbook_cells.json``) for a run with hostile names, every extra
table and both languages."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.helpers import invoke

RECORD = Path(__file__).with_name("workbook_cells.json")

SCENARIO = """\
name: "=Workbook & <cells>"
start: 2025-07-07
go_live: 2025-08-01
calendar: {holidays: none}
links:
  capped: {daily_cap: {low: 1 GB, likely: 2 GB, high: 3 GB}, per_flow: true,
           description: "the 2 GB/day rule, a long description that wraps in the sheet"}
  wire: {bandwidth: 0.1 Gbit/s, efficiency: 0.7}
flows:
  - {name: "=SUM(A1)", source: "s & p", target: t, links: [capped],
     volume: {low: 20 GB, likely: 30 GB, high: 60 GB}}
  - {name: "+cmd", source: s, target: "@t", links: [wire], volume: 200 GB}
  - {name: Plain, source: s, target: t, links: [capped, wire], volume: 10 GB}
"""


def _value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return ["datetime", value.isoformat()]
    if isinstance(value, datetime.date):
        return ["date", value.isoformat()]
    return value


def workbook_cells(path: Path) -> list[dict[str, Any]]:
    """Everything a reader sees in the workbook, sheet by sheet (``version`` and the run's
    folder masked)."""
    book = load_workbook(path)
    sheets = []
    for ws in book.worksheets:
        cells = []
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                value = _value(cell.value)
                if isinstance(value, str):
                    value = value.replace(str(path.parent.parent), "<folder>")
                if ws is book.worksheets[-1] and cell.column == 2:
                    label = ws.cell(row=cell.row, column=1).value
                    if label in ("Version", "Fersiwn"):
                        value = "<version>"
                cells.append([cell.coordinate, value, cell.data_type, cell.number_format,
                              bool(cell.font.b), bool(cell.alignment.wrap_text),
                              cell.alignment.vertical])  # fmt: skip
        sheets.append(
            {
                "title": ws.title,
                "freeze": ws.freeze_panes,
                "filter": ws.auto_filter.ref,
                "widths": {
                    k: d.width for k, d in sorted(ws.column_dimensions.items()) if d.customWidth
                },
                "cells": cells,
            }
        )
    return sheets


CASES = {
    "en": ["--lang", "en"],
    "cy": ["--lang", "cy"],
    "what-if": ["--set", "links.wire.efficiency=0.8"],  # the Summary's title row
}


def _run(tmp_path: Path, case: str) -> Path:
    scenario = tmp_path / "workbook.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    out = tmp_path / case
    code, _, stderr = invoke("run", str(scenario), "--out", str(out), "-n", "40", "--seed", "3",
                             *CASES[case])  # fmt: skip
    assert code == 0, stderr
    return out / "summary.xlsx"


@pytest.mark.parametrize("case", list(CASES))
def test_the_workbook_holds_the_cells_it_held(tmp_path: Path, case: str) -> None:
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    got = json.loads(json.dumps(workbook_cells(_run(tmp_path, case))))
    assert [s["title"] for s in got] == [s["title"] for s in record[case]]
    for want, have in zip(record[case], got, strict=True):
        assert have == want, want["title"]


if __name__ == "__main__":  # writes the record: python -m tests.e2e.test_workbook_cells DIR
    import sys

    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    data = {case: workbook_cells(_run(folder, case)) for case in CASES}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("],[", "],\n[")
    RECORD.write_text(text + "\n", encoding="utf-8")  # a cell a line
