"""Regression tests for issue 12, items 1-14: reading real vaults the way Obsidian does.

Each test is named after its item (`test_bug_12_<n>_...`) and runs on a small vault it
writes into tmp_path, through the real parser, index and CLI.
"""

from __future__ import annotations

import json

TODAY = "2026-06-01"


def test_bug_12_14_a_yearly_cadence_shows_365_days(vault):
    run = vault({
        "People/Ann.md": "---\ncadence: 1y\n---\n- 2026-01-05 Coffee\n",
        "People/Bo.md": "---\ncadence: yearly\n---\n- 2026-01-05 Coffee\n",
        "People/Cy.md": "---\ncadence: 18m\n---\n- 2026-01-05 Coffee\n",
        "People/Di.md": "---\ncadence: quarterly\n---\n- 2026-01-05 Coffee\n",
    })
    rows = {r["name"]: r for r in run.json("--today", TODAY, "due", "--within", "600")}
    assert {name: r["cadence_days"] for name, r in rows.items()} == {"Ann": 365, "Bo": 365, "Cy": 545, "Di": 90}
    # The due date itself still counts calendar months.
    assert rows["Ann"]["next_due"] == "2027-01-05" and rows["Cy"]["next_due"] == "2027-07-05"
    assert run.json("--today", TODAY, "show", "Ann")["cadence_days"] == 365


def test_bug_12_6_null_tags_and_aliases_mean_none(vault):
    from vaultnet.notes import parse_note

    run = vault({
        "People/Ann.md": "---\ntype: person\ntags: null\naliases: ~\n---\n#real\n",
        "People/Bo.md": "---\ntype: person\ntags: [x, Null, ~]\naliases: NULL\ncompany: null\n---\n",
        "People/Cy.md": '---\ntype: person\ntags: "null"\naliases: ["~"]\n---\n',  # quoted: text
    })
    assert run.json("show", "Ann")["tags"] == ["real"] and run.json("show", "Ann")["aliases"] == []
    bo = run.json("show", "Bo")
    assert bo["tags"] == ["x"] and bo["aliases"] == [] and bo["company"] is None
    cy = run.json("show", "Cy")
    assert cy["tags"] == ["null"] and cy["aliases"] == ["~"]
    assert [r["path"] for r in run.json("search", "tag:null")] == ["People/Cy.md"]
    # A key named null is a key, not a missing one.
    note = parse_note(b"---\nnull: x\n~: y\n---\n", "n.md")
    assert note.frontmatter == {"null": "x", "~": "y"} and not note.problems


def test_bug_12_7_a_tag_ends_where_obsidians_tag_characters_end():
    from vaultnet.notes import parse_note

    text = ("#“Let’s go #tag… then #Let’s and #Let's, #a—b #x‐y #em🙂ji #日本語。 #v2/sub-tag_x "
            "#zw\u200bspace #under⸺line")
    note = parse_note(text.encode("utf-8"), "n.md")
    assert [t.name for t in note.tag_occurrences] == [
        "tag", "Let", "Let", "a", "x", "em🙂ji", "日本語。", "v2/sub-tag_x", "zw", "under"]
    assert note.tags == ["tag", "let", "a", "x", "em🙂ji", "日本語。", "v2/sub-tag_x", "zw", "under"]


def test_bug_12_8_a_utf8_note_with_a_few_nul_bytes_is_text(vault):
    hexdump = "---\ntags: [ctf]\n---\n```\nMZ\x00\x00\x90\x00 header\n```\nSee [[Hex Editor]] and [[Ada]]. #re\n"
    run = vault({
        "Dump.md": hexdump.encode("utf-8"),
        "People/Ada.md": "Friend.\n",
        "image.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",  # really binary: not UTF-8
    })
    stats = run.json("index")
    assert {p["path"]: p["message"] for p in stats["problems"]} == {
        "image.md": "binary file (NUL bytes, not UTF-8); indexed without its text"}
    links = [(l["source"], l["target"]) for l in run.json("links")]
    assert links == [("Dump.md", "Hex Editor"), ("Dump.md", "Ada")]
    assert [r["path"] for r in run.json("search", "tag:ctf")] == ["Dump.md"]
    assert [r["path"] for r in run.json("search", "tag:re")] == ["Dump.md"]
    # A write to such a note keeps every byte, NULs included.
    run.ok("log", "--any", "Dump", "Looked at the header", "--date", "2026-05-01")
    assert (run.root / "Dump.md").read_bytes().startswith(hexdump.encode("utf-8"))


