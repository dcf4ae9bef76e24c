"""The race page's learning-rate scrub panel: the chosen run at a grid of learning rates — and, for a
rule with momentum or Adam's β₁, at a grid of that too — in one vectorized pass of ``run_many``,
budgeted like any run, drawn by ``figures.scrub`` so that the in-chart sliders switch between them
in the browser."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st

from gdviz import limits
from gdviz.figures.scrub import scrub_figure, split_frame, steps_within, value_name
from gdviz.geometry.projection import View
from gdviz.optim import registry
from gdviz.problems.base import Problem
from gdviz.serve import cost
from gdviz.serve.cache import ByteCache
from gdviz.ui import quirks, scrubsync, work
from gdviz.ui.i18n import figure_labels, t
from gdviz.ui.race.pipeline import recipe, run_args
from gdviz.ui.specs import PageConfig, RunSpec, rule_controls, snap_lr

# Learning rates from α/SPAN to α·SPAN, log-spaced: 20 per decade (neighbours 12 % apart, a smooth
# drag), and α itself exactly.
SPAN, PER_DECADE = 10.0, 20
# With a second slider, 10 per decade (neighbours 26 % apart): 21 rates × 6 values stay under the
# chart's byte budget at the default 300 steps (a run's own seventh value costs it 35 steps).
PER_DECADE_2D = 10
# The second knob's values, the rule's declared one (registry: μ of the heavy ball, Nesterov and
# RMSProp, β₁ of Adam): 0 is the rule without it (plain GD, RMSProp without momentum, Adam without a
# first moment), 0.9 the default; those within the knob's range.
SECOND_VALUES = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)
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


def release_value(frame, values) -> float | None:
    """The second hyperparameter's value for the part of a frame name after its "|": one of the
    chart's ``values`` exactly, else None (stale or tampered)."""
    halves = split_frame(frame)
    if halves is None:
        return None
    return next((float(v) for v in values if value_name(v) == halves[1]), None)


def second_grid(spec: RunSpec) -> tuple[str, list[float], int] | None:
    """(name, values, index of the run's own value) of the run's second knob, or None (no momentum)."""
    name = registry.entry(spec.rule).second
    if name is None:
        return None
    control = next(c for c in rule_controls(spec.rule) if c.key == name)
    own = float(dict(spec.hyper).get(name, control.default))
    values = sorted({v for v in SECOND_VALUES if control.lo <= v <= control.hi} | {own})
    return name, values, values.index(own)


def _symbol(spec: RunSpec, name: str) -> str:
    """The second knob's symbol on the chart (μ, β₁), as the rule declares it."""
    return registry.entry(spec.rule).knob(name).symbol or name


def follow_release(lrs: np.ndarray, run_key: str, second: tuple[str, list[float]] | None = None) -> None:
    """When the student lets go of an in-chart slider, the sidebar follows (the rate nearest to the
    frame shown, and the second knob's value: ``second`` = (its key, the grid)), and the
    page reruns once: link, summary and inspector then speak of them. Dragging never reaches the
    server."""
    got = scrubsync.released(key="scrub_sync")
    if got is None or SS.get(SEEN) == got["token"]:
        return
    SS[SEEN] = got["token"]
    frame = got["frame"]
    changes = {}
    if second is None:
        new = release_lr(frame, lrs)
    else:
        key, values = second
        halves = split_frame(frame)
        new = None if halves is None else release_lr(halves[0], lrs)
        value = release_value(frame, values)
        if new is None or value is None:
            return
        if value != SS.get(key):
            changes[key] = value
    if new is not None and new != SS.get(run_key):
        changes[run_key] = new
    for key, value in changes.items():
        quirks.set_later(key, value)
    if changes:
        st.rerun(scope="app")


