"""The index folder's own files: the version stamp, the manifest, and the commit they describe.

Beside Whoosh's segments, `manifest` is a small marshal file (path -> size and
mtime_ns; path -> kind, name, aliases, problems) written after each commit and
stamped with the Whoosh generation it describes. A sync with nothing to do
reads it and compares it with a scan of the vault in one dict comparison, so it
never imports or opens Whoosh. It also lists the vault's other files (attachments),
which links resolve to but which are not indexed. Each manifest written has an id of its
own (`commit`); the `kept-*` files beside it (a due table, the rows of ledger, news and
references: index/state.py `derived`) are stamped with the id of the state they were
derived from, so a rebuild that comes back to the same generation number never passes
for the commit they describe.
"""

from __future__ import annotations

import marshal
import os
import re
from pathlib import Path

from ..gc_pause import gc_paused

# Bump whenever the schema, the stored record or the parser's output changes.
SCHEMA_VERSION = 16  # 16: the stored records kept in shards beside the index too (kept_records.py)
INDEX_NAME = "MAIN"
_TOC = re.compile(r"_%s_(\d+)\.toc$" % INDEX_NAME)  # noqa: UP031 - a regex, not a message
# What a killed sync leaves in the index folder and nothing else removes: our manifest's
# temporary files, and Whoosh's TOC written under a temporary name before its rename.
_STRAY = re.compile(rf"^(\.(manifest|people|persons|records|excludes|kept-\w+)(\.\d+)?\.\d+\.tmp|_{INDEX_NAME}_\d+\.toc\.[\d.]+)$")

Meta = tuple  # (kind, name, aliases, problems) as kept in the manifest


def write_marshal(path: Path, data) -> None:
    """Write beside the index atomically: a temp file, fsynced, renamed over."""
    write_bytes(path, marshal.dumps(data))


def write_bytes(path: Path, data: bytes, sync: bool = True) -> None:
    """`data` into `path` atomically: a temp file, fsynced (unless not `sync`), renamed over."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()  # a full disk must not leave a half file behind
        except OSError:
            pass
        raise


def read_marshal(path: Path) -> dict | None:
    try:
        with open(path, "rb") as fh, gc_paused():
            data = marshal.loads(fh.read())  # marshal.load(fh) reads in many small pieces
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return data if isinstance(data, dict) else None


class IndexFolder:
    """Where the index lives, and what its files say before Whoosh is opened."""

    def __init__(self, folder: Path, lock_path: Path):
        self.path = folder
        self.manifest_path = folder / "manifest"
        self.people_path = folder / "people"
        self.persons_path = folder / "persons"
        self.records_path = folder / "records"
        self.excludes_path = folder / "excludes"
        # Outside the index folder, so that a rebuild (which empties it) never drops a held lock.
        self.lock_path = lock_path
        self._read_ahead: dict[str, dict | None] = {}  # kept answers read before they were asked for

    @classmethod
    def within(cls, state_dir: Path) -> IndexFolder:
        """The index of the vault whose `.vaultnet/` is `state_dir` (or of a temporary folder)."""
        return cls(state_dir / "index", state_dir / "index.lock")

    def generation(self) -> int | None:
        """The newest Whoosh commit on disk."""
        try:
            names = os.listdir(self.path)
        except OSError:
            return None
        gens = [int(m[1]) for n in names if (m := _TOC.match(n))]
        return max(gens) if gens else None

    def has_last_state(self) -> bool:
        """A committed index to answer from (generation 0 is a build that never committed)."""
        generation = self.generation()
        return generation is not None and generation > 0

    def version(self) -> str | None:
        try:
            return (self.path / "VERSION").read_text().strip()
        except OSError:
            return None

    def stamp_version(self) -> None:
        (self.path / "VERSION").write_text(str(SCHEMA_VERSION))

    def read_manifest(self) -> dict | None:
        return read_marshal(self.manifest_path)

    def load_manifest(self, fingerprint: tuple) -> dict | None:
        """The manifest if it matches this schema, config and Whoosh generation."""
        if self.version() != str(SCHEMA_VERSION):
            return None
        data = self.read_manifest()
        if (
            data is None
            or data.get("version") != SCHEMA_VERSION
            or data.get("config") != fingerprint
            or data.get("generation") != self.generation()
        ):
            return None
        return data

    def write_manifest(self, generation: int | None, fingerprint: tuple, files: dict, meta: dict,
                       too_large: dict, attachments: set[str]) -> str:
        """Returns the new manifest's own id (`commit`): a generation number comes again after a
        rebuild, this id never; what is kept beside the index (`write_kept`) is stamped with it."""
        commit = os.urandom(8).hex()
        write_marshal(self.manifest_path, {
            "version": SCHEMA_VERSION,
            "config": fingerprint,
            "generation": generation,
            "commit": commit,
            "files": files,
            "meta": meta,
            "too_large": too_large,
            "attachments": attachments,
        })
        return commit

    def read_kept(self, name: str) -> dict | None:
        """What `write_kept(name, ...)` wrote, or None (never written, unreadable, half written)."""
        if name in self._read_ahead:
            return self._read_ahead.pop(name)
        return read_marshal(self.path / f"kept-{name}")

    def read_kept_ahead(self, name: str) -> None:
        """Read `kept-name` now for the next read_kept(name). Read early or late, it is stamped with
        the commit it was derived from, and only used where that is the commit held."""
        self._read_ahead[name] = read_marshal(self.path / f"kept-{name}")

    def write_kept(self, name: str, commit: str, key, value) -> None:
        """A value derived from commit `commit`'s state (index/state.py `derived`), kept for the next
        process. Not fsynced: a file lost in a crash is only a value derived again."""
        try:
            write_bytes(self.path / f"kept-{name}", marshal.dumps({"commit": commit, "key": key, "value": value}),
                        sync=False)
        except (OSError, ValueError):  # a read-only or full disk; a value marshal cannot hold
            pass

    def read_excludes(self) -> dict | None:
        """config.exclude's answers a whole scan kept (vault/folder.py Excludes), by their globs."""
        return read_marshal(self.excludes_path) if self.excludes_path.exists() else None

    def keep_excludes(self, answers: dict | None) -> None:
        """`answers` kept for the next process, if there are any and the index folder is there.
        A pure function of the globs, so two processes writing at once write the same; one that
        cannot write (a read-only vault) leaves them to be worked out again."""
        if answers is None or not self.path.is_dir():
            return
        try:
            write_bytes(self.excludes_path, marshal.dumps(answers), sync=False)
        except (OSError, ValueError):
            pass

    def remove_strays(self) -> None:
        """Temporary files a killed sync left in the index folder; under our lock none is in use."""
        try:
            names = os.listdir(self.path)
        except OSError:
            return
        for name in names:
            if _STRAY.match(name):
                try:
                    os.unlink(self.path / name)
                except OSError:
                    pass
