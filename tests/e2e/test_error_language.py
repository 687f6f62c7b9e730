"""Errors in the language of --lang: a bad scenario, a bad --set, a missing file and a refused
results folder exit 2 with the catalogue's Welsh under --lang cy, still naming the file, the
key path, the bad value and what is expected; without --lang the English is unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_languages import _leaks, _welsh_differs
from tests.helpers import invoke

SCENARIO = "scenarios/health_boards.yaml"
BAD = ("--set", "links.capped.daily_cap=5 XB", "--set", "links.capped.dialy_cap=3 GB")


def _lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_bad_scenario_in_welsh(command: str, tmp_path: Path) -> None:
    extra = ["--out", str(tmp_path / "out")] if command == "run" else []
    code, _, stderr = invoke(command, SCENARIO, *BAD, "--lang", "cy", *extra)
    assert code == 2
    lines = _lines(stderr)
    assert lines == [
        f"Gwall: {SCENARIO}: links.capped.daily_cap: uned anhysbys 'XB' yn '5 XB'; ai 'B' "
        "oeddech chi'n ei olygu? Ateb: rhowch werth o'r math hwn: maint fesul diwrnod gwaith, "
        "e.e. '1 GB' neu '1 GB/day'",
        f"Gwall: {SCENARIO}: links.capped.dialy_cap: allwedd anhysbys. Ateb: ai 'daily_cap' "
        "oeddech chi'n ei olygu? allweddi a ganiateir: daily_cap, bandwidth, efficiency, "
        "window, per_flow, daily_records, records_rate, outages, available_from, lead_time, "
        "fallback, not_before, draws_as, shipment, description, daily_cap_by_weekday",
    ]
    assert not (tmp_path / "out").exists()


def test_the_same_errors_in_english_without_lang() -> None:
    code, _, stderr = invoke("validate", SCENARIO, *BAD)
    assert code == 2
    assert _lines(stderr) == [
        f"Error: {SCENARIO}: links.capped.daily_cap: unknown unit 'XB' in '5 XB'; did you mean "
        "'B'? Fix: give a size per working day, e.g. '1 GB' or '1 GB/day'",
        f"Error: {SCENARIO}: links.capped.dialy_cap: unknown key. Fix: did you mean "
        "'daily_cap'? allowed keys: daily_cap, bandwidth, efficiency, window, per_flow, "
        "daily_records, records_rate, outages, available_from, lead_time, fallback, not_before, "
        "draws_as, shipment, description, daily_cap_by_weekday",
    ]


@pytest.mark.parametrize(
    ("args", "welsh"),
    [
        (("--set", "start=2025-13-01"),
         "start: nid dyddiad na dyddiad-amser dilys yw '2025-13-01'. Ateb: ysgrifennwch "
         "YYYY-MM-DD neu YYYY-MM-DDTHH:MM, e.e. 2025-06-02T08:00"),
        (("--set", "flows[Cardif].volume=1 GB"),
         "--set flows[Cardif].volume=1 GB: nid oes gan flows eitem o'r enw 'Cardif'; ai "
         "'Cardiff' oeddech chi'n ei olygu? Ateb: ysgrifennwch ALLWEDD=GWERTH"),
        (("--set", "links.wan.bandwidth=1 Gbit/s"),
         "--set links.wan.bandwidth=1 Gbit/s: nid oes cyswllt 'wan'. Ateb: "),
        (("--set", "replications=many"),
         "replications: dylai'r mewnbwn fod yn gyfanrif dilys, methu darllen y testun fel "
         "cyfanrif, cafwyd 'many'."),
        (("--set", "go_live=2020-01-01"),
         "nid yw'r dyddiad mynd yn fyw 2020-01-01 ar ôl y dechrau"),
    ],
)  # fmt: skip
def test_values_and_overrides_in_welsh(args: tuple[str, ...], welsh: str) -> None:
    code, _, stderr = invoke("validate", SCENARIO, *args, "--lang", "cy")
    assert code == 2, stderr
    assert stderr.startswith(f"Gwall: {SCENARIO}: "), stderr
    assert welsh in stderr
    # the user's own words, and key paths in examples (code names), are not translated
    # (the key `start` is a code name: "start" is also an English word of the catalogue)
    echoed = stderr.replace(args[1], " ").replace("flows[Cardiff].volume", " ")
    echoed = echoed.replace(": start:", ": ").replace(" start.", " ").replace(" start\n", "\n")
    assert _leaks(echoed, _welsh_differs()) == set()


def test_a_missing_file_in_welsh(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    code, _, stderr = invoke("run", str(missing), "--lang", "cy")
    assert code == 2
    assert _lines(stderr) == [f"Gwall: {missing}: nid oes ffeil o'r fath. Ateb: gwiriwch y llwybr"]


def test_a_refused_results_folder_in_welsh(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, stderr = invoke("run", SCENARIO, "--out", str(out), "--lang", "cy")
    assert code == 2
    assert _lines(stderr) == [
        f"Gwall: nid yw {out} yn wag ac mae'n dal ffeiliau nad ysgrifennodd migrasim "
        "(notes.txt); dewiswch --out arall"
    ]
    code, _, stderr = invoke("run", SCENARIO, "--out", str(out))
    assert code == 2
    assert _lines(stderr) == [
        f"Error: {out} is not empty and holds files migrasim did not write (notes.txt); "
        "choose another --out"
    ]


def test_inventory_rows_and_columns_in_welsh(tmp_path: Path) -> None:
    (tmp_path / "inv.csv").write_text(
        "source,target,volume\nA,B,10 GB\nC,D,12 XB\n", encoding="utf-8"
    )
    scenario = tmp_path / "plan.yaml"
    scenario.write_text(
        "name: t\nstart: 2025-07-07\nlinks: {wire: {bandwidth: 100 Mbit/s}}\n"
        "flows_from: {file: inv.csv, links: [wire]}\n",
        encoding="utf-8",
    )
    code, _, stderr = invoke("validate", str(scenario), "--lang", "cy")
    assert code == 2
    assert _lines(stderr) == [
        f"Gwall: {scenario}: inv.csv rhes 3, colofn volume: uned anhysbys 'XB' yn '12 XB'; ai "
        "'B' oeddech chi'n ei olygu? Ateb: rhowch werth o'r math hwn: maint gydag uned, e.e. "
        "'180 GB' (10^9 beit) neu '10 GiB' (2^30 beit)"
    ]
    code, _, stderr = invoke("validate", str(scenario))
    assert _lines(stderr) == [
        f"Error: {scenario}: inv.csv row 3, column volume: unknown unit 'XB' in '12 XB'; did "
        "you mean 'B'? Fix: give a size with a unit, e.g. '180 GB' (10^9 bytes) or '10 GiB' "
        "(2^30 bytes)"
    ]


def test_a_dependency_cycle_and_a_bad_grid_in_welsh() -> None:
    code, _, stderr = invoke(
        "validate", SCENARIO, "--set", "flows[Cardiff].after=[Newport]",
        "--set", "flows[Newport].after=[Cardiff]", "--lang", "cy",
    )  # fmt: skip
    assert code == 2
    assert "cylch dibyniaeth: " in stderr
    assert "Ateb: dilëwch un o'r cofnodion 'after' hyn" in stderr
    code, _, stderr = invoke("sweep", SCENARIO, "--grid", "links.capped.daily_cap=",
                             "--lang", "cy")  # fmt: skip
    assert code == 2
    assert _lines(stderr) == [
        "Gwall: --grid links.capped.daily_cap=: dim gwerthoedd. Ateb: rhestrwch werthoedd ar ôl ="
    ]


def test_validate_and_track_speak_welsh(tmp_path: Path) -> None:
    code, stdout, _ = invoke("validate", SCENARIO, "--lang", "cy")
    assert code == 0
    assert stdout == f"{SCENARIO}: dilys (29 llif, 1 cyswllt)\n"
    out = tmp_path / "out"
    code, stdout, stderr = invoke(
        "track", SCENARIO, "--actuals", "scenarios/actuals_example.csv", "-n", "20",
        "--out", str(out), "--lang", "cy",
    )  # fmt: skip
    assert code == 0, stderr
    assert ": ar 2025-06-28, 20 ailadroddiad, hedyn 1" in stdout
    assert "beth newidiodd" in stdout
    assert "diwrnod gwaith heb gyflwyno dim" in stdout
    assert "working days" not in stdout
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "diwrnod gwaith heb gyflwyno dim" in page
    assert "working days with nothing delivered" not in page
    # progress.csv keeps English (CSV files keep code names and English)
    assert "working days with nothing delivered" in (out / "progress.csv").read_text("utf-8")


def test_a_bad_transfer_log_in_welsh(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("date,flow,bytes\n2025-06-03,Cardif,1 GB\n2025-06-04,Cardiff,lots\n", "utf-8")
    code, _, stderr = invoke("track", SCENARIO, "--actuals", str(log), "--lang", "cy",
                             "--out", str(tmp_path / "out"))  # fmt: skip
    assert code == 2
    assert _lines(stderr) == [
        f"Gwall: {log} rhes 2, colofn flow: llif anhysbys 'Cardif'. Ateb: ai 'Cardiff' "
        "oeddech chi'n ei olygu? defnyddiwch enw llif o'r senario",
        f"Gwall: {log} rhes 3, colofn bytes: nid nifer o feitiau yw 'lots'. Ateb: rhowch nifer "
        "o feitiau neu faint fel '1.2 GB'",
    ]
    assert not (tmp_path / "out").exists()


def test_compare_s_usage_error_and_an_unknown_flow_in_welsh() -> None:
    code, _, stderr = invoke("compare", SCENARIO, "--lang", "cy")
    assert code == 2
    assert "Gwall: rhowch ddau senario neu ragor, neu un gyda --variant" in stderr
    assert "Defnydd: cli compare" in stderr  # click's own words in Welsh too
    code, _, stderr = invoke("compare", SCENARIO)
    assert "Error: give two or more scenarios, or one with --variant" in stderr

    from migrasim.analysis.experiment import Outcome
    from migrasim.errors import MigrasimError
    from migrasim.render.i18n import translator

    with pytest.raises(MigrasimError) as raised:
        Outcome.ordinals(_FakeOutcome(), "Nowhere")  # type: ignore[arg-type]
    assert str(raised.value) == "no flow named 'Nowhere' in 'Q'"
    assert raised.value.translated(translator("cy").gettext) == (
        "dim llif o'r enw 'Nowhere' yn 'Q'"
    )


class _FakeOutcome:
    """Just enough of an Outcome for ``ordinals`` to look a flow up and fail."""

    class _Model:
        flows = ()

    class _Scenario:
        name = "Q"

    model = _Model()
    scenario = _Scenario()

    def finished(self) -> object:
        return None
