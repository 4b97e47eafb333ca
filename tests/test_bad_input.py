"""SPEC §6: every kind of bad input gets a clear message, and the rest of the vault is indexed."""

from __future__ import annotations

import os
import tracemalloc

import pytest

from vaultnet.notes.note import parse_note

GOOD = {"People/Good Person.md": "---\nname: Good Person\n---\nLikes [[Bad]] and #sailing\n"}


def problems_by_path(run):
    data = run.json("index")
    return {p["path"]: p for p in data["problems"]}, data


def assert_rest_indexed(run):
    hits = run.json("search", "sailing")
    assert [h["path"] for h in hits] == ["People/Good Person.md"]


@pytest.mark.parametrize(
    "frontmatter, line, words",
    [
        ("name: [unclosed\nrole: x\n", 3, "invalid YAML"),
        ("name: ok\n\tbad: tab\n", 3, "invalid YAML"),
        ("title: {{date}}\nrole: x: y\n", 3, "invalid YAML"),  # a placeholder hides no real error
        ("- a\n- b\n", 2, "is a list"),
        ("just a scalar\n", 2, "single value"),
        ("name: a\nrole: b\nname: c\n", 4, "duplicate key 'name'"),
        ("x: !!python/object/apply:os.system ['touch PWNED']\n", 2, "not allowed"),
        ("x: !custom 1\n", 2, "not allowed"),
    ],
)
def test_broken_frontmatter_is_reported_with_its_line_and_body_still_indexed(vault, frontmatter, line, words):
    run = vault({**GOOD, "Bad.md": f"---\n{frontmatter}---\nbody mentions zeppelin and [[Good Person]]\n"})
    problems, data = problems_by_path(run)
    assert problems["Bad.md"]["line"] == line
    assert words in problems["Bad.md"]["message"]
    assert data["added"] == 2
    assert [h["path"] for h in run.json("search", "zeppelin")] == ["Bad.md"]
    assert [b["source"] for b in run.json("backlinks", "Good Person")] == ["Bad.md"]
    assert_rest_indexed(run)
    assert not (run.root / "PWNED").exists()


def test_problems_go_to_stderr_not_stdout(vault):
    run = vault({**GOOD, "Bad.md": "---\na: [\n---\n"})
    result = run.ok("index")
    assert result.stdout == ""
    assert "Bad.md:2: invalid YAML" in result.stderr
    assert "1 problem (" in result.stderr


def test_yaml_alias_bomb_is_cut_short():
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefghi":
        prev = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    bomb += "---\nbody [[Link]]\n"
    tracemalloc.start()
    note = parse_note(bomb.encode(), "bomb.md")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # 9**9 strings if flattened; the budget stops it well before that.
    assert peak < 50 * 1024 * 1024
    assert any("too many values" in p.message for p in note.problems)
    assert [l.target for l in note.links] == ["Link"]


def test_alias_bomb_in_a_vault_leaves_the_rest_indexed(vault):
    bomb = "---\na: &a [x, x, x, x, x, x, x, x]\n"
    for level in "bcdefgh":
        prev = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    bomb += "---\n"
    run = vault({**GOOD, "bomb.md": bomb})
    problems, _ = problems_by_path(run)
    assert "too many values" in problems["bomb.md"]["message"]
    assert_rest_indexed(run)


def test_non_utf8_is_read_with_replacement_and_reported(vault):
    latin1 = "---\nname: Jos\xe9\n---\nMet at caf\xe9 about zeppelins\n".encode("latin-1")
    run = vault({**GOOD, "People/Jose.md": latin1})
    problems, _ = problems_by_path(run)
    assert "not UTF-8" in problems["People/Jose.md"]["message"]
    assert problems["People/Jose.md"]["line"] == 2
    assert [h["path"] for h in run.json("search", "zeppelins")] == ["People/Jose.md"]
    assert_rest_indexed(run)


