"""First visit: a fresh session's time to the first chart and its browser CPU, gdviz against the floor.

    python benchmarks/bench_first_visit.py               # 7 rounds
    python benchmarks/bench_first_visit.py --rounds 11
    python benchmarks/bench_first_visit.py --profile     # and, per app, what a first visit loads and shows
    python benchmarks/bench_first_visit.py --gdviz-url http://127.0.0.1:8501   # an app already running

Goal (issue 16, item 3): a fresh session's time to the first chart at most 1.3 x that of the floor
page (`benchmarks/floor_app.py`: one slider and one Plotly chart) measured in the same run, same
browser. Today's per-session Chromium CPU is about 2 x the floor's; the CPU figures say where.

Two servers (gdviz's `app.py` and the floor, both with the project's `.streamlit/config.toml`), one
headless Chromium, and R rounds; each round opens each app once in a fresh browser context (no cache,
no cookies), the two in alternating order. Both servers are warmed by one visit first (not counted):
the figures are those of a visitor arriving at a server that is up, not of its first start.

Per visit:
  time to chart   wall time from `goto` to the first Plotly chart in the main area drawn
                  (`.js-plotly-plot .main-svg` present and the plot's `data` non-empty);
  renderer CPU    the page's renderer process CPU (CDP Performance.getMetrics ProcessTime, all its
                  threads) when the chart is drawn and once the page is idle (the script has finished
                  and the main thread spent < 10 ms in the last second);
  main thread     CDP Performance.getMetrics TaskDuration, ScriptDuration, LayoutDuration and
                  RecalcStyleDuration at idle, in thread time (timeDomain "threadTicks": CPU, not wall,
                  so another job on the machine does not inflate them);
  all Chromium    every Chromium process's CPU over the visit (CDP SystemInfo.getProcessInfo:
                  browser, GPU, network and renderers, this browser only). It includes about 1 s of
                  Chromium's own per-context work (its "Omnibox Popup" WebUI renderers), the same for
                  both apps.

Printed: medians and min-max per app; gdviz / floor of the medians and the median of the rounds'
paired ratios, each against the 1.3 goal. `--profile` adds, from one more visit per app with CDP's
Network domain and its sampling profiler on: requests and bytes, the scripts loaded (which ones
gdviz loads that the floor does not), JS self time per script, DOM nodes and the Streamlit elements
on the first view. Exit code 0 (a report, not a test).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import (  # noqa: E402
    APP,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    browser_missing_reason,
    streamlit_server,
    wait_for_app,
)

FLOOR = Path(__file__).resolve().parent / "floor_app.py"
GOAL = 1.3
TIMEOUT_MS = 180_000
IDLE_QUIET_S = 1.0  # idle: the main thread spent less than IDLE_TASK_S in the last IDLE_QUIET_S
IDLE_TASK_S = 0.010
IDLE_MAX_S = 20.0
# The first Plotly chart of the main area, drawn: its SVG is there and it holds data.
CHART_DRAWN = """() => {
    const gd = document.querySelector('[data-testid="stMain"] .js-plotly-plot');
    return !!(gd && gd.querySelector('.main-svg') && Array.isArray(gd.data) && gd.data.length > 0);
}"""
METRICS = ("ProcessTime", "TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")
# What the first view holds: every element, where, and the Streamlit elements by data-testid.
DOM_SUMMARY = """() => {
    const all = document.getElementsByTagName('*');
    const inside = sel => { const e = document.querySelector(sel); return e ? e.getElementsByTagName('*').length : 0; };
    let closed = 0;
    document.querySelectorAll('details:not([open])').forEach(d => { closed += d.getElementsByTagName('*').length; });
    const hidden = Array.from(all).filter(e => e.getClientRects().length === 0).length;
    const ids = {};
    document.querySelectorAll('[data-testid]').forEach(e => {
        const k = e.dataset.testid.replace(/^glide-cell-.*/, 'glide-cell-*');
        ids[k] = (ids[k] || 0) + 1;
    });
    return {nodes: all.length, sidebar: inside('[data-testid="stSidebar"]'), main: inside('[data-testid="stMain"]'),
            in_closed_expanders: closed, not_rendered: hidden,
            iframes: document.querySelectorAll('iframe').length,
            canvases: document.querySelectorAll('canvas').length,
            plotly_charts: document.querySelectorAll('.js-plotly-plot').length,
            katex: document.querySelectorAll('.katex').length, testids: ids};
}"""


def metrics(cdp) -> dict[str, float]:
    got = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {k: float(got.get(k, 0.0)) for k in METRICS}


def chromium_cpu(bcdp) -> dict[tuple[str, int], float]:
    return {(p["type"], p["id"]): p["cpuTime"] for p in bcdp.send("SystemInfo.getProcessInfo")["processInfo"]}


def wait_idle(page, cdp) -> None:
    """The script has finished and the main thread has been quiet for IDLE_QUIET_S."""
    wait_for_app(page, timeout_ms=TIMEOUT_MS, settle_ms=0)
    deadline = time.monotonic() + IDLE_MAX_S
    window: list[tuple[float, float]] = []
    while time.monotonic() < deadline:
        now = time.monotonic()
        window.append((now, metrics(cdp)["TaskDuration"]))
        window = [w for w in window if now - w[0] <= IDLE_QUIET_S + 0.05]
        if now - window[0][0] >= IDLE_QUIET_S and window[-1][1] - window[0][1] < IDLE_TASK_S:
            return
        time.sleep(0.25)


def visit(browser, bcdp, url: str, profile: bool = False) -> dict:
    """One fresh context opening `url`: the figures above, and with `profile` what it loaded."""
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)[:200]))
        cdp = ctx.new_cdp_session(page)
        if profile:
            # Profiler state does not follow a cross-process navigation: land on the app's origin first.
            page.goto(url.rstrip("/") + "/_stcore/health")
            net = _network(cdp)
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 500})
            cdp.send("Profiler.start")
        cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
        p0 = chromium_cpu(bcdp)
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        page.wait_for_function(CHART_DRAWN, polling=50, timeout=TIMEOUT_MS)
        out = {"chart_s": time.perf_counter() - t0, "at_chart": metrics(cdp)}
        wait_idle(page, cdp)
        out["idle_s"] = time.perf_counter() - t0
        out["at_idle"] = metrics(cdp)
        p1 = chromium_cpu(bcdp)
        out["chromium_cpu"] = sum(v - p0.get(k, 0.0) for k, v in p1.items())
        if page.locator('[data-testid="stException"]').count():
            errors.append("stException on the page")
        out["errors"] = errors
        if profile:
            out["js_self"] = _js_self_time(cdp.send("Profiler.stop")["profile"])
            out["network"] = net
            out["dom"] = page.evaluate(DOM_SUMMARY)
        return out
    finally:
        ctx.close()


def _network(cdp) -> dict:
    """Requests of the visit by id: url, type, bytes over the wire (encoded) and decoded."""
    seen: dict[str, dict] = {}
    cdp.on(
        "Network.requestWillBeSent",
        lambda e: seen.setdefault(e["requestId"], {"url": e["request"]["url"], "type": e.get("type", "")}),
    )
    cdp.on(
        "Network.responseReceived",
        lambda e: seen.setdefault(e["requestId"], {"url": e["response"]["url"]}).update(
            type=e.get("type", "")
        ),
    )
    cdp.on("Network.dataReceived", lambda e: _add(seen, e["requestId"], "decoded", e.get("dataLength", 0)))
    cdp.on(
        "Network.loadingFinished",
        lambda e: _add(seen, e["requestId"], "encoded", e.get("encodedDataLength", 0)),
    )
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    return seen


def _add(seen, rid, key, n):
    item = seen.setdefault(rid, {"url": "?"})
    item[key] = item.get(key, 0) + n


def _js_self_time(profile: dict) -> dict[str, float]:
    """Seconds of JS self time per script (by file name) from a CDP sampling profile."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    deltas = profile.get("timeDeltas", [])
    per_node: dict[int, float] = defaultdict(float)
    for sid, dt in zip(profile.get("samples", []), [*deltas[1:], 0], strict=False):
        per_node[sid] += dt / 1e6
    out: dict[str, float] = defaultdict(float)
    for nid, s in per_node.items():
        frame = nodes[nid]["callFrame"]
        url = frame.get("url", "")
        name = url.rsplit("/", 1)[-1].split("?")[0] if url else f"({frame.get('functionName') or 'other'})"
        out[name] += s
    return dict(out)


