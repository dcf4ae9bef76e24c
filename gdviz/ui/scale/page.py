"""The scale page: strategies of data-parallel training raced on one problem against steps or
simulated seconds, the workers' timeline, the speed-up against K (after a click), and lessons.

The page's state is ``gdviz.ui.scale.state``'s (the sidebar draws widgets on its keys and the page
reads a frozen ``ScaleConfig`` back); the work is estimated, budgeted and cached
(``gdviz.ui.scale.compute``).
"""

from __future__ import annotations

import math

import streamlit as st

from gdviz import limits
from gdviz.analysis.curvature import lam_max_at
from gdviz.analysis.scale import ScaleRun
from gdviz.figures.scale import (
    LABEL_KEYS,
    Curve,
    PathRun,
    critical_figure,
    loss_figure,
    paths,
    paths_figure,
    speedup_figure,
    timeline_figure,
)
from gdviz.parallel import EVENT_KINDS, STRATEGIES, theory
from gdviz.serve import cost
from gdviz.ui import app, quirks, work
from gdviz.ui.htmltable import html_table
from gdviz.ui.i18n import t
from gdviz.ui.numbers import number
from gdviz.ui.scale import compute, inspector, plan, state
from gdviz.ui.scale.config import Clamp, fit_to_data, n_samples
from gdviz.ui.scale.state import (
    B_MAX,
    BACKUPS_MAX,
    COMPRESSIONS,
    H_MAX,
    K_MAX,
    LESSONS,
    M_MAX,
    PROBLEMS,
    SHARDS,
    SIZES,
    STEPS_MAX,
    STEPS_MIN,
    STEPS_STEP,
    X_AXES,
    ScaleConfig,
)
from gdviz.ui.specs import LR_GRID, snap_lr
from gdviz.ui.text import literal

SS = st.session_state
TITLE_KEY, ICON, URL_PATH = state.TITLE_KEY, state.ICON, state.URL_PATH
SPEEDUP_FOR = "_scale.speedup_for"  # the config whose speed-up the visitor asked for
CRITICAL_FOR = state.CRITICAL_FOR
LESSONS_PER_ROW = 4  # eight cards in two rows: each wide enough for its title at 1280 px


def name(strategy: str) -> str:
    return t(f"scale.strategy.{strategy}")


def fig_labels(keys=LABEL_KEYS) -> dict[str, str]:
    return {k: t(f"scale.fig.{k}") for k in keys}


# --- sidebar ------------------------------------------------------------------------------------------
def sidebar() -> ScaleConfig:
    state.defaults()
    state.keep()
    with st.sidebar:
        st.selectbox(
            t("scale.problem"),
            PROBLEMS,
            key="scale.problem",
            format_func=lambda p: t(f"scale.problem.{p}"),
            on_change=state.on_problem_change,
        )
        if SS["scale.problem"] == "linear_regression":
            st.select_slider(t("scale.n"), SIZES, key="scale.n", format_func=lambda n: f"{n:,}")
        st.multiselect(t("scale.strategies"), STRATEGIES, key="scale.strategies", format_func=name)
        st.slider(t("scale.K"), 1, K_MAX, key="scale.K")
        number(t("scale.b"), 1, B_MAX, key="scale.b", default=state.DEFAULTS["scale.b"])
        chosen = state.strategies()
        if "local" in chosen:
            st.slider(t("scale.H"), 1, H_MAX, key="scale.H")
        if "accumulate" in chosen:
            st.slider(t("scale.m"), 1, M_MAX, key="scale.m")
        if "sync" in chosen or "accumulate" in chosen:
            st.toggle(t("scale.scale_lr"), key="scale.scale_lr", help=t("scale.scale_lr.help"))
        SS["scale.lr"] = snap_lr(float(SS["scale.lr"]))
        st.select_slider(t("scale.lr"), LR_GRID, key="scale.lr", format_func=lambda v: f"{v:g}")
        st.slider(t("scale.steps"), STEPS_MIN, STEPS_MAX, step=STEPS_STEP, key="scale.steps")
        st.selectbox(
            t("scale.network"),
            tuple(state.CONTROLS["scale.network"].choices),
            key="scale.network",
            format_func=lambda v: t(f"scale.network.{v}"),
        )
        st.selectbox(
            t("scale.compression"),
            COMPRESSIONS,
            key="scale.compression",
            format_func=lambda v: t(f"scale.compression.{v}"),
        )
        st.toggle(t("scale.ef"), key="scale.ef", disabled=SS["scale.compression"] == "none")
        st.radio(t("scale.shards"), SHARDS, key="scale.shards", format_func=lambda v: t(f"scale.shards.{v}"))
        st.toggle(t("scale.straggler"), key="scale.straggler", help=t("scale.straggler.help"))
        if "sync" in chosen or "accumulate" in chosen:
            st.slider(t("scale.backups"), 0, BACKUPS_MAX, key="scale.backups", help=t("scale.backups.help"))
    return state.read()


