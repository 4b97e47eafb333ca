"""Moments (SPEC §8): birthdays, news about people, and the references pool."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import Run, run_subprocess, write_vault

TODAY = "2026-11-22"


def due(run: Run, *args: str, today: str = TODAY) -> dict[str, dict]:
    return {r["name"]: r for r in run.json("--today", today, "due", *args)}


# ---------------------------------------------------------------------- birthdays

def test_a_birthday_is_due_on_the_day(vault):
    run = vault({"People/Ada.md": "---\nbirthday: 1985-11-22\n---\n"})
    row = due(run)["Ada"]
    assert (row["next_due"], row["overdue_days"], row["reason"]) == ("2026-11-22", 0, "birthday")


def test_coming_birthdays_show_with_within_and_not_before(vault):
    run = vault({"People/Ada.md": "---\nbirthday: --11-30\n---\n"})
    assert due(run) == {}
    row = due(run, "--within", "8")["Ada"]
    assert (row["next_due"], row["overdue_days"], row["reason"]) == ("2026-11-30", -8, "birthday")


def test_after_the_day_a_birthday_stays_until_you_are_in_touch_for_at_most_a_week(vault):
    run = vault({"People/Ada.md": "---\nbirthday: 1985-11-20\n---\n"})
    assert due(run)["Ada"]["overdue_days"] == 2
    assert due(run, today="2026-11-27")["Ada"]["overdue_days"] == 7
    assert due(run, today="2026-11-28") == {}  # a week late is too late; next year's comes
    assert due(run, "--within", "400", today="2026-11-28")["Ada"]["next_due"] == "2027-11-20"
    (run.root / "People/Ada.md").write_text("---\nbirthday: 1985-11-20\n---\n- 2026-11-21 Called her\n")
    assert due(run) == {}  # in touch since the day: met


def test_birthday_contact_before_the_day_does_not_meet_it(vault):
    run = vault({"People/Ada.md": "---\nbirthday: 1985-11-20\n---\n- 2026-11-19 Coffee\n"})
    assert due(run)["Ada"]["reason"] == "birthday"


@pytest.mark.parametrize(("today", "expected"), [("2027-02-27", "2027-02-28"), ("2028-02-27", "2028-02-29")])
def test_29_february_falls_on_28_february_in_other_years(vault, today, expected):
    run = vault({"People/Leap.md": "---\nbirthday: 1996-02-29\n---\n"})
    assert due(run, "--within", "5", today=today)["Leap"]["next_due"] == expected


def test_the_card_gives_the_next_birthday_and_the_age(vault):
    run = vault({"People/Ada.md": "---\nbirthday: 1985-12-10\n---\n", "People/Bo.md": "---\nbirthday: --12-10\n---\n"})
    card = run.json("--today", TODAY, "show", "Ada")
    assert (card["next_birthday"], card["age"]) == ("2026-12-10", 40)
    text = run.ok("--today", TODAY, "show", "Ada").stdout
    assert "birthday:   1985-12-10: next 2026-12-10 (in 18 days, turns 41)" in text
    card = run.json("--today", TODAY, "show", "Bo")
    assert (card["next_birthday"], card["age"]) == ("2026-12-10", None)


@pytest.mark.parametrize("value", ["1988-02-30", "--13-01", "yes", "12/10/1985", "'--02-30'"])
def test_bug_bad_birthdays_are_reported_and_ignored(vault, value):
    run = vault({"People/Ada.md": f"---\nname: Ada\nbirthday: {value}\n---\n"})
    result = run.ok("index", "--json")
    import json

    problems = json.loads(result.stdout)["problems"]
    assert [(p["path"], p["line"]) for p in problems] == [("People/Ada.md", 3)]
    assert "is not a birthday" in problems[0]["message"]
    assert due(run, "--within", "400") == {}
    doctor = run("doctor", "--json")
    assert doctor.exit_code == 1 and "is not a birthday" in doctor.stdout


def test_due_ics_writes_birthdays_as_yearly_events_with_stable_uids(vault, tmp_path):
    from icalendar import Calendar

    run = vault({
        "People/Ada.md": "---\nbirthday: 1985-12-10\ntags: [mentor]\n---\n",
        "People/Leap.md": "---\nbirthday: --02-29\n---\n",
        "People/Cy.md": "---\ncadence: 30d\nlast_contact: 2026-10-01\n---\n",
    })
    out = tmp_path / "due.ics"
    result = run.ok("--today", TODAY, "due", "--ics", str(out))
    assert "wrote 3 events" in result.stderr
    first = out.read_bytes()
    events = {str(e["summary"]): e for e in Calendar.from_ical(first).walk("VEVENT")}
    ada = events["Birthday: Ada"]
    assert ada["rrule"].to_ical() == b"FREQ=YEARLY"
    assert ada.decoded("dtstart").isoformat() == "1985-12-10"
    assert events["Birthday: Leap"]["rrule"] == {"FREQ": ["YEARLY"], "BYMONTH": [2], "BYMONTHDAY": [-1]}
    assert "Get in touch with Cy" in events
    run.ok("--today", TODAY, "due", "--ics", str(out))
    assert out.read_bytes() == first  # the same list, the same bytes: calendars update, never duplicate
    assert len({str(e["uid"]) for e in events.values()}) == 3
    # --tag keeps the birthdays of that tag only.
    run.ok("--today", TODAY, "due", "--tag", "mentor", "--ics", str(out))
    assert [str(e["summary"]) for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")] == ["Birthday: Ada"]


def test_the_yearly_rule_gives_28_february_in_other_years():
    import datetime as dt

    from dateutil.rrule import rrulestr

    from vaultnet.interop.ics import due_calendar
    from vaultnet.notes.dates import parse_birthday

    ics = due_calendar([], dt.date(2026, 11, 22), [("People/Leap.md", "Leap", parse_birthday("--02-29"))])
    from icalendar import Calendar

    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=dt.datetime(2000, 2, 29))
    days = [d.date().isoformat() for d in rule.between(dt.datetime(2026, 1, 1), dt.datetime(2029, 1, 1))]
    assert days == ["2026-02-28", "2027-02-28", "2028-02-29"]


# ---------------------------------------------------------------------- news

NEWS_VAULT = {
    "People/Naomi.md": "---\ncadence: 90d\n---\n## Log\n- 2026-11-01 Coffee\n"
                       "- 2026-11-10 Joined Stripe as Head of Payments #news\n",
    "People/Bob.md": "---\n---\n- 2026-09-01 Lunch\n",
    "Daily/2026-11-15.md": "- 2026-11-15 [[Bob]] moved to Lisbon #news\n",
    "Daily/2026-06-01.md": "- 2026-06-01 [[Bob]] got promoted #news\n",
}


def test_news_is_not_contact_and_makes_a_person_due_on_its_date(vault):
    run = vault(NEWS_VAULT)
    rows = due(run)
    assert (rows["Naomi"]["reason"], rows["Naomi"]["next_due"], rows["Naomi"]["last_contact"]) == \
        ("news", "2026-11-10", "2026-11-01")
    assert (rows["Bob"]["reason"], rows["Bob"]["next_due"], rows["Bob"]["last_contact"]) == \
        ("news", "2026-11-15", "2026-09-01")
    card = run.json("--today", TODAY, "show", "Bob")
    assert card["last_contact"] == "2026-09-01"  # two #news lines, neither is contact
    assert card["latest_news"] == {"date": "2026-11-15", "text": "[[Bob]] moved to Lisbon #news",
                                   "source": "Daily/2026-11-15.md", "line": 1}
    assert [i["date"] for i in card["interactions"]] == ["2026-09-01"]


def test_news_you_reacted_to_or_old_news_makes_nobody_due(vault):
    run = vault({**NEWS_VAULT, "People/Naomi.md": NEWS_VAULT["People/Naomi.md"] + "- 2026-11-12 Congrats call\n"})
    assert "Naomi" not in due(run)
    assert "Bob" not in due(run, today="2026-12-20")  # 35 days old: past news_days (30)
    run = vault({**NEWS_VAULT, ".vaultnet/config.toml": "news_days = 60\n"})
    assert due(run, today="2026-12-20")["Bob"]["reason"] == "news"


def test_news_lists_recent_news_newest_first(vault):
    run = vault(NEWS_VAULT)
    rows = run.json("--today", TODAY, "news")
    assert rows == [
        {"path": "People/Bob.md", "name": "Bob", "date": "2026-11-15", "text": "[[Bob]] moved to Lisbon #news",
         "source": "Daily/2026-11-15.md", "line": 1},
        {"path": "People/Naomi.md", "name": "Naomi", "date": "2026-11-10",
         "text": "Joined Stripe as Head of Payments #news", "source": "People/Naomi.md", "line": 6},
    ]
    assert [r["date"] for r in run.json("--today", TODAY, "news", "--since", "1y")] == \
        ["2026-11-15", "2026-11-10", "2026-06-01"]
    assert [r["date"] for r in run.json("--today", TODAY, "news", "--since", "2026-11-12")] == ["2026-11-15"]
    table = run.ok("--today", TODAY, "news").stdout.splitlines()
    assert table[0].split() == ["DATE", "NAME", "NEWS", "SOURCE"]


def test_bug_news_since_that_is_no_date_is_a_usage_error(vault):
    run = vault(NEWS_VAULT)
    result = run("news", "--since", "lately")
    assert result.exit_code == 2 and "neither a date" in result.stderr


def test_a_news_line_does_not_make_the_people_on_it_meet(vault):
    run = vault({
        "People/Ann.md": "---\n---\n", "People/Ben.md": "---\n---\n",
        "Daily/2026-11-01.md": "- 2026-11-01 [[Ann]] hired [[Ben]] #news\n",
    })
    import json

    graph = json.loads(run.ok("--today", TODAY, "graph").stdout)
    assert graph["edges"] == []


# ---------------------------------------------------------------------- references

REF_VAULT = {
    "People/Grace.md": "---\nreference: the migration talk, on-call culture\n---\n## Log\n"
                       "- 2026-05-02 Liked the migration talk #noticed\n- 2026-10-20 Lunch #gave\n",
    "People/Ada.md": "---\n---\nCompilers mentor.\n- 2025-03-01 Praised my compiler RFC #noticed\n",
    "People/Taker.md": "---\n---\n- 2026-11-01 Shared my blog post on Kubernetes #noticed #got\n"
                       "- 2026-11-02 Intro to a VC #got\n- 2026-11-03 Review #got\n",
    "People/Nobody.md": "---\n---\n- 2026-11-01 Coffee\n",
    "People/Olga.md": "---\n---\n- 2025-01-10 Read my book draft and loved it #noticed\n",
    "Daily/2026-09-09.md": "- 2026-09-09 [[Ada]] quoted my compiler talk on stage #noticed\n",
}


def test_references_strongest_first_with_their_evidence(vault):
    run = vault(REF_VAULT)
    rows = run.json("--today", TODAY, "references")
    # Recent contact first; taking more than you gave (Taker) weakens the ask; Olga is cold.
    assert [r["name"] for r in rows] == ["Grace", "Ada", "Taker", "Olga"]
    grace = rows[0]
    assert set(grace) >= {"path", "name", "score", "reference", "last_contact", "balance", "cold", "noticed"}
    assert (grace["reference"], grace["last_contact"], grace["balance"], grace["cold"]) == \
        ("the migration talk, on-call culture", "2026-10-20", 1, False)
    assert grace["noticed"] == [{"date": "2026-05-02", "text": "Liked the migration talk #noticed",
                                 "source": "People/Grace.md", "line": 5}]
    ada = rows[1]
    # A #noticed log line linking someone is also contact with them (only #news is not).
    assert ada["cold"] is False and ada["last_contact"] == "2026-09-09"
    assert [n["source"] for n in ada["noticed"]] == ["Daily/2026-09-09.md", "People/Ada.md"]
    assert rows[2]["balance"] == -3
    assert (rows[3]["cold"], rows[3]["last_contact"]) == (True, "2025-01-10")


def test_references_by_topic(vault):
    run = vault(REF_VAULT)
    assert [r["name"] for r in run.json("--today", TODAY, "references", "compilers")] == ["Ada"]
    assert [r["name"] for r in run.json("--today", TODAY, "references", "on-call")] == ["Grace"]
    assert [r["name"] for r in run.json("--today", TODAY, "references", "kubernetes")] == ["Taker"]
    assert run.json("--today", TODAY, "references", "fundraising") == []
    text = run.ok("--today", TODAY, "references").stdout
    assert "Grace  (" in text and "can speak to: the migration talk, on-call culture" in text
    assert "cold: warm up before you ask" in text


def test_bug_an_empty_references_topic_is_a_usage_error(vault):
    result = vault(REF_VAULT)("references", "  ")
    assert result.exit_code == 2


def test_the_card_counts_how_often_they_noticed_your_work(vault):
    run = vault(REF_VAULT)
    assert run.json("--today", TODAY, "show", "Ada")["noticed"] == 2
    assert "noticed:    your work 2 times" in run.ok("--today", TODAY, "show", "Ada").stdout


# ---------------------------------------------------------------------- reports

def test_report_writes_news_references_and_birthdays(vault):
    run = vault({**NEWS_VAULT, **REF_VAULT, "People/Cake.md": "---\nbirthday: 1990-12-01\n---\n"})
    run.ok("--today", TODAY, "report")
    folder = run.root / "vaultnet"
    news = (folder / "News.md").read_text()
    assert "- 2026-11-15 [[People/Bob]] — [[Bob]] moved to Lisbon\n" in news  # the marker is left out
    refs = (folder / "References.md").read_text()
    assert refs.index("[[People/Grace]]") < refs.index("[[People/Ada]]")
    assert "cold" in refs.split("[[People/Olga]]")[1].split("\n")[0]
    birthdays = (folder / "Birthdays.md").read_text()
    assert "- 2026-12-01 [[People/Cake]] (in 9 days, turns 36)" in birthdays
    assert run.ok("--today", TODAY, "report").stderr.startswith("the reports")  # no change, no rewrite


# ---------------------------------------------------------------------- incremental = rebuild

def answers(root: Path, *, rebuild: bool) -> dict:
    run = Run(root)
    if rebuild:
        run.ok("index", "--rebuild")
    return {
        "due": run.json("--today", TODAY, "due", "--within", "400"),
        "news": run.json("--today", TODAY, "news", "--since", "5y"),
        "references": run.json("--today", TODAY, "references"),
        "cards": [run.json("--today", TODAY, "show", n) for n in ("Grace", "Ada", "Bob", "Naomi")],
    }


@pytest.mark.parametrize("change", ["new news line", "birthday edited", "noticed line removed", "news note deleted"])
def test_incremental_index_equals_a_rebuild_after_one_change(tmp_path, change):
    root = write_vault(tmp_path / "live", {**NEWS_VAULT, **REF_VAULT,
                                           "People/Naomi.md": "---\nbirthday: --12-01\n---\n- 2026-11-01 Coffee\n"})
    answers(root, rebuild=False)  # indexed before the change
    if change == "new news line":
        (root / "Daily/2026-11-20.md").write_text("- 2026-11-20 [[Grace]] became CTO #news\n")
    elif change == "birthday edited":
        (root / "People/Naomi.md").write_text("---\nbirthday: 1990-11-21\n---\n- 2026-11-01 Coffee\n")
    elif change == "noticed line removed":
        (root / "Daily/2026-09-09.md").write_text("- 2026-09-09 Saw [[Ada]] at the meetup\n")
    else:
        (root / "Daily/2026-11-15.md").unlink()
    live = answers(root, rebuild=False)
    fresh = tmp_path / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("index"))
    assert live == answers(fresh, rebuild=True)


def test_news_and_references_as_a_subprocess(tmp_path):
    root = write_vault(tmp_path / "v", {**NEWS_VAULT, **REF_VAULT})
    result = run_subprocess("--vault", str(root), "--today", TODAY, "news")
    assert result.returncode == 0 and "Bob" in result.stdout and "Lisbon" in result.stdout
    result = run_subprocess("--vault", str(root), "--today", TODAY, "references", "--json")
    assert result.returncode == 0 and '"name": "Grace"' in result.stdout


# ---------------------------------------------------------------------- job changes from an import

LINKEDIN = ("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
            "Bob,Lee,https://www.linkedin.com/in/bob,bob@initech.example,Initech,Director of Engineering,02 Sep 2019\n"
            "Cy,Ng,https://www.linkedin.com/in/cy,cy@x.example,Hooli,Staff Engineer,02 Sep 2019\n")
JOB_VAULT = {
    "People/Bob Lee.md": "---\nemail: bob@initech.example\ncompany: \"[[Globex]]\"  # since 2021\n"
                         "role: Engineering Manager\nlocation: Utrecht\n---\n# Bob\n\n## Log\n- 2026-10-01 Coffee\n",
    "People/Cy Ng.md": "---\nemail: cy@x.example\ncompany: Hooli\nrole: Engineer\n---\n",
}


def test_an_import_with_a_new_job_takes_it_and_writes_one_news_line(vault, tmp_path):
    run = vault(JOB_VAULT)
    csv = tmp_path / "Connections.csv"
    csv.write_text(LINKEDIN)
    result = run.ok("--today", TODAY, "import", "linkedin", str(csv))
    assert "role: Engineering Manager -> Director of Engineering" in result.stdout
    bob = (run.root / "People/Bob Lee.md").read_text()
    assert 'company: "[[Initech]]"  # since 2021\nrole: Director of Engineering\nlocation: Utrecht\n' in bob
    assert bob.endswith("- 2026-10-01 Coffee\n- 2026-11-22 New role: Director of Engineering at Initech "
                        "(was Engineering Manager at Globex) #news\n")
    cy = (run.root / "People/Cy Ng.md").read_text()
    assert "role: Staff Engineer\n" in cy
    assert "- 2026-11-22 New role: Staff Engineer at Hooli (was Engineer) #news" in cy
    assert [r["name"] for r in run.json("--today", TODAY, "news")] == ["Bob Lee", "Cy Ng"]
    assert run.json("--today", TODAY, "due")[0]["reason"] == "news"
    before = {p: (run.root / p).read_bytes() for p in JOB_VAULT}
    again = run.ok("--today", "2026-11-23", "import", "linkedin", str(csv))
    assert "0 updated, 2 already up to date" in again.stderr
    assert {p: (run.root / p).read_bytes() for p in JOB_VAULT} == before  # the same file: no byte changes


def test_other_conflicting_fields_still_keep_the_note_s_value(vault, tmp_path):
    run = vault({"People/Ada.md": "---\nemail: ada@x.example\nlocation: London\nbirthday: 1985-01-01\n---\n"})
    card = tmp_path / "ada.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nEMAIL:ada@x.example\r\nBDAY:1985-02-02\r\n"
                    "ADR:;;;Paris;;;\r\nEND:VCARD\r\n")
    result = run.ok("--today", TODAY, "import", "vcard", str(card))
    assert "birthday: the note says '1985-01-01', the import says '1985-02-02'; kept the note's" in result.stderr
    ada = (run.root / "People/Ada.md").read_text()
    assert "birthday: 1985-01-01\n" in ada and "#news" not in ada  # only company and role are news
    assert run.json("--today", TODAY, "news") == []


def test_import_dry_run_shows_the_job_change_and_writes_nothing(vault, tmp_path):
    run = vault(JOB_VAULT)
    csv = tmp_path / "Connections.csv"
    csv.write_text(LINKEDIN)
    before = {p: (run.root / p).read_bytes() for p in JOB_VAULT}
    result = run.ok("--today", TODAY, "import", "linkedin", str(csv), "--dry-run")
    assert ("news: - 2026-11-22 New role: Director of Engineering at Initech (was Engineering Manager at Globex)"
            " #news") in result.stdout
    assert {p: (run.root / p).read_bytes() for p in JOB_VAULT} == before