# --- report --------------------------------------------------------------------------------------


def med(xs):
    return statistics.median(xs)


def spread(xs) -> str:
    return f"{min(xs):.2f}–{max(xs):.2f}"


def figure_rows(runs: dict[str, list[dict]]) -> None:
    rows = [
        ("time to first chart", "s", lambda v: v["chart_s"]),
        ("renderer CPU at chart", "s", lambda v: v["at_chart"]["ProcessTime"]),
        ("renderer CPU at idle", "s", lambda v: v["at_idle"]["ProcessTime"]),
        ("  main thread: tasks", "s", lambda v: v["at_idle"]["TaskDuration"]),
        ("  main thread: script", "s", lambda v: v["at_idle"]["ScriptDuration"]),
        ("  main thread: layout", "s", lambda v: v["at_idle"]["LayoutDuration"]),
        ("  main thread: style", "s", lambda v: v["at_idle"]["RecalcStyleDuration"]),
        ("all Chromium CPU over the visit", "s", lambda v: v["chromium_cpu"]),
        ("time to idle", "s", lambda v: v["idle_s"]),
    ]
    print(
        f"{'figure':<32} | {'floor median (min–max)':>23} | {'gdviz median (min–max)':>23} | "
        f"{'gdviz/floor':>11} | {'paired':>6} | {'/goal':>5} |"
    )
    for name, unit, get in rows:
        f = [get(v) for v in runs["floor"]]
        g = [get(v) for v in runs["gdviz"]]
        ratio = med(g) / med(f) if med(f) else float("nan")
        paired = med([b / a for a, b in zip(f, g, strict=True) if a]) if any(f) else float("nan")
        verdict = ("PASS" if ratio <= GOAL else "MISS") if name == "time to first chart" else ""
        print(
            f"{name:<32} | {med(f):7.2f} {unit} ({spread(f):>11}) | {med(g):7.2f} {unit} ({spread(g):>11}) | "
            f"{ratio:11.2f} | {paired:6.2f} | {ratio / GOAL:5.2f} | {verdict}"
        )
    print(
        f"goal: time to first chart <= {GOAL} x the floor's (ratio /goal <= 1); the CPU rows are held "
        f"against the same {GOAL} for reference"
    )


