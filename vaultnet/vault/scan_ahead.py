"""A one-shot command's scan of the vault, started in a process of its own before the program loads.

A reading command run on its own spends about 70 ms importing click and the index before its
sync first looks at the files; the scan (a stat of every note: 35-50 ms at 10,000 notes)
then runs on one core while the other idles. So the `vaultnet` program (cli/launch.py), as
soon as it knows it will run such a command itself, imports this package's modules and forks;
the fork finds the vault as the command will (find_vault), walks it and sends the walk down a
pipe, while the program imports the rest.

The sync of the program's index (index/store.py) takes that walk if it is of the same folder
read with the same settings, else walks itself: another vault, settings that changed in
between, a fork that died or sent something unreadable. So the walk is never other than the
command's own, only earlier: it sees the files as they were saved when the command started.
The fork never writes a file, prints nothing (its standard streams are /dev/null) and holds
none of the program's pipes, so a reader of the program's output never waits for it.
"""

from __future__ import annotations

import marshal
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .folder import ScanResult, Vault

_CHUNK = 1 << 20


class _Ahead:
    """The fork's pid and our end of its pipe, for the process that forked it."""

    def __init__(self, pid: int, fd: int):
        self.pid = pid
        self.fd = fd
        self.owner = os.getpid()  # a process forked from ours later must not read our pipe

    def read(self) -> bytes | None:
        """Everything the fork sent, once it has ended (reaped); None if it did not end well."""
        parts: list[bytes] = []
        whole = True
        try:
            while data := os.read(self.fd, _CHUNK):
                parts.append(data)
        except OSError:
            whole = False
        finally:
            os.close(self.fd)  # a fork still writing then ends on a broken pipe
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:  # reaped by someone else (SIGCHLD ignored): the bytes say it all
            status = 0
        return b"".join(parts) if whole and os.waitstatus_to_exitcode(status) == 0 else None


_pending: _Ahead | None = None


def start(vault_opt: str | None, env_vault: str | None) -> None:
    """Fork the walk of the vault `--vault vault_opt` / VAULTNET_VAULT / the working folder names.
    Where processes cannot fork (Windows), or on any trouble, nothing: the command walks itself."""
    global _pending
    if _pending is not None or not hasattr(os, "fork"):
        return
    # The walk's own modules (config, settings, the walk) are imported here, before the fork: the
    # program needs them anyway, and a fork that imported them itself took longer than the
    # program took to reach its scan (about 80 ms against 70 at 10,000 notes).
    from . import folder  # noqa: F401

    try:
        r, w = os.pipe()
    except OSError:
        return
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return
    if pid == 0:
        _walk_in_fork(r, w, vault_opt, env_vault)  # never returns
    os.close(w)
    _pending = _Ahead(pid, r)


def take(vault: Vault) -> ScanResult | None:
    """The walk forked for `vault`, if one was and it was of this folder with these settings;
    once: later scans are walked as they are asked for."""
    global _pending
    ahead, _pending = _pending, None
    if ahead is None:
        return None
    if ahead.owner != os.getpid():
        os.close(ahead.fd)  # our copy of the forking process's pipe; the fork is its to reap
        return None
    data = ahead.read()
    if data is None:
        return None
    try:
        root, fingerprint, files, too_large, problems, attachments = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None
    if root != str(vault.root) or fingerprint != vault.fingerprint():
        return None
    from .folder import ScanResult

    # The settings' own problems as this process read them (the fingerprint does not hold them).
    return ScanResult(files, too_large, [*vault.obsidian.problems, *problems], attachments)


def _walk_in_fork(r: int, w: int, vault_opt: str | None, env_vault: str | None) -> None:
    code = 1
    try:
        os.close(r)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # not the program's streams: `vaultnet due | head` waits for no one else
            os.dup2(devnull, fd)
        os.closerange(3, w)
        os.closerange(w + 1, 1 << 16)
        import gc

        gc.disable()  # a short walk that makes no cycles
        from pathlib import Path

        from .folder import Vault, find_vault

        vault = Vault(find_vault(vault_opt, env_vault, Path.cwd()))
        found = vault.walk()
        data = marshal.dumps((str(vault.root), vault.fingerprint(), found.files, found.too_large,
                              found.problems, found.attachments))
        view = memoryview(data)
        while view:
            view = view[os.write(w, view):]
        code = 0
    except BaseException:  # anything at all (no vault here, a bad config, Ctrl-C): the command says it
        pass
    finally:
        os._exit(code)
