"""A grid of runs as a heatmap: learning rate against a second setting (momentum, β1, batch size …),
coloured by final loss, steps to a threshold or divergence, every cell clickable."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from gdviz.analysis.sweeps import AXES, GridResult
from gdviz.figures.spec import SpecFigure, finite_number, need_labels
from gdviz.figures.style import BAD, BEST_CELL, BEST_CELL_EDGE, HEAT_SCALE, YES_NO_SCALE
from gdviz.figures.sweeps.common import above_floor, axis, floor_of, fmt3, sweep_layout

# The texts heatmap_figure reads from its ``labels`` (the page passes them from gdviz.ui.i18n,
# "sweep.fig.*"): one per axis the core offers.
LABEL_KEYS = (
    "final_loss",
    "steps_to",
    "never",
    "unstable",
    "diverged_at",
    "best",
    "click_cell",
    "metric.final_loss",
    "metric.final_gap",
    "metric.steps",
    "metric.diverged",
    "yes",
    "no",
    *(f"axis.{name}" for name in AXES),
)
# The invisible markers over the cells; the page finds a clicked cell by this name.
CELL_GRID_NAME = "cell-grid"
_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
# Round values worth a tick on a momentum-like axis (0 … 1, dense near 1).
_NICE_01 = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999)


def _ticks(values: np.ndarray, name: str, most: int = 9) -> tuple[list[float], list[str]]:
    """Tick positions (in cell-index units, possibly between cells) and labels: decades on a log-spaced
    axis, round values on a 0…1 axis, the values themselves otherwise."""
    n = values.size
    idx = np.arange(n, dtype=float)
    if n >= 3 and np.all(values > 0):
        lg = np.log10(values)
        step = np.diff(lg)
        decades = np.arange(math.ceil(lg[0] - 1e-9), math.floor(lg[-1] + 1e-9) + 1)
        if np.allclose(step, step[0], rtol=1e-6) and decades.size >= 2:
            pos = np.interp(decades, lg, idx)
            return pos.tolist(), [f"10{str(int(e)).translate(_SUP)}" for e in decades]
    if n >= 3 and name in ("momentum", "beta1", "beta2", "alpha") and values[0] >= 0 and values[-1] < 1:
        nice = [v for v in _NICE_01 if values[0] - 1e-9 <= v <= values[-1] + 1e-9]
        if len(nice) >= 2:
            return np.interp(nice, values, idx).tolist(), [f"{v:g}" for v in nice]
    pick = np.unique(np.linspace(0, n - 1, min(n, most)).round().astype(int))
    return pick.astype(float).tolist(), [
        str(int(values[i])) if name == "batch_size" else fmt3(values[i]) for i in pick
    ]


def heatmap_figure(
    grid: GridResult,
    *,
    metric: str = "final_loss",
    min_loss: float | None = None,
    labels: Mapping[str, str],
    height: int = 560,
) -> SpecFigure:
    """The grid as a heatmap (x = ``grid.x_name``, y = ``grid.y_name``, cells evenly spaced, ticks at
    the values) coloured by ``metric``: ``"final_loss"`` (log₁₀; final loss − minimum where known),
    ``"steps"`` (steps to threshold; blank = never) or ``"diverged"``. Unstable cells carry a ×, the
    best cell a star. An invisible marker per cell (trace ``CELL_GRID_NAME``, customdata = [column,
    row]) makes every cell clickable through Streamlit's point selection."""
    lab = need_labels(labels, LABEL_KEYS, "heatmap_figure")
    if metric not in ("final_loss", "steps", "diverged"):
        raise ValueError(f"unknown metric {metric!r}; allowed: final_loss, steps, diverged")
    ny, nx = grid.final_loss.shape
    unstable = grid.unstable
    final = grid.final_loss
    if metric == "final_loss":
        floor = floor_of(min_loss, final)
        gap = above_floor(final, floor, grid.start_loss - (floor or 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(unstable, np.nan, np.log10(gap))
        title = lab["metric.final_gap"] if floor is not None else lab["metric.final_loss"]
        colorscale = HEAT_SCALE
    elif metric == "steps":
        z = np.where(unstable | (grid.steps_to_threshold < 0), np.nan, grid.steps_to_threshold.astype(float))
        title = lab["metric.steps"]
        colorscale = HEAT_SCALE
    else:
        z = unstable.astype(float)
        title = lab["metric.diverged"]
        colorscale = YES_NO_SCALE
    xn, yn = grid.x_name, grid.y_name
    xt, yt = lab[f"axis.{xn}"], lab[f"axis.{yn}"]
    thr = lab["steps_to"].format(threshold=f"{grid.threshold:.3g}")
    text = [
        [
            f"{xt} = {fmt3(grid.x_values[c])}<br>{yt} = {fmt3(grid.y_values[r])}<br>"
            f"{lab['final_loss']} = {final[r, c]:.4g}<br>"
            + (
                f"{thr}: {grid.steps_to_threshold[r, c]}"
                if grid.steps_to_threshold[r, c] >= 0
                else f"{thr}: {lab['never']}"
            )
            + (
                f"<br>{lab['diverged_at'].format(step=grid.diverged[r, c])}"
                if grid.diverged[r, c] >= 0
                else ""
            )
            + (f"<br>{lab['unstable']}" if unstable[r, c] else "")
            for c in range(nx)
        ]
        for r in range(ny)
    ]
    heat = {
        "type": "heatmap",
        "x": list(range(nx)),
        "y": list(range(ny)),
        "z": [[finite_number(v) for v in row] for row in z],
        "colorscale": colorscale,
        "hoverongaps": False,
        "hoverinfo": "skip",
        "colorbar": {"title": {"text": title, "side": "right"}, "thickness": 14},
    }
    if metric == "diverged":
        heat.update(
            {
                "zmin": 0,
                "zmax": 1,
                "colorbar": {
                    "tickvals": [0.25, 0.75],
                    "ticktext": [lab["no"], lab["yes"]],
                    "thickness": 14,
                    "title": {"text": title, "side": "right"},
                },
            }
        )
    elif metric == "final_loss":
        heat["reversescale"] = True
    gx, gy = np.meshgrid(np.arange(nx), np.arange(ny))
    cell_px = min(760 / nx, (height - 160) / ny)
    cells = {
        "type": "scatter",
        "x": gx.ravel().tolist(),
        "y": gy.ravel().tolist(),
        "customdata": np.stack([gx.ravel(), gy.ravel()], axis=1).tolist(),
        "mode": "markers",
        "marker": {"symbol": "square", "size": max(6, min(40, 0.9 * cell_px)), "opacity": 0},
        "selected": {"marker": {"opacity": 0}},
        "unselected": {"marker": {"opacity": 0}},
        "name": CELL_GRID_NAME,
        "showlegend": False,
        "text": [t + f"<br><i>{lab['click_cell']}</i>" for row in text for t in row],
        "hovertemplate": "%{text}<extra></extra>",
    }
    data = [heat, cells]
    bad = np.argwhere(unstable)
    if bad.size:
        data.append(
            {
                "type": "scatter",
                "x": bad[:, 1].tolist(),
                "y": bad[:, 0].tolist(),
                "mode": "markers",
                "name": lab["unstable"],
                "marker": {
                    "symbol": "x-thin",
                    "size": max(5, min(14, 0.5 * cell_px)),
                    "line": {"color": BAD, "width": 2},
                    "color": BAD,
                },
                "hoverinfo": "skip",
            }
        )
    if grid.best is not None:
        r, c = grid.best
        cfg = grid.config(r, c)
        name = lab["best"].format(lr=fmt3(cfg["lr"])) if "lr" in cfg else "★"
        data.append(
            {
                "type": "scatter",
                "x": [c],
                "y": [r],
                "mode": "markers",
                "name": f"{name}, {yt} = {fmt3(grid.y_values[r])}" if yn != "lr" else name,
                "marker": {
                    "symbol": "star",
                    "size": 18,
                    "color": BEST_CELL,
                    "line": {"color": BEST_CELL_EDGE, "width": 1.5},
                },
                "hoverinfo": "skip",
            }
        )
    xi, xl = _ticks(grid.x_values, xn)
    yi, yl = _ticks(grid.y_values, yn)
    layout = sweep_layout(height)
    layout.update(
        {
            "xaxis": axis(
                xt, tickmode="array", tickvals=xi, ticktext=xl, range=[-0.5, nx - 0.5], showgrid=False
            ),
            "yaxis": axis(
                yt, tickmode="array", tickvals=yi, ticktext=yl, range=[-0.5, ny - 0.5], showgrid=False
            ),
            "clickmode": "event+select",
            "dragmode": False,
        }
    )
    return SpecFigure({"data": data, "layout": layout})
