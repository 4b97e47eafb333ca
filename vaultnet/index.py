"""The index: Whoosh behind a narrow interface, plus a manifest for fast syncs.

Nothing outside this module imports whoosh. The index is a cache of the notes:
it carries a schema version, and whatever cannot be opened is rebuilt.

Two files live under `.vaultnet/index/`: Whoosh's segments, and `manifest`, a
small marshal file (path -> size, mtime_ns, kind, name, aliases) written after
each commit and stamped with the Whoosh generation it describes. A sync with
nothing to do reads only the manifest and the folder listing, so it never
pays for importing or opening Whoosh.
"""

from __future__ import annotations

import marshal
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import IndexBusy, QueryError, VaultnetError
from .notes import Note, parse_note
from .resolve import LinkResolver, NoteRef, fold, link_key
from .vault import FileStat, Vault

SCHEMA_VERSION = 2  # bump whenever the schema or the parser's output changes
INDEX_NAME = "MAIN"
_TOC = re.compile(r"_%s_(\d+)\.toc$" % INDEX_NAME)
WRITER_TIMEOUT = 30.0  # seconds a writer waits for another process's lock
READER_SYNC_TIMEOUT = 3.0
MULTIPROCESS_BATCH = 2000  # notes to (re)parse before the writer uses several processes  # a read command waits this long, then answers from the last commit

Progress = Callable[[int, int], None]


@dataclass
class Entry:
    """What the manifest keeps per note: enough to resolve links and name notes."""

    size: int
    mtime_ns: int
    kind: str
    name: str
    aliases: tuple[str, ...]
    problems: tuple[tuple[int | None, str], ...] = ()

    def as_tuple(self) -> tuple:
        return (self.size, self.mtime_ns, self.kind, self.name, self.aliases, self.problems)


@dataclass
class SyncStats:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[dict] = field(default_factory=list)  # problems of notes parsed in this sync
    rebuilt_because: str | None = None
    stale: str | None = None  # set when the sync was skipped and the last commit is used
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass
class Hit:
    path: str
    score: float
    terms: list[str]


@dataclass
class Record:
    """The facts of one note as stored in the index."""

    path: str
    kind: str
    name: str
    aliases: tuple[str, ...]
    frontmatter: dict
    links: list[tuple]  # (target, line, embed, in_frontmatter, subpath)
    tags: list[str]
    log_lines: list[tuple]  # (line, date, text, tags)
    tasks: list[tuple]  # (line, status, text, due, done)
    date: str | None
    lines: dict[int, str]
    problems: list[tuple]


def _record_of(note: Note) -> dict:
    return {
        "v": SCHEMA_VERSION,
        "path": note.path,
        "kind": note.kind,
        "name": note.name,
        "aliases": tuple(note.aliases),
        "fm": note.frontmatter,
        "links": [(l.target, l.line, l.embed, l.in_frontmatter, l.subpath) for l in note.links],
        "tags": note.tags,
        "log": [(g.line, g.date, g.text, g.tags) for g in note.log_lines],
        "tasks": [(t.line, t.status, t.text, t.due, t.done) for t in note.tasks],
        "date": note.date,
        "lines": note.lines,
        "problems": [(p.line, p.message) for p in note.problems],
    }


def _record_from(stored: dict) -> Record:
    return Record(
        stored["path"], stored["kind"], stored["name"], tuple(stored["aliases"]), stored["fm"],
        stored["links"], stored["tags"], stored["log"], stored["tasks"], stored["date"],
        stored["lines"], stored["problems"],
    )


WORD_PATTERN = r"\w+(?:[.'’]\w+)*"


def _stemmer():
    from functools import lru_cache

    from whoosh.lang.porter import stem

    return lru_cache(maxsize=200_000)(stem)


