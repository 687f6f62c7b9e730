"""The board's words: what-if labels, the binding constraint, the capacity needed with its
interval, the three organisations that matter most, what moves the baseline, and the top
sensitivity drivers in words and human units. Every string goes through the catalogue
(``messages.BOARD``); every number through the language's formats (:class:`Translator`).
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from migrasim.analysis import uncertain
from migrasim.analysis.records import (
    BaselineMovers,
    Binding,
    CapacityNeed,
    FlowSummary,
    RunReport,
    SwingSummary,
)
from migrasim.core import kinds
from migrasim.render.i18n import Translator, fill, nfill
from migrasim.render.messages import BOARD, BOARD_COUNTS
from migrasim.scenario.overrides import Change, parse_key

__all__ = [
    "Driver",
    "SweptAxis",
    "assumption_notes",
    "binding_words",
    "capacity_lines",
    "change_words",
    "drivers",
    "join_words",
    "key_words",
    "link_capacity_words",
    "movers_notes",
    "setting_words",
    "swept_axis",
    "top_organisations",
    "what_if_text",
    "what_if_title",
]

TOP_DRIVERS = 10
_FLOW_KEY = re.compile(r"^flows\[(?P<name>.*)\]\.(?P<field>[a-z_.]+)$")
_LINK_KEY = re.compile(r"^links\.(?P<name>[^.]+)\.(?P<field>[a-z_.]+)$")
_WEEK_S = 7 * 86400.0
_NUMBER_UNIT = re.compile(
    r"^\s*(?P<num>[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*(?P<unit>\S.*?)?\s*$"
)
_DATE_KEYS = ("go_live", "start")


def change_words(change: Change, t: Translator) -> str:
    """One ``--set`` change in words, with the file's value: "daily cap of link capped 3 GB a
    day (file: 1 GB a day)", "go-live 2 March 2026 (file: 5 January 2026)", "volume of Cardiff
    1 TB (file: likely 377 GB, 75 GB to 1.131 TB)". The one rule for every label of a what-if
    (titles of the report, terminal, workbook and charts, sweep charts)."""
    what = _what(change.link, change.flow, change.field, change.key, t)
    value = setting_words(change.field, change.after, t, change.text)
    if change.before is None:
        return fill(t, BOARD["change_new"], what=what, value=value)
    before = setting_words(change.field, change.before, t, "")
    return fill(t, BOARD["change"], what=what, value=value, file=before)


def _what(link: str | None, flow: str | None, field: str, key: str, t: Translator) -> str:
    label = _field_label(field, t)
    subject = None
    if link is not None:
        subject = fill(t, BOARD["link_subject"], link=link)
    elif flow is not None:
        subject = flow
    if subject is None:
        return label or key
    if label:
        return fill(t, BOARD["change_of"], what=label, subject=subject)
    return subject  # a whole link or flow


def key_words(key: str, t: Translator) -> str:
    """A ``--set`` key in words, as :func:`change_words` names it: "daily cap of link capped"
    for ``links.capped.daily_cap``, "volume of Cardiff" for ``flows[Cardiff].volume``, "go-live"
    (a chart's axis, a sweep's column); a key it cannot read as it is."""
    try:
        parts = parse_key(key)
    except ValueError:
        return key
    link = flow = None
    below = parts
    if parts[0] == "links" and len(parts) >= 2 and isinstance(parts[1], str):
        link, below = parts[1], parts[2:]
    elif parts[0] == "flows" and len(parts) >= 2:
        selector = parts[1]
        flow = selector[1:-1] if isinstance(selector, str) else f"flows[{selector}]"
        below = parts[2:]
    return _what(link, flow, ".".join(str(p) for p in below), key, t)


def what_if_text(overrides: Sequence[str | Change], t: Translator) -> str | None:
    """ "What-if: go-live 2 March 2026 (file: 5 January 2026); daily cap of link capped 3 GB a
    day (file: 1 GB a day)" for changes read (:func:`change_words`); an assignment given as
    text is shown as given. None for the baseline."""
    if not overrides:
        return None
    words = [o if isinstance(o, str) else change_words(o, t) for o in overrides]
    return fill(t, BOARD["what_if"], changes="; ".join(words))


def what_if_title(name: str, overrides: Sequence[str | Change], t: Translator) -> str:
    """A run's title: the scenario's name, then, for a what-if, what changed (the name may
    state the file's values, e.g. "(1 GB a day)")."""
    what_if = what_if_text(overrides, t)
    return name if what_if is None else fill(t, BOARD["what_if_title"], name=name, what_if=what_if)


def assumption_notes(
    assumptions: Sequence[tuple[str, str]], changes: Sequence[Change], t: Translator
) -> list[tuple[str, str]]:
    """The scenario's descriptions (``(where, text)``, ``render.inputs.assumptions_of``), each
    whose subject a what-if changed followed by those changes in words: the scenario's by
    every change, a link's or a flow's by its own. The text stays the file's."""
    if not changes:
        return list(assumptions)
    noted = []
    for where, text in assumptions:
        mine = [c for c in changes if where == "scenario"
                or (c.link is not None and where == f"links.{c.link}")
                or (c.flow is not None and where == f"flows[{c.flow}]")]  # fmt: skip
        if mine:
            text = fill(t, BOARD["file_text_changed"], text=text,
                        changes="; ".join(change_words(c, t) for c in mine))  # fmt: skip
        noted.append((where, text))
    return noted


_SETTING_LABELS = {
    "start": "setting_start",
    "go_live": "setting_go_live",
    "horizon": "setting_horizon",
    "calendar.holidays": "setting_holidays",
    "calendar.working_days": "setting_working_days",
    "calendar.closures": "closures",
    "window": "setting_window",
    "per_flow": "setting_per_flow",
    "after": "setting_after",
    "flows_from": "setting_flows_from",
}
_DURATIONS = ("horizon",)
"""Settings stated as durations besides the uncertain inputs whose words are durations
(``analysis/uncertain.py``)."""
CAPACITY_FIELDS = ("efficiency", "window", "per_flow", "shipment")
"""A link's keys that set its capacity besides its capacity rules' (``core.kinds``): a change
to one makes the file's description of the link stale (:func:`binding_words`)."""


def capacity_noun(noun: str, t: Translator) -> str:
    """A capacity rule's noun (a ``Fix``'s, "daily cap") in ``t``'s language: its label."""
    rule = kinds.labelled(noun)
    return noun if rule is None else fill(t, rule.label)


def _field_label(field: str, t: Translator) -> str:
    """A scenario key in words ("daily cap", "go-live"); an unknown key as it is."""
    if not field:
        return ""
    kind = _kind_of(field)
    if kind is not None:
        return fill(t, kind.label)
    key = "input_" + field.replace(".", "_")
    if key in BOARD:
        return fill(t, BOARD[key])
    if field in _SETTING_LABELS:
        return fill(t, BOARD[_SETTING_LABELS[field]])
    return field


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def setting_words(field: str, value: Any, t: Translator, text: str = "") -> str:
    """A scenario value in words and human units, by its key (``field``, e.g. "daily_cap",
    "rejection.delay", "go_live"): SI numbers, three-point estimates, dates, times of day,
    lists; ``text`` (the value as given) for anything else."""
    last = field.rsplit(".", 1)[-1]
    if value is None:
        return fill(t, BOARD["not_set"])
    if all(hasattr(value, k) for k in ("low", "likely", "high")):
        return fill(t, BOARD["estimate"], low=setting_words(field, value.low, t),
                    likely=setting_words(field, value.likely, t),
                    high=setting_words(field, value.high, t))  # fmt: skip
    if isinstance(value, bool):
        return fill(t, BOARD["yes" if value else "no"])
    if isinstance(value, datetime.datetime):
        day = t.date(value.date(), "long")
        if value.time() == datetime.time(0):
            return day
        return fill(t, BOARD["at_time"], day=day, time=value.strftime("%H:%M"))
    if isinstance(value, datetime.date):
        return t.date(value, "long")
    if isinstance(value, int | float):
        if _is_duration(last):
            return _duration_words(float(value), t)
        return _quantity(last, float(value), t)
    if last == "window" and isinstance(value, tuple) and len(value) == 2:
        return fill(t, BOARD["window"], start=_clock(value[0]), end=_clock(value[1]))
    if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
        return join_words(list(value), t)
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:  # a mapping as the page and --set send it, a JSON flow mapping
            value = json.loads(value)
        except ValueError:
            return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):  # one value per weekday: "Mon 1 GB, ..., Sat 5 GB"
        return ", ".join(f"{k} {setting_words(field, v, t, str(v))}" for k, v in value.items())
    if hasattr(value, "file"):  # an inventory (flows_from)
        return str(value.file)
    if isinstance(value, tuple | list) and all(hasattr(v, "file") for v in value):
        return join_words([str(v.file) for v in value], t)
    size = _flow_size()  # a whole flow: its size (its volume)
    if hasattr(value, size.key) and hasattr(value, "links"):
        return f"{_field_label(size.key, t)} {setting_words(size.key, getattr(value, size.key), t)}"
    if hasattr(value, "limit") and hasattr(value, "per_flow"):  # a whole link
        capacity = link_capacity_words(value, t)
        if capacity is not None:
            return capacity
    return text or str(value)


