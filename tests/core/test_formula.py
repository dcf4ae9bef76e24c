"""gdviz.formula: values and exact gradients of parsed formulas, printing, error positions, and the
``formula`` problem built on them."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import gdviz.problems.custom  # noqa: F401  (registers "formula" until the registry imports it itself)
from gdviz.formula import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    Evaluator,
    FormulaError,
    evaluate,
    parse,
)
from gdviz.problems import problem
from gdviz.problems.custom import FormulaProblem

RNG = np.random.default_rng(7)
# Points in [−2, 2]², and a copy with x > 0 (and |y| bounded away from 0) for formulas defined there.
XY = RNG.uniform(-2.0, 2.0, size=(2, 64))
XY_POS = np.stack([RNG.uniform(0.3, 2.0, 64), RNG.choice([-1.0, 1.0], 64) * RNG.uniform(0.3, 2.0, 64)])

# (text, f, df/dx, df/dy, points): NumPy versions written by hand.
CASES = [
    (
        "x**2 + 10*sin(y)",
        lambda x, y: x**2 + 10 * np.sin(y),
        lambda x, y: 2 * x,
        lambda x, y: 10 * np.cos(y),
        XY,
    ),
    (
        "(1-x)^2 + 100*(y-x^2)^2",
        lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        lambda x, y: -2 * (1 - x) - 400 * x * (y - x**2),
        lambda x, y: 200 * (y - x**2),
        XY,
    ),
    ("x*y", lambda x, y: x * y, lambda x, y: y, lambda x, y: x, XY),
    (
        "exp(-(x^2 + y^2))",
        lambda x, y: np.exp(-(x**2 + y**2)),
        lambda x, y: -2 * x * np.exp(-(x**2 + y**2)),
        lambda x, y: -2 * y * np.exp(-(x**2 + y**2)),
        XY,
    ),
    (
        "sin(x)*cos(y)",
        lambda x, y: np.sin(x) * np.cos(y),
        lambda x, y: np.cos(x) * np.cos(y),
        lambda x, y: -np.sin(x) * np.sin(y),
        XY,
    ),
    (
        "log(1 + x^2 + y^2)",
        lambda x, y: np.log(1 + x**2 + y**2),
        lambda x, y: 2 * x / (1 + x**2 + y**2),
        lambda x, y: 2 * y / (1 + x**2 + y**2),
        XY,
    ),
    (
        "sqrt(1 + x^2 + y^2)",
        lambda x, y: np.sqrt(1 + x**2 + y**2),
        lambda x, y: x / np.sqrt(1 + x**2 + y**2),
        lambda x, y: y / np.sqrt(1 + x**2 + y**2),
        XY,
    ),
    (
        "abs(x) + 2*abs(y)",
        lambda x, y: np.abs(x) + 2 * np.abs(y),
        lambda x, y: np.sign(x),
        lambda x, y: 2 * np.sign(y),
        XY,
    ),
    (
        "tanh(x*y)",
        lambda x, y: np.tanh(x * y),
        lambda x, y: y / np.cosh(x * y) ** 2,
        lambda x, y: x / np.cosh(x * y) ** 2,
        XY,
    ),
    (
        "x/(1 + y^2)",
        lambda x, y: x / (1 + y**2),
        lambda x, y: 1 / (1 + y**2),
        lambda x, y: -2 * x * y / (1 + y**2) ** 2,
        XY,
    ),
    (
        "arctan(x) + atan(y)",
        lambda x, y: np.arctan(x) + np.arctan(y),
        lambda x, y: 1 / (1 + x**2),
        lambda x, y: 1 / (1 + y**2),
        XY,
    ),
    (
        "sinh(x/3) + cosh(y/3)",
        lambda x, y: np.sinh(x / 3) + np.cosh(y / 3),
        lambda x, y: np.cosh(x / 3) / 3,
        lambda x, y: np.sinh(y / 3) / 3,
        XY,
    ),
    (
        "tan(x/4)*y",
        lambda x, y: np.tan(x / 4) * y,
        lambda x, y: y / (4 * np.cos(x / 4) ** 2),
        lambda x, y: np.tan(x / 4),
        XY,
    ),
    (
        "x**3 - 3*x*y**2",
        lambda x, y: x**3 - 3 * x * y**2,
        lambda x, y: 3 * x**2 - 3 * y**2,
        lambda x, y: -6 * x * y,
        XY,
    ),
    (
        "2**x + y^-2",
        lambda x, y: 2**x + y**-2.0,
        lambda x, y: np.log(2) * 2**x,
        lambda x, y: -2 * y**-3.0,
        XY_POS,
    ),
    (
        "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
        lambda x, y: 4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7),
        lambda x, y: 2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7),
        XY,
    ),
    (
        "x**y",
        lambda x, y: x**y,
        lambda x, y: y * x ** (y - 1),
        lambda x, y: x**y * np.log(x),
        XY_POS,
    ),
    (
        "pi*x + e*y",
        lambda x, y: np.pi * x + np.e * y,
        lambda x, y: np.pi + 0 * x,
        lambda x, y: np.e + 0 * y,
        XY,
    ),
    ("-x**2 + -(-y)", lambda x, y: -(x**2) + y, lambda x, y: -2 * x, lambda x, y: 1 + 0 * y, XY),
    (
        "1.5e-1*x^2 + y/2 - 3",
        lambda x, y: 0.15 * x**2 + y / 2 - 3,
        lambda x, y: 0.3 * x,
        lambda x, y: 0.5 + 0 * y,
        XY,
    ),
    (
        "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)",
        lambda x, y: 20 + x**2 - 10 * np.cos(2 * np.pi * x) + y**2 - 10 * np.cos(2 * np.pi * y),
        lambda x, y: 2 * x + 20 * np.pi * np.sin(2 * np.pi * x),
        lambda x, y: 2 * y + 20 * np.pi * np.sin(2 * np.pi * y),
        XY,
    ),
    (
        "exp(sin(x))*log(2 + cos(y))",
        lambda x, y: np.exp(np.sin(x)) * np.log(2 + np.cos(y)),
        lambda x, y: np.cos(x) * np.exp(np.sin(x)) * np.log(2 + np.cos(y)),
        lambda x, y: -np.exp(np.sin(x)) * np.sin(y) / (2 + np.cos(y)),
        XY,
    ),
    (
        "x^(1/2)*y^2",
        lambda x, y: np.sqrt(x) * y**2,
        lambda x, y: y**2 / (2 * np.sqrt(x)),
        lambda x, y: 2 * y * np.sqrt(x),
        XY_POS,
    ),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize(("text", "f", "fx", "fy", "pts"), CASES, ids=IDS)
def test_values_and_gradients_match_hand_written_numpy(text, f, fx, fy, pts):
    x, y = pts
    e = parse(text)
    gx, gy = e.gradient()
    np.testing.assert_allclose(e.evaluate(x, y), f(x, y), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gx.evaluate(x, y), fx(x, y), rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(gy.evaluate(x, y), fy(x, y), rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize(("text", "f", "fx", "fy", "pts"), CASES, ids=IDS)
def test_gradients_match_central_differences(text, f, fx, fy, pts):
    x, y = pts
    e = parse(text)
    h = 1e-6
    fd_x = (e.evaluate(x + h, y) - e.evaluate(x - h, y)) / (2 * h)
    fd_y = (e.evaluate(x, y + h) - e.evaluate(x, y - h)) / (2 * h)
    gx, gy = e.gradient()
    scale = 1.0 + np.abs(e.evaluate(x, y))
    assert np.all(np.abs(gx.evaluate(x, y) - fd_x) <= 1e-5 * scale)
    assert np.all(np.abs(gy.evaluate(x, y) - fd_y) <= 1e-5 * scale)


@pytest.mark.parametrize(("text", "f", "fx", "fy", "pts"), CASES, ids=IDS)
def test_hessian_is_the_exact_second_derivative(text, f, fx, fy, pts):
    p = problem("formula", expr=text, window=((-2, 2), (-2, 2)), start=(0.5, 0.5))
    params = pts.T[:8]
    h = 1e-5
    # Central differences of the hand-written gradient, independent of the symbolic derivatives.
    cols = []
    for d in (np.array([h, 0.0]), np.array([0.0, h])):
        up, dn = params + d, params - d
        cols.append(
            np.stack([fx(*up.T) - fx(*dn.T), fy(*up.T) - fy(*dn.T)], axis=-1) / (2 * h),
        )
    fd = np.stack(cols, axis=-1)
    H = p.hessian(params)
    assert H.shape == (8, 2, 2)
    np.testing.assert_array_equal(H[:, 0, 1], H[:, 1, 0])
    np.testing.assert_allclose(H, 0.5 * (fd + np.swapaxes(fd, -1, -2)), rtol=1e-5, atol=1e-4)


def test_evaluation_broadcasts_over_any_shape():
    e = parse("x*y + sin(x)")
    assert e.evaluate(np.ones((3, 4)), 2.0).shape == (3, 4)
    assert e.evaluate(np.ones((5, 1)), np.ones((1, 6))).shape == (5, 6)
    assert e.evaluate(1.0, 2.0).shape == ()
    # A formula without x or y still gives one value per point.
    c = parse("2*pi")
    out = c.evaluate(np.zeros((2, 3)), np.zeros((2, 3)))
    assert out.shape == (2, 3) and np.all(out == 2 * np.pi)
    gx, _ = c.gradient()
    assert np.all(gx.evaluate(np.zeros(4), np.zeros(4)) == 0)


def test_evaluate_shares_work_between_the_formula_and_its_gradient():
    e = parse("exp(sin(x*y))")
    gx, gy = e.gradient()
    f, fx, fy = evaluate([e, gx, gy], np.array([0.3]), np.array([-0.7]))
    np.testing.assert_allclose(f, e.evaluate(0.3, -0.7))
    np.testing.assert_allclose(fx, gx.evaluate(0.3, -0.7))
    np.testing.assert_allclose(fy, gy.evaluate(0.3, -0.7))


def test_problem_loss_and_grad_shapes():
    p = problem("formula", expr="(1-x)^2 + 100*(y-x^2)^2")
    assert isinstance(p, FormulaProblem)
    for shape in [(2,), (7, 2), (3, 4, 2)]:
        params = RNG.normal(size=shape)
        loss, grad = p.loss_and_grad(params)
        assert loss.shape == shape[:-1] and grad.shape == shape
        assert p.hessian(params).shape == (*shape, 2)
    with pytest.raises(ValueError, match="2 values on the last axis"):
        p.loss(np.zeros(3))


def test_nan_regions_do_not_warn_and_are_reported_as_nan():
    # filterwarnings=error turns any leaked RuntimeWarning into a failure here.
    xs = np.linspace(-2, 2, 41)
    X, Y = np.meshgrid(xs, xs)
    for text in ["log(x) + sqrt(y)", "1/x + 1/y", "exp(1000*x)", "x**y", "log(x*y)**0.5", "tan(pi/2*x)"]:
        p = problem("formula", expr=text)
        loss, _ = p.loss_and_grad(np.stack([X, Y], axis=-1))
        assert np.isfinite(loss).any()
        assert not np.isfinite(loss).all() or text == "tan(pi/2*x)"
        p.hessian(np.stack([X, Y], axis=-1))
    loss = problem("formula", expr="log(x) + sqrt(y)").loss(np.array([[-1.0, 1.0], [1.0, 1.0]]))
    assert np.isnan(loss[0]) and loss[1] == 1.0


def test_to_string_and_latex():
    e = parse("(1-x)^2 + 100*(y-x^2)^2")
    assert e.to_string() == "(1 - x)**2 + 100*(y - x**2)**2"
    assert e.to_latex() == r"\left(1 - x\right)^{2} + 100 \cdot \left(y - x^{2}\right)^{2}"
    assert parse("atan(x)/sqrt(abs(y))").to_latex() == r"\frac{\arctan\left(x\right)}{\sqrt{\left|y\right|}}"
    assert parse("-x**2").to_string() == "-x**2"
    assert parse("(-x)**2").to_string() == "(-x)**2"
    assert parse("x - (y - 1)").to_string() == "x - (y - 1)"
    assert parse("2^-x").to_string() == "2**-x"
    assert parse("log(x)*pi*e").to_latex() == r"\ln\left(x\right) \cdot \pi \cdot e"
    assert parse("1e-5*x").to_latex() == r"1 \cdot 10^{-5} \cdot x"
    gx, gy = parse("x**2 + 10*sin(y)").gradient()
    assert (gx.to_string(), gy.to_string()) == ("2*x", "10*cos(y)")
    assert repr(parse("x + y")) == "Expr('x + y')"


def test_derivatives_are_lightly_simplified():
    assert parse("3*x + 2").diff("x").to_string() == "3"
    assert parse("x*y").diff("y").to_string() == "x"
    assert parse("sin(y)").diff("x").to_string() == "0"
    assert parse("x^-2").diff("x").to_string() == "-2*x**-3"
    with pytest.raises(ValueError, match="x or y"):
        parse("x").diff("z")


# (text, code, column of the offending part)
ERRORS = [
    ("x + foo(y)", "unknown_name", 5),
    ("sin(x) + __import__('os')", "unknown_name", 10),
    ("x**2 + 2x", "missing_operator", 8),
    ("x y", "missing_operator", 3),
    ("sin x", "bare_function", 1),
    ("x +", "missing_operand", 3),
    ("(x + 1", "unbalanced", 1),
    ("x + 1)", "unbalanced", 6),
    ("x.real", "attribute", 2),
    ("x**2 + у", "non_ascii", 8),
    ("x;y", "bad_character", 2),
    ("x + 9**9**9", "exponent_too_large", 8),
    ("x**(2*60)", "exponent_too_large", 5),
    ("sin(x, y)", "bad_call", 1),
    ("y + log(0)", "not_finite", 5),
    ("x + 1e16", "number_too_large", 5),
    ("x\x00", "null_byte", 2),
    ("x // y", "not_allowed", 3),
    ("(x, y)", "not_allowed", 1),
    ("(" * 21 + "x" + ")" * 21, "too_deep", 21),
    ("-" * (MAX_DEPTH + 5) + "x", "too_deep", MAX_DEPTH + 1),
]


@pytest.mark.parametrize(("text", "code", "column"), ERRORS, ids=[repr(e[0])[:30] for e in ERRORS])
def test_errors_point_at_the_offending_part(text, code, column):
    with pytest.raises(FormulaError) as info:
        parse(text)
    err = info.value
    assert err.code == code
    assert err.position == column
    assert f"(column {column})" in str(err)
    start, stop = err.span
    assert start == column - 1 and stop > start


def test_error_messages_name_the_offence():
    with pytest.raises(
        FormulaError, match=r"`__import__` is not allowed: only x, y, pi, e and the functions sin"
    ):
        parse("__import__('os')")
    with pytest.raises(FormulaError, match=r"CYRILLIC SMALL LETTER HA.*did you mean `x`"):
        parse("х**2")
    with pytest.raises(FormulaError, match=r"write `2\*x`"):
        parse("2x + 1")
    with pytest.raises(FormulaError, match=r"exponent `9\*\*9` is 3\.8742e\+08"):
        parse("9**9**9")
    with pytest.raises(FormulaError, match="write pi"):
        parse("PI*x")
    with pytest.raises(FormulaError, match=r"write x\*y"):
        parse("xy")
    with pytest.raises(FormulaError, match=f"at most {MAX_LENGTH}") as info:
        parse("x" * (MAX_LENGTH + 1))
    assert info.value.position is None and info.value.code == "too_long"
    for text, code in [("", "empty"), ("   ", "empty"), (None, "not_text"), (b"x", "not_text")]:
        with pytest.raises(FormulaError) as info:
            parse(text)
        assert info.value.code == code


def test_limits_allow_reasonable_formulas():
    parse(f"x**{MAX_EXPONENT:g} + y**-{MAX_EXPONENT:g}")
    parse("(" * 20 + "x" + ")" * 20)
    parse("+".join(["sin(x)*cos(y)"] * 20))
    parse("x" + " " * (MAX_LENGTH - 1))


# --- the "formula" problem -------------------------------------------------------------------
def test_formula_problem_defaults_and_contract():
    p = problem("formula", expr="(1-x)^2 + 100*(y-x^2)^2")
    assert p.name == "formula" and p.param_names == ("x", "y") and p.n_params == 2
    assert not p.has_data and p.quadratic_form() is None
    assert p.description == "Your formula f(x, y) = (1 - x)**2 + 100*(y - x**2)**2"
    assert p.window == ((-3.0, 3.0), (-3.0, 3.0))
    np.testing.assert_allclose(p.minima, [[1.0, 1.0]], atol=1e-9)
    assert p.min_loss == pytest.approx(0.0, abs=1e-12)
    (x0, x1), (y0, y1) = p.window
    sx, sy = p.start
    assert x0 < sx < x1 and y0 < sy < y1 and sx < 0 < sy
    assert p.loss(p.start) > 10 * max(p.min_loss, 1e-9)
    assert p.options == {"expr": "(1-x)^2 + 100*(y-x^2)^2"}
    assert problem("formula").options == {"expr": "x**2 + 10*sin(y)"}


@pytest.mark.parametrize(
    ("text", "window", "minima"),
    [
        ("x**2 + 10*sin(y)", ((-3, 3), (-3, 3)), [[0.0, -np.pi / 2]]),
        ("(x^2 - 1)^2 + y^2", ((-3, 3), (-3, 3)), [[-1.0, 0.0], [1.0, 0.0]]),
        # Himmelblau's lowest grid value on [−3, 3]² is on the border, so the window widens to ±5.
        (
            "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
            ((-5, 5), (-5, 5)),
            [[3.0, 2.0], [3.584428, -1.848127], [-2.805118, 3.131313], [-3.779310, -3.283186]],
        ),
        ("x + y", ((-3, 3), (-3, 3)), np.zeros((0, 2))),
        ("x**3 - 3*x + y**2", ((-3, 3), (-3, 3)), np.zeros((0, 2))),
        ("x**2", ((-3, 3), (-3, 3)), [[0.0, 0.0]]),  # a valley: one representative
        ("sqrt(x - 10) + y^2", ((-30, 30), (-30, 30)), np.zeros((0, 2))),
    ],
)
def test_automatic_window_and_minima(text, window, minima):
    p = problem("formula", expr=text)
    assert p.window == window
    found = p.minima[np.lexsort(p.minima.T[::-1])] if len(p.minima) else p.minima
    want = np.array(minima, dtype=float).reshape(-1, 2)
    want = want[np.lexsort(want.T[::-1])] if len(want) else want
    np.testing.assert_allclose(found, want, atol=1e-6)
    assert (p.min_loss is None) == (len(want) == 0)
    for m in p.minima:
        assert np.linalg.norm(p.grad(m)) < 1e-6
    assert np.isfinite(p.loss(p.start)) and np.linalg.norm(p.grad(p.start)) > 0
    for m in p.minima:
        assert np.linalg.norm(p.start - m) > 0.1


def test_start_is_moved_off_nan_regions():
    p = problem("formula", expr="log(x) + log(y)")
    assert p.start[0] > 0 and p.start[1] > 0 and np.isfinite(p.loss(p.start))


def test_given_window_and_start():
    p = problem("formula", expr="x^2 + y^2", window=[[0, 1], [-2, 2]], start=[0.5, 1.5])
    assert p.window == ((0.0, 1.0), (-2.0, 2.0))
    np.testing.assert_array_equal(p.start, [0.5, 1.5])
    assert p.options["window"] == [[0, 1], [-2, 2]]
    # A start outside the automatic window widens it.
    p = problem("formula", expr="x^2 + y^2", start=(7, -8))
    (x0, x1), (y0, y1) = p.window
    assert x0 == -3 and x1 > 7 and y0 < -8 and y1 == 3
    q = problem("formula", expr="x^2 + y^2", window=((-1, 1), (-1, 1)))
    assert -1 < q.start[0] < 0 < q.start[1] < 1


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"expr": "x +"}, "a value is missing"),
        ({"expr": "x", "window": ((1, 0), (0, 1))}, "xmin < xmax"),
        ({"expr": "x", "window": ((0, 1),)}, r"\(\(xmin, xmax\), \(ymin, ymax\)\)"),
        ({"expr": "x", "window": ((0, np.inf), (0, 1))}, "xmax must be"),
        ({"expr": "x", "window": ((0, 1e9), (0, 1))}, "xmax must be"),
        ({"expr": "x", "start": (0, "a")}, "start y must be a number"),
        ({"expr": "x", "start": 3}, r"pair \(x, y\)"),
        ({"expr": "x", "colour": "red"}, "unknown option"),
        ({"expr": "log(-x^2 - 1)"}, "not finite"),
        ({"expr": "log(x)", "window": ((-2, -1), (0, 1))}, "not finite anywhere in the window"),
    ],
)
def test_bad_options_are_rejected(options, match):
    with pytest.raises(ValueError, match=match):
        problem("formula", **options)


def _fill(term, sep="+") -> str:
    """Terms term(1), term(2), … joined by ``sep``, as many as fit in MAX_LENGTH characters."""
    parts: list[str] = []
    while len(sep.join([*parts, term(len(parts) + 1)])) <= MAX_LENGTH:
        parts.append(term(len(parts) + 1))
    return sep.join(parts)


# Near the caps, with distinct constants so that no subexpression is shared.
HEAVY = [
    _fill(lambda k: f"sin({k}.1*x*y)*cos({k}*x-y)**3"),
    _fill(lambda k: f"x**(y+{k})"),
    _fill(lambda k: f"sin({k}*x)", sep="*"),
    "sin(" * 19 + "x*y" + ")" * 19 + "+" + "cos(" * 19 + "x-y" + ")" * 19,
]


@pytest.mark.parametrize("text", HEAVY, ids=["trig products", "variable powers", "product chain", "nested"])
def test_heaviest_allowed_formulas_evaluate_a_400_grid_quickly(text):
    p = problem("formula", expr=text, window=((-2, 2), (-2, 2)), start=(1, 1))
    xs = np.linspace(-2, 2, 400)
    grid = np.stack(np.meshgrid(xs, xs), axis=-1)
    t0 = time.perf_counter()
    loss, grad = p.loss_and_grad(grid)
    elapsed = time.perf_counter() - t0
    assert loss.shape == (400, 400) and grad.shape == (400, 400, 2)
    # A safety bound, not a benchmark: each takes 0.03–0.13 s on the 2-core dev machine.
    assert elapsed < 2.0


def test_evaluator_computes_repeated_subexpressions_once():
    e = parse("+".join(["exp(sin(x*y))*cos(x-y)**3"] * 10))
    gx, gy = e.gradient()
    ev = Evaluator([e, gx, gy])
    # Distinct structures only: x, y, x*y, sin, exp, x-y, cos, cos**3, the product, the partial sums …
    assert ev.n_steps < 60 < e.n_nodes
    X, Y = np.meshgrid(np.linspace(-1, 1, 50), np.linspace(-1, 1, 50))
    f, _, _ = ev(X, Y)
    np.testing.assert_allclose(f, 10 * np.exp(np.sin(X * Y)) * np.cos(X - Y) ** 3, rtol=1e-12)


def test_evaluator_chunks_large_inputs_consistently():
    e = parse("x**3 - x**1.5 + sin(y)*x^-2")
    x = np.linspace(0.1, 3, 3 * Evaluator.CHUNK + 5)
    y = x[::-1].copy()
    np.testing.assert_allclose(e.evaluate(x, y), x**3 - x**1.5 + np.sin(y) * x**-2.0, rtol=1e-13)
    # NumPy's pow and the fast paths agree on special values; exp(p·log a) loses |p·ln a| ulps.
    special = np.array([0.0, -0.0, -1.0, np.inf, np.nan, 1e200, 1e-200])
    for k in ["3", "-3", "0", "1.5", "-1.5", "0.5", "2"]:
        got = parse(f"x**{k}").evaluate(special, 0.0)
        with np.errstate(all="ignore"):
            want = np.power(special, float(k))
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=k)


# --- the compiled evaluator -------------------------------------------------------------------------
# Evaluator compiles the trees into ufunc calls on reused buffers, and runs one point on NumPy
# scalars; both must give what a plain walk of the tree gives, bit for bit (only a NaN's sign bit,
# which no formula can observe, may differ between scalar and array arithmetic).
def _walk(e, x, y, memo):
    """The reference: every node evaluated as the tree says, with the module's own functions."""
    from gdviz.formula import evaluator as ev
    from gdviz.formula import functions as fn

    hit = memo.get(id(e))
    if hit is not None:
        return hit
    if e.kind == "num":
        r = e.value
    elif e.kind == "var":
        r = x if e.value == "x" else y
    elif e.kind == "const":
        r = np.float64(fn.CONSTANTS[e.value])
    else:
        a = [_walk(c, x, y, memo) for c in e.args]
        if e.kind == "neg":
            r = np.negative(a[0])
        elif e.kind == "call":
            r = fn.TABLE[e.value].ufunc(a[0])
        elif e.kind == "pow":
            r = ev._power(*a)
        else:
            r = fn.OPERATORS[e.kind](*a)
    memo[id(e)] = r
    return r


