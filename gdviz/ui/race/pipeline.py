"""The race page's problems, runs and view resolution as plain functions of frozen specs: the part of
``compute`` that needs no Streamlit, shared by the page (through ``compute``), the exports and the
command line (``gdviz.export``, ``gdviz.cli``), so that a link rendered headless is the page's view.
"""

from __future__ import annotations

import hashlib

import numpy as np

from gdviz import limits
from gdviz.problems.base import Problem
from gdviz.serve import cost, tasks
from gdviz.ui.specs import PageConfig, ProblemSpec, RunSpec


def get_problem(spec: ProblemSpec) -> Problem:
    """The problem a spec names; uploaded data is looked up by its hash (see ui.custom)."""
    return tasks.build_problem(recipe(spec))


def recipe(spec: ProblemSpec) -> tuple:
    """How a worker process builds the same problem (``gdviz.serve.tasks.build_problem``)."""
    if spec.name != "csv":
        return ("named", spec.name, spec.kwargs())
    from gdviz.problems.data import csv as csvdata
    from gdviz.ui.race.uploads import read_table

    o = dict(spec.options)
    table = read_table(o["sha"])
    X, y, _ = csvdata.select(table, o["target"], list(o["features"]), o["task"], bool(o["standardize"]))
    digest = hashlib.sha256(repr(sorted(o.items())).encode()).hexdigest()
    if o["task"] == "classification":
        return ("arrays", "logistic", X, y, {"l2": float(o.get("l2", 0.0)), "name": "csv"}, digest)
    return ("arrays", "linear", X, y, {"loss": o.get("loss", "half_mse"), "name": "csv"}, digest)


def keep_for(problem: Problem, steps: int) -> int | None:
    """None (a full record) unless the record of a large model would be big: then the number of
    float32 states that fit RECORD_THIN_BYTES."""
    if cost.record_bytes(steps, 1, problem.n_params) <= limits.RECORD_FULL_BYTES:
        return None
    return max(2, min(steps + 1, limits.RECORD_THIN_BYTES // (4 * problem.n_params)))


def runs_estimate(problem: Problem, cfg: PageConfig, specs, keep: int | None) -> cost.Estimate:
    """What running ``specs`` of ``cfg`` costs, kept as the page keeps them (``keep_for``)."""
    n = problem.n_samples
    return cost.Estimate.total(
        cost.run_estimate(problem, s.rule, steps=cfg.steps, batch_size=s.batch(n), keep=keep) for s in specs
    )


def run_args(spec: RunSpec, p: Problem, cfg: PageConfig, keep: int | None) -> dict:
    sched = None if spec.schedule == "constant" else (spec.schedule, tuple(spec.schedule_opts))
    return {
        "rule": spec.rule,
        "hyper": spec.optimizer_kwargs(),
        "steps": int(cfg.steps),
        "batch_size": spec.batch(p.n_samples),
        "seed": int(spec.seed),
        "schedule": sched,
        "stop_loss": cfg.stop_loss,
        "start": None if cfg.start is None else tuple(float(v) for v in cfg.start),
        "keep": keep,
    }


def view_resolution(problem: Problem) -> int:
    """Grid points per side that the problem's loss can afford in about VIEW_SECONDS."""
    per_point = cost.cost_of(problem).loss.c or 1e-7
    return int(np.clip(np.sqrt(limits.VIEW_SECONDS / per_point), 16, 100))


__all__ = ["get_problem", "keep_for", "recipe", "run_args", "view_resolution"]
