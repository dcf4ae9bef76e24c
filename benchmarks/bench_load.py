"""Load: one real `streamlit run` server and N sessions opening the app at the same moment.

    python benchmarks/bench_load.py              # real browsers, N = 10, 20, 40; then the floor page
    python benchmarks/bench_load.py 5 10         # other N
    python benchmarks/bench_load.py --server     # the server alone: N protocol sessions, no browser
    python benchmarks/bench_load.py --server --no-files   # the websocket part only
    python benchmarks/bench_load.py --proxy ...  # the same behind nginx (deploy/nginx_conf.py)
    python benchmarks/bench_load.py --server --replicas 1,2   # deploy/serve.py: K replicas behind
                                                 # nginx, N = 40, 100, 200; then the 1 -> 2 scaling

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

Replicas (issue 14): the same protocol sessions through deploy/serve.py's nginx front (sticky
cookie carried from the page to its websocket, as a browser does) in front of K replicas, with
serve.py's active health checks running as in production. Per row: time to the chart message, errors,
CPU per visit of the replicas, of nginx and of this load client (which shares the machine's cores),
how the sessions spread over the replicas, the slowest health-check answer (serve.py restarts a
replica after 3 answers slower than 10 s, ending its sessions) and restarts seen. Then the measured
1 -> K scaling and an extrapolation, labelled as such, to hosts with more cores.

Goal (issue 7) on this 2-core machine: 40 sessions, p95 < 5 s, 0 errors. Issue 14 asks for 100 and
200 as well; their goal here is the same (a cold visit's chart within 5 s at p95, 0 errors), and
no health check slower than serve.py's timeout. Exit code 0 (a report).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import (  # noqa: E402
    CHROMIUM_ARGS,
    browser_missing_reason,
    free_port,
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


async def _get_all(host: str, port: int, paths: list[str], jar: dict[str, str] | None = None) -> int:
    """GET each path over one keep-alive HTTP/1.1 connection; the bytes received. `jar` carries
    cookies in and out as a browser would (nginx's sticky-session cookie)."""
    reader, writer = await asyncio.open_connection(host, port)
    total = 0
    jar = {} if jar is None else jar
    try:
        for path in paths:
            cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
            cookie = f"Cookie: {cookie}\r\n" if cookie else ""
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{BROWSER_HEADERS}{cookie}\r\n".encode()
            )
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            _keep_cookies(head, jar)
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


def _keep_cookies(head: bytes, jar: dict[str, str]) -> None:
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"set-cookie:"):
            name, _, rest = line.split(b":", 1)[1].strip().decode().partition("=")
            jar[name] = rest.split(";", 1)[0]


async def fetch_like_a_browser(
    url: str, paths: list[str], connections: int = 6, jar: dict[str, str] | None = None
) -> int:
    """A cold visit's static files, over as many parallel connections as a browser opens per host.
    The page itself comes first, alone, as in a browser: its answer sets the session's cookies."""
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    jar = {} if jar is None else jar
    total = 0
    if paths and paths[0].split("?", 1)[0] == "/":
        total += await _get_all(host, int(port), paths[:1], jar)
        paths = paths[1:]
    shares = [paths[i::connections] for i in range(connections)]
    return total + sum(await asyncio.gather(*(_get_all(host, int(port), p, dict(jar)) for p in shares if p)))


