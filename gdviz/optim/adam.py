"""Adam (torch.optim.Adam) and AdamW (decoupled weight decay, torch.optim.AdamW).

With γ = lr, (β₁, β₂) = betas, ε = eps, λ = weight_decay:

    θₜ₋₁ ← θₜ₋₁ (1 − γλ)  (AdamW)   or   gₜ ← gₜ + λ θₜ₋₁  (Adam)
    mₜ = β₁ mₜ₋₁ + (1 − β₁) gₜ
    vₜ = β₂ vₜ₋₁ + (1 − β₂) gₜ²
    v̂ₜ = max(v̂ₜ₋₁, vₜ) if amsgrad, else vₜ
    θₜ = θₜ₋₁ − γ mₜ / (1 − β₁ᵗ) / (√v̂ₜ / √(1 − β₂ᵗ) + ε)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdviz.optim.base import col, const, lerp, lerp_kind, lr_parts, nonzero, scheduled_lr
from gdviz.optim.explain import decay_line, line
from gdviz.optim.explain import lerp as lerp_scalar
from gdviz.optim.registry import EPS, WEIGHT_DECAY, Family, Hyper, Knob, Rule, lr, register

HYPERS = (
    lr(1e-3),
    Hyper("betas", (0.9, 0.999), 0.0, 1.0, hi_open=True, parts=("beta1", "beta2"), axis=True),
    Hyper("eps", 1e-8),
    Hyper("weight_decay", 0.0, axis=True),
    Hyper("amsgrad", False),
)
HYPERS_W = tuple(Hyper("weight_decay", 1e-2, axis=True) if h.name == "weight_decay" else h for h in HYPERS)
KNOBS = (
    Knob("beta1", 0.0, 0.999, 0.01, symbol="β₁"),
    Knob("beta2", 0.0, 0.9999, 0.001),
    Knob("amsgrad"),
    EPS,
    WEIGHT_DECAY,
)

_MOMENTS = (
    r"m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\ "
    r"v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\ "
    r"\hat m_t &= \frac{m_t}{1-\beta_1^t},\quad \hat v_t = \frac{v_t}{1-\beta_2^t} \\ "
    r"\theta_t &= \theta_{t-1} - \gamma\,\frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon} \end{aligned}"
)
LATEX = r"\begin{aligned} " + _MOMENTS
LATEX_W = r"\begin{aligned} \theta_{t-1} &\leftarrow \theta_{t-1}\,(1-\gamma\lambda) \\ " + _MOMENTS


class AdamState(NamedTuple):
    count: int
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    max_exp_avg_sq: np.ndarray | None  # only when amsgrad


def _build(h: dict, decoupled: bool):
    lr, sched = lr_parts(h["lr"])
    b1, b2 = (col(b) for b in h["betas"])
    wd = col(h["weight_decay"])
    use_wd, amsgrad = nonzero(wd), h["amsgrad"]
    kind = lerp_kind(1 - b1)
    w1, w1_rest, b2k, w2 = const(1 - b1), const(1 - (1 - b1)), const(b2), const(1 - b2)
    eps = const(col(h["eps"]))
    shrink = const(1 - lr * wd) if decoupled and sched is None else None
    wd_k = const(wd)

    def make_state(shape):
        return AdamState(0, np.zeros(shape), np.zeros(shape), np.zeros(shape) if amsgrad else None)

    def update(grads, state, params=None):
        count, m, v, vmax = state
        t = count + 1
        rate = lr if sched is None else scheduled_lr(sched, count)
        g = grads
        if use_wd:
            if not decoupled:
                g = grads + wd_k * params
            elif shrink is not None:
                shrunk = params * shrink
            else:
                shrunk = params * (1 - rate * wd)
        if kind is True:
            m = m + w1 * (g - m)
        else:
            m = lerp(m, g, w1, w1_rest, kind)
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


def _explain(h, g, theta, before, after, lr, k, theta_next, decoupled):
    """Update k written out: the moments m and v (and v̂max), the bias corrections c₁ and c₂, and
    θ_{k+1} (with AdamW's decoupled shrink first)."""
    wd = float(h["weight_decay"])
    if decoupled:
        gt, gs, lines = g, "g_k", []
    else:
        gt, gs, lines = decay_line(h, g, theta)
    b1, b2 = (float(b) for b in h["betas"])
    eps = float(h["eps"])
    t = k + 1
    m_new, v_new = after["exp_avg"], after["exp_avg_sq"]
    lines.append(
        line(
            "m_{k+1}",
            r"<b1>\,<m> + <omb1>\,<g>",
            m_new,
            lambda b1, m, omb1, g: lerp_scalar(m, g, omb1),
            b1=(r"\beta_1", b1),
            m=("m_k", before["exp_avg"]),
            omb1=(r"(1-\beta_1)", 1 - b1),
            g=(gs, gt),
        )
    )
    lines.append(
        line(
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
            line(
                v_sym,
                r"\max(<vmax>, <v>)",
                v_use,
                lambda vmax, v: np.maximum(vmax, v),
                vmax=(r"\hat v^{\max}_k", before["max_exp_avg_sq"]),
                v=("v_{k+1}", v_new),
            )
        )
    c1, c2 = 1 - b1**t, 1 - b2**t
    lines.append(line("c_1", "1 - <b1>^{<t>}", c1, lambda b1, t: 1 - b1**t, b1=(r"\beta_1", b1), t=("t", t)))
    lines.append(line("c_2", "1 - <b2>^{<t>}", c2, lambda b2, t: 1 - b2**t, b2=(r"\beta_2", b2), t=("t", t)))
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
            line(
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
            line(
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


def _rule(name, hypers, latex, year, torch, decoupled):
    return Rule(
        name,
        hypers,
        lambda h: _build(h, decoupled=decoupled),
        lambda *a: _explain(*a, decoupled=decoupled),
        latex,
        year=year,
        knobs=KNOBS,
        second="beta1",  # 0 is Adam without a first moment
        heatmap=("beta1",),
        family=Family(adaptive=True),
        note="insp.note.adam",
        effective_note="insp.effective.adam",
        symbols={"exp_avg": "m", "exp_avg_sq": "v", "max_exp_avg_sq": "v̂max"},
        torch=torch,
    )


register(_rule("adam", HYPERS, LATEX, 2014, "Adam", decoupled=False))
register(_rule("adamw", HYPERS_W, LATEX_W, 2017, "AdamW", decoupled=True))
