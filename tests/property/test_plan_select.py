"""The plan's selection programme against brute force on small random cases: every
combination of choices tried, the cheapest that meets the target on the same draws."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from migrasim.analysis.plan import Choice, needed, select

CREW = "hard-wire"


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[list[Choice]], dict[str, int], int]:
    replications = draw(st.integers(5, 12))
    organisations = draw(st.integers(1, 4))
    capacity = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    choices = []
    for _ in range(organisations):
        base = rng.random(replications) < rng.uniform(0.0, 1.0)
        org = [Choice((), (), 0.0, base, float(rng.integers(100, 400)))]
        for k in range(draw(st.integers(0, 3))):
            better = base | (rng.random(replications) < rng.uniform(0.3, 1.0))
            cost = float(rng.integers(1, 6) * 10)
            if k == 0:  # a crewed option, one choice per slot: a later slot saves less
                for slot in (1, 2):
                    late = better & (rng.random(replications) < (1.0 if slot == 1 else 0.7))
                    org.append(Choice((CREW,), ((CREW, slot),), cost, late | base, 50.0 + slot))
            else:
                org.append(Choice((f"o{k}",), (), cost, better, 60.0 - k))
        choices.append(org)
    return choices, {CREW: capacity}, replications


def _within_crews(choices: list[list[Choice]], crews: dict[str, int]) -> Iterator[list[Choice]]:
    """Every combination of one choice per organisation that no crew's slot overfills."""
    for combo in itertools.product(*(range(len(org)) for org in choices)):
        picked = [choices[o][c] for o, c in enumerate(combo)]
        used: dict[tuple[str, int], int] = {}
        for choice in picked:
            for slot in choice.slots:
                used[slot] = used.get(slot, 0) + 1
        if all(n <= crews[s[0]] for s, n in used.items()):
            yield picked


def _brute(
    choices: list[list[Choice]], crews: dict[str, int], alpha: float, budget: float | None,
    joint: bool,
) -> tuple[int, float] | None:  # fmt: skip
    """(organisations in time, cost) of the best plan by enumeration; None: none reaches it."""
    replications = len(choices[0][0].in_time)
    need = needed(alpha, replications)
    best: tuple[int, float] | None = None
    for picked in _within_crews(choices, crews):
        cost = sum(choice.cost for choice in picked)
        if budget is not None and cost > budget:
            continue
        if joint:
            together = np.logical_and.reduce([choice.in_time for choice in picked])
            if together.sum() < need:
                continue
            count = len(choices)
        else:
            count = sum(int(choice.in_time.sum()) >= need for choice in picked)
        key = (-count, cost)
        if best is None or key < (-best[0], best[1]):
            best = (count, cost)
    return best


@settings(max_examples=150, deadline=None)
@given(problems(), st.sampled_from([0.5, 0.8, 0.95]), st.one_of(st.none(), st.integers(0, 120)))
def test_the_plan_is_the_best_combination_on_the_draws(
    problem: tuple[list[list[Choice]], dict[str, int], int], alpha: float, budget: int | None
) -> None:
    choices, crews, _ = problem
    found = select(choices, crews, alpha, None if budget is None else float(budget))
    expected = _brute(choices, crews, alpha, None if budget is None else float(budget), False)
    assert found is not None
    assert expected is not None
    assert (found.in_time, found.cost) == (expected[0], expected[1])
    used: dict[tuple[str, int], int] = {}
    for o, c in enumerate(found.chosen):
        for slot in choices[o][c].slots:
            used[slot] = used.get(slot, 0) + 1
    assert all(n <= crews[s[0]] for s, n in used.items())


@settings(max_examples=80, deadline=None)
@given(problems(), st.sampled_from([0.5, 0.8]))
def test_the_joint_chance_plan_is_the_cheapest_that_reaches_it(
    problem: tuple[list[list[Choice]], dict[str, int], int], alpha: float
) -> None:
    choices, crews, replications = problem
    found = select(choices, crews, alpha, joint=True)
    expected = _brute(choices, crews, alpha, None, True)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert found.cost == expected[1]
        assert found.joint_chance * replications >= needed(alpha, replications)


