"""Every ``--help`` page in English is exactly as it was before the help texts came from the
catalogues (``tests/e2e/help_en/``: each page as main printed it, at 80 columns)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from migrasim.cli import cli

PAGES = Path(__file__).with_name("help_en")
COMMANDS = ["", "run", "validate", "compare", "sweep", "solve", "track", "serve", "plan", "schema"]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("lang", [[], ["--lang", "en"]])
def test_english_help_is_unchanged(
    command: str, lang: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MIGRASIM_LOCALE_DIR", raising=False)
    if lang and command == "schema":
        pytest.skip("no --lang")
    args = ([command] if command else []) + ["--help", *lang]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert result.stdout == (PAGES / f"{command or 'migrasim'}.txt").read_text(encoding="utf-8")
