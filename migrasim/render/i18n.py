"""Languages as gettext message catalogues, and dates and numbers in each language's form.

A language is a catalogue: ``locale/<lang>/LC_MESSAGES/migrasim.po`` in this package (msgid =
the English text, msgstr = the translation). Adding a language is adding a catalogue; nothing
in the code names a language except English, the source language.

The ``.po`` files are read at run time with Babel and compiled in memory (``read_po`` ->
``write_mo`` into a buffer -> :class:`gettext.GNUTranslations`), once per language and folder.
So no compiled ``.mo`` is committed, nothing can go stale, and an editable install needs no
build step; compiling a few hundred messages takes milliseconds.

Messages use named placeholders (``%(date)s``), never concatenated fragments, so a translator
can reorder them. The folder can be replaced (tests, a translator trying a catalogue) by the
``locale_dir`` argument or the ``MIGRASIM_LOCALE_DIR`` environment variable.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import gettext as gettext_module
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent, get_minus_sign_symbol

from migrasim import errors
from migrasim.errors import Message, MigrasimError

__all__ = [
    "DOMAIN",
    "LOCALE_DIR",
    "N_",
    "SOURCE_LANGUAGE",
    "Nn_",
    "Translator",
    "UnknownLanguageError",
    "available_languages",
    "change_points",
    "compiled_catalogue",
    "fill",
    "locale_dir",
    "nfill",
    "share_percent",
    "translator",
]

DOMAIN = "migrasim"
SOURCE_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).with_name("locale")
"""The catalogues shipped with the package."""

#: Babel locale for formatting, where the catalogue's language code alone is not the one
#: wanted (UK English writes "5 January 2026", not "January 5, 2026").
_FORMAT_LOCALES = {"en": "en_GB"}


class UnknownLanguageError(MigrasimError, ValueError):
    """A language was asked for that has no catalogue."""


def locale_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The catalogue folder: ``override``, else ``$MIGRASIM_LOCALE_DIR``, else the package's."""
    if override is not None:
        return Path(override)
    env = os.environ.get("MIGRASIM_LOCALE_DIR")
    return Path(env) if env else LOCALE_DIR


def available_languages(directory: str | os.PathLike[str] | None = None) -> tuple[str, ...]:
    """The languages with a catalogue in ``directory`` (see :func:`locale_dir`), sorted, with
    English always present (its catalogue may be empty: msgids are English)."""
    root = locale_dir(directory)
    found = {SOURCE_LANGUAGE}
    if root.is_dir():
        found.update(
            child.name
            for child in root.iterdir()
            if (child / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
        )
    return tuple(sorted(found))


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per language
class Translator:
    """One language's messages and formats.

    ``gettext``/``ngettext`` translate English msgids (``%(name)s`` placeholders are filled
    by the caller: ``t.gettext("Go-live: %(date)s") % {"date": ...}``); the other methods
    format values as the language writes them.
    """

    lang: str
    translations: gettext_module.NullTranslations
    locale: Locale

    def gettext(self, message: str) -> str:
        """``message`` (English) in this language."""
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form of ``singular``/``plural`` (English) for the count ``n`` in this language."""
        return self.translations.ngettext(singular, plural, n)

    def date(self, day: datetime.date, style: str = "long") -> str:
        """``5 January 2026`` / ``5 Ionawr 2026``; ``style`` is Babel's format name (short,
        medium, long, full) or a CLDR pattern such as ``"d MMM"``."""
        return _format_date(day, style, self.locale)

    def decimal(self, value: float, pattern: str | None = None) -> str:
        """A number with the language's grouping and decimal marks; ``pattern`` is a CLDR
        number pattern (``"#,##0.0"``), else the language's default."""
        return _format_decimal(value, pattern, self.locale)

    def percent(self, share: float) -> str:
        """A share 0..1 as the percentage text every output shows (:func:`share_percent`):
        ``36%``, ``1.5%``, ``99.5%``, ``<0.1%``, ``>99.9%``, ``0%``, ``100%``."""
        relation, value = share_percent(share)
        if relation == "nan":
            return ""
        text = format_percent(value / 100, locale=self.locale, decimal_quantization=False)
        return f"{relation}{text}" if relation in ("<", ">") else str(text)

    def points(self, change: float) -> str:
        """A change in a chance (-1..1) in percentage points, as every output shows it
        (:func:`change_points`): ``+12``, ``+1.5``, ``-0.8``, ``0``, with the language's
        decimal mark and minus sign."""
        value = change_points(change)
        if value is None:
            return ""
        if value == 0:
            return "0"
        text = format_decimal(abs(value), locale=self.locale, decimal_quantization=False)
        sign = "+" if value > 0 else get_minus_sign_symbol(self.locale)
        return f"{sign}{text}"

    def message(self, text: object) -> str:
        """``text`` in this language: a :class:`~migrasim.errors.Message` translated, its
        values filled in (a value that is a message is translated too, a :class:`Share` is
        written by :meth:`percent`); anything else as it is."""
        if isinstance(text, Share):
            return self.percent(text.share)
        if not isinstance(text, Message):
            return str(text)
        values = {k: self.message(v) for k, v in text.values.items()}
        try:
            return self.gettext(text.msgid) % values
        except (KeyError, TypeError, ValueError):  # a translation with other placeholders
            return text.msgid % values

    def size(self, n_bytes: float) -> str:
        """Decimal units as migrasim uses them (1 GB = 10^9 bytes): ``1.5 GB``, ``120 GB``."""
        for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
            if n_bytes >= scale:
                value = n_bytes / scale
                pattern = "#,##0.0" if value < 10 else "#,##0"
                return f"{self.decimal(value, pattern)} {unit}"
        return f"{self.decimal(n_bytes, '#,##0')} B"


