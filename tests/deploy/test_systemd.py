"""deploy/systemd: the units pass `systemd-analyze verify` and its offline security review, and their
command lines work: each unit's ExecStart (with its Environment, EnvironmentFile and
WorkingDirectory applied, as systemd would) starts a replica that answers its health check, nginx
in front of it, and the health probe that restarts a hung replica.

There is no systemd running as PID 1 here, so what systemd alone enforces (DynamicUser, the
sandboxing options, Restart=) is checked by systemd-analyze, not by running under it. The units
name the install layout of the README (/opt/gdviz, /etc/gdviz); the tests replace those paths with
this checkout and a temporary folder, as a deployment elsewhere would.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from browser_support import (
    NGINX,
    ROOT,
    _load_deploy,
    _stop,
    _wait_healthy,
    free_port,
    nginx_missing_reason,
    skip_or_fail,
)

UNITS = ROOT / "deploy" / "systemd"
ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
serve = _load_deploy("serve")
conf = _load_deploy("nginx_conf")


@pytest.fixture(scope="module")
def analyze():
    if not os.access(ANALYZE, os.X_OK):
        skip_or_fail("systemd-analyze not installed; apt-get install systemd")
    return ANALYZE


@pytest.fixture(scope="module")
def nginx_installed():
    reason = nginx_missing_reason()
    if reason:
        skip_or_fail(reason)


@pytest.fixture
def etc():
    # stands for /etc/gdviz; world-traversable because nginx's workers (nobody) read the config's paths
    path = Path(tempfile.mkdtemp(prefix="gdviz-etc-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def installed(text: str, etc: Path) -> str:
    """The unit as installed from this checkout: the paths a deployment elsewhere would change."""
    python = str(Path(sys.executable).absolute())
    return (
        text.replace("/usr/sbin/nginx", str(NGINX))
        .replace("/opt/gdviz/.venv/bin/python", python)
        .replace("/opt/gdviz", str(ROOT))
        .replace("/etc/gdviz", str(etc))
    )


def install_all(target: Path, etc: Path, port: int) -> list[Path]:
    """Every unit, templates instantiated for `port`, written to `target`."""
    paths = []
    for unit in sorted(UNITS.iterdir()):
        name = unit.name.replace("@.", f"@{port}.")
        path = target / name
        path.write_text(installed(unit.read_text(), etc))
        paths.append(path)
    return paths


# --- a minimal reading of unit files: enough of systemd's rules for these units, and loud otherwise ---


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in text.replace("\\\n", " ").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def specifiers(text: str, instance: str) -> str:
    def one(m):
        if m.group(1) == "%":
            return "%"
        if m.group(1) == "i":
            return instance
        raise AssertionError(f"specifier %{m.group(1)} not understood by this test: {text}")

    return re.sub(r"%(.)", one, text)


def environment(service: dict[str, list[str]], instance: str) -> dict[str, str]:
    env = {"PATH": os.environ["PATH"]}
    for line in service.get("Environment", []):
        for item in shlex.split(specifiers(line, instance)):
            key, _, value = item.partition("=")
            env[key] = value
    for path in service.get("EnvironmentFile", []):
        optional = path.startswith("-")
        path = Path(specifiers(path.lstrip("-"), instance))
        if optional and not path.exists():
            continue
        for line in path.read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                env[key.strip()] = value.strip().strip("'\"")
    return env


def command(line: str, env: dict[str, str], instance: str) -> list[str]:
    """An Exec*= line as systemd runs it: prefixes, specifiers, ${VAR} inside words, $VAR split."""
    line = specifiers(line, instance)
    line = line.lstrip("-@:+!")
    words = []
    for word in shlex.split(line):
        if re.fullmatch(r"\$\w+", word):
            words.extend(env.get(word[1:], "").split())
        else:
            words.append(re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), word))
    return words


def run_exec(service, key: str, instance: str, **popen):
    env = environment(service, instance)
    argv = command(service[key][0], env, instance)  # the first: ExecReload has two
    cwd = specifiers(service.get("WorkingDirectory", ["/"])[0], instance)
    return argv, env, cwd


# --- what systemd itself would say -----------------------------------------------------------------------


def _verify(analyze, paths: list[Path], cwd: Path) -> None:
    done = subprocess.run(
        [analyze, "verify", *map(str, paths)], capture_output=True, text=True, timeout=120, cwd=cwd
    )
    assert done.returncode == 0, done.stderr
    # an unknown or misspelt key is only a warning to systemd: a unit that silently loses its
    # hardening must fail here
    noise = [line for line in done.stderr.splitlines() if str(cwd) in line]
    assert not noise, "\n".join(noise)


def test_replica_units_pass_systemd_analyze_verify(analyze, etc, tmp_path):
    paths = install_all(tmp_path, etc, 8501)
    assert {p.name for p in paths} >= {"gdviz@8501.service", "gdviz-nginx.service", "gdviz-health@8501.timer"}
    # verify checks that each ExecStart's binary exists: nginx's unit has a test of its own, which
    # skips with its reason where nginx is not installed
    _verify(analyze, [p for p in paths if p.name != "gdviz-nginx.service"], tmp_path)


def test_nginx_unit_passes_systemd_analyze_verify(analyze, etc, tmp_path, nginx_installed):
    paths = install_all(tmp_path, etc, 8501)
    _verify(analyze, paths, tmp_path)


@pytest.mark.parametrize(
    ("unit", "threshold"),
    # systemd's own exposure score (0 = locked down, 10 = none): nginx keeps root in its master to
    # bind port 80 and switch to its workers' user, hence the higher bound.
    [("gdviz@.service", 2.0), ("gdviz-health@.service", 2.0), ("gdviz-nginx.service", 3.0)],
)
def test_units_are_hardened(analyze, etc, tmp_path, unit, threshold):
    path = tmp_path / unit.replace("@.", "@8501.")
    path.write_text(installed((UNITS / unit).read_text(), etc))
    done = subprocess.run(
        [analyze, "security", "--offline=true", f"--threshold={threshold * 10:.0f}", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    level = re.search(r"Overall exposure level for .*: ([\d.]+)", done.stdout)
    assert level, done.stdout + done.stderr
    assert done.returncode == 0 and float(level.group(1)) <= threshold, done.stdout[-3000:]


# --- the command lines, run -----------------------------------------------------------------------------


def _start(argv, env, cwd, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.mark.slow
def test_replica_nginx_and_health_units_run_as_written(etc, tmp_path, nginx_installed):
    secret = serve.load_or_create_secret(etc / "cookie-secret.env")
    # a replica host of several listens on its own address (README's layout): here another
    # loopback address, so that the test also shows loopback is not hard-wired anywhere
    (etc / "replica.env").write_text("GDVIZ_ADDRESS=127.0.0.2\n")
    port = str(free_port())
    replica = parse_unit(installed((UNITS / "gdviz@.service").read_text(), etc))["Service"]
    argv, env, cwd = run_exec(replica, "ExecStart", port)
    assert "--server.address=127.0.0.2" in argv and f"--server.port={port}" in argv
    proc = _start(argv, env, cwd, tmp_path / "replica.log")
    front_proc = None
    try:
        what = _wait_healthy(f"http://127.0.0.2:{port}", proc, 90)
        assert what is None, f"replica {what}:\n{(tmp_path / 'replica.log').read_text()[-3000:]}"
        assert env[serve.SECRET_VAR] == secret and secret not in " ".join(argv)

        # nginx, with the configuration the unit's comment says how to make
        runtime = etc / "run"
        runtime.mkdir()
        front = free_port()
        text = conf.render(
            listen=f"127.0.0.1:{front}",
            upstream=[f"127.0.0.2:{port}"],
            static_dir=etc,  # the static files are not what this test is about
            mime_types=conf.find_mime_types(),
            runtime_dir=runtime,
            error_log="stderr",
        )
        (etc / "nginx.conf").write_text(text)
        nginx = parse_unit(installed((UNITS / "gdviz-nginx.service").read_text(), etc))["Service"]
        pre_argv, pre_env, _ = run_exec(nginx, "ExecStartPre", "")
        checked = subprocess.run(pre_argv, env=pre_env, capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        nginx_argv, nginx_env, _ = run_exec(nginx, "ExecStart", "")
        front_proc = _start(nginx_argv, nginx_env, "/", tmp_path / "nginx.log")
        what = _wait_healthy(f"http://127.0.0.1:{front}", front_proc, 30)
        assert what is None, f"nginx {what}:\n{(tmp_path / 'nginx.log').read_text()[-3000:]}"

        # the health probe: healthy replica -> success; the port of nothing -> failure
        health = parse_unit(installed((UNITS / "gdviz-health@.service").read_text(), etc))["Service"]
        probe_argv, probe_env, probe_cwd = run_exec(health, "ExecStart", port)
        ok = subprocess.run(
            probe_argv, env=probe_env, cwd=probe_cwd, capture_output=True, text=True, timeout=60
        )
        assert ok.returncode == 0, ok.stdout + ok.stderr
        dead_argv, dead_env, dead_cwd = run_exec(health, "ExecStart", str(free_port()))
        dead = subprocess.run(
            dead_argv, env=dead_env, cwd=dead_cwd, capture_output=True, text=True, timeout=60
        )
        assert dead.returncode == 1, dead.stdout + dead.stderr
    finally:
        for p in (front_proc, proc):
            if p is not None:
                _stop(p)


@pytest.mark.parametrize(
    ("result", "restarted"), [("success", False), ("exit-code", True), ("timeout", True)]
)
def test_a_failed_probe_restarts_its_replica(etc, tmp_path, result, restarted):
    # systemctl is not usable without systemd as PID 1: a stand-in records how it was called
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    (bin_dir / "systemctl").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    (bin_dir / "systemctl").chmod(0o755)
    health = parse_unit(installed((UNITS / "gdviz-health@.service").read_text(), etc))["Service"]
    argv, env, _ = run_exec(health, "ExecStopPost", "8501")
    env = {**env, "PATH": f"{bin_dir}:{env['PATH']}", "SERVICE_RESULT": result}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert (calls.read_text() if calls.exists() else "") == (
        "restart gdviz@8501.service\n" if restarted else ""
    )
