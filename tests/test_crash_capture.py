"""Crash safety of capture: `import calendar` (single meetings, a new series, new occurrences of
a series already in the vault, `--add-people`) and `import mail` (three months in one run, one
of them an existing month note), SIGKILLed at their changes to the file system and after
seeded delays (see test_crash.py for how the kill works).

After each kill every note is byte-identical to before or to the finished result, never cut
short, and nothing but vaultnet's hidden temporary files is left; running the command again
removes those and gives the bytes of an uninterrupted run: no meeting note twice, no mail
line twice, none missing.
"""

from __future__ import annotations

import random
import shutil

import pytest

from .capture_files import ME, attendee, google_event, ics, mbox, message
from .test_crash import kill_points, measured, network, spread, timed_kill
from .test_crash_contacts import MultiWriteScenario, kill_at

CONFIG = 'people_dirs = ["People"]\nme = "Me"\n'
SAM = "Sam Rivera <sam@acme.example>"


def capture_vault() -> dict[str, str]:
    """The crash tests' network, its first twelve people with an address, you, a series the
    calendar was imported from before, and a month of mail imported before."""
    files = network()
    files["People/Ada Lovelace.md"] = files["People/Ada Lovelace.md"].replace(
        "type: person\n", "type: person\nemail: ada@engines.example\n")
    for i in range(12):
        files[f"People/Person {i}.md"] = files[f"People/Person {i}.md"].replace(
            "type: person\n", f"type: person\nemail: p{i}@example.org\n")
    files["Me.md"] = ME
    files["Meetings/Guild.md"] = ("---\ncalendar_uid: guild@x\n---\n# Guild\n\n## Log\n"
                                  "- 2026-10-01 [[Person 1]], [[Person 2]]\n")
    files["Mail/2026-10.md"] = "# Mail 2026-10\n\n## Log\n- 2026-10-05 ✉️ [[Person 1]] budget\n"
    return files


CALENDAR = ics(
    google_event("one@x", "20261110T100000Z", "Coffee", attendee("p3@example.org", "Person 3")),
    google_event("two@x", "20261112T100000Z", "Design review", attendee("p4@example.org"),
                 attendee("p5@example.org"), attendee("dana@acme.example", "Dana Whitfield")),
    google_event("three@x", "20261002T100000Z", "Intro", attendee("ada@engines.example"),
                 attendee("eve@x.example", "Eve Stranger")),
    # In the vault since 2026-10-01: seven new occurrences.
    google_event("guild@x", "20261001T140000Z", "Guild", attendee("p1@example.org"), attendee("p2@example.org"),
                 extra="RRULE:FREQ=WEEKLY;COUNT=8"),
    google_event("standup@x", "20261102T090000Z", "Standup", attendee("p6@example.org"),
                 attendee("p7@example.org"), attendee("dana@acme.example", "Dana Whitfield"),
                 extra="RRULE:FREQ=DAILY;COUNT=5"),
)

MAIL = mbox(
    message(SAM, "Person 1 <p1@example.org>", "budget", "Mon, 05 Oct 2026 10:00:00 +0000"),  # there already
    message(SAM, "Person 2 <p2@example.org>", "Re: offsite", "Tue, 13 Oct 2026 10:00:00 +0000"),
    message("Person 3 <p3@example.org>", SAM, "slides", "Tue, 08 Sep 2026 10:00:00 +0000",
            cc="Person 4 <p4@example.org>"),
    message(SAM, "Ada <ada@engines.example>", "promo packet", "Tue, 03 Nov 2026 10:00:00 +0000"),
    message("Ada <ada@engines.example>", SAM, "Re: promo packet", "Tue, 03 Nov 2026 18:00:00 +0000"),
    message(SAM, "Person 5 <p5@example.org>", "lunch", "Fri, 20 Nov 2026 10:00:00 +0000", cc="Person 6 <p6@example.org>"),
    message("Person 7 <p7@example.org>", SAM, "Fwd: the deck", "Mon, 16 Nov 2026 10:00:00 +0000"),
)

