"""What the sweeps page works on: the race page's problem, runs, start and threshold (read through
the race page's state owner) and its own ``sweep.*`` settings, kept while other pages run."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from gdviz.problems.base import Problem
from gdviz.ui import quirks
from gdviz.ui.i18n import EN, TABLES, lang
from gdviz.ui.race import state as race_state
from gdviz.ui.race.compute import get_problem
from gdviz.ui.specs import (
    STEPS_MAX,
    ProblemSpec,
    RunSpec,
)

TITLE_KEY = "page.sweeps"
ICON = ":material/science:"
URL_PATH = "sweeps"
ORDER = 20

SS = st.session_state
PANELS = ("lr", "range", "heatmap", "compare")
HEATMAP_KEY = "sweep.chart.heatmap"
N_LR_CHOICES = (20, 40, 60, 100)
HM_N_CHOICES = (10, 20, 30)
RANGE_STEPS = (100, 200, 500)
SEED_MAX = 10
QUICK_LRS = 31  # tune_each's default sweep
FIG = "sweep.fig."


def keep_state():
    """This page draws none of the race page's widgets and only one of its own panels: both pages'
    keys are kept for the way back (the owners know which)."""
    race_state.keep()
    quirks.keep(prefixes=("sweep.",))


def _fig_labels() -> dict[str, str]:
    table = TABLES[lang()]
    return {k[len(FIG) :]: table.get(k, v) for k, v in EN.items() if k.startswith(FIG)}


def problem_spec() -> ProblemSpec | None:
    """The race page's problem, as its state owner reads it."""
    return race_state.read_problem()


def resolve_problem(spec: ProblemSpec) -> tuple[ProblemSpec, Problem] | None:
    try:
        return spec, get_problem(spec)
    except (ValueError, KeyError, TypeError):
        if spec.name == "csv":
            # the file left the server's bounded store, or its chosen columns no longer fit: no defaults
            return None
        # the Visualizer shows the refusal and falls back to the defaults; so does this page
        spec = ProblemSpec(spec.name)
        return spec, get_problem(spec)


def start_point(problem: Problem) -> tuple[float, ...] | None:
    return race_state.read_start(problem.n_params, problem.start)


def run_specs() -> list[tuple[int, RunSpec]]:
    return [(rid, race_state.read_run(rid)) for rid in race_state.run_ids()]


def main_threshold() -> float | None:
    return race_state.read_stop()


@dataclass(frozen=True)
class Context:
    pspec: ProblemSpec
    problem: Problem
    start: tuple[float, ...] | None
    steps: int
    threshold: float | None
    runs: tuple[tuple[int, RunSpec], ...]
    index: int  # which run is swept

    @property
    def rid(self) -> int:
        return self.runs[self.index][0]

    @property
    def spec(self) -> RunSpec:
        return self.runs[self.index][1]


def context() -> Context | None:
    spec = problem_spec()
    resolved = None if spec is None else resolve_problem(spec)
    if resolved is None:
        return None
    pspec, problem = resolved
    steps = int(SS.get("steps", 300))
    steps = max(1, min(steps, STEPS_MAX))
    runs = tuple(run_specs())
    quirks.ensure("sweep.run", 0)
    if not isinstance(SS["sweep.run"], int) or not 0 <= SS["sweep.run"] < len(runs):
        SS["sweep.run"] = 0
    return Context(pspec, problem, start_point(problem), steps, main_threshold(), runs, int(SS["sweep.run"]))
