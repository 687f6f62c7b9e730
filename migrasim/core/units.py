"""The one place quantities are read: sizes, rates, daily caps and durations.

* Sizes: ``B``, ``kB``/``KB``, ``MB``, ``GB``, ``TB``, ``PB`` are powers of 10; ``KiB``, ``MiB``,
  ``GiB``, ``TiB``, ``PiB`` powers of 2; ``bit``, ``kbit``, ``Mbit``, ``Gbit``, ``Tbit`` are bits.
* Rates: a size per time, ``/s``, ``/min``, ``/h``, ``/day``, ``/week``; ``bps``, ``kbps``,
  ``Mbps``, ``Gbps`` are bits per second. ``100 Mbit/s`` is 12.5 MB/s.
* Transfer logs (:func:`parse_log_size`): the same size units in any case (``mb`` is a
  megabyte there, never a millibit), and a bare number in the unit the column names.
* Durations: ``s``, ``min``, ``h``, ``day(s)``, ``week(s)``, ``year(s)`` (a year is 365.25 days).

Every function returns floats in SI base units (bytes, bytes per second, seconds) and raises
:class:`~migrasim.errors.UnitError` with a message that names the bad value and the fix.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable

from migrasim.errors import N_, Message, UnitError

SECONDS_PER_DAY = 86_400.0

_BYTE_UNITS: dict[str, float] = {
    "B": 1.0,
    "byte": 1.0,
    "bytes": 1.0,
    "kB": 1e3,
    "KB": 1e3,
    "MB": 1e6,
    "GB": 1e9,
    "TB": 1e12,
    "PB": 1e15,
    "KiB": 2.0**10,
    "MiB": 2.0**20,
    "GiB": 2.0**30,
    "TiB": 2.0**40,
    "PiB": 2.0**50,
    "bit": 1 / 8,
    "bits": 1 / 8,
    "kbit": 1e3 / 8,
    "Kbit": 1e3 / 8,
    "Mbit": 1e6 / 8,
    "Gbit": 1e9 / 8,
    "Tbit": 1e12 / 8,
}
_BITRATE_UNITS: dict[str, float] = {
    "bps": 1 / 8,
    "kbps": 1e3 / 8,
    "Kbps": 1e3 / 8,
    "Mbps": 1e6 / 8,
    "Gbps": 1e9 / 8,
    "Tbps": 1e12 / 8,
}
_TIME_UNITS: dict[str, float] = {
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "min": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
    "d": SECONDS_PER_DAY,
    "day": SECONDS_PER_DAY,
    "days": SECONDS_PER_DAY,
    "week": 7 * SECONDS_PER_DAY,
    "weeks": 7 * SECONDS_PER_DAY,
    "year": 365.25 * SECONDS_PER_DAY,
    "years": 365.25 * SECONDS_PER_DAY,
}
# Forms people type that could mean bits or bytes: refuse them rather than guess.
_AMBIGUOUS = {"Kb", "kb", "Mb", "mb", "Gb", "gb", "Tb", "tb", "mB", "gB", "tB"}

_QUANTITY = re.compile(
    r"^\s*(?P<num>[+-]?(?:\d[\d_,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<unit>.*?)\s*$"
)

SIZE_HELP = N_("a size with a unit, e.g. '180 GB' (10^9 bytes) or '10 GiB' (2^30 bytes)")
RATE_HELP = N_("a rate with a unit, e.g. '100 Mbit/s', '12.5 MB/s' or '20 GB/day'")
DAILY_HELP = N_("a size per working day, e.g. '1 GB' or '1 GB/day'")
DURATION_HELP = N_("a duration with a unit, e.g. '8 h', '3 days', '4 weeks' or '10 years'")


def _split(text: object, expected: str) -> tuple[float, str]:
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise UnitError(N_("not a quantity: %(text)s", text=repr(text)), expected)
    match = _QUANTITY.match(str(text))
    if not match:
        raise UnitError(
            N_("cannot read %(text)s as a number and a unit", text=repr(text)), expected
        )
    raw = match.group("num")
    if "," in raw and not re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?([eE][+-]?\d+)?", raw):
        raise UnitError(N_("cannot read the number in %(text)s", text=repr(text)), expected)
    number = float(raw.replace(",", "").replace("_", ""))
    if not math.isfinite(number):
        raise UnitError(N_("%(text)s is not a finite number", text=repr(text)), expected)
    return number, match.group("unit")


def _byte_factor(unit: str, text: object, expected: str) -> float:
    if unit in _BYTE_UNITS:
        return _BYTE_UNITS[unit]
    if unit in _AMBIGUOUS:
        raise UnitError(
            N_(
                "unit %(unit)s in %(text)s is ambiguous (bits or bytes?)",
                unit=repr(unit),
                text=repr(text),
            ),
            N_(
                "%(bytes)s for bytes or %(bits)s for bits",
                bytes=f"{unit[0].upper()}B",
                bits=f"{unit[0].upper()}bit",
            ),
        )
    if not unit:
        raise UnitError(N_("%(text)s has no unit", text=repr(text)), expected)
    raise UnitError(
        N_(
            "unknown unit %(unit)s in %(text)s%(hint)s",
            unit=repr(unit),
            text=repr(text),
            hint=_nearest(unit, _BYTE_UNITS),
        ),
        expected,
    )


def _nearest(unit: str, known: Iterable[str]) -> str | Message:
    """``"; did you mean 'GB'?"`` for the known unit closest to ``unit``, or ''."""
    names = [k for k in known if k]
    lowered = {k.lower(): k for k in names}
    close = difflib.get_close_matches(unit, names, n=1, cutoff=0.5)
    if not close and unit.lower() in lowered:
        close = [lowered[unit.lower()]]
    if not close:
        close = [lowered[m] for m in difflib.get_close_matches(unit.lower(), list(lowered), n=1)]
    return N_("; did you mean %(unit)s?", unit=repr(close[0])) if close else ""


def parse_size(text: object) -> float:
    """Bytes in ``text``, e.g. ``'1 GB'`` -> 1e9, ``'1 GiB'`` -> 1073741824.0."""
    number, unit = _split(text, SIZE_HELP)
    if "/" in unit:
        raise UnitError(N_("%(text)s is a rate", text=repr(text)), SIZE_HELP)
    return number * _byte_factor(unit, text, SIZE_HELP)


# A transfer log counts bytes, so there a unit is read whatever its case: 'mb' is a megabyte
# and 'gb' a gigabyte (in a scenario they are refused as ambiguous, bits or bytes). Decimal and
# binary stay apart: 'mb' is 10^6 bytes, 'mib' 2^20; the bit units ('mbit') stay bits.
# Words spelt out ('2 gigabytes') are read too, decimal for kilo- to peta-, binary for kibi-.
_LOG_BYTE_UNITS: dict[str, float] = {unit.casefold(): f for unit, f in _BYTE_UNITS.items()} | {
    f"{prefix}byte{plural}": factor
    for prefix, factor in (("kilo", 1e3), ("mega", 1e6), ("giga", 1e9), ("tera", 1e12),
                           ("peta", 1e15), ("kibi", 2.0**10), ("mebi", 2.0**20),
                           ("gibi", 2.0**30), ("tebi", 2.0**40), ("pebi", 2.0**50))
    for plural in ("", "s")
}  # fmt: skip

LOG_SIZE_HELP = N_(
    "a number in the column's unit, or a size such as '950 MB', '1.2 GB' or '1,200 MB' (units "
    "in any case: 'mb' is megabytes, 'MiB' 2^20 bytes)"
)


def _nearest_log_unit(name: str) -> str | Message:
    """``"; did you mean 'GB'?"`` for the size unit closest to ``name`` in any case, or ''."""
    shown = {unit.casefold(): unit for unit in _BYTE_UNITS} | {
        unit: unit for unit in _LOG_BYTE_UNITS if unit.endswith("bytes")
    }
    close = difflib.get_close_matches(name.casefold(), list(shown), n=1)
    return N_("; did you mean %(unit)s?", unit=repr(shown[close[0]])) if close else ""


def log_size_unit(name: str) -> float | None:
    """Bytes per unit of a size unit named in a transfer log, in any case (``'mb'`` -> 1e6,
    ``'GiB'`` -> 2^30), or None if ``name`` is not a size unit."""
    return _LOG_BYTE_UNITS.get(name.strip().casefold())


def parse_log_size(value: object, unit: float = 1.0) -> tuple[float, bool]:
    """Bytes in a transfer-log cell, and whether the cell named its own unit.

    A number (an Excel numeric cell, or text such as ``'950'`` or ``'1,200'``) is in ``unit``
    bytes, the unit the column's header names; text with a unit is read in its own unit, in any
    case (``'950 mb'`` -> 9.5e8, ``'1.2gb'`` -> 1.2e9, ``'1,200 MB'`` -> 1.2e9). Thousands
    separators only in groups of three digits (``'1,2 GB'`` is refused)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) * unit, False
    number, name = _split(value, LOG_SIZE_HELP)
    if not name:
        return number * unit, False
    if "/" in name:
        raise UnitError(N_("%(text)s is a rate", text=repr(value)), LOG_SIZE_HELP)
    factor = log_size_unit(name)
    if factor is None:
        raise UnitError(
            N_(
                "unknown unit %(unit)s in %(text)s%(hint)s",
                unit=repr(name),
                text=repr(value),
                hint=_nearest_log_unit(name),
            ),
            LOG_SIZE_HELP,
        )
    return number * factor, True


