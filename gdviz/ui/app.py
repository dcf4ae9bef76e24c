"""Page setup shared by every page: config, logo, language switch, navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from gdviz.ui import work
from gdviz.ui.i18n import LANG_NAMES, LANGS, t
from gdviz.ui.quirks import rewrite_all, sticky_choice
from gdviz.ui.race import page as visualizer

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def _language_switch():
    if "lang" not in st.session_state:
        q = st.query_params.get("lang")
        st.session_state["lang"] = q if q in LANGS else "en"
    restore = sticky_choice("lang", LANGS, "en")

    def on_change():
        restore()
        rewrite_all()

    st.sidebar.segmented_control(
        t("language"),
        LANGS,
        key="lang",
        format_func=LANG_NAMES.get,
        selection_mode="single",
        label_visibility="collapsed",
        on_change=on_change,
    )


def main():
    st.set_page_config(
        page_title="gdviz",
        page_icon=str(ASSETS / "icon.svg"),
        layout="wide",
        initial_sidebar_state="expanded",
    )
    st.logo(str(ASSETS / "logo.svg"), size="large")
    # Streamlit's default top padding pushes the chart below the fold on a projector
    st.html("<style>.block-container{padding-top:2.2rem}</style>")
    from gdviz.ui.race.state import apply_link_once

    apply_link_once()
    _language_switch()
    pages = [main_page()]
    for mod in extra_pages():
        pages.append(st.Page(mod.page, title=t(mod.TITLE_KEY), icon=mod.ICON, url_path=mod.URL_PATH))
    nav = st.navigation(pages)
    if nav.url_path != "race":
        # the race page's widgets are not drawn here: keep their values for the way back
        from gdviz.ui.race.sidebar import keep_state

        keep_state()
    nav.run()
    work.end_run()


def main_page() -> st.Page:
    """The race page as a navigation entry (other pages link or switch to it with this)."""
    return st.Page(
        visualizer.page,
        title=t("page.visualizer"),
        icon=":material/show_chart:",
        default=True,
        url_path="race",
    )


def extra_pages():
    """Pages beyond the visualizer: modules ``gdviz/ui/page_*.py`` with ``page()``, ``TITLE_KEY``,
    ``ICON``, ``URL_PATH`` and ``ORDER`` (so pages can be added without editing this router)."""
    import importlib
    import pkgutil

    import gdviz.ui as ui_pkg

    mods = [
        importlib.import_module(f"gdviz.ui.{m.name}")
        for m in pkgutil.iter_modules(ui_pkg.__path__)
        if m.name.startswith("page_")
    ]
    return sorted(mods, key=lambda m: m.ORDER)
