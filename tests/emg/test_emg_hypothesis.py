"""Property tests (Hypothesis) for the EMG readers: whatever they are fed, ``read_emg`` returns a
well-formed recording or raises :class:`HemispasmError`, never anything else.

EDF/BDF files are written with edfio and then corrupted field by field (header) or byte by byte
(header and data); CSV and sweep-CSV texts are built from a small grammar of the cells and
headers real exports hold, plus raw text and bytes. A fixed example budget bounds CI time.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hemispasm.emg import EmgRecording, read_emg
from hemispasm.emg.io import TRIGGER_PATTERN
from hemispasm.emg.limits import SAMPLE_MAX_UV, SFREQ_MAX_HZ, SFREQ_MIN_HZ
from hemispasm.errors import HemispasmError

edfio = pytest.importorskip("edfio")

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples on every run: CI failures reproduce
)


def _check(path: Path, **kw) -> None:
    """The property: a valid recording, or a one-line HemispasmError."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warnings are not failures (stderr is another issue)
        try:
            rec = read_emg(path, **kw)
        except HemispasmError as exc:
            assert "\n" not in str(exc)
            return
    assert isinstance(rec, EmgRecording)
    assert rec.data.ndim == 2 and rec.data.shape[0] == len(rec.ch_names) >= 1
    assert rec.data.shape[1] >= 2
    assert np.isfinite(rec.data).all()
    assert math.isfinite(rec.sfreq) and SFREQ_MIN_HZ <= rec.sfreq <= SFREQ_MAX_HZ
    assert len(set(rec.ch_names)) == len(rec.ch_names) and all(rec.ch_names)
    emg = [i for i, n in enumerate(rec.ch_names) if not TRIGGER_PATTERN.search(n)]
    assert np.abs(rec.data[emg]).max(initial=0.0) <= SAMPLE_MAX_UV


@contextlib.contextmanager
def _file(name: str, data: bytes):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(data)
        yield p


# --- EDF / BDF -------------------------------------------------------------------------------


def _edf_bytes(bdf: bool) -> bytes:
    rng = np.random.default_rng(0)
    cls, file_cls = (edfio.BdfSignal, edfio.Bdf) if bdf else (edfio.EdfSignal, edfio.Edf)
    sigs = [
        cls(rng.standard_normal(200) * 50, 100, label="Oculi", physical_dimension="uV"),
        cls(rng.standard_normal(200) * 0.05, 100, label="Mentalis", physical_dimension="mV"),
    ]
    kw = {} if bdf else {"annotations": [edfio.EdfAnnotation(0.5, None, "Stimulus")]}
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / ("x.bdf" if bdf else "x.edf")
        file_cls(sigs, **kw).write(p)
        return p.read_bytes()


EDF = _edf_bytes(False)
BDF = _edf_bytes(True)

#: (offset, width) of each field in the fixed header; the per-signal fields follow.
FIXED = [(0, 8), (8, 80), (88, 80), (168, 8), (176, 8), (184, 8), (192, 44), (236, 8), (244, 8)]
FIXED.append((252, 4))
SIGNAL_WIDTHS = [16, 80, 8, 8, 8, 8, 8, 80, 8, 32]

CELLS = st.sampled_from(
    ["", " ", "0", "-0", "1", "-1", "2", "100", "0.001", "1e308", "-1e308", "1e-300", "inf",
     "-inf", "nan", "NaN", "abc", "uV", "mV", "V", "", "99999999", "-99999999", "1.5", "+3",
     "EDF+C", "EDF+D", "BIOSEMI", "\xff\xfe", "$x^2$", "[bold]x", "32767", "-32768", "8388607"]
)  # fmt: skip


def _field_bytes(text: str, width: int) -> bytes:
    raw = text.encode("latin-1", errors="replace")[:width]
    return raw.ljust(width, b" ")


def _header_fields(data: bytes, bdf: bool) -> list[tuple[int, int]]:
    ns = int(data[252:256].decode().strip())
    fields = list(FIXED)
    off = 256
    for w in SIGNAL_WIDTHS:
        for k in range(ns):
            fields.append((off + k * w, w))
        off += w * ns
    return fields


@SETTINGS
@given(
    bdf=st.booleans(),
    edits=st.lists(
        st.tuples(st.integers(0, 10_000), st.one_of(CELLS, st.text(max_size=12))),
        min_size=1,
        max_size=4,
    ),
)
def test_edf_header_fields_corrupted(bdf, edits):
    data = bytearray(BDF if bdf else EDF)
    fields = _header_fields(bytes(data), bdf)
    for k, text in edits:
        off, width = fields[k % len(fields)]
        data[off : off + width] = _field_bytes(text, width)
    with _file("x.bdf" if bdf else "x.edf", bytes(data)) as p:
        _check(p)


