"""Notes parsed for a first answer and not yet written to Whoosh.

With no index to answer from (a fresh vault, or one that must be rebuilt), a reading
command parses every note anyway. Writing Whoosh's postings is most of a first index
and no list needs them, so the parse is kept here, the command answers from it, and
the same documents are written afterwards (store.py, `write_unwritten`), exactly as a
rebuild would have written them: the answer is the rebuild's either way.

`Unwritten` stands in for the Whoosh writer while the notes are parsed (batch.py's
`write_notes` calls the same three methods), then answers what the stored records
would: facts, records and the notes that link to a key. Full-text search needs the
postings: the index is written first.

`Pending` is the same for a change to a committed index (a reading command's sync after
notes were saved): the few notes parsed wait beside the commit they amend, and it answers
as the next commit will once they are written (`replay` writes them, in the order parsed).
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Protocol

from .records import Record, _record_from, linked_under, with_search_fields

# A first answer's own documents wait in a temporary file from this many notes on: as objects they
# take 11 KB a note (70 MB for the 6,000 this process parses of 11,050, 345 MB of 55,050), which
# took a first answer's peak past 500 MB at 50,000 notes. Below it, spilling would cost the
# answer its marshalling (0.09 s at 10,000) for memory it does not need.
SPILL_FROM = 20_000


class SpilledDocuments(MutableMapping):
    """path -> document, as a dict in the order set, each document kept marshalled in a temporary
    file and read back when asked for. One marshal cannot hold (none of our readers makes one)
    is held as it is, as are those `hold`ed (another process's, fetched to be written at once).
    Read and written by position (pread, pwrite): a process forked from this one, which writes
    the index behind the answer, shares the file but no offset with it."""

    def __init__(self) -> None:
        import tempfile
        import weakref

        fd, name = tempfile.mkstemp(prefix="vaultnet-parsed-")
        os.unlink(name)  # gone with the last descriptor: this process's, and its forks'
        self._fd = fd
        weakref.finalize(self, os.close, fd)
        self._end = 0
        self._where: dict[str, tuple[int, int] | dict] = {}

    def __setitem__(self, path: str, doc: dict) -> None:
        try:
            data = marshal.dumps(doc)
        except ValueError:
            self._where[path] = doc
            return
        os.pwrite(self._fd, data, self._end)
        self._where[path] = (self._end, len(data))
        self._end += len(data)

    def hold(self, docs: dict[str, dict]) -> None:
        self._where.update(docs)

    def __getitem__(self, path: str) -> dict:
        where = self._where[path]
        if isinstance(where, dict):
            return where
        offset, size = where
        return marshal.loads(os.pread(self._fd, size, offset))

    def __delitem__(self, path: str) -> None:
        del self._where[path]

    def __contains__(self, path: object) -> bool:
        return path in self._where

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


class Unwritten:
    # Its documents lack the fields only search reads (records.base_document): whoever writes
    # them to Whoosh adds them (records.with_search_fields), behind the answer.
    searchable_later = True

    def __init__(self, notes: int = 0) -> None:
        """`notes`: how many are to be parsed into it (SPILL_FROM)."""
        # path -> the Whoosh document, in the order parsed
        self._docs: MutableMapping[str, dict] = SpilledDocuments() if notes >= SPILL_FROM else {}
        self._linking: dict[str, set[str]] | None = None
        # The documents of notes parsed by another process (parse_split.py), fetched when first
        # wanted: a list answers from their facts alone, and the process writing the index after
        # the answer fetches them itself.
        self._later: Later | None = None

    @property
    def docs(self) -> MutableMapping[str, dict]:
        if self._later is not None:
            later, self._later = self._later, None
            if isinstance(self._docs, SpilledDocuments):
                self._docs.hold(later.fetch())  # to be written now, not spilled first
            else:
                self._docs.update(later.fetch())
        return self._docs

    def add_later(self, later: Later) -> None:
        """Documents that come after those added so far, fetched when first wanted."""
        self._later = later
        self._linking = None

    def ask_for_later(self) -> None:
        """The documents still to come will be wanted soon: have them made ready meanwhile."""
        if self._later is not None:
            self._later.ask()

    def discard(self) -> None:
        """Not to be written or read: the process holding the later documents may end."""
        later, self._later = self._later, None
        if later is not None:
            later.discard()

    # ---------------------------------------------------------------- the writer's side

    def add_document(self, **doc) -> None:
        self.docs[doc["path"]] = doc
        self._linking = None

    update_document = add_document

    def delete_by_term(self, field: str, value: str) -> None:
        assert field == "path"
        self.docs.pop(value, None)
        self._linking = None

    # ---------------------------------------------------------------- the reader's side

    def stored_facts(self, paths: Iterable[str] | None = None) -> dict[str, tuple]:
        docs = self.docs
        if paths is None:
            return {path: doc["record"]["facts"] for path, doc in docs.items()}
        return {path: docs[path]["record"]["facts"] for path in paths if path in docs}

    def records(self, paths: Iterable[str]) -> dict[str, Record]:
        docs = self.docs
        return {path: _record_from(docs[path]["record"]) for path in paths if path in docs}

    def all_records(self) -> Iterator[Record]:
        for doc in self.docs.values():
            yield _record_from(doc["record"])

    def _by_key(self) -> dict[str, set[str]]:
        if self._linking is None:
            self._linking = {}
            for path, doc in self.docs.items():
                for key in linked_under(doc["record"]):
                    self._linking.setdefault(key, set()).add(path)
        return self._linking

    def linking(self, keys: Iterable[str]) -> list[str]:
        """As the `links` field answers: its terms are the comma-separated keys, stripped."""
        by_key = self._by_key()
        found: set[str] = set()
        for key in keys:
            if key:
                found |= by_key.get(key, set())
        return sorted(found)

    def link_terms(self) -> list[str]:
        return list(self._by_key())


class Later(Protocol):
    """Documents another process holds (parse_split.py): asked for without waiting, fetched, or
    let go."""

    def ask(self) -> None: ...

    def fetch(self) -> dict[str, dict]: ...

    def discard(self) -> None: ...


class Readable(Protocol):
    """The reading side of a commit (store.py's, over Whoosh's stored fields)."""

    def stored_facts(self, paths: Iterable[str] | None = None) -> dict[str, tuple]: ...

    def records(self, paths: Iterable[str]) -> dict[str, Record]: ...

    def all_records(self) -> Iterator[Record]: ...

    def linking(self, keys: Iterable[str]) -> list[str]: ...

    def link_terms(self) -> list[str]: ...


class Pending(Unwritten):
    """Notes parsed since commit `below`, not yet written: what Whoosh will hold once `replay`
    has written them. A note updated or removed here hides its copy in `below`; the rest is
    read from `below`, in its order, then these in the order parsed (a commit's new segment)."""

    def __init__(self, below: Readable) -> None:
        super().__init__()
        self.below = below
        self.gone: set[str] = set()
        self._calls: list[tuple[str, dict]] = []  # the writer's calls, to make again

    def add_document(self, **doc) -> None:
        self._calls.append(("add", doc))
        self.gone.discard(doc["path"])
        super().add_document(**doc)

    def update_document(self, **doc) -> None:
        self._calls.append(("update", doc))
        self.gone.discard(doc["path"])
        super().add_document(**doc)

    def delete_by_term(self, field: str, value: str) -> None:
        self._calls.append(("delete", {"path": value}))
        self.gone.add(value)
        super().delete_by_term(field, value)

    def replay(self, writer) -> None:
        """Make the writer's calls again on a real writer, in order."""
        for call, arg in self._calls:
            if call == "delete":
                writer.delete_by_term("path", arg["path"])
            elif call == "update":
                writer.update_document(**with_search_fields(arg))
            else:
                writer.add_document(**with_search_fields(arg))

    def _kept(self, path: str) -> bool:
        return path not in self.gone and path not in self.docs

    def stored_facts(self, paths: Iterable[str] | None = None) -> dict[str, tuple]:
        if paths is None:
            out = {p: f for p, f in self.below.stored_facts().items() if self._kept(p)}
            out.update(super().stored_facts())
            return out
        paths = list(paths)
        kept = [p for p in paths if self._kept(p)]
        found = {**(self.below.stored_facts(kept) if kept else {}), **super().stored_facts(paths)}
        return {p: found[p] for p in paths if p in found}

    def records(self, paths: Iterable[str]) -> dict[str, Record]:
        paths = list(paths)
        kept = [p for p in paths if self._kept(p)]
        found = {**(self.below.records(kept) if kept else {}), **super().records(paths)}
        return {p: found[p] for p in paths if p in found}

    def all_records(self) -> Iterator[Record]:
        for rec in self.below.all_records():
            if self._kept(rec.path):
                yield rec
        yield from super().all_records()

    def linking(self, keys: Iterable[str]) -> list[str]:
        keys = list(keys)
        below = [p for p in self.below.linking(keys) if self._kept(p)]
        return sorted(set(below) | set(super().linking(keys)))

    def link_terms(self) -> list[str]:
        return list(dict.fromkeys([*self.below.link_terms(), *super().link_terms()]))
