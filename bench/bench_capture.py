#!/usr/bin/env python3
"""Benchmark `vaultnet import mail` and `vaultnet import calendar` on large generated exports.

Mail: an mbox of N messages in the shapes real exports have (Received chains, a
DKIM signature, multipart bodies, 3% with a 40 KB attachment, 40% bulk, some
unescaped "From " lines in bodies), for two sizes. Each run is its own process
with its own peak memory (ru_maxrss from wait4):

- the reader alone (`interop.mail.read_mail` over the file);
- the floor: a bare `mailbox.mbox` read of the same file's headers
  (`for msg in mailbox.mbox(path): msg["From"], msg["To"], ...`);
- the whole command, `import mail --dry-run`, on a vault of 50 people.

Calendar: a Google-style export of E events (singles, weekly series with EXDATEs
and moved occurrences, attendees among the 50 people), through `import calendar`
(written; the new notes indexed, as the next command's sync does; then again:
nothing new), against the floor of icalendar parsing the file and
recurring-ical-events expanding it in one query.

    .venv/bin/python bench/bench_capture.py                      # 25,000 and 100,000 messages; 5,000 events
    .venv/bin/python bench/bench_capture.py --sizes 2000 --events 500

The table goes to stdout, progress to stderr. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_index import FIRST, LAST, progress, run_child

GOAL_READER_VS_FLOOR = 2.0
PEOPLE = 50

FLOOR = """
import mailbox, sys
n = 0
for msg in mailbox.mbox(sys.argv[1]):
    _ = (msg["From"], msg["To"], msg["Cc"], msg["Subject"], msg["Date"], msg["List-Id"])
    n += 1
