"""The neural-network page: a small MLP learning a 2-D data set, its decision boundary over training,
learning curves, and loss landscapes; lessons load pairs of runs into the controls.

The page's state is ``gdviz.ui.network.state``'s (the sidebar draws widgets on its keys and the
page reads a frozen ``NetConfig`` back); training, frames and landscapes are estimated, budgeted
and cached on it (``gdviz.ui.work``), so a rerun that changes only a view option costs a lookup.
"""

from __future__ import annotations

import math

import streamlit as st

from gdviz.analysis import network as nnrun
from gdviz.analysis.network import NetRun
from gdviz.figures.network import (
    LABEL_KEYS,
    RUN_COLORS,
    CurveRun,
    LandscapePanel,
    curves_figure,
    landscape3d_figure,
    landscape_figure,
)
from gdviz.figures.spec import SpecFigure
from gdviz.problems.data.toy import CLASSIFICATION, default_noise
from gdviz.problems.mlp import Mlp
from gdviz.serve import meter
from gdviz.ui import app, quirks, work
from gdviz.ui.i18n import t
from gdviz.ui.network import state
from gdviz.ui.network.compute import boundary_spec, get_problem, loss_plane, page_pieces, results_of, train
from gdviz.ui.network.state import (
    ACTIVATIONS,
    DATASETS,
    L2_CHOICES,
    LESSONS,
    N_MAX,
    N_MIN,
    N_STEP,
    PLANES,
    RESOLUTIONS,
    RUN_NAMES,
    SPANS,
    STEPS_MIN,
    STEPS_STEP,
    VIEWS,
    NetConfig,
    TrainSpec,
)
from gdviz.ui.numbers import number
from gdviz.ui.specs import LR_GRID, STEPS_MAX, VARIANTS, rules, snap_lr
from gdviz.ui.text import literal

SS = st.session_state
frame_schedule = nnrun.frame_schedule  # the animation's steps (tests read them from here)
# Page metadata (the router's list in app.py names the page by these).
TITLE_KEY, ICON, URL_PATH = state.TITLE_KEY, state.ICON, state.URL_PATH


# --- sidebar ------------------------------------------------------------------------------------------
def _on_dataset_change():
    SS["net.noise"] = default_noise(SS["net.dataset"])


def _train_controls(which: str, n_train: int) -> None:
    pre = f"net.{which}"
    st.selectbox(t("rule"), rules(), key=f"{pre}.rule", format_func=lambda r: t(f"rule.{r}"))
    SS[f"{pre}.lr"] = snap_lr(float(SS[f"{pre}.lr"]))
    st.select_slider(t("lr"), LR_GRID, key=f"{pre}.lr", format_func=lambda v: f"{v:g}", help=t("lr.help"))
    rule = SS[f"{pre}.rule"]
    if state.has_momentum(rule):
        st.slider(t("net.momentum"), 0.0, state.MOMENTUM_MAX, step=0.01, key=f"{pre}.momentum")
    st.radio(
        t("variant"),
        VARIANTS,
        key=f"{pre}.variant",
        format_func=lambda v: t(f"variant.{v}"),
        horizontal=True,
        help=t("variant.help"),
    )
    if SS[f"{pre}.variant"] == "mini":
        quirks.clamp(f"{pre}.batch", 1, n_train)
        number(
            t("net.batch"), 1, n_train, key=f"{pre}.batch", default=32, help=t("net.batch.help", n=n_train)
        )


