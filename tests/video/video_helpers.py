"""Small videos written in code with PyAV, for the video tests."""

from __future__ import annotations

from pathlib import Path


def write_video(path: Path, frames, *, fps: int = 30, codec: str = "libx264") -> Path:
    """Encode RGB frames (iterable of HxWx3 uint8) into ``path``."""
    import av

    with av.open(str(path), mode="w") as c:
        s = c.add_stream(codec, rate=fps)
        first = True
        for img in frames:
            if first:
                s.height, s.width = img.shape[:2]
                s.pix_fmt = "yuv420p"
                first = False
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
