"""The race page's sidebar and view controls: widgets only, on the keys the page's state owner
(``gdviz.ui.race.state``) declares; every callback is the owner's. What the widgets say is read back
with ``state.read`` — this module returns only the problem it drew, validated.
"""

from __future__ import annotations

import math

import streamlit as st

from gdviz.optim import formula_latex
from gdviz.ui import quirks, work
from gdviz.ui.i18n import t
from gdviz.ui.network import state as net_state
from gdviz.ui.numbers import number
from gdviz.ui.race import custom, repairs, state
from gdviz.ui.race.lessons import LESSONS
from gdviz.ui.scale import state as scale_state
from gdviz.ui.specs import (
    DEFAULT_BATCH,
    FRAMES_CHOICES,
    LR_GRID,
    MAX_RUNS_RACE,
    PROBLEM_CONTROLS,
    PROBLEMS,
    SCHEDULE_CONTROLS,
    SCHEDULES,
    SPEEDS,
    STEPS_MAX,
    SYNTHETIC_ONLY,
    VARIANTS,
    Control,
    ProblemSpec,
    RunSpec,
    ViewSpec,
    log_choices,
    rule_controls,
    rules,
)
from gdviz.ui.text import literal

SS = st.session_state


def fmt_lr(v: float) -> str:
    return f"{v:g}"


# --- widgets ----------------------------------------------------------------------------------------
def _control(c: Control, key: str, label: str, help_: str | None = None):
    if c.kind == "bool":
        return st.toggle(label, key=key, help=help_)
    if c.kind == "choice":
        return st.selectbox(
            label, c.choices, key=key, help=help_, format_func=lambda v: t(f"opt.{c.key}.{v}", str(v))
        )
    if c.log:
        choices = log_choices(c)
        if SS.get(key) not in choices:
            SS[key] = min(choices, key=lambda e: abs(e - float(SS.get(key, c.default) or 0)))
        return st.select_slider(label, choices, key=key, help=help_, format_func=lambda v: f"{v:g}")
    if c.kind == "int":
        return number(
            label, int(c.lo), int(c.hi), key=key, default=int(c.default), step=int(c.step or 1), help=help_
        )
    return number(
        label,
        float(c.lo),
        float(c.hi),
        key=key,
        default=float(c.default),
        step=float(c.step),
        help=help_,
        format="%g",
    )


def _problem_section() -> ProblemSpec | None:
    quirks.ensure("problem", "linear_regression")
    name = st.selectbox(
        t("problem"),
        PROBLEMS,
        key="problem",
        format_func=lambda n: t(f"problem.{n}"),
        on_change=state.problem_changed,
        help=t("problem.help"),
    )
    st.caption(t(f"problem.{name}.about"))
    if name == "formula":
        return custom.formula_section()
    if name == "csv":
        return custom.csv_section()
    opts = []
    controls = PROBLEM_CONTROLS.get(name, ())
    if controls:
        with st.expander(t("problem_options"), expanded=name == "linear_regression"):
            for c in controls:
                key = f"p.{name}.{c.key}"
                quirks.ensure(key, c.default)
                data = (("data", SS[f"p.{name}.data"]),) if f"p.{name}.data" in SS else ()
                if c.key in SYNTHETIC_ONLY and ProblemSpec(name, data).is_article:
                    continue
                v = _control(c, key, t(f"ctl.{c.key}"), t(f"ctl.{c.key}.help", None))
                opts.append((c.key, v))
    return ProblemSpec(name, tuple(opts))


def _bring_in(rid: int, n_samples: int | None, steps: int) -> None:
    """Give a run's batch size and schedule numbers their defaults and bring them into range before
    their widgets are drawn, and while its section is closed too: a link can hold any number."""
    if n_samples is not None and SS.get(f"run.{rid}.variant", "full") == "mini":
        quirks.ensure(f"run.{rid}.batch", DEFAULT_BATCH)
        quirks.clamp(f"run.{rid}.batch", 1, n_samples)
    sched = SS.get(f"run.{rid}.schedule", "constant")
    for c in SCHEDULE_CONTROLS.get(sched, ()):
        key = f"run.{rid}.s.{sched}.{c.key}"
        quirks.ensure(key, c.default)
        if c.kind == "int":
            quirks.clamp(key, int(c.lo), steps - 1 if c.key == "warmup" else steps)


