"""Security of what other programs' files make vaultnet write (SPEC §4, §7, §9), and of `set`.

A calendar or a mailbox is someone else's text: an event's title, location and attendees'
names, a message's subject and sender's name are chosen by whoever sent the invitation or
the mail. Whatever they hold (`../../x`, absolute paths, NUL, `[[`, `]]`, line breaks,
`---`, `#tags`, `%%`), they are names: `import calendar` and `import mail` write only
inside the vault's meetings_dir, mail_dir (and people_dirs with --add-people), each log
line stays one line, and a note gains no link, tag or frontmatter the import did not mean.

`set` takes the user's own text, but a key or value that would break the frontmatter block
is refused with a clear message and nothing written; one that YAML would read as syntax
is written so that it reads back as the text given.

The MCP server (vaultnet/assistant/, issue 17) is not on this branch: its checks are left
to the lead (see the report of issue 18).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import tempfile
from collections import Counter
from pathlib import Path

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Run, write_vault
from tests.costs import report_examples
from tests.test_security import Outside, temp_files
from vaultnet.notes.note import parse_note

EXAMPLES: Counter = Counter()
TODAY = "2026-11-22"
CONFIG = 'people_dirs = ["People"]\nme = "Me"\n'
PEOPLE = {
    "People/Ada Lovelace.md": "---\ntype: person\nemail: ada@engines.example\n---\n# Ada\n\n## Log\n",
    "People/Bob Lee.md": "---\ntype: person\nemail: bob@initech.example\n---\n# Bob\n",
    "Me.md": "---\ntype: person\nname: Sam Rivera\nemail: sam@acme.example\n---\n# Me\n",
}

# The brief's names, and what else a file may hold that means something to a path or to Markdown.
HOSTILE = ["../../x", "..\\..\\x", "/etc/passwd", "C:\\Windows\\x", "~/x", "$HOME", "x\x00y", "[[Ada Lovelace]]",
           "]] [[", "[[", "]]", "a\nb", "a\r\nb", "\n---\nevil: 1\n---\n", "---", "#gave #tag", "%% hidden",
           "<!-- c -->", "`code`", "[x](../../x.md)", "![[secret.png]]", "|", "^block", "\u2028", "\u202eevil",
           "CON", ".", "..", " ", "", "x" * 300]
pieces = st.sampled_from(HOSTILE + ["Ada", " ", "é", "🦆", "\\", "\"", "'", ":", ";", ","])
hostile = st.lists(pieces, min_size=1, max_size=6).map("".join)


@pytest.fixture(scope="module", autouse=True)
def _report_examples(request):
    yield
    report_examples(request, EXAMPLES, "test_security_capture")


def vault_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".vaultnet" not in p.relative_to(root).parts}


def calendar_file(title: str, location: str, name: str) -> bytes:
    """A single meeting and a weekly series, both with Bob (a contact) and a stranger called `name`."""
    cal = icalendar.Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", "-//Google Inc//Google Calendar 70.9054//EN")
    for uid, start, rule in (("single@x", dt.datetime(2026, 11, 10, 10, tzinfo=dt.timezone.utc), None),
                             ("series@x", dt.datetime(2026, 11, 3, 10, tzinfo=dt.timezone.utc), {"FREQ": "WEEKLY",
                                                                                                 "COUNT": 2})):
        event = icalendar.Event()
        event.add("uid", uid)
        event.add("dtstart", start)
        event.add("summary", title)
        event.add("location", location)
        if rule:
            event.add("rrule", rule)
        for email, cn in (("bob@initech.example", "Bob Lee"), ("stranger@x.example", name)):
            who = icalendar.vCalAddress(f"mailto:{email}")
            who.params["CN"] = cn.replace('"', "'")  # a quoted parameter holds no DQUOTE (RFC 5545)
            event.add("attendee", who)
        cal.add_component(event)
    return cal.to_ical()


def encoded(text: str) -> str:
    """`text` as an RFC 2047 encoded word: any character, line breaks and NUL too, reaches the reader."""
    return "=?utf-8?b?" + base64.b64encode(text.encode("utf-8", "surrogatepass")).decode() + "?="


def mail_file(subject: str, name: str) -> bytes:
    """Two messages of one thread with Ada (a contact), from `name` <ada@...> and to her."""
    out = []
    for frm, to, day in ((f"{encoded(name)} <ada@engines.example>", "Sam <sam@acme.example>", 3),
                         ("Sam <sam@acme.example>", f"{encoded(name)} <ada@engines.example>", 4)):
        out.append(f"From - Tue Nov 0{day} 10:00:00 2026\nFrom: {frm}\nTo: {to}\nSubject: {encoded(subject)}\n"
                   f"Date: Tue, 0{day} Nov 2026 10:00:00 +0100\nMessage-ID: <{day}@x.example>\n\nHello.\n\n")
    return "".join(out).encode()


def check_note(root: Path, rel: str, keys: set[str]) -> object:
    """A note an import wrote: one frontmatter block (these keys at most), no problem, no tag."""
    note = parse_note((root / rel).read_bytes(), rel)
    assert not note.problems, (rel, note.problems)
    assert set(note.frontmatter) <= keys, (rel, note.frontmatter)
    assert note.tags == [], (rel, note.tags)
    return note


def link_targets(note) -> list[str]:
    """Each link's note name (`People/x.md` and `x` both give `x`)."""
    return [link.target.removesuffix(".md").rsplit("/", 1)[-1] for link in note.links]


