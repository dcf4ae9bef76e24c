"""Real-browser test helpers: a `streamlit run` server on a free loopback port and Playwright waits.

Fixtures built on these live in `conftest.py`; tests import the helpers (`wait_for_app`,
`assert_no_exception`, `screenshot`) from here.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")

# Without the background-networking flags Chromium keeps dialling Google's hosts, which this machine's
# closed network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
SERVER_START_TIMEOUT_S = 60.0
BUDGET_AUTO_SECONDS_UNDER_TEST = 30.0
# Set by .ci/run: there a missing browser is a broken install, not a reason to skip.
REQUIRE_BROWSER_ENV = "GDVIZ_REQUIRE_BROWSER"
# Base URL -> log file of each running server: the page only shows a redacted error box
# (showErrorDetails = "none"), so failures quote the server's traceback from here.
_SERVER_LOGS: dict[str, str] = {}


def skip_or_fail(reason: str) -> None:
    """Skip a test whose browser or server is missing; fail it where they must be there (CI)."""
    import pytest

    if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_BROWSER_ENV}=1)", pytrace=False)
    pytest.skip(reason)


def browser_missing_reason() -> str | None:
    """Why browser tests cannot run here, or None when Chromium and Playwright are both available."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium not installed at {CHROMIUM}; apt-get install chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python package playwright not installed; pip install -e '.[test]'"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _health_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200 and resp.read().strip() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _wait_healthy(base: str, proc: subprocess.Popen, timeout: float) -> str | None:
    """Poll `base`'s Streamlit health check until it answers ok; None then, else what went wrong."""
    deadline = time.monotonic() + timeout
    while not _health_ok(f"{base}/_stcore/health"):
        if proc.poll() is not None:
            return f"exited with code {proc.returncode}"
        if time.monotonic() > deadline:
            return f"not healthy after {timeout:.0f} s"
        time.sleep(0.2)
    return None


def _stop(proc: subprocess.Popen) -> None:
    # The server runs in its own session, so its pid is its process-group id: this reaches any
    # children it spawned and nothing else.
    if proc.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def streamlit_server(
    script: Path = APP, *, cwd: Path = ROOT, timeout: float = SERVER_START_TIMEOUT_S
) -> Iterator[str]:
    """Run `streamlit run script` on a free 127.0.0.1 port; yield its base URL once healthy.

    `cwd` decides which `.streamlit/config.toml` applies (the project's by default). On a failed
    start raises RuntimeError carrying the server's log.
    """
    script = Path(script)
    if not script.is_file():
        raise RuntimeError(f"Streamlit script not found: {script}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="streamlit-", suffix=".log", delete=False)
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless=true",
        f"--server.port={port}",
        "--server.address=127.0.0.1",
        "--browser.gatherUsageStats=false",
        # Other engineers edit the tree while tests run; a watcher would rerun the app mid-test.
        "--server.fileWatcherType=none",
    ]
    # The cost model is calibrated by probes of this machine, so on a loaded one (xdist runs two
    # browsers and servers on its cores) a default page may ask for a click that a quiet one runs
    # at once. These servers test what pages draw; the budget itself is tested without a browser.
    env = {"GDVIZ_BUDGET_AUTO_SECONDS": str(BUDGET_AUTO_SECONDS_UNDER_TEST), **os.environ}
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        what = _wait_healthy(base, proc, timeout)
        if what:
            raise RuntimeError(
                f"streamlit server {what}: {' '.join(cmd)}\n--- server log ---\n{_read(log.name)}"
            )
        _SERVER_LOGS[base] = log.name
        yield base
    finally:
        _SERVER_LOGS.pop(base, None)
        _stop(proc)
        log.close()
        with contextlib.suppress(OSError):
            os.unlink(log.name)


# GDVIZ_NGINX names another binary: CI points it at nothing once, to show that tests/deploy then
# skips with its reason instead of failing (a fresh machine without nginx).
NGINX = Path(os.environ.get("GDVIZ_NGINX", "/usr/sbin/nginx"))


def nginx_missing_reason() -> str | None:
    if not (NGINX.is_file() and os.access(NGINX, os.X_OK)):
        return f"nginx not installed at {NGINX}; apt-get install nginx"
    return None


def _deploy_module():
    return _load_deploy("nginx_conf")


