"""Look and feel shared by every figure: every colour a figure draws, the fonts, the colour scales.

Figure modules import their colours from here, so that one palette holds across pages (a run's
colour, a class's colour and the minimum's star read the same everywhere) and a change of look is a
change of this file. The Streamlit theme (``.streamlit/config.toml``) is the page's, not a figure's.
"""

from __future__ import annotations

import numpy as np

# --- runs -------------------------------------------------------------------------------------------
# Okabe & Ito (2008): distinguishable under the common colour-vision deficiencies and on projectors.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
PATH_WIDTH = 3
# Projected in a classroom, from the back row: paths, curves and markers drawn heavier, all type at
# least 18 px on a 1280×720 projector (the race figure's ``projector`` look).
PROJECTOR_PATH_WIDTH = 6
PROJECTOR_TEXT = 20

# --- page furniture -----------------------------------------------------------------------------------
FONT = {"family": "Inter, 'Noto Sans CJK SC', 'Source Han Sans SC', Arial, sans-serif", "size": 15}
PROJECTOR_FONT = {**FONT, "size": PROJECTOR_TEXT}
PAPER = "rgba(0,0,0,0)"
PLOT_BG = "white"
# Text and thin dark lines drawn over pictures (captions, the decision boundary, marker edges).
INK = "#1b1f24"
# The edge that keeps a coloured marker visible over a path of the same colour.
HALO = "white"
# Slider tick labels: one per frame is unreadable, the slider's current value says the step.
INVISIBLE = "rgba(0,0,0,0)"
# Behind a text label placed over data lines.
LABEL_BG = "rgba(255,255,255,0.8)"
GRID_LINE = "#e5e7eb"
# Plotly.js's own defaults, which the race figure keeps (it sets no template): its axis texts and
# grid lines. The exports (gdviz.export.render) draw with the same.
PLOTLY_TEXT = "#444444"
PLOTLY_GRID = "#eeeeee"
AXIS_LINE = "#9ca3af"

# --- the loss surface ------------------------------------------------------------------------------------
# A quiet sequential scale (light at the minimum) so coloured paths stay the brightest thing.
CONTOUR_SCALE = [
    [0.0, "#fbfdff"],
    [0.3, "#e6eef6"],
    [0.6, "#cbd9e8"],
    [0.85, "#adc2d9"],
    [1.0, "#97aecb"],
]
# Level lines blended into the contour picture, and drawn on the 3-D surface.
LEVEL_LINE = "#3c465a"
LEVEL_LINE_ALPHA = 0.35
SURFACE_LEVEL_LINES = "rgba(60,70,90,0.3)"
# The known minima (and a network's final weights): a star that no run colour resembles.
STAR = "#FFD400"
STAR_EDGE = "#333"

# --- the network page ---------------------------------------------------------------------------------------
# Blue and vermillion for the two classes (also the two signs of a regression target); the runs take
# the palette's green and reddish purple so they never read as a class.
CLASS_COLORS = (PALETTE[0], PALETTE[1])
RUN_COLORS = (PALETTE[2], PALETTE[3])
# How far the background moves from white towards a class colour at certainty: light enough that
# the data points stay the most saturated marks on the plot.
CLASS_TINT = 0.6
# Test points of a classification are hollow: a translucent white fill ringed in the class colour.
HOLLOW_FILL = "rgba(255,255,255,0.6)"
# Regression points are filled with their target's colour: a dark edge keeps pale ones visible.
FIT_POINT_EDGE = "#3a3f45"
# A perceptually uniform, colour-blind-safe scale (viridis) for loss landscapes.
LANDSCAPE_SCALE = "Viridis"
LANDSCAPE_LINES = "rgba(255,255,255,0.45)"
LANDSCAPE3D_LINES = "rgba(255,255,255,0.35)"

# --- sweeps -------------------------------------------------------------------------------------------------
BAD = PALETTE[1]  # diverged: the palette's vermillion
SHADE = "rgba(213, 94, 0, 0.10)"  # the unstable region, the same vermillion faint
GOOD = PALETTE[2]  # the best setting: the palette's green
GREY = "#6b7280"  # reference marks (stability limit, lowest and steepest points)
HEAT_SCALE = "Viridis"
# Two flat colours for a yes/no heatmap (diverged or not): pale blue and salmon.
YES_NO_SCALE = [[0.0, "#dbeafe"], [0.5, "#dbeafe"], [0.5, "#f4a582"], [1.0, "#f4a582"]]
BEST_CELL = "white"
BEST_CELL_EDGE = "black"
BAND_ALPHA = 0.18  # the range over seeds, in its configuration's colour

# --- the step inspector -------------------------------------------------------------------------------------
# Arrow colours kept apart from the run palette (the path is drawn in its run's colour).
ARROW_COLORS = {
    "full_step": "#555555",
    "batch_step": "#E69F00",
    "memory": "#AA4499",
    "fresh": "#117733",
    "update": "#111111",
    "cloud": "#0072B2",
}
POINT_FILL = "#ffffff"
POINT_EDGE = "#111"
INSPECTOR_BG = "#ffffff"
INSPECTOR_GRID = "#e5e8ef"


def hex_rgb(color: str) -> np.ndarray:
    """The red, green and blue of ``"#rrggbb"`` as floats 0…255."""
    return np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def rgba_text(color: str, alpha: float) -> str:
    """``"#rrggbb"`` with an opacity, as a CSS colour Plotly takes."""
    r, g, b = (int(v) for v in hex_rgb(color))
    return f"rgba({r},{g},{b},{alpha})"
