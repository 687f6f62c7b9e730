"""User-facing messages keyed by code, for every renderer: the catalogue's msgids.

The analysis layer returns codes with parameters (a column name, a never-reason code, an advice
kind); the renderers look the code up here and translate it with :mod:`migrasim.render.i18n`
(``fill(t, NEVER_REASONS["waits_for"], flows=...)``). The strings are marked with ``N_`` so
``pybabel extract`` puts them in the catalogue; they are English msgids, translated where shown.
Every msgid is a Python format string: placeholders are ``%(name)s``, a literal ``%`` is ``%%``.
"""

from __future__ import annotations

from migrasim.render.i18n import N_, Nn_

__all__ = [
    "ABOUT_ITEMS",
    "ADVICE",
    "ADVICE_COUNTS",
    "CHARTS",
    "CHART_COUNTS",
    "COLUMN_LABELS",
    "COMPARE",
    "EXTRA_TITLES",
    "NEVER_REASONS",
    "PLAN",
    "PROGRAMME_NAME",
    "SHEET_NAMES",
    "TERMINAL",
    "TERMINAL_COUNTS",
]

#: The programme's row in a table read by people (the terminal, the report's tables); the CSV
#: files and ``--flow`` keep its code name, ``ALL``.
PROGRAMME_NAME = N_("ALL")

#: Column headers of summary.csv, the workbook and the report's extra tables, by column name.
COLUMN_LABELS: dict[str, str] = {
    "delivered_gb": N_("Delivered so far (GB)"),
    "share_complete": N_("Complete"),
    "plan_p80": N_("Plan P80"),
    "new_p80": N_("New P80"),
    "slip_days": N_("Slip (days)"),
    "what_changed": N_("What changed"),
    "flow": N_("Flow"),
    "organisation": N_("Organisation"),
    "scenario": N_("Scenario"),
    "source": N_("Source"),
    "target": N_("Target"),
    "volume_bytes": N_("Volume (bytes)"),
    "total_bytes": N_("Total to move (bytes)"),
    "start": N_("Start"),
    "baseline_completion": N_("Baseline finish"),
    "baseline_finish_date": N_("Baseline finish date"),
    "p50": N_("P50"),
    "p80": N_("P80"),
    "p95": N_("P95"),
    "prob_by_go_live": N_("Chance by go-live"),
    "prob_ci_low": N_("Chance interval, low"),
    "prob_ci_high": N_("Chance interval, high"),
    "p80_ci_low": N_("P80 interval, low"),
    "p80_ci_high": N_("P80 interval, high"),
    "p80_halfwidth_days": N_("P80 ± days"),
    "days_late": N_("Days late (most-likely run)"),
    "bottleneck": N_("Bottleneck"),
    "bottleneck_share": N_("Bottleneck share"),
    "never_reason": N_("Why it never finishes"),
    "link": N_("Link"),
    "share": N_("Share"),
    "replications": N_("Replications"),
    "replication": N_("Replication"),
    "completion": N_("Finish"),
    "date": N_("Date"),
    "delivered_bytes": N_("Moved that day (bytes)"),
    "cumulative_bytes": N_("Moved so far (bytes)"),
    "fraction": N_("Share moved"),
    "point": N_("Point"),
    "point_go_live": N_("Its go-live"),
    "point_target": N_("Its target"),
    "meets_target": N_("Meets its target"),
    "p50_diff_days": N_("P50 change (days)"),
    "p80_diff_days": N_("P80 change (days)"),
    "p80_diff_ci_low": N_("P80 change, interval low"),
    "p80_diff_ci_high": N_("P80 change, interval high"),
    "mean_diff_days": N_("Mean change (days)"),
    "mean_diff_ci_low": N_("Mean change, interval low"),
    "mean_diff_ci_high": N_("Mean change, interval high"),
    "prob_diff": N_("Change in chance"),
    "prob_diff_ci_low": N_("Change in chance, interval low"),
    "prob_diff_ci_high": N_("Change in chance, interval high"),
    "input": N_("Input"),
    "low": N_("Low"),
    "high": N_("High"),
    "completion_at_low": N_("Finish at low"),
    "completion_at_high": N_("Finish at high"),
    "change_low_days": N_("Change at low (days)"),
    "change_high_days": N_("Change at high (days)"),
    "swing_days": N_("Swing (days)"),
    "where": N_("Where in the scenario"),
    "text": N_("Assumption or source"),
    "item": N_("Item"),
    "value": N_("Value"),
    "key": N_("Scenario key (as --set takes it)"),
    "confidence": N_("Chance of making go-live"),
    "met": N_("Target met"),
    "as_of": N_("As of"),
    "p80_move_days": N_("P80 moved (days, + later)"),
    "part": N_("What moved the date"),
    "days": N_("Days (+ later)"),
    "option": N_("Options"),
    "slot": N_("Crew slot"),
    "cost": N_("Cost"),
    "budget": N_("Budget"),
    "organisations_in_time": N_("Organisations in time"),
    "recommended": N_("Recommended"),
}

