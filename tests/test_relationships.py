"""Interactions, follow-ups, the ledger and orphans (SPEC §2), through the CLI."""

from __future__ import annotations

import datetime as dt

import pytest

from vaultnet.notes.dates import Cadence, parse_cadence

CONFIG = """\
people_dirs = ["People"]
me = "Me"
[cadence_by_tag]
mentor = "30d"
close = "2w"
"""
TODAY = "2026-11-22"


def due_of(run, *args):
    return {r["name"]: r for r in run.json("--today", TODAY, "due", *args)}


@pytest.mark.parametrize(
    "text, start, after",
    [
        ("10d", "2026-01-01", "2026-01-11"),
        ("2w", "2026-01-01", "2026-01-15"),
        ("weekly", "2026-01-01", "2026-01-08"),
        ("90", "2026-01-01", "2026-04-01"),
        ("1m", "2026-01-31", "2026-02-28"),
        ("monthly", "2024-01-31", "2024-02-29"),
        ("3m", "2026-11-30", "2027-02-28"),
        ("quarterly", "2026-05-31", "2026-08-31"),
        ("1y", "2024-02-29", "2025-02-28"),
        ("yearly", "2026-03-15", "2027-03-15"),
    ],
)
def test_cadence_arithmetic(text, start, after):
    cadence = parse_cadence(text)
    assert cadence is not None
    assert cadence.after(dt.date.fromisoformat(start)).isoformat() == after


@pytest.mark.parametrize("bad", ["often", "", "0d", "-3d", "3x", "m", "1.5w", None, True, ["30d"]])
def test_bad_cadences_are_not_cadences(bad):
    assert parse_cadence(bad) is None


def test_interactions_from_every_source(vault):
    run = vault({
        "People/Ada.md": "---\ncadence: 30d\n---\n- 2026-01-01 Coffee in her own note\n",
        "Daily/2026-03-01.md": "Lunch with [[Ada]]\n",  # dated by file name
        "Meetings/Review.md": "---\ndate: 2026-04-01\n---\nReview with [[Ada]]\n",  # dated by frontmatter
        "Projects/P.md": "- 2026-05-01 Call with [[Ada]] about P\n- [x] Sent [[Ada]] the deck ✅ 2026-06-01\n",
        "Projects/Q.md": "- [[2026-07-01]] Pairing with [[Ada]]\n",
        "Plans.md": "- 2026-12-24 Dinner with [[Ada]]\n",  # a plan, not contact
    }, config=CONFIG)
    card = run.json("--today", TODAY, "show", "Ada")
    assert [(i["date"], i["source"]) for i in card["planned"]] == [("2026-12-24", "Plans.md")]
    assert [(i["date"], i["source"]) for i in card["interactions"]] == [
        ("2026-07-01", "Projects/Q.md"),
        ("2026-06-01", "Projects/P.md"),
        ("2026-05-01", "Projects/P.md"),
        ("2026-04-01", "Meetings/Review.md"),
        ("2026-03-01", "Daily/2026-03-01.md"),
        ("2026-01-01", "People/Ada.md"),
    ]
    assert card["last_contact"] == "2026-07-01"
    assert card["next_due"] == "2026-07-31"
    assert card["cadence_days"] == 30


def test_last_contact_field_counts_and_later_notes_win(vault):
    run = vault({
        "People/Bob.md": "---\ncadence: 2w\nlast_contact: 2026-11-01\n---\n",
        "People/Cy.md": "---\ncadence: 2w\nlast_contact: 2026-01-01\n---\n- 2026-11-10 Call\n",
    }, config=CONFIG)
    due = due_of(run, "--within", "30")
    assert due["Bob"]["last_contact"] == "2026-11-01" and due["Bob"]["next_due"] == "2026-11-15"
    assert due["Cy"]["last_contact"] == "2026-11-10" and due["Cy"]["next_due"] == "2026-11-24"


