"""Validation helpers: every bad argument becomes a ValueError that says what is wrong and what is allowed."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np


def check_number(name: str, value, *, lo=None, hi=None, lo_open=False, hi_open=False, integer=False):
    """Return ``value`` as float (or int) after checking it is finite and inside [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if integer:
        if isinstance(value, (float, np.floating)) and not float(value).is_integer():
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        v = int(value)
    else:
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    if lo is not None and (v < lo or (lo_open and v == lo)):
        raise ValueError(f"{name} must be {'>' if lo_open else '≥'} {lo}, got {value!r}")
    if hi is not None and (v > hi or (hi_open and v == hi)):
        raise ValueError(f"{name} must be {'<' if hi_open else '≤'} {hi}, got {value!r}")
    return v


def check_choice(name: str, value, allowed: Iterable[str]):
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; allowed: {', '.join(map(str, allowed))}")
    return value


def check_options(what: str, options: Mapping, allowed: Iterable[str]):
    """Reject keyword options that a factory does not take, naming the ones it does."""
    allowed = list(allowed)
    unknown = [k for k in options if k not in allowed]
    if unknown:
        raise ValueError(
            f"{what} got unknown option(s) {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(allowed) if allowed else 'none'}"
        )
