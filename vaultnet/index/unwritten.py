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
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .records import Record, _record_from


class Unwritten:
    def __init__(self) -> None:
        self.docs: dict[str, dict] = {}  # path -> the Whoosh document, in the order parsed
        self._linking: dict[str, set[str]] | None = None

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
        if paths is None:
            return {path: doc["record"]["facts"] for path, doc in self.docs.items()}
        return {path: self.docs[path]["record"]["facts"] for path in paths if path in self.docs}

    def records(self, paths: Iterable[str]) -> dict[str, Record]:
        return {path: _record_from(self.docs[path]["record"]) for path in paths if path in self.docs}

    def all_records(self) -> Iterator[Record]:
        for doc in self.docs.values():
            yield _record_from(doc["record"])

    def linking(self, keys: Iterable[str]) -> list[str]:
        """As the `links` field answers: its terms are the comma-separated keys, stripped."""
        if self._linking is None:
            self._linking = {}
            for path, doc in self.docs.items():
                for key in doc.get("links", "").split(","):
                    if key := key.strip():
                        self._linking.setdefault(key, set()).add(path)
        found: set[str] = set()
        for key in keys:
            if key:
                found |= self._linking.get(key, set())
        return sorted(found)