def test_binary_and_empty_files(vault):
    run = vault({**GOOD, "image.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "empty.md": b""})
    problems, data = problems_by_path(run)
    assert "binary" in problems["image.md"]["message"]
    assert "empty.md" not in problems
    assert data["added"] == 3
    assert_rest_indexed(run)


def test_files_over_the_size_limit_are_skipped_and_reported(vault):
    run = vault({**GOOD, "huge.md": "zeppelin " * 200}, config="max_file_size = 1000\n")
    problems, data = problems_by_path(run)
    assert "over max_file_size" in problems["huge.md"]["message"]
    assert data["added"] == 1
    assert run.json("search", "zeppelin") == []
    assert_rest_indexed(run)
    # Shrunk below the limit, it is indexed on the next sync.
    (run.root / "huge.md").write_text("small zeppelin\n")
    assert [h["path"] for h in run.json("search", "zeppelin")] == ["huge.md"]


def test_pathological_brackets_and_long_lines_parse(vault):
    evil = (
        "[" * 200_000 + "\n" + "[[" * 100_000 + "\n" + "](" * 100_000 + "\n"
        + "`" * 5000 + " x " + "``" * 5000 + "\n" + "#" * 100_000 + "\n"
        + "<!--" * 50_000 + "\n" + "a" * 1_000_000 + " [[Good Person]]\n"
    )
    note = parse_note(evil.encode(), "evil.md")
    assert note.problems == []
    run = vault({**GOOD, "evil.md": evil})
    _, data = problems_by_path(run)
    assert data["added"] == 2
    assert_rest_indexed(run)


def test_many_unmatched_backtick_runs_stay_linear():
    # Each run length is opened once and never closed: a naive scan is quadratic.
    text = " ".join("`" * (i % 50 + 1) + "x" for i in range(20_000)) + "\n[[Found]]\n"
    note = parse_note(text.encode(), "ticks.md")
    assert [l.target for l in note.links] == ["Found"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loops_are_not_followed(vault):
    run = vault(GOOD)
    os.symlink(run.root, run.root / "People" / "loop")
    os.symlink(run.root / "People", run.root / "People" / "again")
    (run.root / "outside.md").write_text("outside [[Good Person]]\n")
    os.symlink(run.root / "outside.md", run.root / "People" / "linked file.md")
    data = run.json("index")
    assert data["added"] == 3  # the two real notes and the symlinked file
    assert_rest_indexed(run)


def test_unreadable_note_is_reported_and_the_rest_indexed(vault, monkeypatch):
    run = vault({**GOOD, "secret.md": "hidden zeppelin"})
    real_open = os.open

    def denied(path, *args, **kwargs):  # stands in for chmod 000, which root ignores
        if str(path).endswith("secret.md"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    problems, data = problems_by_path(run)
    assert problems["secret.md"]["message"] == "cannot read: Permission denied; not indexed"
    assert data["added"] == 1
    assert_rest_indexed(run)
    monkeypatch.undo()  # readable again: the next sync picks it up
    assert [h["path"] for h in run.json("search", "zeppelin")] == ["secret.md"]


def test_missing_vault_says_how_to_make_one(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from vaultnet.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VAULTNET_VAULT", raising=False)
    result = CliRunner().invoke(cli, ["search", "x"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no vault here: run `vaultnet init`")
    assert "--vault" in result.stderr
    result = CliRunner().invoke(cli, ["--vault", str(tmp_path / "nope"), "search", "x"])
    assert result.exit_code == 1
    assert "is not a folder" in result.stderr


@pytest.mark.parametrize(
    "config, words",
    [
        ("people_dirs = [\n", "invalid TOML"),
        ("people_dirs = 3\n", "people_dirs: expected a list of strings"),
        ("default_cadence = \"often\"\n", "default_cadence: 'often' is not a cadence"),
        ("[cadence_by_tag]\nmentor = \"sometimes\"\n", "cadence_by_tag.mentor"),
        ("colour = \"red\"\n", "colour: unknown key"),
        ("max_file_size = -1\n", "max_file_size: expected a positive number"),
        ("report_dir = \"../elsewhere\"\n", "report_dir: '../elsewhere' points outside the vault"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(vault, config, words):
    run = vault(GOOD, config=config)
    result = run("index")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and "config.toml" in lines[0]
    assert words in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (["--today", "2026-02-30", "search", "x"], "not a date"),
        (["--today", "yesterday", "search", "x"], "not a date"),
        (["search", "x", "--limit", "0"], "--limit"),
        (["search", "x", "--type", "robot"], "--type"),
        (["frobnicate"], "No such command"),
        (["show"], "Missing argument"),
    ],
)
def test_bad_command_line_values_are_usage_errors(vault, args, words):
    run = vault(GOOD)
    result = run(*args)
    assert result.exit_code == 2
    assert words in result.stderr


def test_bad_query_is_a_clean_error(vault):
    run = vault(GOOD)
    result = run("search", "name:ada~x~y~")
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.stderr