def _assert_same_bits(got, want, where):
    want = np.broadcast_to(np.asarray(want, dtype=float), got.shape)
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan, err_msg=where)
    assert np.array_equal(got[~nan].view(np.int64), want[~nan].view(np.int64)), where


_SPECIAL = np.array([-2.5, -1.0, -0.0, 0.0, 0.3, 1.0, 2.0, 7.5, np.inf, -np.inf, np.nan, 1e300, -1e-300])
_PAIRS = np.stack(np.meshgrid(_SPECIAL, _SPECIAL), axis=-1).reshape(-1, 2)  # x, y as strided views


def _inputs():
    big = np.linspace(-3.0, 3.0, Evaluator.CHUNK + 3)  # chunked, and too long to keep buffers for
    return [
        (_PAIRS[:, 0], _PAIRS[:, 1]),
        (_PAIRS[5:6, 0], _PAIRS[5:6, 1]),  # one point: the scalar program
        (_PAIRS[140:141, 0], _PAIRS[140:141, 1]),
        (big, big[::-1]),
    ]


def _trees(text):
    e = parse(text)
    gx, gy = e.gradient()
    return [e, gx, gy, gx.diff("x"), gx.diff("y"), gy.diff("y")]


_LEAF = st.one_of(st.sampled_from(["x", "y", "pi", "e", "0", "1", "2", "0.5", "3.25"]))
_ARG = st.sampled_from(["2", "3", "-1", "-2", "0", "0.5", "1.5", "-0.5", "x", "y", "4", "7"])
_TREES = st.recursive(
    _LEAF,
    lambda c: st.one_of(
        st.tuples(c, st.sampled_from("+-*/^"), c).map(lambda t: f"({t[0]}){t[1]}({t[2]})"),
        st.tuples(c, _ARG).map(lambda t: f"({t[0]})^{t[1]}"),
        st.tuples(st.sampled_from(sorted({*FUNCTIONS, "atan"})), c).map(lambda t: f"{t[0]}({t[1]})"),
        c.map(lambda a: f"-({a})"),
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(_TREES)
def test_compiled_evaluator_matches_the_tree_walk_bit_for_bit(text):
    try:
        trees = _trees(text)
    except FormulaError:
        assume(False)
    ev = Evaluator(trees)
    for x, y in _inputs():
        got = ev(x, y)
        with np.errstate(all="ignore"):
            want = [_walk(t, x, y, {}) for t in trees]
        for k, (g, w) in enumerate(zip(got, want, strict=True)):
            _assert_same_bits(g, w, f"{text}: tree {k}, {x.size} points")


@pytest.mark.parametrize("text", ["x^0 + y^1 + x^-3 + y^0.5 + x^1.5 + 2^x + x^y", "2*pi + 0*x", "x", "-y"])
def test_compiled_evaluator_special_shapes(text):
    # Constant exponents take _power's fast paths, constant subtrees are folded at compile time, and
    # a tree may be a bare variable or have constant derivatives.
    trees = _trees(text)
    ev = Evaluator(trees)
    for x, y in _inputs():
        with np.errstate(all="ignore"):
            want = [_walk(t, x, y, {}) for t in trees]
        for k, (g, w) in enumerate(zip(ev(x, y), want, strict=True)):
            _assert_same_bits(g, w, f"{text}: tree {k}, {x.size} points")


def test_part_is_the_evaluator_of_those_trees():
    trees = _trees("sin(x*y) + x^3/(1 + y^2)")
    whole = Evaluator(trees)
    x, y = _PAIRS[:, 0], _PAIRS[:, 1]
    for which in [(0,), (1, 2), (3, 4, 5), (5, 0)]:
        part = whole.part(*which)
        alone = Evaluator([trees[i] for i in which])
        assert part.n_steps == alone.n_steps < whole.n_steps
        for g, w in zip(part(x, y), alone(x, y), strict=True):
            _assert_same_bits(g, w, str(which))
    for bad in [(), (6,), (-1,), ("0",)]:
        with pytest.raises(ValueError, match="choose trees by position 0 … 5"):
            whole.part(*bad)


def test_into_writes_into_views_and_needs_no_error_state_of_its_own():
    e = parse("log(x) + x*y")
    ev = Evaluator([e, *e.gradient()])
    params = np.array([[1.5, 2.0], [-1.0, 3.0], [0.0, 1.0]])
    loss, grad = np.empty(3), np.empty((3, 2))
    with np.errstate(all="raise"), pytest.raises(FloatingPointError):
        ev.into(params[:, 0], params[:, 1], (loss, grad[:, 0], grad[:, 1]))
    with np.errstate(all="ignore"):
        ev.into(params[:, 0], params[:, 1], (loss, grad[:, 0], grad[:, 1]))
    f, fx, fy = ev(params[:, 0], params[:, 1])
    _assert_same_bits(loss, f, "f")
    _assert_same_bits(grad, np.stack([fx, fy], axis=-1), "gradient")


def test_threads_sharing_an_evaluator_do_not_share_buffers():
    # Problems are shared by every session of the server, each running in its own thread.
    import threading

    e = parse("sin(x*y) + (x - y)^2 / (1 + x^2)")
    ev = Evaluator([e, *e.gradient()])
    inputs = [RNG.normal(size=(2, 4)) for _ in range(4)]
    want = [ev(x, y) for x, y in inputs]
    errors = []

    def work(i):
        x, y = inputs[i]
        for _ in range(300):
            got = ev(x, y)
            if not all(np.array_equal(g, w) for g, w in zip(got, want[i], strict=True)):
                errors.append(i)
                return

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors


def test_evaluator_pickles():
    import pickle

    e = parse("x^2 + exp(y)")
    ev = Evaluator([e, *e.gradient()])
    ev(np.ones(3), np.ones(3))  # compiled, with buffers kept for this thread
    again = pickle.loads(pickle.dumps(ev))
    for g, w in zip(again(XY[0], XY[1]), ev(XY[0], XY[1]), strict=True):
        np.testing.assert_array_equal(g, w)


def test_formula_problem_hot_path_equals_the_checked_one():
    p = problem("formula", expr="(1 - x)^2 + 100*(y - x^2)^2 + log(x)")
    for params in (RNG.normal(size=(1, 2)), RNG.normal(size=(7, 2))):
        with np.errstate(all="ignore"):
            loss, grad = p.loss_and_grad_trusted(params)
        want_loss, want_grad = p.loss_and_grad(params)
        _assert_same_bits(loss, want_loss, "loss")
        _assert_same_bits(grad, want_grad, "gradient")
