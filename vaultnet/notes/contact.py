"""A person's contact details, as import files give them and as exports write them.

`Contact` is the one shape every importer produces and every exporter takes,
so the file formats never meet the vault directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Contact:
    name: str
    line: int = 0  # where the record starts in the file it came from (1-based)
    # the structured name (vCard N, a CSV's name columns), as the file gave it
    given: str = ""
    family: str = ""
    middle: str = ""
    prefix: str = ""  # Mr., Dr.
    suffix: str = ""  # Jr., PhD
    aliases: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    # value -> label ("work", "mobile", an X-ABLabel): kept only where the file gave one
    email_labels: dict[str, str] = field(default_factory=dict)
    phone_labels: dict[str, str] = field(default_factory=dict)
    company: str = ""
    departments: list[str] = field(default_factory=list)  # the units of ORG after the company
    role: str = ""
    birthday: str = ""  # YYYY-MM-DD, or --MM-DD when the year is unknown
    tags: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    linkedin: str = ""
    location: str = ""  # an address on one line
    # Each address's parts (ADDRESS_PARTS) and its "type" label; addresses[0] is the one
    # `location` shows, {} where there is none (an address with only a street is all in location).
    addresses: list[dict[str, str]] = field(default_factory=list)
    knows: list[str] = field(default_factory=list)  # names of people this one knows
    note: str = ""  # free text, becomes the note's body
    connected: str = ""  # YYYY-MM-DD, when you connected (LinkedIn's Connected On)
    source: str = ""  # "vcard", "linkedin", "google"
    # properties with no field of their own, kept under their own key
    extra: dict[str, str | list[str]] = field(default_factory=dict)
    # keys of `extra` that are a note's own keys, named by a vaultnet backup: never renamed
    own_keys: list[str] = field(default_factory=list)
    path: str = ""  # the note it came from, for exports
    # the note's whole frontmatter as written (cadence, met, follow_up...), so a JSON backup has it all
    frontmatter: dict = field(default_factory=dict)


# vCard ADR's parts, in its order, under the names a note gives them
ADDRESS_PARTS = ("po_box", "extended", "street", "city", "region", "postal_code", "country")


def address_line(address: dict[str, str]) -> str:
    """An address on one line: its parts (each line of a part) joined with commas."""
    lines = (ln.strip() for part in ADDRESS_PARTS for ln in address.get(part, "").splitlines())
    return ", ".join(ln for ln in lines if ln)


def rich_address(address: dict[str, str]) -> bool:
    """More than a street: parts or a label that one line of text would lose."""
    return any(v for k, v in address.items() if k != "street")


def implied_name_parts(c: Contact) -> bool:
    """The structured name says nothing the name does not: `Ada Lovelace` is given Ada, family
    Lovelace. Only then are the parts not kept, and only then does an export split the name."""
    return (not (c.middle or c.prefix or c.suffix) and bool(c.given) and bool(c.family)
            and c.name == f"{c.given} {c.family}" and two_words(c.name) == (c.given, c.family))


def two_words(name: str) -> tuple[str, str] | None:
    """`Ada Lovelace` as (given, family); None for any other shape (one word, three, a comma)."""
    words = name.split(" ")
    if len(words) == 2 and all(w and w.split() == [w] and "," not in w for w in words):
        return words[0], words[1]
    return None


@dataclass(frozen=True)
class ImportProblem:
    line: int | None
    message: str


@dataclass
class ParsedFile:
    contacts: list[Contact] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


def unique(values: list[str], key=str.casefold) -> list[str]:
    """Values in order, without blanks or repeats (compared by `key`)."""
    seen: set[str] = set()
    out = []
    for value in values:
        value = value.strip()
        k = key(value)
        if value and k not in seen:
            seen.add(k)
            out.append(value)
    return out


def labels_for(values: list[str], labels: dict[str, str], key=str.casefold) -> dict[str, str]:
    """The labels of the values kept: a label given to another spelling of a value (`+44 20 7946
    0000` and `+442079460000`, which `unique` keeps once) goes to the spelling kept."""
    by_key: dict[str, str] = {}
    for value, label in labels.items():
        by_key.setdefault(key(value), label)
    return {v: labels.get(v) or by_key[key(v)] for v in values if labels.get(v) or key(v) in by_key}


# "555 1234 ext. 5", "x5", "#5": the extension, whose letters are no digits to dial
_EXTENSION = re.compile(r"(?i)\s*(?:ext\.?|extension|x|#)\s*([0-9]+)\s*$")


def phone_key(phone: str) -> str:
    """Two ways of writing one number compare equal: the digits (letters as the keypad dials
    them, so 1-800-FLOWERS is 1-800-356-9377 and not 1-800-MYFAX), a leading +, the extension."""
    import phonenumbers

    main, extension = phone.strip(), ""
    if m := _EXTENSION.search(main):
        main, extension = main[: m.start()], "x" + m[1]
    dialled = phonenumbers.convert_alpha_characters_in_number(main)
    digits = "".join(ch for ch in dialled if ch.isdigit())
    return ("+" if main.startswith("+") else "") + digits + extension
