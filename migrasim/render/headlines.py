"""The headline in one place: the board's answer (will we make go-live?) and the advice
("what would fix it") in words, in any language, from the analysis' records.

:func:`headline_from` takes the programme's record; :func:`verdict` classifies it (yes, at
risk, no, or none without go-live); :func:`advice_text` puts a :class:`Fix` (run),
:class:`CompareAdvice` (compare) or :class:`SweepAdvice` (sweep) into the catalogue's words.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

from migrasim import errors
from migrasim.analysis.advice import MAX_FACTOR, Fix
from migrasim.analysis.compare import CompareAdvice
from migrasim.analysis.records import PROGRAMME, FlowSummary, RunReport
from migrasim.analysis.reforecast import TrackFix
from migrasim.analysis.solve import SolveAdvice
from migrasim.analysis.sweep import SweepAdvice
from migrasim.core.rules import Status, in_time, status
from migrasim.render.board import capacity_noun
from migrasim.render.i18n import N_, Translator, fill, nfill
from migrasim.render.messages import ADVICE, ADVICE_COUNTS, CHARTS, PROGRAMME_NAME

__all__ = [
    "VERDICT_WORDS",
    "Advice",
    "Headline",
    "Verdict",
    "advice_text",
    "headline_from",
    "verdict",
    "verdict_text",
]

Advice = Fix | CompareAdvice | SweepAdvice | SolveAdvice | TrackFix
"""What would make go-live, as data: a run's fix, a comparison's, a sweep's or a solve's
answer, or a re-forecast's fix for the work left (``track``)."""

Verdict = Literal["yes", "no", "risk", "none"]

VERDICT_WORDS: dict[Verdict, str] = {
    "yes": N_("Yes"),
    "no": N_("No"),
    "risk": N_("At risk"),
    "none": N_("No go-live date"),
}
"""The board's answer in words, the same on the report, the terminal, the workbook and the
what-if page."""

_VERDICT_OF: dict[Status, Verdict] = {
    Status.ON_TRACK: "yes",
    Status.AT_RISK: "risk",
    Status.LATE: "no",
}


@dataclass(frozen=True)
class Headline:
    """The programme board's answer."""

    will_make_go_live: bool | None  # None when the scenario has no go_live
    go_live: datetime.date | None
    p50: datetime.date | None  # programme completion quantiles (None = never)
    p80: datetime.date | None
    p95: datetime.date | None
    prob_by_go_live: float | None  # 0..1
    prob_ci: tuple[float, float] | None
    bottleneck: str  # link name limiting the programme most
    advice: Advice | None = None  # what would fix it, or None


def headline_from(
    programme: FlowSummary, go_live: datetime.date | None, advice: Advice | None = None
) -> Headline:
    """The board's answer from the programme's record: will its P80 (the finish date of a
    deterministic run) fall before go-live, with the chance and the bottleneck."""
    return Headline(
        will_make_go_live=None if go_live is None else in_time(programme.p80, go_live),
        go_live=go_live,
        p50=programme.p50,
        p80=programme.p80,
        p95=programme.p95,
        prob_by_go_live=programme.chance,
        prob_ci=programme.chance_ci,
        bottleneck=programme.bottleneck,
        advice=advice,
    )


def verdict(headline: Headline) -> Verdict:
    """The programme's status (``core.rules.status``, the one classification) as the board's
    answer: 'yes' (on track: a chance of 80 % or more, so the P80 is in time), 'risk' (50 % to
    80 %), 'no' (likely late: under 50 %) or 'none' (no go-live). A deterministic run has no
    chance: 'yes' if its finish is in time, else 'no'."""
    if headline.will_make_go_live is None or headline.go_live is None:
        return "none"
    standing = status(headline.prob_by_go_live, not headline.will_make_go_live)
    return "none" if standing is None else _VERDICT_OF[standing]


def verdict_text(answer: Verdict, t: Translator) -> str:
    """The board's answer (:func:`verdict`) in ``t``'s language: Yes, At risk, No."""
    return t.gettext(VERDICT_WORDS[answer])


def _day(day: datetime.date | None, t: Translator) -> str:
    return fill(t, CHARTS["never"]) if day is None else day.isoformat()


def advice_text(advice: Advice, t: Translator) -> str:
    """The headline's "what would fix it" sentence in ``t``'s language."""
    if isinstance(advice, Fix):
        return _fix_text(advice, t)
    if isinstance(advice, CompareAdvice):
        return _compare_text(advice, t)
    if isinstance(advice, SolveAdvice):
        return _solve_text(advice, t)
    if isinstance(advice, TrackFix):
        return _track_fix_text(advice, t)
    return _sweep_text(advice, t)


def _track_fix_text(advice: TrackFix, t: Translator) -> str:
    """``run``'s fix sentence for the work left on the as-of date (``track``)."""
    fix = advice.fix
    noun = capacity_noun(fix.noun, t)
    date = t.date(advice.as_of, "long")
    if fix.already:
        return fill(t, ADVICE["track_already"], date=date)
    if fix.needed is None or fix.factor is None:
        return fill(t, ADVICE["track_not_enough"], date=date, noun=noun, link=fix.link,
                    factor=f"{MAX_FACTOR:g}", current=fix.current)  # fmt: skip
    return fill(t, ADVICE["track_raise"], date=date, noun=noun, link=fix.link,
                needed=fix.needed, current=fix.current, factor=f"{fix.factor:.1f}")  # fmt: skip


