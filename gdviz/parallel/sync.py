"""Synchronous data parallelism: every step all K workers compute a gradient at the same parameters,
the average goes to every worker, the step waits for the slowest.

``accumulate=m``: each worker adds up m micro-batches before the average (what a GPU short of memory
does), one communication per m·b samples. ``backups=b``: K+b workers compute and the first K to
finish are averaged, the rest are cancelled (Chen et al. 2016, "Revisiting distributed synchronous
SGD"): the step waits for the K-th fastest instead of the slowest.
"""

from __future__ import annotations

import numpy as np

from gdviz.parallel.compression import compress
from gdviz.parallel.config import Setup
from gdviz.parallel.record import EventLog, Trace
from gdviz.parallel.shards import ShardBatches, SharedBatches, by_worker, piece_grads
from gdviz.parallel.timing import model_bytes


def run_sync(s: Setup) -> tuple[Trace, EventLog]:
    problem, K, W, m = s.problem, s.workers, s.total_workers, s.accumulate
    P = problem.n_params
    _, clock, comp_rng, gens = s.streams
    trace = Trace(problem, s.theta0, s.stop_loss)
    log = EventLog(s.events)
    if not problem.has_data:
        data = None
    elif s.shards is None:
        data = SharedBatches(problem.n_samples, s.batch_size, W * m, s.seed, s.shuffle, s.replacement)
    else:
        data = ShardBatches(s.shards, s.batch_size, gens, s.shuffle, s.replacement)
    owner = np.repeat(np.arange(W), m)
    comp = s.compression
    residual = np.zeros((W, P)) if comp is not None and s.error_feedback else None
    N = model_bytes(P)
    msg_bits = comp.bits(P) if comp is not None else 8.0 * N
    comm = s.time.allreduce(K, N, None if comp is None else msg_bits / 8)
    tm, opt, speeds = s.time, s.opt, s.speeds
    all_w = np.arange(W)
    theta = s.theta0[None].copy()
    rows = np.empty((W * m, P))  # every piece's copy of the parameters, refilled each step
    # The usual step (equal pieces, no backups, no compression, no stragglers) has the same clock
    # every time and needs none of the bookkeeping for short or dropped workers: computed once.
    plain = m == 1 and not s.backups and comp is None and tm.straggler == 0
    b_full = s.batch_size if data is not None else 0
    c_plain = tm.compute(np.full(W, b_full or 0)) / speeds
    c_plain_end = float(c_plain.max())
    with np.errstate(all="ignore"):
        state = opt.init(theta)
        for k in range(s.steps):
            if trace.done:
                break
            if data is None:
                pieces = None
            elif isinstance(data, SharedBatches):
                pieces = data.next()
            else:
                pieces = data.next(m)
            rows[:] = theta
            losses, grads, sizes = piece_grads(problem, rows, pieces)
            if plain and (pieces is None or (isinstance(pieces, np.ndarray) and pieces.shape[1] == b_full)):
                # W pieces of b: the size-weighted mean is the plain mean, the clock the usual one
                c, chosen, used, c_end = c_plain, all_w, all_w, c_plain_end
                n_used = float(sizes.sum())
                agg = grads.sum(axis=0) / W
                lsums, n_loss = losses, W
            else:
                if m == 1:
                    sums, counts, lsums = grads * sizes[:, None], sizes, losses * sizes
                else:
                    sums, counts = by_worker(grads, sizes, owner, W)
                    lsums, _ = by_worker(losses, sizes, owner, W)
                # a worker's m micro-batches run one after the other; then its straggler delay
                work = sizes if data is not None else 0.0 * sizes  # a function costs step_seconds only
                c = tm.compute(work).reshape(W, m).sum(axis=1) / speeds + tm.delays(clock, W)
                if s.backups:
                    chosen = np.sort(np.argsort(c, kind="stable")[:K])
                    c_end = float(c[chosen].max())
                else:
                    chosen = all_w
                    c_end = float(c.max())
                used = chosen[counts[chosen] > 0]  # a worker left without samples (epoch end) sends nothing
                n_used = n_loss = counts[used].sum()
                lsums = lsums[used]
                if comp is None:
                    agg = sums[used].sum(axis=0) / n_used
                else:
                    local = sums[used] / counts[used, None]
                    sent, new_res = compress(
                        comp, local, None if residual is None else residual[used], comp_rng
                    )
                    if residual is not None:
                        residual[used] = new_res
                    agg = (counts[used, None] * sent).sum(axis=0) / n_used
            batch_loss = float(lsums.sum() / n_loss)
            f = s.factor[k]
            upd, state = opt.update(agg[None], state, theta)
            new = theta + (upd if f == 1.0 else f * upd)
            t0 = trace.t
            t_done = t0 + c_end
            t1 = t_done + comm
            log.add_round(t0, c, c_end, t1, None if chosen is all_w else np.isin(all_w, chosen))
            ok = trace.step(
                new[0],
                agg,
                batch_loss,
                s.lr[k] * f,
                samples=int(n_used) if data is not None else 0,
                evals=int(m * used.size),
                t=t1,
                bits=msg_bits * used.size,
                comm=comm * K,
            )
            theta = new
            if not ok:
                break
    return trace, log
