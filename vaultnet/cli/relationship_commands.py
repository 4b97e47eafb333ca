"""Relationships: due, ledger, orphans, and the two edits, log and add."""

from __future__ import annotations

from pathlib import Path

import click

from ..notes.dates import relative_day
from .base import (
    App,
    cli,
    emit,
    json_option,
    parse_day_arg,
    warn,
)


@cli.command()
@click.option("--within", type=click.IntRange(min=0), default=0, metavar="DAYS",
              help="Also list those due in the next DAYS days.")
@click.option("--tag", metavar="TAG", help="Only people with this tag.")
@click.option("--ics", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write the list as an iCalendar file of all-day events.")
@json_option
@click.pass_obj
def due(app: App, within: int, tag: str | None, ics: Path | None, as_json: bool):
    """Who is due for a hello, most overdue first, and why."""
    from ..network import queries

    index = app.index(kept="due")
    rows = queries.due(index, app.today, within, tag)
    if ics is not None:
        from ..edits.writes import write_export
        from ..interop.ics import due_calendar

        birthdays = queries.network(index, app.today).birthdays_of(tag)
        write_export(ics, due_calendar(rows, app.today, birthdays))
        events = sum(1 for r in rows if r["reason"] != "birthday") + len(birthdays)
        warn(f"wrote {events} events to {ics} ({len(birthdays)} of them yearly birthdays)")
    if not as_json:  # the table's own columns
        for row in rows:
            row["when"] = relative_day(row["next_due"], app.today)
            row["why"] = row["reason"].replace("_", " ")
    emit(rows, as_json, [("name", "NAME"), ("next_due", "DUE"), ("when", "WHEN"), ("why", "WHY"),
                         ("last_contact", "LAST CONTACT")], empty="nobody is due",
         row_style=lambda r: "red" if r["overdue_days"] > 0 else "yellow" if r["overdue_days"] == 0 else None)


@cli.command()
@json_option
@click.pass_obj
def ledger(app: App, as_json: bool):
    """Gave and got per person (#gave/#got log lines): those you only take from first."""
    from ..network import queries

    rows = queries.kept_ledger(app.index(kept="ledger"))
    emit(rows, as_json, [("name", "NAME"), ("gave", "GAVE"), ("got", "GOT"), ("balance", "BALANCE")],
         empty="no #gave or #got yet")


@cli.command()
@json_option
@click.pass_obj
def orphans(app: App, as_json: bool):
    """People nobody links and with no interactions: acquaintances, not yet relationships."""
    from ..network import queries

    rows = queries.network(app.index(), app.today).orphans()
    emit(rows, as_json, [("name", "NAME"), ("path", "PATH")], empty="no orphans")


@cli.command()
@click.argument("name")
@click.argument("text")
@click.option("--date", "day", metavar="DAY", help="The day it happened: YYYY-MM-DD, today, yesterday, 3d ago "
              "(default: today).")
@click.option("--gave", is_flag=True, help="You helped them: adds #gave.")
@click.option("--got", is_flag=True, help="They helped you: adds #got.")
@click.option("--news", is_flag=True, help="News about them (a new job, a move), not contact: adds #news.")
@click.option("--noticed", is_flag=True, help="They saw or praised your work: adds #noticed.")
@click.option("--next", "next_day", metavar="WHEN",
              help="Also set the next follow-up, in the same write: 2w, 3m, a date.")
@click.option("--any", "any_note", is_flag=True, help="NAME may be a note that is not a person (a project, a meeting).")
@json_option
@click.pass_obj
def log(app: App, name: str, text: str, day: str | None, gave: bool, got: bool, news: bool, noticed: bool,
        next_day: str | None, any_note: bool, as_json: bool):
    """Add `- DATE TEXT` to NAME's `## Log` section, after the last log line (made at the end if missing)."""
    from ..edits.person_notes import log_interaction

    when = app.today if day is None else parse_day_arg(day, app.today, "--date", past=True)
    follow_up = None if next_day is None else parse_day_arg(next_day, app.today, "--next", past=False)
    result = log_interaction(app.vault, app.index(for_write=True), name, text, when, gave=gave, got=got,
                             news=news, noticed=noticed, follow_up=follow_up, any_note=any_note,
                             guess=not app.stale,
                             any_hint=f"to log there anyway: vaultnet log --any {_quoted(name)} ...")
    if when > app.today:
        warn(f"{when.isoformat()} is in the future: a plan, not counted as contact until that day")
    if as_json:
        emit(result, True)
    else:
        click.echo(f"{result['path']}:{result['line']}: {result['text']}")
        if follow_up is not None:
            click.echo(f"{result['path']}: follow_up: {follow_up.isoformat()} "
                       f"({relative_day(follow_up.isoformat(), app.today).replace('due today', 'today')})")


def _quoted(name: str) -> str:
    return f'"{name}"' if " " in name or not name else name


@cli.command()
@click.argument("name")
@click.option("--company", metavar="C", help='Their company, as text or a link "[[Acme]]".')
@click.option("--role", metavar="R", help="Their job title.")
@click.option("--email", multiple=True, metavar="E", help="An email address (repeat for more).")
@click.option("--phone", multiple=True, metavar="P", help="A phone number (repeat for more).")
@click.option("--tag", multiple=True, metavar="T", help="A tag (repeat for more).")
@click.option("--cadence", metavar="C", help="How often to be in touch: 30d, 2w, 3m, 1y, monthly...")
@click.option("--met", metavar="TEXT", help="How you met.")
@json_option
@click.pass_obj
def add(app: App, name: str, company, role, email, phone, tag, cadence, met, as_json: bool):
    """Create a person note for NAME in the first people folder."""
    from ..edits.person_notes import add_person

    result = add_person(app.vault, name, company=company, role=role, emails=email, phones=phone,
                        tags=tag, cadence=cadence, met=met)
    if as_json:
        emit(result, True)
    else:
        click.echo(result["path"])