def lr_grid(lr: float, per_decade: int = PER_DECADE) -> tuple[np.ndarray, int]:
    """The grid around ``lr`` and the index of ``lr`` in it."""
    n = int(2 * np.log10(SPAN) * per_decade) + 1
    grid = np.logspace(np.log10(lr / SPAN), np.log10(lr * SPAN), n)
    grid[n // 2] = lr  # exactly the sidebar's value, not its rounding through log10
    return grid, n // 2


def family_plan(cfg: PageConfig, problem: Problem, spec: RunSpec) -> work.Plan:
    """The family of ``spec`` at every rate of its grid (and every value of its second knob)."""
    second = second_grid(spec)
    lrs, _ = lr_grid(spec.lr, PER_DECADE if second is None else PER_DECADE_2D)
    runs = len(lrs) * (1 if second is None else len(second[1]))
    # what the chart can hold (its byte budget), decided before the work: no more steps are run
    steps = steps_within(runs, int(cfg.steps))
    args = dict(run_args(spec, problem, cfg, None), stop_loss=None, steps=steps)
    task_args = {"recipe": recipe(cfg.problem), "run": args, "lrs": lrs.tolist()}
    if second is not None:
        task_args["grid"] = (second[0], list(second[1]))
    return work.Plan(
        key=("family", cfg.problem, spec, steps, cfg.start),
        task="family",
        args=task_args,
        estimate=cost.run_estimate(
            problem, spec.rule, steps=steps, runs=runs, batch_size=spec.batch(problem.n_samples), name="scrub"
        ),
        cache=FAMILIES,
        slot="race.family",
        part="scrub",
    )


def family_piece(cfg: PageConfig, problem: Problem) -> work.Piece | None:
    """The scrub's piece of the page's plan: the family of the run the panel shows (None when the
    panel cannot draw one)."""
    specs = list(cfg.runs)
    if not specs:
        return None
    spec = specs[min(int(SS.get("scrub_run") or 0), len(specs) - 1)]
    if spec.schedule != "constant":
        return None
    plan = family_plan(cfg, problem, spec)
    return work.Piece("scrub", plan.estimate, plan.key in FAMILIES)


def render(cfg: PageConfig, problem: Problem, view: View, results: Sequence) -> None:
    """``results`` are the page's run results (label, color, spec, record) in run order."""
    names = [r.label for r in results]
    i = st.selectbox(t("scrub.run"), range(len(names)), format_func=names.__getitem__, key="scrub_run")
    index = min(int(i or 0), len(results) - 1)
    chosen = results[index]
    rid = SS["run_ids"][index]
    run_key = f"run.{rid}.lr"
    spec = chosen.spec
    if spec.schedule != "constant":
        st.info(t("scrub.schedule"), icon=":material/info:")
        return
    second = second_grid(spec)
    lrs, active = lr_grid(spec.lr, PER_DECADE if second is None else PER_DECADE_2D)
    runs = len(lrs) * (1 if second is None else len(second[1]))
    plan = family_plan(cfg, problem, spec)
    steps = plan.args["run"]["steps"]
    out = work.obtain(plan)
    if out is None:
        return
    params, loss, diverged = out
    if view.kind != "full":
        # the family in the page's own view: the slice's two parameters, or the plane's coordinates
        st.caption(t("scrub.projected", p=problem.n_params))
        params = view.project(params)
    if second is None:
        st.caption(t("scrub.help", n=len(lrs), lr=f"{spec.lr:g}"))
    else:
        name, values, own = second
        sym = _symbol(spec, name)
        st.caption(
            t(
                "scrub.help2",
                n=len(lrs),
                m=len(values),
                sym=sym,
                total=runs,
                lr=f"{spec.lr:g}",
                v=f"{values[own]:g}",
                tell=t(f"scrub.tell.{name}"),
            )
        )
    if steps < int(cfg.steps):
        st.caption(t("scrub.cut", k=steps, steps=int(cfg.steps), total=runs))
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
        second=None if second is None else (_symbol(spec, second[0]), second[1], second[2]),
        stacked=quirks.on_a_phone(),
    )
    st.plotly_chart(fig, key="scrub_chart", theme=None, config={"displaylogo": False})
    if second is None:
        follow_release(lrs, run_key)
    else:
        follow_release(lrs, run_key, (f"run.{rid}.h.{spec.rule}.{second[0]}", second[1]))
