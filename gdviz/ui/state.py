"""Writing a whole page state (from a share link or a lesson) into the widgets' session state,
and reading it back as a share link."""

from __future__ import annotations

import streamlit as st

from gdviz.ui import links
from gdviz.ui.lessons import BY_KEY
from gdviz.ui.sidebar import load_runs
from gdviz.ui.specs import PageConfig, ProblemSpec

SS = st.session_state
VIEW_KEYS = ("plane", "axis_x", "axis_y", "frames", "log_loss", "x_axis", "excess")
LESSON_LINK_KEYS = ("lesson", "lang", "hide", "embed", "embed_options")  # what a lesson link uses


def _clear_problem_state():
    for k in [k for k in SS if k.startswith(("start.", "p.")) or k in VIEW_KEYS]:
        del SS[k]


def apply_problem(spec: ProblemSpec):
    SS["problem"] = spec.name
    for k, v in spec.options:
        if spec.name == "formula" and k == "expr":
            SS["p.formula.expr"] = str(v)
        else:
            SS[f"p.{spec.name}.{k}"] = v


def apply_config(cfg: PageConfig, *, excess: bool = False):
    _clear_problem_state()
    apply_problem(cfg.problem)
    load_runs(cfg.runs)
    SS["steps"] = int(cfg.steps)
    SS["stop_on"] = cfg.stop_loss is not None
    if cfg.stop_loss is not None:
        SS["stop_loss"] = float(cfg.stop_loss)
    SS["start_custom"] = cfg.start is not None
    if cfg.start is not None:
        for i, v in enumerate(cfg.start):
            SS[f"start.{i}"] = float(v)
    v = cfg.view
    SS["plane"] = v.plane
    if v.axes is not None:
        SS["axis_x"], SS["axis_y"] = v.axes
    SS["frames"] = v.frames
    SS["log_loss"] = v.log_loss
    SS["x_axis"] = v.x_axis
    SS["excess"] = bool(excess)


def apply_lesson(key: str):
    lesson = BY_KEY[key]
    view = dict(lesson.view)
    cfg = PageConfig(
        problem=lesson.problem,
        runs=lesson.runs,
        steps=lesson.steps,
        start=lesson.start,
    )
    from dataclasses import replace

    from gdviz.ui.specs import ViewSpec

    plane = view.get("plane") or (
        "pca"
        if lesson.problem.name == "linear_regression"
        and dict(lesson.problem.options).get("data") == "article"
        else "slice"
    )
    cfg = replace(
        cfg,
        view=ViewSpec(plane=plane, x_axis=view.get("x_axis", "step"), log_loss=view.get("log_loss", True)),
    )
    apply_config(cfg, excess=view.get("excess", False))
    SS["lesson"] = key


def apply_link_once():
    """On a session's first run, load the state a share link carries (and say what was ignored)."""
    if SS.get("_link_done"):
        return
    SS["_link_done"] = True
    q = st.query_params
    params = {k: q.get_all(k) if k == "run" else q.get(k) for k in q}
    if not links.is_link(params):
        return
    state = links.decode(params)
    ignored = state.ignored
    if state.lesson and "run" not in params:
        apply_lesson(state.lesson)
        # The lesson brings its own problem, runs and view: whatever else the link set is not used.
        ignored += tuple(k for k in params if k not in LESSON_LINK_KEYS)
    else:
        apply_config(state.config, excess=state.excess)
        SS["lesson"] = state.lesson or ""
    SS["lang"] = state.lang
    SS["hide"] = state.hide
    SS["_link_ignored"] = tuple(dict.fromkeys(ignored))


def current_link(cfg: PageConfig, view, *, teacher: bool = False) -> dict:
    state = links.LinkState(
        config=PageConfig(cfg.problem, cfg.runs, cfg.steps, cfg.stop_loss, cfg.start, view),
        lang=SS.get("lang", "en"),
        lesson=SS.get("lesson") or None,
        hide=("problem", "start", "runs", "lessons") if teacher else tuple(SS.get("hide", ())),
        excess=bool(SS.get("excess", False)),
    )
    return links.encode(state)
