"""The main page: the race on the loss surface, its loss curves, the 3-D view and the summary."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from gdviz import limits
from gdviz.analysis.curvature import lam_max_at, lr_limit, quadratic_theory, stable_lr
from gdviz.export import view as export_view
from gdviz.export.view import RunResult
from gdviz.figures import PALETTE
from gdviz.figures.race import CLICK_GRID_NAME, RunTrace, race_figure
from gdviz.figures.spec import SpecFigure
from gdviz.figures.surface3d import surface3d_figure
from gdviz.geometry.projection import View
from gdviz.problems.base import Problem
from gdviz.serve import meter
from gdviz.serve.cache import ByteCache
from gdviz.train import Record
from gdviz.ui import app, quirks, work
from gdviz.ui.i18n import figure_labels, lang, t
from gdviz.ui.race import export, inspector, lessons, links, projector, scrub, sidebar, state, summary
from gdviz.ui.race.compute import (
    cached_runs,
    get_problem,
    race_pieces,
    replayed_step,
    simulate_all,
    view_cached,
    view_for,
)
from gdviz.ui.race.repairs import nothing_to_draw, notice
from gdviz.ui.specs import SPEEDS, PageConfig, RunSpec, ViewSpec, momentum_of
from gdviz.ui.text import literal

CHART_KEY = "race_chart"
SS = st.session_state


def run_label(i: int, spec: RunSpec, has_data: bool) -> str:
    """A run's name in the session's language (the exports name it the same way)."""
    return export_view.run_label(i, spec, has_data, lang())


def compute_runs(cfg: PageConfig, problem: Problem) -> list[RunResult] | None:
    """Every run's result; None while the work waits for a click or was refused (said on the page)."""
    found = simulate_all(cfg, problem)
    if found is None:
        return None
    slots = state.color_slots()
    if len(slots) != len(cfg.runs):
        slots = list(range(len(cfg.runs)))
    out = []
    for i, (spec, (rec, err)) in enumerate(zip(cfg.runs, found, strict=True)):
        color = PALETTE[slots[i] % len(PALETTE)]
        out.append(RunResult(run_label(i, spec, problem.has_data), color, spec, rec, err))
    return out


def _view_args(cfg: PageConfig, view: ViewSpec, records: list[Record], problem: Problem) -> tuple:
    paths = [np.ascontiguousarray(r.params, dtype=float) for r in records]
    diverged = [r.diverged is not None for r in records]
    center = lessons.slice_center(state.read_lesson(), problem)
    return cfg.problem, problem, paths, diverged, view.plane, view.axes, center


def _view(cfg: PageConfig, view: ViewSpec, ok: list[RunResult], problem: Problem) -> View | None:
    return view_for(*_view_args(cfg, view, [r.record for r in ok], problem))


def _pieces(cfg: PageConfig, problem: Problem, *, runs: bool) -> list[work.Piece]:
    """Everything this run of the page will compute (``compute.race_pieces``), the chart's pieces
    marked done when the caches already hold them."""
    view_spec = state.read_view(cfg.problem, problem.n_params, problem.has_data)
    pieces = race_pieces(cfg, problem, runs=runs, frames=view_spec.frames)
    found = cached_runs(cfg, problem)
    if found is not None:
        records = [rec for rec, _ in found if rec is not None]
        done = not records or view_cached(*_view_args(cfg, view_spec, records, problem))
        pieces = [replace(p, done=True) if p.part == "surface" and done else p for p in pieces]
    if SS.get("panel") == "scrub" and not state.read_projector():
        family = scrub.family_piece(cfg, problem)
        if family is not None:
            pieces.append(family)
    return pieces


