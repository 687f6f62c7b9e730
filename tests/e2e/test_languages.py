"""A language is a catalogue: a third (pseudo-)language added as a catalogue alone reaches every
output (report, workbook, charts, terminal), and the Welsh outputs hold no English from the
catalogue.

The pseudo-language ``xx`` translates every msgid to ``⟦msgid⟧``. What is left of an output once
the ``⟦…⟧`` spans and the scenario's own text (names, descriptions, the file itself) are removed
must hold no msgid's English: that would be a string that bypassed the catalogue.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from matplotlib.text import Text
from openpyxl import load_workbook

from migrasim.analysis import parallel
from migrasim.render import tables
from migrasim.render.click_texts import CLICK_MESSAGES
from migrasim.render.i18n import LOCALE_DIR
from migrasim.render.inputs import assumptions_of
from migrasim.render.outputs import WRITES
from migrasim.scenario.loader import load_scenario
from tests.helpers import invoke

SCENARIO = Path("scenarios/health_boards.yaml")
POT = LOCALE_DIR / "migrasim.pot"


def _messages(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _msgids() -> list[str]:
    """Every English string of the catalogue (plural forms too)."""
    found: list[str] = []
    for message in _messages(POT):
        if message.id:
            found += list(message.id) if isinstance(message.id, tuple) else [message.id]
    return found


def _fragments(msgid: str) -> list[str]:
    """The literal English pieces of a msgid long enough to be recognised: between its
    placeholders, with two or more words."""
    text = msgid.replace("%%", "%")
    pieces = re.split(r"%\(\w+\)s", text)
    return [p.strip(" ,.;:()") for p in pieces if len(p.strip(" ,.;:()").split()) >= 2]


def _whole_words(msgid: str) -> str | None:
    """A msgid without placeholders, as a word-bounded pattern (one-word messages too)."""
    if "%(" in msgid or not re.search(r"[A-Za-z]{2}", msgid):
        return None
    return r"(?<![\w⟦])" + re.escape(msgid.replace("%%", "%")) + r"(?![\w⟧])"


def _leaks(text: str, msgids: list[str]) -> set[str]:
    """The msgids whose English appears in ``text``."""
    found = set()
    for msgid in msgids:
        pattern = _whole_words(msgid)
        if pattern is None:
            hit = any(f and f in text for f in _fragments(msgid))
        else:
            hit = re.search(pattern, text) is not None
        if hit:
            found.add(msgid)
    return found


def _without_catalogue_text(text: str) -> str:
    """``text`` with every ``⟦…⟧`` span removed (innermost first: messages nest)."""
    previous = None
    while previous != text:
        previous, text = text, re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
    return text


def _user_values() -> list[str]:
    """The scenario's own text: shown as given, in whatever language it is written."""
    spec = load_scenario(SCENARIO)
    values = [spec.name, *spec.links, *(flow.label for flow in spec.flows)]
    values += [text for pair in assumptions_of(spec) for text in pair]  # key paths too
    values += SCENARIO.read_text(encoding="utf-8").splitlines()
    return sorted({v.strip() for v in values if v.strip()}, key=len, reverse=True)


def _without_user_values(text: str) -> str:
    for value in _user_values():
        text = text.replace(value, " ")
    return text


class _Visible(HTMLParser):
    """The page's visible text and human-read attributes, without the command and scenario."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "pre"):
            self._skip += 1
        self.parts += [v or "" for k, v in attrs if k in ("alt", "title", "aria-label")]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "pre"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _page_text(path: Path) -> str:
    parser = _Visible()
    parser.feed(path.read_text(encoding="utf-8"))
    return "\n".join(parser.parts)


def _workbook_words(path: Path) -> list[str]:
    """Sheet names, every sheet's header row and the About sheet's item names."""
    book = load_workbook(path)
    words = list(book.sheetnames)
    for sheet in book.worksheets:
        words += [str(c.value) for c in sheet[1] if c.value is not None]
    about = book.worksheets[-1]
    words += [str(row[0]) for row in about.iter_rows(min_row=2, values_only=True)]
    return words


@pytest.fixture
def chart_texts(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Every text artist's string (titles, labels, ticks, legends, annotations) of each chart
    a run draws, collected as the chart is saved (after drawing, so the ticks are set)."""
    collected: dict[str, list[str]] = {}
    real = tables.figure_png

    def saving(figure: Any) -> bytes:
        png = real(figure)
        texts = [t.get_text() for t in figure.findobj(Text) if t.get_text().strip()]
        collected[f"figure {len(collected) + 1}"] = texts
        return png

    monkeypatch.setattr(tables, "figure_png", saving)
    # ``run`` draws its charts in forked helpers; here they must be drawn in this one.
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    return collected


