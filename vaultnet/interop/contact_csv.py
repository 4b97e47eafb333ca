"""LinkedIn's Connections.csv and Google Contacts CSV files to Contacts.

Columns are always found by their header name: both services have added,
dropped and reordered columns over the years, and users edit the files in
spreadsheets before importing them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator

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

Record = dict[str, str]  # header name (casefolded) -> stripped cell

# "E-mail 1 - Value", "Organization 2 - Title", "Custom Field 1 - Label"
_NUMBERED = re.compile(r"(.+?) ([0-9]+) - (.+)")
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def _read(
    raw: bytes, is_header: Callable[[list[str]], bool], expected: str
) -> tuple[list[str], Iterator[tuple[int, Record | str]]]:
    """The header, and (line where the row starts, record or problem) for each row below it."""
    text = decode_import(raw)
    if not text.strip():
        raise ImportFormatError("the CSV file is empty")
    # newline="" splits lines as csv does, so a line here is a line in the file.
    lines = io.StringIO(text, newline="").readlines()
    for index, line in enumerate(lines):  # noqa: B007 - index is the header's line, used below
        # Excel's "Unicode text" export is tab-separated.
        delimiter = "\t" if "\t" in line and "," not in line else ","
        # Each line is tried alone, so a stray quote in LinkedIn's "Notes:"
        # preamble cannot swallow the header into one long cell.
        try:
            header = [cell.replace("\ufeff", "").strip().casefold()
                      for cell in next(csv.reader([line], delimiter=delimiter), [])]
        except csv.Error:
            continue
        if is_header(header):
            break
    else:
        raise ImportFormatError(expected)
    return header, _records(lines[index + 1:], index + 1, header, delimiter)


def _records(
    lines: list[str], offset: int, header: list[str], delimiter: str
) -> Iterator[tuple[int, Record | str]]:
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    while True:
        start = offset + reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield start, f"unreadable CSV row, skipped: {e}"
            continue
        if not any(cell.strip() for cell in row):
            continue
        record: Record = {}
        # A short row leaves the rest blank; a cell under a blank header is still kept.
        for number, (name, cell) in enumerate(zip(header, row, strict=False), 1):
            cell = cell.strip().replace("\r\n", "\n").replace("\r", "\n")
            record.setdefault(name or f"column {number}", cell)
        yield start, record


def _values(cell: str) -> list[str]:
    """Google puts several values in one cell, separated by ` ::: `."""
    return [v.strip() for v in cell.split(":::") if v.strip()]


def _looks_google(header: list[str]) -> bool:
    return any(_NUMBERED.fullmatch(name) for name in header)


def _add_extra(contact: Contact, key: str, value: str) -> None:
    old = contact.extra.get(key)
    if old is None:
        contact.extra[key] = value
    else:
        contact.extra[key] = [*([old] if isinstance(old, str) else old), value]


# --- LinkedIn -----------------------------------------------------------------


def parse_linkedin(raw: bytes) -> ParsedFile:
    """LinkedIn's Connections.csv (Settings > Data privacy > Get a copy of your data)."""
    header, records = _read(
        raw,
        lambda h: "first name" in h and "last name" in h,
        "not a LinkedIn Connections.csv: no header row with 'First Name' and 'Last Name'",
    )
    if _looks_google(header):
        raise ImportFormatError("this is a Google Contacts CSV, not LinkedIn's Connections.csv")
    if _outlook_header(header):
        raise ImportFormatError("this is an Outlook CSV, not LinkedIn's Connections.csv: "
                                "import it with `import outlook`")
    result = ParsedFile()
    for line, record in records:
        if isinstance(record, str):
            result.problems.append(ImportProblem(line, record))
            continue
        first, last = record.get("first name", ""), record.get("last name", "")
        name = f"{first} {last}".strip()
        if not name:
            hint = record.get("url") or record.get("email address") or ""
            result.problems.append(
                ImportProblem(line, "row has no First Name or Last Name, skipped"
                              + (f": {hint}" if hint else ""))
            )
            continue
        contact = Contact(
            name=name, line=line, given=first, family=last, source="linkedin",
            emails=unique([record.get("email address", "")]),
            company=record.get("company", ""), role=record.get("position", ""),
            linkedin=record.get("url", ""),
        )
        connected = record.get("connected on", "")
        if connected:
            contact.connected = _connected_on(connected) or ""
            if not contact.connected:
                result.problems.append(
                    ImportProblem(line, f"Connected On {connected!r} is not a date; left out")
                )
        result.contacts.append(contact)
    return result


