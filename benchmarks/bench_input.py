"""Benchmarks of what a visitor's own input costs the server (issue 14): CSV uploads and formulas.

1. ``problems.data.csv.read_csv`` on worst-case files of 5 MB (the upload cap): every cell non-numeric (many
   rows; the most columns), numbers with a bad cell at the end of every column, distinct
   non-numeric cells, decimal commas, quoted fields, one huge line, digit strings too long for the
   vectorized scan, and for comparison a clean numeric file. A Streamlit server runs scripts in
   threads of one process, so every second spent here in Python holds the GIL against every other
   visitor.
2. A formula ``problem("formula", expr=...)``: construction (parse, gradient and Hessian, automatic
   window, minima search) and the cost of one step inside ``gdviz.run`` (f and its gradient on one
   point), for the page's default formula and for the most expensive formula the parser accepts.
   That one is found here by filling families of expressions up to the parser's caps and keeping the
   one with the most distinct subexpressions in f, ∂f/∂x and ∂f/∂y (``--search S`` also runs a
   random mutation search for S seconds and reports whether it beat the families).

Run from the repository root: ``python benchmarks/bench_input.py [--repeat N] [--search S]``. Every
figure is the best of N wall-clock timings after a warm-up (the machine may be shared). Exit
status 0: a report.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bench_core import Table, best_of, machine_facts, ms  # noqa: E402

import gdviz  # noqa: E402
from gdviz.formula import MAX_LENGTH, Evaluator, FormulaError, parse  # noqa: E402
from gdviz.problems.data import csv as csvdata  # noqa: E402

BYTES = csvdata.MAX_BYTES
GOAL_CSV = 0.5  # "well under 1 s" for the worst 5 MB file
GOAL_BUILD = 0.100  # a formula edit must not stall the page
GOAL_STEP_US = 50.0  # per step of one run: 3000 steps (the UI's cap) in well under 0.2 s
UI_FORMULA = "(1 - x)^2 + 100*(y - x^2)^2"  # gdviz.ui.race.custom.DEFAULT_FORMULA (no Streamlit import here)


# --- 1. CSV ------------------------------------------------------------------------------------------
def _fill(header: str, rows, *, last: str | None = None, max_rows: int = csvdata.MAX_ROWS) -> bytes:
    """``header`` then rows from the iterator ``rows`` until the file would exceed 5 MB or the row cap."""
    out = [header]
    size = len(header) + 1 + (len(last) + 1 if last else 0)
    budget = max_rows - (1 if last else 0)
    for row in rows:
        if len(out) - 1 >= budget or size + len(row) + 1 > BYTES:
            break
        out.append(row)
        size += len(row) + 1
    if last:
        out.append(last)
    data = ("\n".join(out) + "\n").encode()
    assert len(data) <= BYTES, len(data)
    return data


def _same(row: str):
    while True:
        yield row


def _names(k: int, sep: str = ",") -> str:
    return sep.join(f"c{j}" for j in range(k))


def csv_cases() -> dict[str, bytes]:
    rng = random.Random(0)
    cases = {}
    k = 25  # 100 000 rows × 25 one-letter cells: the most cells a 5 MB file with the row cap holds
    cases["text: 100k rows × 25 cells 'x'"] = _fill(_names(k), _same(",".join(["x"] * k)))
    k = csvdata.MAX_COLUMNS
    cases["text: 25k rows × 100 cells 'x'"] = _fill(_names(k), _same(",".join(["x"] * k)))

    def distinct(k):
        i = 0
        while True:
            yield ",".join(f"x{i + j:x}" for j in range(k))
            i += k

    cases["text: distinct cells (x0, x1, …)"] = _fill(_names(10), distinct(10))
    k = 10
    cases["numbers, a bad last cell in every column"] = _fill(
        _names(k), _same(",".join(["1.25"] * k)), last=",".join(["x"] * k)
    )

    def mixed(k):
        while True:
            yield ",".join(
                rng.choice(["x", "NA", "1e400", "-", "nan"]) if j % 2 else f"{rng.random():.6f}"
                for j in range(k)
            )

    cases["mixed: numbers, words, NA, inf, nan"] = _fill(_names(10), mixed(10))

    def deccomma(k):
        while True:
            yield ";".join(f"{rng.randint(-999, 999)},{rng.randint(0, 99):02d}" for _ in range(k))

    cases["decimal commas ; (all distinct-ish)"] = _fill(_names(k, ";"), deccomma(10))
    cases["quoted text fields"] = _fill(_names(20), _same(",".join(['"a b"'] * 20)))

    def junk(k):
        alphabet = "0123456789e.-+_"
        while True:
            yield ",".join("".join(rng.choice(alphabet) for _ in range(5)) for _ in range(k))

    cases["number-like junk (1e-_5, 3..e, …)"] = _fill(_names(10), junk(10))
    long_digits = "1" * 300
    cases["300-digit cells, one bad"] = _fill(
        "a,b", (f"{long_digits}{i},{i}" for i in range(10**9)), last=f"{long_digits}x,1"
    )
    cases["one huge line (ragged)"] = ("a,b\n" + ",".join(["x"] * (BYTES // 2 - 10)) + "\n").encode()

    def clean(k):
        while True:
            yield ",".join(f"{rng.gauss(0, 1):.6f}" for _ in range(k))

    cases["clean numbers 100k × 4 (reference)"] = _fill(_names(4), clean(4))
    cases["clean one-digit numbers 100k × 25"] = _fill(_names(25), _same(",".join(["1"] * 25)))
    return cases


def _outcome(data: bytes) -> str:
    try:
        t = csvdata.read_csv(data)
    except csvdata.CsvError as err:
        return f"refused: {err.code}"
    return f"{t.n_rows}×{len(t.columns)}, {len(t.issues)} column(s) with issues"


def bench_csv(table: Table, repeat: int):
    print(f"\n[1] problems.data.csv.read_csv on 5 MB files (goal: each < {GOAL_CSV:g} s)")
    worst = 0.0
    for name, data in csv_cases().items():
        t, _ = best_of(lambda data=data: _outcome(data), repeat)
        worst = max(worst, t)
        print(f"  {name:42s} {len(data) / 1e6:4.2f} MB  {ms(t):>10s}  {_outcome(data)}")
        table.goal(f"1. read_csv: {name}", t, ms(t), GOAL_CSV, f"< {GOAL_CSV:g} s", True)
    table.info("1. read_csv: worst of the files above", ms(worst))


# --- 2. formulas ---------------------------------------------------------------------------------------
def _n_steps(text: str) -> int:
    try:
        e = parse(text)
    except FormulaError:
        return -1
    return Evaluator([e, *e.gradient()]).n_steps


def _fill_formula(unit, sep: str) -> str:
    """Units joined by ``sep`` for as long as the parser accepts the text."""
    text = ""
    for k in range(1, 1000):
        cand = f"{text}{sep}{unit(k)}" if text else unit(k)
        if len(cand) > MAX_LENGTH or _n_steps(cand) < 0:
            break
        text = cand
    return text


FAMILIES = {
    "x^(y+k)": lambda k: f"x^(y+{k})",
    "(x+k)^y": lambda k: f"(x+{k})^y",
    "(x*y+k)^x": lambda k: f"(x*y+{k})^x",
    "(y/x+k)^y": lambda k: f"(y/x+{k})^y",
    "tan(x*y+k)": lambda k: f"tan(x*y+{k})",
    "exp(x/(y+k))": lambda k: f"exp(x/(y+{k}))",
    "k/(x*y+k)": lambda k: f"{k}/(x*y+{k})",
    "sin(k.1*x*y)*cos(k*x-y)**3": lambda k: f"sin({k}.1*x*y)*cos({k}*x-y)**3",
    "sin(k*x)": lambda k: f"sin({k}*x)",
    "x^y": lambda k: "x^y",
}


def worst_formula(search_s: float) -> tuple[str, int]:
    found = []
    for unit in FAMILIES.values():
        for sep in ("+", "*", "/", "-"):
            text = _fill_formula(unit, sep)
            if text:
                found.append((_n_steps(text), text))
    nested = "sin(" * 19 + "x*y" + ")" * 19 + "+" + "cos(" * 19 + "x-y" + ")" * 19
    found.append((_n_steps(nested), nested))
    best = max(found)
    if search_s > 0:
        rng = random.Random(1)
        pieces = ["x^(y+{k})", "(x+{k})^y", "y^(x+{k})", "tan(x*y+{k})", "exp(x/(y+{k}))", "sqrt(x+{k}*y)"]
        pieces += ["log(x+{k}*y)", "atan(x*y+{k})", "(x-y)^{k}.5", "(x/y+{k})^y", "tanh(x-{k}*y)", "x", "y"]
        deadline, pool, beaten = time.perf_counter() + search_s, [best], False
        while time.perf_counter() < deadline:
            text = rng.choice(pool)[1]
            cut = rng.randrange(len(text) + 1)
            while cut < len(text) and text[cut] not in "/*+-":
                cut += 1
            text = text[:cut]
            while True:
                cand = (
                    text
                    + (rng.choice("/*+-") if text else "")
                    + rng.choice(pieces).format(k=rng.randint(1, 99))
                )
                if len(cand) > MAX_LENGTH:
                    break
                text = cand
            cost = _n_steps(text)
            if cost > 0:
                pool = sorted({*pool, (cost, text)}, reverse=True)[:20]
                if cost > best[0]:
                    best, beaten = (cost, text), True
        print(f"  random search {search_s:g} s: {'beat' if beaten else 'did not beat'} the families")
    return best[1], best[0]


def _trusted_calls(p, one, calls):
    # As the run loop calls it: inside one error-state block.
    with np.errstate(all="ignore"):
        for _ in range(calls):
            p.loss_and_grad_trusted(one)


def bench_formula(table: Table, repeat: int, search_s: float):
    worst, n_worst = worst_formula(search_s)
    print(f"\n[2] formulas; the most expensive found ({n_worst} distinct subexpressions in f, fx, fy):")
    print(f"  {worst}")
    steps, calls = 3000, 2000
    opt, many = gdviz.optimizer("gd", lr=1e-6), gdviz.optimizer("gd", lr=[1e-6] * 6)
    # A start where every formula here is finite and moderate, so that every run does all its steps.
    start = (1.0, 0.5)
    for label, text in (("default (UI)", UI_FORMULA), ("core default", "x**2 + 10*sin(y)"), ("worst", worst)):
        t_build, p = best_of(lambda text=text: gdviz.problem("formula", expr=text), repeat)
        table.goal(
            f"2. build problem('formula'): {label}", t_build, ms(t_build), GOAL_BUILD, f"≤ {ms(GOAL_BUILD)}"
        )
        one = np.array([start])
        t_call, _ = best_of(lambda p=p, one=one: _trusted_calls(p, one, calls), repeat)
        table.info(f"2. f and gradient, one point: {label}", f"{t_call / calls * 1e6:.1f} µs")
        t_run, rec = best_of(lambda p=p: gdviz.run(p, opt, steps=steps, start=start), repeat)
        if rec.steps_done != steps:
            raise SystemExit(f"{label}: the run stopped after {rec.steps_done} steps ({rec.stop_reason})")
        per_step = t_run / steps * 1e6
        table.goal(
            f"2. gdviz.run per step (1 run): {label}",
            per_step,
            f"{per_step:.1f} µs",
            GOAL_STEP_US,
            f"≤ {GOAL_STEP_US:g} µs",
        )
        t_many, rec6 = best_of(lambda p=p: gdviz.run_many(p, many, steps=steps, start=start), repeat)
        if not (rec6.steps_done == steps).all():
            raise SystemExit(f"{label}: a run of six stopped early ({rec6.stop_reason})")
        table.info(f"2. gdviz.run_many per step (6 runs): {label}", f"{t_many / steps * 1e6:.1f} µs")
        print(
            f"  {label:13s} build {ms(t_build):>9s} | f+grad {t_call / calls * 1e6:6.1f} µs | run {steps} steps "
            f"{ms(t_run):>9s} ({per_step:.1f} µs/step) | 6 runs {t_many / steps * 1e6:.1f} µs/step"
        )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--search", type=float, default=0.0, help="seconds of random formula search")
    ap.add_argument("--only", choices=("csv", "formula"))
    args = ap.parse_args(argv)
    for fact in machine_facts():
        print(fact)
    table = Table()
    if args.only != "formula":
        bench_csv(table, args.repeat)
    if args.only != "csv":
        bench_formula(table, args.repeat, args.search)
    print()
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
