"""Adagrad (torch.optim.Adagrad).

With γ = lr, η = lr_decay, λ = weight_decay, ε = eps, s₀ = initial_accumulator_value:

    gₜ ← gₜ + λ θₜ₋₁
    γ̃ = γ / (1 + (t − 1) η)
    sₜ = sₜ₋₁ + gₜ²
    θₜ = θₜ₋₁ − γ̃ gₜ / (√sₜ + ε)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdviz.optim.base import col, const, lr_parts, nonzero, scheduled_lr
from gdviz.optim.explain import decay_line, line
from gdviz.optim.registry import EPS, WEIGHT_DECAY, Family, Hyper, Knob, Rule, lr, register

HYPERS = (
    lr(1e-2),
    Hyper("lr_decay", 0.0),
    Hyper("weight_decay", 0.0, axis=True),
    Hyper("initial_accumulator_value", 0.0),
    Hyper("eps", 1e-10),
)

LATEX = (
    r"\begin{aligned} s_t &= s_{t-1} + g_t^2 \\ "
    r"\theta_t &= \theta_{t-1} - \frac{\gamma}{1+(t-1)\eta}\,\frac{g_t}{\sqrt{s_t}+\epsilon} "
    r"\end{aligned}"
)


class AdagradState(NamedTuple):
    count: int
    sum: np.ndarray  # running sum of squared gradients


def build(h: dict):
    lr, sched = lr_parts(h["lr"])
    decay, wd, init_acc = col(h["lr_decay"]), col(h["weight_decay"]), col(h["initial_accumulator_value"])
    use_decay, use_wd = nonzero(decay), nonzero(wd)
    # Without decay torch's γ/(1 + 0) is γ exactly, so the negated constant can be folded.
    neg_lr = const(-lr) if sched is None and not use_decay else None
    wd, eps = const(wd), const(col(h["eps"]))

    def make_state(shape):
        return AdagradState(0, np.broadcast_to(init_acc, shape).astype(float))

    def update(grads, state, params=None):
        count = state.count
        g = grads + wd * params if use_wd else grads
        if neg_lr is not None:
            step = neg_lr
        else:
            clr = lr if sched is None else scheduled_lr(sched, count)
            step = -(clr / (1 + count * decay)) if use_decay else -clr
        acc = state.sum + g * g
        std = np.sqrt(acc)
        std += eps
        return (step * g) / std, AdagradState(count + 1, acc)

    return make_state, update


def explain(h, g, theta, before, after, lr, k, theta_next):
    """Update k written out: the running sum s, the decayed rate when there is decay, θ_{k+1}."""
    gt, gs, lines = decay_line(h, g, theta)
    s_new = after["sum"]
    lines.append(
        line(
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
            line(
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
        line(
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


register(
    Rule(
        "adagrad",
        HYPERS,
        build,
        explain,
        LATEX,
        year=2011,
        knobs=(
            Knob("lr_decay", 0.0, 1.0, 0.001),
            Knob("initial_accumulator_value", 0.0, 10.0, 0.1),
            EPS,
            WEIGHT_DECAY,
        ),
        family=Family(adaptive=True),
        note="insp.note.adagrad",
        effective_note="insp.effective.other",
        symbols={"sum": "s"},
        torch="Adagrad",
    )
)
