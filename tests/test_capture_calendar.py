"""`import calendar` (SPEC §9): the reader on the shapes Google, Outlook and Apple write, bad
files, and the notes it writes, through the real CLI on real vaults on disk."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from vaultnet.errors import ImportFormatError
from vaultnet.interop.calendar import read_calendar
from vaultnet.notes import parse_note

from .capture_files import AMSTERDAM, CONFIG, PEOPLE, W_EUROPE, attendee, google_event, ics
from .conftest import run_subprocess

TODAY = "2026-11-22"
SINCE, UNTIL = dt.date(2025, 11, 22), dt.date(2026, 11, 22)
GOOGLE_HEAD = "METHOD:PUBLISH\nX-WR-CALNAME:sam@acme.example\nX-WR-TIMEZONE:Europe/Amsterdam\n" + AMSTERDAM


def snapshot(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".vaultnet" not in p.parts}


def read(raw: bytes, since=SINCE, until=UNTIL):
    return read_calendar(raw, since, until, name="cal.ics")


# ------------------------------------------------------------------ the reader, on real shapes


def test_google_utc_times_are_days_in_the_calendars_own_zone():
    # 23:30 UTC on the 18th is 00:30 on the 19th in Amsterdam: Google means the latter.
    raw = ics(google_event("late@google.com", "20261118T233000Z", "Late call",
                           attendee("ada@engines.example", "Ada Lovelace")), head=GOOGLE_HEAD)
    [occ] = read(raw).occurrences
    assert occ.day == dt.date(2026, 11, 19)
    # Without X-WR-TIMEZONE a UTC time is a UTC day.
    [plain] = read(ics(google_event("late@google.com", "20261118T233000Z", "Late call"))).occurrences
    assert plain.day == dt.date(2026, 11, 18)


def test_google_attendees_without_a_name_carry_their_address_as_cn():
    raw = ics(google_event("x@google.com", "20261110T090000Z", "Sync",
                           attendee("jamie@talent.example", "jamie@talent.example"),
                           attendee("c_188@resource.calendar.google.com", "Room 4", cutype="RESOURCE")),
              head=GOOGLE_HEAD)
    [occ] = read(raw).occurrences
    people = {(a.name, a.email, a.organizer) for a in occ.attendees}
    # The organizer is an attendee too: one entry; the room is no person; a CN that is the address is no name.
    assert people == {("", "sam@acme.example", True), ("", "jamie@talent.example", False)}


def test_outlook_windows_zone_uppercase_mailto_and_an_organizer_who_is_no_attendee():
    event = """UID:040000008200E00074C5B7101A82E0080000000010D0A9D5F0B1DC01000000000000000
SUMMARY;LANGUAGE=en-US:Roadmap review
DTSTART;TZID=W. Europe Standard Time:20261026T003000
DTEND;TZID=W. Europe Standard Time:20261026T013000
ORGANIZER;CN="Lovelace, Ada":MAILTO:Ada@Engines.example
ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Bob Lee:MAILTO:bob@initech.example
ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=sam@acme.example:MAILTO:sam@acme.example
LOCATION;LANGUAGE=en-US:Teams
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
X-MICROSOFT-CDO-IMPORTANCE:1"""
    raw = ics(event, head=W_EUROPE, prodid="-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN")
    [occ] = read(raw).occurrences
    assert occ.day == dt.date(2026, 10, 26) and occ.title == "Roadmap review" and occ.location == "Teams"
    assert ("Lovelace, Ada", "Ada@Engines.example", True) in {(a.name, a.email, a.organizer) for a in occ.attendees}


def test_apple_addresses_in_the_email_parameter_floating_times_and_all_day_events():
    events = [
        """UID:8A1B-APPLE-1
DTSTART:20261112T180000
DTEND:20261112T190000
SUMMARY:Dinner (floating time)
ATTENDEE;CN="Ada Lovelace";CUTYPE=INDIVIDUAL;EMAIL="ada@engines.example";PARTSTAT=ACCEPTED:urn:uuid:00000000-1111-2222-3333-444444444444
ATTENDEE;CN="Sam Rivera";CUTYPE=INDIVIDUAL;EMAIL="sam@acme.example";PARTSTAT=ACCEPTED;ROLE=CHAIR:urn:uuid:55555555-6666-7777-8888-999999999999
X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC""",
        """UID:8A1B-APPLE-2
