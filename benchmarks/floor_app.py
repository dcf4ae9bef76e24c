"""The floor for benchmarks/bench_load.py: the least a Streamlit page with a Plotly chart can cost.

One slider and a three-point Plotly chart carrying a one-pixel layout image (so the load benchmark
waits for the same selector as on gdviz). Whatever the browser spends here, every Streamlit app
with a Plotly chart spends at least; `?chart=0` drops the chart (Streamlit alone).
"""

import plotly.graph_objects as go
import streamlit as st

PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

st.sidebar.slider("learning rate", 0.0, 1.0, 0.1)
st.title("floor")
if st.query_params.get("chart") != "0":
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2]))
    fig.add_layout_image(source=PIXEL, x=1, y=3, sizex=2, sizey=2, xref="x", yref="y")
    st.plotly_chart(fig, key="chart")
