"""Property tests (Hypothesis): whatever the EAR and signals table readers are fed, they return a
table or raise the project's one-line error (HemispasmError), never anything else.

The example budget is fixed (``max_examples``) so the suite's time stays bounded in CI.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hemispasm.errors import HemispasmError
from hemispasm.signals_io import read_ear_table, read_signals_table

SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

EAR_HEADERS = ["frame", "EAR2D6_l", "EAR2D6_r", "EAR2D6_valid", "BS_Valid", "other", ""]
SIGNAL_HEADERS = ["time_s", "ear_left", "ear_right", "face", "frame", "yaw_deg", "bs_x", "note"]
CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["", " ", "True", "False", "nan", "inf", "-inf", "1e308", "abc", '"', "0x1"]),
    st.text(max_size=6),
)


@st.composite
def csv_texts(draw, headers):
    sep = draw(st.sampled_from([",", ";", "\t", "|", " "]))
    cols = draw(st.lists(st.sampled_from(headers), min_size=0, max_size=6))
    n = draw(st.integers(0, 40))
    rows = [sep.join(draw(CELLS) for _ in cols) for _ in range(n)]
    if draw(st.booleans()):  # a well-formed numeric table, sometimes
        rows = [sep.join(str(i if c in ("frame",) else 0.3) for c in cols) for i in range(n)]
    return sep.join(cols) + "\n" + "\n".join(rows) + draw(st.sampled_from(["", "\n", "\r\n"]))


_DIR = tempfile.TemporaryDirectory(prefix="hemispasm-prop-")  # removed at exit
_COUNT = itertools.count()


def _write(data: bytes | str, suffix: str) -> Path:
    p = Path(_DIR.name) / f"t{next(_COUNT) % 4}{suffix}"
    if isinstance(data, str):
        p.write_text(data, encoding="utf-8", errors="surrogatepass")
    else:
        p.write_bytes(data)
    return p


def _returns_or_one_line(fn, *args, **kwargs) -> None:
    try:
        out = fn(*args, **kwargs)
    except HemispasmError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(out, pd.DataFrame) and len(out) >= 3
    assert np.all(np.diff(out["time_s"].to_numpy(dtype=float)) > 0)


@SETTINGS
@given(
    text=csv_texts(EAR_HEADERS),
    fps=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.none(), st.just(30.0)),
)
def test_ear_table_reader_total(text, fps):
    _returns_or_one_line(read_ear_table, _write(text, ".csv"), fps=fps)


@SETTINGS
@given(data=st.binary(max_size=300))
def test_ear_table_reader_total_on_bytes(data):
    _returns_or_one_line(read_ear_table, _write(data, ".csv"), fps=30.0)


@SETTINGS
@given(text=csv_texts(SIGNAL_HEADERS))
def test_signals_csv_reader_total(text):
    _returns_or_one_line(read_signals_table, _write(text, ".csv"))


COLUMN_VALUES = st.one_of(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=30),
    st.lists(st.integers(-(2**62), 2**62), min_size=0, max_size=30),
    st.lists(st.booleans(), min_size=0, max_size=30),
    st.lists(st.text(max_size=4), min_size=0, max_size=30),
)


@SETTINGS
@given(
    columns=st.dictionaries(st.sampled_from(SIGNAL_HEADERS), COLUMN_VALUES, max_size=6),
    increasing=st.booleans(),
)
def test_signals_parquet_reader_total(columns, increasing):
    n = min((len(v) for v in columns.values()), default=0)
    table = pd.DataFrame({k: v[:n] for k, v in columns.items()})
    if increasing and n:
        table["time_s"] = np.arange(n) / 30.0
    p = _write(b"", ".parquet")
    table.to_parquet(p)
    _returns_or_one_line(read_signals_table, p)


@SETTINGS
@given(data=st.binary(max_size=300))
def test_signals_parquet_reader_total_on_bytes(data):
    _returns_or_one_line(read_signals_table, _write(b"PAR1" + data, ".parquet"))
