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
