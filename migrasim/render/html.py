"""The programme-board report as one self-contained HTML page, from a Jinja2 template.

:func:`render_page` fills ``templates/report.html.j2`` from a :class:`PageView`: plain strings,
numbers and lists, already formatted in the page's language (dates, percentages, sizes: see
:class:`migrasim.render.i18n.Translator`). The template holds the page's structure and every
fixed sentence (through gettext, ``jinja2.ext.i18n``); it computes nothing beyond loops and
conditionals. Autoescaping is on, so names and descriptions from the scenario are shown as given.

The page stays one file: ``report.css`` is inlined, figures are ``data:`` URIs (see
:func:`data_uri`) and nothing is fetched from the network.

Conventions of the view model: a date is a formatted string, ``None`` when the thing never
happens within the horizon ("never"), and ``""`` when there is no value.
"""

from __future__ import annotations

import base64
import datetime
import functools
import os
import struct
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

import jinja2
from markupsafe import Markup

from migrasim.core.rules import LATE_BELOW
from migrasim.render.board import key_words
from migrasim.render.headlines import verdict_text
from migrasim.render.i18n import Translator, fill, translator
from migrasim.render.messages import COLUMN_LABELS, EXTRA_TITLES

__all__ = [
    "Cell",
    "ComparisonRow",
    "DriverRow",
    "FigureView",
    "HeadlineView",
    "Lateness",
    "OrganisationRow",
    "PageView",
    "PrecisionView",
    "TableView",
    "TopRow",
    "column_label",
    "data_uri",
    "extra_title",
    "lateness",
    "render_page",
]

Verdict = Literal["yes", "no", "risk", "none"]
Status = Literal["ok", "risk", "late"]

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Lateness:
    """How a finish date stands against go-live, in whole days or weeks.

    ``late`` is True after the last in-time day (go-live - 1); ``count`` 0 means no time to
    spare. Built by :func:`lateness`."""

    late: bool
    count: int
    unit: Literal["day", "week"]


@dataclass(frozen=True)
class TopRow:
    """One of the organisations that matter most, on the first screen."""

    name: str
    status: Status | None
    p80: str | None  # None = never
    chance: str | None


@dataclass(frozen=True)
class DriverRow:
    """One of the top sensitivity drivers, in words, with signed day changes."""

    label: str
    low_days: str  # "+12" / "−3"
    high_days: str
    swing_days: str


@dataclass(frozen=True)
class HeadlineView:
    """The four cards answering the board's question."""

    verdict: Verdict  # "none" when the scenario has no go-live
    go_live: str | None  # formatted date, None without go-live
    chance: str | None  # "84%": chance of finishing before go-live (Monte Carlo runs only)
    chance_low: str | None  # its 95% interval, or None
    chance_high: str | None
    p50: str | None  # programme quantiles (None = never); p80 is the finish date if deterministic
    p80: str | None
    p95: str | None
    p80_lateness: Lateness | None  # p80 against go-live; None without go-live or if never
    bottleneck: str  # link name ("" if none)
    bottleneck_description: str | None  # the link's description from the scenario
    fix: str | None  # "what would fix it", in the page's language, or None
    p80_low: str | None = None  # the programme P80's 95% interval (None = never)
    p80_high: str | None = None
    binding: str = ""  # the binding constraint in plain words (render.board.binding_words)
    binding_gain: str | None = None  # how many days removing it would save, in words
    capacity_head: str | None = None  # the capacity needed for P50 / P80, with intervals
    capacity_lines: list[str] = field(default_factory=list)
    capacity_note: str | None = None
    top: list[TopRow] = field(default_factory=list)  # the organisations that matter most


