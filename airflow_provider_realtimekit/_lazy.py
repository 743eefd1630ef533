"""Names a package exports but imports on first use, so a DAG file that imports one class pays for no more.

A package lists where each public name lives and hands the module-level ``__getattr__`` (PEP 562) and
``__dir__`` made here to its namespace; the first lookup of a name imports its home module and stores the
value in the package, so later lookups never reach ``__getattr__`` again.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, homes: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """
    The ``__getattr__`` and ``__dir__`` of a package whose names are imported on first use.

    :param package: the package's ``__name__``.
    :param homes: each public name and the module it lives in, relative to the package (``".endpoints"``).
    :param namespace: the package's ``globals()``, where each value is stored once imported.
    """

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            # Also how `from package import submodule` finds a submodule not yet imported.
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home, package), name)
        namespace[name] = value  # later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted([*namespace, *homes])

    return __getattr__, __dir__
