"""Reading the Whoosh index: the newest commit opened (retried while another process commits),
and the questions asked of a searcher: full text, stored records, link keys."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..errors import IndexBusy
from ..vault.obsidian import changed_settings
from .manifest import INDEX_NAME, SCHEMA_VERSION, IndexFolder
from .records import Hit, Record, _record_from
from .whoosh_import import import_for_reading

OPEN_ATTEMPTS = 20  # another process's commit may delete the generation being opened; take the next


class WhooshHandle:
    """The opened index and one searcher on it, both reopened after a newer commit."""

    def __init__(self, folder: IndexFolder):
        self.folder = folder
        self.ix = None
        self.searcher = None

    def open(self):
        """The Whoosh index, or None when there is none yet."""
        if self.ix is not None:
            return self.ix
        windex = import_for_reading()

        for _ in range(OPEN_ATTEMPTS):
            generation = self.folder.generation()
            if generation is None:
                return None
            try:
                self.ix = windex.open_dir(str(self.folder.path), indexname=INDEX_NAME)
            except windex.EmptyIndexError:
                return None
            except FileNotFoundError:
                # Another process committed between our listing and the open, and Whoosh
                # deleted the generation we were opening: open the new one.
                if self.folder.generation() == generation:
                    raise
                continue
            return self.ix
        raise IndexBusy("the index keeps changing while being opened; try again")

    def open_searcher(self):
        """A searcher on the newest commit; None when there is no index yet."""
        for _ in range(OPEN_ATTEMPTS):
            ix = self.open()
            if ix is None:
                return None
            generation = self.folder.generation()
            try:
                return ix.searcher()
            except FileNotFoundError:
                # Same race as in open(): the segments of the commit being opened were
                # deleted by a newer commit. Only a failure on a still-current commit is real.
                if self.folder.generation() == generation:
                    raise
        raise IndexBusy("the index keeps changing while being opened; try again")

    def kept_searcher(self):
        """The searcher kept, else one opened on the newest commit and kept (None: no index yet)."""
        if self.searcher is None:
            self.searcher = self.open_searcher()
        return self.searcher

    def close_searcher(self) -> None:
        if self.searcher is not None:
            self.searcher.close()
            self.searcher = None

    def close(self) -> None:
        self.close_searcher()
        self.ix = None


def stored_facts(s, paths: Iterable[str] | None = None) -> dict[str, tuple]:
    """Notes' facts (notes/facts.py) from the stored records: every note's, or those of `paths`."""
    if paths is None:
        return {st["record"]["path"]: st["record"]["facts"] for st in s.all_stored_fields() if "record" in st}
    out = {}
    for path in paths:
        stored = s.document(path=path)
        if stored and "record" in stored:
            out[path] = stored["record"]["facts"]
    return out


def records(s, paths: Iterable[str]) -> dict[str, Record]:
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


def all_records(s) -> Iterator[Record]:
    for stored in s.all_stored_fields():
        if "record" in stored:
            yield _record_from(stored["record"])


def linking(s, keys: Iterable[str]) -> list[str]:
    """Paths of notes with a link whose key is one of `keys` (candidates, not yet resolved)."""
    from whoosh import query

    terms = [query.Term("links", k) for k in keys if k]
    if not terms:
        return []
    return sorted({s.stored_fields(d)["path"] for d in s.docs_for_query(query.Or(terms))})


def link_terms(s) -> list[str]:
    """Every key the `links` field holds (a superset: a removed note's keys stay until a merge)."""
    # Each segment's terms into one set: a multi-segment reader's sorted merge of them is four
    # times slower, and nobody needs them in order.
    terms: set[bytes] = set()
    for leaf, _ in s.reader().leaf_readers():
        terms.update(leaf.lexicon("links"))
    return [t.decode("utf-8") for t in terms]


def search(s, text: str, kind: str | None = None, limit: int | None = 20) -> list[Hit]:
    from .full_text import find_hits

    return [Hit(path, score, terms) for path, score, terms in find_hits(s, text, kind, limit)]


def state_records(ix) -> Iterator[dict]:
    """Every stored record of a commit: what the manifest is rebuilt from after a crash."""
    with ix.searcher() as s:
        for stored in s.all_stored_fields():
            rec = stored.get("record")
            if rec:
                yield rec


def why_unusable(folder: IndexFolder, whoosh: WhooshHandle, fingerprint: tuple) -> str | None:
    """Why the index on disk cannot be used as it is (so it must be rebuilt), or None."""
    if not folder.path.exists():
        return None
    version = folder.version()
    if version is None:
        return "it has no version stamp"
    if not version:  # a build killed while it stamped the version
        return "it is incomplete"
    if version != str(SCHEMA_VERSION):
        return f"it was built by another version of vaultnet (schema {version})"
    stored = (folder.read_manifest() or {}).get("config")
    if stored not in (None, fingerprint):
        # people_dirs, exclude, the template and daily-notes folders... decide kinds, dates
        # and which files are notes.
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == fingerprint[0]:
            changed = changed_settings(stored[1], fingerprint[1])
            return f"the vault's Obsidian settings changed ({', '.join(changed)})"
        return "config.toml changed"
    try:
        s = whoosh.open_searcher()
        if s is None:
            return "it is incomplete"
        with s:
            s.doc_count()
    except IndexBusy:
        return None  # readable, only busy: the sync takes the lock and looks again
    except Exception as exc:  # any failure to open means: rebuild
        whoosh.ix = None
        return f"it could not be opened ({type(exc).__name__})"
    return None
