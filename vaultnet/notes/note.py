"""A note, parsed: a pure function from a file's bytes to a `Note`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from ..notes import markdown
from .dates import date_in_name
from .kinds import _DEFAULT_RULES, KindRules, _in_folder, is_template, kind_of
from .note_yaml import (
    FlattenBudgetExceeded,
    FrontmatterError,
    find_block,
    flatten_text,
    has_placeholder,
    load_yaml,
)
from .values import nfc

_DATE_PREFIX = re.compile(r"(\d{4}-\d{2}-\d{2})")
_QUOTED_KEY = re.compile(r"(?:\"([^\"\n]+)\"|'([^'\n]+)')[ \t]*:(?:[ \t]|$)")
_KEY_COLON = re.compile(r":(?:[ \t]|$)")
MARKER_TAGS = frozenset({"gave", "got", "news", "noticed"})


class Link(NamedTuple):  # tuples, not frozen dataclasses, which cost 3x to make: a note holds dozens
    target: str
    line: int  # 1-based, in the file on disk
    embed: bool = False
    in_frontmatter: bool = False
    subpath: str | None = None
    display: str | None = None
    markdown: bool = False


class Tag(NamedTuple):
    name: str
    line: int


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in a note that could not be read as written, with its line (None: the whole note)."""

    line: int | None
    message: str


class LogLine(NamedTuple):
    line: int
    date: str  # as written; may be an impossible date
    text: str
    tags: tuple[str, ...]


class Task(NamedTuple):
    line: int
    status: str  # the character between the brackets
    text: str
    due: str | None  # 📅 date as written
    done: str | None  # ✅ date as written

    @property
    def is_open(self) -> bool:
        return self.status in (" ", "/")

    @property
    def is_done(self) -> bool:
        return self.status in ("x", "X")


@dataclass
class Note:
    """One parsed note: its kind, names, frontmatter, links, tags, log lines, tasks and problems."""

    path: str
    kind: str = "note"
    name: str = ""
    aliases: list[str] = field(default_factory=list)
    frontmatter: dict = field(default_factory=dict)
    body: str = ""
    body_line: int = 1  # the 1-based line on disk where the body starts
    links: list[Link] = field(default_factory=list)
    tag_occurrences: list[Tag] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    log_lines: list[LogLine] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    date: str | None = None  # a dated note's date, as written
    problems: list[Problem] = field(default_factory=list)
    fields_text: str = ""  # every other frontmatter value, for search
    frontmatter_lines: dict[str, int] = field(default_factory=dict)  # top-level key -> line on disk
    lines: dict[int, str] = field(default_factory=dict)  # text of lines that hold facts


