"""The ``gdviz`` command: runs, renders of share links, sweeps, the lessons and the app, no Streamlit.

    gdviz run --problem rosenbrock --rule adam --lr 0.05 --steps 300 --csv adam.csv
    gdviz render "https://…/?problem=quadratic&run=gd,0.1" --gif race.gif --html race.html
    gdviz sweep lr --problem quadratic --rule gd --steps 100
    gdviz lessons
    gdviz serve --server.port 8502
    torchrun --nproc-per-node 4 -m gdviz distributed --problem linear_regression --lr 0.1 --steps 200

``render`` builds the race page's own view of a link (``gdviz.export.view``) and writes it with the
same functions the page's download buttons call (``gdviz.export.files``). Long work draws a text
progress bar on stderr. A bad flag, value, link or output path is one line on stderr and exit code 2.

Before any work: every output file is checked (``gdviz.export.outputs``: its directory exists, it
does not exist yet), and ``run`` and ``render`` are estimated as the public server would
(``gdviz.serve.cost``; render's estimate is ``gdviz.export.plan``) and refused above its cap.
``--force`` passes both: work above the cap, and overwriting files.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from gdviz.export import outputs

USAGE_ERROR = 2


class Bar:
    """A one-line text progress bar on stderr (redrawn at most 10 times a second; nothing when
    stderr is not a terminal, except the final line)."""

    def __init__(self, what: str, stream=None):
        self.what = what
        self.stream = stream or sys.stderr
        self.t0 = time.perf_counter()
        self.last = 0.0
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self.finished = False

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        finished = done >= total
        if self.finished or (not finished and (now - self.last < 0.1 or not self.tty)):
            return
        self.finished = finished
        self.last = now
        frac = done / total if total else 1.0
        width = 30
        fill = round(width * frac)
        line = (
            f"{self.what:<8} [{'#' * fill}{'.' * (width - fill)}] {100 * frac:5.1f}%  {now - self.t0:5.1f} s"
        )
        self.stream.write(("\r" if self.tty else "") + line + ("\n" if finished else ""))
        self.stream.flush()


class UsageError(Exception):
    pass


def _pairs(items: Sequence[str] | None, what: str) -> dict:
    """``key=value`` options, values as numbers where they read as one (true/false as booleans)."""
    out = {}
    for item in items or ():
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise UsageError(f"{what} must be key=value, got {item!r}")
        out[key] = _value(text)
    return out


def _value(text: str):
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        v = float(text)
    except ValueError:
        return text
    return int(v) if v.is_integer() and "." not in text and "e" not in low else v


def _table(rows: list[list[str]], head: list[str]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(head, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _g(v, digits: int = 6) -> str:
    v = float(v)
    return f"{v:.{digits}g}" if math.isfinite(v) else str(v)


# --- the budget, before any work -----------------------------------------------------------------------
def _budget(est, what: str, advice: Callable, force: bool) -> None:
    """The public server's budget, told before the work starts (``gdviz.export.plan.budget``): on one's
    own machine work above the hard cap is still allowed, but only when asked for with --force."""
    from gdviz.export import plan
    from gdviz.serve import cost

    if plan.budget(est, what=what, advice=advice, force=force).action != cost.NOW:
        print(f"estimated {est.seconds:.1f} s of CPU, {est.bytes / 2**20:.0f} MB", file=sys.stderr)


# --- run -----------------------------------------------------------------------------------------------
def cmd_run(args) -> int:
    import gdviz
    from gdviz.export import files
    from gdviz.serve import cost

    problem = gdviz.problem(args.problem, **_pairs(args.option, "--option"))
    opt = gdviz.optimizer(args.rule, lr=args.lr, **_pairs(args.hyper, "--hyper"))
    sched = None
    if args.schedule:
        sched = gdviz.schedule(args.schedule, **_pairs(args.schedule_opt, "--schedule-opt"))
    est = cost.run_estimate(problem, args.rule, steps=args.steps, batch_size=args.batch_size)
    _budget(est, "this run", lambda _: "fewer steps or samples, a smaller batch", args.force)
    rec = gdviz.run(
        problem,
        opt,
        steps=args.steps,
        batch_size=args.batch_size,
        seed=args.seed,
        schedule=sched,
        progress=Bar("run"),
    )
    T = len(rec.loss) - 1
    show = np.unique(np.round(np.linspace(0, T, min(T + 1, args.rows))).astype(int))
    rows = [
        [
            str(k),
            _g(rec.loss[k]),
            _g(rec.lr[k]) if k < len(rec.lr) else "",
            _g(rec.epoch[k], 4),
            str(int(rec.samples_seen[k])),
            ", ".join(_g(x, 4) for x in rec.params[k][:4]) + (" …" if problem.n_params > 4 else ""),
        ]
        for k in show
    ]
    print(f"{args.problem} · {rec.optimizer} α={args.lr:g} · {T} steps · batch {rec.batch_size or 'full'}")
    print(_table(rows, ["step", "loss", "lr", "epoch", "samples", "params"]))
    if rec.diverged is not None:
        print(f"diverged at step {rec.diverged}")
    meta = {"command": " ".join(["gdviz", *args.argv])}
    meta["config"] = {
        "problem": args.problem,
        "options": _pairs(args.option, "--option"),
        "rule": args.rule,
        "lr": args.lr,
        "hyper": _pairs(args.hyper, "--hyper"),
        "steps": args.steps,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "schedule": args.schedule,
        "schedule_opts": _pairs(args.schedule_opt, "--schedule-opt"),
    }
    for flag, out in outputs.named(args):
        with outputs.writing(flag, out):
            getattr(files, f"to_{flag[2:]}")(rec, out, meta=meta)
        print(f"wrote {out}", file=sys.stderr)
    return 0


# --- render --------------------------------------------------------------------------------------------
def cmd_render(args) -> int:
    from gdviz import limits
    from gdviz.export import files, plan
    from gdviz.export.render import font_choice
    from gdviz.export.view import race_view, read_link

    wanted = [(flag[2:], out) for flag, out in outputs.named(args)]
    if not wanted:
        raise UsageError("render needs at least one of --gif, --mp4, --html, --png, --csv, --json")
    if args.frames is not None and args.frames > limits.MAX_EXPORT_FRAMES:
        raise UsageError(f"--frames must be at most {limits.MAX_EXPORT_FRAMES}, got {args.frames}")
    if args.width is not None and not 320 <= args.width <= limits.MAX_EXPORT_WIDTH:
        raise UsageError(f"--width must be in 320…{limits.MAX_EXPORT_WIDTH}, got {args.width}")
    if args.fps is not None and not 1 <= args.fps <= 60:
        raise UsageError(f"--fps must be in 1…60, got {args.fps:g}")
    read = read_link(args.link)
    if read.repairs:
        print("note: the link's " + ", ".join(read.repairs) + " were not used as written", file=sys.stderr)
    if args.step is not None and not 0 <= args.step <= read.config.steps:
        raise UsageError(f"--step must be in 0…{read.config.steps} (the link's steps), got {args.step}")
    kinds = [k for k, _ in wanted]
    est = plan.render_estimate(read, kinds, frames=args.frames, width=args.width)
    _budget(est, "this render", plan.what_to_reduce, args.force)
    view = race_view(read, progress=Bar("runs"))
    if any(k in ("gif", "mp4", "png") for k in kinds):
        note = font_choice(view.lang).note
        if note:
            print(f"note: {note}", file=sys.stderr)
    for kind, out in wanted:
        t0 = time.perf_counter()
        kw = {}
        if kind not in ("csv", "json"):
            kw["progress"] = Bar(kind)
            if args.width is not None:
                kw["width"] = args.width
            if kind in ("gif", "mp4"):
                kw.update(frames=args.frames, fps=args.fps)
            if kind == "png" and args.step is not None:
                kw["step"] = args.step
        with outputs.writing(f"--{kind}", out):
            getattr(files, f"to_{kind}")(view, out, **kw)
        size = Path(out).stat().st_size
        print(f"wrote {out}  {size / 1e6:.2f} MB  {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    return 0


# --- sweep ---------------------------------------------------------------------------------------------
def cmd_sweep(args) -> int:
    import gdviz
    from gdviz.analysis import sweeps
    from gdviz.train import reporting

    problem = gdviz.problem(args.problem, **_pairs(args.option, "--option"))
    hyper = _pairs(args.hyper, "--hyper")
    bar = Bar("sweep")
    if args.kind == "lr":
        lrs = None
        if args.lrs:
            try:
                lrs = [float(x) for x in args.lrs.split(",")]
            except ValueError:
                raise UsageError(f"--lrs must be numbers separated by commas, got {args.lrs!r}") from None
        elif args.num:
            lrs = np.geomspace(args.lr_min, args.lr_max, args.num)
        with reporting(bar):
            res = sweeps.lr_sweep(
                problem,
                args.rule,
                lrs=lrs,
                steps=args.steps,
                batch_size=args.batch_size,
                seed=args.seed,
                **hyper,
            )
        rows = []
        for i, lr in enumerate(res.lrs):
            mark = "  ← best" if res.best_index == i else ""
            rows.append(
                [
                    _g(lr, 4),
                    _g(res.final_loss[i]),
                    _g(res.min_loss[i]),
                    str(int(res.steps_to_threshold[i])) if res.steps_to_threshold[i] >= 0 else "—",
                    str(int(res.diverged[i])) if res.diverged[i] >= 0 else "—",
                    ("unstable" if res.unstable[i] else "") + mark,
                ]
            )
        print(f"{args.problem} · {args.rule} · {res.steps} steps · threshold {_g(res.threshold, 3)}")
        print(_table(rows, ["lr", "final loss", "lowest loss", "to threshold", "diverged", ""]))
        if res.limit:
            print(f"stability limit (curvature at the start): lr < {_g(res.limit, 4)}")
        return 0
    with reporting(bar):
        res = sweeps.lr_range_test(
            problem,
            args.rule,
            lr_min=args.lr_min,
            lr_max=args.lr_max,
            steps=args.steps,
            batch_size=args.batch_size,
            seed=args.seed,
            **hyper,
        )
    print(f"{args.problem} · {args.rule} · range test over {len(res.lrs)} steps")
    print(
        _table(
            [[_g(res.min_lr, 4), _g(res.steepest_lr, 4), _g(res.suggested_lr, 4)]],
            ["lowest-loss lr", "steepest lr", "suggested lr"],
        )
    )
    return 0


# --- the real engine under torchrun -------------------------------------------------------------------
def cmd_distributed(args) -> int:
    import gdviz
    from gdviz import parallel
    from gdviz.parallel import torchdist

    if not torchdist.available():
        raise UsageError("the real engine needs torch: pip install 'gdviz[distributed]'")
    problem = gdviz.problem(args.problem, **_pairs(args.option, "--option"))
    opt = gdviz.optimizer(args.rule, lr=args.lr, **_pairs(args.hyper, "--hyper"))
    options = {
        "strategy": args.strategy,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "local_steps": args.local_steps,
        "shards": args.shards,
    }
    real = torchdist.under_torchrun(problem, opt, **options)
    if real is None:  # not rank 0: rank 0 reports
        _end_worker()
    K = int(os.environ["WORLD_SIZE"])
    sim = parallel.train(problem, opt, workers=K, events=False, **options)
    gap = float(np.max(np.abs(real.params - np.asarray(sim.params)[real.steps])))
    print(
        f"{args.problem} · {args.strategy} on {K} torch.distributed (gloo) workers · {args.steps} updates · "
        f"{real.seconds:.2f} s"
    )
    print(f"final parameters: {', '.join(_g(x, 8) for x in real.params[-1][:6])}")
    print(f"largest difference from gdviz.parallel.train, same settings: {gap:.3g}")
    if args.out:
        out = outputs.npz(args.out)
        with outputs.writing("--out", out):
            np.savez(out, params=real.params, steps=real.steps, simulated=np.asarray(sim.params)[real.steps])
        print(f"wrote {out}")
    _end_worker()


def _end_worker() -> None:
    """End a torchrun worker whose work is done and said, without the interpreter's teardown.

    Why: after Python has finished, libtorch's exit-time destructors abort now and then
    ("terminate called without an active exception", SIGABRT: 2 of 12 two-worker gloo runs on a
    loaded machine, and 1 and 3 of 16 with a barrier before destroy_process_group; 0 of 20 ended
    here), and torchrun then fails the whole job although every rank's work was done."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


