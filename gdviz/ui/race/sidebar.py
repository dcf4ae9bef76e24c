"""The sidebar: every control, read into one frozen PageConfig.

Widget values live in ``st.session_state`` under stable keys (``run.<id>.lr`` …), set before the
widget is drawn, so presets, duplicated runs and share links can write them and no widget is
created with a default that fights its state.
"""

from __future__ import annotations

import math

import streamlit as st

from gdviz.optim import formula_latex
from gdviz.ui.i18n import t
from gdviz.ui.quirks import ensure as _ensure
from gdviz.ui.quirks import write_back
from gdviz.ui.race import custom
from gdviz.ui.specs import (
    FRAMES_CHOICES,
    LR_GRID,
    MAX_RUNS_RACE,
    PROBLEM_CONTROLS,
    PROBLEMS,
    RULE_CONTROLS,
    RULES,
    SCHEDULE_CONTROLS,
    SCHEDULES,
    SPEEDS,
    STEPS_MAX,
    SYNTHETIC_ONLY,
    VARIANTS,
    Control,
    PageConfig,
    ProblemSpec,
    RunSpec,
    ViewSpec,
    default_runs,
    snap_lr,
)
from gdviz.ui.text import literal

EPS_CHOICES = (0.0, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2)
SS = st.session_state


def fmt_lr(v: float) -> str:
    return f"{v:g}"


# --- run list management (callbacks run before the script, so they may write widget state) --------
def _new_id() -> int:
    SS["next_run_id"] = SS.get("next_run_id", 0) + 1
    return SS["next_run_id"]


def load_run(rid: int, spec: RunSpec):
    """Write a RunSpec into the widget state of run ``rid``."""
    SS[f"run.{rid}.rule"] = spec.rule
    SS[f"run.{rid}.lr"] = snap_lr(spec.lr)
    SS[f"run.{rid}.variant"] = spec.variant
    SS[f"run.{rid}.batch"] = int(spec.batch_size)
    SS[f"run.{rid}.schedule"] = spec.schedule
    SS[f"run.{rid}.seed"] = int(spec.seed)
    h = dict(spec.hyper)
    for c in RULE_CONTROLS[spec.rule]:
        SS[f"run.{rid}.h.{spec.rule}.{c.key}"] = h.get(c.key, c.default)
    so = dict(spec.schedule_opts)
    for c in SCHEDULE_CONTROLS[spec.schedule]:
        SS[f"run.{rid}.s.{spec.schedule}.{c.key}"] = so.get(c.key, c.default)


def load_runs(runs):
    ids = []
    for spec in runs[:MAX_RUNS_RACE]:
        rid = _new_id()
        load_run(rid, spec)
        ids.append(rid)
    SS["run_ids"] = ids


def read_run(rid: int) -> RunSpec:
    rule = SS.get(f"run.{rid}.rule", "gd")
    sched = SS.get(f"run.{rid}.schedule", "constant")
    hyper = tuple(
        (c.key, SS.get(f"run.{rid}.h.{rule}.{c.key}", c.default)) for c in RULE_CONTROLS.get(rule, ())
    )
    sopts = tuple(
        (c.key, SS.get(f"run.{rid}.s.{sched}.{c.key}", c.default)) for c in SCHEDULE_CONTROLS.get(sched, ())
    )
    return RunSpec(
        rule=rule,
        lr=float(SS.get(f"run.{rid}.lr", 0.01)),
        hyper=hyper,
        variant=SS.get(f"run.{rid}.variant", "full"),
        batch_size=int(SS.get(f"run.{rid}.batch", 2)),
        schedule=sched,
        schedule_opts=sopts,
        seed=int(SS.get(f"run.{rid}.seed", 0)),
    )


def _add_run():
    ids = SS.get("run_ids", [])
    if len(ids) < MAX_RUNS_RACE:
        base = read_run(ids[-1]) if ids else RunSpec()
        rid = _new_id()
        load_run(rid, RunSpec(rule="adam", lr=base.lr, variant=base.variant, batch_size=base.batch_size))
        SS["run_ids"] = [*ids, rid]


