"""Small helpers shared by every page's widgets."""

from __future__ import annotations

import streamlit as st


def ensure(key: str, value):
    """Give a widget key its default before the widget is drawn (never pass ``value=`` as well)."""
    if key not in st.session_state:
        st.session_state[key] = value
