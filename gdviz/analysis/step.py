"""The step inspector: what one update of a recorded run did, number by number.

``inspect_step(problem, optimizer, record, k)`` replays the rule's state from the record's own
gradients (the mini-batch gradient of every step is stored, so no sample is redrawn) and returns
θ_k, the gradients, α_k, the state before and after, the update Δ and θ_{k+1} = θ_k + Δ, which is
the record's row k + 1 to the last bit. ``StepInfo.lines`` is the update equation one line at a
time: LaTeX with placeholders, the value substituted for each, and a function that evaluates the
line in exactly the optimizer's order of floating-point operations, so the numbers shown are the
numbers used. ``equation_latex`` renders the lines with the numbers in place.

Each rule writes its own lines (``explain`` in ``gdviz/optim/<rule>.py``); this module replays the
state and renders them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from gdviz.errors import check_number, given
from gdviz.optim import Optimizer, registry
from gdviz.optim import optimizer as make_optimizer
from gdviz.optim.explain import Line
from gdviz.problems.base import Problem
from gdviz.train import Record

__all__ = [
    "Line",
    "StepInfo",
    "equation_latex",
    "format_number",
    "inspect_step",
    "line_latex",
]


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
            f"record must have the {problem.n_params} parameters of problem {problem.name!r} "
            f"(inspect a record with the problem it was run on), got {params.shape[1]}"
        )
    if record.problem != problem.name:
        raise ValueError(
            f"record must be a run on problem {problem.name!r}, got a run on {record.problem!r}, "
            f"not on {problem.name!r}"
        )
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
                "optimizer does not match the record: pass the optimizer the run was made with, or "
                "None; got "
                + ", ".join(
                    f"{key}={hyper[key]!r} where the run had {record.hyper.get(key)!r}" for key in differ
                )
            )
    for key, value in hyper.items():
        for v in value if isinstance(value, tuple) else (value,):
            if isinstance(v, np.ndarray) and v.size > 1:
                raise ValueError(
                    f"{key} must be a single value (it holds one value per run: inspect one run with "
                    f"its own values), got {given(v)}"
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


def inspect_step(problem: Problem, optimizer: Optimizer | None, record: Record, k: int) -> StepInfo:
    """Update ``k`` (0 ≤ k < steps done) of the single-run ``record`` of ``optimizer`` on ``problem``.

    ``optimizer`` is the rule the run was made with (its hyperparameters must match the record's),
    or None to rebuild it from the record. The learning rate of every step comes from ``record.lr``,
    so schedules need not be passed again. The returned ``theta_next`` is θ_k + Δ and equals
    ``record.params[k + 1]`` bit for bit (``StepInfo.matches_record``).
    """
    steps = _check_record(problem, record)
    if steps == 0:
        raise ValueError(
            "record must hold at least one step to inspect, got a run that made no update (0 steps)"
        )
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
        lines, memory, effective, scalars = registry.entry(opt.name).rule.explain(
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
