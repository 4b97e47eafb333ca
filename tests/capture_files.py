"""Calendar and mail files in the shapes real programs write, small enough to read in a test.

Written for these tests after the exports of Google Calendar, Outlook (Exchange),
Apple Calendar (iCloud), Thunderbird, Gmail's Takeout and Maildir programs:
their PRODIDs, time-zone blocks, attendee parameters, From_ lines and line ends.
"""

from __future__ import annotations

from pathlib import Path

ADA = "---\ntype: person\nemails:\n  - ada@engines.example\n  - ada.l@fastmail.example\naliases: [Countess]\n---\n# Ada\n\n## Log\n"
BOB = "---\ntype: person\nemail: bob@initech.example\n---\n# Bob\n"
GRACE = "---\ntype: person\nname: Grace Hopper\n---\n# Grace (no email in her note)\n"
ME = "---\ntype: person\nname: Sam Rivera\nemail: sam@acme.example\n---\n# Me\n"
CONFIG = 'people_dirs = ["People"]\nme = "Me"\n'
PEOPLE = {"People/Ada Lovelace.md": ADA, "People/Bob Lee.md": BOB, "People/Grace Hopper.md": GRACE, "Me.md": ME}


def ics(*events: str, head: str = "", prodid: str = "-//Google Inc//Google Calendar 70.9054//EN") -> bytes:
    """A calendar around `events` (each the lines between BEGIN:VEVENT and END:VEVENT), CRLF."""
    text = (f"BEGIN:VCALENDAR\nPRODID:{prodid}\nVERSION:2.0\nCALSCALE:GREGORIAN\n{head}"
            + "".join(f"BEGIN:VEVENT\n{e.strip()}\nEND:VEVENT\n" for e in events) + "END:VCALENDAR\n")
    return text.replace("\n", "\r\n").encode("utf-8")


AMSTERDAM = """BEGIN:VTIMEZONE
TZID:Europe/Amsterdam
X-LIC-LOCATION:Europe/Amsterdam
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""

# Outlook names its zones the Windows way and writes the rules it means.
W_EUROPE = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""


def google_event(uid: str, start: str, summary: str, *attendees: str, extra: str = "",
                 status: str = "CONFIRMED") -> str:
    """Google: UTC times (meant in X-WR-TIMEZONE), CN=the address for people without a name."""
    lines = [f"DTSTART:{start}", "DTSTAMP:20261121T090000Z", f"UID:{uid}",
             "ORGANIZER;CN=sam@acme.example:mailto:sam@acme.example",
             "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=sam@acme.example;"
             "X-NUM-GUESTS=0:mailto:sam@acme.example",
             *attendees, f"SUMMARY:{summary}", f"STATUS:{status}", "SEQUENCE:0"]
    return "\n".join(lines) + ("\n" + extra.strip() if extra.strip() else "")


def attendee(email: str, cn: str | None = None, partstat: str = "ACCEPTED", cutype: str = "INDIVIDUAL") -> str:
    cn_part = f";CN={cn}" if cn is not None else ""
    return f"ATTENDEE;CUTYPE={cutype};ROLE=REQ-PARTICIPANT;PARTSTAT={partstat}{cn_part}:mailto:{email}"


# ------------------------------------------------------------------------------------ mail


def message(frm: str, to: str, subject: str | None, date: str | None, *, cc: str = "", extra: str = "",
            body: str = "Hello.\n", message_id: str = "") -> str:
    headers = [f"From: {frm}", f"To: {to}"]
    if cc:
        headers.append(f"Cc: {cc}")
    if subject is not None:
        headers.append(f"Subject: {subject}")
    if date is not None:
        headers.append(f"Date: {date}")
    headers.append(f"Message-ID: <{message_id or abs(hash((frm, to, subject, date)))}@test.example>")
    if extra:
        headers += extra.strip().split("\n")
    return "\n".join(headers) + "\n\n" + body


def mbox(*messages: str, from_line: str = "From - Tue Nov 03 18:02:11 2026", crlf: bool = False,
         escape: bool = True) -> bytes:
    """An mbox: mboxrd escaping (a body line starting with From, or >From, gets one more `>`)
    unless `escape` is off (mboxo writers and careless ones leave them)."""
    parts = []
    for m in messages:
        head, _, body = m.partition("\n\n")
        lines = body.split("\n")
        if escape:
            lines = [">" + line if line.lstrip(">").startswith("From ") else line for line in lines]
        parts.append(f"{from_line}\n{head}\n\n" + "\n".join(lines).rstrip("\n") + "\n\n")
    text = "".join(parts)
    if crlf:
        text = text.replace("\n", "\r\n")
    return text.encode("utf-8")


def maildir(root: Path, messages: dict[str, str | bytes]) -> Path:
    """A Maildir with `cur/`, `new/` and `tmp/`; keys are 'cur/NAME' or 'new/NAME'."""
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for rel, content in messages.items():
        (root / rel).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root
