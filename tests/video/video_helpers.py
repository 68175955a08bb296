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


def _crop_to_aspect(img, width: int, height: int):
    """Centre crop of ``img`` with the aspect ratio ``width / height``."""
    h, w = img.shape[:2]
    if w / h > width / height:
        cw = round(h * width / height)
        x0 = (w - cw) // 2
        return img[:, x0 : x0 + cw]
    ch = round(w * height / width)
    y0 = (h - ch) // 2
    return img[y0 : y0 + ch]


def resized_clip(src: Path, dest: Path, width: int, height: int, *, max_frames: int = 20) -> Path:
    """A ``width`` x ``height`` clip made from ``src`` (centre crop, PyAV scaling), the way
    phones and editors export odd sizes (1080x1920, 854x480 ...)."""
    import av
    import numpy as np

    from hemispasm.video import iter_frames

    with av.open(str(dest), mode="w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = width, height, "yuv420p"
        for i, _, img in iter_frames(src):
            if i >= max_frames:
                break
            crop = np.ascontiguousarray(_crop_to_aspect(img, width, height))
            frame = av.VideoFrame.from_ndarray(crop, format="rgb24").reformat(
                width=width, height=height
            )
            for pkt in s.encode(frame):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    return dest


def rotated_clip(
    src: Path, dest: Path, *, degrees: int = 90, seconds: float = 20.0, fps: int = 30
) -> Path:
    """A phone-style clip: frames stored turned, with a display matrix (``degrees``
    counter-clockwise, as FFmpeg reports it) that shows them upright. ``src`` is played forwards
    and backwards until ``seconds`` are filled."""
    import av
    import numpy as np

    from hemispasm.video import iter_frames

    frames = [img for _, _, img in iter_frames(src)]
    loop = frames + frames[-2:0:-1]
    k = -(degrees // 90)  # store the frame turned the other way
    stored = [np.ascontiguousarray(np.rot90(f, k=k)) for f in loop]
    with av.open(str(dest), mode="w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.height, s.width = stored[0].shape[:2]
        s.pix_fmt = "yuv420p"
        s.set_display_rotation(degrees)
        for i in range(round(seconds * fps)):
            for pkt in s.encode(av.VideoFrame.from_ndarray(stored[i % len(stored)], "rgb24")):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    return dest
