"""The summary's HTML table: every cell escaped, exact numbers kept, dashes where nothing applies."""

from __future__ import annotations

import math

from apptest_support import _TableParser

from gdviz.ui.htmltable import cell_text, html_table


def parse(markup: str) -> list[list]:
    p = _TableParser()
    p.feed(markup)
    (rows,) = p.tables
    return rows


def test_cells_are_escaped_and_numbers_exact():
    rows = [
        {"Run": "1. <img src=x onerror=alert(1)> & co", "loss": 1.234567891e-5, "steps": 1234, "n/a": None},
        {"Run": "2. $x$ **b**", "loss": float("nan"), "steps": 0, "n/a": 7},
    ]
    markup = html_table(rows, formats={"loss": "%.4e"}, label="summary <b>")
    assert "<img" not in markup and "&lt;img src=x onerror=alert(1)&gt; &amp; co" in markup
    assert 'aria-label="summary &lt;b&gt;"' in markup
    got = parse(markup)
    assert got[0] == ["Run", "loss", "steps", "n/a"]
    assert got[1][0] == "1. <img src=x onerror=alert(1)> & co"  # shown as these characters
    assert got[1][1] == 1.234567891e-5 and got[1][2] == 1234 and got[1][3] is None
    assert math.isnan(got[2][1]) and got[2][3] == 7
    assert ">1.2346e-05<" in markup and ">1,234<" in markup


def test_cell_text():
    assert cell_text(None) == "—" and cell_text(float("nan")) == "NaN" and cell_text(-math.inf) == "−∞"
    assert cell_text(12345) == "12,345" and cell_text(0.5, "%.2f") == "0.50" and cell_text(True) == "True"
    assert html_table([]) == ""
