"""What the sweeps page's figures share: the loss they plot (above the minimum, on a log axis), their
axes, layout and marker lines."""

from __future__ import annotations

import math

import numpy as np

from gdviz.figures.spec import base_layout
from gdviz.figures.style import AXIS_LINE, GRID_LINE

# Points drawn of a long curve: more are below a pixel on any screen.
MAX_POINTS = 800


def fmt3(v: float) -> str:
    """A learning rate or setting as the figures print it: three significant digits."""
    return f"{v:.3g}"


def floor_of(problem_min: float | None, values: np.ndarray) -> float | None:
    """What "loss − minimum" subtracts: the known minimum, else None (plain loss) when every value is
    positive, else the lowest value (so a log axis can still show the shape)."""
    if problem_min is not None:
        return float(problem_min)
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() <= 0:
        return float(finite.min())
    return None


def above_floor(values: np.ndarray, floor: float | None, scale: float) -> np.ndarray:
    """Values minus the floor, kept above round-off so that a log axis can draw them."""
    v = np.asarray(values, dtype=float) - (floor or 0.0)
    tiny = max(abs(scale) * 1e-16, 1e-300)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(v), np.maximum(v, tiny), np.nan)


def log_range(values: np.ndarray, pad: float = 0.3) -> list[float]:
    """A log axis range (in decades) holding every positive finite value, at least two decades wide."""
    finite = values[np.isfinite(values) & (values > 0)]
    if not finite.size:
        return [-1.0, 1.0]
    lo, hi = math.log10(finite.min()), math.log10(finite.max())
    if hi - lo < 1:
        lo, hi = lo - 0.5, hi + 0.5
    return [lo - pad, hi + pad]


def vline(x: float, color: str, dash: str, yref: str = "paper") -> dict:
    """A vertical marker line at ``x`` across the plot (a layout shape)."""
    return {
        "type": "line",
        "xref": "x",
        "yref": yref,
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": color, "width": 2, "dash": dash},
    }


def sweep_layout(height: int) -> dict:
    """The layout every sweeps figure starts from."""
    return {**base_layout(height, legend_y=1.02), "margin": {"l": 70, "r": 30, "t": 50, "b": 60}}


def axis(title: str, **kw) -> dict:
    """An axis with light grid lines and an axis line; ``kw`` adds or overrides properties."""
    return {
        "title": {"text": title},
        "showgrid": True,
        "gridcolor": GRID_LINE,
        "zeroline": False,
        "linecolor": AXIS_LINE,
        "showline": True,
        **kw,
    }
