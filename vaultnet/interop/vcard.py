"""vCard 2.1, 3.0 and 4.0 files to Contacts.

vobject reads each card's content lines (folding, quoted-printable, groups,
parameters) and unescapes the values. We stop short of `vobject.readOne`,
whose text behaviour keeps only what comes before the first unescaped comma:
NICKNAME lists, and every vCard 2.1 note or title with a comma, would be cut.

The file is split into cards here only to know each card's line and to keep
one broken card from taking the rest of the file with it. Within a card each
property is read on its own, so one bad property (broken quoted-printable, a
line that is no property) is reported and left out, and the card kept.

Binary properties (PHOTO, LOGO, SOUND, KEY) are dropped with their folded lines
before vobject sees them: a note has no place for them, and vobject's line reader
copies its buffer once per physical line, which made a 20 MB photo take minutes.
"""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

from vobject.base import ContentLine, VObjectError, getLogicalLines, textLineToContentLine
from vobject.icalendar import stringToTextValues

from ..errors import ImportFormatError
from ..notes.contact import (
    ADDRESS_PARTS,
    Contact,
    ImportProblem,
    ParsedFile,
    address_line,
    labels_for,
    phone_key,
    rich_address,
    unique,
)
from .text import decode_import, normalise_date

# Photos, sounds and keys are binary blobs a note has no place for (Outlook's card picture too).
_BLOBS = {"PHOTO", "LOGO", "SOUND", "KEY", "X-MS-CARDPICTURE"}
# Structure, and Outlook's business-card layout (XML that says how the card looks, not who it is).
_SKIPPED = {"VERSION", "PRODID", "REV", "X-ABLABEL", "X-MS-OL-DESIGN", *_BLOBS}
# Where a property starts on a physical line: `NAME;` or `NAME:`, perhaps after `group.`.
# Folded lines start with a space; base64 never holds `;` or `:`.
_PROPERTY_START = re.compile(r"(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)[;:]")
# Any line end, and an iPhone's CR CR LF, is one line end: split on CRLF|CR|LF alone, CR CR LF
# would put a blank line after every line, and a blank line ends a folded value.
_LINE_END = re.compile(r"\r*\n|\r")
_NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-."
# Android writes a missing value as the word null.
_NULL = "null"
# TYPE values that say how to use a value, not which one it is.
_NOT_LABELS = {"internet", "pref", "voice", "x400", "msg", "text"}
_TYPE_LABELS = {"cell": "mobile", "iphone": "mobile"}


def parse_vcard(raw: bytes) -> ParsedFile:
    """Every card of a vCard file; a card that cannot be read is reported and skipped."""
    text = decode_import(raw)
    if not text.strip():
        raise ImportFormatError("the vCard file is empty")
    lines = _LINE_END.split(text)
    if not any(line.strip().upper() == "BEGIN:VCARD" for line in lines):
        raise ImportFormatError("not a vCard file: it has no BEGIN:VCARD line")
    result = ParsedFile()
    cards = _split_cards(lines, result.problems)
    for begin, body in cards:
        props = _properties(begin, _without_blobs(body), result.problems)
        contact = _contact(props, begin, result.problems)
        if contact is not None:
            result.contacts.append(contact)
    result.problems.sort(key=lambda p: p.line or 0)  # in file order, as a reader checks them
    return result


def _split_cards(lines: list[str], problems: list[ImportProblem]) -> list[tuple[int, list[str]]]:
    cards: list[tuple[int, list[str]]] = []
    begin: int | None = None
    body: list[str] = []
    stray = False  # one report per run of text between cards, not one per line
    for number, line in enumerate(lines, 1):
        tag = line.strip().upper()
        if tag == "BEGIN:VCARD":
            if begin is not None:
                problems.append(ImportProblem(begin, "vCard has no END:VCARD, skipped"))
            begin, body, stray = number, [], False
        elif begin is None:
            if tag and not stray:
                problems.append(ImportProblem(number, "text outside BEGIN:VCARD/END:VCARD ignored"))
            stray = stray or bool(tag)
        elif tag == "END:VCARD":
            cards.append((begin, body))
            begin = None
        else:
            body.append(line)
    if begin is not None:
        problems.append(ImportProblem(begin, "vCard has no END:VCARD, skipped"))
    return cards


def _without_blobs(body: list[str]) -> list[str]:
    """The card's lines with every binary property blanked out, folded lines and all.

    Blank, not removed: vobject counts lines, and a blank line ends a logical line, so the
    line numbers of the properties after it stay the file's own."""
    out = []
    blob = qp = False
    for line in body:
        # A quoted-printable soft line break (`=` at the end) continues the value on the next
        # line, which may look like a property of its own ("Photo: attached").
        start = None if qp else _PROPERTY_START.match(line)
        if start:
            blob = start[1].upper() in _BLOBS
            qp = False
        if start or qp:
            qp = line.endswith("=") and "quoted-printable" in line.lower() or qp and line.endswith("=")
        # A 2.1 base64 value may go on over unindented lines until a blank one.
        out.append("" if blob else line)
    return out


