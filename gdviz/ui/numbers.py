"""Number fields on every page: a number typed outside a field's range is brought into it and the
page says what was typed and what is used, in the visitor's language (``quirks.number_input`` says
why Streamlit's own bounds cannot do this)."""

from __future__ import annotations

from gdviz.ui import quirks
from gdviz.ui.i18n import t
from gdviz.ui.text import literal


def number(label: str, lo, hi, *, key: str, default, where=None, **kw):
    """``st.number_input(label, key=key, **kw)`` within [lo, hi]; ``where`` is the container to draw
    in (a column), the sidebar or page otherwise."""

    def said(typed, used) -> str:
        name = literal(label)  # a start point's label may be a CSV's column name
        if typed is None:
            return t("number.empty", label=name, used=f"{used:g}")
        fmt = {"label": name, "typed": f"{typed:g}", "lo": f"{lo:g}", "hi": f"{hi:g}", "used": f"{used:g}"}
        # Streamlit's field sends 0 for what it cannot read (an empty field, "1e", "-")
        return t("number.zero", **fmt) if typed == 0 else t("number.clamped", **fmt)

    return quirks.number_input(label, lo, hi, key=key, default=default, said=said, where=where, **kw)
