"""Every bad argument across the core is one ValueError in the one format of ``gdviz/errors.py``:
it names the argument, says what is allowed, and shows what was given (cut, never a whole array)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import gdviz
from gdviz import parallel

QUAD = gdviz.problem("quadratic")
DATA = gdviz.problem("linear_regression", data="synthetic", n=50)
GD = gdviz.optimizer("gd", lr=0.1)

# (call, the argument the message must name)
BAD = [
    (lambda: gdviz.optimizer("adam", lr=-0.1), "lr"),
    (lambda: gdviz.optimizer("adam", lr=float("nan")), "lr"),
    (lambda: gdviz.optimizer("sgd", lr=0.1, momentum=1.5), "momentum"),
    (lambda: gdviz.optimizer("adam", lr=0.1, betas=(0.9, 1.0)), "betas"),
    (lambda: gdviz.optimizer("rmsprop", lr=0.1, alpha=-1), "alpha"),
    (lambda: gdviz.optimizer("adamm"), "optimizer"),
    (lambda: gdviz.optimizer("sgd", lr=0.1, mommentum=0.9), "mommentum"),
    (lambda: gdviz.schedule("step", gama=0.5), "gama"),
    (lambda: gdviz.schedule("warp"), "schedule"),
    (lambda: gdviz.problem("nope"), "problem"),
    (lambda: gdviz.problem("quadratic", condition=-1), "condition"),
    (lambda: gdviz.problem("quadratic", conditon=3), "conditon"),
    (lambda: gdviz.run(QUAD, GD, steps=-1), "steps"),
    (lambda: gdviz.run(QUAD, GD, steps=10**9), "steps"),
    (lambda: gdviz.run(QUAD, GD, steps=10, start=[1.0, 2.0, 3.0]), "start"),
    (lambda: gdviz.run(QUAD, GD, steps=10, start=np.zeros(10**6)), "start"),
    (lambda: gdviz.run(DATA, GD, steps=10, batch_size=0), "batch_size"),
    (lambda: gdviz.run(DATA, GD, steps=10, batch_size=10**9), "batch_size"),
    (lambda: gdviz.run_many(QUAD, GD, steps=10, runs=0), "runs"),
    (lambda: parallel.train(DATA, GD, strategy="sync", workers=0, steps=10), "workers"),
    (lambda: parallel.train(DATA, GD, strategy="gossip", workers=2, steps=10), "strategy"),
]
# the documented shapes: "<arg> must …, got …", "unknown <what> '<x>'; allowed: …",
# "… got unknown option(s) …; allowed: …"
SHAPES = (
    re.compile(r"(?P<arg>[\w\[\].]+) must .+, got .+"),
    re.compile(r"unknown (?P<arg>[\w ]+) '.*'; allowed: .+"),
    re.compile(r"got unknown (option|argument|hyperparameter)\(s\) (?P<arg>.+); allowed: .+"),
)


@pytest.mark.parametrize(("call", "arg"), BAD, ids=[f"{i}-{a}" for i, (_, a) in enumerate(BAD)])
def test_a_bad_argument_is_one_value_error_in_the_one_format(call, arg):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message, message
    assert len(message) < 400, f"a message quotes at most the start of what was given: {message}"
    found = [m for shape in SHAPES if (m := shape.search(message))]
    assert found, f"not in the one format: {message}"
    assert any(arg in m.group("arg") or arg in message for m in found), message
