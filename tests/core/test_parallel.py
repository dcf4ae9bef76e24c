"""gdviz.parallel: each strategy against the single run or the closed form it must equal, the
compressors' defining identities, the clock's formulas, and every bad argument's message."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gdviz
from gdviz import limits, parallel
from gdviz.parallel import theory
from gdviz.problems.base import Problem
from gdviz.train import STOP_DIVERGED, STOP_LOSS, Record


@functools.cache
def prob(name: str, **options) -> Problem:
    return gdviz.problem(name, **options)


def linear(n=240):
    return prob("linear_regression", data="synthetic", n=n, n_features=2)


def logistic():
    return prob("logistic_regression", n=200)


def mlp():
    return prob("mlp", hidden=(4,), n=200)


def close(a, b, tol=1e-10):
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


# --- 1. sync = one run with the global batch ------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "opt", "K", "b", "steps"),
    [
        (linear, ("gd", 0.05), 4, 8, 80),  # 240 = 7·32 + 16: two workers idle at every epoch's end
        (linear, ("momentum", 0.02), 3, 5, 60),  # 240 = 16·15: exact epochs
        (logistic, ("adam", 0.05), 2, 16, 60),
        (mlp, ("gd", 0.3), 4, 10, 40),
        (mlp, ("rmsprop", 0.01), 3, 7, 30),
    ],
)
def test_sync_equals_single_run_with_global_batch(make, opt, K, b, steps):
    p = make()
    o = gdviz.optimizer(opt[0], lr=opt[1])
    for seed in (0, 5):
        rec = parallel.train(p, o, strategy="sync", workers=K, batch_size=b, steps=steps, seed=seed)
        ref = gdviz.run(p, o, steps=steps, batch_size=K * b, seed=seed)
        assert rec.steps_done == ref.steps_done == steps
        close(rec.params, ref.params)
        close(rec.loss, ref.loss)
        close(rec.grad, ref.grad)
        close(rec.batch_loss, ref.batch_loss)
        np.testing.assert_array_equal(rec.samples_seen, ref.samples_seen)


def test_sync_seed_matters_and_is_reproducible():
    p, o = linear(), gdviz.optimizer("gd", lr=0.05)
    a = parallel.train(p, o, strategy="sync", workers=4, batch_size=4, steps=30, seed=1)
    b = parallel.train(p, o, strategy="sync", workers=4, batch_size=4, steps=30, seed=1)
    c = parallel.train(p, o, strategy="sync", workers=4, batch_size=4, steps=30, seed=2)
    np.testing.assert_array_equal(a.params, b.params)
    assert np.abs(a.params - c.params).max() > 1e-6


def test_sync_on_a_function_every_worker_computes_the_full_gradient():
    p = prob("rosenbrock")
    o = gdviz.optimizer("gd", lr=1e-3)
    ref = gdviz.run(p, o, steps=200)
    for K in (1, 2, 7):
        rec = parallel.train(p, o, strategy="sync", workers=K, steps=200)
        close(rec.params, ref.params, 1e-12)
        assert rec.grad_evals[-1] == 200 * K


def test_sync_full_batch_equals_full_gradient_descent():
    p, o = linear(), gdviz.optimizer("gd", lr=0.1)
    ref = gdviz.run(p, o, steps=50)
    rec = parallel.train(p, o, strategy="sync", workers=5, steps=50)
    close(rec.params, ref.params)


def test_record_is_a_record_with_a_simulated_clock_and_events():
    p, o = linear(), gdviz.optimizer("gd", lr=0.05)
    rec = parallel.train(p, o, strategy="sync", workers=3, batch_size=8, steps=20, sample_seconds=1e-3)
    assert isinstance(rec, Record) and rec.strategy == "sync" and rec.workers == 3
    assert rec.time.shape == (21,) and rec.time[0] == 0 and np.all(np.diff(rec.time) > 0)
    assert rec.diverged is None and rec.stop_reason == "steps"
    assert gdviz.first_below(rec, rec.loss[0]) is not None  # the run helpers read it
    ev = rec.events
    assert set(np.unique(ev.worker)) == {0, 1, 2}
    assert np.all(ev.end > ev.start)
    # every worker is busy (computing, idle or communicating) for the whole run, never twice at once
    for k in range(3):
        iv = ev.of(k)
        iv = iv[np.argsort(iv[:, 0], kind="stable")]
        assert np.all(iv[1:, 0] >= iv[:-1, 1] - 1e-15)
        close(np.sum(iv[:, 1] - iv[:, 0]), rec.time[-1], 1e-12)
    # compute of b samples + the ring all-reduce per step
    tm = parallel.time_model()
    N = 8 * p.n_params
    per_step = 1e-5 + 8 * 1e-3 + theory.ring_allreduce_seconds(3, N, tm.network.bandwidth, tm.network.latency)
    close(np.diff(rec.time), per_step, 1e-12)
    close(rec.comm_share, theory.ring_allreduce_seconds(3, N, 1.25e9, 50e-6) / per_step, 1e-12)


def test_sync_linear_scaling_and_warmup():
    p, K = linear(), 4
    base = gdviz.optimizer("gd", lr=0.01)
    rec = parallel.train(p, base, strategy="sync", workers=K, batch_size=8, steps=30, scale_lr=True, seed=2)
    ref = gdviz.run(p, gdviz.optimizer("gd", lr=0.04), steps=30, batch_size=32, seed=2)
    close(rec.params, ref.params)
    close(rec.lr, 0.04, 1e-15)
    warm = parallel.train(
        p, base, strategy="sync", workers=K, batch_size=8, steps=30, scale_lr=True, warmup=10
    )
    close(warm.lr, 0.04 * np.minimum(1, np.arange(1, 31) / 10), 1e-15)
    # the warm-up is the lr schedule of a single run with those learning rates
    sched = gdviz.run(
        p, gdviz.optimizer("gd", lr=lambda t: 0.04 * min(1.0, (t + 1) / 10)), steps=30, batch_size=32
    )
    close(warm.params, sched.params)


@pytest.mark.parametrize("spec", ["iid", "label", ("feature", 0)])
def test_fixed_shards_partition_the_data(spec):
    p = logistic()
    K = 4
    rec = parallel.train(p, gdviz.optimizer("gd", lr=0.1), strategy="sync", workers=K, steps=40, shards=spec)
    # full local batches over a partition: the average is the full gradient, whatever the split
    ref = gdviz.run(p, gdviz.optimizer("gd", lr=0.1), steps=40)
    close(rec.params, ref.params)
    rng = np.random.default_rng(0)
    from gdviz.parallel.shards import make_shards

    shards = make_shards(p, K, spec, rng)
    joined = np.sort(np.concatenate(shards))
    np.testing.assert_array_equal(joined, np.arange(p.n_samples))
    if spec == "label":
        # sorted by class: the first shard is all class 0, the last all class 1
        assert set(p.y[shards[0]]) == {0.0} and set(p.y[shards[-1]]) == {1.0}
    if spec == ("feature", 0):
        assert p.X[shards[0], 0].max() <= p.X[shards[1], 0].min()
    again = make_shards(p, K, spec, np.random.default_rng(0))
    assert all(np.array_equal(a, b) for a, b in zip(shards, again, strict=True))


def test_non_iid_shards_with_mini_batches_differ_from_iid():
    p, o = logistic(), gdviz.optimizer("gd", lr=0.5)
    iid = parallel.train(p, o, strategy="sync", workers=4, batch_size=5, steps=40, shards="iid")
    lab = parallel.train(p, o, strategy="sync", workers=4, batch_size=5, steps=40, shards="label")
    assert np.abs(iid.params - lab.params).max() > 1e-3
    assert iid.samples_seen[-1] == lab.samples_seen[-1] == 40 * 20


# --- 2. accumulate ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("make", "K", "m", "b"), [(linear, 1, 4, 6), (linear, 2, 3, 7), (mlp, 1, 3, 10)])
def test_accumulate_equals_single_run_with_m_times_b(make, K, m, b):
    p, o = make(), gdviz.optimizer("momentum", lr=0.02)
    rec = parallel.train(p, o, strategy="accumulate", workers=K, accumulate=m, batch_size=b, steps=40, seed=4)
    ref = gdviz.run(p, o, steps=40, batch_size=K * m * b, seed=4)
    close(rec.params, ref.params)
    close(rec.loss, ref.loss)
    assert rec.grad_evals[-1] == 40 * K * m


def test_accumulate_communicates_once_per_m_micro_batches():
    p, o = linear(), gdviz.optimizer("gd", lr=0.05)
    kw = dict(batch_size=4, steps=10, sample_seconds=1e-4, network="wifi")
    acc = parallel.train(p, o, strategy="accumulate", workers=2, accumulate=4, **kw)
    sync = parallel.train(p, o, strategy="sync", workers=8, **kw)
    close(acc.params, sync.params)  # the same global batch of 32 …
    comm_acc = acc.events.busy("communicate").sum()
    comm_sync = sync.events.busy("communicate").sum()
    assert comm_acc < comm_sync / 4  # … with 2 workers talking instead of 8
    wifi = parallel.NETWORKS["wifi"]
    ring = 2 * wifi.latency + 8 * p.n_params / wifi.bandwidth  # K = 2: 2(K−1)α + 2(K−1)/K·N/β
    close(np.diff(acc.time), 4 * (1e-5 + 4 * 1e-4) + ring, 1e-12)


# --- 3. async: stale gradients ----------------------------------------------------------------------
def test_async_equal_workers_take_turns_and_are_k_minus_1_stale():
    p, o = linear(), gdviz.optimizer("gd", lr=0.02)
    K = 4
    rec = parallel.train(p, o, strategy="async", workers=K, batch_size=4, steps=40)
    np.testing.assert_array_equal(rec.staleness[:K], np.arange(K))
    assert np.all(rec.staleness[K:] == K - 1)
    assert np.all(np.diff(rec.time) >= 0)
    pushes = [rec.events.of(k, "compute").shape[0] for k in range(K)]
    assert pushes == [10, 10, 10, 10]


def test_async_gradient_is_taken_at_the_stale_parameters():
    p = prob("rosenbrock")
    rec = parallel.train(
        p, gdviz.optimizer("gd", lr=2e-4), strategy="async", workers=3, steps=60, speeds=[1.0, 2.5, 0.7]
    )
    assert len(set(rec.staleness.tolist())) > 2  # unequal speeds: staleness varies
    for k in range(60):
        close(rec.grad[k], p.grad(rec.params[k - rec.staleness[k]]), 1e-13)
    # the fast worker pushes most often
    pushes = [rec.events.of(k, "compute").shape[0] for k in range(3)]
    assert pushes[1] > pushes[0] > pushes[2]


def test_async_with_one_worker_is_the_single_run():
    p, o = logistic(), gdviz.optimizer("adam", lr=0.05)
    rec = parallel.train(p, o, strategy="async", workers=1, batch_size=10, steps=50, seed=3)
    ref = gdviz.run(p, o, steps=50, batch_size=10, seed=3)
    close(rec.params, ref.params)
    assert np.all(rec.staleness == 0) and rec.comm_share == 0


def test_staleness_aware_lr_divides_by_tau():
    p, o = prob("quadratic"), gdviz.optimizer("gd", lr=0.1)
    rec = parallel.train(p, o, strategy="async", workers=3, steps=20, staleness_lr=True)
    close(rec.lr, 0.1 / np.maximum(1, rec.staleness), 1e-15)
    x = rec.params
    for k in range(20):
        close(x[k + 1], x[k] - rec.lr[k] * p.grad(x[k - rec.staleness[k]]), 1e-13)


@pytest.mark.parametrize("tau", [1, 2, 3, 4])
def test_delay_limit_separates_stable_from_unstable_async_runs(tau):
    # K = τ+1 equal workers: x_{t+1} = x_t − a·x_{t−τ} on the isotropic bowl (λ = 1, so a = η)
    p = prob("quadratic", condition=1.0)
    lim = theory.delay_limit(tau)
    below = parallel.train(
        p, gdviz.optimizer("gd", lr=0.97 * lim), strategy="async", workers=tau + 1, steps=2000
    )
    assert below.diverged is None and below.loss[-1] < 1e-6 * below.loss[0]
    with np.errstate(over="ignore"):
        above = parallel.train(
            p, gdviz.optimizer("gd", lr=1.03 * lim), strategy="async", workers=tau + 1, steps=2000
        )
    assert above.diverged is not None or above.loss[-1] > 1e6 * above.loss[0]


def test_delay_limit_values():
    close([theory.delay_limit(t) for t in (0, 1, 2)], [2.0, 1.0, (math.sqrt(5) - 1) / 2], 1e-14)
    # the root of z^{τ+1} − z^τ + a on the unit circle at the limit
    for tau in range(1, 6):
        roots = np.roots([1.0, -1.0] + [0.0] * (tau - 1) + [theory.delay_limit(tau)])
        close(np.abs(roots).max(), 1.0, 1e-9)


# --- 4. local SGD / FedAvg --------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, kw_only=True)
class Clients(Problem):
    """Sample i has loss ½aᵢ(x − cᵢ)²: a client owning samples with one (a, c) is fᵢ."""

    a: np.ndarray = field(default_factory=lambda: np.zeros(1))
    c: np.ndarray = field(default_factory=lambda: np.zeros(1))

    def _terms(self, x, a, c):
        r = x - c
        return np.mean(0.5 * a * r * r, axis=-1), np.mean(a * r, axis=-1, keepdims=True)

    def loss_and_grad(self, params):
        x = np.asarray(params, dtype=float)
        return self._terms(x, self.a, self.c)

    def batch_loss_and_grad(self, params, idx):
        return self._terms(params, self.a[idx], self.c[idx])


def clients(a, c, n):
    a, c = np.repeat(a, n), np.repeat(c, n)
    shards = np.split(np.arange(a.size), np.cumsum(n)[:-1])
    p = Clients(
        name="clients",
        param_names=("x",),
        description="",
        window=((-1, 1), (-1, 1)),
        start=np.array([5.0]),
        n_samples=a.size,
        a=a,
        c=c,
    )
    return p, shards


@pytest.mark.parametrize(("H", "n"), [(1, [1, 1, 1]), (5, [1, 1, 1]), (5, [3, 1, 2]), (20, [2, 5, 1])])
def test_local_gd_settles_at_the_fedavg_fixed_point(H, n):
    a, c, lr = np.array([1.0, 4.0, 0.5]), np.array([-1.0, 2.0, 3.0]), 0.2
    p, shards = clients(a, c, n)
    rec = parallel.train(
        p,
        gdviz.optimizer("gd", lr=lr),
        strategy="local",
        workers=3,
        local_steps=H,
        steps=60 * H,
        shards=shards,
    )
    want = theory.fedavg_fixed_point(a, c, lr, H, n)
    close(rec.params[-1, 0], want, 1e-10)
    w = np.asarray(n) * (1 - (1 - lr * a) ** H)
    close(want, w @ c / w.sum(), 1e-15)
    if H > 1:  # client drift: not the minimiser of the average loss
        assert abs(want - np.dot(np.asarray(n) * a, c) / np.dot(n, a)) > 1e-2
    assert rec.synced[::H].all() and (H == 1 or not rec.synced[1])


def test_local_one_step_rounds_with_full_shards_are_full_batch_gd():
    p, o = logistic(), gdviz.optimizer("gd", lr=0.5)
    rec = parallel.train(p, o, strategy="local", workers=4, local_steps=1, steps=40, shards="label")
    close(rec.params, gdviz.run(p, o, steps=40).params)


def test_local_communicates_once_per_round():
    p, o = linear(), gdviz.optimizer("gd", lr=0.05)
    rec = parallel.train(
        p, o, strategy="local", workers=4, local_steps=5, batch_size=4, steps=20, network="wifi"
    )
    steps_time = np.diff(rec.time)
    comm = parallel.time_model(network="wifi").allreduce(4, 8 * p.n_params)
    compute = 1e-5 + 4e-6
    close(steps_time[np.arange(20) % 5 != 4], compute, 1e-12)
    close(steps_time[4::5], compute + comm, 1e-12)
    close(rec.bits[4::5], 4 * 64 * p.n_params, 0)
    assert np.all(rec.bits[np.arange(20) % 5 != 4] == 0)


# --- 5. compression -----------------------------------------------------------------------------------
def _unbiased(comp, g, rows=40_000, seed=0):
    sent = comp.apply(np.broadcast_to(g, (rows, g.size)).copy(), np.random.default_rng(seed))
    mean, se = sent.mean(axis=0), sent.std(axis=0) / math.sqrt(rows)
    assert np.all(np.abs(mean - g) <= 5 * se + 1e-12), (mean, g, se)
    return sent


def test_qsgd_is_unbiased_on_its_levels_and_within_its_variance_bound():
    g = np.array([0.3, -1.2, 0.05, 2.0, 0.0, -0.7])
    for s in (1, 2, 7):
        sent = _unbiased(parallel.compressor("qsgd", s=s), g)
        norm = np.linalg.norm(g)
        levels = np.abs(sent) / norm * s
        close(levels, np.round(levels), 1e-12)
        assert np.all(sent[:, 4] == 0) and np.all(
            np.sign(sent[:, [0, 1, 2, 3, 5]]) * np.sign(g[[0, 1, 2, 3, 5]]) >= 0
        )
        var = np.mean(np.sum((sent - g) ** 2, axis=1))
        assert var <= theory.qsgd_variance_bound(g.size, s) * norm**2 * 1.05


def test_random_k_scaled_is_unbiased_and_top_k_keeps_the_largest():
    g = np.array([0.3, -1.2, 0.05, 2.0, -0.7])
    sent = _unbiased(parallel.compressor("randk", k=2), g)
    assert np.all(np.count_nonzero(sent, axis=1) == 2)
    top = parallel.compressor("topk", k=2).apply(g[None], np.random.default_rng(0))[0]
    np.testing.assert_array_equal(top, [0, -1.2, 0, 2.0, 0])
    sign = parallel.compressor("sign").apply(g[None], np.random.default_rng(0))[0]
    close(sign, np.mean(np.abs(g)) * np.sign(g), 1e-15)


@pytest.mark.parametrize("spec", [("topk", {"k": 2}), ("randk", {"k": 3}), ("sign", {}), ("qsgd", {"s": 2})])
def test_error_feedback_residual_identity(spec):
    from gdviz.parallel.compression import compress

    comp = parallel.compressor(spec[0], **spec[1])
    rng = np.random.default_rng(1)
    residual = np.zeros((3, 6))
    for _ in range(20):
        g = rng.standard_normal((3, 6))
        sent, new = compress(comp, g, residual, rng)
        close(sent + new, g + residual, 1e-14)
        residual = new
    assert np.abs(residual).max() > 0


def test_bits_per_message():
    P = 1000
    assert parallel.compressor("none").bits(P) == 64 * P
    assert parallel.compressor("topk", k=10).bits(P) == 10 * (64 + 10)  # ⌈log₂ 1000⌉ = 10 index bits
    assert parallel.compressor("randk", k=10).bits(P) == 10 * (64 + 10)
    assert parallel.compressor("sign").bits(P) == P + 64
    assert parallel.compressor("qsgd", s=4).bits(P) == 64 + P * (1 + 3)  # levels 0…4: 3 bits, 1 sign bit
    assert parallel.compressor("qsgd", s=1).bits(P) == 64 + P * 2


def test_compressed_sync_records_bits_and_error_feedback_recovers_the_optimum():
    p = linear()
    o = gdviz.optimizer("gd", lr=0.1)
    plain = parallel.train(p, o, strategy="sync", workers=4, steps=300)
    top = parallel.compressor("topk", k=1)
    ef = parallel.train(p, o, strategy="sync", workers=4, steps=300, compression=top, error_feedback=True)
    assert np.all(ef.bits == 4 * top.bits(p.n_params))
    assert np.all(plain.bits == 4 * 64 * p.n_params)
    no_ef = parallel.train(p, o, strategy="sync", workers=4, steps=300, compression=top)
    # each worker's own gradient does not vanish at the optimum (only their mean does), so top-1
    # without error feedback stalls; with it the gap shrinks by more than 10×
    assert ef.loss[-1] - p.min_loss < 0.1 * (no_ef.loss[-1] - p.min_loss)
    assert np.abs(ef.params[1:] - plain.params[1:]).max() > 1e-3  # it did compress
    # the same for the scaled sign
    sign_plain = parallel.train(p, o, strategy="sync", workers=4, steps=300, compression="sign")
    sign_ef = parallel.train(
        p, o, strategy="sync", workers=4, steps=300, compression="sign", error_feedback=True
    )
    assert sign_ef.loss[-1] - p.min_loss < 0.1 * (sign_plain.loss[-1] - p.min_loss)
    # the compressed message is what crosses the ring: an all-gather of the smaller message
    close(np.diff(ef.time), 1e-5 + 60 * 1e-6 + 3 * (50e-6 + top.bits(p.n_params) / 8 / 1.25e9), 1e-12)


def test_compression_in_async_and_local():
    p, o = linear(), gdviz.optimizer("gd", lr=0.05)
    q = parallel.compressor("qsgd", s=2)
    a = parallel.train(p, o, strategy="async", workers=3, batch_size=8, steps=50, compression=q, seed=1)
    assert np.all(a.bits == q.bits(p.n_params)) and a.loss[-1] < a.loss[0]
    b = parallel.train(p, o, strategy="async", workers=3, batch_size=8, steps=50, compression=q, seed=1)
    np.testing.assert_array_equal(a.params, b.params)
    loc = parallel.train(
        p,
        o,
        strategy="local",
        workers=3,
        local_steps=4,
        steps=200,
        compression=parallel.compressor("topk", k=1),
        error_feedback=True,
    )
    assert abs(loc.loss[-1] - p.min_loss) < 1e-3


# --- 6. stragglers and backup workers ---------------------------------------------------------------
def test_sync_waits_for_the_slowest_straggler():
    p, o = linear(), gdviz.optimizer("gd", lr=0.05)
    K, mu, steps = 8, 1e-3, 1500
    rec = parallel.train(
        p,
        o,
        strategy="sync",
        workers=K,
        batch_size=2,
        steps=steps,
        straggler=mu,
        network="cores",
        events=False,
    )
    again = parallel.train(
        p,
        o,
        strategy="sync",
        workers=K,
        batch_size=2,
        steps=steps,
        straggler=mu,
        network="cores",
        events=False,
    )
    np.testing.assert_array_equal(rec.time, again.time)
    base = 1e-5 + 2e-6 + parallel.time_model(network="cores").allreduce(K, 8 * p.n_params)
    extra = np.diff(rec.time) - base
    harmonic = sum(1 / i for i in range(1, K + 1))  # E[max of K exponentials] = μ·H_K
    sd = mu * math.sqrt(sum(1 / i**2 for i in range(1, K + 1)))
    assert abs(extra.mean() - mu * harmonic) < 5 * sd / math.sqrt(steps)


def test_backup_workers_average_the_first_k_to_finish():
    p, o = linear(), gdviz.optimizer("gd", lr=0.05)
    K, nb, mu, steps = 6, 2, 1e-3, 1500
    kw = dict(batch_size=2, steps=steps, straggler=mu, network="cores")
    rec = parallel.train(p, o, strategy="sync", workers=K, backups=nb, **kw)
    base = 1e-5 + 2e-6 + parallel.time_model(network="cores").allreduce(K, 8 * p.n_params)
    extra = np.diff(rec.time) - base
    # E[K-th smallest of K+b exponentials] = μ (H_{K+b} − H_b)
    want = mu * sum(1 / i for i in range(nb + 1, K + nb + 1))
    sd = mu * math.sqrt(sum(1 / i**2 for i in range(nb + 1, K + nb + 1)))
    assert abs(extra.mean() - want) < 5 * sd / math.sqrt(steps)
    assert np.all(np.diff(rec.samples_seen) == K * 2)  # only K workers' samples enter each update
    no_backup = parallel.train(p, o, strategy="sync", workers=K, **kw)
    assert rec.time[-1] < no_backup.time[-1]
    # every step the nb slowest are cancelled when the K-th finishes: nb + 1 computations end then,
    # and the K − 1 faster ones wait idle for it
    ev = rec.events
    ends = ev.end[ev.kind == parallel.EVENT_KINDS.index("compute")].reshape(steps, K + nb)
    assert np.all((ends == ends.max(axis=1, keepdims=True)).sum(axis=1) == nb + 1)
    assert np.count_nonzero(ev.kind == parallel.EVENT_KINDS.index("idle")) == steps * (K - 1)


def test_backups_with_one_worker_each_step_uses_the_fastest_gradient():
    p = prob("rosenbrock")
    rec = parallel.train(
        p, gdviz.optimizer("gd", lr=1e-3), strategy="sync", workers=1, backups=3, steps=30, straggler=1e-3
    )
    close(rec.params, gdviz.run(p, gdviz.optimizer("gd", lr=1e-3), steps=30).params, 1e-12)


def test_equal_shards_in_step_give_the_batches_of_each_worker_alone():
    from gdviz.parallel.shards import ShardBatches

    shards = np.array_split(np.random.default_rng(3).permutation(50), 5)  # 10 each: partial batches of 3
    gens = [np.random.default_rng(k) for k in range(5)]
    twins = [np.random.default_rng(k) for k in range(5)]
    together = ShardBatches(shards, 3, gens, True, False)
    alone = ShardBatches(shards, 3, twins, True, False)
    assert together.equal
    for _ in range(12):
        rows = together.next()
        for k in range(5):
            np.testing.assert_array_equal(rows[k], alone.next_of(k))


# --- 7. the clock and speed-up curves -----------------------------------------------------------------
def test_ring_and_parameter_server_formulas():
    net = parallel.Network("test", bandwidth=1e6, latency=1e-3)
    ring = parallel.time_model(network=net, topology="ring")
    ps = parallel.time_model(network=net, topology="ps")
    N = 8000
    for K in (1, 2, 5, 64):
        want = 0.0 if K == 1 else 2 * (K - 1) * 1e-3 + 2 * (K - 1) / K * N / 1e6
        close(ring.allreduce(K, N), want, 1e-15)
        close(ps.allreduce(K, N), 0.0 if K == 1 else 2 * (1e-3 + K * N / 1e6), 1e-15)
    # bandwidth term: the ring's per-worker traffic stays under 2N, the server's grows with K
    assert ring.allreduce(64, 1e9) < 2 * 1e9 / 1e6 + 1 and ps.allreduce(64, 1e9) > 64 * 1e9 / 1e6
    assert set(parallel.NETWORKS) == {"cores", "datacenter", "wifi"}
    lat = [parallel.NETWORKS[n].latency for n in ("cores", "datacenter", "wifi")]
    assert lat == sorted(lat)


def test_parameter_server_sync_step_time():
    p, o = linear(), gdviz.optimizer("gd", lr=0.05)
    rec = parallel.train(
        p, o, strategy="sync", workers=4, batch_size=8, steps=5, topology="ps", network="wifi"
    )
    wifi = parallel.NETWORKS["wifi"]
    close(np.diff(rec.time), 1e-5 + 8e-6 + 2 * (wifi.latency + 4 * 8 * p.n_params / wifi.bandwidth), 1e-12)


def test_speedup_on_a_function_only_pays_for_communication():
    # every worker computes the same full gradient: the steps never change, the all-reduce grows
    p, o = prob("quadratic"), gdviz.optimizer("gd", lr=0.05)
    ks = (1, 2, 4, 8)
    sp = parallel.speedup(p, o, target_loss=1e-3, workers=ks, strategies=("sync",), steps=500, network="wifi")
    steps = gdviz.first_below(gdviz.run(p, o, steps=500), 1e-3)
    assert np.all(sp.steps == steps)
    tm = parallel.time_model(network="wifi")
    want = [steps * (1e-5 + tm.allreduce(K, 16)) for K in ks]
    close(sp.time[0], want, 1e-12)
    close(sp.ideal[0], want[0] / np.array(ks), 1e-12)
    close(sp.speedup[0], want[0] / np.array(want), 1e-12)
    assert sp.comm_share[0, 0] == 0 and np.all(np.diff(sp.comm_share[0]) > 0)


def test_speedup_marks_targets_never_reached():
    p, o = linear(), gdviz.optimizer("gd", lr=0.05)
    sp = parallel.speedup(p, o, target_loss=p.min_loss - 1.0, workers=(1, 2), steps=20, batch_size=4)
    assert np.all(np.isinf(sp.time)) and np.all(sp.speedup == 0) and sp.strategies == parallel.STRATEGIES
    assert np.all(sp.steps == 20)


def test_stop_loss_and_divergence_end_the_record_like_run():
    p = linear()
    rec = parallel.train(
        p, gdviz.optimizer("gd", lr=0.1), strategy="sync", workers=2, steps=500, stop_loss=0.2
    )
    ref = gdviz.run(p, gdviz.optimizer("gd", lr=0.1), steps=500, stop_loss=0.2)
    assert (
        rec.stop_reason == STOP_LOSS
        and rec.steps_done == ref.steps_done
        and rec.time.size == rec.steps_done + 1
    )
    with np.errstate(over="ignore", invalid="ignore"):
        bad = parallel.train(
            p, gdviz.optimizer("gd", lr=50.0), strategy="local", workers=2, local_steps=3, steps=500
        )
        ref = gdviz.run(p, gdviz.optimizer("gd", lr=50.0), steps=500)
    assert bad.stop_reason == STOP_DIVERGED and bad.diverged == bad.steps_done + 1
    assert np.all(np.isfinite(bad.params)) and bad.params.shape[0] == bad.steps_done + 1
    assert ref.diverged is not None


# --- 8. bad input -------------------------------------------------------------------------------------
P_LIN = 3


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"workers": 0}, "workers"),
        ({"workers": limits.MAX_WORKERS + 1}, "workers"),
        ({"workers": 2.5}, "workers"),
        ({"strategy": "ring"}, "strategy"),
        ({"strategy": "local", "local_steps": 0}, "local_steps"),
        ({"strategy": "accumulate", "accumulate": 0}, "accumulate"),
        ({"accumulate": 2}, "accumulate"),
        ({"local_steps": 4}, "local_steps"),
        ({"strategy": "async", "backups": 1}, "backups"),
        ({"workers": 60, "backups": 5}, "backups"),
        ({"compression": parallel.Compressor("topk", k=P_LIN + 1)}, "k"),
        ({"compression": "topk-ish"}, "compressor"),
        ({"compression": 3}, "compression"),
        ({"error_feedback": True}, "error_feedback"),
        ({"network": (0.0, 1e-3)}, "bandwidth"),
        ({"network": (-5.0, 1e-3)}, "bandwidth"),
        ({"network": (1e6, -1.0)}, "latency"),
        ({"network": "lan"}, "network"),
        ({"topology": "tree"}, "topology"),
        ({"straggler": -1.0}, "straggler"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 150}, "global batch"),
        ({"shards": [np.arange(10), np.array([], dtype=int)]}, "shards[1]"),
        ({"shards": [np.arange(10)]}, "shards"),
        ({"shards": "sorted"}, "shards"),
        ({"shards": ("feature", 7)}, "shards feature"),
        ({"shards": "iid", "batch_size": 200}, "batch_size"),
        ({"speeds": [1.0]}, "speeds"),
        ({"speeds": [1.0, 0.0]}, "speeds"),
        ({"staleness_lr": True}, "staleness_lr"),
        ({"strategy": "local", "scale_lr": True}, "scale_lr"),
        ({"warmup": -1}, "warmup"),
        ({"start": [1.0, 2.0]}, "start"),
        ({"seed": -1}, "seed"),
        ({"steps": 0}, "steps"),
    ],
)
def test_bad_arguments_are_named(kwargs, name):
    p = linear()
    call = {"strategy": "sync", "workers": 2, "steps": 5, **kwargs}
    with pytest.raises(ValueError) as err:
        parallel.train(p, gdviz.optimizer("gd", lr=0.1), **call)
    msg = str(err.value)
    assert name in msg, msg
    assert ("must" in msg and "got" in msg) or ("unknown" in msg and "allowed" in msg), msg


def test_more_workers_than_samples_and_data_options_on_functions():
    article = prob("linear_regression")  # four samples
    with pytest.raises(ValueError, match=r"workers must be ≤ the number of samples 4 .*got 5"):
        parallel.train(article, gdviz.optimizer("gd"), strategy="sync", workers=5, steps=3)
    f = prob("rosenbrock")
    for kw in ({"batch_size": 2}, {"shards": "iid"}):
        with pytest.raises(ValueError, match=r"must be None .* got"):
            parallel.train(f, gdviz.optimizer("gd"), strategy="sync", workers=2, steps=3, **kw)
    with pytest.raises(ValueError, match=r"lr must be one number .*got"):
        parallel.train(f, gdviz.optimizer("gd", lr=np.array([0.1, 0.2])), strategy="sync", workers=2, steps=3)


@pytest.mark.parametrize(
    ("name", "options", "arg"),
    [("topk", {"k": 0}, "k"), ("randk", {"k": -1}, "k"), ("qsgd", {"s": 0}, "s"), ("qsgd", {"q": 2}, "q")],
)
def test_bad_compressors(name, options, arg):
    with pytest.raises(ValueError) as err:
        parallel.compressor(name, **options)
    assert arg in str(err.value) and ("got" in str(err.value) or "allowed" in str(err.value))


def test_bad_speedup_arguments():
    p, o = linear(), gdviz.optimizer("gd")
    with pytest.raises(ValueError, match="workers must be ≤ 64"):
        parallel.speedup(p, o, target_loss=0.1, workers=(1, 128))
    with pytest.raises(ValueError, match="unknown strategy"):
        parallel.speedup(p, o, target_loss=0.1, strategies=("sync", "gossip"))
    with pytest.raises(ValueError, match="target_loss must be a finite number"):
        parallel.speedup(p, o, target_loss=float("nan"))


@pytest.mark.parametrize("strategy", parallel.STRATEGIES)
def test_every_strategy_records_the_run_contract(strategy):
    p, o = linear(), gdviz.optimizer("adam", lr=0.05)
    kw = {"accumulate": {"accumulate": 2}, "local": {"local_steps": 3}}.get(strategy, {})
    rec = parallel.train(p, o, strategy=strategy, workers=3, batch_size=4, steps=12, seed=2, **kw)
    ref = gdviz.run(p, o, steps=12, batch_size=4)
    for name in ("params", "loss", "samples_seen", "grad_evals", "epoch", "time"):
        assert getattr(rec, name).shape[0] == 13, name
    for name in ("grad", "batch_loss", "lr", "staleness", "bits", "comm_seconds"):
        assert getattr(rec, name).shape[0] == 12, name
    assert rec.params.shape[1:] == ref.params.shape[1:] and rec.grad.shape[1:] == ref.grad.shape[1:]
    close(rec.loss, [p.loss(x) for x in rec.params], 1e-12)
    assert np.all(np.diff(rec.time) > 0) and np.all(np.diff(rec.samples_seen) > 0)
    close(rec.epoch, rec.samples_seen / p.n_samples, 1e-15)
    assert rec.synced[-1] and 0 < rec.comm_share < 1
    assert rec.events.busy("compute").shape == (3,)
    f = parallel.train(
        prob("rosenbrock"), gdviz.optimizer("gd", lr=1e-4), strategy=strategy, workers=2, steps=4, **kw
    )
    assert np.all(f.samples_seen == 0)


@pytest.mark.parametrize(("shuffle", "replacement"), [(False, False), (True, True)])
def test_sync_follows_the_single_runs_sampling_options(shuffle, replacement):
    p, o = linear(), gdviz.optimizer("gd", lr=0.05)
    kw = dict(batch_size=6, steps=50, seed=7, shuffle=shuffle, replacement=replacement)
    rec = parallel.train(p, o, strategy="sync", workers=3, **kw)
    ref = gdviz.run(p, o, **{**kw, "batch_size": 18})
    close(rec.params, ref.params)


def test_heterogeneous_sync_workers_wait_for_the_slowest():
    p, o = linear(), gdviz.optimizer("gd", lr=0.05)
    speeds = [1.0, 0.5, 2.0]
    rec = parallel.train(
        p, o, strategy="sync", workers=3, batch_size=8, steps=10, speeds=speeds, network="cores"
    )
    compute = (1e-5 + 8e-6) / np.array(speeds)
    comm = parallel.time_model(network="cores").allreduce(3, 8 * p.n_params)
    close(np.diff(rec.time), compute.max() + comm, 1e-12)
    idle = rec.events.busy("idle", workers=3)
    close(idle, 10 * (compute.max() - compute), 1e-12)  # the fast ones wait, the slowest never
    assert idle[1] == 0


def test_accumulate_on_shards_is_sync_with_m_times_the_local_batch():
    # 120 samples per shard, 15 = 3 × 5 divides it: m micro-batches of b are one batch of m·b
    p, o = linear(), gdviz.optimizer("momentum", lr=0.02)
    acc = parallel.train(
        p,
        o,
        strategy="accumulate",
        workers=2,
        accumulate=3,
        batch_size=5,
        steps=40,
        shards="iid",
        scale_lr=True,
    )
    sync = parallel.train(p, o, strategy="sync", workers=2, batch_size=15, steps=40, shards="iid")
    close(acc.lr, 0.02 * 2 * 3, 1e-15)  # the linear scaling rule counts micro-batches
    unscaled = parallel.train(
        p, o, strategy="accumulate", workers=2, accumulate=3, batch_size=5, steps=40, shards="iid"
    )
    close(unscaled.params, sync.params)
    assert acc.grad_evals[-1] == 40 * 2 * 3 and sync.grad_evals[-1] == 40 * 2


@settings(max_examples=25, deadline=None)
@given(
    K=st.integers(1, 6),
    b=st.integers(1, 12),
    seed=st.integers(0, 10_000),
    steps=st.integers(1, 40),
    rule=st.sampled_from(["gd", "momentum", "adam"]),
)
def test_sync_equals_the_single_run_for_any_split(K, b, seed, steps, rule):
    p, o = linear(), gdviz.optimizer(rule, lr=0.03)
    rec = parallel.train(p, o, strategy="sync", workers=K, batch_size=b, steps=steps, seed=seed, events=False)
    ref = gdviz.run(p, o, steps=steps, batch_size=K * b, seed=seed)
    close(rec.params, ref.params)
    assert rec.samples_seen[-1] == ref.samples_seen[-1]


# --- the cost of a parallel run, priced from its recipe (gdviz.serve.parallel_cost) -----------------
BIG = ("named", "linear_regression", {"data": "synthetic", "n": 1_000_000})


def _options(strategy="sync", **kw):
    return {"strategy": strategy, "workers": 4, "steps": 200, "batch_size": 8, "network": "datacenter", **kw}


def test_parallel_cost_prices_the_largest_data_on_its_proxy_without_building_it():
    from gdviz.serve import parallel_cost as pc
    from gdviz.serve import tasks

    tasks.PROBLEMS.clear()
    run = pc.run_estimate(BIG, _options("local", workers=64, batch_size=1, steps=2000, shards="label"))
    build = pc.build_estimate(BIG)
    fixed = pc.fixed_point_estimate(BIG, workers=64, shards="label")
    assert tasks.recipe_key(BIG) not in tasks.PROBLEMS
    assert tasks.recipe_key(pc.proxy_recipe(BIG)) in tasks.PROBLEMS
    assert pc.proxy(BIG).n_samples == pc.PROXY_SAMPLES
    for est, name in ((run, "scale"), (build, "problem"), (fixed, "fixed_point")):
        assert est.seconds > 0 and est.parts == ((name, est.seconds),)
    # the data's bytes: 10⁶ samples × 3 columns, and their copies while fitting
    assert 50 * 2**20 < build.bytes < 200 * 2**20
    with pytest.raises(ValueError, match="recipe must be a named problem"):
        pc.proxy_recipe(("arrays", "linear", np.zeros((3, 1)), np.zeros(3), {}, "digest"))


def test_parallel_cost_grows_with_the_work_it_prices():
    from gdviz.serve import parallel_cost as pc

    recipe = ("named", "linear_regression", {"data": "synthetic", "n": 100_000})
    est = functools.partial(pc.run_estimate, recipe)
    base = est(_options()).seconds
    assert est(_options(steps=400)).seconds > 1.5 * base  # updates dominate at this size
    assert est(_options(batch_size=256)).seconds > est(_options()).seconds
    assert est(_options("accumulate", accumulate=16)).seconds > base
    # the timeline is memory, not much time; a run without it holds less
    assert est(_options(), events=False).bytes < est(_options()).bytes
    # sorting 10⁵ samples into shards is paid at the start of every run
    assert est(_options(shards="label")).seconds > base
    # only least squares has the fixed point (elsewhere the theory returns at once)
    logistic_recipe = ("named", "logistic_regression", {})
    assert pc.fixed_point_estimate(logistic_recipe, workers=4).seconds == 0


@pytest.mark.parametrize("strategy", parallel.STRATEGIES)
def test_parallel_cost_probes_every_strategy_and_option_on_the_smallest_data(strategy):
    """The loop probe runs the simulation itself on the proxy at 64 pieces: on the moons' 150 samples
    with backups, sorted shards, stragglers and compression it must fit as the page's runs do."""
    from gdviz.serve import parallel_cost as pc

    recipe = ("named", "mlp", {"dataset": "moons", "n": 200, "hidden": (8,)})
    own = {"accumulate": {"accumulate": 2, "backups": 2}, "sync": {"backups": 2}, "local": {"local_steps": 4}}
    opts = _options(
        strategy,
        batch_size=1,
        shards="label",
        compression=("topk", (("k", 1),)),
        error_feedback=True,
        straggler=1e-5,
        **own.get(strategy, {}),
    )
    assert pc.run_estimate(recipe, opts).seconds > 0