# --- lessons ------------------------------------------------------------------------------------------
def _lam_max(cfg: ScaleConfig) -> float | None:
    """λ_max at the start (exact for the quadratic losses of linear regression; the plan's "hessian"
    piece elsewhere)."""
    p = compute.get_problem(cfg)
    with work.piece(plan.HESSIAN):
        return lam_max_at(p, p.start)


def stale_limit(cfg: ScaleConfig) -> tuple[int, float, float | None]:
    """τ = K − 1 (what K asynchronous workers of equal speed see), the stable limit of αλ, and αλ."""
    tau = max(0, cfg.workers - 1)
    lam = _lam_max(cfg)
    return tau, theory.delay_limit(tau), None if lam is None else cfg.lr * lam


def scaling_limit(cfg: ScaleConfig) -> tuple[float, float, int] | None:
    """(α·K, 2/λ_max, the largest K with α·K below it) when the rule scales lr, None without a
    curvature."""
    lam = _lam_max(cfg)
    if lam is None or lam <= 0:
        return None
    limit = 2.0 / lam
    return cfg.lr * cfg.workers, limit, max(1, math.ceil(limit / cfg.lr) - 1)


def scaling_caption(cfg: ScaleConfig) -> None:
    if not cfg.scale_lr:
        return  # asked first: λ_max is work (``plan.needs_lam_max``)
    got = scaling_limit(cfg)
    if got is not None:
        ak, limit, k_max = got
        st.caption(t("scale.scaling.limit", ak=f"{ak:.3g}", limit=f"{limit:.3g}", k=k_max))


def lesson_captions(cfg: ScaleConfig, box) -> None:
    """The active lesson's numbers, drawn into its box once the page's plan lets its work run."""
    active = SS.get("scale.lesson")
    with box:
        if active == "stale":
            tau, limit, a = stale_limit(cfg)
            st.caption(
                t(
                    "scale.lesson.stale.limit",
                    tau=tau,
                    limit=f"{limit:.3f}",
                    a="–" if a is None else f"{a:.2f}",
                )
            )
        if active == "scaling":
            scaling_caption(cfg)


def lessons(cfg: ScaleConfig):
    """The lesson cards, and the active lesson's box (its numbers come after the plan,
    ``lesson_captions``), or None."""
    names = list(LESSONS)
    # folded: eight cards would push the chart below the fold of a 1280 × 720 projector
    box = st.expander(t("scale.lessons.all", n=len(names)), expanded=False, icon=":material/school:")
    cols = []
    for _ in range(0, len(names), LESSONS_PER_ROW):
        cols += box.columns(LESSONS_PER_ROW)
    for col, lesson in zip(cols, names, strict=False):
        with col.container(border=True, height="stretch"):
            st.markdown(f"**{t(f'scale.lesson.{lesson}.title')}**")
            st.caption(t(f"scale.lesson.{lesson}.summary"))
            st.button(
                t("scale.lesson.load"),
                key=f"scale.lesson.load.{lesson}",
                on_click=state.load_lesson,
                args=(lesson,),
            )
    active = SS.get("scale.lesson")
    if active in LESSONS:
        with st.container(border=True):
            st.markdown(f"**{t('scale.lesson.active', title=t(f'scale.lesson.{active}.title'))}**")
            st.markdown(t(f"scale.lesson.{active}.body"))
            numbers = st.container()
            st.button(t("scale.lesson.close"), key="scale.lesson.close", on_click=state.close_lesson)
        return numbers
    return None