#: Headings of the report's extra tables (and their workbook sheets), by table key.
EXTRA_TITLES: dict[str, str] = {
    "compare": N_("Scenario comparison"),
    "comparison": N_("Scenario comparison"),
    "sweep": N_("Sensitivity sweep"),
    "solve": N_("Values tried by solve"),
    "bottlenecks": N_("Bottlenecks by organisation"),
    "sensitivity": N_("What moves the completion date most"),
    "fix": N_("What would fix it"),
    "progress": N_("Progress against the plan"),
    "forecast_history": N_("Forecast history"),
    "what_moved": N_("What moved the P80"),
    "plan": N_("What it would take"),
    "plan_check": N_("How the plan was checked"),
    "frontier": N_("What each budget buys"),
}

#: The workbook's fixed sheets.
SHEET_NAMES: dict[str, str] = {
    "summary": N_("Summary"),
    "assumptions": N_("Assumptions"),
    "scenario": N_("Scenario"),
    "about": N_("About"),
}

#: Rows of the workbook's About sheet.
ABOUT_ITEMS: dict[str, str] = {
    "title": N_("Title"),
    "command": N_("Command"),
    "seed": N_("Seed"),
    "replications": N_("Replications"),
    "deterministic": N_("deterministic"),
    "version": N_("Version"),
    "go_live": N_("Go-live"),
    "will_make_go_live": N_("Will we make go-live?"),
    "p50": N_("P50"),
    "p80": N_("P80"),
    "p95": N_("P95"),
    "prob_by_go_live": N_("Chance by go-live"),
    "prob_ci_low": N_("Chance interval, low"),
    "prob_ci_high": N_("Chance interval, high"),
    "bottleneck": N_("Bottleneck"),
    "fix": N_("What would fix it"),
    "most_likely": N_("At the most likely inputs only (not the fix)"),
    "what_if": N_("What-if"),
    "holding_back": N_("What holds us back"),
    "capacity": N_("What would fix it: the capacity needed, with its uncertainty"),
    "never": N_("never"),
    "as_of": N_("Re-forecast as of"),
    "plan_p80": N_("P80 in the plan"),
    "slip_days": N_("Slip of the P80 against the plan (days)"),
    "slip_ci_low": N_("Slip interval, low (days)"),
    "slip_ci_high": N_("Slip interval, high (days)"),
    "plan_prob_by_go_live": N_("Chance by go-live in the plan"),
    "plan_verdict": N_("Will we make go-live? (the plan)"),
    "yes": N_("yes"),
    "no": N_("no"),
}

#: Why a flow never finishes (the engine's reason codes; parameters in the placeholders).
#: (``waits_for`` keeps "complete(s)": summary.csv's English column is a data interface and
#: does not change wording.)
NEVER_REASONS: dict[str, str] = {
    "waits_for": N_("waits for %(flows)s, which never complete(s)"),
    "starts_after_horizon": N_("would start after the horizon (%(years)s years)"),
    "growth_outpaces": N_(
        "growth of %(growth)s GB/day outpaces the %(moved)s GB/day it moves on average"
    ),
    "no_capacity": N_("nothing can move: %(link)s never has capacity"),
    "no_capacity_links": N_("nothing can move: its links never has capacity"),
    "horizon": N_("not finished within the horizon (%(years)s years)"),
}

