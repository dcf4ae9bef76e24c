"""The step inspector: what one update of a recorded run did, number by number, and how noisy a
mini-batch gradient is at a point.

``inspect_step(problem, optimizer, record, k)`` replays the rule's state from the record's own
gradients (the mini-batch gradient of every step is stored, so no sample is redrawn) and returns
θ_k, the gradients, α_k, the state before and after, the update Δ and θ_{k+1} = θ_k + Δ, which is
the record's row k + 1 to the last bit. ``StepInfo.lines`` is the update equation one line at a
time: LaTeX with placeholders, the value substituted for each, and a function that evaluates the
line in exactly the optimizer's order of floating-point operations, so the numbers shown are the
numbers used. ``equation_latex`` renders the lines with the numbers in place.

``gradient_noise(problem, theta, b)`` draws mini-batch gradients at θ as the run's sampler does
(b distinct samples per batch) and compares their spread with the sampling-theory value
σ·√((n − b)/(b(n − 1))).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from gdviz._checks import check_number
from gdviz.optimizers import Optimizer
from gdviz.optimizers import optimizer as make_optimizer
from gdviz.problems.base import Problem
from gdviz.train import Record

__all__ = [
    "ADAPTIVE_RULES",
    "GradientNoise",
    "Line",
    "StepInfo",
    "equation_latex",
    "expected_spread",
    "format_number",
    "gradient_noise",
    "inspect_step",
    "line_latex",
]

ADAPTIVE_RULES = ("adagrad", "rmsprop", "adam", "adamw")
# Sample-gradient evaluations (rows × parameters) one gradient_noise call may spend on its cloud, and
# the most samples it reads to measure the per-sample spread σ (beyond, σ is estimated from a subset).
NOISE_BUDGET = 20_000_000
PER_SAMPLE_MAX = 200_000
MIN_NOISE_SAMPLES = 10
MAX_NOISE_SAMPLES = 10_000
_CHUNK_VALUES = 1_000_000


@dataclass(frozen=True, eq=False)
class Line:
    """One line of the update equation, ``lhs = formula``.

    ``formula`` is LaTeX with placeholders ``<name>``; ``symbols[name]`` is the LaTeX symbol shown
    for it and ``values[name]`` the number or vector substituted. ``evaluate(**values)`` computes
    the line in the optimizer's order of operations and gives ``result`` exactly.
    """

    lhs: str
    formula: str
    symbols: dict
    values: dict
    result: float | np.ndarray
    evaluate: Callable = field(repr=False)


@dataclass(frozen=True, eq=False)
class StepInfo:
    """Everything about update k (from θ_k to θ_{k+1}) of one recorded run.

    ``grad`` is the gradient the step used (a mini-batch gradient for stochastic runs; g̃ in the
    lines adds weight decay λθ when the rule has it), ``full_grad`` the full-data gradient ∇L(θ_k).
    ``state_before``/``state_after`` map the rule's state fields (``momentum_buffer``, ``sum``,
    ``square_avg``, ``grad_avg``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``) to vectors;
    fields the rule does not keep are left out. ``scalars`` holds step-dependent numbers such as
    Adam's bias corrections (``bias_correction1`` = 1 − β₁ᵗ, ``bias_correction2`` = 1 − β₂ᵗ, t = k + 1)
    and Adagrad's decayed lr (``lr_decayed``).

    Step arrows (displacements from θ_k): ``full_step`` = −α∇L(θ_k), ``batch_step`` = −α·g_k,
    ``memory`` = the part of Δ carried over from earlier steps (momentum; None for rules without
    memory, zero at k = 0), ``update`` = Δ.

    ``effective_lr`` (adaptive rules, else None), per coordinate: the factor the rule multiplies its
    direction by. Adagrad α̃/(√s + ε) and RMSprop α/(√ṽ + ε) multiply g̃ (without momentum Δ = −that·g̃);
    Adam/AdamW α/(√v̂ + ε), with √v̂ computed as √v/√(1 − β₂ᵗ) as torch does, multiplies m̂ = m/(1 − β₁ᵗ).
    Plain gradient descent would use α for every coordinate.
    """

    k: int
    rule: str  # canonical optimizer name: sgd, adagrad, rmsprop, adam, adamw
    label: str  # the name the run was built with (gd, momentum, nesterov, …)
    hyper: dict
    theta: np.ndarray
    grad: np.ndarray
    full_grad: np.ndarray
    loss: float
    batch_loss: float
    lr: float
    batch_size: int | None
    state_before: dict
    state_after: dict
    scalars: dict
    update: np.ndarray
    theta_next: np.ndarray
    record_next: np.ndarray
    full_step: np.ndarray
    batch_step: np.ndarray
    memory: np.ndarray | None
    effective_lr: np.ndarray | None
    lines: tuple[Line, ...]

    @property
    def matches_record(self) -> bool:
        """θ_k + Δ is the record's row k + 1, bit for bit."""
        return bool(np.array_equal(self.theta_next, self.record_next))

    @property
    def stochastic(self) -> bool:
        return self.batch_size is not None


