"""hemispasm: measure, confirm and follow hemifacial spasm.

``import hemispasm`` stays light: the heavy dependencies (MediaPipe, PyAV, edfio/MNE)
are imported inside the functions that need them.

hemispasm supports clinicians; it does not diagnose or prescribe.
"""

from hemispasm._version import __version__
from hemispasm.errors import HemispasmError, InputError

__all__ = ["HemispasmError", "InputError", "__version__"]