def _connected_on(text: str) -> str | None:
    """LinkedIn writes `15 Mar 2023`; a spreadsheet may have turned it into ISO."""
    if m := re.fullmatch(r"([0-9]{1,2})[ -]([A-Za-z]{3})[A-Za-z]*\.?[ -]([0-9]{4})", text):
        month = m[2].lower()
        if month in _MONTHS:
            try:
                return dt.date(int(m[3]), _MONTHS.index(month) + 1, int(m[1])).isoformat()
            except ValueError:
                return None
        return None
    day = normalise_date(text)
    return day if day and not day.startswith("--") else None


# --- Google -------------------------------------------------------------------

_GOOGLE_NAMES = {"first name", "last name", "name", "given name", "family name"}
_GOOGLE_ONLY = {
    "middle name", "additional name", "name prefix", "name suffix", "nickname", "file as",
    "organization name", "organization title", "labels", "group membership",
}
_STANDARD_LABELS = {"home", "work", "mobile", "other", "main", "home fax", "work fax",
                    "pager", "google voice", "school", "workmobile", "workpager"}


def _google_header(header: list[str]) -> bool:
    return bool(_GOOGLE_NAMES.intersection(header)) and (
        _looks_google(header) or bool(_GOOGLE_ONLY.intersection(header))
    )


def parse_google(raw: bytes) -> ParsedFile:
    """A Google Contacts export: "Google CSV" (current or legacy header), or "Outlook CSV",
    the other layout Google exports (read as Outlook's, not as Google's with every value in
    the wrong place)."""
    header, records = _read(
        raw,
        lambda h: _google_header(h) or _outlook_header(h),
        "not a Google Contacts CSV: no header row with Google's name columns "
        "('First Name'/'Last Name' or 'Name'/'Given Name'/'Family Name') "
        "and numbered columns like 'E-mail 1 - Value'",
    )
    if _outlook_header(header):
        return _outlook_file(header, records)
    # Numbered groups in the header's order: {"e-mail": [(1, {"value": column, ...}), ...]}
    groups: dict[str, dict[int, dict[str, str]]] = {}
    for name in header:
        if m := _NUMBERED.fullmatch(name):
            groups.setdefault(m[1], {}).setdefault(int(m[2]), {})[m[3]] = name
    numbered = {base: sorted(by_index.items()) for base, by_index in groups.items()}
    result = ParsedFile()
    for line, record in records:
        if isinstance(record, str):
            result.problems.append(ImportProblem(line, record))
            continue
        contact = _google_contact(record, numbered, line, result.problems)
        if contact is not None:
            result.contacts.append(contact)
    return result


