"""render/i18n.py, the catalogues and the report template (render/html.py).

The catalogues are checked against the code (the .pot is what extraction finds now), Welsh is
checked complete with the same placeholders as the English, and a third (pseudo-)language
added as a catalogue alone must carry every fixed string of the page: none of the English
may leak through.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from migrasim.render import messages
from migrasim.render.html import (
    Cell,
    FigureView,
    HeadlineView,
    Lateness,
    OrganisationRow,
    PageView,
    PrecisionView,
    TableView,
    column_label,
    data_uri,
    extra_title,
    lateness,
    render_page,
)
from migrasim.render.i18n import (
    LOCALE_DIR,
    UnknownLanguageError,
    available_languages,
    fill,
    nfill,
    translator,
)

ROOT = Path(__file__).resolve().parents[2]
POT = LOCALE_DIR / "migrasim.pot"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "Nn_": (1, 2), "fill": (2,)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")


def _catalog(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def _ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _placeholders(text: str) -> list[str]:
    """The %(name)s placeholders and literal %% of a message, sorted (num may be implicit)."""
    return sorted(m.group(1) or "%%" for m in PLACEHOLDER.finditer(text))


# --------------------------------------------------------------------------------------------
# Catalogues
# --------------------------------------------------------------------------------------------


def test_the_pot_holds_exactly_what_extraction_finds_in_the_code() -> None:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = {
        (msgid if isinstance(msgid, str) else msgid[0])
        for _file, _line, msgid, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS
        )
    }
    in_pot = {_ids(m)[0] for m in _catalog(POT) if m.id}
    assert found - in_pot == set(), "run pybabel extract (see babel.cfg) and translate"
    assert in_pot - found == set(), "the .pot has messages the code no longer uses"
    assert len(in_pot) > 250  # the report, charts, workbook, terminal, reasons, advice


def test_every_message_has_a_welsh_translation() -> None:
    welsh = _catalog(LOCALE_DIR / "cy" / "LC_MESSAGES" / "migrasim.po", "cy")
    for message in _catalog(POT):
        if not message.id:
            continue
        translated = welsh.get(message.id)
        assert translated is not None, f"not in cy/migrasim.po: {message.id!r}"
        assert all(s.strip() for s in _strings(translated)), f"no Welsh for {message.id!r}"
        assert not translated.fuzzy, f"fuzzy Welsh for {message.id!r}"


def test_the_english_catalogue_holds_no_welsh() -> None:
    """A merge once copied Welsh msgstrs into the English catalogue: English pages then showed
    Welsh. An English msgstr is empty (the msgid is the text) or English, never the Welsh."""
    welsh = _catalog(LOCALE_DIR / "cy" / "LC_MESSAGES" / "migrasim.po", "cy")
    english = _catalog(LOCALE_DIR / "en" / "LC_MESSAGES" / "migrasim.po", "en")
    copied = [
        m.id
        for m in english
        if m.id
        and any(_strings(m))
        and (w := welsh.get(m.id)) is not None
        and _strings(w) == _strings(m)
        and _strings(m) != _ids(m)
    ]
    assert copied == []


@pytest.mark.parametrize("lang", available_languages())
def test_every_catalogue_has_the_messages_of_the_pot(lang: str) -> None:
    """English's catalogue may leave msgstrs empty (the msgid is the text), not miss ids."""
    in_pot = {m.id for m in _catalog(POT) if m.id}
    catalogue = _catalog(LOCALE_DIR / lang / "LC_MESSAGES" / "migrasim.po", lang)
    assert {m.id for m in catalogue if m.id} == in_pot


def test_welsh_placeholders_match_the_english() -> None:
    welsh = _catalog(LOCALE_DIR / "cy" / "LC_MESSAGES" / "migrasim.po", "cy")
    checked = 0
    for message in welsh:
        if not message.id:
            continue
        english = _placeholders(_ids(message)[-1])
        for string in _strings(message):
            ours = _placeholders(string)
            if isinstance(message.id, tuple) and "num" not in ours:
                english = [p for p in english if p != "num"]
            assert ours == english, f"{message.id!r}: {string!r}"
            values = dict.fromkeys(re.findall(r"%\((\w+)\)", string), 1)
            string % values  # a stray % would raise here
            checked += 1
    assert checked > 250


