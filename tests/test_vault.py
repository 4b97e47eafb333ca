"""Finding the vault, `init`, and which files are notes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from vaultnet.cli import cli
from vaultnet.errors import VaultNotFound
from vaultnet.vault.folder import Vault, find_vault

from .conftest import write_vault


def test_find_vault_order(tmp_path):
    a = write_vault(tmp_path / "a", {})
    b = tmp_path / "b"
    (b / ".obsidian").mkdir(parents=True)
    deep = b / "x" / "y"
    deep.mkdir(parents=True)
    assert find_vault(str(a), str(b), deep) == a.resolve()
    assert find_vault(None, str(a), deep) == a.resolve()
    assert find_vault(None, None, deep) == b.resolve()
    with pytest.raises(VaultNotFound):
        find_vault(None, None, tmp_path)


def test_vaultnet_vault_environment_variable(tmp_path, monkeypatch):
    root = write_vault(tmp_path / "v", {"Note.md": "zeppelin\n"})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["search", "zeppelin", "--json"], env={"VAULTNET_VAULT": str(root)})
    assert result.exit_code == 0, result.stderr
    assert '"path": "Note.md"' in result.stdout


def test_init_creates_config_and_gitignore_and_indexes(tmp_path):
    root = tmp_path / "notes"
    root.mkdir()
    (root / "Ada.md").write_text("hello\n")
    result = CliRunner().invoke(cli, ["init", str(root)])
    assert result.exit_code == 0, result.stderr
    config = (root / ".vaultnet/config.toml").read_text()
    assert "people_dirs" in config and config.lstrip().startswith("#")
    assert "index/" in (root / ".vaultnet/.gitignore").read_text()
    assert "1 added" in result.stderr
    assert result.stdout == ""
    # Running it again keeps what the user edited.
    (root / ".vaultnet/config.toml").write_text('people_dirs = ["Folks"]\n')
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    assert (root / ".vaultnet/config.toml").read_text() == 'people_dirs = ["Folks"]\n'


def test_init_template_config_is_valid(tmp_path):
    CliRunner().invoke(cli, ["init", str(tmp_path)])
    Vault(tmp_path)  # loads the generated config without error


def test_init_on_a_file_is_an_error(tmp_path):
    target = tmp_path / "file.md"
    target.write_text("x")
    result = CliRunner().invoke(cli, ["init", str(target)])
    assert result.exit_code != 0


def test_dot_folders_report_folder_and_excludes_are_not_notes(tmp_path):
    root = write_vault(
        tmp_path / "v",
        {
            "Keep.md": "x",
            "Sub/Keep too.MD": "x",
            ".obsidian/x.md": "x",
            ".trash/old.md": "x",
            "vaultnet/Follow-ups.md": "x",
            "Templates/Person.md": "{{title}}",
            "Drafts/wip.draft.md": "x",
            "Drafts/ok.md": "x",
            "notes.txt": "x",
        },
        config='exclude = ["Templates/**", "*.draft.md"]\n',
    )
    assert sorted(Vault(root).scan().files) == ["Drafts/ok.md", "Keep.md", "Sub/Keep too.MD"]


@pytest.mark.parametrize("by_descriptor", [True, False], ids=["folders by descriptor", "folders by path"])
def test_a_scan_walks_folders_as_obsidian_does_either_way_it_lists_them(tmp_path, monkeypatch, by_descriptor):
    """Each folder is listed from a descriptor of its own where the system allows (walk.py
    _SCAN_BY_FD), else by its path: the same notes, stats, attachments and problems either way."""
    import os

    from vaultnet.vault import walk

    if by_descriptor and os.scandir not in os.supports_fd:
        pytest.skip("scandir takes no descriptor here")
    monkeypatch.setattr(walk, "_SCAN_BY_FD", by_descriptor)
    root = write_vault(tmp_path / "v", {
        "Top.md": "x",
        "People/Deep/Deeper/Ada.md": "ada",
        "Archive.md/Inside.md": "a folder named like a note",
        "Attachments/photo.png": "png",
        "Locked/Secret.md": "x",
        "Elsewhere/Linked.md": "linked",
    })
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Far.md").write_text("far")
    (root / "Link to a note.md").symlink_to(root / "Elsewhere/Linked.md")
    (root / "Linked folder").symlink_to(outside, target_is_directory=True)
    locked = root / "Locked"
    os.chmod(locked, 0)
    try:
        readable = os.access(locked, os.R_OK)  # root reads any folder
        scan = Vault(root).scan()
    finally:
        os.chmod(locked, 0o755)
    expected = ["Archive.md/Inside.md", "Elsewhere/Linked.md", "Link to a note.md", "People/Deep/Deeper/Ada.md",
                "Top.md"]
    assert sorted(scan.files) == sorted(expected + ["Locked/Secret.md"] * readable)
    assert scan.files["People/Deep/Deeper/Ada.md"] == (3, (root / "People/Deep/Deeper/Ada.md").stat().st_mtime_ns)
    assert scan.files["Link to a note.md"][0] == len("linked")  # the file it points to
    assert "Attachments/photo.png" in scan.attachments
    assert [p for p in scan.problems if p[0] == "Locked"] == \
        ([] if readable else [("Locked", "cannot read folder: Permission denied")])
    assert Vault(root).scan("Gone").problems == [("Gone", "cannot read folder: No such file or directory")]


def test_report_dir_from_config_is_excluded(tmp_path):
    root = write_vault(tmp_path / "v", {"Reports/Due.md": "x", "vaultnet/x.md": "y"}, config='report_dir = "Reports"\n')
    assert sorted(Vault(root).scan().files) == ["vaultnet/x.md"]


def test_people_and_org_dirs_from_config(tmp_path):
    root = write_vault(
        tmp_path / "v",
        {"Folks/Ada.md": "", "Firms/Acme.md": "", "People/Not a person.md": ""},
        config='people_dirs = ["Folks"]\norg_dirs = ["Firms"]\n',
    )
    result = CliRunner().invoke(cli, ["--vault", str(root), "search", "*", "--json"])
    kinds = {h["path"]: h["kind"] for h in __import__("json").loads(result.stdout)}
    assert kinds == {"Folks/Ada.md": "person", "Firms/Acme.md": "org", "People/Not a person.md": "note"}


def test_changing_people_dirs_reparses_every_note(tmp_path):
    import json

    root = write_vault(tmp_path / "v", {"Folks/Ada.md": "ada\n"})
    runner = CliRunner()
    first = json.loads(runner.invoke(cli, ["--vault", str(root), "search", "*", "--json"]).stdout)
    assert first[0]["kind"] == "note"
    (root / ".vaultnet/config.toml").write_text('people_dirs = ["Folks"]\n')
    result = runner.invoke(cli, ["--vault", str(root), "search", "*", "--json"])
    assert json.loads(result.stdout)[0]["kind"] == "person"
    assert "config.toml changed" in result.stderr
