"""Every workaround for a Streamlit behaviour, in one place, each with why (and the upstream issue).

Pages call these; none re-implements them. When Streamlit fixes one, this module is where to look.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import streamlit as st

SS = st.session_state


# --- widget state --------------------------------------------------------------------------------
def ensure(key: str, value) -> None:
    """Give a widget key its default before the widget is drawn (never pass ``value=`` as well).

    Why: a widget created with ``value=`` and a key already in session state warns and ignores one of
    the two; state owners write keys (links, lessons), so the key is the only source."""
    if key not in SS:
        SS[key] = value


def clamp(key: str, lo, hi) -> None:
    """Bring a number key into [lo, hi] before its widget is drawn.

    Why: a number_input whose stored value is outside its (changed) bounds raises
    StreamlitValueAboveMaxError instead of clamping — e.g. a batch size after the data shrank."""
    if key in SS:
        SS[key] = min(max(SS[key], lo), hi)


def number_input(
    label: str, lo, hi, *, key: str, default, said: Callable[[object, object], str], where=None, **kw
):
    """A number input that takes any number typed and brings it into [lo, hi] itself; the next run
    says what was typed and what is used (``said(typed, used)``; None typed: an empty field).

    Why: with min_value/max_value Streamlit refuses a typed number outside them in the browser: the
    field stays red under "Press Enter to apply", and Enter does nothing (measured: κ = 5e7 or 0
    for bounds 1…1000); its reason sits in an English-only tooltip. ``on_change`` (and ``args``) in
    ``kw`` still run, after the clamp."""
    then, args = kw.pop("on_change", None), kw.pop("args", ())
    note = f"_typed.{key}"
    if isinstance(default, int) and not isinstance(default, bool):
        # Without bounds Streamlit types the field by its own default (0.0): a batch size showed
        # "2.00" and its + made it 2.01. An int step makes it an int field.
        kw.setdefault("step", 1)

    def bring_in() -> None:
        v = SS.get(key)
        if v is None or not lo <= v <= hi:
            used = default if v is None else type(default)(min(max(v, lo), hi))
            SS[key], SS[note] = used, (v, used)
        if then is not None:
            then(*args)

    box = st if where is None else where
    value = box.number_input(label, key=key, on_change=bring_in, **kw)
    typed = SS.pop(note, None)
    if typed is not None:
        box.warning(said(*typed), icon=":material/edit_note:")
    return value


# Keys of widgets whose value Streamlit forbids writing (buttons, the file uploader, charts that report
# a selection): a written value makes the run that draws the widget raise
# (StreamlitValueAssignmentNotAllowedError; streamlit#3311, #8715). tests/ui/test_ui_widgets.py finds
# every such widget on every page and checks that it is listed here.
UNWRITABLE_PREFIXES = (
    "dup.",
    "rm.",
    "insp.prev_btn",
    "insp.next_btn",
    "net.lesson.load.",
    "net.lesson.close",
    "scale.lesson.load.",
    "scale.lesson.close",
    "scale.speedup.btn",
    "scale.critical.btn",
    "sweep.btn.",
    "export.prepare",
    "export.download",
    "sweep.chart.",
    "p.csv.file",
    "race_chart",
    "scrub_sync",
    "work.btn.",
)


def writable(key: str) -> bool:
    """Whether writing ``key`` back to st.session_state is allowed (private ``_`` keys are left alone)."""
    return not key.startswith("_") and not key.startswith(UNWRITABLE_PREFIXES)


def keep(keys: Iterable[str] = (), prefixes: tuple[str, ...] = (), skip: Iterable[str] = ()) -> None:
    """Write the writable session values of ``keys`` and of keys starting with ``prefixes`` back,
    except ``skip`` (widgets drawn this run: Streamlit refuses writes to them).

    Why: Streamlit forgets a widget's value after a run that does not draw the widget (another page,
    a hidden section, a collapsed option); a written value is kept as a plain session value and given
    back to the widget when it returns (streamlit#6074)."""
    wanted, skipped = set(keys), set(skip)
    for key in list(SS.keys()):
        if key in skipped:
            continue
        if writable(key) and (key in wanted or (prefixes and key.startswith(prefixes))):
            SS[key] = SS[key]


def lazy_expander(label: str, *, key: str, expanded: bool = False, **kwargs):
    """An expander whose content the page draws only while it is open: ``(container, is_open)``.

    Why: Streamlit sends and renders a closed expander's content (three closed runs' widgets were
    628 of the sidebar's 1105 elements on a first visit). Its open state is then a widget whose id
    hashes its label, so it is written back every run: a title that changes (a run's says its α)
    must not close it. A closed section's widget values need ``keep``."""
    SS[key] = bool(SS.get(key, expanded))
    box = st.expander(label, expanded=expanded, key=key, on_change="rerun", **kwargs)
    return box, bool(box.open)


def rewrite_all() -> None:
    """Write every widget value back to itself, as the language switch's callback.

    Why: the browser side of a select widget keeps the *label* it showed and sends it back on every
    rerun (streamlit#8008, #4264). After a language switch that label is in the old language: the
    server no longer finds it among the options and hands the raw text to the page (a lesson callback
    crashed on "— free exploration —"). A value written through st.session_state is sent again,
    labelled in the new language."""
    keep(prefixes=("",))


def sticky_choice(key: str, options, default) -> Callable[[], None]:
    """Call before drawing a segmented control; pass the result as its ``on_change``.

    Why: a second click on a segmented control's chosen option deselects it (value None): the page
    would be left with no language, no panel. The callback puts the previous choice back before the
    run (callbacks may write a widget's value; code after the widget may not)."""
    prev = f"_prev.{key}"
    if SS.get(key) not in options:
        SS[key] = SS.get(prev) if SS.get(prev) in options else default
    SS[prev] = SS[key]

    def restore() -> None:
        if SS.get(key) not in options:
            SS[key] = SS.get(prev) if SS.get(prev) in options else default

    return restore


LATER_KEY = "_later"


def set_later(key: str, value) -> None:
    """Give a widget ``value`` at the start of the next run (then ask for that run: ``st.rerun``).

    Why: a widget drawn earlier in this run cannot be written any more (StreamlitAPIException "cannot
    be modified after the widget … is instantiated") — the sidebar's learning rate, when the scrub
    chart below it reports the rate the student let go at."""
    SS.setdefault(LATER_KEY, {})[key] = value


def apply_later() -> None:
    """Write what ``set_later`` kept, before any widget is drawn (the router calls it first)."""
    for key, value in SS.pop(LATER_KEY, {}).items():
        SS[key] = value


# --- events and navigation ------------------------------------------------------------------------
def fresh_click(token: str, value) -> bool:
    """True the first time a chart selection ``value`` is seen under ``token``.

    Why: a Plotly chart's selection stays in its widget state and comes back with every rerun; acting
    on it each time (moving the start point) would loop."""
    key = f"_click.{token}"
    if SS.get(key) == value:
        return False
    SS[key] = value
    return True


GOTO_KEY = "_goto"


def goto(url_path: str) -> None:
    """Ask for another page from a widget callback; the router switches once the run starts.

    Why: st.switch_page (like st.rerun) cannot act inside a callback (streamlit#3854), and lessons
    of the network page are picked in the race page's sidebar."""
    SS[GOTO_KEY] = url_path


def pending_page() -> str | None:
    return SS.pop(GOTO_KEY, None)


# --- the page ------------------------------------------------------------------------------------
SIDEBAR_DEFAULT = "auto"


def sidebar_collapsed() -> None:
    """Close the sidebar for this page (the router opens every page with SIDEBAR_DEFAULT).

    Why: Streamlit sets the sidebar's state only through st.set_page_config(initial_sidebar_state=);
    the calls of one run add up, the last one wins, and the browser applies a changed value at once,
    unless the visitor has opened or closed the sidebar by hand in this browser: that choice is kept
    in its localStorage ("stSidebarCollapsed-…") and wins over the app's."""
    st.set_page_config(initial_sidebar_state="collapsed")


def hide_chart_fullscreen(container_key: str) -> None:
    """Hide the "Fullscreen" button Streamlit adds to the toolbar of the charts in a container.

    Why: it draws the figure anew in an overlay without its animation frames: Play does nothing
    there, nor after closing it (measured on the race chart: the frame stays where it was). The
    projector page offers the browser's fullscreen of the chart itself instead. Streamlit has no
    option to leave the button out of one chart; Plotly gives its toolbar buttons a data-title."""
    st.html(f'<style>.st-key-{container_key} .modebar-btn[data-title="Fullscreen"]{{display:none}}</style>')


def on_a_phone() -> bool:
    """Whether the visitor's browser says it is a phone ("Mobi" in its User-Agent, as MDN advises).

    Why: Streamlit tells the script nothing of the window's width, and CSS cannot rearrange the
    panels inside a Plotly figure; the race chart stacks its panels for a phone from this."""
    try:
        agent = st.context.headers.get("User-Agent") or ""
    except (AttributeError, RuntimeError):
        agent = ""
    return "Mobi" in agent


# --- sessions -------------------------------------------------------------------------------------
def session_id() -> str:
    """This browser session's id (the owner of its jobs and of its share of server time).

    Note: AppTest gives every session the same id, so tests reset the allowance per test."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


# Fragments: Streamlit keeps a fragment function's arguments for as long as its session lives,
# disconnected sessions included (a few minutes): pass small frozen configs, never problems or runs,
# or every session pins them in memory (measured: 36 problems of 31 MB alive for a cache of 8).
# See gdviz/ui/race/page.py (chart_area) and gdviz/ui/network/page.py (curves, landscape).


def set_query(params: dict) -> None:
    """Replace the address bar's query with ``params`` (also from a fragment's run).

    Why here: writing an unchanged query still sends a message to the browser; comparing first keeps
    a fragment's rerun from adding one."""
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    wanted = {k: list(v) if isinstance(v, (list, tuple)) else [str(v)] for k, v in params.items()}
    if current != wanted:
        st.query_params.from_dict(params)


__all__ = [
    "GOTO_KEY",
    "SIDEBAR_DEFAULT",
    "UNWRITABLE_PREFIXES",
    "clamp",
    "ensure",
    "fresh_click",
    "goto",
    "hide_chart_fullscreen",
    "keep",
    "number_input",
    "on_a_phone",
    "pending_page",
    "rewrite_all",
    "session_id",
    "set_query",
    "sidebar_collapsed",
    "sticky_choice",
    "writable",
]
