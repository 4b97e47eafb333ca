"""NoteIndex: the index behind a narrow interface — sync it with the vault, then ask it.

The index is a cache of the notes: it carries a schema version, and whatever
cannot be opened is rebuilt. Its parts, each in its own module: the folder's
own files and the manifest (manifest.py), the per-person contributions
(people_file.py), the batch a sync writes (batch.py), the Whoosh writers and
the lock (writer.py), the read side (reader.py), the stored records
(records.py) and the schema (schema.py). Nothing outside this package touches
Whoosh.
"""

from __future__ import annotations

import errno
import shutil
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from ..errors import IndexBusy, IndexReadOnly, VaultnetError
from ..vault.folder import ScanResult, Stat, Vault
from ..vault.resolve import ATTACHMENT, LinkResolver, NoteRef
from . import people_file, persons, reader, writer
from .batch import Progress, diff_scan, targeted_scan, write_notes
from .manifest import SCHEMA_VERSION, IndexFolder, Meta
from .reader import why_unusable
from .records import Entry, Hit, Record, SyncStats

__all__ = ["READER_SYNC_TIMEOUT", "SCHEMA_VERSION", "WRITER_TIMEOUT", "NoteIndex", "sync_for"]

# Errors that say "no room or no right to write here": rebuilding cannot help, and would
# throw away the last good index that reads can still answer from.
_CANNOT_WRITE = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, getattr(errno, "EDQUOT", errno.ENOSPC)}
T = TypeVar("T")
WRITER_TIMEOUT = 30.0  # seconds a writer waits for another process's lock
READER_SYNC_TIMEOUT = 3.0  # a read command waits this long, then answers from the last commit


def sync_for(sync: Callable[[float], SyncStats], for_write: bool) -> SyncStats:
    """The sync a command runs before it answers; `sync(wait)` does it (a full scan, or the paths
    a watcher saw change).

    A reader waits a moment for another process's lock, then answers from the last commit
    (the stats say `stale`). A writer waits as long as a writer does and never goes on from a
    stale index, where a name could resolve to the wrong note; only on a read-only or full disk
    does it go on from the last index, and the write then says why it fails.
    """
    try:
        return sync(WRITER_TIMEOUT if for_write else READER_SYNC_TIMEOUT)
    except IndexReadOnly:
        if not for_write:
            raise
        return sync(READER_SYNC_TIMEOUT)


def _attachment_ref(path: str) -> NoteRef:
    return NoteRef(path, ATTACHMENT, path.rsplit("/", 1)[-1])


