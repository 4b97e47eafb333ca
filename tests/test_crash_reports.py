"""Crash safety of `report`: the seven report notes, four rewritten and three new, SIGKILLed
at each change to the file system and after seeded delays (see test_crash.py for how).

After each kill every report note is byte-identical to before or to the finished result,
never cut short, and nothing but vaultnet's hidden temporary files is left; running
`report` again removes those and gives the bytes of an uninterrupted run.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import Run
from .test_crash import kill_points, network
from .test_crash_capture import kill_after_delays
from .test_crash_contacts import MultiWriteScenario, kill_at

REPORTS = ["Birthdays.md", "Follow-ups.md", "Ledger.md", "Network.md", "News.md", "References.md", "Unresolved.md"]
NEW_REPORTS = ("News.md", "References.md", "Birthdays.md")  # what an older vaultnet did not write


def moments_vault() -> dict[str, str]:
    """The crash tests' network with something for every report: birthdays, news, praise."""
    files = network()
    for i, birthday in ((2, "1985-11-30"), (4, "--12-05"), (6, "1990-11-20")):
        files[f"People/Person {i}.md"] = files[f"People/Person {i}.md"].replace(
            "type: person\n", f"type: person\nbirthday: {birthday}\n")
    files["People/Person 8.md"] += "- 2026-11-12 Promoted to CTO at [[Acme]] #news\n"
    files["People/Person 9.md"] += "- 2026-10-08 Shared my write-up with her team #noticed\n"
    files["People/Ada Lovelace.md"] = files["People/Ada Lovelace.md"].replace(
        "cadence: 2w\n", "cadence: 2w\nreference: the zeppelin project\n") + "- 2026-11-02 Quoted my talk #noticed\n"
    return files


def reported_last_month(root: Path) -> None:
    """The report folder as an older vaultnet left it a month ago: four notes, now out of date
    (a month on, and a dinner since that moves the ledger and names someone new)."""
    Run(root).ok("--today", "2026-10-22", "report")
    for name in NEW_REPORTS:
        (root / "vaultnet" / name).unlink()
    with open(root / "People/Person 10.md", "a", encoding="utf-8") as fh:
        fh.write("- 2026-11-15 Dinner with [[Nobody New]] #got\n")


def scenario(tmp_path) -> MultiWriteScenario:
    return MultiWriteScenario(tmp_path, ("report",), files=moments_vault(), inputs={}, setup=reported_last_month)


def test_the_scenario_rewrites_four_reports_and_writes_three(tmp_path):
    s = scenario(tmp_path)
    assert sorted(s.changed) == [f"vaultnet/{name}" for name in REPORTS]
    assert sorted(p for p in s.before if p.startswith("vaultnet/")) == [
        f"vaultnet/{name}" for name in REPORTS if name not in NEW_REPORTS]
    assert b"Promoted to CTO" in s.after["vaultnet/News.md"]
    assert b"Quoted my talk" in s.after["vaultnet/References.md"]
    assert s.after["vaultnet/Birthdays.md"].count(b"\n- 2026-") == 3


def test_report_killed_at_a_file_system_change_loses_nothing_and_a_rerun_finishes(tmp_path):
    s = scenario(tmp_path)
    assert kill_at(s, kill_points(s.ops, random.Random(31), structural=6, writes=1)) >= 6


@pytest.mark.slow
def test_report_killed_at_every_file_system_change_loses_nothing(tmp_path):
    s = scenario(tmp_path)
    assert kill_at(s, list(range(1, len(s.ops) + 1))) == len(s.ops)


def test_report_killed_after_a_seeded_delay_loses_nothing(tmp_path):
    kill_after_delays(scenario(tmp_path), [51, 52], runs=1)


@pytest.mark.slow
def test_report_killed_after_many_seeded_delays_loses_nothing(tmp_path):
    kill_after_delays(scenario(tmp_path), list(range(500, 530)), runs=3)


def test_regression_a_temp_file_a_killed_report_left_is_removed_by_the_next_report(vault):
    """`report` took no write lock, so it never removed the temporary file a killed `report` (or
    `watch`) left in the report folder: in a vault only `watch` writes to, it stayed for good."""
    run = vault({"People/Bo.md": "---\ncadence: 1w\n---\n"}, config='people_dirs = ["People"]\n')
    run.ok("--today", "2026-11-01", "report")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = run.root / "vaultnet" / f".Follow-ups.md.{int(dead.stdout)}-0badc0de.vaultnet-tmp"
    live = run.root / "vaultnet" / f".News.md.{os.getpid()}-feedf00d.vaultnet-tmp"  # a write going on
    for p in (stale, live):
        p.write_bytes(b"# Follow-ups\n\nhalf a rep")
        os.utime(p, (time.time() - 3600, time.time() - 3600))
    run.ok("--today", "2026-11-22", "report")
    assert not stale.exists()
    assert live.exists()
    assert (run.root / "vaultnet/Follow-ups.md").read_text().count("Bo") == 1
