"""Capture: meetings from a calendar export and contact from mail, as plain notes (SPEC §9).

The readers (interop/calendar.py, interop/mail.py) say what happened; this
module decides what of it is contact with whom and plans every byte to write
before anything is written, as an import does:

- an attendee or correspondent is a contact by any of their emails (any case),
  else by exactly their name (the note's name or file name), never by a guess
  (an alias, a first name, an address two people share); you (`--me`, the `me`
  note and its emails) are never a contact;
- a single meeting becomes `Meetings/YYYY-MM-DD Title.md` with `date`,
  `attendees` (links, and plain names for the others), the location and
  `calendar_uid`; a series one note with a log line per occurrence. Notes
  are found again by `calendar_uid`, so a second run adds nothing;
- a hand-written dated note of the same day that links the same people is
  that meeting already: reported, not written again;
- mail becomes one line per contact, thread and day in `Mail/YYYY-MM.md`;
  a line that is there (the same day, person and thread) is not written again,
  whichever file or format the message came from.

Titles and subjects are names, never paths or Markdown: file names come from
writes.safe_file_name, text in lines is escaped (writes.plain_text) so it cannot link,
tag or hide.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from ..index import NoteIndex
from ..network.queries import me_path
from ..notes.captured import Attendee, MailMessage, Occurrence, ReadProblem
from ..notes.contact import Contact, ParsedFile
from ..notes.facts import DATE, PLAIN_TARGETS
from ..notes.note import parse_note
from ..notes.values import field_values
from ..vault.folder import Vault
from ..vault.resolve import fold, link_key
from .imports import ImportPlan, NotePlan, apply_import, plan_import
from .reports import _NOT_IN_WIKILINK, _shown
from .writes import BIDI as _BIDI
from .writes import WriteRefused, add_log_line, safe_file_name
from .writes import plain_text as text  # a title, subject or name on one line of a note

MAIL_MARK = "✉️"
MAX_SUBJECT = 200  # characters of a subject kept in a line
# Reply and forward prefixes in the languages mail programs write them in.
_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|tr|rif|ref|odp|enc|res)\s*(?:\[\d+\])?\s*[:：]\s*)+",
                     re.IGNORECASE)


# ------------------------------------------------------------------------- the plan


@dataclass
class CapturePlan:
    notes: list[NotePlan] = field(default_factory=list)  # what to write, people first
    added: dict[str, list[str]] = field(default_factory=dict)  # path -> the lines it gains
    problems: list[ReadProblem] = field(default_factory=list)  # what could not be read
    skipped: list[ReadProblem] = field(default_factory=list)  # left out on purpose, with why
    counts: Counter = field(default_factory=Counter)  # what was read and why things were left out
    strangers: dict[str, int] = field(default_factory=dict)  # "Name <email>" -> meetings, not in the vault

    def count(self, action: str) -> int:
        return sum(1 for n in self.notes if n.action == action)

    def as_json(self, dry_run: bool) -> dict:
        return {
            "dry_run": dry_run,
            "created": self.count("create"),
            "updated": self.count("update"),
            "notes": [{"path": n.path, "action": n.action, "changes": n.changes,
                       "lines": self.added.get(n.path, [])} for n in self.notes],
            "counts": dict(sorted(self.counts.items())),
            "not_in_vault": [{"who": who, "meetings": n} for who, n in sorted(self.strangers.items())],
            "skipped": [{"where": s.where, "message": s.message} for s in self.skipped],
            "problems": [{"where": p.where, "message": p.message} for p in self.problems],
        }


def apply_capture(vault: Vault, plan: CapturePlan) -> list[str]:
    """Write the plan (new notes never over a file, changed ones refused if edited meanwhile),
    under the vault's write lock; returns the notes that could not be written, with why."""
    return apply_import(vault, ImportPlan(notes=plan.notes))


def a_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# ------------------------------------------------------------------------- the people


