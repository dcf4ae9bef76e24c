"""What the page shows, as frozen values: the state owner reads a PageConfig (``state.read``), and
computation is keyed on it.

No Streamlit here: these are plain data and the tables that describe every control (ranges,
defaults, steps), shared by the sidebar, the share-link parser and the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from gdviz import limits
from gdviz.optim import registry

MAX_RUNS_RACE = 6
# Gradient-descent variants: a data choice (how many samples per step), independent of the update rule.
STOCHASTIC = "stochastic"
VARIANTS = ("full", "mini", STOCHASTIC)
SCHEDULES = ("constant", "step", "exponential", "cosine", "inverse_time")
# The rate slider's ends: the page's choice for teaching, well inside what the core accepts
# (registry.LR_LIMIT, a guard against overflow).
LR_SLIDER_MIN, LR_SLIDER_MAX = 1e-5, 10.0
# What a new run, a link's run and a session's run start with (RunSpec's defaults read these).
DEFAULT_LR = 0.01
DEFAULT_BATCH = 2
STEPS_MAX = 3000  # the UI's own cap (the core allows more); keeps a rerun well under a second
FRAMES_CHOICES = (50, 100, 200, 300, 500)
SPEEDS = {"0.5×": 80, "1×": 40, "2×": 20, "4×": 10}


def lr_grid() -> tuple[float, ...]:
    """1, 1.5, 2, 3, 5, 7 per decade from 1e-5 to 10: a log scale with round numbers a teacher can say."""
    out = []
    for e in range(-5, 2):
        for m in (1, 1.5, 2, 3, 5, 7):
            v = float(f"{m * 10.0**e:.3g}")
            if LR_SLIDER_MIN <= v <= LR_SLIDER_MAX:
                out.append(v)
    return tuple(out)


LR_GRID = lr_grid()


def snap_lr(v: float) -> float:
    """The grid value nearest to v on a log scale."""
    if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
        return DEFAULT_LR
    return min(LR_GRID, key=lambda g: abs(math.log(g) - math.log(v)))


@dataclass(frozen=True)
class Control:
    """One numeric or choice control: its key, kind and bounds (also used to clamp share links)."""

    key: str
    kind: str  # "float", "int", "choice", "bool"
    default: object
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    choices: tuple = ()
    log: bool = False


# What a log control (ε) offers: 0 and round powers of ten, those within its range.
LOG_CHOICES = (0.0, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2)


def log_choices(c: Control) -> tuple[float, ...]:
    return tuple(v for v in LOG_CHOICES if c.lo <= v <= c.hi)


def rules() -> tuple[str, ...]:
    """The update rules the pages offer (``registry.menu``: gd, momentum, nesterov, adagrad …)."""
    return registry.menu()


def rule_controls(rule: str) -> tuple[Control, ...]:
    """The controls of ``rule`` besides the rate (it has its own log slider), in the order shown:
    the registry's knobs, each with the rule's own default; () for a name no rule has."""
    if rule not in registry.names():
        return ()

    def make():
        entry = registry.entry(rule)
        defaults = entry.flat_defaults()
        return tuple(_control(k, defaults[k.name]) for k in entry.knobs)

    return registry.derived(("ui.controls", rule), make)


def _control(k: registry.Knob, default) -> Control:
    kind = (
        "bool"
        if isinstance(default, bool)
        else "choice"
        if k.choices
        else "int"
        if isinstance(default, int)
        else "float"
    )
    return Control(k.name, kind, default, k.lo, k.hi, k.step, k.choices, k.log)


SCHEDULE_CONTROLS: dict[str, tuple[Control, ...]] = {
    "constant": (),
    "step": (
        Control("step_size", "int", 100, 1, STEPS_MAX, 1),
        Control("gamma", "float", 0.5, 0.01, 1.0, 0.01),
    ),
    "exponential": (Control("gamma", "float", 0.99, 0.5, 1.0, 0.001),),
    "cosine": (
        Control("warmup", "int", 0, 0, STEPS_MAX - 1, 1),
        Control("min_factor", "float", 0.0, 0.0, 1.0, 0.01),
    ),
    "inverse_time": (Control("decay", "float", 0.01, 0.0, 10.0, 0.001),),
}

# Problem options the page offers (the core accepts more; these are the ones worth a widget).
PROBLEM_CONTROLS: dict[str, tuple[Control, ...]] = {
    "linear_regression": (
        Control("data", "choice", "article", choices=("article", "synthetic")),
        Control("loss", "choice", "half_mse", choices=("half_mse", "mse")),
        Control("n", "int", 1000, 2, limits.MAX_SAMPLES, 1),
        Control("n_features", "choice", 2, choices=(1, 2)),
        Control("noise", "float", 0.5, 0.0, 5.0, 0.1),
        Control("correlation", "float", 0.0, -0.99, 0.99, 0.01),
        Control("scale", "float", 1.0, 0.1, 100.0, 0.1),
        Control("seed", "int", 0, 0, 10_000, 1),
    ),
    "logistic_regression": (
        Control("n", "int", 200, 4, 20_000, 1),
        Control("separation", "float", 3.0, 0.0, 10.0, 0.1),
        Control("noise", "float", 1.0, 0.05, 5.0, 0.05),
        Control("l2", "float", 0.0, 0.0, 10.0, 0.01),
        Control("seed", "int", 0, 0, 10_000, 1),
    ),
    "quadratic": (
        Control("condition", "float", 10.0, 1.0, 1000.0, 1.0),
        Control("angle", "float", 0.0, -90.0, 90.0, 5.0),
    ),
    "mlp": (
        Control(
            "dataset", "choice", "moons", choices=("moons", "circles", "spirals", "xor", "blobs", "wave")
        ),
        Control("n", "int", 400, 10, 5_000, 10),
        Control("activation", "choice", "tanh", choices=("tanh", "relu", "sigmoid")),
        Control("width", "int", 8, 1, 32, 1),
        Control("depth", "int", 1, 1, 3, 1),
    ),
}
# Options that only matter for synthetic linear-regression data.
SYNTHETIC_ONLY = ("n", "n_features", "noise", "correlation", "scale", "seed")

PROBLEMS = (
    "linear_regression",
    "logistic_regression",
    "quadratic",
    "rosenbrock",
    "beale",
    "himmelblau",
    "saddle",
    "rastrigin",
    "booth",
    "six_hump_camel",
    "ackley",
    "mlp",
    "formula",
    "csv",
)


def batch_size(variant: str, b: int, n_samples: int | None) -> int | None:
    """The one mapping from a page's gradient-descent variant to the core's batch size: None for full
    batch (or a problem without data), 1 for stochastic, b (within 1 … n) for mini-batch."""
    if n_samples is None or variant == "full":
        return None
    if variant == STOCHASTIC:
        return 1
    return max(1, min(int(b), int(n_samples)))


@dataclass(frozen=True)
class RunSpec:
    """One raced configuration: update rule and its hyperparameters, and the data side (batch size)."""

    rule: str = "gd"
    lr: float = DEFAULT_LR
    hyper: tuple[tuple[str, object], ...] = ()
    variant: str = "full"  # full batch, mini-batch or stochastic (batch of one)
    batch_size: int = DEFAULT_BATCH
    schedule: str = "constant"
    schedule_opts: tuple[tuple[str, object], ...] = ()
    seed: int = 0

    def batch(self, n_samples: int | None) -> int | None:
        """The batch size the core gets: None for full batch or for problems without data."""
        return batch_size(self.variant, self.batch_size, n_samples)

    def optimizer_kwargs(self) -> dict:
        """The hyperparameters under torch's names (beta1 and beta2 as Adam's betas)."""
        return registry.fold(self.rule, {"lr": float(self.lr), **dict(self.hyper)})


def momentum_of(spec: RunSpec) -> float:
    """μ of a heavy-ball run (momentum, Nesterov), else 0: RMSProp's optional momentum is not the
    velocity the theory and the legends speak of."""
    if spec.rule not in registry.names() or not registry.entry(spec.rule).family.momentum:
        return 0.0
    return float(dict(spec.hyper).get("momentum", 0.0))


def momentum_suffix(spec: RunSpec) -> str:
    """ " μ=0.9" for a run with momentum, else "": runs that differ only in μ (the ravine lesson asks
    about μ 0.9 and 0.7) must not look alike in a legend."""
    mu = momentum_of(spec)
    return f" μ={mu:g}" if mu else ""


@dataclass(frozen=True)
class ProblemSpec:
    name: str = "linear_regression"
    options: tuple[tuple[str, object], ...] = ()

    @property
    def is_article(self) -> bool:
        """The article's linear regression (its four fixed points): the one place that decides."""
        return self.name == "linear_regression" and dict(self.options).get("data", "article") == "article"

    @property
    def default_plane(self) -> str:
        """The article's regression opens on its trajectory plane: its loss depends on w1 + w2 and
        w2 + b only, every gradient lies in that 2-D row space, so the plane shows every run exactly,
        while an axis slice would show paths leaving the slice. Everything else on an axis slice."""
        return "pca" if self.is_article else "slice"

    def unused(self) -> tuple[str, ...]:
        """Options that do not apply (the synthetic data's, when the data is the article's)."""
        return tuple(k for k, _ in self.options if k in SYNTHETIC_ONLY) if self.is_article else ()

    def used(self) -> ProblemSpec:
        """The same problem without the options that do not apply."""
        drop = set(self.unused())
        return (
            ProblemSpec(self.name, tuple((k, v) for k, v in self.options if k not in drop)) if drop else self
        )

    def kwargs(self) -> dict:
        opts = dict(self.used().options)
        if self.name == "mlp":
            width, depth = int(opts.pop("width", 8)), int(opts.pop("depth", 1))
            opts["hidden"] = (width,) * depth
        return opts


