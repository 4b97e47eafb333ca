"""Properties of the parser on arbitrary input (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vaultnet.notes.note import parse_note

MARKDOWNISH = st.lists(
    st.sampled_from(list("ab #[]()|!`~-*:\n\t<>%/.\\") + ["[[", "]]", "```", "---", "<!--", "-->", "é", "📅"]),
    max_size=120,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_never_raises_on_any_bytes(raw):
    note = parse_note(raw, "x.md")
    assert isinstance(note.links, list)


@settings(max_examples=300, deadline=None)
@given(MARKDOWNISH)
def test_line_numbers_point_into_the_file(text):
    note = parse_note(text.encode("utf-8"), "x.md")
    line_count = text.replace("\r\n", "\n").count("\n") + 1
    for link in note.links:
        assert 1 <= link.line <= line_count
    for tag in note.tag_occurrences:
        assert 1 <= tag.line <= line_count
        assert ("#" + tag.name) in text.splitlines()[tag.line - 1]
    for line, content in note.lines.items():
        assert content == text.split("\n")[line - 1].strip()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["Ada", "Bob Lee", "Zoë", "a-b", "x.y"]), max_size=6), st.text(alphabet="abc \n", max_size=40))
def test_every_plain_wikilink_is_found_on_its_line(targets, filler):
    lines = [f"{filler.replace(chr(10), ' ')} [[{t}]]" for t in targets]
    note = parse_note("\n".join(lines).encode("utf-8"), "x.md")
    assert [(l.target, l.line) for l in note.links] == [(t, i + 1) for i, t in enumerate(targets)]
