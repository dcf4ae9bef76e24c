"""The command line's output files (``named``), checked before any work starts so that a refusal
costs nothing: the directory must exist, a directory is not a file, an existing file is kept unless
the caller forced it, and the file must be creatable. Then ``writing`` turns what can still go wrong
while writing (a full disk, a path taken away meanwhile) into the same one-line error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

# The flags of ``gdviz run`` and ``gdviz render`` that name a file, in the order they are written.
FILE_FLAGS = ("gif", "mp4", "html", "png", "csv", "json")


def npz(path: str) -> str:
    return path if path.endswith(".npz") else path + ".npz"  # what np.savez writes


def named(args) -> list[tuple[str, str]]:
    """Every file a command's parsed arguments will write, as (flag, path); of a torchrun job only
    rank 0 writes (``gdviz distributed --out``)."""
    found = [(f"--{k}", getattr(args, k)) for k in FILE_FLAGS if getattr(args, k, None)]
    if getattr(args, "out", None) and os.environ.get("RANK", "0") == "0":
        found.append(("--out", npz(args.out)))
    return found


def _cannot(flag: str, path: str, err: OSError) -> ValueError:
    return ValueError(f"{flag} {path}: cannot be written ({err.strerror or err})")


def _probe(flag: str, path: str, exists: bool) -> None:
    """Open the file as the writer will, without changing it: root passes every permission test
    (os.access) yet cannot create a file in /sys or a read-only mount."""
    try:
        if exists:
            # non-blocking: opening a FIFO for writing would otherwise wait for a reader
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK))
        else:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            os.unlink(path)
    except OSError as err:
        raise _cannot(flag, path, err) from None


def check(outputs: Sequence[tuple[str, str]], *, force: bool) -> None:
    """Raise ValueError, naming the flag and the file, unless every ``(flag, path)`` can be written:
    in an existing directory, not a directory, new unless ``force``, and not named twice."""
    seen: dict[Path, str] = {}
    for flag, path in outputs:
        p = Path(path)
        if p.is_dir():
            raise ValueError(f"{flag} {path}: is a directory, name a file in it")
        parent = p.parent
        if not parent.is_dir():
            if parent.exists():
                raise ValueError(f"{flag} {path}: {parent} is not a directory")
            raise ValueError(f"{flag} {path}: the directory {parent} does not exist (create it first)")
        same = seen.get(p.resolve())
        if same is not None:
            raise ValueError(f"{same} and {flag} name the same file {path}: give each its own")
        seen[p.resolve()] = flag
        exists = os.path.lexists(p)
        if exists and not force:
            raise ValueError(f"{flag} {path}: the file exists; pass --force to overwrite it")
        _probe(flag, path, exists)


@contextmanager
def writing(flag: str, path) -> Iterator[None]:
    """Turn an OSError of writing ``path`` into a one-line ValueError naming it."""
    try:
        yield
    except OSError as err:
        raise _cannot(flag, str(path), err) from None


__all__ = ["FILE_FLAGS", "check", "named", "npz", "writing"]