def test_languages_are_the_catalogues_present(tmp_path: Path) -> None:
    assert available_languages() == ("cy", "en")
    assert available_languages(tmp_path) == ("en",)  # English needs no catalogue
    (tmp_path / "xx" / "LC_MESSAGES").mkdir(parents=True)
    assert available_languages(tmp_path) == ("en",)  # a folder without a .po is not one
    _write_pseudo(tmp_path, "xx")
    assert available_languages(tmp_path) == ("en", "xx")


def test_a_language_without_a_catalogue_is_an_error_that_says_the_fix() -> None:
    with pytest.raises(UnknownLanguageError, match=r"no catalogue for language 'fr' in .*locale; "
                       r"available: cy, en\. Fix: .* add fr/LC_MESSAGES/migrasim\.po"):  # fmt: skip
        translator("fr")


def test_the_locale_folder_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_pseudo(tmp_path, "xx")
    monkeypatch.setenv("MIGRASIM_LOCALE_DIR", str(tmp_path))
    assert translator("xx").gettext("Summary") == "⟦Summary⟧"
    assert available_languages() == ("en", "xx")


def test_translations_and_plurals() -> None:
    cy, en = translator("cy"), translator("en")
    assert cy.gettext("Summary") == "Crynodeb"
    assert en.gettext("Summary") == "Summary"
    late = messages.TERMINAL_COUNTS["late"]
    assert nfill(en, late, 1) == "1 day late"
    assert nfill(en, late, 3) == "3 days late"
    assert nfill(cy, late, 3) == "3 diwrnod yn hwyr"
    # summary.csv's English never-reason keeps its wording (a data interface): one form.
    waits = messages.NEVER_REASONS["waits_for"]
    assert fill(cy, waits, flows="A") == "yn aros am A, nad yw/ydynt byth yn gorffen"
    assert fill(en, waits, flows="A, B") == "waits for A, B, which never complete(s)"
    reason = fill(cy, str(messages.NEVER_REASONS["horizon"]), years="10")
    assert reason == "heb orffen o fewn y gorwel (10 blynedd)"
    assert column_label(cy, "prob_ci_low") == "Cyfwng y tebygolrwydd, isaf"
    assert column_label(en, "volume_bytes") == "Volume (bytes)"
    assert column_label(cy, "made_up") == "made_up"
    assert extra_title(cy, "Sweep") == "Dadansoddiad sensitifrwydd"
    assert fill(cy, messages.SHEET_NAMES["summary"]) == "Crynodeb"


def test_dates_and_numbers_in_each_language() -> None:
    cy, en = translator("cy"), translator("en")
    day = datetime.date(2026, 1, 5)
    assert en.date(day) == "5 January 2026"
    assert cy.date(day) == "5 Ionawr 2026"
    assert cy.date(datetime.date(2026, 2, 1)) == "1 Chwefror 2026"
    # whole percents in the middle, one decimal near 0 and 100 %
    assert [en.percent(s) for s in (0.837, 0.5, 0.995, 1.0, 0.015, 0.05)] == [
        "84%", "50%", "99.5%", "100%", "1.5%", "5%",
    ]  # fmt: skip
    assert en.size(1.5e12) == "1.5 TB"
    assert en.size(120e9) == "120 GB"
    assert en.size(12_345) == "12 kB"
    assert en.size(999) == "999 B"
    assert en.decimal(1234567) == "1,234,567"


def test_lateness_counts_from_the_last_in_time_day() -> None:
    go_live = datetime.date(2026, 3, 2)
    assert lateness(datetime.date(2026, 3, 1), go_live) == Lateness(False, 0, "day")
    assert lateness(datetime.date(2026, 3, 2), go_live) == Lateness(True, 1, "day")
    # the last in-time day is 1 March: 15 March is 14 days late, 16 March 15 days (2 weeks)
    assert lateness(datetime.date(2026, 3, 15), go_live) == Lateness(True, 14, "day")
    assert lateness(datetime.date(2026, 3, 16), go_live) == Lateness(True, 2, "week")
    assert lateness(datetime.date(2026, 2, 1), go_live) == Lateness(False, 4, "week")


def test_data_uri_and_png_size() -> None:
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000003000000020806000000"
    )  # IHDR of a 3 x 2 image
    uri, width, height = data_uri(png)
    assert uri.startswith("data:image/png;base64,iVBORw0KGgo")
    assert (width, height) == (3, 2)
    assert data_uri(b"<svg xmlns='http://www.w3.org/2000/svg'/>")[0].startswith(
        "data:image/svg+xml;base64,"
    )


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------

