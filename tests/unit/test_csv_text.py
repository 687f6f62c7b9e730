"""frame_csv writes the bytes pandas' to_csv writes (formula cells made inert), by array
operations: a million rows in about a second."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrasim.render.tables import _csv_text, frame_csv, inert_cell


def _pandas(frame: pd.DataFrame) -> str:
    """What frame_csv wrote before: every text cell through inert_cell, then pandas."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column].dtype):
            safe[column] = safe[column].map(inert_cell)
    return str(safe.to_csv(index=False, lineterminator="\n"))


FLOATS = [0.0, -0.0, 1e16, 1e15, 123456789012345678.0, 1e-5, 0.1, 2.5, np.inf, -np.inf, np.nan]
TEXTS = ["plain", "a,b", 'say "hi"', "two\nlines", "cr\rhere", "", " padded ", "=SUM(A1)",
         "+1", "-x", "@me", "\tTab", "ünïcödé"]  # fmt: skip


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"x": FLOATS, "t": (TEXTS * 2)[: len(FLOATS)]}),
        pd.DataFrame({"rep": np.arange(6), "v": [1.0, 1.0, 1.0, 1.0, 0.0, -0.0]}),  # repeats
        pd.DataFrame({"t": ["a", None, "c"], "u": ["x", "y", np.nan]}),
        pd.DataFrame({"t": ["a", "b", "c"], "mixed": [1, "never", 2.0]}),  # pandas writes it
        pd.DataFrame({"flag": [True, False, True], "n": [1, 2, 3]}),
        pd.DataFrame({"only": ["", "a", "b"]}),  # one column: a lone empty cell is quoted
        pd.DataFrame({"a,b": [1, 2], 'c"d': ["x", "y"]}),  # headers that need quotes
        pd.DataFrame(
            {
                "date": np.array(["2025-06-02"] * 4, dtype=object),
                "bytes": np.round(np.linspace(0, 1e12, 4), 3),
            }
        ),
    ],
)
def test_frame_csv_is_what_pandas_writes(frame: pd.DataFrame) -> None:
    assert frame_csv(frame) == _pandas(frame)


def test_the_array_path_covers_the_long_tables() -> None:
    n = 50_000
    timeline = pd.DataFrame(
        {
            "date": np.repeat(np.array(["2025-06-02", "2025-06-03"], dtype=object), n // 2),
            "flow": np.tile(np.array(["F1", "F,2"], dtype=object), n // 2),
            "delivered_bytes": np.round(np.random.default_rng(1).random(n) * 1e9, 3),
            "cumulative_bytes": np.zeros(n),
        }
    )
    assert _csv_text(timeline) is not None  # not handed back to pandas
    assert frame_csv(timeline) == _pandas(timeline)
