"""Sweeps and fair comparison: choose the learning rate by measuring, not by advice.

- :func:`lr_sweep` runs one update rule at many learning rates in one vectorized pass and reports
  final loss, steps to a loss threshold, divergence, the best learning rate and the divergence
  boundary.
- :func:`lr_range_test` is Smith's (2017) learning-rate range test: one run whose learning rate
  grows exponentially; the loss against the learning rate suggests a value.
- :func:`grid_sweep` crosses the learning rate with a second axis (momentum, β1, batch size …).
- :func:`compare` races configurations over several seeds on a common x-axis (steps, epochs,
  samples seen, gradient evaluations or wall-clock time) and gives mean and band.
- :func:`tune_each` gives every configuration its best learning rate from a quick sweep.

Runs that share a seed share their mini-batch order (common random numbers), so a sweep row and
``gdviz.run`` with the same settings and seed are the same numbers.
"""

from __future__ import annotations

from gdviz.analysis.sweeps.common import (
    AXES,
    DEFAULT_LRS,
    QUICK_LRS,
    X_AXES,
    default_threshold,
)
from gdviz.analysis.sweeps.compare import Comparison, Tuned, compare, tune_each
from gdviz.analysis.sweeps.grid import GridResult, grid_sweep
from gdviz.analysis.sweeps.lr import SweepResult, lr_sweep
from gdviz.analysis.sweeps.range_test import RangeTest, lr_range_test

__all__ = [
    "AXES",
    "DEFAULT_LRS",
    "QUICK_LRS",
    "X_AXES",
    "Comparison",
    "GridResult",
    "RangeTest",
    "SweepResult",
    "Tuned",
    "compare",
    "default_threshold",
    "grid_sweep",
    "lr_range_test",
    "lr_sweep",
    "tune_each",
]