class _People:
    """Who is a contact, by email and by name; who you are; how to link each person."""

    def __init__(self, index: NoteIndex, me: Iterable[str]):
        self.index = index
        self.resolver = index.resolver()
        self.me_path = me_path(index)
        self.mine = {m.strip().casefold() for m in me if m.strip()}
        self.by_email: dict[str, set[str]] = {}
        self.by_name: dict[str, set[str]] = {}
        self.names: dict[str, str] = {}
        self.added: dict[str, str] = {}  # path of a person this run adds -> "?" + the key links use for it
        self.my_names: set[str] = set()
        persons = [p for p, (kind, _) in index.kinds().items() if kind == "person"]
        for path, rec in index.records(persons).items():
            emails = field_values(rec.frontmatter, "email", "emails")
            stem = path.rsplit("/", 1)[-1][:-3]
            if path == self.me_path:
                self.mine.update(e.casefold() for e in emails)
                self.my_names = {fold(n) for n in (rec.name, stem) if n}
                continue
            # Exactly their name: the note's name or file name. Not an alias: "Alex" or "Ben" in a
            # display name is a guess, and a sender chooses their display name.
            self.add(path, rec.name, emails, [stem])

    def add(self, path: str, name: str, emails: Iterable[str], names: Iterable[str] = ()) -> None:
        self.names[path] = name
        for email in emails:
            self.by_email.setdefault(email.strip().casefold(), set()).add(path)
        for label in (name, *names):
            if fold(label.strip()):
                self.by_name.setdefault(fold(label.strip()), set()).add(path)

    def is_me(self, email: str) -> bool:
        return bool(email) and email.strip().casefold() in self.mine

    def is_me_attendee(self, a: Attendee) -> bool:
        """You, by address; or by your note's name when the address is no one's (an invitation
        from an address of yours the `me` note does not list)."""
        if self.is_me(a.email):
            return True
        known = a.email and a.email.strip().casefold() in self.by_email
        return bool(a.name) and fold(a.name) in self.my_names and not known

    def find(self, name: str, email: str) -> str | None:
        """The one person with this address, else the one with exactly this name; never a guess."""
        if email:
            paths = self.by_email.get(email.strip().casefold(), set())
            if len(paths) == 1:
                return next(iter(paths))
            if paths:
                return None  # two people share the address: neither is certain
        paths = self.by_name.get(fold(name.strip()), set()) if name.strip() else set()
        return next(iter(paths)) if len(paths) == 1 else None

    def link(self, path: str, source: str) -> str:
        """A link from the note at `source` that resolves to `path`: `[[Ada Lovelace]]`, or the
        path when the file name alone would mean another note."""
        stem = path.rsplit("/", 1)[-1][:-3]
        target = stem if self.resolver.resolve(stem, source).path in (path, None) else path[:-3]
        if _NOT_IN_WIKILINK.search(target) or "%%" in target or target != target.strip():
            return f"[{_shown(stem)}]({quote(path, safe='/')})"
        return f"[[{target}]]"


def _plain(value: str) -> str:
    """A name as a plain frontmatter value: no link can form in it, one line."""
    return _shown(value).replace("`", "'")


def _existing_names(index: NoteIndex) -> set[str]:
    return {fold(p.rsplit("/", 1)[-1][:-3]) for p in index.entries()}


def _new_path(vault: Vault, folder: str, stem: str, taken: set[str]) -> str:
    """A free path for a new note: never an existing file, never a file name another note
    has (a link to that name must keep meaning that note)."""
    for n in range(1, 1000):
        name = stem if n == 1 else f"{stem} {n}"
        rel = f"{folder}/{name}.md" if folder else f"{name}.md"
        if fold(name) not in taken and not vault.abspath(rel).exists():
            taken.add(fold(name))
            return rel
    raise WriteRefused(f"no free file name for {stem!r} in {folder or 'the vault'}")


def _read(vault: Vault, path: str) -> bytes:
    try:
        return vault.abspath(path).read_bytes()
    except OSError as exc:
        raise WriteRefused(f"cannot read {path}: {exc.strerror}") from exc


def _yaml(fields: dict) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(fields, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=1000)


# ------------------------------------------------------------------------- calendar


@dataclass
class _Meeting:
    occ: Occurrence
    contacts: list[str]  # person paths, in the file's order
    others: list[str]  # the rest, as plain names


