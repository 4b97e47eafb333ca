"""What the index keeps about each note: its entry in the manifest, its stored record,
its Whoosh document, and the counts a sync reports."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..notes.facts import note_facts
from ..notes.note import tag_and_parents
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
        stored["lines"], stored["problems"],
    )


def _document(note: Note, stat: Stat) -> dict:
    doc = {
        "path": note.path,
        "kind": note.kind,
        "name": note.name,
        "record": _record_of(note, stat),
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
        # `tag:inbox` finds `#inbox/to-read` too, as Obsidian's tag search does.
        doc["tag"] = " ".join(dict.fromkeys(p.replace(" ", "_") for t in note.tags for p in tag_and_parents(t)))
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
    keys = {link_key(ln.target) for ln in note.links if ln.target}
    keys.discard("")
    if keys:
        doc["links"] = ",".join(k.replace(",", " ") for k in keys)
    return doc


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
