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
from itertools import chain, islice, repeat
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from gdviz.errors import check_bool, check_choice, check_number, cut, given
from gdviz.problems.data.numbers import _number, _numbers

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
        unit, size, limit = sizes(len(data), max_bytes)
        raise CsvError("too_large", f"the file has {size} {unit}; at most {limit} {unit} can be uploaded")
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
    (header, header_line), cells, lines = _records(text, delimiter, max_rows)
    has_header = not all(_number(c, delimiter) is not None for c in header)
    if has_header:
        columns = _check_header(header, header_line)
    else:
        columns = tuple(f"column {j + 1}" for j in range(len(header)))
        cells = header + cells
        lines.insert(0, header_line)
        if len(lines) > max_rows:
            raise _too_many_rows(max_rows)
    if len(lines) < 2:
        raise CsvError(
            "too_few_rows",
            f"the file has {len(lines)} data row{'' if len(lines) == 1 else 's'}; "
            "at least 2 are needed to fit anything",
        )
    return _table(columns, cells, lines, delimiter, encoding, has_header)


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
    check_choice("task", task, TASKS)
    check_bool("standardize", standardize)
    _index(table, target)
    names = (
        [features]
        if isinstance(features, str)
        else list(features)
        if isinstance(features, Sequence)
        else None
    )
    if names is None or not 1 <= len(names) <= 2:
        raise CsvError("bad_features", f"choose one or two feature columns, got {given(features)}")
    for name in names:
        _index(table, name)
    if len(set(names)) != len(names):
        raise CsvError(
            "bad_features", f"the two features must be different columns, got {_q(names[0])} twice"
        )
    if target in names:
        raise CsvError(
            "bad_features", f"{_q(target)} is the target, so it cannot also be a feature", column=target
        )

    for name in names:
        _raise_issue(table, name, "feature")
    X = np.stack([table.column(name) for name in names], axis=1)
    for j, name in enumerate(names):
        if np.all(X[:, j] == X[0, j]):
            raise CsvError(
                "constant_column",
                f"column {_q(name)} has the same value ({_label(X[0, j])}) in every row, "
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
                f"the target {_q(target)} has the same value ({_label(y[0])}) in every row: "
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
                f"column {_q(name)} spans a range too tiny or too huge to compute with "
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


class Choices(NamedTuple):
    """What a page can offer for a table: ``features`` (any one or two of them), and for each task
    the ``targets`` that leave at least one feature; ``refused`` holds, for every column that is
    neither, why it cannot be a feature (a CsvError as select() raises it)."""

    features: tuple[str, ...]
    targets: Mapping[str, tuple[str, ...]]
    refused: Mapping[str, CsvError]


def choices(table: Table) -> Choices:
    """The features and targets select() accepts (targets whose values span a computable range):
    every combination of a listed target with one or two listed features other than it works."""
    if not isinstance(table, Table):
        raise ValueError(f"table must be a Table from read_csv, got {type(table).__name__}")
    problems = {name: _feature_problem(table, name) for name in table.columns}
    features = tuple(name for name in table.columns if problems[name] is None)
    targets: dict[str, tuple[str, ...]] = {}
    for task in TASKS:
        ok = []
        for name in table.columns:
            if not any(f != name for f in features):
                continue
            if task == "regression":
                usable = problems[name] is None
            else:
                usable = _two_classes(table, name)
            if usable:
                ok.append(name)
        targets[task] = tuple(ok)
    refused = {
        name: problems[name]
        for name in table.columns
        if problems[name] is not None and all(name not in targets[task] for task in TASKS)
    }
    return Choices(features, MappingProxyType(targets), MappingProxyType(refused))


def _two_classes(table: Table, name: str) -> bool:
    """Whether _classes accepts the column, without building the labels (nor sorting numbers)."""
    issue = table.issues.get(name)
    if issue is None:
        col = table.column(name)
        lo, hi = col.min(), col.max()
        return bool(lo != hi and np.all((col == lo) | (col == hi)))
    if issue.code in ("missing", "not_finite"):
        return False
    labels = set(table.text[name])
    return len(labels) == 2 and not any(c.lower() in MISSING for c in labels)


def _feature_problem(table: Table, name: str) -> CsvError | None:
    """What select() raises for ``name`` as a feature, by its own checks in its order; None if none."""
    issue = table.issues.get(name)
    if issue is not None:
        return CsvError(
            issue.code, f"{issue} — so it cannot be the feature", line=issue.line, column=issue.column
        )
    x = table.column(name)
    if np.all(x == x[0]):
        return CsvError(
            "constant_column",
            f"column {_q(name)} has the same value ({_label(x[0])}) in every row, so it cannot be a feature",
            column=name,
        )
    with np.errstate(all="ignore"):
        mean, std = x.mean(), x.std()
    if not (np.isfinite(mean) and 0 < std < np.inf):
        return CsvError(
            "bad_scale",
            f"column {_q(name)} spans a range too tiny or too huge to compute with "
            f"(from {_label(x.min())} to {_label(x.max())}): rescale it",
            column=name,
        )
    return None


# --- reading --------------------------------------------------------------------------------------
def sizes(n: int, limit: int) -> tuple[str, str, str]:
    """A size against its limit, as a message says them: ``(unit, n, limit)`` in MB (10⁶ bytes, one
    decimal), or in bytes, exact, where MB would show them equal ("5.0 MB; at most 5.0 MB" said
    nothing about a file of 5,000,004 bytes) or one of them is under 0.1 MB."""
    mb = f"{n / 1e6:.1f}", f"{limit / 1e6:.1f}"
    if min(n, limit) >= 100_000 and mb[0] != mb[1]:
        return "MB", *mb
    return "bytes", f"{n:,}", f"{limit:,}"


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
        raise CsvError(
            "delimiter",
            f"could not find the delimiter: the first line {_q(first)} is not split into at least two "
            "columns by a comma, semicolon, tab or vertical bar",
            line=1,
        )
    return best


def _reader(text: str, delimiter: str):
    # skipinitialspace: `a, "b"` (a space before a quoted field) is common in hand-written files.
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)