def _properties(begin: int, body: list[str], problems: list[ImportProblem]) -> list[ContentLine]:
    """Each property of a card, read alone: one that cannot be read is reported and left out."""
    props = []
    for line, n in getLogicalLines(io.StringIO("\n".join(body)), allowQP=True):
        number = begin + max(n, 1)
        try:
            props.append(textLineToContentLine(line, number))
        except VObjectError:
            problems.append(ImportProblem(number, f"not a vCard property, left out: {line[:60]!r}"))
        # An unknown CHARSET or broken quoted-printable surfaces as Lookup/Unicode errors.
        except (LookupError, ValueError) as e:
            name = line[: len(line) - len(line.lstrip(_NAME_CHARS))][:40]
            why = (f"its bytes are not {e.encoding}" if isinstance(e, UnicodeDecodeError)
                   else f"it cannot be decoded ({e})")
            problems.append(ImportProblem(number, f"{name}: {why}; left out, the rest of the card kept"))
    return props


def _unescaped(prop: ContentLine, separator: str | None) -> list[str]:
    value = prop.value if isinstance(prop.value, str) else ""
    # Apple and Google escape the colon (`http\://`), which vCard does not define and vobject
    # keeps; `\\` stays an escaped backslash.
    value = re.sub(r"\\(.)", lambda m: ":" if m[1] == ":" else m[0], value, flags=re.S)
    parts = [part.strip() for part in stringToTextValues(value, listSeparator=separator)]
    # A line break in a card is a line break: \n in the note, whatever the file's line ends...
    parts = ["" if part == _NULL else part.replace("\r\n", "\n").replace("\r", "\n") for part in parts]
    # ...unless vaultnet's own backup says the note's value had other ones (vCard cannot say CR).
    ends = {"CRLF": "\r\n", "CR": "\r"}.get(prop.params.get("X-VAULTNET-LINE-ENDS", [""])[0].upper())
    return [part.replace("\n", ends) for part in parts] if ends else parts


def _text(prop: ContentLine) -> str:
    return _unescaped(prop, None)[0]


def _parts(prop: ContentLine, separator: str) -> list[str]:
    return _unescaped(prop, separator)


def _types(prop: ContentLine) -> list[str]:
    # 3.0 writes TYPE=WORK,VOICE; 4.0 TYPE="work,voice"; 2.1 bare ;WORK;VOICE
    raw = prop.params.get("TYPE", []) + prop.singletonparams
    return [t.strip().lower() for value in raw for t in value.split(",") if t.strip()]


def _label(prop: ContentLine, group_labels: dict[str, str]) -> str:
    if prop.group and prop.group.lower() in group_labels:
        return group_labels[prop.group.lower()]
    kept = [_TYPE_LABELS.get(t, t) for t in _types(prop) if t not in _NOT_LABELS]
    return " ".join(unique(kept))


def _apple_label(text: str) -> str:
    """Apple's built-in labels (`_$!<HomeFAX>!$_`) as words like TYPE's; custom ones as written."""
    m = re.fullmatch(r"_\$!<(.*)>!\$_", text.strip())
    if not m:
        return text.strip()
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", m[1]).lower()


def _is_pref(prop: ContentLine) -> bool:
    return "pref" in _types(prop) or "PREF" in prop.params


def _add_extra(contact: Contact, key: str, value: str) -> None:
    if not value:
        return
    old = contact.extra.get(key)
    if old is None:
        contact.extra[key] = value
    else:
        contact.extra[key] = [*([old] if isinstance(old, str) else old), value]


