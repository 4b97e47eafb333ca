"""Hostile environments (SPEC §6): read-only and full disks, notes that turn into folders,
files that vanish between the scan and the read, notes nobody may read.

Every test checks the exit status, a clear message, and that no note lost a byte.

Where it can, a test makes the environment real rather than pretend:
- a read-only disk is a read-only bind mount in a private mount namespace (`unshare --mount`,
  root only: root ignores file modes, not a read-only file system);
- a full disk is a small tmpfs in such a namespace;
- "permission denied" is a mode the process must respect: as root, the command runs with
  CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped (`setpriv --bounding-set`), so modes apply.
A test skips, saying why, where the machine allows none of this. The in-process tests fake
only the operating system (an `os` call that fails or races), never vaultnet's own code.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from .conftest import Run, write_vault

TODAY = "2026-11-22"
CONFIG = 'people_dirs = ["People"]\n'
NOTES = {
    "People/Ada Lovelace.md": "---\naliases: [Ada]\ncadence: 2w\ncompany: \"[[Acme]]\"\n---\n"
                              "Mathematician who likes zeppelins.\n## Log\n- 2026-10-01 Tea #got\n",
    "People/Bob Lee.md": "---\ncadence: 1w\n---\nKnows [[Ada]]. Sails.\n",
    "Companies/Acme.md": "---\ntype: org\n---\nAcme.\n",
    "Meetings/2026-11-01 Sync.md": "With [[Ada Lovelace]] and [[Bob Lee]] about zeppelins.\n",
}
READS = [("search", "zeppelins"), ("due", "--within", "30"), ("backlinks", "Ada")]


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file outside .vaultnet/, with its bytes."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*")) if p.is_file() and ".vaultnet" not in p.relative_to(root).parts
    }


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if "vaultnet-tmp" in p.name]


def answers(root: Path) -> dict[str, object]:
    run = Run(root)
    return {" ".join(q): json.loads(run.ok("--today", TODAY, *q, "--json").stdout) for q in READS}


def edit(path: Path, extra: str) -> None:
    """Change a note as an editor would, with a later mtime."""
    path.write_text(path.read_text() + extra)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))


def cli(root: Path, *args: str, prefix: list[str] | None = None, env: dict | None = None):
    """The real program in its own process, behind `prefix` (a namespace, dropped capabilities)."""
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "vaultnet", "--vault", str(root), "--today", TODAY, *args],
        capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}, check=False,
    )


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# ---------------------------------------------------------------------- real read-only and no-permission

def _succeeds(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=30, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


RO_MOUNT = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'


@functools.cache
def read_only_mount_unavailable() -> str | None:
    """None when `unshare --mount` can give one process a read-only view of a folder."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return "needs unshare and mount (util-linux)"
    probe = Path(tempfile.mkdtemp())
    try:
        if _succeeds(["unshare", "--mount", "sh", "-c", RO_MOUNT, str(probe), "sh", "-c", '! touch "$0/x"', str(probe)]):
            return None
        return "cannot make a private read-only bind mount here (needs root, or CAP_SYS_ADMIN)"
    finally:
        shutil.rmtree(probe, ignore_errors=True)


DROP_DAC = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]


