"""The vault's folders walked with `os` alone: what is a note, an attachment or a folder, before any settings.

It imports nothing but `os` and `stat`, so a one-shot command's fork (scan_ahead.py) can walk the
vault while the program is still importing its settings' modules; `Vault.walk` (folder.py) walks
with it too, and applies the config and the Obsidian settings to what it finds (`Vault.settle`).

A walk is a list of folders in the order they were listed, each `(prefix, notes, attachments,
problems)`: `prefix` is the folder's vault-relative path with a trailing `/` ("" for the root),
`notes` maps the path of each regular `.md` file to its (size, mtime_ns), `attachments` lists the
other files, `problems` what could not be read there, in the order it was met. Dot names are
skipped; symlinked folders are not followed, symlinked files are. `prune(prefix)`, when given,
says which folders not to enter at all; without it every folder is listed, and one pruned
afterwards (`Vault.settle`) leaves the others in the same order, as a walk is depth first.
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

STATE_DIR = ".vaultnet"  # vaultnet's own folder in the vault: its config and its index
# What makes a folder a vault (folder.py's find_vault; scan_ahead.py's guess of it).
MARKERS = (STATE_DIR, ".obsidian")

Folder = tuple  # (prefix, {path: (size, mtime_ns)}, [attachment paths], [(path, message)])

# A folder listed from a descriptor of its own: each note's stat is then looked up by its name in
# that folder (fstatat), not by its whole path from the root again (8% of a scan of 11,000 notes,
# more in a deeper vault). Not where scandir takes no descriptor (Windows).
_SCAN_BY_FD = os.scandir in os.supports_fd
_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


def walk_folders(root: str, under: str = "", prune: Callable[[str], bool] | None = None) -> list[Folder]:
    """Every folder below `root` (or its folder `under`), as the module says."""
    under = under.strip("/")
    walked: list[Folder] = []
    stack = [(under + "/" if under else "", os.path.join(root, under) if under else root)]
    while stack:
        prefix, folder = stack.pop()
        fd = -1
        try:
            if _SCAN_BY_FD:
                fd = os.open(folder, _FOLDER_FLAGS)
                entries = os.scandir(fd)
            else:
                entries = os.scandir(folder)
        except OSError as exc:
            if fd >= 0:
                os.close(fd)
            walked.append((prefix, {}, [], [(prefix.rstrip("/") or ".", f"cannot read folder: {exc.strerror}")]))
            continue
        try:
            walked.append(_list_folder(entries, prefix, folder, stack, prune))
        finally:
            if fd >= 0:
                os.close(fd)
    return walked


def _list_folder(entries, prefix: str, folder: str, stack: list, prune: Callable[[str], bool] | None) -> Folder:
    """One folder's entries; its folders onto `stack`."""
    notes: dict[str, tuple[int, int]] = {}
    attachments: list[str] = []
    problems: list[tuple[str, str]] = []
    with entries:
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            rel = prefix + name
            if name[-3:].lower() != ".md":
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if prune is None or not prune(rel + "/"):
                            stack.append((rel + "/", os.path.join(folder, name)))
                    elif entry.is_file():
                        attachments.append(rel)
                except OSError:
                    pass
                continue
            try:
                st = entry.stat()  # follows a symlinked file
            except OSError as exc:
                problems.append((rel, f"cannot read: {exc.strerror or exc}"))
                continue
            if stat.S_ISDIR(st.st_mode):
                # A folder named like a note (`Archive.md/`): a folder, as Obsidian sees it.
                try:
                    linked = entry.is_symlink()  # symlinked folders are not followed
                except OSError:
                    linked = True
                if not linked and (prune is None or not prune(rel + "/")):
                    stack.append((rel + "/", os.path.join(folder, name)))
            elif stat.S_ISREG(st.st_mode):
                notes[rel] = (st.st_size, st.st_mtime_ns)
    return prefix, notes, attachments, problems
