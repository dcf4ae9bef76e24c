"""Learning-rate schedules: callables ``step -> lr`` (step 0 is the first update).

A plain float works wherever a schedule does; :func:`as_schedule` turns either into a callable.
Each schedule scales a base learning rate ``lr`` that may be a float or a per-run array ``(R,)``,
so a sweep over learning rates shares one schedule shape. Formulas follow torch.optim.lr_scheduler
in closed form (StepLR, ExponentialLR, CosineAnnealingLR, LinearLR warm-up).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.errors import check_choice, check_number
from gdviz.optim.base import check_lr

SCHEDULE_NAMES = ("constant", "step", "exponential", "cosine", "inverse_time")


@dataclass(frozen=True)
class Schedule:
    """A named schedule; calling it with a step (int, or int array) gives the learning rate."""

    name: str
    lr: float | np.ndarray | None = None
    params: tuple[tuple[str, float], ...] = ()

    def bind(self, lr, steps: int) -> Schedule:
        """Fill in what the run knows: the base lr (if the schedule has none) and t_max (if unset)."""
        p = dict(self.params)
        if self.name == "cosine" and p["t_max"] is None:
            p["t_max"] = max(int(steps), p["warmup"] + 1)
        return Schedule(self.name, self.lr if self.lr is not None else lr, tuple(sorted(p.items())))

    def factor(self, step):
        """The multiplier applied to the base lr at ``step`` (vectorized over ``step``)."""
        p = dict(self.params)
        t = np.asarray(step, dtype=float)
        if self.name == "constant":
            f = np.ones_like(t)
        elif self.name == "step":
            # torch StepLR: lr · γ^⌊t / step_size⌋
            f = p["gamma"] ** np.floor(t / p["step_size"])
        elif self.name == "exponential":
            # torch ExponentialLR: lr · γ^t
            f = p["gamma"] ** t
        elif self.name == "cosine":
            # torch CosineAnnealingLR in closed form: η_min + (η − η_min)(1 + cos(π t / T)) / 2, held at
            # η_min after T; expressed as a factor of the base lr so per-run lrs share it.
            horizon, ratio, warm = p["t_max"], p["min_factor"], p["warmup"]
            tc = np.clip(t - warm, 0.0, max(horizon - warm, 1.0))
            span = max(horizon - warm, 1.0)
            f = ratio + (1.0 - ratio) * 0.5 * (1.0 + np.cos(np.pi * tc / span))
            if warm > 0:
                # linear warm-up from lr/warm to lr over `warm` steps (torch LinearLR-style)
                f = np.where(t < warm, (t + 1.0) / warm, f)
        elif self.name == "inverse_time":
            # lr / (1 + decay · t): the classic 1/t schedule that satisfies Robbins–Monro for SGD
            f = 1.0 / (1.0 + p["decay"] * t)
        else:  # pragma: no cover - guarded by the factory
            raise AssertionError(self.name)
        return f if np.ndim(step) else float(f)

    @property
    def bound(self) -> bool:
        """Whether the schedule can be evaluated: it has its lr and, for cosine, its horizon."""
        return self.lr is not None and dict(self.params).get("t_max", 0) is not None

    def values(self, steps: int) -> np.ndarray:
        """The lr of steps 0 … steps − 1 at once: ``(steps,)``, or ``(steps, R)`` for per-run lrs."""
        return np.asarray(self(np.arange(int(steps))), dtype=float)

    def __call__(self, step):
        if not self.bound:
            missing = "lr" if self.lr is None else "t_max"
            raise ValueError(
                f"schedule {self.name!r} is unbound: give it an lr (and t_max) or pass it to run(); "
                f"got {missing}=None"
            )
        if type(step) is int and step >= 0:
            return self._at(step)
        f = self.factor(step)
        lr = self.lr
        if isinstance(lr, np.ndarray) and np.ndim(step):
            return np.multiply.outer(f, lr)
        return f * lr

    _BLOCK = 1024

    def _at(self, step: int):
        """One step's lr from a table computed a block at a time: the optimizer asks every step,
        and the closed form costs a dozen NumPy calls; a lookup costs none."""
        memo = self.__dict__.get("_memo")
        if memo is None:
            memo = {}
            object.__setattr__(self, "_memo", memo)  # a cache, not state: equality ignores it
        block, i = divmod(step, self._BLOCK)
        table = memo.get(block)
        if table is None:
            steps = np.arange(block * self._BLOCK, (block + 1) * self._BLOCK)
            f = self.factor(steps)
            table = np.multiply.outer(f, self.lr) if isinstance(self.lr, np.ndarray) else f * self.lr
            memo[block] = table
        value = table[i]
        return float(value) if np.ndim(value) == 0 else value


def schedule(name: str = "constant", lr: float | np.ndarray | None = None, **options) -> Schedule:
    """Build a schedule.

    - ``constant``: α_t = α
    - ``step`` (step_size=100, gamma=0.5): α_t = α·γ^⌊t/step_size⌋
    - ``exponential`` (gamma=0.99): α_t = α·γ^t
    - ``cosine`` (t_max=None → the run's length, min_factor=0, warmup=0): linear warm-up, then
      α_t = α·(m + (1−m)(1+cos(π(t−w)/(T−w)))/2)
    - ``inverse_time`` (decay=0.01): α_t = α/(1 + decay·t)

    ``lr`` None means "the optimizer's lr", filled in by :func:`gdviz.run`.
    """
    check_choice("schedule", name, SCHEDULE_NAMES)
    lr = None if lr is None else _check_lr(lr)
    defaults = {
        "constant": {},
        "step": {"step_size": 100, "gamma": 0.5},
        "exponential": {"gamma": 0.99},
        "cosine": {"t_max": None, "min_factor": 0.0, "warmup": 0},
        "inverse_time": {"decay": 0.01},
    }[name]
    unknown = set(options) - set(defaults)
    if unknown:
        allowed = ", ".join(defaults) or "none"
        raise ValueError(f"schedule {name!r} got unknown option(s) {sorted(unknown)}; allowed: {allowed}")
    p = {**defaults, **options}
    if name == "step":
        p["step_size"] = check_number("step_size", p["step_size"], lo=1, integer=True)
        p["gamma"] = check_number("gamma", p["gamma"], lo=0, hi=1, lo_open=True)
    elif name == "exponential":
        p["gamma"] = check_number("gamma", p["gamma"], lo=0, hi=1, lo_open=True)
    elif name == "cosine":
        if p["t_max"] is not None:
            p["t_max"] = check_number("t_max", p["t_max"], lo=1, integer=True)
        p["min_factor"] = check_number("min_factor", p["min_factor"], lo=0, hi=1)
        p["warmup"] = check_number("warmup", p["warmup"], lo=0, integer=True)
        if p["t_max"] is not None and p["warmup"] >= p["t_max"]:
            raise ValueError(f"warmup must be smaller than t_max ({p['t_max']}), got {p['warmup']}")
    elif name == "inverse_time":
        p["decay"] = check_number("decay", p["decay"], lo=0)
    return Schedule(name, lr, tuple(sorted(p.items())))


def _check_lr(lr):
    return check_lr(lr)


def as_schedule(lr) -> Schedule | object:
    """A float or array becomes a constant :class:`Schedule`; a callable is returned unchanged."""
    if callable(lr):
        return lr
    return schedule("constant", lr)
