"""Docs cannot drift: every command is in the README with an example, and has help."""

from __future__ import annotations

import re

import click

from vaultnet.cli import cli

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_command_has_a_readme_section_with_an_example():
    for name in cli.commands:
        heading = re.search(rf"^### `{name}\b[^`]*`$", README, re.MULTILINE)
        assert heading, f"README has no section for `{name}`"
        section = README[heading.end():].split("\n### ", 1)[0]
        assert "```" in section, f"README section for `{name}` has no example"


def _section(heading: re.Match) -> str:
    return README[heading.end():].split("\n### ", 1)[0]


def _runs(section: str, words: str) -> bool:
    """The section shows a `$ ... vaultnet ... WORDS ...` example."""
    return bool(re.search(rf"^\$ (\w+=\S+ )*vaultnet (.* )?{re.escape(words)}( |$)", section, re.MULTILINE))


def test_every_subcommand_of_a_group_has_a_readme_section_with_an_example():
    groups = {name: command for name, command in cli.commands.items() if isinstance(command, click.Group)}
    assert "import" in groups
    for group_name, group in groups.items():
        for name in group.commands:
            heading = re.search(rf"^### `{group_name} ([\w|]*\|)?{name}\b[^`]*`$", README, re.MULTILINE)
            assert heading, f"README has no section for `{group_name} {name}`"
            assert _runs(_section(heading), f"{group_name} {name}"), f"no example of `{group_name} {name}`"


def test_every_export_format_has_an_example():
    export = cli.commands["export"]
    formats = next(p for p in export.params if p.name == "kind")
    heading = re.search(r"^### `export [^`]*`$", README, re.MULTILINE)
    assert heading
    for fmt in formats.type.choices:
        assert _runs(_section(heading), f"export {fmt}"), f"no example of `export {fmt}`"


def test_every_command_section_runs_it():
    for name in cli.commands:
        if name in ("mcp", "import"):  # mcp: a JSON-RPC exchange; import: per subcommand, above
            continue
        heading = re.search(rf"^### `{name}\b[^`]*`$", README, re.MULTILINE)
        assert heading and _runs(_section(heading), name), f"the section for `{name}` shows no `$ vaultnet {name}`"


def test_every_command_and_option_has_help():
    for name, command in cli.commands.items():
        assert command.help and command.help.strip(), name
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"{name} {param.opts} has no help"


def test_readme_names_the_two_commands_and_ci_runs_the_test_one():
    assert "make demo" in README and "make test" in README
    ci = (REPO / ".ci" / "run").read_text()
    assert "make test" in ci


def test_the_core_never_imports_click_and_never_prints():
    import ast

    for path in sorted((REPO / "vaultnet").rglob("*.py")):
        if "cli" in path.relative_to(REPO / "vaultnet").parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "click" for a in node.names), path
            elif isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "click", path
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "print", f"{path}:{node.lineno} prints"


def test_the_layout_section_names_every_module():
    """README's "How the code is laid out" names each module (the command modules as "the
    commands by theme"), so a new one cannot land unexplained."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("## How the code is laid out")
    section = readme[start : readme.index("\n## ", start + 1)]
    assert "the commands by theme" in section
    missing = [str(p.relative_to(REPO)) for p in sorted((REPO / "vaultnet").rglob("*.py"))
               if p.name not in ("__init__.py", "__main__.py") and not p.name.endswith("_commands.py")
               and "vendor" not in p.parts and f"`{p.name}`" not in section]
    assert missing == []
