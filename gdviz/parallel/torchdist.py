"""The real engine: the same sync and local SGD runs on K processes talking through
``torch.distributed`` (gloo, localhost), to show that the simulation computes what a real
distributed job computes.

Each process is one worker: it draws its batches with the simulator's own samplers and seeds (a
shared permutation cut into pieces, or its shard), computes its gradient with the problem's NumPy
code (the problem is the model: a torch copy of it would test torch's autograd, not distribution),
and from then on everything is torch's: an ``all_reduce`` of the size-weighted gradient sums (sync)
or of the shard-weighted parameters after every H steps (local), and ``torch.optim.SGD`` (plain,
momentum, Nesterov, weight decay) for the update, in float64. Rank 0 keeps the states.

``under_torchrun`` is the same worker started by ``torchrun`` instead (``gdviz distributed``),
on one machine or several.

Starting a process that imports torch takes seconds, so :func:`train_all` runs many jobs on one
launch of max(K) processes: a job of K workers runs on ranks 0…K−1 in a group of its own while the
others wait for the next job.

torch is optional for gdviz: it is imported inside the functions only, so importing this module
costs nothing (tests/test_layers.py checks the core imports NumPy only).
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from gdviz import limits
from gdviz.errors import check_choice, check_number, given
from gdviz.optim import Optimizer
from gdviz.parallel.config import streams
from gdviz.parallel.shards import ShardBatches, SharedBatches, make_shards
from gdviz.problems.base import Problem

# Real processes on a shared machine: a handful shows the point without starving it.
MAX_PROCESSES = 8
STRATEGIES = ("sync", "local")


def available() -> bool:
    """torch with gloo can be imported (without importing it)."""
    return importlib.util.find_spec("torch") is not None


class RealRun(NamedTuple):
    """``params[i]`` is the model after ``steps[i]`` updates (every update for sync, every round's
    average for local SGD, always 0 and the last); ``seconds`` the wall time of the whole job."""

    params: np.ndarray
    steps: np.ndarray
    seconds: float


@dataclass(frozen=True)
class _Job:
    problem: Problem
    strategy: str
    workers: int
    steps: int
    batch_size: int | None
    seed: int
    local_steps: int
    shards: object
    start: np.ndarray
    hyper: dict


@dataclass(frozen=True)
class _Launch:
    jobs: tuple[_Job, ...]
    world: int
    url: str
    out: str
    timeout: float


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _job(
    problem: Problem,
    optimizer: Optimizer,
    *,
    strategy: str,
    workers: int,
    steps: int,
    batch_size: int | None = None,
    seed: int = 0,
    local_steps: int = 1,
    shards=None,
    start=None,
    max_workers: int = MAX_PROCESSES,
) -> _Job:
    check_choice("strategy", strategy, STRATEGIES)
    if not isinstance(optimizer, Optimizer) or optimizer.name != "sgd" or callable(optimizer.hyper["lr"]):
        raise ValueError(
            "optimizer must be SGD with a constant lr (sgd, gd, momentum, nesterov) for the real engine, "
            f"got {given(getattr(optimizer, 'label', optimizer))}"
        )
    K = check_number("workers", workers, lo=1, hi=max_workers, integer=True)
    # The simulator checks everything else (one cheap step), and gives the start point.
    from gdviz.parallel import train as simulate

    sim = simulate(
        problem,
        optimizer,
        strategy=strategy,
        workers=K,
        steps=1,
        batch_size=batch_size,
        seed=seed,
        local_steps=local_steps,
        shards=shards,
        start=start,
        events=False,
    )
    steps = check_number("steps", steps, lo=1, hi=20_000, integer=True)
    hyper = {k: v if isinstance(v, bool) else float(v) for k, v in optimizer.hyper.items()}
    return _Job(
        problem, strategy, K, steps, batch_size, seed, local_steps, shards, np.array(sim.params[0]), hyper
    )


def train(problem: Problem, optimizer: Optimizer, *, timeout: float = 120.0, **options) -> RealRun:
    """Run ``strategy`` ("sync" or "local") on ``workers`` real processes. The options
    (``strategy``, ``workers``, ``steps``, ``batch_size``, ``seed``, ``local_steps``, ``shards``,
    ``start``) mean what they mean for :func:`gdviz.parallel.train`, whose record this reproduces
    to round-off. ``optimizer`` must be SGD (``sgd``, ``gd``, ``momentum``, ``nesterov``) with a
    constant lr."""
    return train_all([{"problem": problem, "optimizer": optimizer, **options}], timeout=timeout)[0]


def train_all(calls, *, timeout: float = 120.0) -> list[RealRun]:
    """Several :func:`train` calls (dicts of its arguments) on one launch of processes."""
    if not available():
        raise ValueError("the real engine needs torch (pip install torch), got no torch in this environment")
    jobs = tuple(_job(**call) for call in calls)
    if not jobs:
        raise ValueError(f"calls must hold at least one job, got {given(calls)}")
    timeout = check_number("timeout", timeout, lo=1.0)
    with tempfile.TemporaryDirectory(prefix="gdviz-torchdist-") as out:
        launch = _Launch(jobs, max(j.workers for j in jobs), f"tcp://127.0.0.1:{_free_port()}", out, timeout)
        t0 = time.perf_counter()
        _launch(launch)
        seconds = time.perf_counter() - t0
        runs = []
        for i in range(len(jobs)):
            data = np.load(Path(out) / f"states{i}.npz")
            runs.append(RealRun(data["params"], data["steps"], seconds))
        return runs


def under_torchrun(problem: Problem, optimizer: Optimizer, *, timeout: float = 600.0, **options):
    """Be one worker of a job that ``torchrun`` started, on one machine or several: the rank, the
    number of workers and the rendezvous come from the environment torchrun sets (``RANK``,
    ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``). The options are :func:`train`'s but
    ``workers``, which is the job's world size. Rank 0 returns the :class:`RealRun`, the others None.
    Every process must be given the same problem and options (the same command line)."""
    import datetime

    import torch
    import torch.distributed as dist

    try:
        rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    except (KeyError, ValueError) as err:
        raise ValueError(
            "RANK and WORLD_SIZE must be set (start this under torchrun), got "
            f"RANK={os.environ.get('RANK')!r}, WORLD_SIZE={os.environ.get('WORLD_SIZE')!r}"
        ) from err
    if "workers" in options:
        raise ValueError(f"workers must not be given under torchrun (it is WORLD_SIZE = {world}), got one")
    job = _job(problem, optimizer, workers=world, max_workers=limits.MAX_WORKERS, **options)
    timeout = check_number("timeout", timeout, lo=1.0)
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo", init_method="env://", rank=rank, world_size=world, timeout=datetime.timedelta(seconds=timeout)
    )
    try:
        t0 = time.perf_counter()
        states, at = _loop(rank, job, None, torch, dist)
        seconds = time.perf_counter() - t0
    finally:
        dist.destroy_process_group()
    return RealRun(np.asarray(states), np.asarray(at), seconds) if rank == 0 else None


def _launch(launch: _Launch) -> None:
    """World-size fresh interpreters (``python -c``, not multiprocessing's spawn, which re-runs the
    caller's main script in every child unless it is guarded by ``if __name__ == "__main__"``), each
    told its rank through the environment, as torchrun does."""
    path = Path(launch.out) / "launch.pkl"
    path.write_bytes(pickle.dumps(launch))
    root = str(Path(__file__).resolve().parents[2])  # the directory holding the gdviz package
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH", "")])),
        "OMP_NUM_THREADS": "1",
    }
    code = "from gdviz.parallel.torchdist import _child; _child()"
    procs = []
    try:
        for rank in range(launch.world):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", code, str(path)],
                    env={**env, "RANK": str(rank)},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            )
        deadline = time.monotonic() + launch.timeout
        errors = []
        for rank, proc in enumerate(procs):
            try:
                _, err = proc.communicate(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                errors.append(f"rank {rank} did not finish within {launch.timeout:g} s")
                break
            if proc.returncode != 0:
                text = err.decode(errors="replace")[-3000:]
                errors.append(f"rank {rank} exited with {proc.returncode}:\n{text}")
        if errors:
            raise RuntimeError("the torch.distributed job failed: " + "\n".join(errors))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _child() -> None:  # pragma: no cover - runs in the child processes
    import datetime

    import torch
    import torch.distributed as dist

    launch = pickle.loads(Path(sys.argv[1]).read_bytes())
    rank = int(os.environ["RANK"])
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo",
        init_method=launch.url,
        rank=rank,
        world_size=launch.world,
        timeout=datetime.timedelta(seconds=launch.timeout),
    )
    try:
        for i, job in enumerate(launch.jobs):
            # every rank takes part in creating every group, members or not (torch's rule)
            group = dist.new_group(list(range(job.workers)))
            if rank < job.workers:
                states, at = _loop(rank, job, group, torch, dist)
                if rank == 0:
                    tmp = os.path.join(launch.out, f"states{i}.tmp.npz")
                    np.savez(tmp, params=np.asarray(states), steps=np.asarray(at))
                    os.replace(tmp, os.path.join(launch.out, f"states{i}.npz"))
    finally:
        dist.destroy_process_group()


def _loop(rank, job, group, torch, dist):  # pragma: no cover - runs in the child processes
    p, K = job.problem, job.workers
    shard_rng, _, _, gens = streams(job.seed, K)
    spec = job.shards if job.shards is not None or job.strategy == "sync" else "iid"
    shard_list = make_shards(p, K, spec, shard_rng) if p.has_data and spec is not None else None
    if not p.has_data:
        data = None
    elif shard_list is None:
        data = SharedBatches(p.n_samples, job.batch_size, K, job.seed, True, False)
    else:
        data = ShardBatches(shard_list, job.batch_size, gens, True, False)
    weight = 1.0 / K if shard_list is None else shard_list[rank].size / sum(s.size for s in shard_list)

    param = torch.nn.Parameter(torch.from_numpy(job.start.copy()))
    h = job.hyper
    opt = torch.optim.SGD(
        [param],
        lr=h["lr"],
        momentum=h["momentum"],
        dampening=h["dampening"],
        weight_decay=h["weight_decay"],
        nesterov=h["nesterov"],
    )
    states, at = [job.start.copy()], [0]
    for k in range(job.steps):
        x = param.detach().numpy()[None].copy()
        if data is None:
            g, count = p.loss_and_grad(x)[1][0], 1.0
        else:
            idx = data.next()[rank] if isinstance(data, SharedBatches) else data.next_of(rank)
            count = float(idx.size)
            g = p.batch_loss_and_grad(x, idx[None])[1][0] if idx.size else np.zeros(p.n_params)
        if job.strategy == "sync":
            # the size-weighted sum and the count in one message: the global batch's mean gradient
            buf = torch.from_numpy(np.append(g * count, count))
            dist.all_reduce(buf, op=dist.ReduceOp.SUM, group=group)
            param.grad = (buf[:-1] / buf[-1]).clone()
            opt.step()
            synced = True
        else:
            param.grad = torch.from_numpy(g.copy())
            opt.step()
            synced = (k + 1) % job.local_steps == 0 or k == job.steps - 1
            if synced:
                avg = param.detach() * weight
                dist.all_reduce(avg, op=dist.ReduceOp.SUM, group=group)
                with torch.no_grad():
                    param.copy_(avg)
        if synced and rank == 0:
            states.append(param.detach().numpy().copy())
            at.append(k + 1)
    return states, at
