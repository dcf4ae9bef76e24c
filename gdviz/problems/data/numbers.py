"""Numbers in text cells without a Python call per cell (the CSV reader's hot path).

A 5 MB upload holds up to 2.5 million cells, and float() raising for each non-number costs about a
microsecond of the GIL (7 s for a file of words). So the cells are classified by a finite automaton
over their characters, run on all cells at once in NumPy (one step per character position), and
only numbers reach float().
"""

from __future__ import annotations

import functools
from itertools import compress
from typing import NamedTuple

import numpy as np


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


# The automaton accepts exactly what ``_number`` accepts (float() after strip():
# optional sign, digits with single underscores between them, an optional point and exponent, or
# inf, infinity, nan in any case; Unicode digits and white space count as float() counts them; with
# a ``;``, tab or ``|`` delimiter one comma may be the point); tests/core/test_csvdata.py checks that
# against ``_number`` exhaustively on short texts.
(_C_OTHER, _C_SPACE, _C_DIGIT, _C_SIGN, _C_POINT, _C_UNDERSCORE, _C_E, _C_I, _C_N, _C_F, _C_T, _C_Y, _C_A,
 _C_NUL) = range(14)  # fmt: skip
_N_CLASSES = 14
_ASCII_CLASS = np.full(128, _C_OTHER, dtype=np.uint8)
for _c in range(128):
    if chr(_c).isspace():
        _ASCII_CLASS[_c] = _C_SPACE
_ASCII_CLASS[0] = _C_NUL
for _chars, _cls in (
    ("0123456789", _C_DIGIT), ("+-", _C_SIGN), (".", _C_POINT), ("_", _C_UNDERSCORE), ("eE", _C_E),
    ("iI", _C_I), ("nN", _C_N), ("fF", _C_F), ("tT", _C_T), ("yY", _C_Y), ("aA", _C_A),
):  # fmt: skip
    _ASCII_CLASS[[ord(c) for c in _chars]] = _cls


def _automaton() -> tuple[np.ndarray, np.ndarray]:
    """(transition table [state, class] -> state, accepting[state]); state 0 is the start."""
    edges = {
        "start": {_C_SPACE: "start", _C_SIGN: "sign", _C_DIGIT: "int", _C_POINT: "point", _C_I: "i", _C_N: "n"},
        "sign": {_C_DIGIT: "int", _C_POINT: "point", _C_I: "i", _C_N: "n"},
        "int": {_C_DIGIT: "int", _C_UNDERSCORE: "int_", _C_POINT: "int.", _C_E: "e", _C_SPACE: "end"},
        "int_": {_C_DIGIT: "int"},
        "point": {_C_DIGIT: "frac"},  # "." or "-." so far: a digit must follow
        "int.": {_C_DIGIT: "frac", _C_E: "e", _C_SPACE: "end"},
        "frac": {_C_DIGIT: "frac", _C_UNDERSCORE: "frac_", _C_E: "e", _C_SPACE: "end"},
        "frac_": {_C_DIGIT: "frac"},
        "e": {_C_SIGN: "e_sign", _C_DIGIT: "exp"},
        "e_sign": {_C_DIGIT: "exp"},
        "exp": {_C_DIGIT: "exp", _C_UNDERSCORE: "exp_", _C_SPACE: "end"},
        "exp_": {_C_DIGIT: "exp"},
        "end": {_C_SPACE: "end"},
        "i": {_C_N: "in"}, "in": {_C_F: "inf"}, "inf": {_C_I: "infi", _C_SPACE: "end"},
        "infi": {_C_N: "infin"}, "infin": {_C_I: "infini"}, "infini": {_C_T: "infinit"},
        "infinit": {_C_Y: "infinity"}, "infinity": {_C_SPACE: "end"},
        "n": {_C_A: "na"}, "na": {_C_N: "nan"}, "nan": {_C_SPACE: "end"},
        "reject": {},
    }  # fmt: skip
    names = list(edges)
    index = {name: i for i, name in enumerate(names)}
    table = np.full((len(names), _N_CLASSES), index["reject"], dtype=np.uint8)
    for name, out in edges.items():
        for cls, target in out.items():
            table[index[name], cls] = index[target]
    accepting = np.zeros(len(names), dtype=bool)
    accepting[[index[s] for s in ("int", "int.", "frac", "exp", "end", "inf", "infinity", "nan")]] = True
    return table, accepting


