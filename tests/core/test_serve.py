"""gdviz.serve: the cost model, the byte-bounded caches and the worker pool, with real processes."""

from __future__ import annotations

import time

import numpy as np
import pytest

import gdviz
from gdviz import limits
from gdviz.serve import cost, jobs, tasks
from gdviz.serve.cache import ByteCache, freeze, nbytes


# --- cost -----------------------------------------------------------------------------------------
def test_decide_follows_the_budget_rule():
    assert cost.decide(cost.Estimate(0.5)).action == cost.NOW
    assert cost.decide(cost.Estimate(limits.BUDGET_AUTO_SECONDS + 1)).action == cost.CLICK
    refused = cost.decide(cost.Estimate(limits.BUDGET_MAX_SECONDS + 1))
    assert refused.action == cost.REFUSE and refused.reason == "seconds"
    too_big = cost.decide(cost.Estimate(0.1, limits.BUDGET_MAX_BYTES + 1))
    assert too_big.action == cost.REFUSE and too_big.reason == "bytes"


def test_estimates_add_up_and_name_what_costs_most():
    e = cost.Estimate(1.0, 10, (("runs", 1.0),)) + cost.Estimate(3.0, 5, (("surface", 3.0),))
    assert e.seconds == 4.0 and e.bytes == 10 and e.largest() == "surface"
    assert cost.Estimate.total([]).seconds == 0 and cost.Estimate().largest() is None


def test_a_problem_is_probed_once_and_the_model_scales_with_the_work():
    p = gdviz.problem("logistic_regression", n=4000)
    pc = cost.cost_of(p)
    assert cost.cost_of(p) is pc
    assert pc.full(100) > pc.full(1) > 0 and pc.batch(1000) > pc.batch(1) > 0
    one = cost.run_estimate(p, "gd", steps=100)
    assert cost.run_estimate(p, "gd", steps=1000).seconds == pytest.approx(10 * one.seconds)
    assert cost.run_estimate(p, "gd", steps=100, runs=50).seconds > one.seconds
    # a mini-batch run also pays for the full loss of every step
    mini = cost.run_estimate(p, "gd", steps=100, batch_size=16)
    assert mini.seconds > 100 * pc.loss(1)


def test_the_46_cpu_minute_link_of_issue_14_is_refused_before_any_work():
    # six runs of 3000 steps, mini-batch 999 999 of 10⁶ samples
    p = gdviz.problem("linear_regression", data="synthetic", n=10**6)
    est = cost.Estimate.total(cost.run_estimate(p, "gd", steps=3000, batch_size=999_999) for _ in range(6))
    assert cost.decide(est).action == cost.REFUSE
    # the same with full batch costs nothing much (sufficient statistics): far from any refusal. Not
    # "at once" exactly: that threshold (2 s) is crossed when the probes ran on a loaded machine
    full = cost.Estimate.total(cost.run_estimate(p, "gd", steps=3000) for _ in range(6))
    assert full.seconds < est.seconds / 100
    assert cost.decide(full).action != cost.REFUSE


def test_record_bytes_of_a_thinned_record_are_a_fraction():
    full = cost.record_bytes(3000, 1, 2241)
    thin = cost.record_bytes(3000, 1, 2241, keep=400)
    assert full > 100 * 2**20 and thin < 5 * 2**20


# --- cache ----------------------------------------------------------------------------------------
def test_nbytes_counts_shared_buffers_once():
    a = np.zeros(1000)
    assert 8000 <= nbytes(a) < 8300
    assert nbytes((a, a[10:], a.reshape(10, 100))) < 8500
    rec = gdviz.run(gdviz.problem("rosenbrock"), gdviz.optimizer("gd"), steps=100)
    assert nbytes(rec) >= rec.params.nbytes + rec.grad.nbytes + rec.loss.nbytes


