"""The floor for benchmarks/bench_load.py, bench_first_visit.py and bench_ui.py: the least a Streamlit
page with a Plotly chart can cost.

One slider and a three-point Plotly chart carrying a one-pixel layout image (so the load benchmark
waits for the same selector as on gdviz); the slider moves the third point, so that slider → chart
redrawn is measured the same way as on gdviz (at the slider's default the chart is the same as
ever). Whatever the browser spends here, every Streamlit app with a Plotly chart spends at least;
`?chart=0` drops the chart (Streamlit alone). `?chart=race` shows gdviz's default race figure
instead (what the figure costs a first visit on a page with nothing else).
"""

import plotly.graph_objects as go
import streamlit as st

PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

lr = st.sidebar.slider("learning rate", 0.0, 1.0, 0.1)
st.title("floor")


@st.cache_resource
def race():
    from gdviz.export.view import race_view

    return race_view("https://x/?problem=linear_regression&lang=en").figure()


if st.query_params.get("chart") == "race":
    st.plotly_chart(race(), key="chart", theme=None)
elif st.query_params.get("chart") != "0":
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2 + 10 * (lr - 0.1)]))
    fig.add_layout_image(source=PIXEL, x=1, y=3, sizex=2, sizey=2, xref="x", yref="y")
    st.plotly_chart(fig, key="chart")
