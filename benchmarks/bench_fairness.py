"""Fairness and memory of one server under hostile load (issue 14), at the protocol level.

    python benchmarks/bench_fairness.py             # fairness, then memory over waves
    python benchmarks/bench_fairness.py --fairness  # only the first part
    python benchmarks/bench_fairness.py --memory    # only the second

Fairness: a visitor's time to the race chart (Streamlit's websocket protocol, as the browser's
frontend speaks it: see bench_load.py) measured alone, then while three other visitors keep
resubmitting a pure-Python-heavy formula race, each time with another constant so that no cache
helps. Measured twice: with the budget's worker processes (the default), and with every computation
inline in the server process (GDVIZ_INLINE_SECONDS=1e9, what gdviz did before issue 14).
Goal: with the workers, the visitor's median within 2× of its idle time.

Memory: waves of 40 cold sessions, each opening a different heavy-ish page (network runs of a wide
MLP, 10⁶-sample regressions, formulas), then the server's resident memory after each wave. Goal:
flat — the caches are bounded in bytes, so the tenth wave ends where the third did (within 15 %).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import one_protocol_session, rss_mb  # noqa: E402
from browser_support import streamlit_server  # noqa: E402

VISITS = 9
HAMMERS = 3
# about 150 nodes once differentiated: every step walks them, in Python
FORMULA = (
    "(1-x)^2 + {c}*(y-x^2)^2 + sin(3*x)*cos(3*y) + exp(-((x-1)^2+(y+1)^2)/{c}) "
    "+ log(1+x^2+y^2) + tanh(x*y) + sqrt(1+(x-y)^2) + cos(x+y)*sin(x-y)/3"
)


def query(**params) -> str:
    return urlencode(params, doseq=True)


def hammer_link(i: int) -> str:
    runs = ["adam,0.01", "gd,0.0003", "momentum,0.0003", "rmsprop,0.01"]
    return query(problem="formula", expr=FORMULA.format(c=100 + i), steps=1500, run=runs)


async def visit(url: str, q: str = "") -> tuple[float, list[str]]:
    start = asyncio.Event()
    start.set()
    return await one_protocol_session(url, start, [], query=q)


async def measure(url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t, errs = await visit(url)
        if errs:
            print("    errors:", errs)
        out.append(t)
    return out


async def hammered(url: str, n: int) -> tuple[list[float], int]:
    stop = asyncio.Event()
    done = 0
    counter = iter(range(10**9))

    async def hammer():
        nonlocal done
        while not stop.is_set():
            await visit(url, hammer_link(next(counter)))
            done += 1

    tasks = [asyncio.create_task(hammer()) for _ in range(HAMMERS)]
    await asyncio.sleep(3.0)  # the hammering is in full swing before the clock starts
    times = await measure(url, n)
    stop.set()
    await asyncio.gather(*tasks)
    return times, done


def fairness() -> None:
    print(f"fairness: time to the chart of one visitor, alone and beside {HAMMERS} hammering visitors")
    print(
        f"{'mode':34s} | {'idle p50 s':>10} | {'busy p50 s':>10} | {'busy max s':>10} | {'ratio':>6} | hammer pages"
    )
    for label, env in (
        ("budget (worker processes)", {}),
        ("all inline (before issue 14)", {"GDVIZ_INLINE_SECONDS": "1e9"}),
    ):
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            with streamlit_server(cwd=ROOT) as url:
                asyncio.run(visit(url))  # warm-up: imports, first figure
                idle = asyncio.run(measure(url, VISITS))
                busy, pages = asyncio.run(hammered(url, VISITS))
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        ratio = statistics.median(busy) / statistics.median(idle)
        goal = ("PASS" if ratio <= 2 else "MISS") if not env else "(reference)"
        print(
            f"{label:34s} | {statistics.median(idle):10.2f} | {statistics.median(busy):10.2f} | "
            f"{max(busy):10.2f} | {ratio:6.2f} | {pages:>5}  {goal}"
        )


def heavy_links(wave: int, n: int) -> list[str]:
    out = []
    for i in range(n):
        k = wave * n + i
        kind = k % 3
        if kind == 0:
            out.append(
                query(
                    problem="mlp",
                    dataset="spirals",
                    n=400,
                    width=32,
                    depth=3,
                    steps=300,
                    run=[f"adam,0.01,seed={k}"],
                )
            )
        elif kind == 1:
            out.append(
                query(
                    problem="linear_regression",
                    data="synthetic",
                    n=10**6,
                    seed=k % 10_000,
                    steps=300,
                    run=["gd,0.05"],
                )
            )
        else:
            out.append(
                query(problem="formula", expr=FORMULA.format(c=1000 + k), steps=300, run=["adam,0.01"])
            )
    return out


async def wave_of(url: str, links: list[str]):
    start = asyncio.Event()
    tasks = [asyncio.create_task(one_protocol_session(url, start, [], query=q)) for q in links]
    await asyncio.sleep(0.2)
    start.set()
    return await asyncio.gather(*tasks)


def memory(waves: int = 10, n: int = 40) -> None:
    print(f"memory: {waves} waves of {n} cold sessions, each a different heavy-ish page")
    with streamlit_server(cwd=ROOT) as url:
        pattern = f"streamlit run .*--server.port={url.rsplit(':', 1)[1]}"
        print(f"  before: server {rss_mb(pattern):.0f} MB, workers {rss_mb('gdviz.serve.worker'):.0f} MB")
        after = []
        for w in range(waves):
            t0 = time.perf_counter()
            results = asyncio.run(wave_of(url, heavy_links(w, n)))
            kinds: dict[str, int] = {}
            for _, e in results:
                for k in e:
                    kinds[k] = kinds.get(k, 0) + 1
            errs = sum(1 for _, e in results if e)
            server, workers = rss_mb(pattern), rss_mb("gdviz.serve.worker")
            after.append(server)
            print(
                f"  wave {w + 1:2d}: {time.perf_counter() - t0:6.1f} s, {errs} sessions without a chart "
                f"{kinds}, server RSS {server:.0f} MB, workers {workers:.0f} MB"
            )
        growth = after[-1] / after[2] - 1
        verdict = "PASS" if growth <= 0.15 else "MISS"
        print(
            f"  server RSS wave 3 → wave {waves}: {after[2]:.0f} → {after[-1]:.0f} MB ({100 * growth:+.1f} %)  {verdict}"
        )


def main(argv: list[str]) -> None:
    print(f"cpus {os.cpu_count()}; one streamlit server (no proxy); protocol clients, nothing rendered")
    if "--memory" not in argv:
        fairness()
    if "--fairness" not in argv:
        memory()


if __name__ == "__main__":
    main(sys.argv[1:])