def _per_time(unit: str, text: object, expected: str) -> tuple[str, float]:
    """``'GB/day'`` -> ``('GB', 86400.0)``: the quantity's unit and the seconds per time unit."""
    if "/" not in unit:
        raise UnitError(N_("%(text)s has no time unit (e.g. '/s')", text=repr(text)), expected)
    quantity, _, time_unit = (part.strip() for part in unit.partition("/"))
    if time_unit not in _TIME_UNITS:
        hint = _nearest(time_unit, _TIME_UNITS)
        raise UnitError(
            N_(
                "unknown time unit %(unit)s in %(text)s%(hint)s",
                unit=repr(time_unit),
                text=repr(text),
                hint=hint,
            ),
            expected,
        )
    return quantity, _TIME_UNITS[time_unit]


def _per_day(unit: str, text: object, expected: str) -> str:
    """The quantity's unit of ``'GB'`` or ``'GB/day'``; any other period is an error."""
    if "/" not in unit:
        return unit
    quantity, _, time_unit = (part.strip() for part in unit.partition("/"))
    if time_unit not in ("day", "d"):
        raise UnitError(N_("%(text)s is not per day", text=repr(text)), expected)
    return quantity


def parse_rate(text: object) -> float:
    """Bytes per second in ``text``, e.g. ``'100 Mbit/s'`` -> 12.5e6, ``'20 GB/day'``."""
    number, unit = _split(text, RATE_HELP)
    if unit in _BITRATE_UNITS:
        return number * _BITRATE_UNITS[unit]
    size_unit, seconds = _per_time(unit, text, RATE_HELP)
    return number * _byte_factor(size_unit, text, RATE_HELP) / seconds


