"""config.exclude's answers kept beside the index (vault/folder.py Excludes): the next process
recalls them and imports pathspec only for a path no whole scan met before."""

from __future__ import annotations

import marshal
import subprocess
import sys

import pytest

from tests.conftest import Run, write_vault
from vaultnet.index import NoteIndex
from vaultnet.vault import Vault

GLOBS = 'exclude = ["Templates/**", "*.draft.md", "!Keep/**"]\n'
FILES = {
    "People/Ada Lovelace.md": "---\ntype: person\n---\nx\n",
    "Templates/Person.md": "{{title}}",
    "Templates/Sub/Deep.md": "t",
    "Drafts/wip.draft.md": "d",
    "Drafts/ok.md": "o",
    "Keep/a.draft.md": "kept again",
    "Attachments/photo.png": "png",
}

# A whole scan in a process of its own, as a command's sync makes it: what it found, and whether
# it imported pathspec.
PROBE = """
import sys
from pathlib import Path
from vaultnet.index import NoteIndex
from vaultnet.vault import Vault
index = NoteIndex(Vault(Path(sys.argv[1])))
stats = index.sync()
index.close()
print(sorted(index.vault.scan().files), "pathspec" in sys.modules)
"""


def probe(root) -> tuple[str, bool]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(root)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    files, imported = done.stdout.strip().rsplit(" ", 1)
    return files, imported == "True"


def kept(root) -> dict:
    return marshal.loads((root / ".vaultnet" / "index" / "excludes").read_bytes())


def scanned(root) -> tuple:
    """A scan with no answers recalled: what pathspec itself says."""
    found = Vault(root).scan()
    return found.files, found.too_large, found.attachments, found.problems


def test_a_whole_scans_answers_are_kept_and_the_next_process_needs_no_pathspec(tmp_path):
    root = write_vault(tmp_path / "v", FILES, GLOBS)
    Run(root).ok("index")
    files, imported = probe(root)  # the index is there: this sync keeps its answers
    assert imported
    answers = kept(root)[("Templates/**", "*.draft.md", "!Keep/**")]
    # Each folder's answer and the paths left out; the notes let in are the manifest's to say.
    assert answers == {"Attachments/": False, "Drafts/": False, "Keep/": False, "People/": False,
                       "Templates/": True, "Drafts/wip.draft.md": True}

    again, imported = probe(root)
    assert again == files and not imported
    index = NoteIndex(Vault(root))
    index.vault.recall_excludes(index.folder.read_excludes())
    try:
        with_recalled = index.vault.scan()
    finally:
        index.close()
    assert (with_recalled.files, with_recalled.too_large, with_recalled.attachments, with_recalled.problems) == \
        scanned(root)


def test_a_path_no_scan_met_is_asked_of_pathspec_and_a_gone_one_is_forgotten(tmp_path):
    root = write_vault(tmp_path / "v", FILES, GLOBS)
    Run(root).ok("index")
    probe(root)
    (root / "Drafts" / "new.draft.md").write_text("new")
    (root / "Drafts" / "new.md").write_text("new")
    (root / "Drafts" / "ok.md").unlink()
    files, imported = probe(root)
    assert imported
    assert "Drafts/new.md" in files and "Drafts/new.draft.md" not in files
    answers = kept(root)[("Templates/**", "*.draft.md", "!Keep/**")]
    assert answers["Drafts/new.draft.md"] is True and "Drafts/new.md" not in answers
    assert probe(root) == (files, False)  # Drafts/new.md is in the manifest now
    (root / "Drafts" / "wip.draft.md").unlink()
    assert probe(root) == (files, False)
    assert "Drafts/wip.draft.md" not in kept(root)[("Templates/**", "*.draft.md", "!Keep/**")]


def test_answers_kept_for_other_globs_are_not_taken(tmp_path):
    root = write_vault(tmp_path / "v", FILES, GLOBS)
    Run(root).ok("index")
    probe(root)
    (root / ".vaultnet" / "config.toml").write_text('exclude = ["Drafts/"]\n')
    files, imported = probe(root)  # other settings: the index is built again, its folder emptied
    assert imported
    assert "Templates/Person.md" in files and "Drafts/ok.md" not in files
    assert probe(root) == (files, True)
    assert list(kept(root)) == [("Drafts/",)]
    assert probe(root) == (files, False)


@pytest.mark.parametrize("written", [
    b"", b"garbage", marshal.dumps([1, 2]), marshal.dumps({("Templates/**", "*.draft.md", "!Keep/**"): "no"}),
    marshal.dumps({("Templates/**", "*.draft.md", "!Keep/**"): {"Templates/": "yes", "Drafts/ok.md": 1}}),
], ids=["empty", "garbage", "a list", "not a dict of answers", "answers that are not true or false"])
def test_a_damaged_file_of_answers_changes_nothing_found(tmp_path, written):
    root = write_vault(tmp_path / "v", FILES, GLOBS)
    Run(root).ok("index")
    (root / ".vaultnet" / "index" / "excludes").write_bytes(written)
    files, imported = probe(root)
    assert imported
    assert files == str(sorted(scanned(root)[0]))
    assert probe(root) == (files, False)  # and the next sync wrote them whole again


def test_answers_that_cannot_be_kept_are_worked_out_again(tmp_path):
    """Where the file cannot be written (here a folder in its place, as a read-only disk would
    refuse it), the scan is the same and nothing is said."""
    root = write_vault(tmp_path / "v", FILES, GLOBS)
    Run(root).ok("index")
    (root / ".vaultnet" / "index" / "excludes").mkdir()
    for _ in range(2):
        files, imported = probe(root)
        assert imported and files == str(sorted(scanned(root)[0]))
    assert (root / ".vaultnet" / "index" / "excludes").is_dir()


SETTINGS = {
    "globs": GLOBS,
    "globs and a report folder inside another": GLOBS + 'report_dir = "Out/Reports"\n',
    "globs, the report folder, Obsidian's excluded files": GLOBS + 'report_dir = "Reports"\n',
}
MORE = {**FILES, "Out/Reports/Due.md": "r", "Out/Reports.md": "a note", "Reports/Due.md": "r", "Old/Gone.md": "old",
        ".obsidian/app.json": '{"userIgnoreFilters": ["Old/"]}', "Top.draft.md": "t", "Top.md": "t"}


@pytest.mark.parametrize("settings", list(SETTINGS))
def test_a_scan_with_what_is_known_recalled_is_a_scan_that_asked_pathspec_everything(tmp_path, settings):
    from vaultnet.vault.walk import walk_folders

    root = write_vault(tmp_path / "v", MORE, SETTINGS[settings])
    Run(root).ok("index")
    probe(root)
    (root / "Drafts" / "later.draft.md").write_text("saved since the commit: pathspec is asked")
    index = NoteIndex(Vault(root))
    try:
        data = index.folder.load_manifest(index.vault.fingerprint())
        assert data is not None
        for walked in ("pruned", "every folder"):
            index.vault.recall_excludes(index.folder.read_excludes(),
                                        (data["files"], data["too_large"], data["attachments"]))
            found = index.vault.scan() if walked == "pruned" else index.vault.settle(walk_folders(str(root)))
            assert (found.files, found.too_large, found.attachments) == scanned(root)[:3], walked
    finally:
        index.close()
    assert "Drafts/later.draft.md" not in found.files and "Old/Gone.md" not in found.files
