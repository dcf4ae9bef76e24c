"""Problem registry: ``problem(name, **options)`` builds any registered objective."""

from __future__ import annotations

from collections.abc import Callable

from gdviz.errors import check_choice
from gdviz.problems.base import Problem

_REGISTRY: dict[str, Callable[..., Problem]] = {}


def register(name: str):
    """Decorator: register a factory ``f(**options) -> Problem`` under ``name``."""

    def deco(factory):
        _REGISTRY[name] = factory
        return factory

    return deco


def problem_names() -> list[str]:
    _load_all()
    return list(_REGISTRY)


def problem(name: str, **options) -> Problem:
    """Build the problem ``name`` with ``options``; ValueError for unknown names or options."""
    _load_all()
    check_choice("problem", name, _REGISTRY)
    return _REGISTRY[name](**options)


def _load_all():
    # Registration happens on import; importing here avoids an import cycle with the modules.
    from gdviz.problems import custom, functions, mlp, regression  # noqa: F401


__all__ = ["Problem", "problem", "problem_names", "register"]
