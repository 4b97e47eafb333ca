"""The only code that changes user files (SPEC §4).

Every change is atomic (a hidden temporary file in the same folder, flushed,
fsynced, renamed over the note), keeps the file's permissions, touches only
the bytes it is about, and is refused when the note changed on disk since it
was read. Writers in several processes take one lock per vault, so two `log`
commands at the same moment both land.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import VaultnetError
from ..notes import markdown
from ..vault.locks import wait_for_lock

if TYPE_CHECKING:
    from ..vault.folder import Vault

WRITE_LOCK_TIMEOUT = 30.0
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|#^\[\]]')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
MAX_NAME_CHARS = 120
MAX_NAME_BYTES = 200


# What would make text in a note mean more than itself: a link, a tag, code, HTML or a comment,
# a block id. Brackets and `#` are escaped; `(` after `]` too (a Markdown link).
_MARKDOWN = re.compile(r"([\\`\[\]#<^])")
# Right-to-left overrides and isolates: they make a name read as something else (spoofing).
BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class WriteRefused(VaultnetError):
    pass


class NoteChanged(WriteRefused):
    """The note is not what vaultnet read: an editor saved it meanwhile."""


# An editor that autosaves (Obsidian: every couple of seconds) can save between our read and
# our write. The change is then made again on what the editor saved, never over it; only a
# note that keeps changing under us is refused.
REWRITE_ATTEMPTS = 4


def plain_text(value: str) -> str:
    """Text from someone else's file (a title, a subject, a name) as plain text on one line of a
    note: no link, tag, code, comment or block id forms in it, no line break nor bidi control."""
    chars = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in BIDI.sub("", value))
    one = _MARKDOWN.sub(r"\\\1", " ".join(chars.split())).replace("](", "]\\(")
    return one.replace("%%", "%\\%")


def safe_file_name(name: str) -> str:
    """A file name (without .md) for a contact called `name`: never a path, valid on every OS."""
    cleaned = unicodedata.normalize("NFC", name)
    cleaned = _FORBIDDEN.sub(" ", cleaned)
    cleaned = " ".join(cleaned.split()).strip(" .")
    if len(cleaned) > MAX_NAME_CHARS:
        cleaned = cleaned[:MAX_NAME_CHARS].rstrip(" .")
    # File systems count bytes (255 for a name); leave room for ".md" and the temporary
    # file's dot, PID and suffix, and never cut a character in half.
    while len(cleaned.encode("utf-8")) > MAX_NAME_BYTES:
        cleaned = cleaned[:-1].rstrip(" .")
    if not cleaned or cleaned in (".", ".."):
        raise WriteRefused(f"{name!r} leaves nothing usable as a file name")
    if cleaned.split(".")[0].lower() in _RESERVED:
        cleaned = cleaned + "_"
    return cleaned


def inside(root: Path, path: Path) -> Path:
    """The real path of `path`, refused unless it lies inside the vault (symlinks resolved)."""
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    if real != real_root and real_root not in real.parents:
        raise WriteRefused(f"{path} is outside the vault (or links outside it); not writing there")
    return real


@contextmanager
def vault_write_lock(state_dir: Path, timeout: float = WRITE_LOCK_TIMEOUT):
    """One writer at a time per vault, across processes."""
    try:
        state_dir.mkdir(exist_ok=True)
        lock = wait_for_lock(state_dir / "write.lock", timeout, poll=0.02)
    except OSError as exc:
        # A read-only disk or folder lands here first: say that nothing can be written.
        raise WriteRefused(
            f"cannot write to this vault (no write lock in {state_dir}: {exc.strerror}); nothing was changed"
        ) from exc
    if lock is None:
        raise WriteRefused("another vaultnet process is writing to this vault; try again")
    try:
        remove_stale_temps(state_dir.parent)
        yield
    finally:
        lock.release()


# A write killed between its temporary file and the rename (kill -9, a crash, power loss)
# leaves `.NAME.PID-HEX.vaultnet-tmp` beside the note. Obsidian hides dot files, but git
# and file managers show them, so the next write command removes the ones whose process
# is gone. The age guard keeps a live write safe when the PID means nothing here (a vault
# shared with a container or another machine).
_TEMP_NAME = re.compile(r"^\..+\.(\d+)-[0-9a-f]+\.vaultnet-tmp$")
STALE_TEMP_SECONDS = 60.0


def _process_gone(pid: int) -> bool:
    if os.name != "posix":
        return False  # os.kill(pid, 0) would end the process on Windows; keep the file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):  # EPERM: alive, someone else's; or no PID at all
        return False
    return False


def remove_stale_temps(root: Path, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Delete vaultnet's own temporary files that a killed process left below `root`.

    Walks every folder except dot folders (as a scan does, plus the report and
    excluded folders, which vaultnet also writes to); never fails the command.
    """
    import time

    removed: list[Path] = []
    now = time.time()
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            for entry in entries:
                try:
                    if entry.name[0] != ".":
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        continue
                    m = _TEMP_NAME.match(entry.name)
                    if (m and entry.is_file(follow_symlinks=False) and _process_gone(int(m[1]))
                            and now - entry.stat(follow_symlinks=False).st_mtime > older_than):
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
                except (OSError, ValueError):
                    continue
    return removed