def _write_pseudo(root: Path) -> None:
    """The xx catalogue: every msgid of the .pot as ``⟦msgid⟧`` (English's plural rule)."""
    pseudo = Catalog(locale="en", domain="migrasim")
    for message in _messages(POT):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            pseudo.add(message.id, tuple(f"⟦{s}⟧" for s in message.id), flags=message.flags)
        else:
            pseudo.add(message.id, f"⟦{message.id}⟧", flags=message.flags)
    folder = root / "xx" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "migrasim.po").open("wb") as handle:
        write_po(handle, pseudo)


def _run(out: Path, lang: str) -> str:
    code, stdout, stderr = invoke(
        "run", str(SCENARIO), "--lang", lang, "-n", "50", "--seed", "3", "--out", str(out)
    )
    assert code == 0, stderr
    return stdout


def test_a_catalogue_alone_adds_a_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chart_texts: dict[str, list[str]]
) -> None:
    _write_pseudo(tmp_path / "locale")
    monkeypatch.setenv("MIGRASIM_LOCALE_DIR", str(tmp_path / "locale"))
    out = tmp_path / "out"
    stdout = _run(out, "xx")
    msgids = _msgids()

    page = _page_text(out / "report.html")
    assert "⟦Summary⟧" in page
    assert _leaks(_without_user_values(_without_catalogue_text(page)), msgids) == set()

    words = _workbook_words(out / "summary.xlsx")
    # Every sheet name, header and About item comes from the catalogue (a sheet name may be
    # cut at Excel's 31 characters, so only its opening bracket is certain).
    assert all(word.startswith("⟦") for word in words), [w for w in words if w[:1] != "⟦"]

    assert len(chart_texts) == 4  # burnup, gantt, cdf, tornado
    for name, texts in chart_texts.items():
        joined = "\n".join(texts)
        assert "⟦" in joined, name
        leaks = _leaks(_without_user_values(_without_catalogue_text(joined)), msgids)
        assert leaks == set(), (name, leaks)

    terminal = _without_user_values(_without_catalogue_text(stdout))
    assert _leaks(terminal, msgids) == set()


def test_the_leak_check_sees_english(tmp_path: Path, chart_texts: dict[str, list[str]]) -> None:
    """The same checks on the English outputs find the catalogue's English, so they can fail."""
    out = tmp_path / "out"
    stdout = _run(out, "en")
    msgids = _msgids()
    page = _without_user_values(_page_text(out / "report.html"))
    assert {"Summary", "Will we make go-live?", "Bottleneck"} <= _leaks(page, msgids)
    assert "Organisation" in _workbook_words(out / "summary.xlsx")
    charts = "\n".join(text for texts in chart_texts.values() for text in texts)
    assert {"Overall programme", "input at its low value"} <= _leaks(charts, msgids)
    assert "Baseline: %(late)s of %(n)s organisations miss go-live." in _leaks(stdout, msgids)


