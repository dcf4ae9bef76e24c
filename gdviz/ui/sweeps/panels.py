"""The sweeps page's four panels: a learning-rate sweep, Smith's range test, a heatmap of two
hyperparameters, and a fair comparison of the race's runs; and writing a result back into a run."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

from gdviz.analysis import curvature
from gdviz.figures.sweeps import (
    CELL_GRID_NAME,
    comparison_figure,
    heatmap_figure,
    range_test_figure,
    sweep_figure,
)
from gdviz.optim import registry
from gdviz.problems.base import Problem
from gdviz.ui import quirks, work
from gdviz.ui.i18n import lang, t
from gdviz.ui.race import state as race_state
from gdviz.ui.race.sidebar import fmt_lr
from gdviz.ui.specs import (
    LR_GRID,
    STOCHASTIC,
    RunSpec,
    momentum_of,
    rule_controls,
    rules,
    snap_lr,
)
from gdviz.ui.sweeps.compute import (
    _configs,
    _hyper,
    _start,
    computed,
    grid_kwargs,
    plan_panel,
    range_kwargs,
    sweep_kwargs,
)
from gdviz.ui.sweeps.state import (
    HEATMAP_KEY,
    HM_N_CHOICES,
    N_LR_CHOICES,
    QUICK_LRS,
    RANGE_STEPS,
    SEED_MAX,
    Context,
    _fig_labels,
)
from gdviz.ui.text import literal

SS = st.session_state


# --- writing back into the Visualizer -------------------------------------------------------------------
def adopt(rid: int, spec: RunSpec):
    """Write ``spec`` into run ``rid`` of the race page and open it."""
    race_state.adopt(rid, spec)
    quirks.goto("race")
    st.rerun()


def cell_spec(base: RunSpec, cfg: dict, n_samples: int | None) -> RunSpec:
    """The run a heatmap cell stands for: ``base`` with the cell's learning rate and second value."""
    spec = replace(base, lr=snap_lr(cfg["lr"]))
    if "batch_size" in cfg:
        b = int(cfg["batch_size"])
        variant = "full" if n_samples is None or b >= n_samples else STOCHASTIC if b == 1 else "mini"
        return replace(spec, variant=variant, batch_size=b if variant == "mini" else base.batch_size)
    knob = next((k for k in cfg if k not in ("rule", "lr")), None)
    if knob is None:
        return spec
    value = float(cfg[knob])
    rule = _showing(base.rule, knob, value)
    h = dict(base.hyper)
    if rule != base.rule:
        h = {c.key: h.get(c.key, c.default) for c in rule_controls(rule)}
    if any(c.key == knob for c in rule_controls(rule)):
        h[knob] = value
    return replace(spec, rule=rule, hyper=tuple(h.items()))


def _showing(rule: str, knob: str, value: float) -> str:
    """The menu's name for ``rule`` with ``knob`` at ``value``: ``rule`` itself when it shows the knob
    or the value is its default, else its rule's other name that shows it and differs in nothing
    else (plain gradient descent with μ > 0 is the momentum rule)."""
    entry = registry.entry(rule)
    own = entry.flat_defaults()
    if any(c.key == knob for c in rule_controls(rule)) or own.get(knob) == value:
        return rule
    for other in rules():
        them = registry.entry(other).flat_defaults()
        if (
            registry.canonical(other) == entry.rule.name
            and any(c.key == knob for c in rule_controls(other))
            and all(them[k] == own[k] for k in own if k not in ("lr", knob))
        ):
            return other
    return rule


# --- shared widgets ----------------------------------------------------------------------------------------
def _lr_range_slider(key: str, label: str):
    v = SS.get(key)
    if not (
        isinstance(v, (tuple, list)) and len(v) == 2 and v[0] in LR_GRID and v[1] in LR_GRID and v[0] < v[1]
    ):
        SS[key] = (LR_GRID[0], LR_GRID[-1])
    return st.select_slider(label, LR_GRID, key=key, format_func=fmt_lr)