@functools.cache
def no_permission_prefix() -> list[str] | str:
    """The prefix under which file modes apply to the command, or why there is none."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        return "runs as root, who ignores file modes, and setpriv (util-linux) is missing"
    probe = Path(tempfile.mkdtemp())
    try:
        (probe / "f").write_text("x")
        os.chmod(probe / "f", 0)
        if _succeeds([*DROP_DAC, "true"]) and not _succeeds([*DROP_DAC, "cat", str(probe / "f")]):
            return DROP_DAC
        return "runs as root and cannot drop CAP_DAC_OVERRIDE here"
    finally:
        shutil.rmtree(probe, ignore_errors=True)


def chmod_tree(root: Path, files: int, folders: int) -> None:
    for p in [root, *root.rglob("*")]:
        if not p.is_symlink():
            os.chmod(p, folders if p.is_dir() else files)


@pytest.fixture(params=["read-only-mount", "no-write-permission"])
def read_only(request):
    """A function that makes a vault read-only and returns the prefix to run commands with."""
    made: list[Path] = []

    def make(root: Path) -> tuple[list[str], str]:
        if request.param == "read-only-mount":
            reason = read_only_mount_unavailable()
            if reason:
                pytest.skip(reason)
            return ["unshare", "--mount", "sh", "-c", RO_MOUNT, str(root)], "Read-only file system"
        prefix = no_permission_prefix()
        if isinstance(prefix, str):
            pytest.skip(prefix)
        chmod_tree(root, 0o444, 0o555)
        made.append(root)
        return prefix, "Permission denied"

    yield make
    for root in made:  # writable again, so that pytest can clean up
        chmod_tree(root, 0o644, 0o755)


def test_a_read_only_vault_answers_reads_from_the_last_index_and_refuses_writes(tmp_path, read_only):
    root = write_vault(tmp_path / "v", NOTES, CONFIG)
    Run(root).ok("index")
    expected = answers(root)
    edit(root / "People/Bob Lee.md", "Now into zeppelins too.\n")  # the index is behind the notes
    before = snapshot(root)
    index_files = sorted(os.listdir(root / ".vaultnet/index"))
    prefix, why = read_only(root)

    for query in READS:
        result = cli(root, *query, "--json", prefix=prefix)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == expected[" ".join(query)]  # the last index's answer
        line = one_line(result.stderr)
        assert "cannot be updated" in line and why in line and line.endswith("answering from its last state")

    for args, words in [(("--today", TODAY, "log", "Ada", "Tea again"), "cannot write to this vault"),
                        (("add", "New Person", "--email", "n@example.org"), "cannot write to this vault"),
                        (("index",), "cannot write the index")]:
        result = cli(root, *args, prefix=prefix)
        assert result.returncode == 1, result.stderr
        *before_error, line = result.stderr.strip().splitlines()
        if args[2:3] == ("log",):  # `log` looks the name up first, from the last index
            assert [w.endswith("answering from its last state") for w in before_error] == [True]
        else:
            assert before_error == []
        assert line.startswith(f"Error: {words}") and why in line, line
        if words == "cannot write to this vault":
            assert line.endswith("nothing was changed")
        assert result.stdout == ""

    assert snapshot(root) == before
    assert sorted(os.listdir(root / ".vaultnet/index")) == index_files


def test_a_read_only_vault_never_indexed_answers_from_a_temporary_index(tmp_path, read_only):
    root = write_vault(tmp_path / "v", NOTES, CONFIG)
    reference = write_vault(tmp_path / "reference", NOTES, CONFIG)
    expected = answers(reference)
    before = snapshot(root)
    scratch = tmp_path / "tmp"  # where the temporary index goes (TMPDIR), checked empty after
    scratch.mkdir()
    prefix, why = read_only(root)

    for query in READS:
        result = cli(root, *query, "--json", prefix=prefix, env={"TMPDIR": str(scratch)})
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == expected[" ".join(query)]
        line = one_line(result.stderr)
        assert why in line and line.endswith("answering from a temporary index"), line

    assert list(scratch.iterdir()) == []  # removed when the command ended
    assert not (root / ".vaultnet/index").exists()
    assert snapshot(root) == before


# ---------------------------------------------------------------------- full disk

def _fails_with(monkeypatch, name: str, code: int, only=lambda *a: True) -> None:
    real = getattr(os, name)

    def failing(*args, **kwargs):
        if only(*args):
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    monkeypatch.setattr(os, name, failing)


@pytest.mark.parametrize("call, code", [("write", errno.ENOSPC), ("fsync", errno.EIO), ("replace", errno.EDQUOT)])
def test_log_on_a_full_disk_fails_cleanly_and_the_note_is_intact(vault, monkeypatch, call, code):
    run = vault(NOTES, CONFIG)
    run.ok("index")
    before = snapshot(run.root)
    _fails_with(monkeypatch, call, code)  # the operating system failing, not vaultnet
    result = run("--today", TODAY, "log", "Ada", "Tea again")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"Error: cannot write {run.root / 'People/Ada Lovelace.md'}: {os.strerror(code)}; nothing was changed"
    )
    assert snapshot(run.root) == before
    assert temp_files(run.root) == []


@pytest.mark.parametrize("call, code", [("write", errno.ENOSPC), ("fsync", errno.EIO)])
def test_add_on_a_full_disk_fails_cleanly_and_creates_nothing(vault, monkeypatch, call, code):
    run = vault(NOTES, CONFIG)
    before = snapshot(run.root)
    _fails_with(monkeypatch, call, code)
    result = run("add", "New Person", "--email", "n@example.org")
    assert result.exit_code == 1
    assert one_line(result.stderr) == f"Error: cannot create {run.root / 'People/New Person.md'}: {os.strerror(code)}"
    assert snapshot(run.root) == before
    assert temp_files(run.root) == []


def test_add_without_hard_links_on_a_full_disk_leaves_no_half_note(vault, monkeypatch):
    """A file system without hard links (FAT, some network shares) takes the exclusive-create
    path; the disk filling up in the middle of it must not leave a note cut short."""
    import builtins

    run = vault(NOTES, CONFIG)
    before = snapshot(run.root)
    _fails_with(monkeypatch, "link", errno.EPERM)
    real_open = builtins.open

    class FullDisk:  # the file gets created, then there is no room for its bytes
        def __init__(self, fh):
            self.fh = fh

        def write(self, data):
            self.fh.write(data[:3])
            self.fh.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name):
            return getattr(self.fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    def opening(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        return FullDisk(fh) if mode == "xb" else fh

    monkeypatch.setattr(builtins, "open", opening)
    result = run("add", "New Person", "--email", "n@example.org")
    monkeypatch.undo()
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"Error: cannot create {run.root / 'People/New Person.md'}: No space left on device"
    )
    assert snapshot(run.root) == before
    assert temp_files(run.root) == []
    assert sorted(h["path"] for h in run.json("search", "*")) == sorted(NOTES)


# Runs inside a private mount namespace: a small tmpfs, filled up, under a real vault.
FULL_DISK = r"""
import json, os, shutil, subprocess, sys
src, mnt, today = sys.argv[1:4]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt], check=True)
root = os.path.join(mnt, "vault")
shutil.copytree(src, root)

