"""What every page shares: the page config, the logo, the language switch and the navigation.

``run(pages)`` is called by the project's ``app.py`` with the explicit list of pages. Each page is a
:class:`Page`: its address, title, icon, the function that draws it, and its state owner's
``load_link`` (the first run of a session reads the address bar) and ``keep`` (its keys survive runs
of the other pages).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import streamlit as st

from gdviz.serve import meter
from gdviz.ui import quirks, work
from gdviz.ui.i18n import LANG_NAMES, LANGS, t

ASSETS = Path(__file__).resolve().parents[2] / "assets"
LINK_DONE = "_app.link_done"


class Page(NamedTuple):
    url_path: str
    title_key: str  # an i18n key
    icon: str
    render: Callable[[], None]
    load_link: Callable[[], None]
    keep: Callable[[], None]
    default: bool = False


def _initial_language() -> None:
    """A session's language from its link, before anything is titled: the page list's titles are
    made before the page reads its link, and were English on a Chinese link's first view."""
    if "lang" not in st.session_state:
        q = st.query_params.get("lang")
        st.session_state["lang"] = q if q in LANGS else "en"


def _language_switch():
    restore = quirks.sticky_choice("lang", LANGS, "en")

    def on_change():
        restore()
        quirks.rewrite_all()

    st.sidebar.segmented_control(
        t("language"),
        LANGS,
        key="lang",
        format_func=LANG_NAMES.get,
        selection_mode="single",
        label_visibility="collapsed",
        on_change=on_change,
    )


def run(pages: Sequence[Page]) -> None:
    st.set_page_config(
        page_title="gdviz",
        page_icon=str(ASSETS / "icon.svg"),
        layout="wide",
        # "auto": open on a wide screen, closed on a phone (up to Streamlit's 768 px breakpoint),
        # where an open sidebar covers the page
        initial_sidebar_state=quirks.SIDEBAR_DEFAULT,
    )
    st.logo(str(ASSETS / "logo.svg"), size="large")
    # Streamlit's default top padding pushes the chart below the fold on a projector
    st.html("<style>.block-container{padding-top:4rem}</style>")
    quirks.apply_later()  # before any widget is drawn
    _initial_language()  # before the page titles are made
    entries = {
        p.url_path: st.Page(
            p.render, title=t(p.title_key), icon=p.icon, url_path=p.url_path, default=p.default
        )
        for p in pages
    }
    wanted = quirks.pending_page()
    if wanted in entries:
        st.switch_page(entries[wanted])
    nav = st.navigation(list(entries.values()))
    current = next((p for p in pages if p.url_path == nav.url_path), pages[0])
    # A session reads the address bar once, on its first run, for the page it landed on: the query
    # stays in the bar when the visitor moves to another page, and is that page's own only then.
    # Before the language switch is drawn: a link may set the language.
    if not st.session_state.get(LINK_DONE):
        st.session_state[LINK_DONE] = True
        current.load_link()
    _language_switch()
    for p in pages:
        if p is not current:
            p.keep()  # its widgets are not drawn this run: keep their values for the way back
    with meter.page_run(current.url_path):
        nav.run()
    work.end_run()


__all__ = ["Page", "run"]