def _limit_name(spec: RunSpec) -> str:
    """Which of the theory's limits (curvature.stable_lr) a run of SGD's family has."""
    if registry.defaults(spec.rule).get("nesterov"):
        return t("sweep.limit.nesterov")
    if momentum_of(spec):
        return t("sweep.limit.momentum")
    return t("sweep.limit.gd")


def _limit_label(ctx: Context, limit: float | None) -> str | None:
    return None if limit is None else f"{_limit_name(ctx.spec)} ≈ {limit:.3g}"


def _threshold_caption(ctx: Context, threshold: float):
    if ctx.threshold is not None:
        how = t("sweep.threshold.main")
    elif ctx.problem.min_loss is not None:
        how = t("sweep.threshold.auto")
    else:
        how = t("sweep.threshold.auto_lowest")
    st.caption(t("sweep.threshold", threshold=f"{threshold:.4g}", how=how))


def _rule_name(spec: RunSpec) -> str:
    return t(f"rule.{spec.rule}")


# --- panels -------------------------------------------------------------------------------------------------
def lr_panel(ctx: Context):
    c1, c2 = st.columns([3, 1])
    with c1:
        lo, hi = _lr_range_slider("sweep.lr_range", t("sweep.lr_range"))
    quirks.ensure("sweep.n_lr", 60)
    n = c2.selectbox(t("sweep.n_lr"), N_LR_CHOICES, key="sweep.n_lr")
    key = ("lr", ctx.spec, ctx.steps, ctx.start, lo, hi, int(n), ctx.threshold)
    calls = [(ctx.spec.batch(ctx.problem.n_samples), int(n), ctx.steps)]
    if not plan_panel(ctx, calls, [("lr_sweep", key)]):
        return
    try:
        out = computed(ctx, "lr_sweep", sweep_kwargs(ctx, lo, hi, int(n)), calls, key)
    except ValueError as err:
        st.error(t("sweep.error", err=literal(str(err))))
        return
    if out is None:
        return
    res, spent = out
    st.caption(
        t(
            "sweep.lr.about",
            n=res.lrs.size,
            rule=_rule_name(ctx.spec),
            steps=ctx.steps,
            ms=f"{1000 * spent:.0f}",
        )
    )
    m1, m2, m3 = st.columns(3)
    best = res.best_lr
    m1.metric(t("sweep.best"), f"{best:.3g}" if best else t("sweep.best.none"), help=t("sweep.best.help"))
    stable = res.boundary[0] if res.boundary else None
    m2.metric(
        t("sweep.stable_to"),
        f"{stable:.3g}" if stable else (t("sweep.all_stable") if res.boundary is None else "—"),
        help=t("sweep.stable_to.help"),
    )
    limit_label = _limit_label(ctx, res.limit)
    m3.metric(
        t("sweep.limit", name=_limit_name(ctx.spec)),
        f"{res.limit:.3g}" if res.limit else t("sweep.limit.none"),
        help=t("sweep.limit.help"),
    )
    fig = sweep_figure(res, min_loss=ctx.problem.min_loss, limit_label=limit_label, labels=_fig_labels())
    st.plotly_chart(fig, key="sweep.chart.lr", theme=None, config={"displaylogo": False})
    _threshold_caption(ctx, res.threshold)
    if best:
        v = snap_lr(best)
        if st.button(
            t("sweep.adopt", lr=fmt_lr(v), run=ctx.index + 1),
            key="sweep.btn.adopt_lr",
            type="primary",
            help=t("sweep.adopt.help"),
        ):
            adopt(ctx.rid, replace(ctx.spec, lr=v))
    with st.expander(t("sweep.explain.title")):
        st.markdown(t("sweep.explain.body"))


