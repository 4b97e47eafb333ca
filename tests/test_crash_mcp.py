"""Crash safety of the MCP server's write tools (`log`, `add`, `done`, `snooze`): the real
`vaultnet mcp`, driven by the SDK's client, SIGKILLed at its changes to the file system
(the harness of test_crash.py, around the server's own process).

A session initializes, makes one write call, and reads the note back with `show`, whose
catch-up indexes the write (or the watcher thread does it first). A session that only
initializes gives the start-up (the server's index sync, its answer to `initialize`); the
kill points are the changes after it, to the end of the session: the note's write, the
answers on stdout, the index sync, the watcher stopping. Two threads write, so the last
few changes may come in another order in another run.

After each kill:

- every note is byte-identical to before or to the finished result (the same command's
  on a fresh copy, which the uninterrupted tool call matches), never cut short, and as
  finished whenever the tool had answered; the only leftover may be vaultnet's hidden
  temporary file beside the note;
- the index answers as a fresh `index --rebuild` of the notes once the first user of it
  has repaired it: a command (`index`, or a query), or a new server's start-up (an
  assistant starts the server again);
- the call again, on that new server or as the command, gives the bytes of an
  uninterrupted run, and the temporary file is gone by then; when the note had been
  written, `add` and `done` refuse, `snooze` writes the same bytes, and `log` is not
  called again (a second call is a second line).

Fast: four points per tool, two in the note's write (one between the temporary file and
its rename) and two after it, one of them followed by a new server (a server takes about
a second of CPU to start, most of it importing the SDK). `--slow`: every change but plain
writes, plus 25 of those, every other one followed by a new server.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import time
from pathlib import Path

import pytest

pytest.importorskip("mcp")

from mcp import MCPError
from mcp.types import CONNECTION_CLOSED

from .conftest import Run, write_vault
from .test_crash import (
    ADD_ARGS,
    CRASH_BOOT,
    DONE_ARGS,
    LOG_ARGS,
    REFUSED_AGAIN,
    SNOOZE_ARGS,
    STRAY_IN_INDEX,
    TODAY,
    WriteScenario,
    answers,
    assert_recovers,
    copy_vault,
    first_command,
    kill_points,
    network,
    note_bytes,
)
from .test_crash_contacts import differences
from .test_mcp import Server

CONFIG = 'people_dirs = ["People"]\n'
# tool: (its arguments, the command that does the same, whom to `show` after it)
TOOLS = {
    "log": ({"name": "Person 3", "text": "Crash-tested coffee", "gave": True}, LOG_ARGS, "Person 3"),
    "add": ({"name": "Zed Crash", "company": "[[Acme]]", "tag": ["mentor"], "email": ["zed@example.org"]},
            ADD_ARGS, "Zed Crash"),
    "done": ({"name": "Person 1"}, DONE_ARGS, "Person 1"),  # the task in Meetings/2026-01-01 Meeting 0.md
    "snooze": ({"name": "Person 5", "when": "3w"}, SNOOZE_ARGS, "Person 5"),
}
FD = re.compile(r"^open \d+$")  # the SDK opens its private copy of stdout; the number varies


def session(root: Path, calls: list[tuple[str, dict]], at: int) -> tuple[bool, int, list[str]]:
    """One session of the server under the harness, killed before its change `at` (0: never):
    initialize, then `calls`. Returns whether it was killed, how many calls it answered, and
    the changes it made if it was not killed."""
    log = root.parent / f"{root.name}.ops"
    log.unlink(missing_ok=True)
    err = root.parent / f"{root.name}.err"
    # The harness writes the list of changes when the process ends by itself, never after a kill.
    server = Server(root, err, boot=CRASH_BOOT, env={"VAULTNET_CRASH_AT": str(at), "VAULTNET_CRASH_LOG": str(log)})
    answered = 0
    try:
        for tool, arguments in calls:
            result = server.call(tool, arguments)
            assert not result.is_error, (tool, result.content[0].text)
            answered += 1
    except MCPError as exc:  # the server died under the call
        assert exc.code == CONNECTION_CLOSED, exc
    finally:
        server.close()
    assert "Traceback" not in err.read_text(encoding="utf-8"), err.read_text(encoding="utf-8")
    if not log.exists():
        return True, answered, []
    return False, answered, log.read_text().splitlines()


def start_up(init_ops: list[str], ops: list[str]) -> int:
    """How many of a write session's changes are the start-up: those it shares, in order,
    with a session that only initializes."""
    n = 0
    while n < min(len(init_ops), len(ops)) and (init_ops[n] == ops[n] or FD.match(init_ops[n]) and FD.match(ops[n])):
        n += 1
    return n


class ToolScenario(WriteScenario):
    """An indexed vault, one write tool, the notes' bytes before and after it, and the changes
    to the file system of a session that makes the call."""

    def __init__(self, tmp_path: Path, template: Path, init_ops: list[str], tool: str):
        self.tmp = tmp_path
        self.template = template
        self.copies = 0
        self.tool = tool
        self.arguments, self.args, self.show = TOOLS[tool]
        self.before = note_bytes(template)
        by_command = self.copy()
        Run(by_command).ok("--today", TODAY, *self.args)
        self.after = note_bytes(by_command)
        changed = {p for p in set(self.before) | set(self.after) if self.before.get(p) != self.after.get(p)}
        assert len(changed) == 1, changed
        self.target = changed.pop()
        counted = self.copy()
        killed, _, self.ops = session(counted, self.calls(), 0)
        assert not killed
        assert note_bytes(counted) == self.after, "the tool does not write what the command writes"
        self.start = start_up(init_ops, self.ops)
        # The note's own changes: to the fsync of its folder after the temporary file is renamed
        # (or, for a new note, linked and unlinked).
        temp = [i for i, op in enumerate(self.ops, 1) if op.endswith(".vaultnet-tmp")]
        self.temp_open, self.temp_gone = temp[0], temp[-1]
        assert self.ops[self.temp_gone] == "fsync", self.ops[self.temp_gone - 3:self.temp_gone + 2]
        self.note_end = self.temp_gone + 1
        assert self.ops[self.start] == "mkdir .vaultnet", "the first change after the start-up is not the write's"
        assert any(op == "open index.lock" for op in self.ops[self.note_end:]), "the session never indexes the note"
        self._answers: dict[str, dict] = {}

    def calls(self) -> list[tuple[str, dict]]:
        return [(self.tool, self.arguments), ("show", {"name": self.show})]

    def landed(self, root: Path) -> bool:
        return note_bytes(root).get(self.target) == self.after[self.target]

    def fresh_answers(self, notes: dict[str, bytes]) -> dict:
        """What a fresh `index --rebuild` of these notes answers."""
        key = "after" if notes == self.after else "before"
        if key not in self._answers:
            fresh = write_vault(self.tmp / f"fresh-{key}", notes, config=CONFIG)
            Run(fresh).ok("index", "--rebuild")
            self._answers[key] = answers(fresh)
        return self._answers[key]

    def points(self, rng: random.Random, every: bool) -> list[int]:
        """Kill points after the start-up: in the note's write, and in the rest of the session
        (answers, index sync, shutdown). Fast: two in the write, one of them leaving the
        temporary file behind, and two after it. Every: every change of the write, and of the rest all but plain writes,
        plus 25 of those."""
        write = range(self.start + 1, self.note_end + 1)
        rest = (self.note_end + 1, len(self.ops))
        if every:
            return sorted(set(write) | set(kill_points(self.ops, rng, None, 25, window=rest)))
        leaves_temp = rng.choice(range(self.temp_open + 1, self.temp_gone + 1))
        other = rng.choice([i for i in write if i != leaves_temp])
        return sorted({leaves_temp, other, *kill_points(self.ops, rng, 1, 1, window=rest)})

    def again(self, root: Path, temps: list[Path], what: str) -> None:
        """A new server: the call again finishes the job, or is refused, or (snooze) changes
        nothing; the temporary file the kill left is gone; every note is as after an
        uninterrupted call. A landed `log` is not called again; the server only shows the note."""
        for p in temps:  # the killed process is gone; make the files as old as a real leftover
            os.utime(p, (time.time() - 3600, time.time() - 3600))
        landed = self.landed(root)
        server = Server(root, root.parent / f"{root.name}.again.err")
        try:
            if not landed or self.tool == "snooze":
                server.data(self.tool, self.arguments)
            elif self.tool in REFUSED_AGAIN:
                refused = server.error(self.tool, self.arguments)
                assert REFUSED_AGAIN[self.tool] in refused, (what, refused)
            assert server.data("show", {"name": self.show})["path"] == f"People/{self.show}.md"
        finally:
            server.close()
        said = server.stderr_path.read_text(encoding="utf-8")
        assert "Traceback" not in said, (what, said)
        now = note_bytes(root)
        assert now == self.after, f"{what}: the call again did not give the uninterrupted result: " \
                                  + differences(now, self.after)


def assert_index_as_fresh(root: Path, expected: dict, what: str) -> None:
    """With nothing more to repair: every answer is a fresh index's, no leftovers in the index folder."""
    got = answers(root)  # each query must say nothing on stderr: the index is current and sound
    for key, answer in expected.items():
        assert got[key] == answer, f"{what}: `{key}` differs from a fresh index"
    strays = [n for n in os.listdir(root / ".vaultnet" / "index") if STRAY_IN_INDEX.match(n)]
    assert strays == [], f"{what}: left in the index folder: {strays}"