def _plan(cfg: PageConfig, problem: Problem, *, runs: bool = True, quiet: bool = False) -> bool:
    """The page run's one decision on all its work (``work.plan_page``); ``quiet`` only asks whether
    it may run now, drawing nothing."""
    pieces = _pieces(cfg, problem, runs=runs)
    key = ("race", cfg, tuple(p.part for p in pieces))
    if quiet:
        return work.would_run(key, pieces)
    return work.plan_page(key, pieces, slot="race.page" if runs else "race.chart")


def _x_values(rec: Record, x_axis: str):
    return rec.epoch if x_axis == "epoch" else None


class _Warnings:
    """Where the runs' warnings go: the page, or under a lesson's question one collapsed expander
    (made at the first warning), so that "α=0.3 diverged at step 21" does not answer the question
    before Play."""

    def __init__(self, lesson: str | None):
        self.lesson, self.box = lesson, None

    def __getattr__(self, name: str):
        if not self.lesson:
            return getattr(st, name)
        if self.box is None:
            self.box = st.expander(t("lessons.warnings"), icon=":material/visibility_off:")
        return getattr(self.box, name)


class _Collected:
    """The runs' messages kept to be shown together: on the projector one box beside the chart
    instead of boxes stacked above it (six runs at α = 10 pushed the chart down by nine)."""

    def __init__(self):
        self.items: list[tuple[str, str, str | None]] = []

    def error(self, body: str, icon: str | None = None):
        self.items.append(("error", body, icon))

    def warning(self, body: str, icon: str | None = None):
        self.items.append(("warning", body, icon))

    def success(self, body: str, icon: str | None = None):
        self.items.append(("success", body, icon))

    def show(self, label: str) -> None:
        if not self.items:
            return
        bad = any(kind != "success" for kind, _, _ in self.items)
        with st.expander(label, icon=":material/warning:" if bad else ":material/check_circle:"):
            for kind, body, icon in self.items:
                getattr(st, kind)(body, icon=icon)


def _messages(results: list[RunResult], problem: Problem, out=st):
    for r in results:
        if r.error:
            out.error(t("run.error", label=r.label, err=literal(r.error)))
            continue
        rec = r.record
        if rec.diverged is not None:
            k = rec.diverged
            with work.piece("hessian"):
                limit = lr_limit(problem, "gd", at=rec.final_params)
            extra = t("diverged.limit", limit=f"{limit:.3g}") if limit else ""
            out.warning(
                # Chinese sentences follow each other with no space after the full stop
                t("diverged", label=r.label, step=k, lr=f"{r.spec.lr:g}")
                + ("" if lang() == "zh" else " ")
                + extra,
                icon=":material/warning:",
            )
        elif rec.stop_reason == "stop_loss":
            out.success(t("stopped", label=r.label, step=rec.steps_done), icon=":material/check_circle:")


def _surface_heights(problem: Problem, view: View, paths2d: list[np.ndarray], records: list[Record]):
    """Loss along each path as drawn on the surface: the true loss for 2 parameters, else the loss at
    the projected point on the slice or plane (that is where the drawn path lies)."""
    out = []
    for xy, rec in zip(paths2d, records, strict=True):
        if view.kind == "full":
            out.append(np.asarray(rec.loss))
            continue
        pts = np.broadcast_to(view.center, (len(xy), problem.n_params)).copy()
        if view.kind == "slice":
            ax = view.surface.axes
            pts[:, ax[0]], pts[:, ax[1]] = xy[:, 0], xy[:, 1]
        else:
            return None
        with np.errstate(all="ignore"):
            out.append(problem.loss(pts))
    return out


