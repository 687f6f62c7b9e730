"""``migrasim run`` says which solver took the flows that share a link (issue 20): the batch,
every replication at once by phases, or the event engine, one replication at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import invoke

ROOT = Path(__file__).resolve().parents[2]
WALES = str(ROOT / "scenarios" / "health_boards.yaml")
SHARED = {
    "en": "Flows sharing a link, every replication solved at once (by phases): capped (29 flows).",
    "cy": "Llifau sy'n rhannu cyswllt, pob ailadroddiad wedi'i ddatrys ar unwaith (fesul cam): "
    "capped (29 llif).",
}


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_the_national_reading_says_it_ran_in_batch(tmp_path: Path, lang: str) -> None:
    code, stdout, stderr = invoke(
        "run", WALES, "--set", "links.capped.per_flow=false", "--out", str(tmp_path / "r"),
        "-n", "20", "--seed", "1", "--lang", lang,
    )  # fmt: skip
    assert code == 0, stderr
    assert SHARED[lang] in stdout.splitlines()


def test_the_per_organisation_reading_has_no_shared_note(tmp_path: Path) -> None:
    code, stdout, stderr = invoke(
        "run", WALES, "--out", str(tmp_path / "r"), "-n", "20", "--seed", "1"
    )
    assert code == 0, stderr
    assert "sharing a link" not in stdout


def test_a_shared_quota_keeps_the_engine_and_says_so(tmp_path: Path) -> None:
    # a daily cap with a bandwidth on a shared link: a quota whoever moves uses up, not phased
    scenario = tmp_path / "quota.yaml"
    scenario.write_text(
        "name: shared quota\nstart: 2025-07-07\nhorizon: 60 days\nreplications: 5\n"
        "links:\n  wan: {bandwidth: 10 Mbit/s, daily_cap: 20 GB}\n"
        "flows:\n"
        "  - {name: A, source: a, target: t, volume: {low: 10 GB, likely: 20 GB, high: 40 GB},"
        " links: [wan]}\n"
        "  - {name: B, source: b, target: t, volume: 30 GB, links: [wan]}\n",
        encoding="utf-8",
    )
    code, stdout, stderr = invoke("run", str(scenario), "--out", str(tmp_path / "r"))
    assert code == 0, stderr
    assert (
        "Flows the batch cannot phase exactly, on the event engine one replication at a time: "
        "wan (2 flows)." in stdout.splitlines()
    )


def test_a_mixed_run_names_each_path(tmp_path: Path) -> None:
    # the quota's pair keeps the engine, for itself only: the pair on hub is phased, the lone
    # flow on lan batched, and C waits for A across the two paths
    scenario = tmp_path / "mixed.yaml"
    scenario.write_text(
        "name: mixed\nstart: 2025-07-07\nhorizon: 120 days\nreplications: 5\n"
        "links:\n  wan: {bandwidth: 10 Mbit/s, daily_cap: 20 GB}\n"
        "  hub: {daily_cap: 5 GB}\n  lan: {daily_cap: 1 GB, per_flow: true}\n"
        "flows:\n"
        "  - {name: A, source: a, target: t, volume: 20 GB, links: [wan]}\n"
        "  - {name: B, source: b, target: t, volume: 30 GB, links: [wan]}\n"
        "  - {name: C, source: c, target: t, volume: 10 GB, links: [hub], after: [A]}\n"
        "  - {name: D, source: d, target: t, volume: 12 GB, links: [hub]}\n"
        "  - {name: E, source: e, target: t, volume: 3 GB, links: [lan], after: [C]}\n",
        encoding="utf-8",
    )
    code, stdout, stderr = invoke("run", str(scenario), "--out", str(tmp_path / "r"))
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert (
        "Flows sharing a link, every replication solved at once (by phases): hub (2 flows)."
        in lines
    )
    assert (
        "Flows the batch cannot phase exactly, on the event engine one replication at a time: "
        "wan (2 flows)." in lines
    )