@contextlib.contextmanager
def nginx_proxy(
    upstream: str | list[str], *, static_dir: Path | None = None, timeout: float = 30.0
) -> Iterator[str]:
    """Run nginx with deploy/nginx_conf.py's configuration in front of `upstream` (a base URL, or a
    list of them for replicas); yield the proxy's base URL. Everything lives in a temporary folder
    removed afterwards. `static_dir`: frontend files mirrored already (by default a fresh copy)."""
    import shutil

    conf_mod = _deploy_module()
    work = Path(tempfile.mkdtemp(prefix="gdviz-nginx-"))
    work.chmod(0o755)  # nginx's workers run as an unprivileged user when the master is root
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    conf = work / "nginx.conf"
    if static_dir is None:
        static_dir = work / "static"
        conf_mod.mirror_static(static_dir)
    upstreams = [upstream] if isinstance(upstream, str) else upstream
    conf.write_text(
        conf_mod.render(
            listen=f"127.0.0.1:{port}",
            upstream=[u.split("//", 1)[1] for u in upstreams],
            static_dir=static_dir,
            mime_types=conf_mod.find_mime_types(),
            runtime_dir=work,
        )
    )
    proc = subprocess.Popen(
        [str(NGINX), "-p", str(work), "-c", str(conf), "-g", "daemon off;"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        what = _wait_healthy(base, proc, timeout)
        if what:
            raise RuntimeError(f"nginx {what} on {base}:\n{_read(str(work / 'error.log'))}")
        yield base
    finally:
        _stop(proc)
        shutil.rmtree(work, ignore_errors=True)


def _load_deploy(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"gdviz_deploy_{name}", ROOT / "deploy" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _read(path: str) -> str:
    try:
        return Path(path).read_text(errors="replace")[-20_000:]
    except OSError as exc:
        return f"(log unreadable: {exc})"


def wait_for_app(page, timeout_ms: float = 30_000, settle_ms: float = 150) -> None:
    """Block until the Streamlit page is connected and its script has finished running.

    Call it after `page.goto` and after every interaction that triggers a rerun: `settle_ms` gives
    the rerun time to start, so a "not running" seen before it began does not count as done.
    """
    connected = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
    page.wait_for_selector(connected, state="attached", timeout=timeout_ms)
    if settle_ms:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        # A rerun may start a moment after the click; a fast one may also finish between two polls,
        # so "running" is awaited only briefly and missing it is fine.
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_selector(
                '[data-testid="stApp"][data-test-script-state="running"]', state="attached", timeout=settle_ms
            )
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            if (!app) return false;
            const state = app.getAttribute('data-test-script-state');
            return state === 'notRunning' || state === 'compilationError';
        }""",
        timeout=timeout_ms,
    )


def assert_no_exception(page) -> None:
    """Fail when the page shows a Streamlit exception box or the script did not compile."""
    boxes = page.locator('[data-testid="stException"]')
    if boxes.count():
        texts = "\n---\n".join(boxes.all_inner_texts())
        origin = "/".join(page.url.split("/")[:3])
        log = _SERVER_LOGS.get(origin)
        tail = f"\n--- server log (tail) ---\n{_read(log)[-4000:]}" if log else ""
        raise AssertionError(f"{boxes.count()} Streamlit exception(s) on the page:\n{texts}{tail}")
    state = page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state")
    if state == "compilationError":
        raise AssertionError("app.py failed to compile (script state compilationError)")


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of the page to tests/artifacts/<name>.png and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    path = ARTIFACTS / f"{stem}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# Plotly's public surface only (gd.data, gd.layout, gd.on events and the DOM it draws), never its
# private fields (_fullLayout, _transitionData …), which change between plotly.js releases.
ANIMATED = """(() => Array.from(document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')).find(
    g => g.layout && g.layout.sliders && g.layout.sliders.length
        && g.layout.updatemenus && g.layout.updatemenus.length))()"""
# The frame on screen: the last frame Plotly announced (plotly_animatingframe), else the slider's.
# The listener is installed on first use and notes the name on the element (public DOM).
CURRENT_FRAME = """(gd) => {
    if (!gd.dataset.gdvizWatch) {
        gd.dataset.gdvizWatch = '1';
        gd.on('plotly_animatingframe', e => { gd.dataset.gdvizFrame = String(e.name); });
    }
    if (gd.dataset.gdvizFrame !== undefined) return gd.dataset.gdvizFrame;
    const s = gd.layout.sliders[0], step = s.steps[s.active || 0];
    return step ? String(step.args[0][0]) : null;
}"""
# Page pixels of data point (x, y) on the subplot `xy`: its drag rectangle and the axes' ranges,
# both public (ranges are fixed by the figures, or written back by Plotly's autorange).
DATA_TO_PAGE = """(gd, subplot, x, y) => {
    const box = gd.querySelector(`.nsewdrag[data-subplot="${subplot}"]`).getBoundingClientRect();
    const m = subplot.match(/^x(\\d*)y(\\d*)$/);
    const xa = gd.layout['xaxis' + m[1]], ya = gd.layout['yaxis' + m[2]];
    const lin = (v, log) => log ? Math.log10(v) : v;
    const fx = (lin(x, xa.type === 'log') - xa.range[0]) / (xa.range[1] - xa.range[0]);
    const fy = (lin(y, ya.type === 'log') - ya.range[0]) / (ya.range[1] - ya.range[0]);
    return [box.left + fx * box.width, box.bottom - fy * box.height];
}"""
# The values of a data array as Plotly holds it in gd.data: a plain array, or the typed-array spec
# the figures send ({dtype, bdata: base64}, plotly.js' documented encoding), decoded here.
VALUES = """(v) => {
    if (v === undefined || v === null) return [];
    if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v);
    if (typeof v.bdata !== 'string') return [];
    const kinds = {f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array,
                   i2: Int16Array, u2: Uint16Array, i1: Int8Array, u1: Uint8Array};
    const raw = atob(v.bdata), bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return Array.from(new kinds[v.dtype.replace(/^[<>|]/, '')](bytes.buffer));
}"""
