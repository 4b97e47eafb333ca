"""Our lean segment writer writes the files Whoosh's own writer writes, byte for byte.

index/segment_writer.py gathers postings by term and hands Whoosh's block writer a
block at a time instead of a posting at a time. These tests index the same notes
with Whoosh's SegmentWriter and with ours, through first builds, deletions,
updates and merges, and compare every file of the resulting segments.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from vaultnet.index.records import _document, _read_note
from vaultnet.vault import Vault

WORDS = ("kubernetes terraform roadmap pricing design launch kernel query thread investor remote "
         "funding security weekend shared noticed helped planned followed talk agreed suggested").split()


def _notes(root: Path, count: int, seed: int = 7) -> list[str]:
    """Person notes whose common words reach more than one block of postings (128) and whose
    short fields (names, companies, roles, tags, e-mail) vary."""
    rng = random.Random(seed)
    (root / "People").mkdir(parents=True)
    rels = []
    for i in range(count):
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 120)))
        links = " ".join(f"[[Person {rng.randrange(count)}]]" for _ in range(rng.randint(0, 3)))
        tags = f"#{rng.choice(WORDS)}/{rng.choice(WORDS)}" if i % 3 else ""
        text = (f"---\nkind: person\ncompany: \"[[{rng.choice(WORDS).title()} Inc]]\"\n"
                f"role: {rng.choice(WORDS)} lead\nemail: p{i}@example.org\nphone: +44 20 {i:04d}\n"
                f"aliases: [P{i}]\ntags: [{rng.choice(WORDS)}]\n---\n"
                f"# Person {i}\n\n{body} {links} {tags}\n\n## Log\n- 2026-0{1 + i % 9}-1{i % 10} call {rng.choice(WORDS)}\n")
        rel = f"People/Person {i}.md"
        (root / rel).write_text(text, encoding="utf-8")
        rels.append(rel)
    return rels


def _documents(root: Path, rels: list[str]) -> list[dict]:
    vault = Vault(root)
    return [_document(*_read_note(vault, rel)) for rel in rels]


def _new_index(folder: Path):
    from whoosh import index

    from vaultnet.index.schema import schema

    folder.mkdir()
    return index.create_in(str(folder), schema(), indexname="ix")


def _segment_files(folder: Path) -> dict[str, bytes]:
    """Each segment file's bytes by its name without the random segment id, in segment order."""
    from whoosh import index

    ix = index.open_dir(str(folder), indexname="ix")
    found = {}
    for n, segment in enumerate(ix._segments()):
        prefix = segment.segment_id()
        for path in sorted(folder.glob(prefix + "*")):
            found[f"{n}{path.name[len(prefix):]}"] = path.read_bytes()
    ix.close()
    assert found, "no segment was written"
    return found


def _writers(production: bool = False):
    """Whoosh's writer and ours; ours compressing every block as Whoosh does, unless `production`
    (then a block under LeanSegmentWriter.compress_from bytes is left uncompressed)."""
    from whoosh.writing import SegmentWriter

    from vaultnet.index.segment_writer import LeanSegmentWriter

    class CompressingAll(LeanSegmentWriter):
        compress_from = 0

    return {"whoosh": SegmentWriter, "lean": LeanSegmentWriter if production else CompressingAll}


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    root = tmp_path_factory.mktemp("vault")
    rels = _notes(root, 400)
    return _documents(root, rels)


def _write(writer_class, ix, steps) -> None:
    for step in steps:
        writer = writer_class(ix, _lk=False, limitmb=64, compound=False)
        step(writer)


def _both(tmp_path: Path, steps, production: bool = False) -> dict[str, dict[str, bytes]]:
    out = {}
    for name, writer_class in _writers(production).items():
        folder = tmp_path / name
        _write(writer_class, _new_index(folder), steps)
        out[name] = _segment_files(folder)
    return out


