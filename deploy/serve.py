"""One command for one machine: N Streamlit replicas of gdviz behind nginx with sticky sessions.

    python deploy/serve.py                                   # N = the cores this process may use
    python deploy/serve.py --replicas 4 --listen 0.0.0.0:80 --state-dir /var/lib/gdviz
    python deploy/serve.py --probe 127.0.0.1:8501            # one health check (systemd's timer)

What it does, and why:

- One `streamlit run app.py` per core on 127.0.0.1:<base-port + i>, each in its own process group,
  with the project's `.streamlit/config.toml` (the working directory is the project). A replica is
  one Python process held by its GIL: it uses about one core however busy it is, so one per core
  is what fills the machine; more would only add memory and context switches.
- One `server.cookieSecret` for all of them, made once and kept in `<state-dir>/cookie-secret.env`
  (mode 0600, reused across restarts; the same file works as a systemd EnvironmentFile). Streamlit
  signs its cookies with it: with one secret per replica a cookie signed by the replica that died
  would be refused by the survivor. It reaches the replicas through the environment
  (STREAMLIT_SERVER_COOKIE_SECRET), never the command line, which every local user can read in
  /proc/<pid>/cmdline.
- nginx in front (`deploy/nginx_conf.py`: static files, sticky sessions, passive health checks),
  started once every replica answers, so that the first visitors meet no refused connection.
- Active health checks: every `--check-interval` seconds each replica's `/_stcore/health`. A
  replica that exited is restarted at once (with a growing delay if it keeps dying young); one that
  is alive but has not answered `--unhealthy-after` checks in a row is killed and restarted. The
  timeout is generous on purpose: a replica busy with a class opening the link answers slowly,
  and restarting it would end every session it holds (`bench_load.py --replicas` reports the
  slowest health answer under load).
- SIGTERM or SIGINT: nginx stops first (no new requests reach a dying replica), then the replicas
  get SIGTERM, and SIGKILL after 10 s. If this process itself is killed, `setpriv --pdeathsig`
  (util-linux) makes the kernel send its children SIGTERM, so no orphan keeps a port.
- `<state-dir>/status.json` says which replica runs where, with its pid, health and restarts.

Only the standard library is used; nginx must be installed (`/usr/sbin/nginx` or on PATH).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import importlib.util
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
SECRET_VAR = "STREAMLIT_SERVER_COOKIE_SECRET"
STOP_GRACE_S = 10.0
# A replica that dies sooner than this after its start is crash-looping: wait before the next try.
YOUNG_DEATH_S = 30.0
MAX_BACKOFF_S = 60.0
# Measured (bench_load.py --server --replicas 1,2, two runs): /_stcore/health took up to 10.6–15.7 s
# to answer while one replica served 200 cold visits at once, and 3 s at 40 visits. With 3 misses of 10 s
# at 2 s intervals a replica must be silent for about 36 s before it is killed: a hung replica costs
# its visitors that long, a wrongful restart would cost every session on it.
HEALTH_TIMEOUT_S = 10.0


def _load_sibling(name: str):
    # Works both as `python deploy/serve.py` and when tests or benchmarks load this file by path.
    spec = importlib.util.spec_from_file_location(f"gdviz_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


nginx_conf = _load_sibling("nginx_conf")


def log(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} serve: {msg}", file=sys.stderr, flush=True)


# --- the shared cookie secret ------------------------------------------------------------------------


def load_or_create_secret(path: Path) -> str:
    """The cookie secret kept in `path` (an env file: SECRET_VAR=<hex>), created 0600 if absent.

    Refuses a file that others can read or that another user owns, as ssh does with its keys: a
    leaked secret lets anyone forge the cookies Streamlit signs.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(f"{SECRET_VAR}={secrets.token_hex(32)}\n")
    st = path.stat()
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SystemExit(f"{path} is readable by others (mode {stat.S_IMODE(st.st_mode):o}): chmod 600 it")
    if st.st_uid != os.getuid():
        raise SystemExit(f"{path} belongs to uid {st.st_uid}, not to this user ({os.getuid()})")
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == SECRET_VAR and len(value.strip()) >= 32:
            return value.strip()
    raise SystemExit(f"{path} holds no {SECRET_VAR}=<at least 32 characters>")