def plan_calendar(vault: Vault, index: NoteIndex, occurrences: Iterable[Occurrence], *,
                  me: Iterable[str] = (), add_people: bool = False, name: str = "calendar.ics") -> CapturePlan:
    """What `import calendar` writes for these occurrences (already cut to the window)."""
    plan = CapturePlan()
    people = _People(index, me)
    kept: list[tuple[Occurrence, list[Attendee]]] = []
    for occ in occurrences:
        plan.counts["occurrences"] += 1
        if occ.cancelled:
            plan.counts["cancelled"] += 1
            continue
        if any(people.is_me_attendee(a) and a.status == "DECLINED" for a in occ.attendees):
            plan.counts["declined by you"] += 1
            continue
        there = [a for a in occ.attendees if not people.is_me_attendee(a) and a.status != "DECLINED"]
        if not there:
            plan.counts["only you"] += 1
            continue
        kept.append((occ, there))
    if add_people:
        strangers: dict[str, Attendee] = {}
        for _occ, there in kept:
            for a in there:
                if people.find(a.name, a.email) is None:
                    strangers.setdefault(a.email.casefold() or fold(a.name), a)
        if strangers:
            _add_people(vault, index, plan, people, list(strangers.values()), name)
    for _occ, there in kept:
        for a in there:
            if people.find(a.name, a.email) is None:
                label = f"{a.name} <{a.email}>" if a.name and a.email else a.label
                plan.strangers[label] = plan.strangers.get(label, 0) + 1

    meetings: list[_Meeting] = []
    for occ, there in kept:
        contacts: list[str] = []
        others: list[str] = []
        for a in there:
            path = people.find(a.name, a.email)
            if path is None:
                others.append(a.label)
            elif path not in contacts:
                contacts.append(path)
        if not contacts:
            plan.counts["no contact"] += 1
            continue
        meetings.append(_Meeting(occ, contacts, others))

    uid_notes, handwritten = _meeting_notes(index)
    taken = _existing_names(index)
    by_uid: dict[str, list[_Meeting]] = {}
    for m in meetings:
        by_uid.setdefault(m.occ.uid, []).append(m)
    folder = vault.config.meetings_dir
    for uid, series in by_uid.items():
        try:
            _plan_uid(vault, plan, people, uid, series, uid_notes.get(uid), handwritten, folder, taken, name)
        except WriteRefused as exc:
            first = series[0].occ
            plan.problems.append(ReadProblem(f"{name}:{first.line}" if first.line else name, f"{exc}; skipped"))
    return plan


def _add_people(vault: Vault, index: NoteIndex, plan: CapturePlan, people: _People,
                strangers: list[Attendee], name: str) -> None:
    """Person notes for attendees with a name (through the import's planning: same rules)."""
    contacts = []
    as_written: dict[int, str] = {}  # line -> the name as the calendar gives it
    for n, a in enumerate(strangers, 1):
        if not a.name:
            plan.skipped.append(ReadProblem(name, f"{a.email}: no name to give a note; not added "
                                                  f"(vaultnet add NAME --email {a.email})"))
            continue
        # The name an invitation gives is someone else's text: `[[Ada Lovelace]]` as a name
        # would make the new note link Ada. It is kept as a plain name, as attendees: are.
        as_written[n] = a.name
        contacts.append(Contact(name=_plain(a.name), line=n, emails=[a.email] if a.email else [],
                                source="calendar"))
    if not contacts:
        return
    added = plan_import(vault, index, ParsedFile(contacts=contacts))
    plan.problems += [ReadProblem(name, p.message) for p in added.problems]
    by_line = {c.line: c for c in contacts}
    for note in added.notes:
        if note.action != "create":
            # The import's rules found someone by an alias: an attendee's address is never
            # merged into a note on a guess.
            who = ", ".join(by_line[line].name for line in note.lines)
            plan.skipped.append(ReadProblem(name, f"{who}: matches {note.path} by {note.matched_by}; not added"))
            continue
        plan.notes.append(note)
        people.added[note.path] = "?" + link_key(note.path)
        for line in note.lines:
            c = by_line[line]
            people.add(note.path, c.name, c.emails, [as_written[line]])
    plan.counts["people added"] += added.count("create")


