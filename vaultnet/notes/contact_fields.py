"""Where a contact's details live in a person note's frontmatter, both ways.

SPEC §2 allows several keys for one detail (`email`/`emails`, `company`/`org`,
`role`/`title`); a note's own choice of key is kept, and a new key is the
first of each pair, the one `vaultnet add` writes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .contact import ADDRESS_PARTS, Contact, address_line, implied_name_parts, phone_key, unique
from .values import string_values

# Contact attribute -> the keys a note may hold it under, preferred first.
SCALAR_KEYS = {
    "company": ("company", "org"),
    "role": ("role", "title"),
    "birthday": ("birthday",),
    "location": ("location",),
    "linkedin": ("linkedin",),
    "connected": ("connected",),
}
# The structured name, written only where the name alone does not say it (implied_name_parts)
NAME_KEYS = {"prefix": "name_prefix", "given": "given_name", "middle": "middle_name",
             "family": "family_name", "suffix": "name_suffix"}
LIST_KEYS = {
    "aliases": ("aliases",),
    "departments": ("department", "departments"),
    "emails": ("email", "emails"),
    "phones": ("phone", "phones"),
    "urls": ("url", "urls"),
    "tags": ("tags",),
}
LABEL_KEYS = {"email_labels": "emails", "phone_labels": "phones"}
JOB_FIELDS = ("company", "role")  # an import that changes these brings news (SPEC §8)
# What a person note says about the relationship, not the contact: a backup carries it
# under its own name (X-VAULTNET-FIELD), and it comes back under that name.
RELATIONSHIP_KEYS = ("cadence", "met", "how_met", "introduced_by", "last_contact", "follow_up")
# Each address a note keeps its parts of: `address`, `address_2`, `address_3`...
ADDRESS_KEY = re.compile(r"address(?:_([2-9]|[1-9][0-9]+))?")
# Keys an unknown vCard property must not overwrite the meaning of.
RESERVED = {"type", "name", "knows", "source", "met", "how_met", "introduced_by", "cadence",
            "last_contact", "follow_up", "address", *LABEL_KEYS, *NAME_KEYS.values(),
            *(k for keys in (*SCALAR_KEYS.values(), *LIST_KEYS.values()) for k in keys)}
# Where a new note's keys go, in the order a person reads them; other keys follow.
_ORDER = ["type", "name", *NAME_KEYS.values(), "aliases", "company", "department", "role", "email",
          "phone", "email_labels", "phone_labels", "birthday", "location", "address", "url",
          "linkedin", "tags", "knows", "connected", "source"]

_LINK = re.compile(r"^\s*\[\[([^\]|#]+)(?:[#|][^\]]*)?\]\]\s*$")


def _plain(value: str) -> str:
    """`[[Acme Corp]]` and `Acme Corp` are the same company."""
    m = _LINK.match(value)
    return (m.group(1) if m else value).strip()


def plain_value(value: str) -> str:
    """A value without its link brackets: `[[Acme Corp]]` is `Acme Corp`."""
    return _plain(value)


def shown(value) -> str:
    """A frontmatter value on one line: lists and mappings joined with commas."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def same_value(a: str, b: str) -> bool:
    return _plain(a).casefold() == _plain(b).casefold()


def tag_name(tag: str) -> str:
    # Obsidian tags cannot hold spaces or commas (a note's `tags` splits at them): "Close Friends"
    # and an escaped "Friends, Family" category become one tag each, written with dashes.
    return "-".join(p for p in re.split(r"[\s,]+", tag.strip().lstrip("#")) if p)


def link_to(name: str) -> str:
    return name if _LINK.match(name) else f"[[{name}]]"


def _fold(text: str) -> str:
    # A file name may be NFD (macOS), the import NFC: the same name either way.
    return unicodedata.normalize("NFC", text.strip()).casefold()


