"""The pages without a browser (AppTest)."""

from __future__ import annotations

import pytest
from browser_support import BUDGET_AUTO_SECONDS_UNDER_TEST

from gdviz import limits


@pytest.fixture(autouse=True)
def _budget_independent_of_load(monkeypatch):
    # The cost model is calibrated by probes of this machine, so on a loaded machine the same work
    # is estimated longer and a page may ask for a click where a quiet one runs at once. These tests
    # check what the pages draw, not the budget (test_ui_budget and test_ui_sweeps set their own
    # thresholds), so they run it at once up to the threshold every test server uses.
    monkeypatch.setattr(limits, "BUDGET_AUTO_SECONDS", BUDGET_AUTO_SECONDS_UNDER_TEST)