# --- validation ---------------------------------------------------------------------------------
def _check_record(problem: Problem, record: Record) -> int:
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a gdviz Problem, got {type(problem).__name__}")
    if not isinstance(record, Record):
        raise ValueError(f"record must be a gdviz Record (from gdviz.run), got {type(record).__name__}")
    params = np.asarray(record.params)
    if params.ndim != 2:
        raise ValueError(
            "record must hold one run (params of shape (T+1, P)); for a run_many record pass "
            f"gdviz.squeeze(record, r); got params of shape {params.shape}"
        )
    if params.shape[1] != problem.n_params:
        raise ValueError(
            f"the record has {params.shape[1]} parameters but problem {problem.name!r} has "
            f"{problem.n_params}: inspect a record with the problem it was run on"
        )
    if record.problem != problem.name:
        raise ValueError(f"the record is a run on {record.problem!r}, not on {problem.name!r}")
    return int(np.asarray(record.grad).shape[0])


def _same_value(a, b) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (
            isinstance(a, tuple)
            and isinstance(b, tuple)
            and len(a) == len(b)
            and all(_same_value(x, y) for x, y in zip(a, b, strict=True))
        )
    try:
        return bool(np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float)))
    except (TypeError, ValueError):
        return a == b


def _replay_optimizer(optimizer: Optimizer | None, record: Record) -> Optimizer:
    """The run's rule reading α_k from the record, which holds every step's lr (schedules included)."""
    if optimizer is None:
        name, hyper = record.optimizer, dict(record.hyper)
    else:
        if not isinstance(optimizer, Optimizer):
            raise ValueError(
                f"optimizer must be a gdviz Optimizer or None (rebuild from the record), "
                f"got {type(optimizer).__name__}"
            )
        name, hyper = optimizer.name, dict(optimizer.hyper)
        differ = [
            key
            for key, value in hyper.items()
            if key != "lr" and not _same_value(value, record.hyper.get(key, object()))
        ]
        if differ:
            raise ValueError(
                "optimizer does not match the record: "
                + ", ".join(f"{key}={hyper[key]!r} vs {record.hyper.get(key)!r}" for key in differ)
                + "; pass the optimizer the run was made with, or None"
            )
    for key, value in hyper.items():
        for v in value if isinstance(value, tuple) else (value,):
            if isinstance(v, np.ndarray) and v.size > 1:
                raise ValueError(
                    f"hyperparameter {key} holds one value per run; inspect one run with its own values"
                )
    lr_table = np.asarray(record.lr, dtype=float)
    hyper["lr"] = lambda i: float(lr_table[i])
    opt = make_optimizer(name, **hyper)
    return opt._replace(label=record.optimizer or opt.label)