def _exact(value: float, t: Translator) -> str:
    """Up to four significant figures (every whole digit), trailing zeros dropped: a value as
    a scenario states it (3, 37.5, 1,131, 68.9)."""
    if value == 0 or not math.isfinite(value):
        return t.decimal(value, "#,##0")
    digits = max(0, 3 - math.floor(math.log10(abs(value))))
    return t.decimal(round(value, digits), "#,##0" + ("." + "#" * digits if digits else ""))


def _duration_words(seconds: float, t: Translator) -> str:
    """A duration as stated: whole weeks in weeks, else days, hours below a day, minutes
    below an hour (2 weeks, 3 days, 1.5 days, 8 hours, 30 minutes)."""
    for unit, scale in (("weeks", _WEEK_S), ("days", 86400.0), ("hours", 3600.0)):
        count = seconds / scale
        whole = abs(count - round(count)) < 1e-9
        if count >= 1 and (whole or unit != "weeks"):
            break
    else:
        unit, count = "minutes", seconds / 60
    n = round(count)
    return nfill(t, BOARD_COUNTS[unit], n if abs(count - n) < 1e-9 else 2, num=_exact(count, t))


def _size_words(n_bytes: float, t: Translator) -> str:
    """Bytes in the largest decimal unit they fill, as stated: 3 GB, 37.5 GB, 1.131 TB."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{_exact(n_bytes / scale, t)} {unit}"
    return f"{_exact(n_bytes, t)} B"


Kind = kinds.CapacityRule | uncertain.UncertainInput


def _kind_of(field: str) -> Kind | None:
    """The capacity rule or uncertain input kind whose key (or its last part) is ``field``."""
    return kinds.rule_of(field) or uncertain.input_of(field)


def _unit(kind: Kind) -> str:
    """How a kind's values are put in words: a capacity rule's unit ("rate", "daily",
    "count_rate", "daily_count"), an uncertain input's words ("size", "size_per_day", "share",
    "duration", "number")."""
    return kind.unit if isinstance(kind, kinds.CapacityRule) else kind.words


def _flow_size() -> uncertain.UncertainInput:
    """The kind that says how big a flow is (its volume): a flow's first kind in the registry,
    whose words are a size."""
    return next(k for k in uncertain.of("flow") if k.words == "size")


def _is_duration(field: str) -> bool:
    """A setting (the last part of its key) stated as a duration."""
    kind = _kind_of(field)
    return field in _DURATIONS or (kind is not None and _unit(kind) == "duration")


def _quantity(field: str, value: float, t: Translator) -> str:
    """A number of a scenario key (the engine's SI value) in the units a scenario states it."""
    if field == "capacity":
        return _size_words(value, t)
    kind = _kind_of(field)
    if kind is not None:
        return _unit_words(_unit(kind), value, t, _size_words, _duration_words, _exact)
    if field == "efficiency":
        return t.percent(value)
    return _exact(value, t)


Figures = Callable[[float, Translator], str]


def _unit_words(
    unit: str, value: float, t: Translator, size: Figures, duration: Figures, number: Figures
) -> str:
    """A kind's value (SI) in the words of its unit (:func:`_unit`): "3 GB", "1 GB a day",
    "5%", "2 weeks", "3 GB a day", "200 Mbit/s", "150 records/s", "2 M records a day"
    (``size``, ``duration`` and ``number`` write the figures)."""
    if unit == "size":
        return size(value, t)
    if unit == "size_per_day":
        return fill(t, BOARD["per_day"], value=size(value * 86400, t))
    if unit == "share":
        return t.percent(value)
    if unit == "duration":
        return duration(value, t)
    if unit == "daily":
        return fill(t, BOARD["per_day"], value=size(value, t))
    if unit == "daily_by_weekday":  # its value is the largest day's, the rest in proportion
        return fill(t, BOARD["per_day_largest"], value=size(value, t))
    if unit == "rate":
        return fill(t, BOARD["mbits"], n=number(value * 8 / 1e6, t))
    if unit == "count_rate":
        return fill(t, BOARD["records_s"], n=number(value, t))
    if unit == "daily_count":
        return fill(t, BOARD["records_day"], n=number(value, t))
    return number(value, t)


def link_capacity_words(link: Any, t: Translator) -> str | None:
    """A link's capacity in words ("3 GB a day per organisation", "200 Mbit/s at 60%
    efficiency in the window 19:00 to 07:00"), or None if it sets none of these."""
    parts = []
    efficiency = getattr(link, "efficiency", 1.0)
    # the rule the efficiency applies to (a bandwidth) first, with it; then the others
    for rule in sorted(kinds.CAPACITY_RULES, key=lambda r: not r.scaled_by_efficiency):
        value = link.limit(rule) if hasattr(link, "limit") else getattr(link, rule.key, None)
        if value is None:
            continue
        words = setting_words(rule.key, value, t)
        if rule.scaled_by_efficiency and efficiency != 1.0:
            words = fill(t, BOARD["at_efficiency"], rate=words,
                         share=setting_words("efficiency", efficiency, t))  # fmt: skip
        parts.append(words)
    if not parts:
        return None
    words = join_words(parts, t)
    window = getattr(link, "window", None)
    if window is not None:
        words = fill(t, BOARD["in_window"], capacity=words,
                     window=setting_words("window", window, t))  # fmt: skip
    if getattr(link, "per_flow", False):
        words = fill(t, BOARD["per_organisation"], capacity=words)
    return words


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
    binding: Binding | None, description: str | None, t: Translator, changes: Sequence[Change] = ()
) -> tuple[str, str | None]:
    """(the binding constraint in plain words, the days its removal would save), from the
    records; the link is named by its description when the scenario gives one. When a
    what-if changed the link's capacity (:data:`CAPACITY_FIELDS`), the description may state
    the file's capacity, so the link is named with the capacity that ran and the description
    is shown as the file's."""
    if binding is None or binding.kind == "link":
        name = description or (binding.link if binding is not None else "") or "-"
        ran = None if binding is None else _capacity_that_ran(binding.link, changes, t)
        if ran is not None:
            name = ran if not description else fill(t, BOARD["binding_what_if_file"],
                                                     ran=ran, description=description)  # fmt: skip
        days = None if binding is None or binding.link_days <= 0 else binding.link_days
        p80 = None if binding is None else binding.link_p80_days
        if binding is not None and p80 is not None and p80 >= 0.5:
            # the headline's basis: the P80 on the run's draws (the most likely run's beside)
            n, likely = f"{binding.p80_draws:,}", f"{binding.link_days:,.0f}"
            words = fill(t, BOARD["gain_link_p80"], days=f"{p80:,.0f}", n=n, likely=likely)
            return name, words
        gain = None if days is None else fill(t, BOARD["gain_link"], days=f"{days:,.0f}")
        return name, gain
    kind = uncertain.relief_of(binding.kind)  # a relief: in its kind's words
    if kind is None or kind.relief_words is None or kind.relief_gain is None:
        raise ValueError(f"no words for the relief {binding.kind!r}")
    saved = f"{binding.relief_days(binding.kind):,.0f}"
    return fill(t, kind.relief_words), fill(t, kind.relief_gain, days=saved)