_TRANSITIONS, _ACCEPTING = _automaton()
_FLAT_TRANSITIONS = _TRANSITIONS.reshape(-1)
# Texts longer than this are judged by ``_number`` itself: the automaton advances one character of
# every text per NumPy call, so a few very long texts would cost one call per character.
_SCAN_CHARS = 256
_MEMO_CHARS = 4
_CHUNK_CELLS = 1 << 16


def _char_codes(text: str) -> np.ndarray:
    if text.isascii():
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _char_classes(codes: np.ndarray, comma_point: bool) -> np.ndarray:
    """The automaton's class of every character code (NUL, the cell separator, has its own)."""
    if codes.dtype == np.uint8:
        cls = _ASCII_CLASS[codes]
    else:
        ascii_ = codes < 128
        cls = np.full(codes.shape, _C_OTHER, dtype=np.uint8)
        cls[ascii_] = _ASCII_CLASS[codes[ascii_]]
        # Beyond ASCII only digits (float() reads every Unicode decimal digit) and white space count.
        wide, where = np.unique(codes[~ascii_], return_inverse=True)
        wide_cls = [
            _C_DIGIT if chr(c).isdecimal() else _C_SPACE if chr(c).isspace() else _C_OTHER
            for c in wide.tolist()
        ]
        cls[~ascii_] = np.array(wide_cls, dtype=np.uint8)[where]
    if comma_point:
        cls[codes == ord(",")] = _C_POINT
    return cls


# Texts short enough to look up: of one or two ASCII characters (cells like "x", "1", "NA"), or of
# three or four of the characters numbers are made of ("1.25", "-0.5"). A 5 MB file of such cells
# holds the most cells, and a lookup costs nothing per cell in Python.
_SYMBOLS = "0123456789.-+,eE"
_SYMBOL_OF = np.full(128, len(_SYMBOLS), dtype=np.intp)
_SYMBOL_OF[[ord(c) for c in _SYMBOLS]] = np.arange(len(_SYMBOLS))
_ASCII_PAIRS = 128 + 128 * 128  # indices of the texts of one or two ASCII characters
_THREE = len(_SYMBOLS) ** 3


def _short_texts() -> list[str]:
    """The text at each index of the lookup table (NUL, which no cell holds, as an empty text)."""
    s = _SYMBOLS
    texts = [chr(a) for a in range(128)] + [chr(a) + chr(b) for a in range(128) for b in range(128)]
    texts += [s[i] + s[j] + s[k] for k in range(16) for j in range(16) for i in range(16)]
    texts += [
        s[i] + s[j] + s[k] + s[m] for m in range(16) for k in range(16) for j in range(16) for i in range(16)
    ]
    return ["" if "\x00" in t else t for t in texts]


@functools.cache
def _short_values(comma_point: bool) -> np.ndarray:
    """``_number`` of every text of the lookup table (NaN where it is none)."""
    texts = _short_texts()
    delimiter = ";" if comma_point else ","
    number = _scan(texts, delimiter, lookup=False).number
    values = np.full(len(texts), np.nan)
    values[number] = [float(t.strip().replace(",", ".")) for t in compress(texts, number.tolist())]
    return values


class _Scan(NamedTuple):
    number: np.ndarray  # whether _number(text, delimiter) is a number (not set where short >= 0)
    padded: np.ndarray  # whether strip() would change the text
    lengths: np.ndarray
    short: np.ndarray  # index into _short_values, or -1