DTSTART;VALUE=DATE:20261114
DTEND;VALUE=DATE:20261116
SUMMARY:Offsite
ATTENDEE;CN="Bob Lee";EMAIL="bob@initech.example";PARTSTAT=ACCEPTED:mailto:bob@initech.example""",
    ]
    raw = ics(*events, head=AMSTERDAM, prodid="-//Apple Inc.//macOS 14.5//EN")
    dinner, offsite = read(raw).occurrences
    assert (dinner.day, dinner.all_day) == (dt.date(2026, 11, 12), False)
    assert {a.email for a in dinner.attendees} == {"ada@engines.example", "sam@acme.example"}
    assert (offsite.day, offsite.all_day) == (dt.date(2026, 11, 14), True)


def test_a_series_is_expanded_with_exdate_rdate_and_moved_and_cancelled_occurrences():
    series = """UID:weekly@google.com
DTSTART;TZID=Europe/Amsterdam:20261001T160000
DTEND;TZID=Europe/Amsterdam:20261001T170000
RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20261126T150000Z
EXDATE;TZID=Europe/Amsterdam:20261015T160000
RDATE;TZID=Europe/Amsterdam:20261020T090000
SUMMARY:Guild
ATTENDEE;CN=Ada Lovelace:mailto:ada@engines.example"""
    moved = """UID:weekly@google.com
RECURRENCE-ID;TZID=Europe/Amsterdam:20261105T160000
DTSTART;TZID=Europe/Amsterdam:20261106T110000
DTEND;TZID=Europe/Amsterdam:20261106T120000
SUMMARY:Guild (moved)
ATTENDEE;CN=Ada Lovelace:mailto:ada@engines.example"""
    cancelled = """UID:weekly@google.com
