"""The budget on the page (AppTest): costly links are refused before any work, slow work waits for a
click and then runs in a worker, a large model's runs are kept thinned and still drawn and inspected."""

from __future__ import annotations

import json

from apptest_support import APP, run
from streamlit.testing.v1 import AppTest

from gdviz import limits
from gdviz.serve import jobs
from gdviz.ui.i18n import EN
from gdviz.ui.race import compute

TIMEOUT = 60


def open_link(query: dict) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    return run(at)


def chart(at: AppTest):
    found = [c for c in at.get("plotly_chart") if json.loads(c.proto.spec).get("frames")]
    return found[0] if found else None


def prefix(key: str) -> str:
    return EN[key].split("{")[0]


def test_the_46_cpu_minute_link_is_refused_before_any_work():
    # issue 14: six runs of 3000 steps with mini-batches of 999 999 samples out of 10⁶
    runs = [f"gd,0.05,mini:999999,seed={s}" for s in range(6)]
    at = open_link(
        {"problem": "linear_regression", "data": "synthetic", "n": "1000000", "steps": "3000", "run": runs}
    )
    assert any(w.value.startswith(prefix("work.refused.seconds")) for w in at.warning)
    assert chart(at) is None
    assert jobs._pool is None or (jobs._pool.running() == 0 and jobs._pool.queued() == 0)


def test_slow_work_waits_for_one_click_then_runs_in_a_worker(monkeypatch):
    monkeypatch.setattr(limits, "BUDGET_AUTO_SECONDS", 0.0)
    monkeypatch.setattr(limits, "INLINE_SECONDS", 0.0)  # everything goes to a worker process
    compute.RUNS.clear()
    at = open_link({"problem": "beale", "steps": "200", "run": ["adam,0.05", "gd,0.001"]})
    assert chart(at) is None and sum(i.value.startswith(prefix("work.click")) for i in at.info) == 1
    # one plan for the page run: the runs, the surface and the figure are asked for by one click
    at.button(key="work.btn.race.page").click()
    run(at)
    assert chart(at) is not None
    assert not any(i.value.startswith(prefix("work.click")) for i in at.info), [i.value for i in at.info]
    run(at)  # approved work stays approved, and is cached now
    assert chart(at) is not None


def test_a_large_models_runs_are_thinned_drawn_and_inspected():
    compute.RUNS.clear()
    at = open_link(
        {
            "problem": "mlp",
            "dataset": "moons",
            "n": "200",
            "width": "32",
            "depth": "3",
            "steps": "300",
            "run": ["adam,0.01", "gd,0.5"],
        }
    )
    fig = chart(at)
    assert fig is not None
    records = [v[0] for v in compute.RUNS._items.values() if v[0][0] is not None]
    recs = [r for r, _ in records]
    assert recs and all(r.thinned and r.grad.shape[0] == 0 for r in recs)
    assert all(r.params.nbytes <= limits.RECORD_THIN_BYTES for r in recs)
    at.toggle(key="insp.open").set_value(True)
    run(at)
    at.slider(key="insp.step").set_value(120)
    run(at)
    # what the page said instead, should it fail: once, in a loaded fresh-clone CI run, it did
    said = [m.value for m in (*at.info, *at.warning, *at.error, *at.success)]
    assert any(s.value.startswith(prefix("insp.check.ok").strip()) for s in at.success), (
        f"the replayed step matches; the page said {said}"
    )