def _blank(record: list[str]) -> bool:
    # One join instead of a strip per cell: the cells are all blank exactly when their text is.
    return not "".join(record).strip()


def _records(text: str, delimiter: str, max_rows: int):
    """``((header cells, its line), cells of the rows one row after another, line of each row)``."""
    lines_ = _unquoted_lines(text)
    if lines_ is not None:
        return _split_records(lines_, delimiter, max_rows)
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
                    raise _too_many_columns(len(record), reader.line_num)
                continue
            if len(record) != len(header[0]):
                raise _ragged(reader.line_num, len(record), len(header[0]), delimiter)
            if len(rows) >= max_rows:
                raise _too_many_rows(max_rows)
            rows.append(record)
            lines.append(reader.line_num)
    except csv.Error as err:
        raise CsvError(
            "malformed", f"line {reader.line_num} could not be read as CSV ({err})", line=reader.line_num
        ) from None
    return header, list(chain.from_iterable(rows)), lines


def _unquoted_lines(text: str) -> list[str] | None:
    """The lines of a file without quotes, split where csv.reader ends a record; None otherwise.

    Without a quote character csv.reader only splits lines at CR, LF or CR LF and cells at the
    delimiter (its skipinitialspace drops spaces that every use of a cell strips anyway); a cell
    longer than its field limit is an error it reports, so a file with such a line goes through it.
    """
    if '"' in text:
        return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(text) > csv.field_size_limit() and max(map(len, lines)) > csv.field_size_limit():
        return None
    return lines


def _split_records(lines: list[str], delimiter: str, max_rows: int):
    """What the csv.reader loop of ``_records`` returns and raises, for unquoted lines, without a
    Python step per record (a third of the cost of a 5 MB file)."""
    # A line is blank when its cells are: when nothing but white space is left without delimiters.
    filled = (i for i, line in enumerate(lines) if line.replace(delimiter, "").strip())
    keep = list(islice(filled, max_rows + 2))  # the header, and one row too many is enough to tell
    if not keep:  # as the loop: no header (read_csv's delimiter search has refused such a file)
        return None, [], []
    header, header_line = lines[keep[0]].split(delimiter), keep[0] + 1
    if len(header) > MAX_COLUMNS:
        raise _too_many_columns(len(header), header_line)
    rows = [lines[i] for i in keep[1:]]
    sizes = np.fromiter(map(str.count, rows, repeat(delimiter)), dtype=np.intp, count=len(rows)) + 1
    ragged = np.flatnonzero(sizes != len(header))
    # The loop checks each row's size before counting it, so a ragged row up to the first one too
    # many is what it reports.
    if ragged.size and ragged[0] <= max_rows:
        j = int(ragged[0])
        raise _ragged(keep[j + 1] + 1, int(sizes[j]), len(header), delimiter)
    if len(rows) > max_rows:
        raise _too_many_rows(max_rows)
    # Every row has as many cells as the header, so one split of all rows gives them row after row
    # (and no list per row for the garbage collector to walk).
    cells = delimiter.join(rows).split(delimiter) if rows else []
    return (header, header_line), cells, [i + 1 for i in keep[1:]]


