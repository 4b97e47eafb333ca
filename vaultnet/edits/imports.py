"""Bringing contacts into the vault: match each to a person, merge, never duplicate.

A record matches an existing person by email (case-insensitive), else by name
or alias. Planning reads the notes and computes every new byte first; applying
writes them, each note atomically. `--dry-run` is a plan that is never applied.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..errors import VaultnetError
from ..index import NoteIndex
from ..notes.contact import Contact, ImportProblem, ParsedFile, labels_for, phone_key, unique
from ..notes.contact_fields import (
    FieldMerge,
    merge_fields,
    new_note_fields,
    plain_value,
    shown,
)
from ..notes.values import field_values
from ..vault.folder import Vault
from ..vault.resolve import fold
from .frontmatter_edit import FrontmatterEditError, edit_frontmatter
from .person_notes import log_entry
from .writes import (
    WriteRefused,
    add_log_line,
    create_files,
    inside,
    plain_text,
    replace_file,
    safe_file_name,
    vault_write_lock,
)


@dataclass
class NotePlan:
    path: str
    name: str
    action: str  # "create", "update" or "unchanged"
    matched_by: str | None = None  # "email", "name", "alias", "path" (a vaultnet backup)
    lines: list[int] = field(default_factory=list)  # the records it came from
    changes: list[str] = field(default_factory=list)
    conflicts: list[tuple[int, str]] = field(default_factory=list)  # (line in the file, what)
    original: bytes | None = None
    data: bytes | None = None

    def as_json(self) -> dict:
        return {"path": self.path, "name": self.name, "action": self.action,
                "matched_by": self.matched_by, "lines": self.lines,
                "changes": self.changes,
                "conflicts": [{"line": line, "message": message} for line, message in self.conflicts]}


@dataclass
class ImportPlan:
    notes: list[NotePlan] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for n in self.notes if n.action == action)


@dataclass
class _Identity:
    """What tells one person from another of the same name."""

    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    linkedin: set[str] = field(default_factory=set)
    birthdays: set[str] = field(default_factory=set)  # full dates only: a year tells people apart
    companies: set[str] = field(default_factory=set)
    backup_path: str = ""  # a vaultnet backup's X-VAULTNET-PATH: two paths are two notes

    def add(self, emails, phones, linkedin, birthday, company, backup_path="") -> None:
        self.emails |= {e.strip().casefold() for e in emails if e.strip()}
        self.phones |= {phone_key(p) for p in phones if phone_key(p)}
        self.linkedin |= {_profile(u) for u in linkedin if u.strip()}
        self.birthdays |= {b for b in birthday if _FULL_DATE.fullmatch(b)}
        self.companies |= {fold(plain_value(c)) for c in company if c.strip()}
        self.backup_path = self.backup_path or backup_path

    def against(self, c: Contact) -> str | None:
        """Why `c` is someone else despite the same name, or None when nothing says so.

        A name is shared by many people; it holds unless something contradicts it: another
        LinkedIn profile or another birthday (a person has one of each), another note of the
        same backup, or two of other emails, other phones and another company, with nothing
        of those in common (one alone is a person who moved on: a new job, a new address)."""
        other = _Identity()
        other.add(c.emails, c.phones, [c.linkedin], [c.birthday], [c.company], c.path)
        if self.backup_path and other.backup_path and self.backup_path != other.backup_path:
            return "is another note of the backup"
        if self.linkedin and other.linkedin and not self.linkedin & other.linkedin:
            return "has another LinkedIn profile"
        if self.birthdays and other.birthdays and not self.birthdays & other.birthdays:
            return "has another birthday"
        differ = [what for what, mine, theirs in (("emails", self.emails, other.emails),
                                                  ("phones", self.phones, other.phones),
                                                  ("company", self.companies, other.companies))
                  if mine and theirs and not mine & theirs]
        shared = any(mine & theirs for mine, theirs in ((self.emails, other.emails),
                                                        (self.phones, other.phones)))
        if len(differ) >= 2 and not shared:
            words = {"emails": "other emails", "phones": "other phones", "company": "another company"}
            return "has " + " and ".join(words[d] for d in differ)
        return None


_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _profile(url: str) -> str:
    """A LinkedIn profile however it is written: `https://www.linkedin.com/in/ada/` is `linkedin.com/in/ada`."""
    return re.sub(r"^(https?://)?(www\.)?", "", url.strip().casefold()).rstrip("/")


class _People:
    """Who is already in the vault, by email and by name, and who this import adds."""

    def __init__(self) -> None:
        self.by_email: dict[str, set[str]] = {}
        self.by_name: dict[str, set[str]] = {}
        self.how: dict[tuple[str, str], str] = {}
        self.who: dict[str, _Identity] = {}

    def add(self, path: str, emails: list[str], names: list[str], aliases: list[str]) -> None:
        for email in emails:
            self.by_email.setdefault(email.strip().casefold(), set()).add(path)
        for label, how in [*((n, "name") for n in names), *((a, "alias") for a in aliases)]:
            key = fold(label.strip())
            if key:
                self.by_name.setdefault(key, set()).add(path)
                self.how.setdefault((key, path), how)

    def add_contact(self, path: str, c: Contact) -> None:
        self.add(path, c.emails, [c.name], c.aliases)
        self.who.setdefault(path, _Identity()).add(c.emails, c.phones, [c.linkedin], [c.birthday],
                                                  [c.company], c.path)

    def match(self, contact: Contact) -> tuple[str | None, str | None, list[str], list[tuple[str, str]]]:
        """(path, how, other candidates when the name is ambiguous, (path, why) of the people
        who have the name but are someone else)."""
        key = fold(contact.name.strip())
        # A vaultnet backup names the note each record came from: restored over its vault,
        # a record finds its own note, even where two people share an address or a name.
        if contact.path in self.who and (contact.path in self.by_name.get(key, set()) or any(
                contact.path in self.by_email.get(e.strip().casefold(), set()) for e in contact.emails)):
            return contact.path, "path", [], []
        for email in contact.emails:
            paths = {p for p in self.by_email.get(email.strip().casefold(), set())
                     if not (contact.path and self.who.get(p, _Identity()).backup_path not in ("", contact.path))}
            if len(paths) == 1:
                return next(iter(paths)), "email", [], []
            if paths:  # two people share the address: a guess could merge into the wrong one
                return None, None, sorted(paths), []
        named = sorted(self.by_name.get(key, set()))
        others = [(p, why) for p in named if (why := self.who.get(p, _Identity()).against(contact))]
        agree = [p for p in named if p not in dict(others)]
        if len(agree) == 1:
            return agree[0], self.how[(key, agree[0])], [], []
        return None, None, agree, others


def _known_people(index: NoteIndex) -> _People:
    people = _People()
    persons = [p for p, (kind, _) in index.kinds().items() if kind == "person"]
    for path, rec in sorted(index.records(persons).items()):
        stem = path.rsplit("/", 1)[-1][:-3]
        fm = rec.frontmatter
        people.add(path, field_values(fm, "email", "emails"), [rec.name, stem], list(rec.aliases))
        people.who[path] = _Identity()
        people.who[path].add(field_values(fm, "email", "emails"), field_values(fm, "phone", "phones"),
                             field_values(fm, "linkedin"), field_values(fm, "birthday"),
                             field_values(fm, "company", "org"))
    return people


def _backup_path(vault: Vault, contact: Contact, taken: set[str]) -> str | None:
    """Where a vaultnet backup says the note was (X-VAULTNET-PATH), so a restore gives each note
    its own file again; None unless it is a plain, free path a new note could have."""
    parts = contact.path.split("/")
    if not contact.path.endswith(".md") or any(p.startswith(".") for p in parts):
        return None
    try:
        if [safe_file_name(p) for p in (*parts[:-1], parts[-1][:-3])] != [*parts[:-1], parts[-1][:-3]]:
            return None
    except WriteRefused:
        return None
    if fold(parts[-1][:-3]) in taken or vault.abspath(contact.path).exists():
        return None
    return contact.path


def _distinct_name(contact: Contact, others: list[tuple[str, str]]) -> str:
    """The file name of a second person of the same name says which one it is: `Alex Kim (Globex)`."""
    if not others:
        return contact.name
    hint = plain_value(contact.company) or next((e.rsplit("@", 1)[-1] for e in contact.emails), "")
    return f"{contact.name} ({hint})" if hint else contact.name


def _new_path(vault: Vault, name: str, taken: set[str]) -> str:
    folder = vault.config.people_dirs[0] if vault.config.people_dirs else ""
    base = safe_file_name(name)
    for n in range(1, 1000):
        stem = base if n == 1 else f"{base} {n}"
        rel = f"{folder}/{stem}.md" if folder else f"{stem}.md"
        if fold(stem) not in taken and not vault.abspath(rel).exists():
            return rel
    raise WriteRefused(f"no free file name for {name!r} in {folder or 'the vault'}")


def new_note_bytes(contact: Contact, file_name: str) -> bytes:
    import yaml

    fm = new_note_fields(contact, file_name)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # the C emitter: an import writes thousands
    head = yaml.dump(fm, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=1000)
    body = f"# {plain_text(contact.name)}\n\n"  # a name, not Markdown: `[[`, `#` or `%%` in it
    if contact.note.strip():
        body += contact.note.strip() + "\n\n"
    return f"---\n{head}---\n{body}## Log\n".encode()


def plan_import(vault: Vault, index: NoteIndex, parsed: ParsedFile, today: dt.date | None = None) -> ImportPlan:
    """Every write the import would make, computed before any is made. `today` dates the news
    line of a job change."""
    today = today or dt.date.today()
    plan = ImportPlan(problems=list(parsed.problems))
    people = _known_people(index)
    by_path: dict[str, NotePlan] = {}
    created: dict[str, Contact] = {}  # new notes are built once, from every record that maps to them
    # A new note never takes a file name another note has: `[[Acme]]` must keep meaning Acme's note.
    taken = {fold(p.rsplit("/", 1)[-1][:-3]) for p in index.entries()}

    for contact in parsed.contacts:
        path, how, ambiguous, others = people.match(contact)
        if ambiguous:
            plan.problems.append(ImportProblem(
                contact.line, f"{contact.name!r} matches several people ({', '.join(ambiguous)}); skipped"))
            continue
        if path is None:
            try:
                path = _backup_path(vault, contact, taken) or _new_path(
                    vault, _distinct_name(contact, others), taken)
            except WriteRefused as exc:
                plan.problems.append(ImportProblem(contact.line, f"{exc}; skipped"))
                continue
            taken.add(fold(path.rsplit("/", 1)[-1][:-3]))
            created[path] = contact
            by_path[path] = NotePlan(path, contact.name, "create", lines=[contact.line])
            # Never a silent merge, never a silent second note: the user decides (`merge`).
            by_path[path].conflicts += [
                (contact.line, f"possible duplicate of {other}: the same name, but this one {why}; "
                               f"a note of its own (`vaultnet merge` joins them if they are one person)")
                for other, why in others]
            people.add_contact(path, contact)
            continue
        note = by_path.get(path)
        if note is None:
            note = by_path[path] = _existing(vault, path, how)
        note.lines.append(contact.line)
        if path in created:
            _fold_into(created[path], contact)
            people.add_contact(path, contact)
            continue
        try:
            merged = _merge_into(note, contact, today)
        except FrontmatterEditError as exc:
            plan.problems.append(ImportProblem(contact.line, f"{path}: {exc}"))
            continue
        # What this record added (its address, its name as an alias) matches later records too.
        people.add_contact(path, contact)
        if merged:
            note.action = "update"

    for path, contact in created.items():
        note = by_path[path]
        file_name = path.rsplit("/", 1)[-1][:-3]
        note.data = new_note_bytes(contact, file_name)
        note.changes = [f"{k}: {shown(v)}" for k, v in new_note_fields(contact, file_name).items()
                        if k not in ("type", "source")]
    plan.notes = sorted(by_path.values(), key=lambda n: (n.action, n.path))
    return plan


def _existing(vault: Vault, path: str, how: str | None) -> NotePlan:
    try:
        raw = vault.abspath(path).read_bytes()
    except OSError as exc:
        raise VaultnetError(f"cannot read {path}: {exc.strerror}") from exc
    return NotePlan(path, path.rsplit("/", 1)[-1][:-3], "unchanged", matched_by=how, original=raw, data=raw)


def _merge_into(note: NotePlan, contact: Contact, today: dt.date) -> FieldMerge | bool:
    assert note.data is not None
    fm = _frontmatter(note.data)
    names = [note.name, *field_values(fm, "name"), *field_values(fm, "aliases")]
    merge = merge_fields(fm, contact, names)
    note.conflicts += [(contact.line, c) for c in merge.conflicts]
    if merge:
        news = merge.job_news(fm)
        note.data = edit_frontmatter(note.data, add=merge.add, extend=merge.extend, add_items=merge.add_items,
                                     put=merge.put)
        note.changes += merge.changes()
        if news is not None:
            entry = log_entry(news, today, news=True)
            note.data = add_log_line(note.data, entry)
            note.changes.append(f"news: {entry}")
    text = " ".join(contact.note.split())
    if text and text not in " ".join(note.data.decode("utf-8", errors="replace").split()):
        # The file's free text about the person is not dropped; it is kept once, at the end.
        from .merging import append_section

        note.data = append_section(note.data, f"Notes from {contact.source or 'the import'}",
                                   contact.note.strip().encode("utf-8"))
        note.changes.append(f"its notes appended under '## Notes from {contact.source or 'the import'}'")
        return True
    return merge


def _frontmatter(raw: bytes) -> dict:
    """The note's frontmatter through the fast reader: ruamel.yaml, which gives the positions
    an edit needs, is 100 times slower and only runs when there is something to change."""
    from ..notes.note import decode
    from ..notes.note_yaml import FrontmatterError, find_block, load_yaml

    block = find_block(decode(raw)[0])
    if block is None:
        return {}
    try:
        return load_yaml(block.yaml_text)[0]
    except FrontmatterError as exc:
        raise FrontmatterEditError(f"invalid frontmatter: {exc.message}; nothing was changed") from None


def _fold_into(target: Contact, other: Contact) -> None:
    """Two records of one file for the same new person: one note with both's details."""
    for attr in ("aliases", "emails", "phones", "tags", "urls", "knows", "departments", "addresses"):
        getattr(target, attr).extend(getattr(other, attr))
    for attr in ("company", "role", "birthday", "location", "linkedin", "connected", "note",
                 "given", "family", "middle", "prefix", "suffix"):
        if not getattr(target, attr):
            setattr(target, attr, getattr(other, attr))
    target.email_labels = labels_for(unique(target.emails), {**other.email_labels, **target.email_labels})
    target.phone_labels = labels_for(unique(target.phones, key=phone_key),
                                     {**other.phone_labels, **target.phone_labels}, phone_key)
    target.extra = {**other.extra, **target.extra}
    if other.name.casefold() != target.name.casefold():
        target.aliases.append(other.name)


def apply_import(vault: Vault, plan: ImportPlan) -> list[str]:
    """Write the plan; returns the notes that could not be written (each with why)."""
    failures = []
    with vault_write_lock(vault.state_dir):
        new_files = []
        for note in plan.notes:
            if note.action == "create" and note.data is not None:
                target = vault.abspath(note.path)
                try:
                    inside(vault.root, target.parent)  # before mkdir: never make a folder outside
                    target.parent.mkdir(parents=True, exist_ok=True)
                    new_files.append((inside(vault.root, target.parent) / target.name, note.data))
                except (VaultnetError, OSError) as exc:
                    failures.append(f"{note.path}: {exc}")
        failures += [why for _, why in create_files(new_files)]
        for note in plan.notes:
            if note.action != "update" or note.data is None or note.original is None:
                continue
            try:
                replace_file(inside(vault.root, vault.abspath(note.path)), note.data, expected=note.original)
            except VaultnetError as exc:
                failures.append(f"{note.path}: {exc}")
    return failures