def _meeting_notes(index: NoteIndex) -> tuple[dict[str, str], dict[str, list[tuple[str, set[str]]]]]:
    """The notes this command wrote (by calendar_uid), and every other dated note by its day
    with the people it links outside log lines (a hand-written meeting or daily note)."""
    notes = [p for p, (kind, _) in index.kinds().items() if kind == "note"]
    uid_notes: dict[str, str] = {}
    for path, rec in index.records(notes).items():
        uid = rec.frontmatter.get("calendar_uid")
        if isinstance(uid, (str, int)) and str(uid).strip():
            uid_notes.setdefault(str(uid).strip(), path)
    ours = set(uid_notes.values())
    kinds = index.kinds()
    resolver = index.resolver()
    handwritten: dict[str, list[tuple[str, set[str]]]] = {}
    for path, facts in index.stored_facts(notes).items():
        if not facts[DATE] or path in ours:
            continue
        linked = set()
        for target in facts[PLAIN_TARGETS]:
            hit = resolver.resolve(target, path).path
            if hit is None:
                linked.add("?" + link_key(target))  # someone without a note yet: --add-people may make one
            elif kinds.get(hit, ("",))[0] == "person":
                linked.add(hit)
        if linked:
            handwritten.setdefault(facts[DATE], []).append((path, linked))
    return uid_notes, handwritten


def _plan_uid(vault: Vault, plan: CapturePlan, people: _People, uid: str, series: list[_Meeting],
              existing: str | None, handwritten: dict, folder: str, taken: set[str], name: str) -> None:
    recurring = series[0].occ.recurring or len(series) > 1
    if existing is not None and not recurring:
        plan.counts["already imported"] += len(series)
        return
    fresh: list[_Meeting] = []
    for m in series:
        wanted = {people.added.get(p, p) for p in m.contacts}  # a person added now: by the name notes link
        cover = next((p for p, linked in handwritten.get(m.occ.day.isoformat(), ()) if wanted <= linked), None)
        if cover is not None:
            plan.counts["already in a note"] += 1
            plan.skipped.append(ReadProblem(
                f"{name}:{m.occ.line}" if m.occ.line else name,
                f"{m.occ.title or 'a meeting'!r} on {m.occ.day}: {cover} is already about it; skipped"))
            continue
        fresh.append(m)
    if not fresh:
        return
    if existing is not None:
        _add_occurrences(vault, plan, people, existing, fresh)
        return
    if not recurring:
        _new_meeting(vault, plan, people, uid, fresh[0], folder, taken)
        return
    titles = Counter(_readable(m.occ.title) for m in fresh if _readable(m.occ.title))
    title = titles.most_common(1)[0][0] if titles else ""
    stem = _stem(title, "Meeting series")
    path = _new_path(vault, folder, stem, taken)
    fields: dict = {"calendar_uid": uid}
    locations = Counter(m.occ.location for m in fresh if m.occ.location)
    if locations:
        fields["location"] = _plain(locations.most_common(1)[0][0])
    lines = [_occurrence_line(people, m, path, title) for m in fresh]
    body = f"# {text(title) if title else 'Meeting series'}\n\n## Log\n" + "".join(f"{line}\n" for line in lines)
    data = f"---\n{_yaml(fields)}---\n{body}".encode()
    plan.notes.append(NotePlan(path, stem, "create", data=data, changes=[f"calendar_uid: {uid}"]))
    plan.added[path] = lines
    plan.counts["meetings written"] += len(fresh)


def _stem(title: str, fallback: str, day: dt.date | None = None) -> str:
    """The file name for a meeting: its day (if any) and its title as a name, never a path;
    the day must stay first and whole, it makes the note a dated note."""
    prefix = f"{day.isoformat()} " if day else ""
    try:
        stem = safe_file_name(prefix + title) if _readable(title) else ""
    except WriteRefused:
        stem = ""
    if not stem.startswith(prefix) or len(stem) <= len(prefix):
        return prefix + fallback
    return stem


