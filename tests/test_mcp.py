"""`vaultnet mcp`: the real server in its own process, driven by the MCP SDK's own client over stdio."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("mcp")

from anyio.from_thread import start_blocking_portal
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from vaultnet.assistant.live_index import LiveIndex
from vaultnet.cli import cli
from vaultnet.index import NoteIndex
from vaultnet.vault import Vault

from .conftest import REPO, Run

TODAY = "2026-11-22"
READ_TOOLS = {"search", "show", "due", "ledger", "backlinks", "intro", "who", "news", "references", "orphans"}
WRITE_TOOLS = {"log", "add", "done", "snooze"}
DEADLINE = 20.0  # seconds a file event may take to reach the server on a loaded machine


class Server:
    """`vaultnet mcp` on one vault, and a session of the SDK's client talking to it."""

    def __init__(self, root: Path, stderr: Path, today: str = TODAY):
        self.root = root
        self.stderr_path = stderr
        self._errlog = open(stderr, "w", encoding="utf-8")
        self._portal_cm = start_blocking_portal()
        self.portal = self._portal_cm.__enter__()
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "vaultnet", "--vault", str(root), "--today", today, "mcp"])
        self._stdio = self.portal.wrap_async_context_manager(stdio_client(params, errlog=self._errlog))
        read, write = self._stdio.__enter__()
        self._session = self.portal.wrap_async_context_manager(ClientSession(read, write))
        self.session = self._session.__enter__()
        self.portal.call(self.session.initialize)

    def call(self, tool: str, arguments: dict | None = None):
        return self.portal.call(self.session.call_tool, tool, arguments or {})

    def data(self, tool: str, arguments: dict | None = None):
        """The tool's answer, parsed; it must not be an error."""
        result = self.call(tool, arguments)
        assert not result.is_error, result.content[0].text
        [content] = result.content
        data = json.loads(content.text)
        assert result.structured_content == (data if isinstance(data, dict) else {"result": data})
        return data

    def error(self, tool: str, arguments: dict | None = None) -> str:
        result = self.call(tool, arguments)
        assert result.is_error, result.content
        return result.content[0].text

    def tools(self):
        return {t.name: t for t in self.portal.call(self.session.list_tools).tools}

    def stderr(self) -> str:
        self._errlog.flush()
        return self.stderr_path.read_text(encoding="utf-8")

    def close(self) -> None:
        self._session.__exit__(None, None, None)
        self._stdio.__exit__(None, None, None)
        self._portal_cm.__exit__(None, None, None)
        self._errlog.close()


def copy_example(dest: Path) -> Path:
    shutil.copytree(REPO / "example-vault", dest, ignore=shutil.ignore_patterns("index", "*.lock"))
    return dest