def test_bug_12_1_markdown_link_destinations_with_balanced_parentheses(vault):
    run = vault({
        "Projects/Labs Roadmap (Nov 23 update).md": "# Roadmap\n",
        "Notes/Plan.md": ("See [the roadmap](../Projects/Labs%20Roadmap%20(Nov%2023%20update).md), "
                          "[again](Projects/Labs%20Roadmap%20(Nov%2023%20update).md) and ![](diagram-(v2).png).\n"
                          "Not links: [a](b(c) and [wiki](https://en.wikipedia.org/wiki/Gecko_(software)).\n"),
    })
    rows = [(l["line"], l["target"], l["resolved"], l["embed"]) for l in run.json("links")]
    assert rows == [
        (1, "../Projects/Labs Roadmap (Nov 23 update).md", "Projects/Labs Roadmap (Nov 23 update).md", False),
        (1, "Projects/Labs Roadmap (Nov 23 update).md", "Projects/Labs Roadmap (Nov 23 update).md", False),
        (1, "diagram-(v2).png", None, True),
    ]


# kepano/kepano-obsidian, Templates/Post Template.md (MIT licence, Steph Ango), with a
# Templater line and a task added.
POST_TEMPLATE = """---
categories:
  - "[[Posts]]"
author:
  - "[[Me]]"
url:
created: {{date}}
updated: {{date:YYYY-MM-DD}}
title: "{{title}}"
slug: <% tp.file.title %>
topics: [{{topic}}, writing]
published:
status:
---
- [ ] Share it 📅 {{date:YYYY-MM-DD}}
"""


def test_bug_12_4_a_template_placeholder_keeps_the_rest_of_the_frontmatter(vault):
    from vaultnet.notes import parse_note

    note = parse_note(POST_TEMPLATE.encode("utf-8"), "Clippings/Post.md")
    assert note.problems == []
    assert note.frontmatter["created"] == "{{date}}" and note.frontmatter["updated"] == "{{date:YYYY-MM-DD}}"
    assert note.frontmatter["title"] == "{{title}}" and note.frontmatter["slug"] == "<% tp.file.title %>"
    assert note.frontmatter["topics"] == ["{{topic}}", "writing"]
    assert [(l.target, l.line, l.in_frontmatter) for l in note.links] == [("Posts", 3, True), ("Me", 5, True)]
    # A placeholder where a date or cadence belongs is a template, not a mistake.
    person = parse_note(b"---\ntype: person\ncadence: {{cadence}}\nlast_contact: <% tp.date.now() %>\n---\n",
                        "People/New.md")
    assert person.problems == [] and person.frontmatter["cadence"] == "{{cadence}}"
    run = vault({"Clippings/Post.md": POST_TEMPLATE, "Me.md": "me\n"})
    assert run.json("index")["problems"] == []
    assert [(l["target"], l["resolved"]) for l in run.json("links")] == [("Posts", None), ("Me", "Me.md")]
    # Broken YAML is still reported, placeholder or not.
    broken = parse_note(b"---\ncreated: {{date}}\n\tbad: [\n---\n", "b.md")
    assert [p.message for p in broken.problems][0].startswith("invalid YAML") and broken.frontmatter == {}