class Share(str):
    """A share (0..1) among a message's values: as a ``str``, the English text a CSV file
    keeps (``english``, a data interface that does not change); an output in a language
    writes it with the one share formatter (:meth:`Translator.message` -> :meth:`percent`)."""

    share: float

    def __new__(cls, share: float, english: str) -> Share:
        self = super().__new__(cls, english)
        self.share = share
        return self

    def __reduce__(self) -> tuple[object, ...]:  # survives pickling (helper processes)
        return (Share, (self.share, str(self)))


_ONE_PLACE = decimal.Decimal("0.1")
_WHOLE = decimal.Decimal(1)


def share_percent(share: float) -> tuple[str, decimal.Decimal]:
    """The one rounding rule for a share (a chance, a share of runs), as a percentage.

    The share is taken as the CSV files and the workbook keep it (6 decimals), so a cell
    reads as the text does. Whole percents from 10 % to 90 %; one decimal below 10 % and
    above 90 %, where a point matters; rounded half up on the share as written (0.355 -> 36,
    0.015 -> 1.5, 0.125 -> 13), as a spreadsheet rounds. A trailing ``.0`` is dropped (0.05 ->
    5). A chance that is not nothing never reads 0 % and one short of certain never reads
    100 %: below 0.05 % (and above nothing) it is "<0.1 %", from 99.95 % up to (not including)
    100 % ">99.9 %", judged on the share itself, so a share the 6 decimals round to 0 or 1
    (0.0000004, 0.9999996) still reads "<0.1 %" or ">99.9 %". Only exactly 0 reads "0 %" and
    only exactly 1 (or more) "100 %".

    Returns ``(relation, percent)``: ``relation`` is ``"="``, ``"<"`` or ``">"`` (``percent``
    is then the bound 0.1 or 99.9), or ``"nan"`` for a value that is not a number; ``percent``
    has 0 or 1 decimal places. :meth:`Translator.percent` writes it in a language and
    ``render.xlsx`` picks the workbook's number format from it, so every output agrees.
    """
    if not math.isfinite(share):
        return "nan", decimal.Decimal(0)
    kept = round(float(share), 6)
    value = decimal.Decimal(repr(kept)) * 100
    places = _ONE_PLACE if (value < 10 or value > 90) else _WHOLE
    rounded = value.quantize(places, rounding=decimal.ROUND_HALF_UP)
    if share > 0 and rounded <= 0:
        return "<", _ONE_PLACE
    if share < 1 and rounded >= 100:
        return ">", decimal.Decimal("99.9")
    if rounded == rounded.to_integral_value():
        rounded = rounded.quantize(_WHOLE)
    return "=", rounded