def _contact(props: list[ContentLine], begin: int, problems: list[ImportProblem]) -> Contact | None:
    c = Contact(name="", line=begin, source="vcard")
    group_labels = {
        p.group.lower(): _apple_label(_text(p)) for p in props if p.name == "X-ABLABEL" and p.group
    }
    emails: list[tuple[bool, str]] = []
    phones: list[tuple[bool, str]] = []
    notes: list[str] = []
    backup_source: str | None = None
    for prop in props:
        name = prop.name
        if name in _SKIPPED:
            continue
        value = _text(prop)
        if not value and name not in ("N", "ORG", "ADR"):  # empty, or Android's null
            continue
        if name == "FN":
            if c.name:
                c.aliases.append(value)  # 4.0 allows one FN per language
            else:
                c.name = value
        elif name == "N" and not (c.given or c.family):
            c.family, c.given, c.middle, c.prefix, c.suffix = (_parts(prop, ";") + [""] * 5)[:5]
        elif name == "NICKNAME":
            c.aliases.extend(_parts(prop, ","))
        elif name in ("EMAIL", "TEL"):
            if name == "EMAIL":
                value = re.sub(r"(?i)^mailto:", "", value)
            else:
                value = re.sub(r"(?i)^tel:", "", value)  # 4.0's VALUE=uri form
            if value:
                (emails if name == "EMAIL" else phones).append((_is_pref(prop), value))
                labels = c.email_labels if name == "EMAIL" else c.phone_labels
                label = _label(prop, group_labels)
                if label:
                    labels.setdefault(value, label)
        elif name == "ORG" and not (c.company or c.departments):
            c.company, *units = _parts(prop, ";")
            c.departments = [u for u in units if u]
        elif name == "TITLE" and not c.role:
            c.role = value
        elif name == "ROLE":  # what they do there (RFC 6350 6.6.2); TITLE is the job title
            _add_extra(c, "vcard_role", value)
        elif name == "BDAY" and not c.birthday:
            _birthday(c, prop, value, problems)
        elif name == "CATEGORIES":
            c.tags.extend(_parts(prop, ","))
        elif name in ("RELATED", "X-ABRELATEDNAMES"):
            c.knows.append(value)
        elif name == "NOTE":
            notes.append(value.replace("\r\n", "\n").replace("\r", "\n"))
        elif name == "URL" or (
            name in ("X-SOCIALPROFILE", "SOCIALPROFILE") and "linkedin" in _types(prop)
        ):
            if value == c.linkedin:
                continue  # vaultnet writes a LinkedIn profile both ways: as a URL and a profile
            if (name != "URL" or "linkedin.com" in value.lower()) and not c.linkedin:
                c.linkedin = value
            else:
                c.urls.append(value)
        elif name.startswith("X-VAULTNET-"):
            # vaultnet's own backup coming back: its fields go where they came from.
            field = name[len("X-VAULTNET-"):]
            if field == "CONNECTED" and not c.connected:
                c.connected = value
            elif field == "BIRTHDAY" and not c.birthday:
                c.birthday = value
            elif field == "SOURCE":
                backup_source = value
            elif field == "PATH":
                c.path = value
                if backup_source is None:
                    backup_source = ""  # a vaultnet backup: it says where the person came from
            elif field == "FIELD" and (key := unquote(prop.params.get("X-NAME", [""])[0])):
                if key == "company":  # the note linked its company's note: `[[Acme]]`
                    c.company = value
                    continue
                _add_extra(c, key, value)  # a note's own key, exactly as the note spelt it
                c.own_keys.append(key)
        elif name == "ADR":
            address = {k: v for k, v in zip(ADDRESS_PARTS, _parts(prop, ";")) if v}
            label = _label(prop, group_labels)
            if label and address:
                address["type"] = label
            if not address_line(address):
                continue
            if not c.addresses:  # the first address is the location; its parts only if it has some
                c.location = address_line(address)
                address = address if rich_address(address) else {}
            c.addresses.append(address)
        else:
            # Unmapped, or a second ORG/TITLE/BDAY: kept rather than lost.
            _add_extra(c, name.lower(), value)
    c.emails = unique([v for pref, v in emails if pref] + [v for pref, v in emails if not pref])
    c.phones = unique(
        [v for pref, v in phones if pref] + [v for pref, v in phones if not pref], key=phone_key
    )
    c.email_labels = labels_for(c.emails, c.email_labels)
    c.phone_labels = labels_for(c.phones, c.phone_labels, phone_key)
    c.note = "\n\n".join(n.strip() for n in notes if n.strip())
    if backup_source is not None:
        c.source = backup_source
    if not c.name:
        c.name = " ".join(p for p in (c.given, c.family) if p)
    if not c.name:
        hint = next(iter(c.emails + [c.company]), "")
        message = "vCard has no name (FN or N), skipped" + (f": {hint}" if hint else "")
        problems.append(ImportProblem(begin, message))
        return None
    c.aliases = [a for a in unique(c.aliases) if a.casefold() != c.name.casefold()]
    c.tags, c.urls, c.knows = unique(c.tags), unique(c.urls), unique(c.knows)
    return c


def _birthday(c: Contact, prop: ContentLine, value: str, problems: list[ImportProblem]) -> None:
    day = normalise_date(value)
    omit = prop.params.get("X-APPLE-OMIT-YEAR", [""])[0]
    if day and omit and day.startswith(omit.zfill(4) + "-"):
        day = "--" + day[5:]  # Apple stores a birthday without a year as year 1604
    if day:
        c.birthday = day
    elif "text" in (v.lower() for v in prop.params.get("VALUE", [])):
        c.birthday = value  # the card says it is free text ("circa 1800"): as written
    elif value:
        problems.append(ImportProblem(c.line, f"BDAY {value!r} is not a date; kept as bday"))
        _add_extra(c, "bday", value)
