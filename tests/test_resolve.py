"""Link resolution, SPEC §2: path, same folder, shortest path, then name/alias."""

from __future__ import annotations

from vaultnet.vault.resolve import ATTACHMENT, LinkResolver, NoteRef, is_attachment


def resolver(*refs: NoteRef | str) -> LinkResolver:
    return LinkResolver(r if isinstance(r, NoteRef) else NoteRef(r, "note", r.rsplit("/", 1)[-1][:-3]) for r in refs)


def test_exact_path_and_path_suffix():
    r = resolver("Work/People/Ada Lovelace.md", "People/Ada Lovelace.md", "Ada Lovelace.md")
    assert r.resolve("People/Ada Lovelace", "x.md").path == "People/Ada Lovelace.md"
    assert r.resolve("Work/People/Ada Lovelace.md", "x.md").path == "Work/People/Ada Lovelace.md"
    assert r.resolve("work/people/ada lovelace", "x.md").path == "Work/People/Ada Lovelace.md"
    only_deep = resolver("Work/People/Ada Lovelace.md", "Other/Ada Lovelace.md")
    assert only_deep.resolve("People/Ada Lovelace", "x.md").path == "Work/People/Ada Lovelace.md"


def test_same_folder_then_shortest_path():
    r = resolver("A/Deep/Folder/Note.md", "B/Note.md", "C/Sub/Note.md")
    assert r.resolve("Note", "C/Sub/Other.md").path == "C/Sub/Note.md"
    assert r.resolve("Note", "Elsewhere/x.md").path == "B/Note.md"
    assert r.resolve("note.md", "Elsewhere/x.md").via == "path"


def test_case_insensitive_and_nfc():
    r = resolver("People/José Álvarez.md")
    assert r.resolve("jose\u0301 álvarez", "x.md").path == "People/José Álvarez.md"
    assert r.resolve("JOSÉ ÁLVAREZ", "x.md").path == "People/José Álvarez.md"


def test_alias_rule_only_for_one_contact():
    ada = NoteRef("People/Ada Lovelace.md", "person", "Ada Lovelace", ("Ada", "Countess"))
    alex1 = NoteRef("People/Alex Kim.md", "person", "Alex Kim", ("Alex",))
    alex2 = NoteRef("People/Alexandra Petrova.md", "person", "Alexandra Petrova", ("Alex", "Sasha"))
    topic = NoteRef("Topics/Rust.md", "note", "Rust", ("Oxide",))
    r = LinkResolver([ada, alex1, alex2, topic])
    assert (r.resolve("ada", "x.md").path, r.resolve("ada", "x.md").via) == ("People/Ada Lovelace.md", "alias")
    assert r.resolve("Countess", "x.md").path == "People/Ada Lovelace.md"
    assert r.resolve("Alex", "x.md").path is None  # shared: unresolved
    assert r.resolve("Sasha", "x.md").path == "People/Alexandra Petrova.md"
    assert r.resolve("Oxide", "x.md").path is None  # aliases count for contacts only
    assert r.resolve("Ada Lovelace", "x.md").via == "path"


def test_file_name_beats_alias():
    named = NoteRef("People/Someone.md", "person", "Someone", ("Bob",))
    file = NoteRef("Notes/Bob.md", "note", "Bob")
    assert LinkResolver([named, file]).resolve("Bob", "x.md").path == "Notes/Bob.md"


def test_self_links_and_relative_links():
    r = resolver("Projects/Plan.md", "People/Ada.md")
    assert r.resolve("", "Projects/Plan.md").path == "Projects/Plan.md"
    assert r.resolve("../People/Ada.md", "Projects/Plan.md").path == "People/Ada.md"
    assert r.resolve("./Plan.md", "Projects/Plan.md").path == "Projects/Plan.md"
    assert r.resolve("Nobody", "x.md").path is None


def test_attachments_are_not_people_to_add():
    assert is_attachment("photo.png") and is_attachment("deck.PDF") and is_attachment("board.canvas")
    assert not is_attachment("Dr. Smith") and not is_attachment("J.R.R. Tolkien") and not is_attachment("Note.md")


def test_an_updated_resolver_answers_like_a_fresh_one():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    folders = st.sampled_from(["", "People/", "Work/People/", "Notes/"])
    names = st.sampled_from(["Ada", "Bob Lee", "ada", "Zoë", "Note", "Alex Kim"])
    kinds = st.sampled_from(["person", "org", "note"])
    aliases = st.lists(st.sampled_from(["Ada", "Alex", "Countess", "B"]), max_size=2).map(tuple)
    refs = st.builds(lambda f, n, k, a: NoteRef(f"{f}{n}.md", k, n, a), folders, names, kinds, aliases)

    @settings(max_examples=150, deadline=None)
    @given(st.lists(refs, max_size=8), st.lists(refs, max_size=8), st.lists(st.integers(0, 7), max_size=4))
    def check(before, added, drop):
        before = list({r.path: r for r in before}.values())
        removed = [before[i].path for i in drop if i < len(before)]
        after = {r.path: r for r in before if r.path not in removed}
        after.update({r.path: r for r in added})
        updated = LinkResolver(before)
        updated.update(removed, list({r.path: r for r in added}.values()))
        fresh = LinkResolver(after.values())
        # Built from a manifest's tables, NoteRefs made when asked: the same answers, also updated.
        files = ["Files/deck.pdf", "Ada.png"]
        lazy = LinkResolver.of([r.path for r in after.values()], {r.path: (r.kind, r.name, r.aliases, ())
                                                                  for r in after.values()}, files)
        lazy_updated = LinkResolver.of([r.path for r in before], {r.path: (r.kind, r.name, r.aliases)
                                                                  for r in before}, files)
        lazy_updated.update(removed, list({r.path: r for r in added}.values()))
        with_files = LinkResolver([*after.values(), *(NoteRef(f, ATTACHMENT, f.rsplit("/", 1)[-1]) for f in files)])
        for target in ["Ada", "ada", "Bob Lee", "People/Ada", "Alex", "Countess", "B", "Zoë", "Note", "Nobody"]:
            for source in ["x.md", "People/y.md", "Work/People/z.md"]:
                assert updated.resolve(target, source) == fresh.resolve(target, source), (target, source)
            for target_ in (target, "deck.pdf", "Ada.png", "Files/deck.pdf"):
                answers = {(r.resolve(target_, "People/y.md"), tuple(r.same_file_name(target_)),
                            tuple(r.named(target_))) for r in (lazy, lazy_updated, with_files)}
                assert len(answers) == 1, (target_, answers)
        for path in [*after, *files, "Gone.md"]:
            assert lazy.keys_for(path) == with_files.keys_for(path), path
        assert lazy.shared_names() == lazy_updated.shared_names() == fresh.shared_names()
        assert lazy.refs == lazy_updated.refs == with_files.refs

    check()
