"""The scan a one-shot command's program forks before it loads (vault/scan_ahead.py): taken only
when it is the walk the command would have done itself, as the files were when it started."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from tests.conftest import run_subprocess, write_vault
from vaultnet.vault import Vault, scan_ahead

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here: the program walks itself")

FILES = {
    "Top.md": "x",
    "People/Deep/Ada Lovelace.md": "---\ntype: person\n---\nAda",
    "Archive.md/Inside.md": "a folder named like a note",
    "Attachments/photo.png": "png",
    "Templates/Person.md": "{{title}}",
    "Drafts/wip.draft.md": "x",
    "Big.md": "y" * 5000,
    ".obsidian/app.json": '{"userIgnoreFilters": ["Old/"]}',
    "Old/Gone.md": "ignored in Obsidian",
    ".trash/old.md": "x",
    "vaultnet/Follow-ups.md": "a report",
}
CONFIG = 'exclude = ["Templates/**", "*.draft.md"]\nmax_file_size = 4096\n'


@pytest.fixture(autouse=True)
def _nothing_left_pending():
    """A walk a test forked and did not take is reaped, not left to the next test's sync."""
    yield
    ahead, scan_ahead._pending = scan_ahead._pending, None
    if ahead is not None:
        ahead.end()  # and reaps the fork
    scan_ahead.discard()


def walked(result) -> tuple:
    return result.files, result.too_large, sorted(result.problems), result.attachments


def forked_walk_ended() -> None:
    """Until the fork has sent its walk and ended (not reaped: that is the program's to do)."""
    ahead = scan_ahead._pending
    assert ahead is not None, "no walk was forked"
    os.waitid(os.P_PID, ahead.pid, os.WEXITED | os.WNOWAIT)


def test_a_walk_forked_ahead_is_the_walk_of_the_files_as_they_were_when_the_command_started(tmp_path):
    root = write_vault(tmp_path / "v", FILES, CONFIG)
    (root / "Link.md").symlink_to(root / "Top.md")
    scan_ahead.start(str(root), None)
    forked_walk_ended()
    (root / "Saved after the start.md").write_text("new")

    vault = Vault(root)
    ahead = scan_ahead.take(vault)
    assert ahead is not None and scan_ahead.take(vault) is None  # taken once
    own = vault.scan()

    assert "Saved after the start.md" not in ahead.files
    assert "Saved after the start.md" in own.files
    del own.files["Saved after the start.md"]
    assert walked(ahead) == walked(own)
    assert sorted(ahead.files) == ["Archive.md/Inside.md", "Link.md", "People/Deep/Ada Lovelace.md", "Top.md"]
    assert list(ahead.too_large) == ["Big.md"]
    assert "Attachments/photo.png" in ahead.attachments


def test_the_vault_is_found_as_the_command_finds_it(tmp_path, monkeypatch):
    root = write_vault(tmp_path / "v", {"Sub/Note.md": "x"})
    monkeypatch.chdir(root / "Sub")
    scan_ahead.start(None, None)  # no --vault, no VAULTNET_VAULT: the nearest vault up from here
    forked_walk_ended()
    (root / "Later.md").write_text("x")
    ahead = scan_ahead.take(Vault(root.resolve()))
    assert ahead is not None and sorted(ahead.files) == ["Sub/Note.md"]


def in_order(result) -> tuple:
    """Everything a scan holds, in the order it holds it."""
    return list(result.files.items()), list(result.too_large.items()), result.problems, sorted(result.attachments)


def test_a_walk_is_read_with_the_settings_the_command_read_not_any_the_fork_saw(tmp_path):
    """The fork reads no settings: the command applies its own to the fork's walk, so settings
    changed in between are those the walk is read with."""
    root = write_vault(tmp_path / "v", FILES, CONFIG)
    scan_ahead.start(str(root), None)
    forked_walk_ended()
    (root / ".vaultnet" / "config.toml").write_text('exclude = ["People/**"]\n')  # changed meanwhile

    vault = Vault(root)
    ahead = scan_ahead.take(vault)
    assert ahead is not None and scan_ahead._pending is None  # the fork was reaped
    scan = vault.scan()
    assert in_order(ahead) == in_order(scan)
    assert "People/Deep/Ada Lovelace.md" not in scan.files
    assert "Drafts/wip.draft.md" in scan.files and "Big.md" in scan.files


# Settings that leave out folders (whole trees, with what could not be read in them), files,
# a report folder and notes over the size limit, each alone and all together.
SETTINGS = {
    "none": "",
    # A folder let in again below one left out is still left out: its parent is never entered.
    "excluded folders": 'exclude = ["Templates/", "!Templates/Sub/", "Archive.md/", "Deep/"]\n',
    "excluded files": 'exclude = ["*.draft.md", "*.png", "Old/Gone.md"]\n',
    "report folder": 'report_dir = "Reports"\n',
    "size limit": "max_file_size = 4096\n",
    "all": CONFIG + 'report_dir = "Reports"\n',
}