def test_a_first_build_writes_whooshs_files_byte_for_byte(tmp_path, notes):
    def build(writer):
        for doc in notes:
            writer.add_document(**doc)
        writer.commit()

    files = _both(tmp_path, [build])
    assert set(files["lean"]) == set(files["whoosh"])
    for name in files["whoosh"]:
        assert files["lean"][name] == files["whoosh"][name], name
    # The notes reach past a block: the postings file holds more than one block for some term.
    assert any(name.endswith(".pst") and len(data) > 10_000 for name, data in files["whoosh"].items())


def test_deletions_updates_and_merges_write_whooshs_files(tmp_path, notes):
    """A second commit that deletes, updates and adds, then merges everything into one segment
    (Whoosh's merging hands the old segment's postings to the pool, renumbered)."""
    first, rest = notes[:150], notes[150:]

    def build(writer):
        for doc in first:
            writer.add_document(**doc)
        writer.commit()

    def change(writer):
        for doc in first[:10]:
            writer.delete_by_term("path", doc["path"])
        for doc in first[20:25]:
            writer.update_document(**doc)
        for doc in rest:
            writer.add_document(**doc)
        writer.commit()

    def more(writer):
        for doc in notes[300:310]:
            writer.update_document(**doc)
        writer.commit(optimize=True)

    files = _both(tmp_path, [build, change, more])
    assert files["lean"].keys() == files["whoosh"].keys()
    for name in files["whoosh"]:
        assert files["lean"][name] == files["whoosh"][name], name


def test_postings_added_out_of_order_are_written_in_order(tmp_path, notes):
    """Whoosh's pool sorts what it is given; ours keeps the order documents come in, and sorts
    a term's postings only if something (merging is the only other caller) ever went back."""
    def build(writer):
        for doc in notes[:40]:
            writer.add_document(**doc)
        for docnum in (30, 5, 17):
            writer.pool.add(("body", b"zzzlate", docnum, 2.0, b"\x00\x00\x00\x02"))
        writer.commit()

    files = _both(tmp_path, [build])
    assert files["lean"] == files["whoosh"]


def _postings(folder: Path) -> dict[tuple[str, bytes], tuple]:
    """Every term's statistics and postings (document, weight, value), as Whoosh reads them."""
    from whoosh import index

    ix = index.open_dir(str(folder), indexname="ix")
    out = {}
    with ix.reader() as reader:
        for fieldname, tbytes in reader.all_terms():
            info = reader.term_info(fieldname, tbytes)
            matcher = reader.postings(fieldname, tbytes)
            items = []
            while matcher.is_active():
                items.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            out[fieldname, tbytes] = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                                      info.max_weight(), tuple(items))
    ix.close()
    return out


def test_small_blocks_are_left_uncompressed_and_read_back_as_whooshs(tmp_path, notes):
    """Our writer as it runs: a block whose pickle is under compress_from bytes is not
    compressed. Every term reads back as from Whoosh's own index, in about the same room."""
    first, rest = notes[:300], notes[300:]

    def build(writer):
        for doc in first:
            writer.add_document(**doc)
        writer.commit()

    def change(writer):  # a second segment, then merged with the first: blocks from both
        for doc in first[:10]:
            writer.delete_by_term("path", doc["path"])
        for doc in rest:
            writer.add_document(**doc)
        writer.commit(optimize=True)

    for steps in ([build], [build, change]):
        here = tmp_path / str(len(steps))
        here.mkdir()
        files = _both(here, steps, production=True)
        postings = {name: _postings(here / name) for name in files}
        assert postings["lean"] == postings["whoosh"]
        assert len(postings["lean"]) > 1000
        sizes = {name: sum(len(data) for n, data in found.items() if n.endswith(".pst"))
                 for name, found in files.items()}
        assert sizes["lean"] != sizes["whoosh"]  # some blocks were left as they are
        assert sizes["lean"] < sizes["whoosh"] * 1.05
        same = {n for n in files["whoosh"] if not n.endswith((".pst", ".trm"))}
        assert {n: files["lean"][n] for n in same} == {n: files["whoosh"][n] for n in same}