def _key_for(fm: dict, keys: tuple[str, ...]) -> str:
    return next((k for k in keys if k in fm), keys[0])


def _compare_key(attr: str):
    if attr == "phones":
        return phone_key
    if attr == "tags":
        return lambda t: tag_name(t).casefold()
    return lambda v: _fold(_plain(v))


def contact_values(contact: Contact, attr: str) -> list[str]:
    values = getattr(contact, attr)
    if attr == "tags":
        values = [tag_name(t) for t in values]
    return unique(values, key=_compare_key(attr))


@dataclass
class FieldMerge:
    """What merging a contact into a note's frontmatter would do."""

    add: dict = field(default_factory=dict)
    extend: dict[str, list[str]] = field(default_factory=dict)
    add_items: dict[str, dict[str, str]] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    put: dict[str, str] = field(default_factory=dict)  # a new job: company / role replaced
    was: dict[str, str] = field(default_factory=dict)  # what `put` replaces, as the note had it

    def changes(self) -> list[str]:
        """One line per key, as `import --dry-run` and `merge` show them."""
        return ([f"{k}: {shown(v)}" for k, v in self.add.items()]
                + [f"{k}: {shown(self.was[k])} -> {shown(v)}" for k, v in self.put.items()]
                + [f"{k} += {shown(v)}" for k, v in {**self.extend, **self.add_items}.items()])

    def job_news(self, fm: dict) -> str | None:
        """The news line a job change deserves (SPEC §8), or None: the history stays in the note."""
        def old_new(keys: tuple[str, ...]) -> tuple[str, str]:
            key = next((k for k in keys if k in self.put), None)
            if key is not None:
                return _plain(self.was[key]), _plain(self.put[key])
            now = next((_plain(v) for k in keys for v in string_values(fm.get(k)) if v.strip()),
                       _plain(str(self.add.get(keys[0], ""))))  # or what the import adds now
            return now, now

        old_company, company = old_new(SCALAR_KEYS["company"])
        old_role, role = old_new(SCALAR_KEYS["role"])
        if company != old_company and role != old_role:
            return f"New role: {role} at {company} (was {old_role} at {old_company})"
        if role != old_role:
            return f"New role: {role}{f' at {company}' if company else ''} (was {old_role})"
        if company != old_company:
            return f"New company: {company}{f' as {role}' if role else ''} (was {old_company})"
        return None

    def __bool__(self) -> bool:
        return bool(self.add or self.extend or self.add_items or self.put)