def _welsh_differs() -> list[str]:
    """The msgids whose Welsh differs from the English (the others, e.g. "P80", are shared)."""
    differ: list[str] = []
    for message in _messages(LOCALE_DIR / "cy" / "LC_MESSAGES" / "migrasim.po", "cy"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        differ += [i for i in ids if i not in strings]
    return differ


def test_the_welsh_outputs_hold_no_english_from_the_catalogue(
    tmp_path: Path, chart_texts: dict[str, list[str]]
) -> None:
    out = tmp_path / "out"
    stdout = _run(out, "cy")
    english = _welsh_differs()
    page = _without_user_values(_page_text(out / "report.html"))
    assert "Crynodeb" in page
    assert _leaks(page, english) == set()
    words = "\n".join(_workbook_words(out / "summary.xlsx"))
    assert "Crynodeb" in words
    assert _leaks(words, english) == set()
    assert len(chart_texts) == 4
    for name, texts in chart_texts.items():
        assert _leaks(_without_user_values("\n".join(texts)), english) == set(), name
    assert _leaks(_without_user_values(stdout), english) == set()


def test_welsh_charts_differ_from_the_english(
    tmp_path: Path, chart_texts: dict[str, list[str]]
) -> None:
    _run(tmp_path / "en", "en")
    english = dict(chart_texts)
    chart_texts.clear()
    _run(tmp_path / "cy", "cy")
    assert len(english) == len(chart_texts) == 4
    for name, texts in chart_texts.items():
        assert texts != english[name], name
    for chart in ("burnup.png", "gantt.png", "cdf.png", "tornado.png"):
        assert (tmp_path / "cy" / chart).read_bytes() != (tmp_path / "en" / chart).read_bytes()


# --------------------------------------------------------------------------------------------
# Every command, in a language whose every letter differs from English
# --------------------------------------------------------------------------------------------
#
# The ``⟦msgid⟧`` language above shows each catalogue message reaches an output, but a leak
# inside a message's value (English text put into a translated sentence) hides inside the
# brackets. Here the pseudo-language ``xa`` writes every msgid with accented letters
# ("Summary" -> "Śúḿḿáŕý"): whatever plain Latin word is left in an output, once the scenario's
# own text and code names (file paths, key paths, CSV code names given on the command line)
# are taken out, is English that did not come from the catalogue.

_ACCENTED = dict(zip(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áḃćḋéḟǵĥíĵḱĺḿńóṕʠŕśẗúṽẃẍýźÁḂĆḊÉḞǴĤÍĴḰĹḾŃÓṔɊŔŚṪÚṼẂẌÝŹ",
    strict=True,
))  # fmt: skip
_HOLDER = re.compile(r"(%\(\w+\)[sd]|%%)")
#: click's messages are filled by ``str.format``: their ``{name!r}`` fields are kept too
_CLICK_HOLDER = re.compile(r"(%\(\w+\)[sd]|%%|\{\w*(?:![rsa])?\})")
_CLICK_IDS = {m if isinstance(m, str) else m[0] for m in CLICK_MESSAGES}


def _accented(msgid: str, holder: re.Pattern[str] = _HOLDER) -> str:
    """``msgid`` with every letter outside its placeholders accented."""
    return "".join(
        part if holder.fullmatch(part) else "".join(_ACCENTED.get(c, c) for c in part)
        for part in holder.split(msgid)
    )


def _write_accented(root: Path, lang: str = "xa") -> None:
    pseudo = Catalog(locale="en", domain="migrasim")
    for message in _messages(POT):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        holder = _CLICK_HOLDER if ids[0] in _CLICK_IDS else _HOLDER
        if isinstance(message.id, tuple):
            pseudo.add(message.id, tuple(_accented(s, holder) for s in ids), flags=message.flags)
        else:
            pseudo.add(message.id, _accented(message.id, holder), flags=message.flags)
    folder = root / lang / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "migrasim.po").open("wb") as handle:
        write_po(handle, pseudo)


SCENARIOS = Path("scenarios")
ACTUALS = SCENARIOS / "actuals_example.csv"
#: Not English prose: the product, the software it runs on, units, and month and day names
#: (a language Babel does not know formats dates as English does).
_ALLOWED = {
    "migrasim", "Python", "SimPy", "GB", "MB", "TB", "kB", "Gbit", "Mbit", "January",
    "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
    "Sept", "Dec",
}  # fmt: skip
_CODE = re.compile(
    r"[\w./-]*/[\w./-]+"  # a path
    r"|\b[A-Za-z_]\w*(?:\[[^\]]*\])?(?:\.\w+(?:\[[^\]]*\])?)+"  # a key path, a file name
    r"|\b[a-z]+(?:_[a-z]+)+\b"  # a code name (go_live, prob_by_go_live, volume_method)
)