def _counted_text_class():
    """A TEXT field whose postings come from one C-level pass over the text.

    Whoosh's analyzers call a chain of Python generators per token; for a 2 KB
    note that is most of the indexing time. This field finds the words with
    one regex, counts them with Counter, and stems each distinct word once.
    Queries still go through the field's analyzer, built to give the same
    terms: the same word pattern, lower case, stop words and length rule,
    and the same Porter stemmer.
    """
    import re as _re
    from collections import Counter

    from whoosh import fields
    from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
    from whoosh.analysis.filters import STOP_WORDS
    from whoosh.system import pack_uint

    finder = _re.compile(WORD_PATTERN).findall
    stem = _stemmer()

    class CountedText(fields.TEXT):
        def __init__(self, stemmed: bool = True, field_boost: float = 1.0):
            analyzer = RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | StopFilter()
            if stemmed:
                analyzer = analyzer | StemFilter(cachesize=50_000)
            super().__init__(analyzer=analyzer, phrase=False, field_boost=field_boost)
            self.stemmed = stemmed

        def index(self, value, **kwargs):
            counts = Counter(finder(value.lower()))
            terms: dict[str, int] = {}
            for word, n in counts.items():
                if len(word) < 2 or word in STOP_WORDS:
                    continue
                if self.stemmed:
                    word = stem(word)
                terms[word] = terms.get(word, 0) + n
            boost = self.format.field_boost
            return [(w.encode("utf-8"), n, n * boost, pack_uint(n)) for w, n in terms.items()]

    CountedText.__module__ = __name__
    CountedText.__qualname__ = "CountedText"
    return CountedText


_counted_text = None


def __getattr__(name):
    # Whoosh pickles the schema into its TOC; unpickling finds the field class here.
    global _counted_text
    if name == "CountedText":
        if _counted_text is None:
            _counted_text = _counted_text_class()
        return _counted_text
    raise AttributeError(name)


def _schema():
    from whoosh import fields
    from whoosh.analysis import LowercaseFilter, RegexTokenizer

    counted = __getattr__("CountedText")
    words = RegexTokenizer(WORD_PATTERN) | LowercaseFilter()
    return fields.Schema(
        path=fields.ID(unique=True, stored=True),
        kind=fields.ID(),
        name=fields.TEXT(analyzer=words, field_boost=4.0),
        alias=fields.TEXT(analyzer=words, field_boost=3.0),
        company=fields.TEXT(analyzer=words, field_boost=2.0),
        role=fields.TEXT(analyzer=words, field_boost=1.5),
        tag=fields.KEYWORD(lowercase=True, scorable=True, field_boost=2.0),
        email=fields.KEYWORD(lowercase=True),
        phone=fields.KEYWORD(),
        last_contact=fields.ID(),
        date=fields.ID(),
        fields=counted(stemmed=False),
        body=counted(stemmed=True),
        links=fields.KEYWORD(commas=True),
        record=fields.STORED(),
    )


def _document(note: Note) -> dict:
    doc = {
        "path": note.path,
        "kind": note.kind,
        "name": note.name,
        "record": _record_of(note),
        "body": note.body,
    }
    if note.aliases:
        doc["alias"] = "\n".join(note.aliases)
    company = " ".join(note.field_values("company", "org")).replace("[[", " ").replace("]]", " ")
    if company.strip():
        doc["company"] = company
    role = " ".join(note.field_values("role", "title"))
    if role:
        doc["role"] = role
    if note.tags:
        doc["tag"] = " ".join(t.replace(" ", "_") for t in note.tags)
    emails = note.field_values("email", "emails")
    if emails:
        doc["email"] = " ".join(emails)
    phones = note.field_values("phone", "phones")
    if phones:
        doc["phone"] = " ".join(p.replace(" ", "") for p in phones)
    last_contact = note.first_value("last_contact")
    if last_contact:
        doc["last_contact"] = last_contact
    if note.date:
        doc["date"] = note.date
    if note.fields_text:
        doc["fields"] = note.fields_text
    keys = {link_key(l.target) for l in note.links if l.target}
    keys.discard("")
    if keys:
        doc["links"] = ",".join(k.replace(",", " ") for k in keys)
    return doc


def _read_note(vault: Vault, rel: str) -> tuple[Note, FileStat] | None:
    """Parse one file; None when it vanished or cannot be read (the caller reports)."""
    path = vault.abspath(rel)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        st = os.fstat(fd)
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    note = parse_note(b"".join(chunks), rel, vault.config)
    return note, FileStat(st.st_size, st.st_mtime_ns)


