"""RMSprop (torch.optim.RMSprop).

With γ = lr, α = alpha, ε = eps, λ = weight_decay, μ = momentum:

    gₜ ← gₜ + λ θₜ₋₁
    vₜ = α vₜ₋₁ + (1 − α) gₜ²
    ṽₜ = vₜ − (gᵃᵛᵍₜ)²,  gᵃᵛᵍₜ = α gᵃᵛᵍₜ₋₁ + (1 − α) gₜ      if centered, else ṽₜ = vₜ
    bₜ = μ bₜ₋₁ + gₜ / (√ṽₜ + ε),  θₜ = θₜ₋₁ − γ bₜ       if μ > 0
    θₜ = θₜ₋₁ − γ gₜ / (√ṽₜ + ε)                         otherwise
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdviz.optim.base import col, const, lerp, lerp_kind, lr_parts, nonzero, scheduled_lr
from gdviz.optim.explain import decay_line, line
from gdviz.optim.explain import lerp as lerp_scalar
from gdviz.optim.registry import EPS, MOMENTUM, WEIGHT_DECAY, Family, Hyper, Knob, Rule, lr, register

HYPERS = (
    lr(1e-2),
    Hyper("alpha", 0.99, 0.0, 1.0, hi_open=True, axis=True),
    Hyper("eps", 1e-8),
    Hyper("weight_decay", 0.0, axis=True),
    Hyper("momentum", 0.0, 0.0, 1.0, hi_open=True, axis=True),
    Hyper("centered", False),
)

LATEX = (
    r"\begin{aligned} v_t &= \alpha\, v_{t-1} + (1-\alpha)\, g_t^2 \\ "
    r"\theta_t &= \theta_{t-1} - \gamma\,\frac{g_t}{\sqrt{v_t}+\epsilon} \end{aligned}"
)


class RMSpropState(NamedTuple):
    count: int
    square_avg: np.ndarray
    grad_avg: np.ndarray | None  # only when centered
    momentum_buffer: np.ndarray | None  # only when momentum > 0


def build(h: dict):
    lr, sched = lr_parts(h["lr"])
    neg_lr = None if sched is not None else const(-lr)
    alpha, wd, mom = col(h["alpha"]), col(h["weight_decay"]), col(h["momentum"])
    use_wd, use_mom, centered = nonzero(wd), nonzero(mom), h["centered"]
    one_minus_alpha = 1 - alpha
    kind = lerp_kind(one_minus_alpha)
    alpha, oma, lerp_rest = const(alpha), const(one_minus_alpha), const(1 - one_minus_alpha)
    wd, mom, eps = const(wd), const(mom), const(col(h["eps"]))

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
        step = neg_lr if sched is None else -scheduled_lr(sched, count)
        sq = state.square_avg * alpha + (oma * g) * g
        if centered:
            gavg = lerp(state.grad_avg, g, oma, lerp_rest, kind)
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


def explain(h, g, theta, before, after, lr, k, theta_next):
    """Update k written out: the squared-gradient average v (and ḡ when centered), the
    denominator d, the momentum buffer b when there is momentum, θ_{k+1}."""
    gt, gs, lines = decay_line(h, g, theta)
    rho, eps, mu = float(h["alpha"]), float(h["eps"]), float(h["momentum"])
    v_new = after["square_avg"]
    lines.append(
        line(
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
            line(
                r"\bar g_{k+1}",
                r"<rho>\,<a> + <omr>\,<g>",
                a_new,
                lambda rho, a, omr, g: lerp_scalar(a, g, omr),
                rho=(r"\rho", rho),
                a=(r"\bar g_k", before["grad_avg"]),
                omr=(r"(1-\rho)", 1 - rho),
                g=(gs, gt),
            )
        )
        denom = np.sqrt(v_new - a_new * a_new) + eps
        lines.append(
            line(
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
            line(
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
            line(
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
            line(
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
            line(
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


register(
    Rule(
        "rmsprop",
        HYPERS,
        build,
        explain,
        LATEX,
        year=2012,  # Hinton's lecture notes
        knobs=(Knob("alpha", 0.0, 0.999, 0.01), MOMENTUM, Knob("centered"), EPS, WEIGHT_DECAY),
        second="momentum",  # 0 is RMSProp without it
        heatmap=("momentum",),
        family=Family(adaptive=True),
        note="insp.note.rmsprop",
        effective_note="insp.effective.other",
        # its momentum buffer is b: v is already the average of g²
        symbols={"square_avg": "v", "grad_avg": "ḡ", "momentum_buffer": "b"},
        torch="RMSprop",
    )
)