def range_panel(ctx: Context):
    c1, c2 = st.columns([3, 1])
    with c1:
        lo, hi = _lr_range_slider("sweep.range_lr", t("sweep.range_lr"))
    quirks.ensure("sweep.range_steps", 200)
    steps = c2.selectbox(t("sweep.range_steps"), RANGE_STEPS, key="sweep.range_steps")
    key = ("range", ctx.spec, int(steps), ctx.start, lo, hi)
    calls = [(ctx.spec.batch(ctx.problem.n_samples), 1, int(steps))]
    if not plan_panel(ctx, calls, [("lr_range_test", key)]):
        return
    try:
        out = computed(ctx, "lr_range_test", range_kwargs(ctx, int(steps), lo, hi), calls, key)
    except ValueError as err:
        st.error(t("sweep.error", err=literal(str(err))))
        return
    if out is None:
        return
    rt, _ = out
    st.caption(
        t(
            "sweep.range.about",
            rule=_rule_name(ctx.spec),
            lo=fmt_lr(lo),
            hi=fmt_lr(hi),
            steps=steps,
        )
    )
    with work.piece("hessian"):
        limit = curvature.lr_limit(ctx.problem, ctx.spec.rule, at=_start(ctx.start), **_hyper(ctx.spec))
    m1, m2, m3 = st.columns(3)
    sug = rt.suggested_lr
    m1.metric(t("sweep.suggested"), f"{sug:.3g}" if sug else "—", help=t("sweep.suggested.help"))
    m2.metric(t("sweep.lowest_at"), f"{rt.min_lr:.3g}" if rt.min_lr else "—")
    m3.metric(
        t("sweep.steepest_at"),
        f"{rt.steepest_lr:.3g}" if rt.steepest_lr else "—",
        help=t("sweep.steepest_at.help"),
    )
    fig = range_test_figure(
        rt,
        min_loss=ctx.problem.min_loss,
        limit=limit,
        limit_label=_limit_label(ctx, limit),
        labels=_fig_labels(),
    )
    st.plotly_chart(fig, key="sweep.chart.range", theme=None, config={"displaylogo": False})
    if sug:
        v = snap_lr(sug)
        if st.button(
            t("sweep.adopt", lr=fmt_lr(v), run=ctx.index + 1),
            key="sweep.btn.adopt_range",
            type="primary",
            help=t("sweep.adopt.help"),
        ):
            adopt(ctx.rid, replace(ctx.spec, lr=v))
    else:
        st.info(t("sweep.range.none"))
    st.caption(t("sweep.range.explain"))


# 1 − μ on the learning-rate slider's round steps (1, 1.5, 2, 3, 5, 7 per decade): μ (or β₁) from 0
# to 0.99, dense near 1 where momentum matters, and every value one a teacher can say.
MOMENTUM_VALUES = (0.0, 0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.985, 0.99)


def heatmap_axes(spec: RunSpec, problem: Problem) -> list[str]:
    """What the rule declares its heatmap puts against the rate, and the batch size (data only)."""
    axes = list(registry.entry(spec.rule).heatmap)
    if problem.has_data:
        axes.append("batch_size")
    return axes


def heatmap_values(axis: str, spec: RunSpec, problem: Problem, n: int) -> tuple:
    if axis == "batch_size":
        sizes = np.unique(np.geomspace(1, problem.n_samples, min(n, 12)).round().astype(int))
        return tuple(int(b) for b in sizes)
    # within the run's control (Nesterov's μ starts above 0), else what the core accepts
    control = next((c for c in rule_controls(spec.rule) if c.key == axis), None)
    if control is not None:
        return tuple(v for v in MOMENTUM_VALUES if control.lo <= v <= control.hi)
    lo, hi, lo_open, hi_open = registry.entry(spec.rule).hyper(axis).bounds
    return tuple(
        v
        for v in MOMENTUM_VALUES
        if (lo is None or (v > lo if lo_open else v >= lo))
        and (hi is None or (v < hi if hi_open else v <= hi))
    )


