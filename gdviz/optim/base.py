"""What every update rule shares: the ``Optimizer`` pair, hyperparameter checks against the ranges
each rule declares, and the few array helpers the rules' hot paths use.

A rule lives in a module of its own (``sgd.py``, ``adagrad.py``, ``rmsprop.py``, ``adam.py``) with
its update as math in the docstring, the update itself, its step-by-step explainer for the step
inspector and its LaTeX; it declares itself to the registry (``registry.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from gdviz.errors import check_bool, check_number, given
from gdviz.limits import MAX_PARAMS, MAX_RUNS
from gdviz.optim.registry import LR_BOUNDS, LR_LIMIT, entry


class Optimizer(NamedTuple):
    """An update rule: ``init(params) -> state``, ``update(grads, state, params) -> (updates, state)``.

    ``name`` is the canonical torch.optim name, ``hyper`` the resolved hyperparameters under torch's
    names (with scalars only, ``torch.optim.<Rule>(params, **hyper)`` builds the same optimizer), and
    ``label`` the name the caller asked for (``"momentum"`` for ``name="sgd"``, momentum 0.9).
    """

    name: str
    hyper: dict
    init: Callable
    update: Callable
    label: str = ""

    def with_lr(self, lr) -> Optimizer:
        """The same rule and hyperparameters with another learning rate (a number, an array of one
        per run, or a schedule)."""
        from gdviz.optim import optimizer

        return optimizer(self.label or self.name, **{**self.hyper, "lr": lr})


# --- validation ---------------------------------------------------------------------------------
def check_value(name: str, value, lo, hi, lo_open, hi_open):
    """A number (returned as float) or a 1-D array ``(R,)`` (returned as a read-only float copy)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if not isinstance(value, (list, tuple, np.ndarray)):
        return check_number(name, value, lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open)
    try:
        arr = np.array(value)
    except ValueError:
        arr = np.array(value, dtype=object)
    if arr.dtype.kind not in "iuf" or arr.ndim != 1 or not 1 <= arr.size <= MAX_RUNS:
        raise ValueError(
            f"{name} must be a number or a 1-D array of numbers (one per run, at most {MAX_RUNS}), "
            f"got {type(value).__name__} of shape {arr.shape} and dtype {arr.dtype}"
        )
    arr = arr.astype(float)
    for i in range(arr.size):
        check_number(f"{name}[{i}]", arr[i], lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open)
    arr.flags.writeable = False
    return arr


def check_lr(value, name: str = "lr"):
    """The one check of a learning rate: a finite number in (0, LR_LIMIT], or an array of them."""
    return check_value(name, value, *LR_BOUNDS)


def check_lr_values(values: np.ndarray) -> np.ndarray:
    """What a schedule gave for every step must be a learning rate too."""
    bad = ~(np.isfinite(values) & (values > 0) & (values <= LR_LIMIT))
    if np.any(bad):
        first = tuple(np.argwhere(bad)[0])
        raise ValueError(
            f"the learning-rate schedule must give finite values in (0, {LR_LIMIT:g}] at every step, "
            f"got {given(values[first])} at step {first[0]}"
        )
    return values


def resolve(name: str, hyper: dict) -> tuple[str, dict, int | None]:
    """(rule, hyperparameters with defaults, number of runs the per-run arrays imply or None)."""
    e = entry(name)
    base = e.defaults
    unknown = [k for k in hyper if k not in base]
    if unknown:
        raise ValueError(
            f"optimizer {name!r} got unknown hyperparameter(s) {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(base)}"
        )
    out = {**base, **hyper}
    sizes: dict[str, int] = {}
    for h in e.rule.hypers:
        key, value = h.name, out[h.name]
        if isinstance(h.default, bool):
            out[key] = check_bool(key, value)
        elif key == "lr" and callable(value):
            # a schedule is checked where it is evaluated: a run knows its length, the optimizer not
            pass
        elif h.parts:
            if not isinstance(value, (tuple, list)) or len(value) != len(h.parts):
                raise ValueError(f"{key} must be a pair ({', '.join(h.parts)}), got {given(value)}")
            out[key] = tuple(check_value(f"{key}[{i}]", v, *h.bounds) for i, v in enumerate(value))
            for i, v in enumerate(out[key]):
                if isinstance(v, np.ndarray):
                    sizes[f"{key}[{i}]"] = v.size
        else:
            out[key] = check_lr(value) if key == "lr" else check_value(key, value, *h.bounds)
            if isinstance(out[key], np.ndarray):
                sizes[key] = out[key].size
    lr = out["lr"]
    lr_runs = getattr(lr, "lr", None)
    if isinstance(lr_runs, np.ndarray):
        sizes["lr"] = lr_runs.size  # a schedule scaling one base lr per run
    if len(set(sizes.values())) > 1:
        raise ValueError(
            "per-run hyperparameter arrays must all have the same length (one value per run); got "
            + ", ".join(f"{k}: {n}" for k, n in sizes.items())
        )
    return e.rule.name, out, next(iter(sizes.values()), None)


# --- helpers shared by the rules -----------------------------------------------------------------
def col(value):
    """Scalars become floats, ``(R,)`` arrays ``(R, 1)`` columns that broadcast against ``(R, P)``."""
    if isinstance(value, np.ndarray):
        return value[:, None] if value.ndim == 1 else float(value)
    return float(value)


def const(value):
    """A constant for the hot path: NumPy multiplies by a 0-d array ~40% faster than by a float."""
    return value if isinstance(value, np.ndarray) and value.ndim else np.array(float(value))


def lr_parts(lr):
    """``(constant lr as float or column, None)`` or ``(None, schedule)``."""
    return (None, lr) if callable(lr) else (col(lr), None)


def scheduled_lr(sched, count):
    value = sched(count)
    if type(value) is float:
        return value
    return col(np.asarray(value, dtype=float))


def nonzero(value) -> bool:
    return bool(np.any(np.asarray(value) != 0))


def lerp_kind(weight):
    """torch.lerp computes ``a + w(b − a)`` for w < 0.5 and ``b − (b − a)(1 − w)`` otherwise."""
    small = np.asarray(weight) < 0.5
    if small.all():
        return True
    return False if not small.any() else small


def lerp(start, end, weight, one_minus_weight, kind):
    if kind is True:
        return start + weight * (end - start)
    if kind is False:
        return end - (end - start) * one_minus_weight
    diff = end - start
    return np.where(kind, start + weight * diff, end - diff * one_minus_weight)


def make_init(runs: int | None, make_state: Callable):
    def init(params) -> NamedTuple:
        p = np.asarray(params, dtype=float)
        if p.ndim not in (1, 2) or not 1 <= p.shape[-1] <= MAX_PARAMS:
            raise ValueError(
                f"params must have shape (P,) or (R, P) with 1 ≤ P ≤ {MAX_PARAMS}, got {p.shape}"
            )
        if runs is not None and (p.ndim != 2 or p.shape[0] != runs):
            raise ValueError(
                f"per-run hyperparameters hold {runs} values, so params must have shape ({runs}, P), "
                f"got {p.shape}"
            )
        if p.ndim == 2 and not 1 <= p.shape[0] <= MAX_RUNS:
            raise ValueError(f"the number of runs must be between 1 and {MAX_RUNS}, got {p.shape[0]}")
        return make_state(p.shape)

    return init