def test_bug_12_10_a_second_index_counts_the_known_problems(vault):
    run = vault({"Bad.md": "---\na: [\n---\n", "Worse.md": "---\n- a\n---\n", "Good.md": "fine\n"})
    first = run.ok("index")
    assert "Bad.md:2: invalid YAML" in first.stderr
    assert first.stderr.rstrip().splitlines()[-1].startswith(
        "3 notes: 3 added, 0 updated, 0 removed, 0 unchanged, 2 problems (")
    second = run.ok("index")
    assert "Bad.md" not in second.stderr  # said once, when found
    assert second.stderr.rstrip().splitlines()[-1].startswith(
        "3 notes: 0 added, 0 updated, 0 removed, 3 unchanged, 2 problems (`vaultnet doctor` lists them) (")
    assert len(run.json("index")["problems"]) == 2


def test_bug_12_2_a_dot_in_a_name_is_no_attachment_unless_obsidian_opens_that_format(vault):
    run = vault({
        "Dev.md": "Uses [[windows.h]], [[Node.js]], [[Example.com]], [[ldp.exe]] and [[v1.2]].\n",
        "Node.js.md": "a note whose name has a dot\n",
        "tools/ldp.exe": b"MZ\x90\x00",  # a file that is there: an attachment, whatever its format
    })
    rows = {l["target"]: (l["resolved"], l["attachment"]) for l in run.json("links")}
    assert rows == {
        "windows.h": (None, False), "Node.js": ("Node.js.md", False), "Example.com": (None, False),
        "ldp.exe": ("tools/ldp.exe", True), "v1.2": (None, False),
    }
    assert [(r["target"], r["attachment"]) for r in run.json("links", "--unresolved")] == [
        ("Example.com", False), ("v1.2", False), ("windows.h", False)]


def test_bug_12_3_attachments_resolve_to_their_path_and_missing_ones_are_reported(vault):
    run = vault({
        "People/Ada.md": ("---\ntype: person\n---\nDeck [[deck.pdf]], board ![[Board.canvas]], table ![[People.base]],\n"
                          "photo ![](photo.PNG), missing ![[missing.png]] and [[gone.pdf|the old deck]].\n"
                          "- 2026-05-01 Coffee with [[Bob]] about [[talk.mp4]]\n"),
        "People/Bob.md": "---\ntype: person\n---\n",
        "Meetings/2026-05-02 Sync.md": "With [[Ada]] and ![[whiteboard.jpg]].\n",
        "Files/deck.pdf": b"%PDF-1.4", "Board.canvas": "{}", "Bases/People.base": "views: []\n",
        "Files/photo.PNG": b"\x89PNG",
    })
    rows = [(l["target"], l["resolved"], l["attachment"]) for l in run.json("links") if l["source"] == "People/Ada.md"]
    assert rows == [
        ("deck.pdf", "Files/deck.pdf", True), ("Board.canvas", "Board.canvas", True),
        ("People.base", "Bases/People.base", True), ("photo.PNG", "Files/photo.PNG", True),
        ("missing.png", None, True), ("gone.pdf", None, True), ("Bob", "People/Bob.md", False),
        ("talk.mp4", None, True),
    ]
    assert run.json("links", "--unresolved") == [
        {"target": "gone.pdf", "count": 1, "sources": ["People/Ada.md"], "attachment": True},
        {"target": "missing.png", "count": 1, "sources": ["People/Ada.md"], "attachment": True},
        {"target": "talk.mp4", "count": 1, "sources": ["People/Ada.md"], "attachment": True},
        {"target": "whiteboard.jpg", "count": 1, "sources": ["Meetings/2026-05-02 Sync.md"], "attachment": True},
    ]
    doctor = run("doctor", "--json")
    assert doctor.exit_code == 1
    assert [(f["path"], f["line"], f["kind"], f["message"]) for f in json.loads(doctor.stdout)] == [
        ("Meetings/2026-05-02 Sync.md", 1, "broken_embed", "![[whiteboard.jpg]] embeds a file that is not in the vault"),
        ("People/Ada.md", 5, "broken_embed", "![[missing.png]] embeds a file that is not in the vault"),
        ("People/Ada.md", 5, "broken_embed", "[[gone.pdf]] links a file that is not in the vault"),
        ("People/Ada.md", 6, "broken_embed", "[[talk.mp4]] links a file that is not in the vault"),
    ]
    # Never a person: not in Unresolved.md, not in the graph, not reachable by intro.
    run.ok("--today", TODAY, "report")
    assert "missing" not in (run.root / "vaultnet/Unresolved.md").read_text() and \
        "whiteboard" not in (run.root / "vaultnet/Unresolved.md").read_text()
    nodes = {n["name"] for n in json.loads(run.ok("--today", TODAY, "graph").stdout)["nodes"]}
    assert nodes == {"Ada", "Bob"}
    assert run("--today", TODAY, "intro", "missing.png").exit_code == 1