def explanations(cfg: ScaleConfig) -> None:
    with st.expander(t("scale.explain"), expanded=False):
        for s in STRATEGIES:
            st.markdown(t(f"scale.explain.{s}"))


# --- views --------------------------------------------------------------------------------------------
def _num(v: float) -> str:
    return f"{v:.4g}" if math.isfinite(v) else "–"


def loss_chart(cfg: ScaleConfig, runs: list[tuple[str, ScaleRun]]) -> None:
    head, opt = st.columns([1.2, 1.8])  # room for the three axis choices on one line
    head.markdown(f"#### {t('scale.loss')}")
    opt.segmented_control(
        t("scale.x"),
        X_AXES,
        key="scale.x",
        format_func=lambda v: t(f"scale.x.{v}"),
        selection_mode="single",
        on_change=quirks.sticky_choice("scale.x", X_AXES, "steps"),
    )
    x_axis = SS.get("scale.x") or "steps"
    x_of = {"seconds": lambda r: r.time, "samples": lambda r: r.samples}.get(x_axis, lambda r: r.step)
    curves = [Curve(s, name(s), x_of(r), r.loss) for s, r in runs]
    fixed = compute.local_fixed_point(cfg) if any(s == "local" for s, _ in runs) else None
    reference = None if fixed is None else (fixed, t("scale.fig.fixed_point"))
    fig = loss_figure(curves, x_axis=x_axis, labels=fig_labels(), reference=reference)
    st.plotly_chart(fig, key="scale_loss", theme=None, config={"displaylogo": False})
    if fixed is not None:
        st.caption(t("scale.local.theory", H=cfg.local_steps, loss=f"{fixed:.4g}"))


def paths_chart(cfg: ScaleConfig, runs: list[tuple[str, ScaleRun]]) -> None:
    p = compute.get_problem(cfg)
    if p.n_params > plan.PATHS_MAX_PARAMS:
        return  # 33 weights: the Neural network page's landscapes are the place for those
    st.markdown(f"#### {t('scale.paths')}")
    v = compute.view(cfg, [r for _, r in runs])
    if v is None:
        return
    others = [p.param_names[i] for i in range(p.n_params) if i not in tuple(p.axes)]
    st.caption(t("scale.paths.caption", others=", ".join(others)))
    traces = [PathRun(s, name(s), r.step, xy) for (s, r), xy in zip(runs, v.paths, strict=True)]
    with work.piece(plan.FIGURE):
        fig = paths_figure(
            v.surface.x,
            v.surface.y,
            v.surface.z,
            traces,
            minima=v.minima,
            axis_titles=v.axis_titles,
            labels=fig_labels(paths.LABEL_KEYS),
        )
    st.plotly_chart(fig, key="scale_paths", theme=None, config={"displaylogo": False})


def summary(runs: list[tuple[str, ScaleRun]]) -> None:
    rows = [
        {
            t("scale.col.strategy"): name(s),
            t("scale.col.loss"): _num(float(r.loss[-1])),
            t("scale.col.seconds"): f"{float(r.time[-1]):.4g}",
            t("scale.col.comm"): f"{100 * r.comm_share:.1f} %",
            t("scale.col.stale"): r.max_staleness,
        }
        for s, r in runs
    ]
    # escaped HTML, not the data grid: the grid's first use costs a server process 0.3 s of CPU
    # (pyarrow, pandas) and every first visit 1.2 MB of JavaScript (gdviz.ui.htmltable)
    st.html(html_table(rows, label=t("scale.summary")))


def timeline(runs: list[tuple[str, ScaleRun]]) -> None:
    st.markdown(f"#### {t('scale.timeline')}")
    shown = [s for s, _ in runs]
    if SS.get("scale.timeline") not in shown:
        SS["scale.timeline"] = shown[0]
    st.radio(t("scale.timeline.of"), shown, key="scale.timeline", format_func=name, horizontal=True)
    r = dict(runs)[SS["scale.timeline"]]
    st.caption(t("scale.timeline.caption", s=f"{r.window:.3g}"))
    fig = timeline_figure(
        r.worker,
        r.kind,
        r.start,
        r.end,
        workers=r.workers,
        window=r.window,
        kinds=EVENT_KINDS,
        labels=fig_labels(),
    )
    st.plotly_chart(fig, key="scale_timeline", theme=None, config={"displaylogo": False})


