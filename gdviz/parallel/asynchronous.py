"""Asynchronous SGD with a parameter server (Hogwild-style, Dean et al. 2012): no worker waits for
another. Each one pulls the parameters, computes a gradient, pushes it, and the server applies it at
once to whatever the parameters have become since, so the gradient is *stale* by τ updates.

An event simulation in simulated seconds: the worker whose push arrives first is served first (ties
by worker index, so K equal workers take turns and, after the first round, every update is exactly
K − 1 stale: the delayed iteration ``x_{t+1} = x_t − η∇f(x_{t−τ})`` that ``theory.delay_limit``
solves). The server's link is full duplex, pushes and pulls each queue on their direction.
``staleness_lr``: the server divides the lr by max(1, τ) (Zhang et al. 2016, staleness-aware ASGD).
"""

from __future__ import annotations

import heapq

import numpy as np

from gdviz.parallel.compression import compress
from gdviz.parallel.config import Setup
from gdviz.parallel.record import COMMUNICATE, COMPUTE, EventLog, Trace
from gdviz.parallel.shards import ShardBatches, SharedBatches, piece_grads
from gdviz.parallel.timing import model_bytes


def run_async(s: Setup) -> tuple[Trace, EventLog]:
    problem, K = s.problem, s.workers
    P = problem.n_params
    _, clock, comp_rng, gens = s.streams
    trace = Trace(problem, s.theta0, s.stop_loss)
    log = EventLog(s.events)
    if not problem.has_data:
        data = None
    elif s.shards is None:
        data = SharedBatches(problem.n_samples, s.batch_size, 1, s.seed, s.shuffle, s.replacement)
    else:
        data = ShardBatches(s.shards, s.batch_size, gens, s.shuffle, s.replacement)

    def draw(k: int):
        if data is None:
            return None
        idx = data.next()[0] if isinstance(data, SharedBatches) else data.next_of(k)
        return idx[None]  # one piece, (1, b)

    comp = s.compression
    residual = np.zeros((K, P)) if comp is not None and s.error_feedback else None
    N = model_bytes(P)
    msg_bits = comp.bits(P) if comp is not None else 8.0 * N
    net = s.time.network
    up = 0.0 if K == 1 else (msg_bits / 8) / net.bandwidth  # a single worker is its own server
    down = 0.0 if K == 1 else N / net.bandwidth
    lat = 0.0 if K == 1 else net.latency
    tm, opt = s.time, s.opt

    theta = s.theta0[None].copy()
    pulled = [theta.copy() for _ in range(K)]
    pulled_at = np.zeros(K, dtype=np.int64)
    batch = [None] * K
    started = np.zeros(K)
    queue = []
    for k in range(K):
        batch[k] = draw(k)
        size = 0 if batch[k] is None else batch[k].shape[1]
        c = float(tm.compute(size, s.speeds[k]) + tm.delays(clock, 1)[0])
        heapq.heappush(queue, (c, k))
    up_free = down_free = 0.0
    version = 0
    with np.errstate(all="ignore"):
        state = opt.init(theta)
        for step in range(s.steps):
            if trace.done:
                break
            finish, k = heapq.heappop(queue)
            loss, g, sizes = piece_grads(problem, pulled[k], batch[k])
            if comp is not None:
                g, new_res = compress(comp, g, None if residual is None else residual[k : k + 1], comp_rng)
                if residual is not None:
                    residual[k] = new_res[0]
            push_start = max(finish, up_free)
            up_free = push_start + up
            arrival = up_free + lat
            tau = version - int(pulled_at[k])
            f = s.factor[step] / max(1, tau) if s.staleness_lr else s.factor[step]
            upd, state = opt.update(g, state, theta)
            new = theta + (upd if f == 1.0 else f * upd)
            pull_start = max(arrival, down_free)
            down_free = pull_start + down
            ready = down_free + lat
            log.add(k, COMPUTE, started[k], finish)
            log.add(k, COMMUNICATE, finish, ready)
            ok = trace.step(
                new[0],
                g[0],
                float(loss[0]),
                s.lr[step] * f,
                samples=int(sizes[0]) if batch[k] is not None else 0,
                evals=1,
                t=arrival,
                bits=msg_bits,
                stale=tau,
                comm=ready - finish,
            )
            if not ok:
                break
            theta = new
            version += 1
            pulled[k] = theta.copy()
            pulled_at[k] = version
            batch[k] = draw(k)
            size = 0 if batch[k] is None else batch[k].shape[1]
            started[k] = ready
            c = float(tm.compute(size, s.speeds[k]) + tm.delays(clock, 1)[0])
            heapq.heappush(queue, (ready + c, k))
    return trace, log
