"""`import mail` (SPEC §9): mbox (mboxo, mboxrd, From lines in bodies), Maildir cur/new, .eml and
folders of them, read as a stream of headers; bad input; the month notes it writes."""

from __future__ import annotations

import datetime as dt
import json
import mailbox
import re
import tracemalloc

import pytest

from vaultnet.errors import ImportFormatError
from vaultnet.interop.mail import read_mail
from vaultnet.notes import parse_note
from vaultnet.notes.captured import MailMessage, ReadProblem

from .capture_files import CONFIG, PEOPLE, maildir, mbox, message
from .conftest import run_subprocess, write_vault

TODAY = "2026-11-22"
SAM = "Sam Rivera <sam@acme.example>"
ADA = "Ada Lovelace <ada@engines.example>"
BOB = "Bob Lee <bob@initech.example>"


def snapshot(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".vaultnet" not in p.parts}


def messages(path):
    return [i for i in read_mail(path) if isinstance(i, MailMessage)]


def problems(path):
    return [(i.where, i.message) for i in read_mail(path) if isinstance(i, ReadProblem)]


def put(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------ the reader


def test_from_lines_in_bodies_stay_body_in_mboxo_and_mboxrd(tmp_path):
    body = ("Hi,\n\nFrom what I hear the offsite is on.\nFrom here on, plans:\n"
            ">From an escaped line\n\nFrom the desk of Ada\n\nbye\n")
    msgs = [message(ADA, SAM, f"Note {i}", f"Tue, 03 Nov 2026 1{i}:00:00 +0100", body=body) for i in range(3)]
    for escape in (True, False):
        path = put(tmp_path, f"escape-{escape}.mbox", mbox(*msgs, escape=escape))
        assert [m.subject for m in messages(path)] == ["Note 0", "Note 1", "Note 2"]
    # The standard library's mbox starts a message at each of them: the reason this reader splits itself.
    box = mailbox.mbox(str(tmp_path / "escape-False.mbox"))
    assert len(box) > 3
    box.close()


@pytest.mark.parametrize("from_line", [
    "From - Tue Nov 03 18:02:11 2026",  # Thunderbird
    "From 1791234567890123456@xxx Tue Nov 03 17:02:11 +0000 2026",  # Gmail / Google Takeout
    "From MAILER-DAEMON Tue Nov  3 17:02:11 2026",  # Python's mailbox, Apple Mail
    "From ada@engines.example  Tue Nov  3 17:02:11 2026",  # mutt, procmail
    "From ",  # a bare separator
])
@pytest.mark.parametrize("crlf", [False, True])
def test_the_from_lines_and_line_ends_programs_write(tmp_path, from_line, crlf):
    raw = mbox(message(ADA, SAM, "One", "Tue, 03 Nov 2026 18:00:00 +0100"),
               message(BOB, SAM, "Two", "Tue, 03 Nov 2026 19:00:00 +0100"), from_line=from_line, crlf=crlf)
    found = messages(put(tmp_path, "x.mbox", raw))
    assert [(m.subject, m.senders[0].email, m.where) for m in found] == [
        ("One", "ada@engines.example", "x.mbox:1"), ("Two", "bob@initech.example", "x.mbox:10")]


def test_maildir_cur_and_new_and_a_maildir_plus_plus_folder(tmp_path):
    root = maildir(tmp_path / "Maildir", {
        "cur/1700000000.M1P1.host:2,S": message(ADA, SAM, "Seen", "Tue, 03 Nov 2026 10:00:00 +0100"),
        "new/1700000001.M2P1.host": message(BOB, SAM, "New", "Wed, 04 Nov 2026 10:00:00 +0100"),
        "tmp/1700000002.M3P1.host": message(BOB, SAM, "Still being delivered", "Wed, 04 Nov 2026 10:00:00 +0100"),
    })
    maildir(root / ".Sent", {"cur/1700000003.M4P1.host:2,S": message(SAM, ADA, "Sent", "Thu, 05 Nov 2026 1:00 +0100")})
    (root / "dovecot-uidlist").write_text("3 V1 N4\n")
    found = messages(root)
    assert [(m.subject, m.where) for m in found] == [
        ("Seen", "Maildir/cur/1700000000.M1P1.host:2,S"), ("New", "Maildir/new/1700000001.M2P1.host"),
        ("Sent", "Maildir/.Sent/cur/1700000003.M4P1.host:2,S")]


def test_eml_files_and_a_folder_holding_every_kind(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "a.eml").write_text(message(ADA, SAM, "Eml", "Tue, 03 Nov 2026 10:00:00 +0100"))
    (folder / "Inbox").write_bytes(mbox(message(BOB, SAM, "Thunderbird Inbox", "Tue, 03 Nov 2026 11:00:00 +0100")))
    (folder / "Inbox.msf").write_text("// <!-- <mdb:mork:z v=\"1.4\"/> -->")
    (folder / "notes.txt").write_text("From: not mail, just a text file\n")
    apple = folder / "Archive.mbox"
    apple.mkdir()
    (apple / "mbox").write_bytes(mbox(message(BOB, SAM, "Apple Mail", "Tue, 03 Nov 2026 12:00:00 +0100")))
    (apple / "table_of_contents").write_bytes(b"\x00\x01binary")
    maildir(folder / "Work", {"cur/1:2,S": message(ADA, SAM, "Maildir", "Tue, 03 Nov 2026 13:00:00 +0100")})
    assert [m.where for m in messages(folder)] == [
        "export/Archive.mbox/mbox:1", "export/Inbox:1", "export/Work/cur/1:2,S", "export/a.eml"]
    assert [m.subject for m in messages(folder / "a.eml")] == ["Eml"]


def test_rfc2047_subjects_and_names_are_decoded_and_folded_headers_joined(tmp_path):
    raw = mbox(message("=?iso-8859-1?Q?Ren=E9e_Dupont?= <renee@x.example>", SAM,
                       "=?utf-8?B?Q2Fmw6kgbmV4dCB3ZWVrPw==?=\n =?utf-8?q?_=E2=9C=93?= and a\n folded tail",
                       "Tue, 03 Nov 2026 10:00:00 +0100"))
    [m] = messages(put(tmp_path, "x.mbox", raw))
    assert (m.senders[0].name, m.subject) == ("Renée Dupont", "Café next week? ✓ and a folded tail")


def test_bulk_mail_is_marked_by_each_sign(tmp_path):
    signs = {"List-Id: <team.lists.example>": "List-Id",
             "List-Unsubscribe: <mailto:u@x.example>": "List-Unsubscribe",
             "Precedence: bulk": "Precedence: bulk", "Precedence: junk": "Precedence: junk",
             "Precedence: list": "Precedence: list", "Auto-Submitted: auto-replied": "Auto-Submitted: auto-replied",
             "Auto-Submitted: no": ""}
    msgs = [message(ADA, SAM, header, "Tue, 03 Nov 2026 10:00:00 +0100", extra=header) for header in signs]
    msgs += [message(f"GitHub <{who}@github.example>", SAM, who, "Tue, 03 Nov 2026 10:00:00 +0100")
             for who in ("noreply", "no-reply", "do-not-reply", "notifications")]
    found = messages(put(tmp_path, "x.mbox", mbox(*msgs)))
    assert [m.bulk for m in found] == [*signs.values(), "no-reply sender", "no-reply sender", "no-reply sender", ""]


def test_bodies_are_never_kept_and_memory_stays_flat(tmp_path):
    body = ("x" * 70 + "\n") * 1500  # ~100 KB a message
    raw = mbox(*(message(ADA, SAM, f"m{i}", "Tue, 03 Nov 2026 10:00:00 +0100", body=body) for i in range(120)))
    path = put(tmp_path, "big.mbox", raw + b"From - x\nFrom: a@b.example\nSubject: one long line\n\n" + b"y" * 5_000_000)
    tracemalloc.start()
    count = sum(1 for _ in read_mail(path))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 121
    assert peak < 1_000_000, peak  # ~17 MB read; one 64 KB piece of a line at a time


# ------------------------------------------------------------------ bad input


def test_empty_missing_and_mailless_paths_are_refused(tmp_path):
    for path, says in ((put(tmp_path, "empty.mbox", b""), "empty.mbox is empty (0 bytes); nothing imported"),
                       (tmp_path / "missing.mbox", "missing.mbox does not exist")):
        with pytest.raises(ImportFormatError, match=re.escape(says)):
            list(read_mail(path))
    empty_folder = tmp_path / "nothing"
    empty_folder.mkdir()
    (empty_folder / "readme.txt").write_text("no mail here")
    with pytest.raises(ImportFormatError, match="holds no mbox file, Maildir or .eml file"):
        list(read_mail(empty_folder))


def test_a_garbage_record_a_missing_date_and_undecodable_headers_are_reported_with_their_place(tmp_path):
    good = message(ADA, SAM, "Good", "Tue, 03 Nov 2026 10:00:00 +0100")
    raw = (mbox(good)
           # Binary after a From line: no header follows, so it is the body before it (Thunderbird's rule).
           + b"From - garbage\n\x00\x01\x02\xff\xfe\n\x00binary\n\n"
           # Header fields, but none of a message: a record that is no message.
           + b"From - x\nX-Junk: \xff\xfe\x00\nX-More: 1\n\njunk\n\n"
           + mbox(message(BOB, SAM, "No date", None))
           + mbox(message(BOB, SAM, "=?x-klingon?q?tlhIngan?=", "Tue, 03 Nov 2026 11:00:00 +0100"))
           + b"From - x\nFrom: Bob <bob@initech.example>\nSubject: Caf\xe9 latin-1\nDate: Tue, 03 Nov 2026 12:00 +0100\n\n"
           + mbox(message(BOB, SAM, "Bad date", "Tue, 31 Feb 2026 10:00:00 +0100"))
           + mbox(good.replace("Good", "Last")))
    path = put(tmp_path, "x.mbox", raw)
    items = list(read_mail(path))
    assert [(i.where, i.message) for i in items if isinstance(i, ReadProblem)] == [
        ("x.mbox:14", "not a mail message (no From, To, Date or Subject header; starts 'X-Junk: \ufffd\ufffd\\x00')")]
    found = [i for i in items if isinstance(i, MailMessage)]
    assert [(m.where, m.subject, m.problems) for m in found] == [
        ("x.mbox:1", "Good", ()),
        ("x.mbox:20", "No date", ("no Date header",)),
        ("x.mbox:28", "tlhIngan", ("Subject: unknown charset 'x-klingon'; read with replacement characters",)),
        ("x.mbox:37", "Caf\ufffd latin-1", ("header line 2 is not UTF-8 (byte 0xe9); read with replacement characters",)),
        ("x.mbox:42", "Bad date", ("Date 'Tue, 31 Feb 2026 10:00:00 +0100' is not a date",)),
        ("x.mbox:51", "Last", ()),
    ]


def test_a_0_byte_message_and_a_binary_file_named_eml_in_a_folder(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "a.eml").write_bytes(b"")
    (folder / "b.eml").write_bytes(bytes(range(256)) * 8)
    (folder / "c.eml").write_text(message(ADA, SAM, "Fine", "Tue, 03 Nov 2026 10:00:00 +0100"))
    assert problems(folder)[0] == ("f/a.eml", "empty file (0 bytes)")
    assert problems(folder)[1][0] == "f/b.eml" and problems(folder)[1][1].startswith("not a mail message")
    assert [m.subject for m in messages(folder)] == ["Fine"]


# ------------------------------------------------------------------ the notes it writes


def import_mail(run, path, *args):
    return run.ok("--today", TODAY, "import", "mail", str(path), *args)


THREAD = [
    message(SAM, ADA, "promo packet", "Tue, 03 Nov 2026 18:02:11 +0100"),
    message(ADA, SAM, "Re: promo packet", "Tue, 03 Nov 2026 21:40:02 +0000"),
    message(SAM, ADA, "RE: Re: Promo  packet", "Wed, 04 Nov 2026 08:15:40 +0100", cc=BOB),
    message(BOB, SAM, "Lunch?", "Fri, 30 Oct 2026 12:00:00 +0100"),
]


def test_one_line_per_contact_thread_and_day_in_the_month_note(vault, tmp_path):
    run = vault(PEOPLE, CONFIG)
    result = import_mail(run, put(tmp_path, "mail.mbox", mbox(*THREAD)))
    assert (run.root / "Mail/2026-11.md").read_text(encoding="utf-8") == (
        "# Mail 2026-11\n\n## Log\n"
        "- 2026-11-03 ✉️ [[Ada Lovelace]] promo packet\n"
        "- 2026-11-04 ✉️ [[Ada Lovelace]] RE: Re: Promo packet\n"
        "- 2026-11-04 ✉️ [[Bob Lee]] RE: Re: Promo packet\n")
    assert (run.root / "Mail/2026-10.md").read_text(encoding="utf-8") == (
        "# Mail 2026-10\n\n## Log\n- 2026-10-30 ✉️ [[Bob Lee]] Lunch?\n")
    assert result.stderr.rstrip().endswith("4 messages: 4 lines in 2 new month notes, 0 updated; 0 problems")
    assert run.json("--today", TODAY, "show", "Ada Lovelace")["last_contact"] == "2026-11-04"


def test_a_second_run_and_the_same_mail_in_another_format_change_no_byte(vault, tmp_path):
    run = vault(PEOPLE, CONFIG)
    import_mail(run, put(tmp_path, "mail.mbox", mbox(*THREAD)))
    before = snapshot(run.root)
    import_mail(run, tmp_path / "mail.mbox")
    box = maildir(tmp_path / "Maildir", {f"cur/{i}:2,S": m for i, m in enumerate(reversed(THREAD))})
    import_mail(run, box)
    emls = tmp_path / "emls"
    emls.mkdir()
    for i, m in enumerate(THREAD):
        (emls / f"{i}.eml").write_text(m.replace("\n", "\r\n"))
    import_mail(run, emls)
    assert snapshot(run.root) == before
    # A fresh vault given the Maildir first writes the very same bytes: nothing depends on the order read.
    other = write_vault(tmp_path / "other", PEOPLE, CONFIG)
    from .conftest import Run

    import_mail(Run(other), box)
    assert snapshot(other) == before


def test_an_existing_month_note_gains_lines_under_its_log_and_keeps_every_other_byte(vault, tmp_path):
    mine = ("---\ntags: [mail]\n---\r\n# November\r\n\r\n## Log\r\n"
            "- 2026-11-03 ✉️ [[Ada Lovelace]] promo packet: she loved it\r\n\r\n## Notes\r\nkeep me\r\n")
    run = vault({**PEOPLE, "Mail/2026-11.md": mine}, CONFIG)
    import_mail(run, put(tmp_path, "mail.mbox", mbox(*THREAD[:3])))
    assert (run.root / "Mail/2026-11.md").read_bytes().decode() == mine.replace(
        "she loved it\r\n", "she loved it\r\n- 2026-11-04 ✉️ [[Ada Lovelace]] RE: Re: Promo packet\r\n"
                            "- 2026-11-04 ✉️ [[Bob Lee]] RE: Re: Promo packet\r\n")


def test_you_bulk_and_crowds_are_no_contact(vault, tmp_path):
    crowd = ", ".join(f"P{i} <p{i}@x.example>" for i in range(8))
    run = vault(PEOPLE, CONFIG + "mail_max_recipients = 8\n")
    raw = mbox(message(SAM, "Sam <SAM@acme.example>", "note to self", "Tue, 03 Nov 2026 10:00:00 +0100"),
               message(ADA, SAM, "newsletter", "Tue, 03 Nov 2026 10:00:00 +0100", extra="List-Id: <x.example>"),
               message(ADA, SAM, "crowd", "Tue, 03 Nov 2026 10:00:00 +0100", cc=crowd),
               message(ADA, crowd, "eight", "Tue, 03 Nov 2026 10:00:00 +0100"),
               message("Jamie <jamie@talent.example>", SAM, "stranger", "Tue, 03 Nov 2026 10:00:00 +0100"),
               message(ADA, SAM, "next year", "Tue, 03 Nov 2027 10:00:00 +0100"),
               message(ADA, SAM, "long ago", "Tue, 03 Nov 2020 10:00:00 +0100"))
    data = run.json("--today", TODAY, "import", "mail", str(put(tmp_path, "m.mbox", raw)))
    assert data["counts"] == {"messages": 7, "bulk": 1, "more than 8 recipients": 1, "no contact": 2,
                              "after today": 1, "before 2025-11-22": 1, "with a contact": 1, "lines written": 1}
    assert (run.root / "Mail/2026-11.md").read_text(encoding="utf-8").endswith("[[Ada Lovelace]] eight\n")


def test_problems_are_reported_with_their_place_and_the_rest_is_imported(vault, tmp_path):
    run = vault(PEOPLE, CONFIG)
    raw = (mbox(message(ADA, SAM, "ok", "Tue, 03 Nov 2026 10:00:00 +0100"))
           + b"From - x\nX-Junk: \xff\xfe\nX-More: 1\n\n"
           + mbox(message(BOB, SAM, "undated", None)))
    result = import_mail(run, put(tmp_path, "m.mbox", raw))
    assert "m.mbox:10: not a mail message" in result.stderr
    assert "m.mbox:14: no Date header; skipped" in result.stderr
    assert "[[Ada Lovelace]] ok" in (run.root / "Mail/2026-11.md").read_text(encoding="utf-8")


SUBJECTS = ["[[Bob Lee]] and #gave", "Re: ![[secret.png]] `x` <!-- y --> %%", "a\u2028b\x00c ^id",
            "[x](People/Bob%20Lee.md) #got", "x" * 400]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_subjects_are_text_never_links_tags_or_comments(vault, tmp_path, subject):
    run = vault(PEOPLE, CONFIG)
    import_mail(run, put(tmp_path, "m.mbox", mbox(message(ADA, SAM, subject, "Tue, 03 Nov 2026 10:00:00 +0100"))))
    note = parse_note((run.root / "Mail/2026-11.md").read_bytes(), "Mail/2026-11.md")
    [line] = note.log_lines
    assert [link.target for link in note.links] == ["Ada Lovelace"]
    assert note.tags == [] and line.tags == () and len(line.text) < 230


def test_dry_run_and_json_write_nothing(vault, tmp_path):
    run = vault(PEOPLE, CONFIG)
    before = snapshot(run.root)
    path = put(tmp_path, "m.mbox", mbox(*THREAD))
    result = import_mail(run, path, "--dry-run")
    assert result.stdout.splitlines()[:2] == ["would create Mail/2026-10.md", "    - 2026-10-30 ✉️ [[Bob Lee]] Lunch?"]
    data = json.loads(import_mail(run, path, "--dry-run", "--json").stdout)
    assert data["dry_run"] is True and data["created"] == 2 and snapshot(run.root) == before


def test_a_refused_path_writes_nothing_and_says_why(vault, tmp_path):
    run = vault(PEOPLE, CONFIG)
    before = snapshot(run.root)
    result = run("import", "mail", str(put(tmp_path, "empty.mbox", b"")))
    assert result.exit_code == 1 and result.stderr == "Error: empty.mbox is empty (0 bytes); nothing imported\n"
    assert snapshot(run.root) == before


def test_mail_dir_config_and_as_a_real_process(tmp_path):
    root = write_vault(tmp_path / "v", PEOPLE, CONFIG + 'mail_dir = "Archive/Mail"\n')
    proc = run_subprocess("--vault", str(root), "--today", TODAY, "import", "mail",
                          str(put(tmp_path, "m.mbox", mbox(*THREAD))), "--json")
    assert proc.returncode == 0, proc.stderr
    assert [n["path"] for n in json.loads(proc.stdout)["notes"]] == ["Archive/Mail/2026-10.md", "Archive/Mail/2026-11.md"]


def test_the_example_vault_mbox(tmp_path):
    import shutil

    from .conftest import REPO, Run

    root = tmp_path / "vault"
    shutil.copytree(REPO / "example-vault", root, ignore=shutil.ignore_patterns("index", "index.lock"))
    data = Run(root).json("--today", TODAY, "import", "mail", str(root / "Attachments/mail.mbox"), "--dry-run")
    assert [n["path"] for n in data["notes"]] == ["Mail/2026-10.md", "Mail/2026-11.md"]
    assert data["counts"]["bulk"] == 3 and data["problems"] == [
        {"where": "mail.mbox:103", "message": "no Date header; skipped"}]


def test_config_keys_are_checked():
    from vaultnet.errors import ConfigError
    from vaultnet.vault.config import config_from_dict

    assert config_from_dict({}).mail_max_recipients == 8
    for bad, says in (({"mail_max_recipients": 0}, "at least 1"), ({"mail_dir": "/tmp/x"}, "outside the vault"),
                      ({"meetings_dir": "vaultnet/m"}, "inside report_dir")):
        with pytest.raises(ConfigError, match=says):
            config_from_dict(bad)


def test_any_text_in_a_line_stays_text():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from vaultnet.edits.capture import text

    alphabet = st.sampled_from(list("[]()#!|^%`<>*_\\-:/ aZ0\n\u2028\x00\u202e") + ["[[", "]]", "%%", "<!--", "```"])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(alphabet, max_size=30).map("".join))
    def check(subject):
        raw = f"## Log\n- 2026-11-03 ✉️ [[Ada Lovelace]] {text(subject)}\n".encode()
        note = parse_note(raw, "Mail/2026-11.md")
        assert [link.target for link in note.links] == ["Ada Lovelace"], raw
        assert note.tags == [] and len(note.log_lines) == 1, raw

    check()


