"""A first answer: with no index to answer from, a reading command answers from the notes it
parsed, and the index is written after (index/unwritten.py; the program forks a process for
it, cli/base.py `write_behind`). Every answer equals an `index --rebuild`'s, the index written
behind is the rebuild's, and bad notes are reported as a rebuild reports them."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import json
import os
import signal
import time
from pathlib import Path

import pytest

from vaultnet.index import parse_split
from vaultnet.vault.locks import wait_for_lock

from .conftest import Run, run_subprocess, write_vault
from .test_crash import (
    QUERIES,
    TODAY,
    assert_no_writer_left,
    copy_vault,
    network,
    note_bytes,
    writer_processes_left,
)

LISTS = [q for q in QUERIES if q[0] != "search"] + [("news",), ("references",)]  # no full text
READS = LISTS + [("who", "zeppelin")]


def answer(run: Run, query: tuple[str, ...]):
    result = run("--today", TODAY, *query, "--json")
    assert result.exit_code == 0, (query, result.stderr)
    data = json.loads(result.stdout)
    if query[0] == "search":  # scores depend on segment statistics; the hits must not
        data = sorted(hit["path"] for hit in data)
    return data, result.stderr


def rebuilt_answers(root: Path, queries) -> dict[str, object]:
    run = Run(root)
    run.ok("index", "--rebuild")
    return {" ".join(q): answer(run, q)[0] for q in queries}


def index_files(root: Path) -> set[str]:
    folder = root / ".vaultnet" / "index"
    return set(os.listdir(folder)) if folder.is_dir() else set()


def wait_for_the_lock(root: Path) -> None:
    """Until no process holds the index's lock (the one writing behind an answer)."""
    lock = wait_for_lock(root / ".vaultnet" / "index.lock", timeout=120, poll=0.05)  # a bound, not a speed
    assert lock is not None, "the index's lock was held for two minutes"
    lock.release()


@pytest.fixture
def files():
    return network(40)


@pytest.mark.parametrize("query", READS + [q for q in QUERIES if q[0] == "search"], ids=" ".join)
def test_each_first_answer_equals_a_rebuilds_and_leaves_the_same_index(tmp_path, files, query):
    expected = rebuilt_answers(write_vault(tmp_path / "reference", files), [query])[" ".join(query)]
    run = Run(write_vault(tmp_path / "fresh", files))
    got, stderr = answer(run, query)
    assert got == expected
    assert stderr == ""
    # Written after the answer (in place under CliRunner): the next command only checks it.
    assert (tmp_path / "fresh/.vaultnet/index/manifest").is_file()
    again = run("--today", TODAY, "--no-sync", *query, "--json")
    assert again.exit_code == 0 and again.stderr == ""
    data = json.loads(again.stdout)
    assert (sorted(h["path"] for h in data) if query[0] == "search" else data) == expected


def test_the_index_written_after_a_first_answer_answers_as_a_rebuild(tmp_path, files):
    expected = rebuilt_answers(write_vault(tmp_path / "reference", files), QUERIES)
    run = Run(write_vault(tmp_path / "fresh", files))
    answer(run, ("due",))
    assert index_files(tmp_path / "fresh") - {"index"} >= {"manifest", "people", "persons", "VERSION"}
    for query in QUERIES:
        got, stderr = answer(run, query)
        assert stderr == ""  # nothing to parse again: the index is current
        assert got == expected[" ".join(query)], query


RICH = {  # every field search reads, so that each is compared below
    "People/Rich Field.md": "---\ntype: person\nname: Rich Field\naliases: [RF, \"R, F\"]\ncompany: \"[[Acme]]\"\n"
                            "role: Chief Zeppelin Officer\nemail: [rf@example.com, r.f@example.org]\n"
                            "phone: +31 6 1234 5678\nlast_contact: 2026-09-09\nhobby: sailing\n"
                            "tags: [crew/deck, \"a b\"]\n---\nSee [[Person 1]], [[a, b]] and [x](Companies/Initech.md).\n",
    "Notes/2026-03-04 Dated.md": "---\ndate: 2026-03-04\n---\n#inbox/to-read about [[Rich Field]]\n",
}