def _duplicate_run(rid: int):
    ids = SS.get("run_ids", [])
    if len(ids) < MAX_RUNS_RACE:
        new = _new_id()
        load_run(new, read_run(rid))
        i = ids.index(rid)
        SS["run_ids"] = [*ids[: i + 1], new, *ids[i + 1 :]]


def _remove_run(rid: int):
    ids = SS.get("run_ids", [])
    if len(ids) > 1:
        SS["run_ids"] = [i for i in ids if i != rid]


def _on_problem_change():
    # A new problem brings the race that tells its story, and its own start point.
    load_runs(default_runs(SS["problem"]))
    for k in [k for k in SS if k.startswith("start.") or k in ("plane", "axis_x", "axis_y")]:
        del SS[k]
    SS["start_custom"] = False


def _on_rule_change(rid: int):
    rule = SS[f"run.{rid}.rule"]
    for c in RULE_CONTROLS[rule]:
        _ensure(f"run.{rid}.h.{rule}.{c.key}", c.default)


# --- widgets ----------------------------------------------------------------------------------------
def _control(c: Control, key: str, label: str, help_: str | None = None):
    if c.kind == "bool":
        return st.toggle(label, key=key, help=help_)
    if c.kind == "choice":
        return st.selectbox(
            label, c.choices, key=key, help=help_, format_func=lambda v: t(f"opt.{c.key}.{v}", str(v))
        )
    if c.log:
        if SS.get(key) not in EPS_CHOICES:
            SS[key] = min(EPS_CHOICES, key=lambda e: abs(e - float(SS.get(key, c.default) or 0)))
        return st.select_slider(label, EPS_CHOICES, key=key, help=help_, format_func=lambda v: f"{v:g}")
    if c.kind == "int":
        return st.number_input(label, int(c.lo), int(c.hi), step=int(c.step or 1), key=key, help=help_)
    return st.number_input(
        label, float(c.lo), float(c.hi), step=float(c.step), key=key, help=help_, format="%g"
    )


