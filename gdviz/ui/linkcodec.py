"""Reading and writing page state in a URL's query string, without trusting the URL.

Every page's links use these: numbers are parsed and clamped to their control's range, choices
must be one of the control's, over-long values are refused, and every value that was not used as
written is reported (the page shows the list in one notice). No Streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from gdviz.errors import cut
from gdviz.ui.specs import Control

MAX_VALUE_CHARS = 300  # a formula's cap; anything longer in a link is refused outright
SHOWN_CHARS = 40  # of a refused value, in the page's notice


def number(text: str) -> float | None:
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def fmt(v) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v)


def shown(text: str) -> str:
    """A refused value as the notice quotes it: its first characters."""
    return cut(text, SHOWN_CHARS)


def coerce(c: Control, text: str, repairs: list, where: str):
    """A control value from link text, clamped into its range; None when unusable."""
    if c.kind == "bool":
        if text in ("1", "true", "True", "0", "false", "False"):
            return text in ("1", "true", "True")
        repairs.append(where)
        return None
    if c.kind == "choice":
        for choice in c.choices:
            if str(choice) == text:
                return choice
        repairs.append(where)
        return None
    v = number(text)
    if v is None:
        repairs.append(where)
        return None
    lo = -math.inf if c.lo is None else c.lo
    hi = math.inf if c.hi is None else c.hi
    clamped = min(max(v, lo), hi)
    if c.kind == "int":
        clamped = round(clamped)
    if clamped != v:
        repairs.append(where)
    return float(clamped) if c.kind == "float" else clamped


def one(params: Mapping, key: str, repairs: list) -> str | None:
    v = params.get(key)
    if isinstance(v, (list, tuple)):
        v = v[0] if v else None
    if v is not None and len(str(v)) > MAX_VALUE_CHARS:
        repairs.append(f"{key}={shown(str(v))}")
        return None
    return None if v is None else str(v)


def every(params: Mapping, key: str, repairs: list) -> list[str]:
    v = params.get(key)
    if v is None:
        return []
    items = [str(x) for x in (v if isinstance(v, (list, tuple)) else [v])]
    repairs += [f"{key}={shown(x)}" for x in items if len(x) > MAX_VALUE_CHARS]
    return [x for x in items if len(x) <= MAX_VALUE_CHARS]


def flag(params: Mapping, key: str, repairs: list) -> bool:
    """A 0/1 value (encode writes only these); anything else is the default, False, and reported."""
    text = one(params, key, repairs)
    if text is not None and text not in ("0", "1"):
        repairs.append(key)
    return text == "1"


def encode_fields(values: Mapping, controls: Mapping[str, Control]) -> dict[str, str]:
    """``{name: text}`` for every value that differs from its control's default (the link names a
    value by the control's key; a missing one means the default)."""
    return {
        name: fmt(values[name])
        for name, c in controls.items()
        if name in values and values[name] != c.default
    }


def decode_fields(params: Mapping, controls: Mapping[str, Control], repairs: list) -> dict[str, object]:
    """Every control's value from the link (its default where the link has none or a bad one)."""
    out = {}
    for name, c in controls.items():
        text = one(params, name, repairs)
        value = None if text is None else coerce(c, text, repairs, name)
        out[name] = c.default if value is None else value
    return out


# --- a page's schema of controls (state name -> Control, the link naming each by Control.key) -------
def encode_schema(values: Mapping, schema: Mapping[str, Control]) -> dict[str, str]:
    """The link's parameters for every value of ``schema`` that differs from its default."""
    return {schema[name].key: text for name, text in encode_fields(values, schema).items()}


def decode_schema(params: Mapping, schema: Mapping[str, Control], repairs: list) -> dict[str, object]:
    """The state values (by state name) of the controls the link names; repairs noted."""
    by_key = {c.key: (name, c) for name, c in schema.items()}
    given = {key: params[key] for key in by_key if key in params}
    decoded = decode_fields(given, {key: by_key[key][1] for key in given}, repairs)
    return {by_key[key][0]: v for key, v in decoded.items()}


def lesson(params: Mapping, lessons, repairs: list) -> str | None:
    """The link's ``lesson`` if it names one of ``lessons`` (else None, and reported)."""
    key = one(params, "lesson", repairs)
    if key is not None and key not in lessons:
        repairs.append("lesson")
        return None
    return key


def unknown(params: Mapping, schema: Mapping[str, Control], page_keys) -> list[str]:
    """The link's parameters that neither a control of ``schema`` nor the page reads."""
    keys = {c.key for c in schema.values()}
    return [k for k in params if k not in keys and k not in page_keys]


__all__ = [
    "MAX_VALUE_CHARS",
    "SHOWN_CHARS",
    "coerce",
    "decode_fields",
    "decode_schema",
    "encode_fields",
    "encode_schema",
    "every",
    "flag",
    "fmt",
    "lesson",
    "number",
    "one",
    "shown",
    "unknown",
]
