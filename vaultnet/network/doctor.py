"""`doctor`: everything in the vault a person should look at, with the file and line.

Problems the parser already knows (invalid frontmatter, impossible dates,
unknown cadences) come from the index; contact details, duplicates and
ambiguous links are checked here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..index import NoteIndex, Record
from ..notes.note import parse_note
from ..notes.values import field_values
from ..vault.resolve import fold, is_attachment, is_note_path

# Names this close are likely one person typed twice ("Jon Smith" / "John Smith").
SHORT_NAME = 8


@dataclass(frozen=True)
class Finding:
    path: str
    line: int | None
    kind: str  # note, email, phone, duplicate, ambiguous_link, shared_alias, broken_embed
    message: str

    def as_json(self) -> dict:
        return {"path": self.path, "line": self.line, "kind": self.kind, "message": self.message}


def _values(fm: dict, *keys: str) -> list[tuple[str, str]]:
    """(key, value) for each value of each key: a finding names the key's line."""
    return [(key, value) for key in keys for value in field_values(fm, key)]


class _Lines:
    """The line of a frontmatter key, read from the note only when a finding needs it."""

    def __init__(self, index: NoteIndex):
        self.vault = index.vault
        self.cache: dict[str, dict[str, int]] = {}

    def of(self, path: str, key: str) -> int | None:
        if path not in self.cache:
            try:
                note = parse_note(self.vault.read_bytes(path), path, self.vault.rules)
                self.cache[path] = note.frontmatter_lines
            except OSError:
                self.cache[path] = {}
        return self.cache[path].get(key)


def check_emails(people: list[Record], lines: _Lines) -> list[Finding]:
    from email_validator import EmailNotValidError, validate_email

    out = []
    for rec in people:
        for key, email in _values(rec.frontmatter, "email", "emails"):
            try:
                validate_email(email, check_deliverability=False)
            except EmailNotValidError as exc:
                out.append(Finding(rec.path, lines.of(rec.path, key), "email", f"{email!r}: {exc}"))
    return out


def check_phones(people: list[Record], lines: _Lines, region: str) -> tuple[list[Finding], int]:
    """Findings, and how many numbers could not be checked for want of a country."""
    import phonenumbers

    out, unchecked = [], 0
    for rec in people:
        for key, phone in _values(rec.frontmatter, "phone", "phones"):
            if not phone.startswith("+") and not region:
                unchecked += 1
                continue
            try:
                number = phonenumbers.parse(phone, region or None)
                ok = phonenumbers.is_possible_number(number)
                why = "not a possible number for its country"
            except phonenumbers.NumberParseException as exc:
                ok, why = False, str(exc).split("(", 1)[-1].rstrip(")") if "(" in str(exc) else str(exc)
            if not ok:
                out.append(Finding(rec.path, lines.of(rec.path, key), "phone", f"{phone!r}: {why}"))
    return out, unchecked


def _distance_limit(name: str) -> int:
    return 1 if len(name) <= SHORT_NAME else 2


def check_duplicates(people: list[Record], lines: _Lines) -> list[Finding]:
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    out = []
    by_email: dict[str, list[str]] = {}
    for rec in people:
        for _, email in _values(rec.frontmatter, "email", "emails"):
            paths = by_email.setdefault(email.casefold(), [])
            if rec.path not in paths:
                paths.append(rec.path)
    for email, paths in sorted(by_email.items()):
        first, *others = sorted(paths)
        for path in others:
            out.append(Finding(path, lines.of(path, "email") or lines.of(path, "emails"),
                               "duplicate", f"same email {email} as {first}; the same person?"))
    # Word order should not hide a duplicate: "Smith John" is "John Smith".
    names = [(" ".join(sorted(fold(rec.name).split())), rec.path) for rec in people]
    names.sort()
    reported: set[frozenset] = set()
    # Comparing every pair is quadratic; two spellings of one name almost always share a
    # word or their first two letters, so only names in the same such group are compared.
    groups: dict[str, list[tuple[str, str]]] = {}
    for name, path in names:
        for key in {name[:2], *name.split()}:
            groups.setdefault(key, []).append((name, path))
    for members in groups.values():
        for i, (a, pa) in enumerate(members):
            limit = _distance_limit(a)
            later = [b for b, _ in members[i + 1:]]
            # rapidfuzz runs the comparisons in C, stopping each once it is past the limit.
            for _, _, j in process.extract_iter(a, later, scorer=Levenshtein.distance, score_cutoff=limit):
                b, pb = members[i + 1 + j]
                if pa == pb or frozenset((pa, pb)) in reported or _distance_limit(b) < limit and \
                        Levenshtein.distance(a, b) > _distance_limit(b):
                    continue
                reported.add(frozenset((pa, pb)))
                first, second = sorted((pa, pb))
                out.append(Finding(first, None, "duplicate", f"name is close to {second}; the same person?"))
    return out


def check_links(index: NoteIndex, records: list[Record]) -> list[Finding]:
    resolver = index.resolver()
    out = []
    for name, paths in sorted(resolver.shared_names().items()):
        for path in paths:
            others = ", ".join(p for p in paths if p != path)
            out.append(Finding(path, None, "shared_alias",
                               f"{name!r} is also a name or alias of {others}; links to it count for nobody"))
    for rec in records:
        for target, line, embed, *_ in rec.links:
            if not target.strip():
                continue
            resolution = resolver.resolve(target, rec.path)
            if resolution.path is not None and not is_note_path(resolution.path):
                continue  # an attachment that is there
            if resolution.path is None and is_attachment(target):
                what = f"![[{target}]] embeds" if embed else f"[[{target}]] links"
                out.append(Finding(rec.path, line, "broken_embed", f"{what} a file that is not in the vault"))
                continue
            if resolution.path is None:
                named = resolver.named(target)
                if len(named) > 1:
                    out.append(Finding(rec.path, line, "ambiguous_link",
                                       f"[[{target}]] could be {' or '.join(named)}; it counts for nobody"))
                continue
            if resolution.via == "path" and "/" not in target:
                same = resolver.same_file_name(target)
                if len(same) > 1:
                    out.append(Finding(rec.path, line, "ambiguous_link",
                                       f"[[{target}]] could be {' or '.join(same)}; "
                                       f"Obsidian picks {resolution.path}"))
    return out


def diagnose(index: NoteIndex) -> tuple[list[Finding], list[str]]:
    """Every finding, by path and line; and notes about what could not be checked."""
    findings = [Finding(p["path"], p["line"], "note", p["message"]) for p in index.problems()]
    records = list(index.all_records())
    people = [r for r in records if r.kind == "person"]
    lines = _Lines(index)
    findings += check_emails(people, lines)
    phones, unchecked = check_phones(people, lines, index.vault.config.phone_region)
    findings += phones
    findings += check_duplicates(people, lines)
    findings += check_links(index, records)
    notes = []
    if unchecked:
        notes.append(f"{unchecked} phone numbers without a +country code were not checked; "
                     f"set phone_region in .vaultnet/config.toml")
    findings.sort(key=lambda f: (f.path, f.line or 0, f.kind, f.message))
    return findings, notes
