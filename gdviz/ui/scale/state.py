"""The one owner of the scale page's state: the ``scale.*`` session keys (a declarative schema with
each key's control, so a link can carry them), read into a frozen ``ScaleConfig``, written by
lessons, kept while another page runs, and mirrored in the address bar.
"""

from __future__ import annotations

import streamlit as st

from gdviz.parallel import NETWORKS, STRATEGIES
from gdviz.ui import linkcodec, quirks, work

# The settings' frozen value and ranges live in the Streamlit-free config (the plan reads them too).
from gdviz.ui.scale.config import (  # noqa: F401
    B_MAX,
    BACKUPS_MAX,
    COMPRESSIONS,
    DEFAULT_LR,
    H_MAX,
    K_MAX,
    M_MAX,
    PROBLEMS,
    SHARDS,
    SIZES,
    SPEEDUP_WORKERS,
    STEPS_MAX,
    STEPS_MIN,
    STEPS_STEP,
    STRAGGLER_FACTOR,
    X_AXES,
    ScaleConfig,
)
from gdviz.ui.specs import LR_GRID, Control, snap_lr

SS = st.session_state

TITLE_KEY = "page.scale"
ICON = ":material/hub:"
URL_PATH = "scale"

DEFAULTS: dict[str, object] = {
    "scale.problem": "linear_regression",
    "scale.n": 10_000,
    "scale.strategies": ["sync", "async"],
    "scale.K": 4,
    "scale.b": 8,
    "scale.H": 8,
    "scale.m": 4,
    "scale.lr": DEFAULT_LR["linear_regression"],
    "scale.steps": 200,
    "scale.network": "datacenter",
    "scale.compression": "none",
    "scale.ef": False,
    "scale.shards": "iid",
    "scale.straggler": False,
    "scale.backups": 0,
    "scale.scale_lr": False,
    "scale.x": "steps",
    "scale.timeline": "sync",
    "scale.insp": "sync",
    "scale.at": 0,
}

CONTROLS: dict[str, Control] = {
    "scale.problem": Control("problem", "choice", DEFAULTS["scale.problem"], choices=PROBLEMS),
    "scale.n": Control("n", "choice", DEFAULTS["scale.n"], choices=SIZES),
    "scale.K": Control("K", "int", DEFAULTS["scale.K"], 1, K_MAX, 1),
    "scale.b": Control("b", "int", DEFAULTS["scale.b"], 1, B_MAX, 1),
    "scale.H": Control("H", "int", DEFAULTS["scale.H"], 1, H_MAX, 1),
    "scale.m": Control("m", "int", DEFAULTS["scale.m"], 1, M_MAX, 1),
    "scale.lr": Control("lr", "choice", DEFAULTS["scale.lr"], choices=LR_GRID),
    "scale.steps": Control("steps", "int", DEFAULTS["scale.steps"], STEPS_MIN, STEPS_MAX, STEPS_STEP),
    "scale.network": Control("net", "choice", DEFAULTS["scale.network"], choices=tuple(NETWORKS)),
    "scale.compression": Control("comp", "choice", DEFAULTS["scale.compression"], choices=COMPRESSIONS),
    "scale.ef": Control("ef", "bool", DEFAULTS["scale.ef"]),
    "scale.shards": Control("shards", "choice", DEFAULTS["scale.shards"], choices=SHARDS),
    "scale.straggler": Control("straggler", "bool", DEFAULTS["scale.straggler"]),
    "scale.backups": Control("backups", "int", DEFAULTS["scale.backups"], 0, BACKUPS_MAX, 1),
    "scale.scale_lr": Control("lsr", "bool", DEFAULTS["scale.scale_lr"]),
    "scale.x": Control("x", "choice", DEFAULTS["scale.x"], choices=X_AXES),
    "scale.timeline": Control("tl", "choice", DEFAULTS["scale.timeline"], choices=STRATEGIES),
    "scale.insp": Control("insp", "choice", DEFAULTS["scale.insp"], choices=STRATEGIES),
    "scale.at": Control("at", "int", DEFAULTS["scale.at"], 0, STEPS_MAX, 1),
}
STRATEGIES_PARAM = "strategies"  # the multiselect: one comma-separated value in a link

