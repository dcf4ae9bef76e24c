"""Issue 15, item 7: every problem's first view tells a story on the figure the page draws — at
least two runs end visibly apart, every run's head is inside the window at the last frame, and the
minimum's star is drawn inside it. Read from the figure spec (ranges, the last frame, the star)
built by the pipeline the page and the exports share."""

from __future__ import annotations

import numpy as np
import pytest
from apptest_support import values

from gdviz.export.view import race_view
from gdviz.ui.specs import PROBLEMS

# CSV needs a file; every other problem opens on its default race
FIRST_VIEWS = [p for p in PROBLEMS if p != "csv"]
APART = 0.05  # share of the window's diagonal-free span: end markers this far apart never merge


def _drawn(link: str):
    v = race_view("https://gdviz.example.org/race?" + link)
    spec = v.figure().spec
    lay = spec["layout"]
    window = np.array([lay["xaxis"]["range"], lay["yaxis"]["range"]], dtype=float)
    last = spec["frames"][-1]
    heads = None
    for idx, d in zip(last["traces"], last["data"], strict=True):
        base = spec["data"][idx]
        on_surface = base.get("xaxis", "x") == "x"  # the loss panel's heads are on x2
        if on_surface and base.get("mode") == "markers" and len(values(d.get("x", []))) == len(v.traces):
            heads = np.column_stack([values(d["x"]), values(d["y"])])
    star, hollow = (
        np.array(
            [
                xy
                for t in spec["data"]
                if t.get("marker", {}).get("symbol") == symbol
                for xy in zip(values(t["x"]), values(t["y"]), strict=True)
            ]
        ).reshape(-1, 2)
        for symbol in ("star", "star-open")
    )
    return v, window, heads, star, hollow


def _inside(window, pts) -> np.ndarray:
    return np.all((pts >= window[:, 0]) & (pts <= window[:, 1]), axis=1)


@pytest.mark.parametrize("name", FIRST_VIEWS)
def test_each_problems_first_view_shows_a_contrast_with_every_run_and_the_star(name):
    v, window, heads, star, hollow = _drawn(f"problem={name}")
    assert heads is not None, "the last frame moves no head markers"
    assert _inside(window, heads).all(), f"a run's head leaves the window: {heads.tolist()} {window.tolist()}"
    rel = heads / (window[:, 1] - window[:, 0])
    d = np.linalg.norm(rel[:, None] - rel[None], axis=-1)
    assert d.max() > APART, f"every run ends within {d.max():.3f} of the window of the others"
    if v.problem.minima is not None and len(v.problem.minima):
        # on the view (filled), or off it at its projection (hollow): never missing
        shown = np.concatenate([star, hollow])
        assert _inside(window, shown).any(), f"no star in the window: {shown.tolist()}"


@pytest.mark.parametrize("rule", ["adam", "rmsprop", "momentum"])
def test_the_article_regressions_star_stays_when_run_1_changes_rule(rule):
    """Issue 15: switching run 1 to Adam made the star disappear (the PCA plane through Adam's path
    missed the one minimiser kept; it crosses the article's line of minima, drawn there now)."""
    v, window, _, star, hollow = _drawn(f"problem=linear_regression&run={rule},0.01&run=gd,0.01,mini:2")
    assert v.view.kind == "pca" and len(star) == 1 and _inside(window, star).all() and not len(hollow)


def test_a_minimum_off_the_slice_is_drawn_hollow_at_its_projection_and_says_so():
    """Logistic regression: the slice holds b where run 1 ends, a little off the minimiser's b, so
    no minimiser lies on it; its projection is drawn hollow, named as off the view."""
    v, _, _, star, hollow = _drawn("problem=logistic_regression")
    assert v.view.kind == "slice" and not len(star)
    np.testing.assert_allclose(hollow, v.problem.minima[:, :2], atol=1e-4)
    names = [
        t.get("name") for t in v.figure().spec["data"] if t.get("marker", {}).get("symbol") == "star-open"
    ]
    assert names == [v.labels["minimum_off"]]
