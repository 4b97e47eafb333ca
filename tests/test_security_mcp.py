"""The MCP server takes no argument that reaches outside the vault (SPEC §4, §10; issue 18).

An assistant passes on whatever text it was given, and a prompt can be written by anyone
(a mail, a web page the assistant read). So every tool's arguments are names, words,
dates and flags, never paths: a NAME like `../outside/keep`, an absolute path, `~`, a
NUL, or a Windows path is looked up as a name among the vault's notes, and a write tool
given one either refuses with the CLI's message or writes inside the vault's folders for
people; nothing outside the vault is read into an answer, created or changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("mcp")

from .conftest import write_vault
from .test_mcp import Server, tree
from .test_security import Outside

CONFIG = 'people_dirs = ["People"]\nme = "Me"\n'
SECRET = "secret-outside-the-vault"
NOTES = {
    "People/Ada Lovelace.md": "---\ntags: [person]\ncompany: \"[[Acme]]\"\ncadence: 30d\n---\n## Log\n"
                              "- 2026-10-01 Coffee #gave\n- [ ] Send the deck 📅 2026-11-20\n",
    "People/Bob Stone.md": "---\ntags: [person]\n---\n## Log\n- 2026-09-01 Lunch with [[Ada Lovelace]]\n",
    "Acme.md": "---\ntags: [org]\n---\nA company.\n",
}
# Arguments that are paths in some reading; each must stay a name.
HOSTILE_NAMES = [
    "../outside/keep",
    "../outside/keep.md",
    "../../etc/passwd",
    "/etc/passwd",
    "People/../../outside/keep",
    "..",
    ".",
    "~",
    "~/.ssh/id_rsa",
    "C:\\Windows\\win.ini",
    "..\\outside\\keep",
    "\\\\server\\share\\x",
    "Ada\x00../../outside/keep",
    "file:///etc/passwd",
    ".vaultnet/config",
    ".obsidian/app",
    "People/Ada Lovelace/../../../outside/keep",
]
# Read tools and the argument that names something.
READERS = [("show", "name"), ("backlinks", "name"), ("intro", "target"), ("who", "topic"),
           ("references", "topic"), ("search", "query")]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mcp-security")
    outside = Outside(tmp)
    (tmp / "outside" / "keep.md").write_text(f"---\ntags: [person]\n---\n{SECRET}\n")
    outside.before = outside.snapshot()
    root = write_vault(tmp / "vault", NOTES, config=CONFIG)
    server = Server(root, tmp_path_factory.mktemp("mcp-security-log") / "server.err")
    yield server, root, outside
    server.close()


def answers_and_errors(server: Server, tool: str, arguments: dict) -> str:
    """The tool's whole answer as text (an error's message, or the JSON), for looking into."""
    result = server.call(tool, arguments)
    return "\n".join(getattr(c, "text", "") for c in result.content) + json.dumps(result.structured_content)


def assert_nothing_changed(outside: Outside, root: Path, before: dict, name: str) -> None:
    """Nothing outside the vault, and no note in it, changed for `name`."""
    outside.assert_unchanged()
    assert tree(root) == before, f"the vault changed for {name!r}"


def test_no_tool_takes_a_path_argument(served):
    server, _, _ = served
    tools = server.tools()
    for tool in tools.values():
        for prop, schema in tool.input_schema.get("properties", {}).items():
            assert not any(word in prop.lower() for word in ("path", "file", "dir", "folder", "uri")), \
                f"{tool.name}.{prop} reads like a path"
            assert schema.get("format") not in ("path", "uri", "file-path"), (tool.name, prop, schema)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_read_tool_given_a_path_reads_nothing_outside_the_vault(served, name):
    server, root, outside = served
    before = tree(root)
    for tool, argument in READERS:
        said = answers_and_errors(server, tool, {argument: name})
        assert SECRET not in said, (tool, name, said)
        assert "root:" not in said, (tool, name)  # /etc/passwd's first line
    assert_nothing_changed(outside, root, before, name)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_write_tool_given_a_path_writes_only_inside_the_vault(served, name):
    server, root, outside = served
    before = tree(root)
    for tool, arguments in [("log", {"name": name, "text": "Coffee"}),
                            ("log", {"name": name, "text": "Coffee", "any": True}),
                            ("done", {"name": name}),
                            ("snooze", {"name": name, "when": "2w"})]:
        result = server.call(tool, arguments)
        # No note answers to a path: the CLI's "no note matches" (with the closest names), never a write.
        assert result.is_error, (tool, name, result.content)
        assert SECRET not in result.content[0].text
    assert_nothing_changed(outside, root, before, name)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_add_given_a_path_makes_a_person_note_in_the_people_folder_or_refuses(served, name):
    server, root, outside = served
    before = tree(root)
    result = server.call("add", {"name": name, "company": "../../outside/keep", "tag": ["../x"],
                                 "email": ["a@b.c"]})
    outside.assert_unchanged()
    added = sorted(set(tree(root)) - set(before))
    changed = [p for p in before if tree(root).get(p) != before[p]]
    assert changed == [], changed
    if result.is_error:
        assert added == [], added
        return
    data = json.loads(result.content[0].text)
    [path] = added
    assert data["path"] == path
    assert path.startswith("People/") and path.count("/") == 1 and path.endswith(".md"), path
    assert ".." not in Path(path).parts
    (root / path).unlink()  # the next name starts from the same vault
