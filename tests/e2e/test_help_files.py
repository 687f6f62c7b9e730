"""Each command's --help names every file it writes: the command is run for real and every
file in its results folder (sub-folders too, a number written NNNN) must appear in the help
text, which is built from one registry (migrasim/render/outputs.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from migrasim.render import outputs
from migrasim.serve.session import Session
from tests.helpers import invoke

SCENARIO = "scenarios/health_boards.yaml"


def _help(command: str) -> str:
    code, stdout, stderr = invoke(command, "--help")
    assert code == 0, stderr
    return stdout


def _written(folder: Path) -> set[str]:
    """Every file under ``folder``, relative, with numbers written NNNN (points/0003.json)."""
    return {
        re.sub(r"\d{4}", "NNNN", p.relative_to(folder).as_posix())
        for p in folder.rglob("*")
        if p.is_file()
    }


def _small_scenario(tmp_path: Path) -> Path:
    data = {
        "name": "small",
        "start": "2025-07-07",
        "go_live": "2025-08-04",
        "calendar": {"holidays": "none"},
        "links": {"capped": {"daily_cap": "1 GB"}},
        "flows": [{"name": "a", "source": "s", "target": "t", "volume": "10 GB",
                   "links": ["capped"]}],
    }  # fmt: skip
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _run_args(tmp_path: Path, command: str) -> list[str]:
    quick = ["-n", "30", "--seed", "3"]
    if command == "run":
        return [SCENARIO, *quick]
    if command == "compare":
        return [SCENARIO, "scenarios/hardwired.yaml", *quick]
    if command == "sweep":
        return [SCENARIO, "--grid", "links.capped.daily_cap=1 GB,2 GB", *quick]
    if command == "track":
        return [SCENARIO, "--actuals", "scenarios/actuals_example.csv", *quick]
    if command == "plan":
        return ["scenarios/health_boards_options.yaml", *quick]
    assert command == "solve"
    return [str(_small_scenario(tmp_path)), "--vary", "start", "--between", "2025-07-07",
            "2025-08-01"]  # fmt: skip


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "solve", "track", "plan"])
def test_help_names_every_file_the_command_writes(command: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, stderr = invoke(command, *_run_args(tmp_path, command), "--out", str(out))
    assert code == 0, stderr
    written = _written(out)
    assert {"report.html", "summary.xlsx"} <= written
    text = _help(command)
    missing = sorted(name for name in written if name not in text)
    assert missing == [], f"{command} --help does not name {missing}"


def test_the_help_is_the_registry() -> None:
    """The help lists come from render/outputs.py, so a file added there is in the help."""
    for command, files in outputs.WRITES.items():
        text = _help(command)
        assert all(o.name in text and o.what in text for o in files), command


def test_serve_help_names_the_board_pack_files(tmp_path: Path) -> None:
    session = Session(Path(SCENARIO), 20, 3)
    session.results = tmp_path / "results"
    pack = session.board_pack({})
    text = _help("serve")
    assert pack == tmp_path / "results" / "pack-1"
    written = _written(pack)
    assert {"report.html", "summary.xlsx", "summary.csv", "gantt.png"} <= written
    assert sorted(name for name in written if name not in text) == []
    assert "results/<stem>-serve/pack-N/" in text
    assert "<stem>.variant-N.yaml" in text


def test_schema_and_validate_say_what_they_write(tmp_path: Path) -> None:
    assert "Writes only the --out FILE" in _help("schema")
    assert "Writes no files." in _help("validate")
    target = tmp_path / "schema.json"
    code, _, _ = invoke("schema", "--out", str(target))
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schema.json"]
