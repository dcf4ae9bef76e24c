"""SGD with momentum, dampening, weight decay and Nesterov (torch.optim.SGD), and the convenience
names ``gd`` (plain gradient descent), ``momentum`` (μ = 0.9) and ``nesterov``.

With γ = lr, μ = momentum, τ = dampening, λ = weight_decay, gₜ = ∇f(θₜ₋₁):

    gₜ ← gₜ + λ θₜ₋₁                                  if λ ≠ 0
    bₜ = gₜ (t = 1),  bₜ = μ bₜ₋₁ + (1 − τ) gₜ (t > 1)  if μ ≠ 0
    gₜ ← gₜ + μ bₜ (nesterov),  gₜ ← bₜ (otherwise)     if μ ≠ 0
    θₜ = θₜ₋₁ − γ gₜ
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdviz.optim.base import col, const, lr_parts, nonzero, scheduled_lr
from gdviz.optim.explain import decay_line, line
from gdviz.optim.registry import MOMENTUM, WEIGHT_DECAY, Alias, Family, Hyper, Knob, Rule, lr, register

HYPERS = (
    lr(1e-3),
    Hyper("momentum", 0.0, 0.0, 1.0, hi_open=True, axis=True),
    Hyper("dampening", 0.0, 0.0, 1.0),
    Hyper("weight_decay", 0.0, axis=True),
    Hyper("nesterov", False),
)

LATEX = r"\theta_t = \theta_{t-1} - \gamma\, g_t"
LATEX_MOMENTUM = (
    r"\begin{aligned} b_t &= \mu\, b_{t-1} + (1-\tau)\, g_t \\ "
    r"\theta_t &= \theta_{t-1} - \gamma\, b_t \end{aligned}"
)
LATEX_NESTEROV = (
    r"\begin{aligned} b_t &= \mu\, b_{t-1} + g_t \\ "
    r"\theta_t &= \theta_{t-1} - \gamma\,(g_t + \mu\, b_t) \end{aligned}"
)


class SGDState(NamedTuple):
    count: int
    momentum_buffer: np.ndarray | None  # None when momentum = 0 (torch keeps no buffer either)


def build(h: dict):
    if h["nesterov"] and (np.any(h["momentum"] <= 0) or np.any(h["dampening"] != 0)):
        raise ValueError(
            "nesterov=True requires momentum > 0 and dampening = 0 (as torch.optim.SGD); got "
            f"momentum={h['momentum']!r}, dampening={h['dampening']!r}"
        )
    lr, sched = lr_parts(h["lr"])
    neg_lr = None if sched is not None else const(-lr)
    mom, wd = col(h["momentum"]), col(h["weight_decay"])
    use_mom, use_wd, nesterov = nonzero(mom), nonzero(wd), h["nesterov"]
    damp = 1 - col(h["dampening"])
    if isinstance(mom, np.ndarray):
        # Runs with momentum 0 then keep bₜ = gₜ, which is exactly torch's no-buffer path.
        damp = np.where(mom == 0, 1.0, damp)
    unit_damp = not nonzero(np.asarray(damp) - 1)
    mom, wd, damp = const(mom), const(wd), const(damp)

    def make_state(shape):
        return SGDState(0, np.zeros(shape) if use_mom else None)

    # The expressions mirror torch's kernels operation by operation (``add_(g, alpha=a)`` is
    # ``x + a*g``); keep that order when editing or the torch comparison tests will drift.
    def update(grads, state, params=None):
        count = state.count
        g = grads + wd * params if use_wd else grads
        step = neg_lr if sched is None else -scheduled_lr(sched, count)
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


def explain(h, g, theta, before, after, lr, k, theta_next):
    """Update k written out: the velocity v (torch's momentum buffer) and θ_{k+1}."""
    gt, gs, lines = decay_line(h, g, theta)
    mu, tau = float(h["momentum"]), float(h["dampening"])
    if mu == 0:
        lines.append(
            line(
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
        lines.append(line("v_{1}", "<g>", v_new, lambda g: g, g=(gs, gt)))
        memory = np.zeros_like(theta)
    else:
        v_old = before["momentum_buffer"]
        if tau == 0:
            lines.append(
                line(
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
                line(
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
            line(
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
            line(
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


register(
    Rule(
        "sgd",
        HYPERS,
        build,
        explain,
        LATEX,
        year=1951,  # Robbins and Monro
        heatmap=("momentum",),  # plain GD's cells with μ > 0 are the momentum rule's
        note="insp.note.sgd",
        memory_note="insp.note.momentum",
        symbols={"momentum_buffer": "v"},
        torch="SGD",
        menu=False,
    ),
    Alias("gd", "sgd", {}, LATEX, year=1847, knobs=(WEIGHT_DECAY,)),  # Cauchy
    Alias(
        "momentum",
        "sgd",
        {"momentum": 0.9},
        LATEX_MOMENTUM,
        year=1964,  # Polyak's heavy ball
        knobs=(MOMENTUM, Knob("dampening", 0.0, 0.99, 0.01), WEIGHT_DECAY),
        second="momentum",
        family=Family(momentum=True),
    ),
    Alias(
        "nesterov",
        "sgd",
        {"momentum": 0.9, "nesterov": True},
        LATEX_NESTEROV,
        year=1983,
        # torch refuses Nesterov without momentum, so μ starts above 0 (and dampening stays 0)
        knobs=(Knob("momentum", 0.01, 0.999, 0.01, symbol="μ"), WEIGHT_DECAY),
        second="momentum",
        family=Family(momentum=True),
    ),
)
