"""Every command through the CLI: exact output, JSON shapes, exit codes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

VAULT = {
    "People/Ada Lovelace.md": (
        "---\n"
        "aliases: [Ada, Countess]\n"
        "company: \"[[Analytical Engines]]\"\n"
        "role: Chief Scientist\n"
        "email: [ada@engines.example, countess@example.org]\n"
        "phone: 0612345678\n"
        "tags: [mentor]\n"
        "cadence: monthly\n"
        "---\n"
        "Writes about compilers and #engines.\n"
        "\n"
        "## Log\n"
        "- 2026-10-01 Coffee, she sent me the paper #got\n"
        "- 2026-11-01 Sent her the talk #gave\n"
    ),
    "People/Alex Kim.md": "---\naliases: [Alex]\nrole: product manager\n---\nProduct person.\n",
    "People/Alexandra Petrova.md": "---\naliases: [Alex]\n---\nDesigner.\n",
    "People/Bob Lee.md": "---\ncompany: Acme\n---\nKnows [[Ada]] well.\n",
    "Companies/Analytical Engines.md": "Where [[Ada Lovelace|Ada]] works.\n",
    "Meetings/2026-01-05 Sync.md": (
        "---\nattendees: [\"[[Bob Lee]]\"]\n---\n"
        "With [[Ada Lovelace#Log]] and [[Grace Hopper]].\n"
        "- 2026-01-05 Talked compilers with [[Grace Hopper]] and [[Alex]]\n"
    ),
}
CONFIG = 'people_dirs = ["People"]\norg_dirs = ["Companies"]\n'


@pytest.fixture
def run(vault):
    return vault(VAULT, config=CONFIG)


def test_search_json_shape_and_order(run):
    hits = run.json("search", "compilers")
    assert [h["path"] for h in hits] == ["Meetings/2026-01-05 Sync.md", "People/Ada Lovelace.md"] or \
        [h["path"] for h in hits] == ["People/Ada Lovelace.md", "Meetings/2026-01-05 Sync.md"]
    for h in hits:
        assert set(h) >= {"path", "name", "kind", "score", "snippet"}
        assert "**compilers**" in h["snippet"]


def test_search_fields(run):
    assert [h["path"] for h in run.json("search", "tag:mentor")] == ["People/Ada Lovelace.md"]
    assert [h["path"] for h in run.json("search", "company:acme")] == ["People/Bob Lee.md"]
    assert [h["path"] for h in run.json("search", "company:analytical")] == ["People/Ada Lovelace.md"]
    assert [h["path"] for h in run.json("search", 'role:"product manager"')] == ["People/Alex Kim.md"]
    assert [h["path"] for h in run.json("search", "role:\"manager product\"")] == []
    assert [h["path"] for h in run.json("search", "name:lovelase~")] == ["People/Ada Lovelace.md"]
    assert [h["path"] for h in run.json("search", "email:ada@engines.example")] == ["People/Ada Lovelace.md"]
    assert [h["path"] for h in run.json("search", "alias:countess")] == ["People/Ada Lovelace.md"]
    # Stemming: "compiler" finds "compilers".
    assert "People/Ada Lovelace.md" in [h["path"] for h in run.json("search", "compiler")]


def test_search_everything_type_and_limit(run):
    assert len(run.json("search", "*")) == 6
    assert {h["kind"] for h in run.json("search", "*", "--type", "person")} == {"person"}
    assert [h["path"] for h in run.json("search", "*", "--type", "org")] == ["Companies/Analytical Engines.md"]
    assert len(run.json("search", "*", "--limit", "2")) == 2


def test_search_table_and_empty_result(run):
    result = run.ok("search", "tag:mentor")
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "KIND", "COMPANY", "ROLE", "LAST", "CONTACT", "SNIPPET"]
    assert lines[1].startswith("Ada Lovelace  person  [[Analytical Engines]]  Chief Scientist  2026-11-01")
    empty = run.ok("search", "nothingmatchesthis")
    assert empty.stdout == ""
    assert "no matches" in empty.stderr
    assert run.json("search", "nothingmatchesthis") == []


def test_last_contact_range_query(vault):
    run = vault({
        "People/A.md": "---\nlast_contact: 2026-03-01\n---\n",
        "People/B.md": "---\nlast_contact: 2025-12-31\n---\n",
    })
    assert [h["path"] for h in run.json("search", "last_contact:[2026-01-01 to]")] == ["People/A.md"]


def test_show_card(run):
    card = run.json("show", "countess")
    assert card["path"] == "People/Ada Lovelace.md"
    assert card["name"] == "Ada Lovelace"
    assert card["kind"] == "person"
    assert card["aliases"] == ["Ada", "Countess"]
    assert card["company"] == "[[Analytical Engines]]"
    assert card["role"] == "Chief Scientist"
    assert card["emails"] == ["ada@engines.example", "countess@example.org"]
    assert card["phones"] == ["0612345678"]
    assert card["tags"] == ["mentor", "engines"]  # #got and #gave mark lines; they are not tags
    assert card["cadence_days"] == 30
    assert (card["gave"], card["got"]) == (1, 1)
    assert card["backlinks"] == 3
    # Her own log lines, and the dated meeting note that links her.
    assert [(i["date"], i["source"]) for i in card["interactions"]] == [
        ("2026-11-01", "People/Ada Lovelace.md"), ("2026-10-01", "People/Ada Lovelace.md"),
        ("2026-01-05", "Meetings/2026-01-05 Sync.md"),
    ]
    assert set(card) >= {"last_contact", "next_due"}
    text = run.ok("show", "Ada Lovelace").stdout
    assert text.startswith("Ada Lovelace\n  path:       People/Ada Lovelace.md\n")
    assert "  mentioned in 3 notes\n" in text


def test_name_resolution_misspelling_and_ambiguity(run):
    assert run.json("show", "ada lovlace")["path"] == "People/Ada Lovelace.md"
    assert run.json("show", "People/Bob Lee")["path"] == "People/Bob Lee.md"
    result = run("show", "Alex")
    assert result.exit_code == 1
    assert "matches several notes" in result.stderr
    assert "People/Alex Kim.md" in result.stderr and "People/Alexandra Petrova.md" in result.stderr
    missing = run("show", "Zebedee")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("Error: no note called 'Zebedee'")


def test_backlinks_with_line_context_and_date(run):
    rows = run.json("backlinks", "Ada")
    assert rows == [
        {"source": "Companies/Analytical Engines.md", "line": 1, "context": "Where [[Ada Lovelace|Ada]] works.", "date": None},
        {"source": "Meetings/2026-01-05 Sync.md", "line": 4, "context": "With [[Ada Lovelace#Log]] and [[Grace Hopper]].", "date": "2026-01-05"},
        {"source": "People/Bob Lee.md", "line": 4, "context": "Knows [[Ada]] well.", "date": None},
    ]
    frontmatter_link = run.json("backlinks", "Bob Lee")
    assert frontmatter_link == [{"source": "Meetings/2026-01-05 Sync.md", "line": 2,
                                 "context": 'attendees: ["[[Bob Lee]]"]', "date": "2026-01-05"}]


def test_backlinks_table(run):
    out = run.ok("backlinks", "Bob Lee").stdout.splitlines()
    assert out[0].split() == ["SOURCE", "LINE", "DATE", "CONTEXT"]
    assert out[1].split()[:4] == ["Meetings/2026-01-05", "Sync.md", "2", "2026-01-05"]


def test_links_all_and_unresolved(run):
    links = run.json("links")
    assert {"source": "People/Bob Lee.md", "line": 4, "target": "Ada", "resolved": "People/Ada Lovelace.md",
            "via": "alias", "embed": False, "attachment": False} in links
    assert {"source": "Meetings/2026-01-05 Sync.md", "line": 5, "target": "Alex", "resolved": None,
            "via": None, "embed": False, "attachment": False} in links
    unresolved = run.json("links", "--unresolved")
    assert unresolved == [
        {"target": "Grace Hopper", "count": 2, "sources": ["Meetings/2026-01-05 Sync.md"], "attachment": False},
        {"target": "Alex", "count": 1, "sources": ["Meetings/2026-01-05 Sync.md"], "attachment": False},
    ]
    table = run.ok("links", "--unresolved").stdout.splitlines()
    assert table[0].split() == ["COUNT", "TARGET", "FILE", "MENTIONED", "IN"]
    assert table[1].split()[:3] == ["2", "Grace", "Hopper"]


def test_index_json_shape(run):
    data = run.json("index")
    assert set(data) == {"added", "updated", "removed", "unchanged", "problems"}
    assert data["added"] == 6


def test_json_mode_prints_only_json(run):
    result = run.ok("links", "--json")
    json.loads(result.stdout)


def test_help_for_every_command(run):
    from vaultnet.cli import cli

    for name, command in cli.commands.items():
        assert command.help, f"{name} has no help text"
        assert run.ok(name, "--help").stdout.startswith("Usage:")


def test_debug_shows_a_traceback_errors_do_not(run):
    from vaultnet.errors import NameNotFound

    assert "Traceback" not in run("show", "Zebedee").stderr
    with pytest.raises(NameNotFound):
        run("--debug", "show", "Zebedee")


def test_backlinks_of_someone_without_a_note(run):
    rows = run.json("backlinks", "grace hopper")
    assert [(r["source"], r["line"]) for r in rows] == [("Meetings/2026-01-05 Sync.md", 4), ("Meetings/2026-01-05 Sync.md", 5)]
    assert rows[1]["date"] == "2026-01-05"
    assert run("backlinks", "Nobody Mentioned").exit_code == 1


def test_closed_pipe_ends_quietly(run):
    import subprocess
    import sys

    proc = subprocess.Popen(
        f'"{sys.executable}" -m vaultnet --vault "{run.root}" links | head -c 10',
        shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    out, err = proc.communicate(timeout=60)
    assert len(out) == 10
    assert "Traceback" not in err and "Error" not in err


def test_a_first_or_last_name_finds_the_one_person(run):
    assert run.json("show", "lovelace")["path"] == "People/Ada Lovelace.md"
    assert run.json("show", "Petrova")["path"] == "People/Alexandra Petrova.md"
    result = run("show", "Lee")
    assert result.exit_code == 0  # Bob Lee is the only one
    assert run.json("show", "Kim")["path"] == "People/Alex Kim.md"


def test_index_lists_new_problems_in_path_order_as_json_does(vault):
    """Regression: `index` printed problems in the order the file system listed the notes
    (People/Nora Kelly.md before People/Beatriz Costa.md on one disk), `index --json` by path."""
    names = ["Quinn", "Beatriz", "Nora", "Arjun", "Zed", "Mia", "Hugo", "Carla"]
    run = vault({f"People/{n}.md": f"---\ncadence: often-{n}\n---\n" for n in names})
    lines = [line for line in run.ok("index").stderr.splitlines() if "is not a cadence" in line]
    assert [line.split(".md")[0] for line in lines] == [f"People/{n}" for n in sorted(names)]


def test_a_table_cell_folds_every_run_of_whitespace_to_one_space(vault):
    """A name or role with a tab, a no-break space, a line separator or doubled spaces in it
    (YAML keeps them) is one line of a piped table, its whitespace folded as str.split() does."""
    run = vault({
        "People/Wide.md": '---\nname: "Ada\\u00a0 Byron\\tKing"\nrole: "  Chief\\u2028Scientist  "\ncadence: 1w\n---\n',
        "People/Plain.md": "---\nrole: Plain role\ncadence: 1w\n---\n",
    })
    lines = run.ok("search", "*", "--type", "person").stdout.splitlines()
    assert len(lines) == 3
    assert any(line.startswith("Ada Byron King  person") and "Chief Scientist" in line for line in lines)
    assert any(line.startswith("Plain ") and "Plain role" in line for line in lines)
    due = run.ok("due").stdout.splitlines()
    assert [line.split("  ")[0] for line in due] == ["NAME", "Ada Byron King", "Plain"]


@given(st.text() | st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
       | st.lists(st.text(max_size=5), max_size=3))
def test_a_cell_is_the_value_folded_as_before(value):
    """The shortcut for text with nothing to fold gives what folding it would."""
    from vaultnet.cli.base import _cell

    if value is None:
        want = ""
    elif isinstance(value, bool):
        want = "yes" if value else ""
    elif isinstance(value, list):
        want = ", ".join(value)
    elif isinstance(value, float):
        want = f"{value:.2f}"
    else:
        want = " ".join(str(value).split())
    assert _cell(value) == want