def test_a_search_reads_the_lean_segments_as_whooshs(tmp_path, notes):
    from whoosh import index

    from vaultnet.index.schema import parse_query

    def build(writer):
        for doc in notes:
            writer.add_document(**doc)
        writer.commit()

    hits = {}
    for name, writer_class in _writers(production=True).items():
        folder = tmp_path / name
        _write(writer_class, _new_index(folder), [build])
        ix = index.open_dir(str(folder), indexname="ix")
        with ix.searcher() as searcher:
            found = searcher.search(parse_query("kubernetes roadmap", ix.schema), limit=None)
            hits[name] = [(hit["path"], round(hit.score, 6)) for hit in found]
        ix.close()
    assert hits["lean"] == hits["whoosh"]
    assert len(hits["lean"]) > 100


TEXTS = [
    "The Kubernetes roadmap: pricing, design and the launch's kernel query.",
    "Café naïve résumé — Straße ÉCOLE İstanbul ﬁnance œuvre",
    "a I to of an x y z 42 4.2 O'Brien it's don’t e.g. U.S.A. v1.2.3",
    "running runs ran runner easily fairly connection connected connecting",
    "日本語のテキスト 中文 한국어 עברית العربية",
    "",
    "   \n\t ",
]


@pytest.mark.parametrize("stemmed", [True, False])
def test_counted_text_gives_the_terms_its_analyzer_gives(stemmed):
    """A query goes through the field's analyzer; the index through CountedText's one pass.
    Both must give the same terms and counts, or a search would miss what was indexed."""
    from collections import Counter

    from vaultnet.index.schema import CountedText

    field = CountedText(stemmed=stemmed)

    def check(text: str) -> None:
        by_analyzer = Counter(t.text for t in field.analyzer(text))
        by_field = {w.decode("utf-8"): n for w, n, _, _ in field.index(text)}
        assert by_field == dict(by_analyzer), text

    _on_texts(check, TEXTS, ["The", "AND", "i", "it's", "résumé", "İ", "ﬁ", "x", "42", "naïve"],
              [" ", ", ", ".", "\n", "’", "'", "-", "#", "[["], min_piece=1, pieces=30)


def test_every_short_field_is_indexed_as_whoosh_indexes_it():
    """The lean writer indexes the short fields (names, tags, e-mail, links, paths...) without
    Whoosh's token generators: for every field of the schema the fast way must exist and give
    exactly what the field's own index() gives."""
    from vaultnet.index.schema import CountedText, schema
    from vaultnet.index.segment_writer import fast_index

    fields = {name: field for name, field in schema().items() if field.indexed and type(field) is not CountedText}
    fast = {name: fast_index(field) for name, field in fields.items()}
    assert all(fast.values()), [name for name, f in fast.items() if f is None]

    def check(text: str) -> None:
        for name, field in fields.items():
            assert sorted(fast[name](text)) == sorted(field.index(text)), (name, text)

    _on_texts(check, TEXTS + ["a,b , ,c,,", " #Tag/Sub #tag  x#y ", "Ada  Ada ada", "People/Ada Lovelace.md",
                              "+44 20 7946 0000", "ada@example.org, ADA@EXAMPLE.ORG", "\u00a0nbsp\u2003em\u2029"],
              ["Ada", "ADA", "İ", "ﬁ", "#x", "a,b"], [" ", ",", ", ", "\t", "\n", "#", "/", "\u00a0", ""],
              min_piece=0, pieces=12)


def _on_texts(check, fixed: list[str], words: list[str], separators: list[str], *, min_piece: int,
              pieces: int) -> None:
    """`check` on each fixed text, then on 300 texts made of our words, these and random
    characters, joined by these separators."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    for text in fixed:
        check(text)
    piece = st.one_of(st.sampled_from(WORDS + words), st.text(min_size=min_piece, max_size=6))

    @settings(max_examples=300, deadline=None, database=None)
    @given(st.lists(st.tuples(piece, st.sampled_from(separators)), max_size=pieces))
    def random_texts(parts):
        check("".join(a + b for a, b in parts))

    random_texts()