def test_bug_12_3_attachments_that_come_and_go_are_followed_without_a_rebuild(vault):
    from vaultnet.index import NoteIndex
    from vaultnet.network import queries
    from vaultnet.vault import Vault

    run = vault({"Note.md": "See ![[chart.png]] and [[notes.txt]] with [[Ada]].\n", "People/Ada.md": "x\n"})
    assert {l["target"]: l["resolved"] for l in run.json("links")} == {"chart.png": None, "notes.txt": None,
                                                                       "Ada": "People/Ada.md"}
    (run.root / "img").mkdir()
    (run.root / "img/chart.png").write_bytes(b"\x89PNG")
    (run.root / "notes.txt").write_text("plain text\n")
    result = run.ok("links", "--json")
    assert "rebuilt" not in result.stderr
    assert {l["target"]: l["resolved"] for l in json.loads(result.stdout)} == {
        "chart.png": "img/chart.png", "notes.txt": "notes.txt", "Ada": "People/Ada.md"}
    # The watcher's way: only the paths that changed are looked at.
    (run.root / "img/chart.png").unlink()
    with NoteIndex(Vault(run.root)) as index:
        index.sync_paths(["img/chart.png"])
        assert {l["target"]: l["resolved"] for l in queries.all_links(index)}["chart.png"] is None
        (run.root / "img/chart.png").write_bytes(b"\x89PNG")
        index.sync_paths(["img"])
        assert {l["target"]: l["resolved"] for l in queries.all_links(index)}["chart.png"] == "img/chart.png"


def _obsidian_vault(vault, settings: dict[str, str], files: dict[str, str | bytes]):
    return vault({**{f".obsidian/{name}": text for name, text in settings.items()}, **files})


def test_bug_12_5_the_template_folders_hold_templates_not_contacts(vault):
    run = _obsidian_vault(vault, {
        "templates.json": '{"folder": "Templates"}',
        "plugins/templater-obsidian/data.json": '{"templates_folder": "_templates/", "trigger_on_file_creation": true}',
    }, {
        "Templates/Person.md": "---\ntype: person\nname: {{title}}\ncompany: \"[[Acme]]\"\n---\n- {{date}} Met\n",
        "_templates/Meeting.md": "---\ndate: 2026-01-01\n---\nWith [[Ada]].\n",
        "People/Ada.md": "---\ntype: person\n---\n",
    })
    assert [(r["path"], r["kind"]) for r in run.json("search", "*", "--type", "person")] == [("People/Ada.md", "person")]
    assert run.json("show", "Templates/Person")["kind"] == "note"
    # A template with a date is no meeting: Ada had no contact.
    assert run.json("--today", TODAY, "show", "Ada")["interactions"] == []
    nodes = {n["name"] for n in json.loads(run.ok("--today", TODAY, "graph").stdout)["nodes"]}
    assert nodes == {"Ada"}


