"""Load: one real `streamlit run` server and N sessions opening the app at the same moment.

    python benchmarks/bench_load.py              # real browsers, N = 10, 20, 40; then the floor page
    python benchmarks/bench_load.py 5 10         # other N
    python benchmarks/bench_load.py --server     # the server alone: N protocol sessions, no browser
    python benchmarks/bench_load.py --server --no-files   # the websocket part only
    python benchmarks/bench_load.py --proxy ...  # the same behind nginx (deploy/nginx_conf.py)

Browsers (issue 7's measure): one Chromium, N contexts, each waiting until the race chart is drawn
(the Plotly graph with its surface image). Reports p50 / p95 / max time to first chart, the error
count (an `stException` on the page, a page error, or no chart within the time limit) and the CPU
seconds per session spent by Chromium and by the server. The same is then measured on
`floor_app.py` (a slider and a three-point Plotly chart; `?chart=0`: the slider alone): no Streamlit
app with a Plotly chart can do better than that floor on this machine, since browsers and server
share its two cores.

Server: N websocket clients speak Streamlit's own protocol (BackMsg / ForwardMsg protobufs, as the
browser's frontend does) and time the arrival of the race chart's message: what a class of N
students on their own machines would wait for from this server. Also reports the server's CPU per
session and its resident memory.

Goal (issue 7) on this 2-core machine: 40 sessions, p95 < 5 s, 0 errors. Exit code 0 (a report).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import (  # noqa: E402
    CHROMIUM_ARGS,
    browser_missing_reason,
    nginx_missing_reason,
    nginx_proxy,
    streamlit_server,
)

TIMEOUT_S = 300.0
CHART = ".js-plotly-plot .imagelayer image"
# what Chromium asks for: nginx answers with its gzipped copies, Streamlit ignores it for /static
BROWSER_HEADERS = "Accept-Encoding: gzip, deflate, br\r\n"
FLOOR = Path(__file__).resolve().parent / "floor_app.py"
HEADER = f"{'N':>4} | {'p50 s':>6} | {'p95 s':>6} | {'max s':>6} | errors | {'browser CPU s/session':>21} | {'server CPU s/session':>20}"


# --- CPU accounting ---------------------------------------------------------------------------------


def _cpu_seconds(pid: str) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pids(pattern: str) -> list[str]:
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout
    return out.split()


def cpu_of(pattern: str) -> float:
    """CPU seconds (user + system) so far of every process whose command line matches."""
    total = 0.0
    for pid in _pids(pattern):
        try:
            total += _cpu_seconds(pid)
        except (OSError, IndexError, ValueError):  # a process ended between pgrep and the read
            pass
    return total


def server_pattern(url: str) -> str:
    return f"streamlit run .*--server.port={url.rsplit(':', 1)[1]}"


def rss_mb(pattern: str) -> float:
    total = 0.0
    for pid in _pids(pattern):
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024
        except (OSError, StopIteration):
            pass
    return total


def pct(values, q):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q / 100 * (len(values) - 1))))
    return values[k]


# --- real browsers ----------------------------------------------------------------------------------


async def one_browser_session(browser, url: str, selector: str, start: asyncio.Event):
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)[:200]))
    await start.wait()
    t0 = time.perf_counter()
    try:
        await page.goto(url, timeout=TIMEOUT_S * 1000)
        await page.wait_for_selector(selector, state="attached", timeout=TIMEOUT_S * 1000)
        elapsed = time.perf_counter() - t0
        if await page.locator('[data-testid="stException"]').count():
            errors.append("stException")
    except Exception as err:  # a timeout or a navigation failure is an error of the load test
        elapsed = time.perf_counter() - t0
        errors.append(type(err).__name__)
    return ctx, elapsed, errors


async def browsers(url: str, n: int, selector: str):
    """[(seconds, errors)] per session and Chromium's CPU seconds while they loaded."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        start = asyncio.Event()
        tasks = [asyncio.create_task(one_browser_session(browser, url, selector, start)) for _ in range(n)]
        await asyncio.sleep(0.5)  # every context is open before the clock starts
        c0 = cpu_of("chromium")
        start.set()
        done = await asyncio.gather(*tasks)
        # read before closing: a renderer's CPU time is gone from /proc once its context closes
        cpu = cpu_of("chromium") - c0
        for ctx, _, _ in done:
            await ctx.close()
        await browser.close()
    return [(t, e) for _, t, e in done], cpu


def browser_rows(url: str, ns, server: str, selector: str = CHART, label: str = "") -> None:
    asyncio.run(browsers(url, 1, selector))  # warm-up: the first visit imports and compiles everything
    for n in ns:
        s0 = cpu_of(server)
        results, client_cpu = asyncio.run(browsers(url, n, selector))
        report(n, results, client_cpu / n, (cpu_of(server) - s0) / n, label)


def report(n, results, client_cpu, server_cpu, label=""):
    times = [t for t, _ in results]
    errs = [e for _, es in results for e in es]
    verdict = ""
    if n == 40 and not label:
        verdict = "  PASS" if pct(times, 95) < 5 and not errs else "  MISS"
    client = f"{client_cpu:21.2f}" if client_cpu is not None else f"{'—':>21}"
    print(
        f"{n:>4} | {pct(times, 50):6.2f} | {pct(times, 95):6.2f} | {max(times):6.2f} | {len(errs):>6} | "
        f"{client} | {server_cpu:20.3f}{verdict}{label}" + (f"  {sorted(set(errs))[:3]}" if errs else "")
    )


# --- the server alone: Streamlit's protocol without a browser -----------------------------------------


