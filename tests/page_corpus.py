"""Links that stand for every class of costly or hostile page load (issue 23): the links the issue
measured, lessons on every page, the largest models each page allows, stochastic runs on the largest
data. ``tests/ui/test_page_plans.py`` checks each one's plan; ``benchmarks/bench_page_plans.py``
measures each one's CPU against it."""

from __future__ import annotations

from gdviz.ui.network import state as net_state
from gdviz.ui.race import lessons as race_lessons
from gdviz.ui.scale import state as scale_state

PAGES = {
    "race": "gdviz.ui.race.page",
    "network": "gdviz.ui.network.page",
    "scale": "gdviz.ui.scale.page",
    "sweeps": "gdviz.ui.sweeps.page",
}


def script(module: str):
    """What the router does for a page (gdviz.ui.app): the link read on the first run, the page
    drawn inside its page run's ledger."""
    import contextlib
    import importlib

    import streamlit as st

    try:
        from gdviz.serve import meter
    except ImportError:  # a tree before page plans (benchmarks/bench_page_plans.py measures it too)
        meter = None
    page = importlib.import_module(module).PAGE
    with meter.page_run(page.url_path) if meter else contextlib.nullcontext():
        if not st.session_state.get("_linked"):
            st.session_state["_linked"] = True
            page.load_link()
        page.render()


MLP_SIX = [f"gd,0.5,seed={k}" for k in range(6)]
STOCHASTIC_SIX = [f"sgd,0.01,mini:1,seed={k}" for k in range(6)]
# the largest data the race and sweeps pages allow, and the 61-parameter net of the issue
BIG_DATA = {"problem": "linear_regression", "data": "synthetic", "n": "1000000", "steps": "3000"}
NET_61 = {"problem": "mlp", "n": "5000", "width": "15", "depth": "1", "steps": "10", "run": MLP_SIX}
LOCAL_SGD = {"n": "1000000", "K": "64", "b": "1", "steps": "2000", "strategies": "local", "H": "64"}
LINKS = [
    # the measured links
    ("race", {**BIG_DATA, "run": [f"gd,0.05,mini:999999,seed={s}" for s in range(6)]}, {"refuse"}),
    ("race", {**NET_61, "dataset": "spirals"}, None),
    ("race", {**NET_61, "dataset": "wave"}, None),
    ("race", {**BIG_DATA, "run": STOCHASTIC_SIX}, None),
    ("scale", {"problem": "linear_regression", **LOCAL_SGD, "shards": "label"}, None),
    ("scale", {"problem": "logistic_regression", "K": "64", "b": "256"}, None),
    # the largest model each page allows, stochastic where it may be
    (
        "race",
        {
            **NET_61,
            "dataset": "spirals",
            "width": "32",
            "depth": "3",
            "steps": "3000",
            "run": ["adam,0.01,mini:1"],
        },
        None,
    ),
    ("network", {"width": "32", "depth": "3", "n": "5000", "steps": "3000"}, None),
    ("sweeps", {**BIG_DATA, "run": STOCHASTIC_SIX}, None),
    ("sweeps", {**NET_61, "dataset": "spirals"}, None),
]
LINKS += [("race", {"lesson": lesson.key}, None) for lesson in race_lessons.LESSONS]
LINKS += [("network", {"lesson": key}, None) for key in net_state.LESSONS]
LINKS += [("scale", {"lesson": key}, None) for key in scale_state.LESSONS]


def name(case) -> str:
    page, query, _ = case
    return (
        page
        + "?"
        + "&".join(f"{k}={v if isinstance(v, str) else f'{v[0]}×{len(v)}'}" for k, v in query.items())
    )
