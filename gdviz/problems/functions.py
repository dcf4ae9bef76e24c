"""Two-dimensional test functions with exact analytic loss, gradient and Hessian.

Every function takes ``params[..., 0] = x`` and ``params[..., 1] = y`` with any leading shape. Far
outside the window the arithmetic may overflow: the result is then inf or NaN (no RuntimeWarning),
and callers detect it with ``np.isfinite``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.errors import check_number, check_options
from gdviz.problems import register
from gdviz.problems.base import Problem

TWO_PI = 2.0 * np.pi


def as_params(params, n_params: int, what: str = "params") -> np.ndarray:
    """``params`` as a float64 array whose last axis holds ``n_params`` values, else ValueError."""
    arr = np.asarray(params, dtype=float)
    if arr.ndim == 0 or arr.shape[-1] != n_params:
        raise ValueError(f"{what} must have {n_params} values on the last axis, got shape {arr.shape}")
    return arr


@dataclass(frozen=True, eq=False)
class Function2D(Problem):
    """A function of ``(x, y)``; subclasses give ``_value_grad`` and ``_hess`` on arrays x, y."""

    def _value_grad(self, x, y):  # -> (f, fx, fy)
        raise NotImplementedError

    def _hess(self, x, y):  # -> (fxx, fxy, fyy)
        raise NotImplementedError

    def loss_and_grad(self, params):
        p = as_params(params, 2)
        x, y = p[..., 0], p[..., 1]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            f, fx, fy = self._value_grad(x, y)
        f, fx, fy = np.broadcast_arrays(f, fx, fy)
        return f.astype(float, copy=True), np.stack([fx, fy], axis=-1)

    def loss_and_grad_trusted(self, params):
        # The run loop's hot path: params are already a checked float64 (R, 2) array and the loop
        # runs inside np.errstate, so skip both; writing into preallocated arrays avoids the
        # broadcast/stack copies (bit-identical results, about half the time for 2 parameters).
        f, fx, fy = self._value_grad(params[..., 0], params[..., 1])
        grad = np.empty(params.shape)
        grad[..., 0] = fx
        grad[..., 1] = fy
        loss = np.empty(params.shape[:-1])
        loss[...] = f
        return loss, grad

    def hessian(self, params):
        p = as_params(params, 2)
        x, y = p[..., 0], p[..., 1]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            fxx, fxy, fyy = np.broadcast_arrays(*self._hess(x, y), x)[:3]
        return np.stack([np.stack([fxx, fxy], -1), np.stack([fxy, fyy], -1)], -2)


def _rotation(angle_deg: float) -> np.ndarray:
    t = np.deg2rad(angle_deg)
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


@dataclass(frozen=True, eq=False, kw_only=True)
class Quadratic(Function2D):
    """f = ½ θᵀAθ with A symmetric positive definite."""

    A: np.ndarray

    def _value_grad(self, x, y):
        (a, b), (_, d) = self.A
        fx = a * x + b * y
        fy = b * x + d * y
        return 0.5 * (x * fx + y * fy), fx, fy

    def _hess(self, x, y):
        (a, b), (_, d) = self.A
        return a, b, d

    def quadratic_form(self):
        return self.A.copy(), np.zeros(2), 0.0


@register("quadratic")
def quadratic(**options) -> Quadratic:
    """Options: ``condition`` κ (1…10⁶, default 10): eigenvalues 1 and κ; ``angle`` (degrees, −360…360,
    default 0) rotates the bowl. At angle 0 the steep direction is y and the ravine runs along x."""
    check_options("quadratic", options, ("condition", "angle"))
    kappa = check_number("condition", options.get("condition", 10.0), lo=1.0, hi=1e6)
    angle = check_number("angle", options.get("angle", 0.0), lo=-360.0, hi=360.0)
    rot = _rotation(angle)
    A = rot @ np.diag([1.0, kappa]) @ rot.T
    # Exact symmetry so that the loss, gradient and quadratic_form agree to the last bit.
    A = 0.5 * (A + A.T)
    A.flags.writeable = False
    # The start is rotated with the bowl, so plain gradient descent (rotation invariant) draws the
    # same path at every angle while per-coordinate methods (Adagrad, Adam) do not: that is the lesson.
    return Quadratic(
        name="quadratic",
        param_names=("x", "y"),
        description=f"Quadratic bowl ½θᵀAθ with condition number {kappa:g} rotated by {angle:g}°: "
        "the larger the condition number, the narrower the ravine.",
        window=((-3.0, 3.0), (-3.0, 3.0)),
        start=rot @ np.array([-2.5, 1.0]),
        minima=np.zeros((1, 2)),
        min_loss=0.0,
        options={"condition": kappa, "angle": angle},
        A=A,
    )


@dataclass(frozen=True, eq=False, kw_only=True)
class Rosenbrock(Function2D):
    """f = (a − x)² + b (y − x²)²."""

    a: float = 1.0
    b: float = 100.0

    def _value_grad(self, x, y):
        u = self.a - x
        v = y - x * x
        return u * u + self.b * v * v, -2.0 * u - 4.0 * self.b * x * v, 2.0 * self.b * v

    def _hess(self, x, y):
        return 2.0 - 4.0 * self.b * (y - 3.0 * x * x), -4.0 * self.b * x, 2.0 * self.b


@register("rosenbrock")
def rosenbrock(**options) -> Rosenbrock:
    """Options: ``a`` (−1.5…1.5, default 1), ``b`` (0 < b ≤ 10⁴, default 100); minimum at (a, a²)."""
    check_options("rosenbrock", options, ("a", "b"))
    a = check_number("a", options.get("a", 1.0), lo=-1.5, hi=1.5)
    b = check_number("b", options.get("b", 100.0), lo=0.0, lo_open=True, hi=1e4)
    return Rosenbrock(
        name="rosenbrock",
        param_names=("x", "y"),
        description=f"Rosenbrock's banana valley (a − x)² + b(y − x²)² with a = {a:g}, b = {b:g}: "
        f"the valley is found fast, its floor followed slowly to the minimum at ({a:g}, {a * a:g}).",
        window=((-2.0, 2.0), (-1.0, 3.0)),
        start=np.array([-2.0, 2.0]),
        minima=np.array([[a, a * a]]),
        min_loss=0.0,
        options={"a": a, "b": b},
        a=a,
        b=b,
    )


class Beale(Function2D):
    """f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²."""

    @staticmethod
    def _terms(x, y):
        y2 = y * y
        y3 = y2 * y
        return y2, y3, 1.5 - x + x * y, 2.25 - x + x * y2, 2.625 - x + x * y3

    def _value_grad(self, x, y):
        y2, y3, t1, t2, t3 = self._terms(x, y)
        f = t1 * t1 + t2 * t2 + t3 * t3
        fx = 2.0 * (t1 * (y - 1.0) + t2 * (y2 - 1.0) + t3 * (y3 - 1.0))
        fy = 2.0 * x * (t1 + 2.0 * y * t2 + 3.0 * y2 * t3)
        return f, fx, fy

    def _hess(self, x, y):
        y2, y3, t1, t2, t3 = self._terms(x, y)
        fxx = 2.0 * ((y - 1.0) ** 2 + (y2 - 1.0) ** 2 + (y3 - 1.0) ** 2)
        fxy = 2.0 * (t1 + 2.0 * y * t2 + 3.0 * y2 * t3) + 2.0 * x * (
            (y - 1.0) + 2.0 * y * (y2 - 1.0) + 3.0 * y2 * (y3 - 1.0)
        )
        fyy = 2.0 * (x * x * (1.0 + 4.0 * y2 + 9.0 * y2 * y2) + 2.0 * x * t2 + 6.0 * x * y * t3)
        return fxx, fxy, fyy


@register("beale")
def beale(**options) -> Beale:
    check_options("beale", options, ())
    return Beale(
        name="beale",
        param_names=("x", "y"),
        description="Beale's function: flat plateaus and steep walls around a narrow valley; "
        "the minimum is at (3, 0.5).",
        window=((-4.5, 4.5), (-4.5, 4.5)),
        start=np.array([1.0, 1.5]),
        minima=np.array([[3.0, 0.5]]),
        min_loss=0.0,
    )


class Himmelblau(Function2D):
    """f = (x² + y − 11)² + (x + y² − 7)²."""

    def _value_grad(self, x, y):
        t1 = x * x + y - 11.0
        t2 = x + y * y - 7.0
        return t1 * t1 + t2 * t2, 4.0 * x * t1 + 2.0 * t2, 2.0 * t1 + 4.0 * y * t2

    def _hess(self, x, y):
        t1 = x * x + y - 11.0
        t2 = x + y * y - 7.0
        return 4.0 * t1 + 8.0 * x * x + 2.0, 4.0 * (x + y), 2.0 + 4.0 * t2 + 8.0 * y * y


# The three irrational minima, polished by Newton's method on the exact gradient and Hessian.
_HIMMELBLAU_MINIMA = np.array(
    [
        [3.0, 2.0],
        [-2.805118086952745, 3.131312518250573],
        [-3.779310253377747, -3.2831859912861696],
        [3.5844283403304917, -1.8481265269644034],
    ]
)


@register("himmelblau")
def himmelblau(**options) -> Himmelblau:
    check_options("himmelblau", options, ())
    return Himmelblau(
        name="himmelblau",
        param_names=("x", "y"),
        description="Himmelblau's function: four equally deep minima, so where you end up depends on "
        "where you start.",
        window=((-5.0, 5.0), (-5.0, 5.0)),
        start=np.array([0.0, 0.0]),
        minima=_HIMMELBLAU_MINIMA.copy(),
        min_loss=0.0,
    )


class Saddle(Function2D):
    """f = x² + y⁴/4 − y²/2: a saddle at the origin, minima at (0, ±1)."""

    def _value_grad(self, x, y):
        y2 = y * y
        return x * x + 0.25 * y2 * (y2 - 2.0), 2.0 * x, y * (y2 - 1.0)

    def _hess(self, x, y):
        return 2.0, 0.0, 3.0 * y * y - 1.0


@register("saddle")
def saddle(**options) -> Saddle:
    check_options("saddle", options, ())
    # y = 1e-3 is a nudge off the saddle's stable line: gradient descent first slides down to the
    # saddle along x, then takes its time (y grows by a factor 1 + lr per step) before escaping.
    return Saddle(
        name="saddle",
        param_names=("x", "y"),
        description="x² + y⁴/4 − y²/2: a saddle point at the origin between two minima at (0, ±1); "
        "starting just off the saddle shows how slowly gradient descent escapes it.",
        window=((-2.0, 2.0), (-2.0, 2.0)),
        start=np.array([-1.5, 1e-3]),
        minima=np.array([[0.0, 1.0], [0.0, -1.0]]),
        min_loss=-0.25,
    )


@dataclass(frozen=True, eq=False, kw_only=True)
class Rastrigin(Function2D):
    """f = 2A + Σ (xᵢ² − A cos 2πxᵢ)."""

    A: float = 10.0

    def _value_grad(self, x, y):
        f = 2.0 * self.A + x * x - self.A * np.cos(TWO_PI * x) + y * y - self.A * np.cos(TWO_PI * y)
        k = TWO_PI * self.A
        return f, 2.0 * x + k * np.sin(TWO_PI * x), 2.0 * y + k * np.sin(TWO_PI * y)

    def _hess(self, x, y):
        k = TWO_PI * TWO_PI * self.A
        return 2.0 + k * np.cos(TWO_PI * x), 0.0, 2.0 + k * np.cos(TWO_PI * y)


@register("rastrigin")
def rastrigin(**options) -> Rastrigin:
    check_options("rastrigin", options, ())
    return Rastrigin(
        name="rastrigin",
        param_names=("x", "y"),
        description="Rastrigin's function: a bowl covered with a regular grid of local minima; "
        "the global minimum is at the origin.",
        window=((-5.12, 5.12), (-5.12, 5.12)),
        start=np.array([3.3, -2.7]),
        minima=np.zeros((1, 2)),
        min_loss=0.0,
    )


class Booth(Function2D):
    """f = (x + 2y − 7)² + (2x + y − 5)²."""

    def _value_grad(self, x, y):
        u = x + 2.0 * y - 7.0
        v = 2.0 * x + y - 5.0
        return u * u + v * v, 2.0 * u + 4.0 * v, 4.0 * u + 2.0 * v

    def _hess(self, x, y):
        return 10.0, 8.0, 10.0

    def quadratic_form(self):
        # Expanding the two squares: ½θᵀAθ − bᵀθ + c with A = 2MᵀM, b = 2Mᵀr, c = rᵀr.
        return np.array([[10.0, 8.0], [8.0, 10.0]]), np.array([34.0, 38.0]), 74.0


@register("booth")
def booth(**options) -> Booth:
    check_options("booth", options, ())
    return Booth(
        name="booth",
        param_names=("x", "y"),
        description="Booth's function: a tilted quadratic bowl (condition number 9) with its minimum "
        "at (1, 3).",
        window=((-10.0, 10.0), (-10.0, 10.0)),
        start=np.array([-7.0, -4.0]),
        minima=np.array([[1.0, 3.0]]),
        min_loss=0.0,
    )


class SixHumpCamel(Function2D):
    """f = (4 − 2.1x² + x⁴/3) x² + xy + (4y² − 4) y²."""

    def _value_grad(self, x, y):
        x2 = x * x
        y2 = y * y
        # Horner form: a huge x gives inf rather than inf − inf = NaN.
        f = x2 * (4.0 + x2 * (x2 / 3.0 - 2.1)) + x * y + 4.0 * y2 * (y2 - 1.0)
        fx = x * (8.0 + x2 * (2.0 * x2 - 8.4)) + y
        fy = x + y * (16.0 * y2 - 8.0)
        return f, fx, fy

    def _hess(self, x, y):
        x2 = x * x
        return 8.0 + x2 * (10.0 * x2 - 25.2), 1.0, 48.0 * y * y - 8.0


_CAMEL_MINIMUM = np.array([0.08984201310031807, -0.7126564030207396])
_CAMEL_MIN_LOSS = -1.0316284534898774


@register("six_hump_camel")
def six_hump_camel(**options) -> SixHumpCamel:
    check_options("six_hump_camel", options, ())
    return SixHumpCamel(
        name="six_hump_camel",
        param_names=("x", "y"),
        description="Six-hump camel: six local minima, two of them global at ±(0.0898, −0.7127).",
        window=((-2.2, 2.2), (-1.2, 1.2)),
        start=np.array([-2.0, -1.0]),
        minima=np.stack([_CAMEL_MINIMUM, -_CAMEL_MINIMUM]),
        min_loss=_CAMEL_MIN_LOSS,
    )


class Ackley(Function2D):
    """f = −20 exp(−0.2 √(½(x² + y²))) − exp(½(cos 2πx + cos 2πy)) + e + 20.

    The first term is a cone at the origin: its gradient there is taken as 0 (the minimum) and its
    Hessian is undefined (NaN).
    """

    def _value_grad(self, x, y):
        s = np.sqrt(0.5 * (x * x + y * y))
        e1 = np.exp(-0.2 * s)
        e2 = np.exp(0.5 * (np.cos(TWO_PI * x) + np.cos(TWO_PI * y)))
        f = -20.0 * e1 - e2 + np.e + 20.0
        k = np.where(s > 0, 2.0 * e1 / np.where(s > 0, s, 1.0), 0.0)
        fx = k * x + np.pi * np.sin(TWO_PI * x) * e2
        fy = k * y + np.pi * np.sin(TWO_PI * y) * e2
        return f, fx, fy

    def _hess(self, x, y):
        s = np.sqrt(0.5 * (x * x + y * y))
        e1 = np.exp(-0.2 * s)
        e2 = np.exp(0.5 * (np.cos(TWO_PI * x) + np.cos(TWO_PI * y)))
        sx, cx = np.sin(TWO_PI * x), np.cos(TWO_PI * x)
        sy, cy = np.sin(TWO_PI * y), np.cos(TWO_PI * y)
        # d/dx of the cone's 2 e1 x / s, using ds/dx = x / (2s) and de1/dx = −0.1 e1 x / s.
        s_ = np.where(s > 0, s, np.nan)
        m = -0.1 / (s_ * s_) - 0.5 / (s_ * s_ * s_)
        fxx = 2.0 * e1 * (1.0 / s_ + m * x * x) + np.pi**2 * e2 * (2.0 * cx - sx * sx)
        fyy = 2.0 * e1 * (1.0 / s_ + m * y * y) + np.pi**2 * e2 * (2.0 * cy - sy * sy)
        fxy = 2.0 * e1 * m * x * y - np.pi**2 * e2 * sx * sy
        return fxx, fxy, fyy


@register("ackley")
def ackley(**options) -> Ackley:
    check_options("ackley", options, ())
    return Ackley(
        name="ackley",
        param_names=("x", "y"),
        description="Ackley's function: a bumpy, almost flat plateau around a deep funnel with the "
        "minimum at the origin.",
        window=((-5.0, 5.0), (-5.0, 5.0)),
        start=np.array([3.5, -2.5]),
        minima=np.zeros((1, 2)),
        min_loss=0.0,
    )
