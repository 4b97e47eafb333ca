"""The index: Whoosh behind a narrow interface, plus a manifest for fast syncs.

Nothing outside this module (and whoosh_schema, which it imports lazily)
touches Whoosh. The index is a cache of the notes: it carries a schema
version, and whatever cannot be opened is rebuilt.

Beside Whoosh's segments, `.vaultnet/index/manifest` is a small marshal file
(path -> size and mtime_ns; path -> kind, name, aliases, problems) written
after each commit and stamped with the Whoosh generation it describes. A sync
with nothing to do reads the manifest and compares it with a scan of the
vault in one dict comparison, so it never imports or opens Whoosh.
"""

from __future__ import annotations

import errno
import marshal
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .errors import IndexBusy, IndexReadOnly, QueryError, VaultnetError
from .index_records import (
    Entry,
    Hit,
    Record,
    SyncStats,
    _document,
    _read_note,
    _record_from,
)
from .resolve import LinkResolver, NoteRef, fold, link_key
from .vault import ScanResult, Stat, Vault

# Bump whenever the schema, the stored record or the parser's output changes.
SCHEMA_VERSION = 9
INDEX_NAME = "MAIN"
_TOC = re.compile(r"_%s_(\d+)\.toc$" % INDEX_NAME)
# What a killed sync leaves in the index folder and nothing else removes: our manifest's
# temporary files, and Whoosh's TOC written under a temporary name before its rename.
_STRAY = re.compile(rf"^(\.(manifest|people)\.\d+\.tmp|_{INDEX_NAME}_\d+\.toc\.[\d.]+)$")
# Errors that say "no room or no right to write here": rebuilding cannot help, and would
# throw away the last good index that reads can still answer from.
_CANNOT_WRITE = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, getattr(errno, "EDQUOT", errno.ENOSPC)}
WRITER_TIMEOUT = 30.0  # seconds a writer waits for another process's lock
READER_SYNC_TIMEOUT = 3.0  # a read command waits this long, then answers from the last commit
# A batch of at least this many notes (a first build, a git checkout) is written
# by several processes (Whoosh's MpWriter, one segment each): 9.6 s instead of
# 15.3 s for 11k notes on 2 cores. Smaller batches are not worth the workers' start-up.
MULTIPROCESS_BATCH = 2000
OPEN_ATTEMPTS = 20  # another process's commit may delete the generation being opened; take the next

Progress = Callable[[int, int], None]
Meta = tuple  # (kind, name, aliases, problems) as kept in the manifest


def _person_fields(facts: dict[str, tuple], meta: dict[str, Meta]) -> dict[str, dict]:
    from .facts import FIELDS

    return {p: f[FIELDS] for p, f in facts.items() if meta.get(p, ("",))[0] == "person"}