def test_due_reasons_order_and_window(vault):
    run = vault({
        "People/Never.md": "---\ncadence: monthly\n---\n",
        "People/Overdue.md": "---\ncadence: 2w\n---\n- 2026-10-01 Call\n",
        "People/Follow.md": "---\nfollow_up: 2026-11-20\n---\n",
        "People/Tasked.md": "Friend.\n",
        "People/Soon.md": "---\ncadence: 2w\n---\n- 2026-11-15 Call\n",
        "People/Nothing.md": "- 2026-01-01 Met once\n",
        "Todo.md": "- [ ] Send [[Tasked]] the slides 📅 2026-11-22\n- [x] Old task for [[Nothing]] 📅 2026-01-01 ✅ 2026-01-02\n",
    }, config=CONFIG)
    rows = run.json("--today", TODAY, "due")
    assert [(r["name"], r["reason"], r["overdue_days"]) for r in rows] == [
        ("Overdue", "cadence", 38),
        ("Follow", "follow_up", 2),
        ("Never", "never_contacted", 0),
        ("Tasked", "task", 0),
    ]
    assert set(rows[0]) >= {"path", "name", "next_due", "last_contact", "overdue_days", "reason", "cadence_days"}
    later = due_of(run, "--within", "7")
    assert later["Soon"]["overdue_days"] == -7 and later["Soon"]["next_due"] == "2026-11-29"
    assert "Nothing" not in later  # no cadence, follow-up or open task: never due


def test_earliest_of_cadence_follow_up_and_task_wins(vault):
    run = vault({
        "People/Ann.md": "---\ncadence: 1y\nfollow_up: 2026-11-10\n---\n- 2026-06-01 Met\n- [ ] Call Ann 📅 2026-11-05\n",
    }, config=CONFIG)
    row = due_of(run)["Ann"]
    assert (row["next_due"], row["reason"], row["overdue_days"]) == ("2026-11-05", "task", 17)


def test_cadence_by_tag_shortest_wins_and_own_cadence_first(vault):
    run = vault({
        "People/Tagged.md": "---\ntags: [mentor, close]\n---\n- 2026-11-01 Coffee\n",
        "People/Inline.md": "A #mentor of mine.\n- 2026-10-01 Coffee\n",
        "People/Own.md": "---\ncadence: 1y\ntags: [close]\n---\n- 2026-11-01 Coffee\n",
    }, config=CONFIG)
    due = due_of(run, "--within", "60")
    assert due["Tagged"]["next_due"] == "2026-11-15"  # close (2w) beats mentor (30d)
    assert due["Inline"]["next_due"] == "2026-10-31"
    assert "Own" not in due


def test_default_cadence(vault):
    run = vault({"People/Dee.md": "- 2026-01-01 Met\n", "People/Eve.md": ""},
                config='people_dirs = ["People"]\ndefault_cadence = "90d"\n')
    due = due_of(run)
    assert due["Dee"]["next_due"] == "2026-04-01" and due["Eve"]["reason"] == "never_contacted"


def test_tag_filter_ties_by_name_and_me_is_never_due(vault):
    run = vault({
        "Me.md": "---\ntype: person\ncadence: 1d\n---\n",
        "People/Zed.md": "---\ncadence: 1d\ntags: [close]\n---\n",
        "People/Abe.md": "---\ncadence: 1d\ntags: [close]\n---\n",
        "People/Other.md": "---\ncadence: 1d\n---\n",
    }, config=CONFIG)
    assert [r["name"] for r in run.json("--today", TODAY, "due", "--tag", "close")] == ["Abe", "Zed"]
    assert "Me" not in due_of(run)


def test_today_from_environment(vault):
    run = vault({"People/Fay.md": "---\nfollow_up: 2026-11-25\n---\n"}, config=CONFIG)
    assert run.json("due") is not None
    result = run.ok("due", "--json", env={"VAULTNET_TODAY": "2026-11-26"})
    assert '"overdue_days": 1' in result.stdout