@pytest.mark.parametrize("settings", list(SETTINGS))
def test_a_walk_of_every_folder_settled_is_the_walk_that_left_them_out(tmp_path, settings):
    """Vault.settle over vault/walk.py's walk of every folder (the fork's) gives what the pruned
    walk (Vault.walk) gives, item for item and in the same order: folders a setting excludes, and
    all below them, problems met in them included, are left out."""
    from vaultnet.vault.walk import walk_folders

    files = {**FILES, "Reports/Follow-ups.md": "r", "Reports/Sub/Deep/More.md": "r",
             "Templates/Sub/Deeper.md": "t", "People/Deep/Locked/Secret.md": "x", "Templates/Locked/In.md": "x",
             "Reports.md": "a note named like the folder", "Big Too.md": "z" * 5000}
    root = write_vault(tmp_path / "v", files, SETTINGS[settings])
    (root / "Dangling.md").symlink_to(root / "nowhere.md")  # a note that cannot be read
    (root / "Templates" / "Dangling.md").symlink_to(root / "nowhere.md")
    locked = [root / "People/Deep/Locked", root / "Templates/Locked"]
    for folder in locked:
        os.chmod(folder, 0)
    try:
        vault = Vault(root)
        pruned = vault.walk()
        settled = vault.settle(walk_folders(str(root)))
    finally:
        for folder in locked:
            os.chmod(folder, 0o755)
    assert in_order(settled) == in_order(pruned)
    assert pruned.files  # the comparison is of something
    if settings == "excluded folders":
        assert not any(path.startswith(("Templates/", "Archive.md/", "People/Deep/")) for path in pruned.files)
        assert [path for path, _ in pruned.problems] == ["Dangling.md"]
    if settings == "report folder":
        assert "Reports.md" in pruned.files and not any(p.startswith("Reports/") for p in pruned.files)
    if settings == "size limit":
        assert sorted(pruned.too_large) == ["Big Too.md", "Big.md"]


def test_a_walk_of_another_vault_is_not_taken(tmp_path):
    one = write_vault(tmp_path / "one", {"One.md": "x"})
    two = write_vault(tmp_path / "two", {"Two.md": "x"})
    scan_ahead.start(str(one), None)
    assert scan_ahead.take(Vault(two)) is None


@pytest.mark.parametrize("trouble", ["no vault there", "not a vault", "killed"])
def test_a_fork_that_found_nothing_or_died_leaves_the_walk_to_the_command(tmp_path, trouble):
    root = write_vault(tmp_path / "v", {"Note.md": "x", "Other/Two.md": "y"})
    (tmp_path / "plain").mkdir()
    named = {"no vault there": tmp_path / "nowhere", "not a vault": tmp_path / "plain"}.get(trouble, root)
    scan_ahead.start(str(named), None)
    if trouble == "killed":
        os.kill(scan_ahead._pending.pid, signal.SIGKILL)
    ahead = scan_ahead.take(Vault(root))
    if trouble == "killed":  # killed before or after it sent its walk: none, or the whole of it
        assert ahead is None or sorted(ahead.files) == ["Note.md", "Other/Two.md"]
    else:
        assert ahead is None


def framed(data: bytes) -> bytes:
    """`data` as a fork ahead sends it: its length first."""
    return len(data).to_bytes(8, "little") + data


