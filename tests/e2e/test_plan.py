"""``migrasim plan`` end to end: brute force through the real pipeline, a hand case where the
crew decides the order, bad options (exit 2 with key paths), plan.yaml that runs and gives
the plan's figures, and the heuristic where flows share a link."""

from __future__ import annotations

import csv
import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from migrasim.analysis.experiment import run_scenario
from migrasim.core.rules import in_time_ordinals
from migrasim.scenario.loader import load_scenario
from tests.helpers import invoke

SMALL = """\
name: small
start: 2025-06-02
go_live: 2025-07-14
calendar: {working_days: [Mon, Tue, Wed, Thu, Fri]}
links:
  capped: {daily_cap: 1 GB, per_flow: true}
  wired: {bandwidth: 100 Mbit/s, per_flow: true,
          lead_time: {low: 1 week, likely: 2 weeks, high: 5 weeks}, fallback: capped}
  disk: {shipment: {capacity: 1 TB, turnaround: {low: 2 days, likely: 6 days, high: 20 days}},
         per_flow: true, lead_time: {low: 1 week, likely: 3 weeks, high: 6 weeks}}
flows:
  - {name: A, source: a, target: t, links: [capped],
     volume: {low: 20 GB, likely: 40 GB, high: 70 GB}}
  - {name: B, source: b, target: t, links: [capped],
     volume: {low: 10 GB, likely: 30 GB, high: 60 GB}}
  - {name: C, source: c, target: t, links: [capped],
     volume: {low: 15 GB, likely: 35 GB, high: 50 GB}}
options:
  - name: wire
    each: organisation
    set: {"flows[{flow}].links": [wired]}
    cost: 30
    group: route
  - name: disks
    each: organisation
    flows: [A, C]
    set: {"flows[{flow}].links": [disk]}
    cost: 20
    group: route
  - name: cap
    set: {links.capped.daily_cap: 1.6 GB}
    cost: 45
"""


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _brute(
    path: Path, alpha: float, n: int, seed: int, budget: float | None, joint: bool = False
) -> tuple[int, float]:
    """(organisations in time, cost) of the best combination, each evaluated as `run --set`
    does (the same --set changes, the same seed and replications); ``joint``: the cheapest
    with every organisation in time together in enough replications (count 3), else
    (0, inf)."""
    per_org = {"wire": (30, ["A", "B", "C"]), "disks": (20, ["A", "C"])}
    links = {"wire": "wired", "disks": "disk"}
    need = max(1, int(np.ceil(alpha * n - 1e-9)))
    best: tuple[int, float] | None = None
    choices = {org: [None] + [k for k, (_, orgs) in per_org.items() if org in orgs]
               for org in "ABC"}  # fmt: skip
    for cap in (False, True):
        for combo in itertools.product(*(choices[o] for o in "ABC")):
            sets = ["links.capped.daily_cap=1.6 GB"] if cap else []
            cost = 45.0 if cap else 0.0
            for org, option in zip("ABC", combo, strict=True):
                if option is not None:
                    sets.append(f"flows[{org}].links=[{links[option]}]")
                    cost += per_org[option][0]
            if budget is not None and cost > budget:
                continue
            spec = load_scenario(path, sets)
            outcome = run_scenario(spec, n, seed)
            hits = [in_time_ordinals(outcome.ordinals(org), spec.go_live) for org in "ABC"]  # type: ignore[arg-type]
            count = sum(int(h.sum()) >= need for h in hits)
            if joint:
                together = int(np.logical_and.reduce(hits).sum())
                count, cost = (3, cost) if together >= need else (0, float("inf"))
            key = (-count, cost)
            if best is None or key < (-best[0], best[1]):
                best = (count, cost)
    assert best is not None
    return best


