"""Bad EMG inputs (issue 10): one clear line naming the file/field, never a traceback or a
silent wrong answer. Each test here failed before the fix it holds."""

from __future__ import annotations

import html
import json

import numpy as np
import pandas as pd
import pytest

from hemispasm.cli import main
from hemispasm.emg import EmgRecording, emg_bursts, read_emg
from hemispasm.errors import HemispasmError, InputError


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().startswith("error:"), err
    assert len(err.strip().splitlines()) == 1, err
    return err


def _noise_csv(path, n=40_000, *, time=False, sfreq=4000.0, names=("Oculi", "Mentalis"), seed=0):
    rng = np.random.default_rng(seed)
    cols = {}
    if time:
        cols["time_s"] = np.arange(n) / sfreq
    for name in names:
        cols[name] = rng.standard_normal(n) * 10.0
    pd.DataFrame(cols).to_csv(path, index=False)
    return path


# --- item 5: --rate 0 | nan | -2000 | inf ------------------------------------------------------


@pytest.mark.parametrize("rate", ["0", "nan", "-2000", "inf", "-inf"])
def test_bad_rate_is_one_line(tmp_path, capsys, rate):
    f = _noise_csv(tmp_path / "q.csv")
    out = tmp_path / "o"
    assert main(["emg", "bursts", str(f), "--out", str(out), "--rate", rate]) == 2
    assert "--rate" in _one_line_error(capsys)
    assert not out.exists()


def test_bad_rate_in_the_api_is_an_input_error(tmp_path):
    f = _noise_csv(tmp_path / "q.csv")
    for rate in (0.0, float("nan"), -2000.0, float("inf"), 1e300):
        with pytest.raises(InputError, match="--rate"):
            read_emg(f, sfreq=rate)


# --- item 5: labels with $...$ reach matplotlib mathtext --------------------------------------


def test_mathtext_channel_labels_are_drawn_literally(tmp_path, capsys):
    rng = np.random.default_rng(2)
    n = 40_000
    names = [r"$\frac{a}{$", "$x^2$ Mentalis", "a_b [R]"]
    df = pd.DataFrame({"time_s": np.arange(n) / 4000.0})
    for name in names:
        df[name] = rng.standard_normal(n) * 10.0
    f = tmp_path / "math.csv"
    df.to_csv(f, index=False)
    out = tmp_path / "o"
    assert main(["emg", "bursts", str(f), "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["channels"] == names
    report = (out / "report.html").read_text()
    assert all(html.escape(name) in report for name in names)


def test_mathtext_edf_label_in_the_lsr_report(tmp_path, capsys):
    from hemispasm.emg import emg_simulate_lsr, write_edf

    sim = emg_simulate_lsr(n_sweeps=12, snr=8, seed=4)
    rec = sim.recording
    rec.ch_names = ["Oculi", r"$\sqrt{$"]
    f = tmp_path / "m.edf"
    write_edf(rec, f)
    out = tmp_path / "o"
    assert main(["emg", "lsr", str(f), "--out", str(out)]) == 0
    assert json.loads((out / "summary.json").read_text())["lsr_channel"] == r"$\sqrt{$"


# --- item 5 / 13: emg simulate arguments ------------------------------------------------------


def test_simulate_out_an_existing_folder(tmp_path, capsys):
    d = tmp_path / "d.edf"
    d.mkdir()
    for kind in ("lsr", "bursts"):
        assert main(["emg", "simulate", kind, "--out", str(d)]) == 2
        assert "is a folder" in _one_line_error(capsys)
    assert not any(tmp_path.glob(".*tmp"))


@pytest.mark.parametrize(
    "args",
    [
        ["lsr", "--sfreq", "inf"],
        ["bursts", "--sfreq", "inf"],
        ["lsr", "--sfreq", "1e7"],
        ["bursts", "--sfreq", "1e7"],
        ["bursts", "--duration", "1e6"],
        ["bursts", "--duration", "inf"],
        ["lsr", "--sweeps", "100000000"],
        ["lsr", "--interval", "inf"],
        ["lsr", "--interval", "1e9"],
        ["bursts", "--snr", "inf"],
        ["lsr", "--snr", "inf"],
        ["lsr", "--seed", "-1"],
        ["bursts", "--seed", "-1"],
        ["lsr", "--sweeps", "10", "--disappear-at", "-2"],
        ["lsr", "--sweeps", "10", "--disappear-at", "10"],
        ["lsr", "--sweeps", "10", "--disappear-at", "5", "--return-at", "3"],
        ["lsr", "--sweeps", "10", "--return-at", "3"],
    ],
)
def test_simulate_bounds_are_one_line(tmp_path, capsys, args):
    out = tmp_path / "s.edf"
    assert main(["emg", "simulate", *args, "--out", str(out)]) == 2
    err = _one_line_error(capsys)
    assert args[-2] in err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_simulate_at_the_bounds_still_works(tmp_path, capsys):
    out = tmp_path / "s.edf"
    assert main(["emg", "simulate", "lsr", "--out", str(out), "--sweeps", "2"]) == 0
    rec = read_emg(out)
    assert rec.synthetic and rec.sfreq == 10_000.0


def test_simulation_limits_api():
    from hemispasm.emg.limits import SIM_MAX_SAMPLES, check_simulation

    check_simulation(sfreq=10_000.0, duration_s=60.0, snr=8.0, seed=0)
    with pytest.raises(InputError, match="samples"):
        check_simulation(sfreq=100_000.0, duration_s=SIM_MAX_SAMPLES / 100_000.0 + 1, snr=1.0)


# --- item 7: inf / absurd samples --------------------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "-inf", "1e30", "-1e30"])
def test_non_finite_or_absurd_sample_is_refused(tmp_path, capsys, value):
    f = _noise_csv(tmp_path / "x.csv")
    lines = f.read_text().splitlines()
    _, second = lines[101].split(",")
    lines[101] = f"{value},{second}"
    f.write_text("\n".join(lines) + "\n")
    out = tmp_path / "o"
    assert main(["emg", "bursts", str(f), "--out", str(out), "--rate", "4000"]) == 2
    err = _one_line_error(capsys)
    assert "x.csv" in err and "Oculi" in err and "sample 101" in err
    assert not out.exists()


def test_non_finite_sample_in_an_api_recording():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 40_000))
    x[1, 5] = np.nan
    rec = EmgRecording(x, 4000.0, ["Oculi", "Mentalis"], meta={"source": "api"})
    with pytest.raises(InputError, match="Mentalis"):
        emg_bursts(rec)