def test_bug_12_5_excluded_files_in_obsidian_are_not_indexed(vault):
    run = _obsidian_vault(vault, {
        "app.json": '{"userIgnoreFilters": ["Archive/", "/\\\\.excalidraw\\\\.md$/", "Scratch"], "alwaysUpdateLinks": true}',
    }, {
        "Archive/Old.md": "old\n", "Archive/Deep/older.md": "older\n", "Archive/photo.png": b"\x89PNG",
        "Drawing.excalidraw.md": "drawing\n", "Scratchpad.md": "scratch\n", "Scratch/x.md": "x\n",
        "Notes/Kept.md": "See ![[photo.png]] and [[Old]].\n", "Archive.md": "the note beside the folder\n",
    })
    assert sorted(r["path"] for r in run.json("search", "*")) == ["Archive.md", "Notes/Kept.md"]
    assert [(l["target"], l["resolved"]) for l in run.json("links")] == [("photo.png", None), ("Old", None)]


def test_bug_12_5_daily_notes_named_by_obsidians_format_are_dated_notes(vault):
    cases = {
        "DD.MM.YYYY": ("Journal/05.01.2026.md", "Journal/5.1.2026.md"),
        "YYYY/MM/DD": ("Journal/2026/01/05.md", "Journal/2026/1/5.md"),
        "dddd, MMMM Do YYYY": ("Journal/Monday, January 5th 2026.md", "Journal/Tuesday, January 5th 2026.md"),
        "YYYY/MMMM/YYYY-MMM-DD": ("Journal/2026/January/2026-Jan-05.md", "Journal/2026/March/2026-Jan-05.md"),
    }
    for fmt, (daily, not_daily) in cases.items():
        run = _obsidian_vault(vault, {"daily-notes.json": json.dumps({"folder": "Journal/", "format": fmt})}, {
            daily: "Coffee with [[Ada]].\n",
            not_daily: "Lunch with [[Ada]].\n",
            "Elsewhere/05.01.2026.md": "Call with [[Ada]].\n",  # outside the daily folder
            "People/Ada.md": "---\ntype: person\n---\n",
        })
        run.ok("index", "--rebuild")
        card = run.json("--today", TODAY, "show", "Ada")
        assert [(i["date"], i["source"]) for i in card["interactions"]] == [("2026-01-05", daily)], fmt
        for path in [*(run.root / "Journal").rglob("*.md"), *(run.root / "Elsewhere").rglob("*.md")]:
            path.unlink()


def test_bug_12_5_a_change_of_obsidian_settings_rebuilds_the_index(vault):
    run = _obsidian_vault(vault, {}, {
        "Journal/05.01.2026.md": "Coffee with [[Ada]].\n",
        "People/Ada.md": "---\ntype: person\n---\n",
        "Templates/Bob.md": "---\ntype: person\n---\n",
    })
    assert run.json("--today", TODAY, "show", "Ada")["last_contact"] is None
    assert run.json("show", "Bob")["kind"] == "person"
    (run.root / ".obsidian").mkdir()
    (run.root / ".obsidian/daily-notes.json").write_text('{"folder": "Journal", "format": "DD.MM.YYYY"}')
    result = run.ok("--today", TODAY, "show", "Ada", "--json")
    assert "rebuilt because the vault's Obsidian settings changed (daily notes)" in result.stderr
    assert json.loads(result.stdout)["last_contact"] == "2026-01-05"
    (run.root / ".obsidian/templates.json").write_text('{"folder": "Templates"}')
    result = run.ok("show", "Bob", "--json")
    assert "Obsidian settings changed (templates)" in result.stderr and json.loads(result.stdout)["kind"] == "note"
    assert "rebuilt" not in run.ok("show", "Bob").stderr


