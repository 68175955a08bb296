"""Native (C++) log lines kept off the terminal.

MediaPipe and TensorFlow Lite print glog/absl lines (``W0000 ... Sets FaceBlendshapesGraph
acceleration to xnnpack``, ``INFO: Created TensorFlow Lite XNNPACK delegate``) straight to file
descriptor 2 while a model is created. :func:`native_stderr_to_log` points fd 2 at a temporary
file for that moment and then hands each native line to the package log: errors (``E``/``F``,
``ERROR:``) as warnings, the rest at INFO (shown with ``hemispasm --verbose``). Anything else
written meanwhile (Python's own stderr) is written back to the terminal unchanged.

Threads may nest: fd 2 is redirected by the first to enter and restored by the last to leave.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator

from hemispasm._log import get_logger

log = get_logger(__name__)

_NATIVE = re.compile(
    r"^(?:(?P<glog>[IWEF])\d{4} [\d:. ]+\s+\d+ [^\]]+\] ?|(?P<tag>INFO|WARNING|ERROR|FATAL): )"
)
_lock = threading.Lock()
_depth = 0
_saved_fd: int | None = None
_capture = None


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def _replay(data: bytes, source: str) -> None:
    passthrough = []
    for raw in data.decode("utf-8", errors="replace").splitlines(keepends=True):
        m = _NATIVE.match(raw)
        if not m:
            passthrough.append(raw)
            continue
        text = raw[m.end() :].strip()
        level = m.group("glog") or m.group("tag")[0]
        if level in ("E", "F"):
            log.warning("%s: %s", source, text)
        else:
            log.info("%s: %s", source, text)
    if passthrough:
        with contextlib.suppress(OSError):
            os.write(2, "".join(passthrough).encode())


@contextlib.contextmanager
def native_stderr_to_log(source: str = "mediapipe") -> Iterator[None]:
    """Send native lines written to fd 2 inside the block to the package log (see module)."""
    global _depth, _saved_fd, _capture
    with _lock:
        if _depth == 0:
            try:
                _flush()
                capture = tempfile.TemporaryFile()  # noqa: SIM115 (closed on restore)
                saved = os.dup(2)
                os.dup2(capture.fileno(), 2)
            except (OSError, ValueError):  # no fd 2 (daemon): nothing to keep clean
                yield
                return
            _saved_fd, _capture = saved, capture
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved_fd is not None and _capture is not None:
                _flush()
                os.dup2(_saved_fd, 2)
                os.close(_saved_fd)
                _capture.seek(0)
                data = _capture.read()
                _capture.close()
                _saved_fd, _capture = None, None
                _replay(data, source)