def merge_fields(fm: dict, contact: Contact, note_names: list[str]) -> FieldMerge:
    """Missing fields added, lists extended; a different value is left as written and reported."""
    plan = FieldMerge()
    folded_names = {_fold(n) for n in note_names}
    if contact.name and _fold(contact.name) not in folded_names:
        plan.extend.setdefault("aliases", []).append(contact.name)

    for attr, keys in LIST_KEYS.items():
        values = contact_values(contact, attr)
        if not values:
            continue
        key = _key_for(fm, keys)
        cmp = _compare_key(attr)
        have = {cmp(v) for k in keys for v in string_values(fm.get(k))}
        if attr == "aliases":
            have |= folded_names
        new = [v for v in values if cmp(v) not in have and v not in plan.extend.get(key, [])]
        if len(new) == 1 and attr in ("emails", "phones", "urls", "departments") and not any(
                k in fm for k in keys):
            plan.add[key] = new[0]  # `email: x`, as a person writes one address
        elif new:
            plan.extend.setdefault(key, []).extend(new)

    knows = [link_to(n) for n in unique(contact.knows)]
    have_knows = {_plain(v).casefold() for v in string_values(fm.get("knows"))}
    new_knows = [k for k in knows if _plain(k).casefold() not in have_knows]
    if new_knows:
        plan.extend["knows"] = new_knows
    have_sources = {s.strip().casefold() for s in string_values(fm.get("source"))}
    sources = [s.strip() for s in contact.source.split(",")
               if s.strip() and s.strip().casefold() not in have_sources]
    if sources:  # a backup's "linkedin, vcard" is two sources
        plan.extend["source"] = sources

    for attr, keys in SCALAR_KEYS.items():
        value = getattr(contact, attr).strip()
        if value:
            _merge_scalar(plan, fm, keys, value, job=attr in JOB_FIELDS)
    if not implied_name_parts(contact):
        for attr, key in NAME_KEYS.items():
            value = getattr(contact, attr).strip()
            if value:
                _merge_scalar(plan, fm, (key,), value)
    _merge_addresses(plan, fm, contact)
    for key, value in contact.extra.items():
        if key.startswith("x-") and key[2:] in fm:
            key = key[2:]  # a vCard `X-ZIP` is the note's own `zip` (vaultnet's export writes it so)
        if (key in RESERVED or ADDRESS_KEY.fullmatch(key)) and not (
                key in contact.own_keys and key in RELATIONSHIP_KEYS):
            key = f"{contact.source or 'imported'}_{key}"
        if isinstance(value, list):
            cmp = _compare_key(key)
            have = {cmp(v) for v in string_values(fm.get(key))}
            new = [v for v in unique(value) if cmp(v) not in have]
            if len(new) == 1 and key not in fm:
                plan.add[key] = new[0]  # the same value twice in the file is one value
            elif new:
                plan.extend[key] = new
        elif value.strip():
            _merge_scalar(plan, fm, (key,), value.strip())

    for label_key in LABEL_KEYS:
        labels = getattr(contact, label_key)
        written = fm.get(label_key)
        known: dict = written if isinstance(written, dict) else {}
        new_items = {v: label for v, label in labels.items() if label and v not in known}
        if new_items:
            plan.add_items[label_key] = new_items
    return plan


def note_addresses(fm: dict) -> list[tuple[str, dict[str, str]]]:
    """(key, parts) of each address the note keeps the parts of, in order; a str is a street."""
    found = []
    for key, value in fm.items():
        if isinstance(key, str) and (m := ADDRESS_KEY.fullmatch(key)):
            if isinstance(value, str) and value.strip():
                value = {"street": value}
            if isinstance(value, dict):
                parts = {str(k): str(v) for k, v in value.items() if isinstance(v, str) and v.strip()}
                if parts:
                    found.append((int(m[1] or 1), key, parts))
    return [(key, parts) for _, key, parts in sorted(found, key=lambda f: f[0])]


def _merge_addresses(plan: FieldMerge, fm: dict, contact: Contact) -> None:
    """An address the note does not have yet goes under the next free `address` key."""
    have = {_fold(address_line(parts)) for _, parts in note_addresses(fm)}
    number = 1
    for address in contact.addresses:
        line = _fold(address_line(address))
        if not line or line in have:
            continue
        have.add(line)
        while (key := "address" if number == 1 else f"address_{number}") in fm:
            number += 1
        plan.add[key] = {k: address[k] for k in (*ADDRESS_PARTS, "type") if address.get(k)}
        number += 1


def _merge_scalar(plan: FieldMerge, fm: dict, keys: tuple[str, ...], value: str, job: bool = False) -> None:
    present = next((k for k in keys if string_values(fm.get(k))), None)
    if present is None:
        plan.add[keys[0]] = value
        return
    have = string_values(fm[present])
    if _plain(value).casefold() in {_plain(v).casefold() for v in have}:
        return
    if job and isinstance(fm[present], str):
        # People move: a new company or role is news, and the note follows (SPEC §8). A link
        # stays a link, so `company: "[[Globex]]"` becomes `"[[Initech]]"`.
        plan.was[present] = fm[present]
        plan.put[present] = link_to(_plain(value)) if _LINK.match(fm[present]) else value
        return
    plan.conflicts.append(f"{present}: the note says {have[0]!r}, the import says {value!r}; kept the note's")


