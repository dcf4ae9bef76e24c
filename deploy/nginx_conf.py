"""An nginx front for a public gdviz demo: nginx serves Streamlit's frontend files, Streamlit the rest,
across one or more Streamlit replicas with sticky sessions.

    python deploy/nginx_conf.py --listen 80 --upstream 127.0.0.1:8501 --static-dir /var/cache/gdviz > gdviz.conf
    python deploy/nginx_conf.py --listen 80 --upstream 127.0.0.1:8501 --upstream 127.0.0.1:8502 ... > gdviz.conf
    nginx -c "$PWD/gdviz.conf"                      # next to `streamlit run app.py --server.port 8501` …

`deploy/serve.py` does all of it on one machine (replicas, shared cookie secret, health checks).

Why nginx serves the files: a first visit to gdviz fetches 134 content-hashed files (9.6 MB) under
/static/. Streamlit serves them through Python, uncompressed, at about 0.29 s of server CPU per
visitor; with 40 students opening the link at once that alone is 12 s of CPU on a 2-core machine
(`python benchmarks/bench_load.py --server` against `--server --proxy`: 0.35 s against 0.065 s per
visit). nginx sends the same files with sendfile, gzip-compressed ahead of time (3.0 MB on the
wire instead of 9.6 MB), and marks them immutable like Streamlit does. The page itself, its
websocket (`/_stcore/stream`), health checks, uploads, media and components still go to Streamlit.

Sticky sessions. A Streamlit session lives in one process: its websocket, the files it uploads
(`/_stcore/upload_file/<session>/…`), its media (`/media/…`) and components must all reach that
process. nginx open source has no `sticky cookie`, so the configuration builds it from `map`:

- The cookie `gdviz_replica` names the replica (r1, r2, …) that served this browser last. nginx
  writes it itself, from `$upstream_addr` (the replica that actually answered, the last one when
  nginx had to retry), and only when it differs from what the browser sent.
- A request with such a cookie goes to that replica's own upstream group, in which every other
  replica is a `backup`. A request without one (a new visitor) goes to a `least_conn` group: a
  Streamlit session holds its websocket open, so the replica with the fewest open connections is
  the one with the fewest live sessions, which is what should take the next one.
- When a replica dies, its visitors' next request (the frontend pings `/_stcore/health` before it
  reconnects) fails over to a backup, and the response moves their cookie to the replica that
  answered. A replica that comes back does not pull them back: their session now lives on the
  survivor, and their uploads must follow it there. A hash of the cookie (`hash … consistent`)
  would route them back to the restarted replica, which does not know their session.
- The page state lives in the address bar (gdviz writes it there on every run), so a reconnected
  visitor gets the same view on the survivor; only in-flight work is lost.

Passive health checks: a replica that refuses a connection or times out is skipped for
`fail_timeout` (`max_fails=1`), and the failed request is retried on another replica
(`proxy_next_upstream`), so a visitor sees no error page. Each upstream group keeps its own
failure count, so a dead replica costs one refused connect per group per `fail_timeout`, each
retried at once (on loopback or a LAN a refusal takes well under a millisecond; a silent host
costs `proxy_connect_timeout`). nginx open source has no active checks; `deploy/serve.py` (or
gdviz-health@.timer under systemd) restarts dead and hung replicas.

Replicas are given as literal IP:port (IPv6 as [addr]:port): the cookie is derived from
`$upstream_addr`, which holds addresses, and nginx resolves host names only once at start anyway.

`--static-dir` receives a copy of Streamlit's `static/static` folder with a `.gz` beside each
compressible file (nginx's `gzip_static`); rerun the script after upgrading Streamlit, whose file
names change with each release. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import ipaddress
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

COMPRESSIBLE = {".js", ".css", ".map", ".json", ".svg", ".txt", ".html", ".ttf"}
MIME_TYPES = (
    "/etc/nginx/mime.types",
    "/usr/local/etc/nginx/mime.types",
    "/opt/homebrew/etc/nginx/mime.types",
)
COOKIE = "gdviz_replica"
# A replica that refused a connection is left alone this long by every group before nginx tries it
# again with one request: short enough that a restarted replica takes new visitors soon, long enough
# that a dead one costs at most one failed connect per group per interval.
FAIL_TIMEOUT_S = 10
# One nginx worker serves a 2-core machine's static files with room to spare (bench_load.py
# --replicas reports nginx's CPU per visit); a dedicated proxy host can pass --workers auto.
WORKERS = "1"
# A cold visit holds about 8 connections in nginx (6 for static files like a browser, the websocket
# and its upstream side), a settled session 2: 200 cold visits at once are 1 600. Two descriptors
# per connection must stay under the hard RLIMIT_NOFILE, which nginx cannot raise without
# CAP_SYS_RESOURCE (20 000 on these machines; the systemd unit sets LimitNOFILE=65536).
WORKER_CONNECTIONS = 8192

TEMPLATE = """\
# Generated by deploy/nginx_conf.py: nginx serves Streamlit's frontend files, Streamlit the rest,
# over {n} replica(s) with sticky sessions (see the script's docstring for why it is built this way).
worker_processes {workers};
worker_rlimit_nofile {nofile};
# websockets never end by themselves: without a limit a reload or stop would wait for every visitor
worker_shutdown_timeout 10s;
pid {pid};
error_log {error_log} warn;
events {{ worker_connections {worker_connections}; }}

