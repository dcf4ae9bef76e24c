"""Configurations compared on a common x axis (steps, epochs, samples seen, gradient evaluations or
wall-clock time): the mean loss over seeds with its min–max band."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from gdviz.analysis.sweeps import X_AXES, Comparison
from gdviz.figures.spec import SpecFigure, finite_list, need_labels
from gdviz.figures.style import BAND_ALPHA, PALETTE, rgba_text
from gdviz.figures.sweeps.common import MAX_POINTS, above_floor, axis, floor_of, log_range, sweep_layout

# The texts comparison_figure reads from its ``labels`` (the page passes them from gdviz.ui.i18n,
# "sweep.fig.*"): one per x axis the core offers.
LABEL_KEYS = (
    "loss",
    "loss_gap",
    "band",
    *(f"x.{name}" for name in X_AXES),
)


def comparison_figure(
    cmp: Comparison,
    *,
    min_loss: float | None = None,
    log_y: bool = True,
    x_title: str | None = None,
    labels: Mapping[str, str],
    height: int = 520,
) -> SpecFigure:
    """Mean loss of each configuration over its seeds against ``cmp.x_axis``, with the range over
    seeds (min to max) as a band. ``log_y`` plots loss − minimum (where ``min_loss`` is known) on a
    log axis."""
    lab = need_labels(labels, LABEL_KEYS, "comparison_figure")
    floor = floor_of(min_loss, cmp.lo) if log_y else None
    scale = float(np.nanmax(cmp.hi)) if np.isfinite(cmp.hi).any() else 1.0
    step = max(1, cmp.x.size // MAX_POINTS)
    x = cmp.x[::step]
    data, everything = [], []

    def tr(a):
        return above_floor(a, floor, scale) if log_y else np.asarray(a, dtype=float)

    many = cmp.seeds.size > 1
    for i, label in enumerate(cmp.labels):
        color = PALETTE[i % len(PALETTE)]
        mean, lo, hi = tr(cmp.mean[i, ::step]), tr(cmp.lo[i, ::step]), tr(cmp.hi[i, ::step])
        ok = np.isfinite(mean)
        everything += [mean[ok], lo[ok], hi[ok]]
        if many and ok.any():
            xs = x[ok]
            data.append(
                {
                    "type": "scatter",
                    "x": finite_list(np.concatenate([xs, xs[::-1]])),
                    "y": finite_list(np.concatenate([hi[ok], lo[ok][::-1]])),
                    "fill": "toself",
                    "fillcolor": rgba_text(color, BAND_ALPHA),
                    "line": {"width": 0},
                    "mode": "lines",
                    "hoverinfo": "skip",
                    "showlegend": False,
                    "legendgroup": str(i),
                    "name": lab["band"].format(n=cmp.seeds.size),
                }
            )
        data.append(
            {
                "type": "scatter",
                "x": finite_list(x[ok]),
                "y": finite_list(mean[ok]),
                "mode": "lines",
                "name": label,
                "legendgroup": str(i),
                "line": {"color": color, "width": 2.5},
                "hovertemplate": f"{label}<br>%{{x:.4g}}: %{{y:.4g}}<extra></extra>",
            }
        )
    layout = sweep_layout(height)
    allv = np.concatenate(everything) if everything else np.array([1.0])
    yaxis = axis(lab["loss_gap"] if floor is not None else lab["loss"])
    if log_y:
        yaxis.update({"type": "log", "range": log_range(allv, 0.1), "exponentformat": "power"})
    layout.update(
        {
            "xaxis": axis(x_title or lab[f"x.{cmp.x_axis}"], rangemode="tozero"),
            "yaxis": yaxis,
        }
    )
    return SpecFigure({"data": data, "layout": layout})