def _google_contact(
    record: Record,
    numbered: dict[str, list[tuple[int, dict[str, str]]]],
    line: int,
    problems: list[ImportProblem],
) -> Contact | None:
    used: set[str] = {"photo"}  # a link to Google's copy of the picture: nothing to keep

    def get(*columns: str) -> str:
        used.update(columns)
        return next((record[c] for c in columns if c and record.get(c)), "")

    def entries(base: str) -> list[tuple[str, dict[str, str]]]:
        """(label, sub-columns) of each numbered group, the primary one (`* Work`) first."""
        found = []
        for _, subs in numbered.get(base, []):
            raw_label = get(subs.get("label", ""), subs.get("type", ""))
            label = raw_label.lstrip("* ").strip()
            label = label.lower() if label.lower() in _STANDARD_LABELS else label
            found.append((not raw_label.startswith("*"), label, subs))
        return [(label, subs) for _, label, subs in sorted(found, key=lambda e: e[0])]

    def values(subs: dict[str, str], sub: str = "value") -> list[str]:
        return _values(get(subs.get(sub, "")))

    c = Contact(name="", line=line, source="google")
    c.given = get("first name", "given name")
    c.family = get("last name", "family name")
    c.middle = get("middle name", "additional name")
    c.prefix, c.suffix = get("name prefix", "title"), get("name suffix", "suffix")
    c.name = get("name") or " ".join(p for p in (c.given, c.middle, c.family) if p)
    c.aliases = _values(get("nickname"))
    if not c.name and c.aliases:
        c.name = c.aliases.pop(0)

    companies, roles = _values(get("organization name")), _values(get("organization title"))
    c.company, c.role = (companies or [""])[0], (roles or [""])[0]
    for value in companies[1:]:
        _add_extra(c, "organization_name", value)
    for value in roles[1:]:
        _add_extra(c, "organization_title", value)
    c.departments = _values(get("organization department"))
    for _, subs in entries("organization"):  # the legacy header's "Organization 1 - Name"
        if not (c.company or c.role):
            c.company, c.role = get(subs.get("name", "")), get(subs.get("title", ""))
            c.departments = _values(get(subs.get("department", "")))

    for label, subs in entries("e-mail"):
        for value in values(subs):
            c.emails.append(value)
            if label:
                c.email_labels.setdefault(value, label)
    for label, subs in entries("phone"):
        for value in values(subs):
            c.phones.append(value)
            if label:
                c.phone_labels.setdefault(value, label)
    for label, subs in entries("website"):
        for value in values(subs):
            if ("linkedin.com" in value.lower() or label.lower() == "linkedin") and not c.linkedin:
                c.linkedin = value
            else:
                c.urls.append(value)
    for _, subs in entries("relation"):
        c.knows.extend(values(subs))

    lines, addresses = [], []
    for label, subs in entries("address"):
        columns = dict(zip(ADDRESS_PARTS, ("po box", "extended address", "street", "city", "region",
                                           "postal code", "country")))
        parts = {part: get(subs.get(column, "")) for part, column in columns.items()}
        address = {part: value for part, value in parts.items() if value}
        if label and address:
            address["type"] = label
        # Google always fills the formatted address, which is how its own page shows it;
        # a hand-made file may have only the parts.
        formatted = values(subs, "formatted")
        lines += [", ".join(ln.strip() for ln in v.splitlines() if ln.strip()) for v in formatted]
        if not formatted and address_line(address):
            lines.append(address_line(address))
        if address_line(address):
            addresses.append(address)
    lines = unique(lines + [get("location")])  # the legacy header's own column
    c.location = lines[0] if lines else ""
    for value in lines[1:]:
        _add_extra(c, "other_location", value)
    if addresses and not rich_address(addresses[0]) and _same_line(addresses[0], c.location):
        addresses[0] = {}  # a street alone: the location says it all
    c.addresses = addresses

    for base in ("custom field", "event"):
        for label, subs in entries(base):
            for value in values(subs):
                _add_extra(c, _snake(label) or _snake(subs.get("value", base)), value)

    c.tags = [t for t in _values(get("labels", "group membership")) if not t.startswith("*")]
    birthday = get("birthday")
    if birthday:
        c.birthday = normalise_date(birthday) or ""
        if not c.birthday:
            message = f"Birthday {birthday!r} is not a date; kept as birthday_text"
            problems.append(ImportProblem(line, message))
            _add_extra(c, "birthday_text", birthday)
    c.note = get("notes")

    for column, value in record.items():
        if value and column not in used:
            _add_extra(c, _snake(column), value)

    if not c.name:
        hint = next(iter(c.emails + c.phones + [c.company]), "")
        problems.append(
            ImportProblem(line, "row has no name, skipped" + (f": {hint}" if hint else ""))
        )
        return None
    c.emails = unique(c.emails)
    c.phones = unique(c.phones, key=phone_key)
    c.email_labels = labels_for(c.emails, c.email_labels)
    c.phone_labels = labels_for(c.phones, c.phone_labels, phone_key)
    c.aliases = [a for a in unique(c.aliases) if a.casefold() != c.name.casefold()]
    c.tags, c.urls, c.knows = unique(c.tags), unique(c.urls), unique(c.knows)
    return c