def kill_at(s: ToolScenario, points: list[int], on_server) -> dict[str, int]:
    """Kill the server before each of `points`; check the notes, the index, and the call again:
    made on a new server for the `k`th point when `on_server(k)`, else as the command."""
    seen = {"killed": 0, "temp left": 0, "landed": 0}
    for k, at in enumerate(points):
        root = s.copy()
        killed, answered, _ = session(root, s.calls(), at)
        what = f"{s.tool} over MCP, killed before change {at}/{len(s.ops)} ({s.ops[at - 1]} in the counted run)"
        assert killed or at > len(s.ops) - 4, f"{what}: the server was not killed"
        temps = s.check(root, what)
        landed = s.landed(root)
        assert landed or not answered, f"{what}: the tool said it wrote, and the note is as before"
        seen["killed"] += killed
        seen["temp left"] += bool(temps)
        seen["landed"] += landed
        if not on_server(k):  # a command comes first and finds any damage; the command again finishes
            assert_recovers(root, s.fresh_answers(s.after if landed else s.before), first_command(k // 2), what)
            s.finish(root, temps, what)
        else:  # the assistant starts a new server: its start-up finds the damage; the call again finishes
            s.again(root, temps, what)
            assert_index_as_fresh(root, s.fresh_answers(s.after), what)
        shutil.rmtree(root)
    return seen


@pytest.fixture(scope="module")
def served_vault(tmp_path_factory):
    """The crash tests' network, indexed, and the changes of a session that only initializes."""
    tmp = tmp_path_factory.mktemp("crash-mcp")
    template = write_vault(tmp / "template", network(), config=CONFIG)
    Run(template).ok("index")
    killed, _, init_ops = session(copy_vault(template, tmp / "init"), [], 0)
    assert not killed
    return template, init_ops


# Whoosh leaves a file handle open when it fails to read a damaged TOC; that leak is its own.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.mark.parametrize("tool", list(TOOLS))
def test_write_tool_killed_at_a_file_system_change_loses_nothing_and_a_call_again_finishes(
        tmp_path, served_vault, tool):
    s = ToolScenario(tmp_path, *served_vault, tool)
    # A server starts in about a second of CPU, most of it importing the SDK: one call again per
    # tool is made on a new server (a different kill point for each tool), the others as the command.
    seen = kill_at(s, s.points(random.Random(61), every=False), on_server=lambda k: k == list(TOOLS).index(tool))
    assert seen["killed"] == 4
    assert seen["temp left"] >= 1 and 2 <= seen["landed"] < 4, seen


@pytest.mark.slow
@pytest.mark.parametrize("tool", list(TOOLS))
def test_write_tool_killed_at_every_file_system_change_loses_nothing(tmp_path, served_vault, tool):
    s = ToolScenario(tmp_path, *served_vault, tool)
    points = s.points(random.Random(62), every=True)
    seen = kill_at(s, points, on_server=lambda k: k % 2 == 1)
    assert seen["killed"] >= len(points) - 4, seen