@dataclass(frozen=True)
class TrackView:
    """A re-forecast's first screen (``track``): the as-of date and the programme against its
    plan, formatted (None = never, or no interval)."""

    as_of: str  # the as-of date in words
    plan_p80: str | None
    slip: str | None  # new P80 minus the plan's, signed days ("+256", "−3", "0")
    slip_low: str | None  # its paired 95 % interval
    slip_high: str | None
    slip_count: int  # its size in whole days (for the plural)
    later: bool  # the P80 moved later
    plan_verdict: Verdict
    plan_chance: str | None
    chance_change: str | None  # percentage points, signed
    chance_change_low: str | None
    chance_change_high: str | None
    unreported: int  # flows with no row in the transfer log
    flows: int


@dataclass(frozen=True)
class ComparisonRow:
    """One scenario in the compare report's side-by-side table, formatted. An interval is
    None where there is none (a deterministic scenario's, or the first scenario's change)."""

    scenario: str  # the scenario's name
    verdict: Verdict  # as run's headline classifies it
    p80: str | None  # None = never
    p80_low: str | None
    p80_high: str | None
    has_p80_interval: bool
    chance: str | None  # "84%"; None without go-live
    chance_low: str | None
    chance_high: str | None
    late: int | None  # organisations likely late (late, if deterministic); None: no go-live
    at_risk: int | None  # None: deterministic or no go-live
    organisations: int | None
    reference: bool  # the first scenario: the changes are measured against it
    p80_change: str | None = None  # "−914" days; None: no change measured
    p80_change_low: str | None = None
    p80_change_high: str | None = None
    chance_change: str | None = None  # "+99" percentage points
    chance_change_low: str | None = None
    chance_change_high: str | None = None


@dataclass(frozen=True)
class OrganisationRow:
    """One row of the per-organisation table (the whole programme: ``is_total``)."""

    name: str  # the flow's name (ignored for the total row, which is labelled by the template)
    is_total: bool
    status: Status | None  # None without go-live
    size: str  # "1.5 TB"
    baseline: str | None  # finish in the baseline run (the only finish if deterministic)
    lateness: Lateness | None = None  # deterministic runs: baseline against go-live
    p50: str | None = ""
    p80: str | None = ""
    p95: str | None = ""
    chance: str | None = None  # "84%"
    chance_low: str | None = None
    chance_high: str | None = None
    bottleneck: str = ""
    bottleneck_share: str | None = None  # "62%" of runs (Monte Carlo runs only)
    never_reason: str | None = None  # translated, shown when the flow never finishes
    member: bool = False  # one flow of the organisation on the row above (several flows)


@dataclass(frozen=True)
class FigureView:
    """One chart. ``key`` (cdf, gantt, burnup, tornado, compare_cdf, compare_burnup, sweep)
    chooses the title, caption and alt text; any other key is shown by its name."""

    key: str
    uri: str  # data: URI (see data_uri)
    width: int | None = None
    height: int | None = None
    p80: str | None = None  # for the cdf's alt text (None = never)
    late: int | None = None  # for the gantt's alt text: flows finishing after go-live ...
    flows: int | None = None  # ... of this many (None without go-live)


@dataclass(frozen=True)
class Cell:
    """One value of an extra table, formatted; ``never`` shows the translated "never"."""

    text: str
    numeric: bool = False
    never: bool = False


@dataclass(frozen=True)
class TableView:
    """An extra table (comparison, sweep, bottlenecks, sensitivity): translated title and
    headers (see :func:`extra_title`, :func:`column_label`), first cell of a row as its header."""

    title: str
    headers: list[str]
    rows: list[list[Cell]]


@dataclass(frozen=True)
class PrecisionView:
    """The 95% confidence interval of the programme's P80."""

    low: str | None
    high: str | None
    half_days: str | None  # "± n days" when known
    run_more: bool  # suggest more replications (interval wider than ± 3.5 days or unknown)


