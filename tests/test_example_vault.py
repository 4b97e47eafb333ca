"""The example vault shows off every feature; these facts back the README."""

from __future__ import annotations

import shutil

import pytest

from .conftest import REPO, Run


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    root = tmp_path_factory.mktemp("example") / "vault"
    shutil.copytree(REPO / "example-vault", root, ignore=shutil.ignore_patterns("index", "index.lock"))
    return Run(root)


def test_indexes_with_exactly_the_broken_notes_reported(example):
    data = example.json("index")
    assert data["added"] >= 120
    assert [(p["path"], p["line"]) for p in data["problems"]] == [
        ("Meetings/2026-03-12 Offsite.md", 5),  # a tab in the frontmatter
        ("People/Arjun Kapoor.md", 7),  # last_contact: 2026-02-30
        ("People/Beatriz Costa.md", 6),  # cadence: often
        ("People/Nora Kelly.md", 9),  # birthday: 1988-02-30
    ]


def test_size_and_variety(example):
    kinds = [h["kind"] for h in example.json("search", "*", "--limit", "1000")]
    assert kinds.count("person") >= 40
    assert kinds.count("org") >= 8
    assert kinds.count("note") >= 40


def test_ada_is_well_connected(example):
    card = example.json("show", "Countess")
    assert card["path"] == "People/Ada Lovelace.md"
    assert card["backlinks"] >= 15
    assert card["got"] > card["gave"]
    rows = example.json("backlinks", "Ada Lovelace")
    assert {"Meetings/2026-05-20 Mentoring with Ada.md", "Daily/2025-12-04.md"} <= {r["source"] for r in rows}


def test_people_to_add_and_the_shared_alias(example):
    unresolved = {u["target"]: u["count"] for u in example.json("links", "--unresolved")}
    assert unresolved["Dana Whitfield"] == 5
    assert unresolved["Alex"] == 2  # two people share the alias
    result = example("show", "Alex")
    assert result.exit_code == 1 and "People/Alex Kim.md" in result.stderr


def test_code_and_comments_hide_links(example):
    links = example.json("links")
    # Connor Murphy is named only inside code and HTML comments.
    assert not any(l["resolved"] == "People/Connor Murphy.md" and l["source"] != "People/Connor Murphy.md"
                   for l in links)
    # The %% comment link to Dmitri Volkov counts, as in Obsidian.
    assert any(l["resolved"] == "People/Dmitri Volkov.md" for l in links)


def test_nfd_link_resolves(example):
    links = example.json("links")
    assert any(l["source"] == "Daily/2026-06-23.md" and l["resolved"] == "People/José Álvarez.md" for l in links)


def test_attachments_there_and_missing(example):
    links = {(l["source"], l["target"]): (l["resolved"], l["attachment"]) for l in example.json("links")}
    assert links[("Me.md", "Connections.csv")] == ("Attachments/Connections.csv", True)
    assert links[("Meetings/2026-04-14 Climate tech meetup.md", "climate-meetup-slides.pdf")] == (None, True)
    missing = [u for u in example.json("links", "--unresolved") if u["attachment"]]
    assert [u["target"] for u in missing] == ["climate-meetup-slides.pdf"]