#: The headline's "what would fix it" sentences, by kind.
ADVICE: dict[str, str] = {
    "already": N_(
        "At the most likely inputs everything already finishes before go-live; the risk comes "
        "from the uncertain inputs (see the sensitivity chart). For the capacity that makes "
        "go-live with 80%% confidence, run: %(command)s"
    ),
    "not_enough": N_(
        "Raising the %(noun)s of link '%(link)s' alone (even to %(factor)s times today's "
        "%(current)s) does not make go-live at the most likely inputs: the limit lies elsewhere "
        "(start dates, dependencies, lead times or other links)."
    ),
    "raise": N_(
        "At the most likely inputs only (every uncertain input at its likely value), the "
        "%(noun)s of link '%(link)s' would need %(needed)s (today %(current)s, %(factor)s×) "
        "for everything to finish before go-live; this ignores the uncertainty and is not the "
        "fix. For the value that makes go-live with 80%% confidence, run: %(command)s"
    ),
    "raise_exact": N_(
        "Raise the %(noun)s of link '%(link)s' from %(current)s to %(needed)s (%(factor)s×): "
        "everything then finishes before go-live (no input of this scenario is uncertain)."
    ),
    # track: the same search on the work left on the as-of date, at the logged throughput
    "track_already": N_(
        "From %(date)s, at the most likely inputs and the throughput the transfer log shows, "
        "the work left already finishes before go-live; the risk comes from the uncertain "
        "inputs."
    ),
    "track_not_enough": N_(
        "From %(date)s, raising the %(noun)s of link '%(link)s' alone (even to %(factor)s "
        "times the scenario's %(current)s) does not finish the work left before go-live at the "
        "most likely inputs: the limit lies elsewhere (start dates, dependencies, lead times or "
        "other links)."
    ),
    "track_raise": N_(
        "From %(date)s, at the most likely inputs and the throughput the transfer log shows, "
        "the %(noun)s of link '%(link)s' would need %(needed)s (the scenario's %(current)s, "
        "%(factor)s×) for the work left to finish before go-live; this ignores the uncertainty "
        "and is not the fix."
    ),
    "compare_none_better": N_(
        "None of the alternatives does better than %(first)s (P80 %(p80)s); see the comparison "
        "table."
    ),
    "compare_earlier": N_(
        "Move from %(first)s to %(best)s: the P80 date moves %(days)s days earlier"
    ),
    "compare_later": N_("Move from %(first)s to %(best)s: the P80 date moves %(days)s days later"),
    "compare_earlier_interval": N_(
        "Move from %(first)s to %(best)s: the P80 date moves %(days)s days earlier (95%% "
        "interval %(low)s to %(high)s)"
    ),
    "compare_later_interval": N_(
        "Move from %(first)s to %(best)s: the P80 date moves %(days)s days later (95%% interval "
        "%(low)s to %(high)s)"
    ),
    "compare_done": N_("%(move)s."),
    "compare_chance": N_(
        "%(move)s and the chance of making go-live goes from %(before)s to %(after)s "
        "(%(points)s points)."
    ),
    "compare_chance_interval": N_(
        "%(move)s and the chance of making go-live goes from %(before)s to %(after)s "
        "(%(points)s points; 95%% interval %(low)s to %(high)s)."
    ),
    "sweep_none": N_(
        "None of the %(n)s settings swept brings the P80 before go-live; the best is %(where)s "
        "(P80 %(p80)s, chance of making go-live %(chance)s)."
    ),
    "sweep_target_none": N_(
        "None of the %(n)s settings swept meets the target %(target)s; the best is %(where)s "
        "(P80 %(p80)s, chance of making go-live %(chance)s)."
    ),
    "solve_smallest": N_(
        "The smallest %(key)s that meets %(target)s is %(value)s (P80 %(p80)s, chance of making "
        "go-live %(chance)s)."
    ),
    "solve_largest": N_(
        "The largest %(key)s that meets %(target)s is %(value)s (P80 %(p80)s, chance of making "
        "go-live %(chance)s)."
    ),
    "solve_none": N_("No %(key)s between %(low)s and %(high)s meets %(target)s: %(note)s."),
}

#: The sweep's answer with a count of points (singular, plural: ``nfill`` chooses by ``%(num)s``).
ADVICE_COUNTS: dict[str, tuple[str, str]] = {
    "sweep_some": Nn_(
        "%(num)s of the %(n)s settings swept brings the P80 before go-live: %(where)s (P80 "
        "%(p80)s, chance of making go-live %(chance)s).",
        "%(num)s of the %(n)s settings swept bring the P80 before go-live; the first is "
        "%(where)s (P80 %(p80)s, chance of making go-live %(chance)s).",
    ),
    "sweep_target_some": Nn_(
        "%(num)s of the %(n)s settings swept meets the target %(target)s: %(where)s (P80 "
        "%(p80)s, chance of making go-live %(chance)s).",
        "%(num)s of the %(n)s settings swept meet the target %(target)s; the first is %(where)s "
        "(P80 %(p80)s, chance of making go-live %(chance)s).",
    ),
}