def _capacity_that_ran(link: str, changes: Sequence[Change], t: Translator) -> str | None:
    """ "link capped, 3 GB a day per organisation (what-if)" when ``changes`` set the link's
    capacity (and not its description); else None."""
    mine = [c for c in changes if c.link == link and c.link_spec is not None]
    if any(c.field == "description" or (not c.field and c.link_spec.description) for c in mine):
        return None  # the what-if gave the link its description: it describes what ran
    changed = [c for c in mine if not c.field or c.field.split(".")[0] in CAPACITY_FIELDS
               or kinds.rule_of(c.field.split(".")[0]) is not None]  # fmt: skip
    if not changed:
        return None
    subject = fill(t, BOARD["link_subject"], link=link)
    capacity = link_capacity_words(changed[-1].link_spec, t)
    if capacity is None:  # e.g. shipped disks: the changes themselves
        capacity = "; ".join(change_words(c, t) for c in changed)
    return fill(t, BOARD["binding_what_if"], link=subject, capacity=capacity)


def capacity_lines(
    need: CapacityNeed | None, t: Translator, as_of: datetime.date | None = None
) -> tuple[str, list[str], str] | None:
    """(heading, one line per target, note) for the capacity needed with its uncertainty;
    ``as_of``: a re-forecast's (``track``), for the work left on that date."""
    if need is None:
        return None
    noun = capacity_noun(need.noun, t)
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
    if as_of is not None:
        note = fill(t, BOARD["capacity_note_track"], n=f"{need.replications:,}",
                    date=t.date(as_of, "long"))  # fmt: skip
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
    dates, each only when it applies: the flows' inputs, the calendar's closures, then the
    links' inputs, each kind in its own words (``UncertainInput.moves``)."""
    if movers is None:
        return []
    moving = [kind for key in movers.inputs if (kind := uncertain.input_of(key)) is not None]
    said = [kind for kind in moving if kind.moves is not None]
    notes = []
    extra = [fill(t, str(kind.moves)) for kind in said if kind.adds_data]
    if extra and round(movers.total_bytes) != round(movers.volume_bytes):
        notes.append(fill(t, BOARD["moved_note"], volume=t.size(movers.volume_bytes),
                          total=t.size(movers.total_bytes), what=join_words(extra, t)))  # fmt: skip
    dates = [fill(t, str(kind.moves)) for kind in said if kind.owner == "flow"]
    if movers.closures:
        dates.append(fill(t, BOARD["closures"]))
    dates += [fill(t, str(kind.moves)) for kind in said if kind.owner == "link"]
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
    kind = _kind_of(field)
    if kind is not None:
        return _unit_words(_unit(kind), value, t, lambda v, t: t.size(v), _duration, _figures)
    if field == "efficiency":
        return t.percent(value)
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
    kind = _kind_of(field)
    what: str | None = kind.label if kind is not None else None
    if field == "efficiency":
        what = BOARD["input_efficiency"]
    if what is None:
        return key
    if kind is not None and _unit(kind) == "duration" and low >= _WEEK_S:
        # one unit for both ends: weeks when both are whole weeks
        both = all(abs(v / _WEEK_S - round(v / _WEEK_S)) < 1e-6 for v in (low, high))
        if both:
            low_text = _figures(low / _WEEK_S, t)
            high_text = fill(t, BOARD["weeks"], n=_figures(high / _WEEK_S, t))
            return fill(t, BOARD["driver"], subject=subject, what=fill(t, what),
                        low=low_text, high=high_text)  # fmt: skip
    return fill(t, BOARD["driver"], subject=subject, what=fill(t, what),
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
    rule = kinds.rule_of(key.rsplit(".", 1)[-1]) if key.startswith("links") else None
    if rule is not None and rule.unit == "daily":
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
