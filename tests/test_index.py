"""The index: incremental sync, self-repair, versioning, and two processes at once."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from vaultnet.index import SCHEMA_VERSION, NoteIndex
from vaultnet.vault.folder import Vault

from .conftest import run_subprocess, write_vault
from .test_first_answer import field_lengths, whoosh_terms

NOTES = {
    "People/Ada Lovelace.md": "---\naliases: [Ada]\n---\nMathematician, likes #engines\n",
    "People/Bob Lee.md": "---\ncompany: \"[[Acme]]\"\n---\nKnows [[Ada]]\n",
    "Meetings/2026-01-05 Sync.md": "With [[Ada Lovelace]] and [[Bob Lee]] about zeppelins\n",
}


def bump_mtime(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_incremental_sync_counts_added_updated_removed_unchanged(vault):
    run = vault(NOTES)
    first = run.json("index")
    assert (first["added"], first["updated"], first["removed"], first["unchanged"]) == (3, 0, 0, 0)
    again = run.json("index")
    assert (again["added"], again["updated"], again["removed"], again["unchanged"]) == (0, 0, 0, 3)

    (run.root / "People/Carol.md").write_text("New person, likes zeppelins\n")
    (run.root / "People/Bob Lee.md").write_text("Bob now works on airships\n")
    bump_mtime(run.root / "People/Bob Lee.md")
    (run.root / "Meetings/2026-01-05 Sync.md").unlink()
    step = run.json("index")
    assert (step["added"], step["updated"], step["removed"], step["unchanged"]) == (1, 1, 1, 1)
    assert [h["path"] for h in run.json("search", "zeppelins")] == ["People/Carol.md"]
    assert [h["path"] for h in run.json("search", "airships")] == ["People/Bob Lee.md"]


def test_every_command_syncs_first_and_no_sync_skips_it(vault):
    run = vault(NOTES)
    run.ok("index")
    (run.root / "Later.md").write_text("mentions [[Ada]] and dirigibles\n")
    stale = run.ok("--no-sync", "search", "dirigibles", "--json")
    assert stale.stdout.strip() == "[]"
    assert [h["path"] for h in run.json("search", "dirigibles")] == ["Later.md"]
    assert "Later.md" in [b["source"] for b in run.json("backlinks", "Ada")]


def test_a_new_note_changes_backlinks_of_others_and_deleting_it_reverts(vault):
    run = vault(NOTES)
    before = {b["source"] for b in run.json("backlinks", "Bob Lee")}
    (run.root / "Daily/2026-02-01.md").parent.mkdir()
    (run.root / "Daily/2026-02-01.md").write_text("- 2026-02-01 Lunch with [[bob lee]]\n")
    during = run.json("backlinks", "Bob Lee")
    assert {b["source"] for b in during} == before | {"Daily/2026-02-01.md"}
    assert [b["date"] for b in during if b["source"] == "Daily/2026-02-01.md"] == ["2026-02-01"]
    (run.root / "Daily/2026-02-01.md").unlink()
    assert {b["source"] for b in run.json("backlinks", "Bob Lee")} == before


def test_alias_changes_reresolve_existing_links(vault):
    run = vault(NOTES)
    assert "People/Bob Lee.md" in {b["source"] for b in run.json("backlinks", "Ada Lovelace")}
    # Ada loses the alias: Bob's [[Ada]] no longer resolves, without Bob's note changing.
    (run.root / "People/Ada Lovelace.md").write_text("Mathematician\n")
    bump_mtime(run.root / "People/Ada Lovelace.md")
    assert "People/Bob Lee.md" not in {b["source"] for b in run.json("backlinks", "Ada Lovelace")}
    assert "Ada" in [u["target"] for u in run.json("links", "--unresolved")]


def test_index_of_another_version_is_rebuilt_with_one_line(vault):
    run = vault(NOTES)
    run.ok("index")
    (run.root / ".vaultnet/index/VERSION").write_text(str(SCHEMA_VERSION + 99))
    result = run.ok("search", "zeppelins", "--json")
    assert "rebuilt" in result.stderr and "another version" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert len(json.loads(result.stdout)) == 1
    assert (run.root / ".vaultnet/index/VERSION").read_text() == str(SCHEMA_VERSION)


# Whoosh leaves a file handle open when it fails to read a corrupt TOC; that leak is its own.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_half_written_index_is_rebuilt(vault):
    run = vault(NOTES)
    run.ok("index")
    index_dir = run.root / ".vaultnet/index"
    for f in index_dir.iterdir():
        if f.suffix in (".seg", ".trm", ".pst", ".fdt", ".toc") or f.name.startswith("_MAIN"):
            f.write_bytes(b"\x00garbage")
    result = run.ok("search", "zeppelins", "--json")
    assert "rebuilt" in result.stderr
    assert [h["path"] for h in json.loads(result.stdout)] == ["Meetings/2026-01-05 Sync.md"]


# Whoosh leaves a file handle open when it fails to read a corrupt TOC; that leak is its own.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_deleted_index_files_are_rebuilt(vault):
    run = vault(NOTES)
    run.ok("index")
    for f in (run.root / ".vaultnet/index").glob("*.toc"):
        f.unlink()
    result = run.ok("search", "zeppelins", "--json")
    assert "rebuilt" in result.stderr


def test_lost_manifest_is_recovered_from_the_index(vault):
    run = vault(NOTES)
    run.ok("index")
    (run.root / ".vaultnet/index/manifest").unlink()
    again = run.json("index")
    assert again["unchanged"] == 3 and again["added"] == 0


def test_rebuild_flag(vault):
    run = vault(NOTES)
    run.ok("index")
    data = run.json("index", "--rebuild")
    assert data["added"] == 3


def hold_lock(root: Path):
    from whoosh.util.filelock import FileLock

    lock = FileLock(str(root / ".vaultnet" / "index.lock"))
    assert lock.acquire(blocking=False)
    return lock


def test_a_reader_facing_a_busy_writer_answers_from_the_last_commit(vault):
    run = vault(NOTES)
    run.ok("index")
    (run.root / "New.md").write_text("dirigibles\n")
    lock = hold_lock(run.root)
    try:
        result = run.ok("search", "zeppelins", "--json")
        assert "answering from its last state" in result.stderr
        assert len(json.loads(result.stdout)) == 1
    finally:
        lock.release()
    assert [h["path"] for h in run.json("search", "dirigibles")] == ["New.md"]


def test_a_writer_waits_for_the_lock(vault):
    run = vault(NOTES)
    lock = hold_lock(run.root)
    threading.Timer(1.0, lock.release).start()
    data = run.json("index")  # blocks until the timer releases the lock
    assert data["added"] == 3


def test_two_processes_indexing_at_once_never_fail(tmp_path):
    files = {f"People/Person {i}.md": f"Person {i} knows [[Person {i + 1}]] about topic{i}\n" for i in range(300)}
    root = write_vault(tmp_path / "v", files)
    import subprocess
    import sys

    procs = [
        subprocess.Popen([sys.executable, "-m", "vaultnet", "--vault", str(root), *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for args in (["index"], ["index"], ["search", "topic7", "--json"], ["backlinks", "Person 5", "--json"])
    ]
    outs = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    for code, _out, err in outs:
        assert code == 0, err
        assert "LockError" not in err and "Traceback" not in err
    with NoteIndex(Vault(root)) as index:
        assert index.sync().unchanged == 300


def test_sync_stats_through_the_library(tmp_path):
    root = write_vault(tmp_path / "v", NOTES)
    with NoteIndex(Vault(root)) as index:
        stats = index.sync()
        assert sorted(stats.added) == sorted(NOTES)
        assert index.sync().changed is False
        assert set(index.entries()) == set(NOTES)


def test_file_changed_after_scan_is_picked_up_next_time(tmp_path):
    root = write_vault(tmp_path / "v", NOTES)
    with NoteIndex(Vault(root)) as index:
        index.sync()
    note = root / "People/Ada Lovelace.md"
    note.write_text("Mathematician who likes airships\n")
    os.utime(note, ns=(time.time_ns(), note.stat().st_mtime_ns + 10**9))
    with NoteIndex(Vault(root)) as index:
        assert index.sync().updated == ["People/Ada Lovelace.md"]
        assert [h.path for h in index.search("airships")] == ["People/Ada Lovelace.md"]


def test_subprocess_end_to_end(tmp_path):
    root = write_vault(tmp_path / "v", NOTES)
    result = run_subprocess("index", cwd=root)  # found by walking up to .vaultnet/
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "3 added" in result.stderr
    result = run_subprocess("search", "zeppelins", cwd=root / "People")
    assert result.returncode == 0
    assert "Meetings/2026-01-05 Sync" in result.stdout
    result = run_subprocess("show", "Nobody at all", cwd=root)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: no note called 'Nobody at all'")
    assert "Traceback" not in result.stderr


def test_index_that_cannot_be_written_still_answers_reads(vault):
    run = vault(NOTES)
    run.ok("index")
    (run.root / "New.md").write_text("dirigibles\n")
    # Stands in for a read-only disk (root ignores permissions): the lock file cannot be opened.
    (run.root / ".vaultnet/index.lock").unlink(missing_ok=True)
    (run.root / ".vaultnet/index.lock").mkdir()
    result = run.ok("search", "zeppelins", "--json")
    assert "cannot be updated" in result.stderr and "last state" in result.stderr
    assert len(json.loads(result.stdout)) == 1
    failed = run("index")
    assert failed.exit_code == 1 and failed.stderr.startswith("Error: cannot write the index")


# Whoosh leaves a file handle open when it fails to read a corrupt segment; that leak is its own.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_corrupt_index_with_a_changed_note_is_rebuilt(vault):
    run = vault(NOTES)
    run.ok("index")
    for f in (run.root / ".vaultnet/index").iterdir():
        if f.name.startswith("MAIN_") or f.suffix == ".toc":
            f.write_bytes(b"\x00garbage")
    (run.root / "Later.md").write_text("airships\n")
    result = run.ok("search", "airships", "--json")
    assert "rebuilt" in result.stderr
    assert [h["path"] for h in json.loads(result.stdout)] == ["Later.md"]


def test_multiprocess_first_build_gives_the_same_index(tmp_path):
    files = {f"People/Person {i}.md": f"Person {i} knows [[Person {(i + 1) % 60}]] about topic{i % 7}\n"
             f"- 2026-0{i % 9 + 1}-01 Call with [[Person {(i + 2) % 60}]] #gave\n" for i in range(60)}
    one = write_vault(tmp_path / "one", files)
    two = write_vault(tmp_path / "two", files)
    with NoteIndex(Vault(one)) as a, NoteIndex(Vault(two)) as b:
        assert len(a.sync(procs=1).added) == len(b.sync(procs=2).added) == 60
        for query in ("topic3", "person", "knows topic5", "*"):
            assert sorted(h.path for h in a.search(query, limit=None)) == sorted(h.path for h in b.search(query, limit=None))
        assert a.contributions() == b.contributions()
    # Scoring reads each posting's weight and each document's field lengths: Whoosh's writer
    # processes write them as this process does (writer.py: the lean writer, the collector off).
    assert whoosh_terms(two) == whoosh_terms(one)
    assert field_lengths(two) == field_lengths(one)


def test_a_word_whose_capital_lowers_to_two_characters_is_found(tmp_path):
    """"İ" lowers to "i" and a combining dot, which is no word character: the body's words are
    found before they are lowered, as the query's are, or "İstanbul" was indexed as "stanbul"."""
    root = write_vault(tmp_path / "v", {
        "People/Elif Şahin.md": "---\nkind: person\n---\nMet at the İstanbul meetup; moved to İzmir.\n",
        "People/Other.md": "---\nkind: person\n---\nNothing about stanbul here.\n",
    })
    with NoteIndex(Vault(root)) as index:
        index.sync()
        for query in ("İstanbul", "İzmir"):
            assert [h.path for h in index.search(query)] == ["People/Elif Şahin.md"], query


