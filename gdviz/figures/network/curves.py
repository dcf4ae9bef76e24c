"""The learning curves of the network page: train and test loss, accuracy, and the weight norm."""

from __future__ import annotations

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
from gdviz.figures.spec import SpecFigure, base_layout, f32, need_labels

# The texts curves_figure reads from its ``labels`` (the page passes them from gdviz.ui.i18n, "net.fig.*").
LABEL_KEYS = (
    "train",
    "test",
    "step",
    "loss",
    "accuracy",
    "weight_norm",
    "loss_title",
    "accuracy_title",
    "weight_norm_title",
)


@dataclass(frozen=True)
class CurveRun:
    """Metrics of one run at the recorded ``steps``; test arrays None without a test set, accuracies
    None for regression."""

    label: str
    color: str
    steps: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray | None
    train_acc: np.ndarray | None
    test_acc: np.ndarray | None
    weight_norm: np.ndarray


def curves_figure(
    runs: Sequence[CurveRun],
    *,
    log_loss: bool = True,
    labels: Mapping[str, str],
    height: int = 380,
) -> SpecFigure:
    """Train (solid) and test (dotted) loss, accuracy (classification), and the weight norm."""
    lab = need_labels(labels, LABEL_KEYS, "curves_figure")
    names = {"loss": lab["loss"], "accuracy": lab["accuracy"], "weight_norm": lab["weight_norm"]}
    has_acc = any(r.train_acc is not None for r in runs)
    panels = ["loss", *(["accuracy"] if has_acc else []), "weight_norm"]
    domains = side_by_side(len(panels), gap=0.07)
    data: list[dict] = []

    def line(k: int, r: CurveRun, values, dotted: bool, what: str, first: bool):
        if values is None:
            return
        v = np.asarray(values, dtype=float)
        if what == "loss" and log_loss:
            v = np.where(v > 0, v, np.nan)
        xa, ya = axis_ids(k)
        split = lab["test"] if dotted else lab["train"]
        fmt = ".1%" if what == "accuracy" else ".4g"
        data.append(
            {
                "type": "scatter",
                "x": f32(r.steps),
                "y": f32(v),
                "xaxis": xa,
                "yaxis": ya,
                "mode": "lines",
                "line": {"color": r.color, "width": 2.2, "dash": "dot" if dotted else "solid"},
                "name": r.label,
                "legendgroup": r.label,
                "showlegend": first,
                "hovertemplate": f"{lab['step']} %{{x}}<br>{names[what]} ({split}) %{{y:{fmt}}}"
                f"<extra>{r.label}</extra>",
            }
        )

    for k, what in enumerate(panels):
        for r in runs:
            if what == "loss":
                line(k, r, r.train_loss, False, what, True)
                line(k, r, r.test_loss, True, what, False)
            elif what == "accuracy":
                line(k, r, r.train_acc, False, what, False)
                line(k, r, r.test_acc, True, what, False)
            else:
                line(k, r, r.weight_norm, False, what, False)
    layout = base_layout(height, legend_y=1.0)
    layout["margin"] = {"l": 60, "r": 20, "t": 70, "b": 50}
    layout["legend"]["y"] = 1.12
    titles = {
        "loss": lab["loss_title"],
        "accuracy": lab["accuracy_title"],
        "weight_norm": lab["weight_norm_title"],
    }
    layout["annotations"] = [panel_title(titles[p], domains[k], 1.0) for k, p in enumerate(panels)]
    for k, what in enumerate(panels):
        xa, ya = axis_ids(k)
        layout[layout_axis("x", k)] = {
            "domain": domains[k],
            "anchor": ya,
            "title": {"text": lab["step"]},
            "rangemode": "tozero",
        }
        yax = {"domain": [0.0, 1.0], "anchor": xa, "exponentformat": "power"}
        if what == "loss" and log_loss:
            yax["type"] = "log"
            # Plotly labels the minor digits of a short log axis (2 … 9) in a crowd; 1-2-5 reads better.
            vals = np.concatenate(
                [log10(v) for r in runs for v in (r.train_loss, r.test_loss) if v is not None]
            )
            vals = vals[np.isfinite(vals)]
            if vals.size:
                tv, tt = log_ticks(float(vals.min()), float(vals.max()))
                yax.update(tickvals=[10.0**v for v in tv], ticktext=tt)
        if what == "accuracy":
            yax.update(range=[0.0, 1.02], tickformat=".0%")
        layout[layout_axis("y", k)] = yax
    return SpecFigure({"data": data, "layout": layout})