@settings(max_examples=60, deadline=None)
@given(problems(), st.integers(0, 100), st.integers(0, 100))
def test_more_budget_never_puts_fewer_organisations_in_time(
    problem: tuple[list[list[Choice]], dict[str, int], int], low: int, more: int
) -> None:
    choices, crews, _ = problem
    small = select(choices, crews, 0.8, float(low))
    large = select(choices, crews, 0.8, float(low + more))
    assert small is not None
    assert large is not None
    assert large.in_time >= small.in_time


def test_a_crew_installs_first_where_the_most_days_are_saved() -> None:
    """Two organisations, one crew place per slot: both make go-live only when wired, the
    one with the later deadline can wait for slot 2; the tie-break gives slot 1 to the one
    with the most days to save."""
    yes, no = np.ones(10, bool), np.zeros(10, bool)
    urgent = [Choice((), (), 0, no, 400), Choice((CREW,), ((CREW, 1),), 10, yes, 100),
              Choice((CREW,), ((CREW, 2),), 10, no, 130)]  # fmt: skip
    relaxed = [Choice((), (), 0, no, 300), Choice((CREW,), ((CREW, 1),), 10, yes, 100),
               Choice((CREW,), ((CREW, 2),), 10, yes, 130)]  # fmt: skip
    found = select([relaxed, urgent], {CREW: 1}, 0.8)
    assert found is not None
    assert found.chosen == (2, 1)
    assert found.cost == 20
    assert found.in_time == 2


def test_a_cheaper_never_slower_option_is_never_passed_over() -> None:
    draws = np.array([True] * 9 + [False])
    org = [Choice((), (), 0, np.zeros(10, bool), 500), Choice(("disks",), (), 30, draws, 90),
           Choice(("wire",), (), 40, draws, 95)]  # fmt: skip
    found = select([org], {}, 0.8)
    assert found is not None
    assert found.chosen == (1,)
    assert found.cost == 30


@settings(max_examples=80, deadline=None)
@given(problems(), st.sampled_from([0.5, 0.8]), st.integers(0, 4))
def test_the_frontier_point_is_the_cheapest_with_that_many_in_time(
    problem: tuple[list[list[Choice]], dict[str, int], int], alpha: float, k: int
) -> None:
    """select(at_least=k): the cheapest plan with at least k organisations in time (the
    frontier's points), by enumeration."""
    choices, crews, replications = problem
    need = needed(alpha, replications)
    cheapest = None
    for picked in _within_crews(choices, crews):
        if sum(int(c.in_time.sum()) >= need for c in picked) >= k:
            cost = sum(c.cost for c in picked)
            cheapest = cost if cheapest is None else min(cheapest, cost)
    found = select(choices, crews, alpha, at_least=k)
    if cheapest is None:
        assert found is None
    else:
        assert found is not None
        assert found.cost == cheapest
        assert found.in_time >= k


def test_when_the_crew_cannot_reach_everyone_the_most_are_put_in_time() -> None:
    """Three organisations each in time only when wired, one crew place in each of two slots:
    everyone cannot be (the programme with only in-time choices is infeasible), so the plan
    puts two in time, at the least cost (found by hypothesis: select returned None)."""
    yes, no = np.ones(6, bool), np.zeros(6, bool)
    orgs = [
        [Choice((), (), 0, no, 300), Choice((CREW,), ((CREW, 1),), cost, yes, 50),
         Choice((CREW,), ((CREW, 2),), cost, yes, 52)]
        for cost in (20, 50, 40)
    ]  # fmt: skip
    found = select(orgs, {CREW: 1}, 0.8)
    assert found is not None
    assert found.in_time == 2
    assert found.cost == 60
