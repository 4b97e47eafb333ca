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

from ..notes.contact import ADDRESS_PARTS, Contact, address_line, two_words
from ..notes.contact_fields import plain_value
from ..notes.dates import parse_birthday

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
_ADDRESS_TYPES = {"home": "home", "work": "work"}
# Note keys that are a standard vCard property of their own, as an import names them;
# a key an import kept as `x-foo` goes back as X-FOO; any other key travels as
# X-VAULTNET-FIELD with its exact name, so a backup restores every key as it was.
_PROPERTY_OF_KEY = {
    "uid": "UID", "vcard_role": "ROLE", "impp": "IMPP", "gender": "GENDER", "tz": "TZ",
    "geo": "GEO", "lang": "LANG", "label": "LABEL", "fburl": "FBURL", "caluri": "CALURI",
    "caladruri": "CALADRURI", "anniversary": "ANNIVERSARY", "kind": "KIND", "mailer": "MAILER",
    "class": "CLASS", "sort-string": "SORT-STRING", "member": "MEMBER",
}
_X_KEY = re.compile(r"x-[a-z0-9-]+")

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
            c.name, c.given, c.family, c.aliases, c.emails, c.phones, plain_value(c.company), c.role,
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
    name = _name(c)
    if any(name.values()) or not v4:  # 3.0 requires N; 4.0 leaves it out rather than guess
        card.add("n").value = vobject.vcard.Name(**{k: _parts_of(v) for k, v in name.items()})

    def add(name: str, value, /, group: str | None = None, **params: str):
        line = card.add(name, group=group) if group else card.add(name)
        line.value = value
        for key, param in params.items():
            line.params[key.upper().replace("_", "-")] = [param]
        # vCard writes a line break as \n and has no way to say CR: say the note's own ones
        texts = value if isinstance(value, list) else [getattr(value, f, "") for f in _FIELDS] \
            if not isinstance(value, str) else [value]
        ends = next((e for t in texts for e in ("\r\n", "\r") if isinstance(t, str) and e in t), "")
        if ends:
            line.params["X-VAULTNET-LINE-ENDS"] = ["CRLF" if ends == "\r\n" else "CR"]
        return line

    groups = 0

    def add_labelled(name: str, value, label: str, types: dict[str, str]) -> None:
        nonlocal groups
        # Apple writes standard labels as "_$!<Mobile>!$_"
        kind = types.get(label.strip().removeprefix("_$!<").removesuffix(">!$_").casefold())
        if kind or not label:
            line = add(name, value)
            if kind:  # 4.0 registers its types in lower case; 3.0 readers expect upper
                line.type_param = kind if v4 else kind.upper()
        else:
            groups += 1
            add(name, value, group=f"item{groups}")
            add("x-ablabel", label, group=f"item{groups}")

    for alias in c.aliases:  # one property each: vobject would escape a comma-joined list
        add("nickname", alias)
    for email in c.emails:
        add_labelled("email", email, c.email_labels.get(email, ""), _EMAIL_TYPES)
    for phone in c.phones:
        add_labelled("tel", phone, c.phone_labels.get(phone, ""), _PHONE_TYPES)
    company = plain_value(c.company)
    if company or c.departments:
        add("org", [company, *c.departments])
    if company != c.company:  # `[[Acme]]`, a link to the company's note: the note's own words back
        add("x-vaultnet-field", c.company, x_name="company")
    if c.role:
        add("title", c.role)
    # Only a day that exists goes in BDAY: `1988-02-30` in BDAY comes back from an import as
    # text under `bday`, and the backup would not restore the note.
    if (_FULL_DATE.fullmatch(c.birthday) or _NO_YEAR.fullmatch(c.birthday)) and parse_birthday(c.birthday):
        bday = c.birthday
        if v4:  # 4.0 allows only ISO 8601's basic format: 19850412, --0412
            bday = ("--" if bday.startswith("--") else "") + bday.replace("-", "")
        add("bday", bday)
    elif c.birthday:  # not a date BDAY can hold: kept, not dropped
        add("x-vaultnet-birthday", c.birthday)
    if c.tags:
        add("categories", list(c.tags))
    for url in c.urls:
        add("url", url)
    if c.linkedin:
        if "://" in c.linkedin and c.linkedin not in c.urls:
            add("url", c.linkedin)
        add("x-socialprofile", c.linkedin, type="linkedin")
    addresses = [a for a in c.addresses if address_line(a)]
    if c.location and (not addresses or _same(c.location, address_line(addresses[0])) is False):
        # a location of its own (written by hand, or not the first address's line): all of it
        # in the street part, no guessing at a city; an import reads it back as the location
        addresses.insert(0, {"street": c.location})
    for address in addresses:
        value = vobject.vcard.Address(**{f: address.get(part, "") for f, part in zip(_FIELDS, ADDRESS_PARTS)})
        add_labelled("adr", value, address.get("type", ""), _ADDRESS_TYPES)
    for known in c.knows:
        if v4:
            add("related", known, type="contact", value="text")
        else:
            add("x-abrelatednames", known)
    if c.note:
        add("note", c.note)
    if c.connected:
        add("x-vaultnet-connected", c.connected)
    if c.source:
        add("x-vaultnet-source", c.source)
    if c.path:
        add("x-vaultnet-path", c.path)
    for key, values in c.extra.items():
        key = str(key)
        for value in values if isinstance(values, list) else [values]:
            if not str(value):
                continue
            if key in _PROPERTY_OF_KEY:
                add(_PROPERTY_OF_KEY[key], str(value))
            elif _X_KEY.fullmatch(key):  # an import kept X-FOO as `x-foo`
                add(key.upper(), str(value))
            else:
                add("x-vaultnet-field", str(value), x_name=_param_text(key))
    return card


# vobject.vcard.Address's fields, in ADR's order (ADDRESS_PARTS names them in a note)
_FIELDS = ("box", "extended", "street", "city", "region", "code", "country")


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _name(c: Contact) -> dict[str, str]:
    """N's parts: the note's own; a name of exactly two words when it has none (the one case an
    import leaves implied, see implied_name_parts); otherwise none, never a guess at a split."""
    if c.given or c.family or c.middle or c.prefix or c.suffix:
        return {"family": c.family, "given": c.given, "additional": c.middle, "prefix": c.prefix,
                "suffix": c.suffix}
    if words := two_words(c.name):
        return {"family": words[1], "given": words[0], "additional": "", "prefix": "", "suffix": ""}
    return {"family": "", "given": "", "additional": "", "prefix": "", "suffix": ""}


def _parts_of(value: str) -> str | list[str]:
    """A name part with several values (`Richter,James`) as N's comma-separated list."""
    return value.split(",") if "," in value else value


def _param_text(text: str) -> str:
    """A note's key as a parameter value: `%` and `"` (which no parameter can hold) and
    control characters percent-escaped; the import unquotes it."""
    return "".join(f"%{ord(ch):02X}" if ch in '%"' or ord(ch) < 32 or ord(ch) == 127 else ch
                   for ch in text)


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
