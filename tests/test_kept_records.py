"""The stored records kept in shards beside the index (index/kept_records.py): after any change,
by any way a sync writes (a sync's commit, a reading command's change written after its answer,
a first answer), they hold what Whoosh holds and what a rebuild would; a set on disk that is not
the newest commit's is never read (Whoosh answers), and the next change writes it whole again."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vaultnet.index import NoteIndex, kept_records, reader, shards
from vaultnet.vault.folder import Vault

from .conftest import Run, write_vault
from .test_persons import CHANGES, FILES, TODAY, _touch


def _kept_and_whooshs(root: Path) -> tuple[dict, dict, dict, dict]:
    """(records, linking) from the kept shards, then the same from Whoosh, for every note and key."""
    with NoteIndex(Vault(root)) as index:
        index.sync()
        paths = sorted(index.labels())
        generation = index.folder.generation()
        head = index.folder.records_path
        s = index.searcher()
        keys = sorted(reader.link_terms(s)) + ["no such key"]
        kept = kept_records.records(head, generation, paths)
        assert kept is not None, "the kept set is not the newest commit's"
        linking = {key: kept_records.linking(head, generation, [key]) for key in keys}
        whoosh = reader.records(s, paths)
        whoosh_linking = {key: reader.linking(s, [key]) for key in keys}
    return kept, linking, whoosh, whoosh_linking


def _rebuilt(root: Path, tmp: Path) -> tuple[dict, dict]:
    fresh = tmp / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(root, fresh, ignore=lambda d, names: ["index"] if d.endswith(".vaultnet") else [])
    Run(fresh).ok("index")
    kept, linking, _, _ = _kept_and_whooshs(fresh)
    return kept, {k: v for k, v in linking.items() if v}


def _assert_kept_equal_whooshs(root: Path, what: str) -> tuple[dict, dict]:
    kept, linking, whoosh, whoosh_linking = _kept_and_whooshs(root)
    assert kept == whoosh, what
    assert linking == whoosh_linking, what
    return kept, {k: v for k, v in linking.items() if v}


# A sync's commit (`index`), and a reading command's: the change parsed, answered from, then written.
WAYS = [("index",), ("--today", TODAY, "show", "Cy Young")]


@pytest.mark.parametrize("way", WAYS, ids=["a sync", "a reading command"])
@pytest.mark.parametrize("what,change", CHANGES, ids=[c[0] for c in CHANGES])
def test_kept_records_after_one_change_equal_whooshs_and_a_rebuilds(tmp_path, what, change, way):
    root = write_vault(tmp_path / "live", FILES)
    Run(root).ok("--today", TODAY, "due")  # a first answer, its index written after it
    _assert_kept_equal_whooshs(root, "first answer")
    change(root)
    result = Run(root)(*way)
    assert result.exit_code in (0, 1), result.stderr  # Cy Young may be gone: the commit is written all the same
    assert _assert_kept_equal_whooshs(root, what) == _rebuilt(root, tmp_path), what


def test_kept_records_after_many_random_edits_equal_a_rebuilds(tmp_path):
    rng = random.Random(17)
    names = ["Ada Lovelace", "Bob Lee", "Cy Young", "Dana", "Eve"]
    root = write_vault(tmp_path / "live", FILES)
    Run(root).ok("index")
    for step in range(14):
        who, other = rng.sample(names, 2)
        kind = rng.choice(["log", "meeting", "delete", "alias", "rename"])
        if kind == "log":
            path = root / f"People/{who}.md"
            old = path.read_text() if path.exists() else ""
            _touch(path, old + f"- 2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} with [[{other}]]\n")
        elif kind == "meeting":
            _touch(root / f"Meetings/2026-{rng.randint(1, 12):02d}-01 M{step}.md", f"[[{who}]] and [[{other}|them]]\n")
        elif kind == "alias":
            _touch(root / f"People/{who}.md", f"---\naliases: [{other.split()[0]}]\n---\nSee [[{other}]]\n")
        elif kind == "rename":
            victims = sorted((root / "Meetings").glob("*.md"))
            if victims:
                victim = rng.choice(victims)
                victim.rename(victim.with_name(f"Renamed {step}.md"))
        else:
            victims = sorted((root / "Meetings").glob("*.md"))
            if victims:
                rng.choice(victims).unlink()
        Run(root)(*rng.choice(WAYS))
        _assert_kept_equal_whooshs(root, f"step {step}: {kind}")
    assert _assert_kept_equal_whooshs(root, "end") == _rebuilt(root, tmp_path)


def test_a_lost_or_foreign_record_shard_is_not_read_and_the_next_change_heals_it(tmp_path):
    root = write_vault(tmp_path / "live", FILES)
    run = Run(root)
    card = run.json("--today", TODAY, "show", "Ada Lovelace")
    links = run.json("backlinks", "Ada Lovelace")
    folder = root / ".vaultnet/index"
    mine = shards.shard_of("People/Ada Lovelace.md", kept_records.COUNT)
    other = (mine + 1) % kept_records.COUNT
    (folder / f"records.{mine}").write_bytes((folder / f"records.{other}").read_bytes())  # another's stamp
    with NoteIndex(Vault(root)) as index:
        index.sync()
        assert kept_records.records(index.folder.records_path, index.folder.generation(),
                                    ["People/Ada Lovelace.md"]) is None
    result = run.ok("--today", TODAY, "show", "Ada Lovelace", "--json")
    assert result.stderr == ""  # nothing to say: Whoosh answers
    assert run.json("--today", TODAY, "show", "Ada Lovelace") == card
    assert run.json("backlinks", "Ada Lovelace") == links
    (folder / f"records.{other}").unlink()
    _touch(root / "Daily/2026-11-21.md", "- 2026-11-21 Call with [[Cy Young]]\n")
    run.ok("index")
    with NoteIndex(Vault(root)) as index:
        assert shards.intact(index.folder.records_path, index.folder.generation(), kept_records.COUNT)
    _assert_kept_equal_whooshs(root, "healed")


def test_a_record_marshal_cannot_hold_leaves_no_copy_to_read(tmp_path):
    head = tmp_path / "records"
    ada = {"path": "a.md", "links": [("Bob", 1, False, False, None)]}
    first = kept_records.Change(None, full=True)
    first.add(ada)
    kept_records.write(head, 1, first, lambda: [])
    assert kept_records.linking(head, 1, ["bob"]) == ["a.md"]
    odd = {"path": "b.md", "links": [], "fm": {"when": object()}}  # no YAML reader makes one; never trusted
    second = kept_records.Change(1)
    second.add(odd)
    kept_records.write(head, 2, second, lambda: [ada, odd])
    assert not head.exists()
    assert kept_records.records(head, 2, ["a.md"]) is None and kept_records.linking(head, 2, ["bob"]) is None


PROBE = """
import sys
from click.testing import CliRunner
from vaultnet.cli import cli

for args in (["show", "Ada Lovelace"], ["backlinks", "Ada"], ["show", "Acme"]):
    result = CliRunner().invoke(cli, ["--vault", sys.argv[1], "--today", "2026-11-22", *args, "--json"])
    assert result.exit_code == 0, result.output
    print(result.stdout.count('"path"') + result.stdout.count('"source"'), end=" ")
print("whoosh" in sys.modules)
"""


def test_show_and_backlinks_answer_without_importing_whoosh(tmp_path):
    root = write_vault(tmp_path / "v", FILES)
    Run(root).ok("index")
    done = subprocess.run([sys.executable, "-c", PROBE, str(root)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    counts, imported = done.stdout.rsplit(" ", 1)
    assert imported.strip() == "False"
    assert all(int(n) > 0 for n in counts.split())
