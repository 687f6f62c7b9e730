"""The results as a workbook (summary.xlsx): Summary, each extra table, Assumptions, Scenario
and About sheets, with sheet names and column headers in the report's language (through the
catalogue: ``messages.SHEET_NAMES``, ``EXTRA_TITLES``, ``COLUMN_LABELS``, ``ABOUT_ITEMS``).

Values are written as typed cells (dates as dates, shares as numbers formatted as
percentages), from the records; the same inputs give the same bytes (fixed document and zip
entry dates).
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from migrasim.analysis.advice import Fix
from migrasim.analysis.records import FlowSummary
from migrasim.analysis.reforecast import TrackFix
from migrasim.core.rules import in_time
from migrasim.render.board import (
    assumption_notes,
    binding_words,
    capacity_lines,
    what_if_text,
    what_if_title,
)
from migrasim.render.headlines import Headline, advice_text, verdict, verdict_text
from migrasim.render.html import column_label, extra_title
from migrasim.render.i18n import Translator, fill, share_percent
from migrasim.render.inputs import NEVER, PERCENT_COLUMNS, ReportInputs, Value
from migrasim.render.messages import ABOUT_ITEMS, SHEET_NAMES
from migrasim.render.reasons import never_reason_text

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

__all__ = ["SUMMARY_SHEET_COLUMNS", "workbook_bytes"]

SUMMARY_SHEET_COLUMNS = (
    "flow", "source", "target", "volume_bytes", "total_bytes", "start", "baseline_completion",
    "baseline_finish_date", "p50", "p80", "p95", "prob_by_go_live", "prob_ci_low",
    "prob_ci_high", "p80_ci_low", "p80_ci_high", "p80_halfwidth_days", "days_late", "bottleneck",
    "bottleneck_share", "never_reason", "organisation",
)  # fmt: skip
"""The Summary sheet's columns: summary.csv's (headed in words)."""

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
Cellular = datetime.date | float | int | str | bool | None
_FORMATS = {"datetime": "yyyy-mm-dd hh:mm:ss", "date": "yyyy-mm-dd"}


def _sheet_name(title: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("_", title).strip("'")[:31] or "Table"
    name, i = base, 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f" ({i})"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name)
    return name


def _clean(value: Cellular) -> Cellular:
    """Text without the characters a workbook cannot hold (control characters)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _width(value: Cellular) -> int:
    """The characters ``value`` takes in its column (dates as their format shows them)."""
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 19
    if isinstance(value, datetime.date):
        return 10
    return len(str(value))