CAPTURES = {
    # name: (arguments, config); `calendar` writes its new notes into a folder it makes first.
    "calendar": (("import", "calendar", "{tmp}/cal.ics"), CONFIG + 'meetings_dir = "Calendar"\n'),
    "calendar-add-people": (("import", "calendar", "{tmp}/cal.ics", "--add-people"), CONFIG),
    "mail": (("import", "mail", "{tmp}/mail.mbox"), CONFIG),
}


def scenario(tmp_path, name: str) -> MultiWriteScenario:
    args, config = CAPTURES[name]
    return MultiWriteScenario(tmp_path, args, files=capture_vault(), config=config,
                              inputs={"cal.ics": CALENDAR, "mail.mbox": MAIL})


def test_the_scenarios_write_what_they_are_about(tmp_path):
    """The kills below are only worth something if the uninterrupted runs write all of it."""
    plain = scenario(tmp_path / "plain", "calendar")
    assert sorted(plain.changed) == ["Calendar/2026-10-02 Intro.md", "Calendar/2026-11-10 Coffee.md",
                                     "Calendar/2026-11-12 Design review.md", "Calendar/Standup.md",
                                     "Meetings/Guild.md"]
    assert not (plain.template / "Calendar").exists()
    cal = scenario(tmp_path / "cal", "calendar-add-people")
    assert sorted(cal.changed) == ["Meetings/2026-10-02 Intro.md", "Meetings/2026-11-10 Coffee.md",
                                   "Meetings/2026-11-12 Design review.md", "Meetings/Guild.md",
                                   "Meetings/Standup.md", "People/Dana Whitfield.md", "People/Eve Stranger.md"]
    assert cal.after["Meetings/Guild.md"].count(b"\n- 2026-") == 8
    assert cal.after["Meetings/Standup.md"].count(b"[[Dana Whitfield]]") == 5
    mail = scenario(tmp_path / "mail", "mail")
    assert sorted(mail.changed) == ["Mail/2026-09.md", "Mail/2026-10.md", "Mail/2026-11.md"]
    assert [mail.after[f"Mail/2026-{m}.md"].count("✉️".encode()) for m in ("09", "10", "11")] == [2, 2, 4]


@pytest.mark.parametrize("name", list(CAPTURES))
def test_capture_killed_at_a_file_system_change_loses_nothing_and_a_rerun_finishes(tmp_path, name):
    s = scenario(tmp_path, name)
    assert kill_at(s, kill_points(s.ops, random.Random(21), structural=6, writes=1)) >= 6


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CAPTURES))
def test_capture_killed_at_every_file_system_change_loses_nothing(tmp_path, name):
    s = scenario(tmp_path, name)
    assert kill_at(s, list(range(1, len(s.ops) + 1))) == len(s.ops)


def kill_after_delays(s: MultiWriteScenario, seeds: list[int], runs: int) -> None:
    duration = measured(s.copy, s.args, runs=runs)
    for seed, delay in spread(duration, seeds):
        root = s.copy()
        code = timed_kill(root, s.args, delay)
        what = f"{s.args[:2]}, seed {seed}: killed after {delay:.3f}s of {duration:.3f}s (exit {code})"
        s.finish(root, what, s.check(root, what))
        shutil.rmtree(root)


@pytest.mark.parametrize("name", ["calendar-add-people", "mail"])
def test_capture_killed_after_a_seeded_delay_loses_nothing(tmp_path, name):
    kill_after_delays(scenario(tmp_path, name), [41, 42], runs=1)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CAPTURES))
def test_capture_killed_after_many_seeded_delays_loses_nothing(tmp_path, name):
    kill_after_delays(scenario(tmp_path, name), list(range(400, 430)), runs=3)
