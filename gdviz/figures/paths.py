"""Geometry for drawing trajectories: frame sampling and clipping of runaway paths."""

from __future__ import annotations

import numpy as np


def frame_steps(total_steps: int, frames: int) -> np.ndarray:
    """The step shown by each animation frame: evenly spread over 0…total_steps, both ends included."""
    total_steps = int(total_steps)
    n = max(1, min(int(frames), total_steps + 1))
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    return np.unique(np.round(np.linspace(0, total_steps, n)).astype(np.int64))


def clip_path(path: np.ndarray, box) -> tuple[np.ndarray, int | None]:
    """Cut a 2-D path where it first leaves ``box`` ((x0, x1), (y0, y1)).

    Returns the path up to the exit, ending exactly on the box edge along the segment that left it,
    and the index of the first point outside (None when the path stays inside). A diverging run
    reaches 1e11 and beyond; drawing those coordinates makes SVG renderers bend lines at random,
    while the cut keeps the direction of the last visible segment exact.
    """
    path = np.asarray(path, dtype=float)
    (x0, x1), (y0, y1) = box
    finite = np.all(np.isfinite(path), axis=1)
    inside = finite & (path[:, 0] >= x0) & (path[:, 0] <= x1) & (path[:, 1] >= y0) & (path[:, 1] <= y1)
    if inside.all():
        return path, None
    k = int(np.argmin(inside))
    if k == 0:
        return path[:1].copy() if finite[0] else path[:0].copy(), 0
    a = path[k - 1]
    b = path[k]
    if not np.all(np.isfinite(b)):
        return path[:k].copy(), k
    d = b - a
    # Liang–Barsky: the largest t in [0, 1] keeping a + t·d inside the box.
    t = 1.0
    for p, q in ((-d[0], a[0] - x0), (d[0], x1 - a[0]), (-d[1], a[1] - y0), (d[1], y1 - a[1])):
        if p > 0:
            t = min(t, q / p)
    t = max(0.0, t)
    return np.vstack([path[:k], a + t * d]), k


def expand_box(window, factor: float = 1.0):
    """The window grown by ``factor`` of its size on every side (the clip box for paths)."""
    (x0, x1), (y0, y1) = window
    w, h = x1 - x0, y1 - y0
    return (x0 - factor * w, x1 + factor * w), (y0 - factor * h, y1 + factor * h)
