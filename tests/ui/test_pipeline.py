"""Every problem × update rule × gradient-descent variant, through the race page's own pipeline
without Streamlit: the run (the task a worker would run), the 2-D view, the race figure. The page's
AppTest (tests/ui/test_ui_app.py) then only checks that each problem is wired to it."""

from __future__ import annotations

import json

import numpy as np
import pytest

import gdviz
from gdviz.figures.race import RunTrace, race_figure
from gdviz.figures.spec import STEP_GROUP
from gdviz.serve import tasks
from gdviz.ui import specs
from gdviz.ui.i18n import EN
from gdviz.ui.race import compute

PROBLEMS = [p for p in specs.PROBLEMS if p != "csv"]  # a CSV comes from an upload: tests/ui/test_ui_app.py


def labels() -> dict:
    # the English table, as figure_labels() gives it to an English page
    return {k[len("fig.") :]: v for k, v in EN.items() if k.startswith("fig.")}


@pytest.mark.parametrize("name", PROBLEMS)
def test_every_rule_and_variant_runs_and_draws(name):
    spec = specs.ProblemSpec(name)
    problem = compute.get_problem(spec)
    variants = specs.VARIANTS if problem.has_data else ("full",)
    cfg = specs.PageConfig(problem=spec, steps=10)
    recipe = compute.recipe(spec)
    runs = [specs.RunSpec(rule, 0.01, variant=v, batch_size=2) for rule in specs.rules() for v in variants]
    keep = compute.keep_for(problem, cfg.steps)
    out = tasks.run_inline(
        "runs", {"recipe": recipe, "runs": [compute.run_args(r, problem, cfg, keep) for r in runs]}
    )
    for run_spec, (rec, err) in zip(runs, out, strict=True):
        where = f"{name} / {run_spec.rule} / {run_spec.variant}"
        assert err is None and rec is not None, f"{where}: {err}"
        assert rec.batch_size == run_spec.batch(problem.n_samples), where
        assert np.all(np.isfinite(rec.loss)), where
    records = [rec for rec, _ in out]
    kind = "pca" if spec.default_plane == "pca" else "slice"
    view = tasks.run_inline(
        "view",
        {
            "recipe": recipe,
            "paths": [np.asarray(r.params, dtype=float) for r in records],
            "diverged": [r.diverged is not None for r in records],
            "kind": kind,
            "axes": None,
            "resolution": 24,
        },
    )
    traces = [
        RunTrace(f"{i}", "#000000", xy, r.loss, r.batch_loss if r.batch_size else None, None, r.param_steps)
        for i, (r, xy) in enumerate(zip(records, view.paths, strict=True))
    ]
    fig = race_figure(
        view.surface, traces, window=view.window, minima=view.minima, frames=300, labels=labels()
    )
    spec_json = json.loads(json.dumps(fig.to_dict()))  # what Streamlit sends
    names = [f["name"] for f in spec_json["frames"] if f.get("group") == STEP_GROUP]
    assert names and names[0] == "0" and len(names) <= 11, f"{name}: frames {names}"


def test_the_pipeline_is_the_page_s_own():
    # the same functions the page calls (not copies): a run of the page equals gdviz.run
    spec = specs.ProblemSpec("rosenbrock")
    problem = compute.get_problem(spec)
    cfg = specs.PageConfig(problem=spec, steps=25)
    r = specs.RunSpec("adam", 0.05)
    ((rec, _),) = tasks.run_inline(
        "runs", {"recipe": compute.recipe(spec), "runs": [compute.run_args(r, problem, cfg, None)]}
    )
    direct = gdviz.run(problem, gdviz.optimizer("adam", lr=0.05), steps=25)
    np.testing.assert_array_equal(rec.params, direct.params)
