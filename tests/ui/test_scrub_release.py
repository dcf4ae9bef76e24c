"""What the sidebar does with a release of the in-chart learning-rate slider (the browser side is
tests/browser/test_browser_scrub.py): the grid value nearest to the frame, and nothing for a name
that is not a rate of the chart's own grid."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.figures.scrub import _name
from gdviz.ui.race.scrub import lr_grid, release_lr
from gdviz.ui.specs import LR_GRID


def test_every_frame_of_the_grid_maps_to_the_nearest_sidebar_value():
    lrs, _ = lr_grid(0.05)
    for lr in lrs:
        got = release_lr(_name(lr), lrs)
        assert got in LR_GRID
        assert abs(np.log(got / lr)) <= min(abs(np.log(g / lr)) for g in LR_GRID) + 1e-12


@pytest.mark.parametrize("frame", ["", "nan", "inf", "-0.05", "1e308", "0.05; drop", None, "50", "0.000001"])
def test_a_name_outside_the_grid_is_ignored(frame):
    lrs, _ = lr_grid(0.05)
    assert release_lr(frame, lrs) is None


def test_the_articles_regression_scrubs_in_the_main_charts_plane():
    """Three parameters: the family is drawn in the race chart's own PCA plane, and the page's own
    rate's path is exactly run 1's path on the main chart."""
    import json
    from pathlib import Path

    from apptest_support import run, values
    from streamlit.testing.v1 import AppTest

    from gdviz.ui.i18n import EN

    app = Path(__file__).resolve().parents[2] / "app.py"
    at = AppTest.from_file(str(app), default_timeout=120)
    at.query_params["problem"] = "linear_regression"
    at.query_params["panel"] = "scrub"
    run(at)
    assert not at.exception and not at.error
    specs = {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    scrub = specs["scrub_chart"]
    assert scrub["layout"]["meta"] == "gdviz-scrub"
    assert EN["scrub.projected"].format(p=3) in " ".join(c.value for c in at.caption)
    active = scrub["layout"]["sliders"][0]["active"]
    frame = scrub["frames"][active]
    path = next(i for i, d in enumerate(scrub["data"]) if d.get("name") == "path")
    k = frame["traces"].index(path)
    xs, ys = values(frame["data"][k]["x"]), values(frame["data"][k]["y"])
    assert np.isfinite(xs).all() and len(xs) == 301
    # run 1 of the race chart, in the same plane: its last state is the scrub path's last point
    from gdviz.export.view import race_view

    v = race_view("https://x/?problem=linear_regression&panel=scrub")
    assert v.view.kind == "pca"
    end = v.view.paths[0][-1]
    assert xs[-1] == pytest.approx(end[0], abs=1e-5) and ys[-1] == pytest.approx(end[1], abs=1e-5)


def test_a_release_of_the_second_slider_names_a_value_of_the_grid():
    from gdviz.ui.race.scrub import release_value

    values = [0.0, 0.5, 0.9, 0.99]
    assert release_value("0.0003|0.5", values) == 0.5 and release_value("0.0003|0", values) == 0.0
    for tampered in ("0.0003|0.55", "0.0003", "0.0003|0.5|1", "|", "0.0003|nan", None, 3):
        assert release_value(tampered, values) is None, tampered


def test_the_second_knob_per_rule_holds_the_runs_own_value_and_respects_the_controls_range():
    from gdviz.ui.race.scrub import SECOND_VALUES, second_grid
    from gdviz.ui.specs import RunSpec

    assert second_grid(RunSpec("gd", 0.01)) is None and second_grid(RunSpec("adagrad", 0.01)) is None
    name, values, own = second_grid(RunSpec("momentum", 0.01, (("momentum", 0.9),)))
    assert name == "momentum" and values == list(SECOND_VALUES) and values[own] == 0.9
    name, values, own = second_grid(RunSpec("nesterov", 0.01, (("momentum", 0.7),)))
    assert 0.0 not in values, "Nesterov needs μ > 0 (its control starts at 0.01)"
    assert values[own] == 0.7 and values == sorted(values)
    name, values, own = second_grid(RunSpec("adam", 0.01, (("beta1", 0.9), ("beta2", 0.999))))
    assert name == "beta1" and values[own] == 0.9


def test_a_momentum_run_scrubs_over_rate_and_mu_on_the_page():
    import json
    from pathlib import Path

    from apptest_support import run
    from streamlit.testing.v1 import AppTest

    from gdviz.ui.i18n import EN

    app = Path(__file__).resolve().parents[2] / "app.py"
    at = AppTest.from_file(str(app), default_timeout=120)
    at.query_params.update({"problem": "rosenbrock", "panel": "scrub", "run": "momentum,0.0003"})
    run(at)
    assert not at.exception and not at.error
    raw = next(c.proto.spec for c in at.get("plotly_chart") if c.proto.id.endswith("scrub_chart"))
    scrub = json.loads(raw)
    assert len(scrub["layout"]["sliders"]) == 2 and len(scrub["frames"]) == 21 * 6
    assert len(raw.encode()) < 1_000_000, "what the browser receives, with the whole family"
    captions = " ".join(c.value for c in at.caption)
    assert "μ" in captions and EN["scrub.cut"].split("{")[0] not in captions

    # a long run: the chart holds its first steps, and says so
    at2 = AppTest.from_file(str(app), default_timeout=120)
    at2.query_params.update(
        {"problem": "rosenbrock", "panel": "scrub", "run": "momentum,0.0003", "steps": "3000"}
    )
    run(at2)
    scrub = {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at2.get("plotly_chart")}[
        "scrub_chart"
    ]
    assert len(json.dumps(scrub).encode()) < 1_000_000
    captions = " ".join(c.value for c in at2.caption)
    assert "3000" in captions and EN["scrub.cut"].split("{")[0] in captions
