"""The ``gdviz`` command line (gdviz.cli): what each command prints and writes, and its errors: one
line on stderr, exit code 2, never a traceback."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image

import gdviz
from gdviz import cli
from gdviz.export import files
from gdviz.ui.race import links
from gdviz.ui.race.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[2]

# the page list of the repository's router: the copy a wheel writes must list the same pages
ROUTER = (Path(__file__).resolve().parents[2] / "app.py").read_text().strip().splitlines()[-1]


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_run_prints_a_table_and_writes_the_record(capsys, tmp_path):
    out_csv, out_json = tmp_path / "r.csv", tmp_path / "r.json"
    code, out, err = run_cli(
        capsys, "run", "--problem", "rosenbrock", "--rule", "adam", "--lr", "0.05", "--steps", "40",
        "--csv", str(out_csv), "--json", str(out_json),
    )  # fmt: skip
    assert code == 0, err
    assert "rosenbrock · adam" in out and out.splitlines()[1].split()[:2] == ["step", "loss"]
    meta, (got,) = files.read_csv(out_csv)
    assert meta["config"]["rule"] == "adam" and meta["command"].startswith("gdviz run --problem rosenbrock")
    rec = gdviz.run(gdviz.problem("rosenbrock"), gdviz.optimizer("adam", lr=0.05), steps=40)
    assert len(got["step"]) == 41  # steps + 1 rows
    for c in ("params", "loss", "lr", "grad"):
        assert np.allclose(got[c], getattr(rec, c), rtol=0, atol=0), c
    assert out_json.stat().st_size > 0 and "wrote" in err


def test_run_with_batches_and_a_schedule(capsys, tmp_path):
    code, _out, err = run_cli(
        capsys, "run", "--problem", "linear_regression", "--option", "data=synthetic", "--option", "n=200",
        "--rule", "momentum", "--hyper", "momentum=0.9", "--lr", "0.05", "--steps", "30", "--batch-size", "8",
        "--schedule", "step", "--schedule-opt", "step_size=10", "--schedule-opt", "gamma=0.5",
        "--csv", str(tmp_path / "b.csv"),
    )  # fmt: skip
    assert code == 0, err
    _, (got,) = files.read_csv(tmp_path / "b.csv")
    np.testing.assert_allclose(got["lr"][[0, 10, 20]], [0.05, 0.025, 0.0125])
    assert got["samples_seen"][-1] == 30 * 8


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["run", "--problem", "nope", "--lr", "0.1", "--steps", "5"], "unknown problem"),
        (["run", "--problem", "quadratic", "--lr", "0.1", "--steps", "5", "--rule", "sgdx"], "sgdx"),
        (
            ["run", "--problem", "quadratic", "--lr", "0.1", "--steps", "5", "--hyper", "nonsense"],
            "key=value",
        ),
        (["run", "--problem", "quadratic", "--lr", "-1", "--steps", "5"], "positive number"),
        (["run", "--problem", "quadratic", "--lr", "0.1"], "--steps"),
        (["render", "not a link", "--png", "x.png"], "query string"),
        (["render", "?foo=1", "--png", "x.png"], "race page's state"),
        (["render", "?problem=beale"], "at least one of"),
        (["render", "?problem=beale&steps=20", "--gif", "x.gif", "--frames", "5000"], "--frames must be"),
        (["sweep", "lr", "--problem", "quadratic", "--lrs", "a,b"], "--lrs"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_errors_are_one_line_and_exit_2(capsys, tmp_path, monkeypatch, argv, says):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and says in err, err
    assert "Traceback" not in err


def test_the_installed_command_never_shows_a_traceback(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run(
        [sys.executable, "-m", "gdviz", "render", "?problem=formula&expr=x%2B%2B&steps=20", "--png", "x.png"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.startswith("gdviz render: error: ") and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert not (tmp_path / "x.png").exists()


def test_render_writes_every_file_the_link_asks(capsys, tmp_path):
    link = "https://gdviz.example.org/?problem=quadratic&steps=40&run=gd,0.1&run=adam,0.1&frames=50&lang=zh&bogus=1"
    out = {k: tmp_path / f"race.{k}" for k in ("png", "gif", "csv")}
    code, _, err = run_cli(
        capsys, "render", link, "--png", str(out["png"]), "--gif", str(out["gif"]), "--csv", str(out["csv"]),
        "--width", "640",
    )  # fmt: skip
    assert code == 0, err
    assert "note: the link's bogus were not used as written" in err
    with Image.open(out["png"]) as im:
        assert im.size == (640, 320)
    with Image.open(out["gif"]) as im:
        assert im.n_frames == 41  # 40 steps: at most steps + 1 frames
    meta, runs = files.read_csv(out["csv"])
    assert len(runs) == 2 and meta["lang"] == "zh"
    assert "bogus" not in meta["link"] and "run=adam%2C0.1" in meta["link"]


def test_sweep_prints_the_lr_table(capsys):
    code, out, err = run_cli(
        capsys, "sweep", "lr", "--problem", "quadratic", "--steps", "50", "--lrs", "0.01,0.1,3"
    )
    assert code == 0, err
    rows = out.splitlines()[3:6]
    assert [r.split()[0] for r in rows] == ["0.01", "0.1", "3"]
    assert "← best" in rows[1] and "unstable" in rows[2]


def test_range_test(capsys):
    code, out, err = run_cli(capsys, "sweep", "range", "--problem", "quadratic", "--steps", "60")
    assert code == 0, err
    assert "suggested lr" in out


def test_lessons_lists_every_lesson_with_a_link_that_opens_it(capsys):
    code, out, _ = run_cli(capsys, "lessons", "--base", "https://gdviz.example.org")
    assert code == 0
    body = out.splitlines()[2:]
    assert [line.split()[0] for line in body] == [lesson.key for lesson in LESSONS]
    for line, lesson in zip(body, LESSONS, strict=True):
        url = line.split()[-1]
        params = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
        assert links.decode(params).lesson == lesson.key


def test_serve_runs_streamlit_on_the_app(monkeypatch, capsys):
    called = []
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd: called.append(cmd) or 0)
    code, _, _ = run_cli(capsys, "serve", "--server.port", "8999")
    assert code == 0
    (cmd,) = called
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[-2:] == ["--server.port", "8999"]
    script = Path(cmd[4])
    assert script.is_file() and ROUTER in script.read_text()


def test_serve_writes_the_router_when_the_package_has_no_app_py(monkeypatch, tmp_path):
    monkeypatch.setattr(gdviz, "__file__", str(tmp_path / "site" / "gdviz" / "__init__.py"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    script = cli.app_script()
    assert script == tmp_path / "cache" / "gdviz" / "app.py"
    assert script.read_text().strip().endswith(ROUTER)


def test_the_progress_bar_ends_with_one_line_when_not_a_terminal():
    stream = io.StringIO()
    bar = cli.Bar("gif", stream)
    for k in range(1, 11):
        bar(k, 10)
    bar(10, 10)
    assert stream.getvalue().count("\n") == 1 and "100.0%" in stream.getvalue()


def test_run_above_the_servers_cap_is_refused_before_any_work_unless_forced(capsys):
    # the issue-14 link's run: mini-batches of 999 999 out of 10⁶ samples for 3000 steps
    args = ["run", "--problem", "linear_regression", "--option", "data=synthetic", "--option", "n=1000000"]
    args += ["--rule", "gd", "--lr", "0.05", "--steps", "3000", "--batch-size", "999999"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "above the public server's cap" in err[0] and "--force" in err[0]


def test_distributed_under_a_real_torchrun_equals_the_simulation(tmp_path):
    """What the README tells a user with several machines to run, on one: torchrun starts two gloo
    workers of `gdviz distributed`; rank 0 reports the difference from gdviz.parallel.train."""
    from reference_support import reference

    from gdviz.parallel import torchdist

    if not torchdist.available():
        reference("torch.distributed")
    from browser_support import free_port

    port = free_port()
    out = tmp_path / "run.npz"
    cmd = [
        *(sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--nnodes", "1"),
        *("--master-addr", "127.0.0.1", "--master-port", str(port)),
        *("-m", "gdviz", "distributed", "--problem", "linear_regression"),
        *("--option", "data=synthetic", "--option", "n=400", "--lr", "0.1", "--steps", "30"),
        *("--strategy", "local", "--local-steps", "3", "--shards", "label", "--batch-size", "4"),
        *("--out", str(out)),
    ]
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "local on 2 torch.distributed (gloo) workers" in done.stdout
    data = np.load(out)
    assert data["steps"][-1] == 30 and len(data["steps"]) == 11  # every round's average, and the start
    np.testing.assert_allclose(data["params"], data["simulated"], rtol=0, atol=1e-12)
    p = gdviz.problem("linear_regression", data="synthetic", n=400)
    from gdviz import parallel

    sim = parallel.train(
        p,
        gdviz.optimizer("sgd", lr=0.1),
        strategy="local",
        workers=2,
        steps=30,
        batch_size=4,
        local_steps=3,
        shards="label",
    )
    np.testing.assert_allclose(data["params"][-1], sim.params[-1], rtol=0, atol=1e-12)


def test_distributed_outside_torchrun_says_how_to_start_it(capsys, monkeypatch):
    from gdviz.parallel import torchdist

    if not torchdist.available():
        pytest.skip("needs torch to get past the import")
    monkeypatch.delenv("RANK", raising=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    code, _, err = run_cli(
        capsys, "distributed", "--problem", "linear_regression", "--lr", "0.1", "--steps", "5"
    )
    assert code == 2 and "torchrun" in err and "\n" not in err.strip()


# --- the budget and the output files, both before any work (issue 23, item 3) -------------------------
# The links: six runs on 10⁶ samples, three of them mini-batches of up to all of them (about
# 800 s estimated here), and six stochastic Adam runs of the largest MLP the page offers, whose CSV
# alone would hold 6.4 million numbers (refused for memory on any machine).
HUGE_LINKS = {
    "regression": "?problem=linear_regression&data=synthetic&n=1000000&steps=3000&run=gd,0.01,stochastic"
    "&run=adam,0.01,stochastic&run=momentum,0.01,stochastic&run=gd,0.01,mini:999999&run=gd,0.01,mini:500000"
    "&run=adam,0.01,mini:999999",
    "mlp": "?problem=mlp&dataset=spirals&n=5000&width=32&depth=3&steps=3000"
    + "".join(f"&run=adam,0.01,stochastic,seed={k}" for k in range(6)),
}
SMALL_LINK = "?problem=quadratic&steps=20&run=gd,0.1"


def _no_runs(monkeypatch):
    """Make every run and surface of a render fail loudly: a refusal must come before them."""
    from gdviz.serve import tasks

    def boom(*_a, **_k):
        raise AssertionError("work started before the refusal")

    monkeypatch.setattr(tasks, "run_inline", boom)


def _no_problem(monkeypatch):
    """Make building any problem fail loudly: an output refusal must come before it."""
    from gdviz.serve import tasks

    def boom(*_a, **_k):
        raise AssertionError("a problem was built before the refusal")

    monkeypatch.setattr(gdviz, "problem", boom)
    monkeypatch.setattr(tasks, "build_problem", boom)


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("name", sorted(HUGE_LINKS))
def test_render_above_the_cap_is_refused_before_any_run(capsys, tmp_path, monkeypatch, name):
    _no_runs(monkeypatch)
    out = tmp_path / "runs.csv"
    code, _, err = run_cli(capsys, "render", HUGE_LINKS[name], "--csv", str(out))
    assert code == 2
    line = _one_line(err)
    assert line.startswith("gdviz render: error: this render is estimated at "), line
    assert "above the public server's cap (60 s, 512 MB)" in line and "pass --force" in line
    assert "fewer steps (steps=)" in line  # what to reduce, in the link's own words
    assert not out.exists()


def test_render_counts_every_file_asked_for_and_force_passes_the_cap(capsys, tmp_path, monkeypatch):
    from gdviz import limits
    from gdviz.export import plan
    from gdviz.export.view import read_link

    read = read_link(SMALL_LINK)
    runs_only = plan.render_estimate(read, [])
    both = plan.render_estimate(read, ["gif", "csv"])
    assert {n for n, _ in both.parts} == {"runs", "surface", "gif", "csv"}
    assert both.seconds > runs_only.seconds
    monkeypatch.setattr(limits, "BUDGET_MAX_SECONDS", both.seconds / 2)  # the files tip it over
    gif = tmp_path / "race.gif"
    code, _, err = run_cli(capsys, "render", SMALL_LINK, "--gif", str(gif), "--csv", str(tmp_path / "r.csv"))
    assert code == 2 and "most of it gif" in _one_line(err) and "--frames" in err and not gif.exists()
    code, _, err = run_cli(capsys, "render", SMALL_LINK, "--gif", str(gif), "--width", "320", "--force")
    assert code == 0, err
    assert gif.stat().st_size > 0


def test_render_refuses_a_picture_above_the_pixel_cap_before_any_run(capsys, tmp_path, monkeypatch):
    _no_runs(monkeypatch)
    link = "?problem=quadratic&steps=3000&run=gd,0.1"
    code, _, err = run_cli(capsys, "render", link, "--mp4", str(tmp_path / "x.mp4"), "--frames", "1000",
                           "--width", "3840")  # fmt: skip
    assert code == 2 and "frames × width × height must be at most" in _one_line(err)


def test_run_above_the_cap_starts_no_run(capsys, monkeypatch):
    from gdviz.serve import cost

    cost.machine().rule("gd")  # the probe runs gdviz.run itself: measured before it is taken away
    monkeypatch.setattr(gdviz, "run", lambda *a, **k: pytest.fail("a run started before the refusal"))
    args = ["run", "--problem", "linear_regression", "--option", "data=synthetic", "--option", "n=1000000"]
    code, _, err = run_cli(capsys, *args, "--lr", "0.05", "--steps", "3000", "--batch-size", "999999")
    assert code == 2 and "this run is estimated at" in _one_line(err)


RUN = ["run", "--problem", "quadratic", "--lr", "0.1", "--steps", "5"]
RENDER = ["render", SMALL_LINK]
DISTRIBUTED = ["distributed", "--problem", "linear_regression", "--lr", "0.1", "--steps", "5"]


MISSING = "the directory /nonexistent/dir does not exist"


# {d} is the test's directory: it holds exists.csv, exists.npz and a_dir/
@pytest.mark.parametrize(
    ("argv", "says"),
    [
        ([*RUN, "--csv", "/nonexistent/dir/x.csv"], MISSING),
        ([*RUN, "--json", "{d}/a_dir"], "a_dir: is a directory"),
        ([*RUN, "--csv", "{d}/exists.csv"], "exists.csv: the file exists; pass --force"),
        ([*RUN, "--csv", "{d}/exists.csv/x.csv"], "exists.csv is not a directory"),
        ([*RUN, "--csv", "{d}/x", "--json", "{d}/./x"], "--csv and --json name the same file"),
        ([*RENDER, "--csv", "/nonexistent/dir/x.csv"], MISSING),
        ([*RENDER, "--json", "{d}/a_dir"], "a_dir: is a directory"),
        ([*RENDER, "--png", "{d}/x.png", "--gif", "{d}/exists.csv"], "--gif {d}/exists.csv: the file exists"),
        ([*DISTRIBUTED, "--out", "/nonexistent/dir/x.npz"], MISSING),
        ([*DISTRIBUTED, "--out", "{d}/exists"], "exists.npz: the file exists; pass --force"),
    ],
)
def test_a_bad_output_path_is_one_line_before_any_work(capsys, tmp_path, monkeypatch, argv, says):
    (tmp_path / "exists.csv").write_text("keep me")
    (tmp_path / "exists.npz").write_text("keep me")
    (tmp_path / "a_dir").mkdir()
    monkeypatch.delenv("RANK", raising=False)  # as rank 0 of a torchrun job, or outside one
    _no_problem(monkeypatch)
    code, _, err = run_cli(capsys, *(a.format(d=tmp_path) for a in argv))
    assert code == 2
    line = _one_line(err)
    assert line.startswith(f"gdviz {argv[0]}: error: --") and says.format(d=tmp_path) in line, line
    assert (tmp_path / "exists.csv").read_text() == "keep me"
    assert (tmp_path / "exists.npz").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_dir", "exists.csv", "exists.npz"]


def test_an_output_that_cannot_be_created_is_refused_before_any_work(capsys, tmp_path, monkeypatch):
    _no_problem(monkeypatch)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        # root may write anywhere a mode allows nothing, but not create a file in /sys
        target = "/sys/gdviz-x.csv" if os.geteuid() == 0 else str(locked / "x.csv")
        code, _, err = run_cli(capsys, *RUN, "--csv", target)
    finally:
        locked.chmod(0o700)
    assert code == 2 and "cannot be written (Permission denied)" in _one_line(err)


def test_a_failed_write_after_the_work_is_one_line(capsys, tmp_path, monkeypatch):
    def full(*_a, **_k):
        raise OSError(28, "No space left on device", str(tmp_path / "r.json"))

    monkeypatch.setattr(files, "to_json", full)
    code, _, err = run_cli(capsys, *RUN, "--json", str(tmp_path / "r.json"))
    assert code == 2
    assert _one_line(err).endswith(
        f"--json {tmp_path / 'r.json'}: cannot be written (No space left on device)"
    )


def test_force_overwrites_an_existing_file(capsys, tmp_path):
    out = tmp_path / "r.csv"
    out.write_text("old")
    code, _, err = run_cli(capsys, *RUN, "--csv", str(out), "--force")
    assert code == 0, err
    _, (got,) = files.read_csv(out)
    assert len(got["step"]) == 6


def test_force_is_documented_for_both(capsys):
    for command in ("run", "render"):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "above the public server's cost cap" in text and "overwrite output files that exist" in text


@pytest.mark.parametrize("where", ["missing dir", "a directory", "existing file"])
def test_the_installed_command_says_a_bad_output_in_one_line(tmp_path, where):
    (tmp_path / "old.json").write_text("{}")
    out = {"missing dir": "/nonexistent/dir/x.csv", "a directory": str(tmp_path), "existing file": "old.json"}
    flag = "--csv" if where == "missing dir" else "--json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run(
        [sys.executable, "-m", "gdviz", "render", SMALL_LINK, flag, out[where]],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.startswith(f"gdviz render: error: {flag} ") and len(p.stderr.strip().splitlines()) == 1
    assert (tmp_path / "old.json").read_text() == "{}"
