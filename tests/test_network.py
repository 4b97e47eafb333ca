"""Who knows whom: the graph, `intro`, `who`, and graph files (SPEC §2, §5)."""

from __future__ import annotations

import json
import random

import pytest

from .conftest import write_vault

CONFIG = 'people_dirs = ["People"]\norg_dirs = ["Companies"]\nme = "Me"\n'
TODAY = "2026-11-22"
VAULT = {
    "Me.md": "---\ntype: person\n---\nMe.\n",
    "People/Ann.md": "---\ncompany: \"[[Acme Corp]]\"\n---\nKnows [[Bob]]. Works on compilers.\n",
    "People/Bob.md": "---\ncompany: Globex\nknows: [\"[[Dana Whitfield]]\"]\n---\n"
                     "- 2026-10-01 Lunch with [[Cy]] about the compiler rewrite\n",
    "People/Cy.md": "Cy builds databases.\n- 2025-01-01 Old call with [[Bob]]\n",
    "People/Eve.md": "---\ncompany: Acme\n---\nI am [[Eve]]. Loves compilers.\n",
    "People/Fay.md": "Friend of [[Gil Hart]].\n",
    "Companies/Acme Corp.md": "---\naliases: [Acme]\n---\nStaff: [[Hal Ng]] (no note yet).\n",
    "Companies/Initech.md": "Nobody here.\n",
    "Meetings/2026-11-01 Sync.md": "With [[Bob]], [[Hal Ng]] and [[Fay]] about compilers.\n",
}


@pytest.fixture
def run(vault):
    return vault(VAULT, config=CONFIG)


def test_intro_to_a_person_with_a_note_is_one_hop(run):
    rows = run.json("--today", TODAY, "intro", "Cy")
    assert rows[0]["path"] == ["Cy"] and rows[0]["hops"] == 1 and rows[0]["evidence"] == []


def test_intro_to_someone_known_only_through_a_link(run):
    rows = run.json("--today", TODAY, "intro", "dana whitfield")
    assert [(r["path"], r["hops"]) for r in rows] == [(["Bob", "Dana Whitfield"], 2)]
    (ev,) = rows[0]["evidence"]
    assert (ev["source"], ev["line"]) == ("People/Bob.md", 3)
    assert ev["context"] == 'knows: ["[[Dana Whitfield]]"]'


def test_intro_to_an_organization_people_there_then_their_friends(run):
    rows = run.json("--today", TODAY, "intro", "acme")  # an alias of the org note
    assert [(r["path"], r["hops"]) for r in rows[:2]] == [(["Ann"], 1), (["Eve"], 1)]
    # Then friends of friends (issue 12, item 13): Hal has no note, and is reached through the
    # people who met him, most recent and strongest first; Bob also knows Ann, who is there.
    two = [r for r in rows if r["hops"] == 2]
    assert [r["path"] for r in two] == [["Bob", "Hal Ng"], ["Fay", "Hal Ng"], ["Bob", "Ann"]]
    assert two[0]["evidence"][0]["source"] == "Meetings/2026-11-01 Sync.md"
    assert [r["path"] for r in run.json("--today", TODAY, "intro", "Globex")] == [  # company as text
        ["Bob"], ["Cy", "Bob"], ["Fay", "Bob"], ["Ann", "Bob"]]
    assert [r["hops"] for r in run.json("--today", TODAY, "intro", "acme", "--max-hops", "1")] == [1, 1]


def test_intro_prefers_strong_recent_ties(vault):
    run = vault({
        "People/Old.md": "- 2020-01-01 Met [[Zed Unknown]] once\n",
        "People/New.md": "- 2026-11-01 Dinner with [[Zed Unknown]]\n- 2026-10-01 Call with [[Zed Unknown]]\n",
    }, config=CONFIG)
    assert [r["path"][0] for r in run.json("--today", TODAY, "intro", "Zed Unknown")] == ["New", "Old"]


def test_intro_target_matching_nothing(run):
    result = run("--today", TODAY, "intro", "Globx Corp")
    assert result.exit_code == 1
    assert "no note called 'Globx Corp'" in result.stderr and "Globex" in result.stderr
    assert "Traceback" not in result.stderr


def test_intro_table(run):
    out = run.ok("--today", TODAY, "intro", "Dana Whitfield").stdout.splitlines()
    assert out[0] == "2 hops: Bob → Dana Whitfield  (last contact 2026-11-01)"
    assert out[1].startswith("    Bob – Dana Whitfield: People/Bob.md:3")


def test_who_uses_stemming_own_notes_and_notes_that_mention_them(run):
    rows = run.json("who", "compiler")
    names = [r["name"] for r in rows]
    assert set(names[:3]) == {"Ann", "Bob", "Eve"}  # their own notes say "compiler(s)"
    assert "Fay" in names  # only mentioned on a line about compilers, in a meeting note
    bob = next(r for r in rows if r["name"] == "Bob")
    assert {(e["source"], e["line"]) for e in bob["evidence"]} >= {("People/Bob.md", 5)}
    assert "Cy" not in names[:4]
    assert set(rows[0]) >= {"path", "name", "score", "evidence"}
    assert run.json("who", "zeppelins") == []


