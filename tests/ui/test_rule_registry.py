"""The rule registry is the one source: what the pages show of a rule agrees with what the core
checks, links default to what the state owner reads, and a rule registered from a test module (its
file's worth of code, and its strings) is listed, runnable, inspectable, sweepable, scrubbable and
carried by a link with no other edit."""

from __future__ import annotations

import json
from typing import NamedTuple

import numpy as np
import pytest
from apptest_support import APP, run
from streamlit.testing.v1 import AppTest

import gdviz
from gdviz.analysis import sweeps
from gdviz.analysis.step import equation_latex, inspect_step
from gdviz.optim import registry
from gdviz.optim.base import lr_parts, scheduled_lr
from gdviz.optim.explain import line
from gdviz.ui import i18n, specs
from gdviz.ui.race import links
from gdviz.ui.race import state as race_state
from gdviz.ui.race.scrub import second_grid
from gdviz.ui.specs import DEFAULT_LR, LR_GRID, RunSpec, log_choices, rule_controls, rules


def _inside(value, hyper: registry.Hyper) -> bool:
    lo, hi, lo_open, hi_open = hyper.bounds
    return (lo is None or (value > lo if lo_open else value >= lo)) and (
        hi is None or (value < hi if hi_open else value <= hi)
    )


# --- the pages agree with the core ---------------------------------------------------------------------
@pytest.mark.parametrize("rule", rules())
def test_every_control_defaults_to_the_cores_default_within_its_range(rule):
    entry = registry.entry(rule)
    core = registry.defaults(rule)
    for c in rule_controls(rule):
        hyper = entry.hyper(c.key)
        value = core[hyper.name] if not hyper.parts else core[hyper.name][hyper.parts.index(c.key)]
        assert c.default == value, (rule, c.key)
        assert (c.kind == "bool") == isinstance(hyper.default, bool), (rule, c.key)
        if c.kind in ("float", "int"):
            ends = log_choices(c) if c.log else (c.lo, c.hi)
            assert all(_inside(v, hyper) for v in ends), f"{rule}: {c.key}'s range passes the core's"
            assert c.lo <= c.default <= c.hi, (rule, c.key)
            if c.log:
                assert c.default in log_choices(c), (rule, c.key)
    # and the optimizer the page builds from its controls at their defaults is the rule's own
    spec = RunSpec(rule, 0.01, tuple((c.key, c.default) for c in rule_controls(rule)))
    assert gdviz.optimizer(rule, **spec.optimizer_kwargs()).hyper == {**core, "lr": 0.01}


def test_the_rate_slider_lies_within_what_the_core_accepts():
    lr = registry.Hyper("lr", DEFAULT_LR, *registry.LR_BOUNDS)
    assert all(_inside(v, lr) for v in LR_GRID) and DEFAULT_LR in LR_GRID
    for rule in rules():
        assert registry.entry(rule).hyper("lr").bounds == registry.LR_BOUNDS, rule


@pytest.mark.parametrize("rule", registry.names())
def test_what_a_rule_declares_names_its_own_hyperparameters(rule):
    entry = registry.entry(rule)
    own = entry.flat_defaults()
    assert all(k.name in own for k in entry.knobs), "a control for a hyperparameter the rule lacks"
    if entry.second is not None:
        assert entry.knob(entry.second) is not None and entry.knob(entry.second).symbol
    assert set(entry.heatmap) <= set(own) and set(entry.heatmap) <= set(sweeps.AXES)
    assert all(h.name in entry.defaults for h in entry.rule.hypers)


@pytest.mark.parametrize("rule", rules())
def test_a_links_run_defaults_to_what_the_state_owner_reads(rule, monkeypatch):
    # a session that knows only the run's rule, and a link that gives only the rule and the rate:
    # every other key not written yet and every part the link leaves out is the same default
    monkeypatch.setattr(race_state, "SS", {"run.1.rule": rule})
    session = race_state.read_run(1)
    assert session.lr == DEFAULT_LR and session.batch_size == specs.DEFAULT_BATCH
    assert links.decode_run(f"{rule},{DEFAULT_LR:g}", []) == session
    # and a run at every default is its rule and rate alone in a link
    assert links.encode_run(session) == f"{rule},{DEFAULT_LR:g}"


# --- a new rule is its file and its strings ------------------------------------------------------------
class SignState(NamedTuple):
    count: int


def _build(h: dict):
    """θ ← θ − α·sign(g): signSGD without momentum (Bernstein et al., 2018)."""
    lr, sched = lr_parts(h["lr"])

    def make_state(shape):
        return SignState(0)

    def update(grads, state, params=None):
        step = -lr if sched is None else -scheduled_lr(sched, state.count)
        return step * np.sign(grads), SignState(state.count + 1)

    return make_state, update


