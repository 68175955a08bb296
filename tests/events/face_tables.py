"""Small SYNTHETIC whole-face signals tables written in code, shared by the tests of
tests/events (region measures at rest with noise, and bumps added to them)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hemispasm.schema import MEASURED_REGIONS

FPS = 30.0
SD = 0.002  # noise of the region measures (their robust SD: a bump of k * SD is about z k)


def face_table(
    seconds: float = 40.0,
    seed: int = 0,
    *,
    blendshapes: tuple[str, ...] = (),
    forehead: bool = False,
) -> pd.DataFrame:
    """A resting face: eye aperture and EAR 0.30, every region measure 0.5 (noise ``SD``), the
    given blendshapes (``{name}Left/Right``) at 0.05 and, with ``forehead``, the forehead
    columns at 0 (IOD, noise ``SD``)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FPS)
    d = {"frame": np.arange(n), "time_s": np.arange(n) / FPS, "face": True}
    for side in ("left", "right"):
        d[f"aperture_{side}"] = 0.30 + 0.004 * rng.standard_normal(n)
        d[f"ear_{side}"] = d[f"aperture_{side}"]
        for r in MEASURED_REGIONS:
            d[f"{r}_{side}"] = 0.5 + SD * rng.standard_normal(n)
        for b in blendshapes:
            d[f"bs_{b}{side.capitalize()}"] = 0.05 + SD * rng.standard_normal(n)
        if forehead:
            d[f"forehead_{side}"] = SD * rng.standard_normal(n)
    return pd.DataFrame(d)


def bump(t: pd.DataFrame, col: str, start_s: float, dur_s: float, amp: float, *, mult=False):
    """Add a half-sine bump of ``amp`` to ``col`` (or scale it by ``1 - amp`` with ``mult``)."""
    i0, m = int(start_s * FPS), max(3, int(dur_s * FPS))
    shape = np.sin(np.linspace(0, np.pi, m))
    x = t.loc[i0 : i0 + m - 1, col].to_numpy()
    t.loc[i0 : i0 + m - 1, col] = x * (1 - amp * shape) if mult else x + amp * shape