def whoosh_terms(root: Path) -> dict[str, dict[str, list[tuple[str, float]]]]:
    """Every indexed field's terms, each with the (path, weight) of the documents holding it."""
    with _whoosh_reader(root) as (schema, reader, paths):
        out: dict[str, dict[str, list[tuple[str, float]]]] = {}
        for name in schema.names():
            if not schema[name].indexed or name == "path":
                continue
            terms = out.setdefault(name, {})
            for term in reader.lexicon(name):
                live = sorted((paths[n], w) for n, w in reader.postings(name, term).items_as("weight") if n in paths)
                if live:  # a term of deleted documents only is no longer in the index
                    terms[repr(term)] = live
        return out


def field_lengths(root: Path) -> dict[str, dict[str, int]]:
    """Every document's length in each field that scores (None, where a segment has no document
    with that field, is 0)."""
    with _whoosh_reader(root) as (schema, reader, paths):
        return {path: {name: reader.doc_field_length(n, name) or 0 for name in schema.scorable_names()}
                for n, path in paths.items()}


@contextlib.contextmanager
def _whoosh_reader(root: Path):
    """(schema, reader, docnum -> path of every live document) of the vault's index."""
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(root / ".vaultnet" / "index"))
    try:
        with ix.searcher() as searcher:
            reader = searcher.reader()
            yield ix.schema, reader, {n: fields["path"] for n, fields in reader.iter_docs()}
    finally:
        ix.close()


def test_the_index_written_behind_an_answer_holds_a_rebuilds_terms(tmp_path, files):
    """The search fields of a first answer's documents are made behind the answer (records.py
    with_search_fields): field by field, term by term, the index holds what a rebuild's holds."""
    files = {**files, **RICH}
    reference = write_vault(tmp_path / "reference", files)
    Run(reference).ok("index", "--rebuild")
    root = write_vault(tmp_path / "fresh", files)
    answer(Run(root), ("due",))
    expected, got = whoosh_terms(reference), whoosh_terms(root)
    assert got == expected
    assert field_lengths(root) == field_lengths(reference)
    for name in ("alias", "company", "role", "tag", "email", "phone", "last_contact", "date", "fields", "links"):
        assert any("Rich Field" in p or "Dated" in p for ps in got.get(name, {}).values() for p, _ in ps), name


def test_a_first_answer_parsed_on_two_cores_equals_a_rebuilds(tmp_path, files, monkeypatch):
    """From SPLIT_FROM notes a forked process parses half of them (index/parse_split.py)."""
    monkeypatch.setattr(parse_split, "SPLIT_FROM", 8)
    expected = rebuilt_answers(write_vault(tmp_path / "reference", files), READS)
    for query in READS:
        run = Run(write_vault(tmp_path / ("fresh " + " ".join(query)), files))
        got, stderr = answer(run, query)
        assert got == expected[" ".join(query)], query
        assert stderr == ""


BAD_NOTES = {
    "People/Broken Yaml.md": "---\ntype: person\nname: [unclosed\n---\nText [[Ada Lovelace]].\n",
    "People/Bad Date.md": "---\ntype: person\nlast_contact: 2026-02-30\ncadence: often\n---\n",
    "People/Latin1.md": "---\ntype: person\n---\ncaf\xe9 with [[Ada]]\n".encode("latin-1"),
    "People/Binary.md": b"\x00\x01\x02\xff\xfe---\n",
    "Notes/Unclosed.md": "---\ntype: person\n\nno closing fence, [[Person 1]]\n",
    "Notes/Empty.md": "",
}


def test_bad_notes_are_reported_as_a_rebuild_reports_them_and_left_alone(tmp_path, files, monkeypatch):
    monkeypatch.setattr(parse_split, "SPLIT_FROM", 8)  # both halves meet bad notes
    bad = {**files, **BAD_NOTES}
    reference = write_vault(tmp_path / "reference", bad)
    ref = Run(reference)
    rebuilt = ref("--today", TODAY, "index", "--rebuild")
    fresh = write_vault(tmp_path / "fresh", bad)
    before = note_bytes(fresh)
    result = Run(fresh)("--today", TODAY, "due", "--json")
    assert result.exit_code == 0, result.stderr
    problems = [line for line in result.stderr.splitlines() if line]
    assert problems and all(line in rebuilt.stderr for line in problems)
    assert any(line.startswith("People/Broken Yaml.md:") for line in problems)
    assert json.loads(result.stdout) == answer(ref, ("due",))[0]
    assert note_bytes(fresh) == before  # a first answer changes no note


