"""Which samples each worker sees, and the gradients of many workers' batches in few calls.

Two ways to hand data to K workers, as a distributed training job does:

* one shared, seeded permutation (torch's ``DistributedSampler`` over one epoch order): every step
  draws the next global mini-batch exactly as ``gdviz.run`` would and cuts it into consecutive
  pieces, one per worker (and per micro-batch). The average of the pieces' gradients, weighted by
  their sizes, *is* the global batch's gradient, which is why a sync run equals a single run with
  the global batch to round-off;
* fixed shards: each worker owns a subset (a seeded IID split, or a non-IID one sorted by the
  target or a feature, as federated data is) and draws its own mini-batches from it.
"""

from __future__ import annotations

import numpy as np

from gdviz.errors import check_number, given
from gdviz.problems.base import Problem
from gdviz.train import _Sampler

SHARD_KINDS = ("iid", "label", "feature")


def _column(problem: Problem, what: str, feature: int | None = None) -> np.ndarray:
    """The targets (``feature`` None) or one feature column of a data problem."""
    if feature is None:
        y = getattr(problem, "y", None)
        y = getattr(problem, "y_train", None) if y is None else y
        if y is None:
            raise ValueError(f"shards={what!r} needs a problem with targets y, got problem {problem.name!r}")
        return np.asarray(y, dtype=float).reshape(problem.n_samples, -1)[:, 0]
    X = getattr(problem, "X", None)
    X = getattr(problem, "X_train", None) if X is None else X
    if X is None:
        raise ValueError(f"shards={what!r} needs a problem with features X, got problem {problem.name!r}")
    F = X.shape[1]
    j = check_number("shards feature", feature, lo=0, hi=F - 1, integer=True)
    return np.asarray(X[:, j], dtype=float)


def make_shards(problem: Problem, workers: int, spec, rng: np.random.Generator) -> list[np.ndarray]:
    """The sample indices of every worker for ``spec``: ``"iid"``, ``"label"`` (sorted by target),
    ``("feature", j)`` (sorted by feature j) or an explicit list of index arrays."""
    n = problem.n_samples
    if isinstance(spec, str) or (isinstance(spec, tuple) and len(spec) == 2 and spec[0] == "feature"):
        kind = spec if isinstance(spec, str) else "feature"
        if kind not in SHARD_KINDS or (kind == "feature" and isinstance(spec, str)):
            raise ValueError(
                "shards must be 'iid', 'label', ('feature', j) or a list of index arrays (one per "
                f"worker), got {given(spec)}"
            )
        perm = rng.permutation(n)
        if kind != "iid":
            key = _column(problem, kind, spec[1] if kind == "feature" else None)
            # sorting a shuffled order stably puts equal keys (class labels) in random order
            perm = perm[np.argsort(key[perm], kind="stable")]
        return [np.sort(s) for s in np.array_split(perm, workers)]
    try:
        shards = [np.asarray(s) for s in spec]
    except TypeError as err:
        raise ValueError(
            f"shards must be 'iid', 'label', ('feature', j) or a list of index arrays, got {given(spec)}"
        ) from err
    if len(shards) != workers:
        raise ValueError(f"shards must hold one index array per worker ({workers}), got {len(shards)}")
    for k, s in enumerate(shards):
        if s.ndim != 1 or s.size == 0 or s.dtype.kind not in "iu" or s.min() < 0 or s.max() >= n:
            raise ValueError(
                f"shards[{k}] must be a non-empty 1-D array of sample indices in 0…{n - 1}, got {given(s)}"
            )
    return [s.astype(np.int64) for s in shards]


class SharedBatches:
    """The global mini-batch of a single run, cut into ``pieces`` consecutive pieces of ``b``
    (the last, partial batch of an epoch leaves the last pieces short or empty); ``b`` None: the
    whole data in ``pieces`` nearly equal parts."""

    def __init__(self, n: int, b: int | None, pieces: int, seed: int, shuffle: bool, replacement: bool):
        self.n, self.b, self.pieces = n, b, pieces
        self.sampler = None if b is None else _Sampler(n, pieces * b, np.array([seed]), shuffle, replacement)

    def next(self):
        if self.sampler is None:
            return np.array_split(np.arange(self.n), self.pieces)
        idx = self.sampler.next()[0]
        b = self.b
        if idx.size == self.pieces * b:
            return idx.reshape(self.pieces, b)  # the usual step: equal pieces, one array
        return [idx[j * b : (j + 1) * b] for j in range(self.pieces)]