def parse_daily(text: object) -> float:
    """Bytes per working day in ``text``: ``'1 GB'`` or ``'1 GB/day'`` -> 1e9."""
    number, unit = _split(text, DAILY_HELP)
    return number * _byte_factor(_per_day(unit, text, DAILY_HELP), text, DAILY_HELP)


def parse_duration(text: object) -> float:
    """Seconds in ``text``, e.g. ``'8 h'`` -> 28800.0, ``'2 weeks'`` -> 1209600.0."""
    number, unit = _split(text, DURATION_HELP)
    if unit not in _TIME_UNITS:
        hint = _nearest(unit, _TIME_UNITS)
        what = (
            N_("%(text)s has no unit%(hint)s", text=repr(text), hint=hint)
            if not unit
            else N_("%(text)s has unknown unit %(unit)s%(hint)s", text=repr(text),
                    unit=repr(unit), hint=hint)
        )  # fmt: skip
        raise UnitError(what, DURATION_HELP)
    return number * _TIME_UNITS[unit]


def format_size(n_bytes: float) -> str:
    """A readable decimal size, e.g. ``format_size(1.8e11)`` -> ``'180 GB'``."""
    for unit, factor in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n_bytes) >= factor:
            return f"{n_bytes / factor:.3g} {unit}"
    return f"{n_bytes:.3g} B"


COUNT_HELP = N_("a number of records, e.g. 2000000, '2 M' or '150k'")
COUNT_RATE_HELP = N_("records per time, e.g. '150 records/s', '150/s' or '2 M/day'")
DAILY_COUNT_HELP = N_("records per working day, e.g. '2 M' or '2 M/day'")
_COUNT_UNITS = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "m": 1e6, "bn": 1e9, "G": 1e9}
_RECORD_WORDS = ("records", "record", "rec")


def _count_factor(unit: str, text: object, expected: str) -> float:
    words = unit.split()
    if words and words[-1] in _RECORD_WORDS:
        words = words[:-1]
    prefix = " ".join(words)
    if prefix not in _COUNT_UNITS:
        raise UnitError(
            N_("unknown count unit %(unit)s in %(text)s", unit=repr(unit), text=repr(text)),
            expected,
        )
    return _COUNT_UNITS[prefix]


def parse_count(text: object) -> float:
    """A number of records: ``2000000``, ``'2 M'``, ``'150k records'``."""
    number, unit = _split(text, COUNT_HELP)
    if "/" in unit:
        raise UnitError(N_("%(text)s is a rate", text=repr(text)), COUNT_HELP)
    return number * _count_factor(unit, text, COUNT_HELP)


def parse_count_rate(text: object) -> float:
    """Records per second: ``'150 records/s'``, ``'150/s'``, ``'2 M/day'``."""
    number, unit = _split(text, COUNT_RATE_HELP)
    count_unit, seconds = _per_time(unit, text, COUNT_RATE_HELP)
    return number * _count_factor(count_unit, text, COUNT_RATE_HELP) / seconds


def parse_daily_count(text: object) -> float:
    """Records per working day: ``'2 M'`` or ``'2 M/day'``."""
    number, unit = _split(text, DAILY_COUNT_HELP)
    return number * _count_factor(_per_day(unit, text, DAILY_COUNT_HELP), text, DAILY_COUNT_HELP)
