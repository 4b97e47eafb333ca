"""The vault on disk and what spans its notes: files, config, link resolution, contributions."""

from __future__ import annotations

__all__ = ["Config", "ScanResult", "Stat", "Vault", "find_vault", "init_vault"]


def __getattr__(name: str):
    # Imported when asked for, not with the package: the `vaultnet` program forks its scan
    # ahead (scan_ahead.py) before it has loaded the folder's modules, config and settings.
    if name == "Config":
        from .config import Config

        return Config
    if name in __all__:
        from . import folder

        return getattr(folder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
