"""An answer after a change: a reading command's sync parses the notes saved since the last
commit and answers from them over that commit (index/unwritten.py, `Pending`); their commit is
written after the answer (cli/base.py `write_behind`). Every answer equals an `index --rebuild`'s
of the same files, and the commit written behind is the one the sync would have written."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path

import pytest

from vaultnet.errors import IndexBusy
from vaultnet.index import NoteIndex, writer
from vaultnet.network import queries as q
from vaultnet.vault.folder import Vault

from .conftest import Run, write_vault
from .test_crash import (
    QUERIES,
    TODAY,
    apply_edits,
    copy_vault,
    edited,
    network,
    note_bytes,
)
from .test_first_answer import (
    READS,
    RICH,
    _index_folder_full,
    answer,
    assert_heals,
    field_lengths,
    kill_the_writer_behind,
    program_answer,
    rebuilt_answers,
    whoosh_terms,
)

ALL = READS + [q for q in QUERIES if q[0] == "search"]
WHOLE = [("graph",), ("doctor", "--json"), ("intro", "Person 9", "--json"), ("export", "json")]


def _same(query, data):
    """Full-text scores depend on a commit's segments (an update's differ from a rebuild's): who
    knows about a topic is compared without them, as search is by its hits."""
    if query[0] == "who":
        return sorted((row["path"], json.dumps(sorted(row["evidence"], key=json.dumps)), row["last_contact"])
                      for row in data)
    return data


def answer_of(run: Run, query):
    data, stderr = answer(run, query)
    return _same(query, data), stderr


def committed_answer(run: Run, query):
    """(the data, stderr) of `query` on the last commit as it is (`--no-sync`)."""
    result = run("--today", TODAY, "--no-sync", *query, "--json")
    assert result.exit_code == 0, (query, result.stderr)
    data = json.loads(result.stdout)
    return (sorted(h["path"] for h in data) if query[0] == "search" else _same(query, data)), result.stderr


def rebuilt(root: Path, queries) -> dict[str, object]:
    return {k: _same(k.split(), v) for k, v in rebuilt_answers(root, queries).items()}


def _changes(files: dict[str, str]) -> dict[str, dict[str, str]]:
    """One vault after each kind of save a person makes between two commands."""
    p4, p2 = files["People/Person 4.md"], files["People/Person 2.md"]
    without_7 = {k: v for k, v in files.items() if k != "People/Person 7.md"}
    return {
        "a log line": {**files, "People/Person 4.md": p4 + "- 2026-11-20 Sent [[Person 9]] an article #gave\n"},
        "a new person": {**files, "People/Grace Hopper.md": "---\ntype: person\naliases: [Grace]\ncadence: 1w\n---\n"
                         "## Log\n- 2026-11-01 Coffee with [[Person 3]] #got\n",
                         "Meetings/2026-11-21 Standup.md": "With [[Grace]] and [[Person 3]] about zeppelin.\n"},
        "a note gone": without_7,
        "an alias moved": {**files, "People/Person 2.md": p2.replace("aliases: [P2]", "aliases: [P2, Ada]"),
                           "People/Ada Lovelace.md": files["People/Ada Lovelace.md"].replace("[Ada]", "[Countess]")},
        "an attachment": {**files, "Files/deck.pdf": "%PDF-1.4\n",
                          "Meetings/2026-11-22 Deck.md": "With [[Person 5]], see [[deck.pdf]] and [[Files/deck]].\n"},
        "broken yaml": {**files, "People/Person 6.md": "---\ntype: person\nname: [unclosed\n---\n[[Person 1]]\n"},
        "a day of editing": edited(files),
    }


@pytest.fixture(scope="module")
def before(tmp_path_factory):
    """The vault as last indexed, and its files."""
    files = network(40)
    root = write_vault(tmp_path_factory.mktemp("indexed") / "vault", files)
    Run(root).ok("index")
    return root, files


@pytest.mark.parametrize("change", sorted(_changes(network(40))))
def test_each_answer_after_a_change_equals_a_rebuilds_and_so_does_the_commit_after_it(tmp_path, before, change):
    template, files = before
    after = _changes(files)[change]
    expected = rebuilt(write_vault(tmp_path / "reference", after), ALL)
    for k, query in enumerate(ALL):
        root = copy_vault(template, tmp_path / f"copy{k}")
        apply_edits(root, files, after)
        run = Run(root)
        got, stderr = answer_of(run, query)
        assert got == expected[" ".join(query)], query
        assert "Traceback" not in stderr and "rebuilt" not in stderr, stderr
        # Committed after the answer (in place under CliRunner): the next command only checks it.
        assert committed_answer(run, query) == (expected[" ".join(query)], "")
    # Every query on the commit written behind the last answer: the rebuild's.
    run = Run(root)
    for query in ALL:
        assert answer_of(run, query) == (expected[" ".join(query)], ""), query
    # Commands that read more of the index (every contribution, every record), as they print.
    reference = Run(tmp_path / "reference")
    for k, command in enumerate(WHOLE):
        root = copy_vault(template, tmp_path / f"whole{k}")
        apply_edits(root, files, after)
        got, want = Run(root)("--today", TODAY, *command), reference("--today", TODAY, *command)
        assert (got.exit_code, got.stdout) == (want.exit_code, want.stdout), command


def test_the_commit_behind_an_answer_holds_a_rebuilds_terms(tmp_path, before):
    """Notes saved since the last commit answer without their search fields, made when their
    commit is written (Pending.replay): field by field, term by term, a rebuild's index."""
    template, files = before
    after = {**files, **RICH, "People/Person 4.md": files["People/Person 4.md"].replace("tags: [t0]", "tags: [moved]")}
    reference = write_vault(tmp_path / "reference", after)
    Run(reference).ok("index", "--rebuild")
    root = copy_vault(template, tmp_path / "copy")
    apply_edits(root, files, after)
    answer_of(Run(root), ("due",))
    assert whoosh_terms(root) == whoosh_terms(reference)
    assert field_lengths(root) == field_lengths(reference)