def new_note_fields(contact: Contact, file_name: str) -> dict:
    """The frontmatter of a note made for `contact`, in the order a person reads it."""
    fm: dict = {"type": "person"}
    if contact.name != file_name:
        fm["name"] = contact.name
    plan = merge_fields({}, contact, [contact.name, file_name])
    for key, value in plan.add.items():
        fm[key] = value
    for key, values in plan.extend.items():
        fm[key] = values[0] if len(values) == 1 and key in ("email", "phone", "url") else values
    fm.update(plan.add_items)

    # Other keys by name: a card's properties come in any order (a vCard writer may sort them),
    # and a backup must give the note back as it was.
    def place(key: str) -> tuple[int, int, str]:
        if m := ADDRESS_KEY.fullmatch(key):
            return _ORDER.index("address"), int(m[1] or 1), ""
        return (_ORDER.index(key), 0, "") if key in _ORDER else (len(_ORDER), 0, key)

    return {k: fm[k] for k in sorted(fm, key=place)}


def note_text(body: str, names: list[str]) -> str:
    """The free text about the person in a note's body: after its `# Name` title, before its
    `## Log` section (the text an import puts there; the log is moments, not contact details)."""
    lines = body.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    # The title as vaultnet writes it: the name with Markdown's characters escaped (`\[\[x\]\]`).
    title = re.sub(r"\\(.)", r"\1", lines[0].lstrip("#")) if lines and re.fullmatch(r"#\s+(.*?)\s*", lines[0]) else None
    if title is not None and _fold(title) in {_fold(n) for n in names}:
        lines.pop(0)
    end = next((i for i, ln in enumerate(lines) if re.fullmatch(r"#{1,6}\s+Log\s*", ln)), len(lines))
    return "\n".join(lines[:end]).strip()


def contact_from_fields(path: str, name: str, aliases: list[str], tags: list[str], fm: dict,
                        body: str = "") -> Contact:
    """A person note's details as a Contact, for exports."""
    def first(keys) -> str:
        return next((v.strip() for k in keys for v in string_values(fm.get(k)) if v.strip()), "")

    def every(keys) -> list[str]:
        return unique([v for k in keys for v in string_values(fm.get(k))])

    known = (RESERVED | {"aliases", "tags"}) - set(RELATIONSHIP_KEYS)
    extra = {k: v for k, v in fm.items()
             if k not in known and not ADDRESS_KEY.fullmatch(str(k)) and (isinstance(v, str) and v.strip()
                                    or isinstance(v, list) and all(isinstance(i, str) for i in v))}
    labels = {k: {str(a): str(b) for a, b in fm[k].items() if isinstance(b, str)}
              for k in LABEL_KEYS if isinstance(fm.get(k), dict)}
    return Contact(
        name=name, path=path, aliases=list(aliases),
        emails=every(LIST_KEYS["emails"]), phones=every(LIST_KEYS["phones"]),
        email_labels=labels.get("email_labels", {}), phone_labels=labels.get("phone_labels", {}),
        company=first(SCALAR_KEYS["company"]), role=first(SCALAR_KEYS["role"]),
        birthday=first(("birthday",)), location=first(("location",)), linkedin=first(("linkedin",)),
        connected=first(("connected",)), urls=every(LIST_KEYS["urls"]), tags=list(tags),
        knows=[_plain(v) for v in every(("knows",))], source=", ".join(every(("source",))),
        departments=every(LIST_KEYS["departments"]),
        addresses=[parts for _, parts in note_addresses(fm)],
        note=note_text(body, [name, path.rsplit("/", 1)[-1].removesuffix(".md")]),
        extra=extra, frontmatter=dict(fm),
        given=first(("given_name",)), family=first(("family_name",)), middle=first(("middle_name",)),
        prefix=first(("name_prefix",)), suffix=first(("name_suffix",)),
    )
