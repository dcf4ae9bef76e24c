"""Figures of the neural-network page: the decision boundary (or regression fit) over training
(``boundary``), the learning curves (``curves``) and loss landscapes as contour and 3-D
(``landscape``). All are plain JSON specs (``SpecFigure``): generated from arrays, so Plotly's
validation is skipped."""

from gdviz.figures.network import boundary, curves, landscape
from gdviz.figures.network.boundary import (
    LEVELS,
    BoundaryRun,
    boundary_figure,
    diverging_scale,
    grid_image,
    level_lines,
    output_color,
    output_rgba,
    signed_output,
)
from gdviz.figures.network.curves import CurveRun, curves_figure
from gdviz.figures.network.landscape import LandscapePanel, landscape3d_figure, landscape_figure
from gdviz.figures.style import CLASS_COLORS, RUN_COLORS

# Every text the page's figures read: the page passes these keys ("net.fig.<key>" in gdviz.ui.i18n).
LABEL_KEYS = tuple(dict.fromkeys(boundary.LABEL_KEYS + curves.LABEL_KEYS + landscape.LABEL_KEYS))

__all__ = [
    "CLASS_COLORS",
    "LABEL_KEYS",
    "LEVELS",
    "RUN_COLORS",
    "BoundaryRun",
    "CurveRun",
    "LandscapePanel",
    "boundary_figure",
    "curves_figure",
    "diverging_scale",
    "grid_image",
    "landscape3d_figure",
    "landscape_figure",
    "level_lines",
    "output_color",
    "output_rgba",
    "signed_output",
]
