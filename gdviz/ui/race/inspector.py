"""The step inspector section: pick a run and a step k, see that update number by number.

``render(problem, results, view)`` draws it (a fragment: moving the step slider reruns only this
section). Shown: θ_k, the gradients, α_k, the rule's state, the update equation with its numbers
ending in θ_{k+1} (checked against the run's next row), the arrows of the step on the surface, the
per-coordinate step sizes of adaptive rules and, for mini-batch runs, the cloud of mini-batch
gradients at θ_k.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import gdviz
from gdviz.analysis.noise import gradient_noise
from gdviz.analysis.step import equation_latex, inspect_step
from gdviz.figures.inspect import (
    LABEL_KEYS,
    effective_lr_figure,
    inside,
    local_surface,
    noise_figure,
    plane_for_view,
    reference_run,
    step_arrow_window,
    step_figure,
)
from gdviz.geometry.projection import View
from gdviz.optim import registry
from gdviz.problems.base import Problem
from gdviz.ui.i18n import t
from gdviz.ui.quirks import ensure as _ensure
from gdviz.ui.text import literal

SS = st.session_state
RUN_KEY = "insp.run"
STEP_KEY = "insp.step"
NOISE_B_KEY = "insp.noise_b"
NOISE_SAMPLES = 200
DIGITS = 6
SURFACE_WORK = 5e7


def _figure_labels() -> dict:
    return {k: t(f"insp.fig.{k}") for k in LABEL_KEYS}


def _rule_note(info) -> str:
    rule = registry.entry(info.rule).rule
    note_key = rule.memory_note if info.memory is not None and rule.memory_note else rule.note
    return t(note_key) if note_key else ""


def _num(x: float) -> str:
    return f"{float(x):.{DIGITS}g}"


def _vec(v) -> str:
    v = np.asarray(v, dtype=float).reshape(-1)
    head = ", ".join(_num(x) for x in v[:8])
    return f"({head}{', …' if v.size > 8 else ''})"


def _optimizer_for(spec):
    try:
        return gdviz.optimizer(spec.rule, **spec.optimizer_kwargs())
    except ValueError:
        return None  # inspect_step then rebuilds the rule from the record itself


def _choose_step(results, eligible: list[int]) -> tuple[int, int]:
    if SS.get(RUN_KEY) not in eligible:
        SS[RUN_KEY] = eligible[0]
    steps = int(results[SS[RUN_KEY]].record.steps_done)
    _ensure(STEP_KEY, 0)
    current = SS[STEP_KEY]
    if not isinstance(current, int) or not 0 <= current < steps:
        SS[STEP_KEY] = min(max(0, current if isinstance(current, int) else 0), steps - 1)
    pick, slide, back, fwd = st.columns([3, 6, 1, 1], vertical_alignment="bottom")
    with pick:
        i = st.selectbox(t("insp.run"), eligible, key=RUN_KEY, format_func=lambda j: results[j].label)
    if steps > 1:
        with slide:
            st.slider(t("insp.step"), 0, steps - 1, key=STEP_KEY, help=t("insp.step.help"))
        back.button(
            t("insp.prev"), key="insp.prev_btn", on_click=_shift, args=(-1, steps), help=t("insp.prev.help")
        )
        fwd.button(
            t("insp.next"), key="insp.next_btn", on_click=_shift, args=(1, steps), help=t("insp.next.help")
        )
    else:
        slide.caption(t("insp.one_step"))
    return i, int(SS[STEP_KEY])


def _shift(delta: int, steps: int):
    SS[STEP_KEY] = min(max(0, int(SS.get(STEP_KEY, 0)) + delta), steps - 1)


def _table(info, problem: Problem):
    names = list(problem.param_names)
    cols = {
        t("insp.col.param"): (names, None),
        "θ_k": (info.theta, None),
        "g_k": (info.grad, t("insp.col.grad")),
        "∇L(θ_k)": (info.full_grad, t("insp.col.full_grad")),
    }
    # each state field under the letter the rule's equation gives it (RMSprop's buffer is b, SGD's v)
    symbols = registry.entry(info.rule).rule.symbols
    for field, value in info.state_before.items():
        label = t(f"insp.state.{field}")
        cols[f"{symbols.get(field, field)}_k"] = (value, t("insp.col.before", name=label))
    for field, value in info.state_after.items():
        label = t(f"insp.state.{field}")
        cols[f"{symbols.get(field, field)}_k+1"] = (value, t("insp.col.after", name=label))
    cols["Δ"] = (info.update, t("insp.col.update"))
    cols["θ_k+1"] = (info.theta_next, t("insp.col.theta_next"))
    if info.effective_lr is not None:
        cols[t("insp.col.effective")] = (info.effective_lr, None)
    first = t("insp.col.param")
    rows = [
        {k: (v[j] if k == first else float(v[j])) for k, (v, _) in cols.items()} for j in range(len(names))
    ]
    fmt = {
        k: st.column_config.NumberColumn(format="%.6g", width=105, help=h)
        for k, (_, h) in cols.items()
        if k != first
    }
    st.dataframe(
        rows, hide_index=True, width="stretch", column_config=fmt, height=min(400, 38 + 35 * len(rows))
    )


def _axis_titles(view: View) -> tuple[str, str]:
    return tuple(view.axis_titles)


def _arrows(problem: Problem, info, plane, view: View, record, color: str):
    window = step_arrow_window(info, plane)
    # about SURFACE_WORK sample-parameter products in all, so a network's surface stays quick
    # (a quadratic, linear regression included, is evaluated from its statistics: no data pass)
    quadratic = problem.quadratic_form() is not None
    per_point = (1 if quadratic else problem.n_samples or 1) * problem.n_params
    res = int(np.clip(np.sqrt(SURFACE_WORK / per_point), 16, 48))
    try:
        surface = local_surface(problem, plane, info.theta, window, resolution=res)
    except ValueError:
        surface = None
    fig = step_figure(
        info,
        plane,
        surface=surface,
        window=window,
        # a thinned record's rows are not steps: its neighbourhood of step k is not at hand
        path=None if record.thinned else record.params,
        color=color,
        axis_titles=_axis_titles(view),
        labels=_figure_labels(),
        height=500,
    )
    st.plotly_chart(fig, key="insp.arrows", theme=None, config={"displaylogo": False})
    p0 = plane.point(info.theta)
    step = float(np.linalg.norm(info.update))
    far = [
        (vec, name)
        for vec, name, shown in (
            (info.full_step, t("insp.fig.full_step"), True),
            (info.batch_step, t("insp.fig.batch_step"), info.stochastic),
        )
        if shown and not inside(window, p0 + plane.vector(vec))
    ]
    for vec, name in far:
        ratio = float(np.linalg.norm(vec)) / step if step > 0 else float("inf")
        st.caption(t("insp.arrows.clipped", name=name, ratio=f"{ratio:.3g}"))


def _batch_options(n: int, b_run: int) -> list[int]:
    opts = {1, n, b_run}
    b = 2
    while b < n:
        opts.add(b)
        b *= 2
    return sorted(opts)


def _noise(problem: Problem, info, plane, view: View, run_index: int):
    st.markdown("##### " + t("insp.noise.title"))
    n = int(problem.n_samples)
    b_run = int(info.batch_size)
    opts = _batch_options(n, b_run)
    # back to the run's own batch size whenever another run (or problem) is inspected
    token = (run_index, b_run, n)
    if SS.get("insp.noise_for") != token or SS.get(NOISE_B_KEY) not in opts:
        SS["insp.noise_for"] = token
        SS[NOISE_B_KEY] = b_run
    b = st.select_slider(t("insp.noise.b"), opts, key=NOISE_B_KEY, help=t("insp.noise.b.help", b=b_run))
    try:
        noise = gradient_noise(problem, info.theta, b, samples=NOISE_SAMPLES, seed=0)
    except ValueError as err:
        st.warning(t("insp.noise.failed", err=literal(str(err))))
        return
    # The panel's size follows single-sample noise, not this b: moving b shows the cloud shrink.
    half = 2.5 * info.lr * noise.per_sample_spread
    fig = noise_figure(
        noise,
        info.lr,
        plane,
        half_width=half if half > 0 else None,
        axis_titles=_axis_titles(view),
        labels=_figure_labels(),
    )
    left, right = st.columns([3, 2])
    left.plotly_chart(fig, key="insp.noise", theme=None, config={"displaylogo": False})
    full_norm = float(np.linalg.norm(noise.full))
    with right:
        st.markdown(
            t(
                "insp.noise.measured",
                s=_num(noise.spread),
                e=_num(noise.expected),
                sigma=_num(noise.per_sample_spread),
                b=b,
                n=n,
                S=len(noise.samples),
                full=_num(full_norm),
            )
        )
        if not noise.per_sample_exact:
            st.caption(t("insp.noise.subset"))
        st.caption(t("insp.noise.caption"))


@st.fragment
def render(cfg, view_spec, load):
    """The inspector section of the race page in state ``cfg``: ``load(cfg, view_spec)`` gives
    (problem, the page's ``RunResult`` list, its view, ``replay(result, k)`` for the step of a
    thinned record). Loaded inside: a fragment keeps its arguments as long as the session lives."""
    st.markdown("#### " + t("insp.title"))
    st.caption(t("insp.intro"))
    # Off until asked for: the page stays light for the many visitors who only race.
    if not st.toggle(t("insp.open"), key="insp.open"):
        return
    problem, results, view, replay = load(cfg, view_spec)
    eligible = [i for i, r in enumerate(results) if r.record is not None and int(r.record.steps_done) > 0]
    if not eligible:
        st.info(t("insp.none"))
        return
    i, k = _choose_step(results, eligible)
    res = results[i]
    rec = res.record
    try:
        if rec.thinned:
            info = replay(res, k) if replay is not None else None
            if info is None:
                return
        else:
            info = inspect_step(problem, _optimizer_for(res.spec), rec, k)
    except ValueError as err:
        st.error(t("insp.failed", err=literal(str(err))))
        return

    head = t("insp.summary", k=k, k1=k + 1, lr=_num(info.lr), loss=_num(info.loss))
    if info.stochastic:
        head += " " + t("insp.summary.batch", b=info.batch_size, bl=_num(info.batch_loss))
    elif problem.has_data:
        head += " " + t("insp.summary.full")
    st.markdown(head)
    st.markdown(t("insp.theta", k=k, v=_vec(info.theta)))
    st.markdown(t("insp.grads", k=k, g=_vec(info.grad), full=_vec(info.full_grad)))

    for block in equation_latex(info, digits=DIGITS):
        st.latex(block)
    st.caption(_rule_note(info) + " " + t("insp.note.elementwise"))
    if info.matches_record:
        st.success(t("insp.check.ok", k1=k + 1))
    else:
        diff = float(np.max(np.abs(info.theta_next - info.record_next)))
        st.warning(t("insp.check.bad", k1=k + 1, d=f"{diff:.3g}"))

    ok = [r for r in results if r.record is not None]
    plane = None
    if view is not None:
        try:
            ref = reference_run([r.record.params for r in ok], [r.record.diverged is not None for r in ok])
            plane = plane_for_view(view, ok[ref].record.params)
        except ValueError:
            plane = None
    left, right = st.columns([3, 2])
    with left:
        if plane is not None:
            _arrows(problem, info, plane, view, rec, res.color)
        else:
            st.info(t("insp.no_plane"))
    with right:
        if info.effective_lr is not None:
            fig = effective_lr_figure(info, problem.param_names, labels=_figure_labels())
            st.plotly_chart(fig, key="insp.effective", theme=None, config={"displaylogo": False})
            effective_key = registry.entry(info.rule).rule.effective_note
            if effective_key:
                st.caption(t(effective_key))
        if plane is not None:
            st.caption(t("insp.arrows.caption") + (" " + t("insp.arrows.pca") if plane.is_pca else ""))

    with st.expander(t("insp.table"), expanded=problem.n_params <= 4):
        _table(info, problem)

    if problem.has_data:
        if info.stochastic and plane is not None:
            _noise(problem, info, plane, view, i)
        elif not info.stochastic:
            st.caption(t("insp.noise.full_batch"))
