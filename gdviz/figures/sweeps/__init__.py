"""Figures of the sweeps page (``gdviz.analysis.sweeps``): the learning-rate sweep and range test
(``learning_rate``), the heatmap of a grid (``heatmap``) and the comparison of configurations
(``comparison``).

Each returns a ``SpecFigure`` built as a plain JSON dict (no Plotly validation, no NaN: missing
values are ``None``). Text comes from ``labels``: the page's translations of LABEL_KEYS.
"""

from gdviz.figures.sweeps import comparison, heatmap, learning_rate
from gdviz.figures.sweeps.comparison import comparison_figure
from gdviz.figures.sweeps.heatmap import CELL_GRID_NAME, heatmap_figure
from gdviz.figures.sweeps.learning_rate import range_test_figure, sweep_figure

# Every text the page's figures read: the page passes these keys ("sweep.fig.<key>" in gdviz.ui.i18n).
LABEL_KEYS = tuple(dict.fromkeys(learning_rate.LABEL_KEYS + heatmap.LABEL_KEYS + comparison.LABEL_KEYS))

__all__ = [
    "CELL_GRID_NAME",
    "LABEL_KEYS",
    "comparison_figure",
    "heatmap_figure",
    "range_test_figure",
    "sweep_figure",
]
