"""Cached computation behind the page. Every cache is bounded: a public server has many visitors.

Problems are cached as resources (one shared immutable object per configuration: a 10⁶-sample
problem must not be pickled per rerun); runs and surfaces as data keyed on frozen specs.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import gdviz
from gdviz.problems.base import Problem
from gdviz.projection import View, make_view
from gdviz.train import Record
from gdviz.ui.specs import ProblemSpec, RunSpec


def get_problem(spec: ProblemSpec) -> Problem:
    """The problem a spec names; uploaded data is looked up by its hash (see ui.custom)."""
    if spec.name == "csv":
        from gdviz.ui.custom import csv_problem

        return csv_problem(spec)
    return _named_problem(spec)


@st.cache_resource(max_entries=24, show_spinner=False)
def _named_problem(spec: ProblemSpec) -> Problem:
    return gdviz.problem(spec.name, **spec.kwargs())


def _build_optimizer(run: RunSpec):
    return gdviz.optimizer(run.rule, **run.optimizer_kwargs())


def _build_schedule(run: RunSpec):
    if run.schedule == "constant":
        return None
    return gdviz.schedule(run.schedule, **dict(run.schedule_opts))


@st.cache_data(max_entries=256, show_spinner=False)
def simulate(
    problem: ProblemSpec, run: RunSpec, steps: int, stop_loss: float | None, start: tuple[float, ...] | None
) -> Record:
    """One run; raises ValueError with a readable message for a configuration the core refuses."""
    p = get_problem(problem)
    return gdviz.run(
        p,
        _build_optimizer(run),
        steps=steps,
        start=None if start is None else np.asarray(start, dtype=float),
        batch_size=run.batch(p.n_samples),
        seed=run.seed,
        schedule=_build_schedule(run),
        stop_loss=stop_loss,
    )


@st.cache_data(max_entries=64, show_spinner=False)
def view_for(
    problem: ProblemSpec,
    paths: tuple[bytes, ...],
    shapes: tuple[tuple[int, int], ...],
    diverged: tuple[bool, ...],
    kind: str,
    axes: tuple[int, int] | None,
    resolution: int,
) -> View:
    """The 2-D view; paths come in as bytes so the cache key is cheap and exact."""
    arrays = [np.frombuffer(b, dtype=float).reshape(s) for b, s in zip(paths, shapes, strict=True)]
    return make_view(
        get_problem(problem), arrays, kind=kind, axes=axes, resolution=resolution, diverged=list(diverged)
    )