http {{
    include {mime_types};
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    server_tokens off;
    client_max_body_size 6m;  # Streamlit caps uploads at 5 MB (.streamlit/config.toml)
    {temp_paths}

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      close;
    }}

    # --- sticky sessions: the cookie names a replica; unknown or absent -> a new visitor ---
    map $cookie_{cookie} $gdviz_pool {{
        default gdviz_new;
{pool_map}
    }}

    # The replica that answered: the last address when nginx retried ("a, b" or "a : b").
    map $upstream_addr $gdviz_served {{
        default "";
{served_map}
    }}

    # Set the cookie only when it changes: not on every health ping of every visitor.
    map "$cookie_{cookie}:$gdviz_served" $gdviz_set_cookie {{
        "~:$"                         "";
        "~^(?<had>[^:]*):\\k<had>$"   "";
        default "{cookie}=$gdviz_served; Path=/; HttpOnly; SameSite=Lax$gdviz_cookie_secure";
    }}
    map $scheme $gdviz_cookie_secure {{
        default "";
        https   "; Secure";
    }}

    # New visitors: the replica with the fewest open connections (one websocket per session).
    upstream gdviz_new {{
        zone gdviz_new 64k;
        least_conn;
{new_servers}
        keepalive 8;
    }}
{replica_upstreams}
    server {{
        listen {listen};

        # Content-hashed bundles: a new Streamlit release ships new names, so they never go stale.
        location /static/ {{
            alias {static_dir}/;
            gzip_static on;
            add_header Cache-Control "public, immutable, max-age=31536000";
            add_header X-Served-By nginx;
        }}

        # Connect failures to a replica on another host should fail over in seconds, not in a minute.
        proxy_connect_timeout 3s;
        # Retry a refused or timed-out request elsewhere; uploads (PUT) are never retried by nginx
        # (non-idempotent), which is right: the session they belong to died with its replica.
        proxy_next_upstream error timeout http_503;
        proxy_next_upstream_tries 3;
        proxy_next_upstream_timeout 10s;

        location = /_stcore/stream {{
            proxy_pass http://$gdviz_pool;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            # $http_host keeps the port: Streamlit compares the websocket's Origin with it
            proxy_set_header Host $http_host;
            proxy_read_timeout 1d;
            proxy_send_timeout 1d;
            # `always`: a 101 Switching Protocols answer is not one of add_header's usual codes
            add_header Set-Cookie $gdviz_set_cookie always;
        }}

        location / {{
            proxy_pass http://$gdviz_pool;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_buffering off;
            add_header Set-Cookie $gdviz_set_cookie always;
        }}
    }}
}}
"""

REPLICA_UPSTREAM = """
    # Visitors whose session lives on {name}; the others are backups for when {name} is down.
    upstream gdviz_{name} {{
        zone gdviz_{name} 64k;
{servers}
        keepalive 8;
    }}
"""


def check_replica(addr: str) -> str:
    """`addr` if it is a literal IPv4:port or [IPv6]:port, else ValueError (see the docstring)."""
    m = re.fullmatch(r"(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d{1,5})", addr)
    if m:
        try:
            ipaddress.ip_address(m.group(1).strip("[]"))
        except ValueError:
            m = None
    if not m or not 0 < int(m.group(2)) < 65536:
        raise ValueError(f"replica {addr!r}: give a literal IP:port such as 127.0.0.1:8501 or [::1]:8501")
    return addr


def replica_names(n: int) -> list[str]:
    return [f"r{i + 1}" for i in range(n)]


def _server(addr: str, backup: bool = False) -> str:
    return f"        server {addr} max_fails=1 fail_timeout={FAIL_TIMEOUT_S}s{' backup' if backup else ''};"


def upstream_blocks(replicas: Sequence[str]) -> dict[str, str]:
    """The parts of the template that depend on the replicas."""
    names = replica_names(len(replicas))
    blocks = []
    for name, addr in zip(names, replicas, strict=True):
        servers = [_server(addr)] + [_server(other, backup=True) for other in replicas if other != addr]
        blocks.append(REPLICA_UPSTREAM.format(name=name, servers="\n".join(servers)))
    return {
        "pool_map": "\n".join(f"        {name} gdviz_{name};" for name in names),
        "served_map": "\n".join(
            f'        "~(^|\\s){re.escape(addr)}$" {name};'
            for name, addr in zip(names, replicas, strict=True)
        ),
        "new_servers": "\n".join(_server(addr) for addr in replicas),
        "replica_upstreams": "".join(blocks),
    }


def streamlit_static_root() -> Path:
    """Streamlit's built frontend files (`<site-packages>/streamlit/static/static`)."""
    spec = importlib.util.find_spec("streamlit")
    if spec is None or not spec.origin:
        raise SystemExit("streamlit is not installed in this Python")
    root = Path(spec.origin).parent / "static" / "static"
    if not root.is_dir():
        raise SystemExit(f"Streamlit's frontend files are not at {root}")
    return root