def _run_section(
    rid: int, idx: int, n_samples: int | None, steps: int, *, theory_for=None, problem=None, start=None
) -> RunSpec:
    spec = state.read_run(rid)
    title = f"{t('run')} {idx + 1} · {t(f'rule.{spec.rule}')} · α={fmt_lr(spec.lr)}"
    if n_samples is not None:
        title += f" · {t(f'variant.{spec.variant}.short')}"
    box_key = f"runbox.{rid}"
    if SS.get(box_key, idx == 0):
        # open, its widgets say the rest: a title that changed with every α would give the section
        # a new identity and Streamlit would rebuild it (100 ms of every change of the rate)
        title = f"{t('run')} {idx + 1}"
    box, is_open = quirks.lazy_expander(title, key=box_key, expanded=idx == 0)
    _bring_in(rid, n_samples, steps)
    if not is_open:
        # closed: its widgets are not drawn, their values wait
        quirks.keep(prefixes=(f"run.{rid}.",))
        return state.read_run(rid)
    with box:
        st.selectbox(
            t("rule"),
            rules(),
            key=f"run.{rid}.rule",
            format_func=lambda r: t(f"rule.{r}"),
            on_change=state.rule_changed,
            args=(rid,),
            help=f"${formula_latex(spec.rule)}$",
        )
        st.select_slider(t("lr"), LR_GRID, key=f"run.{rid}.lr", format_func=fmt_lr, help=t("lr.help"))
        rule = SS[f"run.{rid}.rule"]
        if theory_for is not None and problem is not None:
            marks = theory_for(problem, state.read_run(rid), start)
            if marks is not None:
                st.html(lr_ruler(SS[f"run.{rid}.lr"], *marks))
        for c in rule_controls(rule):
            key = f"run.{rid}.h.{rule}.{c.key}"
            quirks.ensure(key, c.default)
            _control(c, key, t(f"ctl.{c.key}"), t(f"ctl.{c.key}.help", None))
        # batch size is a data choice, independent of the update rule
        st.radio(
            t("variant"),
            VARIANTS,
            key=f"run.{rid}.variant",
            format_func=lambda v: t(f"variant.{v}"),
            horizontal=True,
            disabled=n_samples is None,
            help=t("variant.help") if n_samples is not None else t("variant.nodata"),
        )
        if n_samples is not None and SS[f"run.{rid}.variant"] == "mini":
            key = f"run.{rid}.batch"
            number(
                t("batch_size"),
                1,
                n_samples,
                key=key,
                default=DEFAULT_BATCH,
                help=t("batch_size.help", n=n_samples),
            )
        st.selectbox(
            t("schedule"),
            SCHEDULES,
            key=f"run.{rid}.schedule",
            format_func=lambda s: t(f"schedule.{s}"),
            help=t("schedule.help"),
        )
        sched = SS[f"run.{rid}.schedule"]
        for c in SCHEDULE_CONTROLS[sched]:
            _control(c, f"run.{rid}.s.{sched}.{c.key}", t(f"ctl.{c.key}"), t(f"ctl.{c.key}.help", None))
        if n_samples is not None and SS[f"run.{rid}.variant"] != "full":
            number(t("seed"), 0, 10_000, key=f"run.{rid}.seed", default=0, help=t("seed.help"))
        c1, c2 = st.columns(2)
        n_runs = len(state.run_ids())
        c1.button(
            t("duplicate"),
            key=f"dup.{rid}",
            on_click=state.duplicate_run,
            args=(rid,),
            disabled=n_runs >= MAX_RUNS_RACE,
            width="stretch",
        )
        c2.button(
            t("remove"),
            key=f"rm.{rid}",
            on_click=state.remove_run,
            args=(rid,),
            disabled=n_runs <= 1,
            width="stretch",
        )
    return state.read_run(rid)


def _start_section(problem, pspec: ProblemSpec) -> tuple[float, ...] | None:
    quirks.ensure("start_custom", False)
    names = problem.param_names
    if len(names) > repairs.MAX_START_PARAMS:
        st.caption(t("start.many", n=len(names)))
        return None
    box, is_open = quirks.lazy_expander(t("start"), key="startbox")
    if not is_open:
        quirks.keep(prefixes=("start.",))
        return None
    with box:
        cols = st.columns(min(len(names), 3))
        vals = []
        lo, hi = repairs.start_bounds(problem)  # what the chart can show, as a link's start
        for i, nm in enumerate(names):
            key = f"start.{i}"
            quirks.ensure(key, float(problem.start[i]))
            with cols[i % len(cols)]:
                vals.append(
                    number(
                        nm,
                        float(lo[i]),
                        float(hi[i]),
                        key=key,
                        default=float(problem.start[i]),
                        format="%g",
                        step=0.1,
                        on_change=state.start_changed,
                    )
                )
        # a click picks a start on a slice; a point of a PCA plane is not one point of the parameters
        if state.read_view(pspec, len(names)).plane == "slice":
            st.caption(t("start.click"))
        if SS.get("start_custom"):
            st.button(t("start.reset"), on_click=state.reset_start, args=(tuple(problem.start),))
    if not SS.get("start_custom"):
        return None
    return tuple(float(v) for v in vals)


