"""Reading and writing EMG recordings: EDF/EDF+/BDF (edfio), CSV, and the sweep CSV format.

Every reader returns one :class:`EmgRecording` (MNE-style: data + info + annotations):

* ``data`` — float array, shape ``(n_channels, n_samples)``, in **microvolts** (µV);
* ``sfreq`` — sampling rate in Hz; ``ch_names`` — unique, non-empty channel names;
* ``annotations`` — list of :class:`Annotation` (onset and duration in seconds, text);
* ``meta`` — file name, format, units found, ``synthetic`` flag, ``sweep_times_s`` (sweep format).

Units are normalised from the EDF physical dimension (``uV``/``µV``, ``mV``, ``V``; other or
empty dimensions are rejected for EMG channels unless ``assume_unit`` is given).

The sweep CSV format (stimulus-locked exports from monitoring consoles) has one row per sample
per sweep: ``sweep`` (integer), ``time_ms`` (time from the stimulus, same grid in every sweep and
including 0), then one column per channel in µV. An optional ``sweep_time_s`` column gives the
time of each sweep in the session. Sweeps are laid end to end into one continuous record with a
``Stimulus`` annotation at each sweep's time 0, so one LSR analysis serves both kinds of input.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hemispasm._lazy import require
from hemispasm._log import get_logger
from hemispasm.errors import InputError

log = get_logger(__name__)

#: Factor from a physical dimension (lower case, µ spelled u) to microvolts.
UNIT_TO_UV: dict[str, float] = {"uv": 1.0, "mv": 1e3, "v": 1e6, "nv": 1e-3}

#: Text that marks a synthetic recording (EDF recording field and first annotation).
SYNTHETIC_MARK = "SYNTHETIC"

#: Channel-name patterns of a trigger / stimulus-marker channel (not EMG, no unit check).
TRIGGER_PATTERN = re.compile(r"(trig|stim|status|ttl|marker|event)", re.IGNORECASE)


@dataclass
class Annotation:
    """One annotation on the recording's time line (seconds from the start)."""

    onset: float
    duration: float
    text: str


