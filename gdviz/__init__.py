"""gdviz — see gradient descent work.

The public, stable API for notebooks and scripts::

    import gdviz
    p = gdviz.problem("rosenbrock")
    opt = gdviz.optimizer("adam", lr=0.05)
    rec = gdviz.run(p, opt, steps=500)
    rec.params, rec.loss, rec.diverged

``run_many`` advances many runs (a learning-rate array, start points, seeds) in one vectorized
step. Everything here is NumPy only; the web app lives in ``gdviz.ui``.
"""

from gdviz import parallel  # training at scale, simulated: gdviz.parallel.train (README)
from gdviz.analysis import sweeps  # the sweeps library, public as gdviz.sweeps (README)
from gdviz.analysis.sweeps import (
    Comparison,
    GridResult,
    RangeTest,
    SweepResult,
    compare,
    grid_sweep,
    lr_range_test,
    lr_sweep,
    tune_each,
)
from gdviz.geometry.surfaces import Surface, plane_grid, slice_grid
from gdviz.optim import OPTIMIZER_NAMES, Optimizer, optimizer
from gdviz.optim.schedules import SCHEDULE_NAMES, Schedule, schedule
from gdviz.problems import Problem, problem, problem_names
from gdviz.train import Record, first_below, run, run_many, squeeze

__version__ = "0.1.0"

__all__ = [
    "OPTIMIZER_NAMES",
    "SCHEDULE_NAMES",
    "Comparison",
    "GridResult",
    "Optimizer",
    "Problem",
    "RangeTest",
    "Record",
    "Schedule",
    "Surface",
    "SweepResult",
    "compare",
    "first_below",
    "grid_sweep",
    "lr_range_test",
    "lr_sweep",
    "optimizer",
    "parallel",
    "plane_grid",
    "problem",
    "problem_names",
    "run",
    "run_many",
    "schedule",
    "slice_grid",
    "squeeze",
    "sweeps",
    "tune_each",
]