NET_PREFIX = "net:"
SCALE_PREFIX = "scale:"
# the lessons that live on another page: picking one loads its preset there and goes
ELSEWHERE = {NET_PREFIX: net_state, SCALE_PREFIX: scale_state}


def _on_lesson_change():
    work.approve_next_run()  # picking a lesson is the click its work waits for
    key = SS.get("lesson_pick")
    prefix = next((p for p in ELSEWHERE if key and key.startswith(p)), None)
    if prefix:
        owner = ELSEWHERE[prefix]
        owner.load_lesson(key[len(prefix) :])
        SS["lesson_pick"] = SS.get("lesson", "")
        quirks.goto(owner.URL_PATH)
    elif key:
        state.load_lesson(key)
    else:
        SS["lesson"] = ""


def _lesson_name(key: str) -> str:
    if key.startswith(NET_PREFIX):
        return t(f"net.lesson.{key[len(NET_PREFIX) :]}.title") + " → " + t("page.network")
    if key.startswith(SCALE_PREFIX):
        return t(f"scale.lesson.{key[len(SCALE_PREFIX) :]}.title") + " → " + t("page.scale")
    return t(f"lesson.{key}.title") if key else t("lessons.none")


def _lesson_section():
    keys = ["", *(lesson.key for lesson in LESSONS)]
    keys += [prefix + k for prefix, owner in ELSEWHERE.items() for k in owner.LESSONS]
    if SS.get("lesson_pick") != SS.get("lesson", ""):
        SS["lesson_pick"] = SS.get("lesson", "") if SS.get("lesson", "") in keys else ""
    st.selectbox(
        t("lessons"),
        keys,
        key="lesson_pick",
        format_func=_lesson_name,
        on_change=_on_lesson_change,
        help=t("lessons.help"),
    )


def lr_ruler(lr: float, limit: float | None, best: float | None) -> str:
    """An SVG strip under the learning-rate slider, on the slider's own scale (its grid positions):
    the stability limit and the best step drawn as lines, the chosen rate as a dot."""

    def pos(v: float) -> float:
        g = [math.log(x) for x in LR_GRID]
        lv = math.log(min(max(v, LR_GRID[0]), LR_GRID[-1]))
        for i in range(len(g) - 1):
            if g[i] <= lv <= g[i + 1]:
                return 100 * (i + (lv - g[i]) / (g[i + 1] - g[i])) / (len(g) - 1)
        return 100.0

    parts = ['<svg viewBox="0 0 100 14" preserveAspectRatio="none" width="100%" height="16" role="img">']
    parts.append('<rect x="0" y="6" width="100" height="2" fill="#dfe5ec"/>')
    if limit:
        x = pos(limit)
        parts.append(f'<rect x="{x:.2f}" y="6" width="{100 - x:.2f}" height="2" fill="#f2b8a0"/>')
        parts.append(f'<rect x="{x - 0.4:.2f}" y="0" width="0.8" height="14" fill="#D55E00"/>')
    if best:
        parts.append(f'<rect x="{pos(best) - 0.4:.2f}" y="0" width="0.8" height="14" fill="#009E73"/>')
    parts.append(f'<circle cx="{pos(lr):.2f}" cy="7" r="2.2" fill="#0a58ca"/>')
    parts.append("</svg>")
    return "".join(parts)