# Presets: every setting not named here returns to its default, so a lesson always shows the same
# thing; tests/ui/test_ui_scale.py checks each lesson's claim at these settings.
LESSONS: dict[str, dict[str, object]] = {
    # one machine with memory for 8 samples and 100 000 of them: accumulating 16 micro-batches is a
    # batch of 128 per update, 16 times the compute of one and 10 times less noise
    "accumulate": {
        "scale.n": 100_000,
        "scale.strategies": ["sync", "accumulate"],
        "scale.K": 1,
        "scale.m": 16,
    },
    # sync on wifi: every step pays 2(K−1) latencies of 20 ms, so more workers only add waiting
    "comm": {
        "scale.strategies": ["sync"],
        "scale.K": 32,
        "scale.network": "wifi",
        "scale.x": "seconds",
    },
    # the linear scaling rule: α·K = 3.2 is past GD's limit 2/λ_max ≈ 1.99 of this problem, K = 16
    # (α·K = 1.6) is the largest that stays stable
    "scaling": {
        "scale.strategies": ["sync"],
        "scale.K": 32,
        "scale.scale_lr": True,
    },
    # 8 async workers: staleness τ = 7 makes ηλ ≈ 0.5 unstable (limit 2cos(7π/15) ≈ 0.21); sync
    # at the same lr averages fresh gradients and converges
    "stale": {
        "scale.strategies": ["sync", "async"],
        "scale.K": 8,
        "scale.lr": 0.5,
        "scale.timeline": "async",
    },
    # data sorted by target: 32 local steps pull each worker to its own quarter of the data, the
    # average settles above the minimum (shuffled data: within 0.1 %)
    "drift": {
        "scale.strategies": ["sync", "local"],
        "scale.H": 32,
        "scale.shards": "label",
    },
    # top-1 of the network's 33 gradient numbers: without error feedback the dropped coordinates
    # are lost and the loss stays far above the uncompressed run's; with it they arrive later
    "compression": {
        "scale.problem": "mlp",
        "scale.lr": DEFAULT_LR["mlp"],
        "scale.strategies": ["sync"],
        "scale.compression": "topk",
    },
    # on one machine's cores the messages are cheap, so a random delay per worker and step decides
    # the synchronous step's length; two backup workers cut it, async never waits
    "stragglers": {
        "scale.strategies": ["sync", "async"],
        "scale.K": 8,
        "scale.network": "cores",
        "scale.straggler": True,
        "scale.x": "seconds",
    },
    # 32 workers × 16 = 512 samples per update, 16 times the critical batch of this problem
    "critical": {
        "scale.strategies": ["sync"],
        "scale.K": 32,
        "scale.b": 16,
    },
}


# --- reading (draws nothing) -------------------------------------------------------------------------
def defaults() -> None:
    for k, v in DEFAULTS.items():
        quirks.ensure(k, list(v) if isinstance(v, list) else v)


def strategies(values=None) -> tuple[str, ...]:
    chosen = (SS if values is None else values).get("scale.strategies") or []
    return tuple(s for s in STRATEGIES if s in chosen)


def config_of(v) -> ScaleConfig:
    """The frozen config of a mapping of the page's keys (the session's, or a lesson's preset)."""
    return ScaleConfig(
        problem=v["scale.problem"],
        n=int(v["scale.n"]),
        strategies=strategies(v),
        workers=int(v["scale.K"]),
        batch_size=int(v["scale.b"]),
        local_steps=int(v["scale.H"]),
        accumulate=int(v["scale.m"]),
        lr=snap_lr(float(v["scale.lr"])),
        steps=int(v["scale.steps"]),
        network=v["scale.network"],
        compression=v["scale.compression"],
        error_feedback=bool(v["scale.ef"]),
        shards=v["scale.shards"],
        straggler=bool(v["scale.straggler"]),
        backups=int(v["scale.backups"]),
        scale_lr=bool(v["scale.scale_lr"]),
        x_axis=v["scale.x"],
    )


