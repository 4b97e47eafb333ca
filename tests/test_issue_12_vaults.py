"""Regression tests for issue 12, items 1-14: reading real vaults the way Obsidian does.

Each test is named after its item (`test_bug_12_<n>_...`) and runs on a small vault it
writes into tmp_path, through the real parser, index and CLI.
"""

from __future__ import annotations

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
