"""The transfer log, forgiving but strict (issue 19, item 5): sizes in any case and in the unit
the header names, names in any case and spacing, day-first dates (or month first), and every
refusal naming file, row and column.

The scenario starts Monday 2025-07-07 (Mon-Fri, no holidays), so 2025-07-12 is a Saturday.
Every expected byte count is worked by hand beside it."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrasim.core import units
from migrasim.errors import ScenarioError, UnitError
from migrasim.scenario.actuals import read_actuals
from migrasim.scenario.types import Scenario, parse_scenario
from tests.helpers import invoke, scenario_dict


def _data() -> dict[str, Any]:
    big = {"low": "100 GB", "likely": "200 GB", "high": "400 GB", "dist": "triangular"}
    return scenario_dict(
        {"pipe": {"daily_cap": "10 GB", "per_flow": True}},
        [
            {"name": "Cardiff and Vale", "volume": big, "links": ["pipe"]},
            {"name": "Isle of Anglesey", "volume": big, "links": ["pipe"]},
            {"name": "Powys archive", "organisation": "Powys", "volume": big, "links": ["pipe"]},
            {"name": "BCU records", "organisation": "Betsi Cadwaladr", "volume": big,
             "links": ["pipe"]},
            {"name": "BCU images", "organisation": "Betsi Cadwaladr", "volume": big,
             "links": ["pipe"]},
        ],
        go_live="2025-12-01",
    )  # fmt: skip


@pytest.fixture(scope="module")
def spec() -> Scenario:
    return parse_scenario(_data())


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _xlsx(path: Path, rows: list[list[Any]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _one(tmp_path: Path, spec: Scenario, header: str, cell: str, column: str = "bytes") -> float:
    """The bytes (or rejected bytes) one row on Monday 2025-07-07 gives under ``header``."""
    if column == "bytes":
        rows = [["date", "flow", header], ["2025-07-07", "Cardiff and Vale", cell]]
    else:
        rows = [["date", "flow", "bytes", header], ["2025-07-07", "Cardiff and Vale", "5 GB", cell]]
    log = read_actuals(_csv(tmp_path / "log.csv", rows), "log.csv", spec)
    (day,) = log.flows["Cardiff and Vale"].days
    return day.bytes_moved if column == "bytes" else day.rejected_bytes


def _refused(path: Path, spec: Scenario, **kwargs: Any) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        read_actuals(path, path.name, spec, **kwargs)
    return str(caught.value).splitlines()


# --- sizes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("950 mb", 950_000_000.0),  # 'mb' in a log is megabytes: 950 x 10^6
        ("950 MB", 950_000_000.0),
        ("1.2 GB", 1_200_000_000.0),  # 1.2 x 10^9
        ("1.2gb", 1_200_000_000.0),  # no space, lower case
        ("1.2 Gb", 1_200_000_000.0),  # refused as ambiguous in a scenario, bytes in a log
        ("1,200 MB", 1_200_000_000.0),  # thousands separator: 1200 x 10^6
        ("1,234,567", 1_234_567.0),  # a bare number with separators, in bytes
        ("1 MiB", 1_048_576.0),  # binary kept: 2^20
        ("1 mib", 1_048_576.0),
        ("2 GIB", 2_147_483_648.0),  # 2 x 2^30
        ("0.5 tb", 500_000_000_000.0),  # 0.5 x 10^12
        ("2 gigabytes", 2_000_000_000.0),
        ("800 Mbit", 100_000_000.0),  # bits stay bits: 800 x 10^6 / 8
        ("3000000", 3_000_000.0),  # a bare number under a plain 'bytes' header is bytes
    ],
)
def test_sizes_in_any_case(tmp_path: Path, spec: Scenario, cell: str, expected: float) -> None:
    assert _one(tmp_path, spec, "bytes", cell) == expected


def test_lower_case_units_are_still_ambiguous_in_a_scenario() -> None:
    # only a transfer log reads 'mb' as megabytes; a scenario keeps refusing it
    with pytest.raises(UnitError, match="ambiguous"):
        units.parse_size("950 mb")
    assert units.parse_log_size("950 mb") == (950e6, True)
    assert units.parse_log_size("950", 1e6) == (950e6, False)
    assert units.parse_log_size(1.5, 1e9) == (1.5e9, False)


@pytest.mark.parametrize(
    ("cell", "problem", "fix"),
    [
        # a comma that does not separate groups of three digits is not guessed at
        ("1,2 GB", "cannot read the number in '1,2 GB'", "give a number or a size such as"),
        ("12,00 MB", "cannot read the number in '12,00 MB'", "'mb' is megabytes"),
        ("3 gbs", "unknown unit 'gbs' in '3 gbs'; did you mean 'GB'?", "'1.2 GB'"),
        ("2 GB/day", "'2 GB/day' is a rate", "a size such as '950 MB'"),
        ("lots", "not a number of bytes: 'lots'", "give a number of bytes or a size"),
        ("-1 MB", "must be >= 0, got '-1 MB'", "give a number of bytes"),
        ("nan", "not a number of bytes: 'nan'", "give a number of bytes"),
    ],
)
def test_sizes_refused_with_row_and_column(
    tmp_path: Path, spec: Scenario, cell: str, problem: str, fix: str
) -> None:
    path = _csv(tmp_path / "log.csv", [["date", "flow", "bytes"], ["2025-07-07", "Powys", cell]])
    (line,) = _refused(path, spec)
    assert line.startswith(f"log.csv row 2, column bytes: {problem}")
    assert fix in line.partition(" Fix: ")[2]


# --- the unit the header names -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "cell", "expected"),
    [
        ("bytes (MB)", "950", 950_000_000.0),
        ("Bytes (mb)", "950", 950_000_000.0),
        ("MB", "950", 950_000_000.0),
        ("GB", "1.1", 1_100_000_000.0),
        ("GiB", "2", 2_147_483_648.0),  # 2 x 2^30
        ("gb moved", "1.5", 1_500_000_000.0),
        ("bytes_gb", "2", 2_000_000_000.0),
        ("bytes [kB]", "5", 5_000.0),
        ("bytes in TB", "0.001", 1_000_000_000.0),
        ("Bytes Moved (GB)", "3", 3_000_000_000.0),
        ("bytes (B)", "950", 950.0),  # said to be bytes: no warning either (below)
        ("bytes (MB)", "1,200", 1_200_000_000.0),  # separators with the header's unit
        ("bytes (MB)", "2 GB", 2_000_000_000.0),  # a cell's own unit wins over the header's
    ],
)
def test_a_bare_number_is_in_the_headers_unit(
    tmp_path: Path, spec: Scenario, header: str, cell: str, expected: float
) -> None:
    assert _one(tmp_path, spec, header, cell) == expected


@pytest.mark.parametrize(
    ("header", "cell", "expected"),
    [
        ("rejected_bytes (MB)", "10", 10_000_000.0),
        ("rejected GB", "0.5", 500_000_000.0),
        ("Rejected Bytes", "1 mb", 1_000_000.0),
        ("rejected_bytes", "1000", 1_000.0),
    ],
)
def test_rejected_bytes_header_units(
    tmp_path: Path, spec: Scenario, header: str, cell: str, expected: float
) -> None:
    assert _one(tmp_path, spec, header, cell, column="rejected") == expected


def test_headers_refused(tmp_path: Path, spec: Scenario) -> None:
    rows = [
        ["date", "flow", "bytes (MB) (GB)", "records (MB)", "Bites"],
        ["2025-07-07", "Powys", "1", "1", "1"],
    ]
    lines = _refused(_csv(tmp_path / "log.csv", rows), spec)
    assert lines == [
        "log.csv row 1, column bytes (MB) (GB): column 'bytes (MB) (GB)' names more than one "
        "unit. Fix: name one unit, e.g. 'bytes (MB)'",
        "log.csv row 1, column records (MB): column 'records (MB)' cannot name a unit. Fix: only "
        "bytes and rejected_bytes take a unit; write 'records'",
        "log.csv row 1, column Bites: unknown column 'Bites'. Fix: did you mean 'bytes'? allowed "
        "columns: date, flow, bytes, records, rejected_bytes, complete, note; bytes and "
        "rejected_bytes may name a unit, e.g. 'bytes (MB)'",
    ]
    # 'gb moved' is bytes too: a second bytes column
    rows = [["date", "flow", "bytes", "gb moved"], ["2025-07-07", "Powys", "1", "1"]]
    assert _refused(_csv(tmp_path / "log.csv", rows), spec) == [
        "log.csv row 1, column gb moved: column 'gb moved' appears twice. Fix: keep one column "
        "per key"
    ]


def test_a_bad_cell_names_the_column_as_the_header_writes_it(
    tmp_path: Path, spec: Scenario
) -> None:
    rows = [["date", "flow", "Bytes (GB)"], ["2025-07-07", "Powys", "x"]]
    path = _csv(tmp_path / "log.csv", rows)
    (line,) = _refused(path, spec)
    assert line.startswith("log.csv row 2, column Bytes (GB): not a number of bytes: 'x'.")


def test_xlsx_numeric_cells_in_the_headers_unit(tmp_path: Path, spec: Scenario) -> None:
    path = _xlsx(
        tmp_path / "log.xlsx",
        [
            ["Date", "Flow", "Bytes (GB)", "Rejected MB"],
            [date(2025, 7, 7), "Powys archive", 1.1, 50],  # 1.1 x 10^9; 50 x 10^6
            [datetime(2025, 7, 8), "Powys archive", 2, None],  # a date-time at midnight
            [45847, "Powys archive", "500 MB", 0],  # serial 45847 = 2025-07-09 (45845 = 7 July)
        ],
    )
    log = read_actuals(path, "log.xlsx", spec)
    days = log.flows["Powys archive"].days
    assert [d.day for d in days] == [date(2025, 7, 7), date(2025, 7, 8), date(2025, 7, 9)]
    assert [d.bytes_moved for d in days] == [1_100_000_000.0, 2_000_000_000.0, 500_000_000.0]
    assert [d.rejected_bytes for d in days] == [50_000_000.0, 0.0, 0.0]
    assert log.warnings == ()


# --- the plausibility warning -------------------------------------------------------------------


def test_bare_numbers_under_1_mb_on_working_days_are_named(tmp_path: Path, spec: Scenario) -> None:
    rows = [
        ["date", "flow", "bytes"],
        ["2025-07-07", "Powys", "950"],  # row 2: Monday, 950 B: suspect
        ["2025-07-08", "Powys", "1.1"],  # row 3: Tuesday: suspect
        ["2025-07-09", "Powys", "0"],  # row 4: nothing moved is evidence, not suspect
        ["2025-07-12", "Powys", "5"],  # row 5: Saturday, not a working day
        ["2025-07-10", "Powys", "500 kB"],  # row 6: a unit written out: meant
        ["2025-07-11", "Powys", "2000000"],  # row 7: 2 MB, plausible
        ["2025-07-07", "Isle of Anglesey", "999999"],  # row 8: just under 1 MB: suspect
    ]
    log = read_actuals(_csv(tmp_path / "log.csv", rows), "log.csv", spec)
    assert log.warnings == (
        "log.csv: column bytes gives less than 1 MB on a working day in 3 rows (2, 3, 8); a "
        "bare number there is read as bytes: if the log counts MB or GB, name the unit in the "
        "header, e.g. 'bytes (MB)' or 'bytes (GB)' (or 'bytes (B)' if they are bytes)",
    )
    # read as written all the same: 950 B
    assert log.flows["Powys archive"].days[0].bytes_moved == 950.0


def test_the_warning_names_a_few_rows_then_how_many_more(tmp_path: Path, spec: Scenario) -> None:
    rows = [["date", "flow", "bytes"]]
    for flow in ("Cardiff and Vale", "Isle of Anglesey"):
        rows += [[f"2025-07-{d:02d}", flow, "900"] for d in (7, 8, 9, 10)]  # rows 2-9
    log = read_actuals(_csv(tmp_path / "log.csv", rows), "log.csv", spec)
    (warning,) = log.warnings
    assert "in 8 rows (2, 3, 4, 5, 6 and 3 more);" in warning


def test_one_row_and_xlsx_numbers_under_a_plain_bytes_header(
    tmp_path: Path, spec: Scenario
) -> None:
    rows: list[list[Any]] = [["date", "flow", "bytes"]]
    rows += [[date(2025, 7, 7), "Powys", 950], [date(2025, 7, 8), "Powys", 4e9]]  # 950 B; 4 GB
    path = _xlsx(tmp_path / "log.xlsx", rows)
    (warning,) = read_actuals(path, "log.xlsx", spec).warnings
    assert warning.startswith(
        "log.xlsx: column bytes gives less than 1 MB on a working day in row 2; a bare number"
    )


@pytest.mark.parametrize("header", ["bytes (B)", "bytes (MB)", "MB"])
def test_no_warning_when_the_header_names_a_unit(
    tmp_path: Path, spec: Scenario, header: str
) -> None:
    rows = [["date", "flow", header], ["2025-07-07", "Powys", "0.5"]]
    assert read_actuals(_csv(tmp_path / "log.csv", rows), "log.csv", spec).warnings == ()


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "flow"),
    [
        ("cardiff and vale", "Cardiff and Vale"),
        ("  CARDIFF   AND  vale ", "Cardiff and Vale"),  # trimmed, inner spaces collapsed
        ("Isle\tof Anglesey", "Isle of Anglesey"),
        ("powys", "Powys archive"),  # the organisation of exactly one flow
        ("POWYS ARCHIVE", "Powys archive"),
    ],
)
def test_names_in_any_case_and_spacing(
    tmp_path: Path, spec: Scenario, cell: str, flow: str
) -> None:
    rows = [["date", "flow", "bytes"], ["2025-07-07", cell, "1 GB"]]
    log = read_actuals(_csv(tmp_path / "log.csv", rows), "log.csv", spec)
    assert log.flows[flow].delivered_bytes == 1e9
    assert [d.flow for d in log.flows[flow].days] == [flow]


def test_names_refused_with_did_you_mean(tmp_path: Path, spec: Scenario) -> None:
    rows = [
        ["date", "flow", "bytes"],
        ["2025-07-07", "Cardif and vale", "1 GB"],  # row 2: did you mean
        ["2025-07-07", "betsi cadwaladr", "1 GB"],  # row 3: an organisation of two flows
        ["2025-07-07", "Swansea", "1 GB"],  # row 4: nothing close
        ["2025-07-08", "Cardiff and Vale", "1 GB"],  # row 5
        ["2025-07-08", "cardiff  and vale", "1 GB"],  # row 6: the same flow and day again
        ["2025-07-08", "powis", "1 GB"],  # row 7: close to the organisation's name
        ["2025-07-08", "Betsi Cadwalad", "1 GB"],  # row 8: an organisation of two is no hint
    ]
    assert _refused(_csv(tmp_path / "log.csv", rows), spec) == [
        "log.csv row 2, column flow: unknown flow 'Cardif and vale'. Fix: did you mean "
        "'Cardiff and Vale'? use a flow name from the scenario",
        "log.csv row 3, column flow: 'betsi cadwaladr' is an organisation with several flows: "
        "'BCU records', 'BCU images'. Fix: give one row per flow, named as in the scenario",
        "log.csv row 4, column flow: unknown flow 'Swansea'. Fix: use a flow name from the "
        "scenario",
        "log.csv row 7, column flow: unknown flow 'powis'. Fix: did you mean 'Powys'? use a "
        "flow name from the scenario",
        "log.csv row 8, column flow: unknown flow 'Betsi Cadwalad'. Fix: use a flow name from "
        "the scenario",
        "log.csv row 6, column date: a second row for 'Cardiff and Vale' on 2025-07-08 (first "
        "on row 5). Fix: give one row per flow per day (add the amounts together)",
    ]


def test_names_that_differ_only_in_case_must_be_exact(tmp_path: Path) -> None:
    spec = parse_scenario(
        scenario_dict(
            {"pipe": {"daily_cap": "10 GB"}},
            [{"name": n, "volume": "10 GB", "links": ["pipe"]} for n in ("Ab", "AB")],
        )
    )
    rows = [["date", "flow", "bytes"], ["2025-07-07", "AB", "1 GB"], ["2025-07-07", "ab", "1 GB"]]
    assert _refused(_csv(tmp_path / "log.csv", rows), spec) == [
        "log.csv row 3, column flow: 'ab' matches several flows: 'Ab', 'AB'. Fix: write the "
        "flow's name exactly as in the scenario"
    ]


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "month_first", "expected"),
    [
        ("2025-07-08", False, date(2025, 7, 8)),
        ("2025-07-08", True, date(2025, 7, 8)),  # ISO is never ambiguous
        ("2025/07/08", False, date(2025, 7, 8)),
        ("08/07/2025", False, date(2025, 7, 8)),  # day first, as in the UK
        ("8/7/2025", False, date(2025, 7, 8)),
        ("08-07-2025", False, date(2025, 7, 8)),
        ("08.07.2025", False, date(2025, 7, 8)),
        ("10/07/2025", False, date(2025, 7, 10)),
        ("07/10/2025", True, date(2025, 7, 10)),  # month first
        ("7/10/2025", True, date(2025, 7, 10)),
        (" 09/07/2025 ", False, date(2025, 7, 9)),
    ],
)
def test_dates(
    tmp_path: Path, spec: Scenario, cell: str, month_first: bool, expected: date
) -> None:
    rows = [["date", "flow", "bytes"], [cell, "Powys", "1 GB"]]
    log = read_actuals(_csv(tmp_path / "log.csv", rows), "log.csv", spec, month_first=month_first)
    assert [d.day for d in log.flows["Powys archive"].days] == [expected]


@pytest.mark.parametrize(
    ("cell", "month_first", "problem", "fix"),
    [
        # valid only the other way round: never guessed, the fix names the flag
        ("13/07/2025", True, "'13/07/2025' is not a date read month first (month 13, day 7)",
         "leave out --month-first if the log writes the day first, or correct the date"),
        ("07/13/2025", False, "'07/13/2025' is not a date read day first (day 7, month 13)",
         "give --month-first if the log writes the month first, or correct the date"),
        # valid neither way
        ("32/07/2025", False, "'32/07/2025' is not a date read day first (day 32, month 7)",
         "write YYYY-MM-DD or DD/MM/YYYY (day first; --month-first for MM/DD/YYYY)"),
        ("08/07/25", False, "'08/07/25' has a two-digit year",
         "write YYYY-MM-DD or DD/MM/YYYY (day first; --month-first for MM/DD/YYYY)"),
        ("08/07/25", True, "'08/07/25' has a two-digit year",
         "write YYYY-MM-DD or MM/DD/YYYY (month first, as --month-first says)"),
        ("2025-07-32", False, "not a date: '2025-07-32'",
         "write YYYY-MM-DD or DD/MM/YYYY (day first; --month-first for MM/DD/YYYY)"),
        ("2025-W28-2", False, "not a date: '2025-W28-2'",  # ISO week dates are not taken
         "write YYYY-MM-DD or DD/MM/YYYY (day first; --month-first for MM/DD/YYYY)"),
        ("08/07-2025", False, "not a date: '08/07-2025'",
         "write YYYY-MM-DD or DD/MM/YYYY (day first; --month-first for MM/DD/YYYY)"),
        ("45846", False, "not a date: '45846'",  # a serial number only in a numeric cell
         "write YYYY-MM-DD or DD/MM/YYYY (day first; --month-first for MM/DD/YYYY)"),
    ],
)  # fmt: skip
def test_dates_refused(
    tmp_path: Path, spec: Scenario, cell: str, month_first: bool, problem: str, fix: str
) -> None:
    path = _csv(tmp_path / "log.csv", [["date", "flow", "bytes"], [cell, "Powys", "1 GB"]])
    assert _refused(path, spec, month_first=month_first) == [
        f"log.csv row 2, column date: {problem}. Fix: {fix}"
    ]


def test_excel_date_cells(tmp_path: Path, spec: Scenario) -> None:
    good = [
        ["date", "flow", "bytes"],
        [datetime(2025, 7, 7), "Powys", "1 GB"],  # a date-time at midnight
        [date(2025, 7, 8), "Powys", "1 GB"],
        [45847, "Powys", "1 GB"],  # a serial day: 45845 is 2025-07-07, so 45847 is 9 July
    ]
    log = read_actuals(_xlsx(tmp_path / "good.xlsx", good), "good.xlsx", spec)
    assert [d.day for d in log.flows["Powys archive"].days] == [
        date(2025, 7, 7), date(2025, 7, 8), date(2025, 7, 9)
    ]  # fmt: skip
    bad = [
        ["date", "flow", "bytes"],
        [datetime(2025, 7, 7, 13, 30), "Powys", "1 GB"],  # row 2: a time of day
        [45846.5, "Powys", "1 GB"],  # row 3: a serial with a time of day
        [True, "Powys", "1 GB"],  # row 4
        [20250707, "Powys", "1 GB"],  # row 5: a number, but no serial day
    ]
    fix = "write YYYY-MM-DD or DD/MM/YYYY (day first; --month-first for MM/DD/YYYY)"
    assert _refused(_xlsx(tmp_path / "bad.xlsx", bad), spec) == [
        "bad.xlsx row 2, column date: datetime.datetime(2025, 7, 7, 13, 30) has a time of day. "
        "Fix: give the date alone",
        f"bad.xlsx row 3, column date: not a date: 45846.5. Fix: {fix}",
        f"bad.xlsx row 4, column date: not a date: True. Fix: {fix}",
        f"bad.xlsx row 5, column date: not a date: 20250707. Fix: {fix}",
    ]


# --- the command -------------------------------------------------------------------------------


def test_track_hostile_log_exit_2_no_traceback(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(_data()), encoding="utf-8")
    log = _csv(
        tmp_path / "log.csv",
        [
            ["Date", "Flow", "Bytes (MB)"],
            ["13/07/2025", "cardiff and vale", "950"],  # row 2: month 13 under --month-first
            ["07/08/2025", "Betsi Cadwaladr", "1,2"],  # row 3: two problems
            ["07/09/2025", "", "1 GB"],  # row 4: no flow
        ],
    )
    out = tmp_path / "out"
    code, stdout, stderr = invoke("track", str(scenario), "--actuals", str(log), "--out",
                                  str(out), "--month-first")  # fmt: skip
    assert code == 2
    assert "Traceback" not in stderr + stdout
    assert stderr.splitlines() == [
        f"Error: {log} row 2, column date: '13/07/2025' is not a date read month first (month "
        "13, day 7). Fix: leave out --month-first if the log writes the day first, or correct "
        "the date",
        f"Error: {log} row 3, column flow: 'Betsi Cadwaladr' is an organisation with several "
        "flows: 'BCU records', 'BCU images'. Fix: give one row per flow, named as in the "
        "scenario",
        f"Error: {log} row 3, column Bytes (MB): cannot read the number in '1,2'. Fix: give a "
        "number or a size such as '950 MB', '1.2 GB' or '1,200 MB' (a unit in any case: 'mb' "
        "is megabytes)",
        f"Error: {log} row 4, column flow: is empty. Fix: give the flow's name as in the scenario",
    ]
    assert not out.exists()


def test_track_month_first_end_to_end(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(_data()), encoding="utf-8")
    rows = [["date", "flow", "GB"]]
    rows += [[f"07/{d:02d}/2025", "Powys", "1"] for d in (7, 8, 9, 10, 11)]  # 7-11 July
    log = _csv(tmp_path / "log.csv", rows)
    out = tmp_path / "out"
    code, stdout, stderr = invoke("track", str(scenario), "--actuals", str(log), "--out",
                                  str(out), "-n", "20", "--month-first")  # fmt: skip
    assert code == 0, stderr
    assert "as of 2025-07-12" in stdout  # the day after 11 July
    with (out / "progress.csv").open(encoding="utf-8") as handle:
        rows_out = {r["flow"]: r for r in csv.DictReader(handle)}
    assert rows_out["Powys archive"]["delivered_gb"] == "5.0"  # 5 x 1 GB
    # day first (the default), 07/08/2025 is 7 August: after the as-of it would default to, so
    # the same file reads differently; its first row is 7 July either way
    code, _, stderr = invoke("track", str(scenario), "--actuals", str(log), "--out",
                             str(tmp_path / "o2"), "-n", "20", "--as-of", "2025-07-20")  # fmt: skip
    assert code == 2
    assert "row 3, column date: 2025-08-07 is on or after the as-of date 2025-07-20" in stderr


def test_track_in_welsh(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(_data()), encoding="utf-8")
    bad = _csv(tmp_path / "bad.csv", [["date", "flow", "bytes"], ["13/07/2025", "Powys", "1"]])
    code, _, stderr = invoke("track", str(scenario), "--actuals", str(bad), "--month-first",
                             "--lang", "cy", "--out", str(tmp_path / "o1"))  # fmt: skip
    assert code == 2
    assert stderr == (
        f"Gwall: {bad} rhes 2, colofn date: nid yw '13/07/2025' yn ddyddiad o'i ddarllen â'r mis "
        "yn gyntaf (mis 13, diwrnod 7). Ateb: hepgorwch --month-first os yw'r log yn "
        "ysgrifennu'r diwrnod yn gyntaf, neu cywirwch y dyddiad\n"
    )
    small = _csv(
        tmp_path / "small.csv", [["date", "flow", "bytes"], ["07/07/2025", "powys", "950"]]
    )
    code, _, stderr = invoke("track", str(scenario), "--actuals", str(small), "-n", "5",
                             "--lang", "cy", "--out", str(tmp_path / "o2"))  # fmt: skip
    assert code == 0, stderr
    assert (
        f"{small}: mae'r golofn bytes yn rhoi llai nag 1 MB ar ddiwrnod gwaith yn rhes 2; "
        "darllenir rhif moel yno fel beitiau: os yw'r log yn cyfrif MB neu GB, enwch yr uned yn "
        "y pennawd"
    ) in stderr