# --- lessons, serve ------------------------------------------------------------------------------------
def cmd_lessons(args) -> int:
    from urllib.parse import urlencode

    from gdviz.ui.i18n import text
    from gdviz.ui.race.lessons import LESSONS

    base = args.base.rstrip("/")
    rows = [
        [
            lesson.key,
            text(args.lang, f"lesson.{lesson.key}.title"),
            f"{base}/?{urlencode({'lesson': lesson.key, 'lang': args.lang})}",
        ]
        for lesson in LESSONS
    ]
    print(_table(rows, ["lesson", "title", "link"]))
    return 0


def app_script() -> Path:
    """The router script ``streamlit run`` needs: the repository's app.py beside the package, or
    (an installed wheel has none) the same three lines written to a cache file."""
    import gdviz

    beside = Path(gdviz.__file__).resolve().parent.parent / "app.py"
    if beside.is_file():
        return beside
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gdviz" / "app.py"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(
        "from gdviz.ui import app\n"
        "from gdviz.ui.network.page import PAGE as network\n"
        "from gdviz.ui.race.page import PAGE as race\n"
        "from gdviz.ui.scale.page import PAGE as scale\n"
        "from gdviz.ui.sweeps.page import PAGE as sweeps\n\n"
        "app.run([race, sweeps, network, scale])\n",
        encoding="utf-8",
    )
    return cache