def profile_report(prof: dict[str, dict]) -> None:
    print("\n--- profile: one more visit per app, CDP Network and sampling profiler on ---")
    scripts = {}
    for app, v in prof.items():
        reqs = [r for r in v["network"].values() if "encoded" in r]
        by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for r in reqs:
            t = by_type[r.get("type") or "?"]
            t[0] += 1
            t[1] += r.get("encoded", 0)
            t[2] += r.get("decoded", 0)
        enc = sum(r.get("encoded", 0) for r in reqs)
        dec = sum(r.get("decoded", 0) for r in reqs)
        print(f"{app}: {len(reqs)} requests, {enc / 1e6:.2f} MB over the wire, {dec / 1e6:.2f} MB decoded")
        for kind, (n, e, d) in sorted(by_type.items(), key=lambda kv: -kv[1][2]):
            print(f"    {kind:<12} {n:>3} requests  {e / 1e3:9.0f} kB wire  {d / 1e3:9.0f} kB decoded")
        scripts[app] = {
            r["url"].rsplit("/", 1)[-1].split("?")[0]: r.get("decoded", 0)
            for r in reqs
            if r.get("type") == "Script" or r["url"].split("?")[0].endswith(".js")
        }
    only = {k: n for k, n in scripts["gdviz"].items() if k not in scripts["floor"]}
    print(
        f"scripts gdviz loads that the floor does not: {len(only)}, {sum(only.values()) / 1e3:.0f} kB decoded"
    )
    js = prof["gdviz"]["js_self"]
    for name, n in sorted(only.items(), key=lambda kv: -kv[1]):
        if n >= 10_000:
            print(f"    {name:<44} {n / 1e3:8.0f} kB   JS self time here {js.get(name, 0.0):5.2f} s")
    print("JS self time by script (sampling profiler; s):")
    names = set(prof["floor"]["js_self"]) | set(js)
    top = sorted(names, key=lambda k: -max(js.get(k, 0.0), prof["floor"]["js_self"].get(k, 0.0)))[:14]
    print(f"    {'script':<44} {'floor':>6} {'gdviz':>6}")
    for name in top:
        print(f"    {name:<44} {prof['floor']['js_self'].get(name, 0.0):6.2f} {js.get(name, 0.0):6.2f}")
    print("first view at idle (DOM):")
    keys = (
        "nodes",
        "sidebar",
        "main",
        "in_closed_expanders",
        "not_rendered",
        "iframes",
        "canvases",
        "plotly_charts",
        "katex",
    )
    print(
        "    "
        + " | ".join(f"{k} {prof['floor']['dom'][k]}/{prof['gdviz']['dom'][k]}" for k in keys)
        + "  (floor/gdviz)"
    )
    ids = Counter(prof["gdviz"]["dom"]["testids"])
    floor_ids = prof["floor"]["dom"]["testids"]
    print("    gdviz's Streamlit elements (data-testid: count, floor's count):")
    print(
        "    "
        + ", ".join(
            f"{k} {n}" + (f" ({floor_ids[k]})" if k in floor_ids else "") for k, n in ids.most_common()
        )
    )


