"""vaultnet: a professional network kept in plain Markdown files."""

__version__ = "0.1.0"
