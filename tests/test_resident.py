"""A running `vaultnet watch` answers other processes' reading commands (cli/resident.py, cli/launch.py).

Everything here is real: `vaultnet watch` in its own process, the socket, the
watchdog observer, and `vaultnet` commands run as the user runs them. What
must hold: a served answer is byte for byte the answer the command gives on
its own, a note saved just before the command is in it, and whenever the watch
cannot or must not answer, the command answers itself and nothing is lost or
printed twice.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from vaultnet.cli.launch import ACCEPTED, PROTOCOL, SOCKET, parse_reply, request

from .conftest import REPO

TODAY = "2026-11-22"
WAIT = 60.0
ALONE = {"VAULTNET_NO_SERVER": "1"}


def program(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`vaultnet ARGS` as a user runs it, output piped; bytes, not text, to compare them exactly."""
    full = {k: v for k, v in os.environ.items() if k not in ("VAULTNET_NO_SERVER", "VAULTNET_TODAY",
                                                             "VAULTNET_VAULT")}
    return subprocess.run([sys.executable, "-m", "vaultnet", *args], cwd=cwd, env={**full, **(env or {})},
                          capture_output=True, timeout=120, stdin=subprocess.DEVNULL)


def served(argv: list[str], cwd: Path, env: dict | None = None):
    """(exit code, stdout, stderr) as the watch answered `argv`, or None if it did not."""
    answer = request(argv, cwd=str(cwd), env=env or {})
    if answer is None:
        return None
    code, chunks = answer
    return code, b"".join(d for fd, d in chunks if fd == 1), b"".join(d for fd, d in chunks if fd == 2)


def alone(argv: list[str], cwd: Path, env: dict | None = None):
    done = program(*argv, cwd=cwd, env={**ALONE, **(env or {})})
    return done.returncode, done.stdout, done.stderr


