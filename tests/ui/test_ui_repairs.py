"""Every repair is said (issue 23): a link's start of the wrong length or beyond what the chart can
show, axes beyond the problem's parameters and an empty number are replaced, the page uses the
replacement (the session, the address bar, the chart) and its notice says what was given and what is
used, in English and Chinese; a chart with nothing to draw says so; a formula beyond float32 draws;
refusals quote at most 60 characters of the visitor's text and say sizes exactly."""

from __future__ import annotations

import re

import numpy as np
import png_support
import pytest
from apptest_support import APP, run
from streamlit.testing.v1 import AppTest
from test_ui_app import RACE_CHART, race_spec, switch_problem, texts

from gdviz.errors import QUOTE_CHARS
from gdviz.ui.i18n import EN, ZH
from gdviz.ui.text import literal

TIMEOUT = 60
TABLES = {"en": EN, "zh": ZH}


def _open(**query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    return run(at)


def _notice(at: AppTest, lang: str) -> str:
    heads = (TABLES[lang]["repair.head"], TABLES[lang]["link.repaired"].split("{")[0])
    found = [w.value for w in at.warning if w.value.startswith(heads)]
    assert len(found) == 1, [w.value for w in at.warning]
    return found[0]


def _said(notice: str, lang: str, why: str, given: str) -> None:
    """The notice holds the sentence ``repair.<why>``: its text between the fields, and the given value."""
    template = TABLES[lang][f"repair.{why}"]
    for chunk in re.split(r"\{[a-z]+\}", template):
        assert chunk.strip(" =") in notice, (chunk, notice)
    assert literal(given) in notice


START_150 = ",".join(["1"] * 150)


@pytest.mark.parametrize(
    ("lang", "query", "why", "used"),
    [
        ("en", {"problem": "rosenbrock", "start": "1"}, "start.length", None),
        ("en", {"problem": "rosenbrock", "start": "1,2,3"}, "start.length", None),
        ("zh", {"problem": "rosenbrock", "start": START_150}, "start.length", None),
        ("en", {"problem": "rosenbrock", "start": "1e6,-1e6,5"}, "start.length", None),
        ("en", {"problem": "rosenbrock", "start": "1e6,-1e6"}, "start.size", (18.0, -17.0)),
        ("zh", {"problem": "rosenbrock", "start": "1e6,-1e6"}, "start.size", (18.0, -17.0)),
        # a run that diverges from there at step 2: its start is still on the chart
        (
            "en",
            {"problem": "rosenbrock", "start": "1e6,-1e6", "run": "gd,0.001"},
            "start.size",
            (18.0, -17.0),
        ),
        ("en", {"problem": "mlp", "start": "1,2"}, "start.many", None),
    ],
)
def test_a_linked_start_the_problem_cannot_take_is_replaced_used_and_said(lang, query, why, used):
    at = _open(**query, lang=lang)
    _said(_notice(at, lang), lang, why, query["start"][:39])
    ss = at.session_state
    if used is None:  # the problem's own start: none set by hand, none in the address bar
        assert not ss["start_custom"] and "start.2" not in ss and "start" not in at.query_params
    else:
        assert ss["start_custom"] and (ss["start.0"], ss["start.1"]) == used
        assert at.query_params["start"] == ",".join(f"{v:g}" for v in used)
        starts = next(d for d in race_spec(at)["data"] if d.get("marker", {}).get("symbol") == "circle-open")
        assert (starts["x"][0], starts["y"][0]) == used  # the runs start there, on the chart
        # "the nearest point it can show": inside the contour's ranges, diverged runs included
        layout = race_spec(at)["layout"]
        (x0, x1), (y0, y1) = layout["xaxis"]["range"], layout["yaxis"]["range"]
        assert x0 < used[0] < x1 and y0 < used[1] < y1, (layout["xaxis"]["range"], layout["yaxis"]["range"])


@pytest.mark.parametrize(
    ("lang", "query", "why", "axes"),
    [
        ("en", {"problem": "booth", "axes": "5,7"}, "axes.flat", None),
        ("en", {"problem": "mlp", "axes": "33,34"}, "axes.range", (0, 1)),
        ("zh", {"problem": "mlp", "axes": "1e15,0"}, "axes.range", (0, 1)),
    ],
)
def test_linked_axes_beyond_the_parameters_are_replaced_used_and_said(lang, query, why, axes):
    at = _open(**query, lang=lang)
    _said(_notice(at, lang), lang, why, query["axes"])
    if axes is None:
        assert "axes" not in at.query_params  # two parameters: the surface itself
    else:
        assert (at.session_state["axis_x"], at.session_state["axis_y"]) == axes
        assert at.query_params["axes"] == f"{axes[0]},{axes[1]}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_empty_number_in_a_link_is_said(lang):
    at = _open(problem="quadratic", steps="", lang=lang)
    notice = _notice(at, lang)
    assert TABLES[lang]["repair.empty"].format(key="steps", used="300") in notice
    assert at.session_state["steps"] == 300 and at.query_params["steps"] == "300"


def test_a_link_with_plain_and_said_repairs_lists_both():
    at = _open(problem="rosenbrock", start="1", zzz="1", log="2")
    notice = _notice(at, "en")
    assert notice.startswith(EN["link.repaired"].split("{")[0]) and "zzz" in notice and "log" in notice
    _said(notice, "en", "start.length", "1")


# --- charts -------------------------------------------------------------------------------------------
def test_a_formula_beyond_float32_draws_its_surface_and_runs():
    # four runs on x**-100: the picture was all transparent and the hover data overflowed float32
    at = _open(
        problem="formula",
        expr="x**-100",
        steps="3000",
        run=["gd,0.01", "adam,0.1", "momentum,0.01", "gd,0.1"],
    )
    spec = race_spec(at)  # no Infinity or NaN token in its JSON
    (image,) = spec["layout"]["images"]
    assert (png_support.decode_data_url(image["source"])[..., 3] == 255).mean() > 0.5
    assert not [
        m.value for m in at.info if m.value.startswith((EN["draw.no_surface"][:10], EN["draw.nothing"][:10]))
    ]


def test_a_surface_with_no_finite_value_on_its_grid_is_said():
    # finite on the line x = 0 only, which the view's grid (an even number of points) misses
    at = run(AppTest.from_file(str(APP), default_timeout=TIMEOUT))
    switch_problem(at, "formula")
    at.text_input(key="p.formula.expr").set_value("log(1e-300 - x**2) + y**2")
    run(at)
    at.toggle(key="p.formula.own_window").set_value(True)
    run(at)
    assert EN["draw.no_surface"] in texts(at.info)
    assert [c for c in at.get("plotly_chart") if c.proto.id.endswith(RACE_CHART)]  # the paths still are


def test_nothing_to_draw_is_said_instead_of_an_empty_chart():
    from gdviz.ui.race.repairs import nothing_to_draw

    nan = np.full((4, 4), np.nan)
    ok = np.ones((4, 4))
    stuck = np.array([1.0, np.inf, np.nan])  # finite at its start only
    for lang in ("en", "zh"):
        assert nothing_to_draw(nan, [stuck, stuck], lang) == (TABLES[lang]["draw.nothing"], True)
        assert nothing_to_draw(nan, [stuck, np.array([1.0, 0.5])], lang) == (
            TABLES[lang]["draw.no_surface"],
            False,
        )
        assert nothing_to_draw(ok, [stuck], lang) == (TABLES[lang]["draw.no_paths"], False)
    assert nothing_to_draw(ok, [stuck, np.array([1.0, 0.5])], "en") is None
    assert nothing_to_draw(ok, [np.array([1e-9])], "en") is None  # stopped at its start: nothing to move


# --- what a refusal quotes and the sizes it says -------------------------------------------------------
def test_a_long_unknown_name_is_quoted_cut():
    at = run(AppTest.from_file(str(APP), default_timeout=TIMEOUT))
    switch_problem(at, "formula")
    at.text_input(key="p.formula.expr").set_value("q" * 300)
    run(at)
    error = texts(at.error)
    assert EN["formula.rejected"] in error
    assert "q" * (QUOTE_CHARS + 1) not in error and "q" * (QUOTE_CHARS - 1) + "…" in error


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_file_over_the_limit_is_refused_with_exact_sizes(lang):
    at = _open(problem="quadratic")
    switch_problem(at, "csv")
    data = b"a,b\n" + b"1,2\n" * 1_250_000
    assert len(data) == 5_000_004
    at.file_uploader(key="p.csv.file").set_value(("big.csv", data, "text/csv"))
    run(at)
    # the language last: AppTest cannot rerun a page whose translated choices it keeps untranslated
    at.segmented_control(key="lang").set_value(lang)
    run(at)
    t = TABLES[lang]
    size = t["size.bytes"].format(n="5,000,004")
    limit = t["size.bytes"].format(n="5,000,000")
    assert t["csv.too_large.exact"].format(size=size, limit=limit) in texts(at.error)
