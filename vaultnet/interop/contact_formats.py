"""Contact files in: which reader reads which format."""

from __future__ import annotations

from ..notes.contact import ParsedFile

FORMATS = ("vcard", "linkedin", "google", "outlook")


def parse_file(kind: str, raw: bytes) -> ParsedFile:
    """The records of a vCard file, a LinkedIn Connections.csv or a Google Contacts CSV."""
    if kind == "vcard":
        from .vcard import parse_vcard

        return parse_vcard(raw)
    from .contact_csv import parse_google, parse_linkedin, parse_outlook

    if kind == "outlook":
        return parse_outlook(raw)
    return parse_linkedin(raw) if kind == "linkedin" else parse_google(raw)