@pytest.mark.parametrize(("alpha", "budget"), [(0.8, None), (0.5, None), (0.8, 50), (0.9, 95)])
def test_the_plan_is_the_cheapest_combination_on_the_same_draws(
    tmp_path: Path, alpha: float, budget: float | None
) -> None:
    path = _write(tmp_path, SMALL)
    n, seed = 60, 5
    args = ["plan", str(path), "--chance", str(alpha), "-n", str(n), "--seed", str(seed),
            "--out", str(tmp_path / "out")]  # fmt: skip
    if budget is not None:
        args += ["--budget", str(budget)]
    code, stdout, stderr = invoke(*args)
    assert code == 0, stderr
    rows = read_csv(tmp_path / "out" / "plan.csv")
    assert [r["organisation"] for r in rows] == ["A", "B", "C", "ALL"]
    cost = sum(float(r["cost"]) for r in rows)
    need = max(1, int(np.ceil(alpha * n - 1e-9)))
    count = sum(float(r["prob_by_go_live"]) * n >= need - 1e-6 for r in rows[:-1])
    assert (count, cost) == _brute(path, alpha, n, seed, budget)
    assert "Method: exact on these draws" in stdout
    assert "Total cost: " in stdout
    frontier = read_csv(tmp_path / "out" / "frontier.csv")
    assert sum(r["recommended"] == "true" for r in frontier) == 1
    counts = [int(r["organisations_in_time"]) for r in frontier]
    assert counts == sorted(counts)  # more budget never puts fewer organisations in time


def test_the_joint_plan_is_the_cheapest_combination_all_in_time_together(tmp_path: Path) -> None:
    path = _write(tmp_path, SMALL)
    n, seed = 60, 9
    code, stdout, stderr = invoke("plan", str(path), "--joint", "--chance", "0.7", "-n", str(n),
                                  "--seed", str(seed), "--out", str(tmp_path / "out"))  # fmt: skip
    assert code == 0, stderr
    rows = read_csv(tmp_path / "out" / "plan.csv")
    assert float(rows[-1]["prob_by_go_live"]) * n >= 42 - 1e-6  # all together: ceil(0.7 x 60)
    assert (3, sum(float(r["cost"]) for r in rows)) == _brute(path, 0.7, n, seed, None, True)
    assert "makes its go-live together" in stdout


CREW = """\
name: crew
start: 2025-06-02
go_live: 2025-07-31
calendar: {working_days: [Mon, Tue, Wed, Thu, Fri]}
links:
  capped: {daily_cap: 1 GB, per_flow: true}
  wired: {daily_cap: 3 GB, per_flow: true, available_from: 2025-06-02, fallback: capped}
flows:
  - {name: Small, source: s, target: t, volume: 50 GB, links: [capped]}
  - {name: Large, source: l, target: t, volume: 100 GB, links: [capped]}
options:
  - name: wire
    each: organisation
    set: {"flows[{flow}].links": [wired]}
    cost: 10000
    crew: {capacity: 1, per: 2 weeks}
"""


def test_the_crew_installs_first_where_the_most_days_are_saved(tmp_path: Path) -> None:
    """Deterministic, by hand (Mon-Fri, 1 GB a day, then 3 GB a day once wired; one crew
    slot per 2 weeks). Large (100 GB) alone is late (100 working days); wired in slot 1 (Mon
    16 Jun, 10 GB moved) it needs 90 / 3 = 30 working days more: done Fri 25 Jul, in time for
    31 Jul; in slot 2 (Mon 30 Jun, 20 GB moved) 80 / 3 = 26.7 more: Wed 6 Aug, late. Small
    (50 GB, late alone) in slot 2: 30 / 3 = 10 more: Fri 11 Jul. So Large goes first."""
    path = _write(tmp_path, CREW)
    code, stdout, stderr = invoke("plan", str(path), "-n", "3", "--out", str(tmp_path / "out"))
    assert code == 0, stderr
    rows = read_csv(tmp_path / "out" / "plan.csv")
    assert rows == [
        {"organisation": "Small", "option": "wire", "slot": "2", "cost": "10000",
         "p80": "2025-07-11", "prob_by_go_live": "1.0"},
        {"organisation": "Large", "option": "wire", "slot": "1", "cost": "10000",
         "p80": "2025-07-25", "prob_by_go_live": "1.0"},
        {"organisation": "ALL", "option": "", "slot": "", "cost": "0",
         "p80": "2025-07-25", "prob_by_go_live": "1.0"},
    ]  # fmt: skip
    assert "Total cost: 20,000" in stdout
    # plan.yaml runs and gives the plan's dates
    code, _, stderr = invoke("run", str(tmp_path / "out" / "plan.yaml"), "--out",
                             str(tmp_path / "run"))  # fmt: skip
    assert code == 0, stderr
    summary = {r["flow"]: r for r in read_csv(tmp_path / "run" / "summary.csv")}
    assert summary["Large"]["p80"] == "2025-07-25"
    assert summary["Small"]["p80"] == "2025-07-11"


