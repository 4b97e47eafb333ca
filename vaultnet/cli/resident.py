"""`vaultnet watch` answering other `vaultnet` processes' reading commands from memory (cli/launch.py).

The watch keeps the index open and every table a command loads (resolver,
contributions, people) in memory, and knows from the file events which notes
changed. A request is a command line with its working folder, the environment
it reads and the asker's date; the answer is the exit code and the bytes it
wrote to stdout and stderr, in order. Each command runs through the same click
group as in its own process, on the watch's index, after the sync it would have
run itself: every note saved before the request is indexed first (a fence, see
Watcher.fence, makes sure its file event has arrived; if the fence does not come
back, a full scan of the vault as a command runs). Requests are answered one at
a time, under the lock the watcher's batches take, so no batch runs halfway
through an answer.

The socket is the owner's alone: made under another name, made owner-only,
then renamed into place; and a connection from another user is closed unread.
A request is declined, and the asker runs the command itself, when this watch
cannot answer it exactly as that process would: another vault, a command that
writes or is not in protocol.READING, --help, --debug, settings changed since the
watch started (it reads them once), or any error of the watch's own.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import VaultnetError
from ..index import READER_SYNC_TIMEOUT, NoteIndex, SyncStats, sync_for
from ..watch.watcher import Watcher
from .protocol import ACCEPTED, ENVIRONMENT, PROTOCOL, READING, SOCKET, same_user

REQUEST_BYTES = 1 << 20
REQUEST_SECONDS = 2.0  # an asker sends its request at once: one that does not is not waited for
MAX_ASKERS = 32  # connections read at once; more are closed (each asker then runs the command itself)
DECLINED_OPTIONS = frozenset({"--help", "-h", "--version", "--debug"})
WRITING_OPTIONS = {"due": ("--ics",)}  # options that make a reading command write a file


class Resident:
    """What a served command's App answers from: the watch's index, synced the way a command syncs."""

    def __init__(self, index: NoteIndex, watcher: Watcher, fence: str | None, today: dt.date):
        self.index = index
        self.watcher = watcher
        self.fence = fence  # None: the file system's events cannot be trusted to be complete
        self.today = today

    def catch_up(self, for_write: bool) -> SyncStats:
        if self.fence is None:  # scan, as the command would
            return sync_for(lambda wait: self.index.sync(wait=wait), for_write)
        # A reader answers from a change before its commit, which the watch writes after the
        # answer (ResidentServer._one): as the command's own process would (index/unwritten.py).
        return sync_for(lambda wait: self.watcher.sync_seen(wait, self.fence, answer_first=not for_write), for_write)

    def latest(self) -> None:
        """--no-sync: no scan, but the newest commit, as a command opening the index reads it."""
        sync_for(lambda wait: self.index.sync_paths((), wait=wait), False)


class ResidentServer:
    """Listens on `.vaultnet/serve.sock` of `index`'s vault from `start()` to `stop()`."""

    def __init__(self, index: NoteIndex, watcher: Watcher, guard: threading.Lock, warn: Callable[[str], None]):
        self.index = index
        self.watcher = watcher
        self.guard = guard
        self.warn = warn
        self.root = index.vault.root
        self.path = str(index.vault.state_dir / SOCKET)
        self.settings = _settings_stamp(self.root)
        # Where file events may miss changes (network file systems, a Windows drive under WSL),
        # every answer scans the vault first, as the command does.
        self.events_complete = events_complete(self.root)
        self._askers = threading.BoundedSemaphore(MAX_ASKERS)
        self.answered = 0
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._inode: int | None = None

    def start(self) -> bool:
        """Listen; False (and why, through `warn`) when another watch already answers or the socket
        cannot be made (a path too long for one, say): the watch goes on without answering."""
        if not hasattr(socket, "AF_UNIX"):
            return False  # (Windows) commands answer themselves, as they always did
        if _answers(self.path):
            self.warn(f"vaultnet: another watch answers commands for this vault ({self.path}); "
                      "this one only keeps the index current")
            return False
        temporary = f"{self.path}.{os.getpid()}"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            Path(temporary).unlink(missing_ok=True)
            listener.bind(temporary)
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)  # over a socket a killed watch left behind
            listener.listen(16)
            self._inode = os.stat(self.path).st_ino
        except OSError as exc:
            listener.close()
            Path(temporary).unlink(missing_ok=True)
            self.warn(f"vaultnet: not answering other commands from memory: cannot listen at "
                      f"{self.path} ({exc.strerror or exc})")
            return False
        self._listener = listener
        self._thread = threading.Thread(target=self._serve, name="vaultnet-answers", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        try:
            if os.stat(self.path).st_ino == self._inode:  # not a newer watch's socket
                os.unlink(self.path)
        except OSError:
            pass
        try:
            listener.shutdown(socket.SHUT_RDWR)  # wakes accept() on Linux; refused by some systems
        except OSError:
            pass
        listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _serve(self) -> None:
        while self._listener is not None:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # stop() closed the listener
            if not self._askers.acquire(blocking=False):
                conn.close()
                continue
            # Each asker is read in a thread of its own, so that one that sends nothing holds up
            # nobody; the answers themselves take turns (answer() holds the guard).
            threading.Thread(target=self._one, args=(conn,), name="vaultnet-asker", daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        try:
            with conn:
                if not same_user(conn):
                    return
                request = _read_request(conn)
                if request is None:
                    return
                conn.sendall(ACCEPTED)
                conn.settimeout(None)
                conn.sendall(self.answer(request))
        except OSError:
            pass  # the asker went away; it runs the command itself
        finally:
            self._askers.release()
        # The commit of a change the answer was given from, once the asker has it all.
        with self.guard:
            try:
                self.watcher.settle()
            except Exception as exc:  # the watch goes on; the next batch tries again
                self.warn(f"vaultnet: {type(exc).__name__}: {exc}")

    def answer(self, request: dict) -> bytes:
        """The reply to `request`: a JSON header line, then the bytes written, in order."""
        why = self._cannot(request)
        if why:
            return _declined(why)
        try:
            streams = [(str(enc), str(errors)) for enc, errors in request["streams"]]
            for enc, errors in streams:
                codecs.lookup(enc)
                codecs.lookup_error(errors)
            today = dt.date.fromisoformat(request["today"])
        except (KeyError, TypeError, ValueError, LookupError):
            return _declined("a malformed request")
        if not self.guard.acquire(timeout=READER_SYNC_TIMEOUT):
            return _declined("the watch is busy")
        try:
            code, chunks = self._run(request, streams, today)
        except Exception as exc:  # any fault of ours: the asker runs the command and shows it
            return _declined(f"{type(exc).__name__}: {exc}")
        finally:
            self.guard.release()
        self.answered += 1
        runs: list[tuple[int, list[bytes]]] = []  # consecutive writes to one stream, joined once
        for fd, data in chunks:
            if runs and runs[-1][0] == fd:
                runs[-1][1].append(data)
            elif data:
                runs.append((fd, [data]))
        merged = [(fd, b"".join(parts)) for fd, parts in runs]
        header = {"protocol": PROTOCOL, "answered": True, "code": code,
                  "chunks": [[fd, len(data)] for fd, data in merged]}
        return json.dumps(header).encode() + b"\n" + b"".join(data for _, data in merged)

    def _cannot(self, request: dict) -> str:
        """Why this watch must not answer `request` ("" if it may)."""
        if request.get("protocol") != PROTOCOL:
            return "another version of vaultnet"
        argv, cwd, env = request.get("argv"), request.get("cwd"), request.get("env")
        if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv) and isinstance(cwd, str)
                and isinstance(env, dict) and all(isinstance(v, str) for v in env.values())):
            return "a malformed request"
        from .base import cli

        args = cli._globals_first(argv)
        words = args[: args.index("--")] if "--" in args else args
        if DECLINED_OPTIONS.intersection(words):
            return "help, version or --debug"
        if sum(w == "--vault" or w.startswith("--vault=") for w in words) > 1:
            return "--vault given more than once"
        command = next((a for a in words if a in cli.commands), None)
        if command not in READING:
            return f"{command or 'no command'} is not answered from memory"
        if any(w == opt or w.startswith(opt + "=") for w in words for opt in WRITING_OPTIONS.get(command, ())):
            return "an option that writes a file"
        from ..vault.folder import find_vault

        vault_opt = next((args[i + 1] for i, a in enumerate(words[:-1]) if a == "--vault"), None) or \
            next((a.split("=", 1)[1] for a in words if a.startswith("--vault=")), None)
        try:
            if vault_opt is not None:
                vault_opt = str(Path(cwd) / Path(vault_opt).expanduser())
            root = find_vault(vault_opt, env.get("VAULTNET_VAULT") and str(Path(cwd) / Path(
                env["VAULTNET_VAULT"]).expanduser()), Path(cwd))
        except (VaultnetError, OSError):
            return "no vault, or another one"
        if root != self.root:
            return "another vault"
        if _settings_stamp(self.root) != self.settings:
            return "the vault's settings changed since the watch started"
        return ""

    def _run(self, request: dict, streams: list[tuple[str, str]], today: dt.date) -> tuple[int, list]:
        from .base import cli

        chunks: list[tuple[int, bytes]] = []
        saved = sys.stdin, sys.stdout, sys.stderr
        saved_env = {k: os.environ.get(k) for k in ENVIRONMENT}
        saved_cwd = os.getcwd()
        os.chdir(request["cwd"])  # first: if the asker's folder is gone, nothing else was changed
        try:
            sys.stdin = io.TextIOWrapper(io.BytesIO())
            sys.stdout = io.TextIOWrapper(_Tap(1, chunks), encoding=streams[0][0], errors=streams[0][1],
                                          write_through=True)
            sys.stderr = io.TextIOWrapper(_Tap(2, chunks), encoding=streams[1][0], errors=streams[1][1],
                                          write_through=True)
            for k in ENVIRONMENT:
                if k in request["env"]:
                    os.environ[k] = request["env"][k]
                else:
                    os.environ.pop(k, None)
            resident = Resident(self.index, self.watcher, self.path if self.events_complete else None, today)
            try:
                cli.main(args=list(request["argv"]), prog_name="vaultnet", obj=resident)
                code = 0
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            sys.stdin, sys.stdout, sys.stderr = saved
            for k, v in saved_env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            os.chdir(saved_cwd)
        return code, chunks


