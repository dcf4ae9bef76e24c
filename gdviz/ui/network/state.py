"""The one owner of the network page's state: the ``net.*`` session keys (a declarative schema with
each key's control, so a link can carry them), read into a frozen ``NetConfig``, written by lessons,
kept while another page runs, and mirrored in the address bar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import streamlit as st

import gdviz
from gdviz.optim import registry
from gdviz.problems.data.toy import default_noise
from gdviz.ui import linkcodec, quirks, work
from gdviz.ui.specs import LR_GRID, STEPS_MAX, VARIANTS, Control, batch_size, rules, snap_lr

SS = st.session_state

TITLE_KEY = "page.network"
ICON = ":material/psychology:"
URL_PATH = "network"
ORDER = 10


DATASETS = ("moons", "circles", "spirals", "xor", "blobs", "wave")
ACTIVATIONS = ("tanh", "relu", "sigmoid")
L2_CHOICES = (0.0, 1e-4, 1e-3, 1e-2, 0.1)
RUN_NAMES = ("1", "2")  # numbered as the race page numbers its runs
PLANES = ("random", "pca")
VIEWS = ("contour", "surface")
SPANS = (0.25, 0.5, 1.0, 2.0)
RESOLUTIONS = (21, 31, 41)
N_MIN, N_MAX, N_STEP = 50, 2000, 50
STEPS_MIN, STEPS_STEP = 50, 50

# The page's μ slider: the momentum rule's default, up to 0.99 (the race page goes to 0.999).
MOMENTUM = registry.defaults("momentum")["momentum"]
MOMENTUM_MAX = 0.99


def has_momentum(rule: str) -> bool:
    """Whether the page shows μ for ``rule``: the heavy-ball rules (momentum, Nesterov)."""
    return registry.entry(rule).family.momentum


DEFAULTS: dict[str, object] = {
    "net.dataset": "moons",
    "net.noise": default_noise("moons"),
    "net.n": 400,
    "net.test_fraction": 0.25,
    "net.data_seed": 0,
    "net.depth": 2,
    "net.width": 16,
    "net.activation": "tanh",
    "net.l2": 0.0,
    "net.init_seed": 0,
    "net.steps": 1000,
    "net.seed": 0,
    "net.a.rule": "gd",
    "net.a.lr": 0.3,
    "net.a.momentum": MOMENTUM,
    "net.a.variant": "mini",
    "net.a.batch": 32,
    "net.compare": False,
    "net.b.rule": "adam",
    "net.b.lr": 0.01,
    "net.b.momentum": MOMENTUM,
    "net.b.variant": "mini",
    "net.b.batch": 32,
}
VIEW_DEFAULTS: dict[str, object] = {
    "net.log_loss": True,
    "net.plane": "random",
    "net.view": "contour",
    "net.span": 1.0,
    "net.res": 41,
    "net.dir_seed": 0,
}

# Presets: every setting not named here returns to its default, so a lesson always shows the same
# thing. The numbers are chosen so that the effect each lesson names is visible (see its text).
LESSONS: dict[str, dict[str, object]] = {
    "sgd_adam": {
        "net.dataset": "spirals",
        "net.noise": default_noise("spirals"),
        "net.steps": 2000,
        "net.a.rule": "gd",
        "net.a.lr": 0.1,
        "net.a.variant": "mini",
        "net.a.batch": 32,
        "net.compare": True,
        "net.b.rule": "adam",
        "net.b.lr": 0.01,
        "net.b.variant": "mini",
        "net.b.batch": 32,
        "net.plane": "pca",
    },
    "batch": {
        "net.dataset": "xor",
        "net.noise": 0.2,
        "net.steps": 3000,
        "net.a.rule": "adam",
        "net.a.lr": 0.01,
        "net.a.variant": "mini",
        "net.a.batch": 8,
        "net.compare": True,
        "net.b.rule": "adam",
        "net.b.lr": 0.01,
        "net.b.variant": "full",
        "net.plane": "random",
        "net.span": 1.0,
    },
    "lr": {
        "net.dataset": "moons",
        "net.activation": "relu",
        "net.steps": 500,
        "net.a.rule": "gd",
        "net.a.lr": 0.5,
        "net.a.variant": "full",
        "net.compare": True,
        "net.b.rule": "gd",
        "net.b.lr": 5.0,
        "net.b.variant": "full",
        "net.plane": "random",
    },
}


# --- the schema: each key's control (its range, for the widgets and for links) ---------------------
CONTROLS: dict[str, Control] = {
    "net.dataset": Control("dataset", "choice", DEFAULTS["net.dataset"], choices=DATASETS),
    "net.noise": Control("noise", "float", DEFAULTS["net.noise"], 0.0, 1.0, 0.05),
    "net.n": Control("n", "int", DEFAULTS["net.n"], N_MIN, N_MAX, N_STEP),
    "net.test_fraction": Control("test_fraction", "float", DEFAULTS["net.test_fraction"], 0.0, 0.5, 0.05),
    "net.data_seed": Control("data_seed", "int", 0, 0, 10_000, 1),
    "net.depth": Control("depth", "int", DEFAULTS["net.depth"], 1, 3, 1),
    "net.width": Control("width", "int", DEFAULTS["net.width"], 1, 32, 1),
    "net.activation": Control("activation", "choice", DEFAULTS["net.activation"], choices=ACTIVATIONS),
    "net.l2": Control("l2", "choice", DEFAULTS["net.l2"], choices=L2_CHOICES),
    "net.init_seed": Control("init_seed", "int", 0, 0, 10_000, 1),
    "net.steps": Control("steps", "int", DEFAULTS["net.steps"], STEPS_MIN, STEPS_MAX, STEPS_STEP),
    "net.seed": Control("seed", "int", 0, 0, 10_000, 1),
    "net.compare": Control("compare", "bool", DEFAULTS["net.compare"]),
    "net.log_loss": Control("log", "bool", VIEW_DEFAULTS["net.log_loss"]),
    "net.plane": Control("plane", "choice", VIEW_DEFAULTS["net.plane"], choices=PLANES),
    "net.view": Control("view", "choice", VIEW_DEFAULTS["net.view"], choices=VIEWS),
    "net.span": Control("span", "choice", VIEW_DEFAULTS["net.span"], choices=SPANS),
    "net.res": Control("res", "choice", VIEW_DEFAULTS["net.res"], choices=RESOLUTIONS),
    "net.dir_seed": Control("dir_seed", "int", 0, 0, 10_000, 1),
}
for _w in ("a", "b"):
    CONTROLS |= {
        f"net.{_w}.rule": Control(f"{_w}.rule", "choice", DEFAULTS[f"net.{_w}.rule"], choices=rules()),
        f"net.{_w}.lr": Control(f"{_w}.lr", "choice", DEFAULTS[f"net.{_w}.lr"], choices=LR_GRID),
        f"net.{_w}.momentum": Control(f"{_w}.momentum", "float", MOMENTUM, 0.0, MOMENTUM_MAX, 0.01),
        f"net.{_w}.variant": Control(
            f"{_w}.variant", "choice", DEFAULTS[f"net.{_w}.variant"], choices=VARIANTS
        ),
        f"net.{_w}.batch": Control(f"{_w}.batch", "int", 32, 1, N_MAX, 1),
    }


@dataclass(frozen=True)
class NetSpec:
    """The data set and the network: everything that defines the Problem (and its initial weights)."""

    dataset: str = "moons"
    noise: float = 0.15
    n: int = 400
    test_fraction: float = 0.25
    data_seed: int = 0
    depth: int = 2
    width: int = 16
    activation: str = "tanh"
    l2: float = 0.0
    init_seed: int = 0

    def options(self) -> dict:
        return {
            "dataset": self.dataset,
            "n": self.n,
            "noise": self.noise,
            "test_fraction": self.test_fraction,
            "data_seed": self.data_seed,
            "hidden": (self.width,) * self.depth,
            "activation": self.activation,
            "l2": self.l2,
            "seed": self.init_seed,
        }

    @property
    def n_train(self) -> int:
        return self.n - round(self.n * float(self.test_fraction))


@dataclass(frozen=True)
class TrainSpec:
    """One way to train: update rule, learning rate, and the batch size (independent of the rule)."""

    rule: str = "gd"
    lr: float = 0.3
    momentum: float = MOMENTUM
    variant: str = "mini"
    batch_size: int = 32

    def batch(self, n_train: int) -> int | None:
        return batch_size(self.variant, self.batch_size, n_train)

    def hyper(self) -> dict:
        hyper = {"lr": float(self.lr)}
        if has_momentum(self.rule):
            hyper["momentum"] = float(self.momentum)
        return hyper

    def optimizer(self):
        return gdviz.optimizer(self.rule, **self.hyper())


@dataclass(frozen=True)
class NetConfig:
    net: NetSpec
    runs: tuple[TrainSpec, ...]
    steps: int = 1000
    seed: int = 0


# --- reading (draws nothing) -------------------------------------------------------------------------
def defaults() -> None:
    """Every key's default, before any widget of the page is drawn."""
    for k, v in {**DEFAULTS, **VIEW_DEFAULTS}.items():
        quirks.ensure(k, v)


