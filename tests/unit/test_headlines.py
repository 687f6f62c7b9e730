"""The headline's verdict and advice in words, from hand-built records, in English and Welsh."""

from __future__ import annotations

from datetime import date

import pytest

from migrasim.analysis.advice import Fix
from migrasim.analysis.compare import CompareAdvice, Interval
from migrasim.analysis.records import SweepPoint
from migrasim.analysis.sweep import point_target, sweep_advice, sweep_point
from migrasim.errors import ScenarioError
from migrasim.render.headlines import Headline, advice_text, verdict
from migrasim.render.i18n import translator

EN, CY = translator("en"), translator("cy")


def _fix(needed: str | None, factor: float | None, uncertain: bool = True) -> Fix:
    return Fix("links.capped.daily_cap", "daily cap", "capped", "1 GB", needed, factor, "CMD",
               uncertain)  # fmt: skip


def test_a_fix_in_words() -> None:
    # With uncertain inputs the most-likely-inputs value is labelled as such, never the fix.
    assert advice_text(_fix("5 GB", 5.0), EN) == (
        "At the most likely inputs only (every uncertain input at its likely value), the daily "
        "cap of link 'capped' would need 5 GB (today 1 GB, 5.0×) for everything to finish before "
        "go-live; this ignores the uncertainty and is not the fix. For the value that makes "
        "go-live with 80% confidence, run: CMD"
    )
    assert advice_text(_fix("5 GB", 5.0), CY).startswith(
        "Gyda'r mewnbynnau mwyaf tebygol yn unig (pob mewnbwn ansicr ar ei werth tebygol)"
    )
    # Nothing uncertain: the most likely inputs are the inputs, and the value is the fix.
    assert advice_text(_fix("5 GB", 5.0, uncertain=False), EN) == (
        "Raise the daily cap of link 'capped' from 1 GB to 5 GB (5.0×): everything then "
        "finishes before go-live (no input of this scenario is uncertain)."
    )
    assert advice_text(_fix("5 GB", 5.0, uncertain=False), CY).startswith(
        "Codi terfyn dyddiol y cyswllt 'capped' o 1 GB i 5 GB (5.0×): mae popeth wedyn"
    )
    assert "(even to 100 times today's 1 GB)" in advice_text(_fix(None, None), EN)
    already = advice_text(_fix("1 GB", 1.0), EN)
    assert already.startswith("At the most likely inputs everything already finishes")
    assert already.endswith("with 80% confidence, run: CMD")


def test_a_comparison_in_words() -> None:
    advice = CompareAdvice(
        first="a",
        best="b",
        same=False,
        first_p80=date(2026, 3, 2),
        p80_change=Interval(-12.0, -15.0, -9.0),
        chance_before=0.2,
        chance_after=0.65,
        chance_change=Interval(0.45, 0.38, 0.52),
    )
    assert advice_text(advice, EN) == (
        "Move from a to b: the P80 date moves 12 days earlier (95% interval -15 to -9) and the "
        "chance of making go-live goes from 20% to 65% (+45 points; 95% interval +38 to +52)."
    )
    assert advice_text(advice, CY) == (
        "Symud o a i b: mae'r dyddiad P80 yn symud 12 diwrnod yn gynharach (cyfwng 95% -15 i -9) "
        "ac mae'r siawns o gyrraedd y dyddiad mynd yn fyw yn mynd o 20% i 65% (+45 pwynt; cyfwng "
        "95% +38 i +52)."
    )
    same = CompareAdvice("a", "a", True, None, Interval(None, None, None), 0.2, 0.2,
                         Interval(None, None, None))  # fmt: skip
    assert advice_text(same, EN) == (
        "None of the alternatives does better than a (P80 never); see the comparison table."
    )


def _point(
    values: dict[str, str],
    p80: date | None,
    chance: float | None,
    go_live: date | None,
    target: str | None = None,
) -> SweepPoint:
    """A sweep point as the sweep reads it back, judged by ``target`` (default: its P80 before
    its own go-live)."""
    record = {
        "p50": "2026-01-02",
        "p80": "never" if p80 is None else p80.isoformat(),
        "p95": "never",
        "prob_by_go_live": "" if chance is None else chance,
    }
    return sweep_point(values, record, go_live, point_target(target, go_live))  # fmt: skip