class _Tap(io.RawIOBase):
    """One of a command's output streams, kept as (1 or 2, bytes) in the order written."""

    def __init__(self, fd: int, chunks: list[tuple[int, bytes]]):
        self.fd = fd
        self.chunks = chunks

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self.chunks.append((self.fd, bytes(data)))
        return len(data)


def _declined(why: str) -> bytes:
    return json.dumps({"protocol": PROTOCOL, "answered": False, "why": why}).encode() + b"\n"


def _answers(path: str) -> bool:
    """Whether something listens at `path` already (a socket a killed watch left refuses)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(path)
        except OSError:
            return False
        return True


def _read_request(conn: socket.socket) -> dict | None:
    """The request the asker sent, read within REQUEST_SECONDS in all; None if it is not one."""
    deadline = time.monotonic() + REQUEST_SECONDS
    data = b""
    while len(data) <= REQUEST_BYTES:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        conn.settimeout(left)
        part = conn.recv(65536)
        if not part:
            break
        data += part
    try:
        request = json.loads(data)
    except ValueError:
        return None
    return request if isinstance(request, dict) else None


# File systems whose changes all come as inotify events on this machine. On others (NFS, SMB,
# sshfs and other FUSE mounts, 9p and drvfs under WSL, virtiofs) a change made by another machine
# or by Windows fires none here.
LOCAL_FILE_SYSTEMS = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "zfs", "f2fs", "overlay",
                                "reiserfs", "jfs", "bcachefs", "ramfs", "nilfs2"})


def events_complete(root: Path) -> bool:
    """Whether file events tell of every change under `root`: on Linux, when the file system it
    is on (/proc/self/mountinfo) is a local one; elsewhere not known, so not trusted."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as fh:
            mounts = fh.read().splitlines()
    except OSError:
        return False
    best, fstype = "", ""
    where = str(root)
    for line in mounts:
        fields = line.split(" ")
        if "-" not in fields:
            continue
        point = fields[4].replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n") \
            .replace("\\134", "\\")
        if (where == point or where.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, fstype = point, fields[fields.index("-") + 1]
    return fstype in LOCAL_FILE_SYSTEMS


def _settings_stamp(root: Path) -> tuple:
    """(size, mtime) of every file the vault's settings are read from (vault/folder.py's Vault)."""
    from ..vault.obsidian import APP, DAILY_NOTES, TEMPLATER, TEMPLATES

    stamp: list[tuple[str, int | None, int | None]] = []
    for rel in (".vaultnet/config.toml", *(f".obsidian/{name}" for name in (APP, TEMPLATES, TEMPLATER, DAILY_NOTES))):
        try:
            st = os.stat(root / rel)
            stamp.append((rel, st.st_size, st.st_mtime_ns))
        except OSError:
            stamp.append((rel, None, None))
    return tuple(stamp)