def test_byte_cache_evicts_the_least_recently_used_and_refuses_giants():
    c = ByteCache("t", 100_000)
    for k in range(5):
        assert c.put(k, np.zeros(2000))  # 16 kB each
    assert c.bytes <= 100_000 and len(c) == 5
    c.get(0)  # 0 is now the most recent
    c.put(5, np.zeros(2000))
    c.put(6, np.zeros(2000))
    assert 0 in c and 1 not in c
    assert c.bytes <= 100_000
    assert not c.put("giant", np.zeros(10_000))  # over a quarter of the budget: not kept
    assert "giant" not in c


def test_byte_cache_entries_expire():
    c = ByteCache("t", 10**6, ttl=0.05)
    c.put("a", 1)
    assert c.get("a") == 1
    time.sleep(0.08)
    assert c.get("a") is None and c.bytes == 0


def test_freeze_makes_shared_arrays_read_only():
    rec = freeze(gdviz.run(gdviz.problem("rosenbrock"), gdviz.optimizer("gd"), steps=5))
    with pytest.raises(ValueError):
        rec.params[0, 0] = 1.0
    c = ByteCache("t", 10**7)
    v = c.get_or_make("k", lambda: {"x": np.ones(3)})
    assert c.get_or_make("k", lambda: 1 / 0) is v and not v["x"].flags.writeable


# --- tasks ----------------------------------------------------------------------------------------
def test_the_runs_task_is_gdviz_run_and_reports_each_run_apart():
    recipe = ("named", "quadratic", {"condition": 10})
    runs = [
        {"rule": "gd", "hyper": {"lr": 0.1}, "steps": 50},
        {"rule": "gd", "hyper": {"lr": -1.0}, "steps": 50},  # refused by the core
    ]
    seen = []
    out = tasks.run_inline("runs", {"recipe": recipe, "runs": runs}, seen.append)
    (rec, err), (bad, msg) = out
    direct = gdviz.run(gdviz.problem("quadratic", condition=10), gdviz.optimizer("gd", lr=0.1), steps=50)
    np.testing.assert_array_equal(rec.params, direct.params)
    assert err is None and bad is None and "lr must be" in msg
    assert seen[-1] == pytest.approx(1.0) and seen == sorted(seen)


def test_an_unknown_task_or_sweep_is_refused():
    with pytest.raises(ValueError, match="unknown task"):
        tasks.run_inline("nope", {})
    with pytest.raises(ValueError, match="unknown sweep"):
        tasks.run_inline(
            "sweep", {"recipe": ("named", "rosenbrock", {}), "function": "__import__", "kwargs": {}}
        )


# --- the pool, with real worker processes -----------------------------------------------------------
MLP = ("named", "mlp", {"dataset": "spirals", "n": 2000, "hidden": (32, 32, 32)})


def _long(steps: int) -> dict:
    return {"recipe": MLP, "runs": [{"rule": "adam", "hyper": {"lr": 0.01}, "steps": steps, "keep": 50}]}


@pytest.fixture
def pool():
    p = jobs.Pool(workers=1, heartbeat=1.0, kill_grace=1.0, queue_max=3, allowance=jobs.Allowance(1000, 1))
    try:
        yield p
    finally:
        p.shutdown()


