"""The headline's advice for a comparison and a sweep, in English and Welsh, from records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from migrasim.analysis.records import SweepPoint
from migrasim.core.rules import in_time, percent_text


def _day(day: date | None) -> str:
    return "never" if day is None else day.isoformat()


def sweep_advice(
    points: Sequence[SweepPoint], go_live: date | None
) -> tuple[str | None, str | None]:
    """The sweep's answer: the first point (in grid order) whose P80 is before go-live; else
    the point with the best chance."""
    if go_live is None or not points:
        return None, None

    def where(point: SweepPoint) -> str:
        return ", ".join(f"{k}={v}" for k, v in point.values.items())

    meets = [p for p in points if in_time(p.p80, go_live)]
    n = len(points)
    if not meets:
        best = max(points, key=lambda p: p.chance or 0.0)
        chance = percent_text(best.chance or 0.0)
        p80 = _day(best.p80)
        return (
            f"None of the {n} settings swept brings the P80 before go-live; the best "
            f"is {where(best)} (P80 {p80}, chance of making go-live {chance}).",
            f"Nid oes yr un o'r {n} gosodiad a amrywiwyd yn dod â'r P80 cyn y dyddiad "
            f"mynd yn fyw; y gorau yw {where(best)} (P80 {p80}, siawns {chance}).",
        )
    first = meets[0]
    chance = percent_text(first.chance or 0.0)
    p80 = _day(first.p80)
    return (
        f"{len(meets)} of the {n} settings swept bring the P80 before go-live; the "
        f"first is {where(first)} (P80 {p80}, chance of making go-live {chance}).",
        f"Mae {len(meets)} o'r {n} gosodiad a amrywiwyd yn dod â'r P80 cyn y dyddiad "
        f"mynd yn fyw; y cyntaf yw {where(first)} (P80 {p80}, siawns {chance}).",
    )


def _interval(low: Any, high: Any, scale: float = 1.0) -> str:
    """' (95% interval -130 to -110)', or '' when there is none."""
    if low == "" or high == "":
        return ""
    return f" (95% interval {float(low) * scale:+.0f} to {float(high) * scale:+.0f})"


def compare_advice(
    first: Mapping[str, Any], best: Mapping[str, Any], best_label: str, same: bool
) -> tuple[str, str]:
    """What moving from the first scenario to the best one changes, with the paired
    intervals. ``first`` and ``best`` are the programme's rows of ``compare_rows``; ``same``
    when the first scenario is the best."""
    if same:
        return (
            f"None of the alternatives does better than {first['scenario']} (P80 "
            f"{first['p80']}); see the comparison table.",
            f"Nid oes yr un o'r dewisiadau eraill yn well na {first['scenario']} (P80 "
            f"{first['p80']}); gweler y tabl cymharu.",
        )
    days = float(best["p80_diff_days"])
    interval = _interval(best["p80_diff_ci_low"], best["p80_diff_ci_high"])
    fix = (f"Move from {first['scenario']} to {best_label}: the P80 date moves {abs(days):.0f} "
           f"days {'earlier' if days < 0 else 'later'}{interval}")  # fmt: skip
    fix_cy = (f"Symud o {first['scenario']} i {best_label}: mae'r dyddiad P80 yn symud "
              f"{abs(days):.0f} diwrnod {'yn gynharach' if days < 0 else 'yn hwyrach'}"
              f"{interval.replace('interval', 'cyfwng').replace(' to ', ' i ')}")  # fmt: skip
    if best.get("prob_diff", "") != "":
        points = f"{100 * float(best['prob_diff']):+.0f}"
        within = _interval(best["prob_diff_ci_low"], best["prob_diff_ci_high"], 100.0)
        within = within.strip(" ()")
        before = percent_text(float(first["prob_by_go_live"]))
        after = percent_text(float(best["prob_by_go_live"]))
        fix += (f" and the chance of making go-live goes from {before} to {after} "
                f"({points} points" + (f"; {within})" if within else ")"))  # fmt: skip
        within_cy = within.replace("interval", "cyfwng").replace(" to ", " i ")
        fix_cy += (f" ac mae'r siawns o gyrraedd y dyddiad mynd yn fyw yn mynd o "
                   f"{before} i {after} ({points} pwynt"
                   + (f"; {within_cy})" if within_cy else ")"))  # fmt: skip
    return fix + ".", fix_cy + "."
