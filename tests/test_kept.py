"""What is kept beside the index for the next process (index/state.py `derived(keep=...)`): the
due table. A one-shot `due` with nothing changed reads it; one after a change folds the people
the change touched into it; every answer equals an `index --rebuild`'s of the same files."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from vaultnet.index.manifest import IndexFolder
from vaultnet.vault.folder import Vault

from .conftest import Run, write_vault
from .test_answer_change import _changes
from .test_crash import apply_edits, copy_vault, network
from .test_first_answer import program_answer
from .test_persons import FILES, _touch

TODAY = "2026-11-22"
DUE = ("due", "--within", "400", "--json")  # everyone with a next due day in the coming year


def folder(root: Path) -> IndexFolder:
    vault = Vault(root)
    return IndexFolder(vault.index_dir, vault.state_dir / "index.lock")


def manifest_commit(root: Path) -> str:
    data = folder(root).read_manifest()
    assert data is not None
    return data["commit"]


def rebuilt_due(root: Path, tmp: Path, *args: str, today: str = TODAY) -> list:
    """`due` on a copy of the notes with no index at all, built by `index --rebuild`."""
    fresh = tmp / "rebuilt"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(root, fresh, ignore=lambda d, names: ["index"] if d.endswith(".vaultnet") else [])
    run = Run(fresh)
    run.ok("index", "--rebuild")
    return run.json("--today", today, *(args or DUE[:-1]))


def due(run: Run, *args: str, today: str = TODAY) -> list:
    result = run("--today", today, *(args or DUE[:-1]), "--json")
    assert result.exit_code == 0, result.stderr
    # A kept table read, amended or refused has nothing to say (a note's own problem may be said).
    assert "Traceback" not in result.stderr and "rebuilt" not in result.stderr, result.stderr
    assert "invalid YAML" in result.stderr or result.stderr == "", result.stderr
    return json.loads(result.stdout)


def test_a_due_table_is_kept_stamped_with_its_commit_and_read_by_the_next_due(tmp_path):
    root = write_vault(tmp_path / "v", FILES)
    run = Run(root)
    run.ok("index")
    first = due(run)
    kept = folder(root).read_kept("due")
    assert kept is not None and kept["commit"] == manifest_commit(root)
    # The next process answers from it, as it is: a row changed by hand shows in its answer.
    table = dict(kept["value"])
    name, tags, next_due, reason, last, cadence = table["People/Ada Lovelace.md"]
    table["People/Ada Lovelace.md"] = ("Ada (kept)", tags, next_due, reason, last, cadence)
    folder(root).write_kept("due", kept["commit"], kept["key"], table)
    assert [r["name"] for r in due(run)] == [("Ada (kept)" if r["name"] == "Ada Lovelace" else r["name"])
                                            for r in first]
    # A new commit (a rebuild writes the same notes again) is another state: the table is made again.
    run.ok("index", "--rebuild")
    assert due(run) == first == rebuilt_due(root, tmp_path)
    assert folder(root).read_kept("due")["commit"] == manifest_commit(root)


def test_a_kept_table_answers_only_for_its_day_and_its_settings(tmp_path):
    root = write_vault(tmp_path / "v", FILES)
    run = Run(root)
    due(run)
    assert due(run, today="2026-12-20") == rebuilt_due(root, tmp_path, today="2026-12-20")
    assert due(run) == rebuilt_due(root, tmp_path)
    (root / ".vaultnet").mkdir(exist_ok=True)
    (root / ".vaultnet/config.toml").write_text('default_cadence = "2w"\nnews_days = 5\n')
    assert due(run) == rebuilt_due(root, tmp_path)
    (root / ".vaultnet/config.toml").write_text('default_cadence = "2w"\n[cadence_by_tag]\nmentor = "1w"\n')
    assert due(run) == rebuilt_due(root, tmp_path)
    assert due(run, "due", "--tag", "mentor") == rebuilt_due(root, tmp_path, "due", "--tag", "mentor")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """40 people indexed, and a `due` run on them: its table kept beside the index."""
    files = network(40)
    root = write_vault(tmp_path_factory.mktemp("kept") / "vault", files)
    run = Run(root)
    run.ok("index")
    due(run)
    assert folder(root).read_kept("due") is not None
    return root, files


@pytest.mark.parametrize("change", sorted(_changes(network(40))))
def test_a_due_after_a_change_amends_the_kept_table_and_equals_a_rebuilds(tmp_path, template, change):
    root_before, files = template
    after = _changes(files)[change]
    root = copy_vault(root_before, tmp_path / "copy")
    apply_edits(root, files, after)
    run = Run(root)
    expected = rebuilt_due(root, tmp_path)
    assert due(run) == expected  # the table before the change, amended for its people
    # The commit written behind that answer keeps the amended table: the next `due` reads it.
    kept = folder(root).read_kept("due")
    assert kept is not None and kept["commit"] == manifest_commit(root)
    assert due(run) == expected
    assert due(run, today="2026-12-01") == rebuilt_due(root, tmp_path, today="2026-12-01")


def test_a_table_kept_by_an_older_commit_is_not_amended_past_the_commits_it_missed(tmp_path, template):
    """Two changes, each committed by `index` (no `due` between): the table kept two commits
    back knows neither; the next `due` makes the table again."""
    root_before, files = template
    root = copy_vault(root_before, tmp_path / "copy")
    run = Run(root)
    changes = _changes(files)
    apply_edits(root, files, changes["a log line"])
    run.ok("index")
    apply_edits(root, changes["a log line"], changes["a new person"])
    assert due(run) == rebuilt_due(root, tmp_path)


@pytest.mark.parametrize("damage", [b"", b"\x00not marshal", b"\xe9" * 100, "truncated", "another key", "not a table"])
def test_a_damaged_kept_table_is_made_again_and_nothing_is_said(tmp_path, damage):
    root = write_vault(tmp_path / "v", FILES)
    run = Run(root)
    expected = due(run)
    path = folder(root).path / "kept-due"
    kept = folder(root).read_kept("due")
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "another key":
        folder(root).write_kept("due", kept["commit"], ("due", -1), {"People/Nobody.md": ("N", (), 1, "cadence", None, 7)})
    elif damage == "not a table":
        path.write_bytes(json.dumps([1, 2]).encode())
    else:
        path.write_bytes(damage)
    assert due(run) == expected


def test_a_stray_temporary_kept_file_is_removed_by_the_next_writer(tmp_path):
    """What a process killed while writing a kept table leaves: removed under the lock."""
    root = write_vault(tmp_path / "v", FILES)
    run = Run(root)
    due(run)
    stray = folder(root).path / ".kept-due.12345.tmp"
    stray.write_bytes(b"half a table")
    _touch(root / "People/Eve.md", "- 2026-11-20 Met [[Ada]]\n")
    run.ok("index")
    assert not stray.exists()


def test_a_due_after_each_of_many_random_edits_equals_a_rebuilds(tmp_path):
    """Edits, `index` commits and `due` answers in a random order: each `due` equals a rebuild's,
    whether it read the table, amended it, or made it again."""
    rng = random.Random(1016)
    names = ["Ada Lovelace", "Bob Lee", "Cy Young", "Dana", "Eve"]
    root = write_vault(tmp_path / "live", FILES)
    run = Run(root)
    run.ok("index")
    for step in range(14):
        for _ in range(rng.randint(0, 2)):
            who, other = rng.sample(names, 2)
            kind = rng.choice(["log", "meeting", "delete", "fields", "rename"])
            path = root / f"People/{who}.md"
            if kind == "log":
                old = path.read_text() if path.exists() else ""
                mark = rng.choice(["", " #gave", " #news", " #noticed"])
                day = f"2026-{rng.randint(9, 12):02d}-{rng.randint(1, 28):02d}"
                _touch(path, old + f"- {day} with [[{other}]]{mark}\n")
            elif kind == "meeting":
                _touch(root / f"Meetings/2026-11-{rng.randint(1, 28):02d} M{step}.md", f"[[{who}]] and [[{other}]]\n")
            elif kind == "fields":
                cadence = rng.choice(["1w", "monthly", "quarterly", "nonsense"])
                _touch(path, f"---\ncadence: {cadence}\nbirthday: 1990-11-{rng.randint(15, 30)}\n"
                             f"follow_up: 2026-11-{rng.randint(10, 30)}\ntags: [{rng.choice(['mentor', 'x'])}]\n---\n")
            elif kind == "rename" and path.exists():
                path.rename(root / f"People/{who} II.md")
            else:
                victims = sorted((root / "Meetings").glob("*.md"))
                if victims:
                    rng.choice(victims).unlink()
        if rng.random() < 0.3:
            run.ok("index")
        assert due(run) == rebuilt_due(root, tmp_path), f"step {step}"


def test_the_program_keeps_the_table_from_the_process_writing_behind_its_answer(tmp_path):
    """The real program: a first answer, then an answer after a change, each written behind in a
    process of its own, which keeps the table it answered from; each next program reads it."""
    root = write_vault(tmp_path / "v", network(60))
    first = program_answer(root, DUE[:-1])
    assert folder(root).read_kept("due")["commit"] == manifest_commit(root)
    assert first == rebuilt_due(root, tmp_path)
    _touch(root / "People/Person 3.md", "---\ncadence: 1w\n---\n- 2026-11-21 Lunch with [[Person 4]]\n")
    after = program_answer(root, DUE[:-1])
    assert folder(root).read_kept("due")["commit"] == manifest_commit(root)
    assert after == rebuilt_due(root, tmp_path) != first
    assert program_answer(root, DUE[:-1]) == after


@pytest.mark.parametrize("command", [("ledger",), ("news", "--since", "2026-01-01"), ("references",)],
                         ids=lambda c: c[0])
def test_ledger_news_and_references_are_kept_too_and_made_again_after_a_change(tmp_path, command):
    root = write_vault(tmp_path / "v", FILES)
    run = Run(root)
    first = due(run, *command)
    assert first, command  # FILES has a #gave, a #news and a #noticed line
    kept = folder(root).read_kept(command[0])
    assert kept is not None and kept["commit"] == manifest_commit(root)
    # The next process answers from it: a row changed by hand shows in its answer.
    rows = [dict(row) for row in kept["value"]]
    rows[0]["name"] = "Kept by hand"
    folder(root).write_kept(command[0], kept["commit"], kept["key"], rows)
    assert due(run, *command)[0]["name"] == "Kept by hand"
    # A change made after that commit: the answer is made again, and equals a rebuild's.
    line = {"ledger": "#got", "news": "Moved to Lisbon #news", "references": "[[Cy Young]] saw the demo #noticed"}
    _touch(root / "People/Ada Lovelace.md", (root / "People/Ada Lovelace.md").read_text()
           + f"- 2026-11-21 Lunch with [[Bob Lee]] {line[command[0]]}\n")
    after = due(run, *command)
    assert after == rebuilt_due(root, tmp_path, *command) != first
    assert due(run, *command) == after  # kept by the commit written behind it, and read
    assert folder(root).read_kept(command[0])["commit"] == manifest_commit(root)


def test_references_about_a_topic_are_not_kept_beside_the_index(tmp_path):
    """A topic is matched against the notes' full text, which a change to nobody's sums moves."""
    root = write_vault(tmp_path / "v", FILES)
    run = Run(root)
    due(run, "references", "migration")
    assert folder(root).read_kept("references") is None


def test_a_within_past_the_calendars_end_lists_everyone_with_a_due_day(tmp_path):
    """`--within` has no upper bound: a horizon past year 9999 is a number of days, not a date."""
    root = write_vault(tmp_path / "v", FILES)
    run = Run(root)
    far = due(run, "due", "--within", str(10 ** 12))
    assert far == due(run, "due", "--within", "3000000") and len(far) == 2
    assert run("--today", TODAY, "due", "--within", str(10 ** 12), "--ics", str(tmp_path / "d.ics")).exit_code == 0


@pytest.mark.parametrize("command", ["due", "ledger", "news", "references"])
def test_a_kept_table_read_ahead_of_another_process_commit_is_not_taken_for_the_new_one(tmp_path, command):
    """NoteIndex.expect_kept reads a list's file before the sync (while a one-shot command's walk
    runs). A commit by another process between that read and the answer makes what was read a
    table of the commit before: the answer is the new commit's all the same."""
    import datetime as dt

    from vaultnet.index import NoteIndex
    from vaultnet.network import queries

    root = write_vault(tmp_path / "v", FILES)
    run = Run(root)
    args = ("--within", "400") if command == "due" else ()
    run.ok("--today", TODAY, command, *args, "--json")  # kept, stamped with the first commit
    old = folder(root).read_kept(command)
    assert old is not None and old["commit"] == manifest_commit(root)

    index = NoteIndex(Vault(root))
    index.expect_kept(command)
    assert index.folder._read_ahead[command] == old
    _touch(root / "People/Ada Lovelace.md", "---\naliases: [Ada]\ncadence: 7d\n---\n"
           "- 2026-11-20 Lunch with [[Bob Lee]] #got #noticed #news\n")
    run.ok("index")  # another process commits the change
    index.sync()
    today = dt.date.fromisoformat(TODAY)
    answer = {"due": lambda: queries.due(index, today, 400, None), "ledger": lambda: queries.kept_ledger(index),
              "news": lambda: queries.kept_news(index, today, dt.date(2026, 1, 1)),
              "references": lambda: queries.kept_references(index, today, None)}[command]()
    index.close()
    first = "2026-01-01" if command == "news" else None
    again = ("--since", first) if first else args
    assert json.loads(json.dumps(answer)) == json.loads(Run(root).ok("--today", TODAY, command, *again, "--json").stdout)
    fresh = tmp_path / "fresh"
    shutil.copytree(root, fresh, ignore=lambda d, names: ["index"] if d.endswith(".vaultnet") else [])
    assert json.loads(json.dumps(answer)) == \
        Run(fresh).json("--today", TODAY, command, *again)
    assert index.folder._read_ahead == {}  # taken, and refused: the commit it was of is not the one held
    assert manifest_commit(root) != old["commit"]


def test_nothing_is_read_ahead_where_no_commit_is_there_yet(tmp_path):
    from vaultnet.index import NoteIndex

    root = write_vault(tmp_path / "v", FILES)
    index = NoteIndex(Vault(root))
    index.expect_kept("due")
    assert index.folder._read_ahead == {}
    assert Run(root).json("--today", TODAY, "due", "--within", "400") == rebuilt_due(root, tmp_path)
