"""The `vaultnet` program: a running `vaultnet watch` answers reading commands, else this process does.

A command run on its own spends most of its time before it answers: starting
Python, importing click and the index, loading 10,000 people's sums from disk
(bench/README.md). `vaultnet watch` has all of that in memory already, so it
also listens on a socket in the vault's `.vaultnet/` (cli/resident.py), and
this module, which imports nothing of vaultnet's beyond the standard library,
hands it the command line first. The watch runs the same command through the
same click group on the same index, after the same sync, so the bytes are those
the command would have printed itself. It declines what it cannot answer as
this process would (see `resident.can_answer`); then, and on any trouble at
all (no watch, a stale socket, a watch killed mid-answer, garbage), this
process runs the command itself. No output is written before the whole answer
has arrived, so nothing is ever printed twice.

Only piped output is asked for: on a terminal the tables are drawn by rich for
that terminal, and a person at a terminal does not notice a tenth of a second.
`VAULTNET_NO_SERVER=1` never asks.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import TYPE_CHECKING

from .protocol import ACCEPTED, ENVIRONMENT, PROTOCOL, READING, SOCKET, same_user

if TYPE_CHECKING:
    import socket

CONNECT_SECONDS = 1.0
# The watch says it took the request (ACCEPTED) as soon as it has read it; a watch that does
# not (stopped with Ctrl-Z, say, or busy with many askers) is not waited for.
ACCEPT_SECONDS = 3.0
# Then the answer: a reading command waits a few seconds for the index (the watch may be
# finishing a batch of a `git checkout` first) and a long list takes a while to write.
ANSWER_SECONDS = 120.0


def main() -> None:
    code = ask(sys.argv[1:])
    if code is None:
        if _scans_first(sys.argv[1:]):
            from ..vault import scan_ahead

            scan_ahead.start(_option(sys.argv[1:], "--vault"), os.environ.get("VAULTNET_VAULT"),
                             _after_the_walk(sys.argv[1:]))
        from . import _load, base

        _load()
        base.main()
    else:
        sys.exit(code)


def ask(argv: list[str]) -> int | None:
    """The exit code of `argv` answered by a running watch, its output written; None if not answered."""
    if os.environ.get("VAULTNET_NO_SERVER") or _isatty(1):
        return None
    try:
        answer = request(argv)
    except Exception:  # anything at all (no AF_UNIX here, a removed working folder): run it here
        return None
    if answer is None:
        return None
    code, chunks = answer
    try:
        for fd, data in chunks:
            stream = sys.stdout if fd == 1 else sys.stderr
            stream.buffer.write(data)
            stream.flush()
    except BrokenPipeError:  # the reader has all it wanted (`vaultnet due | head`): not an error
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        except OSError:
            pass
        return 0
    except OSError as exc:  # a full disk, say: what the command says of it when it writes itself
        from ..errors import os_error_message

        try:
            sys.stderr.write(f"Error: {os_error_message(exc)}\n")
            sys.stderr.flush()
        except OSError:
            pass
        return 1
    return code


def request(argv: list[str], cwd: str | None = None, env: dict[str, str] | None = None) -> \
        tuple[int, list[tuple[int, bytes]]] | None:
    """(exit code, [(1 or 2, bytes), ...] in the order written) from the watch serving the vault
    `argv` is about, or None: no such watch, it declined, or anything went wrong."""
    cwd = cwd if cwd is not None else os.getcwd()
    env = env if env is not None else dict(os.environ)
    if _command(argv) not in READING:
        return None
    path = socket_path(argv, cwd, env)
    if path is None or os.stat(path).st_uid != os.getuid():
        return None  # no watch; or a socket someone else made: not trusted
    import socket  # only now: its enums cost a one-shot command 2 ms when no watch runs

    if not hasattr(socket, "AF_UNIX"):
        return None  # no Unix sockets here
    body = {
        "protocol": PROTOCOL, "argv": argv, "cwd": cwd,
        "env": {k: env[k] for k in ENVIRONMENT if k in env},
        # The date here: the watch's own may differ (another time zone, or midnight since).
        "today": time.strftime("%Y-%m-%d"),
        "streams": [_encoding(sys.stdout), _encoding(sys.stderr)],
    }
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(CONNECT_SECONDS)
            conn.connect(path)
            if not same_user(conn):
                return None
            conn.sendall(json.dumps(body).encode() + b"\n")
            conn.shutdown(socket.SHUT_WR)
            conn.settimeout(ACCEPT_SECONDS)
            if conn.recv(1) != ACCEPTED:
                return None
            conn.settimeout(ANSWER_SECONDS)
            reply = _read_all(conn)
    except (OSError, ValueError):
        return None
    return parse_reply(reply)


def parse_reply(reply: bytes) -> tuple[int, list[tuple[int, bytes]]] | None:
    """The answer in `reply` (a JSON header line, then the output's bytes), or None if it is not whole."""
    head, sep, data = reply.partition(b"\n")
    if not sep:
        return None
    try:
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("protocol") != PROTOCOL or not header.get("answered"):
            return None
        code = header["code"]
        sizes = header["chunks"]
        if not isinstance(code, int) or not all(
                isinstance(c, list) and len(c) == 2 and c[0] in (1, 2) and isinstance(c[1], int) and c[1] >= 0
                for c in sizes):
            return None
    except (ValueError, KeyError, TypeError):
        return None
    if sum(size for _, size in sizes) != len(data):  # cut short: the watch died mid-answer
        return None
    chunks, at = [], 0
    for fd, size in sizes:
        chunks.append((fd, data[at : at + size]))
        at += size
    return code, chunks


def socket_path(argv: list[str], cwd: str, env: dict[str, str]) -> str | None:
    """Where the watch of the vault `argv` names would listen: --vault, else VAULTNET_VAULT, else
    the nearest folder up from `cwd` with one. The watch checks that the command really is about
    its vault (vault/folder.py's find_vault), so a guess here costs a refusal, never a wrong answer."""
    given = _option(argv, "--vault") or env.get("VAULTNET_VAULT")
    if given:
        folder = os.path.join(cwd, os.path.expanduser(given))
        path = os.path.join(folder, ".vaultnet", SOCKET)
        return path if os.path.exists(path) else None
    here = os.path.abspath(cwd)
    while True:
        path = os.path.join(here, ".vaultnet", SOCKET)
        if os.path.exists(path):
            return path
        up = os.path.dirname(here)
        if up == here:
            return None
        here = up


# The group's options that take a value (cli/base.py); the others are flags.
_VALUED = ("--vault", "--today")


def _command(argv: list[str]) -> str | None:
    """The command's name: the first word that is not a group option or its value."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--" or not arg.startswith("-"):
            return None if arg == "--" else arg
        i += 2 if arg in _VALUED else 1
    return None


def _scans_first(argv: list[str]) -> bool:
    """Whether the command starts with a scan of the whole vault that a fork can walk meanwhile
    (vault/scan_ahead.py): a reading one, synced first."""
    words = argv[: argv.index("--")] if "--" in argv else argv
    return _command(argv) in READING and "--no-sync" not in words and "--help" not in words


def _after_the_walk(argv: list[str]):
    """What the walking fork does next: a `search` runs its query (index/search_ahead.py)."""
    query = _search_query(argv)
    if query is None:
        return None
    from ..index import search_ahead

    return search_ahead.in_fork(query)


# `search`'s options (cli/vault_commands.py) and its defaults.
_SEARCH_TYPES = ("person", "org", "note", "any")
_SEARCH_LIMIT = 20


def _search_query(argv: list[str]) -> tuple | None:
    """(text, kind or None, limit) of a `search` command line, read as click will read it in its
    plain forms; None for another command, or for a line read otherwise (`--help`, a flag this
    does not know). A query read wrong costs time, never an answer: the command takes the fork's
    hits only for the query click gave it."""
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "--":
        i += 2 if argv[i] in _VALUED else 1
    if i >= len(argv) or argv[i] != "search":
        return None
    text, kind, limit = None, "any", _SEARCH_LIMIT
    rest, j = argv[i + 1 :], 0
    while j < len(rest):
        arg = rest[j]
        if arg == "--":
            if text is not None or len(rest) != j + 2:
                return None
            text = rest[j + 1]
            break
        name, eq, value = arg.partition("=")
        if arg == "--json":
            j += 1
        elif name in ("--type", "--limit"):
            if not eq:
                if j + 1 >= len(rest):
                    return None
                value = rest[j + 1]
            j += 1 if eq else 2
            if name == "--type":
                kind = value
            elif value.isdigit():
                limit = int(value)
            else:
                return None
        elif arg.startswith("-") and arg != "-" or text is not None:
            return None
        else:
            text = arg
            j += 1
    if text is None or kind not in _SEARCH_TYPES or limit < 1:
        return None
    return text, None if kind == "any" else kind, limit


def _option(argv: list[str], name: str) -> str | None:
    """The last value of option `name`, as click takes it."""
    found = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == name and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith(name + "="):
            found = arg[len(name) + 1 :]
    return found


def _read_all(conn: socket.socket) -> bytes:
    parts: list[bytes] = []
    while True:
        data = conn.recv(1 << 20)
        if not data:
            return b"".join(parts)
        parts.append(data)


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def _encoding(stream) -> list[str]:
    return [getattr(stream, "encoding", None) or "utf-8", getattr(stream, "errors", None) or "strict"]
