"""Fixtures: tiny real vaults on disk, and the CLI run against them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaultnet.cli import cli

REPO = Path(__file__).resolve().parents[1]


def write_vault(root: Path, files: dict[str, str | bytes], config: str | None = None) -> Path:
    """Write `files` (vault-relative path -> content) under root, with a .vaultnet/ folder."""
    (root / ".vaultnet").mkdir(parents=True, exist_ok=True)
    if config is not None:
        (root / ".vaultnet" / "config.toml").write_text(config, encoding="utf-8")
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


class Run:
    """Runs the CLI in-process against one vault; `.json(...)` parses stdout."""

    def __init__(self, root: Path):
        self.root = root
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict | None = None):
        return self.runner.invoke(cli, ["--vault", str(self.root), *args], env=env, catch_exceptions=False)

    def ok(self, *args: str, env: dict | None = None):
        result = self(*args, env=env)
        assert result.exit_code == 0, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        return result

    def json(self, *args: str):
        return json.loads(self.ok(*args, "--json").stdout)


@pytest.fixture
def vault(tmp_path):
    """A factory: vault({path: text}, config=...) -> Run."""

    def make(files: dict[str, str | bytes], config: str | None = None) -> Run:
        return Run(write_vault(tmp_path / "vault", files, config))

    return make


def run_subprocess(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120):
    """The real program in its own process, as a user runs it."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "vaultnet", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout,
    )


# ---------------------------------------------------------------------- --slow

def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", default=False,
                     help="also run the longer variants (tests marked `slow`)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="a longer variant: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


# ---------------------------------------------------------------------- indexes written behind

def vaultnet_processes() -> list[tuple[int, bytes, list[bytes]]]:
    """(pid, command line, the /proc stat fields after the name: state, ppid, pgrp, session, ...)
    of every live process whose command line names vaultnet (Linux; elsewhere none)."""
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read()
            if b"vaultnet" not in cmdline:
                continue
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if fields[0] != b"Z":
            found.append((int(entry), cmdline, fields))
    return found


def _detached_writers() -> list[int]:
    """vaultnet processes that lead a session of their own: the writers `write_behind` forks
    (cli/base.py: they call setsid), wherever their vault is (a module's shared one, too). Not a
    child of this process: a server a test started in a session of its own (the MCP tests do) is
    its fixture's to end."""
    return [pid for pid, _, fields in vaultnet_processes() if int(fields[3]) == pid and int(fields[1]) != os.getpid()]


@pytest.fixture(autouse=True)
def _index_written_behind_ends_with_its_test(request):
    """A reading command leaves a process writing the index after its answer (cli/base.py
    `write_behind`): on a vault with no index, or after notes changed. Each test waits for
    those it left, so none runs on into the next test's time (the CPU-time checks of the
    fuzz tests, on two cores, feel a writer beside them)."""
    yield
    tmp = request.node.funcargs.get("tmp_path")
    if tmp is not None:
        from vaultnet.vault.locks import wait_for_lock

        for lock_path in Path(tmp).glob("**/.vaultnet/index.lock"):
            try:
                lock = wait_for_lock(lock_path, timeout=120, poll=0.05)  # a bound on waiting, not a speed
            except OSError:  # a read-only vault of the test's: nobody writes an index there
                continue
            if lock is not None:
                lock.release()
    deadline = time.monotonic() + 120  # a bound on waiting, not a speed
    while _detached_writers() and time.monotonic() < deadline:
        time.sleep(0.05)
