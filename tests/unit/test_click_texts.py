"""click's own messages come from migrasim's catalogues (render/click_texts.py): the list
matches the installed click, every language keeps click's ``{name}`` fields, and the language
is installed for click only while a command runs."""

from __future__ import annotations

import gettext
import os
import string
from pathlib import Path

import click
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from migrasim.cli import _asked_language
from migrasim.render.click_texts import CLICK_MESSAGES, NOT_SHOWN, click_language
from migrasim.render.i18n import LOCALE_DIR, available_languages
from tests.helpers import invoke


def _first(msgid: str | tuple[str, ...]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _click_msgids() -> dict[str, str | tuple[str, ...]]:
    """Every msgid the installed click marks (``_``, ``gettext``, ``ngettext``), by its first
    form."""
    folder = Path(click.__file__).parent
    return {_first(m): m for _f, _l, m, _c, _x in extract_from_dir(str(folder))}


def test_the_list_is_the_installed_clicks_messages() -> None:
    """A click upgrade that adds, changes or drops a message fails here: translate the new
    one (or say why a user never sees it) and drop the old."""
    in_click = _click_msgids()
    ours = {_first(m): m for m in CLICK_MESSAGES}
    assert set(ours) - set(in_click) == set(), "no longer in click"
    assert NOT_SHOWN - set(in_click) == set(), "no longer in click"
    assert set(in_click) - set(ours) - NOT_SHOWN == set(), "new in click: translate it"
    assert set(ours) & NOT_SHOWN == set()
    for key, msgid in ours.items():  # plural pairs as click writes them
        assert msgid == in_click[key], key


def _fields(text: str) -> list[tuple[str | None, str | None]]:
    return sorted((name, conversion) for _, name, _, conversion in string.Formatter().parse(text)
                  if name is not None)  # fmt: skip


def _catalog(lang: str) -> Catalog:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "migrasim.po").open("rb") as handle:
        return read_po(handle, locale=lang)


@pytest.mark.parametrize("lang", [lang for lang in available_languages() if lang != "en"])
def test_every_translation_keeps_clicks_fields(lang: str) -> None:
    """click fills its messages with ``str.format``: a translation with another ``{field}``
    (or a stray brace) would raise inside click, so each keeps the English fields."""
    catalogue = _catalog(lang)
    checked = 0
    for msgid in CLICK_MESSAGES:
        message = catalogue.get(_first(msgid))
        assert message is not None, msgid
        assert not message.fuzzy, msgid
        ids = (msgid,) if isinstance(msgid, str) else msgid
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert text.strip(), msgid
            english = {field for form in ids for field in _fields(form)}
            assert set(_fields(text)) <= english, (msgid, text)
            values = {name: "x" for name, _ in english if name}
            text.format(**values)  # a stray brace would raise here
            checked += 1
    assert checked >= len(CLICK_MESSAGES)


def test_the_language_is_asked_for_on_the_command_line() -> None:
    assert _asked_language(["run", "x.yaml", "--lang", "cy"]) == "cy"
    assert _asked_language(["run", "--lang=cy", "x.yaml"]) == "cy"
    assert _asked_language(["run", "--lang", "cy", "--lang", "en"]) == "en"  # the last, as click
    assert _asked_language(["run", "--", "--lang", "cy"]) is None  # after --, an argument
    assert _asked_language(["run", "--lang", "zz"]) is None  # no catalogue: click says so
    assert _asked_language(["run", "--lang"]) is None
    assert _asked_language(["run"]) is None


def test_click_speaks_the_language_only_inside_the_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANGUAGE", "fr:de")
    domain = gettext.textdomain()
    bound = gettext.bindtextdomain(domain)
    with click_language("cy"):
        assert gettext.gettext("Usage:") == "Defnydd:"
        assert gettext.gettext("No such option {name!r}.") == "Does dim opsiwn {name!r}."
    assert gettext.gettext("Usage:") == "Usage:"
    assert os.environ["LANGUAGE"] == "fr:de"
    assert gettext.bindtextdomain(domain) == bound
    with pytest.raises(RuntimeError), click_language("cy"):
        raise RuntimeError
    assert os.environ["LANGUAGE"] == "fr:de"
    assert gettext.gettext("Usage:") == "Usage:"
    monkeypatch.delenv("LANGUAGE")
    with click_language("cy"):
        pass
    assert "LANGUAGE" not in os.environ
    with click_language("en"), click_language(None):
        assert gettext.gettext("Usage:") == "Usage:"


def test_a_translation_click_cannot_fill_stays_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catalogue (one a translator adds, say) whose click message names a field click does
    not give: that message is English, the others translated, never a traceback."""
    catalog = Catalog(locale="cy", domain="migrasim")
    catalog.add("Usage:", "Defnydd:")
    catalog.add("Error: {message}", "Gwall: {message}")
    catalog.add("No such option {name!r}.", "Does dim opsiwn {enw!r}.")  # not click's field
    catalog.add("Missing argument", "Ymresymiad ar goll {")  # a stray brace
    folder = tmp_path / "zz" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "migrasim.po").open("wb") as handle:
        write_po(handle, catalog)
    monkeypatch.setenv("MIGRASIM_LOCALE_DIR", str(tmp_path))
    code, _, stderr = invoke("run", "--lang", "zz", "--bogus")
    assert code == 2
    assert "Defnydd: cli run" in stderr
    assert "Gwall: No such option '--bogus'." in stderr
    code, _, stderr = invoke("run", "--lang", "zz")
    assert code == 2
    assert "Gwall: Missing argument 'SCENARIO'." in stderr