#: Chart titles, axis labels, legends and annotations (plots.py).
CHARTS: dict[str, str] = {
    "track_title": N_("Progress to %(date)s and the re-forecast: %(name)s"),
    "track_plan_band": N_("plan P10-P90"),
    "track_plan_p50": N_("plan P50"),
    "track_forecast_band": N_("re-forecast P10-P90"),
    "track_forecast_p50": N_("re-forecast P50"),
    "track_actual": N_("actual (transfer log)"),
    "track_ylabel": N_("data across (TB)"),
    "track_note": N_("bands: most likely totals; actuals: accepted bytes in the log"),
    "history_trend_title": N_("%(name)s: the programme P80 at each forecast"),
    "history_waterfall_title": N_("%(name)s: what moved the P80 since the forecast of %(date)s"),
    "history_band": N_("P50 to P95"),
    "history_p80": N_("P80"),
    "history_never": N_("never (not within the horizon)"),
    "history_xlabel": N_("as-of date of the forecast"),
    "history_ylabel": N_("forecast finish date"),
    "history_note": N_("%(n)s forecasts; the last of each as-of date"),
    "history_total": N_("total change"),
    "history_no_change": N_("no change"),
    "history_days_axis": N_("days the P80 moved (+ later)"),
    "history_waterfall_note": N_(
        "from %(before)s to %(after)s; each part changes one thing, in this order, on the same "
        "random draws, so the parts add up to the total"
    ),
    "go_live_label": N_("Go-live %(date)s"),
    "go_live": N_("go-live"),
    "never": N_("never"),
    "never_starts": N_("never starts"),
    "never_arrow": N_("never ▶"),
    "no_migration_data": N_("No migration data to plot"),
    "no_flows": N_("No flows to plot"),
    "none_start": N_("None of the %(n)s flows ever starts"),
    "no_replications": N_("No replications to plot"),
    "no_inputs": N_("No uncertain inputs to swing"),
    "overall": N_("Overall programme"),
    "overall_band": N_("Overall, P10-P90 of replications"),
    "data_migrated_pct": N_("Data migrated (%% of bytes)"),
    "replications_complete_pct": N_("Replications complete (%%)"),
    "chance_finished_pct": N_("Chance of finishing by this date (%%)"),
    "migrated_by_go_live": N_(
        "%(share)s of the data migrated by go-live (%(date)s); %(k)s of %(n)s flows complete in "
        "time"
    ),
    "share_by_go_live": N_("%(share)s by go-live"),
    "and_more": N_("%(names)s and %(n)s more"),
    "stalled_at": N_("%(flow)s: stalled at %(share)s"),
    "reached": N_("%(flow)s: %(share)s"),
    "all_complete": N_("All flows complete on %(date)s; last to finish: %(flow)s"),
    "all_done": N_("All done %(date)s\n(last: %(flow)s)"),
    "legend_on_time": N_("on time (%(n)s)"),
    "legend_complete": N_("complete (%(n)s)"),
    "legend_late": N_("late (%(n)s)"),
    "legend_never": N_("never (%(n)s)"),
    "legend_status_ok": N_("on track (%(n)s)"),
    "legend_status_risk": N_("at risk (%(n)s)"),
    "legend_status_late": N_("likely late (%(n)s)"),
    "gantt_status_note": N_(
        "Bars: the baseline run (most likely inputs), in which %(late)s of %(n)s finish after "
        "go-live; colours: each organisation's status over the simulated runs"
    ),
    "replications": N_("%(n)s replications"),
    "never_within": N_("%(n)s (%(share)s) never complete within the horizon"),
    "before_go_live": N_("%(share)s complete before go-live"),
    "scenario_before_go_live": N_("%(label)s: %(share)s before go-live"),
    "lines_band": N_("Lines: baseline; shading: P10-P90 of replications"),
    "p80_completion": N_("P80 completion"),
    "programme_p80": N_("Programme P80 completion"),
    "chance_of_go_live": N_("chance of go-live"),
    "chance_of_making_go_live": N_("Chance of making go-live"),
    "input_low": N_("input at its low value"),
    "input_high": N_("input at its high value"),
    "change_days": N_("Change in programme completion (days; + is later)"),
    "swung": N_("Each input swung low to high with the others at their most likely"),
    "sweep_title": N_("%(name)s: sweep of %(key)s"),
    "heatmap_title": N_("%(name)s: chance of go-live"),
    "named_flows": N_(
        "%(k)s of %(n)s flows by name (those that finish last, and the largest); the rest as "
        "one grey band"
    ),
    "burnup_title": N_("%(name)s: data migrated"),
    "gantt_title": N_("%(name)s: baseline schedule"),
    "cdf_title": N_("%(name)s: when will everything be across?"),
    "tornado_title": N_("%(name)s: what moves the completion date most"),
    "compare_cdf_title": N_("When will everything be across?"),
    "compare_burnup_title": N_("Data migrated, by scenario"),
}

