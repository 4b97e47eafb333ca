"""NoteIndex: the index behind a narrow interface — sync it with the vault, then ask it.

The index is a cache of the notes: it carries a schema version, and whatever
cannot be opened is rebuilt. Its parts, each in its own module: the folder's
own files and the manifest (manifest.py), what is held in memory between
commits (state.py, people_state.py), the per-note contributions
(people_file.py) and their per-person sums (persons.py), both kept in shards
(shards.py), the batch a sync writes (batch.py), the Whoosh writers and the
lock (writer.py), the read side (reader.py), the stored records (records.py)
and the schema (schema.py). Nothing outside this package touches Whoosh.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from ..errors import IndexBusy, IndexReadOnly, VaultnetError
from ..gc_pause import gc_paused
from ..vault import scan_ahead
from ..vault.folder import ScanResult
from ..vault.resolve import NoteRef
from . import kept_records, people_file, reader, search_ahead, writer
from .batch import Progress, diff_scan, targeted_scan, write_notes
from .manifest import SCHEMA_VERSION, IndexFolder
from .reader import why_unusable
from .records import Hit, Record, SyncStats, with_search_fields
from .state import IndexState, _attachment_ref
from .unwritten import Pending, Unwritten
from .whoosh_import import import_for_reading

T = TypeVar("T")

__all__ = ["READER_SYNC_TIMEOUT", "SCHEMA_VERSION", "WRITER_TIMEOUT", "NoteIndex", "sync_for"]

# Errors that say "no room or no right to write here": rebuilding cannot help, and would
# throw away the last good index that reads can still answer from.
_CANNOT_WRITE = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, getattr(errno, "EDQUOT", errno.ENOSPC)}
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


class _Commit:
    """The reading side of a commit, through `searcher()`: the index's own (which writes notes
    parsed and not yet written first), or the last commit as it is (what a change amends).
    Records and the notes linking a key come from the copy kept beside it (kept_records.py)
    while that is the newest commit's, so that a card never imports Whoosh."""

    def __init__(self, searcher: Callable[[], object], folder: IndexFolder):
        self._searcher = searcher
        self._folder = folder

    def stored_facts(self, paths: Iterable[str] | None = None) -> dict[str, tuple]:
        """Notes' facts (notes/facts.py) from the stored records: every note's, or those of `paths`."""
        return reader.stored_facts(self._searcher(), paths)

    def records(self, paths: Iterable[str]) -> dict[str, Record]:
        paths = list(paths)
        kept = kept_records.records(self._folder.records_path, self._folder.generation(), paths)
        return kept if kept is not None else reader.records(self._searcher(), paths)

    def all_records(self) -> Iterator[Record]:
        return reader.all_records(self._searcher())

    def linking(self, keys: Iterable[str]) -> list[str]:
        """Paths of notes with a link whose key is one of `keys` (candidates, not yet resolved)."""
        keys = list(keys)
        kept = kept_records.linking(self._folder.records_path, self._folder.generation(), keys)
        return kept if kept is not None else reader.linking(self._searcher(), keys)

    def link_terms(self) -> list[str]:
        """Every link key `linking` can be asked for (removed notes' keys may be among them)."""
        return reader.link_terms(self._searcher())


