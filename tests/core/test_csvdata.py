"""gdviz.problems.data.csv: reading uploaded CSV files and choosing target and features."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdviz.problems.data.csv import ERROR_CODES, MAX_COLUMNS, TASKS, CsvError, Table, read_csv, select

HEIGHTS = b"height,weight,sex,name\n1.70,60,m,Ann\n1.60,50,f,Bob\n1.80,80,m,Cy\n1.65,55,f,Di\n"


def _error(data: bytes, **kwargs) -> CsvError:
    with pytest.raises(CsvError) as info:
        read_csv(data, **kwargs)
    assert info.value.code in ERROR_CODES
    return info.value


def test_reads_a_plain_file():
    t = read_csv(b"a,b,c\n1,2,3\n4,5,6.5\n-7,8e2,9\n")
    assert isinstance(t, Table)
    assert t.columns == ("a", "b", "c") and t.delimiter == "," and t.encoding == "utf-8" and t.header
    np.testing.assert_array_equal(t.values, [[1, 2, 3], [4, 5, 6.5], [-7, 800, 9]])
    assert t.values.dtype == np.float64 and not t.values.flags.writeable
    assert t.n_rows == 3 and t.numeric_columns == ("a", "b", "c") and dict(t.issues) == {}
    np.testing.assert_array_equal(t.lines, [2, 3, 4])
    np.testing.assert_array_equal(t.column("b"), [2, 5, 8e2])


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("\ufeffx,y\n1,2\n3,4\n".encode(), "utf-8-sig"),
        ("x,y\n1,2\n3,4\n".encode("utf-16"), "utf-16"),
        ("x,y\n1,2\n3,4\n".encode("utf-32"), "utf-32"),
        ("Größe,y\n1,2\n3,4\n".encode("cp1252"), "cp1252"),
        ("Größe,y\n1,2\n3,4\n".encode(), "utf-8"),
    ],
)
def test_encodings(data, encoding):
    t = read_csv(data)
    assert t.encoding == encoding
    assert t.columns[1] == "y" and t.columns[0] in ("x", "Größe")
    np.testing.assert_array_equal(t.values, [[1, 2], [3, 4]])


def test_bom_does_not_end_up_in_the_first_name():
    t = read_csv("\ufeffheight;weight\n1;2\n3;4\n".encode())
    assert t.columns == ("height", "weight")


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a;b\n1;2\n3;4\n", ";"),
        ("a\tb\n1\t2\n3\t4\n", "\t"),
        ("a|b\n1|2\n3|4\n", "|"),
        ('"a,1";b\n1;2\n3;4\n', ";"),
        ("a,b\r\n1,2\r\n3,4\r\n", ","),
        ("a,b\r1,2\r3,4\r", ","),
    ],
)
def test_delimiters(text, delimiter):
    t = read_csv(text.encode())
    assert t.delimiter == delimiter and len(t.columns) == 2
    np.testing.assert_array_equal(t.values, [[1, 2], [3, 4]])


def test_semicolons_with_decimal_commas():
    t = read_csv(b"x;y\n1,5;2\n-2,25;3,0\n")
    np.testing.assert_array_equal(t.values, [[1.5, 2.0], [-2.25, 3.0]])


def test_blank_lines_spaces_and_quotes():
    t = read_csv(b'\n a , "b" \n\n 1 , "2"\n,\n3,4\n\n')
    assert t.columns == ("a", "b")
    np.testing.assert_array_equal(t.values, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(t.lines, [4, 6])


def test_headerless_file_gets_column_names():
    t = read_csv(b"1,2\n3,4\n")
    assert not t.header and t.columns == ("column 1", "column 2")
    np.testing.assert_array_equal(t.values, [[1, 2], [3, 4]])


@pytest.mark.parametrize(
    ("data", "kwargs", "code", "message"),
    [
        (b"", {}, "empty", "the file is empty"),
        (b" \n\n\t\n", {}, "empty", "the file is empty"),
        (b"a,b\n" + b"1,2\n" * 20, {"max_bytes": 50}, "too_large", "84 bytes; at most 50 bytes"),
        (b"a,b\n" + b"1,2\n" * 11, {"max_rows": 10}, "too_many_rows", "more than 10 data rows"),
        (b"1,2\n" * 11, {"max_rows": 10}, "too_many_rows", "more than 10 data rows"),
        (b"a,b\n1,2\n", {}, "too_few_rows", "1 data row; at least 2"),
        (b"a,b\n", {}, "too_few_rows", "0 data rows"),
        (b"a\n1\n2\n", {}, "delimiter", "could not find the delimiter: the first line 'a'"),
        (b"a b\n1 2\n3 4\n", {}, "delimiter", "comma, semicolon, tab or vertical bar"),
        (b"a,b\n1,2\n3,4,5\n", {}, "ragged", "line 3 has 3 values but the header has 2 columns"),
        (b"a;b\n1;2\n3\n", {}, "ragged", "line 3 has 1 values but the header has 2 columns (semicolon"),
        (b"a,a\n1,2\n3,4\n", {}, "duplicate_header", "two columns 'a' (columns 1 and 2)"),
        (b"a, ,c\n1,2,3\n4,5,6\n", {}, "blank_header", "column 2 has no name"),
        (b"a,b\nx,y\nz,w\n", {}, "non_numeric", "column 'a' has a value that is not a number on line 2: 'x'"),
        (b"a,b\n1,\n,2\n", {}, "missing", "column 'a' has a missing value on line 3"),
        (bytes(range(256)), {}, "encoding", "not UTF-8"),
        ("a,b\n1,2\n".encode("utf-16-le"), {}, "not_text", "UTF-16 without a byte-order mark"),
        (b"a,b\n1,2\x07\n3,4\n", {}, "not_text", "control character"),
        (b"\xff\xfea\x00,", {}, "encoding", "starts like UTF-16"),
        (
            ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)).encode() + b"\n",
            {},
            "too_many_columns",
            "at most",
        ),
        (b'a,b\n1,"' + b"9" * 200_000 + b'"\n', {}, "malformed", "line 2 could not be read"),
    ],
)
def test_file_errors(data, kwargs, code, message):
    err = _error(data, **kwargs)
    assert err.code == code and code in ERROR_CODES
    assert message in str(err)


def test_a_full_size_file_reads_in_reasonable_time():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(100_000, 4)).round(6)
    text = "a,b,c,d\n" + "\n".join(",".join(map(repr, row)) for row in data.tolist())
    assert len(text) <= 5_000_000
    t0 = time.perf_counter()
    t = read_csv(text.encode())
    elapsed = time.perf_counter() - t0
    np.testing.assert_array_equal(t.values, data)
    # A safety bound, not a benchmark: about 0.4 s on the 2-core dev machine.
    assert elapsed < 5.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="must be the file's bytes"):
        read_csv("a,b\n1,2\n3,4\n")
    with pytest.raises(ValueError, match="max_rows must be ≥ 2"):
        read_csv(b"a,b\n1,2\n", max_rows=1)


def test_columns_with_problems_are_kept_and_reported_on_selection():
    t = read_csv(b"a,b,c,d,e\n1,,x,inf,1\n3,4,y,2,2\n5,6,z,3,N/A\n")
    assert t.numeric_columns == ("a",)
    assert {k: v.code for k, v in t.issues.items()} == {
        "b": "missing",
        "c": "non_numeric",
        "d": "not_finite",
        "e": "missing",
    }
    assert np.isnan(t.column("b")[0]) and np.isnan(t.column("d")[0])
    assert t.text["c"] == ("x", "y", "z")
    for col, code, line in [
        ("b", "missing", 2),
        ("c", "non_numeric", 2),
        ("d", "not_finite", 2),
        ("e", "missing", 4),
    ]:
        with pytest.raises(CsvError) as info:
            select(t, "a", col)
        err = info.value
        assert (err.code, err.line, err.column) == (code, line, col)
        assert (
            f"column {col!r}" in str(err)
            and f"line {line}" in str(err)
            and "cannot be the feature" in str(err)
        )
    with pytest.raises(CsvError, match="cannot be the regression target") as info:
        select(t, "c", "a")
    assert info.value.code == "non_numeric"


def test_decimal_comma_in_a_comma_file_gets_a_hint():
    t = read_csv(b'a,b\n"1,5",2\n3,4\n')
    assert "use a dot as the decimal separator" in str(t.issues["a"])


def test_select_regression_and_standardize():
    t = read_csv(HEIGHTS)
    X, y, info = select(t, "weight", ["height"])
    np.testing.assert_array_equal(X, [[1.70], [1.60], [1.80], [1.65]])
    np.testing.assert_array_equal(y, [60, 50, 80, 55])
    assert info["task"] == "regression" and info["classes"] is None and not info["standardized"]
    assert info["features"] == ("height",) and info["target"] == "weight" and info["n_samples"] == 4
    np.testing.assert_allclose(info["mean"], [1.6875])
    Z, y2, info2 = select(t, "weight", "height", standardize=True)
    np.testing.assert_allclose(Z[:, 0], (X[:, 0] - 1.6875) / np.std(X[:, 0]), rtol=1e-12)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(info2["std"], np.std(X[:, 0]))
    np.testing.assert_array_equal(y2, y)
    assert info2["standardized"]
    # The table is not modified.
    np.testing.assert_array_equal(t.column("height"), [1.70, 1.60, 1.80, 1.65])


def test_select_classification_with_text_and_numeric_labels():
    t = read_csv(HEIGHTS)
    X, y, info = select(t, "sex", ["height", "weight"], task="classification")
    assert X.shape == (4, 2)
    np.testing.assert_array_equal(y, [1, 0, 1, 0])
    assert info["classes"] == ("f", "m")  # f → 0, m → 1
    t2 = read_csv(b"x,label\n1,-1\n2,1\n3,1\n")
    _, y2, info2 = select(t2, "label", "x", task="classification")
    np.testing.assert_array_equal(y2, [0, 1, 1])
    assert info2["classes"] == (-1.0, 1.0)


@pytest.mark.parametrize(
    ("data", "target", "features", "task", "code", "message"),
    [
        (
            HEIGHTS,
            "name",
            "height",
            "classification",
            "classes",
            "exactly two distinct values; column 'name' has 4",
        ),
        (HEIGHTS, "weight", "height", "classification", "classes", "has 4: 50, 55, 60, 80"),
        (
            b"x,k\n1,a\n2,\n3,b\n",
            "k",
            "x",
            "classification",
            "missing",
            "column 'k' has a missing value on line 3",
        ),
        (b"x,k\n1,1\n2,1\n3,1\n", "k", "x", "classification", "classes", "has 1: 1"),
        (b"x,y\n1,2\n1,3\n", "y", "x", "regression", "constant_column", "column 'x' has the same value (1)"),
        (b"x,y\n1,2\n2,2\n", "y", "x", "regression", "constant_column", "target 'y' has the same value (2)"),
        (
            HEIGHTS,
            "weight",
            "size",
            "regression",
            "unknown_column",
            "no column 'size'; the columns are 'height'",
        ),
        (HEIGHTS, "mass", "height", "regression", "unknown_column", "no column 'mass'"),
        (b"x,y\n1e-200,1\n2e-200,2\n", "y", "x", "regression", "bad_scale", "too tiny or too huge"),
        (b"x,y\n1e200,1\n-1e200,2\n", "y", "x", "regression", "bad_scale", "rescale it"),
        (HEIGHTS, "weight", ["height", "height"], "regression", "bad_features", "different columns"),
        (HEIGHTS, "weight", ["height", "weight"], "regression", "bad_features", "is the target"),
        (HEIGHTS, "weight", [], "regression", "bad_features", "one or two feature columns"),
        (HEIGHTS, "weight", ["height", "sex", "name"], "regression", "bad_features", "one or two"),
        (HEIGHTS, "weight", 3, "regression", "bad_features", "one or two"),
    ],
)
def test_selection_errors(data, target, features, task, code, message):
    t = read_csv(data)
    with pytest.raises(CsvError) as info:
        select(t, target, features, task=task)
    assert info.value.code == code and code in ERROR_CODES
    assert message in str(info.value)


def test_select_bad_arguments():
    t = read_csv(HEIGHTS)
    with pytest.raises(ValueError, match="unknown task 'clustering'; allowed: regression, classification"):
        select(t, "weight", "height", task="clustering")
    with pytest.raises(ValueError, match="standardize must be True or False"):
        select(t, "weight", "height", standardize="yes")
    with pytest.raises(ValueError, match="must be a Table"):
        select({"weight": [1]}, "weight", "height")


def _check_table(t: Table):
    assert isinstance(t, Table)
    n, k = t.values.shape
    assert n >= 2 and k == len(t.columns) >= 2 and t.values.dtype == np.float64
    assert len(set(t.columns)) == k and all(t.columns)
    assert t.lines.shape == (n,) and np.all(np.diff(t.lines) > 0)
    assert t.numeric_columns
    for name in t.numeric_columns:
        assert np.isfinite(t.column(name)).all()
    for name in t.issues:
        assert len(t.text[name]) == n


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_fuzz_arbitrary_bytes(data):
    try:
        t = read_csv(data)
    except CsvError as err:
        assert err.code in ERROR_CODES and str(err)
        return
    _check_table(t)


_CELLS = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
    st.integers(-5, 5).map(str),
    st.sampled_from(["", "NA", "x", "1,5", '"4"', " 7 ", "inf", "nan", "a b", '"', "é", "yes", "no"]),
)


def _rows(k: int):
    header = st.lists(
        st.sampled_from(["a", "b", "c", "d", "", " a", "x y", "1"]), min_size=k, max_size=k, unique=True
    )
    return st.tuples(header, st.lists(st.lists(_CELLS, min_size=k, max_size=k), max_size=8)).map(
        lambda hr: [hr[0], *hr[1]]
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    # Mostly rectangular files (to get past the header and reach the cells), sometimes ragged ones.
    st.one_of(
        st.integers(1, 4).flatmap(_rows), st.lists(st.lists(_CELLS, min_size=1, max_size=4), max_size=6)
    ),
    st.sampled_from([",", ";", "\t", "|", " "]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_fuzz_csv_like_text(rows, delimiter, newline, encoding):
    text = newline.join(delimiter.join(r) for r in rows)
    try:
        t = read_csv(text.encode(encoding, errors="replace"))
    except CsvError as err:
        assert err.code in ERROR_CODES and str(err)
        return
    _check_table(t)
    # Every possible selection either works or explains itself.
    for target in t.columns:
        for feature in t.columns:
            for task in ("regression", "classification"):
                try:
                    X, y, _ = select(t, target, feature, task=task, standardize=True)
                except CsvError as err:
                    assert err.code in ERROR_CODES
                    continue
                assert X.shape == (t.n_rows, 1) and y.shape == (t.n_rows,)
                assert np.isfinite(X).all() and np.isfinite(y).all()


# --- the vectorized number pass -------------------------------------------------------------------
# csvdata classifies and converts all cells at once (an automaton in NumPy, float() only on numbers);
# it must agree with the per-cell reference ``_number`` on every text, bit for bit.
from gdviz.problems.data import csv as csvdata  # noqa: E402
from gdviz.problems.data import numbers  # noqa: E402

_ALPHABET = [*"0١_.,eE+-iInNfFtTyYaAx ", "\xa0", "\u2003", "\t"]
_WORDS = ["inf", "infinity", "nan", "INFINITY", "-iNf", "1_0", "1e5", "1e_5", "_1", "1_", "1__0", ".5", "5.",
          "5.e3", ".e3", "1,5", ",5", "5,", "1,5e3", "-,5", "1.5,", "1,,5", " 1 ", "\xa01\xa0", "1 2", "١٢",
          "٣.٤e٥", "+inf", "-nan", "infinit", "in", "1e+5", "1e-5_0", "0x10", "NA", "é", "1e999", "-0",
          "\x1c1.25\x1f", "\x1d-7 "]  # fmt: skip


def _reference(texts, delimiter):
    return np.array([np.nan if (v := numbers._number(t, delimiter)) is None else v for t in texts])


def _check_numbers(texts, delimiter):
    values, padded = numbers._numbers(texts, delimiter)
    want = _reference(texts, delimiter)
    nan = np.isnan(want)
    bad = [texts[i] for i in np.flatnonzero(np.isnan(values) != nan)]
    assert not bad, f"number or not, delimiter {delimiter!r}: {bad[:10]}"
    ok = ~nan
    assert np.array_equal(values[ok].view(np.int64), want[ok].view(np.int64)), delimiter
    assert padded.tolist() == [t.strip() != t for t in texts]


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_number_pass_agrees_with_number_on_every_short_text(delimiter):
    import itertools

    texts = [""]
    for n in range(1, 4):
        texts += ["".join(p) for p in itertools.product(_ALPHABET, repeat=n)]
    texts += [chr(a) + chr(b) for a in range(1, 128) for b in range(1, 128)]  # the two-character table
    texts += _WORDS + [a + b for a in _WORDS for b in _WORDS]
    _check_numbers(texts, delimiter)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(st.sampled_from(_ALPHABET), max_size=12),
            st.lists(st.sampled_from(_WORDS), max_size=4).map("".join),
            st.floats(allow_nan=True).map(repr),
            st.text(max_size=8).filter(lambda t: "\x00" not in t),
        ),
        max_size=40,
    ),
    st.sampled_from([",", ";", "\t"]),
)
def test_number_pass_agrees_with_number_on_random_texts(texts, delimiter):
    _check_numbers(texts, delimiter)


@pytest.mark.parametrize("comma_point", [False, True])
def test_the_short_text_table_holds_what_number_reads(comma_point):
    # Every text of one or two ASCII characters, or three or four of 0-9 . - + , e E, is looked up.
    texts = numbers._short_texts()
    assert len(texts) == numbers._ASCII_PAIRS + 16**3 + 16**4
    delimiter = ";" if comma_point else ","
    want = _reference(texts, delimiter)
    got = numbers._short_values(comma_point)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    assert np.array_equal(got[ok].view(np.int64), want[ok].view(np.int64))
    _check_numbers([t for t in texts if t][::7], delimiter)  # and _numbers finds each at its index


def test_number_pass_on_long_texts_and_across_chunks(monkeypatch):
    # Past _SCAN_CHARS a text goes to _number itself; many cells are cut into chunks.
    long = ["1" * 300, "1" * 300 + "x", " " * 290 + "2.5", "9" * 400 + "e-400", "x" * 1000]
    _check_numbers(long + ["1", "x"] * 10, ",")
    monkeypatch.setattr(numbers, "_CHUNK_CELLS", 7)
    _check_numbers(long * 3 + _WORDS + ["1.25", "7", " 3 ", "4,5"] * 5, ";")


def _records_both_ways(text, delimiter, max_rows):
    def outcome(fn):
        try:
            return fn()
        except CsvError as err:
            return (err.code, str(err), err.line)

    fast = outcome(lambda: csvdata._records(text, delimiter, max_rows))
    real = csvdata._unquoted_lines
    try:
        csvdata._unquoted_lines = lambda _text: None  # the csv.reader loop
        slow = outcome(lambda: csvdata._records(text, delimiter, max_rows))
    finally:
        csvdata._unquoted_lines = real
    return fast, slow


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(["", " ", "1", "x", "  2.5", "a b", "\t", ",", ";"]), min_size=0, max_size=4
        ).map(lambda cells: ",".join(cells)),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.integers(2, 6),
)
def test_unquoted_fast_path_reads_what_csv_reader_reads(lines, newline, max_rows):
    text = newline.join(lines) + newline
    fast, slow = _records_both_ways(text, ",", max_rows)
    if isinstance(fast, tuple) and fast[0] is not None and not isinstance(fast[0], str):
        # csv.reader's skipinitialspace drops the spaces that begin a cell; every use strips them.
        (header, line), cells, lines_ = fast
        fast = ([c.lstrip(" ") for c in header], line), [c.lstrip(" ") for c in cells], lines_
    assert fast == slow


def test_unquoted_fast_path_leaves_quotes_and_huge_fields_to_csv_reader():
    assert csvdata._unquoted_lines('a,b\n"1",2\n') is None
    big = "a,b\n1," + "9" * 200_000 + "\n"
    assert csvdata._unquoted_lines(big) is None
    assert csvdata._unquoted_lines("a,b\r\n1,2\r3,4\n") == ["a,b", "1,2", "3,4", ""]


def test_a_huge_class_label_costs_no_fixed_width_array():
    # np.unique on the text column used to build a 100 000 × 100 000-character array (40 GB).
    label = "b" * 100_000
    data = ("x,k\n" + "".join(f"{i},{label if i == 7 else 'a'}\n" for i in range(100_000))).encode()
    t = read_csv(data)
    _, y, info = select(t, "k", "x", task="classification")
    assert info["classes"] == ("a", label) and y.sum() == 1 and y[7] == 1


def test_text_cells_are_kept_stripped():
    t = read_csv(b"x,k,m\n1,  a ,p\n2,b,q\n3,\xc2\xa0c,r\n")
    assert t.text["k"] == ("a", "b", "c") and t.text["m"] == ("p", "q", "r")


# --- choices: what a page can offer -----------------------------------------------------------------------
def _accepted(t, target, features, task):
    try:
        select(t, target, features, task=task)
    except CsvError:
        return False
    return True


def _check_choices(t):
    from gdviz.problems.data.csv import choices
    from gdviz.problems.regression import linear_regression_from_data, logistic_regression_from_data

    ch = choices(t)
    assert set(ch.targets) == set(TASKS)
    for task in TASKS:
        for target in ch.targets[task]:
            others = [f for f in ch.features if f != target]
            assert others, (task, target)
            for feats in [[f] for f in others] + [others[:2]] * (len(others) >= 2):
                for standardize in (False, True):
                    X, y, _ = select(t, target, feats, task=task, standardize=standardize)
                    build = (
                        logistic_regression_from_data
                        if task == "classification"
                        else linear_regression_from_data
                    )
                    build(X, y)
    for name in t.columns:
        offered = name in ch.features or any(name in ch.targets[task] for task in TASKS)
        assert offered != (name in ch.refused), name
        if name in ch.refused:
            assert ch.refused[name].code in ERROR_CODES and str(ch.refused[name])
        # nothing select() accepts is withheld, but a regression target too huge or tiny to compute with
        for task in TASKS:
            for f in t.columns:
                if f != name and _accepted(t, name, [f], task):
                    assert f in ch.features, (task, name, f)
                    if name not in ch.targets[task]:
                        assert task == "regression", (name, f)
                        assert csvdata._feature_problem(t, name).code == "bad_scale", (name, f)


@pytest.mark.parametrize(
    "data",
    [
        HEIGHTS,
        b"x,name\n1,a\n2,b\n3,c\n",
        b"a,b\n1,2\n1,2\n1,2\n",
        b"a,b\n1,nan\n2,inf\n3,nan\n",
        b"x,label\n1,a\n2,b\n3,a\n",
        b"x,y\n1e200,1\n-1e200,2\n1,3\n",
        b"x,k\n1,a\n2,NA\n3,b\n",
    ],
)
def test_choices_offer_what_select_accepts(data):
    _check_choices(read_csv(data))


def test_choices_for_a_file_that_cannot_serve():
    from gdviz.problems.data.csv import choices

    ch = choices(read_csv(b"x,name\n1,a\n2,b\n3,c\n"))
    assert ch.features == ("x",) and ch.targets == {"regression": (), "classification": ()}
    assert ch.refused["name"].code == "non_numeric"
    constant = choices(read_csv(b"a,b\n1,2\n1,2\n1,2\n"))
    assert constant.features == () and set(constant.refused) == {"a", "b"}
    assert "same value (1) in every row" in str(constant.refused["a"])
    with pytest.raises(ValueError, match="must be a Table"):
        choices({"a": [1]})


def _choice_column(n: int):
    """A column of one kind: numbers, two values, text labels, constant, huge, or one bad cell."""
    ints = st.lists(st.integers(-5, 5).map(str), min_size=n, max_size=n)
    return st.one_of(
        ints,
        st.lists(st.sampled_from(["0", "1"]), min_size=n, max_size=n),
        st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n),
        st.lists(st.sampled_from(["a", "b", "c", " b "]), min_size=n, max_size=n),
        st.lists(st.sampled_from(["a", "NA", "-"]), min_size=n, max_size=n),  # labels and gaps
        st.just(["7"] * n),
        st.lists(st.sampled_from(["1e200", "-1e200", "1e-200", "2e-200"]), min_size=n, max_size=n),
        st.tuples(ints, st.sampled_from(["x", "NA", "inf", "", "nan"])).map(lambda c: [*c[0][:-1], c[1]]),
    )


def _choice_table(k: int, n: int):
    columns = st.lists(_choice_column(n), min_size=k, max_size=k)
    return columns.map(lambda cols: [list("abcd"[:k]), *map(list, zip(*cols, strict=True))])


@settings(max_examples=200, deadline=None)
@given(st.tuples(st.integers(2, 4), st.integers(2, 8)).flatmap(lambda kn: _choice_table(*kn)))
def test_fuzz_choices_offer_what_select_accepts(rows):
    try:
        t = read_csv("\n".join(",".join(r) for r in rows).encode())
    except CsvError:
        return
    _check_choices(t)


# --- sizes and names as messages say them --------------------------------------------------------
@pytest.mark.parametrize(
    ("n", "limit", "said"),
    [
        (5_000_004, 5_000_000, "the file has 5,000,004 bytes; at most 5,000,000 bytes"),  # 5.0 MB both
        (5_049_999, 5_000_000, "the file has 5,049,999 bytes; at most 5,000,000 bytes"),
        (6_000_000, 5_000_000, "the file has 6.0 MB; at most 5.0 MB"),
        (200_001, 50_000, "the file has 200,001 bytes; at most 50,000 bytes"),  # one under 0.1 MB
    ],
)
def test_a_size_against_its_limit_is_said_in_units_that_tell_them_apart(n, limit, said):
    from gdviz.problems.data.csv import sizes

    unit, size, lim = sizes(n, limit)
    assert f"the file has {size} {unit}; at most {lim} {unit}" == said
    data = b"a,b\n" + b"1,2\n" * ((n - 4) // 4)
    data += b"\n" * (n - len(data))
    assert len(data) == n
    assert said in str(_error(data, max_bytes=limit))


def test_a_long_column_name_is_quoted_cut():
    from gdviz.errors import QUOTE_CHARS

    name = "n" * 300
    err = _error(f"{name},{name}\n1,2\n3,4\n".encode())
    assert err.code == "duplicate_header" and name[: QUOTE_CHARS + 1] not in str(err)
    assert repr("n" * (QUOTE_CHARS - 1) + "…") in str(err)
    t = read_csv(f"{name},b\n1,2\n1,3\n".encode())
    with pytest.raises(CsvError) as info:
        select(t, "b", [name])
    assert name[: QUOTE_CHARS + 1] not in str(info.value) and "…" in str(info.value)