#: Chart messages with a count (singular, plural: ``nfill`` chooses by ``%(num)s``).
CHART_COUNTS: dict[str, tuple[str, str]] = {
    "unfinished": Nn_(
        "%(num)s of %(n)s flows never finishes by the end of the simulation (%(date)s): "
        "%(names)s; overall %(share)s",
        "%(num)s of %(n)s flows never finish by the end of the simulation (%(date)s): "
        "%(names)s; overall %(share)s",
    ),
    "complete_in_time": Nn_("%(num)s flow complete in time", "%(num)s flows complete in time"),
    "complete": Nn_("%(num)s flow complete", "%(num)s flows complete"),
    "complete_after": Nn_(
        "%(num)s flow complete after go-live", "%(num)s flows complete after go-live"
    ),
    "never_complete": Nn_("%(num)s flow never complete", "%(num)s flows never complete"),
    "other_flows": Nn_("%(num)s other flow", "%(num)s other flows"),
    "other_flows_band": Nn_(
        "%(num)s other flow (middle 80%%)", "%(num)s other flows (middle 80%%)"
    ),
    "days_late": Nn_("+%(num)s d late", "+%(num)s d late"),
    "weeks_late": Nn_("+%(num)s wk late", "+%(num)s wk late"),
    "history_days_later": Nn_("%(num)s day later", "%(num)s days later"),
    "history_days_earlier": Nn_("%(num)s day earlier", "%(num)s days earlier"),
}

