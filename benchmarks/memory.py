"""Resident-set figures of this process from ``/proc/self/status`` (Linux)."""

from __future__ import annotations

import ctypes

__all__ = ["reset_peak", "status"]


def status(key: str) -> float:
    """Return ``VmRSS``, ``VmHWM``, ... of this process in MB (``nan`` if not found)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> float:
    """Return freed heap memory to the OS, reset the peak resident set size; return RSS in MB.

    Without ``malloc_trim`` memory freed earlier (e.g. while building the graph) stays resident
    and is reused, so the rise of the peak would miss it.
    """
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return status("VmRSS")
