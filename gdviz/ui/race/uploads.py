"""Uploaded files and the tables read from them, for the whole server, bounded in bytes.

A visitor's file is found again by its hash on later reruns (the upload widget's value lasts one
run); each file is at most 5 MB, its table at most ~20 MB.
"""

from __future__ import annotations

import hashlib

from gdviz import limits
from gdviz.problems.data import csv as csvdata
from gdviz.serve.cache import ByteCache
from gdviz.ui.i18n import t

UPLOADS = ByteCache("uploads", limits.CACHE_UPLOAD_BYTES, ttl=limits.CACHE_TTL_SECONDS)
TABLES = ByteCache("csv tables", 2 * limits.CACHE_UPLOAD_BYTES, ttl=limits.CACHE_TTL_SECONDS)


def remember_upload(data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()[:32]
    UPLOADS.put(sha, bytes(data))
    return sha


def _upload(sha: str) -> bytes:
    data = UPLOADS.get(sha)
    if data is None:
        raise ValueError(t("csv.gone"))
    return data


def _outcome(read):
    """``(value, None)`` or ``(None, CsvError)``: a refused file is remembered as refused, so that
    rerunning the page does not parse 5 MB of junk again."""
    try:
        return read(), None
    except csvdata.CsvError as err:
        return None, err


def read_table(sha: str) -> csvdata.Table:
    table, err = TABLES.get_or_make(("table", sha), lambda: _outcome(lambda: csvdata.read_csv(_upload(sha))))
    if err is not None:
        raise csvdata.CsvError(err.code, str(err), line=err.line, column=err.column)
    return table


def table_choices(sha: str) -> csvdata.Choices:
    return TABLES.get_or_make(("choices", sha), lambda: csvdata.choices(read_table(sha)))
