"""AppTest helpers shared by the page tests: run a script and fail with its tracebacks, go to a page."""

from __future__ import annotations

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
