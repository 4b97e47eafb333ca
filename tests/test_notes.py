"""The note parser: bytes in, a Note out, Obsidian's rules for links and tags."""

from __future__ import annotations

from vaultnet.notes.note import parse_note
from vaultnet.vault.config import Config


def parse(text: str, path: str = "Note.md", config: Config | None = None):
    return parse_note(text.encode("utf-8"), path, config)


def targets(note):
    return [(l.target, l.line) for l in note.links]


def test_values_are_kept_as_written():
    note = parse(
        "---\nphone: 0612345678\nzip: 01234\nnewsletter: yes\nborn: 2026-01-01\noctal: 0o17\n"
        "empty:\n---\nbody\n"
    )
    fm = note.frontmatter
    assert fm["phone"] == "0612345678"
    assert fm["zip"] == "01234"
    assert fm["newsletter"] == "yes"
    assert fm["born"] == "2026-01-01"
    assert fm["octal"] == "0o17"
    assert fm["empty"] == ""
    assert note.problems == []


def test_bom_crlf_and_no_frontmatter_are_normal_input():
    crlf = "\ufeff---\r\nname: Ada\r\n---\r\nHi [[Bob]]\r\n".encode("utf-8")
    note = parse_note(crlf, "People/a.md")
    assert note.name == "Ada"
    assert targets(note) == [("Bob", 4)]
    assert note.problems == []
    plain = parse("Just text with [[Bob]]\n")
    assert plain.frontmatter == {}
    assert targets(plain) == [("Bob", 1)]


def test_kind_from_type_in_any_case_or_from_folder():
    config = Config(people_dirs=("People",), org_dirs=("Companies",))
    assert parse("---\ntype: Person\n---\n", "x.md", config).kind == "person"
    assert parse("---\ntype: COMPANY\n---\n", "x.md", config).kind == "org"
    assert parse("---\ntype: organization\n---\n", "x.md", config).kind == "org"
    assert parse("", "People/Ada.md", config).kind == "person"
    assert parse("", "people/Ada.md", config).kind == "person"
    assert parse("", "Companies/Acme.md", config).kind == "org"
    assert parse("", "Meetings/2026-01-01.md", config).kind == "note"
    # An explicit type wins over the folder.
    assert parse("---\ntype: note\n---\n", "People/Topic.md", config).kind == "note"


def test_name_defaults_to_file_name_and_aliases_accept_a_single_string():
    assert parse("", "People/Ada Lovelace.md").name == "Ada Lovelace"
    note = parse("---\nname: Ada L.\naliases: Countess\n---\n", "People/Ada Lovelace.md")
    assert note.name == "Ada L."
    assert note.aliases == ["Countess"]
    assert parse("---\naliases: [Ada, Countess]\n---\n").aliases == ["Ada", "Countess"]


def test_tags_follow_obsidians_rules():
    note = parse(
        "---\ntags: [Mentor, '#close']\n---\n"
        "#kubernetes and #a/b/c and #1984 not, #y1984 yes, a#b not, #café ok\n"
        "# Heading is not a tag ##neither\n"
        "https://example.com/#fragment and [[Note#Section]] are not tags\n"
        "`#code` and <!-- #comment --> are not tags; %% #hidden %% is\n"
        "(#paren) counts, #trailing.\n"
    )
    inline = [(t.name, t.line) for t in note.tag_occurrences]
    assert inline == [
        ("kubernetes", 4), ("a/b/c", 4), ("y1984", 4), ("café", 4),
        ("hidden", 7), ("paren", 8), ("trailing", 8),
    ]
    assert note.tags == ["mentor", "close", "kubernetes", "a/b/c", "y1984", "café", "hidden", "paren", "trailing"]


