"""The board's words: what-if labels, the binding constraint, the capacity needed with its
interval, the three organisations that matter most, what moves the baseline, and the top
sensitivity drivers in words and human units. Every string goes through the catalogue
(``messages.BOARD``); every number through the language's formats (:class:`Translator`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from migrasim.analysis.records import (
    BaselineMovers,
    Binding,
    CapacityNeed,
    FlowSummary,
    RunReport,
    SwingSummary,
)
from migrasim.render.i18n import Translator, fill
from migrasim.render.messages import BOARD, CAPACITY_NOUNS

__all__ = [
    "Driver",
    "SweptAxis",
    "binding_words",
    "capacity_lines",
    "drivers",
    "join_words",
    "movers_notes",
    "swept_axis",
    "top_organisations",
    "what_if_text",
]

TOP_DRIVERS = 10
_FLOW_KEY = re.compile(r"^flows\[(?P<name>.*)\]\.(?P<field>[a-z_.]+)$")
_LINK_KEY = re.compile(r"^links\.(?P<name>[^.]+)\.(?P<field>[a-z_]+)$")
_WEEK_S = 7 * 86400.0
_NUMBER_UNIT = re.compile(
    r"^\s*(?P<num>[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*(?P<unit>\S.*?)?\s*$"
)
_DATE_KEYS = {"go_live": "key_go_live", "start": "key_start"}


def what_if_text(overrides: Sequence[str], t: Translator) -> str | None:
    """ "What-if: start=2025-09-02; links.capped.daily_cap=2 GB", or None for the baseline."""
    if not overrides:
        return None
    return fill(t, BOARD["what_if"], changes="; ".join(overrides))


def join_words(words: Sequence[str], t: Translator) -> str:
    """ "a", "a and b", "a, b and c" in ``t``'s language."""
    if len(words) <= 1:
        return "".join(words)
    return fill(t, BOARD["and"], first=", ".join(words[:-1]), last=words[-1])


def _figures(value: float, t: Translator, figures: int = 3) -> str:
    """Three (or ``figures``) significant figures, grouped: 5.32, 53.2, 532, 5,320."""
    if value == 0 or not math.isfinite(value):
        return t.decimal(value, "#,##0")
    digits = max(0, figures - 1 - math.floor(math.log10(abs(value))))
    rounded = round(value, digits)
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return t.decimal(rounded, pattern)


def _capacity_value(value: float, unit: str, t: Translator) -> str:
    """A capacity as stated (4 significant figures: the value ``--set`` is to be given)."""
    number = _figures(value, t, 4)
    if unit == "GB":
        return fill(t, BOARD["per_day"], value=f"{number} GB")
    if unit == "Mbit/s":
        return fill(t, BOARD["mbits"], n=number)
    if unit == "records/day":
        return fill(t, BOARD["records_day"], n=number)
    return fill(t, BOARD["records_s"], n=number)


def binding_words(
    binding: Binding | None, description: str | None, t: Translator
) -> tuple[str, str | None]:
    """(the binding constraint in plain words, the days its removal would save), from the
    records; the link is named by its description when the scenario gives one."""
    if binding is None or binding.kind == "link":
        name = description or (binding.link if binding is not None else "") or "-"
        days = None if binding is None or binding.link_days <= 0 else binding.link_days
        p80 = None if binding is None else binding.link_p80_days
        if binding is not None and p80 is not None and p80 >= 0.5:
            # the headline's basis: the P80 on the run's draws (the most likely run's beside)
            n, likely = f"{binding.p80_draws:,}", f"{binding.link_days:,.0f}"
            words = fill(t, BOARD["gain_link_p80"], days=f"{p80:,.0f}", n=n, likely=likely)
            return name, words
        gain = None if days is None else fill(t, BOARD["gain_link"], days=f"{days:,.0f}")
        return name, gain
    if binding.kind == "lead_time":
        return fill(t, BOARD["binding_lead_time"]), fill(
            t, BOARD["gain_lead_time"], days=f"{binding.lead_time_days:,.0f}"
        )
    return fill(t, BOARD["binding_remediation"]), fill(
        t, BOARD["gain_remediation"], days=f"{binding.remediation_days:,.0f}"
    )