@contextmanager
def watching(root: Path, *extra: str, today: str = TODAY):
    """`vaultnet watch` on `root` until the block ends; yields the process once it answers."""
    proc = subprocess.Popen([sys.executable, "-m", "vaultnet", "--vault", str(root), "--today", today, "watch",
                             "--no-reports", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env={**os.environ, **ALONE})
    try:
        deadline = time.monotonic() + WAIT
        while served(["links", "--json"], root) is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                out, err = proc.communicate()
                pytest.fail(f"the watch did not start answering:\n{err.decode()}")
            time.sleep(0.05)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


@pytest.fixture
def root(tmp_path):
    shutil.copytree(REPO / "example-vault", tmp_path / "vault", ignore=shutil.ignore_patterns(".vaultnet"))
    (tmp_path / "vault" / ".vaultnet").mkdir()
    assert program("index", cwd=tmp_path / "vault", env=ALONE).returncode in (0, 1)
    return tmp_path / "vault"


READING = [
    ["due"], ["due", "--json"], ["due", "--within", "30", "--tag", "mentor"], ["ledger"], ["ledger", "--json"],
    ["news"], ["references", "--json"], ["search", "kubernetes"], ["search", "tag:mentor", "--json"],
    ["show", "Ada"], ["show", "ada lovelace", "--json"], ["backlinks", "Ada Lovelace"], ["links", "--unresolved"],
    ["who", "compilers"], ["intro", "Ada", "--json"], ["orphans"],
    # Errors are answers too: the same message, the same exit code.
    ["show", "Nobody At All"], ["show", "Ada", "--no-such-option"], ["due", "--within", "soon"],
    ["search", "kubernetes", "--today", "2026-02-30"],
]


def test_a_watch_answers_reading_commands_with_the_bytes_the_command_prints_itself(root):
    with watching(root):
        for argv in READING:
            argv = ["--today", TODAY, *argv]
            answer = served(argv, root)
            assert answer is not None, argv
            assert answer == alone(argv, root), argv
            # And through the program itself, from a folder inside the vault.
            done = program(*argv, cwd=root / "People")
            assert (done.returncode, done.stdout, done.stderr) == answer, argv


def test_the_askers_date_and_environment_are_the_answers_not_the_watchs(root):
    with watching(root, today="2020-01-01"):
        for env in ({"VAULTNET_TODAY": TODAY}, {}, {"VAULTNET_TODAY": "2026-12-24"}):
            answer = served(["due", "--json"], root, env)
            assert answer is not None
            assert answer == alone(["due", "--json"], root, env), env
        elsewhere = root.parent / "elsewhere"
        elsewhere.mkdir()
        env = {"VAULTNET_VAULT": str(root), "VAULTNET_TODAY": TODAY}
        assert served(["ledger"], elsewhere, env) == alone(["ledger"], elsewhere, env)


def test_a_note_saved_just_before_the_command_is_in_its_answer(root):
    with watching(root):
        for i in range(25):
            word = f"zebracorn{i}"
            note = root / "People" / f"Fresh Person {i}.md"
            if i % 2:  # as Obsidian and VS Code save: a temp file renamed over the note
                tmp = root / "People" / f".fresh{i}.tmp"
                tmp.write_text(f"---\ntype: person\n---\nWorks on {word}.\n", encoding="utf-8")
                os.replace(tmp, note)
            else:
                note.write_text(f"---\ntype: person\n---\nWorks on {word}.\n", encoding="utf-8")
            answer = served(["search", word, "--json"], root)
            assert answer is not None
            assert [hit["path"] for hit in json.loads(answer[1])] == [f"People/Fresh Person {i}.md"], i
        # A change inside a note, and a note removed, each right before the next command.
        ada = root / "People" / "Ada Lovelace.md"
        ada.write_bytes(ada.read_bytes() + f"\n- {TODAY} Lunch, talked about zebracornunique\n".encode())
        answer = served(["--today", TODAY, "search", "zebracornunique", "--json"], root)
        assert [hit["path"] for hit in json.loads(answer[1])] == ["People/Ada Lovelace.md"]
        (root / "People" / "Fresh Person 3.md").unlink()
        assert json.loads(served(["search", "zebracorn3", "--json"], root)[1]) == []
        # The watch's answers equal those of an index rebuilt from the files.
        mine = {tuple(a): served(["--today", TODAY, *a], root) for a in (["due", "--json"], ["ledger", "--json"])}
    assert program("index", "--rebuild", cwd=root, env=ALONE).returncode in (0, 1)
    for argv, answer in mine.items():
        assert answer == alone(["--no-sync", "--today", TODAY, *argv], root), argv


def test_commands_that_write_or_need_a_terminal_are_run_by_themselves(root):
    with watching(root):
        for argv in (["log", "Ada", "Coffee"], ["add", "Someone New"], ["index"], ["doctor"], ["watch"],
                     ["due", "--ics", "out.ics"], ["due", "--help"], ["--help"], ["--version"],
                     ["--debug", "due"], ["graph"], ["export", "vcard"]):
            assert served(argv, root) is None, argv
        # A write run while the watch runs lands once, and the next answer has it.
        done = program("--today", TODAY, "log", "Ada", "Talked about zebracornlogged", cwd=root)
        assert done.returncode == 0, done.stderr
        answer = served(["search", "zebracornlogged", "--json"], root)
        assert [hit["path"] for hit in json.loads(answer[1])] == ["People/Ada Lovelace.md"]


def test_each_vault_is_answered_by_its_own_watch_or_by_the_command(root, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(root, other, ignore=shutil.ignore_patterns(".vaultnet"))
    (other / ".vaultnet").mkdir()
    (other / "People" / "Only Here.md").write_text("---\ntype: person\n---\nzebracornother\n", encoding="utf-8")
    with watching(root), watching(other):
        for cwd, vault_opt, where in ((root, [], "vault"), (other, [], "other"),
                                      (root, ["--vault", str(other)], "other"), (other, ["--vault", "../vault"], "vault")):
            argv = [*vault_opt, "search", "zebracornother", "--json"]
            answer = served(argv, cwd)
            assert answer is not None
            assert answer == alone(argv, cwd)
            assert len(json.loads(answer[1])) == (1 if where == "other" else 0), (cwd, vault_opt)
        # Asked on its socket about another vault, a watch declines.
        reply = raw_request(root / ".vaultnet" / SOCKET, {
            "protocol": PROTOCOL, "argv": ["--vault", str(other), "due"], "cwd": str(root), "env": {},
            "today": TODAY, "streams": [["utf-8", "strict"], ["utf-8", "backslashreplace"]]})
        assert reply.startswith(ACCEPTED)
        assert json.loads(reply[1:]) == {"protocol": PROTOCOL, "answered": False, "why": "another vault"}


def test_changed_settings_are_read_by_the_command_not_answered_from_the_watchs_memory(root):
    with watching(root):
        assert served(["due"], root) is not None
        config = root / ".vaultnet" / "config.toml"
        config.write_text('people_dirs = ["Nobody"]\n', encoding="utf-8")
        assert served(["due"], root) is None
        done = program("--today", TODAY, "due", "--json", cwd=root)
        assert (done.returncode, done.stdout) == alone(["--today", TODAY, "due", "--json"], root)[:2]


def test_the_socket_is_the_owners_alone_and_gone_when_the_watch_stops(root):
    sock = root / ".vaultnet" / SOCKET
    with watching(root) as proc:
        mode = os.stat(sock).st_mode
        assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
        # A second watch on the same vault keeps the index but leaves the answering to the first.
        second = subprocess.Popen([sys.executable, "-m", "vaultnet", "--vault", str(root), "watch", "--no-reports"],
                                  stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env={**os.environ, **ALONE})
        try:
            deadline = time.monotonic() + WAIT
            line = b""
            while b"another watch answers" not in line and time.monotonic() < deadline:
                line = second.stderr.readline()
            assert b"another watch answers commands for this vault" in line
        finally:
            second.send_signal(signal.SIGTERM)
            second.communicate(timeout=WAIT)
        assert served(["due"], root) is not None  # still the first one's
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=WAIT)
    assert not sock.exists()


def test_a_watch_killed_leaves_a_socket_the_command_steps_over(root):
    sock = root / ".vaultnet" / SOCKET
    with watching(root) as proc:
        proc.kill()
        proc.wait()
    assert sock.exists()  # nobody removed it
    assert served(["due"], root) is None
    for argv in (["--today", TODAY, "due"], ["--today", TODAY, "show", "Ada", "--json"]):
        done = program(*argv, cwd=root)
        assert (done.returncode, done.stdout, done.stderr) == alone(argv, root)
    with watching(root):  # the next watch takes the place over
        assert served(["due"], root) is not None


@pytest.mark.parametrize("behaviour", ["close", "garbage", "accepted-then-close", "half", "declined",
                                       "wrong-protocol", "silent"])
def test_a_broken_listener_makes_the_command_answer_itself(root, behaviour):
    """Whatever listens at the socket (a watch dying mid-answer, a watch stopped with Ctrl-Z,
    another program), the command prints its own answer once, whole."""
    whole = alone(["--today", TODAY, "due", "--json"], root)
    real = ACCEPTED + b'{"protocol": 1, "answered": true, "code": 0, "chunks": [[1, %d]]}\n' % len(whole[1]) \
        + whole[1]
    replies = {"close": b"", "garbage": b"\x00\xffnot json\n", "accepted-then-close": ACCEPTED,
               "half": real[: len(real) // 2],
               "declined": ACCEPTED + b'{"protocol": 1, "answered": false, "why": "x"}\n',
               "wrong-protocol": real.replace(b'"protocol": 1', b'"protocol": 99', 1), "silent": None}
    with listening(root / ".vaultnet" / SOCKET, replies[behaviour]) as asked:
        done = program("--today", TODAY, "due", "--json", cwd=root)
    assert asked, "the command did ask"
    assert (done.returncode, done.stdout, done.stderr) == whole


def test_an_asker_that_sends_nothing_holds_up_nobody(root):
    with watching(root):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as idle:
            idle.connect(str(root / ".vaultnet" / SOCKET))  # and says nothing
            for argv in (["due"], ["ledger"]):
                assert served(argv, root) == alone(argv, root)


def test_vault_given_twice_is_the_commands_to_sort_out(root, tmp_path):
    """click takes the last --vault; a shell alias with one, then another typed after it."""
    other = tmp_path / "other"
    shutil.copytree(root, other, ignore=shutil.ignore_patterns(".vaultnet"))
    (other / ".vaultnet").mkdir()
    (other / "People" / "Only Here.md").write_text("---\ntype: person\n---\nzebracornother\n", encoding="utf-8")
    assert program("index", cwd=other, env=ALONE).returncode == 0
    with watching(root):
        for argv in (["--vault", str(root), "--vault", str(other), "search", "zebracornother", "--json"],
                     ["--vault", str(root), "search", "zebracornother", "--vault", str(tmp_path), "--json"]):
            assert served(argv, root) is None
            done = program(*argv, cwd=root)
            assert (done.returncode, done.stdout, done.stderr) == alone(argv, root)


def test_no_sync_reads_the_newest_commit_as_the_command_does(root):
    """--no-sync answers from the index as it is: with what another process committed."""
    with watching(root):
        assert served(["search", "zebracornlogged", "--json"], root) is not None
        done = program("--today", TODAY, "log", "Ada", "Talked about zebracornlogged", cwd=root, env=ALONE)
        assert done.returncode == 0, done.stderr
        assert program("index", cwd=root, env=ALONE).returncode == 0
        answer = served(["--no-sync", "search", "zebracornlogged", "--json"], root)
        assert answer == alone(["--no-sync", "search", "zebracornlogged", "--json"], root)
        assert [hit["path"] for hit in json.loads(answer[1])] == ["People/Ada Lovelace.md"]


def test_the_askers_own_trouble_is_told_as_the_command_tells_it(root, tmp_path):
    """A working folder removed under the command, a full disk: the same message and exit code
    as the command run alone gives."""
    with watching(root):
        script = f"mkdir gone && cd gone && rmdir ../gone && exec {sys.executable} -m vaultnet --vault {root} due"
        both = [subprocess.run(["sh", "-c", script], cwd=tmp_path, env={**os.environ, **env}, capture_output=True)
                for env in ({}, ALONE)]
        assert [(d.returncode, d.stdout, d.stderr) for d in both][0] == [(d.returncode, d.stdout, d.stderr)
                                                                         for d in both][1]
        if os.path.exists("/dev/full"):
            full = [subprocess.run(["sh", "-c", f"exec {sys.executable} -m vaultnet --today {TODAY} due >/dev/full"],
                                   cwd=root, env={**os.environ, **env}, capture_output=True) for env in ({}, ALONE)]
            assert full[0].returncode == full[1].returncode == 1
            assert full[0].stderr == full[1].stderr == b"Error: No space left on device\n"


def test_answers_scan_first_where_file_events_may_miss_changes(tmp_path):
    from vaultnet.cli.resident import events_complete

    assert events_complete(tmp_path) is (Path("/proc/self/mountinfo").exists()
                                         and _fstype(tmp_path) in ("ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs",
                                                                   "zfs", "f2fs", "overlay"))
    assert events_complete(Path("/proc")) is False  # no local disk: its files change unseen
    assert events_complete(Path("/sys/kernel")) is False


def _fstype(path: Path) -> str:
    done = subprocess.run(["findmnt", "-n", "-o", "FSTYPE", "--target", str(path)], capture_output=True, text=True)
    return done.stdout.strip()


def test_no_part_of_an_answer_is_taken_for_the_whole():
    """The watch killed mid-answer leaves the asker a prefix: it runs the command instead of
    printing what it has."""
    body = b"x" * 50 + b"\xe2\x82\xac" + b"y" * 20
    reply = b'{"protocol": 1, "answered": true, "code": 3, "chunks": [[2, 5], [1, %d]]}\n' % (len(body) - 5) + body
    assert parse_reply(reply) == (3, [(2, body[:5]), (1, body[5:])])
    assert all(parse_reply(reply[:n]) is None for n in range(len(reply)))
    assert parse_reply(reply + b"more") is None


@contextmanager
def listening(path: Path, reply: bytes):
    """A listener at `path` that reads one request and answers `reply`; yields the requests it got."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    asked: list[bytes] = []

    def serve() -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            asked.append(conn.recv(1 << 20))
            if reply is None:  # says nothing and keeps the line open, as a stopped watch does
                time.sleep(10)
            elif reply:
                conn.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield asked
    finally:
        server.close()
        thread.join(timeout=10)
        path.unlink(missing_ok=True)


def raw_request(path: Path, body: dict) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(str(path))
        conn.sendall(json.dumps(body).encode() + b"\n")
        conn.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
        return data


def test_events_the_os_dropped_are_made_up_for_by_a_scan_before_the_next_answer(root, tmp_path):
    """A change made through a hard link outside the vault fires no event in it: the watch cannot
    know of it, as when the OS drops events. When watchdog says the OS dropped events (inotify's
    queue overflowed; its own warning, the one sign there is), the next answer scans the vault."""
    import datetime as dt
    import logging

    from vaultnet.cli import cli  # noqa: F401  (the commands, as `vaultnet watch` has them)
    from vaultnet.cli.resident import ResidentServer
    from vaultnet.index import NoteIndex
    from vaultnet.vault.folder import Vault
    from vaultnet.watch.watcher import OVERFLOW_LOGGER, Watcher

    outside = tmp_path / "outside"
    outside.mkdir()
    os.link(root / "People" / "Ada Lovelace.md", outside / "ada.md")
    index = NoteIndex(Vault(root.resolve()))
    guard = threading.Lock()
    ready, stop = threading.Event(), threading.Event()
    watcher = Watcher(index, lambda: dt.date(2026, 11, 22), lambda batch: None, reports=False, guard=guard,
                      reconcile_every=3600)
    thread = threading.Thread(target=watcher.run, args=(stop, lambda batch: ready.set()), daemon=True)
    thread.start()
    server = ResidentServer(index, watcher, guard, lambda message: None)
    try:
        assert ready.wait(WAIT) and server.start()

        def hits() -> list[str]:
            reply = server.answer({"protocol": PROTOCOL, "argv": ["search", "zebracornlost", "--json"],
                                   "cwd": str(root), "env": {}, "today": TODAY,
                                   "streams": [["utf-8", "strict"], ["utf-8", "backslashreplace"]]})
            code, chunks = parse_reply(reply)
            assert code == 0
            return [hit["path"] for hit in json.loads(b"".join(d for fd, d in chunks if fd == 1))]

        with open(outside / "ada.md", "a", encoding="utf-8") as fh:
            fh.write(f"\n- {TODAY} Call about zebracornlost\n")
        assert hits() == []  # no event came: nothing could tell the watch
        logging.getLogger(OVERFLOW_LOGGER).warning("Inotify queue overflowed; filesystem events were lost")
        assert hits() == ["People/Ada Lovelace.md"]
    finally:
        stop.set()
        watcher.dirty.arrived.set()
        thread.join(timeout=WAIT)
        server.stop()
        index.close()


def test_news_references_and_the_ledger_kept_by_a_watch_follow_a_save(root):
    """A watch keeps the news, references and ledger it answered until the index's state changes:
    asked again they come from memory, and a save that adds a #news, #noticed or #gave line is in
    the next answer."""
    asks = [["--today", TODAY, "news", "--json"], ["--today", TODAY, "references", "--json"],
            ["--today", TODAY, "ledger", "--json"]]
    with watching(root):
        before = [served(argv, root) for argv in asks]
        assert [served(argv, root) for argv in asks] == before  # the kept answers
        note = root / "People" / "Alex Kim.md"
        with note.open("a", encoding="utf-8") as fh:
            fh.write("\n- 2026-11-20 Alex launched zebracorn analytics #news\n"
                     "- 2026-11-21 Alex praised my zebracorn talk #noticed\n"
                     "- 2026-11-21 Sent Alex the zebracorn benchmarks #gave\n")
        after = [served(argv, root) for argv in asks]
        assert after == [alone(argv, root) for argv in asks]
        for (code, out, _), old in zip(after, before):
            assert code == 0 and out != old[1]
        assert all(b"zebracorn" in out for _, out, _ in after[:2])


def test_a_due_table_a_watch_kept_after_a_save_answers_the_command_run_once_it_has_stopped(root, tmp_path):
    """The watch keeps the due table it answered from beside the index, stamped with its own
    last commit; once it stops, the command alone reads that table, and it is a rebuild's."""
    from vaultnet.index.manifest import IndexFolder
    from vaultnet.vault.folder import Vault

    vault = Vault(root)
    folder = IndexFolder(vault.index_dir, vault.state_dir / "index.lock")
    ask = ["--today", TODAY, "due", "--within", "60", "--json"]
    with watching(root):
        with (root / "People" / "Alex Kim.md").open("a", encoding="utf-8") as fh:
            fh.write("\n- 2026-11-20 Coffee with Alex\n")
        deadline = time.monotonic() + WAIT
        while True:  # until the watch has committed the save and answered from that commit
            watched = served(ask, root)
            kept = folder.read_kept("due")
            if watched and b"2026-11-20" in watched[1] and kept \
                    and kept["commit"] == (folder.read_manifest() or {}).get("commit"):
                break
            assert time.monotonic() < deadline, "the watch kept no due table of its last commit"
            time.sleep(0.05)
    kept_file = folder.path / "kept-due"
    before = kept_file.stat()
    code, out, err = alone(ask, root)
    assert (code, out, err) == (0, watched[1], b"")
    after = kept_file.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # read, not made again
    fresh = tmp_path / "rebuilt"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("index"))
    assert program("index", "--rebuild", cwd=fresh, env=ALONE).returncode in (0, 1)
    assert alone(ask, fresh)[1] == out
