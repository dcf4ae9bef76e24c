"""Figures of the scale page (``charts``). Plain JSON specs (``SpecFigure``) with every text passed
in by the page (``LABEL_KEYS``, "scale.fig.<key>" in gdviz.ui.i18n)."""

from gdviz.figures.scale import charts
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

__all__ = [
    "KIND_COLORS",
    "LABEL_KEYS",
    "STRATEGY_COLORS",
    "Curve",
    "charts",
    "critical_figure",
    "loss_figure",
    "speedup_figure",
    "timeline_figure",
]