# --- main ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def server(script: Path, given: str | None):
    if given:
        yield given.rstrip("/")
        return
    with streamlit_server(script, cwd=ROOT) as url:
        yield url


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--profile", action="store_true", help="also what each first visit loads and shows")
    ap.add_argument("--gdviz-url", help="measure an app already running there instead of starting app.py")
    ap.add_argument("--floor-url", help="the same for the floor")
    ap.add_argument(
        "--figure",
        action="store_true",
        help="also the floor page showing gdviz's default race figure (floor_app.py?chart=race): what "
        "the figure alone costs",
    )
    args = ap.parse_args()
    reason = browser_missing_reason()
    if reason:
        print(f"skipped: {reason}")
        return
    import plotly
    import streamlit
    from playwright.sync_api import sync_playwright

    print(
        f"streamlit {streamlit.__version__}, plotly {plotly.__version__}, cpus {os.cpu_count()}, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.rounds} rounds, "
        f"viewport {VIEWPORT['width']}x{VIEWPORT['height']}"
    )
    # the gdviz server gets GDVIZ_BUDGET_AUTO_SECONDS=30 from streamlit_server: the first view runs at
    # once instead of asking for a click on a loaded machine
    with (
        server(APP, args.gdviz_url) as gd_url,
        server(FLOOR, args.floor_url) as floor_url,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        bcdp = browser.new_browser_cdp_session()
        urls = {"gdviz": gd_url, "floor": floor_url}
        if args.figure:
            urls["figure"] = floor_url.rstrip("/") + "/?chart=race"
        for url in urls.values():  # warm each server (imports, shared caches); not counted
            visit(browser, bcdp, url)
        runs: dict[str, list[dict]] = {app: [] for app in urls}
        for r in range(args.rounds):
            order = tuple(urls) if r % 2 == 0 else tuple(reversed(urls))
            for app in order:
                v = visit(browser, bcdp, urls[app])
                runs[app].append(v)
                print(
                    f"  round {r + 1} {app:<5}: chart {v['chart_s']:5.2f} s, renderer CPU "
                    f"{v['at_chart']['ProcessTime']:5.2f} s at chart / {v['at_idle']['ProcessTime']:5.2f} s idle, "
                    f"all Chromium {v['chromium_cpu']:5.2f} s"
                    + (f"  ERRORS {v['errors']}" if v["errors"] else ""),
                    flush=True,
                )
        print()
        figure_rows(runs)
        if args.figure:
            print("\nthe floor page with gdviz's default race figure instead of its three points:")
            figure_rows({"floor": runs["floor"], "gdviz": runs["figure"]})
        if args.profile:
            profile_report({app: visit(browser, bcdp, urls[app], profile=True) for app in ("floor", "gdviz")})
        browser.close()


if __name__ == "__main__":
    main()