def test_ledger_own_note_and_linking_notes(vault):
    run = vault({
        "People/Taker.md": "- 2026-01-01 She referred me #got\n- 2026-02-01 Intro to a VC #got\n"
                           "- 2026-03-01 I sent [[Giver]] the paper #gave\n",
        "People/Giver.md": "",
        "People/Both.md": "",
        "Daily/2026-04-01.md": "- 2026-04-01 Introduced [[Giver]] and [[Both]] #gave\n- 2026-04-01 [[Both]] helped #got\n",
    }, config=CONFIG)
    rows = run.json("--today", TODAY, "ledger")
    assert rows == [
        {"path": "People/Taker.md", "name": "Taker", "gave": 1, "got": 2, "balance": -1},
        {"path": "People/Both.md", "name": "Both", "gave": 1, "got": 1, "balance": 0},
        {"path": "People/Giver.md", "name": "Giver", "gave": 1, "got": 0, "balance": 1},
    ]
    table = run.ok("--today", TODAY, "ledger").stdout.splitlines()
    assert table[0].split() == ["NAME", "GAVE", "GOT", "BALANCE"]
    assert table[1].split() == ["Taker", "1", "2", "-1"]


def test_orphans(vault):
    run = vault({
        "People/Linked.md": "",
        "People/Logged.md": "- 2026-01-01 Met at a meetup\n",
        "People/Alone.md": "Business card only.\n",
        "People/Self.md": "I am [[Self]].\n",
        "Note.md": "Talked to [[Linked]].\n",
    }, config=CONFIG)
    assert run.json("orphans") == [{"path": "People/Alone.md", "name": "Alone"},
                                   {"path": "People/Self.md", "name": "Self"}]


def test_a_new_meeting_moves_last_contact_and_deleting_it_moves_it_back(vault):
    run = vault({
        "People/Gus.md": "---\ncadence: 30d\n---\n- 2026-09-01 Call\n",
        "People/Hal.md": "---\ncadence: 30d\n---\n",
    }, config=CONFIG)
    assert due_of(run)["Gus"]["last_contact"] == "2026-09-01"
    meeting = run.root / "Meetings" / "2026-11-20 Sync.md"
    meeting.parent.mkdir()
    meeting.write_text("With [[Gus]] and [[Hal]]\n")
    due = due_of(run, "--within", "60")
    assert due["Gus"]["last_contact"] == "2026-11-20" and due["Hal"]["last_contact"] == "2026-11-20"
    meeting.unlink()
    due = due_of(run, "--within", "60")
    assert due["Gus"]["last_contact"] == "2026-09-01" and due["Hal"]["reason"] == "never_contacted"