def test_graph_json_shape_people_orgs_unresolved_no_self_loops(run):
    data = json.loads(run.ok("--today", TODAY, "graph", "--format", "json").stdout)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["People/Ann.md"]["kind"] == "person" and nodes["Companies/Acme Corp.md"]["kind"] == "org"
    assert nodes["?hal ng"]["name"] == "Hal Ng" and nodes["?hal ng"]["has_note"] is False
    assert nodes["@globex"]["kind"] == "org"
    edges = {(e["source"], e["target"]) for e in data["edges"]}
    assert all(a != b for a, b in edges)  # Eve links herself: no loop
    assert ("People/Ann.md", "People/Bob.md") in edges or ("People/Bob.md", "People/Ann.md") in edges
    for e in data["edges"]:
        assert set(e) >= {"source", "target", "weight"} and e["weight"] > 0


def test_graph_json_carries_what_the_page_shows_on_a_card(run):
    data = json.loads(run.ok("--today", TODAY, "graph", "--format", "json").stdout)
    nodes = {n["id"]: n for n in data["nodes"]}
    for n in data["nodes"]:
        assert set(n) == {"id", "name", "kind", "has_note", "tags", "company", "last_contact", "next_due",
                          "overdue_days", "gave", "got"}
    assert nodes["People/Ann.md"]["company"] == "Acme Corp"  # [[Acme Corp]] as its name
    assert nodes["People/Bob.md"]["company"] == "Globex"
    assert nodes["Companies/Acme Corp.md"]["company"] is None and nodes["?hal ng"]["tags"] == []
    # The same facts `show` gives for each person (which shows the company as written).
    keys = ("last_contact", "next_due", "gave", "got", "tags")
    for path in ("People/Ann.md", "People/Bob.md", "People/Cy.md"):
        card = run.json("--today", TODAY, "show", path[:-3])
        assert {k: nodes[path][k] for k in keys} == {k: card[k] for k in keys}, path
    assert nodes["People/Bob.md"]["last_contact"] == "2026-11-01"  # the meeting note
    assert nodes["Me.md"]["next_due"] is None  # never due, as in `due`
    # Ties to an organization say so: a person's company field, or the organization's note listing them.
    at_org = {frozenset((e["source"], e["target"])) for e in data["edges"] if e["at_org"]}
    assert frozenset(("People/Ann.md", "Companies/Acme Corp.md")) in at_org
    assert frozenset(("?hal ng", "Companies/Acme Corp.md")) in at_org
    assert frozenset(("People/Ann.md", "People/Bob.md")) not in at_org


def test_graph_graphml_and_dot(run, tmp_path):
    import networkx as nx

    out = tmp_path / "g.graphml"
    run.ok("--today", TODAY, "graph", "--format", "graphml", "-o", str(out))
    g = nx.read_graphml(out)
    assert g.nodes["People/Ann.md"]["name"] == "Ann"
    dot = run.ok("--today", TODAY, "graph", "--format", "dot").stdout
    assert dot.startswith("graph vaultnet {") and '"People/Ann.md" [label="Ann"];' in dot


def test_names_are_escaped_in_dot_and_json(vault):
    run = vault({"People/Evil.md": '---\nname: "<script>alert(1)</script> \\"q\\""\n---\nKnows [[Bob]].\n',
                 "People/Bob.md": ""}, config=CONFIG)
    dot = run.ok("graph", "--format", "dot").stdout
    assert '[label="<script>alert(1)</script> \\"q\\""]' in dot


def test_a_graph_full_of_cycles_and_a_hundred_thousand_edges(tmp_path):
    rng = random.Random(7)
    people = [f"P{i:03d}" for i in range(460)]
    files = {f"People/{p}.md": f"Knows [[{people[(i + 1) % 460]}]] and [[{people[(i + 7) % 460]}]].\n"
             for i, p in enumerate(people)}
    for m in range(420):
        attendees = rng.sample(people, 25)
        files[f"Meetings/2026-{m % 12 + 1:02d}-01 M{m}.md"] = "With " + ", ".join(f"[[{a}]]" for a in attendees) + "\n"
    root = write_vault(tmp_path / "big", files, config=CONFIG)
    from .conftest import Run

    run = Run(root)
    data = json.loads(run.ok("--today", TODAY, "graph", "--format", "json").stdout)
    assert len(data["edges"]) > 60_000
    rows = run.json("--today", TODAY, "intro", "P123")
    assert rows[0]["path"] == ["P123"]


def test_me_is_matched_exactly_never_guessed(vault):
    # Regression: `me` was looked up like a NAME argument, so "Sam" matched Sam Rivera's note.
    run = vault({"People/Sam Rivera.md": "Knows [[Tom]].\n", "People/Tom.md": "", "Daily/2026-11-01.md": "- 2026-11-01 x\n"},
                config='people_dirs = ["People"]\nme = "Sam"\n')
    assert run.json("--today", TODAY, "intro", "Sam Rivera")[0]["path"] == ["Sam Rivera"]
