"""flows_from: flows read from a programme office's .csv or .xlsx inventory."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from migrasim.cli import cli
from migrasim.errors import ScenarioError
from migrasim.scenario.loader import load_scenario
from migrasim.scenario.types import parse_scenario, scenario_json_schema

HEAD = """\
name: inventory test
start: 2025-06-02
go_live: 2026-01-05
calendar: {holidays: wales}
links:
  capped: {daily_cap: 1 GB, per_flow: true}
  national: {daily_cap: 20 GB}
"""

INLINE_FLOWS = """\
flows:
  - name: Cardiff
    source: Cardiff Council (WCCIS)
    target: Connecting Care
    volume: 377 GB
    records: 2 M
    links: [capped, national]
  - name: Newport
    source: Newport City Council (WCCIS)
    target: Connecting Care
    volume: 166 GB
    links: [capped]
    after: [Cardiff]
    start: 2025-07-01
    growth: 0.5 GB/day
  - source: Powys Teaching Health Board (WCCIS)
    target: Connecting Care
    volume: 35 GB
    links: [capped]
    description: smallest
"""

CSV = """\
name,source,target,volume,records,links,after,start,growth,description
Cardiff,Cardiff Council (WCCIS),Connecting Care,377 GB,2 M,capped; national,,,,
Newport,Newport City Council (WCCIS),Connecting Care,166 GB,,capped,Cardiff,2025-07-01,0.5 GB/day,
,Powys Teaching Health Board (WCCIS),Connecting Care,35 GB,,capped,,,,smallest
"""

ROWS: list[list[Any]] = [
    ["Name", "Source", "Target", "Volume", "Records", "Links", "After", "Start", "Growth",
     "Description"],
    ["Cardiff", "Cardiff Council (WCCIS)", "Connecting Care", "377 GB", 2_000_000,
     "capped;national", None, None, None, None],
    ["Newport", "Newport City Council (WCCIS)", "Connecting Care", "166 GB", None, "capped",
     "Cardiff", datetime(2025, 7, 1), "0.5 GB/day", None],
    [None, "Powys Teaching Health Board (WCCIS)", "Connecting Care", "35 GB", None, "capped",
     None, None, None, "smallest"],
]  # fmt: skip


def write_xlsx(path: Path, rows: list[list[Any]], sheet: str = "Flows") -> Path:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = sheet
    for row in rows:
        first.append(row)
    book.save(path)
    return path


def scenario(tmp_path: Path, flows_from: str, inventory: str | None = None, **files: str) -> Path:
    """A scenario file in tmp_path with ``flows_from`` and the given files next to it."""
    if inventory is not None:
        (tmp_path / "inventory.csv").write_text(inventory, encoding="utf-8")
    for name, text in files.items():
        (tmp_path / name.replace("_", ".")).write_text(text, encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(HEAD + flows_from)
    return path


def errors(path: Path, *overrides: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return str(info.value).splitlines()


@pytest.fixture
def inline(tmp_path: Path) -> Any:
    path = tmp_path / "inline.yaml"
    path.write_text(HEAD + INLINE_FLOWS)
    return load_scenario(path)


def test_csv_loads_to_the_same_scenario_as_inline_yaml(tmp_path: Path, inline: Any) -> None:
    path = scenario(tmp_path, "flows_from: inventory.csv\n", CSV)
    loaded = load_scenario(path)
    assert loaded == inline
    assert loaded.flow_names() == ["Cardiff", "Newport", "Powys Teaching Health Board (WCCIS) -> "
                                   "Connecting Care"]  # fmt: skip
    assert loaded.flows[0].links == ("capped", "national")
    assert loaded.flows[1].start == datetime(2025, 7, 1)


def test_xlsx_loads_to_the_same_scenario_as_inline_yaml(tmp_path: Path, inline: Any) -> None:
    write_xlsx(tmp_path / "inventory.xlsx", ROWS)
    assert load_scenario(scenario(tmp_path, "flows_from: inventory.xlsx\n")) == inline
    # a named sheet, and default links for rows whose links cell is blank
    rows = [row[:5] + row[6:] for row in ROWS]  # no links column
    book = Workbook()
    assert book.active is not None
    book.active.title = "Notes"
    sheet = book.create_sheet("Councils")
    for row in rows:
        sheet.append(row)
    book.save(tmp_path / "two.xlsx")
    path = scenario(tmp_path, "flows_from: {file: two.xlsx, sheet: Councils, links: [capped]}\n")
    loaded = load_scenario(path)
    assert [f.links for f in loaded.flows] == [("capped",)] * 3


def test_csv_with_excel_bom_and_messy_header(tmp_path: Path, inline: Any) -> None:
    messy = CSV.replace("name,source,target,volume", " Name , SOURCE,Target,Volume ", 1)
    (tmp_path / "inventory.csv").write_bytes("\ufeff".encode() + messy.encode())
    assert load_scenario(scenario(tmp_path, "flows_from: inventory.csv\n")) == inline


def test_inline_flows_come_first_and_lists_of_files(tmp_path: Path) -> None:
    first, second, third = CSV.splitlines(keepends=True)[1:4]
    header = CSV.splitlines(keepends=True)[0]
    text = (
        "flows:\n  - {name: Wrexham, source: W, target: C, volume: 141 GB, links: [capped]}\n"
        "flows_from: [a.csv, b.csv]\n"
    )
    path = scenario(tmp_path, text, a_csv=header + first + "\n\n" + second, b_csv=header + third)
    loaded = load_scenario(path)
    assert loaded.flow_names()[:3] == ["Wrexham", "Cardiff", "Newport"]
    assert len(loaded.flows) == 4


def test_every_bad_row_is_reported_with_its_row_and_column(tmp_path: Path) -> None:
    bad = (
        "source,target,volume,links,records\n"
        "a,T,-5 GB,capped,\n"  # row 2
        "\n"  # row 3: blank, skipped but counted
        "b,T,180,capped,\n"  # row 4
        "c,T,5 GX,capped,lots\n"  # row 5
        ",T,,capped,\n"  # row 6
        "e,T,1 GB,,\n"  # row 7
    )
    lines = errors(scenario(tmp_path, "flows_from: inventory.csv\n", bad))
    path = tmp_path / "s.yaml"
    assert all(line.startswith(f"{path}: inventory.csv row ") for line in lines)
    text = "\n".join(lines)
    assert (
        "inventory.csv row 2, column volume: must be > 0, got '-5 GB'. "
        "Fix: give a size with a unit, e.g. '180 GB'"
    ) in text
    assert "inventory.csv row 4, column volume: '180' has no unit. Fix: give a size" in text
    assert "inventory.csv row 5, column volume: unknown unit 'GX' in '5 GX'" in text
    assert "inventory.csv row 5, column records: cannot read 'lots'" in text
    assert "inventory.csv row 6, column source: is empty. Fix: fill in the source cell" in text
    assert "inventory.csv row 6, column volume: is empty" in text
    assert "inventory.csv row 7, column links: is empty. Fix: fill in the links cell" in text
    assert "flows[" not in text
    assert len(lines) == 7


def test_bare_number_from_an_xlsx_cell_needs_a_unit(tmp_path: Path) -> None:
    write_xlsx(
        tmp_path / "inventory.xlsx",
        [["source", "target", "volume", "links"], ["a", "T", 180, "capped"]],
    )
    lines = errors(scenario(tmp_path, "flows_from: inventory.xlsx\n"))
    assert lines == [
        f"{tmp_path / 's.yaml'}: inventory.xlsx row 2, column volume: 180 has no unit. "
        "Fix: give a size with a unit, e.g. '180 GB' (10^9 bytes) or '10 GiB' (2^30 bytes)"
    ]


def test_named_sheet_in_messages(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "inv.xlsx", [["source", "target", "volume", "links"],
                                       ["a", "T", "1 GB", "nope"]], sheet="Councils")  # fmt: skip
    lines = errors(scenario(tmp_path, "flows_from: {file: inv.xlsx, sheet: Councils}\n"))
    assert "inv.xlsx sheet 'Councils' row 2, column links: undefined link 'nope'" in lines[0]
    lines = errors(scenario(tmp_path, "flows_from: {file: inv.xlsx, sheet: Sheet9}\n"))
    assert lines == [
        f"{tmp_path / 's.yaml'}: inv.xlsx: no sheet named 'Sheet9'. Fix: use one of: 'Councils'"
    ]


def test_unknown_column_with_a_hint(tmp_path: Path) -> None:
    lines = errors(
        scenario(
            tmp_path, "flows_from: inventory.csv\n", "source,target,volumes,Owner\na,T,1 GB,x\n"
        )
    )
    text = "\n".join(lines)
    assert (
        "inventory.csv row 1, column volumes: unknown column 'volumes'. Fix: did you mean "
        "'volume'? allowed columns: name, source, target, volume, records, links, after, start, "
        "growth, description"
    ) in text
    assert (
        "inventory.csv row 1, column Owner: unknown column 'Owner'. Fix: allowed columns:" in text
    )


def test_missing_required_column(tmp_path: Path) -> None:
    lines = errors(scenario(tmp_path, "flows_from: inventory.csv\n", "source,links\na,capped\n"))
    assert lines == [
        f"{tmp_path / 's.yaml'}: inventory.csv row 1: missing required columns target, volume "
        "(header: source, links). Fix: the header row needs source, target and volume; "
        "optional: name, records, links, after, start, growth, description, organisation, go_live"
    ]


def test_semicolon_separated_csv_gets_a_hint(tmp_path: Path) -> None:
    lines = errors(
        scenario(tmp_path, "flows_from: inventory.csv\n", "source;target;volume\na;T;1 GB\n")
    )
    assert "seems to separate columns with ';' or tabs" in lines[0]


def test_bad_links_and_after(tmp_path: Path) -> None:
    bad = (
        "name,source,target,volume,links,after\n"
        "A,a,T,1 GB,capd,\n"
        'B,b,T,1 GB,"capped, national",\n'
        "C,c,T,1 GB,capped;capped,Z\n"
    )
    text = "\n".join(errors(scenario(tmp_path, "flows_from: inventory.csv\n", bad)))
    assert (
        "inventory.csv row 2, column links: undefined link 'capd'. Fix: did you mean 'capped'?"
    ) in text
    assert (
        "inventory.csv row 3, column links: undefined link 'capped, national'. "
        "Fix: separate names in one cell with ';', not ','."
    ) in text
    assert "inventory.csv row 4, column links: a link is listed twice" in text
    assert (
        "inventory.csv row 4, column after: unknown flow 'Z'. "
        "Fix: name a flow defined in 'flows:' or in an inventory"
    ) in text


def test_duplicate_names_across_inline_and_inventory(tmp_path: Path) -> None:
    text = (
        "flows:\n  - {name: Cardiff, source: W, target: C, volume: 1 GB, links: [capped]}\n"
        "flows_from: inventory.csv\n"
    )
    lines = errors(scenario(tmp_path, text, CSV + "Cardiff,x,y,1 GB,,capped,,,,\n"))
    assert lines == [
        f"{tmp_path / 's.yaml'}: inventory.csv row 2, column name: duplicate flow name "
        "'Cardiff' (also flows[0]). Fix: give every flow a unique name",
        f"{tmp_path / 's.yaml'}: inventory.csv row 5, column name: duplicate flow name "
        "'Cardiff' (also flows[0]). Fix: give every flow a unique name",
    ]
    # and within one inventory: the earlier row is named
    extra = CSV + "Cardiff,x,y,1 GB,,capped,,,,\n"
    lines = errors(scenario(tmp_path, "flows_from: inventory.csv\n", extra))
    assert (
        "inventory.csv row 5, column name: duplicate flow name 'Cardiff' (also inventory.csv row 2)"
    ) in lines[0]


@pytest.mark.parametrize(
    ("files", "flows_from", "expected"),
    [
        ({}, "nope.csv", "nope.csv: no such file (looked for"),
        ({"inventory.csv": ""}, "inventory.csv", "inventory.csv: the file is empty"),
        ({"inventory.csv": "\n,,\n"}, "inventory.csv", "inventory.csv: the file is empty"),
        (
            {"inventory.csv": "source,target,volume\n\n"},
            "inventory.csv",
            "inventory.csv: the file has a header but no flows",
        ),
        (
            {"inventory.csv": "\nsource,target,volume\n"},
            "inventory.csv",
            "inventory.csv row 2: the header must be on row 1",
        ),
        (
            {"inventory.csv": "source,target,volume,links\na,b,1 GB,capped,oops\n"},
            "inventory.csv",
            "inventory.csv row 2, column 5: 'oops' is in a column without a header",
        ),
        ({"inv.xls": "x"}, "inv.xls", "inv.xls: cannot read '.xls' files. Fix: save it as .xlsx"),
        ({"inv.xlsx": "not a zip"}, "inv.xlsx", "inv.xlsx: cannot read it as an Excel workbook"),
        ({}, "[]", "flows_from: is empty"),
        ({}, "{file: inventory.csv, shet: A}", "flows_from.shet: unknown key. Fix: did you mean"),
        ({}, "[{sheet: A}]", "flows_from[0].file: is required"),
        ({}, "{file: a.csv, sheet: A}", "a.csv: 'sheet' applies to .xlsx files only"),
    ],
)
def test_file_problems(
    tmp_path: Path, files: dict[str, str], flows_from: str, expected: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "a.csv").write_text(CSV)
    lines = errors(scenario(tmp_path, f"flows_from: {flows_from}\n"))
    assert any(expected in line for line in lines), lines
    assert all(line.startswith(f"{tmp_path / 's.yaml'}: ") for line in lines)


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "inventory.csv").write_bytes(
        "source,target,volume\nYnys Môn,T,1 GB\n".encode("cp1252")
    )
    lines = errors(scenario(tmp_path, "flows_from: inventory.csv\n"))
    assert (
        "inventory.csv: the file is not UTF-8 text. Fix: save it from Excel as 'CSV UTF-8"
        in lines[0]
    )


def test_overrides_reach_inventory_flows(tmp_path: Path) -> None:
    path = scenario(tmp_path, "flows_from: inventory.csv\n", CSV)
    loaded = load_scenario(path, ["flows[Cardiff].volume=400 GB"])
    assert loaded.flows[0].volume == 400e9
    lines = errors(path, "flows[Newport].volume=7")
    assert lines == [
        f"{path}: inventory.csv row 3, column volume (as changed by --set): 7 has no unit. "
        "Fix: give a size with a "
        "unit, e.g. '180 GB' (10^9 bytes) or '10 GiB' (2^30 bytes)"
    ]
    # flows_from itself may be overridden: it is applied before the inventory is read
    (tmp_path / "other.csv").write_text("source,target,volume,links\nx,y,3 GB,capped\n")
    other = load_scenario(path, ["flows_from=other.csv"])
    assert other.flow_names() == ["x -> y"]


def test_parse_scenario_refuses_an_unread_flows_from() -> None:
    data = {"name": "t", "start": "2025-06-02", "links": {"c": {"daily_cap": "1 GB"}},
            "flows_from": "inventory.csv"}  # fmt: skip
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data, "x.yaml")
    assert "x.yaml: flows_from: inventory files are read when a scenario file is loaded" in str(
        info.value
    )


def test_schema_has_flows_from() -> None:
    schema = scenario_json_schema()
    assert "flows_from" in schema["properties"]
    assert "flows" not in schema["required"]
    assert {"required": ["flows_from"]} in schema["anyOf"]
    assert "sheet" in json.dumps(schema["$defs"]["InventorySpec"])


# --- end to end ----------------------------------------------------------------------------------


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_cli_validate_and_run_an_inventory_scenario(tmp_path: Path) -> None:
    path = scenario(tmp_path, "flows_from: inventory.csv\n", CSV)
    code, stdout, stderr = invoke("validate", str(path))
    assert code == 0, stderr
    # three rows (Cardiff, Newport, Powys) and the two links of HEAD (capped, national)
    assert stdout == f"{path}: valid (3 flows, 2 links)\n"
    out = tmp_path / "out"
    code, stdout, stderr = invoke(
        "run", str(path), "-n", "20", "--out", str(out), "--set", "flows[Cardiff].volume=50 GB"
    )
    assert code == 0, stderr
    assert "Cardiff" in stdout
    assert "Newport" in stdout
    summary = (out / "summary.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in summary[1:]] == [
        "Cardiff", "Newport", "Powys Teaching Health Board (WCCIS) -> Connecting Care", "ALL",
    ]  # fmt: skip
    assert summary[1].split(",")[3] == str(50 * 10**9)


def test_cli_bad_inventory_exits_2_with_row_messages(tmp_path: Path) -> None:
    bad = CSV.replace("166 GB", "166 GX").replace("35 GB", "-35 GB")
    path = scenario(tmp_path, "flows_from: inventory.csv\n", bad)
    for command in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "o")]):
        code, _stdout, stderr = invoke(*command)
        assert code == 2
        assert stderr.splitlines() == [
            f"Error: {path}: inventory.csv row 3, column volume: unknown unit 'GX' in '166 GX'; "
            "did you mean 'GB'? "
            "Fix: give a size with a unit, e.g. '180 GB' (10^9 bytes) or '10 GiB' (2^30 bytes)",
            f"Error: {path}: inventory.csv row 4, column volume: must be > 0, got '-35 GB'. "
            "Fix: give a size with a unit, e.g. '180 GB' (10^9 bytes) or '10 GiB' (2^30 bytes)",
        ]
        assert "Traceback" not in stderr
    assert not (tmp_path / "o").exists()
