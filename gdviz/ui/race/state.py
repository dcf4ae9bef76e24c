"""The one owner of the race page's state: the session keys it uses, read into a frozen
``RaceState``, written from one (a link, a lesson, the sweeps page's adopt), kept while another page
runs, and mirrored in the address bar.

The schema (every key below belongs to this page and to nothing else):

- ``problem``; its options ``p.<problem>.<option>`` (``PROBLEM_CONTROLS``); the formula's
  ``p.formula.expr``, ``p.formula.own_window`` and ``p.formula.{xmin,xmax,ymin,ymax}``; the CSV's
  ``p.csv.{sha,task,target,features,standardize,l2,loss}`` (the upload widget itself is ``p.csv.file``);
- ``steps``, ``stop_on``, ``stop_loss``; ``start_custom`` and ``start.<i>``;
- ``run_ids``, ``next_run_id`` and per run ``run.<id>.{rule,lr,variant,batch,schedule,seed}``,
  ``run.<id>.h.<rule>.<hyperparameter>``, ``run.<id>.s.<schedule>.<option>``;
- the view: ``frames``, ``speed``, ``log_loss``, ``x_axis``, ``excess``, ``plane``, ``axis_x``, ``axis_y``;
- what a teacher's link asks: ``lesson``, ``hide``, ``projector`` (the projector layout); the share
  box's ``share_teacher``.

``read()`` draws nothing: the sidebar draws the widgets on these keys, and everybody else (the page,
the sweeps page, the router) reads and writes through this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import streamlit as st

from gdviz import formula
from gdviz.ui import quirks
from gdviz.ui.race import lessons, links, repairs
from gdviz.ui.specs import (
    MAX_RUNS_RACE,
    PROBLEM_CONTROLS,
    SCHEDULE_CONTROLS,
    PageConfig,
    ProblemSpec,
    RunSpec,
    ViewSpec,
    default_runs,
    rule_controls,
    snap_lr,
)

SS = st.session_state
DEFAULT_FORMULA = "(1 - x)^2 + 100*(y - x^2)^2"

# Plain keys and their defaults.
SCALARS: dict[str, object] = {
    "problem": "linear_regression",
    "steps": 300,
    "stop_on": False,
    "stop_loss": 1e-4,
    "start_custom": False,
    "frames": 300,
    "speed": "1×",
    "log_loss": True,
    "x_axis": "step",
    "excess": False,
    "lesson": "",
    "hide": (),
    "projector": False,
    "share_teacher": False,
}
VIEW_KEYS = ("plane", "axis_x", "axis_y", "frames", "speed", "log_loss", "x_axis", "excess", "panel")
# Families of keys this page owns (problem options, start point, runs, the step inspector's).
PREFIXES = ("p.", "start.", "run.", "insp.")
OWNED = (*SCALARS, "plane", "axis_x", "axis_y", "run_ids", "next_run_id", "run_colors", "panel")
TEACHER_HIDES = ("problem", "start", "runs", "lessons")
# what a lesson link uses
LESSON_LINK_KEYS = ("lesson", "lang", "hide", "projector", "embed", "embed_options")
LINK_REPAIRS = "_race.link_repairs"
LINK_FIT = "_race.link_fit"  # a link's start and axes, until its problem is built (fit_link)


@dataclass(frozen=True)
class RaceState:
    """Everything the race page shows, as one frozen value: the problem, runs and view (``config``)
    and what a link carries besides."""

    config: PageConfig
    lesson: str | None = None
    hide: tuple[str, ...] = ()
    excess: bool = False
    lang: str = "en"
    teacher: bool = False
    projector: bool = False
    repairs: tuple[str, ...] = field(default=())


# --- reading (draws nothing) ------------------------------------------------------------------------
def default_plane(spec: ProblemSpec) -> str:
    return spec.default_plane


def formula_spec() -> ProblemSpec:
    """The formula problem the keys describe (the default formula while the typed one is refused;
    the section says why)."""
    text = SS.get("p.formula.expr", DEFAULT_FORMULA)
    try:
        formula.parse(text)
    except formula.FormulaError:
        return ProblemSpec("formula", (("expr", DEFAULT_FORMULA),))
    opts: list[tuple[str, object]] = [("expr", text)]
    if SS.get("p.formula.own_window"):
        w = [SS.get(f"p.formula.{k}") for k in ("xmin", "xmax", "ymin", "ymax")]
        if all(isinstance(v, (int, float)) for v in w) and w[0] < w[1] and w[2] < w[3]:
            opts.append(("window", ((float(w[0]), float(w[1])), (float(w[2]), float(w[3])))))
    return ProblemSpec("formula", tuple(opts))


def csv_spec() -> ProblemSpec | None:
    """The CSV problem of the last upload (found again by its hash), or None before one."""
    sha = SS.get("p.csv.sha")
    if not sha:
        return None
    task = SS.get("p.csv.task", "regression")
    opts = [
        ("sha", sha),
        ("target", SS.get("p.csv.target")),
        ("features", tuple(SS.get("p.csv.features") or ())),
        ("task", task),
        ("standardize", bool(SS.get("p.csv.standardize", False))),
    ]
    if task == "classification":
        opts.append(("l2", float(SS.get("p.csv.l2", 0.0))))
    else:
        opts.append(("loss", SS.get("p.csv.loss", "half_mse")))
    return ProblemSpec("csv", tuple(opts))


def read_problem() -> ProblemSpec | None:
    """The problem the keys describe (None for a CSV problem before its file is uploaded)."""
    name = SS.get("problem", SCALARS["problem"])
    if name == "formula":
        return formula_spec()
    if name == "csv":
        return csv_spec()
    values = {c.key: SS.get(f"p.{name}.{c.key}", c.default) for c in PROBLEM_CONTROLS.get(name, ())}
    return ProblemSpec(name, tuple(values.items())).used()


def read_run(rid: int) -> RunSpec:
    blank = RunSpec()  # what a key not written yet holds: the defaults a link's run has too
    rule = SS.get(f"run.{rid}.rule", blank.rule)
    sched = SS.get(f"run.{rid}.schedule", blank.schedule)
    hyper = tuple((c.key, SS.get(f"run.{rid}.h.{rule}.{c.key}", c.default)) for c in rule_controls(rule))
    sopts = tuple(
        (c.key, SS.get(f"run.{rid}.s.{sched}.{c.key}", c.default)) for c in SCHEDULE_CONTROLS.get(sched, ())
    )
    return RunSpec(
        rule=rule,
        lr=float(SS.get(f"run.{rid}.lr", blank.lr)),
        hyper=hyper,
        variant=SS.get(f"run.{rid}.variant", blank.variant),
        batch_size=int(SS.get(f"run.{rid}.batch", blank.batch_size)),
        schedule=sched,
        schedule_opts=sopts,
        seed=int(SS.get(f"run.{rid}.seed", blank.seed)),
    )


def run_ids() -> list[int]:
    """The ids of the raced runs (the problem's default race when there is none yet)."""
    if "run_ids" not in SS:
        write_runs(default_runs(SS.get("problem", SCALARS["problem"])))
    return list(SS["run_ids"])


def read_runs() -> tuple[RunSpec, ...]:
    return tuple(read_run(rid) for rid in run_ids())


def read_start(n_params: int, default) -> tuple[float, ...] | None:
    """The start point set by hand (None: the problem's own)."""
    if not SS.get("start_custom") or n_params > repairs.MAX_START_PARAMS:
        return None
    return tuple(float(SS.get(f"start.{i}", float(v))) for i, v in enumerate(default))


def read_stop() -> float | None:
    if SS.get("stop_on") and isinstance(SS.get("stop_loss"), (int, float)):
        return float(SS["stop_loss"])
    return None


def read_view(spec: ProblemSpec, n_params: int | None = None, has_data: bool = True) -> ViewSpec:
    names = n_params or 0
    ax = (SS.get("axis_x"), SS.get("axis_y"))
    axes = None
    if all(isinstance(a, int) for a in ax) and ax[0] != ax[1] and (not names or max(ax) < names):
        axes = (int(ax[0]), int(ax[1]))
    flat = n_params is not None and n_params <= 2  # two parameters: the surface itself, no plane to pick
    return ViewSpec(
        frames=int(SS.get("frames", SCALARS["frames"])),
        speed=SS.get("speed", SCALARS["speed"]),
        log_loss=bool(SS.get("log_loss", SCALARS["log_loss"])),
        x_axis=SS.get("x_axis", "step") if has_data else "step",
        axes=None if flat else axes,
        plane="slice" if flat else SS.get("plane", default_plane(spec)),
        panel=SS.get("panel", "contour") if SS.get("panel") in links.PANELS else "contour",
    )


def read(problem=None) -> RaceState | None:
    """The page's state from the session (None while the CSV problem has no file). ``problem`` (the
    built Problem) refines what depends on it: the start point and the view's axes."""
    spec = read_problem()
    if spec is None:
        return None
    n_params = problem.n_params if problem is not None else None
    start = read_start(problem.n_params, problem.start) if problem is not None else None
    has_data = problem.has_data if problem is not None else True
    cfg = PageConfig(
        problem=spec,
        runs=read_runs(),
        steps=int(SS.get("steps", SCALARS["steps"])),
        stop_loss=read_stop(),
        start=start,
        view=read_view(spec, n_params, has_data),
    )
    return RaceState(
        config=cfg,
        lesson=SS.get("lesson") or None,
        hide=tuple(SS.get("hide", ())),
        excess=bool(SS.get("excess", False)),
        lang=SS.get("lang", "en"),
        teacher=bool(SS.get("share_teacher", False)),
        projector=read_projector(),
    )


def read_excess() -> bool:
    return bool(SS.get("excess", False))


def read_projector() -> bool:
    return SS.get("projector") is True


def read_lesson() -> str | None:
    return SS.get("lesson") or None


def hidden(section: str) -> bool:
    return section in SS.get("hide", ())


# --- writing (callbacks, links, lessons, other pages) -----------------------------------------------
def _new_id() -> int:
    SS["next_run_id"] = SS.get("next_run_id", 0) + 1
    return SS["next_run_id"]


def write_run(rid: int, spec: RunSpec) -> None:
    """Write a RunSpec into the keys of run ``rid``."""
    SS[f"run.{rid}.rule"] = spec.rule
    SS[f"run.{rid}.lr"] = snap_lr(spec.lr)
    SS[f"run.{rid}.variant"] = spec.variant
    SS[f"run.{rid}.batch"] = int(spec.batch_size)
    SS[f"run.{rid}.schedule"] = spec.schedule
    SS[f"run.{rid}.seed"] = int(spec.seed)
    h = dict(spec.hyper)
    for c in rule_controls(spec.rule):
        SS[f"run.{rid}.h.{spec.rule}.{c.key}"] = h.get(c.key, c.default)
    so = dict(spec.schedule_opts)
    for c in SCHEDULE_CONTROLS[spec.schedule]:
        SS[f"run.{rid}.s.{spec.schedule}.{c.key}"] = so.get(c.key, c.default)


def write_runs(runs) -> None:
    ids = []
    for spec in tuple(runs)[:MAX_RUNS_RACE]:
        rid = _new_id()
        write_run(rid, spec)
        ids.append(rid)
    SS["run_ids"] = ids


def color_slots() -> list[int]:
    """Each run's colour (an index into the palette), in ``run_ids()`` order, kept by run id: removing
    a run must not recolour the later ones (the class would follow the wrong path). A new run takes
    the first colour no other run has."""
    ids = run_ids()
    slots = {rid: c for rid, c in dict(SS.get("run_colors", {})).items() if rid in ids}
    for rid in ids:
        if rid not in slots:
            used = set(slots.values())
            slots[rid] = next(c for c in range(len(ids) + len(used) + 1) if c not in used)
    SS["run_colors"] = slots
    return [slots[rid] for rid in ids]


def add_run() -> None:
    ids = run_ids()
    if len(ids) < MAX_RUNS_RACE:
        base = read_run(ids[-1]) if ids else RunSpec()
        rid = _new_id()
        write_run(rid, RunSpec(rule="adam", lr=base.lr, variant=base.variant, batch_size=base.batch_size))
        SS["run_ids"] = [*ids, rid]


def duplicate_run(rid: int) -> None:
    ids = run_ids()
    if len(ids) < MAX_RUNS_RACE:
        new = _new_id()
        write_run(new, read_run(rid))
        i = ids.index(rid)
        SS["run_ids"] = [*ids[: i + 1], new, *ids[i + 1 :]]


def remove_run(rid: int) -> None:
    ids = run_ids()
    if len(ids) > 1:
        SS["run_ids"] = [i for i in ids if i != rid]


def rule_changed(rid: int) -> None:
    rule = SS[f"run.{rid}.rule"]
    for c in rule_controls(rule):
        quirks.ensure(f"run.{rid}.h.{rule}.{c.key}", c.default)


def problem_changed() -> None:
    """A new problem brings the race that tells its story, its own start point and its own view."""
    write_runs(default_runs(SS["problem"]))
    for k in [k for k in SS if k.startswith("start.") or k in ("plane", "axis_x", "axis_y")]:
        del SS[k]
    SS["start_custom"] = False


def start_changed() -> None:
    SS["start_custom"] = True


def reset_start(default) -> None:
    for i, v in enumerate(default):
        SS[f"start.{i}"] = float(v)
    SS["start_custom"] = False


def set_start(default, axes: tuple[int, int], x: float, y: float) -> None:
    """The clicked point becomes the start for the plotted pair (the others as they are)."""
    for i, v in enumerate(default):
        quirks.ensure(f"start.{i}", float(v))
    SS[f"start.{axes[0]}"] = float(f"{x:.4g}")
    SS[f"start.{axes[1]}"] = float(f"{y:.4g}")
    SS["start_custom"] = True


def write_problem(spec: ProblemSpec) -> None:
    SS["problem"] = spec.name
    for k, v in spec.options:
        SS[f"p.{spec.name}.{k}"] = str(v) if (spec.name == "formula" and k == "expr") else v


def write(state: RaceState) -> None:
    """Make the session hold ``state`` (its problem, runs, start, view, lesson and link options)."""
    cfg = state.config
    for k in [k for k in SS if k.startswith(("start.", "p.")) or k in VIEW_KEYS]:
        if quirks.writable(k):
            del SS[k]
    write_problem(cfg.problem)
    write_runs(cfg.runs)
    SS["steps"] = int(cfg.steps)
    SS["stop_on"] = cfg.stop_loss is not None
    if cfg.stop_loss is not None:
        SS["stop_loss"] = float(cfg.stop_loss)
    SS["start_custom"] = cfg.start is not None
    for i, v in enumerate(cfg.start or ()):
        SS[f"start.{i}"] = float(v)
    v = cfg.view
    SS["plane"] = v.plane
    if v.axes is not None:
        SS["axis_x"], SS["axis_y"] = v.axes
    SS["frames"], SS["speed"], SS["log_loss"], SS["x_axis"] = v.frames, v.speed, v.log_loss, v.x_axis
    SS["panel"] = v.panel
    SS["excess"] = bool(state.excess)
    SS["lesson"] = state.lesson or ""
    SS["hide"] = tuple(state.hide)
    SS["projector"] = bool(state.projector)


def lesson_state(key: str) -> RaceState:
    """What lesson ``key`` loads: its problem, runs, steps, start and view; nothing else survives
    but how the page is shown (hidden sections, the projector layout)."""
    cfg, excess = lessons.config(key)
    return RaceState(
        cfg, lesson=key, hide=tuple(SS.get("hide", ())), excess=excess, projector=read_projector()
    )


def load_lesson(key: str) -> None:
    write(lesson_state(key))


def adopt(rid: int, spec: RunSpec) -> None:
    """Another page (sweeps) writes one run of this page."""
    write_run(rid, spec)


# --- the address bar ---------------------------------------------------------------------------------
def link(state: RaceState) -> dict:
    """The query string that holds ``state`` (a teacher's link hides the controls)."""
    return links.encode(
        links.LinkState(
            config=state.config,
            lang=state.lang,
            lesson=state.lesson,
            hide=TEACHER_HIDES if state.teacher else state.hide,
            excess=state.excess,
            projector=state.projector,
        )
    )


def sync_url(state: RaceState | None = None, problem=None) -> None:
    """Write the page's whole state into the address bar (after every change, fragment runs too)."""
    state = state or read(problem)
    if state is not None:
        quirks.set_query(link(replace(state, teacher=False)))


def load_link_once() -> None:
    """On a session's first run, load the state a share link carries; the repairs it needed are
    kept for the page's notice (``take_repairs``)."""
    q = st.query_params
    params = {k: q.get_all(k) if k == "run" else q.get(k) for k in q}
    if not links.is_link(params):
        return
    decoded = links.decode(params)
    found: tuple = decoded.ignored
    if decoded.lesson and "run" not in params:
        state = lesson_state(decoded.lesson)
        # The lesson brings its own problem, runs and view: whatever else the link set is not used.
        found += tuple(k for k in params if k not in LESSON_LINK_KEYS)
        write(replace(state, hide=decoded.hide, projector=decoded.projector))
    else:
        cfg = decoded.config
        write(RaceState(cfg, decoded.lesson, decoded.hide, decoded.excess, projector=decoded.projector))
        found = decoded.repairs
        if cfg.start is not None or cfg.view.axes is not None:
            SS[LINK_FIT] = (cfg.start, cfg.view.axes, {k: params.get(k) for k in ("start", "axes")})
    SS["lang"] = decoded.lang
    SS[LINK_REPAIRS] = tuple(dict.fromkeys(found))


def fit_link(problem) -> None:
    """Once a link's problem is built (before the start fields and the view are drawn): its start
    point and axes as the page can use them on it (a start of the wrong length or beyond what the
    chart can show, axes beyond its parameters), in the session, and the repairs in the notice."""
    pending = SS.pop(LINK_FIT, None)
    if pending is None:
        return
    start, axes, given = pending
    cfg, found = repairs.fit(PageConfig(start=start, view=ViewSpec(axes=axes)), problem, given)
    if cfg.start != start:
        for k in [k for k in SS if k.startswith("start.") and quirks.writable(k)]:
            del SS[k]
        SS["start_custom"] = cfg.start is not None
        for i, v in enumerate(cfg.start or ()):
            SS[f"start.{i}"] = float(v)
    if cfg.view.axes != axes:
        SS["axis_x"], SS["axis_y"] = (int(a) for a in problem.axes)
    if found:
        SS[LINK_REPAIRS] = (*SS.get(LINK_REPAIRS, ()), *found)


def take_repairs() -> tuple:
    """The link's repairs for the page's notice (``repairs.notice``), once."""
    return SS.pop(LINK_REPAIRS, ())


def keep_view() -> None:
    """Keep the view's and the share box's keys on a run that draws neither (the projector)."""
    quirks.keep([*VIEW_KEYS, "excess", "share_teacher"], ("insp.",))


def keep(drawn: tuple[str, ...] = ()) -> None:
    """Keep every key of this page while it is not drawn (another page runs, a section is hidden);
    ``drawn`` names widgets this run has drawn already, whose keys may no longer be written."""
    quirks.keep([k for k in OWNED if k not in drawn], PREFIXES, skip=drawn)


__all__ = [
    "RaceState",
    "add_run",
    "adopt",
    "default_plane",
    "duplicate_run",
    "fit_link",
    "hidden",
    "keep",
    "keep_view",
    "link",
    "load_lesson",
    "load_link_once",
    "problem_changed",
    "read",
    "read_problem",
    "read_projector",
    "read_run",
    "read_runs",
    "remove_run",
    "reset_start",
    "rule_changed",
    "set_start",
    "start_changed",
    "sync_url",
    "take_repairs",
    "write",
    "write_run",
    "write_runs",
]