def heatmap_panel(ctx: Context):
    axes = heatmap_axes(ctx.spec, ctx.problem)
    if not axes:
        st.info(t("sweep.hm.none", rule=_rule_name(ctx.spec)))
        return
    labels = _fig_labels()
    c1, c2, c3, c4 = st.columns([2.2, 1.2, 1.6, 1])
    with c1:
        lo, hi = _lr_range_slider("sweep.hm_lr", t("sweep.lr_range"))
    if SS.get("sweep.hm_axis") not in axes:
        SS["sweep.hm_axis"] = axes[0]
    axis = c2.selectbox(
        t("sweep.hm_axis"), axes, key="sweep.hm_axis", format_func=lambda a: labels[f"axis.{a}"]
    )
    metric_names = {
        "final_loss": t("sweep.hm.metric.final_loss"),
        "steps": t("sweep.hm.metric.steps"),
        "diverged": t("sweep.hm.metric.diverged"),
    }
    quirks.ensure("sweep.hm_metric", "final_loss")
    metric = c3.selectbox(
        t("sweep.hm_metric"), tuple(metric_names), key="sweep.hm_metric", format_func=metric_names.get
    )
    quirks.ensure("sweep.hm_n", 30 if not ctx.problem.has_data else 20)
    n = c4.selectbox(t("sweep.hm_n"), HM_N_CHOICES, key="sweep.hm_n")
    y_values = heatmap_values(axis, ctx.spec, ctx.problem, int(n))
    key = ("heatmap", ctx.spec, ctx.steps, ctx.start, axis, tuple(y_values), lo, hi, int(n), ctx.threshold)
    if axis == "batch_size":
        calls = [(b if b < ctx.problem.n_samples else None, int(n), ctx.steps) for b in y_values]
    else:
        calls = [(ctx.spec.batch(ctx.problem.n_samples), int(n) * len(y_values), ctx.steps)]
    if not plan_panel(ctx, calls, [("grid_sweep", key)], hessian=False):
        return
    try:
        out = computed(ctx, "grid_sweep", grid_kwargs(ctx, axis, y_values, lo, hi, int(n)), calls, key)
    except ValueError as err:
        st.error(t("sweep.error", err=literal(str(err))))
        return
    if out is None:
        return
    grid, spent = out
    st.caption(
        t(
            "sweep.hm.about",
            cells=grid.final_loss.size,
            rule=_rule_name(ctx.spec),
            steps=ctx.steps,
            ms=f"{1000 * spent:.0f}",
            run=ctx.index + 1,
        )
    )
    if ctx.spec.rule == "gd" and axis == "momentum":
        st.caption(t("sweep.hm.gd_note", run=ctx.index + 1))
    fig = heatmap_figure(grid, metric=metric, min_loss=ctx.problem.min_loss, labels=labels)
    event = st.plotly_chart(
        fig,
        key=HEATMAP_KEY,
        on_select="rerun",
        selection_mode=("points",),
        theme=None,
        config={"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]},
    )
    _threshold_caption(ctx, grid.threshold)
    cell = clicked_cell(event, fig)
    if cell is not None:
        row, col = cell
        if 0 <= row < grid.y_values.size and 0 <= col < grid.x_values.size:
            adopt(ctx.rid, cell_spec(ctx.spec, grid.config(row, col), ctx.problem.n_samples))
    if grid.best is not None:
        if st.button(t("sweep.hm.adopt", run=ctx.index + 1), key="sweep.btn.adopt_cell", type="primary"):
            adopt(ctx.rid, cell_spec(ctx.spec, grid.config(*grid.best), ctx.problem.n_samples))


def clicked_cell(event, fig) -> tuple[int, int] | None:
    """(row, column) of the clicked heatmap cell, from Streamlit's point selection."""
    try:
        points = event.selection.points if event else []
    except AttributeError:
        return None
    curve = next((i for i, d in enumerate(fig.spec["data"]) if d.get("name") == CELL_GRID_NAME), None)
    for p in points:
        if p.get("curve_number") == curve and "x" in p and "y" in p:
            return round(float(p["y"])), round(float(p["x"]))
    return None


def compare_panel(ctx: Context):
    has_data = ctx.problem.has_data
    axes = ("step", "epoch", "samples", "grad_evals", "time") if has_data else ("step", "grad_evals", "time")
    labels = _fig_labels()
    if SS.get("sweep.cmp_x") not in axes:
        SS["sweep.cmp_x"] = "epoch" if has_data else "step"
    stochastic = any(s.batch(ctx.problem.n_samples) is not None for _, s in ctx.runs)
    quirks.ensure("sweep.cmp_seeds", 5 if stochastic else 1)
    quirks.ensure("sweep.cmp_tune", False)
    quirks.ensure("sweep.cmp_log", True)
    x_axis = st.radio(
        t("sweep.cmp_x"), axes, key="sweep.cmp_x", horizontal=True, format_func=lambda a: labels[f"x.{a}"]
    )
    c1, c2, c3 = st.columns([2, 1, 1])
    n_seeds = c1.slider(
        t("sweep.cmp_seeds"), 1, SEED_MAX, key="sweep.cmp_seeds", help=t("sweep.cmp_seeds.help")
    )
    tune = c2.toggle(t("sweep.cmp_tune"), key="sweep.cmp_tune", help=t("sweep.cmp_tune.help"))
    log_y = c3.toggle(t("sweep.cmp_log"), key="sweep.cmp_log")
    st.caption(t("sweep.cmp.about", seeds=n_seeds))
    lrs = None
    n = ctx.problem.n_samples
    batches = [spec.batch(n) for _, spec in ctx.runs]
    if x_axis == "time":  # every seed runs on its own, to have its own clock
        calls = [(b, 1, ctx.steps) for b in batches for _ in range(int(n_seeds))]
    else:
        calls = [(b, int(n_seeds), ctx.steps) for b in batches]
    if tune:
        calls += [(b, QUICK_LRS, ctx.steps) for b in batches]
    tune_key = ("tune", ctx.runs, ctx.steps, ctx.start, ctx.threshold, lang())
    compare_key = ("compare", ctx.runs, lrs, ctx.steps, ctx.start, x_axis, int(n_seeds), lang())
    # tuned: the comparison's key holds the rates the tuning finds, so it is not known in advance
    keys = [("tune_each", tune_key)] if tune else [("compare", compare_key)]
    if not plan_panel(ctx, calls, keys, known=not tune, hessian=False):
        return
    try:
        if tune:
            tune_calls = [(b, QUICK_LRS, ctx.steps) for b in batches]
            out = computed(
                ctx,
                "tune_each",
                {
                    "configs": _configs(ctx.problem, ctx.runs),
                    "steps": ctx.steps,
                    "start": _start(ctx.start),
                    "threshold": ctx.threshold,
                },
                tune_calls,
                tune_key,
            )
            if out is None:
                return
            tuned = out[0]
            lrs = tuple(None if i in tuned.untuned else c["lr"] for i, c in enumerate(tuned.configs))
        out = computed(
            ctx,
            "compare",
            {
                "configs": _configs(ctx.problem, ctx.runs, lrs),
                "steps": ctx.steps,
                "x_axis": x_axis,
                "seeds": tuple(range(int(n_seeds))),
                "start": _start(ctx.start),
            },
            [c for c in calls if c[1] != QUICK_LRS] if tune else calls,
            ("compare", ctx.runs, lrs, ctx.steps, ctx.start, x_axis, int(n_seeds), lang()),
        )
    except ValueError as err:
        st.error(t("sweep.error", err=literal(str(err))))
        return
    if out is None:
        return
    cmp = out[0]
    fig = comparison_figure(cmp, min_loss=ctx.problem.min_loss, log_y=log_y, labels=labels)
    st.plotly_chart(fig, key="sweep.chart.compare", theme=None, config={"displaylogo": False})
    if x_axis == "time":
        st.caption(t("sweep.cmp.time_note"))
    rows = []
    for i, (label, (_, spec)) in enumerate(zip(cmp.labels, ctx.runs, strict=True)):
        row = {t("sweep.cmp.col.run"): label, t("sweep.cmp.final"): float(np.mean(cmp.final_loss[i]))}
        if lrs is not None:
            row[t("sweep.cmp.col.before")] = fmt_lr(spec.lr)
            row[t("sweep.cmp.col.after")] = (
                fmt_lr(snap_lr(lrs[i])) if lrs[i] is not None else t("sweep.cmp.untuned")
            )
        rows.append(row)
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={t("sweep.cmp.final"): st.column_config.NumberColumn(format="%.4e")},
    )
    if lrs is not None and any(v is not None for v in lrs):
        if st.button(t("sweep.cmp.adopt"), key="sweep.btn.adopt_tuned", type="primary"):
            for (rid, spec), v in zip(ctx.runs, lrs, strict=True):
                if v is not None:
                    race_state.adopt(rid, replace(spec, lr=snap_lr(v)))
            quirks.goto("race")
            st.rerun()
