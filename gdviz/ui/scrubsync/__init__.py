"""The scrub chart's release, reported to the server: the one browser-to-server message of the
learning-rate scrub (``gdviz.figures.scrub``), sent when the visitor lets go of the in-chart slider.

A Streamlit component (``index.html`` here, no frontend build: it speaks the component protocol
itself). Why a component: a Plotly figure's own slider events never reach Python —
``st.plotly_chart`` reports selections only — and the sidebar, the link, the summary and the
inspector must follow the rate the student chose.
"""

from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

from gdviz.figures.scrub import META  # the scrub figure's layout.meta: how the component finds it

_component = components.declare_component("gdviz_scrub_sync", path=str(Path(__file__).parent))


def released(*, key: str) -> dict | None:
    """``{"frame": name, "token": …}`` of the last release (the same until the next one), or None."""
    value = _component(meta=META, key=key, default=None)
    return value if isinstance(value, dict) and "frame" in value and "token" in value else None


__all__ = ["META", "released"]