@SETTINGS
@given(
    bdf=st.booleans(),
    edits=st.lists(st.tuples(st.integers(0, 100_000), st.integers(0, 255)), max_size=8),
    cut=st.one_of(st.none(), st.none(), st.none(), st.integers(0, 100_000)),
    extra=st.one_of(st.just(b""), st.just(b""), st.binary(max_size=64)),
)
def test_edf_bytes_corrupted_truncated_or_extended(bdf, edits, cut, extra):
    data = bytearray(BDF if bdf else EDF)
    for pos, byte in edits:
        data[pos % len(data)] = byte
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    data += extra
    with _file("x.bdf" if bdf else "x.edf", bytes(data)) as p:
        _check(p)


@SETTINGS
@given(raw=st.binary(max_size=2048), suffix=st.sampled_from(["x.edf", "x.bdf"]))
def test_edf_arbitrary_bytes(raw, suffix):
    with _file(suffix, raw) as p:
        _check(p)


def test_edf_data_bytes_give_finite_microvolts():
    """Any data bytes are valid digital values: the samples stay finite and bounded."""
    rng = np.random.default_rng(3)
    data = bytearray(EDF)
    header = 256 * (1 + 3)  # two signals and the EDF+ annotation signal
    data[header : header + 400] = rng.integers(0, 256, 400, dtype=np.uint8).tobytes()
    with _file("x.edf", bytes(data)) as p:
        rec = read_emg(p)
    assert np.isfinite(rec.data).all() and np.abs(rec.data).max() <= SAMPLE_MAX_UV


# --- CSV and sweep CSV -----------------------------------------------------------------------

NAMES = st.sampled_from(
    ["time_s", "time_ms", "time", "t", "sweep", "sweep_time_s", "Oculi", "Mentalis", "TRIG",
     "", " ", "Oculi", "$\\frac{a}{$", "[red]x[/]", "µV", "a,b", '"q"', "Oris"]
)  # fmt: skip
GOOD_NAMES = st.sampled_from(["time_s", "Oculi", "Mentalis", "Oris", "TRIG"])
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["", " ", "abc", "1,5", "1e400", "-", "0x10", "1_000", "TRUE", "None"]),
)
SEPS = st.sampled_from([",", ";", "\t", "|", " "])


@st.composite
def csv_texts(draw):
    sep = draw(SEPS)
    header = draw(
        st.one_of(
            st.lists(GOOD_NAMES, min_size=1, max_size=4, unique=True),
            st.lists(GOOD_NAMES, min_size=1, max_size=4, unique=True),
            st.lists(st.one_of(GOOD_NAMES, NAMES), min_size=1, max_size=5),
        )
    )
    n_rows = draw(st.one_of(st.integers(4, 40), st.integers(4, 40), st.integers(0, 3)))
    regular = draw(st.booleans())
    t0 = draw(st.sampled_from([0.0, 100.0, 1234.5678]))
    rows = []
    for i in range(n_rows):
        if regular:  # a mostly valid file: time grids + numbers, a few bad cells drawn in
            cells = []
            for h in header:
                if h == "sweep":
                    cells.append(str(i // 4))
                elif h == "time_ms":
                    cells.append(str((i % 4) - 1))
                elif h in ("time_s", "time", "t"):
                    cells.append(repr(t0 + i / 2000))
                else:
                    cells.append(repr(draw(st.floats(-1e3, 1e3))))
        else:
            n = draw(st.integers(0, len(header) + 1))
            cells = [draw(NUMBERS) for _ in range(n)]
        rows.append(sep.join(cells))
    if regular and rows:  # at most two bad cells in a regular file
        for r, c, value in draw(
            st.lists(st.tuples(st.integers(0, 99), st.integers(0, 9), NUMBERS), max_size=2)
        ):
            cells = rows[r % len(rows)].split(sep)
            cells[c % len(cells)] = value
            rows[r % len(rows)] = sep.join(cells)
    lines = [sep.join(header), *rows]
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines) + draw(st.sampled_from(["", "\n"]))


@SETTINGS
@given(text=csv_texts(), rate=st.sampled_from([None, None, None, 1000.0, 4000.0, 0.5]))
def test_csv_grammar(text, rate):
    with _file("x.csv", text.encode("utf-8")) as p:
        _check(p, sfreq=rate)


@SETTINGS
@given(
    n_sweeps=st.integers(1, 4),
    n_t=st.integers(1, 6),
    bad=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 3), NUMBERS), max_size=3),
    with_st=st.booleans(),
)
def test_sweep_csv_grammar(n_sweeps, n_t, bad, with_st):
    header = ["sweep", "time_ms", *(["sweep_time_s"] if with_st else []), "Oculi", "Mentalis"]
    rows = []
    for k in range(n_sweeps):
        for j in range(n_t):
            row = [str(k), str(j - n_t // 2)] + ([str(2.0 * k)] if with_st else [])
            rows.append([*row, str(np.sin(j)), str(np.cos(j))])
    for r, c, value in bad:
        if rows:
            row = rows[r % len(rows)]
            row[c % len(row)] = value
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    with _file("s.csv", text.encode()) as p:
        _check(p)


@SETTINGS
@given(raw=st.one_of(st.binary(max_size=1024), st.text(max_size=400).map(str.encode)))
def test_csv_arbitrary_bytes(raw):
    with _file("x.csv", raw) as p:
        _check(p, sfreq=1000.0)
