"""Small helpers shared by every page's widgets."""

from __future__ import annotations

import re
from collections.abc import Callable

import streamlit as st

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# GFM links bare addresses (http://…, www.…, a@b.c) in the text it has parsed, escapes or not.
_AUTOLINK = re.compile(r"(?=://)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def literal(text) -> str:
    """``text`` as Markdown that Streamlit shows as exactly these characters (st.error, st.caption …).

    Visitors' text (a CSV header, a cell, a formula, a link) must not become an image that the
    browser fetches, a link, HTML, LaTeX, a colour directive or an emoji: every ASCII punctuation
    character gets a backslash (CommonMark shows any escaped punctuation as itself, and Streamlit's
    ``:emoji:``, ``:red[…]`` and ``$…$`` need unescaped colons, brackets and dollars), an invisible
    word joiner goes before ``://`` and ``@`` and after ``www`` (GFM makes links of bare addresses
    whatever the escapes), line breaks become spaces, and leading spaces no-break spaces (four
    would start a code block).
    """
    s = _AUTOLINK.sub(WORD_JOINER, _LINE_BREAK.sub(" ", str(text)))
    s = _PUNCTUATION.sub(r"\\\1", s)
    stripped = s.lstrip(" ")
    return "\u00a0" * (len(s) - len(stripped)) + stripped


def ensure(key: str, value):
    """Give a widget key its default before the widget is drawn (never pass ``value=`` as well)."""
    if key not in st.session_state:
        st.session_state[key] = value


# Keys of widgets whose value Streamlit forbids writing (buttons, the file uploader, charts that report
# a selection): a written value makes the run that draws the widget raise. tests/test_ui_widgets.py
# finds every such widget on every page and checks that it is listed here.
UNWRITABLE_PREFIXES = (
    "dup.",
    "rm.",
    "insp.prev_btn",
    "insp.next_btn",
    "net.lesson.load.",
    "net.lesson.close",
    "sweep.btn.",
    "sweep.chart.",
    "p.csv.file",
    "race_chart",
    "work.btn.",
)


def writable(key: str) -> bool:
    """Whether writing ``key`` back to st.session_state is allowed (private ``_`` keys are left alone)."""
    return not key.startswith("_") and not key.startswith(UNWRITABLE_PREFIXES)


def write_back(select: Callable[[str], bool] | None = None) -> None:
    """Write the writable session values (those ``select`` picks, or all) back to themselves.

    Streamlit forgets a widget's value after a run that does not draw the widget; a written value
    is kept as a plain session value and given back to the widget when it returns.
    """
    for key in list(st.session_state.keys()):
        if writable(key) and (select is None or select(key)):
            st.session_state[key] = st.session_state[key]


def rewrite_all() -> None:
    """Write every widget value back to itself, as the language switch's callback.

    The browser side of a select widget keeps the *label* it showed and sends it back on every
    rerun. After a language switch that label is in the old language: the server no longer finds it
    among the options and hands the raw text to the page (a lesson callback crashed on
    "— free exploration —"). A value written through st.session_state is sent to the browser again,
    labelled in the new language.
    """
    write_back()


def sticky_choice(key: str, options, default):
    """Call before drawing a segmented control; pass the result as its ``on_change``.

    A second click on a segmented control's chosen option deselects it (value None): the page would
    be left with no language, no panel. The callback puts the previous choice back before the run
    (callbacks may write a widget's value; code after the widget may not), so the browser shows the
    choice selected again.
    """
    state = st.session_state
    prev = f"_prev.{key}"
    if state.get(key) not in options:
        state[key] = state.get(prev) if state.get(prev) in options else default
    state[prev] = state[key]

    def restore() -> None:
        if state.get(key) not in options:
            state[key] = state.get(prev) if state.get(prev) in options else default

    return restore