def tree(root: Path) -> dict[str, bytes]:
    """Every file of a vault but vaultnet's own state, by path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".vaultnet" not in p.relative_to(root).parts}


def cli_json(root: Path, *args: str):
    return Run(root).json("--today", TODAY, *args)


def cli_error(root: Path, *args: str) -> str:
    """The message the command ends with (the text after `Error: `)."""
    result = Run(root)("--today", TODAY, *args)
    assert result.exit_code in (1, 2), result.stdout
    return result.stderr.split("Error: ", 1)[1].strip()


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """One server over a copy of the example vault, for the tools that only read."""
    root = copy_example(tmp_path_factory.mktemp("mcp") / "vault")
    server = Server(root, root.parent / "stderr.txt")
    yield server
    server.close()


@pytest.fixture
def served(tmp_path):
    """A factory: served(root) -> a Server on that vault, closed after the test."""
    servers: list[Server] = []

    def start(root: Path) -> Server:
        servers.append(Server(root, tmp_path / f"stderr-{len(servers)}.txt"))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


# ---------------------------------------------------------------------- the tools

def _cli_arguments(command: str) -> set[str]:
    """The command's options and arguments, named as the tool's are (lower case, `-` as `_`)."""
    names = set()
    for param in cli.commands[command].params:
        # --json is what a tool always answers; --ics writes a file; show --all lists every
        # interaction in the table, and the JSON holds them all anyway.
        if param.name in ("as_json", "ics", "show_all"):
            continue
        long = [o for o in getattr(param, "opts", []) if o.startswith("--")]
        names.add(long[0][2:].replace("-", "_") if long else param.name)
    return names


def test_every_tool_is_listed_with_the_commands_arguments_and_a_one_line_description(example):
    tools = example.tools()
    assert set(tools) == READ_TOOLS | WRITE_TOOLS
    for name, tool in tools.items():
        assert set(tool.input_schema["properties"]) == _cli_arguments(name), name
        assert tool.description and "\n" not in tool.description.strip(), name
        assert len(tool.description) < 120, name
        assert tool.annotations.read_only_hint is (name in READ_TOOLS), name
        if name in WRITE_TOOLS:  # only log and add are purely additive
            assert tool.annotations.destructive_hint is (name in ("done", "snooze")), name
        # No tool takes a file path: nothing an assistant says can point outside the vault.
        assert not {"path", "file", "output", "ics", "dir"} & set(tool.input_schema["properties"]), name
    search = tools["search"].input_schema
    assert search["required"] == ["query"]
    assert search["properties"]["type"]["enum"] == ["person", "org", "note", "any"]
    assert search["properties"]["limit"] == {**search["properties"]["limit"], "type": "integer", "minimum": 1,
                                             "default": 20}
    assert tools["show"].input_schema["required"] == ["name"]
    assert tools["log"].input_schema["required"] == ["name", "text"]
    assert tools["log"].input_schema["properties"]["gave"]["type"] == "boolean"
    assert tools["add"].input_schema["properties"]["email"]["type"] == "array"
    assert tools["due"].input_schema["properties"]["within"]["minimum"] == 0
    assert tools["intro"].input_schema["properties"]["max_hops"]["maximum"] == 6


READS = [
    ("search", {"query": "kubernetes", "limit": 5}, ["search", "kubernetes", "--limit", "5"]),
    ("search", {"query": "*", "type": "person", "limit": 100}, ["search", "*", "--type", "person", "--limit", "100"]),
    ("search", {"query": "company:acme"}, ["search", "company:acme"]),
    ("show", {"name": "Ada Lovelace"}, ["show", "Ada Lovelace"]),
    ("show", {"name": "alvarez"}, ["show", "alvarez"]),  # accents ignored
    ("show", {"name": "Acme Corp"}, ["show", "Acme Corp"]),
    ("due", {}, ["due"]),
    ("due", {"within": 30}, ["due", "--within", "30"]),
    ("due", {"within": 60, "tag": "mentor"}, ["due", "--within", "60", "--tag", "mentor"]),
    ("ledger", {}, ["ledger"]),
    ("orphans", {}, ["orphans"]),
    ("backlinks", {"name": "Ada Lovelace"}, ["backlinks", "Ada Lovelace"]),
    ("backlinks", {"name": "Dana Whitfield"}, ["backlinks", "Dana Whitfield"]),  # mentioned, no note
    ("intro", {"target": "Acme Corp"}, ["intro", "Acme Corp"]),
    ("intro", {"target": "Globex", "max_hops": 2, "limit": 3}, ["intro", "Globex", "--max-hops", "2", "--limit", "3"]),
    ("who", {"topic": "kubernetes"}, ["who", "kubernetes"]),
    ("who", {"topic": "fundraising", "limit": 3}, ["who", "fundraising", "--limit", "3"]),
    ("news", {}, ["news"]),
    ("news", {"since": "1y"}, ["news", "--since", "1y"]),
    ("news", {"since": "2026-06-01"}, ["news", "--since", "2026-06-01"]),
    ("references", {}, ["references"]),
    ("references", {"topic": "kubernetes"}, ["references", "kubernetes"]),
    ("show", {"name": "Priya"}, ["show", "Priya"]),  # a reference, a noticed line and a birthday on her card
    ("show", {"name": "Nadia"}, ["show", "Nadia"]),  # her latest news
]


@pytest.mark.parametrize("tool, arguments, command", READS, ids=[f"{t}-{' '.join(c[1:])}" for t, _, c in READS])
def test_a_read_tool_answers_what_the_command_prints_with_json(example, tool, arguments, command):
    expected = cli_json(example.root, *command)
    assert expected, "a check on an empty answer would prove little"
    assert example.data(tool, arguments) == expected


def test_the_server_says_on_stderr_what_indexing_found_and_nothing_but_the_protocol_on_stdout(example):
    # A stray line on stdout would have broken the client's session before this point.
    assert "People/Beatriz Costa.md:6: cadence: 'often' is not a cadence" in example.stderr()
    assert "serving" in example.stderr()


@pytest.mark.parametrize("tool, arguments, command", [
    ("show", {"name": "Nobody Anywhere"}, ["show", "Nobody Anywhere"]),  # no such name
    ("show", {"name": "Connor"}, ["show", "Connor"]),  # two Connors
    ("backlinks", {"name": "Connor"}, ["backlinks", "Connor"]),
    ("log", {"name": "Ada", "text": "Lunch", "date": "2026-02-30"}, ["log", "Ada", "Lunch", "--date", "2026-02-30"]),
    ("log", {"name": "Ada", "text": "Lunch", "date": "last week"}, ["log", "Ada", "Lunch", "--date", "last week"]),
    ("log", {"name": "Ada", "text": "Lunch", "date": "3d"}, ["log", "Ada", "Lunch", "--date", "3d"]),  # ahead
    ("log", {"name": "Ada", "text": "Lunch", "next": "yesterday"}, ["log", "Ada", "Lunch", "--next", "yesterday"]),
    ("log", {"name": "Ada", "text": "Lunch", "gave": True, "got": True}, ["log", "Ada", "Lunch", "--gave", "--got"]),
    ("log", {"name": "Ada", "text": "Lunch", "news": True, "noticed": True},
     ["log", "Ada", "Lunch", "--news", "--noticed"]),
    ("log", {"name": "Platform Migration", "text": "x", "next": "2w", "any": True},
     ["log", "Platform Migration", "x", "--next", "2w", "--any"]),
    ("done", {"name": "Nobody Anywhere"}, ["done", "Nobody Anywhere"]),
    ("done", {"name": "Elena Rossi"}, ["done", "Elena Rossi"]),  # no open task of her own
    ("done", {"name": "Ada", "text": "no such task"}, ["done", "Ada", "no such task"]),
    ("snooze", {"name": "Ada", "when": "yesterday"}, ["snooze", "Ada", "yesterday"]),
    ("snooze", {"name": "Ada", "when": "someday"}, ["snooze", "Ada", "someday"]),
    ("snooze", {"name": "Acme Corp", "when": "2w"}, ["snooze", "Acme Corp", "2w"]),  # not a person
    ("search", {"query": "  "}, ["search", "  "]),
    ("who", {"topic": ""}, ["who", ""]),
    ("news", {"since": "soon"}, ["news", "--since", "soon"]),
    ("references", {"topic": " "}, ["references", " "]),
    ("log", {"name": "Ada", "text": "   "}, ["log", "Ada", "   "]),
    ("log", {"name": "Connor", "text": "Lunch"}, ["log", "Connor", "Lunch"]),
    ("log", {"name": "Call with Naomi", "text": "x"}, ["log", "Call with Naomi", "x"]),  # a note, not a person
    ("add", {"name": "Zed Zimmer", "cadence": "often"}, ["add", "Zed Zimmer", "--cadence", "often"]),
    ("add", {"name": "  "}, ["add", "  "]),
    ("add", {"name": "Ada Lovelace"}, ["add", "Ada Lovelace"]),  # never over an existing note
    ("intro", {"target": "Nobody Anywhere"}, ["intro", "Nobody Anywhere"]),
])
def test_a_bad_argument_is_a_tool_error_with_the_commands_message_and_the_server_goes_on(
        example, tool, arguments, command):
    before = tree(example.root)
    message = cli_error(example.root, *command)
    # The CLI leads a usage error with the option it is about; the tool's argument has its own name.
    core = re.sub(r"^Invalid value for [^:]+: ", "", message)
    # ... and the command says how to log into a note anyway with its option, the tool with its argument.
    core = core.split("; to log there anyway", 1)[0]
    assert core in example.error(tool, arguments)
    assert tree(example.root) == before
    assert example.data("search", {"query": "kubernetes", "limit": 1})


def test_arguments_that_break_the_schema_are_tool_errors_too(example):
    assert "limit" in example.error("search", {"query": "x", "limit": 0})
    assert "query" in example.error("search", {})
    assert "type" in example.error("search", {"query": "x", "type": "robot"})
    assert "robot" in example.error("robot", {})  # no such tool
    assert example.data("ledger")


# ---------------------------------------------------------------------- writes

def test_a_write_tool_changes_the_note_exactly_as_the_command_does(tmp_path, served):
    server_side = copy_example(tmp_path / "a")
    shell_side = copy_example(tmp_path / "b")
    server = served(server_side)
    writes = [
        ("log", {"name": "Ada", "text": "Coffee about the  [[Platform Migration]]\nnext steps", "gave": True},
         ["log", "Ada", "Coffee about the  [[Platform Migration]]\nnext steps", "--gave"]),
        ("log", {"name": "Zoe", "text": "Call", "date": "2026-11-20", "got": True},
         ["log", "Zoe", "Call", "--date", "2026-11-20", "--got"]),
        ("log", {"name": "Platform Migration", "text": "Kickoff with [[Bob Lee]]", "any": True},
         ["log", "Platform Migration", "Kickoff with [[Bob Lee]]", "--any"]),
        ("add", {"name": "Hana Sato", "company": "[[Acme Corp]]", "role": "SRE", "email": ["hana@acme.test"],
                 "phone": ["+81 3 1234 5678", "090 1234"], "tag": ["kubernetes", "#mentor"], "cadence": "2w",
                 "met": "KubeCon, via [[Bob Lee]]"},
         ["add", "Hana Sato", "--company", "[[Acme Corp]]", "--role", "SRE", "--email", "hana@acme.test",
          "--phone", "+81 3 1234 5678", "--phone", "090 1234", "--tag", "kubernetes", "--tag", "#mentor",
          "--cadence", "2w", "--met", "KubeCon, via [[Bob Lee]]"]),
        ("add", {"name": "../../etc/passwd"}, ["add", "../../etc/passwd"]),  # a name, never a path
        ("log", {"name": "Hana", "text": "First coffee", "date": "yesterday", "next": "3m"},
         ["log", "Hana", "First coffee", "--date", "yesterday", "--next", "3m"]),
        ("log", {"name": "Naomi", "text": "Joined Stripe as staff engineer", "news": True},
         ["log", "Naomi", "Joined Stripe as staff engineer", "--news"]),
        ("log", {"name": "Priya", "text": "Quoted my migration talk", "noticed": True, "date": "2026-11-02"},
         ["log", "Priya", "Quoted my migration talk", "--noticed", "--date", "2026-11-02"]),
        ("log", {"name": "Call with Naomi", "text": "Sent the RFC", "any": True},
         ["log", "Call with Naomi", "Sent the RFC", "--any"]),
        ("done", {"name": "Bob"}, ["done", "Bob"]),
        ("done", {"name": "Ada", "text": "eBPF"}, ["done", "Ada", "eBPF"]),
        ("snooze", {"name": "Marcus Chen", "when": "2w"}, ["snooze", "Marcus Chen", "2w"]),
        ("snooze", {"name": "Tomasz", "when": "2027-01-15"}, ["snooze", "Tomasz", "2027-01-15"]),
    ]
    before = tree(server_side)
    for tool, arguments, command in writes:
        assert server.data(tool, arguments) == cli_json(shell_side, *command), tool
        assert tree(server_side) == tree(shell_side), (tool, arguments)
    after = tree(server_side)
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    assert changed == {"People/Ada Lovelace.md", "People/Zoë Ng.md", "Projects/Platform Migration.md",
                       "People/Hana Sato.md", "People/etc passwd.md", "People/Naomi Walsh.md",
                       "People/Priya Natarajan.md", "Meetings/2026-08-12 Call with Naomi about Stripe.md",
                       "People/Bob Lee.md",
                       "People/Marcus Chen.md", "People/Tomasz Kowalski.md"}
    assert not (tmp_path / "etc").exists()
    # The next call answers from the notes as they are now.
    assert server.data("show", {"name": "Hana Sato"}) == cli_json(shell_side, "show", "Hana Sato")
    assert server.data("ledger") == cli_json(shell_side, "ledger")
    assert server.data("due", {"within": 90}) == cli_json(shell_side, "due", "--within", "90")


def test_a_note_saved_while_the_server_runs_is_found_by_the_next_call(tmp_path, served):
    root = copy_example(tmp_path / "vault")
    server = served(root)
    assert server.data("search", {"query": "zanzibarian"}) == []

    def eventually(check):
        deadline = time.monotonic() + DEADLINE
        while not check():
            assert time.monotonic() < deadline, "the change never reached the server"
            time.sleep(0.02)

    note = root / "People" / "Quentin Blake.md"
    note.write_text("---\ntype: person\ncadence: 30d\n---\nMet at the zanzibarian food festival.\n", encoding="utf-8")
    eventually(lambda: [r["path"] for r in server.data("search", {"query": "zanzibarian"})] == [
        "People/Quentin Blake.md"])
    due = {row["name"]: row for row in server.data("due")}
    assert due["Quentin Blake"]["reason"] == "never_contacted"  # a cadence and no contact: due today

    # An edit to an existing note moves the facts that span notes: here, Ada's last contact.
    ada = root / "People" / "Ada Lovelace.md"
    ada.write_bytes(ada.read_bytes() + f"- {TODAY} Tea with [[Quentin Blake]]\n".encode())
    eventually(lambda: server.data("show", {"name": "Quentin"})["last_contact"] == TODAY)
    assert server.data("backlinks", {"name": "Quentin"}) == cli_json(root, "backlinks", "Quentin")

    note.unlink()
    eventually(lambda: server.data("search", {"query": "zanzibarian"}) == [])


def test_a_write_while_a_shell_log_runs_at_the_same_moment_both_land(tmp_path, served):
    root = copy_example(tmp_path / "vault")
    server = served(root)
    note = root / "People" / "Bob Lee.md"
    before = note.read_bytes()
    lines = []
    for i in range(2):
        shell = subprocess.Popen(
            [sys.executable, "-m", "vaultnet", "--vault", str(root), "--today", TODAY, "log", "Bob Lee",
             f"From the shell {i}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        result = server.data("log", {"name": "Bob Lee", "text": f"From the assistant {i}"})
        out, err = shell.communicate(timeout=120)
        assert shell.returncode == 0, err
        assert result["path"] == "People/Bob Lee.md"
        lines += [f"- {TODAY} From the shell {i}", f"- {TODAY} From the assistant {i}"]
    text = note.read_text(encoding="utf-8")
    assert sorted(line for line in text.splitlines() if "From the" in line) == sorted(lines)
    # Nothing else in the note moved: it is the old note with these lines added to its log.
    assert sorted(text.splitlines()) == sorted(before.decode().splitlines() + lines)
    assert len(server.data("show", {"name": "Bob Lee"})["interactions"]) == len(
        cli_json(root, "show", "Bob Lee")["interactions"])


def test_the_server_ends_when_the_client_closes_its_input(tmp_path):
    root = copy_example(tmp_path / "vault")
    started = subprocess.Popen([sys.executable, "-m", "vaultnet", "--vault", str(root), "mcp"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = started.communicate(b"", timeout=120)
    assert started.returncode == 0, err
    assert out == b""


def test_when_file_events_stop_coming_each_call_scans_the_vault_as_a_command_does(vault):
    import datetime as dt

    run = vault({"People/Ada.md": "---\ntype: person\n---\n"})
    with NoteIndex(Vault(run.root)) as index:
        index.sync()
        live = LiveIndex(index, lambda: dt.date(2026, 11, 22), warn=lambda message: None)
        (run.root / "People" / "Bo.md").write_text("Met at the zanzibarian food festival.\n", encoding="utf-8")
        with live.reading() as current:  # the watcher was never started: no event names the new note
            assert current.search("zanzibarian") == []
        live.failure = OSError(28, "inotify watch limit reached")  # what the watcher thread keeps when it dies
        with live.reading() as current:
            assert [hit.path for hit in current.search("zanzibarian")] == ["People/Bo.md"]


def test_a_long_lived_index_folds_the_network_again_once_its_notes_change(vault):
    import datetime as dt

    from vaultnet.network import queries

    today = dt.date(2026, 11, 22)
    run = vault({"People/Ada.md": "---\ntype: person\ncadence: 30d\n---\n## Log\n- 2026-11-01 Tea\n"})
    with NoteIndex(Vault(run.root)) as index:
        index.sync()
        assert queries.network(index, today) is queries.network(index, today)  # folded once, asked twice
        assert queries.network(index, today).due(within=30)[0]["next_due"] == "2026-12-01"
        note = run.root / "People" / "Ada.md"
        note.write_bytes(note.read_bytes() + b"- 2026-11-20 Lunch\n")
        index.sync_paths(["People/Ada.md"])
        assert queries.network(index, today).due(within=30)[0]["next_due"] == "2026-12-20"
        assert queries.network(index, dt.date(2026, 11, 23)).today == dt.date(2026, 11, 23)
