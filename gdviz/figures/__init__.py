"""Plotly figures (never streamlit): every function returns a ``plotly.graph_objects.Figure``."""

from gdviz.figures.paths import clip_path, frame_steps
from gdviz.figures.race import RunTrace, race_figure
from gdviz.figures.spec import payload_bytes
from gdviz.figures.style import PALETTE

__all__ = ["PALETTE", "RunTrace", "clip_path", "frame_steps", "payload_bytes", "race_figure"]
