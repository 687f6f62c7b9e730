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
import math
import re
import zipfile
from collections.abc import Sequence
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
    from openpyxl.worksheet.worksheet import Worksheet

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


def _sheet_name(title: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("_", title).strip("'")[:31] or "Table"
    name, i = base, 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f" ({i})"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name)
    return name


def _put(ws: Worksheet, row: int, col: int, value: Cellular, bold: bool = False) -> int:
    """Writes one cell; returns its width in characters."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=col)
    cell.value = value
    width = len(str(value)) if value is not None else 0
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    elif isinstance(value, datetime.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        width = 19
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
        width = 10
    if bold:
        cell.font = Font(bold=True)
    return width


def _write_table(
    ws: Worksheet,
    columns: Sequence[str],
    headers: Sequence[str],
    rows: Sequence[Sequence[Cellular]],
    freeze: str = "A2",
    title: str | None = None,
    fast: _FastRows | None = None,
) -> None:
    """Headers in row 1 and the rows under them; with a ``title`` (a what-if's label), the
    title in row 1 and everything one row down. With ``fast``, the rows are written as sheet
    XML by :class:`_FastRows` (the cells openpyxl would write, at a tenth of the cost), not as
    openpyxl cells: for the long tables."""
    from openpyxl.utils import get_column_letter

    top = 1 if title is None else 2
    if title is not None:
        _put(ws, 1, 1, title, bold=True)
        freeze = f"{freeze[0]}{int(freeze[1:]) + 1}"
    widths = [len(h) for h in headers]
    for j, header in enumerate(headers, start=1):
        _put(ws, top, j, header, bold=True)
    n = top
    if fast is not None and rows:
        n = fast.add(ws, columns, rows, top + 1, widths)
    else:
        for i, row in enumerate(rows, start=top + 1):
            n = i
            for j, (column, value) in enumerate(zip(columns, row, strict=True), start=1):
                width = _put(ws, i, j, value)
                if isinstance(value, float) and column in PERCENT_COLUMNS and 0 <= value <= 1:
                    ws.cell(row=i, column=j).number_format = percent_format(value)
                widths[j - 1] = max(widths[j - 1], width)
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = freeze
    if columns and n > 1:
        ws.auto_filter.ref = f"A{top}:{get_column_letter(len(columns))}{n}"


class _FastRows:
    """Table rows written straight as worksheet XML, as openpyxl writes cells (inline
    strings, dates as serial numbers with a date format, ``%.16g`` numbers, percentages
    formatted), spliced into the saved workbook: 10,000 flows' Summary and Bottlenecks sheets
    in a second, not ten."""

    def __init__(self) -> None:
        self.sheets: dict[int, tuple[str, str]] = {}  # id(ws) -> (rows XML, dimension)
        self._styles: dict[str, str] = {}

    def _style(self, ws: Worksheet, kind: str) -> str:
        """The ``s`` attribute of a cell with this number format (registered once)."""
        if kind not in self._styles:
            from openpyxl.cell.cell import Cell

            probe = Cell(ws, row=1, column=1)  # not placed in the sheet: registers the style
            probe.number_format = _FORMATS.get(kind, kind)
            self._styles[kind] = f' s="{probe.style_id}"'
        return self._styles[kind]

    def add(
        self,
        ws: Worksheet,
        columns: Sequence[str],
        rows: Sequence[Sequence[Cellular]],
        first: int,
        widths: list[int],
    ) -> int:
        """Queue ``rows`` from row ``first`` on; widen ``widths``; the last row's number."""
        from xml.sax.saxutils import escape

        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.utils import get_column_letter
        from openpyxl.utils.datetime import to_excel

        letters = [get_column_letter(j) for j in range(1, len(columns) + 1)]
        percent = [c in PERCENT_COLUMNS for c in columns]
        dt_style, day_style = self._style(ws, "datetime"), self._style(ws, "date")
        out: list[str] = []
        i = first - 1
        for i, row in enumerate(rows, start=first):
            cells = [f'<row r="{i}">']
            for j, value in enumerate(row):
                if value is None:
                    continue
                ref = f"{letters[j]}{i}"
                if isinstance(value, str):
                    text = ILLEGAL_CHARACTERS_RE.sub("", value)
                    width = len(text)
                    if text:
                        space = ' xml:space="preserve"' if text.strip() not in ("", text) else ""
                        cells.append(f'<c r="{ref}" t="inlineStr"><is><t{space}>'
                                     f"{escape(text)}</t></is></c>")  # fmt: skip
                    else:
                        cells.append(f'<c r="{ref}" t="inlineStr"/>')
                elif isinstance(value, bool):
                    width = len(str(value))
                    cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
                elif isinstance(value, datetime.date):
                    is_dt = isinstance(value, datetime.datetime)
                    width = 19 if is_dt else 10
                    style = dt_style if is_dt else day_style
                    serial = to_excel(value)  # type: ignore[no-untyped-call]
                    cells.append(f'<c r="{ref}"{style} t="n"><v>{_num(serial)}</v></c>')
                else:
                    width = len(str(value))
                    style = ""
                    if isinstance(value, float) and percent[j] and 0 <= value <= 1:
                        style = self._style(ws, percent_format(value))
                    cells.append(f'<c r="{ref}"{style} t="n"><v>{_num(value)}</v></c>')
                widths[j] = max(widths[j], width)
            cells.append("</row>")
            out.append("".join(cells))
        self.sheets[id(ws)] = ("".join(out), f"A1:{letters[-1]}{i}")
        return i

    def splice(self, workbook: Any, data: bytes) -> bytes:
        """The saved workbook with the queued rows in their sheets."""
        parts: dict[str, tuple[str, str]] = {}
        for index, ws in enumerate(workbook.worksheets, start=1):
            if id(ws) in self.sheets:
                parts[f"xl/worksheets/sheet{index}.xml"] = self.sheets[id(ws)]
        if not parts:
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                content = source.read(info.filename)
                if info.filename in parts:
                    rows, dimension = parts[info.filename]
                    xml = content.decode("utf-8")
                    xml = _DIMENSION_RE.sub(f'<dimension ref="{dimension}" />', xml, count=1)
                    if "</sheetData>" in xml:
                        xml = xml.replace("</sheetData>", rows + "</sheetData>", 1)
                    else:
                        xml = xml.replace("<sheetData />", f"<sheetData>{rows}</sheetData>", 1)
                    content = xml.encode("utf-8")
                target.writestr(info, content)
        return out.getvalue()


_FORMATS = {"datetime": "yyyy-mm-dd hh:mm:ss", "date": "yyyy-mm-dd"}


def percent_format(share: float) -> str:
    """The number format that shows ``share`` as every other output writes it
    (``render.i18n.share_percent``): ``0%`` or ``0.0%`` as the rule rounds it, and the
    bound as text where the rule writes "<0.1%" or ">99.9%" (the cell keeps the number)."""
    relation, value = share_percent(share)
    if relation in ("<", ">"):
        return f'"{relation}{value}%"'
    return "0%" if value == value.to_integral_value() else "0.0%"


_DIMENSION_RE = re.compile(r'<dimension ref="[^"]*"\s*/>')


def _num(value: float) -> str:
    """A number as openpyxl writes it (``safe_string``)."""
    return "" if math.isnan(value) or math.isinf(value) else f"{value:.16g}"


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


def _cell(value: Value, never: str, t: Translator) -> Cellular:
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
    from openpyxl.styles import Alignment

    never = fill(t, ABOUT_ITEMS["never"])
    names = {key: fill(t, message) for key, message in SHEET_NAMES.items()}
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = names["summary"]
    used = set(names.values())
    with_go_live = inputs.results.go_live is not None
    rows = [_summary_cells(row, with_go_live, never, t) for row in inputs.results.rows]
    headers = [column_label(t, c) for c in SUMMARY_SHEET_COLUMNS]
    changes = inputs.results.changes or inputs.results.overrides
    what_if = what_if_text(changes, t)
    label = None if what_if is None else what_if_title(inputs.title, changes, t)
    fast = _FastRows()
    _write_table(ws, SUMMARY_SHEET_COLUMNS, headers, rows, "B2", title=label, fast=fast)
    for table in inputs.extra_tables:
        sheet = wb.create_sheet(_sheet_name(extra_title(t, table.key), used))
        cells = [[_cell(v, never, t) for v in row] for row in table.rows]
        _write_table(sheet, table.columns, [column_label(t, c) for c in table.columns], cells,
                     fast=fast)  # fmt: skip

    sheet = wb.create_sheet(names["assumptions"])
    _write_table(sheet, ("where", "text"), [column_label(t, "where"), column_label(t, "text")],
                 [list(pair) for pair in assumption_notes(inputs.assumptions,
                                                          inputs.results.changes, t)])  # fmt: skip
    sheet.column_dimensions["B"].width = 100
    for cells_row in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
        for c in cells_row:
            c.alignment = Alignment(wrap_text=True, vertical="top")

    sheet = wb.create_sheet(names["scenario"])
    _put(sheet, 1, 1, names["scenario"], bold=True)
    for i, line in enumerate(inputs.scenario_text.splitlines(), start=2):
        _put(sheet, i, 1, line if line else None)
    sheet.column_dimensions["A"].width = 110
    sheet.freeze_panes = "A2"

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
    sheet = wb.create_sheet(names["about"])
    _write_table(sheet, ("item", "value"), [column_label(t, "item"), column_label(t, "value")],
                 [[fill(t, ABOUT_ITEMS[k]), v] for k, v in about])  # fmt: skip
    for i, (key, _value) in enumerate(about, start=2):
        if "prob_" in key and isinstance(sheet.cell(row=i, column=2).value, float):
            sheet.cell(row=i, column=2).number_format = percent_format(
                sheet.cell(row=i, column=2).value
            )
    # Reproducible bytes: fixed document dates and zip entry times (openpyxl stamps "now").
    fixed = datetime.datetime(2000, 1, 1)  # noqa: DTZ001 - openpyxl keeps naive UTC times
    wb.properties.created = wb.properties.modified = fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    return _stable_zip(fast.splice(wb, buffer.getvalue()))


_MODIFIED_RE = re.compile(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>")


def _stable_zip(data: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01 and docProps' dates fixed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED_RE.sub(
                    b'<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z'
                    b"</dcterms:modified>",
                    content,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
    return out.getvalue()