def record_assets(url: str) -> list[str]:
    """The same-origin HTTP paths a real browser fetches on a cold first visit (index, scripts,
    styles, fonts, health and config probes), in request order."""
    from playwright.sync_api import sync_playwright

    paths: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on(
            "request",
            lambda r: (
                paths.append(r.url[len(url) :] or "/")
                if r.url.startswith(url) and r.method == "GET" and "/_stcore/stream" not in r.url
                else None
            ),
        )
        page.goto(url)
        page.wait_for_selector(CHART, state="attached", timeout=TIMEOUT_S * 1000)
        browser.close()
    return list(dict.fromkeys(paths))


async def _get_all(host: str, port: int, paths: list[str]) -> int:
    """GET each path over one keep-alive HTTP/1.1 connection; the bytes received."""
    reader, writer = await asyncio.open_connection(host, port)
    total = 0
    try:
        for path in paths:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{BROWSER_HEADERS}\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                None,
            )
            if status != 200 or length is None:
                raise RuntimeError(f"GET {path}: HTTP {status}")
            total += len(await reader.readexactly(length))
    finally:
        writer.close()
    return total


async def fetch_like_a_browser(url: str, paths: list[str], connections: int = 6) -> int:
    """A cold visit's static files, over as many parallel connections as a browser opens per host."""
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    shares = [paths[i::connections] for i in range(connections)]
    return sum(await asyncio.gather(*(_get_all(host, int(port), p) for p in shares if p)))


async def one_protocol_session(url: str, start: asyncio.Event, assets: list[str]):
    """A cold visit without rendering: fetch what the browser fetches, then open a session as the
    frontend does and time the race chart's message."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    host = url.split("//", 1)[1]
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_script_hash = ""
    msg.rerun_script.context_info.url = url + "/"
    msg.rerun_script.context_info.timezone = "UTC"
    msg.rerun_script.context_info.locale = "en-US"
    await start.wait()
    t0 = time.perf_counter()
    chart = None
    errors: list[str] = []
    try:
        await fetch_like_a_browser(url, assets)
        async with websockets.connect(
            f"ws://{host}/_stcore/stream", subprotocols=["streamlit"], origin=url, max_size=None
        ) as ws:
            await ws.send(msg.SerializeToString())
            while True:
                fwd = ForwardMsg.FromString(await asyncio.wait_for(ws.recv(), TIMEOUT_S))
                kind = fwd.WhichOneof("type")
                if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                    element = fwd.delta.new_element.WhichOneof("type")
                    if element == "plotly_chart" and chart is None:
                        chart = time.perf_counter() - t0
                    elif element == "exception":
                        errors.append("exception")
                if kind == "script_finished":
                    break
    except Exception as err:  # a refused connection, a bad status or a timeout is an error here
        errors.append(type(err).__name__)
    if chart is None:
        errors.append("no chart")
        chart = time.perf_counter() - t0
    return chart, errors


async def protocol_sessions(url: str, n: int, assets: list[str]):
    start = asyncio.Event()
    tasks = [asyncio.create_task(one_protocol_session(url, start, assets)) for _ in range(n)]
    await asyncio.sleep(0.2)
    start.set()
    return await asyncio.gather(*tasks)


def server_rows(url: str, ns, assets: list[str], server: str) -> None:
    asyncio.run(protocol_sessions(url, 1, assets))
    for n in ns:
        s0 = cpu_of(server)
        results = asyncio.run(protocol_sessions(url, n, assets))
        report(n, results, None, (cpu_of(server) - s0) / n, f"  (server RSS {rss_mb(server):.0f} MB)")


@contextlib.contextmanager
def served(script: Path | None = None, *, proxy: bool):
    """A streamlit server for `script` (the app by default), behind nginx when `proxy`."""
    with streamlit_server(*([script] if script else []), cwd=ROOT) as url:
        if not proxy:
            yield url, server_pattern(url)
            return
        with nginx_proxy(url) as front:
            # the server side is both processes: nginx's master and worker count too
            yield front, f"({server_pattern(url)}|nginx: )"


def main(argv: list[str]) -> None:
    server_only, proxy = "--server" in argv, "--proxy" in argv
    ns = [int(a) for a in argv if a.isdigit()] or [10, 20, 40]
    if proxy and nginx_missing_reason():
        print(f"skipped: {nginx_missing_reason()}")
        return
    front = (
        "nginx (deploy/nginx_conf.py) in front: it serves /static, Streamlit the rest"
        if proxy
        else "no proxy"
    )
    print(f"cpus {os.cpu_count()}; one streamlit server, {front}; N sessions opening the app at once")
    if server_only:
        with served(proxy=proxy) as (url, server):
            no_files = "--no-files" in argv or browser_missing_reason() is not None
            assets = [] if no_files else record_assets(url)
            fetch = (
                f"GETs the {len(assets)} files a browser's cold visit fetches, then "
                if assets
                else "fetches no files (--no-files, or no Chromium to list them) and "
            )
            print(
                f"the server alone: each session {fetch}speaks Streamlit's protocol on a websocket; "
                "nothing is rendered"
            )
            print(HEADER)
            server_rows(url, ns, assets, server)
        return
    reason = browser_missing_reason()
    if reason:
        print(f"skipped: {reason}")
        return
    print("real browsers: one Chromium, N contexts; goal (N = 40): p95 < 5 s, 0 errors")
    print(HEADER)
    with served(proxy=proxy) as (url, server):
        browser_rows(url, ns, server)
    print(f"the floor ({FLOOR.name}: Streamlit with one three-point Plotly chart; chart=0: no chart)")
    with served(FLOOR, proxy=proxy) as (url, server):
        browser_rows(url, [max(ns)], server, label="  floor: slider + tiny Plotly chart")
        browser_rows(url + "/?chart=0", [max(ns)], server, "h1", "  floor: slider, no chart")


if __name__ == "__main__":
    main(sys.argv[1:])
