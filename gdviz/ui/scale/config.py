"""The scale page's settings as a frozen value, and what the data allows of them (no Streamlit: the
page's state owner reads its keys into a ``ScaleConfig``; the plan and the tests use it bare).

Every control's range is fixed (K ≤ 64, b ≤ 256, m ≤ 16, …) but what fits depends on the data: 64
workers × 256 samples do not fit in the 200 samples of logistic regression. ``fit_to_data`` brings
K, the backups, m and b within what the problem's samples allow for every selected strategy, and
says what it changed, so the page draws the runs with the numbers it names instead of an error box.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

from gdviz import limits

PROBLEMS = ("linear_regression", "logistic_regression", "mlp")
SIZES = (1_000, 10_000, 100_000, 1_000_000)  # synthetic linear regression only
# The training samples of the fixed data sets (``tests/ui/test_ui_scale.py`` builds each problem and
# checks): the moons' 200 points keep 150 for training.
SAMPLES = {"logistic_regression": 200, "mlp": 150}
DEFAULT_LR = {"linear_regression": 0.1, "logistic_regression": 0.5, "mlp": 0.3}
COMPRESSIONS = ("none", "topk", "randk", "sign", "qsgd")
SHARDS = ("iid", "label")
X_AXES = ("steps", "samples", "seconds")
K_MAX, B_MAX, H_MAX, M_MAX, BACKUPS_MAX = 64, 256, 64, 16, 8
STEPS_MIN, STEPS_MAX, STEPS_STEP = 50, 2000, 50
# a straggler's extra delay, as a multiple of one worker's compute time for its batch: large enough
# that the slow worker of each step stands out on the timeline
STRAGGLER_FACTOR = 3.0
SPEEDUP_WORKERS = (1, 2, 4, 8, 16, 32)
SYNCHRONOUS = ("sync", "accumulate")  # the strategies with backups and the linear scaling rule


@dataclass(frozen=True)
class ScaleConfig:
    problem: str = "linear_regression"
    n: int = 10_000
    strategies: tuple[str, ...] = ("sync", "async")
    workers: int = 4
    batch_size: int = 8
    local_steps: int = 8
    accumulate: int = 4
    lr: float = 0.1
    steps: int = 200
    network: str = "datacenter"
    compression: str = "none"
    error_feedback: bool = False
    shards: str = "iid"
    straggler: bool = False
    backups: int = 0
    scale_lr: bool = False
    x_axis: str = "steps"

    def recipe(self) -> tuple:
        if self.problem == "linear_regression":
            return ("named", "linear_regression", {"data": "synthetic", "n": int(self.n)})
        if self.problem == "mlp":
            return ("named", "mlp", {"dataset": "moons", "n": 200, "hidden": (8,)})
        return ("named", self.problem, {})

    def compressor(self) -> tuple | None:
        """The compressor by name and options (a task's arguments travel as plain values)."""
        if self.compression == "none":
            return None
        opts = {"topk": {"k": 1}, "randk": {"k": 1}, "qsgd": {"s": 4}}.get(self.compression, {})
        return (self.compression, tuple(opts.items()))

    def common(self) -> dict:
        """``parallel.train``'s keywords every strategy shares."""
        compute = 1e-5 + self.batch_size * 1e-6  # the core's default step and sample seconds
        return {
            "batch_size": int(self.batch_size),
            "network": self.network,
            "compression": self.compressor(),
            "error_feedback": bool(self.error_feedback and self.compression != "none"),
            "shards": "label" if self.shards == "label" else None,
            "straggler": STRAGGLER_FACTOR * compute if self.straggler else 0.0,
        }

    def own(self, strategy: str) -> dict:
        """The options of one strategy only (the core refuses them for the others)."""
        synchronous = {"backups": int(self.backups), "scale_lr": bool(self.scale_lr)}
        return {
            "sync": synchronous,
            "accumulate": {"accumulate": self.accumulate, **synchronous},
            "local": {"local_steps": self.local_steps},
        }.get(strategy, {})

    def run_options(self, strategy: str) -> dict:
        return {
            "strategy": strategy,
            "workers": int(self.workers),
            "steps": int(self.steps),
            **self.common(),
            **self.own(strategy),
        }


def n_samples(cfg: ScaleConfig) -> int:
    """The problem's training samples, known without building it."""
    return int(cfg.n) if cfg.problem == "linear_regression" else SAMPLES[cfg.problem]


class Clamp(NamedTuple):
    """A setting brought within the data: ``key`` (K, backups, m or b), the value asked for, the
    value used, and ``why``: "workers" (each worker needs a sample), "cap" (K + backups ≤
    ``limits.MAX_WORKERS``), "global" (the global batch
    ``workers`` × ``m`` × b must fit in the n samples) or "shard" (b must fit in the smallest of
    ``workers`` shards, ⌊n / workers⌋ samples)."""

    key: str
    asked: int
    used: int
    why: str
    workers: int = 0  # K + backups of the strategy that set the limit
    m: int = 1


def _uses_shards(cfg: ScaleConfig, strategy: str) -> bool:
    """Whether the strategy's workers draw from fixed shards (``parallel.train``: local SGD always,
    every strategy when the data is sorted by label) rather than cut one shared global batch."""
    return cfg.shards == "label" or strategy == "local"


def fit_to_data(cfg: ScaleConfig) -> tuple[ScaleConfig, tuple[Clamp, ...]]:
    """``cfg`` with K, the backups, m and b as large as asked but no larger than the problem's samples
    (and the core's cap on workers) allow for every selected strategy (``parallel.train``'s checks),
    and what was changed. K is the page's subject and goes last: b shrinks first, then m, then the
    backups."""
    n = n_samples(cfg)
    chosen = cfg.strategies
    clamps: list[Clamp] = []
    K = min(cfg.workers, n)
    if K != cfg.workers:
        clamps.append(Clamp("K", cfg.workers, K, "workers"))
    backups = cfg.backups
    if any(s in SYNCHRONOUS for s in chosen):
        # the core's cap on all workers binds first: 64 workers leave no room for a backup
        for most, why in ((limits.MAX_WORKERS - K, "cap"), (n - K, "workers")):
            if backups > most:
                clamps.append(Clamp("backups", backups, most, why, limits.MAX_WORKERS))
                backups = most

    def workers(s: str) -> int:
        return K + (backups if s in SYNCHRONOUS else 0)

    m = cfg.accumulate
    if "accumulate" in chosen and not _uses_shards(cfg, "accumulate"):
        W = workers("accumulate")
        m = min(m, n // W)  # even one sample per micro-batch must fit
        if m != cfg.accumulate:
            clamps.append(Clamp("m", cfg.accumulate, m, "global", W))
    b, limit = cfg.batch_size, None
    for s in chosen:
        W, ms = workers(s), (m if s == "accumulate" else 1)
        if _uses_shards(cfg, s):
            most, why = n // W, "shard"
        else:
            most, why = n // (W * ms), "global"
        if most < b:
            b, limit = most, (why, W, ms)
    if limit is not None:
        clamps.append(Clamp("b", cfg.batch_size, b, *limit))
    if not clamps:
        return cfg, ()
    return replace(cfg, workers=K, backups=backups, accumulate=m, batch_size=b), tuple(clamps)


__all__ = [
    "BACKUPS_MAX",
    "B_MAX",
    "COMPRESSIONS",
    "DEFAULT_LR",
    "H_MAX",
    "K_MAX",
    "M_MAX",
    "PROBLEMS",
    "SAMPLES",
    "SHARDS",
    "SIZES",
    "SPEEDUP_WORKERS",
    "STEPS_MAX",
    "STEPS_MIN",
    "STEPS_STEP",
    "STRAGGLER_FACTOR",
    "X_AXES",
    "Clamp",
    "ScaleConfig",
    "fit_to_data",
    "n_samples",
]