def sidebar() -> NetConfig:
    """Draw the page's controls and return what they say (``state.read``)."""
    state.defaults()
    state.keep()
    with st.sidebar:
        st.subheader(t("net.data"))
        st.selectbox(
            t("net.dataset"),
            DATASETS,
            key="net.dataset",
            format_func=lambda d: t(f"opt.dataset.{d}"),
            on_change=_on_dataset_change,
            help=t("net.dataset.help"),
        )
        st.slider(t("net.noise"), 0.0, 1.0, step=0.05, key="net.noise", help=t("net.noise.help"))
        st.slider(t("net.n"), N_MIN, N_MAX, step=N_STEP, key="net.n")
        st.slider(
            t("net.test_fraction"),
            0.0,
            0.5,
            step=0.05,
            key="net.test_fraction",
            help=t("net.test_fraction.help"),
        )
        number(t("net.data_seed"), 0, 10_000, key="net.data_seed", default=0)

        st.subheader(t("net.network"))
        st.slider(t("net.depth"), 1, 3, key="net.depth")
        st.slider(t("net.width"), 1, 32, key="net.width")
        st.selectbox(
            t("net.activation"),
            ACTIVATIONS,
            key="net.activation",
            format_func=lambda a: t(f"opt.activation.{a}"),
            help=t("net.activation.help"),
        )
        st.select_slider(
            t("net.l2"), L2_CHOICES, key="net.l2", format_func=lambda v: f"{v:g}", help=t("net.l2.help")
        )
        number(t("net.init_seed"), 0, 10_000, key="net.init_seed", default=0, help=t("net.init_seed.help"))

        st.subheader(t("net.training"))
        st.slider(
            t("net.steps"), STEPS_MIN, STEPS_MAX, step=STEPS_STEP, key="net.steps", help=t("net.steps.help")
        )
        number(t("net.seed"), 0, 10_000, key="net.seed", default=0, help=t("net.seed.help"))
        n = int(SS["net.n"])
        n_train = n - round(n * float(SS["net.test_fraction"]))
        with st.container(border=True):
            st.markdown(f"**{t('net.run', name=RUN_NAMES[0])}**")
            _train_controls("a", n_train)
        st.toggle(t("net.compare"), key="net.compare", help=t("net.compare.help"))
        if SS["net.compare"]:
            with st.container(border=True):
                st.markdown(f"**{t('net.run', name=RUN_NAMES[1])}**")
                _train_controls("b", n_train)
    return state.read()


# --- lessons -------------------------------------------------------------------------------------------
def _lesson_text(name: str) -> dict[str, str]:
    texts = {
        "sgd_adam": {
            "title": t("net.lesson.sgd_adam.title"),
            "summary": t("net.lesson.sgd_adam.summary"),
            "body": t("net.lesson.sgd_adam.body"),
            "question": t("net.lesson.sgd_adam.question"),
            "notice": t("net.lesson.sgd_adam.notice"),
        },
        "batch": {
            "title": t("net.lesson.batch.title"),
            "summary": t("net.lesson.batch.summary"),
            "body": t("net.lesson.batch.body"),
            "question": t("net.lesson.batch.question"),
            "notice": t("net.lesson.batch.notice"),
        },
        "lr": {
            "title": t("net.lesson.lr.title"),
            "summary": t("net.lesson.lr.summary"),
            "body": t("net.lesson.lr.body"),
            "question": t("net.lesson.lr.question"),
            "notice": t("net.lesson.lr.notice"),
        },
    }
    return texts[name]


def lessons():
    st.markdown(f"#### {t('net.lessons')}")
    st.caption(t("net.lessons.intro"))
    cols = st.columns(len(LESSONS))
    for col, name in zip(cols, LESSONS, strict=True):
        text = _lesson_text(name)
        with col.container(border=True):
            st.markdown(f"**{text['title']}**")
            st.caption(text["summary"])
            st.button(
                t("net.lesson.load"), key=f"net.lesson.load.{name}", on_click=state.load_lesson, args=(name,)
            )
    active = SS.get("net.lesson")
    if active in LESSONS:
        text = _lesson_text(active)
        with st.container(border=True):
            st.markdown(f"**{t('net.lesson.active', title=text['title'])}**")
            st.markdown(text["body"])
            st.markdown(f"**{t('net.lesson.predict')}:** {text['question']}")
            with st.expander(t("net.lesson.notice")):
                st.markdown(text["notice"])
            if state.changed_since(active):
                st.caption(t("net.lesson.changed"))
            st.button(t("net.lesson.close"), key="net.lesson.close", on_click=state.close_lesson)


# --- views ----------------------------------------------------------------------------------------------
def run_label(k: int, tr: TrainSpec) -> str:
    label = f"{RUN_NAMES[k]}. {t(f'rule.{tr.rule}')} α={tr.lr:g} · {t(f'variant.{tr.variant}.short')}"
    if tr.variant == "mini":
        label += f" b={tr.batch_size}"
    return label


def _fig_labels() -> dict[str, str]:
    return {k: t(f"net.fig.{k}") for k in LABEL_KEYS}


def _num(v) -> str:
    return f"{v:.3g}" if v is not None and math.isfinite(v) else "–"


def _pct(v) -> str:
    return f"{100 * v:.1f} %" if v is not None and math.isfinite(v) else "–"