def test_while_another_process_holds_the_lock_a_first_answer_writes_nothing(tmp_path, files):
    """Another process building the index: answer from our own parse, leave the writing to it."""
    expected = rebuilt_answers(write_vault(tmp_path / "reference", files), LISTS)
    root = write_vault(tmp_path / "fresh", files)
    run = Run(root)
    with open(root / ".vaultnet" / "index.lock", "wb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        for query in LISTS:
            got, stderr = answer(run, query)
            assert got == expected[" ".join(query)], query
            assert stderr == ""
        assert index_files(root) == set()
    got, _ = answer(run, ("due", "--within", "30"))  # the lock free: this one writes it
    assert got == expected["due --within 30"]
    assert "manifest" in index_files(root)


def test_an_index_of_another_version_is_rebuilt_after_the_answer_and_said_once(tmp_path, files):
    expected = rebuilt_answers(write_vault(tmp_path / "reference", files), [("ledger",)])
    root = write_vault(tmp_path / "fresh", files)
    run = Run(root)
    run.ok("index")
    (root / ".vaultnet/index/VERSION").write_text("1")
    got, stderr = answer(run, ("ledger",))
    assert got == expected["ledger"]
    assert stderr == "vaultnet: the index was rebuilt because it was built by another version of vaultnet (schema 1)\n"
    assert answer(run, ("ledger",)) == (expected["ledger"], "")


# ---------------------------------------------------------------------- the real program

def program_answer(root: Path, query: tuple[str, ...]):
    """The real program's answer (no watch asked), silent, once the process writing behind it
    has let go of the lock and ended."""
    done = run_subprocess("--vault", str(root), "--today", TODAY, *query, "--json", env={"VAULTNET_NO_SERVER": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    wait_for_the_lock(root)
    assert_no_writer_left(root)  # it lets go of the lock, then ends
    return json.loads(done.stdout)


def test_the_program_answers_then_writes_the_index_in_a_process_of_its_own(tmp_path):
    files = network(300)  # enough notes that the writing takes a while after the answer
    expected = rebuilt_answers(write_vault(tmp_path / "reference", files), [("due", "--within", "30")])
    root = write_vault(tmp_path / "fresh", files)
    before = note_bytes(root)
    assert program_answer(root, ("due", "--within", "30")) == expected["due --within 30"]
    assert {"manifest", "people", "persons", "VERSION"} <= index_files(root)
    again = Run(root)("--today", TODAY, "due", "--within", "30", "--json")
    assert again.stderr == ""  # current: nothing parsed again
    assert json.loads(again.stdout) == expected["due --within 30"]
    assert note_bytes(root) == before


def test_a_first_answer_into_a_closed_pipe_ends_quietly_and_its_index_is_written(tmp_path):
    """The program ends without its teardown after handing its writing over (cli/base.py
    `_end_now`): a reader that stops early still gets a quiet end, and the index behind it is the
    rebuild's."""
    import subprocess
    import sys

    files = network(300)
    expected = rebuilt_answers(write_vault(tmp_path / "reference", files), [("due", "--within", "30")])
    root = write_vault(tmp_path / "fresh", files)
    before = note_bytes(root)
    proc = subprocess.run(
        f'"{sys.executable}" -m vaultnet --vault "{root}" --today {TODAY} due --within 30 --json | head -c 10',
        shell=True, capture_output=True, text=True, timeout=300, env={**os.environ, "VAULTNET_NO_SERVER": "1"},
    )
    assert len(proc.stdout) == 10
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr, proc.stderr
    wait_for_the_lock(root)
    again = Run(root)("--today", TODAY, "due", "--within", "30", "--json")
    assert again.stderr == ""  # the index behind the answer is current: nothing parsed again
    assert json.loads(again.stdout) == expected["due --within 30"]
    assert note_bytes(root) == before


def test_a_writer_killed_behind_its_answer_leaves_an_index_that_heals(tmp_path):
    """kill -9 of the process writing behind an answer, at once and later: the next command
    answers as a rebuild, and the index it leaves holds no stray files."""
    files = network(300)
    queries = [("due", "--within", "30"), ("backlinks", "Person 3"), ("search", "zeppelin", "--limit", "100000")]
    expected = rebuilt_answers(write_vault(tmp_path / "reference", files), queries)
    template = write_vault(tmp_path / "template", files)
    killed = 0
    for k, delay in enumerate([0.0, 0.3, 0.8, 1.5]):
        root = copy_vault(template, tmp_path / f"copy{k}")
        killed += kill_the_writer_behind(root, delay)
        assert_heals(root, queries, expected, answer, delay)
    assert killed, "no writer was found running behind its answer"


def kill_the_writer_behind(root: Path, delay: float) -> int:
    """`ledger` as the real program, then kill -9, `delay` seconds after its answer, the process
    writing behind it; how many were killed (none when it was done by then)."""
    done = run_subprocess("--vault", str(root), "--today", TODAY, "ledger", "--json",
                          env={"VAULTNET_NO_SERVER": "1"})
    assert done.returncode == 0, done.stderr
    time.sleep(delay)
    killed = 0
    for pid in writer_processes_left(root):
        os.kill(pid, signal.SIGKILL)
        killed += 1
    deadline = time.monotonic() + 10  # a bound on waiting, not a speed
    while writer_processes_left(root) and time.monotonic() < deadline:
        time.sleep(0.05)
    return killed


def assert_heals(root: Path, queries, expected: dict, ask, what: object) -> None:
    """The next commands answer as a rebuild, and the index they leave holds no stray files."""
    run = Run(root)
    for query in queries:
        got, stderr = ask(run, query)
        assert got == expected[" ".join(query)], (what, query)
        assert "Traceback" not in stderr
    assert not [n for n in index_files(root) if n.endswith(".tmp") or ".toc." in n]


# ---------------------------------------------------------------------- the halves, and a full disk

def test_the_two_halves_join_as_one_parse_would(tmp_path, files):
    """parse_split.py against batch.write_notes on the same notes: the same documents, manifest
    entries, facts and problems, in the same order; a note gone before it is read is not added."""
    from vaultnet.index.batch import diff_scan, write_notes
    from vaultnet.index.parse_split import parse_split
    from vaultnet.index.records import SyncStats
    from vaultnet.index.unwritten import Unwritten
    from vaultnet.vault.folder import Vault

    root = write_vault(tmp_path / "v", {**files, **BAD_NOTES})
    vault = Vault(root)
    scan = vault.scan()
    (root / "People/Person 39.md").unlink()  # in the second half: vanished between scan and read

    def parse(split: bool):
        stats, notes, meta = SyncStats(), {}, {}
        to_parse, _ = diff_scan({}, {}, scan, stats, vault.config.max_file_size)
        if split:
            unwritten, facts = parse_split(vault, to_parse, notes, meta, stats, None, None)
        else:
            unwritten = Unwritten()
            facts = write_notes(unwritten, vault, to_parse, [], notes, meta, stats, None)
        return (list(unwritten.docs.items()), list(notes.items()), list(meta.items()), list(facts.items()),
                stats.added, stats.problems)

    alone, split = parse(False), parse(True)
    assert split == alone
    assert "People/Person 39.md" not in alone[4] and alone[5]


def children() -> set[int]:
    """This process's child processes, zombies too (Linux's /proc; elsewhere the test skips)."""
    me, found = os.getpid(), set()
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == me:
            found.add(int(entry))
    return found


def test_the_later_halfs_documents_wait_in_their_process_until_asked_for(tmp_path, files):
    """parse_split.py: the process that parsed the later half hands back what an answer needs
    and keeps its documents until they are asked for; asked, they are a single parse's; if it is
    gone by then, its notes are parsed again here; not wanted, it ends and is reaped."""
    from vaultnet.index.batch import diff_scan, write_notes
    from vaultnet.index.parse_split import parse_split
    from vaultnet.index.records import SyncStats
    from vaultnet.index.unwritten import Unwritten
    from vaultnet.vault.folder import Vault

    if not os.path.isdir("/proc/self"):
        pytest.skip("reads the child processes from /proc")
    root = write_vault(tmp_path / "v", {**files, **BAD_NOTES})
    vault = Vault(root)
    scan = vault.scan()

    def parse(split: bool):
        stats, notes, meta = SyncStats(), {}, {}
        to_parse, _ = diff_scan({}, {}, scan, stats, vault.config.max_file_size)
        if split:
            return parse_split(vault, to_parse, notes, meta, stats, None, None)
        unwritten = Unwritten()
        write_notes(unwritten, vault, to_parse, [], notes, meta, stats, None)
        return unwritten, None

    alone = list(parse(False)[0].docs.items())
    before = children()

    unwritten, _ = parse(True)
    kept = children() - before
    assert len(kept) == 1  # it waits to be asked
    assert list(unwritten.docs.items()) == alone
    assert not children() & kept  # asked, it answered, ended and was reaped
    assert list(unwritten.docs.items()) == alone  # asked once

    unwritten, _ = parse(True)
    (pid,) = children() - before
    os.kill(pid, signal.SIGKILL)  # gone before it is asked
    assert list(unwritten.docs.items()) == alone
    assert not children() & {pid}

    unwritten, _ = parse(True)
    (pid,) = children() - before
    unwritten.discard()
    assert not children() & {pid}  # ended and reaped, not left a zombie
    assert list(unwritten.docs.items()) == alone[:len(unwritten.docs)]  # this side's half, in order
    assert len(unwritten.docs) < len(alone)


def test_the_program_writes_behind_an_answer_parsed_on_two_cores_the_rebuilds_index(tmp_path):
    """Enough notes for the real program to parse on two cores: the process writing behind the
    answer asks the one that parsed the later half for its documents (or the answer already
    did, reading records), and the index holds what a rebuild's holds, term by term."""
    files = {**network(400), **RICH}
    assert len(files) >= parse_split.SPLIT_FROM
    reference = write_vault(tmp_path / "reference", files)
    expected = rebuilt_answers(reference, [("due",), ("backlinks", "Person 3")])
    terms, lengths = whoosh_terms(reference), field_lengths(reference)
    for query in (("due",), ("backlinks", "Person 3")):
        root = write_vault(tmp_path / " ".join(query), files)
        assert program_answer(root, query) == expected[" ".join(query)]
        assert whoosh_terms(root) == terms, query
        assert field_lengths(root) == lengths, query


def test_the_fold_shared_out_joins_as_one_fold_would(tmp_path, files):
    """fold_split: everyone's contributions folded in two processes are the fold's in one, in
    its order; a child that fails leaves its half to this process, and a fold that fails here
    reaps the child and raises."""
    from vaultnet.index import people_file
    from vaultnet.index.store import NoteIndex
    from vaultnet.vault.folder import Vault

    root = write_vault(tmp_path / "v", {**files, **BAD_NOTES})
    with NoteIndex(Vault(root)) as index:
        index.sync()
        facts, kinds, meta, resolver = index.stored_facts(), index.kinds(), index._meta, index.resolver()
    alone = people_file.fold_all(facts, kinds, meta, resolver)
    split = people_file.fold_all(facts, kinds, meta, resolver, lambda fold, items: parse_split.fold_split(fold, items, None))
    assert list(split[0].items()) == list(alone[0].items()) and split[1] == alone[1]
    assert any(split[0].values())  # the fold found something to compare

    here = os.getpid()

    def failing_in_the_child(part: dict) -> dict:
        if os.getpid() != here:
            raise RuntimeError("the child's fold fails")
        return {k: len(v) for k, v in part.items()}

    items = {str(i): "x" * i for i in range(10)}
    assert parse_split.fold_split(failing_in_the_child, items, None) == {k: len(v) for k, v in items.items()}

    def failing_here(part: dict) -> dict:
        if os.getpid() == here:
            raise RuntimeError("this side's fold fails")
        time.sleep(5)  # a child still at work when this side gives up (ended, not waited for)
        return part

    with pytest.raises(RuntimeError, match="this side"):
        parse_split.fold_split(failing_here, items, None)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left behind, not even a zombie


def _index_folder_full(monkeypatch, root: Path) -> None:
    """No room for any new file in the vault's index folder (the in-process twin of a full disk)."""
    import builtins

    index_dir = str(root / ".vaultnet" / "index")
    real_open = io.open

    def full(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and str(file).startswith(index_dir):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", full)
    monkeypatch.setattr(io, "open", full)


def test_on_a_full_disk_a_first_answer_is_given_and_the_index_left_for_later(tmp_path, files, monkeypatch):
    queries = [("due", "--within", "30"), ("search", "zeppelin", "--limit", "100000")]
    expected = rebuilt_answers(write_vault(tmp_path / "reference", files), queries)
    root = write_vault(tmp_path / "fresh", files)
    before = note_bytes(root)
    run = Run(root)
    _index_folder_full(monkeypatch, root)
    got, stderr = answer(run, ("due", "--within", "30"))  # from the notes; then the write fails
    assert got == expected["due --within 30"]
    assert stderr.startswith("vaultnet: the index was not written (")
    assert "No space left on device" in stderr and stderr.count("\n") == 1
    got, stderr = answer(run, ("search", "zeppelin", "--limit", "100000"))  # full text: a temporary index
    assert got == expected["search zeppelin --limit 100000"]
    assert "No space left on device" in stderr and stderr.rstrip().endswith("answering from a temporary index")
    assert "manifest" not in index_files(root)
    monkeypatch.undo()
    # Room again: the next command writes it, saying what the failed write left (as after `index`).
    got, stderr = answer(run, queries[0])
    assert got == expected[" ".join(queries[0])]
    assert stderr in ("", "vaultnet: the index was rebuilt because it has no version stamp\n")
    for query in queries:
        assert answer(run, query) == (expected[" ".join(query)], "")
    assert "manifest" in index_files(root)
    assert note_bytes(root) == before


# ---------------------------------------------------------------- documents spilled to a file

def test_spilled_documents_are_a_dict_of_the_documents_in_the_order_set():
    from vaultnet.index.unwritten import SpilledDocuments

    spilled, plain = SpilledDocuments(), {}
    odd = {"path": "c.md", "record": {"fm": {"when": object()}}}  # marshal cannot hold it: held as it is
    for mapping in (spilled, plain):
        mapping["a.md"] = {"path": "a.md", "record": {"facts": (1, "x")}, "body": "é" * 3000}
        mapping["b.md"] = {"path": "b.md", "record": {}, "body": ""}
        mapping["c.md"] = odd
        mapping["a.md"] = {"path": "a.md", "record": {"facts": (2,)}, "body": "again"}  # keeps its place
        del mapping["b.md"]
        mapping["d.md"] = {"path": "d.md", "record": {}, "body": "d"}
    assert list(spilled.items()) == list(plain.items()) and len(spilled) == 3
    assert "b.md" not in spilled and "a.md" in spilled and spilled["c.md"] is odd
    assert spilled.pop("d.md") == {"path": "d.md", "record": {}, "body": "d"} and "d.md" not in spilled
    spilled.hold({"e.md": {"path": "e.md"}})
    assert list(spilled) == ["a.md", "c.md", "e.md"]
    with pytest.raises(KeyError):
        spilled["zz.md"]


@pytest.mark.parametrize("split", [False, True], ids=["one process", "two cores"])
def test_a_first_answer_with_its_documents_spilled_equals_a_rebuilds(tmp_path, files, monkeypatch, split):
    """From SPILL_FROM notes a first answer's own documents wait in a temporary file: every
    answer, a card and backlinks read from them, and the index written after, are a rebuild's."""
    from vaultnet.index import unwritten

    monkeypatch.setattr(unwritten, "SPILL_FROM", 1)
    if split:
        monkeypatch.setattr(parse_split, "SPLIT_FROM", 8)
    queries = READS + [("show", "Person 3"), ("backlinks", "Person 3")]
    reference = write_vault(tmp_path / "reference", files)
    expected = rebuilt_answers(reference, queries)
    for query in queries:
        run = Run(write_vault(tmp_path / ("fresh " + " ".join(query)), files))
        got, stderr = answer(run, query)
        assert got == expected[" ".join(query)], query
        assert stderr == ""
    first = tmp_path / ("fresh " + " ".join(queries[0]))  # its index, written after the answer
    assert whoosh_terms(first) == whoosh_terms(reference)
    assert field_lengths(first) == field_lengths(reference)


SPILLING_PROGRAM = """
import sys
from vaultnet.index import unwritten
unwritten.SPILL_FROM = 1
sys.argv = ["vaultnet", *sys.argv[1:]]
from vaultnet.cli.launch import main
main()
"""


def test_the_program_writes_behind_a_spilled_answer_the_rebuilds_index(tmp_path):
    """The process writing behind the answer, forked from it, reads the spilled documents from
    the file they share, and asks the later half's process for the rest."""
    import subprocess
    import sys

    files = {**network(400), **RICH}
    reference = write_vault(tmp_path / "reference", files)
    expected = rebuilt_answers(reference, [("due",)])
    root = write_vault(tmp_path / "fresh", files)
    done = subprocess.run([sys.executable, "-c", SPILLING_PROGRAM, "--vault", str(root), "--today", TODAY, "due",
                           "--json"], capture_output=True, text=True, env={**os.environ, "VAULTNET_NO_SERVER": "1"},
                          timeout=300)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert json.loads(done.stdout) == expected["due"]
    wait_for_the_lock(root)
    assert_no_writer_left(root)
    assert whoosh_terms(root) == whoosh_terms(reference)
    assert field_lengths(root) == field_lengths(reference)
