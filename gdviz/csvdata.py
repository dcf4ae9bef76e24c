"""A user's CSV upload as numbers, with a clear message for every way the file can be unusable.

Only the standard ``csv`` module and NumPy are used. Decisions, so that the UI can explain them:

- Encoding: a byte-order mark selects UTF-8, UTF-16 or UTF-32; otherwise UTF-8, and if the bytes are
  not valid UTF-8, Windows-1252 (what Excel writes as "CSV" on Western Windows; Latin-1 for its five
  undefined bytes). Legacy East-Asian encodings (GBK, Shift-JIS) are not guessed: their non-ASCII
  header names would look garbled, the numbers are unaffected. NUL or other control characters
  mean the file is binary (or UTF-16 without a byte-order mark) and are rejected.
- Delimiter: one of ``,`` ``;`` tab ``|``, the one that splits the header into at least two columns and
  agrees with the most of the first 50 rows. With ``;``, tab or ``|`` a decimal comma (``1,5``) is read
  as a decimal point.
- Header: the first non-blank line; if every cell of it is a number there is no header and the
  columns are called ``column 1``, ``column 2``, …. Blank lines, and lines whose cells are all blank
  (spreadsheets export them as ``,,,``), are skipped.
- Cells: surrounding spaces are ignored; empty, ``NA``, ``N/A``, ``NaN``, ``null``, ``None``, ``-``, ``?``
  are missing values. A column with a missing or non-numeric cell is kept (it may be a text label for
  classification) and the problem is reported by :func:`select` only if that column is chosen.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from gdviz._checks import check_number

MAX_BYTES = 5_000_000
MAX_ROWS = 100_000
MAX_COLUMNS = 100
DELIMITERS = (",", ";", "\t", "|")
TASKS = ("regression", "classification")
MISSING = frozenset({"", "na", "n/a", "#n/a", "nan", "+nan", "-nan", "null", "none", "-", "?"})
_SNIFF_ROWS = 50
_SNIFF_CHARS = 65_536
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


# Stable identifiers of every problem, so that the UI can translate messages by code.
ERROR_CODES = (
    "empty", "too_large", "too_many_rows", "too_many_columns", "too_few_rows", "encoding", "not_text",
    "delimiter", "ragged", "malformed", "blank_header", "duplicate_header", "missing", "non_numeric",
    "not_finite", "unknown_column", "bad_features", "constant_column", "bad_scale", "classes",
)  # fmt: skip


class CsvError(ValueError):
    """An unusable file or selection. ``code`` is one of ``ERROR_CODES``; ``line`` (1-based line of
    the file) and ``column`` (name) locate the problem when there is one place to point at."""

    def __init__(self, code: str, message: str, *, line: int | None = None, column: str | None = None):
        self.code = code
        self.line = line
        self.column = column
        super().__init__(message)


class Table(NamedTuple):
    """The numbers of a CSV file.

    ``values[i, j]`` is row i of column ``columns[j]``; NaN where the cell is missing or not a
    number (such columns are listed in ``issues``). ``lines[i]`` is the file line of row i.
    ``text`` holds the raw cells of the columns that are not all numbers (possible class labels).
    """

    columns: tuple[str, ...]
    values: np.ndarray
    lines: np.ndarray
    text: Mapping[str, tuple[str, ...]]
    issues: Mapping[str, CsvError]
    delimiter: str
    encoding: str
    header: bool

    @property
    def n_rows(self) -> int:
        return self.values.shape[0]

    @property
    def numeric_columns(self) -> tuple[str, ...]:
        """The columns whose every cell is a finite number: the possible features."""
        return tuple(c for c in self.columns if c not in self.issues)

    def column(self, name: str) -> np.ndarray:
        return self.values[:, _index(self, name)]


def read_csv(data: bytes, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> Table:
    """Parse an uploaded CSV file; CsvError with a message saying what is wrong otherwise."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(f"data must be the file's bytes, got {type(data).__name__}")
    max_bytes = check_number("max_bytes", max_bytes, lo=1, integer=True)
    max_rows = check_number("max_rows", max_rows, lo=2, integer=True)
    data = bytes(data)
    if len(data) > max_bytes:
        raise CsvError(
            "too_large", f"the file has {_size(len(data))}; at most {_size(max_bytes)} can be uploaded"
        )
    text, encoding = _decode(data)
    if not text.strip():
        raise CsvError("empty", "the file is empty")
    bad = _CONTROL.search(text)
    if bad:
        what = (
            "it is binary, or UTF-16 without a byte-order mark"
            if bad.group() == "\x00"
            else "it does not look like a text CSV file"
        )
        raise CsvError(
            "not_text",
            f"the file contains a control character ({bad.group()!r}, character {bad.start() + 1}): "
            f"{what}; save it as CSV (UTF-8)",
        )
    delimiter = _sniff(text)
    (header, header_line), rows, lines = _records(text, delimiter, max_rows)
    has_header = not all(_number(c, delimiter) is not None for c in header)
    if has_header:
        columns = _check_header(header, header_line)
    else:
        columns = tuple(f"column {j + 1}" for j in range(len(header)))
        rows.insert(0, header)
        lines.insert(0, header_line)
        if len(rows) > max_rows:
            raise _too_many_rows(max_rows)
    if len(rows) < 2:
        raise CsvError(
            "too_few_rows",
            f"the file has {len(rows)} data row{'' if len(rows) == 1 else 's'}; "
            "at least 2 are needed to fit anything",
        )
    return _table(columns, rows, lines, delimiter, encoding, has_header)


