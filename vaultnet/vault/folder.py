"""The vault on disk: where it is, which files are notes, and reading them."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import VaultnetError, VaultNotFound
from ..notes.kinds import NoteRules
from .config import CONFIG_TEMPLATE, Config, load_config
from .obsidian import ObsidianSettings, load_settings
from .walk import MARKERS, STATE_DIR, Folder, walk_folders

GITIGNORE = "# vaultnet's index is rebuilt from the notes at any time; keep it out of git.\nindex/\nindex.lock\nwrite.lock\n"


Stat = tuple  # (size, mtime_ns): plain tuples, so two scans compare in one C-level dict comparison

@dataclass
class ScanResult:
    """One walk of the vault: every note with its stat, the other files, and what could not be read."""

    files: dict[str, Stat] = field(default_factory=dict)  # vault-relative path -> (size, mtime_ns)
    too_large: dict[str, Stat] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    # Every other file (images, PDFs, canvases...): what links to attachments resolve to.
    attachments: set[str] = field(default_factory=set)


class Vault:
    def __init__(self, root: Path, config: Config | None = None, obsidian: ObsidianSettings | None = None):
        self.root = root
        self.state_dir = root / STATE_DIR
        self.config = config if config is not None else load_config(shown(self.state_dir / "config.toml"))
        # What the vault told Obsidian: templates, excluded files, daily notes (vault/obsidian.py).
        self.obsidian = obsidian if obsidian is not None else load_settings(root)
        self._exclude = Excludes(self.config.exclude) if self.config.exclude else None
        self._ignoring = bool(self.obsidian.ignore_filters)
        # What parse_note needs to know of the vault to tell what a note is.
        self.rules = NoteRules(self.config.people_dirs, self.config.org_dirs, self.obsidian.template_dirs,
                               self.obsidian.daily_folder, self.obsidian.daily_format)

    def fingerprint(self) -> tuple:
        """What, if changed, changes which files are notes or how they are read: config.toml's
        settings and the vault's Obsidian settings."""
        return (self.config.fingerprint(), self.obsidian.fingerprint())

    @property
    def index_dir(self) -> Path:
        return self.state_dir / "index"

    def abspath(self, rel: str) -> Path:
        return self.root / rel

    def is_excluded(self, rel: str) -> bool:
        if self._at_report(rel):
            return True
        return (self._exclude is not None and self._exclude.match(rel)) or \
            (self._ignoring and self.obsidian.is_ignored(rel))

    def _at_report(self, rel: str) -> bool:
        """The report folder, or in it: where `report` and `watch` write, never read."""
        report = self.config.report_dir.casefold()
        folded = rel.casefold()
        return folded == report or folded.startswith(report + "/")

    def is_ignored_path(self, rel: str) -> bool:
        """A path no note can live at: in a dot folder, the report folder, or an excluded glob."""
        parts = rel.split("/")
        if any(p.startswith(".") for p in parts):
            return True
        for i in range(1, len(parts)):
            if self.is_excluded("/".join(parts[:i]) + "/"):
                return True
        return self.is_excluded(rel)

    def stat_note(self, rel: str) -> tuple[str, Stat | None]:
        """("file" | "too_large" | "folder" | "attachment" | "none", stat) for one vault path,
        as scan() would see it."""
        if not rel or self.is_ignored_path(rel):
            return "none", None
        path = self.root / rel
        try:
            if path.is_dir() and not path.is_symlink():
                return "folder", None
            if not rel.lower().endswith(".md"):
                return ("attachment" if path.is_file() else "none"), None
            st = path.stat()
        except OSError:
            return "none", None
        if not stat.S_ISREG(st.st_mode):
            return "none", None
        kind = "too_large" if st.st_size > self.config.max_file_size else "file"
        return kind, (st.st_size, st.st_mtime_ns)

    def scan(self, under: str = "") -> ScanResult:
        """Every note below the root (or the folder `under`) with its size and mtime, and the
        paths of the other files (attachments).

        Symlinked folders are not followed; symlinked files are.
        """
        result = self.walk(under)
        if not under:  # the settings are the whole vault's: said once per full scan, first
            result.problems[:0] = self.obsidian.problems
        return result

    def walk(self, under: str = "") -> ScanResult:
        """scan() without the settings' own problems: only what the walk met."""
        return self.settle(walk_folders(str(self.root), under, self.is_excluded))

    def recall_excludes(self, kept: dict | None, clear: tuple | None = None) -> None:
        """Before a whole scan: what is known of config.exclude's answers, those a whole scan kept
        (`excludes_to_keep`) and `clear`, (notes, notes too large, attachments) of the last
        commit's scan with these settings, none of them excluded. The answers excludes_to_keep
        gives are those asked from here on."""
        if self._exclude is not None:
            self._exclude.recall(kept, clear)

    def excludes_to_keep(self) -> dict | None:
        """Right after a whole scan: config.exclude's answers for every path it met, if they are not
        what was recalled (a path new, or gone); the index keeps them for the next process."""
        return self._exclude.to_keep() if self._exclude is not None else None

    def settle(self, folders: list[Folder]) -> ScanResult:
        """A walk of folders (vault/walk.py) with this vault's settings applied: the folders they
        exclude and everything in them left out, the files they exclude too, the notes over the
        size limit apart. The same ScanResult, in the same order, whether the walk pruned the
        excluded folders (`walk`) or listed every folder (scan_ahead.py's fork, which reads no
        settings)."""
        result = ScanResult()
        files, too_large, attachments, problems = result.files, result.too_large, result.attachments, result.problems
        limit = self.config.max_file_size
        excluding = self._exclude is not None or self._ignoring
        report = self.config.report_dir.casefold()
        report_parent = report[: report.rfind("/") + 1]
        dropped: set[str] = set()
        for i, (prefix, notes, attached, met) in enumerate(folders):
            # A folder's parent comes before it (the walk is depth first); the first is the walk's own.
            if i and (prefix[: prefix.rfind("/", 0, -1) + 1] in dropped or self.is_excluded(prefix)):
                dropped.add(prefix)
                continue
            problems.extend(met)
            if excluding:  # is_excluded for each file, its parts asked apart (the globs in bulk)
                out: set[str] = set()
                if self._exclude is not None:
                    out = self._exclude.among(notes) | self._exclude.among(attached)
                if self._ignoring:
                    out.update(rel for rel in (*notes, *attached) if self.obsidian.is_ignored(rel))
                if not i or prefix.casefold() == report_parent:  # where a file can be the report folder's path
                    out.update(rel for rel in (*notes, *attached) if self._at_report(rel))
                if out:
                    notes = {rel: st for rel, st in notes.items() if rel not in out}
                    attached = [rel for rel in attached if rel not in out]
            attachments.update(attached)
            if any(st[0] > limit for st in notes.values()):
                for rel, st in notes.items():
                    (too_large if st[0] > limit else files)[rel] = st
            else:
                files.update(notes)
        return result

    def read_bytes(self, rel: str) -> bytes:
        return (self.root / rel).read_bytes()


