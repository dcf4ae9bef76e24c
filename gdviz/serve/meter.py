"""Work counted against the plan of the page run that asked for it.

A page run plans all its work before any of it starts (``gdviz.ui.work.plan_page``). The core's
costly entry points — a run loop, a Hessian, a surface, a problem's data, a parallel simulation, a
sweep — call :func:`charge` as they start; a charge made while a page run is open but no planned
piece of it is (:func:`piece`) is *work outside the plan*, kept in the run's :class:`Ledger`. The
tests walk every page over a corpus of hostile links and fail on any such charge: the rule is
counted, not timed, so a loaded machine cannot make it flaky.

Standard library only: the core imports it, and it imports nothing of gdviz.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from dataclasses import dataclass, field

_local = threading.local()


@dataclass
class Ledger:
    """One page run: the decision its plan got, and every charge made during it."""

    page: str
    decision: str = ""  # "now", "click", "refuse" or "" (no plan made yet)
    granted: bool = False  # the plan may run: at once, or approved by the visitor's click
    seconds: float = 0.0  # the plan's estimate of the work still to do (server CPU seconds)
    planned: tuple[str, ...] = ()  # the parts the plan named
    inside: list[tuple[str, str]] = field(default_factory=list)  # (piece, kind) charged inside a piece
    outside: list[str] = field(default_factory=list)  # kinds charged with no piece open
    unplanned: list[str] = field(default_factory=list)  # pieces run that the plan did not name
    spent: dict[str, float] = field(default_factory=dict)  # this thread's CPU seconds in each piece


# The last page runs of this process, for tests and benchmarks (a few hundred small records).
LOG: deque[Ledger] = deque(maxlen=256)


def current() -> Ledger | None:
    return getattr(_local, "ledger", None)


def _pieces() -> list[str]:
    if not hasattr(_local, "pieces"):
        _local.pieces = []
    return _local.pieces


@contextlib.contextmanager
def page_run(page: str):
    """Open a page run's ledger (nested calls join the open one: a fragment inside a full run)."""
    if current() is not None:
        yield current()
        return
    ledger = Ledger(page)
    _local.ledger = ledger
    saved = list(_pieces())
    _local.pieces = []
    try:
        yield ledger
    finally:
        _local.ledger = None
        _local.pieces = saved
        LOG.append(ledger)


@contextlib.contextmanager
def piece(name: str):
    """Mark the work done inside as the plan's piece ``name``."""
    ledger = current()
    if ledger is not None and ledger.planned and name not in (*ledger.planned, ESTIMATING):
        ledger.unplanned.append(name)
    stack = _pieces()
    stack.append(name)
    t0 = time.thread_time()
    try:
        yield
    finally:
        stack.pop()
        if ledger is not None and not stack:  # nested pieces are counted in the outer one
            ledger.spent[name] = ledger.spent.get(name, 0.0) + time.thread_time() - t0


# What the cost model runs to price work (a few milliseconds of probes, cached per process): part
# of making a plan, never a piece of one.
ESTIMATING = "estimating"


def estimating():
    """Mark the cost model's own probes."""
    return piece(ESTIMATING)


def charge(kind: str) -> None:
    """Called by the core as costly work of ``kind`` starts."""
    ledger = current()
    if ledger is None:
        return
    stack = _pieces()
    if stack:
        ledger.inside.append((stack[-1], kind))
    else:
        ledger.outside.append(kind)


def decided(decision: str, parts, granted: bool, seconds: float = 0.0) -> None:
    """Record the page plan's decision (``gdviz.ui.work.plan_page``)."""
    ledger = current()
    if ledger is not None:
        ledger.decision = decision
        ledger.granted = granted
        ledger.seconds += seconds
        ledger.planned = tuple(dict.fromkeys([*ledger.planned, *parts]))


__all__ = ["ESTIMATING", "LOG", "Ledger", "charge", "current", "decided", "estimating", "page_run", "piece"]