def _fix_text(fix: Fix, t: Translator) -> str:
    noun = capacity_noun(fix.noun, t)
    if fix.already:
        return fill(t, ADVICE["already"], command=fix.solve_command)
    if fix.needed is None:
        most = f"{MAX_FACTOR:g}"
        return fill(t, ADVICE["not_enough"], noun=noun, link=fix.link, factor=most,
                    current=fix.current)  # fmt: skip
    factor = f"{fix.factor:.1f}"
    if not fix.uncertain:  # the most likely inputs are the inputs: this value is the fix
        return fill(t, ADVICE["raise_exact"], noun=noun, link=fix.link, current=fix.current,
                    needed=fix.needed, factor=factor)  # fmt: skip
    return fill(t, ADVICE["raise"], noun=noun, link=fix.link, current=fix.current,
                needed=fix.needed, factor=factor, command=fix.solve_command)  # fmt: skip


def _compare_text(advice: CompareAdvice, t: Translator) -> str:
    if advice.same or advice.p80_change.estimate is None:
        return fill(t, ADVICE["compare_none_better"], first=advice.first,
                    p80=_day(advice.first_p80, t))  # fmt: skip
    days = advice.p80_change.estimate
    direction = "earlier" if days < 0 else "later"
    values: dict[str, object] = {"first": advice.first, "best": advice.best,
                                 "days": f"{abs(days):.0f}"}  # fmt: skip
    low, high = advice.p80_change.low, advice.p80_change.high
    if low is not None and high is not None:
        ends = {"low": f"{low:+.0f}", "high": f"{high:+.0f}"}
        move = fill(t, ADVICE[f"compare_{direction}_interval"], **values, **ends)
    else:
        move = fill(t, ADVICE[f"compare_{direction}"], **values)
    change = advice.chance_change
    if change.estimate is None or advice.chance_before is None or advice.chance_after is None:
        return fill(t, ADVICE["compare_done"], move=move)
    chance = {"move": move, "points": t.points(change.estimate),
              "before": t.percent(advice.chance_before),
              "after": t.percent(advice.chance_after)}  # fmt: skip
    if change.low is not None and change.high is not None:
        ends = {"low": t.points(change.low), "high": t.points(change.high)}
        return fill(t, ADVICE["compare_chance_interval"], **chance, **ends)
    return fill(t, ADVICE["compare_chance"], **chance)


def _sweep_text(advice: SweepAdvice, t: Translator) -> str:
    point = advice.point
    values = {
        "n": advice.points,
        "where": ", ".join(f"{k}={v}" for k, v in point.values.items()),
        "p80": _day(point.p80, t),
        "chance": t.percent(point.chance or 0.0),
    }
    if advice.target is not None:  # a --target: named, as given ("go_live": each point's own)
        if advice.meeting == 0:
            return fill(t, ADVICE["sweep_target_none"], target=advice.target, **values)
        return nfill(t, ADVICE_COUNTS["sweep_target_some"], advice.meeting, target=advice.target,
                     **values)  # fmt: skip
    if advice.meeting == 0:
        return fill(t, ADVICE["sweep_none"], **values)
    return nfill(t, ADVICE_COUNTS["sweep_some"], advice.meeting, **values)


def _solve_text(advice: SolveAdvice, t: Translator) -> str:
    solution = advice.solution
    values = {"key": solution.key, "target": repr(solution.target.text)}
    point = solution.value
    if point is None:
        note = t.message(solution.note)
        return fill(t, ADVICE["solve_none"], low=advice.low, high=advice.high, note=note,
                    **values)  # fmt: skip
    chance = "-" if point.stats.prob is None else t.percent(point.stats.prob)
    key = "solve_largest" if solution.direction == "largest" else "solve_smallest"
    return fill(t, ADVICE[key], value=point.text, p80=_day(point.stats.p80, t), chance=chance,
                **values)  # fmt: skip


def row_name(name: str, t: Translator) -> str:
    """A table row's name as people read it: the programme's row (``ALL``, its code name in
    the CSV files and ``--flow``) in ``t``'s language, a flow's or organisation's as given."""
    return fill(t, PROGRAMME_NAME) if name == PROGRAMME else name


def wide_intervals(report: RunReport, max_days: float = 3.5) -> list[str]:
    """Rows whose P80 interval is wider than a week (half-width over ``max_days``): catalogue
    messages (English as ``str``; a terminal message filled with one says it in its language)."""
    return [
        errors.N_(
            "%(name)s (P80 +/- %(days)s days)",
            name=errors.N_(PROGRAMME_NAME) if row.name == PROGRAMME else row.name,
            days=f"{row.p80_halfwidth_days:g}",
        )
        for row in report.rows
        if row.p80_halfwidth_days is not None and row.p80_halfwidth_days > max_days
    ]
