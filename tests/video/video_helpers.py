"""Small videos written in code with PyAV, for the video tests."""

from __future__ import annotations

import itertools
from pathlib import Path


def write_video(path: Path, frames, *, fps: int = 30, codec: str = "libx264") -> Path:
    """Encode RGB frames (iterable of HxWx3 uint8) into ``path``."""
    import av

    with av.open(str(path), mode="w") as c:
        s = c.add_stream(codec, rate=fps)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        frames = iter(frames)
        first = next(frames, None)
        if first is not None:
            s.height, s.width = first.shape[:2]
        c.start_encoding()  # write the header even when there are no frames
        for img in itertools.chain([first] if first is not None else [], frames):
            for pkt in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    return path


def transcode(src: Path, dest: Path, *, max_frames: int | None = None) -> Path:
    """Re-encode the frames of ``src`` into ``dest`` (container chosen by the suffix)."""
    from hemispasm.video import iter_frames

    def gen():
        for i, _, img in iter_frames(src):
            if max_frames is not None and i >= max_frames:
                break
            yield img

    return write_video(dest, gen())