@dataclass
class EmgRecording:
    """A multichannel EMG recording in µV.

    Attributes
    ----------
    data : ndarray, shape (n_channels, n_samples)
        Samples in microvolts (float32 or float64).
    sfreq : float
        Sampling rate, Hz.
    ch_names : list of str
        Channel names, unique.
    annotations : list of Annotation
        Onsets and durations in seconds.
    meta : dict
        ``source`` (file name), ``format``, ``units`` (per channel, as found),
        ``synthetic`` (bool), ``sha256`` of the file, optional ``sweep_times_s``.
    """

    data: np.ndarray
    sfreq: float
    ch_names: list[str]
    annotations: list[Annotation] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data = np.atleast_2d(np.asarray(self.data))
        if self.data.shape[0] != len(self.ch_names):
            raise ValueError(
                f"data has {self.data.shape[0]} channels but {len(self.ch_names)} names"
            )
        if not np.isfinite(self.sfreq) or self.sfreq <= 0:
            raise ValueError(f"sfreq must be positive, got {self.sfreq}")

    @property
    def n_samples(self) -> int:
        return int(self.data.shape[1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.sfreq

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic", False))

    def channel(self, name: str) -> np.ndarray:
        """The samples of one channel (µV)."""
        return self.data[self.ch_names.index(name)]

    def times(self) -> np.ndarray:
        """Sample times in seconds."""
        return np.arange(self.n_samples) / self.sfreq


def _norm_unit(dim: str) -> str:
    return dim.strip().replace("µ", "u").replace("μ", "u").lower()


def _check_names(names: list[str], path: Path) -> list[str]:
    clean = [str(n).strip() for n in names]
    if any(not n for n in clean):
        raise InputError(
            "a channel has an empty name", path=path, hint="label every channel in the file"
        )
    dup = sorted({n for n in clean if clean.count(n) > 1})
    if dup:
        raise InputError(
            f"duplicate channel names {dup}", path=path, hint="give every channel a unique label"
        )
    return clean


def check_rate(rec: EmgRecording, min_hz: float, analysis: str, path: str | Path | None) -> None:
    """Raise :class:`InputError` when ``rec.sfreq`` is below what ``analysis`` needs.

    The comparison allows a relative tolerance of :data:`RATE_RTOL` so a rate estimated from a
    time column (1999.9999999 Hz for a file sampled at exactly 2 kHz) is not refused.
    """
    if rec.sfreq < min_hz * (1.0 - RATE_RTOL):
        raise InputError(
            f"sampling rate {rec.sfreq:g} Hz is too low for {analysis} (needs >= {min_hz:g} Hz)",
            path=path,
            hint="record or export the EMG at a higher sampling rate",
        )


#: Relative tolerance for comparing sampling rates, and for snapping an estimated rate to the
#: nearest whole number of Hz (time columns printed with finite precision). Engineering choice.
RATE_RTOL = 1e-6


def read_emg(
    path: str | Path,
    *,
    sfreq: float | None = None,
    assume_unit: str | None = None,
    channels: list[str] | None = None,
) -> EmgRecording:
    """Read an EMG file: ``.edf``/``.bdf`` (EDF, EDF+, BDF), ``.csv`` (continuous or sweeps).

    Parameters
    ----------
    path : str or Path
        The file.
    sfreq : float, optional
        Sampling rate for a CSV without a time column (``--rate`` on the CLI).
    assume_unit : {"uV", "mV", "V"}, optional
        Unit for channels whose physical dimension is empty or unknown (EDF) or for every CSV
        channel (default µV for CSV).
    channels : list of str, optional
        Keep only these channels (in this order).

    Raises
    ------
    InputError
        Missing file or a folder, empty file, wrong header, truncated data, unknown units,
        irregular time column, a non-finite sample, or a sample beyond ±1 V on an EMG channel
        (see :mod:`hemispasm.emg.limits`).
    """
    from hemispasm.emg.limits import check_rate_option, check_samples

    path = Path(path)
    if assume_unit is not None and _norm_unit(assume_unit) not in UNIT_TO_UV:
        raise InputError(f"unknown unit '{assume_unit}'", path=path, hint="use --unit uV, mV or V")
    check_rate_option(sfreq, path=path)
    if path.is_dir():
        raise InputError(
            "this is a folder, not a recording", path=path, hint="give an .edf, .bdf or .csv file"
        )
    if not path.exists():
        raise InputError("file not found", path=path, hint="check the path")
    if not path.is_file():
        raise InputError("not a regular file", path=path, hint="give an .edf, .bdf or .csv file")
    suffix = path.suffix.lower()
    if suffix not in (".edf", ".bdf", ".csv", ".txt", ".tsv"):
        raise InputError(
            f"unsupported file type '{suffix or '(none)'}'",
            path=path,
            hint="give an .edf, .bdf or .csv file",
        )
    if path.stat().st_size == 0:
        raise InputError("the file is empty (0 bytes)", path=path, hint="export the file again")
    if suffix in (".edf", ".bdf"):
        rec = _read_edf(path, assume_unit=assume_unit)
        if sfreq is not None and abs(rec.sfreq - sfreq) > RATE_RTOL * rec.sfreq:
            raise InputError(
                f"--rate {sfreq:g} Hz disagrees with the header ({rec.sfreq:g} Hz)",
                path=path,
                hint="drop --rate: an EDF/BDF file carries its own sampling rate",
            )
    else:
        rec = _read_csv(path, sfreq=sfreq, assume_unit=assume_unit)
    check_samples(
        rec,
        path,
        trigger={n for n in rec.ch_names if TRIGGER_PATTERN.search(n)},
        hint=None
        if suffix not in (".edf", ".bdf")
        else "check the unit (--unit uV|mV|V) and the physical and digital ranges in the header",
    )
    from hemispasm.provenance import sha256_file

    rec.meta["sha256"] = sha256_file(path)
    if channels:
        missing = [c for c in channels if c not in rec.ch_names]
        if missing:
            raise InputError(
                f"channels {missing} not in the file (it has {rec.ch_names})",
                path=path,
                hint="pick channels by their exact names",
            )
        idx = [rec.ch_names.index(c) for c in channels]
        rec = EmgRecording(rec.data[idx], rec.sfreq, list(channels), rec.annotations, rec.meta)
    return rec


def _read_edf(path: Path, *, assume_unit: str | None) -> EmgRecording:
    edfio = require("edfio")
    is_bdf = path.suffix.lower() == ".bdf"
    fmt = "BDF" if is_bdf else "EDF"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            edf = edfio.read_bdf(path) if is_bdf else edfio.read_edf(path, lazy_load_data=False)
    except Exception as exc:  # edfio raises ValueError/IndexError/UnicodeError on bad files
        raise _not_readable(path, fmt, exc) from exc
    # edfio accepts a file cut short (it warns and shortens the header); we refuse it.
    for w in caught:
        text = str(w.message)
        if "Incomplete data record" in text or "header indicates" in text:
            raise InputError(
                f"truncated data ({text.rstrip('.')})",
                path=path,
                hint="copy or export the file again",
            )
    _check_edf_size(path, edf, is_bdf)
    with path.open("rb") as fh:
        reserved = fh.read(256)[192:236].strip()
    if reserved.startswith((b"EDF+D", b"BDF+D")):
        # the records of a discontinuous file may have gaps: laid end to end, every time after
        # the first gap (stimuli, bursts) would be wrong
        raise InputError(
            f"{fmt}+D (discontinuous) recordings are not supported",
            path=path,
            hint=f"export the recording as continuous {fmt}+C (or one file per segment)",
        )
    try:
        return _edf_recording(path, edf, fmt, assume_unit)
    except InputError:
        raise
    except Exception as exc:  # a header field edfio parses only on access (labels, TALs...)
        raise _not_readable(path, fmt, exc) from exc


def _not_readable(path: Path, fmt: str, exc: BaseException) -> InputError:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return InputError(
        f"not a readable {fmt} file (corrupt or truncated header/data: {msg[:200]})",
        path=path,
        hint=f"export the recording again as {fmt}/{fmt}+",
    )


def _edf_recording(path: Path, edf: Any, fmt: str, assume_unit: str | None) -> EmgRecording:
    from hemispasm.emg.limits import check_file_rate

    signals = list(edf.signals)
    if not signals:
        raise InputError(f"the {fmt} file has no signals", path=path, hint="check the export")
    rates = {float(s.sampling_frequency) for s in signals}
    if len(rates) != 1:
        raise InputError(
            f"channels have different sampling rates {sorted(rates)}",
            path=path,
            hint="export all EMG channels at one rate (or pick channels of one rate)",
        )
    sfreq = rates.pop()
    check_file_rate(sfreq, path, "the header (samples per record / record duration)")
    names = _check_names([s.label for s in signals], path)
    units: list[str] = []
    rows = []
    for sig, name in zip(signals, names, strict=True):
        unit = _norm_unit(sig.physical_dimension)
        factor = UNIT_TO_UV.get(unit)
        if factor is None:
            if TRIGGER_PATTERN.search(name):
                factor = 1.0
            elif assume_unit:
                factor = UNIT_TO_UV[_norm_unit(assume_unit)]
            else:
                raise InputError(
                    f"channel '{name}' has physical dimension '{sig.physical_dimension}', "
                    "not uV/mV/V",
                    path=path,
                    hint="pass --unit uV|mV|V if you know the unit",
                )
        units.append(sig.physical_dimension)
        with np.errstate(all="ignore"):  # a degenerate physical range gives inf/NaN: refused
            rows.append(np.asarray(sig.data, dtype=np.float64) * factor)
    n = min(len(r) for r in rows)
    if n < 2:
        raise InputError(
            f"the {fmt} file holds {n} sample{'s' if n != 1 else ''} per channel "
            "(needs at least 2)",
            path=path,
            hint="check the export",
        )
    data = np.vstack([r[:n] for r in rows])
    annotations = [
        Annotation(float(a.onset), float(a.duration or 0.0), a.text) for a in edf.annotations
    ]
    recording_field = ""
    try:
        recording_field = str(edf.recording)
    except Exception:  # non-EDF+ compliant recording fields cannot be parsed; ignore
        recording_field = ""
    synthetic = SYNTHETIC_MARK in recording_field or any(
        a.text.upper().startswith(SYNTHETIC_MARK) for a in annotations
    )
    meta = {
        "source": path.name,
        "format": fmt,
        "units": units,
        "synthetic": synthetic,
    }
    return EmgRecording(data, sfreq, names, annotations, meta)


def _check_edf_size(path: Path, edf: Any, is_bdf: bool) -> None:
    """Compare the file size with what the header promises (all signals, annotations too)."""
    bytes_per = 3 if is_bdf else 2
    try:
        sigs = edf._signals  # edfio keeps the EDF+ annotation signals here
        header = 256 * (1 + len(sigs))
        per_record = sum(int(s.samples_per_data_record) for s in sigs) * bytes_per
        expected = header + per_record * int(edf.num_data_records)
    except (AttributeError, TypeError, ValueError):  # another edfio layout: skip this check
        return
    size = path.stat().st_size
    if size < expected:
        raise InputError(
            f"truncated data: {size} bytes, the header promises {expected}",
            path=path,
            hint="copy or export the file again",
        )


_TIME_S = ("time_s", "time", "t", "seconds", "time (s)", "time[s]")
_TIME_MS = ("time_ms", "time (ms)", "time[ms]")
_SEPARATORS = (",", ";", "\t", "|")


def _read_text_header(path: Path) -> tuple[list[str], str, str, int]:
    """The header row (as written), separator, encoding and rows up to the header of a CSV.

    The separator is the most frequent of ``, ; TAB |`` in the header line (``,`` when none is
    there: a one-column file). UTF-8 (with or without BOM) is tried first, then Latin-1
    (Windows exports with ``µV`` in the header).
    """
    import csv

    with path.open("rb") as fh:
        head = fh.read(65536)
    if b"\x00" in head:
        raise InputError(
            "this is a binary file, not CSV text",
            path=path,
            hint="save it as comma-separated text with a header row",
        )
    encoding = "utf-8-sig"
    try:
        head.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the chunk boundary
            encoding = "latin-1"
    text = head.decode(encoding, errors="replace")
    lines = text.splitlines()
    skip = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if skip is None:
        raise InputError("the CSV file has no header row", path=path, hint="check the export")
    line = lines[skip]
    sep = max(_SEPARATORS, key=line.count)
    if line.count(sep) == 0:
        sep = ","
    header = next(csv.reader([line], delimiter=sep))
    return [h.strip() for h in header], sep, encoding, skip + 1


def _read_csv(path: Path, *, sfreq: float | None, assume_unit: str | None) -> EmgRecording:
    import pandas as pd

    header, sep, encoding, skip = _read_text_header(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(
                path,
                sep=sep,
                engine="c",
                header=None,
                skiprows=skip,
                names=list(range(len(header))),
                index_col=False,
                skipinitialspace=True,
                skip_blank_lines=True,
                encoding=encoding,
                encoding_errors="strict",
            )
    except pd.errors.EmptyDataError:
        df = pd.DataFrame(columns=list(range(len(header))))
    except pd.errors.ParserWarning as exc:
        raise InputError(
            "a row has more fields than the header",
            path=path,
            hint="name every column in the header row, the same columns on every row",
        ) from exc
    except (pd.errors.ParserError, UnicodeError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise InputError(
            f"not a readable CSV file ({msg[:160]})",
            path=path,
            hint="save it as comma-separated text with a header row, the same columns on every row",
        ) from exc
    df.columns = header
    df = _drop_row_index(df, path)
    _check_header(list(df.columns), path)
    if len(df) < 2:
        raise InputError(
            f"the CSV file has {len(df)} data row{'s' if len(df) != 1 else ''} "
            "(needs at least 2 samples)",
            path=path,
            hint="check the export",
        )
    cols = {c.strip().lower(): c for c in df.columns}
    factor = UNIT_TO_UV[_norm_unit(assume_unit)] if assume_unit else 1.0
    if "sweep" in cols and "time_ms" in cols:
        return _read_sweep_csv(path, df, cols, factor)
    time_col = next((cols[c] for c in _TIME_S if c in cols), None)
    time_scale = 1.0
    if time_col is None:
        time_col = next((cols[c] for c in _TIME_MS if c in cols), None)
        time_scale = 1e-3
    time_like = {cols[c] for c in (*_TIME_S, *_TIME_MS) if c in cols}
    chans = [c for c in df.columns if c not in time_like]
    if not chans:
        raise InputError("the CSV file has no channel columns", path=path, hint="add channels")
    values = _numeric(df[chans], path)
    if time_col is not None:
        t = _numeric(df[[time_col]], path)[:, 0] * time_scale
        rate = _rate_from_times(t, path, f"time column '{time_col}'")
        if sfreq is not None and abs(rate - sfreq) > 0.01 * sfreq:
            raise InputError(
                f"--rate {sfreq:g} Hz disagrees with the time column ({rate:g} Hz)",
                path=path,
                hint="drop --rate or fix the time column",
            )
    elif sfreq is None:
        raise InputError(
            "the CSV file has no time column and no sampling rate was given",
            path=path,
            hint="add a time_s column or pass --rate HZ",
        )
    else:
        rate = float(sfreq)
    names = _check_names(list(chans), path)
    meta = {"source": path.name, "format": "CSV", "units": ["uV"] * len(names), "synthetic": False}
    return EmgRecording(values.T * factor, rate, names, [], meta)


def _drop_row_index(df: Any, path: Path) -> Any:
    """Drop a first column with no name holding 0, 1, 2, ... (pandas' default row index)."""
    if len(df.columns) > 1 and df.columns[0] == "" and len(df):
        import pandas as pd

        first = pd.to_numeric(df.iloc[:, 0], errors="coerce").to_numpy()
        if np.array_equal(first, np.arange(len(df))):
            log.info("%s: first column has no name and holds 0, 1, 2, ...: a row index", path)
            return df.iloc[:, 1:]
    return df


def _check_header(header: list[str], path: Path) -> None:
    for i, name in enumerate(header):
        if not name:
            raise InputError(
                f"column {i + 1} of the header has no name",
                path=path,
                hint="name every column (time_s and one column per channel)",
            )
    dup = sorted({n for n in header if header.count(n) > 1})
    if dup:
        raise InputError(
            f"duplicate column names {dup}", path=path, hint="give every column a unique name"
        )


def _rate_from_times(t: np.ndarray, path: Path, what: str) -> float:
    """Sampling rate (Hz) from sample times in seconds, robust to printing precision.

    The times must be finite and strictly increasing, every interval within 1 % of the median
    interval; the rate is ``(n - 1) / (t[-1] - t[0])`` (the whole span, so rounding of single
    time stamps averages out), snapped to the nearest whole Hz when within :data:`RATE_RTOL`.
    """
    from hemispasm.emg.limits import check_file_rate

    bad = np.flatnonzero(~np.isfinite(t))
    if len(bad):
        raise InputError(
            f"{what} has a non-finite value {t[bad[0]]} at row {bad[0] + 2}",
            path=path,
            hint="export the time column again",
        )
    with np.errstate(all="ignore"):
        dt = np.diff(t)
        back = np.flatnonzero(~(dt > 0))
        if len(back):
            raise InputError(
                f"{what} is not increasing (row {back[0] + 3} is not after row {back[0] + 2})",
                path=path,
                hint="sort the rows by time and remove repeated times",
            )
        step = float(np.median(dt))
        if not np.all(np.abs(dt - step) <= 0.01 * step):
            raise InputError(
                f"{what} is not evenly spaced (missing or repeated samples)",
                path=path,
                hint="export at a fixed sampling rate",
            )
        rate = float((len(t) - 1) / (t[-1] - t[0]))
    if math.isfinite(rate) and rate >= 1 and abs(rate - round(rate)) <= RATE_RTOL * rate:
        rate = float(round(rate))
    check_file_rate(rate, path, what)
    return rate


def _numeric(df: Any, path: Path) -> np.ndarray:
    import pandas as pd

    num = df.apply(pd.to_numeric, errors="coerce")
    bad = num.isna() & df.notna()
    if bad.to_numpy().any():
        r, c = np.argwhere(bad.to_numpy())[0]
        raise InputError(
            f"non-numeric value {str(df.iat[r, c])[:40]!r} in column '{df.columns[c]}' row {r + 2}",
            path=path,
            hint="keep only numbers below the header row",
        )
    if num.isna().to_numpy().any():
        r, c = np.argwhere(num.isna().to_numpy())[0]
        raise InputError(
            f"missing value in column '{df.columns[c]}' row {r + 2} (truncated data?)",
            path=path,
            hint="export the file again",
        )
    return num.to_numpy(dtype=np.float64)


def _read_sweep_csv(path: Path, df: Any, cols: dict[str, str], factor: float) -> EmgRecording:
    from hemispasm.emg.limits import check_file_rate

    sweep_col, time_col = cols["sweep"], cols["time_ms"]
    st_col = cols.get("sweep_time_s")
    chans = [c for c in df.columns if c not in (sweep_col, time_col, st_col)]
    if not chans:
        raise InputError("the sweep CSV has no channel columns", path=path, hint="add channels")
    names = _check_names(list(chans), path)
    arr = _numeric(df[[sweep_col, time_col, *chans]], path)
    for k, col in ((0, sweep_col), (1, time_col)):
        bad = np.flatnonzero(~np.isfinite(arr[:, k]))
        if len(bad):
            raise InputError(
                f"column '{col}' has a non-finite value {arr[bad[0], k]} at row {bad[0] + 2}",
                path=path,
                hint="check the export",
            )
    frac = np.flatnonzero((arr[:, 0] != np.round(arr[:, 0])) | (np.abs(arr[:, 0]) >= 2**53))
    if len(frac):
        raise InputError(
            f"column '{sweep_col}' holds {arr[frac[0], 0]:g} at row {frac[0] + 2}, not a sweep "
            "number",
            path=path,
            hint="number the sweeps 0, 1, 2, ...",
        )
    sweeps = arr[:, 0].astype(np.int64)
    ids = np.unique(sweeps)
    first = arr[sweeps == ids[0], 1]
    n_t = len(first)
    if n_t < 3:
        raise InputError("each sweep needs at least 3 samples", path=path, hint="check the export")
    with np.errstate(all="ignore"):
        step = float(np.median(np.diff(first)))
        uneven = not (step > 0 and np.all(np.abs(np.diff(first) - step) <= 0.01 * step))
    if uneven:
        raise InputError(
            "time_ms is not evenly spaced within a sweep", path=path, hint="check the export"
        )
    check_file_rate(1000.0 / step, path, "column 'time_ms'")
    if not (first[0] <= 0 <= first[-1]):
        raise InputError(
            "time_ms does not include the stimulus time 0",
            path=path,
            hint="time_ms must run from before to after the stimulus",
        )
    st = None
    if st_col is not None:
        st = _numeric(df[[st_col]], path)[:, 0]
        bad = np.flatnonzero(~np.isfinite(st))
        if len(bad):
            raise InputError(
                f"column '{st_col}' has a non-finite value {st[bad[0]]} at row {bad[0] + 2}",
                path=path,
                hint="give each sweep's time in seconds",
            )
    blocks = []
    for i in ids:
        rows = arr[sweeps == i]
        if len(rows) != n_t or np.max(np.abs(rows[:, 1] - first)) > 0.01 * step:
            raise InputError(
                f"sweep {i} has a different time grid ({len(rows)} rows, expected {n_t}; "
                "truncated data?)",
                path=path,
                hint="every sweep must have the same time_ms values",
            )
        blocks.append(rows[:, 2:].T)
    data = np.concatenate(blocks, axis=1) * factor
    sfreq = 1000.0 / step
    if abs(sfreq - round(sfreq)) <= RATE_RTOL * sfreq:
        sfreq = float(round(sfreq))
    i0 = int(np.argmin(np.abs(first)))
    onsets = [(k * n_t + i0) / sfreq for k in range(len(ids))]
    ann = [Annotation(o, 0.0, "Stimulus") for o in onsets]
    meta: dict[str, Any] = {
        "source": path.name,
        "format": "sweep-CSV",
        "units": ["uV"] * len(names),
        "synthetic": False,
    }
    if st is not None:
        meta["sweep_times_s"] = [float(st[sweeps == i][0]) for i in ids]
    return EmgRecording(data, sfreq, names, ann, meta)


def write_edf(rec: EmgRecording, path: str | Path) -> Path:
    """Write ``rec`` as EDF+ (physical dimension ``uV``) atomically, with its annotations.

    A synthetic recording is marked in the recording field (``additional``) and by a first
    annotation ``SYNTHETIC ...`` so any EDF reader shows it.
    """
    edfio = require("edfio")
    from hemispasm._io import atomic_path

    path = Path(path)
    signals = []
    for name, row in zip(rec.ch_names, rec.data, strict=True):
        x = np.asarray(row, dtype=np.float64)
        lo, hi = float(x.min()), float(x.max())
        if hi - lo < 1e-6:
            lo, hi = lo - 1.0, hi + 1.0
        pad = 0.01 * (hi - lo)
        is_trig = bool(TRIGGER_PATTERN.search(name))
        signals.append(
            edfio.EdfSignal(
                x,
                rec.sfreq,
                label=name,
                physical_dimension="" if is_trig else "uV",
                physical_range=(lo - pad, hi + pad),
                transducer_type="" if is_trig else "EMG electrode",
            )
        )
    anns = [edfio.EdfAnnotation(a.onset, a.duration or None, a.text) for a in rec.annotations]
    recording = None
    if rec.synthetic:
        recording = edfio.Recording(
            equipment_code="hemispasm_simulator", additional=[SYNTHETIC_MARK]
        )
        anns.insert(0, edfio.EdfAnnotation(0.0, None, f"{SYNTHETIC_MARK} data from hemispasm"))
    duration = rec.n_samples / rec.sfreq
    record_s = 1.0 if abs(duration - round(duration)) < 1e-9 else duration
    edf = edfio.Edf(signals, recording=recording, annotations=anns, data_record_duration=record_s)
    with atomic_path(path) as tmp:
        edf.write(tmp)
    return path