def _same_line(address: dict[str, str], line: str) -> bool:
    return address_line(address).casefold() == line.casefold()


def _snake(text: str) -> str:
    return re.sub(r"\W+", "_", text.casefold()).strip("_")


# --- Outlook ------------------------------------------------------------------
# Outlook's own export, and Google's "Outlook CSV": one column per value, named in English
# ("E-mail 2 Address", "Business Phone", "Home Street"), never numbered groups.

_OUTLOOK_ONLY = {"e-mail address", "e-mail 2 address", "business phone", "home phone",
                 "mobile phone", "primary phone", "job title", "business street", "home street",
                 "web page", "personal web page"}
_OUTLOOK_PHONES = {
    "primary phone": "main", "home phone": "home", "home phone 2": "home", "business phone": "work",
    "business phone 2": "work", "mobile phone": "mobile", "car phone": "car", "other phone": "other",
    "pager": "pager", "business fax": "work fax", "home fax": "home fax", "other fax": "other fax",
    "company main phone": "company main", "callback": "callback", "radio phone": "radio",
    "telex": "telex", "tty/tdd phone": "tty/tdd", "isdn": "isdn", "assistant's phone": "assistant",
}
_OUTLOOK_ADDRESS_TYPES = {"home": "home", "business": "work", "other": "other"}
# Google's own groups, which its Outlook export writes as categories: every contact is in them
_SYSTEM_GROUPS = {"mycontacts", "starred"}
# Outlook writes an empty date as 0/0/00
_EMPTY_DATE = re.compile(r"0?0/0?0/(00)?00")
_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def _outlook_header(header: list[str]) -> bool:
    return (bool({"first name", "last name", "name"}.intersection(header))
            and not _looks_google(header) and len(_OUTLOOK_ONLY.intersection(header)) >= 2)


def parse_outlook(raw: bytes) -> ParsedFile:
    """An Outlook contacts CSV (Outlook's export, or Google Contacts' "Outlook CSV")."""
    header, records = _read(
        raw, lambda h: _outlook_header(h) or _google_header(h),
        "not an Outlook CSV: no header row with 'First Name'/'Last Name' and Outlook's columns "
        "like 'E-mail Address' and 'Business Phone'")
    if not _outlook_header(header):
        raise ImportFormatError("this is a Google Contacts CSV, not an Outlook one: "
                                "import it with `import google`")
    return _outlook_file(header, records)


def _outlook_file(header: list[str], records: Iterator[tuple[int, Record | str]]) -> ParsedFile:
    result = ParsedFile()
    for line, record in records:
        if isinstance(record, str):
            result.problems.append(ImportProblem(line, record))
            continue
        contact = _outlook_contact(record, header, line, result.problems)
        if contact is not None:
            result.contacts.append(contact)
    return result


