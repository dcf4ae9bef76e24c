"""Update rules as pure ``init``/``update`` pairs (in the style of optax), following torch.optim.

``opt = optimizer("adam", lr=0.01)``; ``state = opt.init(params)``; then each step
``updates, state = opt.update(grads, state, params)`` and ``params = params + updates``.

Names, hyperparameter names, defaults and the order of floating-point operations follow the
single-tensor (``foreach=False``) algorithms of torch.optim, so trajectories agree with torch to
float64 round-off (torch fuses some multiply-adds on CPU, NumPy cannot, hence not bit for bit).

Shapes: ``params`` and ``grads`` are ``(P,)`` or ``(R, P)`` (R runs). Every numeric hyperparameter
is a number or an array ``(R,)`` with one value per run; ``lr`` may also be a schedule, any callable
``step -> lr`` (number or ``(R,)`` array) evaluated at ``state.count`` (0 for the first update). A
schedule is not called at construction (it may need binding to a run's length first), and its
values are not checked per step: the run loop validates its lr table once.

``update`` needs ``params`` only when there is weight decay (``adamw`` by default).

``update`` does not enter ``np.errstate`` (that costs more than the update itself): a loop that can
diverge should run inside one ``np.errstate(over="ignore", invalid="ignore", divide="ignore")``
and check the results for non-finite values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from gdviz._checks import check_choice, check_number
from gdviz.limits import MAX_PARAMS, MAX_RUNS

__all__ = [
    "OPTIMIZER_NAMES",
    "AdagradState",
    "AdamState",
    "Optimizer",
    "RMSpropState",
    "SGDState",
    "current_lr",
    "formula_latex",
    "optimizer",
]

LR_MAX = 1e6


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


class SGDState(NamedTuple):
    count: int
    momentum_buffer: np.ndarray | None  # None when momentum = 0 (torch keeps no buffer either)


class AdagradState(NamedTuple):
    count: int
    sum: np.ndarray  # running sum of squared gradients


class RMSpropState(NamedTuple):
    count: int
    square_avg: np.ndarray
    grad_avg: np.ndarray | None  # only when centered
    momentum_buffer: np.ndarray | None  # only when momentum > 0


class AdamState(NamedTuple):
    count: int
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    max_exp_avg_sq: np.ndarray | None  # only when amsgrad


# (lo, hi, lo_open, hi_open) of every numeric hyperparameter.
_RANGES = {
    "lr": (0.0, LR_MAX, True, False),
    "momentum": (0.0, 1.0, False, True),
    "dampening": (0.0, 1.0, False, False),
    "weight_decay": (0.0, None, False, False),
    "lr_decay": (0.0, None, False, False),
    "initial_accumulator_value": (0.0, None, False, False),
    "eps": (0.0, None, False, False),
    "alpha": (0.0, 1.0, False, True),
    "betas": (0.0, 1.0, False, True),
}

_DEFAULTS = {
    "sgd": {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False},
    "adagrad": {
        "lr": 1e-2,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
    },
    "rmsprop": {
        "lr": 1e-2,
        "alpha": 0.99,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum": 0.0,
        "centered": False,
    },
    "adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False},
    "adamw": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2, "amsgrad": False},
}

# Convenience names: (canonical rule, defaults that differ from the rule's own).
_ALIASES = {
    "gd": ("sgd", {}),
    "momentum": ("sgd", {"momentum": 0.9}),
    "nesterov": ("sgd", {"momentum": 0.9, "nesterov": True}),
}

OPTIMIZER_NAMES = (*_DEFAULTS, *_ALIASES)


# --- validation ---------------------------------------------------------------------------------
def _check_value(name: str, value, lo, hi, lo_open, hi_open):
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


def _check_bool(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _resolve(name: str, hyper: dict) -> tuple[str, dict, int | None]:
    check_choice("optimizer", name, OPTIMIZER_NAMES)
    rule, overrides = _ALIASES.get(name, (name, {}))
    defaults = {**_DEFAULTS[rule], **overrides}
    unknown = [k for k in hyper if k not in defaults]
    if unknown:
        raise ValueError(
            f"optimizer {name!r} got unknown hyperparameter(s) {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(defaults)}"
        )
    out = {**defaults, **hyper}
    sizes: dict[str, int] = {}
    for key, value in out.items():
        if isinstance(defaults[key], bool):
            out[key] = _check_bool(key, value)
        elif key == "lr" and callable(value):
            # Not called here: a schedule may only become callable once a run binds it (its length).
            pass
        elif key == "betas":
            if not isinstance(value, (tuple, list)) or len(value) != 2:
                raise ValueError(f"betas must be a pair (beta1, beta2), got {value!r}")
            out[key] = tuple(_check_value(f"betas[{i}]", v, *_RANGES["betas"]) for i, v in enumerate(value))
            for i, v in enumerate(out[key]):
                if isinstance(v, np.ndarray):
                    sizes[f"betas[{i}]"] = v.size
        else:
            out[key] = _check_value(key, value, *_RANGES[key])
            if isinstance(out[key], np.ndarray):
                sizes[key] = out[key].size
    if len(set(sizes.values())) > 1:
        raise ValueError(
            "per-run hyperparameter arrays must all have the same length (one value per run); got "
            + ", ".join(f"{k}: {n}" for k, n in sizes.items())
        )
    if rule == "sgd" and out["nesterov"] and (np.any(out["momentum"] <= 0) or np.any(out["dampening"] != 0)):
        raise ValueError(
            "nesterov=True requires momentum > 0 and dampening = 0 (as torch.optim.SGD); got "
            f"momentum={out['momentum']!r}, dampening={out['dampening']!r}"
        )
    return rule, out, next(iter(sizes.values()), None)


# --- helpers shared by the rules -----------------------------------------------------------------
def _col(value):
    """Scalars become floats, ``(R,)`` arrays ``(R, 1)`` columns that broadcast against ``(R, P)``."""
    if isinstance(value, np.ndarray):
        return value[:, None] if value.ndim == 1 else float(value)
    return float(value)


def _k(value):
    """A constant for the hot path: NumPy multiplies by a 0-d array ~40% faster than by a float."""
    return value if isinstance(value, np.ndarray) and value.ndim else np.array(float(value))


def _lr_parts(lr):
    """``(constant lr as float or column, None)`` or ``(None, schedule)``."""
    return (None, lr) if callable(lr) else (_col(lr), None)


def _sched_lr(sched, count):
    value = sched(count)
    if type(value) is float:
        return value
    return _col(np.asarray(value, dtype=float))


def _nonzero(value) -> bool:
    return bool(np.any(np.asarray(value) != 0))


def _lerp_kind(weight):
    """torch.lerp computes ``a + w(b − a)`` for w < 0.5 and ``b − (b − a)(1 − w)`` otherwise."""
    small = np.asarray(weight) < 0.5
    if small.all():
        return True
    return False if not small.any() else small


def _lerp(start, end, weight, one_minus_weight, kind):
    if kind is True:
        return start + weight * (end - start)
    if kind is False:
        return end - (end - start) * one_minus_weight
    diff = end - start
    return np.where(kind, start + weight * diff, end - diff * one_minus_weight)


def _make_init(runs: int | None, make_state: Callable):
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


# --- the rules -----------------------------------------------------------------------------------
# Each factory returns (make_state, update). Constants are folded at construction; ``update`` only
# branches on flags, so a step costs a handful of ufunc calls. The expressions mirror torch's kernels
# operation by operation (e.g. ``add_(g, alpha=a)`` is ``x + a*g``, ``addcdiv_(m, d, value=v)`` is
# ``x + (v*m)/d``); keep that order when editing or the torch comparison tests will drift.
def _sgd(h: dict):
    """SGD with momentum, dampening, weight decay and Nesterov (torch.optim.SGD).

    With γ = lr, μ = momentum, τ = dampening, λ = weight_decay, gₜ = ∇f(θₜ₋₁):
        gₜ ← gₜ + λ θₜ₋₁                                  if λ ≠ 0
        bₜ = gₜ (t = 1),  bₜ = μ bₜ₋₁ + (1 − τ) gₜ (t > 1)  if μ ≠ 0
        gₜ ← gₜ + μ bₜ (nesterov),  gₜ ← bₜ (otherwise)     if μ ≠ 0
        θₜ = θₜ₋₁ − γ gₜ
    """
    lr, sched = _lr_parts(h["lr"])
    neg_lr = None if sched is not None else _k(-lr)
    mom, wd = _col(h["momentum"]), _col(h["weight_decay"])
    use_mom, use_wd, nesterov = _nonzero(mom), _nonzero(wd), h["nesterov"]
    damp = 1 - _col(h["dampening"])
    if isinstance(mom, np.ndarray):
        # Runs with momentum 0 then keep bₜ = gₜ, which is exactly torch's no-buffer path.
        damp = np.where(mom == 0, 1.0, damp)
    unit_damp = not _nonzero(np.asarray(damp) - 1)
    mom, wd, damp = _k(mom), _k(wd), _k(damp)

    def make_state(shape):
        return SGDState(0, np.zeros(shape) if use_mom else None)

    def update(grads, state, params=None):
        count = state.count
        g = grads + wd * params if use_wd else grads
        step = neg_lr if sched is None else -_sched_lr(sched, count)
        if not use_mom:
            return step * g, SGDState(count + 1, None)
        if count == 0:
            # torch starts the buffer as a copy of the first gradient, not μ·0 + (1 − τ)g.
            buf = g.copy() if g is grads else g
        elif unit_damp:
            buf = state.momentum_buffer * mom + g
        else:
            buf = state.momentum_buffer * mom + damp * g
        if nesterov:
            return step * (g + mom * buf), SGDState(count + 1, buf)
        return step * buf, SGDState(count + 1, buf)

    return make_state, update


def _adagrad(h: dict):
    """Adagrad (torch.optim.Adagrad).

    With γ = lr, η = lr_decay, λ = weight_decay, ε = eps, s₀ = initial_accumulator_value:
        gₜ ← gₜ + λ θₜ₋₁
        γ̃ = γ / (1 + (t − 1) η)
        sₜ = sₜ₋₁ + gₜ²
        θₜ = θₜ₋₁ − γ̃ gₜ / (√sₜ + ε)
    """
    lr, sched = _lr_parts(h["lr"])
    decay, wd, init_acc = _col(h["lr_decay"]), _col(h["weight_decay"]), _col(h["initial_accumulator_value"])
    use_decay, use_wd = _nonzero(decay), _nonzero(wd)
    # Without decay torch's γ/(1 + 0) is γ exactly, so the negated constant can be folded.
    neg_lr = _k(-lr) if sched is None and not use_decay else None
    wd, eps = _k(wd), _k(_col(h["eps"]))

    def make_state(shape):
        return AdagradState(0, np.broadcast_to(init_acc, shape).astype(float))

    def update(grads, state, params=None):
        count = state.count
        g = grads + wd * params if use_wd else grads
        if neg_lr is not None:
            step = neg_lr
        else:
            clr = lr if sched is None else _sched_lr(sched, count)
            step = -(clr / (1 + count * decay)) if use_decay else -clr
        acc = state.sum + g * g
        std = np.sqrt(acc)
        std += eps
        return (step * g) / std, AdagradState(count + 1, acc)

    return make_state, update


def _rmsprop(h: dict):
    """RMSprop (torch.optim.RMSprop).

    With γ = lr, α = alpha, ε = eps, λ = weight_decay, μ = momentum:
        gₜ ← gₜ + λ θₜ₋₁
        vₜ = α vₜ₋₁ + (1 − α) gₜ²
        ṽₜ = vₜ − (gᵃᵛᵍₜ)²,  gᵃᵛᵍₜ = α gᵃᵛᵍₜ₋₁ + (1 − α) gₜ      if centered, else ṽₜ = vₜ
        bₜ = μ bₜ₋₁ + gₜ / (√ṽₜ + ε),  θₜ = θₜ₋₁ − γ bₜ       if μ > 0
        θₜ = θₜ₋₁ − γ gₜ / (√ṽₜ + ε)                         otherwise
    """
    lr, sched = _lr_parts(h["lr"])
    neg_lr = None if sched is not None else _k(-lr)
    alpha, wd, mom = _col(h["alpha"]), _col(h["weight_decay"]), _col(h["momentum"])
    use_wd, use_mom, centered = _nonzero(wd), _nonzero(mom), h["centered"]
    one_minus_alpha = 1 - alpha
    lerp_kind = _lerp_kind(one_minus_alpha)
    alpha, oma, lerp_rest = _k(alpha), _k(one_minus_alpha), _k(1 - one_minus_alpha)
    wd, mom, eps = _k(wd), _k(mom), _k(_col(h["eps"]))

    def make_state(shape):
        return RMSpropState(
            0,
            np.zeros(shape),
            np.zeros(shape) if centered else None,
            np.zeros(shape) if use_mom else None,
        )

    def update(grads, state, params=None):
        count = state.count
        g = grads + wd * params if use_wd else grads
        step = neg_lr if sched is None else -_sched_lr(sched, count)
        sq = state.square_avg * alpha + (oma * g) * g
        if centered:
            gavg = _lerp(state.grad_avg, g, oma, lerp_rest, lerp_kind)
            avg = np.sqrt(sq - gavg * gavg)
        else:
            gavg = None
            avg = np.sqrt(sq)
        avg += eps
        if use_mom:
            buf = state.momentum_buffer * mom + g / avg
            return step * buf, RMSpropState(count + 1, sq, gavg, buf)
        return (step * g) / avg, RMSpropState(count + 1, sq, gavg, None)

    return make_state, update


def _adam(h: dict, decoupled: bool):
    """Adam (torch.optim.Adam) and AdamW (decoupled weight decay, torch.optim.AdamW).

    With γ = lr, (β₁, β₂) = betas, ε = eps, λ = weight_decay:
        θₜ₋₁ ← θₜ₋₁ (1 − γλ)  (AdamW)   or   gₜ ← gₜ + λ θₜ₋₁  (Adam)
        mₜ = β₁ mₜ₋₁ + (1 − β₁) gₜ
        vₜ = β₂ vₜ₋₁ + (1 − β₂) gₜ²
        v̂ₜ = max(v̂ₜ₋₁, vₜ) if amsgrad, else vₜ
        θₜ = θₜ₋₁ − γ mₜ / (1 − β₁ᵗ) / (√v̂ₜ / √(1 − β₂ᵗ) + ε)
    """
    lr, sched = _lr_parts(h["lr"])
    b1, b2 = (_col(b) for b in h["betas"])
    wd = _col(h["weight_decay"])
    use_wd, amsgrad = _nonzero(wd), h["amsgrad"]
    lerp_kind = _lerp_kind(1 - b1)
    w1, w1_rest, b2k, w2 = _k(1 - b1), _k(1 - (1 - b1)), _k(b2), _k(1 - b2)
    eps = _k(_col(h["eps"]))
    shrink = _k(1 - lr * wd) if decoupled and sched is None else None
    wd_k = _k(wd)

    def make_state(shape):
        return AdamState(0, np.zeros(shape), np.zeros(shape), np.zeros(shape) if amsgrad else None)

    def update(grads, state, params=None):
        count, m, v, vmax = state
        t = count + 1
        rate = lr if sched is None else _sched_lr(sched, count)
        g = grads
        if use_wd:
            if not decoupled:
                g = grads + wd_k * params
            elif shrink is not None:
                shrunk = params * shrink
            else:
                shrunk = params * (1 - rate * wd)
        if lerp_kind is True:
            m = m + w1 * (g - m)
        else:
            m = _lerp(m, g, w1, w1_rest, lerp_kind)
        v = v * b2k + (w2 * g) * g
        if amsgrad:
            vmax = np.maximum(vmax, v)
            denom = np.sqrt(vmax)
        else:
            denom = np.sqrt(v)
        denom /= (1 - b2**t) ** 0.5
        denom += eps
        delta = (-(rate / (1 - b1**t)) * m) / denom
        if use_wd and decoupled:
            # torch writes θ(1 − γλ) + Δ; returning that minus θ makes θ + updates reproduce it
            # exactly whenever the step is small (Sterbenz), unlike Δ − γλθ.
            delta = (shrunk + delta) - params
        return delta, AdamState(t, m, v, vmax)

    return make_state, update


def optimizer(name: str, **hyper) -> Optimizer:
    """The update rule ``name`` (one of ``OPTIMIZER_NAMES``) with torch.optim's hyperparameters.

    ``sgd`` (lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False), ``adagrad``
    (lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10), ``rmsprop``
    (lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False), ``adam`` (lr=1e-3,
    betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False), ``adamw`` (as adam,
    weight_decay=1e-2, decoupled). Convenience names: ``gd`` (sgd), ``momentum`` (sgd, momentum=0.9),
    ``nesterov`` (sgd, momentum=0.9, nesterov=True). Any numeric hyperparameter may be an array
    ``(R,)``, one value per run (then params must be ``(R, P)``); ``lr`` may be a callable schedule.
    """
    rule, resolved, runs = _resolve(name, hyper)
    if rule == "sgd":
        make_state, update = _sgd(resolved)
    elif rule == "adagrad":
        make_state, update = _adagrad(resolved)
    elif rule == "rmsprop":
        make_state, update = _rmsprop(resolved)
    else:
        make_state, update = _adam(resolved, decoupled=rule == "adamw")
    return Optimizer(rule, resolved, _make_init(runs, make_state), update, name)


def current_lr(opt: Optimizer, state) -> float | np.ndarray:
    """The base lr the next ``update`` will use (before Adagrad's lr_decay): a float or ``(R,)``."""
    lr = opt.hyper["lr"]
    if not callable(lr):
        return lr
    value = lr(state.count)
    return value if type(value) is float else np.asarray(value, dtype=float)[()]


_LATEX = {
    "sgd": r"\theta_t = \theta_{t-1} - \gamma\, g_t",
    "momentum": (
        r"\begin{aligned} b_t &= \mu\, b_{t-1} + (1-\tau)\, g_t \\ "
        r"\theta_t &= \theta_{t-1} - \gamma\, b_t \end{aligned}"
    ),
    "nesterov": (
        r"\begin{aligned} b_t &= \mu\, b_{t-1} + g_t \\ "
        r"\theta_t &= \theta_{t-1} - \gamma\,(g_t + \mu\, b_t) \end{aligned}"
    ),
    "adagrad": (
        r"\begin{aligned} s_t &= s_{t-1} + g_t^2 \\ "
        r"\theta_t &= \theta_{t-1} - \frac{\gamma}{1+(t-1)\eta}\,\frac{g_t}{\sqrt{s_t}+\epsilon} "
        r"\end{aligned}"
    ),
    "rmsprop": (
        r"\begin{aligned} v_t &= \alpha\, v_{t-1} + (1-\alpha)\, g_t^2 \\ "
        r"\theta_t &= \theta_{t-1} - \gamma\,\frac{g_t}{\sqrt{v_t}+\epsilon} \end{aligned}"
    ),
    "adam": (
        r"\begin{aligned} m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\ "
        r"v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\ "
        r"\hat m_t &= \frac{m_t}{1-\beta_1^t},\quad \hat v_t = \frac{v_t}{1-\beta_2^t} \\ "
        r"\theta_t &= \theta_{t-1} - \gamma\,\frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon} \end{aligned}"
    ),
    "adamw": (
        r"\begin{aligned} \theta_{t-1} &\leftarrow \theta_{t-1}\,(1-\gamma\lambda) \\ "
        r"m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\ "
        r"v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\ "
        r"\hat m_t &= \frac{m_t}{1-\beta_1^t},\quad \hat v_t = \frac{v_t}{1-\beta_2^t} \\ "
        r"\theta_t &= \theta_{t-1} - \gamma\,\frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon} \end{aligned}"
    ),
}
_LATEX["gd"] = _LATEX["sgd"]


def formula_latex(name: str) -> str:
    """A short LaTeX rendering of the update of ``name`` (g_t is the gradient at θ_{t-1}, γ the lr)."""
    check_choice("optimizer", name, OPTIMIZER_NAMES)
    return _LATEX[name]
