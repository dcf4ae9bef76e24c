"""A small multilayer perceptron on 2-D data as a gdviz Problem, trained like any other objective.

Architecture: inputs (2) → 1–3 hidden layers (1–32 units, tanh / relu / sigmoid) → one linear output.
Classification reads the output as a logit and uses the mean binary cross-entropy; regression reads
it as the prediction and uses the mean squared error. An optional ``l2`` adds ``l2/2 · Σ W²`` over
the weight matrices (not the biases).

Parameter layout (one flat float64 vector, so every optimizer, batch size and schedule applies):
layer by layer from the input, each layer's weight matrix ``W_l`` of shape ``(fan_out, fan_in)`` in
row-major order, then its bias ``b_l`` ``(fan_out,)``::

    [W1 (h1×2), b1 (h1), W2 (h2×h1), b2 (h2), …, W_out (1×h_L), b_out (1)]

Row i of ``W_l`` holds the incoming weights of unit i of layer l (its "filter"); names are
``"W1[i,j]"`` (unit i, input j) and ``"b1[i]"``. ``Mlp.layers`` gives the slices, ``Mlp.unflatten``
the matrices.

Everything is vectorized over leading "runs" axes of ``params`` with batched matmul, so many runs or
many landscape grid points are evaluated at once; large batches are processed in memory-bounded
chunks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import NamedTuple

import numpy as np

from gdviz.errors import check_choice, check_number, check_options
from gdviz.problems import register
from gdviz.problems.base import Problem
from gdviz.problems.data import toy as datasets
from gdviz.problems.data.toy import CLASSIFICATION, dataset_task, make_dataset

ACTIVATIONS = ("tanh", "relu", "sigmoid")
MAX_LAYERS = 3
MAX_WIDTH = 32
MAX_L2 = 10.0
N_INPUTS = 2

# Float64 values held by one hidden activation array per chunk (16 MB): bounds memory when a whole
# landscape grid or a long history is evaluated at once, while keeping chunks large enough that the
# per-call NumPy overhead stays negligible.
_CHUNK_VALUES = 1 << 21

MLP_DEFAULTS = {
    "dataset": "moons",
    **{k: v for k, v in datasets.DEFAULTS.items() if k != "seed"},
    "data_seed": 0,
    "hidden": (16, 16),
    "activation": "tanh",
    "l2": 0.0,
    "seed": 0,
}


class Layer(NamedTuple):
    """Where one layer lives in the flat vector: ``params[..., weight]`` reshaped to ``shape``
    ``(fan_out, fan_in)`` is its weight matrix (row = one unit's incoming weights), ``params[..., bias]``
    its bias."""

    weight: slice
    shape: tuple[int, int]
    bias: slice


class Metrics(NamedTuple):
    """Data losses (without the l2 term) and accuracies; None where not defined (no test set, or
    accuracy for regression). Each array has the leading shape of the params passed in."""

    train_loss: np.ndarray
    test_loss: np.ndarray | None
    train_accuracy: np.ndarray | None
    test_accuracy: np.ndarray | None


def mlp_layers(widths) -> tuple[Layer, ...]:
    """The layout for layer widths ``(n_inputs, h1, …, n_outputs)``."""
    layers, pos = [], 0
    for fan_in, fan_out in pairwise(widths):
        w = slice(pos, pos + fan_in * fan_out)
        b = slice(w.stop, w.stop + fan_out)
        layers.append(Layer(w, (fan_out, fan_in), b))
        pos = b.stop
    return tuple(layers)


def _act(name: str, z: np.ndarray) -> np.ndarray:
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    # sigmoid through tanh: exact identity, and no overflow in exp for large |z|.
    return 0.5 + 0.5 * np.tanh(0.5 * z)


def _act_grad(name: str, h: np.ndarray) -> np.ndarray:
    """Derivative of the activation, written in terms of its output h (all three allow it)."""
    if name == "tanh":
        return 1.0 - h * h
    if name == "relu":
        return (h > 0).astype(float)
    return h * (1.0 - h)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 + 0.5 * np.tanh(0.5 * z)


@dataclass(frozen=True, eq=False, kw_only=True)
class Mlp(Problem):
    """The MLP problem; build it with ``mlp(**options)`` (registered as ``"mlp"``)."""

    layers: tuple[Layer, ...] = field(repr=False)
    activation: str
    task: str
    l2: float
    X_train: np.ndarray = field(repr=False)
    y_train: np.ndarray = field(repr=False)
    X_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)

    # --- layout ---------------------------------------------------------------------------
    def unflatten(self, params: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(W1, b1), …, (W_out, b_out)]`` with shapes ``(..., fan_out, fan_in)`` and ``(..., fan_out)``
        (views into ``params`` when it is contiguous)."""
        params = self._check(params)
        lead = params.shape[:-1]
        return [
            (params[..., ly.weight].reshape(*lead, *ly.shape), params[..., ly.bias]) for ly in self.layers
        ]

    def weight_norm(self, params: np.ndarray) -> np.ndarray:
        """Euclidean norm of all weight-matrix entries (biases excluded, like the l2 term), shape
        ``params.shape[:-1]``."""
        params = self._check(params)
        return np.sqrt(self._weight_sq(params))

    # --- objective ------------------------------------------------------------------------
    def loss_and_grad(self, params):
        params = self._check(params)
        lead = params.shape[:-1]
        flat = params.reshape(-1, self.n_params)
        loss = np.empty(flat.shape[0])
        grad = np.empty_like(flat)
        for sl in self._chunks(flat.shape[0], len(self.y_train)):
            loss[sl], grad[sl] = self._loss_grad(flat[sl], self.X_train, self.y_train)
        return loss.reshape(lead), grad.reshape(params.shape)

    def loss(self, params):
        # Forward pass only: the landscape grid and the run loop's full-loss checks need no gradient.
        params = self._check(params)
        lead = params.shape[:-1]
        flat = params.reshape(-1, self.n_params)
        out = np.empty(flat.shape[0])
        with np.errstate(over="ignore", invalid="ignore"):
            for sl in self._chunks(flat.shape[0], len(self.y_train)):
                z = self._output(flat[sl], self.X_train)
                out[sl] = self._sample_loss(z, self.y_train).mean(axis=-1) + self._penalty(flat[sl])
        return out.reshape(lead)

    def batch_loss_and_grad(self, params, idx):
        params = self._check(params)
        idx = np.asarray(idx)
        if params.ndim != 2 or idx.ndim != 2 or idx.shape[0] != params.shape[0]:
            raise ValueError(
                f"batch_loss_and_grad needs params (R, {self.n_params}) and idx (R, b) with the same R; "
                f"got params {params.shape} and idx {idx.shape}"
            )
        if idx.dtype.kind not in "iu" or idx.shape[1] == 0:
            raise ValueError(
                f"idx must be a non-empty array of integer sample indices, got dtype {idx.dtype}"
            )
        n = len(self.y_train)
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValueError(f"idx must lie in 0…{n - 1}, got values in {idx.min()}…{idx.max()}")
        loss = np.empty(params.shape[0])
        grad = np.empty_like(params)
        for sl in self._chunks(params.shape[0], idx.shape[1]):
            loss[sl], grad[sl] = self._loss_grad(params[sl], self.X_train[idx[sl]], self.y_train[idx[sl]])
        return loss, grad

    # --- predictions and metrics ----------------------------------------------------------
    def predict(self, params: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Network output on inputs ``X`` ``(N, 2)``: class-1 probabilities (classification) or
        values (regression); shape ``params.shape[:-1] + (N,)``, e.g. ``(F, N)`` for F frames."""
        params = self._check(params)
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != N_INPUTS:
            raise ValueError(f"X must have shape (N, {N_INPUTS}), got {X.shape}")
        lead = params.shape[:-1]
        flat = params.reshape(-1, self.n_params)
        out = np.empty((flat.shape[0], X.shape[0]))
        with np.errstate(over="ignore", invalid="ignore"):
            for sl in self._chunks(flat.shape[0], X.shape[0]):
                z = self._output(flat[sl], X)
                out[sl] = _sigmoid(z) if self.task == CLASSIFICATION else z
        return out.reshape(*lead, X.shape[0])

    def metrics(self, params: np.ndarray) -> Metrics:
        """Train/test data loss and accuracy for every state in ``params`` (e.g. a ``(T, P)`` history)."""
        params = self._check(params)
        lead = params.shape[:-1]
        flat = params.reshape(-1, self.n_params)
        classify = self.task == CLASSIFICATION
        out = []
        for X, y in ((self.X_train, self.y_train), (self.X_test, self.y_test)):
            if not len(y):
                out.append((None, None))
                continue
            loss = np.empty(flat.shape[0])
            acc = np.empty(flat.shape[0])
            with np.errstate(over="ignore", invalid="ignore"):
                for sl in self._chunks(flat.shape[0], len(y)):
                    z = self._output(flat[sl], X)
                    loss[sl] = self._sample_loss(z, y).mean(axis=-1)
                    if classify:
                        acc[sl] = ((z > 0) == (y > 0.5)).mean(axis=-1)
            out.append((loss.reshape(lead), acc.reshape(lead) if classify else None))
        (train_loss, train_acc), (test_loss, test_acc) = out
        return Metrics(train_loss, test_loss, train_acc, test_acc)

    # --- internals ------------------------------------------------------------------------
    def _check(self, params) -> np.ndarray:
        params = np.asarray(params, dtype=float)
        if params.ndim == 0 or params.shape[-1] != self.n_params:
            raise ValueError(
                f"params must have {self.n_params} values on the last axis for this network, "
                f"got shape {params.shape}"
            )
        return params

    def _chunks(self, rows: int, samples: int):
        width = max(ly.shape[0] for ly in self.layers)
        step = max(1, _CHUNK_VALUES // max(1, samples * width))
        for start in range(0, rows, step):
            yield slice(start, min(start + step, rows))

    def _weights(self, flat):
        r = flat.shape[0]
        return [(flat[:, ly.weight].reshape(r, *ly.shape), flat[:, ly.bias]) for ly in self.layers]

    def _forward(self, flat, X):
        """Hidden activations ``[X, h1, …, h_L]`` (``(R, n, width)``; X may be shared ``(n, 2)``) and the
        output ``(R, n)``."""
        wb = self._weights(flat)
        hs = [X]
        h = X
        for W, b in wb[:-1]:
            h = _act(self.activation, h @ np.swapaxes(W, -1, -2) + b[:, None, :])
            hs.append(h)
        W, b = wb[-1]
        z = (h @ np.swapaxes(W, -1, -2))[..., 0] + b
        return wb, hs, z

    def _output(self, flat, X):
        return self._forward(flat, X)[2]

    def _sample_loss(self, z, y):
        if self.task == CLASSIFICATION:
            # −log σ(z) for y = 1 and −log(1 − σ(z)) = log(1 + e^z) for y = 0, i.e. softplus((1 − 2y) z):
            # logaddexp is exact for any z and avoids the inf − inf of log(1+e^z) − y·z at z = ±inf.
            return np.logaddexp(0.0, (1.0 - 2.0 * y) * z)
        d = z - y
        return d * d

    def _weight_sq(self, params):
        return sum((params[..., ly.weight] ** 2).sum(axis=-1) for ly in self.layers)

    def _penalty(self, flat):
        return 0.5 * self.l2 * self._weight_sq(flat) if self.l2 else 0.0

    def _loss_grad(self, flat, X, y):
        """Mean loss over the samples and its gradient by backpropagation, for a chunk ``(R, P)``."""
        with np.errstate(over="ignore", invalid="ignore"):
            wb, hs, z = self._forward(flat, X)
            n = y.shape[-1]
            loss = self._sample_loss(z, y).mean(axis=-1) + self._penalty(flat)
            dz = (_sigmoid(z) - y) if self.task == CLASSIFICATION else 2.0 * (z - y)
            delta = (dz / n)[..., None]  # (R, n, fan_out) = ∂loss/∂(pre-activation)
            grad = np.empty_like(flat)
            r = flat.shape[0]
            for k in range(len(self.layers) - 1, -1, -1):
                ly = self.layers[k]
                W = wb[k][0]
                gW = np.swapaxes(delta, -1, -2) @ hs[k]
                if self.l2:
                    gW = gW + self.l2 * W
                grad[:, ly.weight] = gW.reshape(r, -1)
                grad[:, ly.bias] = delta.sum(axis=-2)
                if k:
                    delta = (delta @ W) * _act_grad(self.activation, hs[k])
        return loss, grad


def _check_hidden(hidden) -> tuple[int, ...]:
    if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, bool):
        hidden = (hidden,)
    if not isinstance(hidden, (tuple, list)) or not 1 <= len(hidden) <= MAX_LAYERS:
        raise ValueError(f"hidden must be 1 to {MAX_LAYERS} layer widths, e.g. (16, 16); got {hidden!r}")
    return tuple(check_number("hidden layer width", h, lo=1, hi=MAX_WIDTH, integer=True) for h in hidden)


def init_params(widths, activation: str, seed: int) -> np.ndarray:
    """Seeded initial weights: He normal (std √(2/fan_in)) into ReLU layers, Glorot normal
    (std √(2/(fan_in+fan_out))) elsewhere, including the linear output; biases 0."""
    layers = mlp_layers(widths)
    rng = np.random.default_rng(seed)
    theta = np.zeros(layers[-1].bias.stop)
    for k, ly in enumerate(layers):
        fan_out, fan_in = ly.shape
        hidden = k < len(layers) - 1
        std = np.sqrt(2.0 / fan_in) if hidden and activation == "relu" else np.sqrt(2.0 / (fan_in + fan_out))
        theta[ly.weight] = std * rng.standard_normal(fan_in * fan_out)
    return theta


@register("mlp")
def mlp(**options) -> Mlp:
    """A small MLP on a 2-D data set. Options: ``dataset`` (see ``gdviz.problems.data.toy``) with its ``n``,
    ``noise``, ``test_fraction`` and ``data_seed``; ``hidden`` (1–3 widths of 1–32), ``activation``
    (tanh, relu, sigmoid), ``l2`` (≥ 0) and ``seed`` (weight init). The loss follows the data set's
    task: cross-entropy for classification, mean squared error for regression."""
    check_options("problem 'mlp'", options, MLP_DEFAULTS)
    opts = {**MLP_DEFAULTS, **options}
    task = dataset_task(opts["dataset"])
    data = make_dataset(
        opts["dataset"],
        n=opts["n"],
        noise=opts["noise"],
        seed=opts["data_seed"],
        test_fraction=opts["test_fraction"],
    )
    hidden = _check_hidden(opts["hidden"])
    activation = check_choice("activation", opts["activation"], ACTIVATIONS)
    l2 = check_number("l2", opts["l2"], lo=0, hi=MAX_L2)
    seed = check_number("seed", opts["seed"], lo=0, integer=True)
    opts["hidden"] = hidden

    widths = (N_INPUTS, *hidden, 1)
    layers = mlp_layers(widths)
    names = []
    for k, ly in enumerate(layers, start=1):
        fan_out, fan_in = ly.shape
        names += [f"W{k}[{i},{j}]" for i in range(fan_out) for j in range(fan_in)]
        names += [f"b{k}[{i}]" for i in range(fan_out)]
    start = init_params(widths, activation, seed)
    # Default view: the two incoming weights of the first hidden unit, the most readable pair.
    axes = (0, 1)
    half = 3.0
    window = tuple((float(start[a] - half), float(start[a] + half)) for a in axes)
    loss_name = "cross-entropy" if task == CLASSIFICATION else "mean squared error"
    arch = "-".join(map(str, widths))
    return Mlp(
        name="mlp",
        param_names=tuple(names),
        description=f"MLP {arch} ({activation}) on {opts['dataset']}, {loss_name}",
        window=window,
        start=start,
        minima=np.zeros((0, len(names))),
        min_loss=None,
        n_samples=len(data.y_train),
        axes=axes,
        options=opts,
        layers=layers,
        activation=activation,
        task=task,
        l2=l2,
        X_train=data.X_train,
        y_train=data.y_train,
        X_test=data.X_test,
        y_test=data.y_test,
    )


__all__ = ["ACTIVATIONS", "Layer", "Metrics", "Mlp", "init_params", "mlp", "mlp_layers"]
