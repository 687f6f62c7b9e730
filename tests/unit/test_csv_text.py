"""frame_csv, how every results file is written (the csv module): cells read back equal, text
quoted where it must be, missing values empty, formula cells made inert."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from migrasim.render.tables import frame_csv


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_quoting_by_hand() -> None:
    frame = pd.DataFrame({"a,b": [1, 2], 't"q': ['say "hi"', "two\nlines"]})
    assert frame_csv(frame) == '"a,b","t""q"\n1,"say ""hi"""\n2,"two\nlines"\n'


def test_a_lone_empty_cell_is_quoted_so_the_row_is_not_blank() -> None:
    assert frame_csv(pd.DataFrame({"only": ["", "a"]})) == 'only\n""\na\n'
    assert _read(frame_csv(pd.DataFrame({"only": ["", "a"]}))) == [["only"], [""], ["a"]]


def test_missing_values_are_empty_cells() -> None:
    frame = pd.DataFrame(
        {
            "t": ["a", None, "c"],
            "u": ["x", "y", np.nan],
            "f": [1.5, np.nan, 2.0],
            "i": pd.array([1, None, 3], dtype="Int64"),
            "mixed": [1, "never", None],
        }
    )
    assert frame_csv(frame) == "t,u,f,i,mixed\na,x,1.5,1,1\n,y,,,never\nc,,2.0,3,\n"


def test_numbers_read_back_exactly() -> None:
    floats = [0.0, -0.0, 0.1, 2.5, 1e-5, 1e15, 1e16, 123456789012345678.0, 1 / 3, np.inf]
    ints = [0, -1, 2**53 + 1, 10**15, 7, 8, 9, 10, 11, 12]
    frame = pd.DataFrame({"x": floats, "n": ints, "flag": [True, False] * 5})
    rows = _read(frame_csv(frame))
    assert rows[0] == ["x", "n", "flag"]
    assert [float(r[0]) for r in rows[1:]] == floats
    assert [str(float(r[0])) for r in rows[1:]] == [repr(f) for f in floats]  # -0.0 kept
    assert [int(r[1]) for r in rows[1:]] == ints
    assert [r[2] for r in rows[1:]] == ["True", "False"] * 5
    assert rows[1][0] == "0.0"  # as pandas writes them
    assert rows[7][0] == "1e+16"


def test_text_reads_back_equal() -> None:
    texts = ["plain", "a,b", 'say "hi"', "two\nlines", "", " padded ", "ünïcödé", "-5", "+1.5"]
    frame = pd.DataFrame({"t": texts, "n": range(len(texts))})
    assert [r[0] for r in _read(frame_csv(frame))[1:]] == texts


def test_formula_cells_are_neutralised_in_every_text_column() -> None:
    frame = pd.DataFrame(
        {
            "flow": ["=SUM(A1)", "+cmd", "ok", "@me"],
            "link": pd.array(["-x", "\tTab", "-3", "-"], dtype="string"),
            "n": [-1, 2, 3, 4],  # numbers are data
        }
    )
    rows = _read(frame_csv(frame))
    assert [r[0] for r in rows[1:]] == ["'=SUM(A1)", "'+cmd", "ok", "'@me"]
    assert [r[1] for r in rows[1:]] == ["'-x", "'\tTab", "-3", "'-"]
    assert [r[2] for r in rows[1:]] == ["-1", "2", "3", "4"]


def test_long_tables_round_trip() -> None:
    n = 50_000
    delivered = np.round(np.random.default_rng(1).random(n) * 1e9, 3)
    timeline = pd.DataFrame(
        {
            "date": np.repeat(np.array(["2025-06-02", "2025-06-03"], dtype=object), n // 2),
            "flow": np.tile(np.array(["F1", "F,2"], dtype=object), n // 2),
            "delivered_bytes": delivered,
        }
    )
    back = pd.read_csv(io.StringIO(frame_csv(timeline)), keep_default_na=False)
    assert list(back.columns) == ["date", "flow", "delivered_bytes"]
    assert back["flow"].tolist() == timeline["flow"].tolist()
    assert back["date"].tolist() == timeline["date"].tolist()
    assert np.array_equal(back["delivered_bytes"].to_numpy(), delivered)