async def one_protocol_session(
    url: str, start: asyncio.Event, assets: list[str], jar: dict | None = None, query: str = ""
):
    """A cold visit without rendering: fetch what the browser fetches, then open a session as the
    frontend does and time the race chart's message. `jar` ends with the session's cookies (which
    replica it was on, behind serve.py's nginx)."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    host = url.split("//", 1)[1]
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_script_hash = ""
    msg.rerun_script.context_info.url = url + "/" + (f"?{query}" if query else "")
    msg.rerun_script.context_info.timezone = "UTC"
    msg.rerun_script.context_info.locale = "en-US"
    await start.wait()
    t0 = time.perf_counter()
    chart = None
    errors: list[str] = []
    jar = {} if jar is None else jar
    try:
        await fetch_like_a_browser(url, assets, jar=jar)
        cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
        async with websockets.connect(
            f"ws://{host}/_stcore/stream",
            subprotocols=["streamlit"],
            origin=url,
            max_size=None,
            additional_headers={"Cookie": cookie} if cookie else None,
            # as a browser: no 10 s handshake limit, no client pings (a busy server answers late)
            open_timeout=TIMEOUT_S,
            ping_interval=None,
            proxy=None,
        ) as ws:
            _keep_cookies(b"\r\n".join(f"{k}: {v}".encode() for k, v in ws.response.headers.raw_items()), jar)
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


async def protocol_sessions(url: str, n: int, assets: list[str], jars: list[dict] | None = None):
    start = asyncio.Event()
    jars = jars if jars is not None else [{} for _ in range(n)]
    tasks = [asyncio.create_task(one_protocol_session(url, start, assets, jar)) for jar in jars]
    await asyncio.sleep(0.2)
    start.set()
    return await asyncio.gather(*tasks)


def server_rows(url: str, ns, assets: list[str], server: str) -> None:
    asyncio.run(protocol_sessions(url, 1, assets))
    for n in ns:
        s0 = cpu_of(server)
        results = asyncio.run(protocol_sessions(url, n, assets))
        report(n, results, None, (cpu_of(server) - s0) / n, f"  (server RSS {rss_mb(server):.0f} MB)")


# --- replicas: deploy/serve.py's nginx front over K streamlit processes ------------------------------------

GOAL_P95_S = 5.0
REPLICA_NS = [40, 100, 200]
REPLICA_HEADER = (
    f"{'K':>2} | {'N':>4} | {'p50 s':>6} | {'p95 s':>6} | {'max s':>6} | errors | replicas CPU s/visit | "
    f"nginx CPU s/visit | client CPU s/visit | sessions per replica | slowest health s | restarts | goal"
)


def _load_serve():
    spec = importlib.util.spec_from_file_location("gdviz_deploy_serve", ROOT / "deploy" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its direct children (nginx's master and workers)."""
    total = 0.0
    pids = [str(pid)]
    with contextlib.suppress(OSError):
        pids += Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for p in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += _cpu_seconds(p)
    return total


def _rss_of(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024
    except (OSError, StopIteration):
        return 0.0


def _self_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


class HealthWatch:
    """Times every replica's /_stcore/health every 0.5 s during a row, as serve.py's checker would
    see it: the slowest answer says how close the load came to a wrongful restart."""

    def __init__(self, cluster):
        self.cluster, self.slowest, self._stop = cluster, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.5):
            for r in self.cluster.replicas:
                t0 = time.perf_counter()
                try:
                    with urllib.request.urlopen(r.health_url, timeout=30) as resp:
                        resp.read()
                    self.slowest = max(self.slowest, time.perf_counter() - t0)
                except OSError:
                    self.slowest = max(self.slowest, 30.0)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def replica_rows(k: int, ns, assets: list[str], static_dir: Path) -> list[dict]:
    serve = _load_serve()
    state = Path(tempfile.mkdtemp(prefix="gdviz-bench-state-"))
    state.chmod(0o755)  # nginx's workers run as nobody when the master is root
    rows = []
    cluster = serve.Cluster(
        k,
        state_dir=state,
        listen=f"127.0.0.1:{free_port()}",
        ports=[free_port() for _ in range(k)],
        static_dir=static_dir,
    )
    stop = threading.Event()
    try:
        with cluster:
            # serve.py's own health checks and restarts, as in production
            checker = threading.Thread(target=cluster.serve_forever, args=(stop,), daemon=True)
            checker.start()
            url = cluster.url
            # warm every replica once (imports, the shared race figure): what a visitor meets on a
            # server that has been up for a while; each cold visit below is cold on the client side
            asyncio.run(protocol_sessions(url, k, assets, [{"gdviz_replica": f"r{i + 1}"} for i in range(k)]))
            for n in ns:
                restarts0 = sum(r.restarts for r in cluster.replicas)
                rep0 = sum(_cpu_seconds(str(r.proc.pid)) for r in cluster.replicas)
                ngx0, me0 = _tree_cpu(cluster.nginx.pid), _self_cpu()
                jars = [{} for _ in range(n)]
                with HealthWatch(cluster) as watch:
                    results = asyncio.run(protocol_sessions(url, n, assets, jars))
                # a replica that was restarted mid-row has a new pid: its CPU is then undercounted,
                # and the row says so in its restarts column
                rep = sum(_cpu_seconds(str(r.proc.pid)) for r in cluster.replicas if r.proc) - rep0
                spread: dict[str, int] = {}
                for jar in jars:
                    name = jar.get("gdviz_replica", "?")
                    spread[name] = spread.get(name, 0) + 1
                times = [t for t, _ in results]
                errs = [e for _, es in results for e in es]
                rows.append(
                    {
                        "k": k,
                        "n": n,
                        "p50": pct(times, 50),
                        "p95": pct(times, 95),
                        "max": max(times),
                        "errors": len(errs),
                        "kinds": sorted(set(errs))[:3],
                        "replica_cpu": rep / n,
                        "nginx_cpu": (_tree_cpu(cluster.nginx.pid) - ngx0) / n,
                        "client_cpu": (_self_cpu() - me0) / n,
                        "spread": "/".join(str(spread[key]) for key in sorted(spread)),
                        "health": watch.slowest,
                        "restarts": sum(r.restarts for r in cluster.replicas) - restarts0,
                        "rss": max(_rss_of(r.proc.pid) for r in cluster.replicas if r.proc),
                    }
                )
                print_replica_row(rows[-1], cluster.health_timeout)
            stop.set()
            checker.join()
    finally:
        stop.set()
        shutil.rmtree(state, ignore_errors=True)
    return rows