def test_plan_yaml_runs_and_gives_the_plans_figures(tmp_path: Path) -> None:
    """Crew slots are copies of the link drawn on its streams (draws_as): `run` of plan.yaml
    on the plan's seed and replications gives every organisation's P80 and chance."""
    text = SMALL.replace("    group: route\n  - name: disks",
                         "    group: route\n    crew: {capacity: 1, per: 1 week}\n"
                         "  - name: disks", 1)  # fmt: skip
    # disks and the cap dearer than wiring
    text = text.replace("    cost: 20\n", "    cost: 200\n").replace("cost: 45", "cost: 450")
    path = _write(tmp_path, text)
    code, _, stderr = invoke("plan", str(path), "-n", "80", "--seed", "3", "--out",
                                  str(tmp_path / "out"), "--budget", "60")  # fmt: skip
    assert code == 0, stderr
    plan = {r["organisation"]: r for r in read_csv(tmp_path / "out" / "plan.csv")}
    assert any(r["slot"] for r in plan.values()), plan  # a crew slot is used
    written = (tmp_path / "out" / "plan.yaml").read_text(encoding="utf-8")
    assert written.startswith("# The plan migrasim plan chose")
    assert "draws_as: wired" in written
    code, _, stderr = invoke("run", str(tmp_path / "out" / "plan.yaml"), "-n", "80", "--seed",
                             "3", "--out", str(tmp_path / "run"))  # fmt: skip
    assert code == 0, stderr
    summary = {r["flow"]: r for r in read_csv(tmp_path / "run" / "summary.csv")}
    for org in "ABC":
        assert summary[org]["p80"] == plan[org]["p80"]
        assert float(summary[org]["prob_by_go_live"]) == pytest.approx(
            float(plan[org]["prob_by_go_live"])
        )


SHARED = """\
name: shared
start: 2025-06-02
go_live: 2025-07-18
calendar: {working_days: [Mon, Tue, Wed, Thu, Fri]}
links:
  national: {daily_cap: 2 GB}
  wired: {daily_cap: 4 GB, per_flow: true}
flows:
  - {name: A, source: a, target: t, volume: 40 GB, links: [national]}
  - {name: B, source: b, target: t, volume: 20 GB, links: [national]}
  - {name: C, source: c, target: t, volume: 10 GB, links: [national]}
options:
  - name: wire
    each: organisation
    set: {"flows[{flow}].links": [wired]}
    cost: 100
"""


def test_shared_links_use_the_heuristic_and_say_so(tmp_path: Path) -> None:
    """Three flows share a 2 GB/day link: 70 GB, 35 working days, one past the 34 before
    go-live (max-min sharing: C done on day 15, B on 25, A on 35), so A is late. Wiring any
    one of them (its own 4 GB/day) puts all three in time (A wired: B on day 15; B wired: A
    on 25; C wired: A on 30): the cheapest plan is one wire, 100."""
    path = _write(tmp_path, SHARED)
    code, stdout, stderr = invoke("plan", str(path), "-n", "2", "--out", str(tmp_path / "out"))
    assert code == 0, stderr
    assert "Method: heuristic" in stdout
    rows = read_csv(tmp_path / "out" / "plan.csv")
    assert sum(float(r["cost"]) for r in rows) == 100
    assert all(float(r["prob_by_go_live"]) == 1.0 for r in rows)


