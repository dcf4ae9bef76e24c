"""One cost plan per page run, over a corpus of hostile links (issue 23): every page opened by a
link — lessons on every page, the largest models each page allows, stochastic runs on the largest
data, the links the issue measured — plans all its work before any of it starts, and does nothing
outside that plan. Counted, not timed: the core reports its costly calls (``gdviz.serve.meter``)."""

from __future__ import annotations

import pytest
from apptest_support import run
from page_corpus import LINKS, PAGES, name, script
from streamlit.testing.v1 import AppTest

from gdviz.serve import meter

TIMEOUT = 180


@pytest.mark.slow
@pytest.mark.parametrize("case", LINKS, ids=[name(c) for c in LINKS])
def test_a_link_plans_all_its_work_before_any_of_it(case):
    page, query, decisions = case
    at = AppTest.from_function(script, args=(PAGES[page],), default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    meter.LOG.clear()
    run(at)
    ledgers = list(meter.LOG)
    assert ledgers, "the page run opened no ledger"
    for ledger in ledgers:
        assert not ledger.outside, f"work outside the plan: {ledger}"
        assert not ledger.unplanned, f"pieces the plan did not name: {ledger}"
    made = [ledger for ledger in ledgers if ledger.decision]
    assert made, f"no plan was made: {ledgers}"
    if decisions is not None:
        assert {ledger.decision for ledger in made} <= decisions, made
    for ledger in made:
        if not ledger.granted:
            # waiting for a click or refused: nothing ran but what sizing the plan needs
            ran = {piece for piece, _ in ledger.inside} - {"problem", meter.ESTIMATING}
            assert not ran, f"work ran before the visitor's click: {ledger}"
