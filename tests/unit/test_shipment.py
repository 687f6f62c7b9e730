"""Shipped media (issue 12 item 2): hand-worked cases, validation, draws.

Units: 1 TB = 10^12 bytes; DAY = 86,400 s. Every scenario starts Monday 2025-07-07 00:00 with no
public holidays. Expected times are worked by hand in the comments (docs/scenario-format.md,
"Shipped media", states the rules).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pytest

from migrasim.analysis.draws import draw_block, inputs_for
from migrasim.core.batch import lone_flows
from migrasim.core.calendar import NEVER
from migrasim.core.engine import simulate
from migrasim.core.solvers.shipment import fill_device
from migrasim.errors import ScenarioError
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario
from tests.helpers import ALL_WEEK, finish, invoke, run, scenario_dict

TB = 1e12
DAY = 86_400.0


def courier(**shipment: Any) -> dict[str, Any]:
    spec = {"capacity": "4 TB", "turnaround": "5 days", "in_flight": 2, **shipment}
    return {"courier": {"shipment": spec}}


def one_flow(volume: str = "10 TB", **flow: Any) -> list[dict[str, Any]]:
    return [{"name": "A", "volume": volume, "links": ["courier"], **flow}]


def test_issue_case_seven_day_calendar() -> None:
    # 10 TB, devices of 4 TB, turnaround 5 days, 2 in flight, every day a working day.
    # Day 0 (Mon 7 Jul 00:00): devices 1 and 2 leave with 4 TB each; 2 TB wait.
    # Day 5 (Sat 12 Jul 00:00): both deliver (8 TB); device 1 leaves at once with the last 2 TB.
    # Day 10 (Thu 17 Jul 00:00): it delivers: 10 TB, complete.
    model, result = run(scenario_dict(courier(), one_flow(), working_days=ALL_WEEK))
    assert finish(model, result, "A") == datetime(2025, 7, 17)
    assert result.flows[0].finished_s == 10 * DAY
    assert result.flows[0].delivered_bytes == 10 * TB
    assert result.flows[0].bottleneck == "courier"
    times, values = result.curves[0]  # type: ignore[index]
    # deliveries are steps: flat until day 5, +8 TB, flat until day 10, +2 TB
    assert list(zip(times, values, strict=True))[1:] == [
        (5 * DAY, 0.0),
        (5 * DAY, 4 * TB),
        (5 * DAY, 4 * TB),
        (5 * DAY, 8 * TB),
        (10 * DAY, 8 * TB),
        (10 * DAY, 10 * TB),
    ]


def test_devices_wait_for_a_working_day() -> None:
    # Mon-Fri calendar: day 0 both devices leave (8 TB), back Sat 12 Jul 00:00, a non-working
    # day; they leave again on Mon 14 Jul 00:00 (day 7) with the last 2 TB; delivered day 12,
    # Sat 19 Jul 00:00 (turnaround is calendar time, deliveries need no working day).
    model, result = run(scenario_dict(courier(), one_flow()))
    assert finish(model, result, "A") == datetime(2025, 7, 19)


def test_departures_only_inside_the_window() -> None:
    # Window 09:00-17:00, Mon-Fri: first departures Mon 7 Jul 09:00 (8 TB), delivered
    # Sat 12 Jul 09:00; next departure Mon 14 Jul 09:00 (2 TB), delivered Sat 19 Jul 09:00.
    links = courier()
    links["courier"]["window"] = "09:00-17:00"
    model, result = run(scenario_dict(links, one_flow()))
    assert finish(model, result, "A") == datetime(2025, 7, 19, 9)


def test_lead_time_delays_the_first_devices() -> None:
    # Lead time 2 weeks on a 7-day calendar: first departures day 14 (Mon 21 Jul), delivered
    # day 19; the last 2 TB leave day 19, delivered day 24 = Thu 31 Jul 00:00.
    links = courier()
    links["courier"]["lead_time"] = "2 weeks"
    model, result = run(scenario_dict(links, one_flow(), working_days=ALL_WEEK))
    assert finish(model, result, "A") == datetime(2025, 7, 31)
    # waiting for the devices (days 0-14) is time the link held the flow at zero; the time it
    # moved it is days 14-24, which is what a flow that moves reports
    assert result.flows[0].limiting_seconds == (("courier", 10 * DAY),)


def test_growth_goes_on_later_shipments_until_cutover() -> None:
    # 10 TB growing 0.3 TB/day, one 4 TB device, turnaround 5 days, 7-day calendar.
    # Day 0: takes 4 TB, 6 TB wait. Day 5: 6 + 5 x 0.3 = 7.5 wait, takes 4, 3.5 left.
    # Day 10: 3.5 + 1.5 = 5 wait, takes 4, 1 left. Day 15: 1 + 1.5 = 2.5 wait, all of it
    # leaves (cutover: the source stops growing). Delivered day 20: 4+4+4+2.5 = 14.5 TB
    # = 10 + 0.3 x 15. Without growth: 4, 4, 2 leave days 0, 5, 10, so day 15.
    data = scenario_dict(courier(in_flight=1), one_flow(growth="0.3 TB/day"), working_days=ALL_WEEK)
    _model, result = run(data)
    assert result.flows[0].finished_s == pytest.approx(20 * DAY, abs=1e-6)
    assert result.flows[0].delivered_bytes == pytest.approx(14.5 * TB, rel=1e-12)
    _, still = run(scenario_dict(courier(in_flight=1), one_flow(), working_days=ALL_WEEK))
    assert still.flows[0].finished_s == 15 * DAY


def test_growth_faster_than_the_devices_never_completes() -> None:
    # One 4 TB device every 5 days ships 0.8 TB/day on average; the source grows 1 TB/day.
    data = scenario_dict(
        courier(in_flight=1),
        one_flow(growth="1 TB/day"),
        working_days=ALL_WEEK,
        horizon="1 year",
    )
    _, result = run(data)
    flow = result.flows[0]
    assert flow.finished_s == NEVER
    assert flow.reason is not None
    assert flow.reason.code.value == "growth"


def test_shared_devices_are_filled_max_min_fairly() -> None:
    # Shared courier, one 4 TB device, turnaround 5 days; A has 6 TB, B 1 TB, both from day 0.
    # Day 0: the device is split max-min: B needs 1 (< 4/2) and takes it, A takes the other 3.
    # Day 5: delivered, B complete; A's last 3 TB leave. Day 10: A complete.
    flows = [
        {"name": "A", "volume": "6 TB", "links": ["courier"]},
        {"name": "B", "volume": "1 TB", "links": ["courier"]},
    ]
    model, result = run(scenario_dict(courier(in_flight=1), flows, working_days=ALL_WEEK))
    assert finish(model, result, "B") == datetime(2025, 7, 12)
    assert finish(model, result, "A") == datetime(2025, 7, 17)


def test_a_flow_joining_later_gets_the_next_idle_device() -> None:
    # Shared courier, 2 devices of 4 TB. A (12 TB) takes both at day 0 (8 TB), 4 TB wait.
    # B (1 TB) starts after... day 2 (start: 2025-07-09): no device is idle until day 5.
    # Day 5: both back; device 1 split max-min: B 1 TB, A 3 TB; device 2 takes A's last 1 TB.
    # Day 10: both deliver: A and B complete.
    flows = [
        {"name": "A", "volume": "12 TB", "links": ["courier"]},
        {"name": "B", "volume": "1 TB", "links": ["courier"], "start": "2025-07-09"},
    ]
    model, result = run(scenario_dict(courier(), flows, working_days=ALL_WEEK))
    assert finish(model, result, "A") == datetime(2025, 7, 17)
    assert finish(model, result, "B") == datetime(2025, 7, 17)


def test_per_flow_devices_are_independent() -> None:
    # per_flow: each flow has its own 2 devices, so each finishes as if alone: day 10.
    links = courier()
    links["courier"]["per_flow"] = True
    flows = [
        {"name": "A", "volume": "10 TB", "links": ["courier"]},
        {"name": "B", "volume": "10 TB", "links": ["courier"]},
    ]
    model, result = run(scenario_dict(links, flows, working_days=ALL_WEEK))
    assert finish(model, result, "A") == datetime(2025, 7, 17)
    assert finish(model, result, "B") == datetime(2025, 7, 17)


def test_bulk_by_courier_then_delta_on_a_capped_link() -> None:
    # The documented two-flow pattern (docs/scenario-format.md, "Shipped media"), 7-day calendar.
    # Bulk: 10 TB, no growth of its own, by courier (2 x 4 TB, 5 days): 8 TB leave day 0, the
    # last 2 TB day 5, delivered day 10. Delta: 1 GB (amended records) plus everything created
    # since the scenario start at 1 GB/day (the rule for any flow's backlog): at day 10 that is
    # 1 + 10 = 11 GB; a 2 GB/day cap spread evenly nets 2 - 1 = 1 GB/day, so 11 days more:
    # day 21 = Mon 28 Jul 00:00.
    links = {**courier(), "capped": {"daily_cap": "2 GB"}}
    flows = [
        {"name": "bulk", "volume": "10 TB", "links": ["courier"]},
        {
            "name": "delta",
            "volume": "1 GB",
            "growth": "1 GB/day",
            "links": ["capped"],
            "after": ["bulk"],
        },
    ]
    _model, result = run(scenario_dict(links, flows, working_days=ALL_WEEK))
    assert result.flows[0].finished_s == 10 * DAY
    assert result.flows[0].delivered_bytes == 10 * TB
    assert result.flows[1].finished_s == pytest.approx(21 * DAY, abs=1e-3)


def test_rejections_are_shipped_again() -> None:
    # 10 TB, 10% rejected, re-sent 1 week after the first pass ends, 7-day calendar.
    # First pass complete day 10 (as in the issue case). Rework: 10 TB x 0.1 / 0.9 = 1.111 TB,
    # leaving day 17 on an idle device, delivered day 22 = Tue 29 Jul 00:00.
    data = scenario_dict(
        courier(),
        one_flow(rejection={"fraction": 0.1, "delay": "1 week"}),
        working_days=ALL_WEEK,
    )
    model, result = run(data)
    assert finish(model, result, "A") == datetime(2025, 7, 29)


def test_fill_device_is_max_min_fair() -> None:
    # 4 units over needs 1, 2, 5: equal share 4/3 > 1, so the first takes 1; 3 left over two
    # flows: 1.5 each, the second needs 2 > 1.5: both take 1.5.
    assert fill_device(4.0, [(0, 5.0), (1, 1.0), (2, 2.0)]) == [(0, 1.5), (1, 1.0), (2, 1.5)]
    assert fill_device(4.0, [(0, 1.0)]) == [(0, 1.0)]


def test_which_shipment_flows_the_batch_path_solves() -> None:
    # a flow alone on its shipment link: the closed form (core/shipment_batch.py); two flows
    # sharing the devices: the event engine
    model = build_model(parse_scenario(scenario_dict(courier(), one_flow())))
    assert lone_flows(model, set()) == [0]
    two = [*one_flow(), {"name": "B", "volume": "1 TB", "links": ["courier"]}]
    model = build_model(parse_scenario(scenario_dict(courier(), two)))
    assert lone_flows(model, set()) == []


def test_uncertain_turnaround_and_lead_time_are_drawn() -> None:
    # 10 TB, 2 x 4 TB devices on a 7-day calendar: a run completes at lead time + 2 turnarounds
    # (8 TB leave at the lead time, the last 2 TB one turnaround later).
    links = courier(turnaround={"low": "3 days", "likely": "5 days", "high": "10 days"})
    links["courier"]["lead_time"] = {"low": "1 week", "likely": "2 weeks", "high": "6 weeks"}
    scenario = parse_scenario(scenario_dict(links, one_flow(), working_days=ALL_WEEK))
    model = build_model(scenario)
    block = draw_block(scenario, model, seed=1, block=0)
    assert block.turnaround is not None
    turnaround = block.turnaround[:, 0]
    assert 3 * DAY <= turnaround.min() < turnaround.max() <= 10 * DAY
    assert np.unique(turnaround).size == turnaround.size  # drawn, not constant
    for row in range(5):
        inputs = inputs_for(model, block, row)
        done = simulate(model, inputs).flows[0].finished_s
        assert done == pytest.approx(block.available[row, 0] + 2 * turnaround[row], abs=1e-6)


def test_cli_runs_a_shipment_scenario(tmp_path: Any) -> None:
    import yaml

    links = courier(turnaround={"low": "3 days", "likely": "5 days", "high": "10 days"})
    data = scenario_dict(links, one_flow(), working_days=ALL_WEEK, replications=50)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    code, _out, err = invoke("run", str(path), "--out", str(tmp_path / "o"), "-n", "50")
    assert code == 0, err


# --- validation ----------------------------------------------------------------------------


def problems(data: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data)
    return str(info.value)


def test_shipment_refuses_network_keys_with_key_paths() -> None:
    links = courier()
    links["courier"].update({"bandwidth": "100 Mbit/s", "daily_cap": "1 GB"})
    text = problems(scenario_dict(links, one_flow()))
    assert "links.courier.bandwidth: does not apply to a shipment link" in text
    assert "links.courier.daily_cap: does not apply to a shipment link" in text
    assert "Fix: remove daily_cap" in text


def test_shipment_in_series_is_refused_with_the_two_flow_pattern() -> None:
    links = {**courier(), "capped": {"daily_cap": "1 GB"}}
    flows = [{"name": "Cardiff", "volume": "10 TB", "links": ["courier", "capped"]}]
    text = problems(scenario_dict(links, flows))
    assert "flows[0].links: shipment link 'courier' must be the only link" in text
    assert "'Cardiff bulk' with links: [courier]" in text
    assert "after: ['Cardiff bulk']" in text


def test_shipment_spec_bounds_and_unknown_keys() -> None:
    text = problems(scenario_dict(courier(in_flight=0, capacity="-1 TB"), one_flow()))
    assert "links.courier.shipment.in_flight: input should be greater than or equal to 1" in text
    assert "links.courier.shipment.capacity: must be > 0, got '-1 TB'" in text
    text = problems(scenario_dict(courier(turnround="5 days"), one_flow()))
    assert "links.courier.shipment.turnround: unknown key" in text
    assert "did you mean 'turnaround'?" in text


def test_shipment_link_cannot_be_a_fallback() -> None:
    links = {
        **courier(),
        "wire": {"bandwidth": "1 Gbit/s", "lead_time": "4 weeks", "fallback": "courier"},
    }
    flows = [{"name": "A", "volume": "10 TB", "links": ["wire"]}]
    text = problems(scenario_dict(links, flows))
    assert "links.wire.fallback: 'courier' is a shipment link" in text


def test_validate_cli_exit_2_for_bad_shipment(tmp_path: Any) -> None:
    import yaml

    links = courier()
    links["courier"]["bandwidth"] = "1 Gbit/s"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(scenario_dict(links, one_flow())))
    code, _, err = invoke("validate", str(path))
    assert code == 2
    assert "links.courier.bandwidth" in err


def test_turnaround_is_in_the_tornado() -> None:
    from migrasim.analysis.sensitivity import swings

    # 10 TB on 2 x 4 TB devices, 7-day calendar: completion = 2 turnarounds (8 TB, then 2 TB).
    # Turnaround 3 / 5 / 10 days -> 6 / 10 / 20 days.
    links = courier(turnaround={"low": "3 days", "likely": "5 days", "high": "10 days"})
    model = build_model(parse_scenario(scenario_dict(links, one_flow(), working_days=ALL_WEEK)))
    baseline, found = swings(model)
    assert baseline == 10 * DAY
    (swing,) = found
    assert swing.key == "links.courier.shipment.turnaround"
    assert (swing.finish_low_s, swing.finish_high_s) == (6 * DAY, 20 * DAY)