#: Every value the sample views show; none is an English word, so leaks can be seen.
DATA = {
    "title": "Qtitl",
    "org": "Qorg",
    "size": "1,5 QB",
    "day": "Qd1",
    "day2": "Qd2",
    "bottleneck": "qlink",
    "description": "Qdisgrifiad",
    "fix": "Qfix",
    "reason": "Qrheswm",
    "command": "qmig run q.yaml",
    "scenario": "qname: q",
    "where": "links.qlink",
    "table": "Qtabl",
    "header": "Qpen",
    "cell": "Qcell",
    "figure": "qfig",
}


def _views(name: str = DATA["org"], title: str = DATA["title"]) -> Iterator[PageView]:
    """A Monte Carlo page with go-live, a deterministic one, and one without go-live."""
    d = DATA
    for deterministic, go_live in ((False, True), (True, True), (False, False)):
        headline = HeadlineView(
            verdict="risk" if go_live else "none",
            go_live=d["day"] if go_live else None,
            chance=None if deterministic else "62%",
            chance_low=None if deterministic else "55%",
            chance_high=None if deterministic else "68%",
            p50=d["day"],
            p80=d["day2"],
            p95=None,
            p80_lateness=Lateness(True, 9, "day") if go_live else None,
            bottleneck=d["bottleneck"],
            bottleneck_description=d["description"],
            fix=d["fix"] if go_live else None,
        )
        rows = [
            OrganisationRow(
                name=name, is_total=False, status="late" if go_live else None, size=d["size"],
                baseline=d["day"], lateness=Lateness(False, 3, "week") if go_live else None,
                p50=d["day"], p80=None, p95=None, chance="12%", chance_low="8%",
                chance_high="15%", bottleneck=d["bottleneck"], bottleneck_share="97%",
                never_reason=d["reason"],
            ),
            OrganisationRow(
                name="ALL", is_total=True, status="ok" if go_live else None, size=d["size"],
                baseline=None, lateness=Lateness(True, 1, "day") if go_live else None,
            ),
            OrganisationRow(
                name=name, is_total=False, status="risk" if go_live else None, size=d["size"],
                baseline=d["day"], lateness=Lateness(False, 0, "day") if go_live else None,
            ),
        ]  # fmt: skip
        keys = ("cdf", "gantt", "burnup", "tornado", "compare_cdf", "compare_burnup", "sweep")
        figures = [
            FigureView(
                key=k,
                uri="data:image/png;base64,AAAA",
                width=4,
                height=3,
                p80=None,
                late=1 if go_live else None,
                flows=2,
            )
            for k in (*keys, d["figure"])
        ]
        tables = [
            TableView(
                title=d["table"],
                headers=[d["header"], d["header"]],
                rows=[[Cell(d["cell"]), Cell("1", numeric=True), Cell("", never=True)]],
            ),
            TableView(title=d["table"], headers=[d["header"]], rows=[]),
        ]
        yield PageView(
            title=title, version="0.1.0", command=d["command"], seed="42",
            replications=None if deterministic else "1,000", headline=headline, rows=rows,
            late=1, at_risk=1, on_track=0, flows=2, baseline_late=1, figures=figures,
            assumptions=[(d["where"], d["description"])], scenario_text=d["scenario"],
            precision=PrecisionView(d["day"], None, "4", True) if not deterministic else None,
            tables=tables,
        )  # fmt: skip
    yield PageView(
        title=title, version="0.1.0", command=d["command"], seed="42", replications="10",
        headline=headline, rows=[], late=0, at_risk=0, on_track=0, flows=0, baseline_late=0,
        figures=[], assumptions=[], scenario_text=d["scenario"],
        precision=PrecisionView(d["day"], d["day2"], None, False),
    )  # fmt: skip


def _write_pseudo(root: Path, lang: str) -> None:
    """A catalogue for ``lang`` translating every msgid of the .pot to ``⟦msgid⟧``."""
    pseudo = Catalog(locale="en", domain="migrasim")  # English's plural rule (2 forms)
    for message in _catalog(POT):
        if not message.id:
            continue
        ids = _ids(message)
        string = tuple(f"⟦{s}⟧" for s in ids) if len(ids) > 1 else f"⟦{ids[0]}⟧"
        pseudo.add(message.id, string, flags=message.flags)
    folder = root / lang / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "migrasim.po").open("wb") as handle:
        write_po(handle, pseudo)


