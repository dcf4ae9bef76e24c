"""Update rules as pure ``init``/``update`` pairs (in the style of optax), following torch.optim.

``opt = optimizer("adam", lr=0.01)``; ``state = opt.init(params)``; then each step
``updates, state = opt.update(grads, state, params)`` and ``params = params + updates``.

Names, hyperparameter names, defaults and the order of floating-point operations follow the
single-tensor (``foreach=False``) algorithms of torch.optim, so trajectories agree with torch to
float64 round-off (torch fuses some multiply-adds on CPU, NumPy cannot, hence not bit for bit).
One module per rule (``sgd``, ``adagrad``, ``rmsprop``, ``adam``) holds its math, its update, its
step-inspector explainer and its LaTeX.

Shapes: ``params`` and ``grads`` are ``(P,)`` or ``(R, P)`` (R runs). Every numeric hyperparameter
is a number or an array ``(R,)`` with one value per run; ``lr`` may also be a schedule
(:func:`gdviz.schedule`, or any callable ``step -> lr``) evaluated at ``state.count`` (0 for the
first update); a run binds a schedule's horizon to its length.

``update`` needs ``params`` only when there is weight decay (``adamw`` by default). It does not
enter ``np.errstate`` (that costs more than the update itself): a loop that can diverge runs inside
one ``np.errstate(all="ignore")`` and checks the results for non-finite values.
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np

from gdviz.optim.adagrad import AdagradState
from gdviz.optim.adam import AdamState
from gdviz.optim.base import Optimizer, make_init, resolve
from gdviz.optim.registry import defaults, entry, latex, names
from gdviz.optim.rmsprop import RMSpropState
from gdviz.optim.schedules import SCHEDULE_NAMES, Schedule, as_schedule, schedule
from gdviz.optim.sgd import SGDState

# Every module of this package is imported, so that a rule registers by being a file here: adding
# one needs no edit anywhere else (the modules that register nothing import harmlessly).
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

OPTIMIZER_NAMES = names()  # the rules gdviz ships; ``registry.names()`` also has any added later


def optimizer(name: str, **hyper) -> Optimizer:
    """The update rule ``name`` (one of ``OPTIMIZER_NAMES``) with torch.optim's hyperparameters.

    ``sgd`` (lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False), ``adagrad``
    (lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10), ``rmsprop``
    (lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False), ``adam`` (lr=1e-3,
    betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False), ``adamw`` (as adam,
    weight_decay=1e-2, decoupled). Convenience names: ``gd`` (sgd), ``momentum`` (sgd, momentum=0.9),
    ``nesterov`` (sgd, momentum=0.9, nesterov=True). Any numeric hyperparameter may be an array
    ``(R,)``, one value per run (then params must be ``(R, P)``); ``lr`` may be a schedule.
    """
    rule, resolved, runs = resolve(name, hyper)
    make_state, update = entry(rule).rule.build(resolved)
    return Optimizer(rule, resolved, make_init(runs, make_state), update, name)


def current_lr(opt: Optimizer, state) -> float | np.ndarray:
    """The base lr the next ``update`` will use (before Adagrad's lr_decay): a float or ``(R,)``."""
    lr = opt.hyper["lr"]
    if not callable(lr):
        return lr
    value = lr(state.count)
    return value if type(value) is float else np.asarray(value, dtype=float)[()]


def formula_latex(name: str) -> str:
    """A short LaTeX rendering of the update of ``name`` (g_t is the gradient at θ_{t-1}, γ the lr)."""
    return latex(name)


__all__ = [
    "OPTIMIZER_NAMES",
    "SCHEDULE_NAMES",
    "AdagradState",
    "AdamState",
    "Optimizer",
    "RMSpropState",
    "SGDState",
    "Schedule",
    "as_schedule",
    "current_lr",
    "defaults",
    "formula_latex",
    "optimizer",
    "schedule",
]
