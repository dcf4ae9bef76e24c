"""The one format of a bad argument: a ValueError that names the argument, says what is wrong and
what is allowed, and shows what was given.

    lr must be > 0.0 (a finite number ≤ 1000000.0), got -0.1
    unknown optimizer 'adamm'; allowed: sgd, adagrad, rmsprop, adam, adamw, gd, momentum, nesterov
    schedule 'step' got unknown option(s) ['gama']; allowed: step_size, gamma

The helpers below write these; a check they do not cover writes its message in the same shape,
``<argument> must be <what is allowed>, got <what was given>``, with :func:`given` for the last part.
A visitor's text quoted in a message (a formula's name, a CSV column, a link's value) goes
through :func:`cut`: whole up to ``QUOTE_CHARS`` characters, else its start and "…".
tests/core/test_errors.py samples bad calls across the core and checks every message has the parts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import NoReturn

import numpy as np

# Long enough for a pair of windows or a short list; a huge array or text is shown by its start.
GIVEN_CHARS = 80
GIVEN_ITEMS = 8
# Enough of a visitor's text to recognise it; a 300-character name quoted whole buried the message.
QUOTE_CHARS = 60


def cut(text, limit: int = QUOTE_CHARS) -> str:
    """``text`` as a message quotes it: whole up to ``limit`` characters, else its first
    ``limit - 1`` and "…" (the one place every quote is cut)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def given(value) -> str:
    """``value`` as the ``got …`` part of a message: NumPy scalars as plain numbers, a small array as
    a list, a large one by its shape, anything else by its repr, all cut to ``GIVEN_CHARS``."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        if value.size > GIVEN_ITEMS:
            return f"an array of shape {value.shape}"
        value = value.tolist()
    return cut(repr(value), GIVEN_CHARS)


def _plain(bound) -> str:
    return str(bound.item() if isinstance(bound, np.generic) else bound)


def check_number(name: str, value, *, lo=None, hi=None, lo_open=False, hi_open=False, integer=False):
    """Return ``value`` as float (or int) after checking it is finite and inside [lo, hi].

    The message states the condition that failed first and the rest of what is allowed in
    parentheses: ``steps must be ≤ 20000 (a whole number ≥ 1), got 30000``.
    """
    kind = "a whole number" if integer else "a finite number"
    lo_rule = None if lo is None else f"{'>' if lo_open else '≥'} {_plain(lo)}"
    hi_rule = None if hi is None else f"{'<' if hi_open else '≤'} {_plain(hi)}"
    rules = " and ".join(r for r in (lo_rule, hi_rule) if r)

    def fail(wrong: str, rest: str) -> NoReturn:
        raise ValueError(f"{name} must be {wrong}{f' ({rest})' if rest else ''}, got {given(value)}")

    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        fail("a number", f"{kind} {rules}" if rules else ("" if not integer else kind))
    if integer:
        if isinstance(value, (float, np.floating)) and not float(value).is_integer():
            fail("a whole number", rules)
        v = int(value)
    else:
        v = float(value)
        if not math.isfinite(v):
            fail("a finite number", rules)
    if lo is not None and (v < lo or (lo_open and v == lo)):
        fail(lo_rule, f"{kind} {hi_rule}" if hi_rule else "")
    if hi is not None and (v > hi or (hi_open and v == hi)):
        fail(hi_rule, f"{kind} {lo_rule}" if lo_rule else "")
    return v


def check_bool(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {given(value)}")
    return bool(value)


def check_choice(name: str, value, allowed: Iterable[str]):
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(f"unknown {name} {given(value)}; allowed: {', '.join(map(str, allowed))}")
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