def read() -> ScaleConfig:
    defaults()
    return config_of({k: SS[k] for k in DEFAULTS})


# --- writing ------------------------------------------------------------------------------------------
def write(new: dict[str, object]) -> None:
    for k, v in new.items():
        SS[k] = list(v) if isinstance(v, (list, tuple)) else v


def on_problem_change() -> None:
    SS["scale.lr"] = DEFAULT_LR[SS["scale.problem"]]


def lesson_state(name: str) -> dict[str, object]:
    return {**DEFAULTS, **LESSONS[name]}


CRITICAL_FOR = "_scale.critical_for"  # the recipe whose critical batch the visitor asked for


def load_lesson(name: str) -> None:
    write(lesson_state(name))
    SS["scale.lesson"] = name
    if name == "critical":
        # the lesson is about the critical-batch plot: its click is the plot's too
        SS[CRITICAL_FOR] = read().recipe()
    work.approve_next_run()  # loading a lesson is the click its work waits for


def close_lesson() -> None:
    SS.pop("scale.lesson", None)


def keep() -> None:
    defaults()
    # Streamlit forgets the value of a widget that a run does not draw (another page ran, or the
    # strategy that shows H or m is not selected); writing the keys back keeps them for the way back.
    for k in DEFAULTS:
        SS[k] = list(SS[k]) if isinstance(SS[k], list) else SS[k]


# --- the address bar ----------------------------------------------------------------------------------
def link() -> dict[str, str]:
    defaults()
    params = linkcodec.encode_schema({k: SS[k] for k in CONTROLS}, CONTROLS)
    chosen = strategies()
    if list(chosen) != DEFAULTS["scale.strategies"]:
        params[STRATEGIES_PARAM] = ",".join(chosen)
    if SS.get("scale.lesson") in LESSONS:
        params["lesson"] = SS["scale.lesson"]
    params["lang"] = SS.get("lang", "en")
    return params


def sync_url() -> None:
    quirks.set_query(link())


LINK_REPAIRS = "_scale.link_repairs"
PAGE_KEYS = ("lang", "lesson", "embed", "embed_options", STRATEGIES_PARAM)


def _decode_strategies(text: str | None, repairs: list) -> list[str] | None:
    if text is None:
        return None
    items = [s for s in text.split(",") if s]
    good = [s for s in STRATEGIES if s in items]
    if len(good) != len(items) or not good:
        repairs.append(STRATEGIES_PARAM)
    return good or None


def load_link_once() -> None:
    """On the session's first run of this page, the state its link carries (repairs kept for the
    notice, ``take_repairs``)."""
    q = {k: st.query_params.get(k) for k in st.query_params}
    if not any(k in {c.key for c in CONTROLS.values()} or k in ("lesson", STRATEGIES_PARAM) for k in q):
        return
    repairs: list[str] = []
    lesson = linkcodec.lesson(q, LESSONS, repairs)
    base = lesson_state(lesson) if lesson else dict(DEFAULTS)
    decoded = linkcodec.decode_schema(q, CONTROLS, repairs)
    chosen = _decode_strategies(linkcodec.one(q, STRATEGIES_PARAM, repairs), repairs)
    repairs += linkcodec.unknown(q, CONTROLS, PAGE_KEYS)
    new = {**base, **decoded}
    if chosen is not None:
        new["scale.strategies"] = chosen
    write(new)
    if lesson:
        SS["scale.lesson"] = lesson
    SS[LINK_REPAIRS] = tuple(dict.fromkeys(repairs))


def take_repairs() -> tuple[str, ...]:
    return SS.pop(LINK_REPAIRS, ())
