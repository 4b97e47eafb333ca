"""Writing the Whoosh index: the lock, a fresh index, and the single- or multi-process writer."""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

from ..errors import IndexBusy, IndexReadOnly
from ..vault.locks import FileLock, wait_for_lock
from .manifest import INDEX_NAME, IndexFolder

# A batch of at least this many notes (a first build, a git checkout) is written
# by several processes (Whoosh's MpWriter, one segment each): 9.6 s instead of
# 15.3 s for 11k notes on 2 cores. Smaller batches are not worth the workers' start-up.
MULTIPROCESS_BATCH = 2000


def processes_for(batch: int) -> int:
    return min(os.cpu_count() or 1, 4) if batch >= MULTIPROCESS_BATCH else 1


def acquire_lock(lock_path: Path, wait: float) -> FileLock:
    """Our index.lock, waiting up to `wait` seconds for another process to let go."""
    folder = lock_path.parent
    try:
        folder.mkdir(exist_ok=True)
        lock = wait_for_lock(lock_path, wait, poll=0.05)
    except OSError as exc:
        raise IndexReadOnly(f"cannot write the index in {folder}: {exc.strerror}") from exc
    if lock is None:
        raise IndexBusy(f"the index is locked by another vaultnet process (waited {wait:.0f}s); try again")
    return lock


def create_index(folder: IndexFolder):
    """An empty index of this schema in the folder, whatever was there before."""
    from .whoosh_import import import_whoosh

    import_whoosh()
    import shutil  # here: its archive modules cost every reading command 4 ms

    from whoosh import index as windex

    from .schema import schema

    path = folder.path
    if path.is_symlink() and path.is_dir():
        # Kept on another disk on purpose: empty the folder it points to, keep the link.
        for child in path.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.is_symlink() or path.exists():
        path.unlink()  # a file, or a dangling link, where the disposable index belongs
    path.mkdir(parents=True, exist_ok=True)
    ix = windex.create_in(str(path), schema(), indexname=INDEX_NAME)
    folder.stamp_version()
    return ix


def open_writer(ix, procs: int, lock_fd: int | None):
    # We hold our own lock (index.lock), so Whoosh's is not taken (_lk=False).
    # limitmb: below ~512 MB Whoosh spills postings to disk and reads them back,
    # which cost 40% of a 10k-note build.
    if procs > 1:
        # Each process writes its own segment; multisegment skips merging them at the end.
        return _mp_writer(ix, lock_fd, procs=procs, batchsize=200,
                          multisegment=True, _lk=False, limitmb=256, compound=False,
                          subargs={"compound": False, "limitmb": 256})
    from .segment_writer import LeanSegmentWriter

    return LeanSegmentWriter(ix, _lk=False, limitmb=512, compound=False)


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

    from .whoosh_import import import_whoosh

    import_whoosh()
    from whoosh import multiproc
    from whoosh.multiproc import SubWriterTask

    from .segment_writer import LeanSegmentWriter

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
            # This process ends with its segment, and the postings it pools (a million tuples at
            # 10,000 notes) hold no cycles: the collector walking them as they grew was a third
            # of its time.
            gc.disable()
            # Whoosh's task writes with the SegmentWriter its module names; this process's copy
            # of that module names ours, whose flush does not re-read every field length.
            multiproc.SegmentWriter = LeanSegmentWriter
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
        def finish_feeding(self) -> None:
            """Hand the writer processes the last documents and tell them to finish now, so that
            they write their segments while this process goes on; commit then waits for them."""
            if self.docbuffer:
                self._enqueue()
            jobs = self.jobqueue  # type: ignore[has-type]
            for _ in self.tasks:
                jobs.put(None)
            self.jobqueue = _Told()  # MpWriter's commit tells them again

        def _new_task(self):
            task = task_class(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                              self.subargs, self.multisegment, lock_fd=lock_fd)
            self.tasks.append(task)
            task.start()
            return task

    return _Writer(ix, **kwargs)


class _Told:
    """The job queue once the writer processes were told to finish: more is not for them."""

    def put(self, item, *args, **kwargs) -> None:
        pass