def print_replica_row(r: dict, health_timeout: float) -> None:
    ok = r["p95"] < GOAL_P95_S and r["errors"] == 0 and r["health"] < health_timeout and r["restarts"] == 0
    print(
        f"{r['k']:>2} | {r['n']:>4} | {r['p50']:6.2f} | {r['p95']:6.2f} | {r['max']:6.2f} | {r['errors']:>6} | "
        f"{r['replica_cpu']:20.3f} | {r['nginx_cpu']:17.3f} | {r['client_cpu']:18.3f} | {r['spread']:>20} | "
        f"{r['health']:16.2f} | {r['restarts']:>8} | {'PASS' if ok else 'MISS'} (p95 < {GOAL_P95_S:.0f} s, 0 errors)"
        + (f"  {r['kinds']}" if r["kinds"] else "")
        + f"  (largest replica RSS {r['rss']:.0f} MB)",
        flush=True,
    )


def capacity(rows: list[dict]) -> tuple[int | None, float | None]:
    """(largest measured N within the goal, N at which a least-squares line p95 = a + b N reaches
    the goal). The line is a model: cold visits arriving together queue for the replicas' CPU, so
    p95 grows about linearly with N once the CPU is saturated."""
    met = [r["n"] for r in rows if r["p95"] < GOAL_P95_S and r["errors"] == 0]
    xs, ys = [r["n"] for r in rows], [r["p95"] for r in rows]
    if len(xs) < 2:
        return (max(met) if met else None), None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    a = my - b * mx
    return (max(met) if met else None), ((GOAL_P95_S - a) / b if b > 0 else None)


