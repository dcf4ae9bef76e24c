"""Share links: the whole race page in the URL's query string, and back — safely.

Readable on purpose (a teacher can edit a link by hand)::

    ?problem=quadratic&condition=100&steps=200&run=gd,0.015&run=momentum,0.015,momentum=0.9
    &run=adam,0.05,mini:32,seed=3&view=slice&lang=zh&lesson=momentum_ravine&hide=problem,runs
    &projector=1

``run`` items: ``rule,lr`` then any of ``full|sgd|mini:<b>``, ``sched=<name>``, ``seed=<n>`` and
``<hyper>=<value>`` / ``s.<schedule option>=<value>``. Decoding never trusts the link: unknown
names are dropped, numbers are clamped to the controls' ranges (``gdviz.ui.specs``), and every
value that was not used as written is reported, so the page can say what it ignored; a
``repairs.Repair`` also says what was given and what is used. A start point and the slice axes
are judged against the problem once it is built (``repairs.fit``). No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from gdviz.ui.linkcodec import coerce, every, flag, fmt, number, one, shown
from gdviz.ui.race.repairs import Repair
from gdviz.ui.specs import (
    FRAMES_CHOICES,
    MAX_RUNS_RACE,
    PROBLEM_CONTROLS,
    PROBLEMS,
    SCHEDULE_CONTROLS,
    SCHEDULES,
    SPEEDS,
    STEPS_MAX,
    STOCHASTIC,
    Control,
    PageConfig,
    ProblemSpec,
    RunSpec,
    ViewSpec,
    default_config,
    rule_controls,
    rules,
    snap_lr,
)

LANGS = ("en", "zh")
PANELS = ("contour", "surface3d", "scrub")
HIDEABLE = ("problem", "start", "runs", "view", "lessons")
# Problems whose state cannot travel in a link (an uploaded file) fall back to the default.
LINKABLE = tuple(p for p in PROBLEMS if p != "csv")
STOP_MAX = 1e12  # the sidebar's loss-threshold input goes up to this
CSV_KEYS = ("sha", "target", "features", "task", "standardize", "loss", "l2")  # a CSV page's options
# Keys every link may carry (problem options come on top); Streamlit reads ``embed`` itself.
PAGE_KEYS = (
    "problem", "run", "steps", "stop", "start", "view", "axes", "frames", "speed", "panel", "log", "x", "excess", "lang",
    "lesson", "hide", "projector", "embed", "embed_options",
)  # fmt: skip


@dataclass(frozen=True)
class LinkState:
    config: PageConfig
    lang: str = "en"
    lesson: str | None = None
    hide: tuple[str, ...] = ()
    excess: bool = False
    projector: bool = False
    ignored: tuple[str, ...] = field(default=())
    # the repairs of ``ignored`` that say what was given and what is used (their keys are in it too)
    said: tuple[Repair, ...] = field(default=())

    @property
    def repairs(self) -> tuple:
        """What the page's notice lists: the names in ``ignored`` that ``said`` does not say, then
        ``said``."""
        keys = {r.key for r in self.said}
        return (*(k for k in self.ignored if k not in keys), *self.said)


# --- encode ----------------------------------------------------------------------------------------
def encode_run(r: RunSpec) -> str:
    parts = [r.rule, fmt(float(r.lr))]
    if r.variant == "mini":
        parts.append(f"mini:{int(r.batch_size)}")
    elif r.variant != "full":
        parts.append(r.variant)
    if r.schedule != "constant":
        parts.append(f"sched={r.schedule}")
        parts += [f"s.{k}={fmt(v)}" for k, v in r.schedule_opts]
    if r.seed:
        parts.append(f"seed={int(r.seed)}")
    defaults = {c.key: c.default for c in rule_controls(r.rule)}
    parts += [f"{k}={fmt(v)}" for k, v in r.hyper if defaults.get(k) != v]
    return ",".join(parts)


def encode(state: LinkState) -> dict[str, str | list[str]]:
    """Query parameters for ``state`` (values are strings; ``run`` is a list)."""
    cfg = state.config
    q: dict[str, str | list[str]] = {"problem": cfg.problem.name}
    for k, v in cfg.problem.options:
        q[k] = fmt(v) if not isinstance(v, (tuple, list)) else ",".join(fmt(x) for x in v)
    q["steps"] = str(cfg.steps)
    if cfg.stop_loss is not None:
        q["stop"] = fmt(float(cfg.stop_loss))
    if cfg.start is not None:
        q["start"] = ",".join(fmt(float(v)) for v in cfg.start)
    q["run"] = [encode_run(r) for r in cfg.runs]
    v = cfg.view
    q["view"] = v.plane
    if v.axes is not None:
        q["axes"] = f"{v.axes[0]},{v.axes[1]}"
    if v.frames != ViewSpec().frames:
        q["frames"] = str(v.frames)
    if v.speed != ViewSpec().speed:
        q["speed"] = v.speed
    if v.panel != ViewSpec().panel:
        q["panel"] = v.panel
    if not v.log_loss:
        q["log"] = "0"
    if v.x_axis != "step":
        q["x"] = v.x_axis
    if state.excess:
        q["excess"] = "1"
    q["lang"] = state.lang
    if state.lesson:
        q["lesson"] = state.lesson
    if state.hide:
        q["hide"] = ",".join(state.hide)
    if state.projector:
        q["projector"] = "1"
    return q


# --- decode ----------------------------------------------------------------------------------------
def decode_run(text: str, ignored: list) -> RunSpec | None:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) < 2 or parts[0] not in rules():
        ignored.append(f"run={shown(text)}")
        return None
    blank = RunSpec()  # what a run's part the link leaves out is: the session's defaults
    rule = parts[0]
    lr = number(parts[1])
    if lr is None or lr <= 0:
        ignored.append(f"run {rule}: lr")
        lr = blank.lr
    snapped = snap_lr(lr)
    if snapped != lr:  # off the slider's grid, or out of its range (1e308 becomes 10)
        ignored.append(f"run {rule}: lr {shown(parts[1])}")
    variant, batch, sched, seed = blank.variant, blank.batch_size, blank.schedule, blank.seed
    hyper: dict[str, object] = {}
    sopts_text: dict[str, str] = {}
    controls = {c.key: c for c in rule_controls(rule)}
    for p in parts[2:]:
        if p in ("full", STOCHASTIC, "sgd"):
            variant = STOCHASTIC if p == "sgd" else p  # old links called the stochastic variant "sgd"
        elif p.startswith("mini:"):
            b = number(p[5:])
            if b is None or b < 1:
                ignored.append(f"run {rule}: {shown(p)}")
            else:
                variant, batch = "mini", int(min(b, 10**6))
                if batch != b:
                    ignored.append(f"run {rule}: {shown(p)}")
        elif p.startswith("sched="):
            if p[6:] in SCHEDULES:
                sched = p[6:]
            else:
                ignored.append(f"run {rule}: {shown(p)}")
        elif p.startswith("seed="):
            s = number(p[5:])
            if s is None or s < 0:
                ignored.append(f"run {rule}: {shown(p)}")
            else:
                seed = int(min(s, 10_000))
                if seed != s:
                    ignored.append(f"run {rule}: {shown(p)}")
        elif p.startswith("s.") and "=" in p:
            k, _, v = p[2:].partition("=")
            sopts_text[k] = v
        elif "=" in p:
            k, _, v = p.partition("=")
            if k in controls:
                val = coerce(controls[k], v, ignored, f"run {rule}: {k}")
                if val is not None:
                    hyper[k] = val
            else:
                ignored.append(f"run {rule}: {shown(k)}")
        elif p:
            ignored.append(f"run {rule}: {shown(p)}")
    sopts = []
    for c in SCHEDULE_CONTROLS[sched]:
        val = (
            coerce(c, sopts_text.pop(c.key), ignored, f"run {rule}: s.{c.key}")
            if c.key in sopts_text
            else None
        )
        sopts.append((c.key, c.default if val is None else val))
    ignored += [f"run {rule}: s.{shown(k)}" for k in sopts_text]
    hyper_t = tuple((c.key, hyper.get(c.key, c.default)) for c in rule_controls(rule))
    return RunSpec(rule, snapped, hyper_t, variant, batch, sched, tuple(sopts), seed)


def decode(params: Mapping) -> LinkState:
    """The page state a link asks for; every value not used exactly as written (unusable, clamped,
    snapped, too long, or a key the page does not know) is replaced and listed in ``ignored``."""
    ignored: list[str] = []
    said: list[Repair] = []
    asked = name = one(params, "problem", ignored) or "linear_regression"
    if name not in LINKABLE:
        ignored.append(f"problem={shown(name)}")
        name = "linear_regression"
    base = default_config(name)
    opts = []
    for c in PROBLEM_CONTROLS.get(name, ()):
        text = one(params, c.key, ignored)
        if text is None:
            continue
        v = coerce(c, text, ignored, c.key)
        if v is not None:
            opts.append((c.key, v))
    candidate = ProblemSpec(name, tuple(opts))
    ignored += list(candidate.unused())  # the article's data is fixed
    opts = list(candidate.used().options)
    if name == "formula":
        expr = one(params, "expr", ignored)
        if expr is not None:
            opts.append(("expr", expr))  # parsed (allowlist) by the page, which reports errors
    problem = ProblemSpec(name, tuple(opts))
    known = {
        *PAGE_KEYS,
        *(c.key for c in PROBLEM_CONTROLS.get(name, ())),
        *(("expr",) if name == "formula" else ()),
        *(CSV_KEYS if asked == "csv" else ()),  # a CSV page's own address: "problem=csv" says it all
    }
    ignored += [shown(str(k)) for k in params if k not in known]

    runs = []
    texts = every(params, "run", ignored)
    if len(texts) > MAX_RUNS_RACE:
        ignored.append(f"run × {len(texts) - MAX_RUNS_RACE}")
    for text in texts[:MAX_RUNS_RACE]:
        r = decode_run(text, ignored)
        if r is not None:
            runs.append(r)
    steps = _steps(one(params, "steps", ignored), base.steps, said)
    stop = None
    stop_text = one(params, "stop", ignored)
    if stop_text is not None:
        stop = number(stop_text)
        if stop is None or stop < 0:
            ignored.append("stop")
            stop = None
        elif stop > STOP_MAX:
            ignored.append("stop")
            stop = STOP_MAX
    start = None
    start_text = one(params, "start", ignored)
    if start_text is not None:
        vals = [number(x) for x in start_text.split(",")]
        if all(v is not None for v in vals):  # its length and size are the problem's to judge
            start = tuple(float(v) for v in vals)
        else:
            said.append(Repair("start", shown(start_text), "start.numbers"))
    plane = one(params, "view", ignored)
    if plane is not None and plane not in ("slice", "pca"):
        ignored.append("view")
        plane = None
    axes = None
    axes_text = one(params, "axes", ignored)
    if axes_text is not None:
        a = [number(x) for x in axes_text.split(",")]
        if len(a) == 2 and all(v is not None and v >= 0 and v == int(v) for v in a) and a[0] != a[1]:
            axes = (int(a[0]), int(a[1]))
        else:
            said.append(Repair("axes", shown(axes_text), "axes.bad"))
    frames = ViewSpec().frames
    frames_text = one(params, "frames", ignored)
    if frames_text is not None:
        f = number(frames_text)
        if f is None:
            ignored.append("frames")
        else:
            frames = min(FRAMES_CHOICES, key=lambda c: abs(c - f))
            if frames != f:
                ignored.append("frames")
    speed = one(params, "speed", ignored) or ViewSpec().speed
    if speed not in SPEEDS:
        ignored.append("speed")
        speed = ViewSpec().speed
    panel = one(params, "panel", ignored) or ViewSpec().panel
    if panel not in PANELS:
        ignored.append("panel")
        panel = ViewSpec().panel
    x_axis = one(params, "x", ignored) or "step"
    if x_axis not in ("step", "epoch"):
        ignored.append("x")
        x_axis = "step"
    log_text = one(params, "log", ignored)
    if log_text is not None and log_text not in ("0", "1"):
        ignored.append("log")
    view = ViewSpec(
        frames=frames,
        speed=speed,
        panel=panel,
        log_loss=log_text != "0",
        x_axis=x_axis,
        axes=axes,
        plane=plane or ProblemSpec(name, tuple(opts)).default_plane,
    )
    lang = one(params, "lang", ignored) or "en"
    if lang not in LANGS:
        ignored.append("lang")
        lang = "en"
    lesson = one(params, "lesson", ignored)
    from gdviz.ui.race.lessons import BY_KEY

    if lesson is not None and lesson not in BY_KEY:
        ignored.append("lesson")
        lesson = None
    hide = tuple(h for h in (one(params, "hide", ignored) or "").split(",") if h)
    bad_hide = [h for h in hide if h not in HIDEABLE]
    if bad_hide:
        ignored.append("hide")
    hide = tuple(h for h in hide if h in HIDEABLE)
    ignored += [r.key for r in said]
    cfg = PageConfig(
        problem=problem,
        runs=tuple(runs) or base.runs,
        steps=steps,
        stop_loss=stop,
        start=start,
        view=view,
    )
    return LinkState(
        cfg,
        lang=lang,
        lesson=lesson,
        hide=hide,
        excess=flag(params, "excess", ignored),
        projector=flag(params, "projector", ignored),
        ignored=tuple(dict.fromkeys(ignored)),
        said=tuple(said),
    )


def _steps(text: str | None, default: int, said: list) -> int:
    """The link's number of steps as the slider can hold it (10 … STEPS_MAX in tens); an empty,
    unreadable or moved value is said with what is used instead."""
    if text is None:
        return default
    c = Control("steps", "int", default, 10, STEPS_MAX, 10)
    moved: list[str] = []
    steps = coerce(c, text, moved, "steps") if text.strip() else None
    if steps is not None and steps % c.step:  # the slider moves in tens
        steps = int(round(steps / c.step) * c.step)
        moved.append("steps")
    if steps is None:
        why = "empty" if not text.strip() else "number"
        said.append(Repair("steps", shown(text), why, str(default)))
        return default
    if moved:
        said.append(
            Repair("steps", shown(text), "steps.range", str(steps), (("lo", "10"), ("hi", str(STEPS_MAX))))
        )
    return int(steps)


def is_link(params: Mapping) -> bool:
    """Whether the URL carries page state at all (a bare URL opens the defaults silently)."""
    return any(k in params for k in ("problem", "run", "lesson", "steps", "projector"))


def share_url(page_url: str, query: str) -> str:
    """The share box's link: the page's address without its query, then ``?query``. An address with
    no path ("http://host:8501") gets its "/" first: "http://host:8501?…" is not what a browser
    shows, and some chat apps and mail clients do not recognise it as one link."""
    from urllib.parse import urlsplit, urlunsplit

    base = page_url.split("?")[0].split("#")[0]
    if base:
        parts = urlsplit(base)
        if parts.netloc and not parts.path:
            base = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
    return f"{base}?{query}"
