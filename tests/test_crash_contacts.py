"""Crash safety of the commands that write many notes: `import` and `merge`, SIGKILLed at
every change they make to the file system (see test_crash.py for how the kill works).

After each kill every note is byte-identical to before or to the finished result, never
cut short, and nothing but vaultnet's hidden temporary files is left; running the same
command again finishes the job, with the same bytes as an uninterrupted run.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from .conftest import Run, write_vault
from .test_crash import (
    TEMP_NOTE,
    TODAY,
    copy_vault,
    count_changes,
    crash_run,
    kill_points,
    network,
    note_bytes,
)

CSV = ("\ufeffNotes:\nsome text\n\nFirst Name,Last Name,Email Address,Company,Connected On\n"
       + "".join(f"Person,{i},p{i}@example.org,Acme,0{i % 9 + 1} Mar 2023\n" for i in range(0, 12, 3))
       + "".join(f"New,Friend {i},new{i}@example.org,Initech,1{i} Jan 2024\n" for i in range(6)))


class MultiWriteScenario:
    """Copies of one indexed vault, one command that writes many notes, and the notes' bytes
    before it and after an uninterrupted run. `inputs` are files beside the vault (the
    command's arguments name them as {tmp}/NAME); `setup` runs on the vault before it is indexed."""

    def __init__(self, tmp_path: Path, args: tuple[str, ...], files: dict[str, str] | None = None,
                 config: str = 'people_dirs = ["People"]\n', inputs: dict[str, bytes] | None = None,
                 setup=None):
        self.tmp = tmp_path
        self.copies = 0
        self.template = write_vault(tmp_path / "template", network() if files is None else files, config=config)
        for name, data in ({"Connections.csv": CSV.encode()} if inputs is None else inputs).items():
            (tmp_path / name).write_bytes(data)
        self.args = tuple(a.replace("{tmp}", str(tmp_path)) for a in args)
        if setup is not None:
            setup(self.template)
        Run(self.template).ok("index")
        self.before = note_bytes(self.template)
        finished = self.copy()
        self.ops = count_changes(finished, self.args)
        self.after = note_bytes(finished)
        self.changed = {p for p in set(self.before) | set(self.after) if self.before.get(p) != self.after.get(p)}
        assert len(self.changed) > 2, self.changed

    def copy(self) -> Path:
        self.copies += 1
        return copy_vault(self.template, self.tmp / f"copy{self.copies}")

    def check(self, root: Path, what: str) -> list[Path]:
        """Every note as before or as after, nothing cut short; returns the leftover temp files."""
        now = note_bytes(root)
        temps = []
        for path in set(now) - set(self.before) - set(self.after):
            assert TEMP_NOTE.match(Path(path).name), f"{what}: unexpected file {path}"
            temps.append(root / path)
        for path in set(self.before) | set(self.after):
            got = now.get(path)
            assert got in (self.before.get(path), self.after.get(path)), (
                f"{what}: {path} is neither as before nor complete ({None if got is None else len(got)} bytes)")
        return temps

    def finish(self, root: Path, what: str, temps: list[Path] = ()) -> None:
        """Running the command again removes the killed run's temporary files and gives the
        bytes of an uninterrupted run."""
        for p in temps:  # the killed process is gone; make the files as old as a real leftover
            os.utime(p, (time.time() - 3600, time.time() - 3600))
        Run(root).ok("--today", TODAY, *self.args)
        assert [p for p in temps if p.exists()] == [], f"{what}: stale temp files were not removed"
        now = note_bytes(root)
        assert now == self.after, f"{what}: running it again did not give the uninterrupted result: " \
                                  + differences(now, self.after)


def differences(now: dict[str, bytes], wanted: dict[str, bytes]) -> str:
    """Which notes differ from `wanted`, and by which lines (a line twice, a line missing)."""
    said = []
    for path in sorted(set(now) | set(wanted)):
        got, want = now.get(path), wanted.get(path)
        if got == want:
            continue
        if got is None or want is None:
            said.append(f"{path} {'is missing' if got is None else 'should not be there'}")
            continue
        got_lines = Counter(got.decode("utf-8", "replace").splitlines())
        want_lines = Counter(want.decode("utf-8", "replace").splitlines())
        extra, missing = got_lines - want_lines, want_lines - got_lines
        said.append(f"{path} has {sorted(extra.elements())[:5]} too many, {sorted(missing.elements())[:5]} missing")
    return "; ".join(said)


def kill_at(scenario: MultiWriteScenario, points: list[int]) -> int:
    """Kill the command before each of `points`; check, then finish by running it again."""
    for at in points:
        root = scenario.copy()
        done = crash_run(root, scenario.args, at)
        what = f"{' '.join(scenario.args[:2])}, killed before change {at}/{len(scenario.ops)} ({scenario.ops[at - 1]})"
        assert done.returncode == -signal.SIGKILL, f"{what}: not killed ({done.returncode}): {done.stderr}"
        scenario.finish(root, what, scenario.check(root, what))
        shutil.rmtree(root)
    return len(points)


IMPORT = ("import", "linkedin", "{tmp}/Connections.csv")
MERGE = ("merge", "Person 3", "Person 4")


@pytest.mark.parametrize("args", [IMPORT, MERGE], ids=["import", "merge"])
def test_killed_at_a_file_system_change_loses_nothing_and_a_rerun_finishes(tmp_path, args):
    scenario = MultiWriteScenario(tmp_path, args)
    structural = [i for i, op in enumerate(scenario.ops, 1) if op != "write"]
    assert kill_at(scenario, sorted(random.Random(11).sample(structural, min(12, len(structural))))) >= 12


@pytest.mark.slow
@pytest.mark.parametrize("args", [IMPORT, MERGE], ids=["import", "merge"])
def test_killed_at_every_file_system_change_loses_nothing(tmp_path, args):
    scenario = MultiWriteScenario(tmp_path, args)
    points = kill_points(scenario.ops, random.Random(12), None, writes=10)
    assert kill_at(scenario, points) >= len([op for op in scenario.ops if op != "write"])
