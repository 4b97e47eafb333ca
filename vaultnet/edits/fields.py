"""`set`, `unset` and `snooze`: one frontmatter field of one note, every other byte kept (SPEC §4).

The change itself is frontmatter_edit's splice: comments, key order, quoting and
line ends stay. Here is what the field may hold: a key that cannot break the
block, values on one line, cadences and dates that vaultnet can read (date
words such as `2w` or `yesterday` are written as the day they mean), and the
note's own name for a field (`org` where it has no `company`). A key that is
neither a contact field (SPEC §2) nor already in the note is refused unless
asked for (`new`): it is far more often a typo (`cadance`) than a new field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..errors import VaultnetError
from ..notes.dates import DAY_FORMS, parse_birthday, parse_cadence, parse_day
from ..vault.folder import Vault
from .frontmatter_edit import edit_frontmatter, read_frontmatter
from .writes import rewrite_note

CONTACT_FIELDS = (
    "name", "aliases", "type", "company", "org", "role", "title", "email", "emails", "phone", "phones",
    "tags", "cadence", "last_contact", "follow_up", "met", "how_met", "introduced_by", "knows", "birthday",
    "reference", "location", "linkedin", "url",
)
# Two spellings of one field (SPEC §2): a note that uses one gets it, not a second key.
_SAME = {"company": "org", "org": "company", "role": "title", "title": "role", "email": "emails",
         "emails": "email", "phone": "phones", "phones": "phone", "met": "how_met", "how_met": "met",
         "aliases": "alias", "alias": "aliases", "tags": "tag", "tag": "tags"}
LIST_FIELDS = ("aliases", "alias", "tags", "tag", "knows", "emails", "phones")
DATE_FIELDS = ("follow_up", "last_contact")
# A key as a property name: letters, digits, `_`, `-`, `.` and inner spaces; nothing YAML
# would read as syntax (`:` `#` `[` `{` `-` at the start, quotes, `&` `*` `!`...).
_KEY_TEXT = re.compile(r"\w(?:[\w.\- ]*[\w.])?")
_MONTH_DAY = re.compile(r"\d{2}-\d{2}")  # `set ada birthday 12-10`: the year is unknown


class FieldError(VaultnetError):
    pass


@dataclass
class FieldChange:
    path: str
    key: str
    value: str | list[str] | None  # None: removed
    previous: object  # as the note had it; None when the key was not there
    lines: list[str]  # the key's lines as written now (or as they were, for a removal)
    line: int  # 1-based line of the key in the note on disk

    def as_json(self) -> dict:
        return {"path": self.path, "key": self.key, "value": self.value, "previous": self.previous,
                "line": self.line, "written": "\n".join(self.lines)}


def check_key(key: str) -> str:
    key = key.strip()
    if not key or not _KEY_TEXT.fullmatch(key) or key in ("---", "..."):
        raise FieldError(f"{key!r} cannot be a frontmatter key (use letters, digits, _ - . and spaces)")
    return key


def key_in(fm: dict, key: str, new: bool) -> str:
    """The key the note uses for `key`: itself, the same in other case, or its other spelling."""
    if key in fm:
        return key
    same_case = [k for k in fm if k.casefold() == key.casefold()]
    if len(same_case) == 1:
        return same_case[0]
    other = _SAME.get(key.casefold())
    if other is not None and other in fm:
        return other
    if key.casefold() in CONTACT_FIELDS:
        return key.casefold()
    if new:
        return key
    raise FieldError(f"{key!r} is not a contact field and not in the note{_did_you_mean(key, fm)}; "
                     "add --new to make it a new field")


def _did_you_mean(key: str, fm: dict) -> str:
    from rapidfuzz import fuzz, process

    choices = list(dict.fromkeys([*fm, *CONTACT_FIELDS]))
    best = process.extractOne(key.casefold(), choices, scorer=fuzz.ratio, score_cutoff=70)
    return f" (did you mean {best[0]}?)" if best else ""


def field_value(key: str, values: list[str], today: dt.date, was: object) -> str | list[str]:
    """What `set KEY VALUE...` writes: checked for the fields vaultnet reads, one line each."""
    cleaned = [" ".join(v.split()) for v in values]
    for raw, v in zip(values, cleaned):
        if not v:
            raise FieldError(f"{key}: an empty value; to remove the field use unset")
        if any(c in raw for c in "\r\n\x00") or any(ord(c) < 32 and c != "\t" for c in raw):
            raise FieldError(f"{key}: a value must be one line of text")
    base = key.casefold()
    if base == "cadence":
        if len(cleaned) > 1 or parse_cadence(cleaned[0]) is None:
            raise FieldError(f"cadence: {' '.join(cleaned)!r} is not a cadence "
                             "(10d, 2w, 3m, 1y, weekly, monthly, quarterly, yearly, or days)")
    elif base in DATE_FIELDS:
        day = parse_day(" ".join(cleaned), today)
        if day is None:
            raise FieldError(f"{key}: {' '.join(cleaned)!r} is not a day ({DAY_FORMS})")
        return day.date.isoformat()
    elif base == "birthday":
        text = " ".join(cleaned)
        birthday = parse_birthday("--" + text if _MONTH_DAY.fullmatch(text) else text)
        if birthday is None:
            raise FieldError(f"birthday: {text!r} is not YYYY-MM-DD, or MM-DD without the year")
        return birthday.written
    if len(cleaned) > 1 or isinstance(was, list) or (was is None and base in LIST_FIELDS):
        return cleaned
    return cleaned[0]


def set_field(vault: Vault, rel: str, key: str, values: list[str], today: dt.date,
              new: bool = False) -> FieldChange:
    """Make `key` hold `values` (several make a list) in the note at `rel`."""
    key = check_key(key)
    if not values:
        raise FieldError(f"{key}: no value given; to remove the field use unset")
    done: list[FieldChange] = []

    def change(raw: bytes) -> bytes:
        fm = read_frontmatter(raw)
        used = key_in(fm, key, new)
        value = field_value(used, values, today, fm.get(used))
        out = edit_frontmatter(raw, put={used: value})
        done.append(FieldChange(rel, used, value, fm.get(used), *_key_lines(out, used)))
        return out

    rewrite_note(vault, rel, change)
    return done[-1]


def unset_field(vault: Vault, rel: str, key: str) -> FieldChange:
    """Take `key` (and its value's lines) out of the note at `rel`."""
    key = key.strip()
    done: list[FieldChange] = []

    def change(raw: bytes) -> bytes:
        fm = read_frontmatter(raw)
        used = key if key in fm else next((k for k in fm if k.casefold() == key.casefold()), None)
        if used is None:
            other = _SAME.get(key.casefold())
            hint = f" (it has {other})" if other in fm else _did_you_mean(key, fm) if fm else ""
            listing = f"; its fields: {', '.join(fm)}" if fm else ""
            raise FieldError(f"{rel} has no {key!r} field{hint}{listing}")
        lines, line = _key_lines(raw, used)
        done.append(FieldChange(rel, used, None, fm[used], lines, line))
        return edit_frontmatter(raw, remove=[used])

    rewrite_note(vault, rel, change)
    return done[-1]


def snooze(vault: Vault, rel: str, day: dt.date, today: dt.date) -> FieldChange:
    """Set `follow_up` to `day`: remind me then."""
    return set_field(vault, rel, "follow_up", [day.isoformat()], today)


def snooze_person(vault: Vault, index, name: str, day: dt.date, today: dt.date, guess: bool = True) -> FieldChange:
    """`snooze NAME WHEN`: the follow-up of the person NAME means set to `day`."""
    from ..network.names import find_person

    return snooze(vault, find_person(index, name, guess=guess), day, today)


def _key_lines(raw: bytes, key: str) -> tuple[list[str], int]:
    """The lines that hold `key` and its value in the frontmatter, and the first one's number."""
    from ..notes.note import parse_note

    note = parse_note(raw, "note.md")
    line = note.frontmatter_lines.get(key, 0)
    if not line:
        return [], 0
    text = raw.decode("utf-8", "replace").lstrip("\ufeff").splitlines()
    stop = min([n for n in note.frontmatter_lines.values() if n > line], default=note.body_line - 1)
    lines = text[line - 1 : stop - 1]
    while len(lines) > 1 and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()  # blank lines and comments before the next key are not this key's
    return lines, line
