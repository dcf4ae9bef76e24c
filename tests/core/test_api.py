"""The public API works as documented: the examples in gdviz's docstring and the README run as
written, every name in ``__all__`` exists, and ``run``/``run_many`` keep the documented signature."""

from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

import gdviz
from gdviz.optim import registry

README = Path(__file__).resolve().parents[2] / "README.md"


def _docstring_example() -> str:
    """The indented block after ``::`` in the package docstring."""
    doc = gdviz.__doc__
    assert "::" in doc
    block = doc.split("::", 1)[1]
    lines = []
    for line in block.splitlines()[1:]:
        if line.strip() and not line.startswith("    "):
            break
        lines.append(line)
    return textwrap.dedent("\n".join(lines)).strip()


def test_docstring_example_runs_as_written():
    code = _docstring_example()
    assert "gdviz.run(" in code
    ns: dict = {}
    exec(compile(code, "gdviz.__doc__", "exec"), ns)  # the example itself, unchanged
    rec = ns["rec"]
    assert isinstance(ns["p"], gdviz.Problem) and isinstance(ns["opt"], gdviz.Optimizer)
    assert isinstance(rec, gdviz.Record)
    assert rec.params.shape == (501, 2) and rec.loss.shape == (501,) and rec.diverged is None
    # 500 Adam steps get well down the banana valley (not yet to its floor at (1, 1))
    assert rec.loss[-1] < 0.05 * rec.loss[0] and np.all(np.isfinite(rec.params))


def _readme_python_blocks() -> list[str]:
    if not README.exists():
        return []
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.skipif(not _readme_python_blocks(), reason="README has no Python example")
def test_readme_library_example_runs_as_written():
    for block in _readme_python_blocks():
        ns: dict = {}
        exec(compile(block, "README.md", "exec"), ns)
        if "sweep" in ns:
            sweep = ns["sweep"]
            assert sweep.loss.shape[1] == sweep.params.shape[1] == sweep.lr.shape[1]


def test_all_names_exist_and_are_documented():
    expected = {
        "problem",
        "problem_names",
        "optimizer",
        "run",
        "run_many",
        "squeeze",
        "first_below",
        "schedule",
        "slice_grid",
        "plane_grid",
        "Problem",
        "Optimizer",
        "Record",
        "Schedule",
        "Surface",
        "OPTIMIZER_NAMES",
        "SCHEDULE_NAMES",
    }
    assert expected <= set(gdviz.__all__)
    assert len(gdviz.__all__) == len(set(gdviz.__all__))
    for name in gdviz.__all__:
        assert getattr(gdviz, name) is not None
    ns: dict = {}
    exec("from gdviz import *", ns)
    assert set(gdviz.__all__) <= set(ns)
    assert isinstance(gdviz.__version__, str) and re.fullmatch(r"\d+\.\d+\.\d+.*", gdviz.__version__)


def test_documented_names():
    # every registered rule is public and documented where optimizer() lists its names and defaults
    assert gdviz.OPTIMIZER_NAMES == registry.names()
    for name in gdviz.OPTIMIZER_NAMES:
        assert f"``{name}``" in gdviz.optimizer.__doc__, name
    assert set(gdviz.SCHEDULE_NAMES) == {"constant", "step", "exponential", "cosine", "inverse_time"}
    required = {
        "linear_regression",
        "logistic_regression",
        "quadratic",
        "rosenbrock",
        "beale",
        "himmelblau",
        "saddle",
        "rastrigin",
        "booth",
    }
    assert required <= set(gdviz.problem_names()) and len(gdviz.problem_names()) >= len(required) + 1


@pytest.mark.parametrize("fn", [gdviz.run, gdviz.run_many])
def test_run_signature_is_the_documented_one(fn):
    sig = inspect.signature(fn)
    names = list(sig.parameters)
    assert names[:2] == ["problem", "optimizer"]
    documented = {
        "steps": inspect.Parameter.empty,
        "start": None,
        "batch_size": None,
        "seed": 0,
        "schedule": None,
        "stop_loss": None,
        "shuffle": True,
        "replacement": False,
    }
    for name, default in documented.items():
        param = sig.parameters[name]
        assert param.kind is inspect.Parameter.KEYWORD_ONLY, name
        assert param.default == default or param.default is default, name


def test_record_has_the_documented_fields():
    rec = gdviz.run(gdviz.problem("booth"), gdviz.optimizer("gd", lr=0.01), steps=5)
    for field in (
        "params",
        "loss",
        "grad",
        "batch_loss",
        "lr",
        "epoch",
        "samples_seen",
        "grad_evals",
        "time",
        "diverged",
        "stop_reason",
        "steps_done",
        "final_params",
        "final_loss",
    ):
        assert hasattr(rec, field), field


def test_public_api_round_trip():
    p = gdviz.problem("linear_regression")
    opt = gdviz.optimizer("sgd", lr=0.05, momentum=0.9)
    sched = gdviz.schedule("cosine", warmup=10)
    rec = gdviz.run(p, opt, steps=200, schedule=sched, stop_loss=1e-8)
    assert rec.stop_reason in ("steps", "stop_loss") and rec.loss[-1] < 1e-3
    assert gdviz.first_below(rec, 1e-3) is not None
    many = gdviz.run_many(
        p, gdviz.optimizer("adam", lr=np.array([0.01, 0.1])), steps=50, seed=np.array([1, 2])
    )
    one = gdviz.squeeze(many, 1)
    assert one.params.shape == (51, 3) and one.hyper["lr"] == 0.1 and one.seed == 2
    surf = gdviz.slice_grid(p, resolution=20)
    assert isinstance(surf, gdviz.Surface) and surf.z.shape == (20, 20)
    plane = gdviz.plane_grid(
        p, p.start, [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], window=((-1, 1), (-1, 1)), resolution=5
    )
    assert plane.z.shape == (5, 5)
    with pytest.raises(ValueError, match="allowed"):
        gdviz.problem("nope")