def scaling_report(by_k: dict[int, list[dict]]) -> None:
    ks = sorted(by_k)
    print("\nmeasured capacity (cold visits at once with p95 < 5 s and 0 errors):")
    caps = {}
    for k in ks:
        met, line = capacity(by_k[k])
        caps[k] = line
        rate = by_k[k][-1]["n"] / by_k[k][-1]["max"]
        print(
            f"  K = {k}: largest N measured within the goal: {met if met else 'none'}; "
            f"where the straight line through the {len(by_k[k])} rows crosses 5 s: "
            f"{f'N ≈ {line:.0f}' if line else '—'}; "
            f"throughput at N = {by_k[k][-1]['n']}: {rate:.1f} cold visits/s"
        )
    if len(ks) < 2 or 1 not in by_k:
        return
    base = by_k[1]
    for k in ks[1:]:
        pairs = [(a, b) for a in base for b in by_k[k] if a["n"] == b["n"]]
        ratios = ", ".join(
            f"N = {a['n']}: p95 {a['p95']:.2f} -> {b['p95']:.2f} s (x{a['p95'] / b['p95']:.2f})"
            for a, b in pairs
        )
        rate1 = base[-1]["n"] / base[-1]["max"]
        ratek = by_k[k][-1]["n"] / by_k[k][-1]["max"]
        print(f"measured 1 -> {k} scaling: {ratios}; throughput x{ratek / rate1:.2f}", end="")
        if caps.get(1) and caps.get(k):
            print(f"; capacity x{caps[k] / caps[1]:.2f}")
        else:
            print()
    k = max(ks)
    cores = os.cpu_count() or 1
    if caps.get(k) and k == cores:
        per_core = caps[k] / k
        rss = max(r["rss"] for r in by_k[k])
        print(
            f"EXTRAPOLATION, not measured: assuming capacity grows linearly with cores at the per-core "
            f"figure measured here with {k} replicas on {cores} cores ({per_core:.0f} cold visits per "
            f"core; here nginx and this load client share those cores, so a host that only serves does "
            f"at least as well per core), one replica per core (deploy/serve.py's default) and memory to "
            f"spare ({rss:.0f} MB per replica at most in these runs):"
        )
        for c in (4, 16):
            print(
                f"  a {c}-core host: ≈ {per_core * c:.0f} cold visits at once within p95 < 5 s (sessions "
                f"spread by least_conn; {c} × {rss:.0f} MB = {c * rss / 1024:.1f} GB of replica memory)"
            )
    # The same from CPU alone, which other work on the machine disturbs far less than latency: one
    # core clears 5 s / (CPU per visit) cold visits in 5 s if it does nothing else.
    rows = [r for k in ks for r in by_k[k]]
    cpu = max(r["replica_cpu"] + r["nginx_cpu"] for r in rows)
    print(
        f"EXTRAPOLATION from CPU, not measured: the costliest row spent {cpu:.3f} s of replica + nginx CPU "
        f"per cold visit, so one core that does nothing else serves ≈ {GOAL_P95_S / cpu:.0f} of them "
        f"within 5 s: a 4-core host ≈ {4 * GOAL_P95_S / cpu:.0f}, a 16-core host ≈ {16 * GOAL_P95_S / cpu:.0f} "
        "(an upper bound: queueing, the GIL's hand-offs and the clients' own work are left out)"
    )


def replicas_main(ks: list[int], ns, no_files: bool) -> None:
    for k in ks:
        if k < 1:
            raise SystemExit("--replicas takes counts >= 1, e.g. --replicas 1,2")
    serve = _load_serve()
    serve.raise_nofile_limit()  # 200 cold visits hold ~1 600 connections in this client alone
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    print(
        f"cpus {os.cpu_count()}; deploy/serve.py: K streamlit replicas behind nginx (sticky cookie, "
        f"least_conn for new visitors), health checks on; file descriptors {soft}/{hard}"
    )
    static = Path(tempfile.mkdtemp(prefix="gdviz-bench-static-"))
    static.chmod(0o755)
    try:
        serve.nginx_conf.mirror_static(static)
        assets: list[str] = []
        if not no_files:
            with streamlit_server(cwd=ROOT) as url, nginx_proxy(url, static_dir=static) as front:
                assets = record_assets(front)
        fetch = (
            f"GETs the {len(assets)} files a browser's cold visit fetches (the page first: its answer sets "
            "the sticky cookie), then "
            if assets
            else "fetches no files (--no-files, or no Chromium to list them) and "
        )
        print(
            f"each session {fetch}speaks Streamlit's protocol on a websocket carrying the cookie; nothing is rendered"
        )
        print(REPLICA_HEADER)
        by_k = {}
        for k in ks:
            by_k[k] = replica_rows(k, ns, assets, static)
        scaling_report(by_k)
    finally:
        shutil.rmtree(static, ignore_errors=True)


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
    replicas = None
    if "--replicas" in argv:
        i = argv.index("--replicas")
        try:
            replicas = [int(k) for k in argv[i + 1].split(",")]
        except (IndexError, ValueError):
            raise SystemExit("--replicas takes counts, e.g. --replicas 1,2") from None
        argv = argv[:i] + argv[i + 2 :]
    ns = [int(a) for a in argv if a.isdigit()] or (REPLICA_NS if replicas else [10, 20, 40])
    if replicas:
        if nginx_missing_reason():
            print(f"skipped: {nginx_missing_reason()}")
            return
        replicas_main(replicas, ns, no_files="--no-files" in argv or browser_missing_reason() is not None)
        return
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