def select(
    table: Table, target: str, features, task: str = "regression", standardize: bool = False
) -> tuple[np.ndarray, np.ndarray, dict]:
    """``(X (n, k), y (n,), info)`` for the chosen target and 1–2 feature columns.

    Classification: the target must take exactly two distinct values (numbers or text labels);
    the smaller number, or the alphabetically first label, becomes 0 — ``info["classes"]`` is
    ``(label of 0, label of 1)``. ``standardize`` z-scores each feature with the mean and the
    population standard deviation given in ``info["mean"]`` and ``info["std"]`` (always reported).
    """
    if not isinstance(table, Table):
        raise ValueError(f"table must be a Table from read_csv, got {type(table).__name__}")
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; allowed: {', '.join(TASKS)}")
    if not isinstance(standardize, (bool, np.bool_)):
        raise ValueError(f"standardize must be True or False, got {standardize!r}")
    _index(table, target)
    names = (
        [features]
        if isinstance(features, str)
        else list(features)
        if isinstance(features, Sequence)
        else None
    )
    if names is None or not 1 <= len(names) <= 2:
        raise CsvError("bad_features", f"choose one or two feature columns, got {features!r}")
    for name in names:
        _index(table, name)
    if len(set(names)) != len(names):
        raise CsvError("bad_features", f"the two features must be different columns, got {names[0]!r} twice")
    if target in names:
        raise CsvError(
            "bad_features", f"{target!r} is the target, so it cannot also be a feature", column=target
        )

    for name in names:
        _raise_issue(table, name, "feature")
    X = np.stack([table.column(name) for name in names], axis=1)
    for j, name in enumerate(names):
        if np.all(X[:, j] == X[0, j]):
            raise CsvError(
                "constant_column",
                f"column {name!r} has the same value ({_label(X[0, j])}) in every row, "
                "so it cannot be a feature",
                column=name,
            )

    classes = None
    if task == "regression":
        _raise_issue(table, target, "regression target")
        y = table.column(target).copy()
        if np.all(y == y[0]):
            raise CsvError(
                "constant_column",
                f"the target {target!r} has the same value ({_label(y[0])}) in every row: "
                "there is nothing to fit",
                column=target,
            )
    else:
        y, classes = _classes(table, target)

    with np.errstate(all="ignore"):
        mean = X.mean(axis=0)
        std = X.std(axis=0)
    for j, name in enumerate(names):
        # Not constant, yet the spread underflows to 0 or overflows to inf in float64 (1e-200, 1e200).
        if not (np.isfinite(mean[j]) and 0 < std[j] < np.inf):
            raise CsvError(
                "bad_scale",
                f"column {name!r} spans a range too tiny or too huge to compute with "
                f"(from {_label(X[:, j].min())} to {_label(X[:, j].max())}): rescale it",
                column=name,
            )
    if standardize:
        X = (X - mean) / std
    info = {
        "target": target,
        "features": tuple(names),
        "task": task,
        "n_samples": int(X.shape[0]),
        "standardized": bool(standardize),
        "mean": mean,
        "std": std,
        "classes": classes,
    }
    return X, y, info