def test_every_import_kind_has_help_and_a_readme_section():
    from vaultnet.cli import cli

    from .conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    group = cli.commands["import"]
    assert set(group.commands) == {"vcard", "linkedin", "google", "outlook", "calendar", "mail"}
    for name, command in group.commands.items():
        assert command.help and all(p.help for p in command.params if p.param_type_name == "option"), name
    for heading in ("### `import calendar FILE.ics", "### `import mail PATH", "### `import vcard|linkedin|google"):
        assert heading in readme


def test_a_file_named_like_an_mbox_that_is_none_is_said_in_a_folder(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "a.mbox").write_text(message(ADA, SAM, "an eml named .mbox", "Tue, 03 Nov 2026 10:00:00 +0100"))
    (folder / "mbox").write_bytes(mbox(message(BOB, SAM, "a real one", "Tue, 03 Nov 2026 10:00:00 +0100")))
    assert problems(folder) == [("f/a.mbox", "does not start with a 'From ' line: not an mbox file; skipped")]
    assert [m.subject for m in messages(folder)] == ["a real one"]


def test_real_messages_that_defeat_the_standard_parser(tmp_path):
    """Three messages from the Ruby mail gem's fixtures (tests/data/mail/README.md)."""
    from .conftest import REPO

    found = {m.where.rsplit("/", 1)[-1]: m for m in messages(REPO / "tests/data/mail")}
    junk = found["raw_email_incorrect_header.eml"]  # the headers after a junk line are still read
    assert (junk.subject, junk.senders[0].email, junk.sent.isoformat()) == (
        "Stop adware/spyware once and for all.", "xxx@xxx.xxx", "2005-02-23T18:20:17-04:00")
    assert junk.problems == ("header line 6 is no header field ('quite Delivered-To: xxx@xxx.xxx'); ignored",)
    obsolete = found["example13.eml"]  # `From  : ...` is a header, not an mbox From_ line
    assert (obsolete.subject, obsolete.senders[0].email) == ("Saying Hello", "jdoe@machine.example")
    raw = found["invalid_subject_characters.eml"]
    assert raw.senders[0].name == "Formação Frenetikpolis"  # its encoded word is fine
    assert raw.subject.startswith("Forma\ufffd\ufffdo") and "not UTF-8 (byte 0xe7)" in raw.problems[0]


def test_the_readers_report_progress_for_the_cli_to_draw(tmp_path):
    from vaultnet.interop.calendar import read_calendar

    from .capture_files import google_event, ics

    body = ("x" * 70 + "\n") * 20_000  # ~1.4 MB a message, so the reader reports on the way
    path = put(tmp_path, "m.mbox", mbox(*(message(ADA, SAM, f"m{i}", "Tue, 03 Nov 2026 10:00:00 +0100", body=body)
                                          for i in range(3))))
    calls: list[tuple[int, int]] = []
    assert sum(1 for _ in read_mail(path, progress=lambda done, total: calls.append((done, total)))) == 3
    size = path.stat().st_size
    assert len(calls) >= 3 and calls[-1] == (size, size)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    events = []
    raw = ics(*(google_event(f"e{i}@x", "20261110T100000Z", f"E{i}") for i in range(4)))
    read_calendar(raw, dt.date(2026, 1, 1), dt.date(2026, 12, 31), progress=lambda d, t: events.append((d, t)))
    assert events == [(1, 4), (2, 4), (3, 4), (4, 4)]
