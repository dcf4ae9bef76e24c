"""The one exception a rejected formula raises, and the stable codes that the UI translates."""

from __future__ import annotations

ERROR_CODES = (
    "not_text", "empty", "too_long", "null_byte", "non_ascii", "bad_character", "unknown_name",
    "missing_operator", "missing_operand", "bare_function", "unbalanced", "attribute", "syntax",
    "incomplete", "too_deep", "too_many_nodes", "not_allowed", "not_callable", "bad_call",
    "exponent_too_large", "number_too_large", "not_finite", "nowhere_finite",
)  # fmt: skip


class FormulaError(ValueError):
    """A rejected formula. ``code`` is one of ``ERROR_CODES``; ``position`` the 1-based column of the
    offending part (None when the whole text is at fault), ``span`` its ``(start, stop)`` slice in
    the text, and ``detail`` the English message without the column."""

    def __init__(self, code: str, message: str, span: tuple[int, int] | None = None):
        self.code = code
        self.span = span
        self.position = None if span is None else span[0] + 1
        self.detail = message
        super().__init__(message if span is None else f"{message} (column {span[0] + 1})")