# --- reading --------------------------------------------------------------------------------------
def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def _too_many_rows(max_rows: int) -> CsvError:
    return CsvError(
        "too_many_rows", f"the file has more than {max_rows:,} data rows; at most {max_rows:,} are allowed"
    )


def _decode(data: bytes) -> tuple[str, str]:
    boms = (
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xfe\xff", "utf-16"),
        (b"\xff\xfe", "utf-16"),
    )
    for bom, encoding in boms:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as err:
                raise CsvError(
                    "encoding",
                    f"the file starts like {encoding.upper()} but byte {err.start + 1} is invalid; "
                    "save it as CSV (UTF-8)",
                ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        if b"\x00" in data:
            raise CsvError(
                "encoding",
                f"the file is not UTF-8 text (byte {err.start + 1}) and contains NUL bytes: it is binary, "
                "or UTF-16 without a byte-order mark; save it as CSV (UTF-8)",
            ) from None
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _sniff(text: str) -> str:
    sample = text[:_SNIFF_CHARS]
    best, best_key = None, None
    for d in DELIMITERS:
        try:
            rows = [r for r in _reader(sample, d) if not _blank(r)][:_SNIFF_ROWS]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        agree = sum(len(r) == len(rows[0]) for r in rows) / len(rows)
        key = (agree, len(rows[0]))
        if best_key is None or key > best_key:
            best, best_key = d, key
    if best is None:
        first = next((line for line in sample.splitlines() if line.strip()), "")
        shown = first if len(first) <= 60 else first[:57] + "..."
        raise CsvError(
            "delimiter",
            f"could not find the delimiter: the first line {shown!r} is not split into at least two "
            "columns by a comma, semicolon, tab or vertical bar",
            line=1,
        )
    return best


def _reader(text: str, delimiter: str):
    # skipinitialspace: `a, "b"` (a space before a quoted field) is common in hand-written files.
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)


def _blank(record: list[str]) -> bool:
    return all(not cell.strip() for cell in record)


def _records(text: str, delimiter: str, max_rows: int):
    reader = _reader(text, delimiter)
    header = None
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for record in reader:
            if _blank(record):
                continue
            if header is None:
                header = (record, reader.line_num)
                if len(record) > MAX_COLUMNS:
                    raise CsvError(
                        "too_many_columns",
                        f"the file has {len(record)} columns; at most {MAX_COLUMNS} are allowed",
                        line=reader.line_num,
                    )
                continue
            if len(record) != len(header[0]):
                name = _DELIMITER_NAMES[delimiter]
                raise CsvError(
                    "ragged",
                    f"line {reader.line_num} has {len(record)} values but the header has {len(header[0])} "
                    f"columns ({name}-separated): every row needs one value per column",
                    line=reader.line_num,
                )
            if len(rows) >= max_rows:
                raise _too_many_rows(max_rows)
            rows.append(record)
            lines.append(reader.line_num)
    except csv.Error as err:
        raise CsvError(
            "malformed", f"line {reader.line_num} could not be read as CSV ({err})", line=reader.line_num
        ) from None
    return header, rows, lines


def _check_header(header: list[str], line: int) -> tuple[str, ...]:
    names = tuple(cell.strip() for cell in header)
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if not name:
            raise CsvError(
                "blank_header",
                f"column {j + 1} has no name in the header (line {line}): give every column a name",
                line=line,
            )
        if name in seen:
            raise CsvError(
                "duplicate_header",
                f"the header (line {line}) names two columns {name!r} "
                f"(columns {seen[name] + 1} and {j + 1}): column names must be unique",
                line=line,
                column=name,
            )
        seen[name] = j
    return names


def _number(cell: str, delimiter: str) -> float | None:
    """The cell's value if it is a number (NaN, inf included), else None."""
    s = cell.strip()
    try:
        return float(s)
    except ValueError:
        pass
    if delimiter != "," and s.count(",") == 1 and "." not in s:
        try:
            return float(s.replace(",", "."))
        except ValueError:
            pass
    return None


