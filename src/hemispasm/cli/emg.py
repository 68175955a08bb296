"""CLI commands of ``hemispasm.emg``: ``hemispasm emg lsr|bursts|monitor|replay|simulate``.

Import-light: the EMG package (NumPy/SciPy/pandas, edfio) is imported inside the commands.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from hemispasm.cli._common import console

emg_app = typer.Typer(
    help="EMG: lateral spread response (LSR) and free-running spasm bursts. "
    "Supports clinicians; does not diagnose.",
    no_args_is_help=True,
)
simulate_app = typer.Typer(
    help="Write SYNTHETIC EMG (EDF+) for tests and demos.", no_args_is_help=True
)
emg_app.add_typer(simulate_app, name="simulate")


class StimSource(StrEnum):
    auto = "auto"
    annotations = "annotations"
    trigger = "trigger"
    artifact = "artifact"


class Marking(StrEnum):
    annotations = "annotations"
    trigger = "trigger"
    none = "none"


class Montage(StrEnum):
    zygomatic = "zygomatic"
    temporal = "temporal"
    mandibular = "mandibular"


class Criterion(StrEnum):
    complete_loss = "complete-loss"
    amplitude_drop = "amplitude-drop"


_MONTAGE = typer.Option(
    None,
    "--montage",
    help="Stimulated branch; channel roles then come from the muscle names "
    "(Mentalis, OrbOris, OrbOculi, Frontalis...). Default: inferred from the data.",
)
_CRITERION = typer.Option(
    Criterion.complete_loss,
    "--criterion",
    help="Disappearance criterion for the headline (both are reported).",
)
_FILE = typer.Argument(..., help="EDF/EDF+/BDF, CSV, or sweep CSV file.")
_OUT = typer.Option(..., "--out", "-o", help="Output folder (created if needed).")
_RATE = typer.Option(None, "--rate", help="Sampling rate (Hz) for a CSV without a time column.")
_UNIT = typer.Option(None, "--unit", help="Unit when the file does not say: uV, mV or V.")


@emg_app.command("lsr")
def lsr_cmd(
    file: Path = _FILE,
    out: Path = _OUT,
    rate: float | None = _RATE,
    unit: str | None = _UNIT,
    stim_source: StimSource = typer.Option(
        StimSource.auto, "--stim-source", help="Where to find the stimuli."
    ),
    stim_channel: str | None = typer.Option(None, "--stim-channel", help="Trigger channel name."),
    lsr_channel: str | None = typer.Option(
        None, "--lsr-channel", help="Force the LSR recording channel."
    ),
    consecutive: int = typer.Option(
        3, "--consecutive", min=1, help="Absent sweeps in a row that define disappearance."
    ),
    montage: Montage | None = _MONTAGE,
    criterion: Criterion = _CRITERION,
) -> None:
    """Measure the LSR sweep by sweep (sweeps.csv, summary.json, report.html)."""
    from hemispasm.emg import LsrParams, emg_lsr, read_emg, write_lsr_outputs
    from hemispasm.emg.limits import check_channel_option

    _check_out_folder(out)
    rec = read_emg(file, sfreq=rate, assume_unit=unit)
    check_channel_option(rec, stim_channel, "--stim-channel")
    res = emg_lsr(
        rec,
        stim_source=stim_source.value,
        stim_channel=stim_channel,
        lsr_channel=lsr_channel,
        montage=montage.value if montage else None,
        params=LsrParams(consecutive=consecutive, criterion=criterion.value),
    )
    write_lsr_outputs(res, out)
    s = res.summary
    dis = (
        f"disappeared at sweep {s['disappearance_sweep']} ({s['disappearance_time_s']:.1f} s)"
        if s["lsr_disappeared"]
        else "did not disappear"
    )
    console.print(
        f"{s['sweeps']} sweeps, LSR channel {s['lsr_channel']}: present in "
        f"{s['lsr_present_sweeps']}; {dis}; returned: {s['returned']}. "
        f"{'[SYNTHETIC] ' if s['synthetic'] else ''}Outputs in {out}",
        highlight=False,
        markup=False,
    )


@emg_app.command("bursts")
def bursts_cmd(
    file: Path = _FILE,
    out: Path = _OUT,
    rate: float | None = _RATE,
    unit: str | None = _UNIT,
) -> None:
    """Detect spasm bursts and their synchrony (bursts.csv, summary.json, report.html)."""
    from hemispasm.emg import emg_bursts, read_emg, write_burst_outputs

    _check_out_folder(out)
    rec = read_emg(file, sfreq=rate, assume_unit=unit)
    res = emg_bursts(rec)
    write_burst_outputs(res, out)
    s = res.summary
    console.print(
        f"{s['bursts']} bursts on {len(s['channels'])} channels in {s['duration_s']:.1f} s; "
        f"synchronous: {s['synchronous']}. {'[SYNTHETIC] ' if s['synthetic'] else ''}"
        f"Outputs in {out}",
        highlight=False,
        markup=False,
    )


def _check_out_folder(out: Path) -> None:
    from hemispasm.errors import OutputError

    if out.exists() and not out.is_dir():
        raise OutputError(
            "--out names an existing file, not a folder",
            path=out,
            hint="give a new or existing folder with --out",
        )


def _check_edf_out(out: Path) -> None:
    from hemispasm.errors import OutputError

    if out.suffix.lower() != ".edf":
        raise OutputError("the output must end in .edf", path=out, hint="e.g. --out sim.edf")
    if out.is_dir():
        raise OutputError(
            "--out is a folder, not an EDF file", path=out, hint="e.g. --out folder/sim.edf"
        )
    if not out.parent.is_dir():
        raise OutputError(
            "the output folder does not exist", path=out.parent, hint="create it first"
        )


@simulate_app.command("lsr")
def simulate_lsr_cmd(
    out: Path = typer.Option(..., "--out", "-o", help="EDF file to write."),
    sweeps: int = typer.Option(60, "--sweeps", help="Number of stimuli (>= 1; >= 20 varied)."),
    snr: float | None = typer.Option(
        None, "--snr", help="LSR peak-to-peak / noise SD (0.1-1000; default 10, varied: drawn)."
    ),
    disappear_at: int | None = typer.Option(
        None, "--disappear-at", help="0-based sweep where the LSR disappears."
    ),
    return_at: int | None = typer.Option(None, "--return-at"),
    interval: float | None = typer.Option(
        None, "--interval", help="Seconds between stimuli (0.1-600; default 2)."
    ),
    sfreq: float = typer.Option(10_000.0, "--sfreq", help="Hz (1000-100000)."),
    stimulus: Marking | None = typer.Option(
        None, "--stimulus", help="How stimuli are marked (default annotations; varied: drawn)."
    ),
    seed: int = typer.Option(0, "--seed"),
    varied: bool = typer.Option(
        False,
        "--varied",
        help="The varied simulator: the seed draws montage, artifact, "
        "LSR shape, noise, course, stimulus rate (docs/emg.md).",
    ),
    montage: Montage | None = typer.Option(None, "--montage", help="Varied: fix the montage."),
    artifact: str | None = typer.Option(
        None, "--artifact", help="Varied: exponential, ringing, dc_step or saturation."
    ),
    course: str | None = typer.Option(
        None, "--course", help="Varied: steady, intermittent, disappear or disappear_return."
    ),
) -> None:
    """Write SYNTHETIC LSR monitoring sweeps (EDF+, marked synthetic)."""
    from hemispasm.emg import emg_simulate_lsr, write_edf
    from hemispasm.emg.limits import check_simulation_lsr
    from hemispasm.emg.simulate_varied import check_varied_options, simulate_varied_checked

    _check_edf_out(out)
    if varied:
        check_varied_options(
            n_sweeps=sweeps, sfreq=sfreq, snr=snr, seed=seed, disappear_at=disappear_at,
            return_at=return_at, interval_s=interval,
        )  # fmt: skip
        sim = simulate_varied_checked(
            seed, n_sweeps=sweeps, sfreq=sfreq, montage=montage.value if montage else None,
            artifact=artifact, course=course, snr=snr,
            stimulus=stimulus.value if stimulus else None,
        )  # fmt: skip
        write_edf(sim.recording, out)
        sc = sim.scenario
        console.print(
            f"SYNTHETIC varied LSR session written to {out}: {sweeps} sweeps, montage "
            f"{sc['montage']}, artifact {sc['artifact']}, course {sc['course']}, SNR "
            f"{sc['snr']:.1f}, LSR channel {sim.lsr_channel}.",
            highlight=False,
            markup=False,
        )
        return
    from hemispasm.errors import InputError

    for flag, v in (("--montage", montage), ("--artifact", artifact), ("--course", course)):
        if v is not None:
            raise InputError(f"{flag} needs --varied", hint=f"add --varied, or leave out {flag}")
    snr = 10.0 if snr is None else snr
    interval = 2.0 if interval is None else interval
    check_simulation_lsr(
        n_sweeps=sweeps,
        sfreq=sfreq,
        interval_s=interval,
        snr=snr,
        disappear_at=disappear_at,
        return_at=return_at,
        seed=seed,
    )
    sim = emg_simulate_lsr(
        n_sweeps=sweeps,
        snr=snr,
        disappear_at=disappear_at,
        return_at=return_at,
        interval_s=interval,
        sfreq=sfreq,
        stimulus=(stimulus or Marking.annotations).value,
        seed=seed,
    )
    write_edf(sim.recording, out)
    console.print(
        f"SYNTHETIC LSR recording written to {out} ({sweeps} sweeps).",
        highlight=False,
        markup=False,
    )


@simulate_app.command("bursts")
def simulate_bursts_cmd(
    out: Path = typer.Option(..., "--out", "-o", help="EDF file to write."),
    duration: float = typer.Option(60.0, "--duration", help="Seconds (>= 2, see --sfreq)."),
    snr: float = typer.Option(8.0, "--snr", help="MUAP peak / noise SD (0.1-1000)."),
    independent: bool = typer.Option(
        False, "--independent", help="Bursts independent per channel (not HFS-like)."
    ),
    sfreq: float = typer.Option(
        10_000.0, "--sfreq", help="Hz (1000-100000; at most 12 million samples per channel)."
    ),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Write SYNTHETIC free-running EMG with HFS-like bursts (EDF+, marked synthetic)."""
    from hemispasm.emg import emg_simulate_bursts, write_edf
    from hemispasm.emg.limits import check_simulation

    _check_edf_out(out)
    check_simulation(sfreq=sfreq, duration_s=duration, snr=snr, seed=seed)
    duration = float(round(duration))
    sim = emg_simulate_bursts(
        duration_s=duration, snr=snr, synchronous=not independent, sfreq=sfreq, seed=seed
    )
    write_edf(sim.recording, out)
    console.print(
        f"SYNTHETIC burst recording written to {out} ({duration:g} s).",
        highlight=False,
        markup=False,
    )