@dataclass(frozen=True)
class PageView:
    """Everything the report page shows, formatted. See the module docstring."""

    title: str
    version: str
    command: str
    seed: str
    replications: str | None  # formatted count; None for a deterministic run
    headline: HeadlineView
    rows: list[OrganisationRow]
    late: int  # organisations likely late (or late, if deterministic) ...
    at_risk: int
    on_track: int
    flows: int  # ... of this many
    baseline_late: int  # organisations finishing after go-live in the baseline run
    figures: list[FigureView]
    assumptions: list[tuple[str, str]]  # (where in the scenario, text)
    scenario_text: str
    precision: PrecisionView | None = None
    tables: list[TableView] = field(default_factory=list)
    what_if: str | None = None  # the --set / --variant changes (None: the scenario as filed)
    notes: list[str] = field(default_factory=list)  # what moves the baseline
    drivers: list[DriverRow] = field(default_factory=list)  # top sensitivity drivers
    comparison: list[ComparisonRow] = field(default_factory=list)  # compare: side by side
    detail: str | None = None  # compare: the scenario the summary and the rest describe
    track: TrackView | None = None  # track: the re-forecast against the plan, as of a date


def lateness(day: datetime.date, go_live: datetime.date) -> Lateness:
    """``day`` against the last in-time day (go-live - 1): days, or weeks beyond two weeks."""
    late = (day - (go_live - datetime.timedelta(days=1))).days
    n = abs(late)
    if n > 14:
        return Lateness(late > 0, round(n / 7), "week")
    return Lateness(late > 0, n, "day")


def column_label(t: Translator, column: str) -> str:
    """A table column's header in ``t``'s language: a scenario key (a sweep's) in words
    (``board.key_words``); any other unknown column keeps its name."""
    known = COLUMN_LABELS.get(column)
    if known:
        return fill(t, known)
    words = key_words(column, t)
    return column if words == column else words[:1].upper() + words[1:]


def extra_title(t: Translator, key: str) -> str:
    """An extra table's heading in ``t``'s language; an unknown key is shown as it is."""
    known = EXTRA_TITLES.get(key.lower())
    return fill(t, known) if known else key


def data_uri(data: bytes) -> tuple[str, int | None, int | None]:
    """(``data:`` URI, width, height) of an image (PNG, JPEG or SVG); size for PNGs only."""
    if data.startswith(_PNG_MAGIC):
        mime = "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        mime = "image/jpeg"
    elif data[:200].lstrip().startswith((b"<svg", b"<?xml")):
        mime = "image/svg+xml"
    else:
        mime = "image/png"
    width = height = None
    if data.startswith(_PNG_MAGIC) and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = (int(v) for v in struct.unpack(">II", data[16:24]))
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}", width, height


@functools.lru_cache(maxsize=16)
def _environment(t: Translator) -> jinja2.Environment:
    """The template environment for one language (its gettext installed), built once."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("migrasim.render", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,  # a misspelt field is an error, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # New style: msgids are %-format strings filled from keyword arguments, with values
    # escaped unless they are markup; the same msgids serve Python code (i18n.fill).
    env.install_gettext_translations(t.translations, newstyle=True)  # type: ignore[attr-defined]
    # The board's answer in the words every output uses (render.headlines.VERDICT_WORDS).
    env.globals["verdict_word"] = lambda answer: verdict_text(answer, t)
    return env


@functools.lru_cache(maxsize=1)
def _css() -> str:
    return resources.files("migrasim.render").joinpath("report.css").read_text(encoding="utf-8")


def render_page(
    view: PageView, lang: str = "en", locale_dir: str | os.PathLike[str] | None = None
) -> str:
    """The report page for ``view`` in ``lang`` (a catalogue in ``locale_dir``: see
    :func:`migrasim.render.i18n.locale_dir`)."""
    t = translator(lang, locale_dir)
    template = _environment(t).get_template("report.html.j2")
    # the thresholds of the one classification (core.rules.status), for the notes that state them
    late_below = t.percent(LATE_BELOW)
    return template.render(view=view, lang=lang, css=Markup(_css()), late_below=late_below)