def _temp_beside(path: Path) -> Path:
    # A dot file: Obsidian and most editors do not show it, should one ever be left behind.
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.vaultnet-tmp")


def _write_temp(tmp: Path, data: bytes, mode: int | None) -> None:
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode & 0o7777)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
        if mode is not None:
            os.fchmod(fd, mode & 0o7777)  # umask must not narrow an existing note's permissions
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def _staged(path: Path, data: bytes, mode: int | None):
    """`data` in a hidden temporary file beside `path`; gone afterwards unless moved into place."""
    tmp = _temp_beside(path)
    try:
        _write_temp(tmp, data, mode)
        yield tmp
    finally:
        if tmp.exists():
            tmp.unlink()


def replace_file(path: Path, data: bytes, expected: bytes) -> None:
    """Atomically replace `path` with `data`, unless it no longer holds `expected`."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise WriteRefused(f"cannot read {path}: {exc.strerror}") from exc
    if not os.access(path, os.W_OK):
        raise WriteRefused(f"{path} is read-only; nothing was changed")
    try:
        with _staged(path, data, st.st_mode) as tmp:
            with open(path, "rb") as fh:
                if fh.read() != expected:
                    raise NoteChanged(
                        f"{path} changed on disk while vaultnet was writing; nothing was changed, try again"
                    )
            os.replace(tmp, path)
    except OSError as exc:
        raise WriteRefused(f"cannot write {path}: {exc.strerror}; nothing was changed") from exc
    _fsync_dir(path.parent)


def rewrite_note(vault: Vault, rel: str, change: Callable[[bytes], bytes]) -> tuple[bytes, bytes]:
    """Change one note: under the vault's write lock, read it, apply `change` to its bytes, and
    replace it atomically unless an editor saved it meanwhile; then read what the editor saved
    and apply `change` to that (`change` must be a function of the bytes it is given).
    Returns (before, after); nothing is written when `change` gives the same bytes back."""
    target = inside(vault.root, vault.abspath(rel))
    with vault_write_lock(vault.state_dir):
        for attempt in range(1, REWRITE_ATTEMPTS + 1):
            try:
                raw = target.read_bytes()
            except OSError as exc:
                raise WriteRefused(f"cannot read {rel}: {exc.strerror}") from exc
            new = change(raw)
            if new == raw:
                break
            try:
                replace_file(target, new, expected=raw)
            except NoteChanged:
                if attempt == REWRITE_ATTEMPTS:
                    raise
                continue
            break
    return raw, new


def create_file(path: Path, data: bytes) -> None:
    """Atomically create `path`; never over an existing file."""
    try:
        with _staged(path, data, None) as tmp:
            try:
                os.link(tmp, path)  # fails if `path` exists: no window where it could be overwritten
            except FileExistsError:
                raise
            except OSError:
                # No hard links here (some network or FAT file systems): exclusive create instead.
                _create_exclusive(path, data)
    except FileExistsError:
        raise WriteRefused(f"{path} already exists; nothing was changed") from None
    except OSError as exc:
        raise WriteRefused(f"cannot create {path}: {exc.strerror}") from exc
    _fsync_dir(path.parent)


def _create_exclusive(path: Path, data: bytes) -> None:
    created = False
    try:
        with open(path, "xb") as fh:  # FileExistsError: never over an existing file
            created = True
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        if created:  # a full disk mid-write: the file is ours and must not stay cut short
            try:
                path.unlink()
            except OSError:
                pass
        raise


def write_export(path: Path, data: bytes) -> None:
    """Write an export file the user named (it may lie outside the vault): atomically, replacing it."""
    path = Path(path)
    try:
        with _staged(path, data, os.stat(path).st_mode if path.exists() else None) as tmp:
            os.replace(tmp, path)
    except OSError as exc:
        raise WriteRefused(f"cannot write {path}: {exc.strerror}") from exc


# ---------------------------------------------------------------------- log lines

_HEADING = re.compile(rb"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(rb"^[ \t]*(`{3,}|~{3,})")
# The parser's log-line and task patterns (notes/markdown.py), on bytes.
_LOG_LINE = re.compile(markdown.LOG_LINE.pattern.encode("utf-8"))
_TASK_LINE = re.compile(markdown.TASK_LINE.pattern.encode("utf-8"))


def _strip_eol(line: bytes) -> bytes:
    return line.rstrip(b"\r\n")


def add_log_line(raw: bytes, entry: str, heading: str = "Log") -> bytes:
    """`raw` with `entry` added to its `## Log` section (made at the end if missing)."""
    return insert_log_line(raw, entry, heading)[0]


def insert_log_line(raw: bytes, entry: str, heading: str = "Log") -> tuple[bytes, int]:
    """`raw` with `entry` in its `## Log` section, and the 1-based line it went to.

    It goes after the section's last log line (and the indented lines under it), not
    after whatever follows it (an open task, a blank line); before the first one when
    the log runs newest first; after the section's last line when it has no log line
    yet. The section is made at the end of the note if missing. Works on the bytes as
    they are: line ends (LF or CRLF), a byte-order mark, frontmatter and every other
    line stay exactly as they were.
    """
    newline = b"\r\n" if b"\r\n" in raw else b"\n"
    entry_bytes = entry.encode("utf-8")
    lines = raw.splitlines(keepends=True)
    start = 0
    if lines and _strip_eol(lines[0]).lstrip(b"\xef\xbb\xbf").rstrip() == b"---":
        for i in range(1, len(lines)):
            if _strip_eol(lines[i]).rstrip() == b"---":
                start = i + 1
                break
    wanted = heading.lower().encode("utf-8")
    section: tuple[int, int] | None = None  # (index of heading, its level)
    end = len(lines)
    fence: bytes | None = None
    logs: list[tuple[int, bytes]] = []  # (index, date) of the section's log lines
    for i in range(start, len(lines)):
        text = _strip_eol(lines[i])
        m = _FENCE.match(text)
        if m:
            if fence is None:
                fence = m[1][:1] * len(m[1])
            elif m[1].startswith(fence):
                fence = None
            continue
        if fence is not None:
            continue
        h = _HEADING.match(text)
        if not h:
            if section is not None:
                log = _LOG_LINE.match(b"\n" + text)
                if log and not _TASK_LINE.match(b"\n" + text):
                    logs.append((i, log[2]))
            continue
        level = len(h[1])
        if section is None:
            if h[2].strip().lower() == wanted:
                section = (i, level)
        elif level <= section[1]:
            end = i
            break
    if section is None:
        out = raw
        if out and not out.endswith(b"\n"):
            out += newline
        if out and not out.endswith(newline + newline) and out != newline:
            out += newline
        return out + b"## " + heading.encode("utf-8") + newline + entry_bytes + newline, out.count(b"\n") + 2
    dates = [d for _, d in logs]
    if len(dates) > 1 and dates[0] > dates[-1] and all(a >= b for a, b in zip(dates, dates[1:])):
        at = logs[0][0]  # newest first: the new line on top
    else:
        last = logs[-1][0] if logs else section[0]
        if logs:
            while last + 1 < end and _is_continuation(lines[last + 1]):
                last += 1
        else:
            for i in range(section[0] + 1, end):
                if _strip_eol(lines[i]).strip():
                    last = i
        at = last + 1
    before = b"".join(lines[:at])
    if before and not before.endswith(b"\n"):
        before += newline
    return before + entry_bytes + newline + b"".join(lines[at:]), before.count(b"\n") + 1


def _is_continuation(line: bytes) -> bool:
    """An indented, non-blank line: part of the list item above it (a sub-item, a wrapped line)."""
    return line[:1] in (b" ", b"\t") and bool(line.strip())


def create_files(files: list[tuple[Path, bytes]]) -> list[tuple[Path, str]]:
    """Create many new files at once (an import): what `create_file` does for each, with the
    disk flushed once for all of them instead of twice per file.

    Every file is first written in full to a hidden temporary file; one sync makes
    them all durable; only then is each linked to its name. A file therefore
    appears complete or not at all, whenever the process dies. Returns the files
    that could not be created, with why; an existing file is never overwritten.
    """
    staged: list[tuple[Path, Path]] = []
    failed: list[tuple[Path, str]] = []
    try:
        for path, data in files:
            tmp = _temp_beside(path)
            try:
                _write_temp_unsynced(tmp, data)
            except OSError as exc:
                failed.append((path, f"cannot create {path}: {exc.strerror}"))
                continue
            staged.append((path, tmp))
        _sync_file_system(files[0][0].parent if files else Path("."))
        folders = set()
        for path, tmp in staged:
            try:
                os.link(tmp, path)
                folders.add(path.parent)
            except FileExistsError:
                failed.append((path, f"{path} already exists; nothing was changed"))
            except OSError as exc:
                failed.append((path, f"cannot create {path}: {exc.strerror}"))
        for folder in folders:
            _fsync_dir(folder)
    finally:
        for _, tmp in staged:
            try:
                tmp.unlink()
            except FileNotFoundError:
                pass
    return failed


def _write_temp_unsynced(tmp: Path, data: bytes) -> None:
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        os.close(fd)
        try:
            tmp.unlink()  # a full disk mid-write: leave no half temporary file behind
        except OSError:
            pass
        raise
    os.close(fd)


def _sync_file_system(folder: Path) -> None:
    """Flush the file system that holds `folder` (syncfs), or every one where that is not offered."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(folder, os.O_RDONLY)
        try:
            if libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        pass
    os.sync()