def _ask_speedup(cfg: ScaleConfig) -> None:
    SS[SPEEDUP_FOR] = cfg
    work.approve_next_run()  # the click is the approval of its work


def _refused(part: str, total: cost.Estimate) -> None:
    """Say why work the visitor asked for is refused: with it, the page's work would pass the cap
    (the plan went on without it, so the race still draws)."""
    v = cost.decide(total)
    if v.reason == "bytes":
        amounts = {"mb": f"{total.bytes / 2**20:.0f}", "max": f"{limits.BUDGET_MAX_BYTES / 2**20:.0f}"}
    else:
        amounts = {"s": f"{total.seconds:.0f}", "max": f"{limits.BUDGET_MAX_SECONDS:.0f}"}
    what = t(f"work.part.{part}")
    st.warning(t(f"work.refused.{v.reason or 'seconds'}", what=what, **amounts), icon=":material/block:")


def speedup(cfg: ScaleConfig, refused: cost.Estimate | None = None) -> None:
    st.markdown(f"#### {t('scale.speedup')}")
    ks = compute.speedup_workers(cfg)
    if len(ks) < 2:
        st.info(t("scale.speedup.none"))
        return
    # A link never starts this work: it runs after the visitor's click for these very settings.
    if SS.get(SPEEDUP_FOR) != cfg:
        st.button(t("scale.speedup.run"), key="scale.speedup.btn", on_click=_ask_speedup, args=(cfg,))
        return
    if refused is not None:
        _refused(plan.SPEEDUP, refused)
        return
    try:
        res = compute.speedup(cfg)
    except ValueError as err:
        st.warning(literal(str(err)))
        return
    if res is None:
        return
    st.caption(
        t(
            "scale.speedup.caption",
            ks=", ".join(str(k) for k in res.workers),
            pct=f"{100 * compute.TARGET_FRACTION:.0f}",
        )
    )
    series = [(s, name(s), res.speedup[i]) for i, s in enumerate(res.strategies)]
    fig = speedup_figure(res.workers, series, labels=fig_labels())
    st.plotly_chart(fig, key="scale_speedup", theme=None, config={"displaylogo": False})


def _ask_critical(cfg: ScaleConfig) -> None:
    SS[CRITICAL_FOR] = cfg.recipe()
    work.approve_next_run()


def critical(cfg: ScaleConfig, refused: cost.Estimate | None = None) -> None:
    st.markdown(f"#### {t('scale.critical')}")
    st.caption(t("scale.critical.lead"))
    if SS.get(CRITICAL_FOR) != cfg.recipe():
        st.button(t("scale.critical.run"), key="scale.critical.btn", on_click=_ask_critical, args=(cfg,))
        return
    if refused is not None:
        _refused(plan.CRITICAL, refused)
        return
    res = compute.critical(cfg)
    if res is None:
        return
    yours = cfg.workers * cfg.batch_size * (cfg.accumulate if cfg.strategies == ("accumulate",) else 1)
    fig = critical_figure(
        res.batch_sizes,
        res.steps,
        s_min=res.s_min,
        b_noise=res.b_noise,
        yours=yours,
        labels=fig_labels(),
    )
    st.plotly_chart(fig, key="scale_critical", theme=None, config={"displaylogo": False})
    missed = [int(b) for b, s in zip(res.batch_sizes, res.steps, strict=True) if not math.isfinite(s)]
    if res.b_noise is None:
        st.info(t("scale.critical.nofit"))
    else:
        st.caption(
            t(
                "scale.critical.caption",
                b=f"{res.b_noise:.3g}",
                smin=f"{res.s_min:.3g}",
                emin=f"{res.e_min:.3g}",
                start=f"{res.b_simple_start:.3g}",
                end="–" if res.b_simple_target is None else f"{res.b_simple_target:.3g}",
                kb=yours,
            )
        )
    if missed:
        st.caption(t("scale.critical.missed", sizes=", ".join(map(str, missed))))