def _explain(h, g, theta, before, after, lr, k, theta_next):
    step = line(
        r"\theta_{k+1}",
        r"<theta> - <lr>\,\operatorname{sign}(<g>)",
        theta_next,
        lambda theta, lr, g: theta + (-lr) * np.sign(g),
        theta=(r"\theta_k", theta),
        lr=(r"\alpha_k", lr),
        g=("g_k", g),
    )
    return [step], None, None, {}


SIGN = registry.Rule(
    "sign",
    (registry.lr(1e-3),),
    _build,
    _explain,
    r"\theta_t = \theta_{t-1} - \gamma\,\operatorname{sign}(g_t)",
    year=2018,
    family=registry.Family(sign=True),
    note="insp.note.sign",
)
STRINGS = {
    "rule.sign": ("Sign descent", "符号下降"),
    "insp.note.sign": (
        "Each coordinate moves by α against its gradient's sign.",
        "每个坐标沿梯度符号的反方向移动 α。",
    ),
}


@pytest.fixture
def sign_rule():
    registry.register(SIGN)
    assert set(registry.strings("sign")) == set(STRINGS), "the keys the pages will look up"
    for key, (en, zh) in STRINGS.items():
        i18n.EN[key], i18n.ZH[key] = en, zh
    yield "sign"
    registry.unregister("sign")
    for key in STRINGS:
        del i18n.EN[key], i18n.ZH[key]
    assert "sign" not in registry.names() and "sign" not in rules()  # the other tests never see it


def test_a_rule_registered_from_a_test_is_listed_run_inspected_swept_and_scrubbed(sign_rule):
    assert sign_rule in rules() and sign_rule in registry.names()
    p = gdviz.problem("quadratic")
    rec = gdviz.run(p, gdviz.optimizer(sign_rule, lr=0.05), steps=40)
    assert rec.loss[-1] < rec.loss[0] / 10
    info = inspect_step(p, gdviz.optimizer(sign_rule, lr=0.05), rec, 7)
    assert info.matches_record and len(equation_latex(info)) == 1
    res = sweeps.lr_sweep(p, sign_rule, lrs=[0.01, 0.05, 0.2], steps=40)
    assert res.best_lr is not None and res.limit is None  # no curvature theory for a sign step
    spec = RunSpec(sign_rule, 0.05)
    assert second_grid(spec) is None  # its scrub is over the rate alone
    from gdviz.serve.tasks import lr_family

    params, loss, diverged = lr_family(
        recipe=("named", "quadratic", {}),
        run={"rule": sign_rule, "hyper": spec.optimizer_kwargs(), "steps": 20},
        lrs=[0.01, 0.05],
        progress=lambda f: None,
    )
    assert params.shape == (21, 2, 2) and np.all(diverged == -1)
    np.testing.assert_allclose(loss[:, 1], gdviz.run(p, gdviz.optimizer(sign_rule, lr=0.05), steps=20).loss)


def test_a_rule_registered_from_a_test_travels_in_a_link_and_runs_on_the_page(sign_rule):
    spec = RunSpec(sign_rule, 0.05, variant="mini", batch_size=3, seed=2)
    state = links.LinkState(specs.PageConfig(specs.ProblemSpec("linear_regression"), runs=(spec,)))
    query = links.encode(state)
    assert query["run"] == ["sign,0.05,mini:3,seed=2"]
    back = links.decode(query)
    assert back.config.runs == (spec,) and back.ignored == ()

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params.update({"problem": "quadratic", "run": ["sign,0.05", "gd,0.05"]})
    run(at)
    rid = at.session_state["run_ids"][0]
    picker = at.selectbox(key=f"run.{rid}.rule")
    assert picker.value == sign_rule and STRINGS["rule.sign"][0] in picker.options
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("race_chart"))
    names = [d.get("name") or "" for d in json.loads(chart.proto.spec)["data"]]
    assert any(STRINGS["rule.sign"][0] in n for n in names)
    at.toggle(key="insp.open").set_value(True)
    run(at)
    assert any("identical to the last bit" in s.value for s in at.success)
    assert STRINGS["insp.note.sign"][0] in " ".join(c.value for c in at.caption)

    scrub = AppTest.from_file(str(APP), default_timeout=120)
    scrub.query_params.update({"problem": "quadratic", "panel": "scrub", "run": "sign,0.05"})
    run(scrub)
    assert not scrub.error
    assert any(c.proto.id.endswith("scrub_chart") for c in scrub.get("plotly_chart"))
