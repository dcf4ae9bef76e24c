"""The sweeps page: learning-rate sweep, range test, heatmap and fair comparison for the Visualizer's
problem and runs. Results flow back: a button or a heatmap cell writes a run of the Visualizer and
opens it.
"""

from __future__ import annotations

import streamlit as st

from gdviz.ui import app, quirks, work
from gdviz.ui.i18n import t
from gdviz.ui.race import page as visualizer
from gdviz.ui.race import state as race_state
from gdviz.ui.sweeps.panels import compare_panel, heatmap_panel, lr_panel, range_panel
from gdviz.ui.sweeps.state import ICON, PANELS, TITLE_KEY, URL_PATH, context, keep_state

SS = st.session_state


# --- the page -------------------------------------------------------------------------------------------------
@work.page_run("sweeps")
def page():
    keep_state()
    ctx = context()
    if ctx is None:
        st.info(t("sweep.csv_missing"))
        if st.button(t("sweep.back"), key="sweep.btn.back", icon=":material/show_chart:"):
            quirks.goto("race")
            st.rerun()
        return
    race_state.sync_url(problem=ctx.problem)
    st.markdown(f"## {t('sweep.title', problem=t(f'problem.{ctx.pspec.name}'))}")
    st.caption(t("sweep.lead", steps=ctx.steps))
    c1, c2 = st.columns([1.3, 2.7])
    labels = [visualizer.run_label(i, s, ctx.problem.has_data) for i, (_, s) in enumerate(ctx.runs)]
    c1.selectbox(
        t("sweep.run"),
        range(len(ctx.runs)),
        key="sweep.run",
        format_func=labels.__getitem__,
        help=t("sweep.run.help"),
        # the comparison races every run
        disabled=SS.get("sweep.panel") == "compare",
    )
    names = {
        "lr": t("sweep.panel.lr"),
        "range": t("sweep.panel.range"),
        "heatmap": t("sweep.panel.heatmap"),
        "compare": t("sweep.panel.compare"),
    }
    restore = quirks.sticky_choice("sweep.panel", PANELS, "lr")
    with c2:
        # a switch rather than tabs: tabs would compute and send every panel on each rerun
        panel = st.segmented_control(
            t("sweep.panel"), PANELS, key="sweep.panel", format_func=names.get, on_change=restore
        )
    if ctx.spec.schedule != "constant" and panel in ("lr", "heatmap"):
        st.caption(t("sweep.schedule_note", schedule=t(f"schedule.{ctx.spec.schedule}")))
    if panel == "range":
        range_panel(ctx)
    elif panel == "heatmap":
        heatmap_panel(ctx)
    elif panel == "compare":
        compare_panel(ctx)
    else:
        lr_panel(ctx)


# The page works on the race page's problem and runs: a link to it is a link of the race page's.
PAGE = app.Page(URL_PATH, TITLE_KEY, ICON, page, race_state.load_link_once, keep_state)