def clamp_notice(clamps: tuple[Clamp, ...], n: int) -> None:
    """Say which settings do not fit and what is used instead (``config.fit_to_data``)."""
    said = []
    for c in clamps:
        fmt = {"asked": c.asked, "used": c.used, "workers": c.workers, "m": c.m, "n": f"{n:,}"}
        if c.key == "K":
            said.append(t("scale.clamp.K", **fmt))
        elif c.key == "backups" and c.why == "cap":
            said.append(t("scale.clamp.backups.cap", **fmt))
        elif c.key == "backups":
            said.append(t("scale.clamp.backups.workers", **fmt))
        elif c.key == "m":
            said.append(t("scale.clamp.m", **fmt))
        elif c.why == "shard":
            said.append(t("scale.clamp.b.shard", shard=n // max(1, c.workers), **fmt))
        elif c.m > 1:
            said.append(t("scale.clamp.b.accumulate", **fmt))
        else:
            said.append(t("scale.clamp.b.global", **fmt))
    st.warning(t("scale.clamp", what="; ".join(said)), icon=":material/straighten:")


def planned(cfg: ScaleConfig) -> tuple[bool, dict[str, cost.Estimate]]:
    """The page run's one decision on all its work (``work.plan_page``): whether it may run, and the
    pieces the visitor asked for that the plan left out because with them it would be refused, each
    with the total it would have come to (their sections say so; the race still draws)."""
    lesson = SS.get("scale.lesson")
    asked = {
        plan.SPEEDUP: SS.get(SPEEDUP_FOR) == cfg,
        plan.CRITICAL: SS.get(CRITICAL_FOR) == cfg.recipe(),
    }
    pieces = compute.pieces(cfg, lesson=lesson, speedup=asked[plan.SPEEDUP], critical=asked[plan.CRITICAL])
    kept = [p for p in pieces if p.part not in asked]
    left = {}
    if cost.decide(work.page_estimate(kept)).action == cost.REFUSE:
        kept = pieces  # refused without the extras too: one refusal says what costs most
    else:
        for p in pieces:
            if p.part in asked:
                with_it = work.page_estimate([*kept, p])
                if cost.decide(with_it).action == cost.REFUSE:
                    left[p.part] = with_it
                else:
                    kept.append(p)
    key = ("scale", cfg, tuple(p.part for p in kept))
    return work.plan_page(key, kept, slot="scale.page"), left


@work.page_run(URL_PATH)
def page() -> None:
    cfg, clamps = fit_to_data(sidebar())
    repairs = state.take_repairs()
    if repairs:
        st.warning(t("link.repaired", what=literal(", ".join(repairs))), icon=":material/link:")
    if clamps:
        clamp_notice(clamps, n_samples(cfg))
    st.markdown(f"## {t('scale.title')}")
    st.caption(t("scale.lead"))
    lesson_box = lessons(cfg)
    explanations(cfg)
    state.sync_url()
    if not cfg.strategies:
        st.info(t("scale.none"))
        return
    # Nothing of the page's work starts before this: a link that is refused or waits for a click
    # costs the plan's probes on a small proxy of its problem only.
    go, left_out = planned(cfg)
    if not go:
        return
    results = compute.race(cfg)
    if results is None:
        return
    if lesson_box is not None:
        lesson_captions(cfg, lesson_box)
    runs = []
    for s, r in zip(cfg.strategies, results, strict=True):
        if isinstance(r, str):
            st.error(t("scale.failed", name=name(s), err=literal(r)))
            continue
        if r.diverged is not None:
            st.warning(t("scale.diverged", name=name(s), step=r.diverged), icon="⚠️")
        runs.append((s, r))
    if not runs:
        return
    loss_chart(cfg, runs)
    if SS.get("scale.lesson") != "scaling":
        scaling_caption(cfg)
    summary(runs)
    paths_chart(cfg, runs)
    inspector.panel(runs, compute.get_problem(cfg).param_names, name)
    timeline(runs)
    speedup(cfg, left_out.get(plan.SPEEDUP))
    critical(cfg, left_out.get(plan.CRITICAL))
    state.sync_url()  # the x-axis and timeline choices are drawn above: the link holds them too


PAGE = app.Page(URL_PATH, TITLE_KEY, ICON, page, state.load_link_once, state.keep)