class NoteIndex:
    def __init__(self, vault: Vault, on_warning: Callable[[str], None] | None = None):
        self.vault = vault
        self._on_warning = on_warning
        self.warnings: list[str] = []  # kept here when no on_warning callback is given
        self._use_folder(IndexFolder(vault.index_dir, vault.state_dir / "index.lock"))
        self._held_lock: writer.FileLock | None = None  # our index.lock while a sync holds it
        self.temporary = False  # True once answering from a temporary index outside the vault

    def _use_folder(self, folder: IndexFolder) -> None:
        self.folder = folder
        self.dir = folder.path
        self._whoosh = reader.WhooshHandle(folder)
        self._files: dict[str, Stat] | None = None
        self._meta: dict[str, Meta] = {}
        self._too_large: dict[str, Stat] = {}
        self._attachments: set[str] = set()
        self._entries: dict[str, Entry] | None = None
        self._contrib: people_file.Contrib | None = None
        self._persons: persons.State | None = None
        # The commit whose stored shards the two tables above were read from or written as (None:
        # folded here), and the keys changed since, so that a commit writes only those shards.
        self._contrib_base: int | None = None
        self._persons_base: int | None = None
        self._touched: tuple[set[str] | None, set[str] | None] = (None, None)
        self._resolver: LinkResolver | None = None
        self._generation: int | None = None  # the commit the in-memory state describes
        self._from_manifest = False  # ... and whether it is that commit's manifest (not rebuilt from records)
        self._derived: dict = {}  # what callers computed from this state (derived()); dropped with it

    def warn(self, message: str) -> None:
        if self._on_warning is not None:
            self._on_warning(message)
        else:
            self.warnings.append(message)

    def generation(self) -> int | None:
        """The newest commit on disk (another process may have made it)."""
        return self.folder.generation()

    # ------------------------------------------------------------------ state

    def _load_manifest(self) -> dict | None:
        if self._files is not None and self._from_manifest and self._generation is not None \
                and self.folder.generation() == self._generation:
            # What we hold is that manifest (read, or written by us) and nobody committed since: a
            # long-lived process (the watcher) need not read a megabyte again per batch.
            return {"generation": self._generation, "files": self._files, "meta": self._meta,
                    "too_large": self._too_large, "attachments": self._attachments}
        return self.folder.load_manifest(self.vault.fingerprint())

    def _use_manifest(self, data: dict) -> None:
        if self._files is not None and data.get("generation") == self._generation:
            return  # what we hold in memory (a watcher's resolver, contributions) is still current
        if self._generation is not None and data.get("generation") != self._generation:
            self._whoosh.close_searcher()  # another process committed: a kept searcher reads the old state
        self._files, self._meta, self._too_large = data["files"], data["meta"], data["too_large"]
        self._attachments = data["attachments"]
        self._generation = data.get("generation")
        self._from_manifest = True
        self._entries = None
        self._contrib = None
        self._persons = None
        self._resolver = None
        self._derived = {}

    def _write_state(self, generation: int | None) -> None:
        self._generation = generation
        self._from_manifest = False  # until the manifest is written
        sources, people = self._touched
        if self._contrib is not None:
            people_file.write(self.folder, generation, self._contrib, sources, self._contrib_base)
            self._contrib_base = generation
        if self._persons is not None:
            persons.write(self.folder, generation, self._persons, people, self._persons_base)
            self._persons_base = generation
        self._touched = (set(), set())
        self.folder.write_manifest(generation, self.vault.fingerprint(), self._files or {},
                                   self._meta, self._too_large, self._attachments)
        self._from_manifest = True

    def _state_from_whoosh(self) -> None:
        """Rebuild the manifest's view from stored records (after a crash between two writes).
        The attachments are not in the records: the sync that follows finds them all new."""
        self._files, self._meta, self._attachments = {}, {}, set()
        self._entries, self._contrib, self._persons, self._resolver = None, None, None, None
        self._derived = {}
        self._generation = self.folder.generation()
        self._from_manifest = False
        ix = self._whoosh.open()
        if ix is None:
            return
        for rec in reader.state_records(ix):
            self._files[rec["path"]] = tuple(rec["stat"])
            self._meta[rec["path"]] = (
                rec["kind"], rec["name"], tuple(rec["aliases"]), tuple(tuple(p) for p in rec["problems"])
            )

    def _ensure_state(self) -> None:
        if self._files is None:
            data = self._load_manifest()
            if data is not None:
                self._use_manifest(data)
            else:
                self._state_from_whoosh()

    def entries(self) -> dict[str, Entry]:
        if self._entries is None:
            self._ensure_state()
            assert self._files is not None
            self._entries = {
                path: Entry(st[0], st[1], *self._meta[path]) for path, st in self._files.items()
            }
        return self._entries

    def kinds(self) -> dict[str, tuple[str, str]]:
        """path -> (kind, name) for every note, straight from the manifest."""
        self._ensure_state()
        return {path: (m[0], m[1]) for path, m in self._meta.items()}

    def entry(self, path: str) -> Entry | None:
        """One note's entry, without building the entries of the whole vault."""
        if self._entries is not None:
            return self._entries.get(path)
        self._ensure_state()
        assert self._files is not None
        st = self._files.get(path)
        return Entry(st[0], st[1], *self._meta[path]) if st is not None else None

    def contributions(self) -> people_file.Contrib:
        """What each note contributes to each person (vault/contributions.py), and persons' own fields."""
        if self._contrib is None:
            self._ensure_state()
            generation = self.folder.generation()
            self._contrib = people_file.load(self.folder, generation)
            self._contrib_base = generation
        if self._contrib is None:  # lost or stale: fold every note's stored facts again
            self._contrib = people_file.fold_all(self.stored_facts(), self.kinds(), self._meta, self.resolver())
            self._contrib_base = None
        return self._contrib

    def persons(self) -> persons.State:
        """Every person's contributions summed (index/persons.py), and persons' own fields: what the
        lists (due, ledger, news, references) need, without the per-note contributions."""
        if self._persons is None:
            self._ensure_state()
            generation = self.folder.generation()
            self._persons = persons.load(self.folder, generation)
            self._persons_base = generation
        if self._persons is None:  # lost or stale: sum the contributions again
            contrib = self.contributions()
            self._persons = (persons.fold_all(contrib[0]), contrib[1])
            self._persons_base = None
        return self._persons

    def resolver(self) -> LinkResolver:
        """Resolves link targets to notes and to the vault's other files (attachments)."""
        if self._resolver is None:
            notes = [NoteRef(p, e.kind, e.name, e.aliases) for p, e in self.entries().items()]
            self._resolver = LinkResolver(notes + [_attachment_ref(p) for p in self._attachments])
        return self._resolver

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """`make()`, kept until the index's state changes (a sync that changed something, another
        process's commit taken up): for what is costly to fold from the whole vault and asked
        again and again by a process that lives long (the MCP server's `due` at 10,000 people)."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]

    def problems(self, found: Iterable[dict] = ()) -> list[dict]:
        """Every problem known in the vault: notes' own, files skipped for their size, and Obsidian
        settings that could not be read; plus
        those of `found` (a sync's) about files the index holds nothing of (a folder or a file
        that could not be read), which every sync finds again."""
        out = [
            {"path": p, "line": line, "message": message}
            for p, e in sorted(self.entries().items())
            for line, message in e.problems
        ]
        for rel, (size, _) in sorted(self._too_large.items()):
            out.append({"path": rel, "line": None,
                        "message": f"{size} bytes, over max_file_size ({self.vault.config.max_file_size}); skipped"})
        out += [{"path": rel, "line": None, "message": message} for rel, message in self.vault.obsidian.problems]
        known = {p["path"] for p in out}
        out += [p for p in found if p["line"] is None and p["path"] not in known]
        return out

    # ------------------------------------------------------------------ reading

    def searcher(self):
        if self._whoosh.searcher is None:
            try:
                self._whoosh.searcher = self._whoosh.open_searcher()
            except IndexBusy:
                raise
            except Exception as exc:  # unreadable: the notes are the truth, build it again
                self.close()
                why = f"the index was rebuilt because it could not be opened ({type(exc).__name__})"
                try:
                    self.sync(rebuild=True)
                except IndexReadOnly as err:  # a read-only or full disk: build it elsewhere
                    self._use_temporary_dir()
                    self.sync(rebuild=True)
                    why = (f"the index could not be opened ({type(exc).__name__}) nor rebuilt ({err}); "
                           "answering from a temporary index")
                self.warn(why)
                self._whoosh.searcher = self._whoosh.open_searcher()
            if self._whoosh.searcher is None:
                raise VaultnetError("there is no index yet; run `vaultnet index`")
        return self._whoosh.searcher

    def stored_facts(self, paths: Iterable[str] | None = None) -> dict[str, tuple]:
        """Notes' facts (notes/facts.py) from the stored records: every note's, or those of `paths`."""
        return reader.stored_facts(self.searcher(), paths)

    def records(self, paths: Iterable[str]) -> dict[str, Record]:
        return reader.records(self.searcher(), paths)

    def all_records(self) -> Iterator[Record]:
        return reader.all_records(self.searcher())

    def linking(self, keys: Iterable[str]) -> list[str]:
        """Paths of notes with a link whose key is one of `keys` (candidates, not yet resolved)."""
        return reader.linking(self.searcher(), keys)

    def search(self, text: str, kind: str | None = None, limit: int | None = 20) -> list[Hit]:
        return reader.search(self.searcher(), text, kind, limit)

    def close(self) -> None:
        self._whoosh.close()

    def __enter__(self) -> NoteIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ sync

    def sync_paths(self, paths: Iterable[str], wait: float = WRITER_TIMEOUT) -> SyncStats:
        """Bring the index up to date for these vault paths only (notes or folders).

        The watcher's way: it knows what changed, so it stats those paths
        instead of walking the vault. Without a usable manifest it falls back
        to a full sync.
        """
        paths = list(paths)
        if not paths and self._files is not None and self._generation is not None \
                and self.folder.generation() == self._generation:
            # Nothing named and nobody committed since: what we hold is current (a server's
            # catch-up before every call; reading the manifest costs milliseconds at 10,000 notes).
            return SyncStats(unchanged=len(self._files))
        data = self._load_manifest()
        if data is None:
            return self.sync(wait=wait)
        return self.sync(wait=wait, scan=targeted_scan(self.vault, data, paths))

    def sync(self, *, rebuild: bool = False, progress: Progress | None = None,
             wait: float = WRITER_TIMEOUT, procs: int | None = None, scan: ScanResult | None = None) -> SyncStats:
        """Bring the index up to date with the files: parse only what changed."""
        started = time.perf_counter()
        stats = SyncStats()
        targeted = scan is not None
        if scan is None:
            scan = self.vault.scan()
        for rel, message in scan.problems:
            stats.problems.append({"path": rel, "line": None, "message": message})

        data = None
        if not rebuild:
            data = self._load_manifest()
            if data is not None and data["files"] == scan.files and data["too_large"] == scan.too_large \
                    and data["attachments"] == scan.attachments:
                self._use_manifest(data)
                stats.unchanged = len(scan.files)
                stats.seconds = time.perf_counter() - started
                return stats

        # A manifest that matched this version, config and commit vouches for the index.
        reason = None if rebuild or data is not None else why_unusable(self.folder, self._whoosh,
                                                                        self.vault.fingerprint())
        try:
            lock = writer.acquire_lock(self.folder.lock_path, wait)
            self._held_lock = lock
            try:
                stats = self._sync_locked(scan, stats, rebuild, reason, data, targeted, progress, procs)
            finally:
                self._held_lock = None
                lock.release()
        except (IndexBusy, IndexReadOnly) as exc:
            # A reading command answers from the last commit, or from a temporary index, rather than fail.
            if wait >= WRITER_TIMEOUT or self.temporary:
                raise
            stats = SyncStats(problems=stats.problems[: len(scan.problems)])
            if reason is None and self.folder.has_last_state():
                why = ("another vaultnet process is updating the index" if isinstance(exc, IndexBusy)
                       else f"the index cannot be updated ({exc})")
                stats.stale = f"{why}; answering from its last state"
                self.close()
                self.warn(stats.stale)
            elif isinstance(exc, IndexBusy):
                raise
            else:  # nothing committed to answer from (a read-only vault never indexed here)
                self._use_temporary_dir()
                stats = self.sync(rebuild=True, progress=progress, procs=procs, scan=scan)
                stats.stale = f"the index cannot be written ({exc}); answering from a temporary index"
                self.warn(stats.stale)
        stats.seconds = time.perf_counter() - started
        return stats

    def _sync_locked(self, scan: ScanResult, stats: SyncStats, rebuild: bool, reason: str | None,
                     data: dict | None, targeted: bool, progress: Progress | None, procs: int | None) -> SyncStats:
        self.folder.remove_strays()
        rebuilt = None  # said once the rebuild has worked: a full disk may still stop it
        try:
            if rebuild or reason is not None or self._whoosh.open() is None:
                self._create()
                if reason is not None:
                    rebuilt = stats.rebuilt_because = f"the index was rebuilt because {reason}"
            else:
                # Under the lock, read again if another process committed in the meantime.
                if data is None or data.get("generation") != self.folder.generation():
                    data = self._load_manifest()
                    if targeted:  # our picture was built on the old commit: look at everything
                        scan = self.vault.scan()
                if data is not None:
                    self._use_manifest(data)
                else:
                    self._state_from_whoosh()
            self._apply(scan, stats, progress, procs)
        except (VaultnetError, KeyboardInterrupt, MemoryError):
            raise
        except Exception as exc:  # the index broke under us: the notes are the truth
            self._refuse_if_cannot_write(exc)
            if rebuild or stats.rebuilt_because:
                raise
            self._create()
            stats = SyncStats(problems=stats.problems[: len(scan.problems)])
            rebuilt = stats.rebuilt_because = (
                f"the index was rebuilt because it could not be updated ({type(exc).__name__})"
            )
            try:
                self._apply(scan, stats, progress, procs)
            except OSError as again:
                self._refuse_if_cannot_write(again)
                raise
        if rebuilt:
            self.warn(rebuilt)
        return stats

    def _refuse_if_cannot_write(self, exc: BaseException) -> None:
        """A full or read-only disk is no corrupt index: keep the last commit, say why."""
        if isinstance(exc, OSError) and exc.errno in _CANNOT_WRITE:
            self.close()
            raise IndexReadOnly(f"cannot write the index in {self.dir}: {exc.strerror}") from exc

    def _create(self) -> None:
        self.close()
        self._whoosh.ix = writer.create_index(self.folder)
        self._files, self._meta, self._too_large, self._attachments = {}, {}, {}, set()
        self._contrib = ({}, {})
        self._persons = ({}, {})
        self._derived = {}
        self._resolver = None
        self._generation = None
        self._from_manifest = False

    def _use_temporary_dir(self) -> None:
        """Keep the index in a fresh folder outside the vault (removed with this object)."""
        import tempfile
        import weakref

        self.close()
        folder = Path(tempfile.mkdtemp(prefix="vaultnet-index-"))
        weakref.finalize(self, shutil.rmtree, str(folder), True)
        self._use_folder(IndexFolder(folder / "index", folder / "index.lock"))
        self.temporary = True

    def _apply(self, scan: ScanResult, stats: SyncStats, progress: Progress | None, procs: int | None) -> None:
        assert self._files is not None
        files, meta = dict(self._files), dict(self._meta)
        old_meta = self._meta
        contrib = None if not files else self.contributions()
        summed = None if not files else self.persons()  # read before the commit moves the generation
        to_parse, gone = diff_scan(files, self._too_large, scan, stats, self.vault.config.max_file_size)
        if procs is None:
            procs = writer.processes_for(len(to_parse))
        batch = writer.open_writer(self._whoosh.open(), procs, getattr(self._held_lock, "fd", None))
        try:
            parsed_facts = write_notes(batch, self.vault, to_parse, gone, files, meta, stats, progress)
            batch.commit()
        except BaseException:
            batch.cancel()
            raise
        self.close()  # reopen to see the new generation
        ix = self._whoosh.open()
        if procs > 1 and (ix is None or ix.doc_count() != len(files)):
            # A failing worker process loses its documents without an error; build it again, alone.
            self._create()
            fresh = SyncStats()
            self._apply(scan, fresh, progress, procs=1)
            fresh.rebuilt_because = "the index was rebuilt because a writer process failed"
            self.warn(fresh.rebuilt_because)
            stats.__dict__.update(fresh.__dict__)
            return
        old_attachments, attachments = self._attachments, set(scan.attachments)
        files_changed = old_attachments ^ attachments  # a link to one may resolve differently now
        self._files, self._meta, self._too_large = files, meta, dict(scan.too_large)
        self._attachments = attachments
        self._entries = None
        self._derived = {}
        if self._resolver is not None:  # kept current in place: a watcher reuses it batch after batch
            changed = [p for p in sorted(set(parsed_facts) | set(gone))  # only these can have changed
                       if tuple(old_meta.get(p, ("",))[:3]) != tuple(meta.get(p, ("",))[:3])]
            self._resolver.update([p for p in changed if p not in meta] + sorted(old_attachments - attachments),
                                  [NoteRef(p, *meta[p][:3]) for p in changed if p in meta]
                                  + [_attachment_ref(p) for p in sorted(attachments - old_attachments)])
        if contrib is None or summed is None:  # first build: every note was just parsed
            self._contrib = people_file.fold_all(parsed_facts, self.kinds(), self._meta, self.resolver())
            self._persons = (persons.fold_all(self._contrib[0]), self._contrib[1])
            self._touched = (None, None)
        else:
            self._contrib, touched = people_file.refold(contrib, parsed_facts, gone, old_meta, self._meta,
                                                        self.kinds(), self.resolver(), self.linking,
                                                        self.stored_facts, moved_files=files_changed)
            summed_again: set[str] | None = set(touched)  # a person's own fields are under their own path
            try:
                folded = persons.refold(summed[0], contrib[0], self._contrib[0], touched, summed_again)
            except ValueError:  # a sum that does not hold what is taken away: sum everything again
                folded, summed_again = persons.fold_all(self._contrib[0]), None
            self._persons = (folded, self._contrib[1])
            self._touched = (touched, summed_again)
        self._write_state(self.folder.generation())