class NoteIndex:
    def __init__(self, vault: Vault, on_warning: Callable[[str], None] | None = None):
        self.vault = vault
        self.dir = vault.index_dir
        # Outside the index folder, so that a rebuild (which empties it) never drops a held lock.
        self._lock_path = vault.state_dir / "index.lock"
        self._on_warning = on_warning
        self._manifest_path = self.dir / "manifest"
        self._entries: dict[str, Entry] | None = None
        self._too_large: dict[str, tuple[int, int]] = {}
        self._ix = None
        self._searcher = None
        self._resolver: LinkResolver | None = None
        self.warnings: list[str] = []  # one-line notes for the user (stale reads, rebuilds)

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

    def _load_manifest(self) -> tuple[dict[str, Entry], dict] | None:
        """The manifest if it matches this schema, config and Whoosh generation."""
        try:
            if (self.dir / "VERSION").read_text().strip() != str(SCHEMA_VERSION):
                return None
        except OSError:
            return None
        try:
            with open(self._manifest_path, "rb") as fh:
                data = marshal.load(fh)
        except (OSError, EOFError, ValueError, TypeError):
            return None
        if not isinstance(data, dict) or data.get("version") != SCHEMA_VERSION:
            return None
        if data.get("config") != self.vault.config.fingerprint():
            return None
        if data.get("generation") != self._generation_on_disk():
            return None
        entries = {p: Entry(*t) for p, t in data["files"].items()}
        return entries, data.get("too_large", {})

    def _stored_config(self) -> str | None:
        try:
            with open(self._manifest_path, "rb") as fh:
                data = marshal.load(fh)
            return data.get("config") if isinstance(data, dict) else None
        except (OSError, EOFError, ValueError, TypeError):
            return None

    def _write_manifest(self, entries: dict[str, Entry], too_large: dict, generation: int) -> None:
        data = {
            "version": SCHEMA_VERSION,
            "config": self.vault.config.fingerprint(),
            "generation": generation,
            "files": {p: e.as_tuple() for p, e in entries.items()},
            "too_large": too_large,
        }
        tmp = self._manifest_path.with_name(f".manifest.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            marshal.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._manifest_path)

    def entries(self) -> dict[str, Entry]:
        if self._entries is None:
            loaded = self._load_manifest()
            if loaded is None:
                self._entries = self._entries_from_whoosh()
            else:
                self._entries, self._too_large = loaded
        return self._entries

    def _entries_from_whoosh(self) -> dict[str, Entry]:
        """Rebuild the manifest's view from stored records (after a crash between commits)."""
        ix = self._open()
        if ix is None:
            return {}
        out: dict[str, Entry] = {}
        with ix.searcher() as s:
            for stored in s.all_stored_fields():
                rec = stored.get("record")
                if rec:
                    size, mtime = rec.get("stat", (-1, -1))
                    out[rec["path"]] = Entry(
                        size, mtime, rec["kind"], rec["name"], tuple(rec["aliases"]),
                        tuple(tuple(p) for p in rec["problems"]),
                    )
        return out

    # ------------------------------------------------------------------ whoosh

    def _open(self):
        """The Whoosh index, or None when there is none yet."""
        if self._ix is not None:
            return self._ix
        from whoosh import index as windex

        if not windex.exists_in(str(self.dir), indexname=INDEX_NAME):
            return None
        self._ix = windex.open_dir(str(self.dir), indexname=INDEX_NAME)
        return self._ix

    def _create(self):
        from whoosh import index as windex

        if self.dir.exists():
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._ix = windex.create_in(str(self.dir), _schema(), indexname=INDEX_NAME)
        self._close_searcher()
        return self._ix

    def _healthy(self) -> str | None:
        """Why the index must be rebuilt, or None when it opens and reads."""
        version_file = self.dir / "VERSION"
        try:
            version = version_file.read_text().strip()
        except OSError:
            version = None
        if version is None:
            return None if not self.dir.exists() else "no version stamp"
        if version != str(SCHEMA_VERSION):
            return f"it was built by another version of vaultnet (schema {version})"
        try:
            ix = self._open()
            if ix is None:
                return "it is incomplete"
            with ix.searcher() as s:
                s.doc_count()
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

    def __enter__(self) -> "NoteIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ sync

    def sync(self, *, rebuild: bool = False, progress: Progress | None = None,
             wait: float = WRITER_TIMEOUT, procs: int | None = None) -> SyncStats:
        """Bring the index up to date with the files: parse only what changed."""
        started = time.perf_counter()
        stats = SyncStats()
        scan = self.vault.scan()
        for rel, message in scan.problems:
            stats.problems.append({"path": rel, "line": None, "message": message})

        reason = "rebuild requested" if rebuild else None
        loaded = None if rebuild else self._load_manifest()
        if loaded is not None and not self._differs(loaded, scan):
            self._entries, self._too_large = loaded
            stats.unchanged = len(scan.files)
            stats.seconds = time.perf_counter() - started
            return stats

        if reason is None and self._stored_config() not in (None, self.vault.config.fingerprint()):
            # people_dirs, exclude... decide kinds and which files are notes: parse everything again.
            reason = "the index was rebuilt because config.toml changed"
        if reason is None:
            unhealthy = self._healthy()
            if unhealthy and self.dir.exists():
                reason = f"the index was rebuilt because {unhealthy}"
        try:
            lock = self._acquire(wait)
        except IndexBusy:
            if wait >= WRITER_TIMEOUT or reason is not None:
                raise
            stats.stale = "another vaultnet process is updating the index; answering from its last state"
            self.warn(stats.stale)
            stats.seconds = time.perf_counter() - started
            return stats
        try:
            if reason is not None or self._open() is None:
                self._create()
                (self.dir / "VERSION").write_text(str(SCHEMA_VERSION))
                entries: dict[str, Entry] = {}
                if reason and not rebuild:
                    stats.rebuilt_because = reason
                    self.warn(reason)
            else:
                # Under the lock, read again: another process may have just committed.
                fresh = self._load_manifest()
                entries = fresh[0] if fresh is not None else self._entries_from_whoosh()
            self._apply(scan, entries, stats, progress, procs)
        finally:
            lock.release()
        stats.seconds = time.perf_counter() - started
        return stats

    def _differs(self, loaded, scan) -> bool:
        entries, too_large = loaded
        if len(entries) != len(scan.files) or len(too_large) != len(scan.too_large):
            return True
        for rel, st in scan.files.items():
            e = entries.get(rel)
            if e is None or e.size != st.size or e.mtime_ns != st.mtime_ns:
                return True
        return any(tuple(too_large.get(rel, ())) != (st.size, st.mtime_ns) for rel, st in scan.too_large.items())

    def _acquire(self, wait: float):
        from whoosh.util.filelock import FileLock

        try:
            self.vault.state_dir.mkdir(exist_ok=True)
        except OSError as exc:
            raise VaultnetError(f"cannot write the index in {self.vault.state_dir}: {exc.strerror}") from exc
        lock = FileLock(str(self._lock_path))
        deadline = time.monotonic() + wait
        while True:
            try:
                if lock.acquire(blocking=False):
                    return lock
            except OSError as exc:
                raise VaultnetError(f"cannot write the index in {self.dir}: {exc.strerror}") from exc
            if time.monotonic() >= deadline:
                raise IndexBusy(
                    f"the index is locked by another vaultnet process (waited {wait:.0f}s); try again"
                )
            time.sleep(0.05)

    def _apply(self, scan, entries: dict[str, Entry], stats: SyncStats,
               progress: Progress | None, procs: int | None) -> None:
        to_parse: list[str] = []
        for rel, st in scan.files.items():
            e = entries.get(rel)
            if e is None:
                to_parse.append(rel)
                stats.added.append(rel)
            elif e.size != st.size or e.mtime_ns != st.mtime_ns:
                to_parse.append(rel)
                stats.updated.append(rel)
            else:
                stats.unchanged += 1
        gone = [rel for rel in entries if rel not in scan.files]
        stats.removed.extend(gone)
        for rel, st in scan.too_large.items():
            if tuple(self._too_large.get(rel, ())) != (st.size, st.mtime_ns):
                stats.problems.append({
                    "path": rel, "line": None,
                    "message": f"{st.size} bytes, over max_file_size ({self.vault.config.max_file_size}); skipped",
                })
            if rel in entries:
                stats.removed.append(rel)
                gone.append(rel)

        ix = self._open()
        writer = self._writer(ix, len(to_parse), procs)
        try:
            for rel in gone:
                writer.delete_by_term("path", rel)
                entries.pop(rel, None)
            first_build = not entries
            total = len(to_parse)
            for done, rel in enumerate(to_parse, 1):
                parsed = _read_note(self.vault, rel)
                if parsed is None:  # vanished between scan and read
                    if rel in entries:
                        writer.delete_by_term("path", rel)
                        entries.pop(rel)
                    _drop(stats, rel)
                    continue
                note, st = parsed
                doc = _document(note)
                doc["record"]["stat"] = (st.size, st.mtime_ns)
                if first_build:
                    writer.add_document(**doc)
                else:
                    writer.update_document(**doc)
                problems = tuple((p.line, p.message) for p in note.problems)
                entries[rel] = Entry(st.size, st.mtime_ns, note.kind, note.name, tuple(note.aliases), problems)
                for line, message in problems:
                    stats.problems.append({"path": rel, "line": line, "message": message})
                if progress is not None:
                    progress(done, total)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        self._ix = None  # reopen to see the new generation
        self._close_searcher()
        generation = self._generation_on_disk()
        too_large = {rel: (st.size, st.mtime_ns) for rel, st in scan.too_large.items()}
        self._write_manifest(entries, too_large, generation)
        self._entries, self._too_large = entries, too_large
        self._resolver = None

    def _writer(self, ix, batch: int, procs: int | None):
        # We hold our own lock (index.lock), so Whoosh's is not taken (_lk=False).
        # Segments are left uncompounded: a reader then opens files instead of
        # copying one big compound file into memory.
        if procs is None:
            procs = min(os.cpu_count() or 1, 4) if batch >= MULTIPROCESS_BATCH else 1
        if procs > 1:
            from whoosh.multiproc import MpWriter

            # Each process writes its own segment; multisegment skips merging them at the end.
            return MpWriter(ix, procs=procs, batchsize=200, multisegment=True, _lk=False,
                            limitmb=128, compound=False, subargs={"compound": False})
        from whoosh.writing import SegmentWriter

        return SegmentWriter(ix, _lk=False, limitmb=256, compound=False)

    # ------------------------------------------------------------------ reading

    def searcher(self):
        if self._searcher is None:
            try:
                ix = self._open()
                self._searcher = ix.searcher() if ix is not None else None
            except Exception as exc:  # unreadable: the notes are the truth, build it again
                self.close()
                self.sync(rebuild=True)
                self.warn(f"the index was rebuilt because it could not be opened ({type(exc).__name__})")
                ix = self._open()
                self._searcher = ix.searcher() if ix is not None else None
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
        out = [
            {"path": p, "line": line, "message": message}
            for p, e in sorted(self.entries().items())
            for line, message in e.problems
        ]
        for rel, (size, _) in sorted(self._too_large.items()):
            out.append({"path": rel, "line": None,
                        "message": f"{size} bytes, over max_file_size; skipped"})
        return out

    def records(self, paths: Iterable[str]) -> dict[str, Record]:
        s = self.searcher()
        out = {}
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
        docs = s.docs_for_query(query.Or(terms))
        return sorted({s.stored_fields(d)["path"] for d in docs})

    def search(self, text: str, kind: str | None = None, limit: int | None = 20) -> list[Hit]:
        from whoosh import qparser, query
        from whoosh.qparser.dateparse import DateParserPlugin  # noqa: F401  (kept lazy)

        s = self.searcher()
        if text.strip() in ("*", ""):
            q = query.Every()
        else:
            parser = qparser.MultifieldParser(
                ["name", "alias", "company", "role", "tag", "email", "fields", "body"],
                schema=s.schema,
                group=qparser.AndGroup,
            )
            parser.add_plugin(qparser.FuzzyTermPlugin())
            parser.remove_plugin_class(qparser.WildcardPlugin)
            parser.add_plugin(qparser.WildcardPlugin())
            try:
                q = parser.parse(text)
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

    def highlight(self, path: str, body: str, terms: list[str], chars: int = 160) -> str:
        """A short excerpt of `body` around the matched terms, with them in **bold**."""
        from whoosh import highlight

        if not terms or not body:
            return _first_chars(body, chars)
        analyzer = self._open().schema["body"].analyzer
        wanted = set()
        for t in terms:
            wanted.update(tok.text for tok in analyzer(t))
        fragmenter = highlight.ContextFragmenter(maxchars=chars, surround=60)
        formatter = highlight.UppercaseFormatter()
        formatter = _BoldFormatter()
        out = highlight.highlight(body, wanted, analyzer, fragmenter, formatter, top=1)
        return " ".join(out.split()) if out else _first_chars(body, chars)


def _first_chars(text: str, chars: int) -> str:
    flat = " ".join(text.split())
    return flat[:chars] + ("…" if len(flat) > chars else "")


def _drop(stats: SyncStats, rel: str) -> None:
    for bucket in (stats.added, stats.updated):
        if rel in bucket:
            bucket.remove(rel)


class _BoldFormatter:
    """Marks matched words with Markdown bold; plain text otherwise."""

    between = " … "

    def __call__(self, text, fragments):
        return self.format(fragments)

    def format(self, fragments, replace=False):
        parts = []
        for fragment in fragments:
            text = fragment.text
            out, index = [], fragment.startchar
            for token in fragment.matches:
                if token.startchar < index:
                    continue
                out.append(text[index:token.startchar])
                out.append(f"**{text[token.startchar:token.endchar]}**")
                index = token.endchar
            out.append(text[index:fragment.endchar])
            parts.append("".join(out))
        return self.between.join(parts)