def _problem_section() -> ProblemSpec | None:
    _ensure("problem", "linear_regression")
    name = st.selectbox(
        t("problem"),
        PROBLEMS,
        key="problem",
        format_func=lambda n: t(f"problem.{n}"),
        on_change=_on_problem_change,
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
                _ensure(key, c.default)
                if (
                    name == "linear_regression"
                    and c.key in SYNTHETIC_ONLY
                    and SS[f"p.{name}.data"] == "article"
                ):
                    continue
                v = _control(c, key, t(f"ctl.{c.key}"), t(f"ctl.{c.key}.help", None))
                opts.append((c.key, v))
    return ProblemSpec(name, tuple(opts))


def _run_section(
    rid: int, idx: int, n_samples: int | None, steps: int, *, theory_for=None, problem=None, start=None
) -> RunSpec:
    spec = read_run(rid)
    title = f"{t('run')} {idx + 1} · {t(f'rule.{spec.rule}')} · α={fmt_lr(spec.lr)}"
    if n_samples is not None:
        title += f" · {t(f'variant.{spec.variant}.short')}"
    with st.expander(title, expanded=idx == 0):
        st.selectbox(
            t("rule"),
            RULES,
            key=f"run.{rid}.rule",
            format_func=lambda r: t(f"rule.{r}"),
            on_change=_on_rule_change,
            args=(rid,),
            help=f"${formula_latex(spec.rule)}$",
        )
        st.select_slider(t("lr"), LR_GRID, key=f"run.{rid}.lr", format_func=fmt_lr, help=t("lr.help"))
        rule = SS[f"run.{rid}.rule"]
        if theory_for is not None and problem is not None:
            marks = theory_for(problem, read_run(rid), start)
            if marks is not None:
                st.html(lr_ruler(SS[f"run.{rid}.lr"], *marks))
        for c in RULE_CONTROLS[rule]:
            key = f"run.{rid}.h.{rule}.{c.key}"
            _ensure(key, c.default)
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
            SS[key] = max(1, min(int(SS.get(key, 2)), n_samples))
            st.number_input(t("batch_size"), 1, n_samples, key=key, help=t("batch_size.help", n=n_samples))
        st.selectbox(
            t("schedule"),
            SCHEDULES,
            key=f"run.{rid}.schedule",
            format_func=lambda s: t(f"schedule.{s}"),
            help=t("schedule.help"),
        )
        sched = SS[f"run.{rid}.schedule"]
        for c in SCHEDULE_CONTROLS[sched]:
            key = f"run.{rid}.s.{sched}.{c.key}"
            _ensure(key, c.default)
            if c.kind == "int":
                SS[key] = min(int(SS[key]), steps - 1 if c.key == "warmup" else steps)
            _control(c, key, t(f"ctl.{c.key}"), t(f"ctl.{c.key}.help", None))
        if n_samples is not None and SS[f"run.{rid}.variant"] != "full":
            st.number_input(t("seed"), 0, 10_000, key=f"run.{rid}.seed", help=t("seed.help"))
        c1, c2 = st.columns(2)
        n_runs = len(SS["run_ids"])
        c1.button(
            t("duplicate"),
            key=f"dup.{rid}",
            on_click=_duplicate_run,
            args=(rid,),
            disabled=n_runs >= MAX_RUNS_RACE,
            width="stretch",
        )
        c2.button(
            t("remove"),
            key=f"rm.{rid}",
            on_click=_remove_run,
            args=(rid,),
            disabled=n_runs <= 1,
            width="stretch",
        )
    return read_run(rid)


def _start_section(problem) -> tuple[float, ...] | None:
    _ensure("start_custom", False)
    names = problem.param_names
    if len(names) > 8:
        st.caption(t("start.many", n=len(names)))
        return None
    with st.expander(t("start"), expanded=False):
        cols = st.columns(min(len(names), 3))
        vals = []
        for i, nm in enumerate(names):
            key = f"start.{i}"
            _ensure(key, float(problem.start[i]))
            vals.append(
                cols[i % len(cols)].number_input(
                    nm, -1e6, 1e6, key=key, format="%g", step=0.1, on_change=_custom_start
                )
            )
        st.caption(t("start.click"))
        if SS.get("start_custom"):
            st.button(t("start.reset"), on_click=_reset_start, args=(tuple(problem.start),))
    if not SS.get("start_custom"):
        return None
    return tuple(float(v) for v in vals)


def _custom_start():
    SS["start_custom"] = True


def _reset_start(default):
    for i, v in enumerate(default):
        SS[f"start.{i}"] = float(v)
    SS["start_custom"] = False


def set_start_from_click(problem, axes: tuple[int, int], x: float, y: float):
    """Called by the chart's selection: the clicked point becomes the start for the plotted pair."""
    if not (math.isfinite(x) and math.isfinite(y)):
        return
    for i, v in enumerate(problem.start):
        _ensure(f"start.{i}", float(v))
    SS[f"start.{axes[0]}"] = float(f"{x:.4g}")
    SS[f"start.{axes[1]}"] = float(f"{y:.4g}")
    SS["start_custom"] = True


def _hidden(section: str) -> bool:
    return section in SS.get("hide", ())


def _problem_from_state() -> ProblemSpec:
    """The problem the widgets' state describes, without drawing them (a teacher link hid them)."""
    name = SS.get("problem", "linear_regression")
    if name == "formula":
        return ProblemSpec("formula", (("expr", SS.get("p.formula.expr", custom.DEFAULT_FORMULA)),))
    opts = [
        (c.key, SS[f"p.{name}.{c.key}"]) for c in PROBLEM_CONTROLS.get(name, ()) if f"p.{name}.{c.key}" in SS
    ]
    if name == "linear_regression" and dict(opts).get("data", "article") == "article":
        opts = [(k, v) for k, v in opts if k not in SYNTHETIC_ONLY]
    return ProblemSpec(name, tuple(opts))


NET_PREFIX = "net:"


def _on_lesson_change():
    from gdviz.ui import work
    from gdviz.ui.race.state import apply_lesson

    work.approve_next_run()  # picking a lesson is the click its work waits for
    key = SS.get("lesson_pick")
    if key and key.startswith(NET_PREFIX):
        # the network lessons live on their own page: load the preset there and go
        from gdviz.ui.network import page as page_network

        page_network._load_lesson(key[len(NET_PREFIX) :])
        SS["lesson_pick"] = SS.get("lesson", "")
        SS["_goto"] = page_network.URL_PATH
    elif key:
        apply_lesson(key)
    else:
        SS["lesson"] = ""


def _lesson_section():
    from gdviz.ui.network import page as page_network
    from gdviz.ui.race.lessons import LESSONS

    keys = ["", *(lesson.key for lesson in LESSONS), *(NET_PREFIX + k for k in page_network.LESSONS)]
    if SS.get("lesson_pick") != SS.get("lesson", ""):
        SS["lesson_pick"] = SS.get("lesson", "") if SS.get("lesson", "") in keys else ""
    st.selectbox(
        t("lessons"),
        keys,
        key="lesson_pick",
        format_func=lambda k: (
            t(f"net.lesson.{k[len(NET_PREFIX) :]}.title") + " → " + t("page.network")
            if k.startswith(NET_PREFIX)
            else t(f"lesson.{k}.title")
            if k
            else t("lessons.none")
        ),
        on_change=_on_lesson_change,
        help=t("lessons.help"),
    )


def lr_ruler(lr: float, limit: float | None, best: float | None) -> str:
    """An SVG strip under the learning-rate slider, on the slider's own scale (its grid positions):
    the stability limit and the best step drawn as lines, the chosen rate as a dot."""
    import math

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


# Keys that must survive a run in which their widget is not drawn (Streamlit forgets those):
# re-assigning them during such a run turns them into plain session values. (Not on every run:
# each assignment costs about half a millisecond.)
_KEEP_PREFIXES = ("run.", "start.", "p.", "s.", "insp.")
_KEEP = (
    "steps",
    "stop_on",
    "stop_loss",
    "frames",
    "speed",
    "log_loss",
    "x_axis",
    "plane",
    "axis_x",
    "axis_y",
    "excess",
)


def keep_state():
    write_back(lambda k: k in _KEEP or k.startswith(_KEEP_PREFIXES))


def render(get_problem, theory_for=None) -> PageConfig | None:
    """Draw the sidebar and return what it says (None while the chosen problem is not usable yet,
    e.g. no file uploaded). ``get_problem`` builds (cached) the chosen problem; ``theory_for(problem,
    run, start)`` gives (limit, best) learning rates for a run's ruler, or None."""
    if SS.get("hide"):
        keep_state()  # hidden sections draw no widgets this run
    goto = SS.pop("_goto", None)
    if goto:
        from gdviz.ui.app import extra_pages

        mod = next(m for m in extra_pages() if m.URL_PATH == goto)
        st.switch_page(st.Page(mod.page, title=t(mod.TITLE_KEY), icon=mod.ICON, url_path=mod.URL_PATH))
    sb = st.sidebar
    with sb:
        if not _hidden("lessons"):
            _lesson_section()
        pspec = _problem_from_state() if _hidden("problem") else _problem_section()
        if pspec is None:
            keep_state()  # nothing else is drawn this run (e.g. no file uploaded yet)
            return None
        try:
            problem = get_problem(pspec)
        except ValueError as err:
            st.error(t("problem.invalid", err=literal(str(err))))
            pspec = ProblemSpec(pspec.name)
            problem = get_problem(pspec)

        _ensure("steps", 300)
        _ensure("stop_on", False)
        stop_loss = None
        if _hidden("runs"):
            steps = int(SS["steps"])
            if SS["stop_on"]:
                stop_loss = float(SS.get("stop_loss", 1e-4))
        else:
            steps = st.slider(t("steps"), 10, STEPS_MAX, key="steps", step=10, help=t("steps.help"))
            if st.toggle(t("stop_on"), key="stop_on", help=t("stop_on.help")):
                _ensure("stop_loss", 1e-4)
                stop_loss = st.number_input(t("stop_loss"), 0.0, 1e12, key="stop_loss", format="%g")
        start = _start_from_state(problem) if _hidden("start") else _start_section(problem)

        if "run_ids" not in SS:
            load_runs(default_runs(pspec.name))
        if _hidden("runs"):
            runs = tuple(read_run(rid) for rid in SS["run_ids"])
        else:
            st.subheader(t("runs"))
            runs = tuple(
                _run_section(
                    rid, i, problem.n_samples, steps, theory_for=theory_for, problem=problem, start=start
                )
                for i, rid in enumerate(SS["run_ids"])
            )
            st.button(
                t("add_run"),
                on_click=_add_run,
                disabled=len(SS["run_ids"]) >= MAX_RUNS_RACE,
                width="stretch",
            )
    return PageConfig(problem=pspec, runs=runs, steps=int(steps), stop_loss=stop_loss, start=start)


def _start_from_state(problem) -> tuple[float, ...] | None:
    if not SS.get("start_custom"):
        return None
    vals = [SS.get(f"start.{i}", float(v)) for i, v in enumerate(problem.start)]
    return tuple(float(v) for v in vals)


def default_plane(problem) -> str:
    """The article's regression opens on its trajectory plane: its loss depends on w1 + w2 and
    w2 + b only, every gradient lies in that 2-D row space, so the plane shows every run exactly,
    while an axis slice would show paths leaving the slice."""
    return (
        "pca"
        if problem.name == "linear_regression" and problem.options.get("data", "article") == "article"
        else "slice"
    )


def view_controls(problem) -> ViewSpec:
    """View options, drawn above the chart (inside its fragment, so they rerun only the chart)."""
    _ensure("frames", 300)
    _ensure("speed", "1×")
    _ensure("log_loss", True)
    _ensure("x_axis", "step")
    many = problem.n_params > 2
    cols = st.columns([0.8, 0.7, 1.2, 1.3, 1.7, 0.9, 0.9] if many else [1, 1, 1.2, 1.4, 2.3])
    cols[0].selectbox(t("frames"), FRAMES_CHOICES, key="frames", help=t("frames.help"))
    cols[1].selectbox(t("speed"), list(SPEEDS), key="speed")
    cols[2].toggle(t("log_loss"), key="log_loss")
    if problem.min_loss is not None:
        _ensure("excess", False)
        cols[2].toggle(t("view.excess"), key="excess", help=t("view.excess.help"))
    cols[3].radio(
        t("x_axis"),
        ("step", "epoch"),
        key="x_axis",
        horizontal=True,
        format_func=lambda v: t(f"x_axis.{v}"),
        disabled=problem.n_samples is None,
    )
    axes = None
    plane = "slice"
    if many:
        _ensure("plane", default_plane(problem))
        plane = cols[4].radio(
            t("plane"), ("slice", "pca"), key="plane", horizontal=True, format_func=lambda v: t(f"plane.{v}")
        )
        names = problem.param_names
        _ensure("axis_x", int(problem.axes[0]))
        _ensure("axis_y", int(problem.axes[1]))
        if not (0 <= SS["axis_x"] < len(names) and 0 <= SS["axis_y"] < len(names)):
            SS["axis_x"], SS["axis_y"] = int(problem.axes[0]), int(problem.axes[1])
        off = plane != "slice"
        fmt = names.__getitem__
        ax0 = cols[5].selectbox(t("axis_x"), range(len(names)), key="axis_x", format_func=fmt, disabled=off)
        ax1 = cols[6].selectbox(t("axis_y"), range(len(names)), key="axis_y", format_func=fmt, disabled=off)
        if ax0 != ax1:
            axes = (int(ax0), int(ax1))
    return ViewSpec(
        frames=int(SS["frames"]),
        speed=SS["speed"],
        log_loss=bool(SS["log_loss"]),
        x_axis=SS["x_axis"] if problem.n_samples is not None else "step",
        axes=axes,
        plane=plane,
    )
