"""What the `vaultnet` program (launch.py) and a watch answering it (resident.py) agree on."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import socket

SOCKET = "serve.sock"  # in the vault's .vaultnet/
ACCEPTED = b"+"  # the watch's first byte: it read the request and is at work on it
PROTOCOL = 1  # a request or an answer of another version is not understood: the command runs itself
# Commands a watch may answer (it checks again, with the whole command line parsed).
READING = frozenset({"search", "show", "backlinks", "links", "due", "ledger", "orphans", "news",
                     "references", "who", "intro"})
# The environment a command's answer depends on, sent with the request.
ENVIRONMENT = ("VAULTNET_TODAY", "VAULTNET_VAULT")


def same_user(conn: socket.socket) -> bool:
    """Whether the process at the other end of `conn` is this user's. Where the OS does not say
    (no SO_PEERCRED: not Linux), the socket file's owner-only mode and owner are the guard."""
    import socket
    import struct

    peercred = getattr(socket, "SO_PEERCRED", None)
    if peercred is None:
        return True
    _, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, peercred, struct.calcsize("3i")))
    return uid == os.getuid()
