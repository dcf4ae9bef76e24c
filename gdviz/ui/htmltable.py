"""A small table as escaped HTML, for ``st.html``: a summary of a few rows without Streamlit's data
grid.

Why not ``st.dataframe``: the grid and its Arrow decoder are 1.2 MB of JavaScript that every first
visit downloads, compiles and runs for a table of four rows (0.26 s of a fresh session's time to the
first chart with the page's KaTeX lead, `python benchmarks/bench_first_visit.py`), and it paints on
a canvas that a screen reader cannot read and a projector's zoom blurs. Every cell is escaped: a
run's label may hold a visitor's formula or column name.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

CSS_CLASS = "gdviz-table"
STYLE = (
    f"<style>.{CSS_CLASS}{{overflow-x:auto;max-width:100%}}"
    f".{CSS_CLASS} table{{border-collapse:collapse;font-size:0.9rem;font-variant-numeric:tabular-nums}}"
    f".{CSS_CLASS} th,.{CSS_CLASS} td{{padding:0.3rem 0.7rem;border-bottom:1px solid rgba(128,128,128,.28);"
    "white-space:nowrap;text-align:right}"
    f".{CSS_CLASS} th{{font-weight:600}}"
    # the first column (the run's name) stays in view while the numbers scroll sideways on a phone
    f".{CSS_CLASS} th:first-child,.{CSS_CLASS} td:first-child{{text-align:left;position:sticky;left:0;"
    "background:#fff;background-clip:padding-box;white-space:normal;min-width:8rem;max-width:45vw}</style>"
)


def cell_text(value, fmt: str | None = None) -> str:
    """A cell as text: ``fmt`` (``"%.4e"`` style) for numbers, thousands separators for ints, a dash for
    None (a value that does not apply, not the word "None"); a diverged run's loss says NaN or ∞."""
    if value is None:
        return "—"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("∞" if value > 0 else "−∞")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return fmt % value if fmt else f"{value:g}"
    return str(value)


def html_table(
    rows: Sequence[Mapping[str, object]], *, formats: Mapping[str, str] | None = None, label: str = ""
) -> str:
    """``rows`` (column → value, the first row's columns in order) as a table inside a scrolling box.

    Each numeric cell carries its exact value in ``data-value`` (what a test reads back); ``label``
    names the table for screen readers.
    """
    formats = dict(formats or {})
    if not rows:
        return ""
    columns = list(rows[0])
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in columns)
    body = []
    for row in rows:
        cells = []
        for j, c in enumerate(columns):
            v = row.get(c)
            text = html.escape(cell_text(v, formats.get(c)))
            exact = ""
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                exact = f' data-value="{html.escape(repr(float(v)) if isinstance(v, float) else str(v))}"'
            tag = "th" if j == 0 else "td"
            scope = ' scope="row"' if j == 0 else ""
            cells.append(f"<{tag}{scope}{exact}>{text}</{tag}>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    aria = f' aria-label="{html.escape(label)}"' if label else ""
    return (
        f'{STYLE}<div class="{CSS_CLASS}"><table{aria}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


__all__ = ["CSS_CLASS", "cell_text", "html_table"]