def cmd_serve(args) -> int:
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_script()), *args.streamlit_args]
    print(" ".join(cmd), file=sys.stderr)
    return subprocess.call(cmd)


# --- the parser ----------------------------------------------------------------------------------------
def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {v}")
    return v


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return v


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (its default prints the whole usage first)."""

    def error(self, message):
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# One flag for both refusals: each is a "did you mean it?" the message explains, and on one's own
# machine the answer is the caller's; a second flag would be one more name for the same yes.
FORCE_HELP = (
    "go on above the public server's cost cap (otherwise refused before any work), "
    "and overwrite output files that exist"
)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="gdviz", description="Gradient descent, from the command line.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def problem_args(q, rule_default="gd"):
        q.add_argument("--problem", required=True, help="a problem name (gdviz.problem_names())")
        q.add_argument("--option", action="append", metavar="KEY=VALUE", help="a problem option (repeatable)")
        q.add_argument(
            "--rule", default=rule_default, help="an update rule: gd, momentum, nesterov, adagrad, …"
        )
        q.add_argument("--hyper", action="append", metavar="KEY=VALUE", help="a hyperparameter (repeatable)")
        q.add_argument(
            "--batch-size", type=_positive_int, default=None, help="mini-batch size (default: full)"
        )
        q.add_argument("--seed", type=int, default=0)

    r = sub.add_parser("run", help="one run: a table of its record, and the record as CSV or JSON")
    problem_args(r)
    r.add_argument("--lr", type=_positive_float, required=True)
    r.add_argument("--steps", type=_positive_int, required=True)
    r.add_argument("--schedule", default=None, help="a learning-rate schedule: step, exponential, cosine, …")
    r.add_argument("--schedule-opt", action="append", metavar="KEY=VALUE", help="a schedule option")
    r.add_argument("--rows", type=_positive_int, default=11, help="rows of the printed table")
    r.add_argument("--csv", metavar="OUT", help="write the record: one row per step (steps + 1 rows)")
    r.add_argument("--json", metavar="OUT", help="write the record as JSON")
    r.add_argument("--force", action="store_true", help=FORCE_HELP)
    r.set_defaults(func=cmd_run)

    d = sub.add_parser("render", help="the race page of a share link, as files")
    d.add_argument("link", help="a share link: the full URL or its ?query")
    for kind, what in (
        ("gif", "an animated GIF"),
        ("mp4", "an H.264 video"),
        ("html", "a standalone page that plays offline"),
        ("png", "the last frame (or --step), 1920 px wide"),
        ("csv", "every run's record"),
        ("json", "every run's record"),
    ):
        d.add_argument(f"--{kind}", metavar="OUT", help=what)
    d.add_argument(
        "--frames", type=_positive_int, default=None, help="frames of GIF/MP4 (default: the link's)"
    )
    d.add_argument(
        "--fps", type=_positive_float, default=None, help="frames a second (default: the link's speed)"
    )
    d.add_argument("--width", type=_positive_int, default=None, help="pixels (GIF 960, MP4 1280, PNG 1920)")
    d.add_argument("--step", type=int, default=None, help="the step the PNG shows (default: the last)")
    d.add_argument("--force", action="store_true", help=FORCE_HELP)
    d.set_defaults(func=cmd_render)

    s = sub.add_parser("sweep", help="learning-rate sweeps (gdviz.analysis.sweeps)")
    s.add_argument(
        "kind", choices=("lr", "range"), help="lr: one rule at many learning rates; range: a range test"
    )
    problem_args(s)
    s.add_argument("--steps", type=_positive_int, default=200)
    s.add_argument("--lrs", default=None, help="learning rates, comma-separated (lr)")
    s.add_argument("--lr-min", type=_positive_float, default=1e-5)
    s.add_argument("--lr-max", type=_positive_float, default=10.0)
    s.add_argument("--num", type=_positive_int, default=None, help="log-spaced learning rates (lr)")
    s.set_defaults(func=cmd_sweep)

    dd = sub.add_parser(
        "distributed",
        help="one worker of a real torch.distributed job (start it with torchrun); rank 0 compares the "
        "result with the simulation",
    )
    problem_args(dd, rule_default="sgd")
    dd.add_argument("--lr", type=_positive_float, required=True)
    dd.add_argument("--steps", type=_positive_int, required=True)
    dd.add_argument("--strategy", choices=("sync", "local"), default="sync")
    dd.add_argument("--local-steps", type=_positive_int, default=1, help="H, for local SGD")
    dd.add_argument("--shards", choices=("iid", "label"), default=None, help="fixed data per worker")
    dd.add_argument("--out", default=None, help="write the states (and the simulated ones) as .npz")
    dd.add_argument("--force", action="store_true", help="overwrite the --out file if it exists")
    dd.set_defaults(func=cmd_distributed)

    ls = sub.add_parser("lessons", help="the lessons and their links")
    ls.add_argument("--lang", choices=("en", "zh"), default="en")
    ls.add_argument("--base", default="http://localhost:8501", help="the app's address")
    ls.set_defaults(func=cmd_lessons)

    sv = sub.add_parser("serve", help="run the app (streamlit run app.py); other arguments go to streamlit")
    sv.add_argument("streamlit_args", nargs=argparse.REMAINDER)
    sv.set_defaults(func=cmd_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:  # everything after "serve" is streamlit's, dashes included
        args = p.parse_args(["serve"])
        args.streamlit_args = argv[1:]
    else:
        args = p.parse_args(argv)  # exits 2 with argparse's message for a bad flag
    args.argv = argv
    try:
        outputs.check(outputs.named(args), force=getattr(args, "force", False))  # before any work
        return int(args.func(args) or 0)
    except (UsageError, ValueError, OSError) as err:  # ValueErrors say what must hold and what was given
        if isinstance(err, OSError) and err.filename is not None:
            err = f"{err.filename}: {err.strerror or err}"  # e.g. a data file that cannot be read
        msg = " ".join(str(err).split()) or type(err).__name__
        print(f"gdviz {args.command}: error: {msg}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print(f"gdviz {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