# --- processes ----------------------------------------------------------------------------------------


def _pdeathsig() -> list[str]:
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []


def _nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if not found:
        raise SystemExit("nginx not found: apt-get install nginx")
    return found


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    # Each child leads its own session, so its pid is its group's id: this reaches whatever it
    # spawned and nothing else.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def stop_all(procs: list[subprocess.Popen], grace: float = STOP_GRACE_S) -> None:
    """SIGTERM every group at once, SIGKILL whatever still runs after `grace` seconds."""
    live = [p for p in procs if p.poll() is None]
    for p in live:
        _signal_group(p, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for p in live:
        try:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(p, signal.SIGKILL)
            p.wait()


def health_ok(url: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status == 200 and resp.read().strip() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def raise_nofile_limit() -> None:
    # 200 cold visits need far more than the usual soft limit of 1024 descriptors; children inherit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@dataclass
class Replica:
    name: str
    port: int
    log_path: Path
    proc: subprocess.Popen | None = None
    started: float = 0.0
    healthy: bool = False
    ever_healthy: bool = False
    failures: int = 0
    restarts: int = 0
    young_deaths: int = 0
    not_before: float = 0.0
    last_exit: int | None = None
    _log: object = field(default=None, repr=False)

    @property
    def addr(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def health_url(self) -> str:
        return f"http://{self.addr}/_stcore/health"


class Cluster:
    """N replicas, their nginx front and the health checks; `with Cluster(...) as c:` runs it."""

    def __init__(
        self,
        replicas: int,
        *,
        state_dir: Path,
        listen: str = "127.0.0.1:8080",
        base_port: int = 8501,
        ports: list[int] | None = None,
        static_dir: Path | None = None,
        restart: bool = True,
        check_interval: float = 2.0,
        health_timeout: float = HEALTH_TIMEOUT_S,
        unhealthy_after: int = 3,
        start_timeout: float = 90.0,
        workers: str = nginx_conf.WORKERS,
        app: Path = APP,
    ):
        if replicas < 1:
            raise ValueError("at least one replica")
        ports = list(ports) if ports else [base_port + i for i in range(replicas)]
        if len(ports) != replicas:
            raise ValueError(f"{replicas} replicas but {len(ports)} ports")
        self.state_dir = Path(state_dir).resolve()
        self.listen = listen
        # A caller's static_dir is theirs, mirrored already (tests and benchmarks share one copy);
        # serve.py's own copy lives in the state dir and is refreshed when Streamlit changes.
        self.own_static = static_dir is None
        self.static_dir = Path(static_dir).resolve() if static_dir else self.state_dir / "static"
        self.restart = restart
        self.check_interval = check_interval
        self.health_timeout = health_timeout
        self.unhealthy_after = unhealthy_after
        self.start_timeout = start_timeout
        self.workers = workers
        self.app = Path(app).resolve()
        logs = self.state_dir / "logs"
        self.replicas = [
            Replica(name, port, logs / f"{name}.log")
            for name, port in zip(nginx_conf.replica_names(replicas), ports, strict=True)
        ]
        self.nginx: subprocess.Popen | None = None
        self.secret = ""
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=replicas, thread_name_prefix="health")
        self._lock = threading.Lock()
        self._stopped = False

    # --- start ---

    @property
    def url(self) -> str:
        host, _, port = self.listen.rpartition(":")
        host = host or "127.0.0.1"
        if host in ("0.0.0.0", "[::]", "*"):
            host = "127.0.0.1"
        return f"http://{host}:{port}"

    def start(self) -> None:
        raise_nofile_limit()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        # nginx's workers run as an unprivileged user when its master is root: they must reach the
        # static files; the secret file itself stays 0600.
        self.state_dir.chmod(0o755)
        check_reachable_by_workers(self.state_dir)
        check_reachable_by_workers(self.static_dir)
        (self.state_dir / "logs").mkdir(exist_ok=True)
        busy = [r.port for r in self.replicas if not port_free(r.port)]
        if busy:
            raise SystemExit(f"ports already in use: {busy} (another serve.py, or pass --base-port)")
        self.secret = load_or_create_secret(self.state_dir / "cookie-secret.env")
        if self.own_static:
            self._mirror_static()
        for r in self.replicas:
            self._spawn(r)
        self._wait_started()
        self._start_nginx()
        self._write_status()

    def _mirror_static(self) -> None:
        # Copying and gzipping 9.6 MB takes seconds: skip it while Streamlit's files are unchanged.
        source = nginx_conf.streamlit_static_root()
        files = sorted(p for p in source.rglob("*") if p.is_file())
        stamp = f"{source}\n{len(files)}\n{sum(p.stat().st_size for p in files)}\n{files[-1].name if files else ''}"
        stamp_file = self.static_dir.with_name(self.static_dir.name + ".stamp")
        if stamp_file.is_file() and stamp_file.read_text() == stamp and self.static_dir.is_dir():
            return
        shutil.rmtree(self.static_dir, ignore_errors=True)
        n, raw, packed = nginx_conf.mirror_static(self.static_dir, source)
        stamp_file.write_text(stamp)
        log(f"{n} frontend files ({raw / 1e6:.1f} MB, {packed / 1e6:.1f} MB gzipped) -> {self.static_dir}")

    def replica_command(self, r: Replica) -> list[str]:
        return [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.app),
            f"--server.port={r.port}",
            # loopback only: visitors reach a replica through nginx, never directly
            "--server.address=127.0.0.1",
            "--server.headless=true",
            # a deploy that edits files must not rerun every visitor's page mid-class
            "--server.fileWatcherType=none",
            "--browser.gatherUsageStats=false",
        ]

    def _spawn(self, r: Replica) -> None:
        if r._log is None:
            r._log = open(r.log_path, "ab")  # kept open for the replica's lifetime
        env = dict(os.environ)
        env[SECRET_VAR] = self.secret
        # N replicas share the host's cores: one worker process each for long work (gdviz.serve.jobs)
        env.setdefault("GDVIZ_JOB_WORKERS", "1")
        # Two malloc arenas instead of 8 per core: a threaded server's freed temporaries then go
        # back to a few arenas that gdviz trims (gdviz.serve.cache.release_memory), not to many.
        env.setdefault("MALLOC_ARENA_MAX", "2")
        r.proc = subprocess.Popen(
            [*_pdeathsig(), *self.replica_command(r)],
            cwd=self.app.parent,  # so that the project's .streamlit/config.toml applies
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=r._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        r.started = time.monotonic()
        r.healthy = r.ever_healthy = False
        r.failures = 0
        log(f"replica {r.name} starting on {r.addr} (pid {r.proc.pid}, log {r.log_path})")

    def _wait_started(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        pending = list(self.replicas)
        while pending:
            for r in list(pending):
                if r.proc.poll() is not None:
                    raise SystemExit(
                        f"replica {r.name} exited with code {r.proc.returncode} at start; see {r.log_path}"
                    )
                if health_ok(r.health_url, self.health_timeout):
                    r.healthy = r.ever_healthy = True
                    log(f"replica {r.name} healthy after {time.monotonic() - r.started:.1f} s")
                    pending.remove(r)
            if pending and time.monotonic() > deadline:
                raise SystemExit(
                    f"replicas {[r.name for r in pending]} not healthy after {self.start_timeout:.0f} s"
                )
            if pending:
                time.sleep(0.2)

    def nginx_text(self) -> str:
        return nginx_conf.render(
            listen=self.listen,
            upstream=[r.addr for r in self.replicas],
            static_dir=self.static_dir,
            mime_types=nginx_conf.find_mime_types(),
            runtime_dir=self.state_dir,
            workers=self.workers,
        )

    def _start_nginx(self) -> None:
        conf = self.state_dir / "nginx.conf"
        conf.write_text(self.nginx_text())
        nginx = _nginx_binary()
        base = [nginx, "-p", str(self.state_dir), "-c", str(conf)]
        checked = subprocess.run([*base, "-t", "-q"], capture_output=True, text=True, timeout=30)
        if checked.returncode != 0:
            raise SystemExit(f"nginx -t refused {conf}:\n{checked.stderr}")
        self.nginx = subprocess.Popen(
            [*_pdeathsig(), *base, "-g", "daemon off;"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while not health_ok(f"{self.url}/_stcore/health", self.health_timeout):
            if self.nginx.poll() is not None or time.monotonic() > deadline:
                tail = _tail(self.state_dir / "error.log")
                raise SystemExit(f"nginx did not come up on {self.listen}:\n{tail}")
            time.sleep(0.1)
        log(f"nginx (pid {self.nginx.pid}) on {self.url} in front of {len(self.replicas)} replica(s)")

    # --- health checks ---

    def check(self) -> None:
        """One round: restart what died, count unanswered health checks, restart what hangs."""
        with self._lock:
            if self._stopped:  # a check thread that outlives stop() must not start replicas again
                return
            now = time.monotonic()
            alive = [r for r in self.replicas if r.proc is not None and r.proc.poll() is None]
            answers = dict(
                zip(
                    [r.name for r in alive],
                    self._pool.map(lambda r: health_ok(r.health_url, self.health_timeout), alive),
                    strict=True,
                )
            )
            changed = False
            for r in self.replicas:
                if r.proc is None:  # waiting out a crash-loop delay
                    if self.restart and now >= r.not_before:
                        self._spawn(r)
                        changed = True
                    continue
                if r.proc.poll() is not None:
                    changed = True
                    self._died(r, now)
                    continue
                ok = answers.get(r.name, False)
                if ok:
                    if not r.ever_healthy:
                        log(f"replica {r.name} healthy after {now - r.started:.1f} s")
                    changed |= not r.healthy
                    r.healthy = r.ever_healthy = True
                    r.failures = 0
                    if now - r.started > YOUNG_DEATH_S:
                        r.young_deaths = 0
                    continue
                if not r.ever_healthy and now - r.started < self.start_timeout:
                    continue  # still importing: not a failure yet
                r.failures += 1
                changed |= r.healthy
                r.healthy = False
                log(f"replica {r.name} did not answer its health check ({r.failures}/{self.unhealthy_after})")
                if r.failures >= self.unhealthy_after:
                    # It answers nothing, so its sessions are lost already: no grace period to honour.
                    log(f"replica {r.name} (pid {r.proc.pid}) hangs: killing it")
                    _signal_group(r.proc, signal.SIGKILL)
                    r.proc.wait()
                    self._died(r, now)
            if self.nginx is not None and self.nginx.poll() is not None:
                log(f"nginx exited with code {self.nginx.returncode}; starting it again")
                self._start_nginx()
                changed = True
            if changed:
                self._write_status()

    def _died(self, r: Replica, now: float) -> None:
        r.last_exit = r.proc.returncode
        r.healthy = False
        young = now - r.started < YOUNG_DEATH_S
        r.young_deaths = r.young_deaths + 1 if young else 0
        delay = min(MAX_BACKOFF_S, 2.0 ** (r.young_deaths - 1)) if young else 0.0
        log(
            f"replica {r.name} (pid {r.proc.pid}) exited with code {r.last_exit}"
            + (f"; restarting in {delay:.0f} s" if self.restart else "; not restarting (restart off)")
        )
        r.proc = None
        r.not_before = now + delay
        if self.restart:
            r.restarts += 1
            if delay == 0:
                self._spawn(r)

    def serve_forever(self, stop: threading.Event) -> None:
        while not stop.wait(self.check_interval):
            self.check()

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Send `sig` to one replica's process group (tests and drills); its pid."""
        r = next(r for r in self.replicas if r.name == name)
        _signal_group(r.proc, sig)
        return r.proc.pid

    # --- status and stop ---

    def status(self) -> dict:
        return {
            "url": self.url,
            "nginx": {"pid": self.nginx.pid if self.nginx and self.nginx.poll() is None else None},
            "replicas": [
                {
                    "name": r.name,
                    "addr": r.addr,
                    "pid": r.proc.pid if r.proc is not None and r.proc.poll() is None else None,
                    "healthy": r.healthy,
                    "restarts": r.restarts,
                    "last_exit": r.last_exit,
                }
                for r in self.replicas
            ],
        }

    def _write_status(self) -> None:
        path = self.state_dir / "status.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.status(), indent=1) + "\n")
        os.replace(tmp, path)  # readers never see half a file

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            if self.nginx is not None:
                stop_all([self.nginx])
            stop_all([r.proc for r in self.replicas if r.proc is not None])
            for r in self.replicas:
                if r._log is not None:
                    r._log.close()
                    r._log = None
            self._pool.shutdown(wait=False)
            with contextlib.suppress(OSError):
                (self.state_dir / "status.json").unlink()

    def __enter__(self) -> Cluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _tail(path: Path, n: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError as exc:
        return f"({path} unreadable: {exc})"


def probe(addr: str, timeout: float, tries: int, interval: float = 2.0) -> bool:
    """True as soon as the replica at `addr` answers its health check; False after `tries` misses.
    For the several-host layout, where systemd runs this from gdviz-health@.service."""
    for i in range(tries):
        if health_ok(f"http://{addr}/_stcore/health", timeout):
            return True
        if i + 1 < tries:
            time.sleep(interval)
    return False


def default_replicas() -> int:
    # the cores this process may run on (a container or taskset may allow fewer than the machine has)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def default_state_dir() -> Path:
    if os.geteuid() == 0:
        # nginx's workers drop root for an unprivileged user, who cannot enter /root
        return Path("/var/lib/gdviz")
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "gdviz"


def check_reachable_by_workers(path: Path) -> None:
    """With a root master, nginx's workers run unprivileged: every folder above `path` must let
    others through, or the static files and temporary files fail with 403 / 500 at the first visit."""
    if os.geteuid() != 0:
        return
    for folder in [path, *path.parents]:
        if folder.exists() and not folder.stat().st_mode & stat.S_IXOTH:
            raise SystemExit(
                f"{folder} is closed to others (mode {stat.S_IMODE(folder.stat().st_mode):o}), so nginx's "
                f"unprivileged workers cannot reach {path}: choose --state-dir elsewhere (e.g. /var/lib/gdviz)"
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=default_replicas(), help="default: the usable cores")
    ap.add_argument("--listen", default="127.0.0.1:8080", help="nginx's address (0.0.0.0:80 for the public)")
    ap.add_argument("--base-port", type=int, default=8501, help="replica i listens on 127.0.0.1:base+i")
    ap.add_argument("--state-dir", type=Path, default=default_state_dir(), help="secret, logs, nginx files")
    ap.add_argument("--check-interval", type=float, default=2.0, help="seconds between health checks")
    ap.add_argument("--health-timeout", type=float, default=HEALTH_TIMEOUT_S, help="seconds a check may take")
    ap.add_argument("--unhealthy-after", type=int, default=3, help="unanswered checks before a restart")
    ap.add_argument("--workers", default=nginx_conf.WORKERS, help="nginx worker processes")
    ap.add_argument(
        "--probe",
        metavar="HOST:PORT",
        help="only check one replica (--unhealthy-after tries, --health-timeout each); exit 1 if it fails",
    )
    args = ap.parse_args(argv)
    if args.probe:
        ok = probe(args.probe, args.health_timeout, args.unhealthy_after)
        print(f"{args.probe}: {'healthy' if ok else f'no answer to {args.unhealthy_after} health checks'}")
        return 0 if ok else 1
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    cluster = Cluster(
        args.replicas,
        state_dir=args.state_dir,
        listen=args.listen,
        base_port=args.base_port,
        check_interval=args.check_interval,
        health_timeout=args.health_timeout,
        unhealthy_after=args.unhealthy_after,
        workers=args.workers,
    )
    with cluster:
        log(f"serving {cluster.url} (status: {cluster.state_dir / 'status.json'}); SIGTERM or Ctrl-C stops")
        cluster.serve_forever(stop)
        log("stopping")
    log("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