def test_an_alias_added_later_makes_old_links_count(vault):
    run = vault({
        "People/Isabel Ortiz.md": "---\ncadence: 30d\n---\n",
        "Daily/2026-11-15.md": "Coffee with [[Izzy]]\n",
    }, config=CONFIG)
    assert due_of(run)["Isabel Ortiz"]["reason"] == "never_contacted"
    person = run.root / "People/Isabel Ortiz.md"
    person.write_text("---\ncadence: 30d\naliases: [Izzy]\n---\n")
    import os

    st = person.stat()
    os.utime(person, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert due_of(run, "--within", "60")["Isabel Ortiz"]["last_contact"] == "2026-11-15"


def test_shared_alias_counts_for_nobody(vault):
    run = vault({
        "People/Alex Kim.md": "---\naliases: [Alex]\ncadence: 30d\n---\n",
        "People/Alex Roe.md": "---\naliases: [Alex]\ncadence: 30d\n---\n",
        "Daily/2026-11-15.md": "- 2026-11-15 Lunch with [[Alex]] #gave\n",
    }, config=CONFIG)
    due = due_of(run)
    assert due["Alex Kim"]["reason"] == due["Alex Roe"]["reason"] == "never_contacted"
    assert run.json("--today", TODAY, "ledger") == []


def test_bad_dates_and_cadences_are_reported_and_ignored(vault):
    run = vault({
        "People/Bad.md": (
            "---\ncadence: often\nfollow_up: [2026-11-01]\nlast_contact: 2026-02-30\n---\n"
            "- 2026-13-01 Impossible month\n"
            "- 2026-10-01 First date wins over 2026-10-05 in the text\n"
            "- [ ] Malformed due 📅 2026-11-1\n"
            "- [ ] Also malformed 📅 next week\n"
        ),
    }, config=CONFIG)
    problems = {(p["line"], p["message"].split(":")[0]) for p in run.json("index")["problems"]}
    assert (2, "cadence") in problems and (3, "follow_up") in problems and (4, "last_contact") in problems
    assert any(line == 6 and "2026-13-01" in msg for line, msg in
               {(p["line"], p["message"]) for p in run.json("index")["problems"]})
    card = run.json("--today", TODAY, "show", "Bad")
    assert card["last_contact"] == "2026-10-01"
    assert card["cadence_days"] is None and card["next_due"] is None
    assert [i["date"] for i in card["interactions"]] == ["2026-10-01"]
    assert run.json("--today", TODAY, "due") == []


def test_show_and_due_tables(vault):
    run = vault({"People/Ivy.md": "---\ncadence: 2w\n---\n- 2026-11-01 Call #got\n"}, config=CONFIG)
    out = run.ok("--today", TODAY, "show", "Ivy").stdout
    assert "  last:       2026-11-01\n" in out
    assert "  next due:   2026-11-15 (7 days overdue, cadence)\n" in out
    assert "  ledger:     gave 0, got 1\n" in out
    table = run.ok("--today", TODAY, "due").stdout.splitlines()
    assert table[0].split() == ["NAME", "DUE", "WHEN", "WHY", "LAST", "CONTACT"]
    assert table[1].split() == ["Ivy", "2026-11-15", "7", "days", "overdue", "cadence", "2026-11-01"]
    assert run.ok("--today", "2026-11-02", "due").stderr.strip() == "nobody is due"


def test_ics_export_is_valid_and_stable(vault, tmp_path):
    from icalendar import Calendar

    run = vault({
        "People/Jo.md": "---\ncadence: 2w\n---\n- 2026-11-01 Call\n",
        "People/Kim <script>.md": "---\nfollow_up: 2026-11-30\n---\n",
    }, config=CONFIG)
    ics = tmp_path / "due.ics"
    run.ok("--today", TODAY, "due", "--within", "10", "--ics", str(ics))
    first = ics.read_bytes()
    cal = Calendar.from_ical(first)
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert sorted(str(e["summary"]) for e in events) == ["Get in touch with Jo", "Get in touch with Kim <script>"]
    by_name = {str(e["summary"]): e for e in events}
    assert by_name["Get in touch with Jo"].decoded("dtstart") == dt.date(2026, 11, 22)  # overdue: today
    assert by_name["Get in touch with Kim <script>"].decoded("dtstart") == dt.date(2026, 11, 30)
    uids = {str(e["uid"]) for e in events}
    assert len(uids) == 2
    run.ok("--today", TODAY, "due", "--within", "10", "--ics", str(ics))
    assert ics.read_bytes() == first  # same day, same list: the same file
    run.ok("--today", "2026-11-23", "due", "--within", "10", "--ics", str(ics))
    later = Calendar.from_ical(ics.read_bytes())
    assert {str(e["uid"]) for e in later.walk() if e.name == "VEVENT"} == uids  # updates, not duplicates


def test_cadence_type_is_a_dataclass_with_days_and_months():
    assert parse_cadence("quarterly") == Cadence(months=3)
    assert parse_cadence("2w") == Cadence(days=14)