def change_points(change: float) -> decimal.Decimal | None:
    """The one rounding rule for a change in a chance (a difference of two shares, -1..1), in
    percentage points: whole points from 10 points either way, one decimal below, where a point
    matters (as :func:`share_percent`); rounded half away from zero on the change as the CSV
    files keep it (6 decimals), so +0.125 -> +13, -0.015 -> -1.5, +0.0004 -> 0; a trailing
    ``.0`` dropped (+0.05 -> +5). None for a value that is not a number.
    :meth:`Translator.points` writes it, signed, in a language."""
    if not math.isfinite(change):
        return None
    value = decimal.Decimal(repr(round(float(change), 6))) * 100
    places = _WHOLE if abs(value) >= 10 else _ONE_PLACE
    rounded = value.quantize(places, rounding=decimal.ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        rounded = rounded.quantize(_WHOLE)
    return rounded + 0  # no negative zero


# A report of 10,000 flows formats the same few hundred dates tens of thousands of times.
@functools.lru_cache(maxsize=8192, typed=True)
def _format_date(day: datetime.date, style: str, locale: Locale) -> str:
    return str(format_date(day, format=style, locale=locale))


@functools.lru_cache(maxsize=8192, typed=True)
def _format_decimal(value: float, pattern: str | None, locale: Locale) -> str:
    return str(format_decimal(value, format=pattern, locale=locale))


def translator(lang: str, directory: str | os.PathLike[str] | None = None) -> Translator:
    """The :class:`Translator` for ``lang``, whose catalogue is in ``directory`` (see
    :func:`locale_dir`). Raises :class:`UnknownLanguageError` if there is none."""
    return _translator(lang, locale_dir(directory).resolve())


@functools.lru_cache(maxsize=32)
def _translator(lang: str, root: Path) -> Translator:
    languages = available_languages(root)
    if lang not in languages:
        raise UnknownLanguageError(
            errors.N_(
                "no catalogue for language %(lang)s in %(folder)s; available: %(languages)s. "
                "Fix: choose one of those, or add %(file)s",
                lang=repr(lang),
                folder=str(root),
                languages=", ".join(languages),
                file=f"{lang}/LC_MESSAGES/{DOMAIN}.po",
            )
        )
    translations: gettext_module.NullTranslations
    if (root / lang / "LC_MESSAGES" / f"{DOMAIN}.po").is_file():
        translations = gettext_module.GNUTranslations(io.BytesIO(compiled_catalogue(lang, root)))
    else:  # English without a catalogue: the msgids are the text
        translations = gettext_module.NullTranslations()
    return Translator(lang, translations, _format_locale(lang))


def compiled_catalogue(lang: str, directory: str | os.PathLike[str] | None = None) -> bytes:
    """``lang``'s catalogue in ``directory`` (see :func:`locale_dir`) compiled in memory, as
    a ``.mo`` file's bytes (an empty catalogue for a language without a ``.po``: English)."""
    po = locale_dir(directory) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if po.is_file():
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=None, domain=DOMAIN)
    else:
        catalog = Catalog(domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def _format_locale(lang: str) -> Locale:
    """Babel's locale for ``lang``; English's for a language Babel does not know (a
    pseudo-language, say), so dates and numbers still format."""
    try:
        return Locale.parse(_FORMAT_LOCALES.get(lang, lang))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(_FORMAT_LOCALES[SOURCE_LANGUAGE])


def N_(message: str) -> str:  # noqa: N802 - the gettext convention, a marker for extraction
    """Marks ``message`` for the catalogue without translating it (gettext_noop): for tables of
    messages keyed by code, translated where they are shown."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 - as N_
    """Marks a singular/plural pair for the catalogue (ngettext_noop); give it to :func:`nfill`."""
    return singular, plural


def fill(t: Translator, message: str, /, **values: object) -> str:
    """``message`` translated, its ``%(name)s`` placeholders filled from ``values``.

    Every msgid is a Python format string (a literal percent sign is written ``%%``), as
    Jinja2's new-style gettext expects, so the same catalogue serves code and templates. A
    value that is a catalogue message (:func:`migrasim.errors.N_`) or a :class:`Share` is
    written in ``t``'s language too."""
    return t.gettext(message) % _values(t, values)


def _values(t: Translator, values: dict[str, object]) -> dict[str, object]:
    for value in values.values():
        if isinstance(value, (Message, Share)):
            break
    else:  # nothing to translate: the values as given (the common case, kept cheap)
        return values
    return {k: t.message(v) if isinstance(v, (Message, Share)) else v for k, v in values.items()}


def nfill(t: Translator, forms: tuple[str, str], n: int, /, **values: object) -> str:
    """The form for the count ``n`` of ``forms`` (singular, plural: see :func:`Nn_`), filled
    from ``values`` and ``num`` (= ``n``, as in Jinja2's ``ngettext``). ``n`` is positional
    only, so a message may have its own ``%(n)s``."""
    return t.ngettext(forms[0], forms[1], n) % {"num": n, **_values(t, values)}