#: The terminal's results table and notes (cli.py).
TERMINAL: dict[str, str] = {
    "flow": N_("flow"),
    "organisation": N_("organisation"),
    "scenario": N_("scenario"),
    "baseline": N_("baseline"),
    "vs_go_live": N_("vs go-live"),
    "chance_ci": N_("P(by go-live) [95%% CI]"),
    "bottleneck": N_("bottleneck"),
    "p80_change_ci": N_("P80 change, days [95%% CI]"),
    "chance": N_("P(by go-live)"),
    "change_ci": N_("chance change, points [95%% CI]"),
    "header_mc": N_("%(name)s: %(n)s replications, seed %(seed)s"),
    "header_deterministic": N_("%(name)s: deterministic (no uncertain inputs)"),
    "go_live_rule": N_("go-live %(date)s: a flow is in time if it completes by the day before"),
    "baseline_late": N_("Baseline: %(late)s of %(n)s organisations miss go-live."),
    "status": N_(
        "Status: %(late)s of %(n)s organisations likely late, %(risk)s at risk, %(ok)s on track."
    ),
    "organisation_rows": N_(
        "%(n)s organisations of %(flows)s flows: each organisation's row, then its flows' rows, "
        "indented. An organisation completes with its last flow."
    ),
    "comparing": N_(
        "Comparing %(n)s scenarios: %(replications)s replications each, seed %(seed)s, common "
        "random numbers; changes are versus the first"
    ),
    "sweep_start": N_("Sweep of %(points)s points, seed %(seed)s: %(keys)s"),
    "sweep_point": N_("  [%(index)s/%(total)s] %(where)s: P80 %(p80)s%(chance)s (%(state)s)"),
    "sweep_chance": N_(", chance %(chance)s"),
    "saved_earlier": N_("saved earlier"),
    "done": N_("done"),
    "no_sweep_chart": N_("No chart for more than two swept keys; see sweep.csv."),
    "fix": N_("What would fix it: %(fix)s"),
    "wide": N_(
        "Note: the P80 is uncertain to more than a week for %(k)s row(s), e.g. %(example)s; run "
        "more replications (e.g. --replications %(more)s)."
    ),
    "written": N_("Results written to %(folder)s/"),
    # which solver took the flows that share a link (a link's name, then its flows' count), and
    # the flows the batch cannot phase (their links, then their count)
    "shared_batch": N_(
        "Flows sharing a link, every replication solved at once (by phases): %(links)s."
    ),
    "shared_engine": N_(
        "Flows the batch cannot phase exactly, on the event engine one replication at a time: "
        "%(links)s."
    ),
    "shared_item": N_("%(links)s (%(flows)s)"),
    "verdict": N_("Will we make go-live? %(answer)s: P80 %(p80)s, chance %(chance)s."),
    "holding_back": N_("What holds us back: %(what)s."),
    "on_time": N_("on time"),
    "no_spare": N_("on time, no days to spare"),
    "never": N_("never completes"),
    "never_short": N_("never"),
    "side_scenario": N_("scenario"),
    "side_verdict": N_("make go-live?"),
    "side_p80": N_("P80 [95%% CI]"),
    "side_chance": N_("P(by go-live) [95%% CI]"),
    "side_late": N_("organisations late"),
    "side_p80_change": N_("P80 change, days [95%% CI]"),
    "side_chance_change": N_("chance change, points [95%% CI]"),
    "side_reference": N_("(reference)"),
    "side_of": N_("%(late)s of %(n)s"),
    "by_organisation_hint": N_(
        "Per organisation: compare.csv and report.html (add --by-organisation to print it here)."
    ),
    "solving": N_("Solving %(target)s for %(flow)s by varying %(key)s in [%(low)s, %(high)s]"),
    "solve_point": N_("  %(key)s = %(value)s: P80 %(p80)s%(chance)s -> %(state)s"),
    "solve_chance": N_(", chance %(chance)s"),
    "met": N_("met"),
    "not_met": N_("not met"),
    "solve_smallest": N_(
        "Smallest %(key)s meeting %(target)s: %(value)s (P80 %(p80)s%(chance)s; %(n)s "
        "replications, seed %(seed)s)"
    ),
    "solve_largest": N_(
        "Largest %(key)s meeting %(target)s: %(value)s (P80 %(p80)s%(chance)s; %(n)s "
        "replications, seed %(seed)s)"
    ),
    "solve_chance_by_go_live": N_(", chance by go-live %(chance)s"),
    "not_achievable": N_("Not achievable in the range: %(note)s."),
    "note": N_("Note: %(note)s."),
    "precision_reached": N_(
        "Replications: %(n)s, reaching a programme P80 known within +/- %(reached)s days "
        "(asked +/- %(goal)s; --precision to change it)."
    ),
    "precision_capped": N_(
        "Replications: %(n)s, capped before reaching a programme P80 known within +/- "
        "%(reached)s days (asked +/- %(goal)s; --precision to change it)."
    ),
    "valid": N_("%(file)s: valid (%(flows)s, %(links)s)"),
    "warning": N_("Warning: %(warning)s"),
    "track_header": N_("%(name)s: as of %(date)s, %(n)s replications, seed %(seed)s"),
    "across": N_("across"),
    "done_share": N_("done"),
    "plan_p80": N_("plan P80"),
    "new_p80": N_("new P80"),
    "slip": N_("slip"),
    "slip_days": N_("slip (days)"),
    "track_p80": N_(
        "Programme P80: %(p80)s, %(slip)s days against the plan's %(plan)s (95%% interval "
        "%(low)s to %(high)s days)."
    ),
    "track_p80_no_interval": N_(
        "Programme P80: %(p80)s, %(slip)s days against the plan's %(plan)s."
    ),
    "track_p80_never": N_("Programme P80: %(p80)s (the plan's: %(plan)s)."),
    "track_chance": N_(
        "Chance of making go-live: %(chance)s now, %(plan)s in the plan (%(points)s points, "
        "95%% interval %(low)s to %(high)s); the plan's answer: %(answer)s."
    ),
    "no_report": N_("Flows with no report (no row in the transfer log): %(n)s of %(total)s."),
    "what_changed": N_("what changed"),
    "history_first": N_(
        "Forecast history %(file)s: the first forecast in it, so nothing to "
        "compare with yet (no waterfall)"
    ),
    "history_moved": N_("Since the forecast of %(date)s the P80 moved %(total)s: %(parts)s"),
    "history_part": N_("%(part)s %(days)s"),
    "days_short": N_("%(days)sd"),
    "history_none_earlier": N_(
        "Forecast history %(file)s: no forecast in it is as of %(date)s "
        "or earlier, so nothing to compare with (no waterfall)"
    ),
    "history_appended": N_("Forecast appended to %(file)s (row %(row)s)"),
    "access_token": N_("Access token (this run only): %(token)s"),
    "serving": N_("Serving %(file)s at %(url)s (Ctrl+C to stop)"),
}

#: The compare report's words that are not in its template.
COMPARE: dict[str, str] = {
    "title": N_("%(first)s compared with %(others)s"),
}