def capacity_lines(need: CapacityNeed | None, t: Translator) -> tuple[str, list[str], str] | None:
    """(heading, one line per target, note) for the capacity needed with its uncertainty."""
    if need is None:
        return None
    noun = fill(t, CAPACITY_NOUNS[need.noun]) if need.noun in CAPACITY_NOUNS else need.noun
    current = _capacity_value(need.current, need.unit, t)
    head = fill(t, BOARD["capacity_head"], noun=noun[:1].upper() + noun[1:], link=need.link,
                key=need.key, current=current)  # fmt: skip
    top = _capacity_value(need.searched_up_to, need.unit, t)
    floor = need.current / 10

    def value(v: float | None) -> str:
        if v is None:
            return fill(t, BOARD["more_than"], value=top)
        text = _capacity_value(v, need.unit, t)
        return fill(t, BOARD["at_most"], value=text) if v <= floor * 1.001 else text

    lines = []
    for target in need.targets:
        needed, low, high = value(target.needed), value(target.low), value(target.high)
        chance = t.percent(target.chance)
        if low == needed == high:  # e.g. every draw already makes it at a tenth of today's
            lines.append(fill(t, BOARD["capacity_for_exact"], chance=chance, needed=needed))
        else:
            lines.append(fill(t, BOARD["capacity_for"], chance=chance, needed=needed, low=low,
                              high=high))  # fmt: skip
    note = fill(t, BOARD["capacity_note"], n=f"{need.replications:,}")
    if need.unit == "Mbit/s":
        note = f"{note} {fill(t, BOARD['capacity_nominal'])}"
    return head, lines, note


def top_organisations(report: RunReport, n: int = 3) -> list[FlowSummary]:
    """The organisations that matter most (``report.organisations``: an organisation is in
    time when all its flows are): the least likely to make go-live (then the latest P80, then
    the latest baseline finish); without go-live, the latest P80."""

    def ordinal(row: FlowSummary) -> float:
        day = row.p80 if row.p80 is not None else None
        return math.inf if day is None else float(day.toordinal())

    def base(row: FlowSummary) -> float:
        day = row.baseline_completed_on
        return math.inf if day is None else float(day.toordinal())

    def key(row: FlowSummary) -> tuple[float, float, float]:
        chance = row.chance if row.chance is not None else 0.0
        return (chance if report.go_live is not None else 0.0, -ordinal(row), -base(row))

    return sorted(report.organisations, key=key)[:n]


def movers_notes(movers: BaselineMovers | None, t: Translator) -> list[str]:
    """A line on the data moved beyond the file's volumes and one on what else moves the
    dates, each only when it applies."""
    if movers is None:
        return []
    notes = []
    extra = [fill(t, BOARD[k]) for k in ("growth", "rejections")
             if getattr(movers, k)]  # fmt: skip
    if extra and round(movers.total_bytes) != round(movers.volume_bytes):
        notes.append(fill(t, BOARD["moved_note"], volume=t.size(movers.volume_bytes),
                          total=t.size(movers.total_bytes), what=join_words(extra, t)))  # fmt: skip
    dates = [fill(t, BOARD[k]) for k in ("growth", "rejections", "closures", "lead_times")
             if getattr(movers, k)]  # fmt: skip
    if dates:
        notes.append(fill(t, BOARD["dates_note"], what=join_words(dates, t)))
    return notes


@dataclass(frozen=True)
class Driver:
    """One sensitivity driver for the board: in words, its range in human units, and how many
    days the programme's completion moves at each end (+ is later)."""

    label: str
    change_low_days: float
    change_high_days: float
    swing_days: float


def _duration(seconds: float, t: Translator) -> str:
    if seconds >= _WEEK_S and abs(seconds / _WEEK_S - round(seconds / _WEEK_S)) < 1e-6:
        return fill(t, BOARD["weeks"], n=_figures(seconds / _WEEK_S, t))
    return fill(t, BOARD["days"], n=_figures(seconds / 86400, t))


def _value(field: str, value: float, t: Translator) -> str:
    """An input's value in human units (the engine's SI value in)."""
    if field == "volume":
        return t.size(value)
    if field == "growth":
        return fill(t, BOARD["per_day"], value=t.size(value * 86400))
    if field in ("rejection.fraction", "efficiency"):
        return t.percent(value)
    if field in ("rejection.delay", "lead_time"):
        return _duration(value, t)
    if field == "daily_cap":
        return fill(t, BOARD["per_day"], value=t.size(value))
    if field == "bandwidth":
        return fill(t, BOARD["mbits"], n=_figures(value * 8 / 1e6, t))
    if field == "records_rate":
        return fill(t, BOARD["records_s"], n=_figures(value, t))
    if field == "daily_records":
        return fill(t, BOARD["records_day"], n=_figures(value, t))
    return _figures(value, t)