print(n)
"""
READER = """
import sys
from pathlib import Path
from vaultnet.interop.mail import read_mail
print(sum(1 for _ in read_mail(Path(sys.argv[1]))))
"""
CALENDAR_FLOOR = """
import datetime as dt, sys
import icalendar, recurring_ical_events
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
print(len(list(recurring_ical_events.of(cal).between(dt.date(2025, 11, 21), dt.date(2026, 11, 24)))))
"""


def people(rng: random.Random) -> list[tuple[str, str]]:
    firsts, lasts = list(FIRST), list(LAST)
    out = []
    while len(out) < PEOPLE:
        first, last = rng.choice(firsts), rng.choice(lasts)
        if all(name != f"{first} {last}" for name, _ in out):
            out.append((f"{first} {last}", f"{first.lower()}.{last.lower()}@example.com"))
    return out


def make_vault(root: Path, folks: list[tuple[str, str]]) -> None:
    (root / ".vaultnet").mkdir(parents=True)
    (root / ".vaultnet" / "config.toml").write_text('people_dirs = ["People"]\nme = "Me"\n')
    (root / "People").mkdir()
    (root / "Me.md").write_text("---\ntype: person\nemail: me@example.org\n---\n# Me\n")
    for name, email in folks:
        (root / "People" / f"{name}.md").write_text(f"---\ntype: person\nemail: {email}\n---\n# {name}\n\n## Log\n")


def generate_mbox(path: Path, n: int, folks: list[tuple[str, str]], seed: int) -> None:
    rng = random.Random(seed)
    strangers = [(f"Stranger {i}", f"someone{i}@elsewhere.example") for i in range(2000)]
    attachment = base64.encodebytes(rng.randbytes(30_000)).decode()
    words = "lorem ipsum dolor sit amet from here on the plan is to ship".split()
    start = dt.datetime(2025, 12, 1, tzinfo=dt.timezone.utc)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for i in range(n):
            when = start + dt.timedelta(seconds=300 * i * 100_000 // max(n, 1))
            sender = rng.choice(folks if rng.random() < 0.3 else strangers)
            to = [("Me", "me@example.org")] + rng.sample(folks + strangers, rng.choice((0, 0, 1, 2)))
            bulk = rng.random() < 0.4
            stamp = when.strftime("%a, %d %b %Y %H:%M:%S +0000")
            headers = [f"From {sender[1]} {when:%a %b %d %H:%M:%S %Y}", f"Return-Path: <{sender[1]}>"]
            headers += [f"Received: from mx{j}.example.net (mx{j}.example.net [10.0.0.{j}])\n\tby mail.example.org "
                        f"with ESMTPS id {rng.getrandbits(64):x}\n\tfor <me@example.org>; {stamp}" for j in range(3)]
            headers += ["DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel;\n"
                        "\th=from:to:subject:date:message-id;\n\tbh=" + base64.b64encode(rng.randbytes(32)).decode()
                        + ";\n\tb=" + base64.b64encode(rng.randbytes(180)).decode(),
                        f"From: {sender[0]} <{sender[1]}>", "To: " + ", ".join(f"{a} <{b}>" for a, b in to),
                        f"Subject: {'Re: ' if rng.random() < 0.5 else ''}Thread {rng.randrange(400)} "
                        "=?utf-8?q?caf=C3=A9?=",
                        f"Date: {stamp}", f"Message-ID: <{i}.{rng.getrandbits(32):x}@example.com>"]
            if bulk:
                headers += ["List-Unsubscribe: <mailto:unsubscribe@example.com>", "Precedence: bulk"]
            headers += ["MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="b1"']
            body = ["--b1", "Content-Type: text/plain; charset=utf-8", ""]
            body += [" ".join(rng.choice(words) for _ in range(12)) for _ in range(rng.randint(10, 40))]
            if rng.random() < 0.05:
                body.append("From the desk of the author: a line an mboxo writer left unescaped")
            body.append(">From an escaped line")
            if rng.random() < 0.03:
                body += ["--b1", "Content-Type: application/octet-stream", "Content-Transfer-Encoding: base64", "",
                         attachment]
            body += ["--b1--", ""]
            fh.write("\n".join(headers) + "\n\n" + "\n".join(body) + "\n")


def generate_calendar(path: Path, events: int, folks: list[tuple[str, str]], seed: int) -> None:
    rng = random.Random(seed)
    out = ["BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
           "CALSCALE:GREGORIAN", "X-WR-CALNAME:me@example.org", "X-WR-TIMEZONE:Europe/Amsterdam",
           "BEGIN:VTIMEZONE", "TZID:Europe/Amsterdam", "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
           "DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT", "BEGIN:STANDARD",
           "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "DTSTART:19701025T030000",
           "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD", "END:VTIMEZONE"]
    start = dt.datetime(2025, 11, 24, 9, 0)
    for i in range(events):
        when = start + dt.timedelta(hours=rng.randrange(365 * 24))
        guests = rng.sample(folks, rng.choice((1, 1, 2, 3)))
        lines = [f"UID:event-{i}@google.com", f"SUMMARY:Meeting {i} about {rng.choice(['the plan', 'hiring'])}",
                 "ORGANIZER;CN=me@example.org:mailto:me@example.org",
                 "ATTENDEE;PARTSTAT=ACCEPTED;CN=me@example.org:mailto:me@example.org"]
        lines += [f"ATTENDEE;PARTSTAT=ACCEPTED;CN={name}:mailto:{email}" for name, email in guests]
        if i % 5 == 0:  # a weekly series
            rule = [f"DTSTART;TZID=Europe/Amsterdam:{when:%Y%m%dT%H%M00}", "RRULE:FREQ=WEEKLY;COUNT=12",
                    f"EXDATE;TZID=Europe/Amsterdam:{when + dt.timedelta(weeks=2):%Y%m%dT%H%M00}"]
            out += ["BEGIN:VEVENT", *lines, *rule, "END:VEVENT"]
            moved = when + dt.timedelta(weeks=4)
            out += ["BEGIN:VEVENT", f"UID:event-{i}@google.com", f"RECURRENCE-ID;TZID=Europe/Amsterdam:"
                    f"{moved:%Y%m%dT%H%M00}", f"DTSTART;TZID=Europe/Amsterdam:{moved + dt.timedelta(days=1):%Y%m%dT%H%M00}",
                    f"SUMMARY:Meeting {i} (moved)", *lines[2:], "END:VEVENT"]
        else:
            out += ["BEGIN:VEVENT", f"DTSTART:{when - dt.timedelta(hours=1):%Y%m%dT%H%M00}Z", *lines, "END:VEVENT"]
    out.append("END:VCALENDAR")
    path.write_bytes(("\r\n".join(out) + "\r\n").encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="25000,100000", help="messages per mbox, comma-separated")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    python = sys.executable
    vaultnet = str(Path(python).with_name("vaultnet"))
    base = Path(tempfile.mkdtemp(prefix="vaultnet-bench-capture-"))
    rng = random.Random(args.seed)
    folks = people(rng)
    rows = []
    try:
        vault = base / "vault"
        make_vault(vault, folks)
        run_child([vaultnet, "--vault", str(vault), "--quiet", "index"])
        for n in (int(s) for s in args.sizes.split(",")):
            path = base / f"mail-{n}.mbox"
            progress(f"bench: generating an mbox of {n:,} messages")
            generate_mbox(path, n, folks, args.seed)
            size_mb = path.stat().st_size / 1e6
            progress(f"bench: {size_mb:,.0f} MB; the floor (mailbox.mbox headers), the reader, the command")
            floor = run_child([python, "-c", FLOOR, str(path)])
            reader = run_child([python, "-c", READER, str(path)])
            command = run_child([vaultnet, "--vault", str(vault), "--today", "2026-11-22", "--quiet", "import",
                                 "mail", str(path), "--dry-run"])
            rows.append((n, size_mb, int(reader.stdout), int(floor.stdout), floor, reader, command))
            path.unlink()
        progress(f"bench: a calendar of {args.events:,} events")
        ics = base / "calendar.ics"
        generate_calendar(ics, args.events, folks, args.seed)
        cal_floor = run_child([python, "-c", CALENDAR_FLOOR, str(ics)])
        cal_first = run_child([vaultnet, "--vault", str(vault), "--today", "2026-11-22", "--quiet", "import",
                               "calendar", str(ics)])
        cal_index = run_child([vaultnet, "--vault", str(vault), "--quiet", "index"])
        cal_again = run_child([vaultnet, "--vault", str(vault), "--today", "2026-11-22", "--quiet", "import",
                               "calendar", str(ics)])
        notes = sum(1 for _ in (vault / "Meetings").glob("*.md"))
    finally:
        shutil.rmtree(base, ignore_errors=True)

    print("| mbox | MB | messages | floor s | floor MB | reader s | msg/s | reader MB | reader/floor | goal "
          "| import --dry-run s | MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n, size_mb, read, split, floor, reader, command in rows:
        print(f"| {n:,} | {size_mb:,.0f} | {read:,} (mailbox.mbox: {split:,}) | {floor.seconds:.1f} | "
              f"{floor.maxrss_mb:.0f} | {reader.seconds:.1f} | {read / reader.seconds:,.0f} | {reader.maxrss_mb:.0f} | "
              f"{reader.seconds / floor.seconds:.2f}x | <= {GOAL_READER_VS_FLOOR:g}x | {command.seconds:.1f} | "
              f"{command.maxrss_mb:.0f} |")
    print()
    print("| calendar | occurrences | floor s | import s | events/s | MB | import/floor | notes written "
          "| index them s | again s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.events:,} events | {int(cal_floor.stdout):,} | {cal_floor.seconds:.1f} | "
          f"{cal_first.seconds:.1f} | {args.events / cal_first.seconds:,.0f} | {cal_first.maxrss_mb:.0f} | "
          f"{cal_first.seconds / cal_floor.seconds:.2f}x | {notes:,} | {cal_index.seconds:.1f} | {cal_again.seconds:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
