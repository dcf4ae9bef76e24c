"""The real engine (gdviz.parallel.torchdist): K processes with torch.distributed (gloo) reproduce
the simulated sync and local SGD trajectories to round-off. One launch of three processes runs
every job (a torch import costs seconds per process); K = 2 jobs use a group of two of them.

Skipped when torch is missing, except in CI (GDVIZ_REQUIRE_REFERENCES=1), where that fails the test.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from reference_support import reference

import gdviz
from gdviz import parallel
from gdviz.parallel import torchdist


def _need_torch():
    if not torchdist.available():
        reference("torch.distributed")


@functools.cache
def _linear():
    return gdviz.problem("linear_regression", data="synthetic", n=240)


@functools.cache
def _calls():
    lin, mlp = _linear(), gdviz.problem("mlp", hidden=(4,), n=200)
    gd, mom = gdviz.optimizer("gd", lr=0.05), gdviz.optimizer("momentum", lr=0.02)
    return (
        dict(problem=lin, optimizer=gd, strategy="sync", workers=2, batch_size=8, steps=40, seed=3),
        # 240 = 11·21 + 9: at every epoch's end the third worker gets 2 samples, then none
        dict(problem=lin, optimizer=mom, strategy="sync", workers=3, batch_size=7, steps=40, seed=1),
        dict(problem=lin, optimizer=mom, strategy="sync", workers=2, batch_size=4, steps=40, shards="iid"),
        dict(problem=mlp, optimizer=gd, strategy="sync", workers=3, batch_size=10, steps=30, seed=2),
        dict(
            problem=gdviz.problem("rosenbrock"),
            optimizer=gdviz.optimizer("gd", lr=1e-3),
            strategy="sync",
            workers=2,
            steps=40,
        ),
        dict(
            problem=lin,
            optimizer=mom,
            strategy="local",
            workers=3,
            local_steps=4,
            batch_size=5,
            steps=41,
            shards="label",
            seed=4,
        ),
        dict(problem=lin, optimizer=gd, strategy="local", workers=2, local_steps=3, steps=30),
        dict(problem=mlp, optimizer=gd, strategy="local", workers=3, local_steps=5, batch_size=8, steps=30),
    )


@pytest.fixture(scope="module")
def real_runs():
    _need_torch()
    return torchdist.train_all(_calls(), timeout=240)


@pytest.mark.parametrize("i", range(len(_calls())))
def test_real_processes_reproduce_the_simulation(real_runs, i):
    call = dict(_calls()[i])
    p, opt = call.pop("problem"), call.pop("optimizer")
    sim = parallel.train(p, opt, **call)
    real = real_runs[i]
    want_steps = np.flatnonzero(sim.synced)
    np.testing.assert_array_equal(real.steps, want_steps)
    np.testing.assert_allclose(real.params, sim.params[want_steps], rtol=1e-12, atol=1e-12)
    assert np.abs(real.params[-1] - real.params[0]).max() > 1e-3  # it trained


def test_real_engine_refuses_what_it_cannot_run():
    _need_torch()
    lin = _linear()
    with pytest.raises(ValueError, match=r"optimizer must be SGD with a constant lr .*got 'adam'"):
        torchdist.train(lin, gdviz.optimizer("adam"), strategy="sync", workers=2, steps=3)
    with pytest.raises(ValueError, match="workers must be ≤ 8"):
        torchdist.train(lin, gdviz.optimizer("gd"), strategy="sync", workers=9, steps=3)
    with pytest.raises(ValueError, match="unknown strategy 'async'"):
        torchdist.train(lin, gdviz.optimizer("gd"), strategy="async", workers=2, steps=3)
    with pytest.raises(ValueError, match="global batch"):
        torchdist.train(lin, gdviz.optimizer("gd"), strategy="sync", workers=2, batch_size=200, steps=3)
