"""Local SGD / federated averaging (McMahan et al. 2017): every worker takes H steps on its own
shard with its own optimizer state, then the models are averaged, weighted by shard size n_k.

The record's state at every local step is the weighted average of the workers' current models (what
an observer averaging them would see); at the end of a round (every H steps, and the last step) it
is the model every worker continues from (``synced``). Each worker's optimizer state (momentum,
Adam's moments) stays local across rounds, as in local SGD with local momentum. With compression,
what is sent is each worker's change since the round began (error feedback per worker).

On clients fᵢ = ½aᵢ(x − cᵢ)² with local GD, one round maps x to Σ nᵢ(cᵢ + (1−ηaᵢ)^H (x − cᵢ)) / Σ nᵢ,
whose fixed point is not the minimiser of Σ nᵢ fᵢ but Σ nᵢwᵢcᵢ / Σ nᵢwᵢ with wᵢ = 1 − (1 − ηaᵢ)^H
(client drift; ``theory.fedavg_fixed_point``).
"""

from __future__ import annotations

import numpy as np

from gdviz.parallel.compression import compress
from gdviz.parallel.config import Setup
from gdviz.parallel.record import COMMUNICATE, COMPUTE, IDLE, EventLog, Trace
from gdviz.parallel.shards import ShardBatches, piece_grads
from gdviz.parallel.timing import model_bytes


def run_local(s: Setup) -> tuple[Trace, EventLog]:
    problem, K, H = s.problem, s.workers, s.local_steps
    P = problem.n_params
    _, clock, comp_rng, gens = s.streams
    trace = Trace(problem, s.theta0, s.stop_loss)
    log = EventLog(s.events)
    if problem.has_data:
        data = ShardBatches(s.shards, s.batch_size, gens, s.shuffle, s.replacement)
        n_k = np.array([sh.size for sh in s.shards], dtype=float)
    else:
        data = None
        n_k = np.ones(K)
    weight = n_k / n_k.sum()
    comp = s.compression
    residual = np.zeros((K, P)) if comp is not None and s.error_feedback else None
    N = model_bytes(P)
    msg_bits = comp.bits(P) if comp is not None else 8.0 * N
    comm = s.time.allreduce(K, N, None if comp is None else msg_bits / 8)
    tm, opt = s.time, s.opt
    workers = np.arange(K)
    thetas = np.repeat(s.theta0[None], K, axis=0)
    anchor = s.theta0.copy()  # the model of the round's start
    busy = np.zeros(K)  # each worker's compute seconds since the round began
    round_start = 0.0
    with np.errstate(all="ignore"):
        state = opt.init(thetas)
        for k in range(s.steps):
            if trace.done:
                break
            pieces = None if data is None else data.next()
            losses, grads, sizes = piece_grads(problem, thetas, pieces)
            upd, state = opt.update(grads, state, thetas)
            f = s.factor[k]
            thetas = thetas + (upd if f == 1.0 else f * upd)
            work = sizes if data is not None else 0.0 * sizes  # a function costs step_seconds only
            c = tm.compute(work) / s.speeds + tm.delays(clock, K)
            log.add(workers, COMPUTE, round_start + busy, round_start + busy + c)
            busy = busy + c
            synced = (k + 1) % H == 0 or k == s.steps - 1
            sent_comm = 0.0
            if synced:
                if comp is None:
                    avg = weight @ thetas
                else:
                    delta = thetas - anchor
                    sent, new_res = compress(comp, delta, residual, comp_rng)
                    residual = new_res
                    avg = anchor + weight @ sent
                t_done = round_start + busy.max()
                t = t_done + comm
                log.add(workers, IDLE, round_start + busy, t_done)
                log.add(workers, COMMUNICATE, t_done, t)
                thetas = np.repeat(avg[None], K, axis=0)
                anchor = avg.copy()
                round_start, busy = t, np.zeros(K)
                model, sent_comm = avg, comm * K
            else:
                model = weight @ thetas
                t = round_start + busy.max()
            ok = trace.step(
                model,
                weight @ grads,
                float(weight @ losses),
                s.lr[k] * f,
                samples=int(sizes.sum()) if data is not None else 0,
                evals=K,
                t=t,
                bits=msg_bits * K if synced else 0.0,
                comm=sent_comm,
                synced=synced,
            )
            if not ok:
                break
    return trace, log