def driver_label(key: str, low: float, high: float, t: Translator) -> str:
    """ "Cardiff: remediation delay, 1 to 4 weeks" for ``flows[Cardiff].rejection.delay``;
    an unknown key is shown as it is."""
    match = _FLOW_KEY.match(key)
    subject = None
    if match:
        subject = match["name"]
    else:
        match = _LINK_KEY.match(key)
        if match:
            subject = fill(t, BOARD["link_subject"], link=match["name"])
    if match is None or subject is None:
        return key
    field = match["field"]
    what_key = "input_" + field.replace(".", "_")
    if what_key not in BOARD:
        return key
    if field in ("rejection.delay", "lead_time") and low >= _WEEK_S:
        # one unit for both ends: weeks when both are whole weeks
        both = all(abs(v / _WEEK_S - round(v / _WEEK_S)) < 1e-6 for v in (low, high))
        if both:
            low_text = _figures(low / _WEEK_S, t)
            high_text = fill(t, BOARD["weeks"], n=_figures(high / _WEEK_S, t))
            return fill(t, BOARD["driver"], subject=subject, what=fill(t, BOARD[what_key]),
                        low=low_text, high=high_text)  # fmt: skip
    return fill(t, BOARD["driver"], subject=subject, what=fill(t, BOARD[what_key]),
                low=_value(field, low, t), high=_value(field, high, t))  # fmt: skip


def drivers(
    swings: Sequence[SwingSummary] | None, t: Translator, n: int = TOP_DRIVERS
) -> list[Driver]:
    """The ``n`` inputs that move the completion most (a swing of at least half a day), in
    words."""
    if not swings:
        return []
    ordered = sorted(swings, key=lambda s: s.swing_days, reverse=True)
    return [
        Driver(
            driver_label(s.input, s.low, s.high, t),
            s.change_low_days,
            s.change_high_days,
            s.swing_days,
        )
        for s in ordered[:n]
        if s.swing_days >= 0.5
    ]


@dataclass(frozen=True)
class SweptAxis:
    """A swept key on a chart: in words (for a title), as an axis label with its unit, and
    each value's tick (the number alone when the label carries the unit all values share)."""

    words: str  # "daily cap of link 'capped'"
    label: str  # "Daily cap of link 'capped' (GB a day)"
    ticks: Mapping[str, str]  # value as written -> tick text


def key_words(key: str, t: Translator) -> str:
    """A scenario key in words: "daily cap of link 'capped'" for ``links.capped.daily_cap``,
    "volume of flow 'Cardiff'" for ``flows[Cardiff].volume``, "go-live date" for
    ``go_live``; a key without words is shown as it is."""
    if key in _DATE_KEYS:
        return fill(t, BOARD[_DATE_KEYS[key]])
    for pattern, message, name in (
        (_FLOW_KEY, "key_flow", "flow"),
        (_LINK_KEY, "key_link", "link"),
    ):
        match = pattern.match(key)
        what_key = "input_" + match["field"].replace(".", "_") if match else ""
        if match and what_key in BOARD:
            return fill(t, BOARD[message], what=fill(t, BOARD[what_key]), **{name: match["name"]})
    return key


def swept_axis(key: str, values: Sequence[str], t: Translator) -> SweptAxis:
    """The axis of a swept key: its words with the unit its values share ("GB a day" for a daily
    cap written in GB) and the values as ticks without it; dates, plain numbers or mixed units
    keep the values as written."""
    words = key_words(key, t)
    label = words[:1].upper() + words[1:]
    ticks = {v: v for v in values}
    matches = [_NUMBER_UNIT.match(v) for v in values]
    units = {m["unit"] for m in matches if m is not None}
    if key in _DATE_KEYS or _all_dates(values) or None in matches or len(units) != 1:
        return SweptAxis(words, label, ticks)
    unit = units.pop()
    if not unit:
        return SweptAxis(words, label, ticks)
    if key.endswith(".daily_cap"):
        unit = fill(t, BOARD["per_day"], value=unit)
    label = fill(t, BOARD["axis_unit"], label=label, unit=unit)
    return SweptAxis(words, label, {v: m["num"] for v, m in zip(values, matches, strict=True) if m})


def _all_dates(values: Sequence[str]) -> bool:
    try:
        for value in values:
            date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True
