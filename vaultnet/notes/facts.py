"""What one note says about people: the compact facts the relationship queries fold.

Each note's facts are computed when it is indexed and kept beside the index
(plain tuples, marshal-friendly), so a change to one note replaces only that
note's facts; `due`, `ledger` and `show` fold them without reading any note.
Link targets stay unresolved here: resolution depends on the whole vault
(another note may gain an alias), so it happens when the facts are folded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .note import Note

GAVE, GOT, NEWS, NOTICED = 1, 2, 4, 8  # the marker tags of a log line (SPEC §2, §8)
MARKS = (("gave", GAVE), ("got", GOT), ("news", NEWS), ("noticed", NOTICED))
PERSON_KEYS = ("cadence", "follow_up", "last_contact", "company", "org", "birthday", "reference")

# Positions in a facts tuple.
DATE, FIELDS, LOGS, TASKS, TARGETS, PLAIN_TARGETS = range(6)


def _field_with_line(note: Note, key: str) -> tuple[object, int] | None:
    value = note.frontmatter.get(key)
    if value is None or value == "":
        return None
    return value, note.frontmatter_lines.get(key, 2)


def note_facts(note: Note) -> tuple:
    """(date, fields, logs, tasks, targets, plain_targets) for one note.

    - fields: {key: (value as written, line)} for PERSON_KEYS,
      plus "tags": the note's tags (for cadence_by_tag);
    - logs: (line, date, text, GAVE|GOT|NEWS|NOTICED bits, link targets on the line);
    - tasks: (line, status, due, done, text, link targets on the line);
    - targets: ((target, first line), ...) every distinct link target;
    - plain_targets: targets linked outside log lines (a dated note's attendees).
    """
    by_line: dict[int, list[str]] = {}
    first_line: dict[str, int] = {}
    for link in note.links:
        if not link.target:
            continue
        by_line.setdefault(link.line, []).append(link.target)
        first_line.setdefault(link.target, link.line)
    log_lines = {g.line for g in note.log_lines}
    plain = sorted({t for line, ts in by_line.items() if line not in log_lines for t in ts})
    logs = tuple(
        (g.line, g.date, g.text, sum(bit for tag, bit in MARKS if tag in g.tags),
         tuple(dict.fromkeys(by_line.get(g.line, ()))))
        for g in note.log_lines
    )
    tasks = tuple(
        (t.line, t.status, t.due, t.done, t.text, tuple(dict.fromkeys(by_line.get(t.line, ()))))
        for t in note.tasks
        if t.due or t.done
    )
    fields: dict = {}
    if note.kind == "person":
        for key in PERSON_KEYS:
            found = _field_with_line(note, key)
            if found is not None:
                fields[key] = found
        fields["tags"] = tuple(note.tags)
    return (note.date, fields, logs, tasks, tuple(first_line.items()), tuple(plain))
