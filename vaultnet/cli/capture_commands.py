"""`import calendar` and `import mail`: interactions you did not have to type (SPEC §9)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..errors import VaultnetError
from .base import App, emit, json_option, plural, progress_bar, warn
from .contact_commands import import_group

SHOWN_STRANGERS = 12


def _since(ctx, param, value):
    if value is None:
        return None
    from ..notes.dates import parse_date

    day = parse_date(value)
    if day is None or len(value.strip()) != 10:
        raise click.BadParameter(f"{value!r} is not a date like 2025-11-22")
    return day


me_option = click.option("--me", "me", multiple=True, metavar="EMAIL",
                         help="One of your own addresses (repeat for more); the `me` note's emails count too.")
since_option = click.option("--since", callback=_since, metavar="DATE",
                            help="Only from this day on (YYYY-MM-DD); default: a year before today.")
dry_run_option = click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")


@import_group.command("calendar", short_help="Meeting notes from a calendar export (.ics).")
@click.argument("file", metavar="FILE.ics", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@me_option
@since_option
@dry_run_option
@click.option("--add-people", is_flag=True,
              help="Create a person note for each attendee with a name who has none.")
@json_option
@click.pass_obj
def import_calendar(app: App, file: Path, me: tuple[str, ...], since: dt.date | None, dry_run: bool,
                    add_people: bool, as_json: bool):
    """Meeting notes from a calendar export (Google, Outlook, Apple): every meeting up to today
    with a contact there, that was not cancelled and that you did not decline. A single event
    becomes Meetings/YYYY-MM-DD Title.md; a series one note with a line per occurrence.
    Running it again, or on a newer export, adds only what is new."""
    from ..edits.capture import a_year_before, apply_capture, plan_calendar
    from ..interop.calendar import read_calendar

    since = since or a_year_before(app.today)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise VaultnetError(f"cannot read {file}: {exc.strerror}") from exc
    index = app.index(for_write=True)
    with progress_bar(app.quiet, label="reading the calendar", threshold=500) as progress:
        parsed = read_calendar(raw, since, app.today, name=file.name, progress=progress)
    plan = plan_calendar(app.vault, index, parsed.occurrences, me=me, add_people=add_people, name=file.name)
    plan.problems[:0] = parsed.problems
    if not me and not plan_knows_you(index):
        warn("vaultnet: your own addresses are unknown (--me EMAIL, or emails in the `me` note): "
             "meetings you declined cannot be told apart")
    failures = [] if dry_run else apply_capture(app.vault, plan)
    _show(plan, dry_run, as_json)
    left_out = _counts(plan.counts, ("cancelled", "declined by you", "only you", "no contact",
                                     "already in a note", "already imported"))
    summary = (f"{plural(parsed.series, 'event')} ({plural(plan.counts['occurrences'], 'occurrence')} from "
               f"{since} to {app.today}): {plural(plan.counts['meetings written'], 'meeting')} in "
               f"{plural(plan.count('create'), 'new note')}, {plan.count('update')} updated"
               f"{'; left out: ' + left_out if left_out else ''}; {plural(len(plan.problems), 'problem')}")
    warn(f"{summary} (dry run: nothing written)" if dry_run else summary)
    _finish(failures)


def plan_knows_you(index) -> bool:
    from ..network.queries import me_path
    from ..notes.values import field_values

    path = me_path(index)
    if path is None:
        return False
    rec = index.records([path]).get(path)
    return bool(rec and field_values(rec.frontmatter, "email", "emails"))


@import_group.command("mail", short_help="Log lines from mail (mbox, Maildir, .eml).")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@me_option
@since_option
@dry_run_option
@json_option
@click.pass_obj
def import_mail(app: App, path: Path, me: tuple[str, ...], since: dt.date | None, dry_run: bool, as_json: bool):
    """Log lines from mail: PATH is an mbox file (a provider's export, Thunderbird), a Maildir, an
    .eml file or a folder of them, read as a stream, headers only. Each message with a contact in
    From, To or Cc becomes one line per contact, thread and day in Mail/YYYY-MM.md; bulk mail
    and messages to more than mail_max_recipients people are left out. Running it again, or on
    the same mail in another format, adds only what is new."""
    from ..edits.capture import a_year_before, apply_capture, plan_mail
    from ..interop.mail import read_mail

    since = since or a_year_before(app.today)
    index = app.index(for_write=True)
    with progress_bar(app.quiet, label="reading mail", threshold=4 * 1024 * 1024) as progress:
        plan = plan_mail(app.vault, index, read_mail(path, progress=progress), me=me, since=since,
                         today=app.today)
    failures = [] if dry_run else apply_capture(app.vault, plan)
    _show(plan, dry_run, as_json)
    limit = app.vault.config.mail_max_recipients
    left_out = _counts(plan.counts, ("bulk", f"more than {limit} recipients", "no contact", f"before {since}",
                                     "after today", "no date", "lines already there"))
    summary = (f"{plural(plan.counts['messages'], 'message')}: {plural(plan.counts['lines written'], 'line')} in "
               f"{plural(plan.count('create'), 'new month note')}, {plan.count('update')} updated"
               f"{'; left out: ' + left_out if left_out else ''}; {plural(len(plan.problems), 'problem')}")
    warn(f"{summary} (dry run: nothing written)" if dry_run else summary)
    _finish(failures)


def _counts(counts, keys) -> str:
    return ", ".join(f"{counts[k]} {k}" for k in keys if counts.get(k))


def _show(plan, dry_run: bool, as_json: bool) -> None:
    for problem in plan.problems:
        warn(f"{problem.where}: {problem.message}")
    for skip in plan.skipped:
        warn(f"{skip.where}: {skip.message}")
    if plan.strangers:
        ranked = sorted(plan.strangers.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
        shown = ", ".join(f"{who} ({n})" for who, n in ranked[:SHOWN_STRANGERS])
        more = f" and {len(ranked) - SHOWN_STRANGERS} more" if len(ranked) > SHOWN_STRANGERS else ""
        warn(f"not in the vault (named as plain text; --add-people creates them): {shown}{more}")
    if as_json:
        emit(plan.as_json(dry_run), True)
        return
    prefix = "would " if dry_run else ""
    for note in plan.notes:
        click.echo(f"{prefix}{note.action} {note.path}")
        for line in plan.added.get(note.path) or note.changes:
            click.echo(f"    {line}")


def _finish(failures: list[str]) -> None:
    if failures:
        raise VaultnetError("some notes were not written:\n" + "\n".join(f"  {f}" for f in failures))
