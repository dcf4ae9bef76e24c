"""AppTest helpers shared by the page tests: run a script and fail with its tracebacks, go to a page."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"


def assert_ok(at: AppTest):
    msgs = [f"{e.message}\n{''.join(e.stack_trace)}" for e in at.exception]
    assert not msgs, "the page raised:\n" + "\n---\n".join(msgs)


def run(at: AppTest) -> AppTest:
    at.run()
    assert_ok(at)
    return at


def goto(at: AppTest, url_path: str) -> AppTest:
    """Open a page of `st.navigation` by the hash Streamlit derives from its url path, as a browser's
    URL does (``AppTest.switch_page`` addresses file pages only)."""
    pages = {v.get("url_pathname"): k for k, v in at._registered_pages.items()}
    assert url_path in pages, f"no page /{url_path}; registered: {sorted(pages)}"
    at._page_hash = pages[url_path]
    return run(at)


def values(v) -> list:
    """A trace's coordinates as a list, from a chart spec as AppTest holds it: Plotly encodes
    NumPy arrays as ``{"dtype", "bdata": base64}`` (plotly.js' documented typed-array form)."""
    import base64

    import numpy as np

    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).tolist()
    return list(v)


class _TableParser(HTMLParser):
    """The rows of the HTML tables in a page's text (``gdviz.ui.htmltable``): a cell's exact number from
    its ``data-value``, else its text ("—" read as None)."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list]] = []
        self.cell: list[str] | None = None
        self.value: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell, self.value = [], dict(attrs).get("data-value")

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            text = "".join(self.cell)
            if self.value is not None:
                v = float(self.value)
                got = int(v) if self.value.lstrip("-").isdigit() else v
            else:
                got = None if text == "—" else text
            self.tables[-1][-1].append(got)
            self.cell = None


def html_tables(at) -> list:
    """Every table that the page drew with ``st.html`` as a pandas DataFrame (header row → columns)."""
    import pandas as pd

    out = []
    for el in at.get("html"):
        parser = _TableParser()
        parser.feed(el.proto.body)
        for rows in parser.tables:
            if rows:
                out.append(pd.DataFrame(rows[1:], columns=rows[0]))
    return out