def test_absurd_sample_in_an_edf(tmp_path):
    edfio = pytest.importorskip("edfio")
    rng = np.random.default_rng(0)
    x = rng.standard_normal(8000) * 50.0
    x[300] = 5.0e6  # 5 V written as µV
    f = tmp_path / "a.edf"
    edfio.Edf([edfio.EdfSignal(x, 2000, label="Mentalis", physical_dimension="uV")]).write(f)
    with pytest.raises(InputError, match=r"Mentalis.*sample 301.*physical and digital ranges"):
        read_emg(f)


def test_trigger_channel_in_volts_is_not_absurd(tmp_path):
    edfio = pytest.importorskip("edfio")
    rng = np.random.default_rng(0)
    trig = np.zeros(8000)
    trig[::2000] = 5.0
    sigs = [
        edfio.EdfSignal(rng.standard_normal(8000), 2000, label="Mentalis", physical_dimension="uV"),
        edfio.EdfSignal(trig, 2000, label="TRIG", physical_dimension="V"),
    ]
    f = tmp_path / "t.edf"
    edfio.Edf(sigs).write(f)
    assert read_emg(f).channel("TRIG").max() == pytest.approx(5e6, rel=1e-3)


# --- item 8: a CSV at exactly 2 kHz ------------------------------------------------------------


@pytest.mark.parametrize("t0", [0.0, 100.0, 1234.5678])
@pytest.mark.parametrize("n", [1000, 5000, 100_000])
def test_exact_2khz_csv_is_2000_hz(tmp_path, t0, n):
    f = tmp_path / "t.csv"
    pd.DataFrame({"time_s": t0 + np.arange(n) / 2000, "Mentalis": 0.0}).to_csv(f, index=False)
    assert read_emg(f).sfreq == 2000.0


def test_exact_2khz_csv_passes_the_lsr_rate_check(tmp_path):
    from hemispasm.emg.io import check_rate
    from hemispasm.emg.lsr import LSR_MIN_SFREQ

    f = tmp_path / "t.csv"
    pd.DataFrame({"time_s": 100 + np.arange(5000) / 2000, "M": 0.0}).to_csv(f, index=False)
    check_rate(read_emg(f), LSR_MIN_SFREQ, "LSR", f)
    rec = EmgRecording(np.zeros((1, 10)), 1999.9999, ["M"])
    check_rate(rec, LSR_MIN_SFREQ, "LSR", None)
    with pytest.raises(InputError, match="too low"):
        check_rate(EmgRecording(np.zeros((1, 10)), 1990.0, ["M"]), LSR_MIN_SFREQ, "LSR", None)


def test_time_in_ms_still_gives_the_rate(tmp_path):
    f = tmp_path / "t.csv"
    pd.DataFrame({"time_ms": 3.0 + np.arange(3000) / 3.0, "M": 0.0}).to_csv(f, index=False)
    assert read_emg(f).sfreq == 3000.0


# --- item 18: misleading messages --------------------------------------------------------------


