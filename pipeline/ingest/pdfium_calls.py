"""pdfium functions called without ctypes' per-argument conversion, for the per-line and
per-object loops of the PDF stage.

pypdfium2 declares ``argtypes`` for every binding, so each call checks and converts each
argument: about 1.5 us of a 2 us call that passes four output pointers, and the PDF stage makes
a few such calls per text line. A prototype without ``argtypes`` passes Python ints as C ints
and ctypes objects (``byref(...)``, pointers, :class:`Handle`) as they are; any other argument
raises ``ctypes.ArgumentError``. Use it only for functions whose parameters are C ints and
pointers, and say what they return.
"""

from __future__ import annotations

import ctypes
from functools import cache


class Handle(ctypes.c_void_p):
    """An opaque pdfium pointer returned by :func:`unchecked` (a ``c_void_p`` subclass stays a
    ctypes object instead of becoming a Python int, so it can be passed on unconverted)."""


def unchecked(function, restype=ctypes.c_int):
    """The C function behind a pypdfium2 binding, as a prototype without ``argtypes``.

    ``restype`` is ``ctypes.c_int`` (counts, booleans, enums) or :class:`Handle` (pointers).
    """
    return _prototype(ctypes.cast(function, ctypes.c_void_p).value, restype)


@cache
def _prototype(address: int, restype):
    return ctypes.CFUNCTYPE(restype)(address)