def _scan(texts: list[str], delimiter: str, *, lookup: bool = True) -> _Scan:
    # One string for all texts, NUL-separated (the file has no NUL): the lengths come from the
    # separators' positions, without a Python call per text.
    codes = _char_codes("\x00".join(texts))
    cls = _char_classes(codes, delimiter != ",")
    sep = np.flatnonzero(cls == _C_NUL)
    starts = np.concatenate(([0], sep + 1))
    lengths = np.concatenate((sep, [cls.size])) - starts
    filled = np.flatnonzero(lengths > 0)
    first, last = starts[filled], starts[filled] + lengths[filled] - 1
    padded = np.zeros(len(texts), dtype=bool)
    padded[filled] = (cls[first] == _C_SPACE) | (cls[last] == _C_SPACE)
    short = np.full(len(texts), -1, dtype=np.intp)
    if lookup:
        size = lengths[filled]
        pair = (size <= 2) & (codes[first] < 128) & (codes[last] < 128)
        c0, c1 = codes[first[pair]].astype(np.intp), codes[last[pair]]
        short[filled[pair]] = np.where(size[pair] == 1, c0, 128 + 128 * c0 + c1)
        some = filled[(size == 3) | (size == 4)]
        if some.size:
            chars = codes[np.minimum(starts[some][:, None] + np.arange(4), codes.size - 1)]
            sym = np.where(chars < 128, _SYMBOL_OF[np.minimum(chars, 127)], len(_SYMBOLS))
            four = lengths[some] == 4
            sym[:, 3] = np.where(four, sym[:, 3], 0)
            ok = (sym < len(_SYMBOLS)).all(axis=1)
            key = sym[:, 0] + 16 * sym[:, 1] + 256 * sym[:, 2] + np.where(four, _THREE + 4096 * sym[:, 3], 0)
            short[some[ok]] = _ASCII_PAIRS + key[ok]
    number = np.zeros(len(texts), dtype=bool)
    long = np.flatnonzero(lengths > _SCAN_CHARS)
    for i in long.tolist():
        number[i] = _number(texts[i], delimiter) is not None
    # Longest first, so that the texts with more than k characters are a prefix of this order (a
    # stable sort of small integers is a radix sort: linear).
    order = filled[(short[filled] < 0) & (lengths[filled] <= _SCAN_CHARS)]
    if order.size:
        order = order[np.argsort((_SCAN_CHARS - lengths[order]).astype(np.uint16), kind="stable")]
        lens = lengths[order]
        begin = starts[order]
        running = np.searchsorted(-lens, -np.arange(lens[0]), side="left")
        state = np.zeros(order.size, dtype=np.intp)
        for k, m in enumerate(running.tolist()):
            state[:m] = _FLAT_TRANSITIONS[state[:m] * _N_CLASSES + cls[begin[:m] + k]]
        number[order] = _ACCEPTING[state]
    return _Scan(number, padded, lengths, short)


def _numbers(texts: list[str], delimiter: str) -> tuple[np.ndarray, np.ndarray]:
    """``(values, padded)``: the number in each text (NaN where there is none) as ``_number`` reads
    it, and whether strip() would change the text."""
    values = np.full(len(texts), np.nan)
    padded = np.zeros(len(texts), dtype=bool)
    memo: dict[str, float] = {}
    # Chunks keep the per-character arrays at a few MB whatever the file.
    for lo in range(0, len(texts), _CHUNK_CELLS):
        part = texts[lo : lo + _CHUNK_CELLS]
        scan = _scan(part, delimiter)
        padded[lo : lo + len(part)] = scan.padded
        short = np.flatnonzero(scan.short >= 0)
        values[lo + short] = _short_values(delimiter != ",")[scan.short[short]]
        where = np.flatnonzero(scan.number)
        if where.size == 0:
            continue
        picked = list(compress(part, scan.number.tolist()))
        if scan.padded[where].any():  # float() strips less than _number's strip() (\x1c … \x1f)
            picked = list(map(str.strip, picked))
        if delimiter != ",":  # a comma in a number is its decimal point (see _number)
            picked = "\x00".join(picked).replace(",", ".").split("\x00")
        # float() costs ~0.25 µs a call. Short numbers (a few thousand distinct texts at most, however
        # many cells repeat them) are converted once each; longer ones, rarely repeated, directly.
        brief = scan.lengths[where] <= _MEMO_CHARS
        few = list(compress(picked, brief.tolist()))
        memo.update((t, float(t)) for t in set(few).difference(memo))
        out = np.empty(len(picked))
        out[brief] = np.fromiter(map(memo.__getitem__, few), dtype=float, count=len(few))
        many = list(compress(picked, (~brief).tolist()))
        out[~brief] = np.fromiter(map(float, many), dtype=float, count=len(many))
        values[lo + where] = out
    return values, padded
