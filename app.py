"""Entry point for `streamlit run app.py` (the visualizer's router replaces this landing page)."""

import streamlit as st

import gdviz

st.set_page_config(page_title="gdviz — gradient descent, visualized", layout="wide")
st.title("gdviz — gradient descent, visualized")
st.caption(f"gdviz {gdviz.__version__}")
st.markdown("Problems available from the Python API: " + ", ".join(f"`{n}`" for n in gdviz.problem_names()))