def _table(columns, rows, lines, delimiter, encoding, has_header) -> Table:
    n, k = len(rows), len(columns)
    values = np.empty((n, k))
    text: dict[str, tuple[str, ...]] = {}
    issues: dict[str, CsvError] = {}
    for j, name in enumerate(columns):
        cells = [row[j] for row in rows]
        try:
            # Fast path for clean columns; NumPy's parser is stricter than ours, so a failure here
            # only sends the column through the cell-by-cell rules below.
            col = np.array(cells, dtype=float)
        except ValueError:
            col = np.array([np.nan if (v := _number(c, delimiter)) is None else v for c in cells])
        finite = np.isfinite(col)
        if not finite.all():
            i = int(np.argmin(finite))
            issues[name] = _cell_issue(name, cells[i], lines[i], delimiter)
            text[name] = tuple(c.strip() for c in cells)
            col[~finite] = np.nan
        values[:, j] = col
    if not any(name not in issues for name in columns):
        raise next(iter(issues.values()))
    values.flags.writeable = False
    line_arr = np.array(lines)
    line_arr.flags.writeable = False
    return Table(
        columns=tuple(columns),
        values=values,
        lines=line_arr,
        text=MappingProxyType(text),
        issues=MappingProxyType(issues),
        delimiter=delimiter,
        encoding=encoding,
        header=has_header,
    )


def _cell_issue(name: str, cell: str, line: int, delimiter: str) -> CsvError:
    s = cell.strip()
    shown = repr(s if len(s) <= 30 else s[:27] + "...")
    if s.lower() in MISSING:
        what = "an empty cell" if not s else f"{shown}"
        return CsvError(
            "missing",
            f"column {name!r} has a missing value on line {line} ({what}): fill it in or delete the row",
            line=line,
            column=name,
        )
    value = _number(s, delimiter)
    if value is None:
        hint = (
            " (use a dot as the decimal separator)"
            if delimiter == "," and re.fullmatch(r"-?\d+,\d+", s)
            else ""
        )
        return CsvError(
            "non_numeric",
            f"column {name!r} has a value that is not a number on line {line}: {shown}{hint}",
            line=line,
            column=name,
        )
    if math.isnan(value):
        return CsvError(
            "missing", f"column {name!r} has a missing value on line {line} ({shown})", line=line, column=name
        )
    return CsvError(
        "not_finite",
        f"column {name!r} has an infinite value on line {line} ({shown}); only finite numbers are allowed",
        line=line,
        column=name,
    )


# --- selecting ------------------------------------------------------------------------------------
def _index(table: Table, name) -> int:
    try:
        return table.columns.index(name)
    except ValueError:
        shown = ", ".join(map(repr, table.columns[:20])) + (", …" if len(table.columns) > 20 else "")
        raise CsvError(
            "unknown_column", f"there is no column {name!r}; the columns are {shown}", column=str(name)
        ) from None


def _raise_issue(table: Table, name: str, role: str) -> None:
    issue = table.issues.get(name)
    if issue is not None:
        # A fresh exception each time: re-raising the stored one would grow its traceback.
        raise CsvError(
            issue.code, f"{issue} — so it cannot be the {role}", line=issue.line, column=issue.column
        )


def _label(v):
    v = float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)


def _classes(table: Table, target: str) -> tuple[np.ndarray, tuple]:
    issue = table.issues.get(target)
    if issue is None:
        col = table.column(target)
        labels = np.unique(col)
        if len(labels) == 2:
            return (col == labels[1]).astype(float), (float(labels[0]), float(labels[1]))
        shown = [_label(v) for v in labels[:5]]
    else:
        if issue.code == "missing" or issue.code == "not_finite":
            _raise_issue(table, target, "classification target")
        cells = table.text[target]
        missing = next((i for i, c in enumerate(cells) if c.lower() in MISSING), None)
        if missing is not None:
            line = int(table.lines[missing])
            raise CsvError(
                "missing",
                f"column {target!r} has a missing value on line {line}: fill it in or delete the row",
                line=line,
                column=target,
            )
        arr = np.array(cells)
        labels = np.unique(arr)
        if len(labels) == 2:
            return (arr == labels[1]).astype(float), (str(labels[0]), str(labels[1]))
        shown = [repr(str(v)) for v in labels[:5]]
    more = ", …" if len(labels) > 5 else ""
    raise CsvError(
        "classes",
        f"a classification target needs exactly two distinct values; column {target!r} has {len(labels)}: "
        f"{', '.join(shown)}{more}",
        column=target,
    )
