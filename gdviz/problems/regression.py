"""Linear and logistic regression on data, with exact gradients for the full data and any mini-batch.

Parameters are ``(w1, …, wF, b)``: one weight per feature, then the bias (``(w, b)`` for a single
feature); the model's output for a sample x is ``h = x·w + b``. Build them by name
(``problem("linear_regression", …)``) or from your own arrays with
:func:`linear_regression_from_data` and :func:`logistic_regression_from_data`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from gdviz import limits
from gdviz.errors import check_choice, check_number, check_options, given
from gdviz.problems import register
from gdviz.problems.base import Problem
from gdviz.problems.data import synthetic as data
from gdviz.problems.functions import as_params

LINEAR_LOSSES = ("half_mse", "mse")
LINEAR_METHODS = ("auto", "residuals", "statistics")
# Up to this many samples the full loss is summed from residuals, the same formula as a mini-batch;
# above, from the sufficient statistics (as exact, and free of n). The cut is low because a residual
# sum costs rows × n: a 200×200 surface at n = 256 already takes about 0.1 s, at n = 64 a few ms.
DIRECT_MAX_SAMPLES = 64
# Singular values of [X, 1] below this fraction of the largest count as zero: the features are then
# treated as collinear and the minimum-norm solution is reported.
RCOND = 1e-10
# Working memory per chunk of a per-sample computation: about 16 MB of float64.
_CHUNK_VALUES = 2_000_000
_NEWTON_MAX_ITER = 100
# Newton first runs on an evenly strided subsample of at most this many points; the full data then
# needs only the last two or three (quadratically convergent) steps, each one pass over the data.
_WARM_SAMPLES = 50_000


# --- shared machinery ---------------------------------------------------------------------------
def _rows(leading: int, per_row: int):
    """Slices over ``leading`` rows whose per-sample work stays within the chunk budget."""
    step = max(1, _CHUNK_VALUES // max(1, per_row))
    for start in range(0, leading, step):
        yield slice(start, min(start + step, leading))


def _design(X, y) -> tuple[np.ndarray, np.ndarray]:
    """Check ``X`` ``(n, F)`` and ``y`` ``(n,)``; return read-only ``[X, 1]`` ``(n, F+1)`` and ``y``."""
    try:
        X = np.asarray(X, dtype=float)
        y = np.array(y, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"X and y must be numeric arrays, got {type(X).__name__} and {type(y).__name__} ({err})"
        ) from err
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(
            f"X must be a 2-D array (samples × features) with at least one of each, got shape {X.shape}"
        )
    n, f = X.shape
    if n > limits.MAX_SAMPLES:
        raise ValueError(f"X must have at most {limits.MAX_SAMPLES} rows (samples), got {n}")
    if f + 1 > limits.MAX_PARAMS:
        raise ValueError(f"X must have at most {limits.MAX_PARAMS - 1} columns (features), got {f}")
    if y.shape != (n,):
        raise ValueError(f"y must have one value per row of X, i.e. shape ({n},), got shape {y.shape}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        bad = int(np.sum(~np.isfinite(X)) + np.sum(~np.isfinite(y)))
        raise ValueError(
            f"X and y must contain only finite numbers (no NaN or inf), got {bad:,} that are not"
        )
    design = np.column_stack([X, np.ones(n)])
    design.flags.writeable = False
    y.flags.writeable = False
    return design, y


def _param_names(n_features: int) -> tuple[str, ...]:
    if n_features == 1:
        return ("w", "b")
    return (*(f"w{i + 1}" for i in range(n_features)), "b")


def _window(*points) -> tuple[tuple[float, float], tuple[float, float]]:
    """A square view (equal units, so that curvature looks as it is) around ``points``, at least ±1."""
    pts = np.array(points, dtype=float)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre = 0.5 * (lo + hi)
    half = max(1.0, 0.75 * float(np.max(hi - lo)))
    # Round outward to halves so that axis ticks land on readable numbers.
    a = np.floor(2.0 * (centre - half)) / 2.0
    b = np.ceil(2.0 * (centre + half)) / 2.0
    return (float(a[0]), float(b[0])), (float(a[1]), float(b[1]))


def _predict(params, D):
    """h = D·θ for rows ``params`` ``(R, P)``; ``D`` is ``(n, P)`` shared or ``(R, b, P)`` per row."""
    return params @ D.T if D.ndim == 2 else np.einsum("rbp,rp->rb", D, params)


def _pullback(v, D):
    """Σᵢ vᵢ·Dᵢ per row: ``v`` ``(R, n)`` against ``D`` as in :func:`_predict`."""
    return v @ D if D.ndim == 2 else np.einsum("rb,rbp->rp", v, D)


@dataclass(frozen=True, eq=False, kw_only=True)
class DataProblem(Problem):
    """A loss that is a mean over samples. ``design`` is ``[X, 1]`` ``(n, F+1)``; read-only."""

    design: np.ndarray
    y: np.ndarray

    @property
    def X(self) -> np.ndarray:
        """The features ``(n, F)`` (a read-only view)."""
        return self.design[:, :-1]

    def _terms(self, params, D, y):
        """Loss ``(R,)`` and gradient ``(R, P)`` of the mean over the samples in ``D``, ``y``."""
        raise NotImplementedError

    def loss_and_grad(self, params):
        params = as_params(params, self.n_params)
        flat = params.reshape(-1, self.n_params)
        loss = np.empty(flat.shape[0])
        grad = np.empty(flat.shape)
        for sl in _rows(flat.shape[0], self.design.shape[0]):
            loss[sl], grad[sl] = self._terms(flat[sl], self.design, self.y)
        return loss.reshape(params.shape[:-1]), grad.reshape(params.shape)

    def batch_loss_and_grad(self, params, idx):
        params = as_params(params, self.n_params)
        idx = np.asarray(idx)
        if not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"idx must hold integer sample indices, got dtype {idx.dtype}")
        if idx.ndim != params.ndim or idx.shape[:-1] != params.shape[:-1] or idx.shape[-1] < 1:
            raise ValueError(
                "idx must have shape (R, b), b ≥ 1, with the leading shape of params (R, P); "
                f"got idx {idx.shape} and params {params.shape}"
            )
        n = self.design.shape[0]
        if idx.min() < 0 or idx.max() >= n:
            raise ValueError(f"idx must lie in 0…{n - 1}, got values in {idx.min()}…{idx.max()}")
        flat = params.reshape(-1, self.n_params)
        fidx = idx.reshape(flat.shape[0], -1)
        loss = np.empty(flat.shape[0])
        grad = np.empty(flat.shape)
        for sl in _rows(flat.shape[0], fidx.shape[1] * self.n_params):
            loss[sl], grad[sl] = self._terms(flat[sl], self.design[fidx[sl]], self.y[fidx[sl]])
        return loss.reshape(params.shape[:-1]), grad.reshape(params.shape)


# --- linear regression --------------------------------------------------------------------------
class LeastSquares(NamedTuple):
    """The loss ½θᵀAθ − bᵀθ + c, and the same quadratic centred at its minimum-norm minimiser.

    ``A, b, c`` are exact sums over the data. The centred form ``min_loss + ½ Σ λₖ (vₖ·(θ − theta))²``
    (eigenvalues λ ≥ 0, eigenvectors vₖ of A) is what the loss is evaluated from for large data: it
    cannot go below ``min_loss``, which is summed from the residuals at ``theta``.
    """

    A: np.ndarray
    b: np.ndarray
    c: float
    theta: np.ndarray
    min_loss: float
    eigval: np.ndarray
    eigvec: np.ndarray


def least_squares(design: np.ndarray, y: np.ndarray, k: float) -> LeastSquares:
    """Sufficient statistics of k·mean((design·θ − y)²), from a few passes over the data."""
    s = 2.0 * k / design.shape[0]
    A = s * (design.T @ design)
    A = 0.5 * (A + A.T)
    b = s * (design.T @ y)
    c = 0.5 * s * float(y @ y)
    # lstsq on the data itself, not on A: it sees the conditioning of X, not its square.
    theta = np.linalg.lstsq(design, y, rcond=RCOND)[0]
    r = design @ theta - y
    min_loss = k * float(np.mean(r * r))
    lam, vec = np.linalg.eigh(A)
    # Eigenvalues within eigh's own error of 0 are noise (collinear features): zero, never negative.
    lam = np.where(lam > lam.size * np.finfo(float).eps * max(lam.max(), 0.0), lam, 0.0)
    for arr in (A, b, theta, lam, vec):
        arr.flags.writeable = False
    return LeastSquares(A, b, c, theta, min_loss, lam, vec)


@dataclass(frozen=True, eq=False, kw_only=True)
class LinearRegression(DataProblem):
    """k·mean((X·w + b − y)²) with k = ½ (``"half_mse"``, the article's 1/(2m) Σ) or 1 (``"mse"``).

    Build it with :func:`linear_regression_from_data` or ``problem("linear_regression", …)``.
    ``residuals``: evaluate the full loss from residuals (True) or from ``stats`` (False).
    """

    loss_name: str
    stats: LeastSquares
    residuals: bool

    @property
    def k(self) -> float:
        return 0.5 if self.loss_name == "half_mse" else 1.0

    def loss_and_grad(self, params):
        if self.residuals:
            return super().loss_and_grad(params)
        st = self.stats
        params = as_params(params, self.n_params)
        with np.errstate(over="ignore", invalid="ignore"):
            u = (params - st.theta) @ st.eigvec
            lu = st.eigval * u
            loss = st.min_loss + 0.5 * np.sum(lu * u, axis=-1)
            grad = lu @ st.eigvec.T
        return loss, grad

    def hessian(self, params):
        params = as_params(params, self.n_params)
        return np.broadcast_to(self.stats.A, (*params.shape[:-1], self.n_params, self.n_params)).copy()

    def quadratic_form(self):
        return self.stats.A.copy(), self.stats.b.copy(), self.stats.c

    def _terms(self, params, D, y):
        with np.errstate(over="ignore", invalid="ignore"):
            r = _predict(params, D) - y
            loss = self.k * np.mean(r * r, axis=-1)
            grad = (2.0 * self.k / y.shape[-1]) * _pullback(r, D)
        return loss, grad


def linear_regression_from_data(
    X,
    y,
    *,
    loss: str = "half_mse",
    name: str = "linear_regression",
    description: str | None = None,
    method: str = "auto",
    options: dict | None = None,
) -> LinearRegression:
    """Linear regression on your data: ``X`` ``(n, F)``, ``y`` ``(n,)``; parameters (w1, …, wF, b).

    ``loss``: ``"half_mse"`` (1/(2n) Σ (h − y)², the default) or ``"mse"`` (1/n Σ (h − y)²).
    ``method``: how the full loss is evaluated — ``"residuals"`` (a pass over the data per call),
    ``"statistics"`` (from the sufficient statistics, free of n) or ``"auto"`` (residuals up to
    ``DIRECT_MAX_SAMPLES`` samples). If the features are collinear the minima form a line (or a
    plane); ``minima`` then holds the minimum-norm one. ``options`` is stored for display and links.
    """
    check_choice("loss", loss, LINEAR_LOSSES)
    check_choice("method", method, LINEAR_METHODS)
    design, y = _design(X, y)
    n, p = design.shape
    stats = least_squares(design, y, 0.5 if loss == "half_mse" else 1.0)
    start = np.zeros(p)
    if description is None:
        description = f"Linear regression on {n} samples with {p - 1} feature{'s' if p > 2 else ''}."
    return LinearRegression(
        name=name,
        param_names=_param_names(p - 1),
        description=description,
        window=_window(start[:2], stats.theta[:2]),
        start=start,
        minima=stats.theta[None, :].copy(),
        min_loss=stats.min_loss,
        n_samples=n,
        options=dict(options or {}),
        design=design,
        y=y,
        loss_name=loss,
        stats=stats,
        residuals=method == "residuals" or (method == "auto" and n <= DIRECT_MAX_SAMPLES),
    )


_SYNTHETIC_DEFAULTS = {"n": 200, "n_features": 2, "noise": 0.5, "correlation": 0.0, "scale": 1.0, "seed": 0}


@register("linear_regression")
def linear_regression(**options) -> LinearRegression:
    """Options: ``data`` ``"article"`` (default: the article's four points) or ``"synthetic"`` with
    ``n``, ``n_features``, ``noise``, ``correlation``, ``scale``, ``seed`` (see
    :func:`gdviz.problems.data.synthetic.linear_data`); ``loss`` ``"half_mse"`` (default) or ``"mse"``."""
    check_options("linear_regression", options, ("data", "loss", *_SYNTHETIC_DEFAULTS))
    source = check_choice("data", options.get("data", "article"), ("article", "synthetic"))
    loss = check_choice("loss", options.get("loss", "half_mse"), LINEAR_LOSSES)
    formula = "1/(2m) Σ (h − y)²" if loss == "half_mse" else "1/m Σ (h − y)² (mean squared error)"
    if source == "article":
        extra = [k for k in options if k in _SYNTHETIC_DEFAULTS]
        if extra:
            raise ValueError(
                f"option(s) {', '.join(extra)} need data='synthetic' (the article's data is fixed), "
                "got data='article'"
            )
        X, y = data.article_data()
        return linear_regression_from_data(
            X,
            y,
            loss=loss,
            description=f"Linear regression on the article's four points, loss {formula}. The second "
            "feature is the first plus 1, so the minima form a line; the one shown is closest to 0.",
            options={"data": "article", "loss": loss},
        )
    synth = {k: options.get(k, v) for k, v in _SYNTHETIC_DEFAULTS.items()}
    X, y = data.linear_data(**synth)
    # Validated by linear_data; stored as plain numbers of the defaults' types for share links.
    synth = {k: type(v)(synth[k]) for k, v in _SYNTHETIC_DEFAULTS.items()}
    truth = ", ".join(f"{w:g}" for w in data.TRUE_WEIGHTS[: synth["n_features"]])
    return linear_regression_from_data(
        X,
        y,
        loss=loss,
        description=f"Linear regression on {synth['n']} synthetic samples drawn with w = ({truth}), "
        f"b = {data.TRUE_BIAS:g} and noise {synth['noise']:g}; loss {formula}.",
        options={"data": "synthetic", "loss": loss, **synth},
    )


# --- logistic regression ------------------------------------------------------------------------
def _softplus_sigmoid(u):
    """softplus(u) = log(1 + eᵘ) and σ(u), sharing exp(−|u|); no overflow and no cancellation."""
    e = np.exp(-np.abs(u))
    return np.maximum(u, 0.0) + np.log1p(e), np.where(u >= 0, 1.0, e) / (1.0 + e)


@dataclass(frozen=True, eq=False, kw_only=True)
class LogisticRegression(DataProblem):
    """mean(−y log σ(h) − (1 − y) log(1 − σ(h))) + ½·l2·‖w‖² (the bias is not penalised).

    Each sample's term is written as softplus(u) with u = (1 − 2y)·h, exact for any h. Build it with
    :func:`logistic_regression_from_data` or ``problem("logistic_regression", …)``.
    """

    l2: float

    def hessian(self, params):
        params = as_params(params, self.n_params)
        flat = params.reshape(-1, self.n_params)
        D, p = self.design, self.n_params
        out = np.empty((flat.shape[0], p, p))
        with np.errstate(over="ignore", invalid="ignore"):
            for sl in _rows(flat.shape[0], D.shape[0] * p):
                e = np.exp(-np.abs(flat[sl] @ D.T))
                # σ(h)(1 − σ(h)) = e/(1 + e)² with e = exp(−|h|): symmetric in h, no overflow.
                out[sl] = np.einsum("rn,ni,nj->rij", e / (1.0 + e) ** 2, D, D, optimize=True) / D.shape[0]
        out[:, np.arange(p - 1), np.arange(p - 1)] += self.l2
        return out.reshape(*params.shape[:-1], p, p)

    def _terms(self, params, D, y):
        w = params[:, :-1]
        with np.errstate(over="ignore", invalid="ignore"):
            s = 1.0 - 2.0 * y
            sp, sig = _softplus_sigmoid(s * _predict(params, D))
            loss = np.mean(sp, axis=-1) + 0.5 * self.l2 * np.sum(w * w, axis=-1)
            grad = _pullback(s * sig / y.shape[-1], D)
            grad[:, :-1] += self.l2 * w
        return loss, grad


class _Fit(NamedTuple):
    theta: np.ndarray | None  # the minimiser, or None
    reason: str  # "minimum", "separable", "one_class" or "not_found"
    last: np.ndarray  # the last Newton iterate (a separating one when separable)


def _newton(D: np.ndarray, y: np.ndarray, l2: float, theta: np.ndarray) -> _Fit:
    """Damped Newton on the (convex) logistic loss from ``theta``; ``D`` is the design ``[X, 1]``.

    Without L2 an iterate that classifies every sample strictly correctly proves that the data is
    separable: the loss then falls forever along that direction and no finite minimiser exists.
    """
    n = D.shape[0]
    s = 1.0 - 2.0 * y
    ridge = np.full(D.shape[1], l2)
    ridge[-1] = 0.0

    # One pass for the value (repeated while backtracking), one for the derivatives once accepted.
    def value(theta):
        with np.errstate(over="ignore", invalid="ignore"):
            u = s * (D @ theta)
            sp, sig = _softplus_sigmoid(u)
        return float(np.mean(sp)) + 0.5 * float(ridge @ (theta * theta)), u, sig

    def derivatives(theta, sig):
        grad = D.T @ (s * sig) / n + ridge * theta
        hess = (D.T * (sig * (1.0 - sig))) @ D / n + np.diag(ridge)
        return grad, hess

    loss, u, sig = value(theta)
    for _ in range(_NEWTON_MAX_ITER):
        if l2 == 0.0 and np.all(u < 0):
            return _Fit(None, "separable", theta)
        grad, hess = derivatives(theta, sig)
        step = np.linalg.lstsq(hess, -grad, rcond=None)[0]
        dec = -float(grad @ step)
        if not np.isfinite(dec):
            break
        if dec <= 1e-18:
            # Deep in the quadratic regime: this last full step lands at round-off distance.
            theta = theta + step
            return _Fit(theta, "minimum", theta)
        t = 1.0
        while True:
            cand = theta + t * step
            c_loss, c_u, c_sig = value(cand)
            if c_loss <= loss - 1e-4 * t * dec:
                break
            t *= 0.5
            if t < 1e-10:
                # No decrease left above round-off: the current point is the minimum to working precision.
                return _Fit(theta, "minimum", theta) if dec < 1e-12 else _Fit(None, "not_found", theta)
        theta, loss, u, sig = cand, c_loss, c_u, c_sig
    return _Fit(None, "not_found", theta)


def _fit_logistic(D: np.ndarray, y: np.ndarray, l2: float) -> _Fit:
    theta = np.zeros(D.shape[1])
    if y.min() == y.max():
        # One class only: the unpenalised bias can always push the loss lower.
        return _Fit(None, "one_class", theta)
    stride = -(-D.shape[0] // _WARM_SAMPLES)
    if stride > 1 and y[::stride].min() != y[::stride].max():
        warm = _newton(D[::stride], y[::stride], l2, theta)
        # A separable subsample says nothing about the full data, which then starts from 0 again.
        if warm.reason == "minimum":
            theta = warm.theta
    return _newton(D, y, l2, theta)


def logistic_regression_from_data(
    X,
    y,
    *,
    l2: float = 0.0,
    name: str = "logistic_regression",
    description: str | None = None,
    options: dict | None = None,
) -> LogisticRegression:
    """Logistic regression on your data: ``X`` ``(n, F)``, labels ``y`` in {0, 1}; parameters
    (w1, …, wF, b); loss = mean cross-entropy + ½·l2·‖w‖² (``l2`` 0…10⁶, bias not penalised).

    The minimiser is found by Newton's method at construction. When it does not exist (linearly
    separable data without L2, or a single class) ``minima`` is empty, ``min_loss`` None, and the
    description says why. ``options`` is stored for display and links.
    """
    l2 = check_number("l2", l2, lo=0.0, hi=1e6)
    design, y = _design(X, y)
    if not np.all((y == 0.0) | (y == 1.0)):
        raise ValueError(
            f"y must hold class labels 0 and 1 only, got {given(np.unique(y[(y != 0) & (y != 1)]))}"
        )
    n, p = design.shape
    fit = _fit_logistic(design, y, l2)
    if description is None:
        description = (
            f"Logistic regression (cross-entropy) on {n} samples with {p - 1} feature{'s' if p > 2 else ''}."
        )
    description += {
        "minimum": "",
        "separable": " The classes are linearly separable, so the loss has no minimum: it keeps "
        "falling as the weights grow without bound.",
        "one_class": " All samples are in one class, so the loss has no minimum: it keeps falling as "
        "the bias grows.",
        "not_found": " No minimum was found (the data is nearly separable, so it may lie very far out).",
    }[fit.reason]
    start = np.zeros(p)
    prob = LogisticRegression(
        name=name,
        param_names=_param_names(p - 1),
        description=description,
        # Without a minimum the last Newton iterate shows which way the loss keeps falling.
        window=_window(start[:2], fit.last[:2]),
        start=start,
        minima=np.zeros((0, p)) if fit.theta is None else fit.theta[None, :].copy(),
        n_samples=n,
        options=dict(options or {}),
        design=design,
        y=y,
        l2=l2,
    )
    if fit.theta is None:
        return prob
    # min_loss from the problem's own formula, so that loss(minima) == min_loss exactly.
    return dataclasses.replace(prob, min_loss=float(prob.loss(fit.theta)))


_CLASS_DEFAULTS = {"n": 200, "separation": 3.0, "noise": 1.0, "seed": 0}


@register("logistic_regression")
def logistic_regression(**options) -> LogisticRegression:
    """Options: ``n``, ``separation``, ``noise``, ``seed`` (see :func:`gdviz.problems.data.synthetic.classification_data`)
    and ``l2`` (≥ 0, default 0)."""
    check_options("logistic_regression", options, ("l2", *_CLASS_DEFAULTS))
    l2 = check_number("l2", options.get("l2", 0.0), lo=0.0, hi=1e6)
    synth = {k: options.get(k, v) for k, v in _CLASS_DEFAULTS.items()}
    X, y = data.classification_data(**synth)
    synth = {k: type(v)(synth[k]) for k, v in _CLASS_DEFAULTS.items()}
    penalty = f" + ½·{l2:g}·‖w‖²" if l2 > 0 else ""
    return logistic_regression_from_data(
        X,
        y,
        l2=l2,
        description=f"Logistic regression: mean cross-entropy{penalty} of a line separating two classes "
        f"of {synth['n']} points (centres {synth['separation']:g} apart, spread {synth['noise']:g}).",
        options={**synth, "l2": l2},
    )