def _state_dict(state) -> dict:
    return {
        name: np.asarray(value)
        for name, value in state._asdict().items()
        if name != "count" and value is not None
    }


# --- the lines of each rule ----------------------------------------------------------------------
def _line(lhs, formula, result, evaluate, **items) -> Line:
    """``items`` maps placeholder names to ``(symbol, value)``."""
    return Line(
        lhs,
        formula,
        {k: s for k, (s, _) in items.items()},
        {k: v for k, (_, v) in items.items()},
        result,
        evaluate,
    )


def _lerp(start, end, weight):
    """torch.lerp's two formulas (as gdviz.optimizers): a + w(b − a) for w < 0.5, else b − (b − a)(1 − w)."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def _decay_line(h, g, theta):
    """g̃_k = g_k + λθ_k for L2 weight decay (sgd, adagrad, rmsprop, adam), else g itself."""
    wd = float(h["weight_decay"])
    if wd == 0:
        return g, "g_k", []
    gt = g + wd * theta
    line = _line(
        r"\tilde g_k",
        r"<g> + <wd>\,<theta>",
        gt,
        lambda g, wd, theta: g + wd * theta,
        g=("g_k", g),
        wd=(r"\lambda", wd),
        theta=(r"\theta_k", theta),
    )
    return gt, r"\tilde g_k", [line]


def _sgd(h, g, theta, before, after, lr, k, theta_next):
    gt, gs, lines = _decay_line(h, g, theta)
    mu, tau = float(h["momentum"]), float(h["dampening"])
    if mu == 0:
        lines.append(
            _line(
                r"\theta_{k+1}",
                r"<theta> - <lr>\,<g>",
                theta_next,
                lambda theta, lr, g: theta + (-lr) * g,
                theta=(r"\theta_k", theta),
                lr=(r"\alpha_k", lr),
                g=(gs, gt),
            )
        )
        return lines, None, None, {}
    v_new = after["momentum_buffer"]
    if k == 0:
        # torch starts the buffer as a copy of the first gradient (no μ·0, no dampening)
        lines.append(_line("v_{1}", "<g>", v_new, lambda g: g, g=(gs, gt)))
        memory = np.zeros_like(theta)
    else:
        v_old = before["momentum_buffer"]
        if tau == 0:
            lines.append(
                _line(
                    "v_{k+1}",
                    r"<mu>\,<v> + <g>",
                    v_new,
                    lambda mu, v, g: v * mu + g,
                    mu=(r"\mu", mu),
                    v=("v_k", v_old),
                    g=(gs, gt),
                )
            )
        else:
            lines.append(
                _line(
                    "v_{k+1}",
                    r"<mu>\,<v> + <damp>\,<g>",
                    v_new,
                    lambda mu, v, damp, g: v * mu + damp * g,
                    mu=(r"\mu", mu),
                    v=("v_k", v_old),
                    damp=(r"(1-\tau)", 1 - tau),
                    g=(gs, gt),
                )
            )
        memory = -lr * ((mu * mu) * v_old if h["nesterov"] else mu * v_old)
    vs = "v_{1}" if k == 0 else "v_{k+1}"
    if h["nesterov"]:
        lines.append(
            _line(
                r"\theta_{k+1}",
                r"<theta> - <lr>\,\left(<g> + <mu>\,<v>\right)",
                theta_next,
                lambda theta, lr, g, mu, v: theta + (-lr) * (g + mu * v),
                theta=(r"\theta_k", theta),
                lr=(r"\alpha_k", lr),
                g=(gs, gt),
                mu=(r"\mu", mu),
                v=(vs, v_new),
            )
        )
    else:
        lines.append(
            _line(
                r"\theta_{k+1}",
                r"<theta> - <lr>\,<v>",
                theta_next,
                lambda theta, lr, v: theta + (-lr) * v,
                theta=(r"\theta_k", theta),
                lr=(r"\alpha_k", lr),
                v=(vs, v_new),
            )
        )
    return lines, memory, None, {}


def _adagrad(h, g, theta, before, after, lr, k, theta_next):
    gt, gs, lines = _decay_line(h, g, theta)
    s_new = after["sum"]
    lines.append(
        _line(
            "s_{k+1}",
            r"<s> + <g>^{2}",
            s_new,
            lambda s, g: s + g * g,
            s=("s_k", before["sum"]),
            g=(gs, gt),
        )
    )
    decay, eps = float(h["lr_decay"]), float(h["eps"])
    scalars = {}
    rate, rate_sym = lr, r"\alpha_k"
    if decay != 0:
        rate = lr / (1 + k * decay)
        scalars["lr_decayed"] = rate
        lines.append(
            _line(
                r"\tilde\alpha_k",
                r"\frac{<lr>}{1 + <k>\,<eta>}",
                rate,
                lambda lr, k, eta: lr / (1 + k * eta),
                lr=(r"\alpha_k", lr),
                k=("k", k),
                eta=(r"\eta", decay),
            )
        )
        rate_sym = r"\tilde\alpha_k"
    lines.append(
        _line(
            r"\theta_{k+1}",
            r"<theta> - \frac{<lr>\,<g>}{\sqrt{<s>} + <eps>}",
            theta_next,
            lambda theta, lr, g, s, eps: theta + ((-lr) * g) / (np.sqrt(s) + eps),
            theta=(r"\theta_k", theta),
            lr=(rate_sym, rate),
            g=(gs, gt),
            s=("s_{k+1}", s_new),
            eps=(r"\epsilon", eps),
        )
    )
    effective = rate / (np.sqrt(s_new) + eps)
    return lines, None, effective, scalars


def _rmsprop(h, g, theta, before, after, lr, k, theta_next):
    gt, gs, lines = _decay_line(h, g, theta)
    rho, eps, mu = float(h["alpha"]), float(h["eps"]), float(h["momentum"])
    v_new = after["square_avg"]
    lines.append(
        _line(
            "v_{k+1}",
            r"<rho>\,<v> + <omr>\,<g>^{2}",
            v_new,
            lambda rho, v, omr, g: v * rho + (omr * g) * g,
            rho=(r"\rho", rho),
            v=("v_k", before["square_avg"]),
            omr=(r"(1-\rho)", 1 - rho),
            g=(gs, gt),
        )
    )
    if h["centered"]:
        a_new = after["grad_avg"]
        lines.append(
            _line(
                r"\bar g_{k+1}",
                r"<rho>\,<a> + <omr>\,<g>",
                a_new,
                lambda rho, a, omr, g: _lerp(a, g, omr),
                rho=(r"\rho", rho),
                a=(r"\bar g_k", before["grad_avg"]),
                omr=(r"(1-\rho)", 1 - rho),
                g=(gs, gt),
            )
        )
        denom = np.sqrt(v_new - a_new * a_new) + eps
        lines.append(
            _line(
                "d_{k}",
                r"\sqrt{<v> - <a>^{2}} + <eps>",
                denom,
                lambda v, a, eps: np.sqrt(v - a * a) + eps,
                v=("v_{k+1}", v_new),
                a=(r"\bar g_{k+1}", a_new),
                eps=(r"\epsilon", eps),
            )
        )
    else:
        denom = np.sqrt(v_new) + eps
        lines.append(
            _line(
                "d_{k}",
                r"\sqrt{<v>} + <eps>",
                denom,
                lambda v, eps: np.sqrt(v) + eps,
                v=("v_{k+1}", v_new),
                eps=(r"\epsilon", eps),
            )
        )
    memory = None
    if mu != 0:
        b_new = after["momentum_buffer"]
        lines.append(
            _line(
                "b_{k+1}",
                r"<mu>\,<b> + \frac{<g>}{<d>}",
                b_new,
                lambda mu, b, g, d: b * mu + g / d,
                mu=(r"\mu", mu),
                b=("b_k", before["momentum_buffer"]),
                g=(gs, gt),
                d=("d_{k}", denom),
            )
        )
        lines.append(
            _line(
                r"\theta_{k+1}",
                r"<theta> - <lr>\,<b>",
                theta_next,
                lambda theta, lr, b: theta + (-lr) * b,
                theta=(r"\theta_k", theta),
                lr=(r"\alpha_k", lr),
                b=("b_{k+1}", b_new),
            )
        )
        memory = -lr * (mu * before["momentum_buffer"])
    else:
        lines.append(
            _line(
                r"\theta_{k+1}",
                r"<theta> - \frac{<lr>\,<g>}{<d>}",
                theta_next,
                lambda theta, lr, g, d: theta + ((-lr) * g) / d,
                theta=(r"\theta_k", theta),
                lr=(r"\alpha_k", lr),
                g=(gs, gt),
                d=("d_{k}", denom),
            )
        )
    return lines, memory, lr / denom, {}


def _adam(h, g, theta, before, after, lr, k, theta_next, decoupled):
    wd = float(h["weight_decay"])
    if decoupled:
        gt, gs, lines = g, "g_k", []
    else:
        gt, gs, lines = _decay_line(h, g, theta)
    b1, b2 = (float(b) for b in h["betas"])
    eps = float(h["eps"])
    t = k + 1
    m_new, v_new = after["exp_avg"], after["exp_avg_sq"]
    lines.append(
        _line(
            "m_{k+1}",
            r"<b1>\,<m> + <omb1>\,<g>",
            m_new,
            lambda b1, m, omb1, g: _lerp(m, g, omb1),
            b1=(r"\beta_1", b1),
            m=("m_k", before["exp_avg"]),
            omb1=(r"(1-\beta_1)", 1 - b1),
            g=(gs, gt),
        )
    )
    lines.append(
        _line(
            "v_{k+1}",
            r"<b2>\,<v> + <omb2>\,<g>^{2}",
            v_new,
            lambda b2, v, omb2, g: v * b2 + (omb2 * g) * g,
            b2=(r"\beta_2", b2),
            v=("v_k", before["exp_avg_sq"]),
            omb2=(r"(1-\beta_2)", 1 - b2),
            g=(gs, gt),
        )
    )
    v_use, v_sym = v_new, "v_{k+1}"
    if h["amsgrad"]:
        v_use, v_sym = after["max_exp_avg_sq"], r"\hat v^{\max}_{k+1}"
        lines.append(
            _line(
                v_sym,
                r"\max(<vmax>, <v>)",
                v_use,
                lambda vmax, v: np.maximum(vmax, v),
                vmax=(r"\hat v^{\max}_k", before["max_exp_avg_sq"]),
                v=("v_{k+1}", v_new),
            )
        )
    c1, c2 = 1 - b1**t, 1 - b2**t
    lines.append(_line("c_1", "1 - <b1>^{<t>}", c1, lambda b1, t: 1 - b1**t, b1=(r"\beta_1", b1), t=("t", t)))
    lines.append(_line("c_2", "1 - <b2>^{<t>}", c2, lambda b2, t: 1 - b2**t, b2=(r"\beta_2", b2), t=("t", t)))
    denom = np.sqrt(v_use) / c2**0.5 + eps
    common = {
        "lr": (r"\alpha_k", lr),
        "c1": ("c_1", c1),
        "m": ("m_{k+1}", m_new),
        "v": (v_sym, v_use),
        "c2": ("c_2", c2),
        "eps": (r"\epsilon", eps),
    }
    step = r"\frac{<lr>}{<c1>}\,\frac{<m>}{\sqrt{<v>}/\sqrt{<c2>} + <eps>}"
    if decoupled and wd != 0:
        # torch writes θ(1 − αλ) first and then adds the Adam step
        lines.append(
            _line(
                r"\theta_{k+1}",
                r"<theta>\,(1 - <lr>\,<wd>) - " + step,
                theta_next,
                lambda theta, lr, wd, c1, m, v, c2, eps: (
                    theta * (1 - lr * wd) + (-(lr / c1) * m) / (np.sqrt(v) / c2**0.5 + eps)
                ),
                theta=(r"\theta_k", theta),
                wd=(r"\lambda", wd),
                **common,
            )
        )
    else:
        lines.append(
            _line(
                r"\theta_{k+1}",
                "<theta> - " + step,
                theta_next,
                lambda theta, lr, c1, m, v, c2, eps: theta + (-(lr / c1) * m) / (np.sqrt(v) / c2**0.5 + eps),
                theta=(r"\theta_k", theta),
                **common,
            )
        )
    memory = -(lr / c1) * (b1 * before["exp_avg"]) / denom
    scalars = {"bias_correction1": c1, "bias_correction2": c2}
    return lines, memory, lr / denom, scalars


_RULES = {
    "sgd": _sgd,
    "adagrad": _adagrad,
    "rmsprop": _rmsprop,
    "adam": lambda *a: _adam(*a, decoupled=False),
    "adamw": lambda *a: _adam(*a, decoupled=True),
}


def inspect_step(problem: Problem, optimizer: Optimizer | None, record: Record, k: int) -> StepInfo:
    """Update ``k`` (0 ≤ k < steps done) of the single-run ``record`` of ``optimizer`` on ``problem``.

    ``optimizer`` is the rule the run was made with (its hyperparameters must match the record's),
    or None to rebuild it from the record. The learning rate of every step comes from ``record.lr``,
    so schedules need not be passed again. The returned ``theta_next`` is θ_k + Δ and equals
    ``record.params[k + 1]`` bit for bit (``StepInfo.matches_record``).
    """
    steps = _check_record(problem, record)
    if steps == 0:
        raise ValueError("the run made no update (0 steps), so there is no step to inspect")
    k = check_number("k", k, integer=True)
    if not 0 <= k < steps:
        raise ValueError(f"k must be a step of the run, 0 … {steps - 1} (it made {steps} updates), got {k}")
    opt = _replay_optimizer(optimizer, record)
    params = np.asarray(record.params, dtype=float)
    grads = np.asarray(record.grad, dtype=float)
    # The run loop steps under errstate(all="ignore"); a replay of a step near divergence must too.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        state = opt.init(params[0])
        for j in range(k):
            _, state = opt.update(grads[j], state, params[j])
        theta, g = params[k].copy(), grads[k].copy()
        update, new_state = opt.update(g, state, theta)
        update = np.asarray(update, dtype=float).reshape(theta.shape)
        theta_next = theta + update
        full_grad = np.asarray(problem.grad(theta), dtype=float)
        lr = float(record.lr[k])
        before, after = _state_dict(state), _state_dict(new_state)
        lines, memory, effective, scalars = _RULES[opt.name](
            opt.hyper, g, theta, before, after, lr, k, theta_next
        )
    hyper = {key: value for key, value in opt.hyper.items() if key != "lr"}
    return StepInfo(
        k=k,
        rule=opt.name,
        label=opt.label or opt.name,
        hyper=hyper,
        theta=theta,
        grad=g,
        full_grad=full_grad,
        loss=float(record.loss[k]),
        batch_loss=float(record.batch_loss[k]),
        lr=lr,
        batch_size=record.batch_size,
        state_before=before,
        state_after=after,
        scalars=scalars,
        update=update,
        theta_next=theta_next,
        record_next=params[k + 1].copy(),
        full_step=-lr * full_grad,
        batch_step=-lr * g,
        memory=memory,
        effective_lr=effective,
        lines=tuple(lines),
    )


# --- LaTeX with numbers ---------------------------------------------------------------------------
def format_number(x: float, digits: int = 6) -> str:
    """LaTeX for one number with ``digits`` significant digits (powers of ten written out)."""
    x = float(x)
    if not np.isfinite(x):
        return r"\infty" if x > 0 else (r"-\infty" if x < 0 else r"\mathrm{NaN}")
    if x == 0:
        return "0"
    text = f"{x:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        return rf"{mant}\times 10^{{{int(exp)}}}"
    return text


def _vector(v: np.ndarray, digits: int, max_coords: int) -> str:
    v = np.asarray(v, dtype=float).reshape(-1)
    if v.size == 1:
        return format_number(v[0], digits)
    shown = v if v.size <= max_coords else v[: max(1, max_coords - 1)]
    rows = [format_number(x, digits) for x in shown]
    if v.size > max_coords:
        rows.append(r"\vdots")
    return r"\begin{pmatrix}" + r"\\ ".join(rows) + r"\end{pmatrix}"


def _value_latex(value, digits: int, max_coords: int, wrap: bool) -> str:
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if np.ndim(value) == 0:
        text = format_number(float(value), digits)
        return f"({text})" if wrap and (float(value) < 0 or r"\times" in text) else text
    return _vector(value, digits, max_coords)


def _fill(formula: str, parts: dict) -> str:
    out = formula
    for name, text in parts.items():
        out = out.replace(f"<{name}>", text)
    return out


_INDEX_NEXT = re.compile(r"_\{k\+1\}")
_INDEX = re.compile(r"_(?:\{k\}|k(?![A-Za-z]))")


def _with_step(text: str, k: int | None) -> str:
    """Write the step's own indices (θ_3, v_4) in place of k and k + 1."""
    if k is None:
        return text
    return _INDEX.sub(f"_{{{k}}}", _INDEX_NEXT.sub(f"_{{{k + 1}}}", text))


def line_latex(line: Line, *, digits: int = 6, max_coords: int = 6, k: int | None = None) -> str:
    """``lhs = symbols = numbers = result`` as one aligned LaTeX block (indices as numbers if ``k``)."""
    symbolic = _with_step(_fill(line.formula, line.symbols), k)
    # every \, in a formula is a product; between two numbers it needs a visible sign
    numeric = _fill(
        line.formula.replace(r"\,", r" \cdot "),
        {n: _value_latex(v, digits, max_coords, True) for n, v in line.values.items()},
    )
    result = _value_latex(line.result, digits, max_coords, False)
    rows = [f"{_with_step(line.lhs, k)} &= {symbolic}"]
    if numeric != symbolic:
        rows.append(f"&= {numeric}")
    if result != numeric:
        rows.append(f"&= {result}")
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def equation_latex(
    info: StepInfo, *, digits: int = 6, max_coords: int = 6, numbered: bool = True
) -> list[str]:
    """The update equation of ``info`` with its numbers, one LaTeX block per line, ending in θ_{k+1}.

    Vectors with more than ``max_coords`` coordinates show their first ones and ⋮. ``numbered``
    writes the step's indices (θ_3 → θ_4) instead of k and k + 1.
    """
    digits = check_number("digits", digits, lo=1, hi=17, integer=True)
    max_coords = check_number("max_coords", max_coords, lo=2, integer=True)
    k = info.k if numbered else None
    return [line_latex(ln, digits=digits, max_coords=max_coords, k=k) for ln in info.lines]


# --- gradient noise -------------------------------------------------------------------------------
class GradientNoise(NamedTuple):
    """Mini-batch gradients at one point and their spread.

    ``samples`` (S, P): S mini-batch gradients, each the mean over b distinct samples (as the run's
    sampler draws a batch). ``full`` (P,): ∇L(θ). ``spread``: the measured RMS distance
    √(mean‖g_b − ∇L‖²). ``per_sample_spread`` σ: the same for single samples, over all n samples
    (``per_sample_exact``) or a random subset of ``PER_SAMPLE_MAX``. ``expected``: the sampling-theory
    value σ·√((n − b)/(b(n − 1))), about σ/√b when b ≪ n and 0 at b = n.
    """

    batch_size: int
    n_samples: int
    samples: np.ndarray
    full: np.ndarray
    spread: float
    per_sample_spread: float
    expected: float
    per_sample_exact: bool


def expected_spread(per_sample_spread: float, n: int, b: int) -> float:
    """σ·√((n − b)/(b(n − 1))): the RMS error of the mean of b of n values drawn without replacement."""
    if n <= 1 or b >= n:
        return 0.0
    return float(per_sample_spread) * float(np.sqrt((n - b) / (b * (n - 1))))


def _batch_grads(problem: Problem, theta: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Mini-batch gradients for the rows of ``idx`` (m, b) at one θ, in chunks of bounded memory."""
    m, b = idx.shape
    P = theta.size
    out = np.empty((m, P))
    rows = max(1, _CHUNK_VALUES // max(1, b * P))
    for s in range(0, m, rows):
        part = idx[s : s + rows]
        params = np.broadcast_to(theta, (len(part), P)).copy()
        out[s : s + rows] = problem.batch_loss_and_grad(params, part)[1]
    return out


def gradient_noise(
    problem: Problem, theta, batch_size: int, *, samples: int = 200, seed: int = 0
) -> GradientNoise:
    """``samples`` mini-batch gradients of ``batch_size`` distinct samples at ``theta``, and their spread.

    The work is bounded: when samples × b × P exceeds ``NOISE_BUDGET`` fewer batches are drawn (at
    least ``MIN_NOISE_SAMPLES``). Same seed, same cloud.
    """
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a gdviz Problem, got {type(problem).__name__}")
    if not problem.has_data:
        raise ValueError(f"problem {problem.name!r} has no data, so its gradient has no mini-batch noise")
    n = int(problem.n_samples)
    b = check_number("batch_size", batch_size, lo=1, hi=n, integer=True)
    samples = check_number("samples", samples, lo=2, hi=MAX_NOISE_SAMPLES, integer=True)
    seed = check_number("seed", seed, lo=0, integer=True)
    try:
        theta = np.array(theta, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"theta must be {problem.n_params} numbers, got {theta!r}") from err
    P = problem.n_params
    if theta.shape != (P,) or not np.all(np.isfinite(theta)):
        raise ValueError(f"theta must be {P} finite numbers, got shape {theta.shape}")
    rng = np.random.default_rng(seed)
    S = max(MIN_NOISE_SAMPLES, min(samples, NOISE_BUDGET // (b * P)))
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        full = np.asarray(problem.grad(theta), dtype=float)
        # per-sample spread σ (deviations from the full gradient, which is their mean)
        if n <= PER_SAMPLE_MAX:
            who, exact = np.arange(n), True
        else:
            who, exact = np.sort(rng.choice(n, PER_SAMPLE_MAX, replace=False)), False
        sq = 0.0
        step = max(1, _CHUNK_VALUES // P)
        for s in range(0, who.size, step):
            g1 = _batch_grads(problem, theta, who[s : s + step, None])
            sq += float(np.sum((g1 - full) ** 2))
        sigma = float(np.sqrt(sq / who.size))
        if b == n:
            one = _batch_grads(problem, theta, np.arange(n)[None, :])
            cloud = np.repeat(one, S, axis=0)
        else:
            # every batch is b distinct samples, uniformly: what one slice of a shuffled epoch is
            idx = np.stack([rng.choice(n, b, replace=False) for _ in range(S)])
            cloud = _batch_grads(problem, theta, idx)
        spread = float(np.sqrt(np.mean(np.sum((cloud - full) ** 2, axis=1))))
    if not (np.all(np.isfinite(cloud)) and np.isfinite(sigma)):
        raise ValueError("the gradient is not finite at theta, so its noise cannot be measured")
    return GradientNoise(b, n, cloud, full, spread, sigma, expected_spread(sigma, n, b), exact)
