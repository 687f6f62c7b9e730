"""click's own messages (usage errors, the help page) in the language of ``--lang``; English
and the exit codes as before."""

from __future__ import annotations

import re

from tests.helpers import invoke


def test_a_usage_error_in_welsh_is_still_exit_2() -> None:
    code, stdout, stderr = invoke("run", "--lang", "cy", "--bogus")
    assert code == 2
    assert stdout == ""
    assert "Defnydd: cli run [OPTIONS] SCENARIO" in stderr
    assert "Rhowch gynnig ar 'cli run --help' am gymorth." in stderr
    assert "Gwall: Does dim opsiwn '--bogus'." in stderr
    for english in ("Usage", "Error", "No such", "Try"):
        assert english not in stderr


def test_a_missing_argument_and_a_bad_value_in_welsh() -> None:
    code, _, stderr = invoke("run", "--lang=cy")
    assert code == 2
    assert "Gwall: Ymresymiad ar goll 'SCENARIO'." in stderr
    code, _, stderr = invoke("run", "x.yaml", "--seed", "-3", "--lang", "cy")
    assert code == 2
    assert "Gwall: Gwerth annilys i '--seed': Nid yw -3 yn yr ystod x>=0." in stderr


def test_the_help_page_in_welsh() -> None:
    code, stdout, stderr = invoke("run", "--help", "--lang", "cy")
    assert code == 0, stderr
    assert stdout.startswith("Defnydd: cli run [OPTIONS] SCENARIO\n")
    assert "\nOpsiynau:\n" in stdout
    assert re.search(r"Dangos y neges hon\s+a\s+gadael\.", stdout)
    assert "[rhagosodiad: en]" in stdout
    for english in ("Usage:", "Options:", "Show this", "[default:"):
        assert english not in stdout
    code, stdout, _ = invoke("--help")  # the group's page takes no --lang: English
    assert code == 0
    assert "Commands:" in stdout


def test_english_is_unchanged_after_welsh() -> None:
    """The language is click's only while the Welsh command runs."""
    assert invoke("run", "--lang", "cy", "--bogus")[0] == 2
    code, stdout, stderr = invoke("run", "--bogus")
    assert code == 2
    assert stderr == (
        "Usage: cli run [OPTIONS] SCENARIO\n"
        "Try 'cli run --help' for help.\n\n"
        "Error: No such option '--bogus'. Did you mean '--out'?\n"
    )
    code, stdout, _ = invoke("run", "--help")
    assert code == 0
    assert stdout.startswith("Usage: cli run [OPTIONS] SCENARIO\n")
    assert "\nOptions:\n" in stdout
    assert re.search(r"Show this message\s+and\s+exit\.", stdout)


def test_workers_with_a_scheduler_is_refused_in_welsh() -> None:
    code, _, stderr = invoke("run", "scenarios/health_boards.yaml", "-j", "2", "--scheduler",
                             "tcp://127.0.0.1:1", "--lang", "cy")  # fmt: skip
    assert code == 2
    assert "Gwall: mae --workers yn gosod prosesau lleol; gyda --scheduler, gweithwyr" in stderr
    assert "gyda dask worker --nworkers yn lle hynny)" in " ".join(stderr.split())