def _scenario_text(*names: str) -> list[str]:
    """Every scenario's own text (names, descriptions, the file's lines), longest first."""
    values: list[str] = []
    for name in names:
        path = SCENARIOS / f"{name}.yaml"
        spec = load_scenario(path)
        values += [spec.name, *spec.links, *(flow.label for flow in spec.flows)]
        values += [option.name for option in spec.options or []]
        values += [text for pair in assumptions_of(spec) for text in pair]
        values += path.read_text(encoding="utf-8").splitlines()
    return sorted({v.strip() for v in values if v.strip()}, key=len, reverse=True)


def _english(text: str, values: list[str]) -> set[str]:
    """The plain Latin words of ``text`` left once ``values`` and code are taken out."""
    for value in values:
        text = text.replace(value, " ")
    text = _CODE.sub(" ", text)
    return set(re.findall(r"[A-Za-z]{2,}", text)) - _ALLOWED


def _all_outputs(folder: Path) -> str:
    """The report's visible text, the workbook's sheet names, headers and About items."""
    parts = []
    if (folder / "report.html").is_file():
        parts.append(_page_text(folder / "report.html"))
    if (folder / "summary.xlsx").is_file():
        parts += _workbook_words(folder / "summary.xlsx")
    return "\n".join(parts)


#: Each command with --lang xa: its arguments (``OUT`` is its results folder) and the
#: scenarios whose text its outputs show. ``track-history`` is a second forecast appended to
#: the history of a first one (the first a week earlier, on the log's rows before then).
COMMANDS: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "run": (["run", "scenarios/health_boards.yaml", "-n", "20", "--out", "OUT"],
            ("health_boards",)),
    "validate": (["validate", "scenarios/health_boards.yaml"], ("health_boards",)),
    "compare": (["compare", "scenarios/health_boards.yaml",
                 "scenarios/health_boards_shared.yaml", "-n", "20", "--out", "OUT"],
                ("health_boards", "health_boards_shared")),
    "sweep": (["sweep", "scenarios/health_boards.yaml", "--grid",
               "links.capped.daily_cap=1 GB,2 GB", "-n", "20", "--out", "OUT"],
              ("health_boards",)),
    "solve": (["solve", "scenarios/health_boards.yaml", "--vary", "links.capped.daily_cap",
               "--between", "1 GB", "20 GB", "-n", "20", "--out", "OUT"], ("health_boards",)),
    "track-history": (["track", "scenarios/health_boards.yaml", "--actuals", str(ACTUALS),
                       "-n", "20", "--history", "HISTORY", "--out", "OUT"], ("health_boards",)),
    "plan": (["plan", "scenarios/health_boards_options.yaml", "-n", "20", "--out", "OUT"],
             ("health_boards_options",)),
    "error": (["run", "scenarios/health_boards.yaml", "--set", "links.capd.daily_cap=2 GB",
               "--out", "OUT"], ("health_boards",)),
}  # fmt: skip