def frame_captions(r: NetRun, classify: bool) -> list[str]:
    out = []
    has_test = r.frame_test_loss is not None
    for f, s in enumerate(r.frame_steps):
        loss = _num(float(r.frame_loss[f]))
        if classify:
            key_args = {"step": int(s), "loss": loss, "acc": _pct(float(r.frame_acc[f]))}
            out.append(t("net.frame.cls", **key_args) if has_test else t("net.frame.cls_notest", **key_args))
        elif has_test:
            out.append(t("net.frame.reg", step=int(s), loss=loss, test=_num(float(r.frame_test_loss[f]))))
        else:
            out.append(t("net.frame.reg_notest", step=int(s), loss=loss))
        if r.diverged is not None and s > r.steps_done:
            out[-1] += " · " + t("net.frame.diverged", step=r.diverged)
    return out


def _boundary(cfg: NetConfig, problem: Mlp, labels: list[str], results: list[NetRun]):
    classify = problem.task == CLASSIFICATION
    st.markdown(f"#### {t('net.boundary') if classify else t('net.fit')}")
    st.caption(t("net.boundary.caption") if classify else t("net.fit.caption"))
    spec = boundary_spec(
        cfg.net,
        cfg.runs,
        cfg.steps,
        cfg.seed,
        results,
        tuple(labels),
        tuple(tuple(frame_captions(r, classify)) for r in results),
        tuple(_fig_labels().items()),
        # under a lesson's question the page opens on step 0: Play reveals the answer
        open_at_start=bool(SS.get("net.lesson")),
    )
    st.plotly_chart(SpecFigure(spec), key="net_boundary", theme=None, config={"displaylogo": False})


@st.fragment
@work.page_run("network")
def curves(cfg: NetConfig, labels: list[str]):
    results = results_of(cfg)
    if results is None:
        return
    head, opt = st.columns([3, 1])
    head.markdown(f"#### {t('net.curves')}")
    opt.toggle(t("net.log_loss"), key="net.log_loss")
    state.sync_url()
    runs = [
        CurveRun(
            lab,
            RUN_COLORS[k],
            r.curve_steps,
            r.train_loss,
            r.test_loss,
            r.train_acc,
            r.test_acc,
            r.weight_norm,
        )
        for k, (lab, r) in enumerate(zip(labels, results, strict=True))
    ]
    fig = curves_figure(runs, log_loss=bool(SS["net.log_loss"]), labels=_fig_labels())
    st.plotly_chart(fig, key="net_curves", theme=None, config={"displaylogo": False})


def summary(labels: list[str], results: list[NetRun], classify: bool):
    st.markdown(f"#### {t('net.summary')}")
    rows = []
    for lab, r in zip(labels, results, strict=True):
        row = {t("net.col.run"): lab, t("net.col.train_loss"): float(r.train_loss[-1])}
        if r.test_loss is not None:
            row[t("net.col.test_loss")] = float(r.test_loss[-1])
        if classify:
            row[t("net.col.train_acc")] = _pct(float(r.train_acc[-1]))
            if r.test_acc is not None:
                row[t("net.col.test_acc")] = _pct(float(r.test_acc[-1]))
        row[t("net.col.weight_norm")] = float(r.weight_norm[-1])
        row[t("net.col.time")] = round(1000 * r.seconds, 1)
        rows.append(row)
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={
            t("net.col.train_loss"): st.column_config.NumberColumn(format="%.4g"),
            t("net.col.test_loss"): st.column_config.NumberColumn(format="%.4g"),
            t("net.col.weight_norm"): st.column_config.NumberColumn(format="%.3g"),
        },
    )


def _plane_label(v: str) -> str:
    return {"random": t("net.plane.random"), "pca": t("net.plane.pca")}[v]


def _view_label(v: str) -> str:
    return {"contour": t("net.view.contour"), "surface": t("net.view.surface")}[v]


def _landscape_asked() -> tuple:
    """The landscape the controls ask for: (kind, span, resolution, direction seed)."""
    return (SS["net.plane"], float(SS["net.span"]), int(SS["net.res"]), int(SS["net.dir_seed"]))


