"""The Problem contract every objective in gdviz fulfils.

Shapes: ``params`` is float64 with the parameters on the last axis, ``(P,)`` for one point or
``(R, P)`` for R runs (any leading shape works for ``loss``/``grad``). ``loss`` drops the last
axis, ``grad`` keeps it. Data problems also answer for a mini-batch given as integer sample
indices ``idx`` of shape ``(R, b)`` (one row of indices per run).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Window = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True, eq=False)
class Problem:
    """Base class: subclasses override ``loss_and_grad`` (and ``batch_loss_and_grad`` for data).

    Attributes
    ----------
    name: registry name, e.g. ``"rosenbrock"``.
    param_names: one label per parameter, e.g. ``("w1", "w2", "b")``.
    description: one line in English (the UI translates by ``name``).
    window: default view ``((xmin, xmax), (ymin, ymax))`` for the two plotted parameters
        ``axes`` (indices into the parameter vector).
    start: default start point, shape ``(P,)``.
    minima: known global minimisers, shape ``(k, P)``; ``k = 0`` when unknown. For problems whose
        minimisers form a set (collinear linear regression) this holds one representative.
    min_loss: the known minimum loss value, or None.
    n_samples: number of data samples, or None for a plain function (no mini-batches).
    options: the options the factory was called with (for display and share links).
    """

    name: str
    param_names: tuple[str, ...]
    description: str
    window: Window
    start: np.ndarray
    minima: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    min_loss: float | None = None
    n_samples: int | None = None
    axes: tuple[int, int] = (0, 1)
    options: dict = field(default_factory=dict)

    @property
    def n_params(self) -> int:
        return len(self.param_names)

    @property
    def has_data(self) -> bool:
        return self.n_samples is not None

    # --- full objective -------------------------------------------------------------------
    def loss_and_grad(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def loss_and_grad_trusted(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Same as ``loss_and_grad`` for callers that pass a well-formed float64 ``(R, P)`` array
        and handle floating-point errors themselves (the run loop); problems may skip checks."""
        return self.loss_and_grad(params)

    def loss(self, params: np.ndarray) -> np.ndarray:
        return self.loss_and_grad(params)[0]

    def grad(self, params: np.ndarray) -> np.ndarray:
        return self.loss_and_grad(params)[1]

    # --- mini-batches (data problems only) ------------------------------------------------
    def batch_loss_and_grad(self, params: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Loss and gradient of the mean over samples ``idx`` (shape ``(R, b)``) at ``params`` ``(R, P)``.

        The mini-batch objective is the same formula as the full one restricted to the batch, so
        that ``idx = arange(n)`` gives exactly the full-batch loss and gradient.
        """
        raise ValueError(
            "batch_loss_and_grad needs a problem with data to draw mini-batches from, "
            f"got problem {self.name!r}, which has no data"
        )

    # --- curvature ------------------------------------------------------------------------
    def hessian(self, params: np.ndarray) -> np.ndarray:
        """Hessian ``(..., P, P)``; the default is central differences of the exact gradient."""
        params = np.asarray(params, dtype=float)
        p = params.shape[-1]
        h = 1e-5 * np.maximum(1.0, np.abs(params))
        cols = []
        for j in range(p):
            e = np.zeros(p)
            e[j] = 1.0
            step = h[..., j : j + 1] * e
            cols.append((self.grad(params + step) - self.grad(params - step)) / (2 * h[..., j : j + 1]))
        hess = np.stack(cols, axis=-1)
        return 0.5 * (hess + np.swapaxes(hess, -1, -2))

    def quadratic_form(self) -> tuple[np.ndarray, np.ndarray, float] | None:
        """``(A, b, c)`` with loss(θ) = ½ θᵀAθ − bᵀθ + c exactly, or None if not quadratic."""
        return None