def _readable(title: str) -> str:
    """A title without the invisible characters that reorder or hide text (bidi controls)."""
    return _BIDI.sub("", title).strip()


def _new_meeting(vault: Vault, plan: CapturePlan, people: _People, uid: str, m: _Meeting, folder: str,
                 taken: set[str]) -> None:
    occ = m.occ
    title = _readable(occ.title)
    stem = _stem(title, "Meeting", occ.day)
    path = _new_path(vault, folder, stem, taken)
    attendees = [people.link(p, path) for p in m.contacts] + [_plain(o) for o in m.others]
    fields: dict = {"date": occ.day, "attendees": attendees}
    if occ.location:
        fields["location"] = _plain(occ.location)
    fields["calendar_uid"] = uid
    data = f"---\n{_yaml(fields)}---\n# {text(title) if title else 'Meeting'}\n".encode()
    changes = [f"date: {occ.day}", f"attendees: {', '.join(attendees)}"]
    if occ.location:
        changes.append(f"location: {fields['location']}")
    plan.notes.append(NotePlan(path, stem, "create", data=data, changes=changes))
    plan.counts["meetings written"] += 1


def _occurrence_line(people: _People, m: _Meeting, source: str, series_title: str) -> str:
    line = f"- {m.occ.day.isoformat()} " + ", ".join(people.link(p, source) for p in m.contacts)
    if m.others:
        line += "; also " + ", ".join(text(o) for o in m.others)
    title = _readable(m.occ.title)
    if title and title != series_title:
        line += f" — {text(title)}"  # a moved or renamed occurrence says what it was
    return line


def _add_occurrences(vault: Vault, plan: CapturePlan, people: _People, path: str,
                     fresh: list[_Meeting]) -> None:
    raw = _read(vault, path)
    note = parse_note(raw, path, vault.rules)
    known = {g.date for g in note.log_lines} | ({note.date} if note.date else set())
    title = note.name
    new = raw
    lines = []
    for m in fresh:
        if m.occ.day.isoformat() in known:
            plan.counts["already imported"] += 1
            continue
        known.add(m.occ.day.isoformat())
        line = _occurrence_line(people, m, path, _heading(note.body) or title)
        new = add_log_line(new, line)
        lines.append(line)
    if lines:
        plan.notes.append(NotePlan(path, title, "update", original=raw, data=new))
        plan.added[path] = lines
        plan.counts["meetings written"] += len(lines)


def _heading(body: str) -> str:
    m = re.search(r"^# (.+)$", body, re.MULTILINE)
    return re.sub(r"\\(.)", r"\1", m[1]).strip() if m else ""


# ------------------------------------------------------------------------- mail


def thread_of(subject: str) -> str:
    """The thread a subject belongs to: reply and forward prefixes off, case and spacing ignored."""
    return " ".join(_PREFIX.sub("", subject).split()).casefold()


