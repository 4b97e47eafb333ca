"""A one-shot command's scan of the vault, started in a process of its own before the program loads.

A reading command run on its own spends about 70 ms importing click and the index before its
sync first looks at the files; the scan (a stat of every note: 35-50 ms at 10,000 notes)
then runs on one core while the other idles. So the `vaultnet` program (cli/launch.py), as
soon as it knows it will run such a command itself, forks; the fork guesses the vault as the
command will find it, walks it with `os` alone (vault/walk.py: no settings read, every folder
listed) and sends the walk down a pipe, while the program imports the rest. The fork imports
nothing of the settings' modules (config, TOML, dataclasses, pathlib: about 30 ms), so its
walk starts that much sooner.

The sync of the program's index (index/store.py) takes that walk if it is of the same folder,
and applies the settings as the command read them (`Vault.settle`: excluded folders, excluded
files, the size limit), else walks itself: another vault, a fork that died or sent something
unreadable. So the walk is never other than the command's own, only earlier: it sees the
files as they were saved when the command started. The fork never writes a file, prints
nothing (its standard streams are /dev/null) and holds none of the program's pipes, so a
reader of the program's output never waits for it.

A command may give a second fork work of its own (`then`), beside the walk: `search` has it run
the query on the last commit (index/search_ahead.py), which the command takes if its sync left
that commit as it was. What a fork sends is framed with its length, so a message cut short (a
fork killed mid-write) is never taken for a whole one.
"""

from __future__ import annotations

import marshal
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from .folder import ScanResult, Vault

    # In a fork of its own: (the vault's root, send its one message) -> None.
    Then = Callable[[str, Callable[[bytes], None]], None]

_CHUNK = 1 << 20
_LENGTH = 8  # bytes of each message's length, before it


class _Ahead:
    """A fork's pid and our end of its pipe, for the process that forked it."""

    def __init__(self, pid: int, fd: int):
        self.pid = pid
        self.fd = fd
        self.owner = os.getpid()  # a process forked from ours later must not read our pipe

    def message(self) -> bytes | None:
        """What the fork sent, whole; None if it sent nothing or was cut short. Then it is reaped."""
        try:
            head = self._exactly(_LENGTH)
            return None if head is None else self._exactly(int.from_bytes(head, "little"))
        finally:
            self.end()

    def _exactly(self, size: int) -> bytes | None:
        parts: list[bytes] = []
        try:
            while size > 0 and (data := os.read(self.fd, min(size, _CHUNK))):
                parts.append(data)
                size -= len(data)
        except OSError:
            return None
        return b"".join(parts) if size == 0 else None

    def end(self, stop: bool = False) -> None:
        """Our end of the pipe closed (a fork still writing then ends on a broken pipe) and the fork
        reaped, by the process that forked it; `stop`: killed first, for work nobody will take."""
        os.close(self.fd)
        if self.owner != os.getpid():
            return  # our copy of the forking process's pipe; the fork is its to reap
        if stop:
            try:
                os.kill(self.pid, 9)  # SIGKILL: it writes nothing, so nothing is left half done
            except OSError:
                pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:  # reaped by someone else (SIGCHLD ignored)
            pass


_pending: _Ahead | None = None  # the walk
_then: _Ahead | None = None  # start's `then`


def start(vault_opt: str | None, env_vault: str | None, then: Then | None = None) -> None:
    """Fork the walk of the vault `--vault vault_opt` / VAULTNET_VAULT / the working folder names,
    and `then` in a fork of its own beside it. Where processes cannot fork (Windows), or on any
    trouble, nothing: the command walks itself."""
    global _pending, _then
    if _pending is not None or _then is not None or not hasattr(os, "fork"):
        return
    from . import walk  # noqa: F401  (os and stat alone: imported once, before the fork)

    _pending = _fork(vault_opt, env_vault, None)
    if then is not None and _pending is not None:
        _then = _fork(vault_opt, env_vault, then)
    import atexit

    atexit.register(_at_exit)  # a command that failed before its sync took neither


def _at_exit() -> None:
    global _pending
    ahead, _pending = _pending, None
    if ahead is not None:
        ahead.end(stop=True)
    discard()


def _fork(vault_opt: str | None, env_vault: str | None, then: Then | None) -> _Ahead | None:
    try:
        r, w = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:
        _in_fork(r, w, vault_opt, env_vault, then)  # never returns
    os.close(w)
    return _Ahead(pid, r)


def take(vault: Vault) -> ScanResult | None:
    """The walk forked for `vault` with its settings applied, if one was and it was of this
    folder; once: later scans are walked as they are asked for."""
    global _pending
    ahead, _pending = _pending, None
    if ahead is None:
        return None
    if ahead.owner != os.getpid():
        ahead.end()
        return None
    found = _settled(ahead.message(), vault)
    if found is None:
        discard()  # what follows was for the same vault
    return found


def waiting() -> bool:
    """Whether a fork is at start's `then` for this process."""
    return _then is not None and _then.owner == os.getpid()


def more() -> bytes | None:
    """What start's `then` sent, once; None if nothing (whole) was sent."""
    global _then
    ahead, _then = _then, None
    if ahead is None:
        return None
    if ahead.owner != os.getpid():
        ahead.end()
        return None
    return ahead.message()


def discard() -> None:
    """What start's `then` does, not wanted: its fork is stopped."""
    global _then
    ahead, _then = _then, None
    if ahead is not None:
        ahead.end(stop=True)


def _settled(data: bytes | None, vault: Vault) -> ScanResult | None:
    if data is None:
        return None
    try:
        root, folders = marshal.loads(data)
        if root != str(vault.root):
            return None
        found = vault.settle(folders)
    except (EOFError, ValueError, TypeError, AttributeError):  # not a walk our fork sent
        return None
    found.problems[:0] = vault.obsidian.problems  # as scan() says them: the settings' own first
    return found


def _in_fork(r: int, w: int, vault_opt: str | None, env_vault: str | None, then: Then | None) -> None:
    """The walk, or `then`, in the fork, sent down `w`."""
    code = 1
    try:
        os.close(r)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # not the program's streams: `vaultnet due | head` waits for no one else
            os.dup2(devnull, fd)
        os.closerange(3, w)
        os.closerange(w + 1, 1 << 16)
        import gc

        gc.disable()  # short work that makes few cycles

        def send(data: bytes) -> None:
            view = memoryview(len(data).to_bytes(_LENGTH, "little") + data)
            while view:
                view = view[os.write(w, view):]

        root = _guess_root(vault_opt, env_vault)
        if root is None:
            return
        if then is not None:
            then(root, send)
        else:
            from .walk import walk_folders

            send(marshal.dumps((root, walk_folders(root))))
        code = 0
    except BaseException:  # anything at all (no vault here, a bad config, Ctrl-C): the command says it
        pass
    finally:
        os._exit(code)


def _guess_root(vault_opt: str | None, env_vault: str | None) -> str | None:
    """The vault find_vault (folder.py) will find, as it resolves it, in the common cases: the
    folder --vault or VAULTNET_VAULT names, else the nearest one up from the working folder with
    a vault's marker. Where it finds another (a stray index-only `.vaultnet/` it passes over),
    `take` sees a walk of another folder and the command walks itself."""
    from .walk import MARKERS

    given = vault_opt or env_vault
    here = os.path.realpath(os.path.expanduser(given) if given else os.getcwd())
    while True:
        if any(os.path.isdir(os.path.join(here, marker)) for marker in MARKERS):
            return here
        up = os.path.dirname(here)
        if given or up == here:
            return None
        here = up
