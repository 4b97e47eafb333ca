"""Cross-process file locks held with the operating system's own locking (flock, or msvcrt on
Windows): a process that dies, even by kill -9, lets go of its lock."""

from __future__ import annotations

import errno
import os
import sys
import time
from pathlib import Path


class FileLock:
    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def __del__(self):
        # A lock dropped without release() (an exception in between) must not stay held.
        try:
            self.release()
        except OSError:
            pass

    def acquire(self) -> bool:
        """Take the lock if it is free; False if another process holds it."""
        fd = os.open(self.path, os.O_CREAT | os.O_WRONLY)
        try:
            if sys.platform == "win32":  # pragma: no cover - Windows only
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EDEADLK):
                raise
            return False
        self.fd = fd
        return True

    def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is None:
            return
        try:
            if sys.platform == "win32":  # pragma: no cover - Windows only
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def wait_for_lock(path: Path, timeout: float, poll: float) -> FileLock | None:
    """The lock at `path`, waiting up to `timeout` seconds; None if it stayed taken.

    OSError (a read-only folder, no permission) goes to the caller, which knows what to say.
    """
    lock = FileLock(path)
    deadline = time.monotonic() + timeout
    while not lock.acquire():
        if time.monotonic() >= deadline:
            return None
        time.sleep(poll)
    return lock
