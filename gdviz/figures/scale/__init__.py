"""Figures of the scale page (``charts``). Plain JSON specs (``SpecFigure``) with every text passed
in by the page (``LABEL_KEYS``, "scale.fig.<key>" in gdviz.ui.i18n); ``paths`` animates the
strategies' paths on the loss surface (its own ``paths.LABEL_KEYS``, same prefix)."""

from gdviz.figures.scale import charts, paths
from gdviz.figures.scale.charts import (
    KIND_COLORS,
    LABEL_KEYS,
    STRATEGY_COLORS,
    Curve,
    critical_figure,
    loss_figure,
    speedup_figure,
    timeline_figure,
)
from gdviz.figures.scale.paths import PathRun, paths_figure

__all__ = [
    "KIND_COLORS",
    "LABEL_KEYS",
    "STRATEGY_COLORS",
    "Curve",
    "PathRun",
    "charts",
    "critical_figure",
    "loss_figure",
    "paths",
    "paths_figure",
    "speedup_figure",
    "timeline_figure",
]