def _outlook_contact(record: Record, header: list[str], line: int,
                     problems: list[ImportProblem]) -> Contact | None:
    used: set[str] = set()

    def get(*columns: str) -> str:
        used.update(columns)
        return next((record[c] for c in columns if record.get(c)), "")

    c = Contact(name="", line=line, source="outlook")
    c.given, c.middle, c.family = get("first name"), get("middle name"), get("last name")
    c.prefix, c.suffix = get("title"), get("suffix")
    c.name = get("name") or " ".join(p for p in (c.given, c.middle, c.family) if p)
    c.aliases = [get("nickname")] if get("nickname") else []
    if not c.name and c.aliases:
        c.name = c.aliases.pop(0)
    c.company, c.role = get("company"), get("job title")
    c.departments = [get("department")] if get("department") else []
    c.emails = [get(f"e-mail{n} address", f"email{n} address") for n in ("", " 2", " 3")]
    used.update(f"e-mail{n} type" for n in ("", " 2", " 3"))  # SMTP or EX: how, not which
    for column in (h for h in header if h in _OUTLOOK_PHONES):  # in the file's order
        if value := get(column):
            c.phones.append(value)
            c.phone_labels.setdefault(value, _OUTLOOK_PHONES[column])
    addresses = []
    for prefix in sorted(_OUTLOOK_ADDRESS_TYPES, key=lambda p: _first_column(header, p)):
        street = "\n".join(v for n in ("", " 2", " 3") if (v := get(f"{prefix} street{n}")))
        address = {"po_box": get(f"{prefix} address po box", f"{prefix} po box"), "street": street,
                   "city": get(f"{prefix} city"), "region": get(f"{prefix} state"),
                   "postal_code": get(f"{prefix} postal code"),
                   "country": get(f"{prefix} country/region", f"{prefix} country")}
        address = {k: v for k, v in address.items() if v}
        formatted = get(f"{prefix} address")
        if not address and formatted:
            address = {"street": formatted}
        if address_line(address):
            addresses.append({**address, "type": _OUTLOOK_ADDRESS_TYPES[prefix]})
    if addresses:
        c.location = address_line(addresses[0])
        c.addresses = addresses
    for value in (get("web page"), get("personal web page")):
        if value and "linkedin.com" in value.lower() and not c.linkedin:
            c.linkedin = value
        elif value:
            c.urls.append(value)
    c.tags = [t for t in re.split(r"[;,]", get("categories")) if t.strip()
              and t.strip().casefold() not in _SYSTEM_GROUPS]
    c.note = get("notes")
    for column, key in (("birthday", "birthday"), ("anniversary", "anniversary")):
        text = get(column)
        if not text or _EMPTY_DATE.fullmatch(text):
            continue
        day = normalise_date(text) or _us_date(text)
        if key == "birthday" and day:
            c.birthday = day
        elif day:
            _add_extra(c, key, day)
        else:
            problems.append(ImportProblem(line, f"{column.title()} {text!r} is not a date; "
                                                f"kept as {key}_text"))
            _add_extra(c, f"{key}_text", text)
    for column, value in record.items():
        if value and column not in used:
            _add_extra(c, _snake(column), value)
    if not c.name:
        hint = next(iter([e for e in c.emails if e] + c.phones + [c.company]), "")
        problems.append(ImportProblem(line, "row has no name, skipped" + (f": {hint}" if hint else "")))
        return None
    c.emails = unique(c.emails)
    c.phones = unique(c.phones, key=phone_key)
    c.phone_labels = labels_for(c.phones, c.phone_labels, phone_key)
    c.aliases = [a for a in unique(c.aliases) if a.casefold() != c.name.casefold()]
    c.tags, c.urls = unique(c.tags), unique(c.urls)
    return c


def _first_column(header: list[str], prefix: str) -> int:
    return next((i for i, name in enumerate(header) if name.startswith(prefix + " ")), len(header))


def _us_date(text: str) -> str | None:
    """Outlook writes dates as its locale does: M/D/YYYY in the US, D/M/YYYY in most of the
    world. Only a date that reads one way (a day over 12, or day and month the same) is taken."""
    m = _US_DATE.fullmatch(text.strip())
    if not m:
        return None
    first, second = int(m[1]), int(m[2])
    if first > 12 >= second:
        first, second = second, first  # D/M/YYYY
    elif second <= 12 and first != second:
        return None  # 3/4/1980: March 4 or 3 April
    try:
        return dt.date(int(m[3]), first, second).isoformat()
    except ValueError:
        return None