def plan_mail(vault: Vault, index: NoteIndex, items: Iterable[MailMessage | ReadProblem], *,
              me: Iterable[str] = (), since: dt.date, today: dt.date,
              on_message: Callable[[], None] | None = None) -> CapturePlan:
    """What `import mail` writes for these messages, read as they come (one at a time)."""
    plan = CapturePlan()
    people = _People(index, me)
    limit = vault.config.mail_max_recipients
    best: dict[tuple[dt.date, str, str], tuple[dt.datetime, str]] = {}
    for item in items:
        if on_message is not None:
            on_message()
        if isinstance(item, ReadProblem):
            plan.problems.append(item)
            plan.counts["unreadable"] += 1
            continue
        plan.counts["messages"] += 1
        if item.bulk:
            plan.counts["bulk"] += 1
            continue
        if len(item.recipients) > limit:
            plan.counts[f"more than {limit} recipients"] += 1
            continue
        contacts: list[str] = []
        for a in (*item.senders, *item.recipients):
            if people.is_me(a.email):
                continue
            path = people.find(a.name, a.email)
            if path is not None and path != people.me_path and path not in contacts:
                contacts.append(path)
        if not contacts:
            plan.counts["no contact"] += 1
            continue
        if item.sent is None:
            plan.counts["no date"] += 1
            plan.problems.append(ReadProblem(item.where, "; ".join(item.problems) + "; skipped"))
            continue
        if item.problems:
            plan.problems.append(ReadProblem(item.where, "; ".join(item.problems)))
        day = item.sent.date()
        if day > today:
            plan.counts["after today"] += 1
            continue
        if day < since:
            plan.counts[f"before {since}"] += 1
            continue
        plan.counts["with a contact"] += 1
        when = item.sent if item.sent.tzinfo else item.sent.replace(tzinfo=dt.timezone.utc)
        subject = item.subject
        for path in contacts:
            key = (day, path, thread_of(subject))
            if key not in best or (when, subject) < best[key]:
                best[key] = (when, subject)
    by_month: dict[str, list[tuple[dt.date, str, str, str]]] = {}
    for (day, path, thread), (_, subject) in best.items():
        by_month.setdefault(f"{day.year:04d}-{day.month:02d}", []).append((day, path, thread, subject))
    folder = vault.config.mail_dir
    for month, entries in sorted(by_month.items()):
        rel = f"{folder}/{month}.md" if folder else f"{month}.md"
        try:
            _plan_month(vault, plan, people, rel, month, entries)
        except WriteRefused as exc:
            plan.problems.append(ReadProblem(rel, f"{exc}; its lines were not written"))
    return plan


def _mail_line(people: _People, day: dt.date, path: str, subject: str, source: str) -> str:
    shown = subject if len(subject) <= MAX_SUBJECT else subject[: MAX_SUBJECT - 1].rstrip() + "…"
    return f"- {day.isoformat()} {MAIL_MARK} {people.link(path, source)} {text(shown) if shown else '(no subject)'}"


def _plan_month(vault: Vault, plan: CapturePlan, people: _People, rel: str, month: str,
                entries: list[tuple[dt.date, str, str, str]]) -> None:
    target = vault.abspath(rel)
    raw = _read(vault, rel) if target.exists() else None
    threads: dict[tuple[str, str], list[str]] = {}  # (day, person) -> the threads of its lines
    if raw is not None:
        note = parse_note(raw, rel, vault.rules)
        links_on: dict[int, list[str]] = {}
        for link in note.links:
            links_on.setdefault(link.line, []).append(link.target)
        for g in note.log_lines:
            for target_name in links_on.get(g.line, ()):
                hit = people.resolver.resolve(target_name, rel).path
                if hit is not None:
                    threads.setdefault((g.date, hit), []).append(_line_thread(g.text))
    lines = []
    for day, path, thread, subject in sorted(entries, key=lambda e: (e[0], fold(people.names.get(e[1], e[1])),
                                                                     e[2], e[3])):
        key = (day.isoformat(), path)
        # The same day, person and thread; a line the user added words to still counts.
        if any(t == thread or (t.startswith(thread) and not t[len(thread)].isalnum())
               for t in threads.get(key, ())):
            plan.counts["lines already there"] += 1
            continue
        threads.setdefault(key, []).append(thread)
        lines.append(_mail_line(people, day, path, subject, rel))
    if not lines:
        return
    plan.counts["lines written"] += len(lines)
    if raw is None:
        data = f"# Mail {month}\n\n## Log\n" + "".join(f"{line}\n" for line in lines)
        plan.notes.append(NotePlan(rel, month, "create", data=data.encode()))
    else:
        new = raw
        for line in lines:
            new = add_log_line(new, line)
        plan.notes.append(NotePlan(rel, month, "update", original=raw, data=new))
    plan.added[rel] = lines


_LINK_TEXT = re.compile(r"!?\[\[[^\]]*\]\]|!?\[[^\]]*\]\([^)]*\)")


def _line_thread(line_text: str) -> str:
    """The thread of a mail line as written (`✉️ [[Ada]] Re: promo packet` -> `promo packet`)."""
    rest = _LINK_TEXT.sub(" ", line_text.replace(MAIL_MARK, " "))
    rest = re.sub(r"\\(.)", r"\1", rest)
    rest = rest.strip()
    return thread_of("" if rest == "(no subject)" else rest)
