"""The vault on disk and what spans its notes: files, config, link resolution, contributions."""

from .config import Config
from .folder import ScanResult, Stat, Vault, find_vault, init_vault

__all__ = ["Config", "ScanResult", "Stat", "Vault", "find_vault", "init_vault"]