@st.fragment
@work.page_run("race")
def chart_area(cfg: PageConfig):
    # Streamlit keeps a fragment's arguments for as long as the session lives (disconnected ones
    # too): only the small frozen config goes in; problem and runs come from the shared caches.
    problem = get_problem(cfg.problem)
    if not meter.current().decision and not _plan(cfg, problem, runs=False):
        return  # a rerun of the chart alone (a view control): its own plan said why it waits
    results = compute_runs(cfg, problem)
    if results is None:
        return
    big = state.read_projector()
    if big:
        state.keep_view()  # the projector draws no view controls: their values wait for the way back
        view_spec = state.read_view(cfg.problem, problem.n_params, problem.has_data)
    else:
        view_spec = sidebar.view_controls(cfg.problem, problem)
    cfg = replace(cfg, view=view_spec)
    ok = [r for r in results if r.record is not None]
    if not ok:
        st.info(t("nothing_to_show"))
        return
    view = _view(cfg, view_spec, ok, problem)
    if view is None:
        return
    if not big:
        _view_caption(view, problem)
    empty = nothing_to_draw(view.surface.z, [r.record.loss for r in ok], lang())
    if empty is not None:
        st.info(empty[0], icon=":material/visibility_off:")

    # "loss − minimum" shows convergence on a log scale when the minimum is not zero
    shift = problem.min_loss if (state.read_excess() and problem.min_loss is not None) else 0.0
    traces = [
        RunTrace(
            r.label,
            r.color,
            xy,
            r.record.loss - shift,
            (r.record.batch_loss - shift) if r.record.batch_size is not None else None,
            _x_values(r.record, view_spec.x_axis),
            r.record.param_steps,
        )
        for r, xy in zip(ok, view.paths, strict=True)
    ]
    labels = figure_labels()
    if big:
        panel = "contour"  # the race itself: the other panels need their own controls
    else:
        # A switch rather than tabs: tabs render every panel, and a hidden WebGL surface would be
        # drawn (and sent) on every rerun.
        panel = st.segmented_control(
            t("panel"),
            links.PANELS,
            key="panel",
            format_func=lambda v: t(f"tab.{v}"),
            label_visibility="collapsed",
            on_change=quirks.sticky_choice("panel", links.PANELS, "contour"),
        )
    if empty is not None and empty[1]:
        pass  # said above: no empty chart under it
    elif panel == "scrub":
        scrub.render(cfg, problem, view, ok)
    elif panel != "surface3d":
        stacked = not big and quirks.on_a_phone()
        fig = _shared_race_figure(
            (cfg, view_spec, lang(), shift, tuple(r.color for r in ok), big, stacked),
            lambda: race_figure(
                view.surface,
                traces,
                window=view.window,
                minima=view.minima,
                minima_off=view.minima_off,
                frames=view_spec.frames,
                frame_ms=SPEEDS[view_spec.speed],
                log_loss=view_spec.log_loss,
                axis_titles=view.axis_titles,
                loss_x_title=t(f"x_axis.{view_spec.x_axis}"),
                loss_title=t("view.excess") if shift else None,
                labels=labels,
                projector=big,
                stacked=stacked,
            ),
        )
        quirks.hide_chart_fullscreen(projector.CHART_BOX)
        with st.container(key=projector.CHART_BOX):
            event = st.plotly_chart(
                fig,
                key=CHART_KEY,
                on_select="rerun" if view.kind != "pca" else "ignore",
                selection_mode=("points",),
                # the figure carries its own look; Streamlit's theme would re-merge the whole spec
                # in the browser on every update
                theme=None,
                # on the projector: as tall as its box (sized from the window), and no toolbar over
                # the legend (hover and a click to start stay)
                height="stretch" if big else "content",
                config={"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
                | ({"displayModeBar": False} if big else {}),
            )
        _handle_click(event, fig, problem, view)
    else:
        heights = _surface_heights(problem, view, view.paths, [r.record for r in ok])
        if heights is None:
            st.info(t("surface3d.pca"))
        else:
            fig3 = surface3d_figure(
                view.surface,
                [(r.label, r.color, xy, h) for r, xy, h in zip(ok, view.paths, heights, strict=True)],
                window=view.window,
                axis_titles=view.axis_titles,
                labels=labels,
            )
            st.plotly_chart(fig3, key="surface3d_chart", theme=None, config={"displaylogo": False})
    if not big:
        inspector.render(cfg, view_spec, inspected)
        st.markdown(f"#### {t('summary')}")
        summary.render(results, problem, cfg.stop_loss)
        with st.expander(t("explain.title")):
            st.markdown(t("explain.body"))
        # In the fragment with the view controls: a change of view reruns only this part, and the
        # link and the address bar must follow it (state.sync_url).
        _share(cfg, problem)
        export.render(cfg, problem, _query(cfg, problem))
    state.sync_url(problem=problem)


def _view_caption(view: View, problem: Problem) -> None:
    if view.kind == "slice":
        held = ", ".join(
            f"{problem.param_names[i]}={view.center[i]:.3g}"
            for i in range(problem.n_params)
            if i not in view.surface.axes
        )
        st.caption(t("view.slice", held=held if len(held) < 200 else t("view.slice.many")))
    elif view.kind == "pca":
        ev = view.explained
        st.caption(t("view.pca", e1=f"{100 * ev[0]:.1f}", e2=f"{100 * ev[1]:.1f}"))


def inspected(cfg: PageConfig, view_spec: ViewSpec):
    """What the step inspector looks at, from the caches: (problem, runs, view, replay of a step of
    a thinned run). A module function, so that the inspector's fragment keeps no data."""
    problem = get_problem(cfg.problem)
    results = compute_runs(cfg, problem) or []
    ok = [r for r in results if r.record is not None]
    view = _view(cfg, view_spec, ok, problem) if ok else None
    return problem, results, view, lambda res, k: replayed_step(cfg, problem, res.spec, k)


FIGURES = ByteCache("race figures", limits.CACHE_FIGURE_BYTES, ttl=limits.CACHE_TTL_SECONDS)


def _shared_race_figure(key: tuple, build: Callable[[], SpecFigure]) -> SpecFigure:
    """One race figure per page state, shared read-only by every session that shows it.

    ``key`` (config, view, language, loss shift, run colours) determines the figure: the runs and the view are
    functions of it. A class opening one link builds the contour image and encodes the frames once
    instead of once per student (`python benchmarks/bench_load.py --server`).
    """
    fig = FIGURES.get(key)
    if fig is None:
        with work.piece("figure"):
            fig = build()
            fig.to_dict()  # encode once, before sharing
        FIGURES.put(key, fig)
    return fig


def _handle_click(event, fig, problem: Problem, view: View):
    """A click on the contour (the invisible grid) moves the start point there and reruns the page."""
    try:
        points = event.selection.points if event else []
    except AttributeError:
        points = []
    grid_curve = next((i for i, d in enumerate(fig.traces) if d.get("name") == CLICK_GRID_NAME), None)
    pts = [p for p in points if p.get("curve_number") == grid_curve]
    if not pts:
        return
    x, y = float(pts[0].get("x", math.nan)), float(pts[0].get("y", math.nan))
    if not (math.isfinite(x) and math.isfinite(y)) or not quirks.fresh_click(
        "race", (round(x, 9), round(y, 9))
    ):
        return
    state.set_start(problem.start, view.surface.axes if view.kind == "slice" else (0, 1), x, y)
    st.rerun()


def theory_marks(problem: Problem, spec: RunSpec, start) -> tuple[float, float | None] | None:
    """(stability limit, best step) of a run's rule on this problem, for the learning-rate ruler."""
    q = quadratic_theory(problem)
    with work.piece("hessian"):
        lam = lam_max_at(problem, problem.start if start is None else start)
    limit = stable_lr(spec.rule, lam, momentum_of(spec)) if lam else None
    if limit is None:
        return None
    best = q.lr_best if (q is not None and spec.rule == "gd" and momentum_of(spec) == 0) else None
    return limit, best


def _planned_theory_marks():
    """``theory_marks`` where the run controls are drawn before the page's plan (the projector's
    full run): only when the plan of what the state asks for may run now, asked once per page run
    and not once per run's ruler."""
    may: list[bool] = []

    def marks(problem: Problem, spec: RunSpec, start):
        if not may:
            may.append(_plan(state.read(problem).config, problem, quiet=True))
        return theory_marks(problem, spec, start) if may[0] else None

    return marks


def _theory(problem: Problem, results: list[RunResult], start, out=st, details: bool = True):
    """Theory overlays: closed forms on quadratics, the local curvature limit anywhere, and a warning
    before a run whose step is past its rule's stability limit at the start (only the warnings
    without ``details``)."""
    q = quadratic_theory(problem)
    theta = problem.start if start is None else np.asarray(start, dtype=float)
    lines = []
    if q is not None:
        eig = ", ".join(f"{v:.4g}" for v in q.eigenvalues)
        lines.append(
            t(
                "theory.quadratic",
                eig=eig,
                kappa=f"{q.kappa:.4g}",
                limit=f"{q.lr_limit:.4g}",
                best=f"{q.lr_best:.4g}",
                rate=f"{q.rate_best:.4g}",
                mu=f"{q.momentum_best:.4g}",
                hb_lr=f"{q.lr_heavy_ball:.4g}",
                hb_rate=f"{q.rate_heavy_ball:.4g}",
            )
        )
        if q.null_dim:
            lines.append(t("theory.null", k=q.null_dim))
        lam = q.lam_max
    else:
        with work.piece("hessian"):
            lam = lam_max_at(problem, theta)
        if lam:
            lines.append(t("theory.local", lam=f"{lam:.4g}", limit=f"{stable_lr('gd', lam):.4g}"))
    for r in results:
        limit = stable_lr(r.spec.rule, lam, momentum_of(r.spec)) if lam else None
        if limit is not None and r.spec.lr > limit:
            out.warning(
                t(
                    "theory.overshoot",
                    label=r.label,
                    lr=f"{r.spec.lr:g}",
                    limit=f"{limit:.3g}",
                    lam=f"{lam:.4g}",
                ),
                icon=":material/straighten:",
            )
    if lines and details:
        with st.expander(t("theory.title"), expanded=False):
            for line in lines:
                st.markdown(line)


def _lesson_card():
    key = state.read_lesson()
    if not key:
        return
    st.markdown(f"#### {t(f'lesson.{key}.title')}")
    st.markdown(t(f"lesson.{key}.intro"))
    st.info(f"**{t('lessons.predict')}** — {t(f'lesson.{key}.question')}", icon=":material/lightbulb:")
    with st.expander(t("lessons.notice")):
        st.markdown(t(f"lesson.{key}.notice"))


def _query(cfg: PageConfig, problem) -> str:
    now = state.read(problem)
    return urlencode(state.link(replace(now, config=replace(now.config, problem=cfg.problem))), doseq=True)


def _share(cfg: PageConfig, problem):
    with st.expander(t("share"), icon=":material/link:"):
        st.caption(t("share.help"))
        quirks.ensure("share_teacher", False)
        st.toggle(t("share.teacher"), key="share_teacher")
        query = _query(cfg, problem)
        try:
            base = st.context.url or ""
        except AttributeError:
            base = ""
        url = links.share_url(base, query)
        # Inline code, not st.code: st.code pulls a 1.5 MB syntax highlighter into every visitor's
        # first load (0.65 s of browser CPU per session, measured with benchmarks/bench_load.py).
        st.markdown(f"`{url.replace('`', '%60')}`")
        projector.copy_button(url, t("share.copy_button"), t("share.copied"))


def page():
    big = state.read_projector()
    # On the projector the run controls stay in the full run (its page is laid out around them);
    # elsewhere the page's fragment draws them, so that a run's change reruns only that fragment.
    picked = sidebar.render(get_problem, theory_for=_planned_theory_marks(), runs=big)
    if picked is None:
        st.info(t("waiting_for_problem"))
        return
    pspec, problem = picked
    repairs = state.take_repairs()
    if big:
        # the page's state as its owner reads it, with the problem the sidebar validated (elsewhere
        # the fragment reads it, after its run controls)
        _projector_page(replace(state.read(problem).config, problem=pspec), problem, repairs)
        return
    projector.phone()
    if repairs:
        st.warning(notice(repairs, lang(), problem), icon=":material/link:")
    st.markdown(f"# {t(f'problem.{pspec.name}')}")
    # in plain characters (KaTeX for one formula would cost every first visit its script and fonts),
    # joined by no-break spaces so that a phone does not break the rule after its arrow
    st.caption(t("lead", rule="θ\u00a0←\u00a0θ\u00a0−\u00a0α∇L(θ)"))
    _lesson_card()
    race(pspec)


@st.fragment
@work.page_run("race")
def race(pspec):
    """The run controls (in the sidebar), the runs' messages and the chart area: what a change of
    steps, start or any run's setting redraws — and nothing else on the page. Only the small
    problem spec goes in: a fragment keeps its arguments for as long as the session lives."""
    problem = get_problem(pspec)
    # the controls' ruler needs a Hessian: it is drawn only when the plan of what the state asks
    # for may run now (the state is read before its widgets: reading draws nothing)
    asked = replace(state.read(problem).config, problem=pspec)
    with st.sidebar:
        sidebar.run_controls(pspec, problem, theory_marks if _plan(asked, problem, quiet=True) else None)
    cfg = replace(state.read(problem).config, problem=pspec)
    if not _plan(cfg, problem):
        state.sync_url(problem=problem)
        return
    results = compute_runs(cfg, problem)
    if results is None:
        # the work waits for a click (or was refused): the link still holds the state asked for
        state.sync_url(problem=problem)
        return
    warnings = _Warnings(state.read_lesson())
    _messages(results, problem, warnings)
    _theory(problem, results, cfg.start, warnings)
    chart_area(cfg)


def _projector_page(cfg: PageConfig, problem: Problem, repairs: tuple[str, ...]):
    """The race for a class: the chart as tall as the window, beside it the lesson (or the problem's
    name) in large type, every message in one box, the fullscreen button and the keys."""
    projector.setup()
    stage = st.container(key=projector.STAGE)
    chart, side = stage.columns([3.4, 1], gap="medium")
    with chart:
        results = compute_runs(cfg, problem) if _plan(cfg, problem) else None
    if results is None:
        state.sync_url(problem=problem)
        return
    lesson = state.read_lesson()
    box = _Collected()
    if repairs:
        box.warning(notice(repairs, lang(), problem), icon=":material/link:")
    _messages(results, problem, box)
    _theory(problem, results, cfg.start, box, details=False)
    with side, st.container(key=projector.SIDE):
        # what the class must see first: the lesson's question (or the problem), then whose path is
        # whose; the lesson's longer text after (the column scrolls on its own beside the chart)
        st.markdown(f"### {t(f'lesson.{lesson}.title') if lesson else t(f'problem.{cfg.problem.name}')}")
        if lesson:
            st.info(
                f"**{t('lessons.predict')}** — {t(f'lesson.{lesson}.question')}", icon=":material/lightbulb:"
            )
        projector.legend(
            [(r.label, r.color) for r in results if r.record is not None],
            t("fig.minimum") if len(problem.minima) else None,
        )
        if lesson:
            st.markdown(t(f"lesson.{lesson}.intro"))
            with st.expander(t("lessons.notice")):
                st.markdown(t(f"lesson.{lesson}.notice"))
        box.show(t("lessons.warnings") if lesson else t("projector.messages", n=len(box.items)))
        projector.controls()
    with chart:
        chart_area(cfg)


PAGE = app.Page(
    "race", "page.visualizer", ":material/show_chart:", page, state.load_link_once, state.keep, default=True
)