def values() -> dict[str, object]:
    defaults()
    return {k: SS[k] for k in CONTROLS}


def read_train(which: str) -> TrainSpec:
    pre = f"net.{which}"
    return TrainSpec(
        rule=SS[f"{pre}.rule"],
        lr=snap_lr(float(SS[f"{pre}.lr"])),
        momentum=float(SS[f"{pre}.momentum"]),
        variant=SS[f"{pre}.variant"],
        batch_size=int(SS[f"{pre}.batch"]),
    )


def read() -> NetConfig:
    defaults()
    net = NetSpec(
        dataset=SS["net.dataset"],
        noise=float(SS["net.noise"]),
        n=int(SS["net.n"]),
        test_fraction=float(SS["net.test_fraction"]),
        data_seed=int(SS["net.data_seed"]),
        depth=int(SS["net.depth"]),
        width=int(SS["net.width"]),
        activation=SS["net.activation"],
        l2=float(SS["net.l2"]),
        init_seed=int(SS["net.init_seed"]),
    )
    runs = (read_train("a"), read_train("b")) if SS["net.compare"] else (read_train("a"),)
    return NetConfig(net=net, runs=runs, steps=int(SS["net.steps"]), seed=int(SS["net.seed"]))


# --- writing ------------------------------------------------------------------------------------------
def write(new: dict[str, object]) -> None:
    for k, v in new.items():
        SS[k] = v


