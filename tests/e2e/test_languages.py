"""A language is a catalogue: a third (pseudo-)language added as a catalogue alone reaches every
output (report, workbook, charts, terminal), and the Welsh outputs hold no English from the
catalogue.

The pseudo-language ``xx`` translates every msgid to ``⟦msgid⟧``. What is left of an output once
the ``⟦…⟧`` spans and the scenario's own text (names, descriptions, the file itself) are removed
must hold no msgid's English: that would be a string that bypassed the catalogue.
"""

from __future__ import annotations

import re
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
from migrasim.render.i18n import LOCALE_DIR
from migrasim.render.inputs import assumptions_of
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
