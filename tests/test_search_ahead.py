"""A one-shot `search` run in a fork of its own on the last commit (index/search_ahead.py): its hits
taken only for the query the command parsed, on the commit its sync left the newest."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pytest
from click.testing import CliRunner

from tests.conftest import Run, write_vault
from tests.test_scan_ahead import fork_sending, framed
from vaultnet.cli import cli
from vaultnet.cli.launch import _search_query
from vaultnet.index import NoteIndex, reader, search_ahead
from vaultnet.vault import Vault, scan_ahead

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here: the program searches itself")

TODAY = "2026-11-22"
FILES = {
    "People/Ada Lovelace.md": "---\ntype: person\ncompany: Acme\n---\nTalked kubernetes and compilers.\n"
                              "- 2026-10-01 Coffee about kubernetes\n",
    "People/Bob Lee.md": "---\ntype: person\n---\nKubernetes operator, kubernetes again.\n",
    "People/Cy Young.md": "---\ntype: person\n---\nNothing of the sort.\n",
    "Companies/Acme.md": "---\ntype: org\n---\nRuns kubernetes.\n",
    "Meetings/2026-10-01 Standup.md": "[[Ada Lovelace]] and [[Bob Lee]] on kubernetes upgrades.\n",
}

# The real program (cli/launch.py), as a user runs it; then whether this process imported Whoosh's
# searcher (it must not, when it took the fork's hits) and how many of its forks ahead (the walk,
# the search) it left unreaped.
PROBE = """
import atexit, os, sys
from vaultnet.vault import scan_ahead
forked = []
fork = scan_ahead._fork
def recorded(*args):
    ahead = fork(*args)
    forked.append(ahead.pid)
    return ahead
scan_ahead._fork = recorded
def said():
    left = 0
    for pid in forked:
        try:
            os.waitpid(pid, os.WNOHANG)
            left += 1
        except ChildProcessError:
            pass
    os.write(2, ("PROBE whoosh=%s forks=%d left=%d\\n" % ("whoosh.searching" in sys.modules, len(forked), left)).encode())