def _import_calendar(title: str, location: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        source = tmp_path / "inputs" / "cal.ics"
        source.parent.mkdir()
        source.write_bytes(calendar_file(title, location, name))
        run = Run(write_vault(tmp_path / "vault", PEOPLE, CONFIG))
        outside = Outside(tmp_path)
        before = vault_files(run.root)
        result = run("--today", TODAY, "import", "calendar", str(source), "--add-people", "--json")
        assert result.exit_code == 0, result.stderr
        outside.assert_unchanged()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs", "outside", "vault"]
        assert temp_files(run.root) == []
        after = vault_files(run.root)
        assert {k: v for k, v in after.items() if k in before} == before, "a note outside the import changed"
        new = sorted(set(after) - set(before))
        meetings = [p for p in new if p.startswith("Meetings/")]
        people = [p for p in new if p.startswith("People/")]
        assert len(meetings) == 2 and sorted(meetings + people) == new, new
        assert all(p.count("/") == 1 and not p.split("/")[1].startswith(".") for p in new), new
        assert len(people) <= 1  # the stranger, when the name is one to give a note
        names = {"Bob Lee"} | {p[len("People/"):-3] for p in people}
        for rel in people:
            note = check_note(run.root, rel, {"type", "name", "email", "emails", "source", "aliases"})
            assert note.links == [] and note.body.startswith("# "), (rel, note.links, note.body)
        for rel in meetings:
            note = check_note(run.root, rel, {"date", "attendees", "location", "calendar_uid"})
            assert set(link_targets(note)) <= names and "Bob Lee" in link_targets(note), (rel, note.links)
            lines = note.body.split("\n")
            assert lines[0].startswith("# ") and lines[1:2] in ([], [""]) or lines[1:3] == ["", "## Log"], note.body
            logged = [line for line in lines if line.startswith("- ")]
            assert len(note.log_lines) == len(logged) == (2 if "Log" in note.body else 0), note.body
            assert all(g.date in ("2026-11-03", "2026-11-10") for g in note.log_lines), note.log_lines


def _import_mail(subject: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        source = tmp_path / "inputs" / "mail.mbox"
        source.parent.mkdir()
        source.write_bytes(mail_file(subject, name))
        run = Run(write_vault(tmp_path / "vault", PEOPLE, CONFIG))
        outside = Outside(tmp_path)
        before = vault_files(run.root)
        result = run("--today", TODAY, "import", "mail", str(source), "--json")
        assert result.exit_code == 0, result.stderr
        outside.assert_unchanged()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs", "outside", "vault"]
        assert temp_files(run.root) == []
        after = vault_files(run.root)
        assert {k: v for k, v in after.items() if k in before} == before
        assert sorted(set(after) - set(before)) == ["Mail/2026-11.md"]
        note = check_note(run.root, "Mail/2026-11.md", set())
        text = after["Mail/2026-11.md"].decode("utf-8")
        lines = text.split("\n")
        assert lines[:3] == ["# Mail 2026-11", "", "## Log"] and lines[-1] == "", text
        assert len(lines) == 3 + len(note.log_lines) + 1 and len(note.log_lines) in (1, 2), text
        assert [g.line for g in note.log_lines] == list(range(4, 4 + len(note.log_lines)))
        assert link_targets(note) == ["Ada Lovelace"] * len(note.log_lines), note.links


@pytest.mark.parametrize("title", HOSTILE, ids=[repr(h[:12]) for h in HOSTILE])
def test_calendar_titles_locations_and_names_are_names_never_paths_or_markdown(title):
    _import_calendar(title, title, title)


@pytest.mark.parametrize("subject", HOSTILE, ids=[repr(h[:12]) for h in HOSTILE])
def test_mail_subjects_and_names_are_names_never_paths_or_markdown(subject):
    _import_mail(subject, subject)


@pytest.mark.parametrize("name, title", [
    ("[[Ada Lovelace]]", "# ((Ada Lovelace))"), ("#gave #tag", "# \\#gave \\#tag"),
    ("%% hidden", "# %\u200b% hidden"), ("![[secret.png]]", "# !((secret.png))"),
])
def test_regression_an_attendee_named_like_markdown_gets_a_note_with_no_link_tag_or_comment(tmp_path, name, title):
    """`import calendar --add-people` wrote the attendee's name as it came into the new note's
    `# title` and `name:`: a CN of `[[Ada Lovelace]]` made the stranger's note link Ada (twice),
    `#gave` tagged it, `%%` opened an Obsidian comment that hid its `## Log`. The name is now a
    plain one, as in the meeting's attendees (brackets become parentheses), and a title is
    always written escaped (writes.plain_text: `#` stays text)."""
    source = tmp_path / "cal.ics"
    source.write_bytes(calendar_file("Coffee", "", name))
    run = Run(write_vault(tmp_path / "vault", PEOPLE, CONFIG))
    run.ok("--today", TODAY, "import", "calendar", str(source), "--add-people")
    [added] = [p for p in (run.root / "People").iterdir() if p.name not in ("Ada Lovelace.md", "Bob Lee.md")]
    note = parse_note(added.read_bytes(), f"People/{added.name}")
    assert note.links == [] and note.tags == [] and not note.problems
    assert note.body.split("\n")[:3] == [title, "", "## Log"]
    assert note.frontmatter["email"] == "stranger@x.example"
    meeting = parse_note((run.root / "Meetings/2026-11-10 Coffee.md").read_bytes(), "Meetings/x.md")
    assert sorted(link_targets(meeting)) == sorted(["Bob Lee", added.name[:-3]])
    assert run.json("backlinks", "Ada Lovelace") == []


def test_regression_a_new_person_notes_title_is_the_name_as_text(tmp_path):
    """`add` and every import wrote `# {name}` as it came: `#` in a name tagged the note, `%%`
    hid its `## Log` in Obsidian. The title is the name escaped; it reads the same."""
    run = Run(write_vault(tmp_path / "vault", PEOPLE, CONFIG))
    path = run.ok("add", "C# Dev %% x `y`").stdout.strip()
    note = parse_note((run.root / path).read_bytes(), path)
    assert note.body.lstrip("\n").startswith("# C\\# Dev %\\% x \\`y\\`\n\n## Log\n") and note.tags == [] and not note.links
    assert note.name == "C# Dev %% x `y`"


SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large]


@settings(max_examples=25, deadline=None, suppress_health_check=SUPPRESS)
@given(title=hostile, location=hostile, name=hostile)
def test_any_calendar_text_stays_a_name(title, location, name):
    EXAMPLES["calendar import, hostile text"] += 1
    _import_calendar(title, location, name)


@settings(max_examples=25, deadline=None, suppress_health_check=SUPPRESS)
@given(subject=hostile, name=hostile)
def test_any_mail_text_stays_a_name(subject, name):
    EXAMPLES["mail import, hostile text"] += 1
    _import_mail(subject, name)


@pytest.mark.slow
@settings(max_examples=500, deadline=None, suppress_health_check=SUPPRESS)
@given(title=hostile, location=hostile, name=hostile)
def test_any_calendar_text_stays_a_name_long(title, location, name):
    EXAMPLES["calendar import, hostile text"] += 1
    _import_calendar(title, location, name)


@pytest.mark.slow
@settings(max_examples=500, deadline=None, suppress_health_check=SUPPRESS)
@given(subject=hostile, name=hostile)
def test_any_mail_text_stays_a_name_long(subject, name):
    EXAMPLES["mail import, hostile text"] += 1
    _import_mail(subject, name)


# =========================================================================== folders that lead outside

@pytest.mark.parametrize("kind, folder", [("calendar", "Meetings"), ("mail", "Mail")])
def test_an_import_folder_that_links_outside_is_refused(tmp_path, kind, folder):
    source = tmp_path / "inputs" / "file"
    source.parent.mkdir()
    source.write_bytes(calendar_file("Coffee", "", "Dana") if kind == "calendar" else mail_file("Hi", "Ada"))
    run = Run(write_vault(tmp_path / "vault", PEOPLE, CONFIG))
    outside = Outside(tmp_path)
    os.symlink(tmp_path / "outside", run.root / folder)
    result = run("--today", TODAY, "import", kind, str(source))
    assert result.exit_code == 1 and "outside the vault" in result.stderr, result.stderr
    outside.assert_unchanged()


def test_a_month_note_that_links_outside_is_never_written_through(tmp_path):
    source = tmp_path / "inputs" / "mail.mbox"
    source.parent.mkdir()
    source.write_bytes(mail_file("Hi", "Ada"))
    run = Run(write_vault(tmp_path / "vault", PEOPLE, CONFIG))
    outside = Outside(tmp_path)
    (run.root / "Mail").mkdir()
    os.symlink(tmp_path / "outside" / "keep.md", run.root / "Mail" / "2026-11.md")
    result = run("--today", TODAY, "import", "mail", str(source))
    assert result.exit_code == 1 and "outside the vault" in result.stderr, result.stderr
    outside.assert_unchanged()


@pytest.mark.parametrize("key, folder", [("meetings_dir", "../out"), ("mail_dir", "/abs/out"),
                                         ("meetings_dir", "a/../../out"), ("mail_dir", "..")])
def test_an_import_folder_configured_outside_is_refused(tmp_path, key, folder):
    source = tmp_path / "inputs" / "file"
    source.parent.mkdir()
    source.write_bytes(calendar_file("Coffee", "", "Dana") if key == "meetings_dir" else mail_file("Hi", "Ada"))
    run = Run(write_vault(tmp_path / "vault", PEOPLE, CONFIG + f'{key} = "{folder}"\n'))
    outside = Outside(tmp_path)
    result = run("--today", TODAY, "import", "calendar" if key == "meetings_dir" else "mail", str(source))
    assert result.exit_code == 1 and key in result.stderr and "outside the vault" in result.stderr
    outside.assert_unchanged()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs", "outside", "vault"]


# =========================================================================== set

NOTE = "---\nname: Ada Lovelace\n# her own words\ntype: person\ntags: [mentor]\n---\n# Ada\n\n## Log\n"


@pytest.mark.parametrize("key, values, says", [
    ("---", ["x"], "'---' cannot be a frontmatter key"),
    ("a: b", ["x"], "'a: b' cannot be a frontmatter key"),
    ("k\nname", ["x"], "cannot be a frontmatter key"),
    ("!!python/object:os.system", ["x"], "cannot be a frontmatter key"),
    ("&anchor", ["x"], "cannot be a frontmatter key"),
    ("*alias", ["x"], "cannot be a frontmatter key"),
    ("? k", ["x"], "cannot be a frontmatter key"),
    ("k" * 101, ["x"], "a key of 101 characters is too long for a frontmatter key (at most 100)"),
    ("note", ["x\n---\nevil: 1"], "note: a value must be one line of text"),
    ("note", ["a\r\nb: c"], "note: a value must be one line of text"),
    ("note", ["x\x00"], "note: a value must be one line of text"),
    ("note", ["x" * 1_001], "note: a value of 1,001 characters is too long for a frontmatter field (at most 1,000)"),
    ("note", ["x" * 1_000] * 11, "11,000 characters of values are too many for one frontmatter field"),
    ("note", ["x\udcff"], "note: a value must be text (this one holds bytes that are not UTF-8)"),
])
def test_set_refuses_what_would_break_the_frontmatter_and_writes_nothing(tmp_path, key, values, says):
    run = Run(write_vault(tmp_path / "vault", {"People/Ada Lovelace.md": NOTE}, CONFIG))
    outside = Outside(tmp_path)
    before = vault_files(run.root)
    result = run("--today", TODAY, "set", "--new", "--", "Ada", key, *values)
    assert result.exit_code == 1, result.stdout
    assert result.stderr.startswith("Error: ") and says in result.stderr and result.stderr.count("\n") == 1
    assert vault_files(run.root) == before and temp_files(run.root) == []
    outside.assert_unchanged()


@pytest.mark.parametrize("value", ["!!python/object/apply:os.system [touch PWNED]", "!!binary aGVsbG8=", "&a x",
                                   "*a", "a: b", "---", "...", "[[Bob Lee]]: y", "{a: b}", "[a, b]", "- item", "? x",
                                   "# not a comment", "a #not a comment", "|", ">", "%YAML 1.1", "yes", "~", "01234"])
def test_set_writes_yaml_syntax_as_the_text_given(tmp_path, value):
    """A value YAML would read as a tag, an anchor, an alias, a mapping, a list, a comment or a
    number is quoted: it reads back as the text, nothing is constructed, the block stays one."""
    run = Run(write_vault(tmp_path / "vault", {"People/Ada Lovelace.md": NOTE}, CONFIG))
    outside = Outside(tmp_path)
    run.ok("--today", TODAY, "set", "--new", "--", "Ada", "note", value)
    raw = (run.root / "People/Ada Lovelace.md").read_bytes()
    note = parse_note(raw, "People/Ada Lovelace.md")
    assert not note.problems and note.frontmatter == {"name": "Ada Lovelace", "type": "person", "tags": ["mentor"],
                                                      "note": value}
    assert raw.startswith(NOTE.split("---\n# Ada")[0].encode()) and raw.endswith(b"---\n# Ada\n\n## Log\n")
    assert raw.count(b"\n---\n") == 1 and b"# her own words\n" in raw
    assert run.json("show", "Ada")["fields"]["note"] == value
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()
    outside.assert_unchanged()
