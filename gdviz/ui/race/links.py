"""Share links: the whole race page in the URL's query string, and back — safely.

Readable on purpose (a teacher can edit a link by hand)::

    ?problem=quadratic&condition=100&steps=200&run=gd,0.015&run=momentum,0.015,momentum=0.9
    &run=adam,0.05,mini:32,seed=3&view=slice&lang=zh&lesson=momentum_ravine&hide=problem,runs

``run`` items: ``rule,lr`` then any of ``full|sgd|mini:<b>``, ``sched=<name>``, ``seed=<n>`` and
``<hyper>=<value>`` / ``s.<schedule option>=<value>``. Decoding never trusts the link: unknown
names are dropped, numbers are clamped to the controls' ranges (``gdviz.ui.specs``), and every
value that was not used as written is reported, so the page can say what it ignored.
No Streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from gdviz.ui.specs import (
    FRAMES_CHOICES,
    MAX_RUNS_RACE,
    PROBLEM_CONTROLS,
    PROBLEMS,
    RULE_CONTROLS,
    RULES,
    SCHEDULE_CONTROLS,
    SCHEDULES,
    STEPS_MAX,
    SYNTHETIC_ONLY,
    Control,
    PageConfig,
    ProblemSpec,
    RunSpec,
    ViewSpec,
    default_config,
    snap_lr,
)

LANGS = ("en", "zh")
HIDEABLE = ("problem", "start", "runs", "view", "lessons")
# Problems whose state cannot travel in a link (an uploaded file) fall back to the default.
LINKABLE = tuple(p for p in PROBLEMS if p != "csv")
MAX_VALUE_CHARS = 300  # a formula's cap; anything longer in a link is refused outright
STOP_MAX = 1e12  # the sidebar's loss-threshold input goes up to this
SHOWN_CHARS = 40  # of a refused value, in the page's notice
CSV_KEYS = ("sha", "target", "features", "task", "standardize", "loss", "l2")  # a CSV page's options
# Keys every link may carry (problem options come on top); Streamlit reads ``embed`` itself.
PAGE_KEYS = (
    "problem", "run", "steps", "stop", "start", "view", "axes", "frames", "log", "x", "excess", "lang",
    "lesson", "hide", "embed", "embed_options",
)  # fmt: skip


@dataclass(frozen=True)
class LinkState:
    config: PageConfig
    lang: str = "en"
    lesson: str | None = None
    hide: tuple[str, ...] = ()
    excess: bool = False
    ignored: tuple[str, ...] = field(default=())


def _num(text: str) -> float | None:
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _fmt(v) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v)


def _coerce(c: Control, text: str, ignored: list, where: str):
    """A control value from link text, clamped into its range; None when unusable."""
    if c.kind == "bool":
        if text in ("1", "true", "True", "0", "false", "False"):
            return text in ("1", "true", "True")
        ignored.append(where)
        return None
    if c.kind == "choice":
        for choice in c.choices:
            if str(choice) == text:
                return choice
        ignored.append(where)
        return None
    v = _num(text)
    if v is None:
        ignored.append(where)
        return None
    lo = -math.inf if c.lo is None else c.lo
    hi = math.inf if c.hi is None else c.hi
    clamped = min(max(v, lo), hi)
    if c.kind == "int":
        clamped = round(clamped)
    if clamped != v:
        ignored.append(where)
    return float(clamped) if c.kind == "float" else clamped


def _shown(text: str) -> str:
    """A refused value as the notice quotes it: its first characters."""
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _one(params: Mapping, key: str, ignored: list):
    v = params.get(key)
    if isinstance(v, (list, tuple)):
        v = v[0] if v else None
    if v is not None and len(str(v)) > MAX_VALUE_CHARS:
        ignored.append(f"{key}={_shown(str(v))}")
        return None
    return None if v is None else str(v)


def _all(params: Mapping, key: str, ignored: list) -> list[str]:
    v = params.get(key)
    if v is None:
        return []
    items = [str(x) for x in (v if isinstance(v, (list, tuple)) else [v])]
    ignored += [f"{key}={_shown(x)}" for x in items if len(x) > MAX_VALUE_CHARS]
    return [x for x in items if len(x) <= MAX_VALUE_CHARS]


def _flag(params: Mapping, key: str, ignored: list) -> bool:
    """A 0/1 value (encode writes only these); anything else is the default, False, and reported."""
    text = _one(params, key, ignored)
    if text is not None and text not in ("0", "1"):
        ignored.append(key)
    return text == "1"


# --- encode ----------------------------------------------------------------------------------------
def encode_run(r: RunSpec) -> str:
    parts = [r.rule, _fmt(float(r.lr))]
    if r.variant == "mini":
        parts.append(f"mini:{int(r.batch_size)}")
    elif r.variant != "full":
        parts.append(r.variant)
    if r.schedule != "constant":
        parts.append(f"sched={r.schedule}")
        parts += [f"s.{k}={_fmt(v)}" for k, v in r.schedule_opts]
    if r.seed:
        parts.append(f"seed={int(r.seed)}")
    defaults = {c.key: c.default for c in RULE_CONTROLS.get(r.rule, ())}
    parts += [f"{k}={_fmt(v)}" for k, v in r.hyper if defaults.get(k) != v]
    return ",".join(parts)


def encode(state: LinkState) -> dict[str, str | list[str]]:
    """Query parameters for ``state`` (values are strings; ``run`` is a list)."""
    cfg = state.config
    q: dict[str, str | list[str]] = {"problem": cfg.problem.name}
    for k, v in cfg.problem.options:
        q[k] = _fmt(v) if not isinstance(v, (tuple, list)) else ",".join(_fmt(x) for x in v)
    q["steps"] = str(cfg.steps)
    if cfg.stop_loss is not None:
        q["stop"] = _fmt(float(cfg.stop_loss))
    if cfg.start is not None:
        q["start"] = ",".join(_fmt(float(v)) for v in cfg.start)
    q["run"] = [encode_run(r) for r in cfg.runs]
    v = cfg.view
    q["view"] = v.plane
    if v.axes is not None:
        q["axes"] = f"{v.axes[0]},{v.axes[1]}"
    if v.frames != ViewSpec().frames:
        q["frames"] = str(v.frames)
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
    return q


# --- decode ----------------------------------------------------------------------------------------
def decode_run(text: str, ignored: list) -> RunSpec | None:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) < 2 or parts[0] not in RULES:
        ignored.append(f"run={_shown(text)}")
        return None
    rule = parts[0]
    lr = _num(parts[1])
    if lr is None or lr <= 0:
        ignored.append(f"run {rule}: lr")
        lr = 0.01
    snapped = snap_lr(lr)
    if snapped != lr:  # off the slider's grid, or out of its range (1e308 becomes 10)
        ignored.append(f"run {rule}: lr {_shown(parts[1])}")
    variant, batch, sched, seed = "full", 2, "constant", 0
    hyper: dict[str, object] = {}
    sopts_text: dict[str, str] = {}
    controls = {c.key: c for c in RULE_CONTROLS[rule]}
    for p in parts[2:]:
        if p in ("full", "sgd"):
            variant = p
        elif p.startswith("mini:"):
            b = _num(p[5:])
            if b is None or b < 1:
                ignored.append(f"run {rule}: {_shown(p)}")
            else:
                variant, batch = "mini", int(min(b, 10**6))
                if batch != b:
                    ignored.append(f"run {rule}: {_shown(p)}")
        elif p.startswith("sched="):
            if p[6:] in SCHEDULES:
                sched = p[6:]
            else:
                ignored.append(f"run {rule}: {_shown(p)}")
        elif p.startswith("seed="):
            s = _num(p[5:])
            if s is None or s < 0:
                ignored.append(f"run {rule}: {_shown(p)}")
            else:
                seed = int(min(s, 10_000))
                if seed != s:
                    ignored.append(f"run {rule}: {_shown(p)}")
        elif p.startswith("s.") and "=" in p:
            k, _, v = p[2:].partition("=")
            sopts_text[k] = v
        elif "=" in p:
            k, _, v = p.partition("=")
            if k in controls:
                val = _coerce(controls[k], v, ignored, f"run {rule}: {k}")
                if val is not None:
                    hyper[k] = val
            else:
                ignored.append(f"run {rule}: {_shown(k)}")
        elif p:
            ignored.append(f"run {rule}: {_shown(p)}")
    sopts = []
    for c in SCHEDULE_CONTROLS[sched]:
        val = (
            _coerce(c, sopts_text.pop(c.key), ignored, f"run {rule}: s.{c.key}")
            if c.key in sopts_text
            else None
        )
        sopts.append((c.key, c.default if val is None else val))
    ignored += [f"run {rule}: s.{_shown(k)}" for k in sopts_text]
    hyper_t = tuple((c.key, hyper.get(c.key, c.default)) for c in RULE_CONTROLS[rule])
    return RunSpec(rule, snapped, hyper_t, variant, batch, sched, tuple(sopts), seed)


def decode(params: Mapping) -> LinkState:
    """The page state a link asks for; every value not used exactly as written (unusable, clamped,
    snapped, too long, or a key the page does not know) is replaced and listed in ``ignored``."""
    ignored: list[str] = []
    asked = name = _one(params, "problem", ignored) or "linear_regression"
    if name not in LINKABLE:
        ignored.append(f"problem={_shown(name)}")
        name = "linear_regression"
    base = default_config(name)
    opts = []
    for c in PROBLEM_CONTROLS.get(name, ()):
        text = _one(params, c.key, ignored)
        if text is None:
            continue
        v = _coerce(c, text, ignored, c.key)
        if v is not None:
            opts.append((c.key, v))
    candidate = ProblemSpec(name, tuple(opts))
    ignored += list(candidate.unused())  # the article's data is fixed
    opts = list(candidate.used().options)
    if name == "formula":
        expr = _one(params, "expr", ignored)
        if expr is not None:
            opts.append(("expr", expr))  # parsed (allowlist) by the page, which reports errors
    problem = ProblemSpec(name, tuple(opts))
    known = {
        *PAGE_KEYS,
        *(c.key for c in PROBLEM_CONTROLS.get(name, ())),
        *(("expr",) if name == "formula" else ()),
        *(CSV_KEYS if asked == "csv" else ()),  # a CSV page's own address: "problem=csv" says it all
    }
    ignored += [_shown(str(k)) for k in params if k not in known]

    runs = []
    texts = _all(params, "run", ignored)
    if len(texts) > MAX_RUNS_RACE:
        ignored.append(f"run × {len(texts) - MAX_RUNS_RACE}")
    for text in texts[:MAX_RUNS_RACE]:
        r = decode_run(text, ignored)
        if r is not None:
            runs.append(r)
    steps_c = Control("steps", "int", 300, 10, STEPS_MAX, 10)
    steps_text = _one(params, "steps", ignored)
    steps = _coerce(steps_c, steps_text, ignored, "steps") if steps_text else None
    if steps is not None and steps % steps_c.step:  # the slider moves in tens
        steps = int(round(steps / steps_c.step) * steps_c.step)
        ignored.append("steps")
    stop = None
    stop_text = _one(params, "stop", ignored)
    if stop_text is not None:
        stop = _num(stop_text)
        if stop is None or stop < 0:
            ignored.append("stop")
            stop = None
        elif stop > STOP_MAX:
            ignored.append("stop")
            stop = STOP_MAX
    start = None
    start_text = _one(params, "start", ignored)
    if start_text is not None:
        vals = [_num(x) for x in start_text.split(",")]
        if vals and all(v is not None and abs(v) <= 1e6 for v in vals):
            start = tuple(float(v) for v in vals)
        else:
            ignored.append("start")
    plane = _one(params, "view", ignored)
    if plane is not None and plane not in ("slice", "pca"):
        ignored.append("view")
        plane = None
    axes = None
    axes_text = _one(params, "axes", ignored)
    if axes_text is not None:
        a = [_num(x) for x in axes_text.split(",")]
        if len(a) == 2 and all(v is not None and v >= 0 and v == int(v) for v in a) and a[0] != a[1]:
            axes = (int(a[0]), int(a[1]))
        else:
            ignored.append("axes")
    frames = ViewSpec().frames
    frames_text = _one(params, "frames", ignored)
    if frames_text is not None:
        f = _num(frames_text)
        if f is None:
            ignored.append("frames")
        else:
            frames = min(FRAMES_CHOICES, key=lambda c: abs(c - f))
            if frames != f:
                ignored.append("frames")
    x_axis = _one(params, "x", ignored) or "step"
    if x_axis not in ("step", "epoch"):
        ignored.append("x")
        x_axis = "step"
    log_text = _one(params, "log", ignored)
    if log_text is not None and log_text not in ("0", "1"):
        ignored.append("log")
    view = ViewSpec(
        frames=frames,
        log_loss=log_text != "0",
        x_axis=x_axis,
        axes=axes,
        plane=plane or ProblemSpec(name, tuple(opts)).default_plane,
    )
    lang = _one(params, "lang", ignored) or "en"
    if lang not in LANGS:
        ignored.append("lang")
        lang = "en"
    lesson = _one(params, "lesson", ignored)
    from gdviz.ui.race.lessons import BY_KEY

    if lesson is not None and lesson not in BY_KEY:
        ignored.append("lesson")
        lesson = None
    hide = tuple(h for h in (_one(params, "hide", ignored) or "").split(",") if h)
    bad_hide = [h for h in hide if h not in HIDEABLE]
    if bad_hide:
        ignored.append("hide")
    hide = tuple(h for h in hide if h in HIDEABLE)
    cfg = PageConfig(
        problem=problem,
        runs=tuple(runs) or base.runs,
        steps=int(steps) if steps is not None else base.steps,
        stop_loss=stop,
        start=start,
        view=view,
    )
    return LinkState(
        cfg,
        lang=lang,
        lesson=lesson,
        hide=hide,
        excess=_flag(params, "excess", ignored),
        ignored=tuple(dict.fromkeys(ignored)),
    )


def is_link(params: Mapping) -> bool:
    """Whether the URL carries page state at all (a bare URL opens the defaults silently)."""
    return any(k in params for k in ("problem", "run", "lesson", "steps"))
