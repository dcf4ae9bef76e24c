"""Visitors' own input in real Chromium: a CSV whose columns cannot serve, a formula without an
automatic window, markup in a CSV header or a link. The page shows a message, never an exception
box, and shows visitors' text as the characters they typed: no image, link or HTML is made of it,
and the browser fetches nothing it names.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from browser_support import assert_no_exception, screenshot, wait_for_app

from gdviz.ui.i18n import EN
from gdviz.ui.text import WORD_JOINER

pytestmark = pytest.mark.browser

TRAP = "127.0.0.1:1"  # a port nothing listens on: any request to it is the page obeying markup
IMAGE = f"![x](http://{TRAP}/x.png)"
HTML = f"<img src=http://{TRAP}/y.png>"


def watch_requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if TRAP in r.url else None)
    return seen


def assert_no_markup_obeyed(page, requests: list[str]):
    assert requests == [], requests
    assert page.locator(f'img[src*="{TRAP}"]').count() == 0
    assert page.locator(f'a[href*="{TRAP}"]').count() == 0


def pick_problem(page, label: str):
    page.locator(
        '[data-testid="stSidebar"] [data-testid="stSelectbox"]', has_text=EN["problem"]
    ).first.click()
    page.locator('[role="option"]', has_text=label).first.click()
    wait_for_app(page)


def upload(page, tmp_path, text: str):
    path = tmp_path / "data.csv"
    path.write_text(text)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    wait_for_app(page)
    page.wait_for_timeout(300)
    wait_for_app(page)


def test_a_csv_whose_columns_cannot_serve_shows_only_the_refusal(app_page, tmp_path):
    pick_problem(app_page, EN["problem.csv"])
    upload(app_page, tmp_path, "x,name\n1,a\n2,b\n3,c\n4,d\n")
    alert = app_page.locator('[data-testid="stAlert"]', has_text=EN["csv.cannot_serve"]).first
    alert.wait_for(state="visible", timeout=15_000)
    assert "Only column 'x' can be a feature" in alert.inner_text()
    assert_no_exception(app_page)
    screenshot(app_page, "input_csv_refused")


def test_markup_in_a_csv_header_stays_text(page, app_url, tmp_path):
    requests = watch_requests(page)
    page.goto(app_url)
    wait_for_app(page)
    pick_problem(page, EN["problem.csv"])
    rows = "\n".join(f"{i},{(i * 7) % 5},w{i},v{i}" for i in range(12))
    upload(page, tmp_path, f'x,y,"{IMAGE}",{HTML}\n{rows}\n')
    caption = page.locator('[data-testid="stCaptionContainer"]', has_text="Not offered").first
    caption.wait_for(state="visible", timeout=15_000)
    shown = caption.inner_text().replace(WORD_JOINER, "")  # invisible, and it keeps GFM from linking
    assert IMAGE in shown and HTML in shown, shown
    page.wait_for_timeout(500)  # time for a fetch to be attempted
    assert_no_markup_obeyed(page, requests)
    assert_no_exception(page)


def test_a_formula_without_automatic_window_gets_one_set_by_hand(page, app_url):
    page.goto(f"{app_url}/?{urlencode({'problem': 'formula', 'expr': 'sqrt(1-x^2-y^2)'})}")
    wait_for_app(page)
    warning = page.locator(
        '[data-testid="stAlert"]', has_text=EN["formula.no_auto_window"].split(":")[0]
    ).first
    warning.wait_for(state="visible", timeout=15_000)
    assert "sqrt(1 - x**2 - y**2)" in warning.inner_text()  # the formula as typed, not bold
    page.locator('[data-testid="stSidebar"] label', has_text=EN["formula.own_window"]).first.click()
    wait_for_app(page)
    assert_no_exception(page)  # this toggle blanked the page
    xmin = page.locator('[data-testid="stSidebar"] input[aria-label="xmin"]').first
    xmin.wait_for(state="visible", timeout=15_000)
    assert float(xmin.input_value()) == -3
    page.wait_for_selector(".js-plotly-plot .imagelayer image", state="attached", timeout=20_000)
    screenshot(page, "input_formula_window_by_hand")


def test_a_repaired_link_lists_the_repairs_as_typed(page, app_url):
    requests = watch_requests(page)
    query = urlencode(
        {"problem": "quadratic", "run": ["gd,1e308", IMAGE], "stop": "1e300", "log": "2", "zzz": HTML},
        doseq=True,
    )
    page.goto(f"{app_url}/?{query}")
    wait_for_app(page)
    notice = page.locator('[data-testid="stAlert"]', has_text=EN["link.repaired"].split("(")[0].strip()).first
    notice.wait_for(state="visible", timeout=15_000)
    text = notice.inner_text().replace(WORD_JOINER, "")
    for item in ("run gd: lr 1e308", f"run={IMAGE}", "stop", "log", "zzz"):
        assert item in text, (item, text)
    page.wait_for_timeout(500)
    assert_no_markup_obeyed(page, requests)
    assert_no_exception(page)
    screenshot(page, "input_link_repaired")