@dataclass(frozen=True)
class ViewSpec:
    frames: int = 300
    speed: str = "1×"
    log_loss: bool = True
    x_axis: str = "step"  # or "epoch"
    axes: tuple[int, int] | None = None  # slice axes for >2 parameters; None = the problem's default
    plane: str = "slice"  # "slice" (two parameters, others at the final point) or "pca"
    panel: str = "contour"  # or "surface3d"


@dataclass(frozen=True)
class PageConfig:
    problem: ProblemSpec = field(default_factory=ProblemSpec)
    runs: tuple[RunSpec, ...] = ()
    steps: int = 300
    stop_loss: float | None = None
    start: tuple[float, ...] | None = None
    view: ViewSpec = field(default_factory=ViewSpec)


def default_runs(problem: str) -> tuple[RunSpec, ...]:
    """A race that tells a story on each problem at its default window and start."""
    full, mini, sgd = "full", "mini", STOCHASTIC
    presets = {
        # the article: batch vs mini-batch vs stochastic GD, plus momentum, at the learning rate of
        # its code (0.01): the three arrive together, still short of the minimum after 300 steps,
        # which momentum reaches (at 0.05 all four ended within 2 % of the window of each other)
        "linear_regression": (
            RunSpec("gd", 0.01, variant=full),
            RunSpec("gd", 0.01, variant=mini, batch_size=2),
            RunSpec("gd", 0.01, variant=sgd),
            RunSpec("momentum", 0.01, (("momentum", 0.9),), variant=full),
        ),
        "logistic_regression": (
            RunSpec("gd", 0.5, variant=full),
            RunSpec("gd", 0.5, variant=mini, batch_size=16),
            RunSpec("gd", 0.5, variant=sgd),
            RunSpec("adam", 0.05, variant=full),
        ),
        # λ = 1 and 10: at 0.15 (near 2/λ_max = 0.2) GD zigzags across the ravine and arrives; at
        # 0.003 it crawls along it and stops short, where momentum with the same step arrives
        # (every run of the old preset ended on the minimum within 300 steps)
        "quadratic": (
            RunSpec("gd", 0.15),
            RunSpec("gd", 0.003),
            RunSpec("momentum", 0.003, (("momentum", 0.9),)),
            RunSpec("adam", 0.1),
        ),
        "rosenbrock": (
            # 2/λ_max at the start (−2, 2) is 4.8e-4: larger plain steps overshoot the valley at once,
            # so plain GD crawls while momentum and Nesterov carry the same step along the valley;
            # Adam at 0.3 gets halfway (at 0.05, like RMSProp at 0.01, it stays near the start)
            RunSpec("gd", 0.0003),
            RunSpec("momentum", 0.0003, (("momentum", 0.9),)),
            RunSpec("nesterov", 0.0003, (("momentum", 0.9),)),
            RunSpec("adam", 0.3),
        ),
        # plain GD at 0.01 arrives; momentum at 0.01 flew out of the window, at 0.003 it arrives
        # first; RMSProp at 0.003 is still on the plateau
        "beale": (
            RunSpec("gd", 0.01),
            RunSpec("momentum", 0.003, (("momentum", 0.9),)),
            RunSpec("rmsprop", 0.003),
            RunSpec("adam", 0.05),
        ),
        "mlp": (
            RunSpec("gd", 0.5, variant=full),
            RunSpec("gd", 0.5, variant=mini, batch_size=32),
            RunSpec("momentum", 0.1, (("momentum", 0.9),), variant=mini, batch_size=32),
            RunSpec("adam", 0.01, variant=mini, batch_size=32),
        ),
    }
    generic = (
        RunSpec("gd", 0.01),
        RunSpec("momentum", 0.01, (("momentum", 0.9),)),
        RunSpec("rmsprop", 0.01),
        RunSpec("adam", 0.05),
    )
    # the default formula is Rosenbrock's function (the generic race diverged out of its window)
    presets["formula"] = presets["rosenbrock"]
    return presets.get(problem, generic)


def default_config(problem: str = "linear_regression") -> PageConfig:
    return PageConfig(problem=ProblemSpec(problem), runs=default_runs(problem))
