"""Loss landscapes around a trained network (Li et al., 2018): filled contours and 3-D surfaces of
the loss on a plane through its final weights, along filter-normalized random directions or the
trajectory's two principal directions, every panel on one colour scale."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from gdviz.figures.network.panels import (
    axis_ids,
    layout_axis,
    log10,
    log_ticks,
    panel_title,
    side_by_side,
)
from gdviz.figures.spec import SpecFigure, base_layout, f32, finite_list, need_labels
from gdviz.figures.style import (
    HALO,
    INK,
    LANDSCAPE3D_LINES,
    LANDSCAPE_LINES,
    LANDSCAPE_SCALE,
    STAR,
    STAR_EDGE,
)

# The texts the landscape figures read from their ``labels`` (the page passes them from gdviz.ui.i18n,
# "net.fig.*").
LABEL_KEYS = ("loss", "log_loss", "alpha", "beta", "pc1", "pc2", "center", "start", "path")


@dataclass(frozen=True)
class LandscapePanel:
    """A loss plane around one run's final weights: ``z[i, j]`` is the loss at ``(x[j], y[i])`` in the
    plane's coordinates, the centre (0, 0) being the final weights with loss ``center_loss``. For
    the PCA plane, ``path`` ``(T, 2)`` is the projected trajectory, ``path_loss`` the loss at those
    projected points and ``explained`` the two variance ratios."""

    label: str
    color: str
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    center_loss: float
    path: np.ndarray | None = None
    path_loss: np.ndarray | None = None
    explained: np.ndarray | None = None


def _shared_range(panels: Sequence[LandscapePanel]) -> tuple[float, float]:
    vals = np.concatenate([log10(p.z).ravel() for p in panels] + [np.zeros(0)])
    vals = vals[np.isfinite(vals)]
    if not vals.size:
        return -1.0, 1.0
    lo, hi = float(vals.min()), float(vals.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def _loss_text(z: np.ndarray) -> list[list[str]]:
    return [[f"{v:.4g}" if math.isfinite(v) else "–" for v in row] for row in np.asarray(z, dtype=float)]


def _axis_labels(kind: str, lab) -> tuple[str, str]:
    return (lab["pc1"], lab["pc2"]) if kind == "pca" else (lab["alpha"], lab["beta"])


def _landscape_coloraxis(lo, hi, tickvals, ticktext, lab, *, length: float) -> dict:
    """One colour axis for every landscape panel, so sharpness compares on one scale."""
    return {
        "colorscale": LANDSCAPE_SCALE,
        "cmin": lo,
        "cmax": hi,
        "colorbar": {
            "title": {"text": lab["log_loss"], "side": "right"},
            "tickvals": tickvals,
            "ticktext": ticktext,
            "len": length,
            "thickness": 14,
        },
    }


def landscape_figure(
    panels: Sequence[LandscapePanel],
    *,
    kind: str,
    labels: Mapping[str, str],
    titles: Sequence[str] | None = None,
    height: int = 480,
) -> SpecFigure:
    """Filled contours of log₁₀ loss, one subplot per panel on one shared colour scale (so two runs'
    basins compare fairly), with the final weights marked at the centre; for ``kind="pca"`` also the
    projected path. ``titles`` (one per panel) default to the panel labels."""
    lab = need_labels(labels, LABEL_KEYS, "landscape_figure")
    lo, hi = _shared_range(panels)
    tickvals, ticktext = log_ticks(lo, hi)
    size = (hi - lo) / 18
    ax_titles = _axis_labels(kind, lab)
    domains = side_by_side(max(1, len(panels)), gap=0.1)
    data: list[dict] = []
    layout = base_layout(height, legend_y=1.0)
    layout["margin"] = {"l": 60, "r": 20, "t": 95, "b": 55}
    layout["legend"]["y"] = 1.2
    layout["coloraxis"] = _landscape_coloraxis(lo, hi, tickvals, ticktext, lab, length=0.9)
    for k, p in enumerate(panels):
        xa, ya = axis_ids(k)
        zl = log10(p.z)
        data.append(
            {
                "type": "contour",
                "x": f32(p.x),
                "y": f32(p.y),
                "z": [finite_list(row, 5) for row in zl],
                "text": _loss_text(p.z),
                "coloraxis": "coloraxis",
                "contours": {"start": lo, "end": hi, "size": size, "coloring": "fill"},
                "line": {"width": 0.6, "color": LANDSCAPE_LINES},
                "xaxis": xa,
                "yaxis": ya,
                "hovertemplate": f"{ax_titles[0]} %{{x:.3f}}<br>{ax_titles[1]} %{{y:.3f}}<br>"
                f"{lab['loss']} %{{text}}<extra></extra>",
                "showlegend": False,
            }
        )
        if p.path is not None and len(p.path):
            path = np.asarray(p.path, dtype=float)
            for width, color in ((6, HALO), (3, p.color)):
                data.append(
                    {
                        "type": "scatter",
                        "x": f32(path[:, 0]),
                        "y": f32(path[:, 1]),
                        "xaxis": xa,
                        "yaxis": ya,
                        "mode": "lines",
                        "line": {"color": color, "width": width},
                        "name": lab["path"],
                        "showlegend": False,
                        "hoverinfo": "skip",
                    }
                )
            data.append(
                {
                    "type": "scatter",
                    "x": [float(path[0, 0])],
                    "y": [float(path[0, 1])],
                    "xaxis": xa,
                    "yaxis": ya,
                    "mode": "markers",
                    "marker": {"size": 12, "color": HALO, "line": {"color": INK, "width": 2.5}},
                    "name": lab["start"],
                    "legendgroup": "start",
                    "showlegend": k == 0,
                    "hovertemplate": f"{lab['start']}<extra>{p.label}</extra>",
                }
            )
        data.append(
            {
                "type": "scatter",
                "x": [0.0],
                "y": [0.0],
                "xaxis": xa,
                "yaxis": ya,
                "mode": "markers",
                "marker": {
                    "symbol": "star",
                    "size": 17,
                    "color": STAR,
                    "line": {"color": STAR_EDGE, "width": 1},
                },
                "name": lab["center"],
                "legendgroup": "center",
                "showlegend": k == 0,
                "customdata": [finite_list([p.center_loss])[0]],
                "hovertemplate": f"{lab['center']}<br>{lab['loss']} %{{customdata:.5g}}<extra>{p.label}</extra>",
            }
        )
        layout[layout_axis("x", k)] = {
            "domain": domains[k],
            "anchor": ya,
            "range": [float(p.x[0]), float(p.x[-1])],
            "title": {"text": ax_titles[0]},
            "showgrid": False,
            "zeroline": False,
        }
        layout[layout_axis("y", k)] = {
            "domain": [0.0, 1.0],
            "anchor": xa,
            "range": [float(p.y[0]), float(p.y[-1])],
            "title": {"text": ax_titles[1] if k == 0 else ""},
            "showgrid": False,
            "zeroline": False,
        }
    heads = list(titles) if titles is not None else [p.label for p in panels]
    layout["annotations"] = [panel_title(h, domains[k], 1.0) for k, h in enumerate(heads)]
    return SpecFigure({"data": data, "layout": layout})


def landscape3d_figure(
    panels: Sequence[LandscapePanel],
    *,
    kind: str,
    labels: Mapping[str, str],
    titles: Sequence[str] | None = None,
    height: int = 520,
) -> SpecFigure:
    """The same planes as 3-D surfaces of log₁₀ loss (one scene per panel, shared colour and height
    scale); the PCA path lies on its surface."""
    lab = need_labels(labels, LABEL_KEYS, "landscape3d_figure")
    lo, hi = _shared_range(panels)
    tickvals, ticktext = log_ticks(lo, hi)
    ax_titles = _axis_labels(kind, lab)
    domains = side_by_side(max(1, len(panels)), gap=0.02)
    lift = 0.01 * (hi - lo)
    data: list[dict] = []
    layout = base_layout(height, legend_y=1.0)
    layout["margin"] = {"l": 0, "r": 0, "t": 50, "b": 0}
    layout["coloraxis"] = _landscape_coloraxis(lo, hi, tickvals, ticktext, lab, length=0.8)
    for k, p in enumerate(panels):
        scene = "scene" if k == 0 else f"scene{k + 1}"
        zl = log10(p.z)
        data.append(
            {
                "type": "surface",
                "x": f32(p.x),
                "y": f32(p.y),
                "z": [finite_list(row, 5) for row in zl],
                "text": _loss_text(p.z),
                "coloraxis": "coloraxis",
                "scene": scene,
                "contours": {
                    "z": {"show": True, "usecolormap": False, "color": LANDSCAPE3D_LINES, "width": 1}
                },
                "hovertemplate": f"{ax_titles[0]} %{{x:.3f}}<br>{ax_titles[1]} %{{y:.3f}}<br>"
                f"{lab['loss']} %{{text}}<extra></extra>",
            }
        )
        if p.path is not None and p.path_loss is not None and len(p.path):
            path = np.asarray(p.path, dtype=float)
            h = log10(p.path_loss) + lift
            data.append(
                {
                    "type": "scatter3d",
                    "x": f32(path[:, 0]),
                    "y": f32(path[:, 1]),
                    "z": f32(h),
                    "scene": scene,
                    "mode": "lines",
                    "line": {"color": p.color, "width": 7},
                    "name": lab["path"],
                    "showlegend": False,
                    "hoverinfo": "skip",
                }
            )
        c = log10([p.center_loss])[0]
        data.append(
            {
                "type": "scatter3d",
                "x": [0.0],
                "y": [0.0],
                "z": [float(c + lift) if math.isfinite(c) else None],
                "scene": scene,
                "mode": "markers",
                "marker": {"size": 6, "color": STAR, "line": {"color": STAR_EDGE, "width": 1}},
                "name": lab["center"],
                "showlegend": False,
                "customdata": [finite_list([p.center_loss])[0]],
                "hovertemplate": f"{lab['center']}<br>{lab['loss']} %{{customdata:.5g}}<extra>{p.label}</extra>",
            }
        )
        layout[scene] = {
            "domain": {"x": domains[k], "y": [0.0, 1.0]},
            "xaxis": {"title": {"text": ax_titles[0]}},
            "yaxis": {"title": {"text": ax_titles[1]}},
            "zaxis": {
                "title": {"text": lab["log_loss"]},
                "range": [lo, hi + 2 * lift],
                "tickvals": tickvals,
                "ticktext": ticktext,
            },
            "aspectmode": "manual",
            "aspectratio": {"x": 1.0, "y": 1.0, "z": 0.6},
            # far enough out that the axis labels stay inside the scene
            "camera": {"eye": {"x": 1.65, "y": -1.65, "z": 1.1}},
        }
    heads = list(titles) if titles is not None else [p.label for p in panels]
    layout["annotations"] = [panel_title(h, domains[k], 0.97) for k, h in enumerate(heads)]
    return SpecFigure({"data": data, "layout": layout})
