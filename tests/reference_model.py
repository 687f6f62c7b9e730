"""A deliberately simple reference model of migrasim's rules, for differential tests.

Independent of the engine, ``capacity`` and ``calendar`` in ``migrasim.core``: it reads the
parsed :class:`~migrasim.scenario.types.Scenario` and works out everything else here, in the most
direct way, with none of the engine's machinery (no SimPy, no components, no week cache, no
jumps, no capacity curves).

How it works
------------
Time moves on a fixed grid of ``step_s`` seconds (default 15 minutes) from the scenario start.
Every window opens and closes on a grid point (the model checks this and refuses a scenario that
breaks it), so within one step every link is either open or closed throughout. Inside a step
the rates are constant *until something happens*: a flow completes, a flow becomes ready (its
start time, the completion of the flows it waits for, or the end of its rejections' delay), a
link's daily quota runs out, or a planned outage begins or ends. The step is then split at that
instant and the rates worked out afresh. Splitting is what makes the model exact (up to
floating point) rather than right to within a step: a fixed step that ignored such instants
would be off by up to a step per event, and a completion that slips past a window's close moves
by a whole day, so a plain fixed-step model could not be compared with the engine to within
minutes.

Rules, as docs/semantics.md and docs/scenario-format.md ("Semantics", "Risk semantics") state them
--------------------------------------------------------------------------------------------------
* A working day is a ``working_days`` weekday that is not a bank holiday (``holidays`` library,
  as documented) and not in ``closures``.
* A window belongs to the working day on which it opens and runs to its close, past midnight if
  it crosses it. No window means 00:00-24:00. Times are local (``scenario.timezone``); the model
  counts real elapsed seconds.
* Open rate: ``bandwidth x efficiency``; for a cap-only link, ``daily_cap / window length``.
* ``daily_cap`` with ``bandwidth``: a quota per window. The link (each per-flow copy, or the one
  shared link) moves at most ``daily_cap`` bytes in a window, then nothing until the next one.
* ``daily_cap_by_weekday`` is a daily cap whose size is that of the weekday the window opens
  on (0 for a weekday left out: such a window moves nothing); every rule above and below that
  reads a daily cap reads the window's size.
* A cap-only link on a path with another link that limits the rate (a ``bandwidth`` or a
  ``records_rate``; every path through it, for a shared link) is a quota per window too, with
  no rate of its own: the other links set the rate until the window's quota is used. A cap-only
  link that is the only limit on a path spreads its quota evenly (the open rate above).
* Records: a flow's bytes per record is ``volume / records``. ``records_rate`` is records per
  second while the window is open; ``daily_records`` is spread evenly over the window
  (``daily_records / window length`` records per second, like a cap-only link). A record limit
  becomes a byte limit for each flow: flow ``f`` at byte rate ``r_f`` uses ``r_f / bpr_f``
  records per second, so a shared link's record capacity is the constraint
  ``sum(r_f / bpr_f) <= capacity``, shared max-min fairly in bytes (equal byte rates).
* Outages (planned ones, the only ones a baseline has): a link that is down moves nothing, in
  or out of its window; its quota is not used while it is down, and work resumes when it is up.
  A bare date is the whole day. Every copy of a per-flow link is down together.
* Every link on a flow's path limits it. Rates are max-min fair (water-filling, textbook
  bottleneck algorithm): each per-flow link copy is a constraint with one member, each shared
  link a constraint with all of its active flows.
* A flow is ready at ``max(scenario start, its start, completion of every flow in after)``.
* Growth adds ``growth`` bytes per calendar day continuously from the scenario start (the model
  keeps it in bytes per second, as the scenario parser gives it): a flow that starts at ``t``
  has ``volume + growth x t`` to move, and its backlog keeps growing while it moves; a pass
  ends when the backlog first reaches zero (never, if growth outpaces the rate).
* Rejection: when the first pass ends (``T1``, having moved ``V1 = volume + growth x T1``),
  ``fraction / (1 - fraction) x V1`` waits ``delay`` (the flow moves nothing meanwhile) and is
  then re-sent over the same path, plus the growth since ``T1``; the flow completes when that
  second backlog first reaches zero. A flow without rejections completes at ``T1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from migrasim.scenario.types import Scenario

STEP_S = 900.0
"""Default grid step. Any divisor of 1800 s works for windows on whole and half hours."""

_SUBDIVISIONS = {"wales": "WLS", "england": "ENG", "scotland": "SCT", "northern_ireland": "NIR"}
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_TIME_EPS = 1e-9  # seconds: instants closer than this are the same instant


def _byte_tol(amount: float) -> float:
    return 1e-3 + 1e-12 * amount


@dataclass(frozen=True)
class RefLink:
    name: str
    per_flow: bool
    bandwidth_rate: float | None  # bandwidth x efficiency in bytes/s, None for cap only
    cap: float | None  # bytes per window, None without a daily cap
    windows: tuple[tuple[float, float], ...]  # (open, close) seconds since start, sorted
    records_rate: float | None = None  # records/s while open, None without
    daily_records: float | None = None  # records per window, spread over it; None without
    down: tuple[tuple[float, float], ...] = ()  # planned outages, seconds since start
    caps: tuple[float, ...] | None = None  # per window (daily_cap_by_weekday), else None

    @property
    def capped(self) -> bool:
        return self.cap is not None or self.caps is not None

    def window_cap(self, window: int) -> float | None:
        """The bytes window ``window`` may move, None without a daily cap."""
        return self.caps[window] if self.caps is not None else self.cap

    def open_rate(self, window: int) -> float | None:
        """Bytes/s while window ``window`` is open, None if the link sets no byte rate."""
        if self.bandwidth_rate is not None:
            return self.bandwidth_rate
        cap = self.window_cap(window)
        if cap is None:
            return None
        opens, closes = self.windows[window]
        return cap / (closes - opens)

    def open_records_rate(self, window: int) -> float | None:
        """Records/s while window ``window`` is open (the tighter of the two limits), or None."""
        rates = []
        if self.records_rate is not None:
            rates.append(self.records_rate)
        if self.daily_records is not None:
            opens, closes = self.windows[window]
            rates.append(self.daily_records / (closes - opens))
        return min(rates) if rates else None

    def is_down(self, t: float) -> bool:
        return any(a <= t + _TIME_EPS and t + _TIME_EPS < b for a, b in self.down)


@dataclass(frozen=True)
class RefResult:
    names: tuple[str, ...]
    started: tuple[float | None, ...]
    finished: tuple[float | None, ...]
    delivered: tuple[float, ...]  # bytes delivered by the end of the run, every pass
    # per flow, link name -> seconds it bound the flow (docs/semantics.md, "Bottleneck"): it
    # was a bottleneck of the flow's positive max-min rate (saturated, the flow at its top
    # rate), held the flow at zero with its quota spent (window open, quota used up), or was
    # the only link on its path and held it at zero
    binding: tuple[dict[str, float], ...] = ()
    # per flow: some step had two or more such links at once (a tie the engine breaks by path
    # order), so its binding seconds are not comparable link by link
    tied: tuple[bool, ...] = ()
    first_pass: tuple[float | None, ...] = ()  # per flow: when its first pass ended


# --- calendar ------------------------------------------------------------------------------------


def seconds_since_start(scenario: Scenario, local: datetime) -> float:
    """Real seconds from the scenario start to the naive local time ``local``."""
    tz = ZoneInfo(scenario.timezone)
    return local.replace(tzinfo=tz).timestamp() - scenario.start.replace(tzinfo=tz).timestamp()


def non_working_dates(scenario: Scenario, first: date, last: date) -> set[date]:
    spec = scenario.calendar
    closed: set[date] = set()
    if spec.holidays != "none":
        years = list(range(first.year, last.year + 1))
        region = _SUBDIVISIONS[spec.holidays]
        with_substitutes = holidays_lib.country_holidays("GB", subdiv=region, years=years)
        actual = holidays_lib.country_holidays("GB", subdiv=region, years=years, observed=False)
        if spec.weekend_holidays == "actual":
            closed.update(actual)
        elif spec.weekend_holidays == "both":
            closed.update(with_substitutes)
        else:  # the substitute weekday is the holiday, not the weekend day it stands in for
            for day, name in with_substitutes.items():
                later = [day + timedelta(days=k) for k in (1, 2, 3)]
                substituted = day.weekday() >= 5 and any(
                    other.startswith(f"{name} (")  # "Boxing Day (observed)"
                    for d in later
                    for other in with_substitutes.get_list(d)
                )
                if not substituted:
                    closed.add(day)
    for lo, hi in spec.closures:
        day = lo
        while day <= hi:
            closed.add(day)
            day += timedelta(days=1)
    return closed


def working_days(scenario: Scenario, first: date, last: date) -> list[date]:
    """The working days from ``first`` to ``last`` inclusive."""
    closed = non_working_dates(scenario, first, last)
    worked = set(scenario.calendar.working_days)
    days = []
    day = first
    while day <= last:
        if _DAY_NAMES[day.weekday()] in worked and day not in closed:
            days.append(day)
        day += timedelta(days=1)
    return days


def link_windows(scenario: Scenario, name: str, until_s: float) -> list[tuple[float, float]]:
    """``(open, close)`` seconds since start of every window of link ``name`` that opens on a
    working day from the day before the start until ``until_s`` (and a couple of days more)."""
    return [span for span, _ in _windows(scenario, name, until_s)]


def _windows(
    scenario: Scenario, name: str, until_s: float
) -> list[tuple[tuple[float, float], date]]:
    """:func:`link_windows` with the day each window opens on."""
    window = scenario.links[name].window
    open_s, close_s = window if window is not None else (0, 86400)
    first = scenario.start.date() - timedelta(days=1)
    last = (scenario.start + timedelta(seconds=until_s)).date() + timedelta(days=2)
    result = []
    for day in working_days(scenario, first, last):
        midnight = datetime.combine(day, time())
        opens = midnight + timedelta(seconds=open_s)
        # crosses midnight when it closes at or before its opening time of day
        closes = midnight + timedelta(seconds=close_s, days=0 if close_s > open_s else 1)
        span = (seconds_since_start(scenario, opens), seconds_since_start(scenario, closes))
        result.append((span, day))
    return result


def planned_outages(scenario: Scenario, name: str) -> tuple[tuple[float, float], ...]:
    """Link ``name``'s planned outages as ``(down, up)`` seconds since start, merged."""
    outages = scenario.links[name].outages
    spans = sorted(
        (seconds_since_start(scenario, lo), seconds_since_start(scenario, hi))
        for lo, hi in (outages.planned if outages is not None else ())
    )
    merged: list[tuple[float, float]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        elif b > a:
            merged.append((a, b))
    return tuple(merged)


def compile_links(scenario: Scenario, until_s: float) -> list[RefLink]:
    links = []
    for name, spec in scenario.links.items():
        rate = None if spec.bandwidth is None else spec.bandwidth * spec.efficiency
        windows = _windows(scenario, name, until_s)
        by_weekday = spec.profiles.get(WEEKDAY_CAP)  # bytes Mon..Sun, 0 for a day left out
        links.append(
            RefLink(
                name,
                spec.per_flow,
                rate,
                spec.daily_cap,
                tuple(span for span, _ in windows),
                None if spec.records_rate is None else float(spec.records_rate),
                None if spec.daily_records is None else float(spec.daily_records),
                planned_outages(scenario, name),
                None
                if by_weekday is None
                else tuple(float(by_weekday[day.weekday()]) for _, day in windows),
            )
        )
    return links


# --- sharing -------------------------------------------------------------------------------------


def max_min_fair(constraints: dict[object, tuple[float, dict[int, float]]]) -> dict[int, float]:
    """Max-min fair rates by the bottleneck algorithm, with weights.

    ``constraints[key] = (capacity, {flow: weight})``: ``sum(weight x rate) <= capacity``
    (weight 1 for a byte limit; records per byte for a record limit). Repeatedly take the
    constraint with the smallest fair level (capacity left / weights of its flows not yet
    fixed), give each of those flows that level, and take it off every constraint they cross.
    """
    member_of: dict[int, list[object]] = {}
    left = {key: cap for key, (cap, _) in constraints.items()}
    for key, (_, flows) in constraints.items():
        for f in flows:
            member_of.setdefault(f, []).append(key)
    rates: dict[int, float] = {}
    while len(rates) < len(member_of):
        best_share, best_flows = math.inf, []
        for key, (_, flows) in constraints.items():
            unfixed = [f for f in flows if f not in rates]
            weight = sum(flows[f] for f in unfixed)
            if unfixed:
                share = max(left[key], 0.0) / weight
                if share < best_share:
                    best_share, best_flows = share, unfixed
        if not best_flows:  # only unbounded constraints left: cannot happen on a valid path
            raise ValueError("a flow with no finite limit on its path")
        for f in best_flows:
            rates[f] = best_share
            for key in member_of[f]:
                left[key] -= best_share * constraints[key][1][f]
    return rates


# --- the run -------------------------------------------------------------------------------------


def _check_on_grid(links: list[RefLink], step_s: float, horizon: float) -> None:
    for link in links:
        for opens, closes in link.windows:
            if opens > horizon + 2 * 86400:
                break
            for moment in (opens, closes):
                if abs(moment / step_s - round(moment / step_s)) > 1e-6:
                    raise ValueError(
                        f"link {link.name}: window boundary {moment} s is off the {step_s} s grid"
                    )


WEEKDAY_CAP = "daily_cap_by_weekday"

_MODELLED_LINK_KEYS = {
    "daily_cap",
    "bandwidth",
    "efficiency",
    "window",
    "per_flow",
    "description",
    "records_rate",
    "daily_records",
    "outages",
}
_MODELLED_FLOW_KEYS = {
    "name",
    "source",
    "target",
    "volume",
    "links",
    "after",
    "start",
    "description",
    "growth",
    "records",
    "rejection",
    "organisation",
    "go_live",
}


def _plain(value: object) -> bool:
    return value is None or isinstance(value, (int, float))


def _check_modelled(scenario: Scenario) -> None:
    """Refuse what the reference does not model (estimates, random outages, lead times,
    fallbacks, shipped media)."""
    for name, link in scenario.links.items():
        extra = link.model_fields_set - _MODELLED_LINK_KEYS
        if set(link.limits) <= {WEEKDAY_CAP} and set(link.profiles) <= {WEEKDAY_CAP}:
            extra -= {"limits", "profiles"}  # the per-weekday cap, a registered rule
        if extra:
            raise NotImplementedError(f"link {name}: the reference does not model {sorted(extra)}")
        for key in ("daily_cap", "bandwidth", "efficiency", "records_rate", "daily_records"):
            if not _plain(getattr(link, key)):
                raise NotImplementedError(f"link {name}.{key}: only plain numbers are modelled")
        if link.outages is not None and link.outages.mtbf is not None:
            raise NotImplementedError(f"link {name}: only planned outages are modelled")
    for flow in scenario.flows:
        extra = flow.model_fields_set - _MODELLED_FLOW_KEYS
        if extra:
            raise NotImplementedError(f"{flow.label}: the reference does not model {sorted(extra)}")
        plain = [flow.volume, flow.growth]
        if flow.rejection is not None:
            plain += [flow.rejection.fraction, flow.rejection.delay]
        if not all(_plain(v) for v in plain):
            raise NotImplementedError(f"{flow.label}: only plain numbers are modelled")


class _Flows:
    """Each flow's passes: when it is ready, what each pass must move, when it is done."""

    def __init__(self, scenario: Scenario) -> None:
        flows = scenario.flows
        self.names = tuple(flow.label for flow in flows)
        n = len(flows)
        self.volume = [float(flow.volume) for flow in flows]
        self.growth = [float(flow.growth or 0.0) for flow in flows]  # bytes/s
        self.bytes_per_record = [
            None if flow.records is None else float(flow.volume) / float(flow.records)
            for flow in flows
        ]
        self.fraction = [0.0 if f.rejection is None else float(f.rejection.fraction) for f in flows]
        self.delay = [
            0.0 if f.rejection is None else float(f.rejection.delay or 0.0) for f in flows
        ]
        self.after = [[self.names.index(d) for d in flow.after] for flow in flows]
        self.earliest = [
            0.0 if flow.start is None else max(0.0, seconds_since_start(scenario, flow.start))
            for flow in flows
        ]
        self.started: list[float | None] = [None] * n
        self.first_pass: list[float | None] = [None] * n
        self.finished: list[float | None] = [None] * n
        self.resend_at: list[float | None] = [None] * n  # when the re-send may start
        self.moving = [False] * n  # in a pass now
        self.remaining = [0.0] * n  # backlog of the pass in progress
        self.delivered = [0.0] * n  # every pass

    def ready_time(self, f: int) -> float | None:
        """When flow ``f``'s next pass may start (None: not known yet, or nothing left)."""
        if self.finished[f] is not None or self.moving[f]:
            return None
        if self.started[f] is not None:  # between the passes
            return self.resend_at[f]
        deps = [self.finished[d] for d in self.after[f]]
        if any(d is None for d in deps):
            return None
        return max([self.earliest[f], *(d for d in deps if d is not None)])

    def begin(self, f: int, t: float) -> None:
        """Start the next pass of flow ``f`` at ``t``."""
        self.moving[f] = True
        if self.started[f] is None:  # the first pass: the volume and the growth since start
            self.started[f] = t
            self.remaining[f] = self.volume[f] + self.growth[f] * t
        else:  # the re-send: the rejected part and the growth since the first pass ended
            first_end = self.first_pass[f]
            assert first_end is not None
            first = self.volume[f] + self.growth[f] * first_end
            rework = first * self.fraction[f] / (1.0 - self.fraction[f])
            self.remaining[f] = rework + self.growth[f] * (t - first_end)

    def end_pass(self, f: int, t: float) -> None:
        self.moving[f] = False
        self.remaining[f] = 0.0
        if self.first_pass[f] is None:
            self.first_pass[f] = t
            if self.fraction[f] > 0:
                self.resend_at[f] = t + self.delay[f]
                return
        self.finished[f] = t


def run_reference(scenario: Scenario, step_s: float = STEP_S) -> RefResult:
    """Simulate ``scenario`` with the reference rules; returns start and finish times."""
    _check_modelled(scenario)
    horizon = float(scenario.horizon)
    links = compile_links(scenario, horizon)
    _check_on_grid(links, step_s, horizon)
    link_index = {link.name: i for i, link in enumerate(links)}
    fl = _Flows(scenario)
    n = len(fl.names)
    paths = [[link_index[name] for name in flow.links] for flow in scenario.flows]
    outage_edges = sorted({x for link in links for span in link.down for x in span})

    quota: dict[tuple[int, int], tuple[int, float]] = {}  # instance -> (window, bytes used)
    cursor = [0] * len(links)  # first window of each link that has not closed yet
    binding: list[dict[str, float]] = [{} for _ in range(n)]
    tied = [False] * n

    def open_window(link: int, t: float) -> int:
        """Index of the window of ``link`` open at ``t`` (constant until the next grid point)."""
        windows = links[link].windows
        while cursor[link] < len(windows) and windows[cursor[link]][1] <= t + _TIME_EPS:
            cursor[link] += 1
        k = cursor[link]
        if k < len(windows) and windows[k][0] <= t + _TIME_EPS:
            return k
        return -1

    def instance(link: int, f: int) -> tuple[int, int]:
        return (link, f) if links[link].per_flow else (link, -1)

    def limits_rate(link: RefLink) -> bool:
        return link.bandwidth_rate is not None or link.records_rate is not None

    def quota_only(key: tuple[int, int]) -> bool:
        link = links[key[0]]
        if not link.capped or link.bandwidth_rate is not None:
            return False
        users = [f for f in range(n) if key[0] in paths[f] and (key[1] in (-1, f))]
        return all(
            any(other != key[0] and limits_rate(links[other]) for other in paths[f]) for f in users
        )

    def is_quota(key: tuple[int, int]) -> bool:
        spec = links[key[0]]
        return spec.capped and (spec.bandwidth_rate is not None or quota_only(key))

    t = 0.0
    while t < horizon:
        for f in range(n):
            ready = fl.ready_time(f)
            if ready is not None and ready <= t + _TIME_EPS:
                fl.begin(f, ready)
        active = [f for f in range(n) if fl.moving[f]]
        waiting = [r for f in range(n) if (r := fl.ready_time(f)) is not None]
        if not active:
            if not waiting:
                break
            t = min(waiting)
            continue

        # capacity of every link instance in use, for the rest of this grid step
        # (no slack here: an instant just before a grid point must stop at that point, where
        # the windows change, or it would carry the old windows' state through the next step)
        step_end = min((math.floor(t / step_s) + 1) * step_s, horizon)
        constraints: dict[object, tuple[float, dict[int, float]]] = {}
        window_of: dict[tuple[int, int], int] = {}
        spent: set[tuple[int, int]] = set()
        keys_of: dict[int, list[tuple[int, int]]] = {f: [] for f in active}
        for f in active:
            for link in paths[f]:
                key = instance(link, f)
                keys_of[f].append(key)
                spec = links[link]
                if key not in window_of:
                    w = open_window(link, t)
                    window_of[key] = w
                    if w >= 0 and is_quota(key):
                        used_window, used = quota.get(key, (w, 0.0))
                        cap_bytes = spec.window_cap(w)
                        used = used if used_window == w else 0.0
                        if cap_bytes is not None and used >= cap_bytes:
                            spent.add(key)
                w = window_of[key]
                closed = w < 0 or spec.is_down(t) or key in spent
                byte_rate = None if w < 0 else spec.open_rate(w)
                if w >= 0 and quota_only(key):
                    byte_rate = None  # a quota, not a rate: the rest of the path sets it
                if closed or byte_rate is not None:
                    cap, members = constraints.setdefault(
                        ("bytes", key), (0.0 if closed else byte_rate or 0.0, {})
                    )
                    members[f] = 1.0
                record_rate = None if w < 0 else spec.open_records_rate(w)
                if record_rate is not None and not closed:
                    bpr = fl.bytes_per_record[f]
                    assert bpr is not None, f"{fl.names[f]} needs records on {spec.name}"
                    constraints.setdefault(("records", key), (record_rate, {}))[1][f] = 1.0 / bpr
        rates = max_min_fair(constraints)
        full = {
            key[1]
            for key, (cap, members) in constraints.items()
            if cap < math.inf
            and sum(rates[g] * wgt for g, wgt in members.items()) >= cap * (1 - 1e-9)
        }

        # the next instant anything changes
        t_next = step_end
        finish_at = {
            f: t + fl.remaining[f] / (rates[f] - fl.growth[f])
            for f in active
            if rates[f] > fl.growth[f]
        }
        t_next = min(
            [
                t_next,
                *finish_at.values(),
                *(r for r in waiting if r > t),
                *(x for x in outage_edges if x > t + _TIME_EPS),
            ]
        )
        quota_flow: dict[tuple[int, int], float] = {}
        quota_out_at: dict[tuple[int, int], float] = {}
        for key, w in window_of.items():
            cap_bytes = links[key[0]].window_cap(w) if w >= 0 else None
            if w >= 0 and is_quota(key) and key not in spent and cap_bytes is not None:
                throughput = sum(rates[f] for f in active if key in keys_of[f])
                if throughput > 0:
                    used_window, used = quota.get(key, (w, 0.0))
                    used = used if used_window == w else 0.0
                    quota_flow[key] = throughput
                    quota_out_at[key] = t + (cap_bytes - used) / throughput
                    t_next = min(t_next, quota_out_at[key])

        # move everything to t_next
        dt = t_next - t
        for f in active:
            binders = set()
            for key in keys_of[f]:
                name = links[key[0]].name
                if rates[f] > 0:
                    on_it = [rates[g] for g in active if key in keys_of[g]]
                    if key in full and rates[f] >= max(on_it) * (1 - 1e-9):
                        binders.add(name)
                elif key in spent:
                    binders.add(name)  # spent quota
            if rates[f] <= 0 and not binders and len(paths[f]) == 1:
                binders.add(links[paths[f][0]].name)  # its only link: closed or down
            if len(binders) == 1 and dt > 0:
                name = binders.pop()
                binding[f][name] = binding[f].get(name, 0.0) + dt
            elif len(binders) > 1 and dt > _TIME_EPS:
                tied[f] = True
        for key, throughput in quota_flow.items():
            w = window_of[key]
            cap = links[key[0]].window_cap(w)
            assert cap is not None
            used_window, used = quota.get(key, (w, 0.0))
            used = (used if used_window == w else 0.0) + throughput * dt
            if quota_out_at[key] <= t_next + _TIME_EPS or used >= cap - _byte_tol(cap):
                used = cap
            quota[key] = (w, used)
        for f in active:
            fl.remaining[f] -= (rates[f] - fl.growth[f]) * dt
            fl.delivered[f] += rates[f] * dt
            if f in finish_at and (
                finish_at[f] <= t_next + _TIME_EPS
                or fl.remaining[f] <= _byte_tol(fl.volume[f] + fl.growth[f] * t_next)
            ):
                fl.delivered[f] += max(fl.remaining[f], 0.0)
                fl.end_pass(f, t_next)
        t = t_next

    finished = tuple(None if (x is None or x > horizon) else x for x in fl.finished)
    started = tuple(None if (x is None or x >= horizon) else x for x in fl.started)
    first = tuple(None if (x is None or x > horizon) else x for x in fl.first_pass)
    return RefResult(
        fl.names, started, finished, tuple(fl.delivered), tuple(binding), tuple(tied), first
    )