def test_hits_of_equal_score_come_in_path_order_however_the_index_was_built(tmp_path):
    """Whoosh breaks ties by document number, which follows the order notes were written in:
    the same notes indexed at once and one commit at a time, in reverse, must give the same
    answer, also where a tie crosses the limit (index/reader.py asks for more until none does)."""
    same = "Talked about zeppelin launches.\n"  # one body: one length, one score
    files = {f"People/Person {i:02d}.md": same for i in range(8)}
    files["People/Zed Keen.md"] = "Zeppelin fan: zeppelin, always zeppelin.\n"  # scores higher
    at_once = write_vault(tmp_path / "at once", files)
    one_by_one = write_vault(tmp_path / "one by one", {})
    tied = sorted(p for p in files if p != "People/Zed Keen.md")
    with NoteIndex(Vault(at_once)) as a, NoteIndex(Vault(one_by_one)) as b:
        a.sync()
        for path in reversed(sorted(files)):
            (one_by_one / path).parent.mkdir(parents=True, exist_ok=True)
            (one_by_one / path).write_text(files[path])
            b.sync()  # a commit each: document numbers in reverse path order
        for index in (a, b):
            assert [h.path for h in index.search("zeppelin", limit=3)] == ["People/Zed Keen.md", *tied[:2]]
            assert [h.path for h in index.search("launches", limit=3)] == tied[:3]
            assert [h.path for h in index.search("launches", limit=None)] == tied
            assert [h.path for h in index.search("launches", limit=8)] == tied
            assert index.search("launches", limit=0) == index.search("launches", limit=-3) == []
        assert [(h.path, h.score) for h in a.search("zeppelin", limit=5)] == \
            [(h.path, h.score) for h in b.search("zeppelin", limit=5)]