def test_the_answer_comes_before_the_commit_and_the_commit_is_the_syncs(tmp_path, before):
    """In process: the sync holds the change and the lock, and nothing is committed until
    write_unwritten; then the commit and its state are those the usual sync writes."""
    template, files = before
    after = _changes(files)["a day of editing"]
    changed, usual = (copy_vault(template, tmp_path / name) for name in ("changed", "usual"))
    for root in (changed, usual):
        apply_edits(root, files, after)
    with NoteIndex(Vault(usual)) as ix:
        ix.sync()  # the way a writing command syncs: commit first
        want_due = q.network(ix, dt.date.fromisoformat(TODAY)).due(within=30)
        want_ledger = q.ledger(ix)
    with NoteIndex(Vault(changed)) as ix:
        generation = ix.generation()
        stats = ix.sync(answer_first=True)
        assert ix.has_unwritten()
        assert stats.updated and stats.added and stats.removed
        assert ix.generation() == generation  # nothing committed yet
        with pytest.raises(IndexBusy):  # the lock is ours until the commit is written
            writer.acquire_lock(ix.folder.lock_path, 0)
        assert q.network(ix, dt.date.fromisoformat(TODAY)).due(within=30) == want_due
        assert q.ledger(ix) == want_ledger
        ix.write_unwritten()
        assert not ix.has_unwritten() and ix.generation() == generation + 1
        writer.acquire_lock(ix.folder.lock_path, 0).release()
    assert _state(changed) == _state(usual)  # the same commit's state as the usual sync's
    assert Run(changed)("--today", TODAY, "--no-sync", "due", "--within", "30", "--json").stdout == \
        Run(usual)("--today", TODAY, "--no-sync", "due", "--within", "30", "--json").stdout


def _state(root: Path):
    """What an index holds beside Whoosh, as read back: the manifest, contributions and sums."""
    from vaultnet.index import people_file, persons

    ix = NoteIndex(Vault(root))
    generation = ix.generation()
    manifest = ix.folder.load_manifest(ix.vault.fingerprint())
    assert manifest is not None and len(manifest.pop("commit")) == 16  # each write's own id
    return manifest, people_file.load(ix.folder, generation), persons.load(ix.folder, generation)


def test_bad_notes_saved_since_are_reported_and_left_alone(tmp_path, before):
    template, files = before
    after = _changes(files)["broken yaml"]
    after["People/Latin1.md"] = "placeholder"
    root = copy_vault(template, tmp_path / "v")
    apply_edits(root, files, after)
    (root / "People/Latin1.md").write_bytes("---\ntype: person\n---\ncaf\xe9 [[Ada]]\n".encode("latin-1"))
    (root / "People/Binary.md").write_bytes(b"\x00\x01\xff\xfe---\n")
    reference = copy_vault(root, tmp_path / "reference")
    rebuilt = Run(reference)("--today", TODAY, "index", "--rebuild")
    on_disk = note_bytes(root)
    result = Run(root)("--today", TODAY, "due", "--json")
    assert result.exit_code == 0, result.stderr
    problems = [line for line in result.stderr.splitlines() if line]
    assert {"People/Person 6.md", "People/Latin1.md", "People/Binary.md"} <= {p.split(":")[0] for p in problems}
    assert all(line in rebuilt.stderr for line in problems)
    assert json.loads(result.stdout) == answer_of(Run(reference), ("due",))[0]
    assert note_bytes(root) == on_disk  # an answer changes no note