def lesson_state(name: str) -> dict[str, object]:
    """Every setting a lesson loads: the defaults overridden by its preset."""
    return {**DEFAULTS, **VIEW_DEFAULTS, **LESSONS[name]}


def load_lesson(name: str):
    for k, v in lesson_state(name).items():
        SS[k] = v
    SS["net.lesson"] = name
    work.approve_next_run()  # loading a lesson is the click its work waits for


def close_lesson():
    SS.pop("net.lesson", None)


def changed_since(name: str) -> bool:
    for k, v in lesson_state(name).items():
        if k.startswith("net.b.") and not SS.get("net.compare"):
            continue
        cur = SS.get(k)
        same = math.isclose(cur, v) if isinstance(v, float) and isinstance(cur, (int, float)) else cur == v
        if not same:
            return True
    return False


# --- kept while not drawn, and in the address bar ---------------------------------------------------
# Widgets that a run may not draw: run 2 while comparing is off, the momentum of a rule without it,
# the batch size of a full-batch run.
SKIPPABLE = tuple(k for k in DEFAULTS if k.startswith("net.b.") or k.endswith((".momentum", ".batch")))


def keep():
    for k, v in {**DEFAULTS, **VIEW_DEFAULTS}.items():
        if k not in SS:
            SS[k] = v
    # Streamlit forgets the value of a widget that a run does not draw; writing these keys back
    # keeps the visitor's settings for when the widget returns.
    for k in SKIPPABLE:
        SS[k] = SS[k]


def link() -> dict[str, str]:
    """The query string of the page's state: every setting that differs from its default."""
    params = linkcodec.encode_schema(values(), CONTROLS)
    if SS.get("net.lesson") in LESSONS:
        params["lesson"] = SS["net.lesson"]
    params["lang"] = SS.get("lang", "en")
    return params


def sync_url() -> None:
    quirks.set_query(link())


LINK_REPAIRS = "_net.link_repairs"
PAGE_KEYS = ("lang", "lesson", "embed", "embed_options")


def load_link_once() -> None:
    """On the session's first run of this page, the state its link carries (repairs kept for the
    notice, ``take_repairs``)."""
    q = {k: st.query_params.get(k) for k in st.query_params}
    if not any(k in {c.key for c in CONTROLS.values()} or k == "lesson" for k in q):
        return
    repairs: list[str] = []
    lesson = linkcodec.lesson(q, LESSONS, repairs)
    base = lesson_state(lesson) if lesson else {**DEFAULTS, **VIEW_DEFAULTS}
    decoded = linkcodec.decode_schema(q, CONTROLS, repairs)
    repairs += linkcodec.unknown(q, CONTROLS, PAGE_KEYS)
    write({**base, **decoded})
    if lesson:
        SS["net.lesson"] = lesson
    SS[LINK_REPAIRS] = tuple(dict.fromkeys(repairs))


def take_repairs() -> tuple[str, ...]:
    return SS.pop(LINK_REPAIRS, ())
