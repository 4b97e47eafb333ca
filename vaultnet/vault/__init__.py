"""The vault on disk and what spans its notes: files, config, link resolution, contributions.

The names below are imported on first use, not with the package: a one-shot command's fork
(scan_ahead.py) imports this package's walk before the program has read any settings, and the
config's modules (TOML, dataclasses, pathlib) cost it 30 ms it would otherwise wait for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import Config
    from .folder import ScanResult, Stat, Vault, find_vault, init_vault

__all__ = ["Config", "ScanResult", "Stat", "Vault", "find_vault", "init_vault"]


def __getattr__(name: str) -> Any:
    if name == "Config":
        from .config import Config

        return Config
    if name in __all__:
        from . import folder

        return getattr(folder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