def _cell(ws: WriteOnlyWorksheet, value: Cellular, percent: bool = False) -> Any:
    """``value`` (already :func:`_clean`) as the cell written for it: text is always text (a
    name starting with ``=`` is never a formula), dates and moments carry their date format,
    a share (0-1) in a ``percent`` place its percentage format; anything else as it is."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        if not value.startswith("="):
            return value
        cell = WriteOnlyCell(ws, value)
        cell.data_type = "s"
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(ws)
        cell.value = value
        is_moment = isinstance(value, datetime.datetime)
        cell.number_format = _FORMATS["datetime" if is_moment else "date"]
        return cell
    if percent and isinstance(value, float) and 0 <= value <= 1:
        cell = WriteOnlyCell(ws, value)
        cell.number_format = percent_format(value)
        return cell
    return value


def _bold(ws: WriteOnlyWorksheet, value: str) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = _cell(ws, _clean(value))
    if not hasattr(cell, "font"):
        cell = WriteOnlyCell(ws, cell)
    cell.font = Font(bold=True)
    return cell


def _write_table(
    ws: WriteOnlyWorksheet,
    columns: Sequence[str],
    headers: Sequence[str],
    rows: Sequence[Sequence[Cellular]],
    freeze: str = "A2",
    title: str | None = None,
    percent_rows: Collection[int] = (),
    wide_text: int | None = None,
) -> None:
    """Headers in row 1 and the rows under them; with a ``title`` (a what-if's label), the
    title in row 1 and everything one row down. Columns as wide as their text (8 to 60
    characters), the headers frozen, a filter over the table. Shares in
    :data:`PERCENT_COLUMNS` (and in the rows numbered in ``percent_rows``) are formatted as
    percentages; column ``wide_text`` (0-based) is 100 wide, wrapped and top-aligned.
    Everything but the cells is set first: a write-only sheet writes its rows as they come."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    top = 1 if title is None else 2
    if title is not None:
        freeze = f"{freeze[0]}{int(freeze[1:]) + 1}"
    rows = [[_clean(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        for j, value in enumerate(row):
            widths[j] = max(widths[j], _width(value))
    sheet: Any = ws  # openpyxl's stubs leave out a write-only sheet's columns and filter
    for j, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
    if wide_text is not None:
        sheet.column_dimensions[get_column_letter(wide_text + 1)].width = 100
    ws.freeze_panes = freeze
    last = top + len(rows)
    if columns and last > 1:
        sheet.auto_filter.ref = f"A{top}:{get_column_letter(len(columns))}{last}"
    if title is not None:
        ws.append([_bold(ws, title)])
    ws.append([_bold(ws, header) for header in headers])
    percent = [column in PERCENT_COLUMNS for column in columns]
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(rows):
        cells = [_cell(ws, v, percent[j] or i in percent_rows) for j, v in enumerate(row)]
        if wide_text is not None and cells[wide_text] is not None:
            cells[wide_text] = _aligned(ws, cells[wide_text], wrap)
        ws.append(cells)


def _aligned(ws: WriteOnlyWorksheet, cell: Any, alignment: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if not hasattr(cell, "alignment"):
        cell = WriteOnlyCell(ws, cell)
    cell.alignment = alignment
    return cell


def percent_format(share: float) -> str:
    """The number format that shows ``share`` as every other output writes it
    (``render.i18n.share_percent``): ``0%`` or ``0.0%`` as the rule rounds it, and the
    bound as text where the rule writes "<0.1%" or ">99.9%" (the cell keeps the number)."""
    relation, value = share_percent(share)
    if relation in ("<", ">"):
        return f'"{relation}{value}%"'
    return "0%" if value == value.to_integral_value() else "0.0%"


def _chance(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _summary_cells(
    row: FlowSummary, with_go_live: bool, never: str, t: Translator
) -> list[Cellular]:
    def day(value: datetime.date | None) -> Cellular:
        return never if value is None else value

    late: Cellular = None
    if with_go_live:
        late = never if row.days_late is None else row.days_late
    ci = row.chance_ci
    moment = row.baseline_completion
    return [
        row.name,
        row.source or None,
        row.target or None,
        round(row.volume_bytes),
        round(row.total_bytes),
        row.start,
        never if moment is None else moment,
        day(row.baseline_completed_on),
        day(row.p50),
        day(row.p80),
        day(row.p95),
        _chance(row.chance),
        _chance(None if ci is None else ci[0]),
        _chance(None if ci is None else ci[1]),
        day(row.p80_ci[0]),
        day(row.p80_ci[1]),
        never if row.p80_halfwidth_days is None else row.p80_halfwidth_days,
        late,
        row.bottleneck or None,
        round(row.bottleneck_share, 6),
        never_reason_text(row.never_reason, t) or None,
        row.organisation or None,
    ]


def _cell_value(value: Value, never: str, t: Translator) -> Cellular:
    if isinstance(value, str):
        return t.message(value)  # a catalogue message in the workbook's language
    return never if value is NEVER else value


def _board_items(inputs: ReportInputs, t: Translator) -> list[tuple[str, Cellular]]:
    """The About sheet's rows for the binding constraint and the capacity needed."""
    report = inputs.results
    items: list[tuple[str, Cellular]] = []
    if report.binding is not None:
        words, gain = binding_words(report.binding, report.binding_description, t, report.changes)
        items.append(("holding_back", words if gain is None else f"{words}. {gain}"))
    capacity = capacity_lines(
        report.capacity, t, None if inputs.slip is None else inputs.slip.as_of
    )
    if capacity is not None:
        head, lines, note = capacity
        items.append(("capacity", " ".join([head, *lines, note])))
    return items


def _most_likely(advice: object) -> bool:
    """The advice is a value at the most likely inputs only (never labelled as the fix)."""
    if isinstance(advice, TrackFix):
        advice = advice.fix
    return isinstance(advice, Fix) and advice.uncertain


def _slip_items(inputs: ReportInputs, never: str, t: Translator) -> list[tuple[str, Cellular]]:
    """A re-forecast's (track) programme against its plan: the plan's P80, the slip with its
    paired 95 % interval, the plan's chance and answer."""
    slip = inputs.slip
    if slip is None:
        return []
    plan, go_live = slip.plan, slip.go_live
    answer = None
    if go_live is not None:
        headline = Headline(in_time(plan.p80, go_live), go_live, plan.p50, plan.p80, plan.p95,
                            plan.prob, plan.prob_ci, "")  # fmt: skip
        answer = verdict_text(verdict(headline), t)
    return [
        ("plan_p80", plan.p80 if plan.p80 is not None else never),
        ("slip_days", slip.days.estimate),
        ("slip_ci_low", slip.days.low),
        ("slip_ci_high", slip.days.high),
        ("plan_prob_by_go_live", _chance(plan.prob)),
        ("plan_verdict", answer),
    ]


def workbook_bytes(inputs: ReportInputs, t: Translator) -> bytes:
    """The workbook in ``t``'s language, the same bytes for the same inputs."""
    from openpyxl import Workbook

    never = fill(t, ABOUT_ITEMS["never"])
    names = {key: fill(t, message) for key, message in SHEET_NAMES.items()}
    wb = Workbook(write_only=True)
    used = set(names.values())
    with_go_live = inputs.results.go_live is not None
    rows = [_summary_cells(row, with_go_live, never, t) for row in inputs.results.rows]
    headers = [column_label(t, c) for c in SUMMARY_SHEET_COLUMNS]
    changes = inputs.results.changes or inputs.results.overrides
    what_if = what_if_text(changes, t)
    label = None if what_if is None else what_if_title(inputs.title, changes, t)
    _write_table(wb.create_sheet(names["summary"]), SUMMARY_SHEET_COLUMNS, headers, rows, "B2",
                 title=label)  # fmt: skip
    for table in inputs.extra_tables:
        sheet = wb.create_sheet(_sheet_name(extra_title(t, table.key), used))
        cells = [[_cell_value(v, never, t) for v in row] for row in table.rows]
        _write_table(sheet, table.columns, [column_label(t, c) for c in table.columns], cells)

    sheet = wb.create_sheet(names["assumptions"])
    _write_table(sheet, ("where", "text"), [column_label(t, "where"), column_label(t, "text")],
                 [list(pair) for pair in assumption_notes(inputs.assumptions,
                                                          inputs.results.changes, t)],
                 wide_text=1)  # fmt: skip

    sheet = wb.create_sheet(names["scenario"])
    sheet.column_dimensions["A"].width = 110
    sheet.freeze_panes = "A2"
    sheet.append([_bold(sheet, names["scenario"])])
    for line in inputs.scenario_text.splitlines():
        sheet.append([_cell(sheet, _clean(line) if line else None)])

    h = inputs.headline
    about: list[tuple[str, Cellular]] = [
        ("title", what_if_title(inputs.title, changes, t)),
        *([("as_of", inputs.slip.as_of)] if inputs.slip is not None else []),
        *([("what_if", what_if)] if what_if is not None else []),
        ("command", inputs.command),
        ("seed", inputs.seed),
        ("replications",
         fill(t, ABOUT_ITEMS["deterministic"]) if inputs.replications is None
         else inputs.replications),
        ("version", inputs.version),
        ("go_live", h.go_live),
        ("will_make_go_live",
         None if h.will_make_go_live is None else verdict_text(verdict(h), t)),
        ("p50", h.p50 if h.p50 is not None else never),
        ("p80", h.p80 if h.p80 is not None else never),
        ("p95", h.p95 if h.p95 is not None else never),
        ("prob_by_go_live", _chance(h.prob_by_go_live)),
        ("prob_ci_low", _chance(h.prob_ci[0] if h.prob_ci else None)),
        ("prob_ci_high", _chance(h.prob_ci[1] if h.prob_ci else None)),
        *_slip_items(inputs, never, t),
        ("bottleneck", h.bottleneck),
        # a run's most-likely-inputs value is labelled as such, never as the fix (which is
        # the capacity for each chance, below and on the "What would fix it" sheet)
        ("most_likely" if _most_likely(h.advice) else "fix",
         None if h.advice is None else advice_text(h.advice, t)),
        *_board_items(inputs, t),
    ]  # fmt: skip
    _write_table(wb.create_sheet(names["about"]), ("item", "value"),
                 [column_label(t, "item"), column_label(t, "value")],
                 [[fill(t, ABOUT_ITEMS[k]), v] for k, v in about],
                 percent_rows={i for i, (k, _v) in enumerate(about) if "prob_" in k})  # fmt: skip
    # Reproducible bytes: fixed document dates and zip entry times. Saving stamps "now" as
    # the modified date: the document properties are written again, as openpyxl writes them.
    from openpyxl.xml.functions import tostring

    fixed = datetime.datetime(2000, 1, 1)  # noqa: DTZ001 - openpyxl keeps naive UTC times
    wb.properties.created = wb.properties.modified = fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    wb.properties.modified = fixed
    return _stable_zip(buffer.getvalue(), {"docProps/core.xml": tostring(wb.properties.to_tree())})


def _stable_zip(data: bytes, replaced: dict[str, bytes]) -> bytes:
    """The same zip with every entry dated 1980-01-01 and the ``replaced`` entries' contents."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = replaced.get(info.filename) or source.read(info.filename)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
    return out.getvalue()