def fork_sending(sent: bytes) -> scan_ahead._Ahead:
    """A fork that writes `sent` (bytes as they are: framed or not, whole or not) and ends."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(w, sent)
        os._exit(0)
    os.close(w)
    return scan_ahead._Ahead(pid, r)


def test_a_walk_the_fork_did_not_send_whole_is_not_taken(tmp_path):
    """Bytes that are not a walk of folders (a fork of another version, say), or a walk cut short
    (a fork killed mid-write), leave the walk to the command."""
    import marshal

    root = write_vault(tmp_path / "v", {"Note.md": "x"})
    whole = marshal.dumps((str(root), [("", {"Note.md": (1, 2)}, [], [])]))
    for sent in (b"", framed(b"not marshal"), framed(marshal.dumps((str(root), [("", "not a dict", [], [])]))),
                 framed(marshal.dumps((str(root), [("", {}, [])]))), framed(marshal.dumps([str(root)])),
                 framed(whole)[:-3], whole, framed(whole)):
        scan_ahead._pending = fork_sending(sent)
        taken = scan_ahead.take(Vault(root))
        if sent == framed(whole):  # the control: a whole walk is taken
            assert taken is not None and taken.files == {"Note.md": (1, 2)}
        else:
            assert taken is None, sent


def test_a_stray_index_inside_a_vault_is_passed_over_by_the_command(tmp_path, monkeypatch):
    """find_vault passes over an index-only `.vaultnet/` for the vault around it; the fork's guess
    may not, and its walk of the wrong folder is then not taken."""
    root = write_vault(tmp_path / "v", {"People/Ada.md": "x", "Note.md": "y"})
    (root / "People" / ".vaultnet").mkdir()
    monkeypatch.chdir(root / "People")
    scan_ahead.start(None, None)
    from vaultnet.vault import find_vault

    found = find_vault(None, None, root / "People")
    assert found == root.resolve()
    assert scan_ahead.take(Vault(found)) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the fork's descriptors in /proc")
def test_the_fork_holds_none_of_the_programs_streams(tmp_path):
    root = write_vault(tmp_path / "v", {f"N{i}.md": "x" * 40 for i in range(3000)})  # more than a pipe holds
    scan_ahead.start(str(root), None)
    pid = scan_ahead._pending.pid
    fds: dict[int, str] = {}
    for _ in range(1000):  # until the fork has closed what it inherited (it then waits on the pipe)
        try:
            fds = {int(fd): os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
        except FileNotFoundError:  # one closed as we looked
            continue
        if len(fds) <= 4 and fds.get(2) == os.devnull:
            break
    assert {fds[fd] for fd in (0, 1, 2)} == {os.devnull}
    others = [what for fd, what in fds.items() if fd > 2]
    assert len(others) == 1 and others[0].startswith("pipe:")  # its end of the pipe, no other
    ahead = scan_ahead.take(Vault(root))
    assert ahead is not None and len(ahead.files) == 3000


def test_the_program_answers_as_in_process_and_says_a_bad_config_once(tmp_path, vault):
    run = vault({"People/Ada Lovelace.md": "---\ntype: person\ncadence: monthly\n---\n- 2026-01-05 Coffee\n",
                 "Meetings/Standup.md": "Met [[Ada Lovelace]] today.\n"})
    run.ok("index")
    (run.root / "People" / "Grace Hopper.md").write_text("---\ntype: person\ncadence: 2w\n---\n")
    args = ("--today", "2026-11-22", "due", "--json")
    shown = run_subprocess("--vault", str(run.root), *args, env={"VAULTNET_NO_SERVER": "1"})
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == run.ok(*args).stdout

    (run.root / ".vaultnet" / "config.toml").write_text("people_dirs = [\n")
    bad = run_subprocess("--vault", str(run.root), *args, env={"VAULTNET_NO_SERVER": "1"})
    assert bad.returncode == 1 and bad.stdout == ""
    assert [line for line in bad.stderr.splitlines() if line.startswith("Error:")] == \
        [line for line in run(*args).stderr.splitlines() if line.startswith("Error:")]
    assert len([line for line in bad.stderr.splitlines() if line.startswith("Error:")]) == 1


def test_a_command_that_reads_the_commit_imports_whoosh_before_its_sync_and_a_first_answer_does_not(tmp_path):
    """NoteIndex.expect_reading: the import fills the wait for the fork's walk; with no commit yet
    the answer comes from the parse, and only the process writing the index behind needs Whoosh."""
    import subprocess

    root = write_vault(tmp_path / "v", {"People/Ada Lovelace.md": "---\ntype: person\n---\n"})
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from vaultnet.index import NoteIndex\n"
        "from vaultnet.vault import Vault\n"
        f"index = NoteIndex(Vault(Path({str(root)!r})))\n"
        "index.expect_reading()\n"
        "print('whoosh.index' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert first.stdout == "False\n"
    assert run_subprocess("--vault", str(root), "index").returncode == 0
    again = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert again.stdout == "True\n"


def test_the_settings_problems_are_those_the_command_read_itself(tmp_path):
    """A settings file that changed between the fork's read and the command's, from one unreadable
    form to another, leaves the fingerprint as it was: the walk is taken, its settings' problems
    are the command's own."""
    root = write_vault(tmp_path / "v", {"Note.md": "x", "Locked/Two.md": "y", ".obsidian/app.json": "not json"})
    scan_ahead.start(str(root), None)
    forked_walk_ended()
    (root / ".obsidian" / "app.json").write_text("[1, 2]")
    (root / "Later.md").write_text("z")
    vault = Vault(root)
    ahead = scan_ahead.take(vault)
    assert ahead is not None and "Later.md" not in ahead.files  # the fork's walk
    assert ahead.problems == [(".obsidian/app.json", "not a JSON object; its settings are not used")]
    assert vault.scan().problems == ahead.problems


def test_a_sync_takes_the_walk_and_the_next_one_walks_again(tmp_path):
    from vaultnet.index import NoteIndex

    root = write_vault(tmp_path / "v", {"People/Ada Lovelace.md": "---\ntype: person\n---\n", "Note.md": "x"})
    scan_ahead.start(str(root), None)
    forked_walk_ended()
    (root / "Saved after the start.md").write_text("[[Ada Lovelace]]")
    index = NoteIndex(Vault(root))
    try:
        assert sorted(index.sync().added) == ["Note.md", "People/Ada Lovelace.md"]
        assert index.sync().added == ["Saved after the start.md"]
    finally:
        index.close()
