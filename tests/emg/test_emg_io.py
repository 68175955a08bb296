"""Readers: EDF/EDF+/BDF, CSV, sweep CSV; units; the independent MNE reading; bad files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hemispasm.emg import EmgRecording, emg_lsr, read_emg
from hemispasm.errors import InputError


def test_edf_roundtrip_marks_synthetic_and_keeps_annotations(lsr_edf):
    path, sim = lsr_edf
    rec = read_emg(path)
    assert rec.ch_names == ["Oculi", "Mentalis"]
    assert rec.sfreq == 10_000.0
    assert rec.synthetic
    stims = [a for a in rec.annotations if a.text == "Stimulus"]
    assert len(stims) == 40
    assert stims[0].onset == pytest.approx(sim.truth.time_s[0], abs=1e-4)
    # 16-bit EDF quantisation: within one digital step of the simulated µV
    step = np.ptp(sim.recording.data, axis=1) / 65535 * 1.03
    err = np.abs(rec.data - sim.recording.data[:, : rec.n_samples]).max(axis=1)
    assert np.all(err <= step)


def test_same_samples_as_mne(lsr_edf, bursts_edf):
    mne = pytest.importorskip("mne")
    for path, _ in (lsr_edf, bursts_edf):
        ours = read_emg(path)
        raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
        assert raw.ch_names == ours.ch_names
        assert raw.info["sfreq"] == ours.sfreq
        theirs = raw.get_data() * 1e6  # MNE gives volts
        assert theirs.shape == ours.data.shape
        np.testing.assert_allclose(ours.data, theirs, rtol=1e-9, atol=1e-6)
        mne_on = sorted(
            o
            for o, d in zip(raw.annotations.onset, raw.annotations.description, strict=True)
            if d == "Stimulus"
        )
        our_on = sorted(a.onset for a in ours.annotations if a.text == "Stimulus")
        np.testing.assert_allclose(mne_on, our_on, atol=1e-6)


def _edf_with_unit(path, unit, scale, edfio, bdf=False):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(4000) * 50.0  # µV
    cls = edfio.BdfSignal if bdf else edfio.EdfSignal
    sig = cls(x / scale, 2000, label="Mentalis", physical_dimension=unit)
    (edfio.Bdf if bdf else edfio.Edf)([sig]).write(path)
    return x


@pytest.mark.parametrize(("unit", "scale"), [("uV", 1.0), ("mV", 1e3), ("V", 1e6), ("UV", 1.0)])
def test_units_normalised_to_microvolts(tmp_path, unit, scale):
    edfio = pytest.importorskip("edfio")
    f = tmp_path / "u.edf"
    x = _edf_with_unit(f, unit, scale, edfio)
    rec = read_emg(f)
    np.testing.assert_allclose(rec.data[0], x, atol=np.ptp(x) / 65535 * 1.05)


def test_bdf_is_read(tmp_path):
    edfio = pytest.importorskip("edfio")
    f = tmp_path / "u.bdf"
    x = _edf_with_unit(f, "mV", 1e3, edfio, bdf=True)
    rec = read_emg(f)
    assert rec.meta["format"] == "BDF"
    np.testing.assert_allclose(rec.data[0], x, atol=np.ptp(x) / 2**24 * 1.05)


def test_unknown_unit_is_an_error_unless_given(tmp_path):
    edfio = pytest.importorskip("edfio")
    f = tmp_path / "u.edf"
    _edf_with_unit(f, "furlong", 1.0, edfio)
    with pytest.raises(InputError, match="physical dimension"):
        read_emg(f)
    assert read_emg(f, assume_unit="uV").data.shape == (1, 4000)


def test_csv_with_time_column_and_with_rate(tmp_path):
    t = np.arange(3000) / 3000.0
    df = pd.DataFrame({"time_s": t, "Oculi": np.sin(t), "Oris": np.cos(t)})
    f = tmp_path / "a.csv"
    df.to_csv(f, index=False)
    rec = read_emg(f)
    assert rec.sfreq == pytest.approx(3000.0)
    assert rec.ch_names == ["Oculi", "Oris"]
    g = tmp_path / "b.csv"
    df.drop(columns="time_s").to_csv(g, index=False)
    assert read_emg(g, sfreq=3000).sfreq == 3000
    with pytest.raises(InputError, match="no time column"):
        read_emg(g)
    assert read_emg(g, sfreq=3000, assume_unit="mV").data[0, 10] == pytest.approx(
        np.sin(t[10]) * 1e3
    )


def test_sweep_csv_format_gives_one_sweep_per_stimulus(tmp_path):
    from hemispasm.emg import emg_simulate_lsr
    from hemispasm.emg.lsr import _epochs

    sim = emg_simulate_lsr(n_sweeps=12, snr=8, seed=2)
    rec = sim.recording
    stim = np.round(sim.truth.time_s.to_numpy() * rec.sfreq).astype(int)
    ep = _epochs(rec.data, stim, 100, 600)  # -10 .. +60 ms
    rows = []
    t_ms = (np.arange(-100, 600)) / rec.sfreq * 1e3
    for k in range(len(stim)):
        rows.append(
            pd.DataFrame(
                {
                    "sweep": k,
                    "time_ms": t_ms,
                    "sweep_time_s": 2.0 * k,
                    "Oculi": ep[k, 0],
                    "Mentalis": ep[k, 1],
                }
            )
        )
    f = tmp_path / "sweeps.csv"
    pd.concat(rows).to_csv(f, index=False)
    got = read_emg(f)
    assert got.meta["format"] == "sweep-CSV"
    assert len(got.annotations) == 12
    res = emg_lsr(got)
    m = res.sweeps[res.sweeps.channel == "Mentalis"]
    assert m.present.all()
    assert list(m.time_s) == [2.0 * k for k in range(12)]
    assert np.median(np.abs(m.latency_ms.to_numpy() - sim.truth.latency_ms.to_numpy())) < 0.2


def _lines(msg: str) -> int:
    return len(str(msg).strip().splitlines())


def test_bad_files_give_one_line_errors(tmp_path):
    bad = tmp_path / "junk.edf"
    bad.write_bytes(b"this is not an EDF header" * 20)
    with pytest.raises(InputError) as e:
        read_emg(bad)
    assert "not a readable EDF" in str(e.value) and _lines(e.value) == 1
    with pytest.raises(InputError, match="file not found"):
        read_emg(tmp_path / "missing.edf")
    with pytest.raises(InputError, match="unsupported file type"):
        read_emg(bad.with_suffix(".xyz").write_text("x") and bad.with_suffix(".xyz"))
    c = tmp_path / "bad.csv"
    c.write_text("time_s,Oculi\n0,1\n0.001,abc\n")
    with pytest.raises(InputError, match="non-numeric"):
        read_emg(c)
    c.write_text("time_s,Oculi\n0,1\n0.001,2\n0.003,2\n")
    with pytest.raises(InputError, match="evenly spaced"):
        read_emg(c)


def test_truncated_edf_is_an_error(lsr_edf, tmp_path):
    path, _ = lsr_edf
    data = path.read_bytes()
    cut = tmp_path / "cut.edf"
    cut.write_bytes(data[: len(data) - 5000])
    with pytest.raises(InputError) as e:
        read_emg(cut)
    assert "truncated" in str(e.value) and _lines(e.value) == 1


def test_rate_too_low_and_no_stimulus(tmp_path):
    rng = np.random.default_rng(1)
    slow = EmgRecording(
        rng.standard_normal((1, 5000)), 1000.0, ["Mentalis"], meta={"source": "slow.csv"}
    )
    with pytest.raises(InputError, match="too low for LSR"):
        emg_lsr(slow)
    quiet = EmgRecording(
        rng.standard_normal((2, 50000)),
        10000.0,
        ["Oculi", "Mentalis"],
        meta={"source": "quiet.edf"},
    )
    with pytest.raises(InputError, match="no stimulus found") as e:
        emg_lsr(quiet)
    assert "quiet.edf" in str(e.value)