def test_bug_12_5_obsidian_settings_that_cannot_be_read_are_reported_and_the_rest_applies(vault):
    run = _obsidian_vault(vault, {
        "app.json": '{"userIgnoreFilters": ["Archive/", "/[unclosed/"]',  # cut short
        "templates.json": '["Templates"]',
        "daily-notes.json": '{"folder": "Journal", "format": "DD.MM.YYYY"}',
        "plugins/templater-obsidian/data.json": b"\xff\xfe{}",
    }, {
        "Archive/Old.md": "old\n", "Journal/05.01.2026.md": "Coffee with [[Ada]].\n",
        "People/Ada.md": "---\ntype: person\n---\n",
    })
    result = run.ok("index")
    assert ".obsidian/app.json: not valid JSON (line 1: Expecting ',' delimiter); its settings are not used" \
        in result.stderr
    problems = {p["path"]: p["message"] for p in run.json("index")["problems"]}
    assert problems == {
        ".obsidian/app.json": "not valid JSON (line 1: Expecting ',' delimiter); its settings are not used",
        ".obsidian/templates.json": "not a JSON object; its settings are not used",
        ".obsidian/plugins/templater-obsidian/data.json": "not UTF-8 (byte 0); its settings are not used",
    }
    assert sorted(r["path"] for r in run.json("search", "*")) == [
        "Archive/Old.md", "Journal/05.01.2026.md", "People/Ada.md"]
    assert run.json("--today", TODAY, "show", "Ada")["last_contact"] == "2026-01-05"  # daily notes still read
    doctor = json.loads(run("doctor", "--json").stdout)
    assert {f["path"] for f in doctor} == set(problems)
    # A regular expression that is no regular expression is reported; the other filters apply.
    (run.root / ".obsidian/app.json").write_text('{"userIgnoreFilters": ["Archive/", "/[unclosed/"]}')
    assert sorted(r["path"] for r in run.json("search", "*")) == ["Journal/05.01.2026.md", "People/Ada.md"]
    assert "userIgnoreFilters: '/[unclosed/' is not a regular expression" in \
        {p["path"]: p["message"] for p in run.json("index")["problems"]}[".obsidian/app.json"]


def test_bug_12_11_intro_on_a_note_that_is_no_contact_says_so(vault):
    run = vault({"References/Obsidian.md": "The app.\n", "People/Ada.md": "---\ntype: person\n---\n"})
    result = run("--today", TODAY, "intro", "Obsidian")
    assert result.exit_code == 1
    assert result.stderr == ("Error: 'Obsidian' is References/Obsidian.md, a note that is neither a person nor "
                             "an organization (`type: person` or `type: org` in its frontmatter makes it one)\n")
    assert "no note called 'Nobody'" in run("--today", TODAY, "intro", "Nobody").stderr


def test_bug_12_12_a_company_link_without_a_note_is_an_organization(vault):
    run = vault({
        "People/Ada.md": '---\ntype: person\ncompany: "[[Globex]]"\n---\nWorks at [[Globex]].\n',
        "People/Bob.md": "---\ntype: person\n---\nKnows [[Ada]].\n",
        "People/Cy.md": '---\ntype: person\ncompany: "[[Companies/Initech|Initech]]"\n---\n',
    })
    graph = json.loads(run.ok("--today", TODAY, "graph").stdout)
    kinds = {n["name"]: (n["kind"], n["has_note"]) for n in graph["nodes"]}
    assert kinds == {"Ada": ("person", True), "Bob": ("person", True), "Cy": ("person", True),
                     "Globex": ("org", False), "Initech": ("org", False)}
    rows = run.json("--today", TODAY, "intro", "Globex")
    assert [(r["path"], r["hops"]) for r in rows] == [(["Ada"], 1), (["Bob", "Ada"], 2)]
    assert [(r["path"], r["hops"]) for r in run.json("--today", TODAY, "intro", "Initech")] == [(["Cy"], 1)]


