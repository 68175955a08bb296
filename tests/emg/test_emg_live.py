"""``emg replay`` → ``emg monitor`` over LSL kept on this machine (loopback, machine scope).

Bounded: the replay runs at 5x real time, waits at most 10 s for a reader, and the monitor
stops after 1.5 s without data (or 60 s in all). Stream names are unique per test so that
other LSL users of the machine cannot interfere.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from hemispasm.cli import main
from hemispasm.emg import emg_simulate_lsr, write_edf
from hemispasm.emg.live import (
    LOCAL_LSL_CFG,
    ensure_local_lsl,
    replay,
    resolve_stim_channel,
    stream_channel_names,
)
from hemispasm.errors import InputError


def _name() -> str:
    return f"hemispasm-test-{uuid.uuid4().hex[:8]}"


def _one_line_error(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().startswith("error:")
    assert len(err.strip().splitlines()) <= 2
    return err


@pytest.fixture(scope="module")
def short_lsr(tmp_path_factory):
    """30 SYNTHETIC sweeps at 2 Hz; the LSR disappears at sweep 18."""
    sim = emg_simulate_lsr(n_sweeps=30, snr=6, disappear_at=18, interval_s=0.5, seed=11)
    path = tmp_path_factory.mktemp("live") / "lsr.edf"
    write_edf(sim.recording, path)
    return path, sim


def test_local_config_is_machine_only(monkeypatch):
    monkeypatch.delenv("LSLAPICFG", raising=False)
    path = ensure_local_lsl()
    text = Path(path).read_text()
    assert text == LOCAL_LSL_CFG
    assert "ResolveScope = machine" in text and "{127.0.0.1}" in text


def test_replay_to_monitor_equals_offline_reading(short_lsr, tmp_path, capsys):
    path, _ = short_lsr
    off, live = tmp_path / "off", tmp_path / "live"
    assert main(["emg", "lsr", str(path), "--out", str(off)]) == 0
    name = _name()
    codes = []
    t = threading.Thread(
        target=lambda: codes.append(
            main(["emg", "replay", str(path), "--lsl", name, "--speed", "5", "--wait", "10"])
        )
    )
    t.start()
    rc = main(
        ["emg", "monitor", "--lsl", name, "--out", str(live), "--plain", "--idle", "1.5",
         "--duration", "60"]
    )  # fmt: skip
    t.join(timeout=60)
    assert rc == 0 and codes == [0]
    out = capsys.readouterr().out
    a = pd.read_csv(off / "sweeps.csv")
    b = pd.read_csv(live / "sweeps.csv")
    key = ["channel", "sweep"]
    pd.testing.assert_frame_equal(
        a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True)
    )
    s_off = json.loads((off / "summary.json").read_text())
    s_live = json.loads((live / "summary.json").read_text())
    assert s_live["disappearance_sweep"] == s_off["disappearance_sweep"]
    assert s_live["synthetic"] is True and "[SYNTHETIC]" in out
    dis = s_off["disappearance_sweep"]
    assert dis is not None and abs(dis - 18) <= 1
    # the criterion is met once `consecutive` absent sweeps have arrived
    met = dis + s_off["consecutive_sweeps"] - 1
    m = re.search(r"LSR DISAPPEARED at sweep (\d+) \(signalled at sweep (\d+)\)", out)
    assert m, out
    assert int(m.group(1)) == dis
    assert met <= int(m.group(2)) <= met + 3
    assert "final state disappeared" in out


def _replay_in_background(rec, name):
    stop = threading.Event()
    t = threading.Thread(
        target=replay, args=(rec, name), kwargs={"speed": 5.0, "wait_s": 10.0,
                                                 "should_stop": stop.is_set},
    )  # fmt: skip
    t.start()
    return stop, t


def test_stream_not_found_one_line(tmp_path, capsys):
    rc = main(["emg", "monitor", "--lsl", _name(), "--out", str(tmp_path / "o"), "--resolve",
               "0.5", "--plain"])  # fmt: skip
    assert rc != 0
    assert "not found on this machine" in _one_line_error(capsys)
    assert not (tmp_path / "o").exists()


def test_no_stimulus_channel_one_line(tmp_path, capsys):
    sim = emg_simulate_lsr(n_sweeps=20, snr=6, interval_s=0.5, stimulus="none", seed=3)
    name = _name()
    stop, t = _replay_in_background(sim.recording, name)
    try:
        rc = main(["emg", "monitor", "--lsl", name, "--out", str(tmp_path / "o"), "--plain"])
    finally:
        stop.set()
        t.join(timeout=30)
    assert rc != 0
    assert "no stimulus channel" in _one_line_error(capsys)
    assert not (tmp_path / "o").exists()


def test_wrong_rate_one_line(tmp_path, capsys):
    sim = emg_simulate_lsr(n_sweeps=10, snr=6, interval_s=0.5, sfreq=1000.0, seed=3)
    name = _name()
    stop, t = _replay_in_background(sim.recording, name)
    try:
        rc = main(["emg", "monitor", "--lsl", name, "--out", str(tmp_path / "o"), "--plain"])
    finally:
        stop.set()
        t.join(timeout=30)
    assert rc != 0
    assert "1000 Hz, too low" in _one_line_error(capsys)


def test_unknown_stim_channel_one_line(tmp_path, capsys, short_lsr):
    from hemispasm.emg import read_emg

    name = _name()
    stop, t = _replay_in_background(read_emg(short_lsr[0]), name)
    try:
        rc = main(["emg", "monitor", "--lsl", name, "--out", str(tmp_path / "o"), "--plain",
                   "--stim-channel", "Nope"])  # fmt: skip
    finally:
        stop.set()
        t.join(timeout=30)
    assert rc != 0
    assert "stimulus channel 'Nope' not in LSL stream" in _one_line_error(capsys)


def test_channel_names_from_stream_or_positions():
    named = SimpleNamespace(n_channels=3, get_channel_names=lambda: ["Mentalis", "Oculi", "X"])
    lost = SimpleNamespace(n_channels=3, get_channel_names=lambda: None)
    assert stream_channel_names(named) == ["Mentalis", "Oculi", "X"]
    names = stream_channel_names(lost)
    assert names == ["ch1", "ch2", "ch3"]
    assert resolve_stim_channel("3", names, "s") == "ch3"
    assert resolve_stim_channel("X", ["Mentalis", "Oculi", "X"], "s") == "X"
    assert resolve_stim_channel(None, names, "s") is None
    with pytest.raises(InputError, match="1-based position"):
        resolve_stim_channel("4", names, "s")


def test_live_state_and_view():
    import numpy as np
    from rich.console import Console

    from hemispasm.emg.live import LiveState, live_state, render, sparkline
    from hemispasm.emg.lsr import LsrParams

    p = LsrParams()
    pres = [True] * 12
    amp = [100.0] * 12
    assert live_state(pres, amp, p)[0] == "present"
    assert live_state([*pres, True], [*amp, 30.0], p)[0] == "fading"
    gone = [*pres, False, False, False]
    state, main = live_state(gone, [*amp, 0.0, 0.0, 0.0], p)
    assert state == "disappeared" and main["changes"][-1]["sweep"] == 12
    back = [*gone, True, True, True]
    assert live_state(back, [*amp, 0, 0, 0, 100.0, 100.0, 100.0], p)[0] == "returned"
    assert len(sparkline(np.sin(np.linspace(0, 6, 500)), 40)) == 40
    st = LiveState(stream="s", channels=["Mentalis"], lsr_channel="Mentalis", sweeps=15,
                   state="disappeared", baseline_uv=100.0, last_trace=np.zeros(550),
                   amplitudes=[100.0] * 12 + [0.0] * 3, present=gone,
                   events=[{"sweep": 12, "change": "disappeared", "signalled_at_sweep": 14}],
                   delays_ms=[8.0])  # fmt: skip
    con = Console(record=True, width=120)
    con.print(render(st))
    text = con.export_text()
    assert "DISAPPEARED" in text and "LSR disappeared at sweep 12" in text and "8.0 ms" in text
