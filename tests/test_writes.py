"""`log` and `add` (SPEC §4): atomic, byte-preserving, never outside the vault, never over a file."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from vaultnet.edits.writes import WriteRefused, replace_file
from vaultnet.notes.note import parse_note

CONFIG = 'people_dirs = ["People"]\n'
ADA = (
    "---\n"
    "# my mentor\n"
    "name: 'Ada Lovelace'\n"
    "aliases: [Ada]\n"
    "phone: 0612345678   # keep the zero\n"
    "\n"
    "---\n"
    "Intro paragraph.\n"
    "\n"
    "## Log\n"
    "- 2026-01-01 First coffee\n"
    "\n"
    "## Notes\n"
    "Trailing section.\n"
)


def temp_files(root):
    return [p for p in root.rglob("*") if "vaultnet-tmp" in p.name]


def test_log_appends_under_the_log_heading_and_nothing_else_changes(vault):
    run = vault({"People/Ada Lovelace.md": ADA}, config=CONFIG)
    result = run.ok("--today", "2026-11-22", "log", "ada", "Sent her the paper", "--gave")
    assert result.stdout == "People/Ada Lovelace.md:12: - 2026-11-22 Sent her the paper #gave\n"
    after = (run.root / "People/Ada Lovelace.md").read_text()
    assert after == ADA.replace("- 2026-01-01 First coffee\n",
                                "- 2026-01-01 First coffee\n- 2026-11-22 Sent her the paper #gave\n")
    assert temp_files(run.root) == []


def test_log_creates_the_section_at_the_end(vault):
    run = vault({"People/Bo.md": "---\nname: Bo\n---\nNo log yet."}, config=CONFIG)
    run.ok("--today", "2026-11-22", "log", "Bo", "Phone call", "--date", "2026-11-20", "--got")
    assert (run.root / "People/Bo.md").read_text() == (
        "---\nname: Bo\n---\nNo log yet.\n\n## Log\n- 2026-11-20 Phone call #got\n"
    )


def test_log_keeps_crlf_bom_and_permissions(vault):
    raw = "\ufeff---\r\nname: Cy\r\n---\r\n## Log\r\n- 2026-01-01 a\r\n".encode("utf-8")
    run = vault({"People/Cy.md": raw}, config=CONFIG)
    path = run.root / "People/Cy.md"
    os.chmod(path, 0o640)
    run.ok("--today", "2026-11-22", "log", "Cy", "multi\nline  text")
    assert path.read_bytes() == raw + b"- 2026-11-22 multi line text\r\n"
    assert (path.stat().st_mode & 0o777) == 0o640


def test_logged_line_counts_as_contact_and_future_dates_are_plans(vault):
    run = vault({"People/Di.md": "---\ncadence: 30d\n---\n"}, config=CONFIG)
    run.ok("--today", "2026-11-22", "log", "Di", "Lunch")
    assert run.json("--today", "2026-11-22", "show", "Di")["last_contact"] == "2026-11-22"
    result = run.ok("--today", "2026-11-22", "log", "Di", "Dinner planned", "--date", "2026-12-01")
    assert "in the future" in result.stderr
    assert "- 2026-12-01 Dinner planned" in (run.root / "People/Di.md").read_text()
    assert run.json("--today", "2026-11-22", "show", "Di")["last_contact"] == "2026-11-22"
    assert run.json("--today", "2026-12-02", "show", "Di")["last_contact"] == "2026-12-01"


@pytest.mark.parametrize(
    "args, words",
    [
        (["log", "Ed", "x", "--gave", "--got"], "just one of --gave, --got, --news or --noticed"),
        (["log", "Ed", "x", "--date", "2026-02-30"], "is not a day"),
        (["log", "Ed", "   "], "the log text is empty"),
        (["log", "Nobody", "x"], "no note called 'Nobody'"),
        (["add", "Zed", "--cadence", "often"], "not a cadence"),
    ],
)
def test_bad_write_arguments(vault, args, words):
    run = vault({"People/Ed.md": "x\n"}, config=CONFIG)
    before = (run.root / "People/Ed.md").read_bytes()
    result = run(*args)
    assert result.exit_code in (1, 2)
    assert words in result.stderr
    assert (run.root / "People/Ed.md").read_bytes() == before
    assert not (run.root / "People/Zed.md").exists()


def test_a_note_changed_on_disk_since_it_was_read_is_not_written(tmp_path):
    note = tmp_path / "n.md"
    note.write_bytes(b"editor saved this\n")
    with pytest.raises(WriteRefused, match="changed on disk"):
        replace_file(note, b"new", expected=b"what vaultnet read\n")
    assert note.read_bytes() == b"editor saved this\n"
    assert temp_files(tmp_path) == []


def test_a_failed_write_leaves_the_note_intact(vault, monkeypatch):
    run = vault({"People/Fi.md": "## Log\n- 2026-01-01 a\n"}, config=CONFIG)
    run.ok("index")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    result = run("--today", "2026-11-22", "log", "Fi", "b")
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr and "nothing was changed" in result.stderr
    assert (run.root / "People/Fi.md").read_text() == "## Log\n- 2026-01-01 a\n"
    assert temp_files(run.root) == []


def test_two_log_commands_at_once_both_land(vault):
    run = vault({"People/Gi.md": "## Log\n"}, config=CONFIG)
    run.ok("index")
    procs = [
        subprocess.Popen([sys.executable, "-m", "vaultnet", "--vault", str(run.root), "--today", "2026-11-22",
                          "log", "Gi", f"call {i}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(6)
    ]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    text = (run.root / "People/Gi.md").read_text()
    assert sorted(line for line in text.splitlines() if line.startswith("- ")) == [
        f"- 2026-11-22 call {i}" for i in range(6)
    ]


def test_add_creates_a_person_note_that_reads_back(vault):
    run = vault({"Other.md": "x"}, config=CONFIG)
    result = run.ok("add", "Hana Sato", "--company", "[[Acme]]", "--role", "CTO", "--email", "h@acme.example",
                    "--email", "hana@home.example", "--phone", "0612345678", "--tag", "investor",
                    "--cadence", "quarterly", "--met", "KubeCon 2026")
    assert result.stdout == "People/Hana Sato.md\n"
    note = parse_note((run.root / "People/Hana Sato.md").read_bytes(), "People/Hana Sato.md")
    assert note.kind == "person" and note.problems == []
    fm = note.frontmatter
    assert fm["company"] == "[[Acme]]" and fm["role"] == "CTO" and fm["phone"] == "0612345678"
    assert fm["email"] == ["h@acme.example", "hana@home.example"] and fm["cadence"] == "quarterly"
    assert [l.target for l in note.links] == ["Acme"]
    card = run.json("--today", "2026-11-22", "show", "Hana Sato")
    assert card["next_due"] == "2026-11-22" and card["due_reason"] == "never_contacted"
    run.ok("--today", "2026-11-22", "log", "Hana", "Intro call")
    assert "## Log\n- 2026-11-22 Intro call\n" in (run.root / "People/Hana Sato.md").read_text()


def test_add_never_overwrites(vault):
    run = vault({"People/Ida.md": "precious\n"}, config=CONFIG)
    result = run("add", "Ida")
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert (run.root / "People/Ida.md").read_text() == "precious\n"
    assert temp_files(run.root) == []


@pytest.mark.parametrize(
    "name, file_name",
    [
        ("../../etc/passwd", "etc passwd"),
        ("/abs/path", "abs path"),
        ("a/b", "a b"),
        ("CON", "CON_"),
        ("Line\nBreak", "Line Break"),
        ("x" * 300, "x" * 120),
        ("Dr. Who?", "Dr. Who"),
        ("Zoë [work] #1", "Zoë work 1"),
    ],
)
def test_add_names_are_names_not_paths(vault, name, file_name):
    run = vault({}, config=CONFIG)
    result = run.ok("add", name)
    assert result.stdout == f"People/{file_name}.md\n"
    created = run.root / "People" / f"{file_name}.md"
    assert created.is_file()
    assert [p.name for p in (run.root / "People").iterdir()] == [created.name]
    assert not (run.root.parent / "etc").exists()
    fm = parse_note(created.read_bytes(), f"People/{file_name}.md").frontmatter
    assert fm.get("name", file_name) == " ".join(name.split())


def test_log_refuses_a_symlink_that_leaves_the_vault(vault, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("## Log\n")
    run = vault({}, config=CONFIG)
    (run.root / "People").mkdir()
    os.symlink(outside, run.root / "People" / "Link.md")
    result = run("--today", "2026-11-22", "log", "Link", "x")
    assert result.exit_code == 1 and "outside the vault" in result.stderr
    assert outside.read_text() == "## Log\n"
