"""Lessons and share links in real Chromium: every lesson opens from its link and draws its race;
a teacher link hides the controls; a tampered link is repaired and says so."""

from __future__ import annotations

import pytest
from browser_support import ANIMATED, assert_no_exception, screenshot, wait_for_app

from gdviz.ui.i18n import EN, ZH
from gdviz.ui.race.lessons import LESSONS

pytestmark = pytest.mark.browser


def _open(page, url):
    page.goto(url)
    wait_for_app(page)
    # generous: a loaded 2-core CI machine has taken over 30 s for a lesson of 10⁵ samples
    page.wait_for_selector(".js-plotly-plot .imagelayer image", state="attached", timeout=60_000)


def test_every_lesson_opens_from_its_link(page, app_url):
    for lesson in LESSONS:
        _open(page, f"{app_url}/?lesson={lesson.key}")
        assert_no_exception(page)
        page.get_by_text(EN[f"lesson.{lesson.key}.title"]).first.wait_for(state="visible")
        page.get_by_text(EN[f"lesson.{lesson.key}.question"]).first.wait_for(state="visible")
        n = page.evaluate(
            f"() => {ANIMATED}.data"
            ".filter(d => d.legendgroup && d.showlegend !== false && d.mode === 'lines').length"
        )
        assert n == len(lesson.runs), (lesson.key, n)
    screenshot(page, "lesson_last")


def test_teacher_link_hides_controls_and_speaks_chinese(page, app_url):
    _open(page, f"{app_url}/?lesson=momentum_ravine&hide=problem,runs,lessons&lang=zh")
    assert_no_exception(page)
    page.get_by_text(ZH["lesson.momentum_ravine.title"]).first.wait_for(state="visible")
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_text(ZH["problem"]).count() == 0
    assert sidebar.locator("input[type=range]").count() == 0  # no learning-rate or steps sliders
    screenshot(page, "teacher_link_zh")


def test_tampered_link_is_repaired_and_reported(page, app_url):
    _open(page, f"{app_url}/?problem=quadratic&condition=1e99&run=adam,1e9&run=evil,1&steps=-3&lang=xx")
    assert_no_exception(page)
    alert = page.locator('[data-testid="stAlert"]', has_text=EN["link.repaired"].split(":")[0]).first
    alert.wait_for(state="visible", timeout=15_000)
    text = alert.inner_text()
    for word in ("condition", "steps", "lang", "run=evil"):
        assert word in text, (word, text)
    screenshot(page, "tampered_link")
