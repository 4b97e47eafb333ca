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
    given: str = ""
    family: str = ""
    aliases: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    # value -> label ("work", "mobile", an X-ABLabel): kept only where the file gave one
    email_labels: dict[str, str] = field(default_factory=dict)
    phone_labels: dict[str, str] = field(default_factory=dict)
    company: str = ""
    role: str = ""
    birthday: str = ""  # YYYY-MM-DD, or --MM-DD when the year is unknown
    tags: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    linkedin: str = ""
    location: str = ""  # an address on one line
    knows: list[str] = field(default_factory=list)  # names of people this one knows
    note: str = ""  # free text, becomes the note's body
    connected: str = ""  # YYYY-MM-DD, when you connected (LinkedIn's Connected On)
    source: str = ""  # "vcard", "linkedin", "google"
    # properties with no field of their own, kept under their own key
    extra: dict[str, str | list[str]] = field(default_factory=dict)
    path: str = ""  # the note it came from, for exports
    # the note's whole frontmatter as written (cadence, met, follow_up...), so a JSON backup has it all
    frontmatter: dict = field(default_factory=dict)


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
