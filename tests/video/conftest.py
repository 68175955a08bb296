"""Fixtures for video tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from video_helpers import write_video


@pytest.fixture
def gray_video(tmp_path) -> Path:
    """A 1-s 64x48 video of flat gray frames (no face)."""
    return write_video(
        tmp_path / "gray.mp4", (np.full((48, 64, 3), 128, np.uint8) for _ in range(30))
    )
