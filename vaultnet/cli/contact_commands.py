"""Contacts in and out: import, export, doctor, merge."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import VaultnetError
from .base import (
    App,
    cli,
    emit,
    json_option,
    plural,
    warn,
    write_output,
)


@cli.group("import")
def import_group():
    """Bring people and interactions in: contacts (vcard, linkedin, google, outlook), meetings (calendar), mail."""


def _contact_import(app: App, kind: str, file: Path, dry_run: bool, as_json: bool) -> None:
    from ..edits.imports import apply_import, plan_import
    from ..interop.contact_formats import parse_file

    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise VaultnetError(f"cannot read {file}: {exc.strerror}") from exc
    parsed = parse_file(kind, raw)
    plan = plan_import(app.vault, app.index(for_write=True), parsed, app.today)
    for problem in plan.problems:
        warn(f"{file.name}:{problem.line}: {problem.message}" if problem.line else f"{file.name}: {problem.message}")
    failures = [] if dry_run else apply_import(app.vault, plan)
    changed = [n for n in plan.notes if n.action != "unchanged"]
    if as_json:
        emit({"dry_run": dry_run, "created": plan.count("create"), "updated": plan.count("update"),
              "unchanged": plan.count("unchanged"), "skipped": len(plan.problems),
              "notes": [n.as_json() for n in plan.notes],
              "problems": [{"line": p.line, "message": p.message} for p in plan.problems]}, True)
    else:
        for note in changed:
            click.echo(f"{'would ' if dry_run else ''}{note.action} {note.path}")
            for change in note.changes:
                click.echo(f"    {change}")
    for note in plan.notes:
        for line, conflict in note.conflicts:
            warn(f"{file.name}:{line}: {note.path}: {conflict}")
    summary = (f"{plural(len(parsed.contacts), 'record')}: {plural(plan.count('create'), 'new note')}, "
               f"{plan.count('update')} updated, {plan.count('unchanged')} already up to date; "
               f"{plural(len(plan.problems), 'problem')}")
    warn(f"{summary} (dry run: nothing written)" if dry_run else summary)
    if failures:
        raise VaultnetError("some notes were not written:\n" + "\n".join(f"  {f}" for f in failures))


def _contact_command(kind: str, what: str) -> None:
    @import_group.command(kind, short_help=f"Person notes from {what}.",
                          help=f"Create or update person notes from {what}; a person who has a note "
                               "(same email, else same name) is merged into it, never duplicated.")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Show what would be created and changed; write nothing.")
    @json_option
    @click.pass_obj
    def command(app: App, file: Path, dry_run: bool, as_json: bool):
        _contact_import(app, kind, file, dry_run, as_json)


for _kind, _what in (("vcard", "a vCard file"), ("linkedin", "LinkedIn's Connections.csv"),
                     ("google", "a Google Contacts CSV"), ("outlook", "an Outlook CSV")):
    _contact_command(_kind, _what)


@cli.command("export")
@click.argument("kind", type=click.Choice(["vcard", "csv", "json"]))
@click.option("--version", "vcard_version", type=click.Choice(["3.0", "4.0"]), default="3.0",
              show_default=True, help="The vCard version.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write to FILE instead of stdout.")
@click.pass_obj
def export_cmd(app: App, kind: str, vcard_version: str, output: Path | None):
    """Back up every person's contact details as vCard, CSV or JSON."""
    from ..interop import exports
    from ..network.queries import people_contacts

    contacts = people_contacts(app.index())
    if kind == "vcard":
        data = exports.export_vcard(contacts, vcard_version)
    elif kind == "csv":
        data = exports.export_csv(contacts)
    else:
        data = exports.export_json(contacts)
    write_output(data, output)
    warn(f"exported {len(contacts)} people" + (f" to {output}" if output else ""))


@cli.command()
@json_option
@click.pass_obj
def doctor(app: App, as_json: bool):
    """Check the vault: frontmatter, emails, phones, dates, duplicate people, ambiguous links."""
    from ..network.doctor import diagnose

    findings, notes = diagnose(app.index())
    for note in notes:
        warn(note)
    if as_json:
        emit([f.as_json() for f in findings], True)
    else:
        for f in findings:
            click.echo(f"{f.path}{':' + str(f.line) if f.line else ''}: {f.kind}: {f.message}")
    if findings:
        warn(f"{plural(len(findings), 'problem')} found")
        sys.exit(1)
    warn("no problems found")


@cli.command()
@click.argument("keep", metavar="A")
@click.argument("remove", metavar="B")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@json_option
@click.pass_obj
def merge(app: App, keep: str, remove: str, dry_run: bool, as_json: bool):
    """Merge B into A: fields joined, B's text appended, links to B pointed at A, B removed."""
    from ..edits.merging import apply_merge, plan_merge
    from ..network import queries

    index = app.index(for_write=True)
    # Never a guess: B's note is removed. A path, a file name, a name or an alias.
    a = queries.find_note(index, keep, kinds=("person", "org", "note"), guess=False)
    b = queries.find_note(index, remove, kinds=("person", "org", "note"), guess=False)
    plan = plan_merge(index, a, b)
    failures = [] if dry_run else apply_merge(index, plan)
    if as_json:
        emit({**plan.as_json(), "dry_run": dry_run}, True)
    else:
        prefix = "would " if dry_run else ""
        click.echo(f"{prefix}merge {b} into {a}")
        for change in plan.changes:
            click.echo(f"    {change}")
        for path, count in sorted(plan.rewrites.items()):
            click.echo(f"{prefix}point {count} link{'s' * (count != 1)} in {path} at {a}")
        click.echo(f"{prefix}remove {b}")
    for line in plan.conflicts + plan.skipped:
        warn(f"{a}: {line}" if line in plan.conflicts else line)
    if failures:
        raise VaultnetError("the merge did not finish:\n" + "\n".join(f"  {f}" for f in failures))
