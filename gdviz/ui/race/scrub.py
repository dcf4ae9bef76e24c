"""The race page's learning-rate scrub panel: the chosen run at a grid of learning rates (one
vectorized pass of ``run_many``, budgeted like any run), drawn by ``figures.scrub`` so that the
in-chart slider switches between them in the browser."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st

from gdviz import limits
from gdviz.figures.scrub import scrub_figure
from gdviz.geometry.projection import View
from gdviz.problems.base import Problem
from gdviz.serve import cost
from gdviz.serve.cache import ByteCache
from gdviz.ui import quirks, scrubsync, work
from gdviz.ui.i18n import figure_labels, t
from gdviz.ui.race.pipeline import recipe, run_args
from gdviz.ui.specs import PageConfig, snap_lr

# Learning rates from α/SPAN to α·SPAN, log-spaced: 20 per decade (neighbours 12 % apart, a smooth
# drag), and α itself exactly.
SPAN, PER_DECADE = 10.0, 20
FAMILIES = ByteCache("lr_family", 32 * 2**20, ttl=limits.CACHE_TTL_SECONDS)
SS = st.session_state
SEEN = "_scrub.release"  # the token of the last release acted on


def release_lr(frame, lrs: np.ndarray) -> float | None:
    """The sidebar's rate for a released frame name: the grid value nearest to it; None for a name
    that is not a rate of this chart's grid (a stale or tampered message: the sidebar keeps its own)."""
    try:
        lr = float(frame)
    except (TypeError, ValueError):
        return None
    if not (np.isfinite(lr) and lrs.min() * 0.999 <= lr <= lrs.max() * 1.001):
        return None
    return snap_lr(lr)


def follow_release(lrs: np.ndarray, run_key: str) -> None:
    """When the student lets go of the in-chart slider, the sidebar's rate follows (the grid value
    nearest to the frame shown), and the page reruns once: link, summary and inspector then speak
    of that rate. Dragging itself never reaches the server."""
    got = scrubsync.released(key="scrub_sync")
    if got is None or SS.get(SEEN) == got["token"]:
        return
    SS[SEEN] = got["token"]
    new = release_lr(got["frame"], lrs)
    if new is not None and new != SS.get(run_key):
        quirks.set_later(run_key, new)
        st.rerun(scope="app")


def lr_grid(lr: float) -> tuple[np.ndarray, int]:
    """The grid around ``lr`` and the index of ``lr`` in it."""
    n = int(2 * np.log10(SPAN) * PER_DECADE) + 1
    grid = np.logspace(np.log10(lr / SPAN), np.log10(lr * SPAN), n)
    grid[n // 2] = lr  # exactly the sidebar's value, not its rounding through log10
    return grid, n // 2


def render(cfg: PageConfig, problem: Problem, view: View, results: Sequence) -> None:
    """``results`` are the page's run results (label, color, spec, record) in run order."""
    names = [r.label for r in results]
    i = st.selectbox(t("scrub.run"), range(len(names)), format_func=names.__getitem__, key="scrub_run")
    index = min(int(i or 0), len(results) - 1)
    chosen = results[index]
    run_key = f"run.{SS['run_ids'][index]}.lr"
    spec = chosen.spec
    if spec.schedule != "constant":
        st.info(t("scrub.schedule"), icon=":material/info:")
        return
    lrs, active = lr_grid(spec.lr)
    args = dict(run_args(spec, problem, cfg, None), stop_loss=None)
    plan = work.Plan(
        key=("family", cfg.problem, spec, int(cfg.steps), cfg.start),
        task="family",
        args={"recipe": recipe(cfg.problem), "run": args, "lrs": lrs.tolist()},
        estimate=cost.run_estimate(
            problem, spec.rule, steps=cfg.steps, runs=len(lrs), batch_size=spec.batch(problem.n_samples)
        ),
        cache=FAMILIES,
        slot="race.family",
        part="runs",
    )
    out = work.obtain(plan)
    if out is None:
        return
    params, loss, diverged = out
    if view.kind != "full":
        # the family in the page's own view: the slice's two parameters, or the plane's coordinates
        st.caption(t("scrub.projected", p=problem.n_params))
        params = view.project(params)
    st.caption(t("scrub.help", n=len(lrs), lr=f"{spec.lr:g}"))
    fig = scrub_figure(
        view.surface,
        lrs,
        params,
        loss,
        window=view.window,
        active=active,
        color=chosen.color,
        diverged=diverged,
        minima=view.minima,
        axis_titles=view.axis_titles,
        labels=figure_labels(),
    )
    st.plotly_chart(fig, key="scrub_chart", theme=None, config={"displaylogo": False})
    follow_release(lrs, run_key)
