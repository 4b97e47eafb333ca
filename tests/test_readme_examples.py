"""The README's examples are real: every `$ vaultnet ...` block, run again, prints what it shows.

Which blocks: every fenced block in README.md with a line that starts with `$ vaultnet` (or
`$ VAR=value vaultnet`). Each `$ ` line is a command; the lines under it, up to the next `$ `
line or the end of the block, are what it prints (blank lines at the end of that stretch are
the gap between commands).

Where they run: each block on its own copy of `example-vault/` (copied without the index and
the lock files), in the working directory of the copy, through the real CLI (click's CliRunner,
in process). `--vault example-vault` and no `--vault` both mean the copy, and so does a path
argument starting `example-vault/`. The copy is indexed before the block runs, as the reader's
vault is; a block whose first command is `index` shows a first indexing and starts without an
index. The commands of a block share the copy, in order, so a write is seen by the commands
after it; a block right after the line
`<!-- README check: this block runs on the vault as the block above left it -->` (invisible on
the rendered page) goes on in the copy of the block before it. A command with no `--today`
runs on Sunday 22 November 2026 (VAULTNET_TODAY), the example vault's today.

What the README shows: what a terminal shows, stdout and stderr interleaved as the command
wrote them (counts, problems, `wrote ...` and `Error: ...` are stderr). Piped into `head -N`,
only stdout goes down the pipe: the block shows its first N lines, then what went to stderr.
The exit status is not shown and not checked; an `Error:` line is. Besides `vaultnet`, a block
may `cat FILE` (a file of the copy), pipe a command into `head -N`, and chain two with `&&`.

What is normalized, on both sides: trailing spaces, and timings (`(0.31s)`, `0.08s`). Nothing
else: names, dates, counts, paths and column widths must be what the command prints today.

Abridged output: a line that is only `...` (indented or not) stands for any number of lines
left out there, none included. It is the only way a block may show less than is printed.

Not run (SKIPPED below, each with its reason): commands that need something outside the vault
or the project (a shell's `~`, `jq`), open an editor, or run until stopped (`watch`). Run but
expected to differ (KNOWN_BUGS, each with the bug): commands whose output today is wrong; the
README keeps the right output, and the test fails once they print it, so the entry goes.
"""

from __future__ import annotations

import difflib
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaultnet.cli import cli

from .conftest import REPO

README = REPO / "README.md"
TODAY = "2026-11-22"

# A command (the text after `$ `) that is not run, and why. Its lines are not checked; the
# commands after it in its block still run (these change no note the others read).
SKIPPED = {
    "vaultnet --vault ~/Downloads due": "needs a folder outside the vault, written with the shell's `~`",
    "EDITOR=nano vaultnet edit naomi": "opens an editor",
    "vaultnet --vault example-vault --today 2026-11-22 watch": "runs until Ctrl-C",
    "vaultnet --today 2026-11-22 graph --format json | jq -c '.nodes[] | select(.name == \"Ada Lovelace\")'":
        "needs jq",
    "vaultnet --today 2026-11-22 graph --format json | jq -c '.edges[] | select(.source == \"People/Ada Lovelace.md\" and .at_org)'":
        "needs jq",
}

# A command whose output today is wrong, not drifted: the README keeps the right output, the
# test expects the mismatch (and fails once the bug is fixed, so this entry goes).
KNOWN_BUGS: dict[str, str] = {}  # none today: an impossible birthday's backup was the last


def _bad_cadence(root: Path) -> None:
    config = root / ".vaultnet" / "config.toml"
    text = config.read_text(encoding="utf-8")
    assert 'default_cadence = ""' in text
    config.write_text(text.replace('default_cadence = ""', 'default_cadence = "often"'), encoding="utf-8")


# A block that shows a mistake the example vault does not make: the change it needs, keyed by the
# first line the block shows.
SETUP = {
    "Error: .vaultnet/config.toml: default_cadence: 'often' is not a cadence": _bad_cadence,
}

