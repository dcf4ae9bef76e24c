"""Server CPU of one page load per hostile link, against the page's plan (issue 23).

Each link of ``tests/page_corpus.py`` is opened in a fresh process (cold caches, cold probes) the
way the router opens it, with every piece run inline (GDVIZ_INLINE_SECONDS very large), so that the
process's CPU time is the whole page load's: server and worker alike (the imports and Streamlit's
own first start, which every process pays once and no link adds, are paid before the clock starts). Printed per link: the CPU
spent, the plan's estimate, its decision; then per page the worst CPU of a load that needed no
click, and the worst ratio of CPU to estimate among the loads that ran.

    python benchmarks/bench_page_plans.py [--only race|network|scale|sweeps] [--json OUT]

On a tree without page plans (before issue 23) it still measures the CPU, with no estimate.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

CHILD = r"""
import json, sys, time
sys.path.insert(0, {tests!r})
from streamlit.testing.v1 import AppTest
from page_corpus import LINKS, PAGES, script
page, query, _ = LINKS[{index}]
# what any first page load of a process pays and no link adds: the imports, Streamlit's own start
import importlib, plotly.graph_objects
importlib.import_module(PAGES[page])
AppTest.from_string("import streamlit as st\nst.write(1)").run()
at = AppTest.from_function(script, args=(PAGES[page],), default_timeout=600)
for k, v in query.items():
    at.query_params[k] = v
try:
    from gdviz.serve import meter
except ImportError:
    meter = None
c0 = time.process_time()
at.run()
cpu = time.process_time() - c0
out = {{"cpu": cpu, "errors": [e.message for e in at.exception]}}
if meter is not None:
    made = [l for l in meter.LOG if l.decision]
    out["decision"] = ",".join(sorted({{l.decision for l in made}})) or "none"
    out["granted"] = all(l.granted for l in made) if made else True
    out["estimate"] = sum(l.seconds for l in made)
    out["outside"] = sum(len(l.outside) for l in meter.LOG)
print(json.dumps(out))
"""


def main() -> int:
    from page_corpus import LINKS, name

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("race", "network", "scale", "sweeps"))
    ap.add_argument("--json", metavar="OUT", help="write the measurements")
    args = ap.parse_args()
    env = dict(os.environ, GDVIZ_INLINE_SECONDS="1e9")
    rows = []
    for i, case in enumerate(LINKS):
        if args.only and case[0] != args.only:
            continue
        done = subprocess.run(
            [sys.executable, "-c", CHILD.format(tests=str(ROOT / "tests"), index=i)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=900,
        )
        line = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}"
        got = json.loads(line) if line.startswith("{") else {"cpu": math.nan, "errors": [done.stderr[-300:]]}
        got.update(page=case[0], link=name(case))
        rows.append(got)
        est = got.get("estimate")
        print(
            f"{got['cpu']:7.2f} s CPU  estimate {est if est is None else f'{est:7.2f} s'}  "
            f"{got.get('decision', '?'):>7}  {got['link'][:90]}" + ("  ERROR" if got["errors"] else ""),
            flush=True,
        )
    print()
    for page in ("race", "sweeps", "network", "scale"):
        mine = [r for r in rows if r["page"] == page]
        if not mine:
            continue
        free = [r for r in mine if r.get("decision", "now") in ("now", "none")]
        worst = max(free, key=lambda r: r["cpu"]) if free else None
        ran = [r for r in free if r.get("estimate")]
        ratio = max(ran, key=lambda r: r["cpu"] / r["estimate"]) if ran else None
        print(
            f"{page:8} worst CPU without a click: "
            + (f"{worst['cpu']:.2f} s ({worst['link'][:70]})" if worst else "—")
            + "; worst CPU / estimate: "
            + (f"{ratio['cpu'] / ratio['estimate']:.2f} ({ratio['link'][:70]})" if ratio else "—")
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
