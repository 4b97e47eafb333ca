"""What the index keeps about each note: its entry in the manifest, its stored record,
its Whoosh document, and the counts a sync reports."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..notes.facts import note_facts
from ..notes.values import field_values, tag_and_parents
from ..vault.folder import Stat, Vault
from ..vault.resolve import link_key

if TYPE_CHECKING:
    from ..notes.note import Note


@dataclass
class Entry:
    """What the manifest keeps per note: enough to name notes and resolve links."""

    size: int
    mtime_ns: int
    kind: str
    name: str
    aliases: tuple[str, ...]
    problems: tuple[tuple[int | None, str], ...] = ()


@dataclass
class SyncStats:
    """What a sync did: the notes added, updated and removed, the problems, and how long it took."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[dict] = field(default_factory=list)  # found by this sync
    rebuilt_because: str | None = None
    stale: str | None = None  # set when the sync was skipped and the last commit is used
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass
class Hit:
    """One full-text search hit: the note, its score and the query terms it matched."""

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
    facts: tuple = ()  # notes/facts.py: what folds (a card's interactions) read, kept with the rest


def _record_of(note: Note, stat: Stat) -> dict:
    return {
        "path": note.path,
        "kind": note.kind,
        "name": note.name,
        "aliases": tuple(note.aliases),
        "fm": note.frontmatter,
        "links": [(ln.target, ln.line, ln.embed, ln.in_frontmatter, ln.subpath) for ln in note.links],
        "tags": note.tags,
        "log": [(g.line, g.date, g.text, g.tags) for g in note.log_lines],
        "tasks": [(t.line, t.status, t.text, t.due, t.done) for t in note.tasks],
        "date": note.date,
        "lines": note.lines,
        "problems": [(p.line, p.message) for p in note.problems],
        "stat": stat,
        "facts": note_facts(note),
    }


def _record_from(stored: dict) -> Record:
    return Record(
        stored["path"], stored["kind"], stored["name"], tuple(stored["aliases"]), stored["fm"],
        stored["links"], stored["tags"], stored["log"], stored["tasks"], stored["date"],
        stored["lines"], stored["problems"], stored["facts"],
    )


def _document(note: Note, stat: Stat) -> dict:
    """The Whoosh document of a note: what it is, its record, and the fields search reads."""
    return with_search_fields(base_document(note, stat))


def base_document(note: Note, stat: Stat) -> dict:
    """A document without the fields only search reads (with_search_fields adds them from the
    record): what a first answer keeps, its search fields made behind the answer, by the
    process writing the index (a tenth of the parse)."""
    doc = {
        "path": note.path,
        "kind": note.kind,
        "name": note.name,
        "record": _record_of(note, stat),
        "body": note.body,
    }
    if note.fields_text:  # read from the frontmatter with a budget whose overrun is a problem: made here
        doc["fields"] = note.fields_text
    return doc


def with_search_fields(doc: dict) -> dict:
    """`doc` (a base_document) with the fields search reads, all made from its record."""
    rec = doc["record"]
    fm = rec["fm"]
    out = dict(doc)
    if rec["aliases"]:
        out["alias"] = "\n".join(rec["aliases"])
    company = " ".join(field_values(fm, "company", "org")).replace("[[", " ").replace("]]", " ")
    if company.strip():
        out["company"] = company
    role = " ".join(field_values(fm, "role", "title"))
    if role:
        out["role"] = role
    if rec["tags"]:
        # `tag:inbox` finds `#inbox/to-read` too, as Obsidian's tag search does.
        out["tag"] = " ".join(dict.fromkeys(p.replace(" ", "_") for t in rec["tags"] for p in tag_and_parents(t)))
    emails = field_values(fm, "email", "emails")
    if emails:
        out["email"] = " ".join(emails)
    phones = field_values(fm, "phone", "phones")
    if phones:
        out["phone"] = " ".join(p.replace(" ", "") for p in phones)
    last_contact = field_values(fm, "last_contact")
    if last_contact:
        out["last_contact"] = last_contact[0]
    if rec["date"]:
        out["date"] = rec["date"]
    keys = link_keys(rec)
    if keys:
        out["links"] = ",".join(keys)
    return out


def link_keys(rec: dict) -> set[str]:
    """The link keys of a stored record's links (resolve.link_key), as the `links` field holds
    them: its terms are split at commas, so a comma in a key is a blank."""
    keys = {link_key(target).replace(",", " ") for target, *_ in rec["links"] if target}
    keys.discard("")
    return keys


def linked_under(rec: dict, links: str | None = None) -> set[str]:
    """The keys `linking` finds a stored record's note under: the `links` field's terms, which
    Whoosh strips when it splits them at the commas. `links`: that field, if already made."""
    field = ",".join(link_keys(rec)) if links is None else links
    return {k for key in field.split(",") if (k := key.strip())}


def _read_note(vault: Vault, rel: str) -> tuple[Note, Stat] | None:
    """Parse one file, with the stat of the bytes read; None when it vanished."""
    from ..notes.note import parse_note

    try:
        fd = os.open(vault.abspath(rel), os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):
        return None
    # Any other failure (permission denied, an I/O error) is the caller's to report:
    # one unreadable note must not stop the rest of the vault from being indexed.
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
    return parse_note(b"".join(chunks), rel, vault.rules), (st.st_size, st.st_mtime_ns)