def is_binary(raw: bytes) -> bool:
    """Bytes that are no text: NUL bytes in something that is not UTF-8 (an image named `.md`).

    A valid UTF-8 note is text, whatever it holds: a pasted hex dump may leave a few
    NULs in a code block, and the rest of the note is still the user's.
    """
    if b"\x00" not in raw:
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def decode(raw: bytes) -> tuple[str, list[Problem]]:
    problems: list[Problem] = []
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if is_binary(raw):
        return "", [Problem(None, "binary file (NUL bytes, not UTF-8); indexed without its text")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(line, f"not UTF-8 (byte {exc.start}); read with replacement characters"))
        text = raw.decode("utf-8", errors="replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, problems


def _string_list(value: object) -> list[str]:
    """Obsidian reads `aliases: a, b` and `tags: a b` as lists too."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _frontmatter_tags(value: object) -> list[str]:
    tags = []
    for item in _string_list(value):
        for part in re.split(r"[,\s]+", item):
            part = part.strip().lstrip("#")
            if part:
                tags.append(part)
    return tags


_KNOWN_KEYS = {"name", "aliases", "alias", "tags", "tag", "type"}


def parse_note(raw: bytes, path: str, rules: KindRules | None = None) -> Note:
    """Parse one note. Never raises on bad content: problems are recorded instead.

    `rules` (the vault's Config, or any object with people_dirs and org_dirs) decide
    the kind of a note without `type:`; the parser itself knows no vault.
    """
    rules = rules or _DEFAULT_RULES
    text, problems = decode(raw)
    note = Note(path=path, problems=problems)
    stem = path.rsplit("/", 1)[-1]  # a vault path: `/` between folders, on every system
    if stem.lower().endswith(".md"):
        stem = stem[:-3]

    block = find_block(text)
    link_scalars: list[tuple[str, int]] = []
    body_start = 0
    if block is not None:
        body_start = block.body_offset
        note.body_line = block.end_line + 2
        try:
            note.frontmatter, link_scalars = load_yaml(block.yaml_text)
        except FrontmatterError as exc:
            # An error "at the end of the stream" points past the block: show its last line.
            last = max(block.yaml_text.count("\n") - 1, 0)
            line = None if exc.line is None else block.start_line + 2 + min(exc.line, last)
            note.problems.append(Problem(line, f"{exc.message}; read as plain text"))
        else:
            for key, index in _top_level_keys(block.yaml_text):
                note.frontmatter_lines.setdefault(key, 2 + index)
    body = text[body_start:]
    note.body = body

    fm = note.frontmatter
    type_value = fm.get("type")
    note.kind = kind_of(path, type_value if isinstance(type_value, str) else "", rules)
    name = fm.get("name")
    note.name = nfc(name.strip()) if isinstance(name, str) and name.strip() else nfc(stem)
    note.aliases = [
        nfc(alias.strip())
        for alias in _string_list(fm.get("aliases", fm.get("alias")))
        if alias.strip()
    ]

    if not is_template(path, rules):
        note.date = _date_of(path, stem, fm.get("date"), rules)

    if fm:
        others = {k: v for k, v in fm.items() if k not in _KNOWN_KEYS}
        try:
            note.fields_text = "\n".join(flatten_text(others))
        except FlattenBudgetExceeded:
            note.problems.append(
                Problem(2, "frontmatter expands to too many values (YAML aliases?); fields not searchable")
            )

    # Frontmatter links: each `[[...]]` inside a string value, on that value's line.
    fm_lines = text[:body_start].split("\n") if link_scalars else []
    for value, yaml_line in link_scalars:
        if 1 + yaml_line < len(fm_lines):
            note.lines[2 + yaml_line] = fm_lines[1 + yaml_line].strip()
        for m in markdown.WIKILINK.finditer(value):
            target, subpath, display = markdown.split_wikilink(m[2])
            note.links.append(
                Link(nfc(target), 2 + yaml_line, bool(m[1]), True, subpath, display, False)
            )

    _scan_body(note, body, note.body_line)

    _check_dates(note)

    # `#gave`, `#got`, `#news` and `#noticed` in the text mark a line; they say nothing about
    # the note (SPEC §2), so they are not among its tags.
    tag_names = _frontmatter_tags(fm.get("tags", fm.get("tag"))) + [
        t.name for t in note.tag_occurrences if t.name.lower() not in MARKER_TAGS]
    seen: dict[str, None] = {}
    for t in tag_names:
        seen.setdefault(nfc(t).lower(), None)
    note.tags = list(seen)
    return note


def _date_of(path: str, stem: str, date_value: object, rules: KindRules) -> str | None:
    """A dated note's date (SPEC §2): its `date:`, else the date its daily-note name says
    (Obsidian's daily-notes folder and format), else a file name starting YYYY-MM-DD."""
    dated = _DATE_PREFIX.match(date_value.strip()) if isinstance(date_value, str) else None
    if dated is not None:
        return dated[1]
    daily_format = getattr(rules, "daily_format", "")
    if daily_format:
        folder = getattr(rules, "daily_folder", "")
        if not folder or _in_folder(path, folder):
            name = path[len(folder) + 1 if folder else 0:]
            day = date_in_name(name[:-3] if name.lower().endswith(".md") else name, daily_format)
            if day is not None:
                return day.isoformat()
    dated = _DATE_PREFIX.match(stem)
    return dated[1] if dated is not None else None


def _top_level_keys(yaml_text: str):
    """(key, 0-based line) for each `key: value` line at the left margin, in one pass.

    A key is `"quoted"`, `'quoted'`, or the text before the line's first `:` that is
    followed by a space or the line end (trailing blanks dropped), not starting with a
    blank, `#`, `:`, a quote, `-` or `?`. Line by line, because one regular expression
    over the whole block (`[^:\n]*?` then `[ \t]*:`) was quadratic on a long line of
    spaces, and counting newlines up to each key was quadratic in the number of keys.
    """
    for index, line in enumerate(yaml_text.split("\n")):
        if not line or line[0] in " \t\r\f\v#:-?" or line[0].isspace():
            continue
        if line[0] in "\"'":
            m = _QUOTED_KEY.match(line)
            if m:
                yield m[1] or m[2], index
            continue
        colon = _KEY_COLON.search(line)
        if colon is None or ":" in line[: colon.start()]:
            continue  # the first `:` is not followed by a blank (`http://...`)
        key = line[: colon.start()].rstrip(" \t")
        if key:
            yield key, index


def _check_dates(note: Note) -> None:
    """Dates and cadences that cannot be read are reported; the relationship queries skip them."""
    from .dates import parse_birthday, parse_cadence, parse_date

    def bad(line: int | None, message: str) -> None:
        note.problems.append(Problem(line, message))

    def placeholder(value: object) -> bool:
        """A template placeholder (`{{date}}`, `<% ... %>`): a template holds it on purpose, and
        a note made from one may not be filled in yet (a task's date is cut at 12 characters)."""
        return isinstance(value, str) and (has_placeholder(value) or value.startswith(("{{", "<%")))

    fm = note.frontmatter
    if note.kind == "person":
        cadence = fm.get("cadence")
        if cadence not in (None, "") and not placeholder(cadence) and parse_cadence(cadence) is None:
            bad(note.frontmatter_lines.get("cadence"),
                f"cadence: {cadence!r} is not a cadence (10d, 2w, 3m, 1y, weekly, monthly, quarterly, yearly, or days)")
        for key in ("follow_up", "last_contact"):
            value = fm.get(key)
            if value not in (None, "") and not placeholder(value) and parse_date(value) is None:
                bad(note.frontmatter_lines.get(key), f"{key}: {value!r} is not a date (YYYY-MM-DD)")
        birthday = fm.get("birthday")
        if birthday not in (None, "") and parse_birthday(birthday) is None:
            bad(note.frontmatter_lines.get("birthday"),
                f"birthday: {birthday!r} is not a birthday (YYYY-MM-DD, or --MM-DD without the year)")
    for g in note.log_lines:
        if parse_date(g.date) is None:
            bad(g.line, f"log line date {g.date} is not a date; the line is not counted")
    for t in note.tasks:
        for mark, value in (("📅", t.due), ("✅", t.done)):
            if value is not None and not placeholder(value) and parse_date(value) is None:
                bad(t.line, f"task {mark} date {value!r} is not a date (YYYY-MM-DD)")


class _Lines:
    """Line numbers and line texts by offset, counting newlines forward in C."""

    def __init__(self, text: str, first_line: int):
        self.text = text
        self.first_line = first_line
        self._offset = 0
        self._index = 0

    def index_at(self, offset: int) -> int:
        if offset < self._offset:
            self._offset, self._index = 0, 0
        self._index += self.text.count("\n", self._offset, offset)
        self._offset = offset
        return self._index

    def text_at(self, offset: int) -> str:
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        return self.text[start : end if end != -1 else len(self.text)]


def _scan_body(note: Note, body: str, first_line: int) -> None:
    masked = markdown.mask_code_and_comments(body)
    lines = _Lines(body, first_line)
    facts: dict[int, int] = {}  # 0-based line index -> an offset on it

    raw_links, unlinked = markdown.find_links(masked)
    for raw in raw_links:
        index = lines.index_at(raw.start)
        facts.setdefault(index, raw.start)
        note.links.append(
            Link(nfc(raw.target), first_line + index, raw.embed, False, raw.subpath, raw.display, raw.markdown)
        )
    tags_by_line: dict[int, list[str]] = {}
    for name, offset in markdown.find_tags(unlinked):
        index = lines.index_at(offset)
        note.tag_occurrences.append(Tag(name, first_line + index))
        tags_by_line.setdefault(index, []).append(name.lower())

    if "-" in masked or "*" in masked or "+" in masked or "." in masked or ")" in masked:
        task_starts = set()
        for start, end, m in markdown.line_items(markdown.TASK_LINE, masked):
            index = lines.index_at(start)
            task_starts.add(start)
            line = lines.text_at(start)
            masked_line = masked[start : start + len(line)]
            due = markdown.DUE_MARK.search(masked_line)
            done = markdown.DONE_MARK.search(masked_line)
            note.tasks.append(
                Task(first_line + index, m[1], line[end - start :].strip(),
                     due[1] if due else None, done[1] if done else None)
            )
            facts.setdefault(index, start)
        for start, end, m in markdown.line_items(markdown.LOG_LINE, masked):
            if start in task_starts:
                continue
            index = lines.index_at(start)
            line = lines.text_at(start)
            note.log_lines.append(
                LogLine(first_line + index, m[2], line[end - start :].strip(),
                        tuple(tags_by_line.get(index, ())))
            )
            facts.setdefault(index, start)
    for index in sorted(facts):
        note.lines[first_line + index] = lines.text_at(facts[index]).strip()
