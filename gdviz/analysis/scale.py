"""What the scale page draws of a simulated parallel run: a thinned loss curve against steps and
simulated seconds, the parameters at the same states (the paths the page draws), and the
workers' timeline over the first few updates (NumPy only).

The page keeps these small summaries, not the ``ParallelRecord``: a record of 2000 steps carries
every worker's every interval, and a session's cache should hold curves, not logs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdviz.parallel.record import EVENT_KINDS, ParallelRecord
from gdviz.train import STOP_DIVERGED

CURVE_POINTS = 400  # enough for a line on any screen
TIMELINE_STEPS = 6  # the updates the timeline shows: a few, so that each bar is wide enough to see


class ScaleRun(NamedTuple):
    """``step``, ``time`` (simulated seconds), ``samples`` (seen by all workers), ``loss`` and ``params`` (``(len(step), P)``) at up
    to CURVE_POINTS states; for the kept updates ``update`` (the kept states but the last: update
    k takes state k to k + 1), the step inspector's ``grad`` (what the strategy applied), ``lr``,
    ``staleness``, ``bits`` and ``next_params`` (state k + 1); the
    timeline's intervals (``worker``, ``kind`` index into EVENT_KINDS, ``start``, ``end``) cover
    [0, ``window``] for every worker, gaps between logged events counted as idle."""

    strategy: str
    workers: int
    step: np.ndarray
    time: np.ndarray
    samples: np.ndarray
    loss: np.ndarray
    params: np.ndarray
    update: np.ndarray
    grad: np.ndarray
    lr: np.ndarray
    staleness: np.ndarray
    bits: np.ndarray
    next_params: np.ndarray
    diverged: int | None
    comm_share: float
    max_staleness: int
    worker: np.ndarray
    kind: np.ndarray
    start: np.ndarray
    end: np.ndarray
    window: float


def _thin(n: int) -> np.ndarray:
    if n <= CURVE_POINTS:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, CURVE_POINTS).round().astype(int))


def timeline(rec: ParallelRecord, window: float):
    """Every worker's intervals clipped to [0, window], with the uncovered time as idle."""
    ev = rec.events
    idle = EVENT_KINDS.index("idle")
    ws, ks, ss, es = [], [], [], []
    for w in range(rec.workers):
        keep = (ev.worker == w) & (ev.start < window) & (ev.end > ev.start)
        s, e, k = ev.start[keep], np.minimum(ev.end[keep], window), ev.kind[keep]
        order = np.argsort(s, kind="stable")
        s, e, k = s[order], e[order], k[order]
        # an interval that starts inside the previous one is cut to start where it ends, so that a
        # worker's bars never overlap and their lengths add up to the window
        s = np.maximum(s, np.concatenate([[0.0], np.maximum.accumulate(e)[:-1]]))
        ok = e > s
        s, e, k = s[ok], e[ok], k[ok]
        edges = np.concatenate([[0.0], e])
        starts = np.concatenate([s, [window]])
        gap = starts > edges + 1e-15
        ws += [np.full(k.size + int(gap.sum()), w)]
        ks += [k, np.full(int(gap.sum()), idle)]
        ss += [s, edges[gap]]
        es += [e, starts[gap]]
    worker = np.concatenate(ws) if ws else np.zeros(0, int)
    return (
        worker.astype(np.int64),
        np.concatenate(ks).astype(np.int64),
        np.concatenate(ss).astype(float),
        np.concatenate(es).astype(float),
    )


def summarize(rec: ParallelRecord) -> ScaleRun:
    loss = np.asarray(rec.loss, dtype=float)
    n = loss.size
    idx = _thin(n)
    t = np.asarray(rec.time, dtype=float)
    window = float(t[min(TIMELINE_STEPS, n - 1)])
    if rec.events is None or window <= 0:
        empty = np.zeros(0)
        w, k, s, e = empty.astype(np.int64), empty.astype(np.int64), empty, empty
    else:
        w, k, s, e = timeline(rec, window)
    stale = np.asarray(rec.staleness)
    T = int(rec.steps_done)
    upd = idx[idx < T]
    params = np.asarray(rec.params, dtype=float)
    return ScaleRun(
        strategy=rec.strategy,
        workers=rec.workers,
        step=idx.astype(np.int64),
        time=t[idx],
        samples=np.asarray(rec.samples_seen, dtype=float)[idx],
        loss=loss[idx],
        params=params[idx],
        update=upd.astype(np.int64),
        grad=np.asarray(rec.grad, dtype=float)[upd],
        lr=np.asarray(rec.lr, dtype=float)[upd],
        staleness=stale[upd].astype(np.int64),
        bits=np.asarray(rec.bits, dtype=float)[upd],
        next_params=params[upd + 1],
        diverged=int(rec.steps_done) if rec.stop_reason == STOP_DIVERGED else None,
        comm_share=float(rec.comm_share),
        max_staleness=int(stale.max()) if stale.size else 0,
        worker=w,
        kind=k,
        start=s,
        end=e,
        window=window,
    )


__all__ = ["CURVE_POINTS", "TIMELINE_STEPS", "ScaleRun", "summarize", "timeline"]
