"""Max-min fair sharing by hand: named constraints in, rates and binding constraints out."""

from __future__ import annotations

import pytest

from migrasim.core.capacity import INF, Constraint, max_min_rates


def test_a_bounded_flow_leaves_its_share_to_the_others() -> None:
    # 10 shared three ways; flow 1 is held to 1 by its own link, the other two split 9: 4.5 each.
    rates, binding = max_min_rates([INF, 1.0, INF], [Constraint(10.0, [0, 1, 2], [1, 1, 1])])
    assert rates == pytest.approx([4.5, 1.0, 4.5])
    assert binding == [0, -1, 0]


def test_a_record_limit_weighs_flows_by_records_per_byte() -> None:
    # 6 records/s; flow 0 has 0.5 records per byte, flow 1 has 1: equal rates r, 1.5 r = 6.
    rates, binding = max_min_rates([INF, INF], [Constraint(6.0, [0, 1], [0.5, 1.0])])
    assert rates == pytest.approx([4.0, 4.0])
    assert binding == [0, 0]


def test_the_tightest_constraint_saturates_first() -> None:
    # Constraint 0 (2) holds flow 0 to 2, below the even split of constraint 1 (5 each); flow 1
    # then gets the 8 left on constraint 1.
    shared = [Constraint(2.0, [0], [1.0]), Constraint(10.0, [0, 1], [1.0, 1.0])]
    rates, binding = max_min_rates([INF, INF], shared)
    assert rates == pytest.approx([2.0, 8.0])
    assert binding == [0, 1]


def test_without_shared_constraints_each_flow_runs_at_its_bound() -> None:
    assert max_min_rates([3.0, INF], []) == ([3.0, INF], [-1, -1])
