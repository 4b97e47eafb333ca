"""One note by hand: set and unset a frontmatter field, edit the note in your editor."""

from __future__ import annotations

import os

import click

from .base import App, cli, emit, json_option, warn


@cli.command("set")
@click.argument("name")
@click.argument("key")
@click.argument("values", nargs=-1, required=True, metavar="VALUE...")
@click.option("--new", "new_key", is_flag=True, help="KEY is a new field of your own (not a contact field).")
@json_option
@click.pass_obj
def set_cmd(app: App, name: str, key: str, values: tuple[str, ...], new_key: bool, as_json: bool):
    """Set the frontmatter field KEY of NAME's note to VALUE (several values make a list).

    Every other byte of the note stays: comments, key order, quoting. Dates may be
    written as 2w, yesterday, 3d ago; a value YAML would read as something else
    (01234, yes) is quoted so that it stays text.
    """
    from ..edits.fields import set_field
    from ..network import queries

    index = app.index(for_write=True)
    path = queries.find_note(index, name, guess=not app.stale)
    change = set_field(app.vault, path, key, list(values), app.today, new=new_key)
    if as_json:
        emit(change.as_json(), True)
        return
    click.echo(f"{change.path}:{change.line}: {change.lines[0].strip() if change.lines else key}")
    for line in change.lines[1:]:
        click.echo(f"{change.path}:{change.line}: {line}")


@cli.command()
@click.argument("name")
@click.argument("key")
@json_option
@click.pass_obj
def unset(app: App, name: str, key: str, as_json: bool):
    """Remove the frontmatter field KEY (and its value) from NAME's note; every other byte stays."""
    from ..edits.fields import unset_field
    from ..network import queries

    index = app.index(for_write=True)
    path = queries.find_note(index, name, guess=not app.stale)
    change = unset_field(app.vault, path, key)
    if as_json:
        emit(change.as_json(), True)
        return
    written = " ".join(line.strip() for line in change.lines)
    click.echo(f"{change.path}: removed {written}")


@cli.command()
@click.argument("name")
@click.pass_obj
def edit(app: App, name: str):
    """Open NAME's note in $VISUAL or $EDITOR; the index takes the change when you are done."""
    from ..network import queries

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise click.UsageError("set $VISUAL or $EDITOR to the editor to use (for example: export EDITOR=nano)")
    index = app.index()
    path = queries.find_note(index, name, guess=not app.stale)
    target = app.vault.abspath(path)
    before = target.read_bytes()
    click.edit(filename=str(target), editor=editor)
    if target.read_bytes() == before:
        warn(f"{path}: unchanged")
        return
    stats = index.sync_paths([path])
    for problem in stats.problems:
        warn(f"{problem['path']}{':' + str(problem['line']) if problem['line'] else ''}: {problem['message']}")
    warn(f"{path}: saved")
