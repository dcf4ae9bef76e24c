"""Replicas behind nginx (deploy/nginx_conf.py, deploy/serve.py): the sticky-session routing with real
nginx in front of small stand-in servers (fast, exact), the shared cookie secret, serve.py's health
checks and shutdown with real `streamlit run` replicas, and in Chromium the failover that issue 14
asks for: two replicas, sessions on both, one killed, every session back on the survivor with its
view and no error page."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import (
    BUDGET_AUTO_SECONDS_UNDER_TEST,
    NGINX,
    ROOT,
    VIEWPORT,
    _load_deploy,
    _read,
    assert_no_exception,
    free_port,
    nginx_missing_reason,
    nginx_proxy,
    screenshot,
    skip_or_fail,
    wait_for_app,
)

conf = _load_deploy("nginx_conf")
serve = _load_deploy("serve")
CHART = ".js-plotly-plot .imagelayer image"


@pytest.fixture(scope="module")
def nginx_installed():
    reason = nginx_missing_reason()
    if reason:
        skip_or_fail(reason)


def open_dir(prefix: str) -> Path:
    # not under pytest's tmp_path: /tmp/pytest-of-root is 0700, and nginx's workers run as nobody
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="module")
def static_mirror():
    """Streamlit's frontend files mirrored once for every cluster in this module."""
    path = open_dir("gdviz-static-")
    try:
        conf.mirror_static(path)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def state_dir():
    path = open_dir("gdviz-state-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- the configuration --------------------------------------------------------------------------------


def _render(replicas, tmp_path):
    return conf.render(
        listen="127.0.0.1:9",
        upstream=replicas,
        static_dir=tmp_path,
        mime_types="/etc/nginx/mime.types",
        runtime_dir=tmp_path,
    )


def test_each_replica_has_its_own_group_with_the_others_as_backups(tmp_path):
    reps = ["127.0.0.1:8501", "127.0.0.1:8502", "[::1]:8503"]
    text = _render(reps, tmp_path)
    for i, addr in enumerate(reps):
        group = text.split(f"upstream gdviz_r{i + 1} {{", 1)[1].split("}", 1)[0]
        assert f"server {addr} max_fails=1 fail_timeout={conf.FAIL_TIMEOUT_S}s;" in group
        others = [a for a in reps if a != addr]
        assert all(
            f"server {a} max_fails=1 fail_timeout={conf.FAIL_TIMEOUT_S}s backup;" in group for a in others
        )
        assert f"r{i + 1} gdviz_r{i + 1};" in text
    new = text.split("upstream gdviz_new {", 1)[1].split("}", 1)[0]
    assert "least_conn;" in new and "backup" not in new
    assert all(f"server {a} " in new for a in reps)
    # the cookie is set from the replica that answered, also on the websocket's 101
    assert text.count("add_header Set-Cookie $gdviz_set_cookie always;") == 2
    assert r'"~(^|\s)\[::1\]:8503$" r3;' in text


@pytest.mark.parametrize(
    "bad", ["localhost:8501", "127.0.0.1", "10.0.0.1:0", "app-1.internal:8501", "::1:8501"]
)
def test_replicas_must_be_literal_addresses(bad, tmp_path):
    with pytest.raises(ValueError, match="literal IP:port"):
        _render([bad], tmp_path)


def test_a_replica_listed_twice_is_refused(tmp_path):
    with pytest.raises(ValueError, match="twice"):
        _render(["127.0.0.1:8501", "127.0.0.1:8501"], tmp_path)


def test_command_line_takes_repeated_upstreams(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(conf, "mirror_static", lambda target: (0, 0, 0))
    args = ["--upstream", "127.0.0.1:8601", "--upstream", "127.0.0.1:8602", "--static-dir", str(tmp_path)]
    assert conf.main([*args, "--mime-types", "/etc/nginx/mime.types", "--error-log", "stderr"]) == 0
    text = capsys.readouterr().out
    assert "upstream gdviz_r2 {" in text and "server 127.0.0.1:8602 max_fails=1" in text
    assert "error_log stderr warn;" in text


def test_sixteen_replicas_pass_nginx_t(tmp_path, nginx_installed):
    reps = [f"127.0.0.1:{8501 + i}" for i in range(16)]
    path = tmp_path / "nginx.conf"
    path.write_text(_render(reps, tmp_path).replace("/etc/nginx/mime.types", conf.find_mime_types()))
    done = subprocess.run(
        [str(NGINX), "-t", "-p", str(tmp_path), "-c", str(path)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr


# --- routing, with real nginx in front of stand-in replicas ------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Streamlit: nginx keeps idle upstream connections

    def setup(self):
        super().setup()
        self.server.conns.add(self.connection)

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = b"ok"
        self.send_response(200)
        self.send_header("X-Stand-In", self.server.name)
        self.send_header("Content-Length", str(len(body)))
        if self.headers.get("Connection", "").lower() == "close":
            # http.server closes without saying so; nginx would then reuse a dead connection
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = _answer

    def log_message(self, *args):
        pass


class StandIn:
    """A tiny HTTP server that says which replica it is (header X-Stand-In); stop() and start()
    close and reopen its port and drop its open connections, as a replica's death and restart do."""

    def __init__(self, name: str, port: int):
        self.name, self.port, self.server = name, port, None

    def start(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        self.server.name = self.name
        self.server.conns = set()
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            for conn in list(self.server.conns):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            self.server = None


@pytest.fixture
def stand_ins(nginx_installed, tmp_path):
    servers = [StandIn(f"r{i + 1}", free_port()) for i in range(2)]
    for s in servers:
        s.start()
    try:
        with nginx_proxy([f"http://127.0.0.1:{s.port}" for s in servers], static_dir=tmp_path) as front:
            yield front, servers
    finally:
        for s in servers:
            s.stop()


def request(front: str, path: str, cookie: str | None = None, method: str = "GET"):
    """(status, replica that answered, the replica named by a Set-Cookie or None)."""
    host = front.split("//", 1)[1]
    conn = http.client.HTTPConnection(host, timeout=10)
    headers = {"Cookie": f"{conf.COOKIE}={cookie}"} if cookie else {}
    try:
        conn.request(method, path, body=b"x" * 100 if method == "PUT" else None, headers=headers)
        resp = conn.getresponse()
        resp.read()
        set_cookie = resp.getheader("Set-Cookie")
        named = None
        if set_cookie:
            assert set_cookie.startswith(f"{conf.COOKIE}=") and "HttpOnly" in set_cookie, set_cookie
            named = set_cookie.split("=", 1)[1].split(";", 1)[0]
        return resp.status, resp.getheader("X-Stand-In"), named
    finally:
        conn.close()


def test_a_new_visitor_gets_a_cookie_naming_the_replica_that_answered(stand_ins):
    front, _ = stand_ins
    seen = set()
    for _ in range(6):
        status, served, named = request(front, "/")
        assert status == 200 and named == served
        seen.add(served)
    assert seen == {"r1", "r2"}, "least_conn should spread new visitors over both replicas"


# Everything a session asks its replica for: its websocket (a plain GET here, the real upgrade is in
# the browser test), health pings, uploads (PUT), media, components, the page itself.
SESSION_REQUESTS = [
    ("GET", "/_stcore/stream"),
    ("GET", "/_stcore/health"),
    ("PUT", "/_stcore/upload_file/session-id/file-id"),
    ("GET", "/media/0123abcd.png"),
    ("GET", "/component/some.component/index.html"),
    ("GET", "/?problem=quadratic"),
]


def test_every_request_of_a_session_stays_on_its_replica(stand_ins):
    front, _ = stand_ins
    for method, path in SESSION_REQUESTS:
        for replica in ("r1", "r2"):
            for _ in range(3):
                # no Set-Cookie when the cookie is right: not one per health ping of every visitor
                assert request(front, path, cookie=replica, method=method) == (200, replica, None), path


def test_an_unknown_cookie_is_treated_as_a_new_visitor(stand_ins):
    front, _ = stand_ins
    status, served, named = request(front, "/", cookie="r1:r1")
    assert status == 200 and served in ("r1", "r2") and named == served


def test_visitors_of_a_dead_replica_move_to_a_survivor_and_stay_there(stand_ins):
    front, (r1, _r2) = stand_ins
    r1.stop()
    # the next request of r1's visitors: served (no error page), and the cookie moves with them
    assert request(front, "/_stcore/health", cookie="r1") == (200, "r2", "r2")
    # new visitors are not sent to the dead replica
    for _ in range(4):
        status, served, _named = request(front, "/")
        assert (status, served) == (200, "r2")
    r1.start()
    # r1 is back, but the moved sessions live on r2 now: their uploads must keep reaching r2
    for method, path in (("GET", "/_stcore/stream"), ("PUT", "/_stcore/upload_file/s/f")):
        assert request(front, path, cookie="r2", method=method) == (200, "r2", None)


def test_when_every_replica_is_down_nginx_answers_502_not_a_hang(stand_ins):
    front, servers = stand_ins
    for s in servers:
        s.stop()
    status, served, _ = request(front, "/_stcore/health", cookie="r1")
    assert status == 502 and served is None


# --- the shared cookie secret ---------------------------------------------------------------------------


def test_cookie_secret_is_made_once_private_and_reused(tmp_path):
    path = tmp_path / "state" / "cookie-secret.env"
    first = serve.load_or_create_secret(path)
    assert len(first) == 64 and int(first, 16) >= 0
    assert (path.stat().st_mode & 0o777) == 0o600
    assert serve.load_or_create_secret(path) == first
    assert path.read_text() == f"{serve.SECRET_VAR}={first}\n"


def test_a_cookie_secret_others_can_read_is_refused(tmp_path):
    path = tmp_path / "cookie-secret.env"
    serve.load_or_create_secret(path)
    path.chmod(0o644)
    with pytest.raises(SystemExit, match="chmod 600"):
        serve.load_or_create_secret(path)


def test_streamlit_takes_the_cookie_secret_from_the_environment():
    code = "from streamlit import config; config.get_config_options(); print(config.get_option('server.cookieSecret'))"
    env = {**os.environ, serve.SECRET_VAR: "f00d" * 16}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "f00d" * 16


# --- serve.py with real replicas ------------------------------------------------------------------------


def _status(state: Path) -> dict | None:
    try:
        return json.loads((state / "status.json").read_text())
    except (OSError, ValueError):
        return None


def _wait(what: str, cond, timeout: float, proc: subprocess.Popen, out: Path):
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"serve.py: {what} (exit {proc.poll()}):\n{_read(str(out))}", pytrace=False)
        time.sleep(0.2)


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.slow
def test_serve_restarts_dead_and_hung_replicas_and_stops_cleanly(tmp_path, state_dir, nginx_installed):
    state, out = state_dir, tmp_path / "serve.log"
    listen = f"127.0.0.1:{free_port()}"
    base = free_port()
    for _ in range(20):  # serve.py takes consecutive ports from --base-port
        if serve.port_free(base + 1):
            break
        base = free_port()
    ports = [base, base + 1]
    cmd = [
        sys.executable,
        str(ROOT / "deploy" / "serve.py"),
        *("--replicas", "2", "--listen", listen, "--base-port", str(ports[0]), "--state-dir", str(state)),
        *("--check-interval", "0.3", "--health-timeout", "1", "--unhealthy-after", "2"),
    ]
    with open(out, "wb") as log:
        # the replicas inherit serve.py's environment: pages at once whatever the machine's load,
        # as in every test server (tests/browser_support.py)
        env = {"GDVIZ_BUDGET_AUTO_SECONDS": str(BUDGET_AUTO_SECONDS_UNDER_TEST), **os.environ}
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    pids: set[int] = set()
    try:
        status = _wait("never became ready", lambda: _status(state), 120, proc, out)
        assert serve.health_ok(f"http://{listen}/_stcore/health", 5)
        first = [r["pid"] for r in status["replicas"]]
        pids.update([*first, status["nginx"]["pid"]])
        # one secret for all, through the environment, never the command line
        secret = serve.load_or_create_secret(state / "cookie-secret.env")
        for pid in first:
            assert _environ(pid)[serve.SECRET_VAR] == secret
            assert secret not in Path(f"/proc/{pid}/cmdline").read_text()

        os.kill(first[0], signal.SIGKILL)  # a crash
        status = _wait(
            "did not restart the killed replica",
            lambda: (
                (s := _status(state))
                and s["replicas"][0]["restarts"] == 1
                and s["replicas"][0]["healthy"]
                and s
            ),
            120,
            proc,
            out,
        )
        assert status["replicas"][0]["last_exit"] == -signal.SIGKILL
        pids.add(status["replicas"][0]["pid"])

        hung = status["replicas"][1]["pid"]
        os.kill(hung, signal.SIGSTOP)  # alive, answering nothing: only the health check can tell
        status = _wait(
            "did not replace the hung replica",
            lambda: (
                (s := _status(state))
                and s["replicas"][1]["restarts"] == 1
                and s["replicas"][1]["healthy"]
                and s
            ),
            120,
            proc,
            out,
        )
        assert _gone(hung) and status["replicas"][1]["pid"] != hung
        pids.add(status["replicas"][1]["pid"])
        assert serve.health_ok(f"http://{listen}/_stcore/health", 5)

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, _read(str(out))
        assert all(_gone(pid) for pid in pids), "serve.py left a replica or nginx running"
        assert not (state / "status.json").exists()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for pid in pids:  # what serve.py would have stopped had it not failed
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


# --- the failover, in Chromium ----------------------------------------------------------------------------

# Different page states, all carried by the address bar; the last one is changed by a click.
VIEWS = [
    "/?problem=quadratic&steps=200&run=gd,0.015",
    "/?problem=rosenbrock&steps=300&run=adam,0.05&run=momentum,0.01,momentum=0.9",
    "/?problem=himmelblau&run=gd,0.01&lang=zh",
    "/?problem=beale&steps=150&run=gd,0.001",
]


@pytest.fixture
def two_replicas(nginx_installed, static_mirror, state_dir):
    # restart=False: the test must see its sessions land on the survivor, not on a restarted replica
    cluster = serve.Cluster(
        2,
        state_dir=state_dir,
        listen=f"127.0.0.1:{free_port()}",
        ports=[free_port(), free_port()],
        static_dir=static_mirror,
        restart=False,
    )
    with cluster:
        yield cluster


def _replica_of(context) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == conf.COOKIE), None)


def _view(page) -> dict:
    """What the visitor sees of the state: the address bar's query, the problem's title, the chart."""
    return {
        "query": parse_qs(urlsplit(page.url).query),
        "title": page.locator("h1").first.inner_text(),
        "chart": page.locator(CHART).count() > 0,
    }


@pytest.mark.browser
def test_every_session_recovers_its_view_when_its_replica_dies(browser, two_replicas):
    url = two_replicas.url
    sessions = []
    try:
        for i, path in enumerate(VIEWS):
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            sockets: list = []
            page.on("websocket", lambda ws, sockets=sockets: sockets.append(ws))
            page.goto(url + path)
            wait_for_app(page)
            # generous: two fresh replicas, nginx and Chromium share a loaded 2-core CI machine (a
            # fresh-clone run once took over 60 s here; alone this test takes 31 s in all)
            page.wait_for_selector(CHART, state="attached", timeout=120_000)
            if i == len(VIEWS) - 1:  # state changed by the visitor, not by the link: only the URL keeps it
                page.locator('[data-testid="stSidebar"] button', has_text="中文").first.click()
                page.wait_for_function("() => location.search.includes('lang=zh')", timeout=30_000)
                wait_for_app(page)
            assert_no_exception(page)
            sessions.append(
                {"context": context, "page": page, "sockets": sockets, "replica": _replica_of(context)}
            )
        replicas = {s["replica"] for s in sessions}
        assert replicas == {"r1", "r2"}, f"sessions should land on both replicas: {replicas}"
        for s in sessions:
            s["before"] = _view(s["page"])
            assert s["before"]["chart"]
            s["n_sockets"] = len(s["sockets"])
        assert sessions[-1]["before"]["query"]["lang"] == ["zh"]

        two_replicas.kill("r1")
        victims = [s for s in sessions if s["replica"] == "r1"]
        deadline = time.monotonic() + 60
        for s in victims:
            page = s["page"]
            # a new websocket that talks: the frontend reconnected, to a new session on r2
            while not (
                len(s["sockets"]) > s["n_sockets"]
                and not s["sockets"][-1].is_closed()
                and _replica_of(s["context"]) == "r2"
            ):
                assert time.monotonic() < deadline, f"no reconnection after the kill: {s['before']}"
                page.wait_for_timeout(200)
        for s in sessions:
            page = s["page"]
            wait_for_app(page)
            page.wait_for_selector(CHART, state="attached", timeout=60_000)
            assert_no_exception(page)
            assert "Bad Gateway" not in page.content()
            assert _replica_of(s["context"]) == "r2"
            assert _view(page) == s["before"]
        screenshot(victims[-1]["page"], "replica_failover_after")
    finally:
        for s in sessions:
            s["context"].close()
