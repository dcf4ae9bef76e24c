"""The simulated clock: how long a gradient takes, how long a message takes, which network.

Nothing here is measured: a worker's compute time is ``step_seconds + samples × sample_seconds``
(divided by its relative speed, plus an optional seeded straggler delay), a message of m bytes over a
link costs ``latency + m / bandwidth`` (the α–β model of Hockney). The two topologies are the ones
every text on data parallelism compares:

* parameter server: the K workers' messages cross the server's one link one after the other,
  ``2 (α + K·N/β)`` for a gradient up and the parameters down;
* ring all-reduce (Patarasuk & Yuan 2009, what NCCL and gloo do): ``2(K−1)·α + 2(K−1)/K · N/β``,
  bandwidth-optimal, so the traffic per worker no longer grows with K.

Compressed messages cannot be summed on the way round a ring (a top-k plus a top-k is not a top-k),
so they are all-gathered instead: ``(K−1)·(α + m/β)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdviz.errors import check_choice, check_number, given

TOPOLOGIES = ("ring", "ps")
BYTES_PER_PARAM = 8  # float64, what the core computes in


@dataclass(frozen=True)
class Network:
    """A link: ``bandwidth`` in bytes per second, ``latency`` in seconds per message."""

    name: str
    bandwidth: float
    latency: float

    def seconds(self, nbytes) -> float:
        return self.latency + nbytes / self.bandwidth


# Orders of magnitude, not benchmarks: what makes the three regimes differ by 10³ in latency.
NETWORKS = {
    # processes on one machine exchanging through shared memory: a few GB/s, a microsecond
    "cores": Network("cores", bandwidth=10e9, latency=1e-6),
    # 10 Gbit/s Ethernet between servers of one rack, tens of microseconds per message
    "datacenter": Network("datacenter", bandwidth=1.25e9, latency=50e-6),
    # a phone or laptop on home Wi-Fi talking to a federated-learning server: ~10 Mbit/s up, 20 ms
    "wifi": Network("wifi", bandwidth=1.25e6, latency=20e-3),
}


def as_network(spec) -> Network:
    """A preset name, a ``Network``, or a ``(bandwidth, latency)`` pair, checked."""
    if isinstance(spec, Network):
        net = spec
    elif isinstance(spec, str):
        net = NETWORKS[check_choice("network", spec, NETWORKS)]
    elif isinstance(spec, (tuple, list)) and len(spec) == 2:
        net = Network("custom", *spec)
    else:
        raise ValueError(
            f"network must be one of {', '.join(NETWORKS)}, a Network or a pair (bandwidth, latency), "
            f"got {given(spec)}"
        )
    bw = check_number("bandwidth", net.bandwidth, lo=0.0, lo_open=True)
    lat = check_number("latency", net.latency, lo=0.0)
    return Network(net.name, bw, lat)


@dataclass(frozen=True)
class TimeModel:
    """What a simulated second is made of.

    ``sample_seconds``: compute per sample of a gradient; ``step_seconds``: the fixed cost of one
    gradient evaluation (a plain function problem costs only this); ``straggler``: the mean of an
    exponential delay added to every worker's every step (0: none), seeded by the run's seed.
    """

    sample_seconds: float = 1e-6
    step_seconds: float = 1e-5
    network: Network = NETWORKS["datacenter"]
    topology: str = "ring"
    straggler: float = 0.0

    def compute(self, samples, speed=1.0):
        """Seconds to compute gradients over ``samples`` (array) at relative ``speed``."""
        return (self.step_seconds + np.asarray(samples, dtype=float) * self.sample_seconds) / speed

    def delays(self, rng: np.random.Generator, shape) -> np.ndarray:
        """The straggler delays of ``shape`` steps × workers (zeros without stragglers)."""
        if self.straggler == 0:
            return np.zeros(shape)
        return rng.exponential(self.straggler, size=shape)

    def allreduce(self, workers: int, nbytes: float, compressed_bytes: float | None = None) -> float:
        """Seconds for K workers to end a step with the average of their messages."""
        K, net = workers, self.network
        if K == 1:
            return 0.0  # a single worker keeps its parameters: nothing to send
        a, b = net.latency, net.bandwidth
        if self.topology == "ps":
            up = nbytes if compressed_bytes is None else compressed_bytes
            return 2 * a + K * up / b + K * nbytes / b
        if compressed_bytes is not None:
            return (K - 1) * (a + compressed_bytes / b)
        return 2 * (K - 1) * a + 2 * (K - 1) / K * nbytes / b


def time_model(
    *,
    network="datacenter",
    topology="ring",
    sample_seconds=1e-6,
    step_seconds=1e-5,
    straggler=0.0,
) -> TimeModel:
    """A checked :class:`TimeModel` (what ``parallel.train`` builds from its keyword options)."""
    return TimeModel(
        sample_seconds=check_number("sample_seconds", sample_seconds, lo=0.0),
        step_seconds=check_number("step_seconds", step_seconds, lo=0.0),
        network=as_network(network),
        topology=check_choice("topology", topology, TOPOLOGIES),
        straggler=check_number("straggler", straggler, lo=0.0),
    )


def model_bytes(n_params: int) -> int:
    return BYTES_PER_PARAM * n_params