RECURRENCE-ID;TZID=Europe/Amsterdam:20261112T160000
DTSTART;TZID=Europe/Amsterdam:20261112T160000
STATUS:CANCELLED
SUMMARY:Guild"""
    raw = ics(series, moved, cancelled, head=AMSTERDAM)
    found = read(raw).occurrences
    assert [(o.day.isoformat(), o.title, o.cancelled) for o in found] == [
        ("2026-10-01", "Guild", False), ("2026-10-08", "Guild", False),  # 15th: EXDATE
        ("2026-10-20", "Guild", False), ("2026-10-22", "Guild", False),  # 20th: RDATE
        ("2026-10-29", "Guild", False), ("2026-11-06", "Guild (moved)", False),
        ("2026-11-12", "Guild", True), ("2026-11-19", "Guild", False),  # 26th: after `until`
    ]
    assert all(o.recurring and o.uid == "weekly@google.com" for o in found)
    lines = raw.decode().split("\r\n")
    # 1-based lines of the BEGIN:VEVENT before each (0-based) UID line: the override's, the series'.
    override = lines.index("RECURRENCE-ID;TZID=Europe/Amsterdam:20261105T160000") - 1
    assert found[5].line == override and found[0].line == lines.index("UID:weekly@google.com")


def test_the_window_is_since_to_until_both_included():
    raw = ics(*(google_event(f"e{d}@x", f"202611{d:02d}T100000Z", f"day {d}") for d in (9, 10, 20, 21)))
    days = [o.day.day for o in read(raw, dt.date(2026, 11, 10), dt.date(2026, 11, 20)).occurrences]
    assert days == [10, 20]


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("raw, says", [
    (b"", "is empty (0 bytes)"),
    (b"\r\n  \r\n", "is empty (only blank space)"),
    (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nEND:VCARD\r\n", "not an iCalendar file (it starts 'BEGIN:VCARD'"),
    (b"<html><body>Sign in to continue</body></html>", "not an iCalendar file (it starts '<html>"),
    (bytes(range(256)) * 4, "not an iCalendar file"),
    (ics(google_event("a@x", "20261110T100000Z", "A"))[:-40], "cal.ics:5: the file ends inside this VEVENT"),
    (ics(google_event("a@x", "20261110T100000Z", "A")).replace(b"END:VEVENT", b"END:VEVENTT"),
     "END:VEVENTT does not close the VEVENT of line 5"),
    (ics(head="BEGIN:VTIMEZONE\nTZID:X\nBEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+5744\n"
              "TZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\n"), "not a readable iCalendar file"),
])
def test_a_file_that_is_no_whole_calendar_is_refused_with_where(raw, says):
    with pytest.raises(ImportFormatError) as err:
        read(raw)
    assert says in str(err.value) and "nothing imported" in str(err.value)


def test_a_broken_event_is_reported_with_its_line_and_the_others_are_read():
    good = google_event("good@x", "20261110T100000Z", "Good")
    bad_rule = google_event("rule@x", "20261110T100000Z", "Bad rule", extra="RRULE:FREQ=SOMETIMES")
    bad_start = "UID:start@x\nDTSTART:2026XX10T100000Z\nSUMMARY:Bad start"
    no_start = "UID:none@x\nSUMMARY:No start"
    junk_line = google_event("junk@x", "20261111T100000Z", "Junk line", extra="this is no content line")
    raw = ics(good, bad_rule, bad_start, no_start, junk_line)
    result = read(raw)
    assert [o.title for o in result.occurrences] == ["Good", "Junk line"]
    lines = raw.decode().split("\r\n")
    begins = [i + 1 for i, line in enumerate(lines) if line == "BEGIN:VEVENT"]
    where = {p.where: p.message for p in result.problems}
    assert "Bad rule" in where[f"cal.ics:{begins[1]}"] and where[f"cal.ics:{begins[1]}"].endswith("skipped")
    assert "skipped" in where[f"cal.ics:{begins[2]}"] and "no start" in where[f"cal.ics:{begins[3]}"]
    assert "this is no content line" in where[f"cal.ics:{begins[4]}"] and where[f"cal.ics:{begins[4]}"].endswith(
        "ignored")


def test_an_event_without_uid_gets_a_stable_key():
    raw = ics("DTSTART:20261110T100000Z\nSUMMARY:No UID\nATTENDEE;CN=Ada:mailto:ada@engines.example")
    first, again = read(raw).occurrences[0], read(raw).occurrences[0]
    assert first.uid == again.uid and first.uid.startswith("vaultnet-")


# ------------------------------------------------------------------ the notes it writes


def cal_file(tmp_path, raw: bytes, name: str = "cal.ics"):
    path = tmp_path / name
    path.write_bytes(raw)
    return str(path)


def test_a_single_meeting_becomes_a_dated_note_that_counts_as_contact(vault, tmp_path):
    run = vault(PEOPLE, CONFIG)
    raw = ics(google_event("coffee@google.com", "20261118T073000Z", "Coffee with Ada",
                           attendee("ADA@engines.example", "Ada L."), attendee("jamie@talent.example"),
                           extra="LOCATION:Café De Jaren\\, Amsterdam\nDESCRIPTION:private notes"),
              head=GOOGLE_HEAD)
    result = run.ok("--today", TODAY, "import", "calendar", cal_file(tmp_path, raw))
    assert result.stdout.splitlines()[0] == "create Meetings/2026-11-18 Coffee with Ada.md"
    note = (run.root / "Meetings/2026-11-18 Coffee with Ada.md").read_text(encoding="utf-8")
    assert note == ("---\ndate: 2026-11-18\nattendees:\n- '[[Ada Lovelace]]'\n- jamie@talent.example\n"
                    "location: Café De Jaren, Amsterdam\ncalendar_uid: coffee@google.com\n---\n"
                    "# Coffee with Ada\n")
    assert "private notes" not in note  # descriptions are never copied
    assert "jamie@talent.example (1)" in result.stderr
    card = run.json("--today", TODAY, "show", "Ada Lovelace")
    assert card["last_contact"] == "2026-11-18"


def test_a_series_is_one_note_and_a_newer_export_adds_only_the_new_occurrences(vault, tmp_path):
    run = vault(PEOPLE, CONFIG)
    series = google_event("guild@google.com", "20261001T140000Z", "Guild", attendee("ada@engines.example", "Ada"),
                          attendee("bob@initech.example", "Bob Lee"), extra="RRULE:FREQ=WEEKLY;COUNT=8")
    path = cal_file(tmp_path, ics(series, head=GOOGLE_HEAD))
    run.ok("--today", "2026-10-20", "import", "calendar", path)
    note = run.root / "Meetings/Guild.md"
    first = note.read_bytes()
    assert first.decode() == ("---\ncalendar_uid: guild@google.com\n---\n# Guild\n\n## Log\n"
                              "- 2026-10-01 [[Ada Lovelace]], [[Bob Lee]]\n- 2026-10-08 [[Ada Lovelace]], [[Bob Lee]]\n"
                              "- 2026-10-15 [[Ada Lovelace]], [[Bob Lee]]\n")
    note.write_bytes(first.replace(b"- 2026-10-08 [[Ada Lovelace]], [[Bob Lee]]",
                                   b"- 2026-10-08 [[Ada Lovelace]], [[Bob Lee]]: she brought the benchmarks"))
    edited = note.read_bytes()
    run.ok("--today", "2026-11-01", "import", "calendar", path)
    assert note.read_bytes() == edited + (b"- 2026-10-22 [[Ada Lovelace]], [[Bob Lee]]\n"
                                          b"- 2026-10-29 [[Ada Lovelace]], [[Bob Lee]]\n")
    assert run.json("--today", "2026-11-01", "show", "Bob Lee")["last_contact"] == "2026-10-29"


def test_a_second_run_changes_no_byte(vault, tmp_path):
    run = vault(PEOPLE, CONFIG)
    raw = ics(google_event("one@x", "20261110T100000Z", "One", attendee("bob@initech.example")),
              google_event("two@x", "20261001T100000Z", "Two", attendee("ada@engines.example"),
                           extra="RRULE:FREQ=WEEKLY;COUNT=3"))
    path = cal_file(tmp_path, raw)
    run.ok("--today", TODAY, "import", "calendar", path)
    before = snapshot(run.root)
    again = run.json("--today", TODAY, "import", "calendar", path)
    assert snapshot(run.root) == before
    assert (again["created"], again["updated"], again["counts"]["already imported"]) == (0, 0, 4)


def test_cancelled_declined_solo_and_future_meetings_and_strangers_leave_nothing(vault, tmp_path):
    run = vault(PEOPLE, CONFIG)
    raw = ics(
        google_event("c@x", "20261110T100000Z", "Cancelled", attendee("bob@initech.example"), status="CANCELLED"),
        google_event("d@x", "20261111T100000Z", "Declined", attendee("bob@initech.example")).replace(
            "PARTSTAT=ACCEPTED;CN=sam@acme.example", "PARTSTAT=DECLINED;CN=sam@acme.example"),
        google_event("s@x", "20261112T100000Z", "Focus time"),
        "UID:allday@x\nDTSTART;VALUE=DATE:20261113\nSUMMARY:Holiday",
        google_event("f@x", "20261210T100000Z", "Future", attendee("bob@initech.example")),
        google_event("o@x", "20261114T100000Z", "Strangers only", attendee("jamie@talent.example", "Jamie")),
        google_event("g@x", "20261115T100000Z", "Bob declined", attendee("bob@initech.example", partstat="DECLINED")),
    )
    before = snapshot(run.root)
    data = run.json("--today", TODAY, "import", "calendar", cal_file(tmp_path, raw))
    assert snapshot(run.root) == before
    assert data["counts"] == {"cancelled": 1, "declined by you": 1, "no contact": 1, "occurrences": 6,
                              "only you": 3}
    assert data["not_in_vault"] == [{"who": "Jamie <jamie@talent.example>", "meetings": 1}]


def test_a_handwritten_meeting_note_for_the_same_day_and_people_is_reported_and_skipped(vault, tmp_path):
    mine = "---\ndate: 2026-11-10\n---\n# Lunch\n\nWith [[Ada Lovelace]] and [[Bob Lee]], about the offsite.\n"
    run = vault({**PEOPLE, "Meetings/2026-11-10 Lunch.md": mine}, CONFIG)
    raw = ics(google_event("lunch@x", "20261110T110000Z", "Team lunch", attendee("ada@engines.example"),
                           attendee("bob@initech.example")),
              google_event("other@x", "20261111T110000Z", "Ada alone", attendee("ada@engines.example")))
    result = run.ok("--today", TODAY, "import", "calendar", cal_file(tmp_path, raw))
    assert "cal.ics:5: 'Team lunch' on 2026-11-10: Meetings/2026-11-10 Lunch.md is already about it; skipped" \
        in result.stderr
    assert sorted(p.name for p in (run.root / "Meetings").iterdir()) == ["2026-11-10 Lunch.md",
                                                                        "2026-11-11 Ada alone.md"]


def test_attendees_match_by_email_else_by_exactly_their_name_never_by_a_guess(vault, tmp_path):
    twins = "---\ntype: person\nemail: shared@x.example\n---\n"
    run = vault({**PEOPLE, "People/Twin A.md": twins, "People/Twin B.md": twins}, CONFIG)
    raw = ics(google_event("n@x", "20261110T100000Z", "Names",
                           attendee("grace@navy.example", "Grace Hopper"),  # no email in her note: by name
                           attendee("countess@other.example", "Countess"),  # an alias is a nickname: a guess
                           attendee("shared@x.example", "Twin"),  # two people share the address: no one
                           attendee("ada2@other.example", "Ada")))  # a first name is a guess: no one
    run.ok("--today", TODAY, "import", "calendar", cal_file(tmp_path, raw))
    note = parse_note((run.root / "Meetings/2026-11-10 Names.md").read_bytes(), "Meetings/2026-11-10 Names.md")
    assert note.frontmatter["attendees"] == ["[[Grace Hopper]]", "Countess", "Twin", "Ada"]


def test_you_come_from_me_or_the_me_note_and_unknown_you_is_said(vault, tmp_path):
    raw = ics(google_event("d@x", "20261111T100000Z", "Declined", attendee("bob@initech.example")).replace(
        "sam@acme.example", "sam.private@mail.example").replace(
        "PARTSTAT=ACCEPTED;CN=sam.private", "PARTSTAT=DECLINED;CN=sam.private"))
    run = vault(PEOPLE, CONFIG)
    path = cal_file(tmp_path, raw)
    assert run.json("--today", TODAY, "import", "calendar", path, "--dry-run")["created"] == 1
    declined = run.json("--today", TODAY, "import", "calendar", path, "--dry-run", "--me", "SAM.private@mail.example")
    assert declined["counts"]["declined by you"] == 1
    bare = vault({"People/Bob Lee.md": PEOPLE["People/Bob Lee.md"]}, 'people_dirs = ["People"]\n')
    result = bare.ok("--today", TODAY, "import", "calendar", path, "--dry-run")
    assert "your own addresses are unknown" in result.stderr


def test_add_people_creates_named_attendees_and_links_them(vault, tmp_path):
    run = vault(PEOPLE, CONFIG)
    raw = ics(google_event("x@x", "20261110T100000Z", "Intro", attendee("bob@initech.example"),
                           attendee("dana@acme.example", "Dana Whitfield"), attendee("nameless@acme.example")))
    result = run.ok("--today", TODAY, "import", "calendar", cal_file(tmp_path, raw), "--add-people")
    assert "create People/Dana Whitfield.md" in result.stdout
    assert "nameless@acme.example: no name to give a note; not added" in result.stderr
    dana = (run.root / "People/Dana Whitfield.md").read_text(encoding="utf-8")
    assert "email: dana@acme.example" in dana and "source:\n- calendar" in dana
    note = parse_note((run.root / "Meetings/2026-11-10 Intro.md").read_bytes(), "x.md")
    assert note.frontmatter["attendees"] == ["[[Bob Lee]]", "[[Dana Whitfield]]", "nameless@acme.example"]


HOSTILE = ["../../etc/passwd", "/abs/path", "a\\nb\\n---\\nc", "[[Ada Lovelace]] #gave ^block", "%% hidden",
           "`code` <b>x</b> [x](y.md)", "CON", "..", "\u202eevil", "a\x00b", ""]


@pytest.mark.parametrize("title", HOSTILE)
def test_titles_are_names_never_paths_or_markdown(vault, tmp_path, title):
    run = vault(PEOPLE, CONFIG)
    series = google_event("s@x", "20261105T100000Z", title, attendee("bob@initech.example"),
                          extra="RRULE:FREQ=WEEKLY;COUNT=2\nLOCATION:[[Acme]] | room")
    single = google_event("x@x", "20261110T100000Z", title, attendee("bob@initech.example"))
    run.ok("--today", TODAY, "import", "calendar", cal_file(tmp_path, ics(series, single)))
    written = [p for p in (run.root / "Meetings").rglob("*") if p.is_file()]
    assert len(written) == 2
    for path in written:
        assert path.parent == run.root / "Meetings"
        note = parse_note(path.read_bytes(), f"Meetings/{path.name}")
        assert {link.target for link in note.links} == {"Bob Lee"}, note.body
        assert note.tags == [] and not note.problems
        assert note.body.startswith("# ") and "\u202e" not in path.name + note.body
        assert path.name.startswith("2026-11-10 ") or "- 2026-11-05 [[Bob Lee]]" in note.body
    assert not (tmp_path / "etc").exists() and not (run.root.parent / "etc").exists()


def test_a_refused_file_writes_nothing(vault, tmp_path):
    run = vault(PEOPLE, CONFIG)
    before = snapshot(run.root)
    cut = ics(google_event("a@x", "20261110T100000Z", "A", attendee("bob@initech.example")))[:-30]
    result = run("--today", TODAY, "import", "calendar", cal_file(tmp_path, cut))
    assert result.exit_code == 1 and result.stderr.startswith("Error: cal.ics:5: the file ends inside")
    assert "Traceback" not in result.stderr and snapshot(run.root) == before


def test_regression_an_rrule_with_interval_0_is_reported_and_the_other_meetings_imported(vault, tmp_path):
    """A series with INTERVAL=0 held `import calendar` until the kernel killed it for memory
    (dateutil gave its start again forever). It is said on stderr with its line; the other
    meeting of the file is written."""
    run = vault(PEOPLE, CONFIG)
    raw = ics(google_event("bomb@x", "20261105T100000Z", "Standup", attendee("bob@initech.example"),
                           extra="RRULE:FREQ=DAILY;INTERVAL=0"),
              google_event("a@x", "20261110T100000Z", "Chat", attendee("bob@initech.example")))
    result = run.ok("--today", TODAY, "import", "calendar", cal_file(tmp_path, raw))
    assert result.stdout.splitlines()[0] == "create Meetings/2026-11-10 Chat.md"
    assert ("cal.ics:5: 'Standup': repeats the same moment over and over (RRULE INTERVAL=0); a series' INTERVAL "
            "is 1 or more; skipped") in result.stderr.splitlines()
    assert sorted(p.name for p in (run.root / "Meetings").iterdir()) == ["2026-11-10 Chat.md"]


def test_dry_run_prints_what_it_would_write_and_writes_nothing(vault, tmp_path):
    run = vault(PEOPLE, CONFIG)
    before = snapshot(run.root)
    raw = ics(google_event("a@x", "20261110T100000Z", "Chat", attendee("bob@initech.example")))
    result = run.ok("--today", TODAY, "import", "calendar", cal_file(tmp_path, raw), "--dry-run")
    assert result.stdout == ("would create Meetings/2026-11-10 Chat.md\n    date: 2026-11-10\n"
                             "    attendees: [[Bob Lee]]\n")
    assert result.stderr.rstrip().endswith("(dry run: nothing written)") and snapshot(run.root) == before


def test_meetings_dir_and_since_and_the_json_shape(vault, tmp_path):
    run = vault(PEOPLE, CONFIG + 'meetings_dir = "Work/Calendar"\n')
    raw = ics(google_event("a@x", "20261110T100000Z", "Chat", attendee("bob@initech.example")),
              google_event("b@x", "20251001T100000Z", "Old", attendee("bob@initech.example")))
    data = run.json("--today", TODAY, "import", "calendar", cal_file(tmp_path, raw), "--since", "2025-09-01")
    assert [n["path"] for n in data["notes"]] == ["Work/Calendar/2025-10-01 Old.md", "Work/Calendar/2026-11-10 Chat.md"]
    assert set(data) >= {"dry_run", "created", "updated", "notes", "counts", "not_in_vault", "skipped", "problems"}
    bad = run("--today", TODAY, "import", "calendar", cal_file(tmp_path, raw), "--since", "last year")
    assert bad.exit_code == 2 and "is not a date" in bad.stderr


def test_as_a_real_process(tmp_path):
    from .conftest import write_vault

    root = write_vault(tmp_path / "v", PEOPLE, CONFIG)
    raw = ics(google_event("a@x", "20261110T100000Z", "Chat", attendee("bob@initech.example")))
    proc = run_subprocess("--vault", str(root), "--today", TODAY, "import", "calendar", cal_file(tmp_path, raw),
                          "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["created"] == 1 and (root / "Meetings/2026-11-10 Chat.md").exists()
    refused = run_subprocess("--vault", str(root), "import", "calendar", cal_file(tmp_path, b"", "empty.ics"))
    assert refused.returncode == 1 and refused.stderr == "Error: empty.ics: is empty (0 bytes); nothing imported\n"


def test_the_example_vault_calendar(tmp_path):
    import shutil

    from .conftest import REPO, Run

    root = tmp_path / "vault"
    shutil.copytree(REPO / "example-vault", root, ignore=shutil.ignore_patterns("index", "index.lock"))
    run = Run(root)
    data = run.json("--today", TODAY, "import", "calendar", str(root / "Attachments/calendar.ics"), "--dry-run")
    assert [n["path"] for n in data["notes"]] == ["Meetings/Platform guild.md",
                                                  "Meetings/2026-11-18 Coffee with Marcus.md",
                                                  "Meetings/2026-11-20 Lunch with Kenji.md"]
    assert {s["message"].split(":")[0] for s in data["skipped"]} == {"'Platform guild' on 2026-11-19",
                                                                     "'Mentoring with Ada' on 2026-11-03"}


def test_regression_a_person_added_now_whom_a_handwritten_note_links_still_makes_it_that_meeting(vault, tmp_path):
    # The hand-written note links Dana before she has a note; --add-people makes hers in the same run.
    mine = "---\ndate: 2026-11-10\n---\n# Intro\n\n[[Bob Lee]] introduced [[Dana Whitfield]].\n"
    run = vault({**PEOPLE, "Meetings/2026-11-10 Intro.md": mine}, CONFIG)
    raw = ics(google_event("i@x", "20261110T100000Z", "Intro call", attendee("bob@initech.example"),
                           attendee("dana@acme.example", "Dana Whitfield")))
    result = run.ok("--today", TODAY, "import", "calendar", cal_file(tmp_path, raw), "--add-people")
    assert "Meetings/2026-11-10 Intro.md is already about it; skipped" in result.stderr
    assert (run.root / "People/Dana Whitfield.md").exists()
    assert sorted(p.name for p in (run.root / "Meetings").iterdir()) == ["2026-11-10 Intro.md"]


def test_add_people_never_merges_an_attendee_into_someone_found_by_an_alias(vault, tmp_path):
    run = vault(PEOPLE, CONFIG)
    raw = ics(google_event("x@x", "20261110T100000Z", "Chat", attendee("bob@initech.example"),
                           attendee("countess@elsewhere.example", "Countess")))
    before = (run.root / "People/Ada Lovelace.md").read_bytes()
    result = run.ok("--today", TODAY, "import", "calendar", cal_file(tmp_path, raw), "--add-people")
    assert "Countess: matches People/Ada Lovelace.md by alias; not added" in result.stderr
    assert (run.root / "People/Ada Lovelace.md").read_bytes() == before