@emg_app.command("monitor")
def monitor_cmd(
    lsl: str = typer.Option(..., "--lsl", help="Name of the LSL stream to read."),
    out: Path = typer.Option(
        Path("lsr-monitor"), "--out", "-o", help="Folder for sweeps.csv and summary.json."
    ),
    stim_channel: str | None = typer.Option(None, "--stim-channel", help="Trigger channel."),
    lsr_channel: str | None = typer.Option(None, "--lsr-channel"),
    montage: Montage | None = _MONTAGE,
    criterion: Criterion = _CRITERION,
    consecutive: int = typer.Option(3, "--consecutive", min=1, max=20),
    resolve: float = typer.Option(5.0, "--resolve", min=0.5, help="Seconds to find the stream."),
    idle: float = typer.Option(3.0, "--idle", min=0.5, help="Stop after this many silent s."),
    duration: float | None = typer.Option(None, "--duration", min=1.0, help="Stop after s."),
    plain: bool = typer.Option(False, "--plain", help="One line per sweep, no live panel."),
) -> None:
    """Read an LSL stream live (this machine only): every sweep read as it arrives, with the
    same code as `emg lsr`; sweeps.csv written as it goes."""
    from hemispasm.emg import LsrParams
    from hemispasm.emg.live import monitor, render

    p = LsrParams(consecutive=consecutive, criterion=criterion.value)
    kw = dict(
        stim_channel=stim_channel, montage=montage.value if montage else None,
        lsr_channel=lsr_channel, params=p, resolve_s=resolve, idle_s=idle, duration_s=duration,
    )  # fmt: skip

    def event(ev: dict) -> None:
        console.print(
            f"\a*** LSR {ev['change'].upper()} at sweep {ev['sweep']} "
            f"(signalled at sweep {ev['signalled_at_sweep']}) ***",
            highlight=False,
            markup=False,
        )

    if plain:

        def line(st) -> None:
            a = st.amplitudes[-1] if st.amplitudes else float("nan")
            console.print(
                f"sweep {st.sweeps - 1}: {st.state} amplitude {a:.0f} uV", highlight=False,
                markup=False,
            )  # fmt: skip

        st = monitor(lsl, out, on_sweep=line, on_event=event, **kw)
    else:
        from rich.live import Live

        with Live(console=console, refresh_per_second=8, transient=False) as live:
            st = monitor(lsl, out, on_sweep=lambda s: live.update(render(s)), on_event=event, **kw)
    d = st.delays_ms
    delay = f"; reading delay median {sorted(d)[len(d) // 2]:.1f} ms" if d else ""
    console.print(
        f"{st.sweeps} sweeps read from LSL stream {lsl}; final state {st.state}{delay}. "
        f"{'[SYNTHETIC] ' if st.synthetic else ''}Outputs in {out}",
        highlight=False,
        markup=False,
    )


@emg_app.command("replay")
def replay_cmd(
    file: Path = _FILE,
    lsl: str = typer.Option(..., "--lsl", help="Name to give the LSL stream."),
    speed: float = typer.Option(1.0, "--speed", min=0.1, max=100.0, help="x real time."),
    wait: float = typer.Option(10.0, "--wait", min=0.0, help="Seconds to wait for a reader."),
    rate: float | None = _RATE,
    unit: str | None = _UNIT,
) -> None:
    """Stream a recording over LSL on this machine only (rehearsal, tests)."""
    from hemispasm.emg import read_emg
    from hemispasm.emg.live import replay

    rec = read_emg(file, sfreq=rate, assume_unit=unit)
    r = replay(rec, lsl, speed=speed, wait_s=wait)
    console.print(
        f"Streamed {r['samples']} samples x {len(r['channels'])} channels of {file.name} as LSL "
        f"stream {lsl} in {r['seconds']:.1f} s{' [SYNTHETIC]' if rec.synthetic else ''}.",
        highlight=False,
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(emg_app, name="emg")
