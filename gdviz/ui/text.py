"""Helpers for what pages draw: visitors' text shown literally."""

from __future__ import annotations

import re

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