class _Text(HTMLParser):
    """The page's visible text and human-read attributes (not CSS or script)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        self.parts += [v or "" for k, v in attrs if k in ("alt", "title", "aria-label")]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _visible(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return "\n".join(parser.parts)


def test_a_pseudo_language_catalogue_carries_every_fixed_string(tmp_path: Path) -> None:
    _write_pseudo(tmp_path, "xx")
    for view in _views():
        page = render_page(view, "xx", tmp_path)
        assert '<html lang="xx">' in page
        text = _visible(page)
        assert "⟦Summary⟧" in text
        # Remove what came through the catalogue (innermost first: messages nest), then the
        # view's own values: what is left must not be English.
        previous = None
        while previous != text:
            previous, text = text, re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
        for value in sorted(DATA.values(), key=len, reverse=True):
            text = text.replace(value, " ")
        words = set(re.findall(r"[A-Za-z]{2,}", text))
        # Not prose: the product's name and the software it runs on.
        assert words <= {"migrasim", "Python", "SimPy"}, words


def test_the_pseudo_language_test_would_see_a_leak(tmp_path: Path) -> None:
    """The check above fails for English (every fixed string leaks), so it can fail."""
    page = render_page(next(_views()), "en")
    words = set(re.findall(r"[A-Za-z]{2,}", _visible(page)))
    assert {"Summary", "Bottleneck", "Organisation", "replications"} <= words


def test_the_welsh_page() -> None:
    page = render_page(next(_views()), "cy")
    text = _visible(page)
    assert '<html lang="cy">' in page
    assert "A fyddwn ni'n barod erbyn y dyddiad mynd yn fyw?" in text
    assert "Tebygolrwydd gorffen popeth cyn mynd yn fyw ar Qd1: 62% (cyfwng 95% 55% i 68%)" in (
        " ".join(text.split())
    )
    assert "9 diwrnod yn hwyr" in text
    assert "3 wythnos wrth gefn" not in text  # lateness shows in deterministic pages only
    assert "%%" not in page
    assert "%(" not in page


def test_the_english_page_keeps_the_report_structure() -> None:
    views = list(_views())
    page = render_page(views[0], "en").replace("\n", "")  # markup between lines
    text = " ".join(_visible(page).split())
    for anchor in ("summary", "organisations", "charts", "further", "model", "experimentation",
                   "scenario"):  # fmt: skip
        assert f'<section id="{anchor}"' in page
        assert f'href="#{anchor}"' in page
    assert (
        "Chance of finishing everything before go-live on Qd1: 62% (95% interval 55% to 68%)"
        in (text)
    )
    assert '<p class="delta late">9 days late (P80)</p>' in page
    assert '<tr class="row-late"><th scope="row">Qorg<span class="reason">' in page
    assert "Never finishes: Qrheswm" in text
    assert '<tr class="row-ok total"><th scope="row">Whole programme' in page
    assert '<span class="badge badge-risk">At risk</span>' in page
    assert "1 of 2 organisations are likely to be late, 1 are at risk and 0 are on track." in text
    assert '<abbr title="80 in every 100 simulated runs had finished by this date">P80</abbr>' in (
        page
    )
    assert '<img src="data:image/png;base64,AAAA" alt="Line chart of the share' in page
    assert "the P80 date is never." in text  # the cdf's alt, P80 never
    assert '<h3 id="fig-8-title">qfig</h3>' in page
    assert "Chart: qfig" in text
    assert "(± 4 days). Run more replications to narrow it." in text
    assert '<td colspan="1">(no rows)</td>' in page
    assert page.count("<style>") == 1
    assert ".cards{display:grid" in page
    assert "http://" not in page
    assert "https://" not in page
    deterministic = render_page(views[1], "en").replace("\n", "")
    assert '<td class="early">3 weeks to spare</td>' in deterministic
    assert '<td class="early">no time to spare</td>' in deterministic
    assert '<td class="late">1 day late</td>' in deterministic
    assert '<p class="fix-text" id="fix">Qfix</p>' in render_page(views[1], "cy")
    no_go_live = render_page(views[2], "en")
    assert "No go-live date" in no_go_live
    assert "Status" not in no_go_live
    empty = render_page(views[3], "en")
    assert "No charts were produced for this run." in empty
    assert 'href="#further"' not in empty


def test_user_text_is_escaped() -> None:
    attack = "<script>alert(1)</script>"
    page = render_page(next(_views(name=attack, title=attack)), "cy")
    assert attack not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script>") == 1  # the page's own image check only