def run(*args):
    r = subprocess.run([sys.executable, "-m", "vaultnet", "--vault", root, "--today", today, *args],
                       capture_output=True, text=True, timeout=120)
    return {"code": r.returncode, "stdout": r.stdout, "stderr": r.stderr}

def notes():
    out = {}
    for folder, _, names in os.walk(root):
        if ".vaultnet" not in folder:
            for n in names:
                with open(os.path.join(folder, n), "rb") as fh:
                    out[os.path.relpath(os.path.join(folder, n), root)] = fh.read().hex()
    return out

report = {"index": run("index")}
report["before"] = {q: run(*q.split("|"), "--json")["stdout"] for q in ("search|zeppelins", "due|--within|30")}
path = os.path.join(root, "People", "Bob Lee.md")
with open(path, "a") as fh:
    fh.write("Now into dirigibles.\n")
st = os.stat(path)
os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
fd = os.open(os.path.join(mnt, "filler"), os.O_WRONLY | os.O_CREAT)
for size in (1 << 16, 4096, 1):
    try:
        while True:
            os.write(fd, b"\0" * size)
    except OSError as exc:
        report["filled"] = exc.strerror
os.close(fd)
report["notes"] = notes()
report["full"] = {
    "search": run("search", "zeppelins", "--json"),
    "due": run("due", "--within", "30", "--json"),
    "log": run("log", "Ada", "Tea again"),
    "add": run("add", "New Person"),
    "index": run("index"),
}
report["notes_after"] = notes()
report["temps"] = [n for n in report["notes_after"] if "vaultnet-tmp" in n]
os.unlink(os.path.join(mnt, "filler"))
report["freed"] = {"index": run("index"), "search": run("search", "dirigibles", "--json"),
                   "log": run("log", "Ada", "Tea again")}