class ShardBatches:
    """Every worker's own mini-batches from its shard: a seeded permutation of the shard per local
    epoch (the partial last batch kept, as ``gdviz.run`` does), ``b`` None: the whole shard."""

    def __init__(self, shards, b: int | None, rngs, shuffle: bool, replacement: bool):
        self.shards, self.b, self.rngs = shards, b, rngs
        self.shuffle, self.replacement = shuffle, replacement
        self.orders = [None] * len(shards)
        self.pos = [0] * len(shards)
        # Equal shards move in step (every worker starts its local epoch at the same update), so one
        # (K, n_k) array of their orders gives every step's batches in one slice: the same numbers
        # as the worker-by-worker path, at a fraction of its cost for many workers.
        self.equal = len({sh.size for sh in shards}) == 1 and not replacement
        self.grid = None
        self.gpos = 0

    def next_of(self, k: int) -> np.ndarray:
        shard, b = self.shards[k], self.b
        if b is None:
            return shard
        rng = self.rngs[k]
        if self.replacement:
            return shard[rng.integers(0, shard.size, size=b)]
        if self.orders[k] is None or self.pos[k] >= shard.size:
            self.orders[k] = shard[rng.permutation(shard.size)] if self.shuffle else shard
            self.pos[k] = 0
        stop = min(self.pos[k] + b, shard.size)
        out = self.orders[k][self.pos[k] : stop]
        self.pos[k] = stop
        return out

    def next(self, pieces_per_worker: int = 1):
        if not (self.equal and pieces_per_worker == 1):
            return [self.next_of(k) for k in range(len(self.shards)) for _ in range(pieces_per_worker)]
        if self.b is None:
            if self.grid is None:
                self.grid = np.stack(self.shards)
            return self.grid
        size = self.shards[0].size
        if self.grid is None or self.gpos >= size:
            self.grid = np.stack(
                [
                    sh[rng.permutation(size)] if self.shuffle else sh
                    for sh, rng in zip(self.shards, self.rngs, strict=True)
                ]
            )
            self.gpos = 0
        stop = min(self.gpos + self.b, size)
        out = self.grid[:, self.gpos : stop]
        self.gpos = stop
        return out


def piece_grads(problem: Problem, thetas: np.ndarray, pieces) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loss ``(Q,)``, gradient ``(Q, P)`` and size ``(Q,)`` of each piece at ``thetas[q]``.

    Pieces of equal length go through ``batch_loss_and_grad`` in one vectorized call (the problem's
    runs axis is the workers axis here); empty pieces get weight 0. ``pieces`` is a list of index
    arrays, a ``(Q, b)`` array of equal pieces, or None: a problem without data, where every worker
    computes the full gradient.
    """
    Q = thetas.shape[0]
    if pieces is None:
        loss, grad = problem.loss_and_grad_trusted(thetas)
        return loss, grad, np.ones(Q)
    if isinstance(pieces, np.ndarray):  # Q pieces of one length: one call
        loss, grad = problem.batch_loss_and_grad(thetas, pieces)
        return loss, grad, np.full(Q, float(pieces.shape[1]))
    sizes = np.array([p.size for p in pieces], dtype=float)
    if sizes[0] > 0 and sizes.min() == sizes.max():
        loss, grad = problem.batch_loss_and_grad(thetas, np.stack(pieces))
        return loss, grad, sizes
    loss = np.zeros(Q)
    grad = np.zeros(thetas.shape)
    for length in np.unique(sizes).astype(int):
        if length == 0:
            continue
        rows = np.flatnonzero(sizes == length)
        idx = np.stack([pieces[q] for q in rows])
        loss[rows], grad[rows] = problem.batch_loss_and_grad(thetas[rows], idx)
    return loss, grad, sizes


def by_worker(values: np.ndarray, sizes: np.ndarray, owner: np.ndarray, workers: int):
    """Size-weighted sums of piece values per worker, and each worker's sample count."""
    counts = np.bincount(owner, weights=sizes, minlength=workers)
    sums = np.zeros((workers, *values.shape[1:]))
    np.add.at(sums, owner, values * sizes.reshape(-1, *([1] * (values.ndim - 1))))
    return sums, counts