BAD = {
    "duplicate": ("  - name: cap\n    set: {links.capped.daily_cap: 2 GB}\n    cost: 1\n",
                  "options[3].name: duplicate option name 'cap'"),
    "placeholder": ("  - name: c2\n    set: {\"flows[{flow}].volume\": 2 GB}\n    cost: 1\n",
                    "options[3].set.\"flows[{flow}].volume\": {flow} stands for"),
    "no link": ("  - name: c2\n    set: {links.nolink.daily_cap: 2 GB}\n    cost: 1\n",
                "options[3].set.\"links.nolink.daily_cap\": there is no link 'nolink'"),
    "bad link": ("  - name: c2\n    each: organisation\n"
                 "    set: {\"flows[{flow}].links\": [wird]}\n    cost: 1\n",
                 "options[3].set.\"flows[{flow}].links\": applied to 'A', flows[0].links[0]: "
                 "undefined link 'wird'"),
    "bad value": ("  - name: c2\n    set: {links.capped.daily_cap: 2 parsecs}\n    cost: 1\n",
                  "options[3].set.\"links.capped.daily_cap\": applied to 'A'"),
    "organisation": ("  - name: c2\n    each: organisation\n    flows: [Z]\n"
                     "    set: {\"flows[{flow}].links\": [wired]}\n    cost: 1\n",
                     "options[3].flows[0]: no organisation named 'Z'"),
    "crew": ("  - name: c2\n    each: organisation\n    set: {\"flows[{flow}].links\": [wired]}\n"
             "    cost: 1\n    crew: {capacity: 0, per: 1 week}\n",
             "options[3].crew.capacity"),
    "cost": ("  - name: c2\n    set: {links.capped.daily_cap: 2 GB}\n    cost: -5\n",
             "options[3].cost"),
    "shared crew": ("  - name: c2\n    each: organisation\n"
                    "    set: {links.shared: {daily_cap: 5 GB},\n"
                    "          \"flows[{flow}].links\": [shared]}\n"
                    "    cost: 1\n"
                    "    crew: {capacity: 1, per: 1 week}\n",
                    "options[3].crew: a crew installs each organisation's own copy of a link, "
                    "and link 'shared' is shared"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_options_exit_2_with_key_paths(tmp_path: Path, case: str) -> None:
    extra, expected = BAD[case]
    path = _write(tmp_path, SMALL + extra)
    for command in ("validate", "plan"):
        code, _, stderr = invoke(command, str(path), *(["-n", "5"] if command == "plan" else []))
        assert code == 2, stderr
        assert expected in stderr, stderr
        assert "Traceback" not in stderr


def test_bad_plan_arguments_exit_2(tmp_path: Path) -> None:
    path = _write(tmp_path, SMALL)
    nine = "".join(f"  - name: p{i}\n    set: {{links.capped.daily_cap: {i + 2} GB}}\n"
                   f"    cost: 1\n" for i in range(8))  # fmt: skip
    cases = [
        (["plan", str(_write(tmp_path, SMALL + nine, "nine.yaml")), "-n", "5"],
         "9 programme-wide options"),
        (["plan", str(path), "--target", "P80 < 2025-07-01"], "--target: cannot read"),
        (["plan", str(path), "--target", "P80 < go_live", "--chance", "0.8"],
         "give --chance or --target, not both"),
        (["plan", str(_write(tmp_path, SMALL.split("options:")[0], "none.yaml"))],
         "options: the scenario has no options"),
        (["plan", str(_write(tmp_path, SMALL.replace("go_live: 2025-07-14\n", ""),
                             "nogo.yaml"))], "the plan needs a go-live date"),
    ]  # fmt: skip
    for args, expected in cases:
        code, _, stderr = invoke(*args, "--out", str(tmp_path / "o"))
        assert code == 2, (args, stderr)
        assert expected in stderr, stderr


def test_target_reads_as_the_chance(tmp_path: Path) -> None:
    path = _write(tmp_path, SMALL)
    code, _, _ = invoke("plan", str(path), "-n", "30", "--target", "P80 < go_live",
                               "--out", str(tmp_path / "a"))  # fmt: skip
    code_b, _, _ = invoke("plan", str(path), "-n", "30", "--chance", "0.8",
                                 "--out", str(tmp_path / "b"))  # fmt: skip
    assert code == code_b == 0
    assert (tmp_path / "a" / "plan.csv").read_text() == (tmp_path / "b" / "plan.csv").read_text()


def test_a_flows_own_go_live_judges_its_organisation(tmp_path: Path) -> None:
    """C (35 GB at 1 GB a day: 35 working days, done Fri 18 Jul) is late for the programme's
    14 Jul but in time for its own 1 Sep: the plan leaves it as it is; without its own date
    the plan wires it."""
    text = SMALL.split("  - name: disks")[0].replace(
        "{low: 15 GB, likely: 35 GB, high: 50 GB}", "35 GB"
    )
    own = text.replace("volume: 35 GB}", "volume: 35 GB, go_live: 2025-09-01}")
    for name, scenario, option, p80 in (("own", own, "", "2025-07-18"), ("all", text, "wire", "")):
        path = _write(tmp_path, scenario, f"{name}.yaml")
        code, _, stderr = invoke("plan", str(path), "-n", "30", "--out", str(tmp_path / name))
        assert code == 0, stderr
        rows = {r["organisation"]: r for r in read_csv(tmp_path / name / "plan.csv")}
        assert rows["C"]["option"] == option
        assert float(rows["C"]["prob_by_go_live"]) >= 0.8
        if p80:
            assert rows["C"]["p80"] == p80


def test_the_report_says_what_it_would_take_in_both_languages(tmp_path: Path) -> None:
    path = _write(tmp_path, SMALL)
    for lang, title, budget, chart in (
        ("en", "What it would take", "What each budget buys", "Step chart of the cost"),
        ("cy", "Beth fyddai ei angen", "Beth a brynir am bob cyllideb", "Siart grisiau o gost"),
    ):
        out = tmp_path / lang
        code, stdout, stderr = invoke("plan", str(path), "-n", "20", "--lang", lang,
                                      "--out", str(out))  # fmt: skip
        assert code == 0, stderr
        report = (out / "report.html").read_text(encoding="utf-8")
        assert title in report
        assert budget in report
        assert chart in report  # the frontier chart, described in the report's language
        assert {"plan.csv", "frontier.csv", "frontier.png", "plan.yaml", "report.html",
                "summary.xlsx"} <= {p.name for p in out.iterdir()}  # fmt: skip
    assert "Cyfanswm y gost: " in stdout


def test_names_are_inert_in_plan_csv(tmp_path: Path) -> None:
    """An organisation or option named like a formula is text in plan.csv and frontier.csv."""
    text = SMALL.replace("name: A,", 'name: "=A1+1",').replace("name: wire", 'name: "@wire"')
    text = text.replace("flows: [A, C]", 'flows: ["=A1+1", C]')
    path = _write(tmp_path, text)
    code, _, stderr = invoke("plan", str(path), "-n", "20", "--out", str(tmp_path / "out"))
    assert code == 0, stderr
    rows = read_csv(tmp_path / "out" / "plan.csv")
    assert rows[0]["organisation"] == "'=A1+1"
    cells = [c for r in rows for c in r.values()]
    cells += [c for r in read_csv(tmp_path / "out" / "frontier.csv") for c in r.values()]
    assert not any(c.startswith(("=", "@", "+")) for c in cells)


def test_the_heuristic_on_a_separable_case_meets_the_target_and_costs_no_less(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forced onto the heuristic (as if flows shared a link), the plan still puts every
    organisation in time where the exact plan does, costs at least as much, and its figures
    are its own full run's; a crewed option's slots follow the order options were added."""
    from migrasim.analysis import plan as planning
    from migrasim.analysis.runner import LOCAL
    from migrasim.scenario.loader import read_scenario_data
    from migrasim.scenario.types import parse_scenario

    text = SMALL.replace("    group: route\n  - name: disks",
                         "    group: route\n    crew: {capacity: 1, per: 1 week}\n"
                         "  - name: disks", 1)  # fmt: skip
    # disks and the cap dearer than wiring: the crew is used
    text = text.replace("    cost: 20\n", "    cost: 200\n").replace("cost: 45", "cost: 450")
    path = _write(tmp_path, text)
    data = read_scenario_data(path, [])
    spec = parse_scenario(data, str(path))
    exact = planning.make_plan(data, str(path), spec, 0.8, None, False, 60, 4, LOCAL)
    monkeypatch.setattr(planning, "separable", lambda _scenario: False)
    found = planning.make_plan(data, str(path), spec, 0.8, None, False, 60, 4, LOCAL)
    assert (exact.method, found.method) == ("exact", "heuristic")
    assert exact.met
    assert found.met
    assert found.cost >= exact.cost
    slots = sorted(s for r in found.rows for _, s in r.slots)
    assert len(slots) >= 2
    assert slots == list(range(1, len(slots) + 1))  # one crew place per week, in order


def test_crew_slot_descriptions_are_in_the_language_asked(tmp_path: Path) -> None:
    """A crew slot's copy of a link is described from the catalogue: in English by default, in
    Welsh under --lang cy (plan.yaml and the report of the plan's scenario), as is plan.yaml's
    opening comment; the copy's name and its not_before stay as a scenario writes them."""
    text = SMALL.replace("    group: route\n  - name: disks",
                         "    group: route\n    crew: {capacity: 1, per: 1 week}\n"
                         "  - name: disks", 1)  # fmt: skip
    text = text.replace("    cost: 20\n", "    cost: 200\n").replace("cost: 45", "cost: 450")
    path = _write(tmp_path, text)
    written = {}
    for lang in ("en", "cy"):
        out = tmp_path / lang
        code, _, stderr = invoke("plan", str(path), "-n", "80", "--seed", "3", "--out", str(out),
                                 "--budget", "60", "--lang", lang)  # fmt: skip
        assert code == 0, stderr
        written[lang] = (out / "plan.yaml").read_text(encoding="utf-8")
        page = (out / "report.html").read_text(encoding="utf-8")
        assert ("no earlier than" in page) == (lang == "en")
    english = re.findall(r'description: "(wired in crew slot \d+ of [^"]+)"', written["en"])
    assert english
    assert "wired in crew slot 1 of wire: no earlier than 1 week after the start" in english
    assert "wired in crew slot 2 of wire: no earlier than 2 weeks after the start" in english
    welsh = re.findall(r'description: "(wired yn slot criw \d+ [^"]+)"', written["cy"])
    assert len(welsh) == len(english)
    assert (
        "wired yn slot criw 1 yr opsiwn wire: dim cynharach na 1 wythnos ar ôl y dechrau" in welsh
    )
    assert "crew slot" not in written["cy"]
    # and plan.yaml's opening comment
    assert written["en"].startswith("# The plan migrasim plan chose (migrasim plan ")
    assert "\n#   Total cost: " in written["en"]
    assert written["cy"].startswith("# Y cynllun a ddewisodd migrasim plan (migrasim plan ")
    assert "\n#   Cyfanswm y gost: " in written["cy"]
    assert "\n#   Ei newidiadau, fel y mae --set yn eu cymryd:\n" in written["cy"]
    for english in ("The plan", "Total cost", "Its changes", "in time", "Chance that"):
        assert english not in written["cy"]
    assert written["cy"].count("not_before: 1 week") == written["en"].count("not_before: 1 week")
