"""The race page's downloads: GIF, MP4, HTML, PNG, CSV and JSON of exactly the view on screen.

Nothing is drawn until the visitor asks: the chosen file is a budgeted plan (``work.obtain``) whose
task, ``gdviz.export.jobs:render``, rebuilds the view from its share link in a worker process, the
same code path as ``gdviz render LINK`` on the command line. One file at a time per session (the
pool's slot), and the files live in a cache bounded in bytes, shared by sessions asking for the
same link.
"""

from __future__ import annotations

import streamlit as st

from gdviz import limits
from gdviz.export.jobs import KINDS
from gdviz.export.render import DESIGN_HEIGHT, DESIGN_WIDTH
from gdviz.problems.base import Problem
from gdviz.serve import cost
from gdviz.serve.cache import ByteCache
from gdviz.ui import work
from gdviz.ui.i18n import t
from gdviz.ui.race.pipeline import keep_for, runs_estimate
from gdviz.ui.specs import PageConfig

FILES = ByteCache("exports", limits.CACHE_EXPORT_BYTES, ttl=limits.CACHE_TTL_SECONDS)
WANTED = "_export.wanted"  # the plan key the visitor last asked for (session-local, never in a link)
# Widths the exports draw at (gdviz.export.files' defaults); HTML and the tables draw nothing.
WIDTHS = {"gif": 960, "mp4": 1280, "png": 1920}
HTML_BYTES = 6 * 2**20  # plotly.js embedded


def _estimate(cfg: PageConfig, problem: Problem, kind: str) -> cost.Estimate:
    # the runs as the worker makes them for the view: kept (thinned) as the page keeps them
    runs = runs_estimate(problem, cfg, cfg.runs, keep_for(problem, cfg.steps))
    if kind in WIDTHS:
        width = WIDTHS[kind]
        frames = 1 if kind == "png" else min(cfg.view.frames, cfg.steps + 1)
        return runs + cost.export_estimate(frames, width, width * DESIGN_HEIGHT // DESIGN_WIDTH)
    extra = HTML_BYTES if kind == "html" else 0
    return runs + cost.Estimate(0.0, extra, ())


def _size(n: int) -> str:
    # MB and kB of 10⁶ and 10³ bytes, as everywhere on the page (2²⁰ called "MB" was 5 % off)
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{max(1, round(n / 1000))} kB"


def render(cfg: PageConfig, problem: Problem, query: str) -> None:
    """The download section, given the page's share link (its ``?query``)."""
    with st.expander(t("export"), icon=":material/download:"):
        st.caption(t("export.help"))
        if cfg.problem.name == "csv":
            st.info(t("export.custom"), icon=":material/info:")
            return
        kind = st.selectbox(
            t("export.kind"), tuple(KINDS), format_func=lambda k: t(f"export.kind.{k}"), key="export_kind"
        )
        plan = work.Plan(
            key=("export", query, kind),
            task="gdviz.export.jobs:render",
            args={"link": "?" + query, "kind": kind},
            estimate=_estimate(cfg, problem, kind),
            cache=FILES,
            slot="race.export",
            part="export",
        )
        if st.button(t("export.prepare"), key="export.prepare", icon=":material/draft:"):
            st.session_state[WANTED] = plan.key
            work.approve(plan.key)  # this click asked for exactly this file
        if st.session_state.get(WANTED) != plan.key and FILES.get(plan.key) is None:
            return
        data = work.obtain(plan)
        if data is None:
            return
        ext, mime = KINDS[kind]
        st.download_button(
            t("export.download", name=f"gdviz.{ext}", size=_size(len(data))),
            data=data,
            file_name=f"gdviz.{ext}",
            mime=mime,
            key="export.download",
            on_click="ignore",  # downloading must not rerun the page
            icon=":material/download:",
        )
