"""The vocabulary of the rules' explainers: one line of an update equation with its numbers.

Each rule's module writes its own step out with these (``explain`` in ``sgd.py`` …); the step
inspector (``gdviz.analysis.inspect``) replays the state and renders the lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


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


def line(lhs, formula, result, evaluate, **items) -> Line:
    """``items`` maps placeholder names to ``(symbol, value)``."""
    return Line(
        lhs,
        formula,
        {k: s for k, (s, _) in items.items()},
        {k: v for k, (_, v) in items.items()},
        result,
        evaluate,
    )


def lerp(start, end, weight):
    """torch.lerp's two formulas (as the rules use them): a + w(b − a) for w < 0.5, else
    b − (b − a)(1 − w)."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def decay_line(h, g, theta):
    """g̃_k = g_k + λθ_k for L2 weight decay (sgd, adagrad, rmsprop, adam), else g itself."""
    wd = float(h["weight_decay"])
    if wd == 0:
        return g, "g_k", []
    gt = g + wd * theta
    step = line(
        r"\tilde g_k",
        r"<g> + <wd>\,<theta>",
        gt,
        lambda g, wd, theta: g + wd * theta,
        g=("g_k", g),
        wd=(r"\lambda", wd),
        theta=(r"\theta_k", theta),
    )
    return gt, r"\tilde g_k", [step]


__all__ = ["Line", "decay_line", "lerp", "line"]