@st.fragment
@work.page_run("network")
def landscape(cfg: NetConfig, labels: list[str]):
    if not meter.current().decision:
        # a rerun of this fragment alone (a landscape control): its own plan, of its landscapes
        pieces = page_pieces(cfg, _landscape_asked(), training=False)
        if not work.plan_page(("net.landscape", cfg, _landscape_asked()), pieces, slot="net.landscape"):
            return
    results = results_of(cfg)
    if results is None:
        return
    st.markdown(f"#### {t('net.landscape')}")
    cols = st.columns([2.4, 1.2, 1.6, 0.9, 1.0])
    kind = cols[0].radio(t("net.plane"), PLANES, key="net.plane", format_func=_plane_label, horizontal=True)
    view = cols[1].segmented_control(
        t("net.view"),
        VIEWS,
        key="net.view",
        format_func=_view_label,
        on_change=quirks.sticky_choice("net.view", VIEWS, "contour"),
    )
    is_random = kind == "random"
    cols[2].select_slider(
        t("net.span"),
        SPANS,
        key="net.span",
        format_func=lambda v: f"{v:g}",
        help=t("net.span.help"),
        disabled=not is_random,
    )
    cols[3].selectbox(t("net.resolution"), RESOLUTIONS, key="net.res", format_func=lambda v: f"{v}×{v}")
    number(t("net.dir_seed"), 0, 10_000, key="net.dir_seed", default=0, where=cols[4], disabled=not is_random)
    state.sync_url()

    panels, titles = [], []
    for k, (lab, tr, r) in enumerate(zip(labels, cfg.runs, results, strict=True)):
        try:
            pl = loss_plane(
                cfg,
                tr,
                r,
                kind,
                float(SS["net.span"]),
                int(SS["net.res"]),
                int(SS["net.dir_seed"]),
                RUN_NAMES[k],
            )
        except ValueError as err:
            st.warning(t("net.landscape.failed", label=lab, err=literal(str(err))))
            continue
        if pl is None:
            continue
        panels.append(
            LandscapePanel(
                lab, RUN_COLORS[k], pl.x, pl.y, pl.z, pl.center_loss, pl.path, pl.path_loss, pl.explained
            )
        )
        if is_random:
            titles.append(f"<b>{lab}</b><br>{t('net.landscape.title', loss=_num(pl.center_loss))}")
        else:
            e1, e2 = (f"{100 * e:.1f}" for e in pl.explained)
            titles.append(f"<b>{lab}</b><br>{t('net.landscape.title_pca', e1=e1, e2=e2)}")
    if not panels:
        return
    about = t("net.landscape.random") if is_random else t("net.landscape.pca")
    if not is_random:
        about += " " + " ".join(
            t(
                "net.landscape.explained",
                label=p.label,
                e1=f"{100 * p.explained[0]:.1f}",
                e2=f"{100 * p.explained[1]:.1f}",
            )
            for p in panels
        )
    st.caption(about)
    make = landscape_figure if view == "contour" else landscape3d_figure
    fig = make(panels, kind=kind, labels=_fig_labels(), titles=titles)
    st.plotly_chart(fig, key=f"net_landscape_{view}", theme=None, config={"displaylogo": False})


@work.page_run("network")
def page():
    cfg = sidebar()
    repairs = state.take_repairs()
    if repairs:
        st.warning(t("link.repaired", what=literal(", ".join(repairs))), icon=":material/link:")
    st.markdown(f"## {t('net.title')}")
    st.caption(t("net.lead"))
    lessons()
    # the address bar holds the page's state: reload or bookmark keeps it (fragments update it too)
    state.sync_url()
    try:
        problem = get_problem(cfg.net)
    except ValueError as err:
        st.error(t("net.invalid", err=literal(str(err))))
        return
    st.caption(t("net.params", p=problem.n_params, n=problem.n_samples, n_test=len(problem.y_test)))
    try:
        pieces = page_pieces(cfg, _landscape_asked())
    except ValueError:
        pieces = None  # a run's settings the core refuses: said below, run by run
    if pieces is not None and not work.plan_page(("net", cfg, _landscape_asked()), pieces, slot="net.page"):
        return
    labels, results, trained = [], [], []
    for k, tr in enumerate(cfg.runs):
        lab = run_label(k, tr)
        try:
            r = train(cfg, tr, RUN_NAMES[k])
        except ValueError as err:
            st.error(t("net.invalid", err=literal(f"{lab}: {err}")))
            continue
        if r is None:
            continue
        if r.diverged is not None:
            st.warning(t("net.diverged", label=lab, step=r.diverged), icon="⚠️")
        labels.append(lab)
        results.append(r)
        trained.append(tr)
    if not results:
        return
    classify = problem.task == CLASSIFICATION
    ok = NetConfig(cfg.net, tuple(trained), cfg.steps, cfg.seed)
    _boundary(ok, problem, labels, results)
    curves(ok, labels)
    summary(labels, results, classify)
    landscape(ok, labels)


PAGE = app.Page(URL_PATH, TITLE_KEY, ICON, page, state.load_link_once, state.keep)
