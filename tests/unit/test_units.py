from __future__ import annotations

import pytest

from migrasim.core.units import parse_daily, parse_duration, parse_rate, parse_size
from migrasim.errors import UnitError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 GB", 1e9),
        ("1 GiB", 2**30),
        ("10 GiB", 10 * 2**30),
        ("1.2 TB", 1.2e12),
        ("500 MiB", 500 * 2**20),
        ("8 bit", 1.0),
        ("1,000 GB", 1e12),
        ("2kB", 2000.0),
    ],
)
def test_sizes(text: str, expected: float) -> None:
    assert parse_size(text) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100 Mbit/s", 12.5e6),
        ("12.5 MB/s", 12.5e6),
        ("1 Gbit/s", 125e6),
        ("1 Gbps", 125e6),
        ("20 GB/day", 20e9 / 86400),
        ("3.6 GB/h", 1e6),
    ],
)
def test_rates(text: str, expected: float) -> None:
    assert parse_rate(text) == pytest.approx(expected, rel=1e-15)


def test_one_gb_a_day_is_about_92_6_kbit_per_s() -> None:
    assert parse_rate("1 GB/day") * 8 / 1e3 == pytest.approx(92.59, abs=0.01)


def test_daily_and_duration() -> None:
    assert parse_daily("1 GB") == parse_daily("1 GB/day") == 1e9
    assert parse_duration("8 h") == 28800
    assert parse_duration("2 weeks") == 14 * 86400


@pytest.mark.parametrize(
    ("func", "text", "message"),
    [
        (parse_size, "1 Gb", "unit 'Gb' in '1 Gb' is ambiguous (bits or bytes?); expected GB"),
        (parse_size, "5", "'5' has no unit; expected a size"),
        (parse_size, "5 GX", "unknown unit 'GX' in '5 GX'"),
        (parse_size, "1 GB/s", "'1 GB/s' is a rate"),
        (parse_rate, "100 Mbit", "'100 Mbit' has no time unit"),
        (parse_rate, "1 GB/fortnight", "unknown time unit 'fortnight'"),
        (parse_daily, "1 GB/h", "'1 GB/h' is not per day"),
        (parse_size, "lots", "cannot read 'lots' as a number and a unit"),
        (parse_size, None, "not a quantity: None"),
        (parse_duration, "3 eons", "'3 eons' has unknown unit 'eons'"),
    ],
)
def test_errors_name_the_value(func: object, text: object, message: str) -> None:
    with pytest.raises(UnitError) as info:
        func(text)  # type: ignore[operator]
    assert message in str(info.value)