def test_a_folder_is_not_file_not_found(tmp_path, capsys):
    d = tmp_path / "rec.edf"
    d.mkdir()
    with pytest.raises(InputError, match="is a folder") as e:
        read_emg(d)
    assert "not found" not in str(e.value)
    assert main(["emg", "bursts", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "is a folder" in _one_line_error(capsys)


@pytest.mark.parametrize("body", ["0,1\n", ""])
def test_too_few_rows(tmp_path, body):
    f = tmp_path / "one.csv"
    f.write_text("time_s,Mentalis\n" + body)
    with pytest.raises(InputError, match="rows") as e:
        read_emg(f)
    assert "not increasing" not in str(e.value)


# --- other reader defects found while probing -------------------------------------------------


def test_empty_file(tmp_path):
    for name in ("e.csv", "e.edf", "e.bdf"):
        f = tmp_path / name
        f.write_bytes(b"")
        with pytest.raises(InputError, match="empty"):
            read_emg(f)


def test_duplicate_csv_columns_are_refused(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("time_s,M,M\n" + "".join(f"{i / 1000},1,2\n" for i in range(10)))
    with pytest.raises(InputError, match="duplicate"):
        read_emg(f)
    g = tmp_path / "s.csv"
    g.write_text("sweep,time_ms,M,M\n0,-1,1,1\n0,0,1,1\n0,1,1,1\n")
    with pytest.raises(InputError, match="duplicate"):
        read_emg(g)


def test_unnamed_csv_column_is_refused_but_a_row_index_is_dropped(tmp_path):
    f = tmp_path / "u.csv"
    f.write_text("time_s,,M\n" + "".join(f"{i / 1000},7,2\n" for i in range(10)))
    with pytest.raises(InputError, match="no name"):
        read_emg(f)
    g = tmp_path / "ix.csv"
    pd.DataFrame({"time_s": np.arange(10) / 1000, "M": 1.0}).to_csv(g)  # pandas' default index
    assert read_emg(g).ch_names == ["M"]


def test_single_column_csv_is_not_split_on_a_letter(tmp_path):
    f = tmp_path / "one.csv"
    f.write_text("Mentalis\n" + "".join(f"{i}\n" for i in range(10)))
    rec = read_emg(f, sfreq=1000)
    assert rec.ch_names == ["Mentalis"]
    np.testing.assert_array_equal(rec.data[0], np.arange(10))
    g = tmp_path / "time_only.csv"
    g.write_text("time_s\n0\n0.001\n0.002\n")
    with pytest.raises(InputError, match="no channel columns"):
        read_emg(g)


def test_semicolon_and_tab_separated_and_bom(tmp_path):
    body = "".join(f"{i / 1000}{{sep}}{i}\n" for i in range(10))
    for sep, name in ((";", "s.csv"), ("\t", "t.tsv")):
        f = tmp_path / name
        f.write_text(f"time_s{sep}M\n" + body.format(sep=sep))
        assert read_emg(f).ch_names == ["M"]
    b = tmp_path / "bom.csv"
    b.write_text("\ufefftime_s,M\n" + body.format(sep=","), encoding="utf-8")
    rec = read_emg(b)
    assert rec.ch_names == ["M"] and rec.sfreq == pytest.approx(1000.0)


def test_both_time_columns_is_not_a_channel(tmp_path):
    f = tmp_path / "tt.csv"
    f.write_text("time_s,time_ms,M\n0,0,1\n0.001,1,1\n0.002,2,1\n")
    assert read_emg(f).ch_names == ["M"]


@pytest.mark.parametrize(
    "times",
    [
        "0\n0.001\ninf",
        "-1e308\n0\n1e308",
        "0\n1e300\n2e300",
        "0\n1e-300\n2e-300",
    ],
)
def test_absurd_time_columns(tmp_path, times):
    f = tmp_path / "t.csv"
    f.write_text("time_s,M\n" + "".join(f"{t},1\n" for t in times.split("\n")))
    with pytest.raises(InputError, match="time"):
        read_emg(f)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("sweep,time_ms,sweep_time_s,M\n0,-1,a,1\n0,0,a,1\n0,1,a,1\n", "sweep_time_s"),
        ("sweep,time_ms,sweep_time_s,M\n0,-1,,1\n0,0,,1\n0,1,,1\n", "sweep_time_s"),
        ("sweep,time_ms,M\n0,-inf,1\n0,0,1\n0,inf,1\n", "time_ms"),
        ("sweep,time_ms,M\n0.5,-1,1\n0.5,0,1\n0.5,1,1\n", "sweep"),
        ("sweep,time_ms,M\n0,-1e-300,1\n0,0,1\n0,1e-300,1\n", "time_ms"),
        ("sweep,time_ms,M\n0,-1,1\n0,0,inf\n0,1,1\n", "sample"),
    ],
)
def test_bad_sweep_csv(tmp_path, text, match):
    f = tmp_path / "s.csv"
    f.write_text(text)
    with pytest.raises(InputError, match=match):
        read_emg(f)


def test_edf_with_zero_or_absurd_rate(tmp_path):
    edfio = pytest.importorskip("edfio")
    f = tmp_path / "r.edf"
    sig = edfio.EdfSignal(np.zeros(10), 10, label="M", physical_dimension="uV")
    edfio.Edf([sig], data_record_duration=1.0).write(f)
    raw = bytearray(f.read_bytes())
    raw[244:252] = b"0       "  # data record duration 0 s
    f.write_bytes(bytes(raw))
    with pytest.raises(HemispasmError):
        read_emg(f)


@pytest.mark.parametrize("suffix", [".edf", ".bdf"])
def test_discontinuous_edf_is_refused(tmp_path, suffix):
    edfio = pytest.importorskip("edfio")
    bdf = suffix == ".bdf"
    sig = (edfio.BdfSignal if bdf else edfio.EdfSignal)(
        np.zeros(4000), 1000, label="M", physical_dimension="uV"
    )
    f = tmp_path / f"c{suffix}"
    (edfio.Bdf if bdf else edfio.Edf)([sig], annotations=[edfio.EdfAnnotation(1, None, "x")]).write(
        f
    )
    raw = bytearray(f.read_bytes())
    assert raw[192:197] in (b"EDF+C", b"BDF+C")
    raw[195:197] = b"+D"
    f.write_bytes(bytes(raw))
    with pytest.raises(InputError, match=r"\+D \(discontinuous\)"):
        read_emg(f)


def test_out_naming_an_existing_file(tmp_path, bursts_edf, lsr_edf, capsys):
    blocker = tmp_path / "taken"
    blocker.write_text("keep me")
    for cmd, (path, _) in (("bursts", bursts_edf), ("lsr", lsr_edf)):
        assert main(["emg", cmd, str(path), "--out", str(blocker)]) == 2
        err = _one_line_error(capsys)
        assert "existing file" in err and "cannot create" not in err
    assert blocker.read_text() == "keep me"


def test_stim_channel_not_in_the_file(tmp_path, lsr_edf, capsys):
    path, _ = lsr_edf
    out = tmp_path / "o"
    assert main(["emg", "lsr", str(path), "--out", str(out), "--stim-channel", "Nope"]) == 2
    assert "Nope" in _one_line_error(capsys)
    assert not out.exists()


def test_rate_disagreeing_with_an_edf_header(tmp_path, bursts_edf, capsys):
    path, _ = bursts_edf
    with pytest.raises(InputError, match="--rate 5000 Hz disagrees with the header"):
        read_emg(path, sfreq=5000)
    assert read_emg(path, sfreq=10_000).sfreq == 10_000
    out = tmp_path / "o"
    assert main(["emg", "bursts", str(path), "--out", str(out), "--rate", "5000"]) == 2
    assert "disagrees" in _one_line_error(capsys)


def test_binary_and_latin1_csv(tmp_path):
    b = tmp_path / "b.csv"
    b.write_bytes(b"\x00\x01\x02\xff" * 50)
    with pytest.raises(InputError, match="binary file"):
        read_emg(b)
    w = tmp_path / "w.csv"  # a Windows export: Latin-1 with µ in the header
    w.write_bytes(
        ("time_s;Oculi (µV)\n" + "".join(f"{i / 1000};{i}\n" for i in range(5))).encode("latin-1")
    )
    rec = read_emg(w)
    assert rec.ch_names == ["Oculi (µV)"] and rec.sfreq == 1000.0


def test_console_line_prints_paths_literally(tmp_path, bursts_edf, capsys):
    """Rich markup in a user path (`[/x]`) raised a traceback after the outputs were written."""
    path, _ = bursts_edf
    out = tmp_path / "run [/x] [bold]b"
    assert main(["emg", "bursts", str(path), "--out", str(out)]) == 0
    assert "[/x] [bold]b" in capsys.readouterr().out.replace("\n", "")
    (tmp_path / "sim [").mkdir()
    f = tmp_path / "sim [" / "y] [bold]s.edf"  # the path holds "sim [/y] [bold]s.edf"
    assert main(["emg", "simulate", "lsr", "--out", str(f), "--sweeps", "3"]) == 0
    assert "sim [/y] [bold]s.edf" in capsys.readouterr().out.replace("\n", "")
    g = tmp_path / "sim [" / "z].edf"
    assert main(["emg", "simulate", "bursts", "--out", str(g), "--duration", "4"]) == 0
    assert "sim [/z].edf" in capsys.readouterr().out.replace("\n", "")