def render(get_problem, theory_for=None, *, runs: bool = True) -> tuple[ProblemSpec, object] | None:
    """Draw the sidebar; return the problem it shows, validated, with the built Problem (None while
    the chosen problem is not usable yet, e.g. no file uploaded). ``get_problem`` builds (cached)
    the chosen problem; ``theory_for(problem, run, start)`` gives (limit, best) learning rates for a
    run's ruler, or None. Without ``runs`` the steps, start and runs are left to ``run_controls``
    (called from the page's fragment, so that changing a run reruns only that fragment)."""
    if SS.get("hide"):
        state.keep()  # hidden sections draw no widgets this run
    with st.sidebar:
        quirks.ensure("projector", False)
        st.toggle(t("projector"), key="projector", help=t("projector.help"))
        if not state.hidden("lessons"):
            _lesson_section()
        pspec = state.read_problem() if state.hidden("problem") else _problem_section()
        if pspec is None:
            # nothing else is drawn this run (e.g. no file uploaded yet)
            drawn = ("problem", *(custom.DRAWN_WHEN_NONE if SS.get("problem") == "formula" else ()))
            state.keep(drawn=("projector",) if state.hidden("problem") else ("projector", *drawn))
            return None
        try:
            problem = get_problem(pspec)
        except ValueError as err:
            st.error(t("problem.invalid", err=literal(str(err))))
            pspec = ProblemSpec(pspec.name)
            problem = get_problem(pspec)
        state.fit_link(problem)  # before the start fields and the view read the link's values
        if runs:
            run_controls(pspec, problem, theory_for)
    return pspec, problem


def run_controls(pspec: ProblemSpec, problem, theory_for=None) -> None:
    """The steps, the stop, the start point and every run's section, in the current container (the
    sidebar: the caller says where)."""
    for key in ("steps", "stop_on", "stop_loss"):
        quirks.ensure(key, state.SCALARS[key])
    if not state.hidden("runs"):
        st.slider(t("steps"), 10, STEPS_MAX, key="steps", step=10, help=t("steps.help"))
        if st.toggle(t("stop_on"), key="stop_on", help=t("stop_on.help")):
            number(t("stop_loss"), 0.0, 1e12, key="stop_loss", default=1e-4, format="%g")
    steps = int(SS["steps"])
    if not state.hidden("start"):
        _start_section(problem, pspec)
    start = state.read_start(problem.n_params, problem.start)
    if not state.hidden("runs"):
        st.subheader(t("runs"))
        for i, rid in enumerate(state.run_ids()):
            _run_section(
                rid, i, problem.n_samples, steps, theory_for=theory_for, problem=problem, start=start
            )
        st.button(
            t("add_run"),
            icon=":material/add:",  # a Material icon: Streamlit ships the font, no emoji font needed
            on_click=state.add_run,
            disabled=len(state.run_ids()) >= MAX_RUNS_RACE,
            width="stretch",
        )


def view_controls(spec: ProblemSpec, problem) -> ViewSpec:
    """View options, drawn above the chart (inside its fragment, so they rerun only the chart)."""
    for key in ("frames", "speed", "log_loss", "x_axis"):
        quirks.ensure(key, state.SCALARS[key])
    many = problem.n_params > 2
    # wide enough for "300" and "1×" beside the menu's arrow at 1280 px (0.8 and 0.7 showed "30" and "1")
    cols = st.columns([1.05, 0.95, 1.3, 1.2, 1.6, 0.85, 0.85] if many else [1, 1, 1.2, 1.4, 2.3])
    cols[0].selectbox(t("frames"), FRAMES_CHOICES, key="frames", help=t("frames.help"))
    cols[1].selectbox(t("speed"), list(SPEEDS), key="speed")
    cols[2].toggle(t("log_loss"), key="log_loss")
    if problem.min_loss is not None:
        quirks.ensure("excess", False)
        cols[2].toggle(t("view.excess"), key="excess", help=t("view.excess.help"))
    cols[3].radio(
        t("x_axis"),
        ("step", "epoch"),
        key="x_axis",
        horizontal=True,
        format_func=lambda v: t(f"x_axis.{v}"),
        disabled=problem.n_samples is None,
    )
    if many:
        quirks.ensure("plane", spec.default_plane)
        cols[4].radio(
            t("plane"), ("slice", "pca"), key="plane", horizontal=True, format_func=lambda v: t(f"plane.{v}")
        )
        names = problem.param_names
        quirks.ensure("axis_x", int(problem.axes[0]))
        quirks.ensure("axis_y", int(problem.axes[1]))
        if not (0 <= SS["axis_x"] < len(names) and 0 <= SS["axis_y"] < len(names)):
            SS["axis_x"], SS["axis_y"] = int(problem.axes[0]), int(problem.axes[1])
        off = SS["plane"] != "slice"
        fmt = names.__getitem__
        cols[5].selectbox(t("axis_x"), range(len(names)), key="axis_x", format_func=fmt, disabled=off)
        cols[6].selectbox(t("axis_y"), range(len(names)), key="axis_y", format_func=fmt, disabled=off)
    return state.read_view(spec, problem.n_params, problem.has_data)
