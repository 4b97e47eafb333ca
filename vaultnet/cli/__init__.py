"""The command line: the only package that talks to the terminal.

`base` holds the group, the error boundary and the output helpers; each
`*_commands` module adds its commands to the group when imported. `launch` is
the `vaultnet` program itself: it first asks a running `vaultnet watch` for the
answer (`resident` is that side) and loads the commands only when it must, so
the group is imported on first use of `cli` or `main`, not with this package.
"""

from __future__ import annotations

from typing import Any

__all__ = ["cli", "main"]


def _load() -> None:
    from . import (  # noqa: F401
        assistant_commands,
        capture_commands,
        contact_commands,
        field_commands,
        follow_up_commands,
        moment_commands,
        network_commands,
        relationship_commands,
        vault_commands,
    )


def __getattr__(name: str) -> Any:
    if name in __all__:
        _load()
        from . import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":
    __getattr__("main")()