#: Terminal messages with a count (singular, plural: ``nfill`` chooses by ``%(num)s``).
TERMINAL_COUNTS: dict[str, tuple[str, str]] = {
    "late": Nn_("%(num)s day late", "%(num)s days late"),
    "early": Nn_("%(num)s day early", "%(num)s days early"),
    "flows": Nn_("%(num)s flow", "%(num)s flows"),
    "links": Nn_("%(num)s link", "%(num)s links"),
}

#: Durations of a scenario's values in words (render/board.py setting_words).
BOARD_COUNTS: dict[str, tuple[str, str]] = {
    "minutes": Nn_("%(num)s minute", "%(num)s minutes"),
    "hours": Nn_("%(num)s hour", "%(num)s hours"),
    "days": Nn_("%(num)s day", "%(num)s days"),
    "weeks": Nn_("%(num)s week", "%(num)s weeks"),
}

#: The report's first screen and the board's words (render/board.py).
BOARD: dict[str, str] = {
    "what_if": N_("What-if: %(changes)s"),
    "what_if_title": N_("%(name)s — %(what_if)s"),
    # a --set change in words (render/board.py change_words): "daily cap of link capped 3 GB a
    # day (file: 1 GB a day)"
    "change": N_("%(what)s %(value)s (file: %(file)s)"),
    "change_new": N_("%(what)s %(value)s (not in the file)"),
    "change_of": N_("%(what)s of %(subject)s"),
    "not_set": N_("not set"),
    "estimate": N_("likely %(likely)s, %(low)s to %(high)s"),
    "yes": N_("yes"),
    "no": N_("no"),
    "at_time": N_("%(day)s at %(time)s"),
    "window": N_("%(start)s to %(end)s"),
    "setting_start": N_("start"),
    "setting_go_live": N_("go-live"),
    "setting_horizon": N_("horizon"),
    "setting_holidays": N_("bank holidays"),
    "setting_working_days": N_("working days"),
    "setting_window": N_("transfer window"),
    "setting_per_flow": N_("a copy for each organisation"),
    "setting_after": N_("waits for"),
    "setting_flows_from": N_("inventory file"),
    # the binding constraint of a link whose capacity a what-if changed
    "file_text_changed": N_("%(text)s [the file's text; this what-if changed %(changes)s]"),
    "binding_what_if": N_("%(link)s, %(capacity)s (what-if)"),
    "binding_what_if_file": N_("%(ran)s; the file's description says: %(description)s"),
    "at_efficiency": N_("%(rate)s at %(share)s efficiency"),
    "in_window": N_("%(capacity)s in the window %(window)s"),
    "per_organisation": N_("%(capacity)s per organisation"),
    "gain_link": N_(
        "Doubling this link's capacity would bring the finish %(days)s days earlier at the most "
        "likely inputs."
    ),
    "gain_link_p80": N_(
        "Doubling this link's capacity would bring the P80 finish %(days)s days earlier (on %(n)s "
        "of this run's simulated draws; at the most likely inputs alone, %(likely)s days)."
    ),
    "capacity_head": N_("%(noun)s of link %(link)s needed (%(key)s; today %(current)s):"),
    "capacity_nominal": N_(
        "Bandwidth is the nominal line speed, as the scenario file and --set give it (before "
        "the link's efficiency)."
    ),
    "capacity_for": N_(
        "%(chance)s chance of making go-live: %(needed)s (95%% interval %(low)s to %(high)s)"
    ),
    "capacity_note": N_(
        "From %(n)s of this run's simulated draws, with the key set to one value as --set sets "
        "it: the smallest value at which that share of the draws finishes everything before "
        "go-live (the question migrasim solve answers with the target 'P80 < go_live')."
    ),
    "capacity_for_exact": N_("%(chance)s chance of making go-live: %(needed)s"),
    "capacity_note_track": N_(
        "From %(n)s of the re-forecast's simulated draws of the work left on %(date)s, at the "
        "throughput the transfer log shows: the smallest value at which that share of the draws "
        "finishes everything before go-live, stated as the scenario file's value of the key "
        "(the efficiency the log shows applies to it)."
    ),
    "more_than": N_("more than %(value)s"),
    "at_most": N_("at most %(value)s"),
    "per_day": N_("%(value)s a day"),
    "per_day_largest": N_("up to %(value)s a day (its largest weekday)"),
    "moved_note": N_(
        "Data to move: %(volume)s in the scenario file; %(total)s moved in the baseline, "
        "including %(what)s."
    ),
    "dates_note": N_(
        "Finish dates also reflect %(what)s, so they differ from volume ÷ daily capacity."
    ),
    "closures": N_("change freezes"),
    "and": N_("%(first)s and %(last)s"),
    "driver": N_("%(subject)s: %(what)s, %(low)s to %(high)s"),
    "link_subject": N_("link %(link)s"),
    "axis_unit": N_("%(label)s (%(unit)s)"),
    # a link's efficiency in the tornado (the other inputs' words are their kinds' labels:
    # analysis/uncertain.py, core/kinds.py)
    "input_efficiency": N_("efficiency"),
    "days": N_("%(n)s days"),
    "weeks": N_("%(n)s weeks"),
    "mbits": N_("%(n)s Mbit/s"),
    "records_s": N_("%(n)s records/s"),
    "records_day": N_("%(n)s records a day"),
}


