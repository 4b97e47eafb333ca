"""Closing the loop from the command line: done (a task) and snooze (a follow-up)."""

from __future__ import annotations

import click

from ..notes.dates import relative_day
from .base import App, cli, emit, json_option, parse_day_arg, warn


@cli.command()
@click.argument("name")
@click.argument("text", required=False)
@json_option
@click.pass_obj
def done(app: App, name: str, text: str | None, as_json: bool):
    """Complete NAME's open task: the one whose text holds TEXT, else the only or earliest-due one.

    In place, in the Obsidian Tasks format: `- [x] ... ✅ TODAY`.
    """
    from ..edits.tasks import done as complete_task

    result = complete_task(app.vault, app.index(for_write=True), name, text, app.today, guess=not app.stale)
    if result["recurring"]:
        warn("a recurring task (🔁): vaultnet does not add its next occurrence; tick it in Obsidian "
             "(Tasks) for that, or add the next one by hand")
    if as_json:
        emit(result, True)
    else:
        click.echo(f"{result['path']}:{result['line']}: {result['text']}")


@cli.command()
@click.argument("name")
@click.argument("when")
@json_option
@click.pass_obj
def snooze(app: App, name: str, when: str, as_json: bool):
    """Set NAME's follow_up to WHEN (2w, 3d, 1m, a date): not now, remind me then."""
    from ..edits.fields import snooze_person
    from ..network import queries

    day = parse_day_arg(when, app.today, "WHEN", past=False)
    index = app.index(for_write=True)
    change = snooze_person(app.vault, index, name, day, app.today, guess=not app.stale)
    person = change.path
    index.sync_paths([person])
    after = queries.network(index, app.today).people.get(person)
    if after is not None and after.next_due is not None and after.next_due < day:
        warn(f"{after.name} is still due {after.next_due.isoformat()} ({after.reason.replace('_', ' ')}): "
             + ("`vaultnet done` completes the task" if after.reason == "task" else "the earlier date stands"))
    if as_json:
        emit(change.as_json(), True)
    else:
        when_text = relative_day(day.isoformat(), app.today).replace("due today", "today")
        click.echo(f"{change.path}:{change.line}: {' '.join(change.lines).strip()} ({when_text})")