def _too_many_columns(n: int, line: int) -> CsvError:
    return CsvError(
        "too_many_columns", f"the file has {n} columns; at most {MAX_COLUMNS} are allowed", line=line
    )


def _ragged(line: int, n: int, k: int, delimiter: str) -> CsvError:
    return CsvError(
        "ragged",
        f"line {line} has {n} values but the header has {k} columns ({_DELIMITER_NAMES[delimiter]}-separated): "
        "every row needs one value per column",
        line=line,
    )


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
                f"the header (line {line}) names two columns {_q(name)} "
                f"(columns {seen[name] + 1} and {j + 1}): column names must be unique",
                line=line,
                column=name,
            )
        seen[name] = j
    return names


def _table(columns, flat, lines, delimiter, encoding, has_header) -> Table:
    n, k = len(lines), len(columns)
    # All cells at once, row after row: the number pass below costs a few NumPy calls per character
    # position, not per cell or per column.
    values, padded = _numbers(flat, delimiter)
    values, padded = values.reshape(n, k), padded.reshape(n, k)
    finite = np.isfinite(values)
    text: dict[str, tuple[str, ...]] = {}
    issues: dict[str, CsvError] = {}
    for j in np.flatnonzero(~finite.all(axis=0)).tolist():
        name = columns[j]
        i = int(np.argmin(finite[:, j]))
        issues[name] = _cell_issue(name, flat[i * k + j], lines[i], delimiter)
        cells = flat[j::k]
        text[name] = tuple(map(str.strip, cells) if padded[:, j].any() else cells)
    values[~finite] = np.nan
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
    shown = _q(s)
    if s.lower() in MISSING:
        what = "an empty cell" if not s else f"{shown}"
        return CsvError(
            "missing",
            f"column {_q(name)} has a missing value on line {line} ({what}): fill it in or delete the row",
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
            f"column {_q(name)} has a value that is not a number on line {line}: {shown}{hint}",
            line=line,
            column=name,
        )
    if math.isnan(value):
        return CsvError(
            "missing",
            f"column {_q(name)} has a missing value on line {line} ({shown})",
            line=line,
            column=name,
        )
    return CsvError(
        "not_finite",
        f"column {_q(name)} has an infinite value on line {line} ({shown}); only finite numbers are allowed",
        line=line,
        column=name,
    )


# --- selecting ------------------------------------------------------------------------------------
def _index(table: Table, name) -> int:
    try:
        return table.columns.index(name)
    except ValueError:
        shown = ", ".join(map(_q, table.columns[:20])) + (", …" if len(table.columns) > 20 else "")
        raise CsvError(
            "unknown_column", f"there is no column {_q(name)}; the columns are {shown}", column=str(name)
        ) from None


def _raise_issue(table: Table, name: str, role: str) -> None:
    issue = table.issues.get(name)
    if issue is not None:
        # A fresh exception each time: re-raising the stored one would grow its traceback.
        raise CsvError(
            issue.code, f"{issue} — so it cannot be the {role}", line=issue.line, column=issue.column
        )


def _q(text) -> str:
    """A cell, a column's name or a line of the file, quoted in a message (cut: ``errors.cut``)."""
    return repr(cut(text))


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
        distinct = set(cells)
        gaps = {c for c in distinct if c.lower() in MISSING}
        if gaps:
            line = int(table.lines[next(i for i, c in enumerate(cells) if c in gaps)])
            raise CsvError(
                "missing",
                f"column {_q(target)} has a missing value on line {line}: fill it in or delete the row",
                line=line,
                column=target,
            )
        # Sorted like np.unique would, without a fixed-width array: one 100 000-character cell would
        # make that 100 000 × 100 000 × 4 bytes.
        labels = sorted(distinct)
        if len(labels) == 2:
            return np.fromiter(map(labels[1].__eq__, cells), dtype=float, count=len(cells)), tuple(labels)
        shown = [_q(v) for v in labels[:5]]
    more = ", …" if len(labels) > 5 else ""
    raise CsvError(
        "classes",
        f"a classification target needs exactly two distinct values; column {_q(target)} has {len(labels)}: "
        f"{', '.join(shown)}{more}",
        column=target,
    )