atexit.register(said)
sys.argv = ["vaultnet", *sys.argv[1:]]
from vaultnet.cli.launch import main
main()
"""


@pytest.fixture(autouse=True)
def _nothing_left_pending():
    yield
    ahead, scan_ahead._pending = scan_ahead._pending, None
    if ahead is not None:
        ahead.end()
    scan_ahead.discard()


def program(root, *args: str) -> tuple[subprocess.CompletedProcess, str]:
    done = subprocess.run([sys.executable, "-c", PROBE, "--vault", str(root), "--today", TODAY, *args],
                          capture_output=True, text=True, env={**os.environ, "VAULTNET_NO_SERVER": "1"}, timeout=120)
    said = [line for line in done.stderr.splitlines() if line.startswith("PROBE ")]
    assert len(said) == 1, done.stderr
    return done, said[0]


ASKED = [
    ("search", "kubernetes", "--json"),
    ("search", "--limit", "2", "kubernetes", "--json"),
    ("search", "kubernetes", "--type=person", "--limit=1", "--json"),
    ("search", "company:acme", "--json"),
    ("search", "kubernetes"),  # the table, piped
]


@pytest.mark.parametrize("args", ASKED, ids=[" ".join(a) for a in ASKED])
def test_a_search_answers_from_its_forks_hits_as_it_would_itself_and_never_imports_whoosh(tmp_path, args):
    root = write_vault(tmp_path / "v", FILES)
    Run(root).ok("index")
    done, said = program(root, *args)
    assert done.returncode == 0, done.stderr
    own = CliRunner().invoke(cli, ["--vault", str(root), "--today", TODAY, *args])
    assert own.exit_code == 0
    assert done.stdout == own.stdout and "kubernetes" in done.stdout.lower() or "acme" in done.stdout.lower()
    assert said == "PROBE whoosh=False forks=2 left=0"


def test_after_a_change_the_command_searches_the_notes_as_saved(tmp_path):
    """The sync found a change: the fork's hits are of the commit before it, so the command
    searches itself, and the note saved last is among its hits."""
    root = write_vault(tmp_path / "v", FILES)
    Run(root).ok("index")
    (root / "People" / "Cy Young.md").write_text("---\ntype: person\n---\nNow all kubernetes, kubernetes.\n")
    done, said = program(root, "search", "kubernetes", "--json")
    assert done.returncode == 0, done.stderr
    assert "People/Cy Young.md" in done.stdout
    assert said == "PROBE whoosh=True forks=2 left=0"
    assert done.stdout == CliRunner().invoke(cli, ["--vault", str(root), "--today", TODAY, "search", "kubernetes",
                                                  "--json"]).stdout


def test_an_empty_query_is_said_once_and_leaves_no_fork_behind(tmp_path):
    root = write_vault(tmp_path / "v", FILES)
    Run(root).ok("index")
    done, said = program(root, "search", "   ", "--json")
    assert done.returncode == 2 and done.stdout == ""  # as click says a bad value
    assert [line for line in done.stderr.splitlines() if line.startswith("Error:")] == \
        ["Error: Invalid value for 'QUERY': must not be empty"]
    assert said == "PROBE whoosh=False forks=2 left=0"  # both forks stopped and reaped as it ended


def _forked(root, query) -> None:
    """A walk and a search forked for `query`, both ended (not reaped: that is take's to do)."""
    scan_ahead.start(str(root), None, search_ahead.in_fork(query))
    for ahead in (scan_ahead._pending, scan_ahead._then):
        assert ahead is not None
        os.waitid(os.P_PID, ahead.pid, os.WEXITED | os.WNOWAIT)


def _synced(root) -> NoteIndex:
    index = NoteIndex(Vault(root))
    index.sync()
    return index


@pytest.mark.parametrize("meanwhile", ["nothing", "a commit", "a rebuild", "another query"])
def test_hits_are_taken_only_for_the_same_query_on_the_commit_still_newest(tmp_path, meanwhile):
    root = write_vault(tmp_path / "v", FILES)
    Run(root).ok("index")
    query = ("kubernetes", None, 20)
    _forked(root, query)
    if meanwhile == "a commit":  # another process indexed a change after the fork searched
        (root / "People" / "Cy Young.md").write_text("kubernetes\n")
        Run(root).ok("index")
    elif meanwhile == "a rebuild":  # the same notes, a new index: its generations count again from 1
        Run(root).ok("index", "--rebuild")
    index = _synced(root)
    try:
        asked = ("kubernetes", None, 5) if meanwhile == "another query" else query
        taken = search_ahead.take(index.folder, asked)
        if meanwhile == "nothing":
            assert taken is not None and taken == reader.search(index.searcher(), *query)
            assert [hit.path for hit in taken][:1] == ["People/Bob Lee.md"]
        else:
            assert taken is None
        assert scan_ahead._then is None  # taken once, the fork reaped
    finally:
        index.close()


def test_a_search_the_fork_did_not_send_whole_is_not_taken(tmp_path):
    import marshal

    root = write_vault(tmp_path / "v", FILES)
    Run(root).ok("index")
    index = _synced(root)
    query = ("kubernetes", None, 20)
    stamp = search_ahead.stamp(index.folder)
    whole = marshal.dumps((str(index.folder.path), stamp, query, [("People/Bob Lee.md", 1.5, ["kubernetes"])]))
    sent_framed = [framed(m) for m in (
        b"", b"not marshal", marshal.dumps(None), marshal.dumps((str(index.folder.path), stamp, query, "no hits")),
        marshal.dumps((str(index.folder.path), stamp, query, [("x.md",)])),
        marshal.dumps(("elsewhere", stamp, query, [])), whole)]
    try:
        for sent in (b"", b"\x05\x00", whole, sent_framed[-1][:-2], *sent_framed):
            scan_ahead._then = fork_sending(sent)
            taken = search_ahead.take(index.folder, query)
            if sent == sent_framed[-1]:  # the control: a whole message is taken
                assert taken is not None and [(h.path, h.score, h.terms) for h in taken] == \
                    [("People/Bob Lee.md", 1.5, ["kubernetes"])]
            else:
                assert taken is None, sent
    finally:
        index.close()


LINES = [
    ["search", "kubernetes"],
    ["search", "kubernetes", "--json"],
    ["--today", "2026-01-01", "search", "--limit", "5", "kubernetes"],
    ["search", "--type", "person", "ada lovelace"],
    ["search", "--type=org", "--limit=3", "acme"],
    ["search", "--", "--not-an-option"],
    ["search", "-"],
    ["search", "--limit", "0", "x"],
    ["search", "--limit", "-3", "x"],
    ["search", "--type", "robot", "x"],
    ["search", "a", "b"],
    ["search", "--help"],
    ["search", "--limit"],
    ["search", "x", "--no-such"],
    ["search"],
    ["due", "--json"],
    ["--vault", "search", "due"],
]


@pytest.mark.parametrize("argv", LINES, ids=[" ".join(a) for a in LINES])
def test_the_search_line_is_read_as_click_reads_it_or_not_at_all(argv):
    """Where launch.py reads a query, click reads the same one; a line it cannot read is left to click."""
    read = _search_query(argv)
    if read is None:
        return
    group = cli.make_context("vaultnet", list(argv), resilient_parsing=True)
    with warnings.catch_warnings():  # Click 8.2 to 9 keep the command's name apart, deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        tokens = [*getattr(group, "protected_args", []), *group.args]
    name, command, rest = cli.resolve_command(group, tokens)
    assert name == "search" and command is not None
    with command.make_context("search", rest) as ctx:
        kind = None if ctx.params["kind"] == "any" else ctx.params["kind"]
        assert read == (ctx.params["query"], kind, ctx.params["limit"])


def test_lines_that_are_plain_searches_are_read():
    assert _search_query(["search", "kubernetes", "--json"]) == ("kubernetes", None, 20)
    assert _search_query(["--today", "2026-01-01", "search", "--type=org", "--limit", "3", "acme"]) == ("acme", "org", 3)
    assert _search_query(["search", "--", "--x"]) == ("--x", None, 20)
    for unread in (["search", "--help"], ["search", "--limit", "0", "x"], ["search", "a", "b"], ["due"]):
        assert _search_query(unread) is None, unread
