"""Texts for figures built without the page: the page's own English (``gdviz.ui.i18n``), for exactly
the keys each figure module declares (``LABEL_KEYS``), so a figure that reads an undeclared text
fails here as it would on the page."""

from __future__ import annotations

from gdviz.figures import inspect, network, race, scrub, surface3d, sweeps
from gdviz.figures.network import boundary, curves, landscape
from gdviz.figures.scale import charts as scale_charts
from gdviz.figures.scale import paths as scale_paths
from gdviz.figures.sweeps import comparison, heatmap, learning_rate
from gdviz.ui.i18n import EN

# Where the page keeps each figure module's texts: the i18n key of label k is prefix + k.
PREFIXES = {
    race: "fig.",
    scrub: "fig.",
    surface3d: "fig.",
    sweeps: "sweep.fig.",
    learning_rate: "sweep.fig.",
    heatmap: "sweep.fig.",
    comparison: "sweep.fig.",
    network: "net.fig.",
    boundary: "net.fig.",
    curves: "net.fig.",
    landscape: "net.fig.",
    inspect: "insp.fig.",
    scale_charts: "scale.fig.",
    scale_paths: "scale.fig.",
}


def english(module) -> dict[str, str]:
    """The English text of every label ``module`` declares, as the page passes them."""
    return {k: EN[PREFIXES[module] + k] for k in module.LABEL_KEYS}
