"""Back up contacts as vCard, CSV or JSON: pure functions from `Contact`s to a file's bytes.

The caller decides where the bytes go (and writes them atomically); nothing
here prints or touches the disk.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from collections.abc import Sequence

import vobject

from ..notes.contact import Contact

VCARD_VERSIONS = ("3.0", "4.0")

CSV_HEADER = [
    "name", "given_name", "family_name", "aliases", "emails", "phones", "company", "role",
    "birthday", "location", "tags", "urls", "linkedin", "knows", "connected", "source",
    "note", "path",
]
CSV_SEPARATOR = " ::: "  # what Google Contacts itself puts between values in one cell

# Labels that vCard has a TYPE for; any other label travels Apple's way, as an
# `itemN.X-ABLabel` next to the value, so no label is lost and none needs escaping
# inside a parameter.
_PHONE_TYPES = {
    "mobile": "cell", "cell": "cell", "home": "home", "work": "work", "fax": "fax",
    "pager": "pager", "voice": "voice", "video": "video",
}
_EMAIL_TYPES = {"home": "home", "work": "work"}

_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NO_YEAR = re.compile(r"--\d{2}-\d{2}")
# OWASP "CSV Injection": a spreadsheet runs a cell that starts with one of these
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_vcard(contacts: list[Contact], version: str = "3.0") -> bytes:
    """One vCard per contact, in the order given; empty bytes for no contacts."""
    if version not in VCARD_VERSIONS:
        raise ValueError(f"vCard version must be 3.0 or 4.0, not {version!r}")
    # vobject escapes values but folds by characters, so a short line of accented or
    # CJK text can pass 75 octets unfolded: serialise unfolded and fold by octets here.
    return "".join(
        _fold(_vcard(contact, version).serialize(lineLength=10**9)) for contact in contacts
    ).encode("utf-8")


def export_csv(contacts: list[Contact]) -> bytes:
    """A header row and one row per contact, UTF-8 with a BOM so Excel reads accents."""
    out = io.StringIO()
    writer = csv.writer(out)  # quotes commas, quotes and newlines; rows end in CRLF
    writer.writerow(CSV_HEADER)
    for c in contacts:
        row = [
            c.name, c.given, c.family, c.aliases, c.emails, c.phones, c.company, c.role,
            c.birthday, c.location, c.tags, c.urls, c.linkedin, c.knows, c.connected, c.source,
            c.note, c.path,
        ]
        writer.writerow([_csv_cell(value) for value in row])
    return out.getvalue().encode("utf-8-sig")


def export_json(contacts: list[Contact]) -> bytes:
    """A JSON array of every field but `line` (where an import read it: meaningless here)."""
    records = []
    for contact in contacts:
        record = dataclasses.asdict(contact)  # keys in the dataclass's field order
        del record["line"]
        records.append(record)
    # default=str: a note's extra keys can hold YAML dates or numbers despite the type hint
    text = json.dumps(records, ensure_ascii=False, indent=2, default=str)
    return (text + "\n").encode("utf-8")


def _vcard(c: Contact, version: str) -> vobject.base.Component:
    v4 = version == "4.0"
    card = vobject.vCard()
    card.add("version").value = version
    card.add("fn").value = c.name
    given, family, suffix = _split_name(c)
    card.add("n").value = vobject.vcard.Name(family=family, given=given, suffix=suffix)

    def add(name: str, value: str, /, **params: str) -> None:
        line = card.add(name)
        line.value = value
        for key, param in params.items():
            line.params[key.upper()] = [param]

    groups = 0

    def add_labelled(name: str, value: str, label: str, types: dict[str, str]) -> None:
        nonlocal groups
        # Apple writes standard labels as "_$!<Mobile>!$_"
        kind = types.get(label.strip().removeprefix("_$!<").removesuffix(">!$_").casefold())
        if kind or not label:
            line = card.add(name)
            line.value = value
            if kind:  # 4.0 registers its types in lower case; 3.0 readers expect upper
                line.type_param = kind if v4 else kind.upper()
        else:
            groups += 1
            card.add(name, group=f"item{groups}").value = value
            card.add("x-ablabel", group=f"item{groups}").value = label

    for alias in c.aliases:  # one property each: vobject would escape a comma-joined list
        add("nickname", alias)
    for email in c.emails:
        add_labelled("email", email, c.email_labels.get(email, ""), _EMAIL_TYPES)
    for phone in c.phones:
        add_labelled("tel", phone, c.phone_labels.get(phone, ""), _PHONE_TYPES)
    if c.company:
        card.add("org").value = [c.company]
    if c.role:
        add("title", c.role)
    if _FULL_DATE.fullmatch(c.birthday) or _NO_YEAR.fullmatch(c.birthday):
        bday = c.birthday
        if v4:  # 4.0 allows only ISO 8601's basic format: 19850412, --0412
            bday = ("--" if bday.startswith("--") else "") + bday.replace("-", "")
        add("bday", bday)
    elif c.birthday:  # not a date BDAY can hold: kept, not dropped
        add("x-vaultnet-birthday", c.birthday)
    if c.tags:
        card.add("categories").value = list(c.tags)
    for url in c.urls:
        add("url", url)
    if c.linkedin:
        if "://" in c.linkedin and c.linkedin not in c.urls:
            add("url", c.linkedin)
        add("x-socialprofile", c.linkedin, type="linkedin")
    if c.location:
        # the whole one-line address in the street part: reversible, no guessing at a city
        card.add("adr").value = vobject.vcard.Address(street=c.location)
    for name in c.knows:
        if v4:
            add("related", name, type="contact", value="text")
        else:
            add("x-abrelatednames", name)
    if c.note:
        add("note", c.note)
    if c.connected:
        add("x-vaultnet-connected", c.connected)
    if c.source:
        add("x-vaultnet-source", c.source)
    if c.path:
        add("x-vaultnet-path", c.path)
    for key, values in c.extra.items():
        prop = re.sub(r"[^A-Za-z0-9]", "-", str(key)).upper()
        if not prop.startswith("X-"):  # a key an import kept as "x-foo" stays X-FOO
            prop = "X-" + prop
        for value in values if isinstance(values, list) else [values]:
            if str(value):
                add(prop, str(value))
    return card


def _split_name(c: Contact) -> tuple[str, str, str]:
    """Given, family and suffix names: the contact's own, else from "Ada Lovelace, PhD"."""
    if c.given or c.family:
        return c.given, c.family, ""
    base, _, suffix = c.name.partition(",")  # "Bob Smith, Jr.": the comma starts a suffix
    given, _, family = base.strip().rpartition(" ")
    if not given:  # one word: a given name, as phones show it
        given, family = family, ""
    return given, family, suffix.strip()


def _fold(text: str, limit: int = 75) -> str:
    """Fold every line at `limit` octets (RFC 6350 3.2) without splitting a UTF-8 character."""
    lines = []
    for line in text.split("\r\n"):
        parts: list[str] = []
        part: list[str] = []
        size = 0
        for ch in line:
            width = len(ch.encode("utf-8"))
            if size + width > limit:
                parts.append("".join(part))
                part, size = [" "], 1  # a continuation line starts with one space
            part.append(ch)
            size += width
        parts.append("".join(part))
        lines.append("\r\n".join(parts))
    return "\r\n".join(lines)


def _csv_cell(value: str | Sequence[str]) -> str:
    text = value if isinstance(value, str) else CSV_SEPARATOR.join(value)
    # A leading quote makes a spreadsheet show the cell as text instead of running it
    return "'" + text if text.startswith(_FORMULA_START) else text