def shown(path: Path) -> Path:
    """The path as the user would type it: relative to the working folder when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return Path(rel) if not rel.startswith("..") else path


class Excludes:
    """config.exclude's gitignore globs, matched by pathspec, and what is known of their answers.

    pathspec costs 25 ms to import (its backends and typing_extensions), as much as the walk of
    10,000 notes, in every command of a vault with globs (`vaultnet init` writes one), and asking
    it of each of 10,000 paths another 8. Its answer for a path depends on the globs alone, so:
    every note and attachment of the last commit's scan is known not excluded (the manifest, read
    for the same settings, lists them), and the rest of a whole scan's answers (each folder's, and
    the paths excluded) are kept beside the index (index/manifest.py) by their globs. pathspec is
    imported only for a path neither holds: one saved since the last commit, or a first scan.
    """

    def __init__(self, patterns: tuple[str, ...]):
        self.patterns = patterns
        self._spec: Any = None  # pathspec's GitIgnoreSpec, once a path not met before is asked
        self._answers: dict[str, bool] = {}  # kept: folders' answers and the paths excluded
        self._clear: tuple = ({}, {}, set())  # the last commit's notes, notes too large, attachments
        self._asked: dict[str, bool] = {}  # the answers worth keeping since the last recall

    def recall(self, kept: dict | None, clear: tuple | None) -> None:
        answers = kept.get(self.patterns) if isinstance(kept, dict) else None
        if isinstance(answers, dict):
            self._answers = answers
        if clear is not None:
            self._clear = clear
        self._asked = {}

    def match(self, rel: str) -> bool:
        hit = self._answers.get(rel)
        if hit is not True and hit is not False:  # not kept (or not an answer)
            files, too_large, attachments = self._clear
            if rel in files or rel in too_large or rel in attachments:
                return False
            if self._spec is None:
                import pathspec

                self._spec = pathspec.GitIgnoreSpec.from_lines(self.patterns)
            hit = bool(self._spec.match_file(rel))
        if hit or rel[-1:] == "/":
            self._asked[rel] = hit
        return hit

    def among(self, paths) -> set[str]:
        """Those of `paths` (file paths) the globs exclude: the known clear ones passed over at
        the cost of a dict lookup, not a call each."""
        files, too_large, attachments = self._clear
        return {rel for rel in [rel for rel in paths if rel not in files and rel not in too_large
                                and rel not in attachments] if self.match(rel)}

    def to_keep(self) -> dict | None:
        if not self._asked or self._asked == self._answers:
            return None
        return {self.patterns: self._asked}


def is_vault(folder: Path) -> bool:
    return any((folder / marker).is_dir() for marker in MARKERS)


def _stray_state(folder: Path) -> bool:
    """A `.vaultnet/` that only an index made (older versions made one wherever --vault pointed):
    no config and no .gitignore, which `init` always writes, and no `.obsidian/`."""
    state = folder / STATE_DIR
    return (not (folder / ".obsidian").is_dir() and not (state / "config.toml").exists()
            and not (state / ".gitignore").exists())


def find_vault(explicit: str | None, env: str | None, cwd: Path) -> Path:
    """--vault, else VAULTNET_VAULT, else the nearest folder holding .vaultnet/ or .obsidian/.

    A folder named by --vault or VAULTNET_VAULT must already be a vault: vaultnet never
    makes an index in a folder nobody made a vault (`vaultnet init` does). Walking up,
    a stray index-only `.vaultnet/` inside a real vault (in its People folder, say) is
    passed over for the vault around it."""
    for given, source in ((explicit, "--vault"), (env, "VAULTNET_VAULT")):
        if given:
            root = Path(given).expanduser()
            if not root.is_dir():
                raise VaultNotFound(f"{source}: {given} is not a folder")
            if not is_vault(root):
                raise VaultNotFound(f"{source}: {given} is not a vault (no .vaultnet/ or .obsidian/ in it); "
                                    f"make it one with: vaultnet init {_quoted(given)}")
            return root.resolve()
    here = cwd.resolve()
    found = [folder for folder in (here, *here.parents) if is_vault(folder)]
    for i, folder in enumerate(found):
        if i + 1 < len(found) and _stray_state(folder):
            continue
        return folder
    raise VaultNotFound(
        "no vault here: run `vaultnet init` in your notes folder, or point at one with --vault DIR "
        "or VAULTNET_VAULT"
    )


def _quoted(text: str) -> str:
    import shlex

    return shlex.quote(text)


def init_vault(root: Path) -> list[str]:
    """Create `.vaultnet/` with a commented config and a .gitignore; never overwrite them."""
    if root.exists() and not root.is_dir():
        raise VaultnetError(f"{root} exists and is not a folder")
    state = root / STATE_DIR
    try:
        state.mkdir(parents=True, exist_ok=True)
        created = []
        for name, content in (("config.toml", CONFIG_TEMPLATE), (".gitignore", GITIGNORE)):
            target = state / name
            try:
                with open(target, "x", encoding="utf-8") as fh:
                    fh.write(content)
                created.append(f"{STATE_DIR}/{name}")
            except FileExistsError:
                pass
    except OSError as exc:
        raise VaultnetError(f"cannot create {state}: {exc.strerror}") from exc
    return created