def test_while_another_process_holds_the_lock_the_answer_is_the_last_commits(tmp_path, before):
    """The usual way: wait a moment, then answer from the last commit and say so."""
    template, files = before
    root = copy_vault(template, tmp_path / "v")
    stale = answer_of(Run(root), ("ledger",))[0]
    apply_edits(root, files, _changes(files)["a day of editing"])
    with open(root / ".vaultnet" / "index.lock", "wb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        got, stderr = answer_of(Run(root), ("ledger",))
    assert got == stale
    assert "another vaultnet process is updating the index; answering from its last state" in stderr
    expected = rebuilt(copy_vault(root, tmp_path / "reference"), [("ledger",)])
    assert answer_of(Run(root), ("ledger",))[0] == expected["ledger"]


def test_on_a_full_disk_the_answer_is_given_and_search_answers_from_the_last_commit(tmp_path, before, monkeypatch):
    template, files = before
    after = _changes(files)["a new person"]
    queries = [("due", "--within", "30"), ("search", "Grace", "--limit", "100000")]
    expected = rebuilt(write_vault(tmp_path / "reference", after), queries)
    root = copy_vault(template, tmp_path / "v")
    apply_edits(root, files, after)
    on_disk = note_bytes(root)
    run = Run(root)
    _index_folder_full(monkeypatch, root)
    got, stderr = answer_of(run, ("due", "--within", "30"))  # from the change; then its commit fails
    assert got == expected["due --within 30"]
    assert stderr.startswith("vaultnet: the index was not written (") and stderr.count("\n") == 1
    assert "No space left on device" in stderr
    got, stderr = answer_of(run, ("search", "Grace", "--limit", "100000"))
    assert got == [] and expected["search Grace --limit 100000"]  # the last commit has no Grace yet
    assert stderr.rstrip().endswith("answering from its last state") and "No space left on device" in stderr
    monkeypatch.undo()
    for query in queries:  # room again: the next command commits, and answers as a rebuild
        assert answer_of(run, query)[0] == expected[" ".join(query)]
    for query in queries:
        assert answer_of(run, query) == (expected[" ".join(query)], "")
    assert note_bytes(root) == on_disk


# ---------------------------------------------------------------------- the real program

def test_the_program_answers_then_commits_the_change_in_a_process_of_its_own(tmp_path, before):
    template, files = before
    after = _changes(files)["a day of editing"]
    expected = rebuilt(write_vault(tmp_path / "reference", after), [("due", "--within", "30")])
    root = copy_vault(template, tmp_path / "v")
    apply_edits(root, files, after)
    generation = NoteIndex(Vault(root)).generation()
    assert program_answer(root, ("due", "--within", "30")) == expected["due --within 30"]
    assert NoteIndex(Vault(root)).generation() == generation + 1
    again = Run(root)("--today", TODAY, "--no-sync", "due", "--within", "30", "--json")
    assert again.stderr == "" and json.loads(again.stdout) == expected["due --within 30"]


def test_a_commit_killed_behind_its_answer_leaves_an_index_that_heals(tmp_path):
    """kill -9 of the process committing behind an answer, at once and later: the next command
    answers as a rebuild, and the index it leaves holds no stray files."""
    files = network(300)
    after = edited(files)  # a third of 300 people changed: a commit that takes a while
    queries = [("due", "--within", "30"), ("backlinks", "Person 3"), ("search", "zeppelin", "--limit", "100000")]
    expected = rebuilt(write_vault(tmp_path / "reference", after), queries)
    template = write_vault(tmp_path / "template", files)
    Run(template).ok("index")
    killed = 0
    for k, delay in enumerate([0.0, 0.0, 0.05, 0.2]):
        root = copy_vault(template, tmp_path / f"copy{k}")
        apply_edits(root, files, after)
        killed += kill_the_writer_behind(root, delay)
        assert_heals(root, queries, expected, answer_of, delay)
    assert killed, "no writer was found running behind its answer"


def test_a_batch_for_several_writer_processes_is_committed_before_the_answer(tmp_path, before, monkeypatch):
    """Many notes at once (a pull, a sync tool's catch-up) go the usual way: Whoosh's writer
    processes, before the answer."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one CPU: Whoosh's writer processes are never used")
    template, files = before
    after = _changes(files)["a day of editing"]
    root = copy_vault(template, tmp_path / "v")
    apply_edits(root, files, after)
    monkeypatch.setattr(writer, "MULTIPROCESS_BATCH", 5)
    with NoteIndex(Vault(root)) as ix:
        generation = ix.generation()
        ix.sync(answer_first=True)
        assert not ix.has_unwritten() and ix.generation() == generation + 1


def test_a_disk_too_full_for_the_commit_goes_the_usual_way_and_says_so_before_the_answer(tmp_path, before,
                                                                                          monkeypatch):
    """No room for the commit (statvfs): the sync tries it before the answer, as it always did, and
    the answer is the last commit's, with why."""
    from vaultnet.index import store

    template, files = before
    root = copy_vault(template, tmp_path / "v")
    stale = answer_of(Run(root), ("ledger",))[0]
    apply_edits(root, files, _changes(files)["a day of editing"])

    class Full:
        f_bavail, f_frsize = 0, 4096

    monkeypatch.setattr(store.os, "statvfs", lambda path: Full())
    _index_folder_full(monkeypatch, root)
    got, stderr = answer_of(Run(root), ("ledger",))
    assert got == stale
    assert stderr.rstrip().endswith("answering from its last state") and "No space left on device" in stderr


def test_a_change_dropped_unwritten_leaves_no_state_that_passes_for_a_commit(tmp_path, before):
    """close() before the commit is written (a watcher's batch does it): what the change made is
    forgotten with it, so a later sync amends the last commit, not a state no commit has."""
    template, files = before
    after = _changes(files)["a log line"]
    root = copy_vault(template, tmp_path / "v")
    apply_edits(root, files, after)
    with NoteIndex(Vault(root)) as ix:
        ix.sync(answer_first=True)
        assert ix.has_unwritten()
        ix.close()
        writer.acquire_lock(ix.folder.lock_path, 0).release()  # no lock left held
        (root / "People/Zed.md").write_text("---\ntype: person\n---\n- 2026-11-02 Tea with [[Person 4]]\n")
        after["People/Zed.md"] = (root / "People/Zed.md").read_text()
        ix.sync_paths(["People/Zed.md"])
    expected = rebuilt(write_vault(tmp_path / "reference", after), LISTS_AND_SHOW)
    run = Run(root)
    for query in LISTS_AND_SHOW:
        assert answer_of(run, query) == (expected[" ".join(query)], ""), query


LISTS_AND_SHOW = [("due", "--within", "30"), ("ledger",), ("show", "Person 4"), ("backlinks", "Person 4")]


@pytest.mark.parametrize("command", ["edit", "mcp"])
def test_a_command_that_goes_on_after_its_sync_commits_the_change_first(tmp_path, before, command):
    """An editor open, a server serving: the index's lock is not held meanwhile."""
    template, files = before
    root = copy_vault(template, tmp_path / "v")
    apply_edits(root, files, _changes(files)["a log line"])
    probe = tmp_path / "probe.py"
    seen = tmp_path / "seen"
    probe.write_text(
        "import fcntl, sys\n"
        f"fh = open({str(root / '.vaultnet/index.lock')!r}, 'a')\n"
        "try:\n    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB); said = 'free'\n"
        "except OSError:\n    said = 'held'\n"
        f"open({str(seen)!r}, 'w').write(said)\n")
    generation = NoteIndex(Vault(root)).generation()
    if command == "edit":
        result = Run(root)("--today", TODAY, "edit", "Person 4",
                           env={"VISUAL": "", "EDITOR": f"{os.sys.executable} {probe}"})
        assert result.exit_code == 0, result.stderr
    else:
        import subprocess

        server = subprocess.Popen([os.sys.executable, "-m", "vaultnet", "--vault", str(root), "mcp"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert b"serving" in server.stderr.readline()  # synced: it says so once it serves
            subprocess.run([os.sys.executable, str(probe)], check=True)
        finally:
            server.stdin.close()
            server.wait(timeout=60)
            server.stdout.close()
            server.stderr.close()
    assert seen.read_text() == "free"
    assert NoteIndex(Vault(root)).generation() > generation