@pytest.fixture(scope="module")
def accented(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("locale")
    _write_accented(root)
    return root


def _first_forecast(folder: Path, history: Path) -> str:
    """The forecast a week before the log's end, on its rows before then: the history's
    first row (and its terminal text)."""
    early = folder / "early.csv"
    lines = ACTUALS.read_text(encoding="utf-8").splitlines()
    early.write_text("\n".join([lines[0], *(r for r in lines[1:] if r < "2025-06-21")]) + "\n",
                     encoding="utf-8")  # fmt: skip
    code, stdout, stderr = invoke(
        "track", "scenarios/health_boards.yaml", "--actuals", str(early), "--as-of",
        "2025-06-21", "-n", "20", "--history", str(history), "--lang", "xa",
        "--out", str(folder / "first"),
    )  # fmt: skip
    assert code == 0, stderr
    return stdout


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_speaks_a_catalogue_language_only(
    command: str,
    accented: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chart_texts: dict[str, list[str]],
) -> None:
    monkeypatch.setenv("MIGRASIM_LOCALE_DIR", str(accented))
    args, scenarios = COMMANDS[command]
    out, history = tmp_path / "out", tmp_path / "history.csv"
    terminal = _first_forecast(tmp_path, history) if command == "track-history" else ""
    args = [{"OUT": str(out), "HISTORY": str(history)}.get(a, a) for a in args]
    code, stdout, stderr = invoke(*args, "--lang", "xa")
    assert code == (2 if command == "error" else 0), stderr
    given = [a for a in args if not a.startswith("-")]  # the command line's own values
    values = _scenario_text(*scenarios) + given + [w for a in given for w in re.split(r"\W", a)]
    terminal += stdout + stderr
    assert re.search("[ÁáÉéÓóŚśŃńŔŕ]", terminal), terminal  # the catalogue's text arrived
    assert _english(terminal, values) == set(), terminal
    if command in ("validate", "error"):
        return
    if command == "plan":
        assert _english(_plan_yaml_words(out / "plan.yaml"), values) == set()
    assert _english(_all_outputs(out), values) == set()
    if command == "track-history":
        assert _english(_all_outputs(tmp_path / "first"), values) == set()
    assert chart_texts or command == "solve", "no chart was drawn"  # solve draws none
    for name, texts in chart_texts.items():
        assert _english("\n".join(texts), values) == set(), (name, texts)


_SYNTAX = re.compile(r"--?[\w-]+=?\S*|\b[A-Z][A-Z_]+\b|\bcli\b")
"""Command-line syntax in click's lines: an option with its value, a metavar (SCENARIO,
[OPTIONS]), the program's name under the test runner."""


def _plan_yaml_words(path: Path) -> str:
    """plan.yaml's words for a person: its opening comment (but the ``--set`` changes it lists,
    which are code) and the descriptions of the links the plan adds (crew slots)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    comment = [line for line in lines[: next(i for i, x in enumerate(lines) if not
                                             x.startswith("#"))]
               if not line.startswith("#     ")]  # fmt: skip
    slots = [m for m in re.findall(r'^\s*description: "(.*)"$', "\n".join(lines), re.M)
             if re.search("[ÁáÉéÓóŚśŃńŔŕ]", m)]  # fmt: skip
    assert slots, "the plan takes a crewed option: its slot's link is described"
    return _SYNTAX.sub(" ", "\n".join([*comment, *slots]))


USAGE_ERRORS = [
    ["run", "--bogus"],
    ["run"],
    ["run", "x.yaml", "--seed", "-1"],
    ["run", "x.yaml", "--seed", "abc"],  # click's type name: "is not a valid integer range"
    ["run", "x.yaml", "--precision", "abc"],
    ["compare", "a.yaml", "b.yaml", "--replications", "0"],
]


@pytest.mark.parametrize("args", USAGE_ERRORS)
def test_clicks_usage_errors_speak_a_catalogue_language(
    args: list[str], accented: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """click's own messages (a usage error: unknown option, missing argument, bad value)."""
    monkeypatch.setenv("MIGRASIM_LOCALE_DIR", str(accented))
    code, _, stderr = invoke(*args, "--lang", "xa")
    assert code == 2, stderr
    assert re.search("[ÚúÉéŔŕ]", stderr), stderr
    assert _english(_SYNTAX.sub(" ", stderr), args) == set(), stderr


def test_the_help_page_speaks_a_catalogue_language_in_clicks_words(
    accented: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """click's words on the help page."""
    monkeypatch.setenv("MIGRASIM_LOCALE_DIR", str(accented))
    code, stdout, stderr = invoke("run", "--help", "--lang", "xa")
    assert code == 0, stderr
    assert stdout.startswith(_accented("Usage:") + " cli run [OPTIONS] SCENARIO\n")
    assert f"\n{_accented('Options')}:\n" in stdout
    assert _accented("Show this") in stdout
    assert f"[{_accented('default: {default}', _CLICK_HOLDER).format(default='en')}]" in stdout
    for english in ("Usage", "Options:", "Show this", "[default:"):
        assert english not in stdout


HELP_PAGES = [
    "",
    "run",
    "validate",
    "compare",
    "sweep",
    "solve",
    "track",
    "serve",
    "plan",
    "schema",
]


def _help_words(page: str) -> set[str]:
    """The English words of a help page once its syntax (options, metavars), its example
    command lines, file names, code and language codes are taken out."""
    page = "\n".join(line for line in page.splitlines() if not line.strip().startswith("migrasim "))
    for name in sorted({o.name for files in WRITES.values() for o in files}, key=len)[::-1]:
        page = page.replace(name, " ")  # the files' names, longest first
    page = re.sub(r"\[x[<>]=?\d+\]|\b(?:en|xa|cy)\b|tcp://|\bcli \w+", " ", page)
    page = re.sub(r"^  [a-z]+  ", " ", page, flags=re.M)  # the group's list of commands
    return _english(_SYNTAX.sub(" ", page), ["127.0.0.1"])


@pytest.mark.parametrize("command", HELP_PAGES)
def test_every_help_page_speaks_a_catalogue_language_only(
    command: str, accented: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command's own help, every option's help and the files it writes are the
    catalogue's, as are click's words; only syntax and example command lines are left."""
    monkeypatch.setenv("MIGRASIM_LOCALE_DIR", str(accented))
    lang = ["--lang", "xa"]  # the group's page (and schema's): --lang before the command
    args = [*lang, command, "--help"] if command in ("", "schema") else [command, "--help", *lang]
    code, stdout, stderr = invoke(*[a for a in args if a])
    assert code == 0, stderr
    assert re.search("[ÁáÉéÓóŚśŃńŔŕ]", stdout), stdout
    assert _help_words(stdout) == set(), stdout
    code, english, _ = invoke(*[a for a in args if a and a not in lang])  # the check sees English
    assert code == 0
    assert {"Replace", "Language", "Files", "Simulate", "Print"} & _help_words(english)


def test_the_welsh_help_page() -> None:
    code, stdout, stderr = invoke("run", "--help", "--lang", "cy")
    assert code == 0, stderr
    text = " ".join(stdout.split())
    assert "Efelychu SCENARIO: dyddiadau cwblhau" in text
    assert "Hedyn hap (rhagosodiad: un y ffeil, fel arall 0). [x>=0]" in text
    assert "Ffeiliau a ysgrifennir yn y ffolder canlyniadau:" in text
    assert "cdf.png gydag ailadroddiadau, siart: y siawns o orffen erbyn pob dyddiad" in text
    assert "Enghraifft: migrasim run scenarios/health_boards.yaml" in text
    for english in ("Simulate", "Random seed", "Files written", "chart:", "Example:"):
        assert english not in stdout


def test_a_dask_error_speaks_a_catalogue_language(
    accented: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--scheduler without dask.distributed installed: the message says how to install it."""
    for name in [m for m in sys.modules if m == "distributed" or m.startswith("distributed.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    monkeypatch.setenv("MIGRASIM_LOCALE_DIR", str(accented))
    args = ["run", "scenarios/health_boards.yaml", "--scheduler", "tcp://127.0.0.1:8786"]
    code, _, stderr = invoke(*args, "--lang", "xa")
    assert code == 2, stderr
    assert "pip install 'migrasim[distributed]'" in stderr
    values = [*args, "pip install 'migrasim[distributed]'"]
    assert _english(_SYNTAX.sub(" ", stderr), values) == set(), stderr


def test_the_every_command_check_sees_english(tmp_path: Path) -> None:
    """The same check on an English run finds the English, so it can fail."""
    code, stdout, _ = invoke("run", "scenarios/health_boards.yaml", "-n", "20", "--out",
                             str(tmp_path / "out"))  # fmt: skip
    assert code == 0
    values = _scenario_text("health_boards")
    assert {"Baseline", "never"} & _english(stdout, values)
    assert {"Summary", "Bottleneck"} <= _english(_all_outputs(tmp_path / "out"), values)
    assert _english(_accented("Summary of %(n)s flows"), []) == set()