#: ``migrasim plan``: the terminal's lines and the frontier chart (render/plan.py).
PLAN: dict[str, str] = {
    "header": N_(
        "%(name)s: the cheapest plan with which every organisation makes its own go-live with a "
        "chance of at least %(chance)s (%(n)s replications, seed %(seed)s)"
    ),
    "header_joint": N_(
        "%(name)s: the cheapest plan with which every organisation makes its go-live together "
        "with a chance of at least %(chance)s (%(n)s replications, seed %(seed)s)"
    ),
    "header_budget": N_(
        "%(name)s: within a budget of %(budget)s, the plan that puts the most organisations in "
        "time with a chance of at least %(chance)s (%(n)s replications, seed %(seed)s)"
    ),
    "method_exact": N_(
        "Method: exact on these draws. Every organisation is alone on its links, so each "
        "option (and crew slot) was simulated once for all of them on the same draws, and a "
        "chance-constrained integer programme (sample average approximation, HiGHS) chose."
    ),
    "method_heuristic": N_(
        "Method: heuristic. Flows of different organisations share a link, so options cannot "
        "be judged one organisation at a time: greedy by cost per organisation-day saved, then "
        "local search, every candidate plan a full simulation on the same draws."
    ),
    "total": N_("Total cost: %(cost)s"),
    "in_time": N_("Organisations in time: %(k)s of %(n)s"),
    "programme_options": N_("For the whole programme: %(options)s"),
    "check": N_(
        "Chance that every organisation makes its go-live: %(inside)s on the draws the plan "
        "was chosen on, %(fresh)s on %(n)s fresh replications (seed %(seed)s)"
    ),
    "not_met": N_(
        "No plan with these options puts every organisation in time; this one puts the most "
        "in time at the least cost."
    ),
    "joint_not_met": N_(
        "No plan with these options reaches that chance; this one puts the most organisations "
        "in time at the least cost."
    ),
    "runs_cap": N_("The heuristic stopped after %(n)s simulations; the plan may not be the best."),
    "size": N_(
        "Programme: %(variables)s variables, %(constraints)s constraints, %(seconds)s s in "
        "total; %(runs)s simulations"
    ),
    "frontier": N_("What each budget buys (cost: organisations in time, chance of all, P80):"),
    "frontier_row": N_("%(cost)s: %(k)s of %(n)s, %(chance)s, %(p80)s%(mark)s"),
    "recommended_mark": N_("  <- recommended"),
    "nothing": N_("no change"),
    "check_inside": N_("On the draws the plan was chosen on (%(n)s replications, seed %(seed)s)"),
    "check_fresh": N_("On fresh, independent replications (%(n)s, seed %(seed)s)"),
    "never": N_("never"),
    "slot": N_("slot %(slot)s"),
    "organisation": N_("organisation"),
    "options": N_("options"),
    "cost": N_("cost"),
    "p80": N_("P80"),
    "chance": N_("P(by its go-live)"),
    "chart_title": N_("%(name)s: what it would take"),
    # plan.yaml's opening comment
    "yaml_title": N_("The plan migrasim plan chose (%(command)s):"),
    "yaml_changes": N_("Its changes, as --set takes them:"),
    "chart_x": N_("Cost of the plan"),
    "chart_y": N_("Chance that every organisation makes its go-live"),
    "chart_line": N_("best plan for each budget"),
    "chart_recommended": N_("recommended plan: %(cost)s, %(chance)s"),
    "chart_note": N_(
        "Each point: the cheapest plan that puts that many organisations in time (each with "
        "the plan's chance of its own go-live)"
    ),
}
