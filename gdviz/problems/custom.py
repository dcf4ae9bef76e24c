"""Problems the user brings: ``problem("formula", expr="x**2 + 10*sin(y)")``.

The formula is parsed by :mod:`gdviz.formula` (never executed); loss, gradient and Hessian are its
exact symbolic derivatives evaluated with NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.errors import check_number, check_options, cut
from gdviz.formula import Evaluator, Expr, FormulaError, parse
from gdviz.problems import register
from gdviz.problems.functions import Function2D

DEFAULT_EXPR = "x**2 + 10*sin(y)"
# Half-widths tried in turn for the automatic window (see ``formula``).
AUTO_HALF_WIDTHS = (3.0, 5.0, 10.0, 30.0, 100.0)
MIN_FINITE = 0.1
COARSE_GRID = 61  # odd, so that the centre of a symmetric window (often a minimum) is a grid point
MAX_WINDOW = 1e6
HALVINGS = 0.5 ** np.arange(30)


@dataclass(frozen=True, eq=False, kw_only=True)
class FormulaProblem(Function2D):
    """f(x, y) typed by the user: ``expr`` is the parsed tree, ``grad_exprs`` and ``hess_exprs``
    (∂²/∂x², ∂²/∂x∂y, ∂²/∂y²) its exact derivatives, evaluated by prepared evaluators."""

    expr: Expr
    grad_exprs: tuple[Expr, Expr]
    hess_exprs: tuple[Expr, Expr, Expr]
    value_grad_eval: Evaluator
    hess_eval: Evaluator

    def _value_grad(self, x, y):
        return tuple(self.value_grad_eval(x, y))

    def _hess(self, x, y):
        return tuple(self.hess_eval(x, y))

    def loss_and_grad_trusted(self, params):
        # The run loop's hot path (see Function2D): the evaluator writes f and the gradient straight
        # into the result arrays, with no error-state switch of its own (the loop holds one).
        if params.ndim != 2:
            return super().loss_and_grad_trusted(params)
        loss = np.empty(params.shape[0])
        grad = np.empty(params.shape)
        self.value_grad_eval.into(params[:, 0], params[:, 1], (loss, grad[:, 0], grad[:, 1]))
        return loss, grad


@register("formula")
def formula(**options) -> FormulaProblem:
    """Options: ``expr`` (text, default ``x**2 + 10*sin(y)``), ``window`` ``((xmin, xmax), (ymin, ymax))``
    and ``start`` ``(x, y)``, both picked automatically when omitted.

    Automatic choices (all on a 61×61 grid, so a few milliseconds):
    - window: the first of ``[−h, h]²``, h = 3, 5, 10, 30, 100, on which f is finite at ≥ 10 % of the
      grid and whose lowest grid value is not on the border; if every window's lowest value is on the
      border (f unbounded below or monotone), the first with enough finite values. Widened to
      contain a given start.
    - minima: Newton's method from the lowest grid points that are below their 8 neighbours; a point
      is marked only if there the gradient vanishes, the Hessian is positive semi-definite and f is
      no higher than anywhere on the grid (the lowest point of the window, not a provable global
      minimum). Non-isolated minima (singular Hessian) get one representative. Else none.
    - start: the grid point nearest to the window's upper-left (25 %, 75 %) point that is finite,
      not stationary, not within 5 % of a marked minimum, inside a 5 % margin, and not among the
      lowest 10 % of the grid values (so the descent has somewhere to go).
    """
    check_options("formula", options, ("expr", "window", "start"))
    text = options.get("expr", DEFAULT_EXPR)
    expr = parse(text)
    gx, gy = expr.gradient()
    hess = (gx.diff("x"), gx.diff("y"), gy.diff("y"))
    window = _check_window(options["window"]) if options.get("window") is not None else None
    start = _check_start(options["start"]) if options.get("start") is not None else None

    # One analysis of all six trees; each use gets the part it needs.
    everything = Evaluator([expr, gx, gy, *hess])
    value_grad, f_only = everything.part(0, 1, 2), everything.part(0)
    if window is None:
        window = _auto_window(expr, f_only, start)
    X, Y = _grid(window)
    F, GX, GY = value_grad(X, Y)
    if not np.isfinite(F).any():
        raise FormulaError(
            "nowhere_finite", f"f = {cut(expr.to_string())} is not finite anywhere in the window {window}"
        )
    if start is None and not (np.isfinite(F) & np.isfinite(GX) & np.isfinite(GY)).any():
        # f finite on a line the grid hits, its gradient nowhere (sqrt(-x^2)): no start to descend from
        raise FormulaError(
            "nowhere_finite",
            f"f = {cut(expr.to_string())} has no finite gradient anywhere in the window {window} where it is finite",
        )
    minima, min_loss = _find_minima(everything, f_only, window, X, Y, F)
    if start is None:
        start = _auto_start(window, X, Y, F, GX, GY, minima)

    given = {k: options[k] for k in ("window", "start") if options.get(k) is not None}
    return FormulaProblem(
        name="formula",
        param_names=("x", "y"),
        description=f"Your formula f(x, y) = {expr.to_string()}",
        window=window,
        start=start,
        minima=minima,
        min_loss=min_loss,
        options={"expr": text, **given},
        expr=expr,
        grad_exprs=(gx, gy),
        hess_exprs=hess,
        value_grad_eval=value_grad,
        hess_eval=everything.part(3, 4, 5),
    )


def _check_window(window) -> tuple[tuple[float, float], tuple[float, float]]:
    try:
        (x0, x1), (y0, y1) = window
    except (TypeError, ValueError):
        raise ValueError(f"window must be ((xmin, xmax), (ymin, ymax)), got {window!r}") from None
    vals = [
        check_number(name, v, lo=-MAX_WINDOW, hi=MAX_WINDOW)
        for name, v in zip(("xmin", "xmax", "ymin", "ymax"), (x0, x1, y0, y1), strict=True)
    ]
    x0, x1, y0, y1 = vals
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"window must have xmin < xmax and ymin < ymax, got {window!r}")
    return (x0, x1), (y0, y1)


def _check_start(start) -> np.ndarray:
    try:
        sx, sy = start
    except (TypeError, ValueError):
        raise ValueError(f"start must be a pair (x, y), got {start!r}") from None
    return np.array([check_number("start x", sx), check_number("start y", sy)])


def _grid(window, n: int = COARSE_GRID):
    (x0, x1), (y0, y1) = window
    return np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))


def _auto_window(expr: Expr, f_only: Evaluator, start: np.ndarray | None):
    window = lowest_inside = None
    for half in AUTO_HALF_WIDTHS:
        candidate = ((-half, half), (-half, half))
        X, Y = _grid(candidate)
        (F,) = f_only(X, Y)
        finite = np.isfinite(F)
        if finite.mean() < MIN_FINITE:
            continue
        k = np.unravel_index(np.argmin(np.where(finite, F, np.inf)), F.shape)
        inside = 0 < k[0] < F.shape[0] - 1 and 0 < k[1] < F.shape[1] - 1
        window = window or candidate
        if inside:
            lowest_inside = candidate
            break
    if window is None:
        raise FormulaError(
            "nowhere_finite",
            f"f = {cut(expr.to_string())} is not finite on [−{half:g}, {half:g}]²; "
            "give a window where it is defined",
        )
    # When f keeps falling towards the border, a wider window may hold the bowl (Himmelblau's four
    # minima need ±5); if none does, f is unbounded below or monotone, and the narrow view is best.
    window = lowest_inside or window
    if start is not None:
        # Widen (never narrow) so that a given start is inside, with a margin of a tenth of the span.
        (x0, x1), (y0, y1) = window
        mx, my = 0.1 * (x1 - x0), 0.1 * (y1 - y0)
        window = (
            (float(min(x0, start[0] - mx)), float(max(x1, start[0] + mx))),
            (float(min(y0, start[1] - my)), float(max(y1, start[1] + my))),
        )
    return window


def _find_minima(newton: Evaluator, f_only: Evaluator, window, X, Y, F, candidates: int = 8, iters: int = 40):
    """(minima (k, 2), min_loss or None): see ``formula`` for the rule."""
    none = np.zeros((0, 2)), None
    finite = np.isfinite(F)
    f_low = F[finite].min()
    Fp = np.where(finite, F, np.inf)
    core = Fp[1:-1, 1:-1]
    is_low = np.isfinite(core)
    n0, n1 = Fp.shape
    for dj in (-1, 0, 1):
        for di in (-1, 0, 1):
            if dj or di:
                is_low &= core <= Fp[1 + dj : n0 - 1 + dj, 1 + di : n1 - 1 + di]
    jj, ii = np.nonzero(is_low)
    if jj.size == 0:
        return none
    P = np.stack([X[1:-1, 1:-1][jj, ii], Y[1:-1, 1:-1][jj, ii]], axis=-1)
    (x0, x1), (y0, y1) = window
    centre = np.array([0.5 * (x0 + x1), 0.5 * (y0 + y1)])
    # Lowest first; among equal values (a valley, a constant) the ones nearest the centre.
    order = np.lexsort((np.hypot(*(P - centre).T), core[jj, ii]))[:candidates]
    P = P[order]

    for _ in range(iters):
        fv, gx, gy, hxx, hxy, hyy = newton(P[:, 0], P[:, 1])
        with np.errstate(all="ignore"):
            det = hxx * hyy - hxy * hxy
            step = -np.stack([hyy * gx - hxy * gy, hxx * gy - hxy * gx], axis=-1) / det[:, None]
        # Newton only where the Hessian is positive definite; elsewhere the candidate stays put and
        # is judged by the acceptance test below.
        converged = np.hypot(gx, gy) <= 1e-13 * (1.0 + np.abs(fv))
        move = (det > 0) & (hxx > 0) & np.isfinite(step).all(axis=-1) & ~converged
        step = np.where(move[:, None], step, 0.0)
        if not np.any(step):
            break
        # Backtracking: the largest of t = 1, 1/2, …, 2^-29 that does not raise f, all tried in one
        # evaluation (the points are independent, so each gets the same t as a halving loop would).
        trials = P + HALVINGS[:, None, None] * step
        (ft,) = f_only(trials[..., 0], trials[..., 1])
        better = ft <= fv
        first = np.argmax(better, axis=0)
        ok = move & better[first, np.arange(len(P))]
        P = np.where(ok[:, None], trials[first, np.arange(len(P))], P)

    f, gx, gy, hxx, hxy, hyy = newton(P[:, 0], P[:, 1])
    with np.errstate(all="ignore"):
        scale = 1.0 + np.abs(f)
        hscale = 1e-8 * (1.0 + np.abs(hxx) + np.abs(hyy))
        det = hxx * hyy - hxy * hxy
        ok = (
            np.isfinite(f)
            & (np.hypot(gx, gy) <= 1e-6 * scale)
            & (hxx >= -hscale)
            & (hyy >= -hscale)
            & (det >= -(hscale**2))
            & (f <= f_low + 1e-9 * (1.0 + abs(f_low)))
            & (P[:, 0] >= x0)
            & (P[:, 0] <= x1)
            & (P[:, 1] >= y0)
            & (P[:, 1] <= y1)
        )
    if not ok.any():
        return none
    best = f[ok].min()
    keep = ok & (f <= best + 1e-9 * (1.0 + abs(best)))
    singular = np.abs(det) <= hscale**2
    if singular[keep].any():
        # A valley or plateau of minimisers: the Problem contract wants one representative; the one
        # nearest the window's centre draws best.
        idx = np.flatnonzero(keep)
        k = idx[np.argmin(np.hypot(*(P[idx] - centre).T))]
        return P[k][None, :].copy(), float(best)
    pts: list[np.ndarray] = []
    span = np.hypot(x1 - x0, y1 - y0)
    for k in np.flatnonzero(keep)[np.argsort(f[keep], kind="stable")]:
        if all(np.hypot(*(P[k] - q)) > 1e-6 * span for q in pts):
            pts.append(P[k])
    return np.array(pts), float(best)


def _auto_start(window, X, Y, F, GX, GY, minima):
    (x0, x1), (y0, y1) = window
    w, h = x1 - x0, y1 - y0
    finite = np.isfinite(F) & np.isfinite(GX) & np.isfinite(GY)
    values = np.sort(F[finite])
    rank = np.where(finite, np.searchsorted(values, np.where(finite, F, 0.0)) / values.size, 0.0)
    gnorm = np.hypot(GX, GY)
    g_typical = np.median(gnorm[finite])
    ok = finite & (rank >= 0.1) & (gnorm > 1e-6 * g_typical)
    ok &= (X >= x0 + 0.05 * w) & (X <= x1 - 0.05 * w) & (Y >= y0 + 0.05 * h) & (Y <= y1 - 0.05 * h)
    for m in minima:
        ok &= np.hypot((X - m[0]) / w, (Y - m[1]) / h) > 0.05
    if not ok.any():
        ok = finite
    dist = np.hypot((X - (x0 + 0.25 * w)) / w, (Y - (y0 + 0.75 * h)) / h)
    k = np.argmin(np.where(ok, dist, np.inf))
    return np.array([X.flat[k], Y.flat[k]])
