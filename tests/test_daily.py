"""The daily loop (issue 13): see who is due, reach out, record it, and the list moves on.

`done`, `snooze`, `set`, `unset`, `edit` and `log --next/--news/--noticed`: each through
the CLI and as a subprocess, byte for byte (only the bytes the command is about change:
CRLF, a BOM and comments stay), with an editor saving the note meanwhile, with bad input,
and with the incremental index answering exactly as a rebuilt one after every write.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

import pytest

from .conftest import Run, run_subprocess, write_vault

TODAY = "2026-11-22"
CONFIG = 'people_dirs = ["People"]\norg_dirs = ["Companies"]\n'
NAOMI = (
    "---\n"
    "company: Stripe  # since 2024\n"
    "tags: [former-colleague]\n"
    "cadence: quarterly\n"
    "follow_up: 2026-10-31\n"
    "phone: \"+353 86 765 4321\"\n"
    "---\n"
    "# Naomi Walsh\n"
    "\n"
    "## Log\n"
    "- 2026-08-12 She referred me for the Stripe role #got\n"
    "- 2026-09-18 Mock interview over Zoom #got\n"
    "\n"
    "- [ ] Send Naomi a thank-you and the RFC\n"
)
FILES = {
    "People/Naomi Walsh.md": NAOMI,
    "People/Elena Rossi.md": "---\nfollow_up: 2026-11-20\n---\n## Log\n- 2026-11-01 Intro call\n",
    "People/Bob Lee.md": (
        "---\ncadence: 3m\n---\n## Log\n- 2026-09-14 Coffee\n\n"
        "- [ ] Review Bob's promo packet 📅 2026-11-18\n"
        "- [ ] Ask Bob about the offsite 📅 2026-12-01 ^offsite\n"
    ),
    "People/María García.md": "---\naliases: [Mari]\ncadence: 30d\n---\n- 2026-09-01 Met at PyCon\n",
    "People/Amara Nwosu.md": "---\ncadence: 90d\n---\n- 2026-04-14 Meetup\n",
    "Meetings/2026-08-12 Call with Naomi.md": "[[Naomi Walsh]] about Stripe.\n",
    "Projects/Deck.md": "- [ ] Send [[Amara Nwosu]] the deck 📅 2026-11-30\n",
    "Companies/Stripe.md": "Payments.\n",
}


@pytest.fixture
def run(vault):
    return vault(FILES, config=CONFIG)


def due(run, *args) -> dict[str, dict]:
    return {r["name"]: r for r in run.json("--today", TODAY, "due", "--within", "60", *args)}


def read(run, rel) -> bytes:
    return (run.root / rel).read_bytes()


# ---------------------------------------------------------------------- the follow-up rule

def test_regression_naomi_logged_after_her_follow_up_is_no_longer_overdue(run):
    assert due(run)["Naomi Walsh"]["reason"] == "follow_up"
    run.ok("--today", TODAY, "log", "Naomi Walsh", "Call about the Stripe offer")
    assert "Naomi Walsh" not in due(run)
    card = run.json("--today", TODAY, "show", "Naomi")
    assert (card["due_reason"], card["next_due"], card["follow_up_met"]) == ("cadence", "2027-02-22", True)


def test_regression_contact_the_day_after_the_follow_up_meets_it(run):
    run.ok("--today", TODAY, "log", "Elena", "Sent the scope", "--date", "2026-11-21")
    assert "Elena Rossi" not in due(run)  # no cadence: met, nothing else makes her due


def test_contact_before_the_follow_up_or_planned_after_it_does_not_meet_it(run):
    run.ok("--today", TODAY, "log", "Elena", "Planned lunch", "--date", "2026-12-05")
    assert due(run)["Elena Rossi"]["reason"] == "follow_up"  # a plan is not contact
    # From the planned day on, it is contact, and it meets the follow-up.
    assert "Elena Rossi" not in {r["name"] for r in run.json("--today", "2026-12-06", "due", "--within", "60")}


def test_an_open_follow_up_stands_in_for_the_cadence(run):
    assert due(run)["Amara Nwosu"]["reason"] == "cadence"  # 2026-07-13, long overdue
    run.ok("--today", TODAY, "set", "Amara", "follow_up", "2026-12-20")
    row = due(run)["Amara Nwosu"]
    # Her task (2026-11-30) is earlier than the follow-up; the cadence no longer counts.
    assert (row["reason"], row["next_due"]) == ("task", "2026-11-30")
    run.ok("--today", TODAY, "done", "Amara")
    assert (due(run)["Amara Nwosu"]["reason"], due(run)["Amara Nwosu"]["next_due"]) == ("follow_up", "2026-12-20")


def test_a_done_task_is_no_longer_due(run):
    assert due(run)["Bob Lee"]["reason"] == "task"
    run.ok("--today", TODAY, "done", "Bob", "promo")
    row = due(run)["Bob Lee"]
    assert (row["reason"], row["next_due"]) == ("task", "2026-12-01")
    assert row["last_contact"] == TODAY  # a done task is contact on its ✅ day


# ---------------------------------------------------------------------- done

def test_done_completes_the_earliest_due_task_in_place(run):
    before = read(run, "People/Bob Lee.md")
    result = run.ok("--today", TODAY, "done", "bob")
    assert result.stdout == "People/Bob Lee.md:7: - [x] Review Bob's promo packet 📅 2026-11-18 ✅ 2026-11-22\n"
    assert read(run, "People/Bob Lee.md") == before.replace(
        "- [ ] Review Bob's promo packet 📅 2026-11-18\n".encode(),
        "- [x] Review Bob's promo packet 📅 2026-11-18 ✅ 2026-11-22\n".encode())


def test_done_by_text_keeps_the_block_id_last(run):
    run.ok("--today", TODAY, "done", "Bob", "OFFSITE")
    assert "- [x] Ask Bob about the offsite 📅 2026-12-01 ✅ 2026-11-22 ^offsite\n" in \
        read(run, "People/Bob Lee.md").decode()


def test_done_completes_a_task_in_another_note_that_links_the_person(run):
    result = run.ok("--today", TODAY, "done", "Amara", "--json")
    assert json.loads(result.stdout)["path"] == "Projects/Deck.md"
    assert read(run, "Projects/Deck.md") == \
        "- [x] Send [[Amara Nwosu]] the deck 📅 2026-11-30 ✅ 2026-11-22\n".encode()


def test_done_without_a_due_date_takes_the_only_task(run):
    run.ok("--today", TODAY, "done", "Naomi")
    assert read(run, "People/Naomi Walsh.md") == NAOMI.replace(
        "- [ ] Send Naomi a thank-you and the RFC\n", "- [x] Send Naomi a thank-you and the RFC ✅ 2026-11-22\n").encode()


@pytest.mark.parametrize("args, words", [
    (["done", "Elena"], "Elena Rossi has no open task"),
    (["done", "Bob", "zeppelin"], "no open task of Bob Lee contains 'zeppelin'"),
    (["done", "Bob", "Bob"], "2 open tasks of Bob Lee contain 'Bob'"),
    (["done", "Nobody"], "no note called 'Nobody'"),
    (["done", "Stripe"], "Companies/Stripe.md is an organization, not a person"),
])
def test_done_bad_input_lists_and_writes_nothing(run, args, words):
    before = {p: read(run, p) for p in FILES}
    result = run("--today", TODAY, *args)
    assert result.exit_code == 1
    assert words in result.stderr
    if "contain" in words:  # the candidates are listed, with where they are
        assert "People/Bob Lee.md:7  Review Bob's promo packet 📅 2026-11-18" in result.stderr
    assert {p: read(run, p) for p in FILES} == before


def test_done_between_two_tasks_due_the_same_day_asks(vault):
    run = vault({"People/Cy.md": "- [ ] One 📅 2026-11-20\n- [ ] Two 📅 2026-11-20\n"}, config=CONFIG)
    result = run("--today", TODAY, "done", "Cy")
    assert result.exit_code == 1 and "say which" in result.stderr
    assert "People/Cy.md:1  One" in result.stderr and "People/Cy.md:2  Two" in result.stderr


def test_done_keeps_crlf_and_bom_and_every_other_byte(vault):
    raw = "\ufeff---\r\n# who\r\nname: Cy\r\n---\r\n- [ ] Call Cy 📅 2026-11-20\r\n- 2026-01-01 a\r\n".encode()
    run = vault({"People/Cy.md": raw}, config=CONFIG)
    run.ok("--today", TODAY, "done", "Cy")
    assert read(run, "People/Cy.md") == raw.replace("- [ ] Call Cy 📅 2026-11-20\r\n".encode(),
                                                    "- [x] Call Cy 📅 2026-11-20 ✅ 2026-11-22\r\n".encode())


def test_done_on_a_recurring_task_says_the_next_one_is_not_added(vault):
    run = vault({"People/Cy.md": "- [ ] Call Cy 🔁 every month 📅 2026-11-20\n"}, config=CONFIG)
    result = run.ok("--today", TODAY, "done", "Cy")
    assert "recurring" in result.stderr
    assert read(run, "People/Cy.md") == "- [x] Call Cy 🔁 every month 📅 2026-11-20 ✅ 2026-11-22\n".encode()


def test_done_finds_a_task_an_editor_moved_since_the_index_saw_it(run):
    run.ok("index")
    path = run.root / "People/Bob Lee.md"
    path.write_bytes(b"A new first line.\n" + path.read_bytes())
    run.ok("--today", TODAY, "--no-sync", "done", "Bob", "promo")  # the index still says line 6
    assert "- [x] Review Bob's promo packet 📅 2026-11-18 ✅ 2026-11-22\n" in path.read_text()
    assert path.read_text().startswith("A new first line.\n---\n")


def test_done_refuses_a_task_an_editor_removed_since_the_index_saw_it(run):
    run.ok("index")
    path = run.root / "People/Bob Lee.md"
    edited = path.read_text().replace("- [ ] Review Bob's promo packet 📅 2026-11-18\n", "")
    path.write_text(edited)
    result = run("--today", TODAY, "--no-sync", "done", "Bob", "promo")
    assert result.exit_code == 1 and "no longer there" in result.stderr and "nothing was changed" in result.stderr
    assert path.read_text() == edited


# ---------------------------------------------------------------------- an editor saving meanwhile

def editor_saves_during_the_write(monkeypatch, path, text: bytes):
    """The first fsync of the write (its temporary file) is when an editor saves the note."""
    real = os.fsync
    state = {"done": False}

    def fsync(fd):
        if not state["done"]:
            state["done"] = True
            path.write_bytes(text)
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.parametrize("args", [
    ["done", "Bob"],
    ["snooze", "Bob", "2w"],
    ["set", "Bob", "cadence", "2w"],
    ["unset", "Bob", "cadence"],
    ["log", "Bob", "Call", "--next", "3w"],
], ids=["done", "snooze", "set", "unset", "log-next"])
def test_a_note_an_editor_saves_meanwhile_is_not_written(run, monkeypatch, args):
    run.ok("index")
    path = run.root / "People/Bob Lee.md"
    saved = path.read_bytes() + b"\nA line the editor saved.\n"
    editor_saves_during_the_write(monkeypatch, path, saved)
    result = run("--today", TODAY, *args)
    assert result.exit_code == 1
    assert "changed on disk" in result.stderr and "nothing was changed" in result.stderr
    assert path.read_bytes() == saved
    assert [p for p in run.root.rglob("*") if "vaultnet-tmp" in p.name] == []


# ---------------------------------------------------------------------- snooze

def test_snooze_sets_the_follow_up_and_the_person_leaves_the_list(run):
    assert due(run)["Amara Nwosu"]["overdue_days"] > 100
    result = run.ok("--today", TODAY, "snooze", "Amara", "2w")
    assert result.stdout == "People/Amara Nwosu.md:3: follow_up: 2026-12-06 (in 14 days)\n"
    assert "still due 2026-11-30 (task)" in result.stderr
    assert read(run, "People/Amara Nwosu.md") == b"---\ncadence: 90d\nfollow_up: 2026-12-06\n---\n- 2026-04-14 Meetup\n"
    assert "Amara Nwosu" not in {r["name"] for r in run.json("--today", TODAY, "due")}


def test_snooze_replaces_the_old_date_keeping_its_comment_and_quotes(vault):
    run = vault({"People/Cy.md": "---\nfollow_up: '2026-10-31'  # after the offer\nname: Cy\n---\n"}, config=CONFIG)
    run.ok("--today", TODAY, "snooze", "Cy", "2026-12-24")
    assert read(run, "People/Cy.md") == b"---\nfollow_up: '2026-12-24'  # after the offer\nname: Cy\n---\n"


@pytest.mark.parametrize("when, words", [
    ("2026-11-01", "in the past"), ("3d ago", "in the past"), ("soon", "is not a day"), ("2026-02-30", "is not a day"),
])
def test_snooze_bad_days_are_usage_errors(run, when, words):
    before = read(run, "People/Amara Nwosu.md")
    result = run("--today", TODAY, "snooze", "Amara", when)
    assert result.exit_code == 2 and words in result.stderr
    assert read(run, "People/Amara Nwosu.md") == before


# ---------------------------------------------------------------------- set / unset

ADA = (
    "---\n"
    "# my mentor\n"
    "name: 'Ada Lovelace'\n"
    "aliases: [Ada]\n"
    "org: \"[[Analytical Engines]]\"   # since 2024\n"
    "tags:\n"
    "  - mentor\n"
    "cadence: monthly  # come with a question\n"
    "\n"
    "---\n"
    "Body with a cadence: line that is not frontmatter.\n"
)


@pytest.fixture
def ada(vault):
    return vault({"People/Ada.md": ADA}, config=CONFIG)


@pytest.mark.parametrize("args, old, new", [
    (["cadence", "2w"], "cadence: monthly  # come with a question\n", "cadence: 2w  # come with a question\n"),
    (["company", "[[Globex]]"], 'org: "[[Analytical Engines]]"   # since 2024\n', 'org: "[[Globex]]"   # since 2024\n'),
    (["tags", "mentor", "ml"], "tags:\n  - mentor\n", "tags:\n  - mentor\n  - ml\n"),
    (["aliases", "Countess"], "aliases: [Ada]\n", "aliases: [Countess]\n"),
    (["name", "Ada King"], "name: 'Ada Lovelace'\n", "name: 'Ada King'\n"),
    (["follow_up", "2w"], "\n---\n", "follow_up: 2026-12-06\n\n---\n"),
    (["last_contact", "3d", "ago"], "\n---\n", "last_contact: 2026-11-19\n\n---\n"),
    (["birthday", "12-10"], "\n---\n", "birthday: --12-10\n\n---\n"),
    (["location", "London, UK"], "\n---\n", "location: London, UK\n\n---\n"),
])
def test_set_changes_one_field_and_nothing_else(ada, args, old, new):
    ada.ok("--today", TODAY, "set", "Ada", *args)
    assert read(ada, "People/Ada.md").decode() == ADA.replace(old, new, 1)


@pytest.mark.parametrize("value, written", [
    ("01234", "'01234'"), ("yes", "'yes'"), ("null", "'null'"), ("1e3", "'1e3'"), ("#vip", "'#vip'"),
    ("a: b", "'a: b'"), ("30", "30"), ("+31 6 1234", "+31 6 1234"),
])
def test_set_quotes_a_value_yaml_would_read_as_something_else(ada, value, written):
    result = ada.ok("--today", TODAY, "set", "Ada", "zip", value, "--new")
    assert result.stdout == f"People/Ada.md:9: zip: {written}\n"
    assert ada.json("show", "Ada")["fields"]["zip"] == value  # read back as the text given


@pytest.mark.parametrize("args, words", [
    (["cadance", "2w"], "'cadance' is not a contact field and not in the note (did you mean cadence?)"),
    (["cadence", "often"], "cadence: 'often' is not a cadence"),
    (["follow_up", "next", "week"], "follow_up: 'next week' is not a day"),
    (["birthday", "1979-02-30"], "is not YYYY-MM-DD"),
    (["a: b", "x", "--new"], "cannot be a frontmatter key"),
    (["#x", "y", "--new"], "cannot be a frontmatter key"),
    (["-x", "y", "--new"], None),
    (["zip", "one\ntwo", "--new"], "a value must be one line"),
    (["zip", "  ", "--new"], "an empty value"),
])
def test_set_refuses_what_would_break_the_block_or_mean_nothing(ada, args, words):
    result = ada("--today", TODAY, "set", "Ada", *args)
    assert result.exit_code in (1, 2)
    if words:
        assert words in result.stderr
    assert read(ada, "People/Ada.md").decode() == ADA


def test_unset_takes_out_the_key_and_its_lines_only(ada):
    result = ada.ok("unset", "Ada", "tags")
    assert result.stdout == "People/Ada.md: removed tags: - mentor\n"
    assert read(ada, "People/Ada.md").decode() == ADA.replace("tags:\n  - mentor\n", "")
    ada.ok("unset", "Ada", "Cadence")  # any case
    assert "cadence" not in read(ada, "People/Ada.md").decode().split("---")[1]
    assert read(ada, "People/Ada.md").decode().endswith("Body with a cadence: line that is not frontmatter.\n")


def test_unset_a_missing_key_lists_the_fields(ada):
    result = ada("unset", "Ada", "cadance")
    assert result.exit_code == 1
    assert "People/Ada.md has no 'cadance' field (did you mean cadence?); its fields: name, aliases, org" \
        in result.stderr
    assert read(ada, "People/Ada.md").decode() == ADA


def test_set_and_unset_keep_crlf_and_bom(vault):
    raw = "\ufeff---\r\nname: Cy # c\r\ncadence: 1m\r\n---\r\nbody\r\n".encode()
    run = vault({"People/Cy.md": raw}, config=CONFIG)
    run.ok("set", "Cy", "cadence", "2w")
    assert read(run, "People/Cy.md") == raw.replace(b"cadence: 1m", b"cadence: 2w")
    run.ok("unset", "Cy", "cadence")
    assert read(run, "People/Cy.md") == raw.replace(b"cadence: 1m\r\n", b"")


def test_set_a_note_with_broken_frontmatter_is_refused(vault):
    raw = "---\nname: [Cy\n---\nbody\n"  # an unclosed flow list ({{title}} is read as text now)
    run = vault({"People/Cy.md": raw}, config=CONFIG)
    result = run("set", "Cy", "cadence", "2w")
    assert result.exit_code == 1 and "cannot edit the frontmatter" in result.stderr
    assert read(run, "People/Cy.md").decode() == raw


# ---------------------------------------------------------------------- log

def test_log_goes_after_the_last_log_line_not_after_an_open_task(run):
    result = run.ok("--today", TODAY, "log", "naomi", "Call about the offer")
    assert result.stdout == "People/Naomi Walsh.md:13: - 2026-11-22 Call about the offer\n"
    assert read(run, "People/Naomi Walsh.md").decode() == NAOMI.replace(
        "Mock interview over Zoom #got\n", "Mock interview over Zoom #got\n- 2026-11-22 Call about the offer\n")


def test_log_into_a_newest_first_log_goes_on_top(vault):
    run = vault({"People/Cy.md": "## Log\n- 2026-03-01 b\n- 2026-01-01 a\n"}, config=CONFIG)
    run.ok("--today", TODAY, "log", "Cy", "c")
    assert read(run, "People/Cy.md") == b"## Log\n- 2026-11-22 c\n- 2026-03-01 b\n- 2026-01-01 a\n"


def test_log_next_logs_and_sets_the_follow_up_in_one_write(run):
    result = run.ok("--today", TODAY, "log", "Naomi", "Call", "--next", "3w")
    assert result.stdout == ("People/Naomi Walsh.md:13: - 2026-11-22 Call\n"
                             "People/Naomi Walsh.md: follow_up: 2026-12-13 (in 21 days)\n")
    assert read(run, "People/Naomi Walsh.md").decode() == NAOMI.replace(
        "follow_up: 2026-10-31", "follow_up: 2026-12-13").replace(
        "Mock interview over Zoom #got\n", "Mock interview over Zoom #got\n- 2026-11-22 Call\n")
    assert due(run)["Naomi Walsh"]["next_due"] == "2026-12-13"


@pytest.mark.parametrize("flag, tag", [("--news", "#news"), ("--noticed", "#noticed"), ("--gave", "#gave")])
def test_log_marker_flags(run, flag, tag):
    run.ok("--today", TODAY, "log", "Elena", "Moved to Berlin", flag)
    assert f"- 2026-11-22 Moved to Berlin {tag}\n" in read(run, "People/Elena Rossi.md").decode()
    card = run.json("--today", TODAY, "show", "Elena")
    assert tag.lstrip("#") not in card["tags"]  # a marker, not a tag
    # News is about them, not contact with them: it meets no follow-up.
    assert (card["last_contact"] == "2026-11-01") == (flag == "--news")


@pytest.mark.parametrize("day, written", [("today", "2026-11-22"), ("yesterday", "2026-11-21"),
                                          ("3d ago", "2026-11-19"), ("2w ago", "2026-11-08")])
def test_log_date_words(run, day, written):
    run.ok("--today", TODAY, "log", "Elena", "Call", "--date", day)
    assert f"- {written} Call\n" in read(run, "People/Elena Rossi.md").decode()


@pytest.mark.parametrize("args, code, words", [
    (["log", "Elena", "x", "--date", "3d"], 2, "'3d' is 3 days from now; for the past say '3d ago'"),
    (["log", "Elena", "x", "--news", "--gave"], 2, "use just one of --gave, --got, --news or --noticed"),
    (["log", "Elena", "x", "--next", "yesterday"], 2, "in the past"),
    (["log", "Call with Naomi", "x"], 1, "Meetings/2026-08-12 Call with Naomi.md is a note, not a person; "
                                         "to log there anyway: vaultnet log --any"),
])
def test_log_bad_input(run, args, code, words):
    before = {p: read(run, p) for p in FILES}
    result = run("--today", TODAY, *args)
    assert result.exit_code == code and words in result.stderr
    assert {p: read(run, p) for p in FILES} == before


def test_log_any_writes_into_a_note_that_is_not_a_person(run):
    run.ok("--today", TODAY, "log", "--any", "Call with Naomi", "Follow-up sent")
    assert read(run, "Meetings/2026-08-12 Call with Naomi.md") == \
        b"[[Naomi Walsh]] about Stripe.\n\n## Log\n- 2026-11-22 Follow-up sent\n"


# ---------------------------------------------------------------------- edit

def test_edit_opens_the_note_in_the_editor_and_the_index_takes_the_change(run, tmp_path):
    script = tmp_path / "editor.py"
    script.write_text("import sys\nopen(sys.argv[1], 'a').write('- 2026-11-22 Edited by hand\\n')\n")
    editor = f"{sys.executable} {script}"
    result = run("--today", TODAY, "edit", "Elena", env={"VISUAL": "", "EDITOR": editor})
    assert result.exit_code == 0, result.stderr
    assert "People/Elena Rossi.md: saved" in result.stderr
    assert read(run, "People/Elena Rossi.md").endswith(b"- 2026-11-22 Edited by hand\n")
    assert run.json("--today", TODAY, "--no-sync", "show", "Elena")["last_contact"] == TODAY


def test_edit_without_an_editor_says_how_to_set_one(run):
    result = run("edit", "Elena", env={"VISUAL": "", "EDITOR": ""})
    assert result.exit_code == 2 and "set $VISUAL or $EDITOR" in result.stderr


# ---------------------------------------------------------------------- as a user runs them

def test_the_loop_as_subprocesses(tmp_path):
    root = write_vault(tmp_path / "v", FILES, config=CONFIG)

    def vn(*args):
        done = run_subprocess("--vault", str(root), "--today", TODAY, *args)
        assert done.returncode == 0, (args, done.stderr)
        return done.stdout

    assert "Naomi Walsh" in vn("due")
    vn("log", "Naomi", "Call about the offer", "--next", "2w")
    vn("done", "Bob", "promo")
    vn("log", "elena", "Sent the scope", "--date", "yesterday", "--gave")
    vn("snooze", "Amara", "2w")
    vn("set", "María", "cadence", "2w")
    vn("unset", "María", "aliases")
    edit = run_subprocess("--vault", str(root), "edit", "Elena", env={"VISUAL": "true", "EDITOR": ""})
    assert edit.returncode == 0 and "unchanged" in edit.stderr
    names = [row["name"] for row in json.loads(vn("due", "--json"))]
    assert names == ["María García"]  # 2026-09-01 + 2w; everyone else has moved on
    assert read_text(root, "People/María García.md") == "---\ncadence: 2w\n---\n- 2026-09-01 Met at PyCon\n"


def read_text(root, rel) -> str:
    return (root / rel).read_text(encoding="utf-8")


# ---------------------------------------------------------------------- the index stays a cache

WRITES = [
    ("log", "Naomi Walsh", "Call", "--next", "2w"),
    ("log", "Elena", "Planned lunch", "--date", "2026-11-25"),
    ("done", "Bob", "promo"),
    ("done", "Amara"),
    ("snooze", "Bob", "1w"),
    ("set", "María", "follow_up", "2026-11-21"),
    ("log", "Mari", "Coffee", "--date", "yesterday"),
    ("set", "Amara", "cadence", "2w"),
    ("unset", "Naomi", "follow_up"),
    ("log", "Elena", "Moved teams", "--news"),
]
ASKS = [("due", "--within", "60"), ("ledger",), ("show", "Naomi"), ("show", "Bob"), ("show", "María"),
        ("show", "Amara"), ("show", "Elena")]


def answers(root) -> dict:
    run = Run(root)
    return {" ".join(a): json.loads(run.ok("--today", TODAY, *a, "--json").stdout) for a in ASKS}


def test_after_each_write_the_incremental_index_answers_as_a_rebuilt_one(tmp_path):
    live = write_vault(tmp_path / "live", FILES, config=CONFIG)
    run = Run(live)
    run.ok("index")
    for k, args in enumerate(WRITES):
        run.ok("--today", TODAY, *args)
        fresh = tmp_path / f"fresh{k}"
        shutil.copytree(live, fresh, ignore=lambda d, names: ["index"] if d.endswith(".vaultnet") else [])
        Run(fresh).ok("index", "--rebuild")
        assert answers(live) == answers(fresh), f"after {' '.join(args)}"
        shutil.rmtree(fresh)