def test_every_link_form_with_line_numbers_on_disk():
    note = parse(
        "---\n"
        "company: \"[[Acme Corp]]\"\n"
        "knows: [\"[[Ada]]\", \"[[Bob Lee|Bob]]\"]\n"
        "---\n"
        "[[Target]] [[Target|shown]] [[Target#Heading]] [[Target#^block]] [[Target.md]]\n"
        "![[Embedded]] [[  Spaced  ]]\n"
        "| a | [[Table\\|cell]] |\n"
        "[md](Some%20Note.md) [md2](Some%20Note) [web](https://x.org) [mail](mailto:a@b.c)\n"
        "[rel](../Other/Note.md#Part)\n"
    )
    assert targets(note) == [
        ("Acme Corp", 2), ("Ada", 3), ("Bob Lee", 3),
        ("Target", 5), ("Target", 5), ("Target", 5), ("Target", 5), ("Target.md", 5),
        ("Embedded", 6), ("Spaced", 6),
        ("Table", 7),
        ("Some Note.md", 8), ("Some Note", 8),
        ("../Other/Note.md", 9),
    ]
    by_line5 = [l for l in note.links if l.line == 5]
    assert [l.subpath for l in by_line5] == [None, None, "#Heading", "#^block", None]
    assert by_line5[1].display == "shown"
    assert [l.embed for l in note.links if l.line == 6] == [True, False]
    assert all(l.in_frontmatter for l in note.links if l.line <= 3)


def test_no_links_in_code_or_html_comments_but_in_percent_comments():
    note = parse(
        "```\n[[InFence]]\n```\n"
        "~~~~python\n[[InTilde]]\n~~~~\n"
        "- item\n  ```\n  [[InListFence]]\n  ```\n"
        "> ```\n> [[InQuoteFence]]\n> ```\n"
        "Inline `[[Code]]` and ``[[Double `tick` code]]`` here\n"
        "<!-- [[Comment]]\n[[StillComment]] -->\n"
        "%% [[Counted]] %%\n"
        "after [[Real]]\n"
    )
    assert [l.target for l in note.links] == ["Counted", "Real"]


def test_unclosed_fence_runs_to_the_end():
    note = parse("[[Before]]\n```\n[[After]]\n")
    assert [l.target for l in note.links] == ["Before"]


def test_unmatched_backtick_is_literal():
    note = parse("a ` lone backtick then [[Linked]]\n\nnext ` paragraph\n")
    assert [l.target for l in note.links] == ["Linked"]


def test_log_lines_tasks_and_note_date():
    note = parse(
        "---\ndate: 2026-10-02\n---\n"
        "- 2026-10-01 Coffee with [[Bob Lee]] #gave\n"
        "* [[2026-09-01]] Call\n"
        "1. 2026-08-01: Numbered\n"
        "- not a log 2026-07-01\n"
        "- [ ] Send the talk 📅 2026-11-25 [[Carol]]\n"
        "- [x] Intro done ✅ 2026-09-14\n"
        "- [-] Cancelled\n",
        "Meetings/whatever.md",
    )
    assert [(g.line, g.date, g.text, g.tags) for g in note.log_lines] == [
        (4, "2026-10-01", "Coffee with [[Bob Lee]] #gave", ("gave",)),
        (5, "2026-09-01", "Call", ()),
        (6, "2026-08-01", "Numbered", ()),
    ]
    assert [(t.line, t.status, t.due, t.done, t.is_open) for t in note.tasks] == [
        (8, " ", "2026-11-25", None, True),
        (9, "x", None, "2026-09-14", False),
        (10, "-", None, None, False),
    ]
    assert note.date == "2026-10-02"
    assert parse("", "Daily/2026-03-04.md").date == "2026-03-04"
    assert parse("", "Daily/2026-03-04 Standup.md").date == "2026-03-04"
    assert parse("", "Notes/Standup.md").date is None


def test_link_and_log_lines_keep_their_text_for_context():
    note = parse("---\nknows: \"[[Ada]]\"\n---\nintro\n- 2026-01-01 Met [[Bob]]\n")
    assert note.lines == {2: 'knows: "[[Ada]]"', 5: "- 2026-01-01 Met [[Bob]]"}


def test_unicode_names_are_nfc():
    decomposed = "Jose\u0301"  # "José" with a combining accent
    note = parse(f"[[{decomposed} Álvarez]]\n")
    assert note.links[0].target == "José Álvarez"


def test_other_frontmatter_values_are_searchable_text():
    note = parse("---\nhobby: sailing\nnested: {a: [deep, values]}\nname: X\n---\n")
    assert note.fields_text.split("\n") == ["sailing", "deep", "values"]