print(json.dumps(report))
"""


def test_a_real_full_disk_keeps_the_last_index_answering_and_every_note_intact(tmp_path):
    reason = read_only_mount_unavailable()
    if reason:
        pytest.skip(reason.replace("read-only bind mount", "tmpfs mount"))
    src = write_vault(tmp_path / "v", NOTES, CONFIG)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    done = subprocess.run(["unshare", "--mount", sys.executable, "-c", FULL_DISK, str(src), str(mnt), TODAY],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["index"]["code"] == 0 and report["filled"] == "No space left on device"

    full = report["full"]
    for name, query in (("search", "search|zeppelins"), ("due", "due|--within|30")):
        assert full[name]["code"] == 0, full[name]["stderr"]
        assert json.loads(full[name]["stdout"]) == json.loads(report["before"][query])
        line = one_line(full[name]["stderr"])
        assert "No space left on device" in line and line.endswith("answering from its last state"), line
    assert full["log"]["code"] == 1
    assert full["log"]["stderr"].strip().splitlines()[-1].endswith(
        "People/Ada Lovelace.md: No space left on device; nothing was changed")
    assert full["add"]["code"] == 1
    assert full["add"]["stderr"].strip().splitlines()[-1].endswith("People/New Person.md: No space left on device")
    assert full["index"]["code"] == 1
    assert one_line(full["index"]["stderr"]).startswith("Error: cannot write the index in")
    assert "No space left on device" in full["index"]["stderr"]
    assert report["notes_after"] == report["notes"] and report["temps"] == []

    freed = report["freed"]  # room again: everything catches up
    assert freed["index"]["code"] == 0, freed["index"]["stderr"]
    assert [h["path"] for h in json.loads(freed["search"]["stdout"])] == ["People/Bob Lee.md"]
    assert freed["log"]["code"] == 0, freed["log"]["stderr"]


def test_a_full_disk_during_a_sync_keeps_the_last_index(vault, monkeypatch):
    """In-process twin of the tmpfs test (runs anywhere): the index's own writes fail."""
    import builtins
    import io

    run = vault(NOTES, CONFIG)
    run.ok("index")
    expected = answers(run.root)
    edit(run.root / "People/Bob Lee.md", "Now into dirigibles.\n")
    index_dir = str(run.root / ".vaultnet" / "index")
    real_open = io.open

    def full(file, mode="r", *args, **kwargs):  # no room for any new file in the index folder
        if any(c in mode for c in "wax+") and str(file).startswith(index_dir):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", full)
    monkeypatch.setattr(io, "open", full)
    for query in READS:
        result = run("--today", TODAY, *query, "--json")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout) == expected[" ".join(query)]
        line = one_line(result.stderr)
        assert "No space left on device" in line, line
        if query[0] == "search":  # full text needs the commit: the last one answers
            assert line.endswith("answering from its last state"), line
        else:  # the lists answer from the change (the same here), and its commit fails after
            assert line.startswith("vaultnet: the index was not written (") and \
                line.endswith("; the next command writes it"), line
    failed = run("index")
    assert failed.exit_code == 1
    assert one_line(failed.stderr) == f"Error: cannot write the index in {index_dir}: No space left on device"
    monkeypatch.undo()
    assert [h["path"] for h in run.json("search", "dirigibles")] == ["People/Bob Lee.md"]


# ---------------------------------------------------------------------- notes that change under us

def test_a_note_replaced_by_a_folder_named_like_it(vault):
    run = vault(NOTES, CONFIG)
    run.ok("index")
    note = run.root / "People/Ada Lovelace.md"
    note.unlink()
    note.mkdir()
    (note / "Old notes.md").write_text("Kept in a folder now: zeppelins.\n")
    before = snapshot(run.root)

    stale = run("--no-sync", "--today", TODAY, "log", "Ada", "Tea again")  # the index still has the note
    assert stale.exit_code == 1
    assert one_line(stale.stderr) == "Error: cannot read People/Ada Lovelace.md: Is a directory"

    data = run.json("index")
    assert (data["added"], data["removed"]) == (1, 1)
    assert [h["path"] for h in run.json("search", "kept")] == ["People/Ada Lovelace.md/Old notes.md"]
    gone = run("show", "Ada Lovelace")
    # Still linked from the meeting note: said so, with the command that makes a note again.
    assert gone.exit_code == 1 and gone.stderr.startswith("Error: 'Ada Lovelace' has no note yet; mentioned in 1 note")
    assert snapshot(run.root) == before
    assert temp_files(run.root) == []


def _vanishing(monkeypatch, root: Path, names: tuple[str, ...]) -> list[str]:
    """Delete each named note just before vaultnet opens it: the race, made to happen."""
    real_open = os.open
    gone: list[str] = []

    def racing_open(path, flags, *args, **kwargs):
        name = os.path.basename(str(path))
        if name in names and name not in gone and not flags & (os.O_WRONLY | os.O_RDWR):
            os.unlink(path)  # another program removes it between the scan and the read
            gone.append(name)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", racing_open)
    return gone


def test_notes_removed_between_scan_and_read(vault, monkeypatch):
    run = vault(NOTES, CONFIG)
    run.ok("index")
    (run.root / "New.md").write_text("Brand new, about zeppelins.\n")
    edit(run.root / "People/Bob Lee.md", "Edited.\n")
    gone = _vanishing(monkeypatch, run.root, ("New.md", "Bob Lee.md"))
    result = run("index", "--json")
    assert result.exit_code == 0, result.stderr
    assert sorted(gone) == ["Bob Lee.md", "New.md"]
    data = json.loads(result.stdout)
    assert (data["added"], data["updated"], data["removed"]) == (0, 0, 1)  # Bob went; New never came
    assert data["problems"] == []
    monkeypatch.undo()
    again = run.json("index")
    assert (again["added"], again["updated"], again["removed"], again["unchanged"]) == (0, 0, 0, 3)
    assert sorted(h["path"] for h in run.json("search", "zeppelins")) == [
        "Meetings/2026-11-01 Sync.md", "People/Ada Lovelace.md"
    ]