def test_a_sweep_in_words() -> None:
    def points(go_live: date | None) -> list[SweepPoint]:
        return [
            _point({"k": "1"}, date(2026, 5, 1), 0.1, go_live),
            _point({"k": "2"}, date(2026, 2, 1), 0.85, go_live),
            _point({"k": "3"}, date(2026, 1, 15), 0.95, go_live),
        ]

    # Go-live 1 March: in time means by 28 February, so points 2 and 3 make it.
    some = sweep_advice(points(date(2026, 3, 1)))
    assert some is not None
    assert advice_text(some, EN) == (
        "2 of the 3 settings swept bring the P80 before go-live; the first is k=2 (P80 "
        "2026-02-01, chance of making go-live 85%)."
    )
    # Go-live 1 January: none makes it; the best chance is point 3's.
    none = sweep_advice(points(date(2026, 1, 1)))
    assert none is not None
    assert advice_text(none, EN) == (
        "None of the 3 settings swept brings the P80 before go-live; the best is k=3 (P80 "
        "2026-01-15, chance of making go-live 95%)."
    )
    assert sweep_advice(points(None)) is None


def test_each_sweep_point_is_judged_by_its_own_go_live() -> None:
    # Issue 18: a swept go-live. The same P80 (1 Feb 2026) meets go-live 2 Feb but not 1 Feb
    # (in time means by the day before); a point without a go-live is not judged.
    p80 = date(2026, 2, 1)
    points = [
        _point({"g": "a"}, p80, 0.0, date(2026, 1, 1)),
        _point({"g": "b"}, p80, 0.0, date(2026, 2, 1)),
        _point({"g": "c"}, p80, 1.0, date(2026, 2, 2)),
        _point({"g": "d"}, None, 0.0, date(2027, 1, 1)),
        _point({"g": "e"}, p80, None, None),
    ]
    assert [p.meets for p in points] == [False, False, True, False, None]
    assert [p.target for p in points] == [
        "P80 < 2026-01-01", "P80 < 2026-02-01", "P80 < 2026-02-02", "P80 < 2027-01-01", None
    ]  # fmt: skip
    advice = sweep_advice(points)
    assert advice is not None
    assert (advice.points, advice.meeting, advice.point.values) == (5, 1, {"g": "c"})


def test_a_sweep_target_names_each_points_own_go_live() -> None:
    # P95 'never' misses any go-live; a chance target compares the point's chance (by its own
    # go-live); a dated target needs no go-live.
    late = _point({"k": "1"}, date(2026, 1, 1), 0.5, date(2026, 3, 1), "P95 < go_live")
    assert (late.target, late.meets) == ("P95 < 2026-03-01", False)
    sure = _point({"k": "2"}, date(2026, 1, 1), 0.9, date(2026, 3, 1), "prob_by_go_live >= 0.9")
    assert (sure.target, sure.meets) == ("prob_by_go_live >= 0.9", True)
    dated = _point({"k": "3"}, date(2026, 1, 1), None, None, "P50 <= 2026-01-02")
    assert (dated.target, dated.meets) == ("P50 <= 2026-01-02", True)
    advice = sweep_advice([late, sure], "prob_by_go_live >= 0.9")
    assert advice is not None
    assert advice_text(advice, EN) == (
        "1 of the 2 settings swept meets the target prob_by_go_live >= 0.9: k=2 (P80 "
        "2026-01-01, chance of making go-live 90%)."
    )
    with pytest.raises(ScenarioError, match="go_live"):
        point_target("P80 < go_live", None)


def test_a_saved_sweep_point_read_back_as_a_record() -> None:
    record = {"k": "1", "p50": "2026-01-02", "p80": "never", "p95": "never",
              "prob_by_go_live": 0.25, "prob_ci_low": 0.2, "prob_ci_high": 0.3,
              "replications": 50}  # fmt: skip
    point = sweep_point({"k": "1"}, record)
    assert point == SweepPoint({"k": "1"}, None, 0.25, date(2026, 1, 2), None, (0.2, 0.3), 50)
    no_go_live = sweep_point({"k": "1"}, {**record, "prob_by_go_live": "", "prob_ci_low": ""})
    assert no_go_live.chance is None
    assert no_go_live.chance_ci is None


def _headline(in_time: bool | None, chance: float | None) -> Headline:
    go_live = None if in_time is None else date(2026, 3, 1)
    return Headline(in_time, go_live, None, None, None, chance, None, "capped")


@pytest.mark.parametrize(
    ("in_time", "chance", "expected"),
    [
        (True, 0.85, "yes"),  # P80 in time and on track (80% or more)
        (True, None, "yes"),  # deterministic: in time
        (True, 0.5, "risk"),  # P80 in time, but only a 50% chance
        (False, 0.3, "no"),  # P80 late and under a half
        (False, 0.6, "risk"),  # P80 late, but a better than even chance
        (False, None, "no"),
        (None, None, "none"),  # no go-live
    ],
)
def test_the_verdict(in_time: bool | None, chance: float | None, expected: str) -> None:
    assert verdict(_headline(in_time, chance)) == expected
