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


def test_the_groups_help_page_in_welsh() -> None:
    """``migrasim --help --lang cy`` (either order): the top page, its commands' short help
    and click's words in Welsh."""
    for args in (["--help", "--lang", "cy"], ["--lang", "cy", "--help"]):
        code, stdout, stderr = invoke(*args)
        assert code == 0, stderr
        text = " ".join(stdout.split())
        assert text.startswith("Defnydd: cli [OPTIONS] COMMAND [ARGS]...")
        assert "migrasim: pryd y bydd mudo data swmp yn gorffen" in text
        assert "\nGorchmynion:\n" in stdout
        assert "run Efelychu SCENARIO: dyddiadau cwblhau" in text
        for english in ("Usage:", "Simulate", "Commands:", "Show the version"):
            assert english not in stdout


def test_lang_before_the_command_is_its_default() -> None:
    code, stdout, stderr = invoke("--lang", "cy", "validate", "scenarios/health_boards.yaml")
    assert code == 0, stderr
    assert stdout == "scenarios/health_boards.yaml: dilys (29 llif, 1 cyswllt)\n"
    code, stdout, _ = invoke("--lang", "cy", "validate", "scenarios/health_boards.yaml",
                             "--lang", "en")  # fmt: skip
    assert code == 0
    assert stdout == "scenarios/health_boards.yaml: valid (29 flows, 1 link)\n"
    code, _, stderr = invoke("--lang", "zz", "validate", "scenarios/health_boards.yaml")
    assert code == 2
    assert "'zz' is not one of" in stderr


def test_clicks_type_names_in_welsh() -> None:
    """The name click shows for a type (in a bad value's message and as the metavar) is the
    catalogue's; English as click writes it."""
    code, _, stderr = invoke("run", "x.yaml", "--seed", "abc", "--lang", "cy")
    assert code == 2
    assert "Gwall: Gwerth annilys i '--seed': Nid yw 'abc' yn ystod cyfanrif dilys." in stderr
    code, _, stderr = invoke("run", "x.yaml", "--precision", "abc", "--lang", "cy")
    assert code == 2
    assert "Nid yw 'abc' yn ystod rhif degol dilys." in stderr
    code, stdout, _ = invoke("run", "--help", "--lang", "cy")
    assert "--seed YSTOD CYFANRIF" in stdout
    assert "--out CYFEIRIADUR" in stdout
    assert "INTEGER RANGE" not in stdout
    code, _, stderr = invoke("run", "x.yaml", "--seed", "abc")
    assert code == 2
    assert "Error: Invalid value for '--seed': 'abc' is not a valid integer range." in stderr