def test_log_to_a_note_removed_since_the_index_saw_it(vault):
    run = vault(NOTES, CONFIG)
    run.ok("index")
    (run.root / "People/Bob Lee.md").unlink()
    before = snapshot(run.root)
    result = run("--no-sync", "--today", TODAY, "log", "Bob Lee", "Call")
    assert result.exit_code == 1
    assert one_line(result.stderr) == "Error: cannot read People/Bob Lee.md: No such file or directory"
    assert snapshot(run.root) == before  # not brought back to life by the write
    assert temp_files(run.root) == []


def test_permission_denied_on_one_note(tmp_path):
    prefix = no_permission_prefix()
    if isinstance(prefix, str):
        pytest.skip(prefix)
    root = write_vault(tmp_path / "v", NOTES, CONFIG)
    Run(root).ok("index")
    ada = root / "People/Ada Lovelace.md"
    edit(ada, "Changed since.\n")
    (root / "Secret.md").write_text("Nobody may read this zeppelin.\n")
    before = snapshot(root)
    try:
        for p in (ada, root / "Secret.md"):
            os.chmod(p, 0)
        result = cli(root, "index", "--json", prefix=prefix)
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        denied = {p["path"]: p["message"] for p in data["problems"]}
        assert denied == {"People/Ada Lovelace.md": "cannot read: Permission denied; not indexed",
                          "Secret.md": "cannot read: Permission denied; not indexed"}
        assert (data["added"], data["updated"]) == (0, 0)
        # The rest answers, and the unreadable note keeps what the index knew of it.
        search = cli(root, "search", "sails", "--json", prefix=prefix)
        assert [h["path"] for h in json.loads(search.stdout)] == ["People/Bob Lee.md"]
        log = cli(root, "log", "Ada", "Tea again", prefix=prefix)
        assert log.returncode == 1
        *said, error = log.stderr.strip().splitlines()  # each sync says again what it cannot read
        assert sorted(said) == ["People/Ada Lovelace.md: cannot read: Permission denied; not indexed",
                                "Secret.md: cannot read: Permission denied; not indexed"]
        assert error == "Error: cannot read People/Ada Lovelace.md: Permission denied"
    finally:
        for p in (ada, root / "Secret.md"):
            os.chmod(p, 0o644)
    assert snapshot(root) == before
    assert temp_files(root) == []


# ---------------------------------------------------------------------- vaultnet's own folder

def test_a_file_where_the_index_folder_belongs_is_replaced(vault):
    run = vault(NOTES, CONFIG)
    index_dir = run.root / ".vaultnet/index"
    index_dir.parent.mkdir(exist_ok=True)
    index_dir.write_text("not an index")
    result = run("--today", TODAY, "search", "zeppelins", "--json")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 2
    assert index_dir.is_dir()


def test_an_index_folder_kept_elsewhere_through_a_symlink_stays_a_symlink(vault, tmp_path):
    run = vault(NOTES, CONFIG)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (run.root / ".vaultnet/index").symlink_to(elsewhere, target_is_directory=True)
    run.ok("index")
    run.ok("index", "--rebuild")
    assert (run.root / ".vaultnet/index").is_symlink()
    assert (elsewhere / "VERSION").exists()
    assert len(run.json("search", "zeppelins")) == 2


def test_add_where_the_people_folder_is_a_file(vault):
    run = vault({**NOTES, "Inbox/People": "a file, not a folder"}, config='people_dirs = ["Inbox/People"]\n')
    before = snapshot(run.root)
    result = run("add", "New Person")
    assert result.exit_code == 1
    assert one_line(result.stderr).startswith("Error: cannot create the folder Inbox/People: ")
    assert snapshot(run.root) == before


def test_a_stale_temp_file_of_a_killed_write_is_hidden_and_removed(vault):
    """What a kill between the temporary file and the rename leaves (see test_crash.py):
    never a note, never shown by a read command, gone after the next write."""
    run = vault(NOTES, CONFIG)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stray = run.root / "People" / f".Ada Lovelace.md.{int(dead.stdout)}-0badc0de.vaultnet-tmp"
    stray.write_bytes(NOTES["People/Ada Lovelace.md"].encode()[:20])
    os.utime(stray, (time.time() - 3600, time.time() - 3600))
    assert len(run.json("search", "*")) == len(NOTES)
    run.ok("--today", TODAY, "log", "Bob", "Call")
    assert not stray.exists()
    assert stat.S_ISREG((run.root / "People/Ada Lovelace.md").stat().st_mode)
