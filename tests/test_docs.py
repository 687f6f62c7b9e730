"""The documentation tells the truth about the commands and the semantics the tests cite.

As sqlite-utils' tests/test_docs.py: every click command has help text and is in README.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from migrasim.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SEMANTICS = ROOT / "docs" / "semantics.md"


def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    """Every command under ``group``, subgroups included, as ('sub command', command)."""
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        found.append((full, command))
        if isinstance(command, click.Group):
            found.extend(commands(command, full + " "))
    return found


COMMANDS = commands(cli)


def test_there_are_commands_to_check() -> None:
    # the six of today's README; more may come, none may vanish unnoticed
    assert {"run", "compare", "sweep", "solve", "validate", "schema"} <= {n for n, _ in COMMANDS}


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_help(name: str, command: click.Command) -> None:
    assert (command.help or "").strip(), f"migrasim {name}: no docstring or help="
    result = CliRunner().invoke(cli, [*name.split(), "--help"], prog_name="migrasim")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: migrasim {name} "), result.output.splitlines()[0]
    # click wraps the text to the terminal width; compare word by word
    first_line = command.help.strip().splitlines()[0]
    assert " ".join(first_line.split()) in " ".join(result.output.split())


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_options_have_help(name: str, command: click.Command) -> None:
    bare = [
        p.name
        for p in command.params
        if isinstance(p, click.Option) and not p.hidden and not (p.help or "").strip()
    ]
    assert bare == [], f"migrasim {name}: options without help"


@pytest.mark.parametrize("name", [n for n, _ in COMMANDS])
def test_command_is_in_the_readme(name: str) -> None:
    assert re.search(rf"`?migrasim {re.escape(name)}\b", README), (
        f"migrasim {name} is not mentioned in README.md. Fix: add an example or a bullet for it"
    )


def cited_sections() -> set[str]:
    """Section numbers cited as 'docs/semantics.md §N' anywhere under tests/."""
    found: set[str] = set()
    for path in (ROOT / "tests").rglob("*.py"):
        found.update(re.findall(r"docs/semantics\.md §(\d+)", path.read_text(encoding="utf-8")))
    return found


def test_cited_semantics_sections_exist() -> None:
    cited = cited_sections()
    assert {"1", "2", "3", "4"} <= cited  # the worked examples the engine tests rest on
    headings = set(re.findall(r"^## (\d+)\. ", SEMANTICS.read_text(encoding="utf-8"), re.M))
    assert cited - headings == set(), "tests cite sections docs/semantics.md lacks"


def test_no_test_cites_a_semantics_file_outside_docs() -> None:
    stray = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in (ROOT / "tests").rglob("*.py")
        if path.name != "test_docs.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"(?<!docs/)semantics\.md", line)
    ]
    assert stray == []


def notebook_example(readme: str) -> str:
    """The Python code of README.md's "In a notebook" section."""
    section = readme.split("\n## In a notebook\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the section has one ```python block"
    return blocks[0]


def test_the_notebook_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README's "In a notebook" example, executed as written (from a copy of the repository's
    scenarios): it prints the tables and writes the folder `migrasim run` writes."""
    import shutil

    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(notebook_example(README), "README.md", "exec"), namespace)
    folder = tmp_path / "results" / "health_boards-notebook"
    assert {"summary.csv", "completions.csv", "cdf.png", "report.html"} <= {
        p.name for p in folder.iterdir()
    }
    chart = namespace["chart"]
    assert isinstance(chart, bytes)
    assert chart == (folder / "cdf.png").read_bytes()
    assert len(namespace["wired"].side_by_side) == 2  # type: ignore[attr-defined]


def test_the_notebook_example_is_found() -> None:
    with pytest.raises(IndexError):
        notebook_example("# nothing\n")
    assert "migrasim.run(" in notebook_example(README)
