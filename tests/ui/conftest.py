"""The pages without a browser (AppTest)."""

from __future__ import annotations

import pytest

from gdviz import limits


@pytest.fixture(autouse=True)
def _budget_independent_of_load(monkeypatch):
    # The cost model is calibrated by probes of this machine, so on a loaded machine the same work
    # is estimated longer and a page may ask for a click where a quiet one runs at once. These tests
    # check what the pages draw, not the budget (test_ui_budget and test_ui_sweeps set their own
    # thresholds), so work short of the hard cap runs at once here, whatever the load.
    monkeypatch.setattr(limits, "BUDGET_AUTO_SECONDS", limits.BUDGET_MAX_SECONDS)