ELISION = "..."
CONTINUES = "<!-- README check: this block runs on the vault as the block above left it -->"
TIMING = re.compile(r"(?<![\w.])\d+\.\d+ ?m?s\b")


@dataclass
class Command:
    line: int  # in README.md
    text: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    line: int
    commands: list[Command]
    continues: bool = False  # runs on the vault as the block before it left it

    @property
    def id(self) -> str:
        return f"L{self.line}-{self.commands[0].text.removeprefix('vaultnet ')[:40]}"


def readme_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if not lines[i].startswith("```"):
            i += 1
            continue
        before = next((line for line in reversed(lines[:i]) if line.strip()), "")
        start, i = i + 1, i + 1
        body: list[tuple[int, str]] = []
        while i < len(lines) and not lines[i].startswith("```"):
            body.append((i + 1, lines[i]))
            i += 1
        i += 1
        if not any(re.match(r"\$ (\w+=\S+ )*vaultnet ", line) for _, line in body):
            continue
        commands: list[Command] = []
        for number, line in body:
            if line.startswith("$ "):
                commands.append(Command(number, line[2:]))
            elif commands:
                commands[-1].expected.append(line)
            else:
                raise AssertionError(f"README.md:{number}: output before the block's first `$ ` line")
        blocks.append(Block(start, commands, continues=before.strip() == CONTINUES))
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))


def runs(blocks: list[Block]) -> list[list[Block]]:
    """Blocks that share one copy of the vault: a block and those that continue it."""
    groups: list[list[Block]] = []
    for block in blocks:
        if block.continues and groups:
            groups[-1].append(block)
        else:
            groups.append([block])
    return groups


RUNS = runs(BLOCKS)


def normalize(lines: list[str]) -> list[str]:
    lines = [TIMING.sub("<time>", line.rstrip()) for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def matches(expected: list[str], actual: list[str]) -> bool:
    """`expected` equals `actual`, where a `...` line stands for any run of lines."""
    parts: list[list[str]] = [[]]
    for line in expected:
        if line.strip() == ELISION:
            parts.append([])
        else:
            parts[-1].append(line)
    if len(parts) == 1:
        return expected == actual
    first, *middle, last = parts
    if actual[:len(first)] != first or len(actual) < len(first) + len(last):
        return False
    if last and actual[len(actual) - len(last):] != last:
        return False
    at, end = len(first), len(actual) - len(last)
    for part in middle:  # each in order, as early as it fits: if any placing fits, this one does
        for start in range(at, end - len(part) + 1):
            if actual[start:start + len(part)] == part:
                at = start + len(part)
                break
        else:
            return False
    return True


def vault_path(arg: str) -> str:
    if arg == "example-vault":
        return "."
    return arg.removeprefix("example-vault/")


class Runner:
    """Runs one block's commands in a copy of the example vault, as a shell in it would."""

    def __init__(self, root: Path):
        self.root = root
        self.cli = CliRunner()

    def vaultnet(self, args: list[str]) -> tuple[str, str, str]:
        """What the terminal shows, and stdout and stderr on their own."""
        env = {"VAULTNET_TODAY": TODAY, "VAULTNET_VAULT": None, "VISUAL": None, "EDITOR": None}
        result = self.cli.invoke(cli, [vault_path(a) for a in args], env=env, catch_exceptions=False)
        return result.output, result.stdout, result.stderr

    def pipeline(self, words: list[str]) -> str:
        stages = split(words, "|")
        shown, out, err = self.one(stages[0])
        if len(stages) == 1:
            return shown
        for stage in stages[1:]:  # only stdout goes down the pipe; stderr goes to the terminal
            assert stage[0] == "head" and re.fullmatch(r"-\d+", stage[1]) and len(stage) == 2, stage
            out = "".join(out.splitlines(keepends=True)[:int(stage[1][1:])])
        return out + err

    def one(self, words: list[str]) -> tuple[str, str, str]:
        if words[0] == "vaultnet":
            return self.vaultnet(words[1:])
        if words[0] == "cat" and len(words) == 2:
            text = (self.root / words[1]).read_text(encoding="utf-8")
            return text, text, ""
        raise AssertionError(f"the checker runs only vaultnet, cat and head: {words}")

    def run(self, text: str) -> str:
        return "".join(self.pipeline(part) for part in split(shlex.split(text), "&&"))


def split(words: list[str], token: str) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for word in words:
        if word == token:
            parts.append([])
        else:
            parts[-1].append(word)
    return parts


def subcommand(args: list[str]) -> str | None:
    """The command of `vaultnet ARGS`, past the group's options."""
    args = list(args)
    while args and args[0].startswith("-"):
        args = args[2:] if args[0] in ("--vault", "--today") else args[1:]
    return args[0] if args else None


def copy_example(to: Path) -> Path:
    ignore = shutil.ignore_patterns("index", "*.lock")
    return Path(shutil.copytree(REPO / "example-vault", to / "example-vault", ignore=ignore))


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("indexed"))
    result = CliRunner().invoke(cli, ["--vault", str(root), "--today", TODAY, "-q", "index"])
    assert result.exit_code == 0, result.output
    return root