def _wait(job, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not job.wait(0.05):
        assert time.monotonic() < deadline, f"job still {job.state}"
    return job


def test_a_worker_computes_what_inline_computes(pool):
    args = {
        "recipe": ("named", "rosenbrock", {}),
        "runs": [{"rule": "adam", "hyper": {"lr": 0.05}, "steps": 300}],
    }
    job = _wait(pool.submit("runs", args, key="k", owner="a"))
    assert job.state == jobs.DONE and job.cpu > 0
    ((rec, _),) = job.result
    ((same, _),) = tasks.run_inline("runs", args)
    np.testing.assert_array_equal(rec.params, same.params)


def test_identical_work_is_done_once_and_a_task_error_is_reported(pool):
    a = pool.submit("runs", _long(200), key="same", owner="a")
    b = pool.submit("runs", _long(200), key="same", owner="b")
    assert a is b
    _wait(a)
    bad = _wait(
        pool.submit("runs", {"recipe": ("named", "no-such-problem", {}), "runs": []}, key="bad", owner="a")
    )
    assert bad.state == jobs.FAILED and bad.error_kind == "value" and "unknown problem" in bad.error


def test_a_job_nobody_waits_for_is_cancelled_and_the_worker_serves_the_next(pool):
    job = pool.submit("runs", _long(20_000), key="abandoned", owner="a")
    deadline = time.monotonic() + 30
    while job.state not in (jobs.CANCELLED, jobs.FAILED):
        assert time.monotonic() < deadline, job.state
        time.sleep(0.1)  # no touch: nobody waits
    assert job.state == jobs.CANCELLED
    after = _wait(pool.submit("runs", _long(20), key="next", owner="b"))
    assert after.state == jobs.DONE


def test_a_new_request_of_the_same_slot_replaces_the_old_one(pool):
    old = pool.submit("runs", _long(20_000), key="old", owner="a", slot="race")
    new = pool.submit("runs", _long(20), key="new", owner="a", slot="race")
    _wait(new)
    assert old.state == jobs.CANCELLED and new.state == jobs.DONE


def test_queued_work_is_served_round_robin_and_the_queue_is_capped(pool):
    blocker = pool.submit("runs", _long(400), key="blocker", owner="a")
    a2 = pool.submit("runs", _long(10), key="a2", owner="a", slot="s2")
    a3 = pool.submit("runs", _long(10), key="a3", owner="a", slot="s3")
    b1 = pool.submit("runs", _long(10), key="b1", owner="b")
    # b has not been served yet: it goes before a's second and third jobs
    assert pool.position(b1) == 0 and pool.position(a2) == 1 and pool.position(a3) == 2
    with pytest.raises(jobs.Busy):
        pool.submit("runs", _long(10), key="c1", owner="c")
    everyone = (blocker, a2, a3, b1)
    deadline = time.monotonic() + 60
    while not all(j.done_event.is_set() for j in everyone):  # everybody keeps waiting
        assert time.monotonic() < deadline
        for j in everyone:
            j.touch()
        time.sleep(0.05)
    assert all(j.state == jobs.DONE for j in everyone)
    assert blocker.started < b1.started < a2.started < a3.started


def test_a_job_past_its_deadline_is_stopped(pool):
    job = pool.submit("runs", _long(20_000), key="slow", owner="a", estimate=0.0)
    job.deadline = 0.5
    _wait(job)
    assert job.state == jobs.CANCELLED and job.error == "took longer than its budget"


def test_a_worker_that_runs_out_of_memory_is_replaced():
    p = jobs.Pool(workers=1, memory=200 * 2**20, allowance=jobs.Allowance(1000, 1))
    try:
        huge = {
            "recipe": ("named", "linear_regression", {"data": "synthetic", "n": 10**6}),
            "runs": [{"rule": "gd", "hyper": {"lr": 0.01}, "steps": 2, "batch_size": 999_999}],
        }
        job = _wait(p.submit("runs", huge, key="huge", owner="a"))
        assert job.state == jobs.FAILED and job.error_kind in ("memory", "crash")
        ok = _wait(p.submit("runs", _long(10), key="ok", owner="a"))
        assert ok.state == jobs.DONE
    finally:
        p.shutdown()


def test_an_owner_spends_from_an_allowance():
    a = jobs.Allowance(burst=2.0, rate=1.0)
    a.check("s")
    a.charge("s", 3.0)
    with pytest.raises(jobs.RateLimited) as err:
        a.check("s")
    assert 0 < err.value.wait <= 2.0
    a.check("t")  # another owner is not affected
    time.sleep(1.2)
    a.check("s")