def test_bug_12_12_a_missing_note_linked_from_a_dated_note_is_not_automatically_a_person(vault):
    run = vault({
        "Daily/2026-05-01.md": "Read about [[blockchain]], [[1]] and [[newsletter/forward/Forward August.md]].\n",
        "Daily/2026-05-02.md": "Lunch with [[Ada]] and [[Dana]]; talked [[Rust]].\n",
        "Meetings/2026-05-03 Sync.md": "With [[Ada]] and [[Eve]].\n- 2026-05-03 [[Ada]] introduced [[Fay]]\n",
        "People/Ada.md": "---\ntype: person\n---\nMentor of [[Dana]].\n",
    })
    graph = json.loads(run.ok("--today", TODAY, "graph").stdout)
    # Dana: a person's note links her. Fay: on a log line with Ada. Eve, Rust, blockchain, 1 and
    # the newsletter: only linked from dated notes, which say nothing about who is a person.
    assert sorted((n["name"], n["has_note"]) for n in graph["nodes"]) == [
        ("Ada", True), ("Dana", False), ("Fay", False)]
    # Ties between people stay: Ada and Dana were at lunch together, and Ada's note names her.
    edge = next(e for e in graph["edges"] if {e["source"], e["target"]} == {"People/Ada.md", "?dana"})
    assert edge["weight"] > 1.5
    assert [r["path"] for r in run.json("--today", TODAY, "intro", "Dana")] == [["Ada", "Dana"]]
    assert run("--today", TODAY, "intro", "blockchain").exit_code == 1
    # They are still links to notes that do not exist yet.
    assert {r["target"] for r in run.json("links", "--unresolved")} >= {"blockchain", "1", "Eve", "Rust"}


def test_bug_12_13_intro_org_gives_the_people_there_then_friends_of_friends(vault):
    run = vault({
        "Companies/Acme.md": "---\ntype: org\n---\n",
        "People/Ann.md": '---\ntype: person\ncompany: "[[Acme]]"\n---\n',
        "People/Ben.md": "---\ntype: person\ncompany: Acme\n---\n",
        "People/Cat.md": "---\ntype: person\n---\nOld friend of [[Ann]].\n",
        "People/Dev.md": "---\ntype: person\n---\n- 2026-05-01 Coffee with [[Ben]]\n",
        "People/Eli.md": "---\ntype: person\n---\nNo one at Acme.\n",
    })
    rows = run.json("--today", TODAY, "intro", "Acme")
    assert [(r["path"], r["hops"]) for r in rows] == [
        (["Ann"], 1), (["Ben"], 1), (["Dev", "Ben"], 2), (["Cat", "Ann"], 2)]
    assert rows[2]["evidence"][0]["source"] == "People/Dev.md"
    # A person you know is one hop, and no friend is needed to reach them.
    assert [(r["path"], r["hops"]) for r in run.json("--today", TODAY, "intro", "Ann")] == [(["Ann"], 1)]


def test_bug_12_9_nested_tags_are_found_by_their_parents(vault):
    run = vault({
        "A.md": "Read later #inbox/to-read\n",
        "B.md": "---\ntags: [inbox]\n---\n",
        "C.md": "#inbox-zero is another tag\n",
        "D.md": "#Inbox/To-Read/Later\n",
        "People/Ann.md": "---\ntags: [mentor/rust]\ncadence: 2w\n---\n",
        "People/Bo.md": "---\ntags: [mentorship]\ncadence: 2w\n---\n",
        "People/Cy.md": "---\ntags: [mentor/go]\n---\n",  # no cadence: cadence_by_tag gives one
    }, config='[cadence_by_tag]\nmentor = "30d"\n')

    def found(query):
        return sorted(h["path"] for h in run.json("search", query))

    assert found("tag:inbox") == found("tag:#inbox") == ["A.md", "B.md", "D.md"]
    assert found("tag:inbox/to-read") == found("tag:#Inbox/To-Read") == ["A.md", "D.md"]
    assert found("tag:inbox-zero") == ["C.md"]
    assert [r["name"] for r in run.json("--today", TODAY, "due", "--tag", "mentor")] == ["Ann", "Cy"]
    assert [r["name"] for r in run.json("--today", TODAY, "due", "--tag", "#mentor/rust")] == ["Ann"]
    assert run.json("--today", TODAY, "show", "Cy")["cadence_days"] == 30