def mirror_static(target: Path, source: Path | None = None) -> tuple[int, int, int]:
    """Copy the frontend files to `target` with a gzip beside each compressible one.

    Returns (files, bytes, gzipped bytes of the compressible files). Existing files are replaced.
    """
    source = source or streamlit_static_root()
    files = raw = packed = 0
    for src in sorted(source.rglob("*")):
        if not src.is_file():
            continue
        dst = target / src.relative_to(source)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        files += 1
        raw += src.stat().st_size
        if src.suffix in COMPRESSIBLE:
            data = gzip.compress(src.read_bytes(), compresslevel=9, mtime=0)
            dst.with_name(dst.name + ".gz").write_bytes(data)
            packed += len(data)
        else:
            packed += src.stat().st_size
    return files, raw, packed


def find_mime_types() -> str:
    for path in MIME_TYPES:
        if Path(path).is_file():
            return path
    raise SystemExit("nginx's mime.types not found; pass --mime-types")


def render(
    *,
    listen: str,
    upstream: str | Sequence[str],
    static_dir: Path,
    mime_types: str,
    runtime_dir: Path | None = None,
    error_log: str | None = None,
    workers: str = WORKERS,
) -> str:
    """The configuration text for one replica (a string) or several (a sequence of IP:port).

    `runtime_dir` puts the pid file, error log and temporary files there (for running nginx
    unprivileged, as the benchmark and tests do, or in systemd's RuntimeDirectory); otherwise
    nginx's defaults. `error_log` overrides the log's place ("stderr" under systemd: the journal).
    """
    replicas = [upstream] if isinstance(upstream, str) else list(upstream)
    if not replicas:
        raise ValueError("at least one replica is needed")
    if len(set(replicas)) != len(replicas):
        raise ValueError(f"a replica is listed twice: {replicas}")
    for addr in replicas:
        check_replica(addr)
    if runtime_dir is None:
        pid, log, temp_paths = "/run/nginx-gdviz.pid", "/var/log/nginx/gdviz-error.log", ""
    else:
        pid, log = str(runtime_dir / "nginx.pid"), str(runtime_dir / "error.log")
        temp_paths = "\n    ".join(
            f"{name}_temp_path {runtime_dir / name};"
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
    return TEMPLATE.format(
        n=len(replicas),
        listen=listen,
        static_dir=str(static_dir).rstrip("/"),
        mime_types=mime_types,
        pid=pid,
        error_log=error_log or log,
        temp_paths=temp_paths,
        cookie=COOKIE,
        workers=workers,
        worker_connections=WORKER_CONNECTIONS,
        nofile=2 * WORKER_CONNECTIONS,
        **upstream_blocks(replicas),
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--listen", default="80", help="what nginx listens on (port or address:port)")
    ap.add_argument(
        "--upstream",
        action="append",
        help="a `streamlit run` replica as IP:port; repeat for several (default 127.0.0.1:8501)",
    )
    ap.add_argument("--static-dir", required=True, type=Path, help="where to put the frontend files")
    ap.add_argument("--mime-types", default=None, help="nginx's mime.types (found by default)")
    ap.add_argument("--runtime-dir", type=Path, help="pid file, error log and temporary files here")
    ap.add_argument("--error-log", help='where errors go ("stderr" under systemd)')
    ap.add_argument("--workers", default=WORKERS, help="nginx worker processes (a number or auto)")
    args = ap.parse_args(argv)
    try:
        for addr in args.upstream or ():
            check_replica(addr)
    except ValueError as exc:
        ap.error(str(exc))
    files, raw, packed = mirror_static(args.static_dir.resolve())
    print(
        f"# {files} files, {raw / 1e6:.1f} MB; {packed / 1e6:.1f} MB with gzip -> {args.static_dir}",
        file=sys.stderr,
    )
    sys.stdout.write(
        render(
            listen=args.listen,
            upstream=args.upstream or ["127.0.0.1:8501"],
            static_dir=args.static_dir.resolve(),
            mime_types=args.mime_types or find_mime_types(),
            runtime_dir=args.runtime_dir,
            error_log=args.error_log,
            workers=args.workers,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