@pytest.mark.parametrize("run", RUNS, ids=[run[0].id for run in RUNS])
def test_readme_block_prints_what_it_shows(run: list[Block], indexed: Path, tmp_path, monkeypatch):
    commands = [command for block in run for command in block.commands]
    first = shlex.split(commands[0].text)
    if first[0] == "vaultnet" and subcommand(first[1:]) == "index":
        root = copy_example(tmp_path)
    else:
        root = Path(shutil.copytree(indexed, tmp_path / "example-vault", ignore=shutil.ignore_patterns("*.lock")))
    shows = commands[0].expected[:1]
    for key, setup in SETUP.items():
        if shows and shows[0].startswith(key):
            setup(root)
    monkeypatch.chdir(root)
    runner = Runner(root)
    failures, bugs, fixed = [], [], []
    ran = 0
    for command in commands:
        if command.text in SKIPPED:
            continue
        ran += 1
        actual = normalize(runner.run(command.text).split("\n"))
        expected = normalize(command.expected)
        ok = matches(expected, actual)
        if command.text in KNOWN_BUGS:
            (fixed if ok else bugs).append(command.text)
        elif not ok:
            diff = "\n".join(difflib.unified_diff(expected, actual, "README", "printed", lineterm="", n=2))
            failures.append(f"README.md:{command.line}: $ {command.text}\n{diff}\n--- printed in full:\n"
                            + "\n".join(actual))
    if not ran:
        pytest.skip("; ".join(SKIPPED[c.text] for c in commands))
    assert not failures, "\n\n".join(failures)
    assert not fixed, f"prints what the README shows now: take it out of KNOWN_BUGS: {fixed}"
    if bugs:
        pytest.xfail("; ".join(KNOWN_BUGS[b] for b in bugs))


def test_every_skip_and_setup_is_still_in_the_readme():
    commands = {c.text for b in BLOCKS for c in b.commands}
    assert set(SKIPPED) | set(KNOWN_BUGS) <= commands, (set(SKIPPED) | set(KNOWN_BUGS)) - commands
    firsts = [line for b in BLOCKS for c in b.commands for line in c.expected[:1]]
    assert all(any(f.startswith(key) for f in firsts) for key in SETUP)


@pytest.mark.parametrize("expected, actual, ok", [
    (["a", "b"], ["a", "b"], True),
    (["a", "b"], ["a", "c"], False),
    (["a", "..."], ["a", "b", "c"], True),
    (["a", "...", "c"], ["a", "b", "c"], True),
    (["a", "...", "c"], ["a", "b"], False),
    (["...", "b", "..."], ["a", "b", "c"], True),
    (["a", "  ...", "d", "...", "f"], ["a", "b", "d", "e", "f"], True),
    (["a", "...", "x", "..."], ["a", "b", "c"], False),
    (["a", "...", "a"], ["a"], False),
])
def test_elision_matches_only_left_out_lines(expected, actual, ok):
    assert matches(expected, actual) is ok
