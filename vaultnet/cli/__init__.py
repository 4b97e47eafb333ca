"""The command line: the only package that talks to the terminal.

`base` holds the group, the error boundary and the output helpers; each
`*_commands` module adds its commands to the group when imported.
"""

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
from .base import cli, main

__all__ = ["cli", "main"]


if __name__ == "__main__":
    main()
