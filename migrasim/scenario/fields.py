"""The value types of the scenario format: quantities with their units and bounds, and
the validation errors (``_fail``) every model raises. Every quantity is read by ``core/units.py``
and stored in SI units.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from migrasim.core import units
from migrasim.errors import N_, UnitError, quoted


def _fail(problem: str, fix: str = "") -> PydanticCustomError:
    """A validation error carrying ``problem`` and ``fix`` as they are (messages made with
    ``N_`` keep their msgid and values: the command line translates them)."""
    return PydanticCustomError("migrasim", "{problem}", {"problem": problem, "fix": fix})


def _key_error(key: str, problem: str, fix: str = "") -> PydanticCustomError:
    """:func:`_fail` for key ``key`` of the object being validated (its key path ends in it)."""
    return PydanticCustomError(
        "migrasim", "{problem}", {"problem": problem, "fix": fix, "key": key}
    )


def _positive(parse: Any, help_text: str, bounds: tuple[float, float, str, str]) -> Any:
    """A validator: parse the quantity, then check it is finite, > 0 and within ``bounds``
    (lowest, highest, and both as text): the range the engine can represent exactly, so that
    whatever validates also runs (no overflow to infinity, no underflow to zero)."""
    lowest, highest, lowest_text, highest_text = bounds

    def validate(value: object) -> float:
        try:
            parsed = float(parse(value))
        except UnitError as exc:
            raise _fail(exc.problem, N_("give %(what)s", what=help_text)) from None
        got = quoted(value)
        if math.isnan(parsed) or parsed <= 0:
            raise _fail(N_("must be > 0, got %(value)s", value=got),
                        N_("give %(what)s", what=help_text))  # fmt: skip
        if parsed < lowest:
            raise _fail(N_("too small, got %(value)s", value=got),
                        N_("give at least %(lowest)s", lowest=lowest_text))  # fmt: skip
        if parsed > highest:
            raise _fail(N_("too large, got %(value)s", value=got),
                        N_("give at most %(highest)s", highest=highest_text))  # fmt: skip
        return parsed

    return validate


_YEAR_S = 365.25 * 86400.0
SIZE_BOUNDS = (1.0, 1e18, "1 B", "1000 PB (10^18 bytes)")
RATE_BOUNDS = (1e-6, 1e15, "1 B per 11.6 days (10^-6 B/s)", "1 PB/s")
DAILY_BOUNDS = (1.0, 1e18, "1 B a day", "1000 PB a day")
DURATION_BOUNDS = (1.0, 100 * _YEAR_S, "1 s", "100 years")
COUNT_BOUNDS = (1.0, 1e15, "1", "10^15")
COUNT_RATE_BOUNDS = (1e-6, 1e12, "10^-6 records/s", "10^12 records/s")


def _schema(help_text: str, example: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "description": help_text, "examples": [example]})


Size = Annotated[
    float,
    BeforeValidator(_positive(units.parse_size, units.SIZE_HELP, SIZE_BOUNDS)),
    _schema(units.SIZE_HELP, "180 GB"),
]
Rate = Annotated[
    float,
    BeforeValidator(_positive(units.parse_rate, units.RATE_HELP, RATE_BOUNDS)),
    _schema(units.RATE_HELP, "100 Mbit/s"),
]
DailySize = Annotated[
    float,
    BeforeValidator(_positive(units.parse_daily, units.DAILY_HELP, DAILY_BOUNDS)),
    _schema(units.DAILY_HELP, "1 GB"),
]
Duration = Annotated[
    float,
    BeforeValidator(_positive(units.parse_duration, units.DURATION_HELP, DURATION_BOUNDS)),
    _schema(units.DURATION_HELP, "10 years"),
]


Count = Annotated[
    float,
    BeforeValidator(_positive(units.parse_count, units.COUNT_HELP, COUNT_BOUNDS)),
    _schema(units.COUNT_HELP, "2 M"),
]
CountRate = Annotated[
    float,
    BeforeValidator(_positive(units.parse_count_rate, units.COUNT_RATE_HELP, COUNT_RATE_BOUNDS)),
    _schema(units.COUNT_RATE_HELP, "150 records/s"),
]
DailyCount = Annotated[
    float,
    BeforeValidator(_positive(units.parse_daily_count, units.DAILY_COUNT_HELP, COUNT_BOUNDS)),
    _schema(units.DAILY_COUNT_HELP, "2 M"),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