class NoteIndex(IndexState):
    # ------------------------------------------------------------------ reading

    def searcher(self):
        if self._unwritten is not None:
            self.write_unwritten(answering=True)  # full text needs the postings
        if self._whoosh.searcher is None:
            try:
                self._whoosh.kept_searcher()
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

    def expect_reading(self) -> None:
        """Before the sync, for a command that will read the commit (its records or full text):
        Whoosh imported now. A one-shot program's scan may still be walking in a process of its
        own (vault/scan_ahead.py), and the import, needed anyway, fills that wait. Not where no
        commit is there yet: a first answer reads the notes it parsed, and Whoosh is imported by
        the process that writes the index behind it."""
        if self.folder.has_last_state() and not scan_ahead.waiting():  # else the fork searches (search_ahead.py)
            import_for_reading()

    def expect_kept(self, name: str) -> None:
        """Before the sync, for a list kept beside the index (`derived(keep=name)`): its file read
        now, for the same reason as expect_reading (about 10 ms at 10,000 people for `due`)."""
        if self.folder.has_last_state():
            self.folder.read_kept_ahead(name)

    def _reading(self) -> Unwritten | _Commit:
        """What answers: notes parsed and not yet written (over the last commit, for a change), else
        the index itself."""
        return self._unwritten if self._unwritten is not None else _Commit(self.searcher, self.folder)

    def stored_facts(self, paths: Iterable[str] | None = None) -> dict[str, tuple]:
        """Notes' facts (notes/facts.py) from the stored records: every note's, or those of `paths`."""
        return self._reading().stored_facts(paths)

    def records(self, paths: Iterable[str]) -> dict[str, Record]:
        return self._reading().records(paths)

    def all_records(self) -> Iterator[Record]:
        return self._reading().all_records()

    def linking(self, keys: Iterable[str]) -> list[str]:
        """Paths of notes with a link whose key is one of `keys` (candidates, not yet resolved)."""
        return self._reading().linking(keys)

    def link_terms(self) -> list[str]:
        """Every link key `linking` can be asked for (removed notes' keys may be among them)."""
        return self._reading().link_terms()

    def search(self, text: str, kind: str | None = None, limit: int | None = 20) -> list[Hit]:
        if self._unwritten is None:  # else the commit the fork searched is about to change
            ahead = search_ahead.take(self.folder, (text, kind, limit))  # the fork's, if still the answer
            if ahead is not None:
                return ahead
        scan_ahead.discard()
        return reader.search(self.searcher(), text, kind, limit)

    def close(self) -> None:
        self._whoosh.close()
        self._forget_unwritten()

    def __enter__(self) -> NoteIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ sync

    def sync_paths(self, paths: Iterable[str], wait: float = WRITER_TIMEOUT, answer_first: bool = False) -> SyncStats:
        """Bring the index up to date for these vault paths only (notes or folders).

        The watcher's way: it knows what changed, so it stats those paths
        instead of walking the vault. Without a usable manifest it falls back
        to a full sync. `answer_first`: as sync's, for a change (a watch's answer).
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
        return self.sync(wait=wait, scan=targeted_scan(self.vault, data, paths), answer_first=answer_first)

    def sync(self, *, rebuild: bool = False, progress: Progress | None = None,
             wait: float = WRITER_TIMEOUT, procs: int | None = None, scan: ScanResult | None = None,
             answer_first: bool = False) -> SyncStats:
        """Bring the index up to date with the files: parse only what changed.

        `answer_first`: with nothing committed to answer from, parse the notes and answer from
        them; after a change, parse the changed notes and answer from them over the last commit.
        The index is written by `write_unwritten` (a reading command's, after its answer).
        """
        started = time.perf_counter()
        if self._unwritten is not None:  # a second sync: what the first parsed goes in first
            self.write_unwritten(wait)
        stats = SyncStats()
        targeted = scan is not None
        # The manifest before the scan: a one-shot command's scan may still be walking in a process
        # of its own (vault/scan_ahead.py). Read first or after, it is only compared with the scan:
        # a commit in between makes them differ, and a change is looked at again under the lock.
        data = None if rebuild else self._load_manifest()
        if scan is None:  # a one-shot command's may have been walked already (vault/scan_ahead.py)
            # What is known of config.exclude's answers (vault/folder.py Excludes): the last scan's;
            # this scan's are kept right after it.
            self.vault.recall_excludes(self.folder.read_excludes(), None if data is None else
                                       (data["files"], data["too_large"], data["attachments"]))
            scan = scan_ahead.take(self.vault) or self.vault.scan()
            self.folder.keep_excludes(self.vault.excludes_to_keep())
        for rel, message in scan.problems:
            stats.problems.append({"path": rel, "line": None, "message": message})

        if not rebuild:
            if data is not None and data["files"] == scan.files and data["too_large"] == scan.too_large \
                    and data["attachments"] == scan.attachments:
                self._use_manifest(data)
                stats.unchanged = len(scan.files)
                stats.seconds = time.perf_counter() - started
                return stats

        # A manifest that matched this version, config and commit vouches for the index.
        reason = None if rebuild or data is not None else why_unusable(self.folder, self._whoosh,
                                                                        self.vault.fingerprint())
        if answer_first and not rebuild and not targeted and data is None \
                and (reason is not None or not self.folder.has_last_state()):
            parsed = self._parse_first(scan, stats, reason, progress)
            if parsed is not None:
                parsed.seconds = time.perf_counter() - started
                return parsed
        if answer_first and data is not None and not self.temporary \
                and self._answer_change(scan, stats, data, progress):
            stats.seconds = time.perf_counter() - started
            return stats
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

    # ------------------------------------------------------------------ a first answer

    def _parse_first(self, scan: ScanResult, stats: SyncStats, reason: str | None,
                     progress: Progress | None) -> SyncStats | None:
        """Every note parsed into memory (unwritten.py) and the state folded from them, as a
        rebuild would, without writing; None where the usual way goes on (a read-only vault,
        whose index goes to a temporary folder, or another process's commit meanwhile)."""
        try:
            lock: writer.FileLock | None = writer.acquire_lock(self.folder.lock_path, 0)
        except IndexBusy:
            lock = None  # another process is writing the index: answer from our own parse
        except IndexReadOnly:
            return None
        if lock is not None and reason is None and self.folder.has_last_state():
            lock.release()  # committed between our look and the lock: read that
            return None
        self.close()
        files: dict = {}
        meta: dict = {}
        try:
            to_parse, _ = diff_scan(files, {}, scan, stats, self.vault.config.max_file_size)
            with gc_paused():  # tens of thousands of tuples and dicts, no cycles among them
                unwritten, facts = self._parse_notes(to_parse, files, meta, stats, progress, lock)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        self._forget_state()
        self._files, self._meta, self._too_large = files, meta, dict(scan.too_large)
        self._attachments = set(scan.attachments)
        self._people.drop(empty=True)
        self._people.fold_new(facts, self.kinds(), self._meta, self.resolver(),
                              self._fold_split(len(facts), lock))
        # Written right after the answer: the process that parsed half of the notes pickles its
        # documents while this one answers (after the fold, which had both cores).
        unwritten.ask_for_later()
        self._unwritten, self._unwritten_lock = unwritten, lock
        if reason is not None:
            stats.rebuilt_because = f"the index was rebuilt because {reason}"
            self.warn(stats.rebuilt_because)
        return stats

    def _answer_change(self, scan: ScanResult, stats: SyncStats, data: dict, progress: Progress | None) -> bool:
        """A reading command's sync after notes changed: parse them and hold the state they make,
        as `_apply` would, and leave their commit to `write_unwritten` (after the answer). False
        where the usual way goes on: another process holds the lock, the vault cannot be written,
        someone committed since `data` was read, or too many notes for one writer process."""
        try:
            lock = writer.acquire_lock(self.folder.lock_path, 0)
        except (IndexBusy, IndexReadOnly):
            return False
        try:
            base = self.folder.generation()
            if data.get("generation") != base:
                lock.release()
                return False
            self._use_manifest(data)
            assert self._files is not None
            files, meta = dict(self._files), dict(self._meta)
            found = SyncStats(problems=list(stats.problems))
            to_parse, gone = diff_scan(files, self._too_large, scan, found, self.vault.config.max_file_size)
            if writer.processes_for(len(to_parse)) > 1 or not self._room_for(len(to_parse)):
                lock.release()  # a batch for Whoosh's writer processes; a disk too full to take it
                return False
            pending = self._unwritten = Pending(_Commit(self._whoosh.kept_searcher, self.folder))
            parsed_facts = write_notes(pending, self.vault, to_parse, gone, files, meta, found, progress)
            self._take_up(base, scan, files, meta, parsed_facts, gone)  # its reads see `pending`
        except BaseException as exc:
            self._unwritten = None
            self._forget_state()
            self._whoosh.close()
            lock.release()
            if isinstance(exc, (VaultnetError, KeyboardInterrupt, MemoryError)) or not isinstance(exc, Exception):
                raise
            return False  # the last commit could not be read: the usual way rebuilds it, and says so
        self._from_manifest = False  # what is held is no commit's until it is written
        self._unwritten_lock = lock
        stats.__dict__.update(found.__dict__)
        return True

    def _room_for(self, notes: int) -> bool:
        """Room on the disk for the commit of `notes` notes (a new manifest, a segment, shards),
        so that a disk too full to take it says so before the answer, as a sync does."""
        try:
            disk = os.statvfs(self.folder.path)
            manifest = os.stat(self.folder.manifest_path).st_size
        except (OSError, AttributeError):  # no statvfs here (Windows): find out by writing
            return True
        return disk.f_bavail * disk.f_frsize >= 2 * manifest + notes * 65536 + (1 << 20)

    def _parse_notes(self, to_parse: list[str], files: dict, meta: dict, stats: SyncStats,
                     progress: Progress | None, lock: writer.FileLock | None) -> tuple[Unwritten, dict]:
        # Imported here: pickle and threading are for a first answer, not every command's start-up.
        from . import parse_split

        if parse_split.can_split(len(to_parse)):
            problems, added = len(stats.problems), list(stats.added)
            try:
                return parse_split.parse_split(self.vault, to_parse, files, meta, stats, progress,
                                               getattr(lock, "fd", None))
            except (ChildProcessError, OSError):  # no process to spare, or it failed: all here
                del stats.problems[problems:]
                stats.added = added
                files.clear()
                meta.clear()
        unwritten = Unwritten(len(to_parse))
        return unwritten, write_notes(unwritten, self.vault, to_parse, [], files, meta, stats, progress)

    @staticmethod
    def _fold_split(notes: int, lock: writer.FileLock | None) -> people_file.Split | None:
        """Everyone's contributions folded on two cores, where a parse would be split too."""
        from . import parse_split

        if not parse_split.can_split(notes):
            return None
        fd = getattr(lock, "fd", None)
        return lambda fold, items: parse_split.fold_split(fold, items, fd)

    def has_unwritten(self) -> bool:
        """A first answer's notes wait to be written, by this process (it holds the lock)."""
        return self._unwritten is not None and self._unwritten_lock is not None

    def write_unwritten(self, wait: float = WRITER_TIMEOUT, answering: bool = False) -> None:
        """Write what a first answer parsed: the index an `index --rebuild` then would have written.

        Without the lock (another process was writing when the notes were parsed), wait for
        it; when that process left a usable index, sync that one instead. `answering`: a question
        waits on it, so a disk that cannot take it gets a temporary index instead (as a sync
        does); after an answer, the error goes to the caller and the next command tries again.
        """
        unwritten, lock = self._unwritten, self._unwritten_lock
        if unwritten is None:
            return
        self._unwritten = self._unwritten_lock = None
        try:
            self._write_unwritten(unwritten, lock, wait, answering)
        finally:
            unwritten.discard()  # documents never asked for (another process's index was taken up)

    def _write_unwritten(self, unwritten: Unwritten, lock: writer.FileLock | None, wait: float,
                         answering: bool) -> None:
        if lock is None:
            lock = writer.acquire_lock(self.folder.lock_path, wait)
            if self.folder.load_manifest(self.vault.fingerprint()) is not None:
                # Its scan may be older than ours: a sync takes up what was saved since.
                lock.release()
                self._forget_state()
                self.sync(wait=wait)
                return
        if isinstance(unwritten, Pending):
            return self._write_pending(unwritten, lock, answering)
        self._held_lock = lock
        try:
            try:
                self.folder.remove_strays()
                self._write_documents(unwritten)
            except OSError as exc:
                self._refuse_if_cannot_write(exc)
                raise
        except IndexReadOnly as exc:
            if self.temporary or not answering:
                raise
            held = (self._files, self._meta, self._too_large, self._attachments, self._people)
            self._use_temporary_dir()
            self._files, self._meta, self._too_large, self._attachments, people = held
            self._people.contrib, self._people.summed = people.contrib, people.summed
            self._write_documents(unwritten)
            self.warn(f"the index cannot be written ({exc}); answering from a temporary index")
        finally:
            self._held_lock = None
            lock.release()

    def _write_pending(self, pending: Pending, lock: writer.FileLock, answering: bool) -> None:
        """Commit a change a reading command answered from (`_answer_change`), then its state."""
        self._held_lock = lock
        try:
            try:
                self.folder.remove_strays()
                change = kept_records.Change(self.folder.generation(), pending.gone)
                for doc in pending.docs.values():
                    change.add(doc["record"])
                self._commit(1, pending.replay, lambda: 0)
                self._write_state(self.folder.generation(), change)
            except (VaultnetError, KeyboardInterrupt, MemoryError):
                raise
            except Exception as exc:  # the index broke under us: the notes are the truth (as a sync)
                self._refuse_if_cannot_write(exc)
                self._create()
                self._apply(self.vault.scan(), SyncStats(), None, None)
                self.warn(f"the index was rebuilt because it could not be updated ({type(exc).__name__})")
        except BaseException as exc:
            self._forget_state()  # what it made is no commit's: the next question reads the last one
            if not answering or not isinstance(exc, IndexReadOnly):
                raise
            # A search answers from the last commit, as a sync that cannot write does.
            self.warn(f"the index cannot be updated ({exc}); answering from its last state")
        finally:
            self._held_lock = None
            lock.release()

    def _write_documents(self, unwritten: Unwritten) -> None:
        docs = unwritten.docs.values()  # read as they are written, when they wait in a file (unwritten.py)
        procs = writer.processes_for(len(docs))

        def fill(batch) -> None:
            for doc in docs:
                batch.add_document(**with_search_fields(doc))

        while True:
            self.close()
            self._whoosh.ix = writer.create_index(self.folder)
            _, complete = self._commit(procs, fill, lambda: len(docs))
            if complete:
                break
            procs = 1
            self.warn("the index was rebuilt because a writer process failed")
        change = kept_records.Change(None, full=True)
        for doc in docs:
            change.add(doc["record"])
        self._write_state(self.folder.generation(), change)

    def _commit(self, procs: int, fill: Callable[[object], T], expected: Callable[[], int]) -> tuple[T, bool]:
        """One Whoosh batch filled by `fill(writer)` and committed (cancelled on any error), then the
        new commit opened; False when it holds fewer than `expected()` documents: a failing worker
        process loses its documents without an error, and the caller writes them again, alone."""
        batch = writer.open_writer(self._whoosh.open(), procs, getattr(self._held_lock, "fd", None))
        try:
            # A first index pools a million postings' tuples in this process (or in Whoosh's writer
            # processes, writer.py): the collector walking them as they grew was a third of the
            # writing. The notes' parse leaves no cycles (tests/test_yaml_reading.py), Whoosh's writer
            # a handful a commit.
            with gc_paused():
                result = fill(batch)
                batch.commit()
        except BaseException:
            batch.cancel()
            raise
        self.close()  # reopen to see the new generation
        ix = self._whoosh.open()
        return result, procs == 1 or (ix is not None and ix.doc_count() == expected())

    def hand_over(self) -> Unwritten | None:
        """A process forked from this one writes what was parsed (it holds the same lock): let go
        of the notes and of our copy of the lock's descriptor. The state stays: it is the commit
        that process writes (and freeing it is time a command about to end need not spend).
        Returns the notes let go of, for a process about to end to keep until then: freeing a
        first answer's documents after the fork costs a tenth of the answer (every page they
        are on copied, to count their references down)."""
        unwritten, lock = self._unwritten, self._unwritten_lock
        self._unwritten = self._unwritten_lock = None
        if lock is not None and lock.fd is not None:
            fd, lock.fd = lock.fd, None
            os.close(fd)
        return unwritten

    def _forget_unwritten(self) -> None:
        """Drop notes parsed and unwritten (a first answer's, a change's). The lock's descriptor is
        closed, not unlocked: a process forked to write them (the command line's) holds the same
        lock on. The state they made goes too: it is no commit's, and must never pass for one."""
        dropped = self.hand_over()
        if dropped is not None:
            dropped.discard()  # the process keeping half of a first answer's documents may end
            self._forget_state()

    def _forget_state(self) -> None:
        """Hold no state: the next question reads the newest commit."""
        self._files = None
        self._people.drop()
        self._entries = None
        self._drop_derived()
        self._resolver = None
        self._generation = None
        self._from_manifest = False

    def _refuse_if_cannot_write(self, exc: BaseException) -> None:
        """A full or read-only disk is no corrupt index: keep the last commit, say why."""
        if isinstance(exc, OSError) and exc.errno in _CANNOT_WRITE:
            self.close()
            raise IndexReadOnly(f"cannot write the index in {self.dir}: {exc.strerror}") from exc

    def _create(self) -> None:
        self.close()
        self._whoosh.ix = writer.create_index(self.folder)
        self._files, self._meta, self._too_large, self._attachments = {}, {}, {}, set()
        self._people.drop(empty=True)
        self._drop_derived()
        self._resolver = None
        self._generation = None
        self._from_manifest = False

    def _use_temporary_dir(self) -> None:
        """Keep the index in a fresh folder outside the vault (removed with this object)."""
        import shutil
        import tempfile
        import weakref

        self.close()
        folder = Path(tempfile.mkdtemp(prefix="vaultnet-index-"))
        weakref.finalize(self, shutil.rmtree, str(folder), True)
        self._use_folder(IndexFolder.within(folder))
        self.temporary = True

    def _apply(self, scan: ScanResult, stats: SyncStats, progress: Progress | None, procs: int | None) -> None:
        assert self._files is not None
        files, meta = dict(self._files), dict(self._meta)
        base = self.folder.generation()  # the commit whose stored contributions and sums this one amends
        to_parse, gone = diff_scan(files, self._too_large, scan, stats, self.vault.config.max_file_size)
        # Held no note before: every note is parsed (a first build), and its records are all of them.
        change = kept_records.Change(base, gone, full=not self._meta)
        if procs is None:
            procs = writer.processes_for(len(to_parse))
        taken_up = False

        def fill(batch) -> dict[str, tuple]:
            nonlocal taken_up
            parsed = write_notes(batch, self.vault, to_parse, gone, files, meta, stats, progress, change.add)
            if not self._meta and hasattr(batch, "finish_feeding"):
                # A first build by Whoosh's writer processes: their segments take seconds more to write
                # (their flush), time this process folds every person in. The fold reads no index.
                batch.finish_feeding()
                self._take_up(base, scan, files, meta, parsed, gone)
                taken_up = True
            return parsed

        try:
            parsed_facts, complete = self._commit(procs, fill, lambda: len(files))
        except BaseException:
            if taken_up:  # held for a commit that did not happen
                self._forget_state()
            raise
        if not complete:
            self._create()
            fresh = SyncStats()
            self._apply(scan, fresh, progress, procs=1)
            fresh.rebuilt_because = "the index was rebuilt because a writer process failed"
            self.warn(fresh.rebuilt_because)
            stats.__dict__.update(fresh.__dict__)
            return
        if not taken_up:
            self._take_up(base, scan, files, meta, parsed_facts, gone)
        self._write_state(self.folder.generation(), change)

    def _take_up(self, base: int | None, scan: ScanResult, files: dict, meta: dict, parsed_facts: dict[str, tuple],
                 gone: list[str]) -> None:
        """Hold the state after the notes parsed since commit `base` (committed, or pending)."""
        old_meta = self._meta
        old_attachments, attachments = self._attachments, set(scan.attachments)
        files_changed = old_attachments ^ attachments  # a link to one may resolve differently now
        self._files, self._meta, self._too_large = files, meta, dict(scan.too_large)
        self._attachments = attachments
        self._entries = None
        if self._resolver is not None:  # kept current in place: a watcher reuses it batch after batch
            changed = [p for p in sorted(set(parsed_facts) | set(gone))  # only these can have changed
                       if tuple(old_meta.get(p, ("",))[:3]) != tuple(meta.get(p, ("",))[:3])]
            self._resolver.update([p for p in changed if p not in meta] + sorted(old_attachments - attachments),
                                  [NoteRef(p, *meta[p][:3]) for p in changed if p in meta]
                                  + [_attachment_ref(p) for p in sorted(attachments - old_attachments)])
        if not old_meta:  # first build: every note was just parsed
            self._people.fold_new(parsed_facts, self.kinds(), self._meta, self.resolver())
        else:
            self._people.refold(base, parsed_facts, gone, old_meta, self._meta, self.kinds(), self.resolver(),
                                self.linking, self.stored_facts, moved_files=files_changed)
        self._drop_derived(self._people.changed)