def _write_marshal(path, data) -> None:
    """Write beside the index atomically: a temp file, fsynced, renamed over."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            marshal.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()  # a full disk must not leave a half file behind
        except OSError:
            pass
        raise


def _exit_with_parent(parent: int) -> None:
    """In a writer process: end it as soon as the process that started it is gone."""
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


def _make_worker_task():
    """Whoosh's writer process, made to go when its parent is killed (kill -9, the OOM killer).

    Whoosh's own workers wait on their queue for ever, and a forked worker shares the
    parent's index.lock: every later sync then waited for a lock nobody would release.
    """
    import multiprocessing
    import threading

    from whoosh.multiproc import SubWriterTask

    class _WorkerTask(SubWriterTask):
        def __init__(self, *args, lock_fd: int | None = None):
            super().__init__(*args)
            self.parent = os.getpid()
            # Only a forked worker holds our descriptors; a spawned one's numbers mean other files.
            self.lock_fd = lock_fd if multiprocessing.get_start_method() == "fork" else None

        def run(self):
            if self.lock_fd is not None:
                try:
                    os.close(self.lock_fd)  # our copy only: the parent's lock stays held while it lives
                except OSError:
                    pass
            threading.Thread(target=_exit_with_parent, args=(self.parent,), daemon=True).start()
            super().run()

    _WorkerTask.__module__, _WorkerTask.__qualname__ = __name__, "_WorkerTask"
    return _WorkerTask


def __getattr__(name: str):
    # _WorkerTask subclasses Whoosh's, which this module imports only to write; it is made on
    # first use, also when a spawned worker looks it up by name to unpickle its task.
    if name == "_WorkerTask":
        globals()[name] = task = _make_worker_task()
        return task
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _mp_writer(ix, lock_fd: int | None, **kwargs):
    from whoosh.multiproc import MpWriter

    task_class = globals().get("_WorkerTask") or __getattr__("_WorkerTask")

    class _Writer(MpWriter):
        def _new_task(self):
            task = task_class(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                              self.subargs, self.multisegment, lock_fd=lock_fd)
            self.tasks.append(task)
            task.start()
            return task

    return _Writer(ix, **kwargs)


class NoteIndex:
    def __init__(self, vault: Vault, on_warning: Callable[[str], None] | None = None):
        self.vault = vault
        self.dir = vault.index_dir
        self._manifest_path = self.dir / "manifest"
        self._people_path = self.dir / "people"
        # Outside the index folder, so that a rebuild (which empties it) never drops a held lock.
        self._lock_path = vault.state_dir / "index.lock"
        self._on_warning = on_warning
        self.warnings: list[str] = []  # kept here when no on_warning callback is given
        self._files: dict[str, Stat] | None = None
        self._meta: dict[str, Meta] = {}
        self._too_large: dict[str, Stat] = {}
        self._entries: dict[str, Entry] | None = None
        self._contrib: tuple[dict, dict] | None = None  # (contributions by source, persons' own fields)
        self._ix = None
        self._searcher = None
        self._resolver: LinkResolver | None = None
        self._generation: int | None = None  # the commit the in-memory state describes
        self._held_lock = None  # our index.lock while a sync holds it
        self.temporary = False  # True once answering from a temporary index outside the vault

    def warn(self, message: str) -> None:
        if self._on_warning is not None:
            self._on_warning(message)
        else:
            self.warnings.append(message)

    # ------------------------------------------------------------------ manifest

    def _generation_on_disk(self) -> int | None:
        try:
            names = os.listdir(self.dir)
        except OSError:
            return None
        gens = [int(m[1]) for n in names if (m := _TOC.match(n))]
        return max(gens) if gens else None

    def _read_manifest_file(self) -> dict | None:
        try:
            with open(self._manifest_path, "rb") as fh:
                data = marshal.loads(fh.read())  # marshal.load(fh) reads in many small pieces
        except (OSError, EOFError, ValueError, TypeError):
            return None
        return data if isinstance(data, dict) else None

    def _load_manifest(self) -> dict | None:
        """The manifest if it matches this schema, config and Whoosh generation."""
        try:
            if (self.dir / "VERSION").read_text().strip() != str(SCHEMA_VERSION):
                return None
        except OSError:
            return None
        data = self._read_manifest_file()
        if (
            data is None
            or data.get("version") != SCHEMA_VERSION
            or data.get("config") != self.vault.config.fingerprint()
            or data.get("generation") != self._generation_on_disk()
        ):
            return None
        return data

    def _use_manifest(self, data: dict) -> None:
        if self._files is not None and data.get("generation") == self._generation:
            return  # what we hold in memory (a watcher's resolver, contributions) is still current
        if self._generation is not None and data.get("generation") != self._generation:
            self._close_searcher()  # another process committed: a searcher kept open reads the old state
        self._files, self._meta, self._too_large = data["files"], data["meta"], data["too_large"]
        self._generation = data.get("generation")
        self._entries = None
        self._contrib = None
        self._resolver = None

    def _write_manifest(self, generation: int | None) -> None:
        self._generation = generation
        data = {
            "version": SCHEMA_VERSION,
            "config": self.vault.config.fingerprint(),
            "generation": generation,
            "files": self._files,
            "meta": self._meta,
            "too_large": self._too_large,
        }
        if self._contrib is not None:
            _write_marshal(self._people_path, {"version": SCHEMA_VERSION, "generation": generation,
                                               "contrib": self._contrib[0], "fields": self._contrib[1]})
        _write_marshal(self._manifest_path, data)

    def _state_from_whoosh(self) -> None:
        """Rebuild the manifest's view from stored records (after a crash between two writes)."""
        self._files, self._meta = {}, {}
        self._entries, self._contrib, self._resolver = None, None, None
        self._generation = self._generation_on_disk()
        ix = self._open()
        if ix is None:
            return
        with ix.searcher() as s:
            for stored in s.all_stored_fields():
                rec = stored.get("record")
                if rec:
                    self._files[rec["path"]] = tuple(rec["stat"])
                    self._meta[rec["path"]] = (
                        rec["kind"], rec["name"], tuple(rec["aliases"]), tuple(tuple(p) for p in rec["problems"])
                    )

    def stored_facts(self, paths: Iterable[str] | None = None) -> dict[str, tuple]:
        """Notes' facts (facts.note_facts) from the stored records: every note's, or those of `paths`."""
        s = self.searcher()
        if paths is None:
            return {st["record"]["path"]: st["record"]["facts"] for st in s.all_stored_fields() if "record" in st}
        out = {}
        for path in paths:
            stored = s.document(path=path)
            if stored and "record" in stored:
                out[path] = stored["record"]["facts"]
        return out

    def _load_contrib(self) -> tuple[dict, dict] | None:
        try:
            with open(self._people_path, "rb") as fh:
                data = marshal.loads(fh.read())
        except (OSError, EOFError, ValueError, TypeError):
            return None
        if (not isinstance(data, dict) or data.get("version") != SCHEMA_VERSION
                or data.get("generation") != self._generation_on_disk()):
            return None
        return data["contrib"], data["fields"]

    def contributions(self) -> tuple[dict, dict]:
        """What each note contributes to each person (relations.contributions), and persons' own fields."""
        if self._contrib is None:
            self._ensure_state()
            self._contrib = self._load_contrib()
        if self._contrib is None:  # lost or stale: fold every note's stored facts again
            from .relations import all_contributions

            facts = self.stored_facts()
            contrib = all_contributions(facts, self.kinds(), self.resolver())
            self._contrib = (contrib, _person_fields(facts, self._meta))
        return self._contrib

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

    # ------------------------------------------------------------------ whoosh

    def _open(self):
        """The Whoosh index, or None when there is none yet."""
        if self._ix is not None:
            return self._ix
        from whoosh import index as windex

        for _ in range(OPEN_ATTEMPTS):
            generation = self._generation_on_disk()
            if generation is None:
                return None
            try:
                self._ix = windex.open_dir(str(self.dir), indexname=INDEX_NAME)
            except windex.EmptyIndexError:
                return None
            except FileNotFoundError:
                # Another process committed between our listing and the open, and Whoosh
                # deleted the generation we were opening: open the new one.
                if self._generation_on_disk() == generation:
                    raise
                continue
            return self._ix
        raise IndexBusy("the index keeps changing while being opened; try again")

    def _open_searcher(self):
        """A searcher on the newest commit; None when there is no index yet."""
        for _ in range(OPEN_ATTEMPTS):
            ix = self._open()
            if ix is None:
                return None
            generation = self._generation_on_disk()
            try:
                return ix.searcher()
            except FileNotFoundError:
                # Same race as in _open: the segments of the commit being opened were
                # deleted by a newer commit. Only a failure on a still-current commit is real.
                if self._generation_on_disk() == generation:
                    raise
        raise IndexBusy("the index keeps changing while being opened; try again")

    def _create(self):
        from whoosh import index as windex

        from .whoosh_schema import schema

        self.close()
        if self.dir.is_symlink() and self.dir.is_dir():
            # Kept on another disk on purpose: empty the folder it points to, keep the link.
            for child in self.dir.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        elif self.dir.is_dir():
            shutil.rmtree(self.dir, ignore_errors=True)
        elif self.dir.is_symlink() or self.dir.exists():
            self.dir.unlink()  # a file, or a dangling link, where the disposable index belongs
        self.dir.mkdir(parents=True, exist_ok=True)
        self._ix = windex.create_in(str(self.dir), schema(), indexname=INDEX_NAME)
        (self.dir / "VERSION").write_text(str(SCHEMA_VERSION))
        self._files, self._meta, self._too_large = {}, {}, {}
        self._contrib = ({}, {})
        self._resolver = None
        self._generation = None
        return self._ix

    def _why_rebuild(self) -> str | None:
        """Why the index on disk cannot be used as it is, or None."""
        if not self.dir.exists():
            return None
        try:
            version = (self.dir / "VERSION").read_text().strip()
        except OSError:
            return "it has no version stamp"
        if not version:  # a build killed while it stamped the version
            return "it is incomplete"
        if version != str(SCHEMA_VERSION):
            return f"it was built by another version of vaultnet (schema {version})"
        stored = (self._read_manifest_file() or {}).get("config")
        if stored not in (None, self.vault.config.fingerprint()):
            # people_dirs, exclude... decide kinds and which files are notes.
            return "config.toml changed"
        try:
            s = self._open_searcher()
            if s is None:
                return "it is incomplete"
            with s:
                s.doc_count()
        except IndexBusy:
            return None  # readable, only busy: the sync takes the lock and looks again
        except Exception as exc:  # any failure to open means: rebuild
            self._ix = None
            return f"it could not be opened ({type(exc).__name__})"
        return None

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def close(self) -> None:
        self._close_searcher()
        self._ix = None

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
        data = self._load_manifest()
        if data is None:
            return self.sync(wait=wait)
        files, too_large = dict(data["files"]), dict(data["too_large"])
        for rel in sorted(set(paths)):
            rel = rel.strip("/")
            kind, st = self.vault.stat_note(rel)
            if kind == "folder" or (kind == "none" and not rel.lower().endswith(".md")):
                # A folder appeared, went or was renamed: rescan it (also drops what is gone).
                prefix = rel + "/"
                for table in (files, too_large):
                    for key in [k for k in table if k.startswith(prefix)]:
                        del table[key]
                if kind == "folder":
                    sub = self.vault.scan(under=rel)
                    files.update(sub.files)
                    too_large.update(sub.too_large)
                continue
            files.pop(rel, None)
            too_large.pop(rel, None)
            if kind == "file":
                files[rel] = st
            elif kind == "too_large":
                too_large[rel] = st
        from .vault import ScanResult

        return self.sync(wait=wait, scan=ScanResult(files, too_large))

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
            if data is not None and data["files"] == scan.files and data["too_large"] == scan.too_large:
                self._use_manifest(data)
                stats.unchanged = len(scan.files)
                stats.seconds = time.perf_counter() - started
                return stats

        # A manifest that matched this version, config and commit vouches for the index.
        reason = None if rebuild or data is not None else self._why_rebuild()
        try:
            lock = self._acquire(wait)
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
            if reason is None and self._has_last_state():
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
        self._remove_strays()
        rebuilt = None  # said once the rebuild has worked: a full disk may still stop it
        try:
            if rebuild or reason is not None or self._open() is None:
                self._create()
                if reason is not None:
                    rebuilt = stats.rebuilt_because = f"the index was rebuilt because {reason}"
            else:
                # Under the lock, read again if another process committed in the meantime.
                if data is None or data.get("generation") != self._generation_on_disk():
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

    def _acquire(self, wait: float):
        from whoosh.util.filelock import FileLock

        folder = self._lock_path.parent
        try:
            folder.mkdir(exist_ok=True)
            lock = FileLock(str(self._lock_path))
            deadline = time.monotonic() + wait
            while not lock.acquire(blocking=False):
                if time.monotonic() >= deadline:
                    raise IndexBusy(
                        f"the index is locked by another vaultnet process (waited {wait:.0f}s); try again"
                    )
                time.sleep(0.05)
        except OSError as exc:
            raise IndexReadOnly(f"cannot write the index in {folder}: {exc.strerror}") from exc
        return lock

    def _remove_strays(self) -> None:
        """Temporary files a killed sync left in the index folder; under our lock none is in use."""
        try:
            names = os.listdir(self.dir)
        except OSError:
            return
        for name in names:
            if _STRAY.match(name):
                try:
                    os.unlink(self.dir / name)
                except OSError:
                    pass

    def _use_temporary_dir(self) -> None:
        """Keep the index in a fresh folder outside the vault (removed with this object)."""
        import tempfile
        import weakref

        self.close()
        folder = Path(tempfile.mkdtemp(prefix="vaultnet-index-"))
        weakref.finalize(self, shutil.rmtree, str(folder), True)
        self.dir = folder / "index"
        self._manifest_path, self._people_path = self.dir / "manifest", self.dir / "people"
        self._lock_path = folder / "index.lock"
        self._files, self._entries, self._contrib, self._resolver, self._generation = None, None, None, None, None
        self.temporary = True

    def _has_last_state(self) -> bool:
        """A committed index to answer from (generation 0 is a build that never committed)."""
        generation = self._generation_on_disk()
        return generation is not None and generation > 0

    def _apply(self, scan: ScanResult, stats: SyncStats, progress: Progress | None, procs: int | None) -> None:
        assert self._files is not None
        files, meta = dict(self._files), dict(self._meta)
        old_meta = self._meta
        contrib = None if not files else self.contributions()
        parsed_facts: dict[str, tuple] = {}
        to_parse: list[str] = []
        for rel, st in scan.files.items():
            old = files.get(rel)
            if old is None:
                to_parse.append(rel)
                stats.added.append(rel)
            elif tuple(old) != st:
                to_parse.append(rel)
                stats.updated.append(rel)
            else:
                stats.unchanged += 1
        gone = [rel for rel in files if rel not in scan.files]
        stats.removed.extend(gone)
        limit = self.vault.config.max_file_size
        for rel, st in scan.too_large.items():
            if tuple(self._too_large.get(rel, ())) != st:
                stats.problems.append({
                    "path": rel, "line": None,
                    "message": f"{st[0]} bytes, over max_file_size ({limit}); skipped",
                })

        if procs is None:
            procs = min(os.cpu_count() or 1, 4) if len(to_parse) >= MULTIPROCESS_BATCH else 1
        writer = self._writer(self._open(), len(to_parse), procs)
        try:
            for rel in gone:
                writer.delete_by_term("path", rel)
                files.pop(rel)
                meta.pop(rel)
            total = len(to_parse)
            for done, rel in enumerate(to_parse, 1):
                try:
                    parsed = _read_note(self.vault, rel)
                except OSError as exc:
                    # Keep what the index had (if anything); the next sync tries again.
                    (stats.updated if rel in files else stats.added).remove(rel)
                    stats.problems.append({"path": rel, "line": None,
                                           "message": f"cannot read: {exc.strerror or exc}; not indexed"})
                    continue
                if parsed is None:  # vanished between scan and read
                    if rel in files:
                        writer.delete_by_term("path", rel)
                        files.pop(rel)
                        meta.pop(rel)
                        gone.append(rel)
                        stats.updated.remove(rel)
                        stats.removed.append(rel)
                    else:
                        stats.added.remove(rel)
                    continue
                note, st = parsed
                doc = _document(note, st)
                if rel in files:
                    writer.update_document(**doc)
                else:  # new to the index: no old copy to look up and delete
                    writer.add_document(**doc)
                problems = tuple((p.line, p.message) for p in note.problems)
                files[rel] = st
                meta[rel] = (note.kind, note.name, tuple(note.aliases), problems)
                parsed_facts[rel] = doc["record"]["facts"]
                for line, message in problems:
                    stats.problems.append({"path": rel, "line": line, "message": message})
                if progress is not None:
                    progress(done, total)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        self.close()  # reopen to see the new generation
        if procs > 1 and self._open().doc_count() != len(files):
            # A failing worker process loses its documents without an error; build it again, alone.
            self._create()
            fresh = SyncStats()
            self._apply(scan, fresh, progress, procs=1)
            fresh.rebuilt_because = "the index was rebuilt because a writer process failed"
            self.warn(fresh.rebuilt_because)
            stats.__dict__.update(fresh.__dict__)
            return
        self._files, self._meta, self._too_large = files, meta, dict(scan.too_large)
        self._entries = None
        if self._resolver is not None:  # kept current in place: a watcher reuses it batch after batch
            changed = [p for p in set(old_meta) | set(meta)
                       if tuple(old_meta.get(p, ("",))[:3]) != tuple(meta.get(p, ("",))[:3])]
            self._resolver.update([p for p in changed if p not in meta],
                                  [NoteRef(p, *meta[p][:3]) for p in changed if p in meta])
        self._contrib = self._updated_contributions(contrib, parsed_facts, gone, old_meta)
        self._write_manifest(self._generation_on_disk())

    def _updated_contributions(self, contrib, parsed_facts: dict[str, tuple], gone: list[str],
                               old_meta: dict[str, Meta]) -> tuple[dict, dict]:
        """Person contributions after a commit: only the notes whose share may have changed are folded.

        Those are the parsed and removed notes, plus, when a note appeared, went,
        or changed kind, name or aliases, the notes with links that may now
        resolve differently (found through the index's link keys).
        """
        from .relations import all_contributions, caching_resolver, contributions

        kinds = self.kinds()
        if contrib is None:  # first build: every note was just parsed
            facts = parsed_facts
            return all_contributions(facts, kinds, self.resolver()), _person_fields(facts, self._meta)
        by_source, fields = dict(contrib[0]), dict(contrib[1])
        keys: set[str] = set()
        for path in set(old_meta) ^ set(self._meta) | {
            p for p in parsed_facts if p in old_meta and tuple(old_meta[p][:3]) != tuple(self._meta[p][:3])
        }:
            for m in (old_meta.get(path), self._meta.get(path)):
                if m is not None:
                    keys.add(link_key(path))
                    if m[0] in ("person", "org"):
                        keys.update(fold(x) for x in (m[1], *m[2]))
        relink = set(self.linking(keys)) - set(parsed_facts) if keys else set()
        facts = {**self.stored_facts(relink), **parsed_facts}
        people = {p for p, (k, _) in kinds.items() if k == "person"}
        orgs = {p for p, (k, _) in kinds.items() if k == "org"}
        resolve = caching_resolver(self.resolver())
        for source in set(gone) | set(facts):
            by_source.pop(source, None)
            fields.pop(source, None)
        for source, f in facts.items():
            by_source[source] = contributions(source, f, kinds[source][0], people, resolve, orgs=orgs)
        fields.update(_person_fields(facts, self._meta))
        return by_source, fields

    def _writer(self, ix, batch: int, procs: int):
        # We hold our own lock (index.lock), so Whoosh's is not taken (_lk=False).
        # limitmb: below ~512 MB Whoosh spills postings to disk and reads them back,
        # which cost 40% of a 10k-note build.
        if procs > 1:
            # Each process writes its own segment; multisegment skips merging them at the end.
            return _mp_writer(ix, getattr(self._held_lock, "fd", None), procs=procs, batchsize=200,
                              multisegment=True, _lk=False, limitmb=256, compound=False,
                              subargs={"compound": False, "limitmb": 256})
        from .whoosh_schema import LeanSegmentWriter

        return LeanSegmentWriter(ix, _lk=False, limitmb=512, compound=False)

    # ------------------------------------------------------------------ reading

    def searcher(self):
        if self._searcher is None:
            try:
                self._searcher = self._open_searcher()
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
                self._searcher = self._open_searcher()
            if self._searcher is None:
                raise VaultnetError("there is no index yet; run `vaultnet index`")
        return self._searcher

    def resolver(self) -> LinkResolver:
        if self._resolver is None:
            self._resolver = LinkResolver(
                NoteRef(p, e.kind, e.name, e.aliases) for p, e in self.entries().items()
            )
        return self._resolver

    def problems(self) -> list[dict]:
        """Every problem known in the vault: notes' own, and files skipped for their size."""
        out = [
            {"path": p, "line": line, "message": message}
            for p, e in sorted(self.entries().items())
            for line, message in e.problems
        ]
        for rel, (size, _) in sorted(self._too_large.items()):
            out.append({"path": rel, "line": None,
                        "message": f"{size} bytes, over max_file_size ({self.vault.config.max_file_size}); skipped"})
        return out

    def records(self, paths: Iterable[str]) -> dict[str, Record]:
        s = self.searcher()
        out = {}
        paths = list(paths)
        if len(paths) > 500:
            # One pass over the stored fields is three times faster than a term lookup per path.
            wanted = set(paths)
            for stored in s.all_stored_fields():
                if stored.get("path") in wanted and "record" in stored:
                    out[stored["path"]] = _record_from(stored["record"])
            return out
        for path in paths:
            stored = s.document(path=path)
            if stored and "record" in stored:
                out[path] = _record_from(stored["record"])
        return out

    def all_records(self) -> Iterator[Record]:
        for stored in self.searcher().all_stored_fields():
            if "record" in stored:
                yield _record_from(stored["record"])

    def linking(self, keys: Iterable[str]) -> list[str]:
        """Paths of notes with a link whose key is one of `keys` (candidates, not yet resolved)."""
        from whoosh import query

        terms = [query.Term("links", k) for k in keys if k]
        if not terms:
            return []
        s = self.searcher()
        return sorted({s.stored_fields(d)["path"] for d in s.docs_for_query(query.Or(terms))})

    def search(self, text: str, kind: str | None = None, limit: int | None = 20) -> list[Hit]:
        from whoosh import query

        from .whoosh_schema import parse_query

        s = self.searcher()
        try:
            q = parse_query(text, s.schema)
        except Exception as exc:
            raise QueryError(f"cannot read the query {text!r}: {exc}") from exc
        if kind:
            q = query.And([q, query.Term("kind", kind)])
        try:
            results = s.search(q, limit=limit, terms=True)
        except Exception as exc:
            raise QueryError(f"cannot run the query {text!r}: {exc}") from exc
        hits = []
        for r in results:
            terms = sorted({t.decode("utf-8", "replace") if isinstance(t, bytes) else str(t)
                            for _, t in (r.matched_terms() or [])})
            hits.append(Hit(r["path"], float(r.score or 0.0), terms))
        return hits
