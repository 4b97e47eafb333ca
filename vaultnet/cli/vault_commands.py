"""The vault and its notes: init, index, search, show, backlinks, links, report, watch."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from ..notes.dates import from_today, relative_day
from .base import (
    App,
    _cell,
    cli,
    emit,
    json_option,
    plural,
    progress_bar,
    report_sync,
    warn,
)


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def init(app: App, directory: Path):
    """Make DIRECTORY (default: here) a vault, and index it."""
    from ..index import NoteIndex
    from ..vault.folder import Vault, init_vault

    for name in init_vault(directory):
        warn(f"created {os.path.join(directory, name)}")
    with NoteIndex(Vault(directory.resolve()), on_warning=lambda m: warn(f"vaultnet: {m}")) as index, progress_bar(app.quiet) as progress:
        stats = index.sync(progress=progress)
        report_sync(stats, index, verbose=True, quiet=app.quiet)


@cli.command("index")
@click.option("--rebuild", is_flag=True, help="Throw the index away and build it again from the notes.")
@json_option
@click.pass_obj
def index_cmd(app: App, rebuild: bool, as_json: bool):
    """Bring the index up to date; say what changed on stderr."""
    from ..index import NoteIndex

    index = NoteIndex(app.vault, on_warning=lambda m: warn(f"vaultnet: {m}"))
    click.get_current_context().call_on_close(index.close)
    with progress_bar(app.quiet) as progress:
        stats = index.sync(rebuild=rebuild, progress=progress)
    report_sync(stats, index, verbose=True, quiet=app.quiet or as_json)
    if as_json:
        emit({
            "added": len(stats.added),
            "updated": len(stats.updated),
            "removed": len(stats.removed),
            "unchanged": stats.unchanged,
            "problems": index.problems(stats.problems),
        }, True)


@cli.command()
@click.argument("query")
@click.option("--type", "kind", type=click.Choice(["person", "org", "note", "any"]), default="any",
              show_default=True, help="Only notes of this kind.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="At most this many results.")
@json_option
@click.pass_obj
def search(app: App, query: str, kind: str, limit: int, as_json: bool):
    """Full-text search, best first. QUERY uses fields like company:acme tag:mentor name:ada~ ('*' for all)."""
    from ..network import queries

    rows = queries.search(app.index(reads_commit=True), query, None if kind == "any" else kind, limit, today=app.today)
    if not as_json:
        for row in rows:  # a note is best named by where it is; people and organizations by name
            row["shown"] = row["name"] if row["kind"] != "note" else row["path"].removesuffix(".md")
    emit(rows, as_json, [("shown", "NAME"), ("kind", "KIND"), ("company", "COMPANY"), ("role", "ROLE"),
                         ("last_contact", "LAST CONTACT"), ("snippet", "SNIPPET")], empty="no matches")


@cli.command()
@click.argument("name")
@click.option("--all", "show_all", is_flag=True, help="Every interaction, not only the latest ten.")
@json_option
@click.pass_obj
def show(app: App, name: str, show_all: bool, as_json: bool):
    """The card of NAME: contact fields, cadence, last contact, next due, ledger, interactions."""
    from ..network import queries

    index = app.index()  # the records a card reads are kept beside the index (index/kept_records.py)
    data = queries.card(index, queries.find_note(index, name), app.today)
    if as_json:
        emit(data, True)
        return
    click.echo(data["name"])

    def line(label: str, value) -> None:
        click.echo(f"  {label + ':':<11} {value}")

    line("path", data["path"])
    line("kind", data["kind"])
    for key, label in (("aliases", "aliases"), ("company", "company"), ("role", "role"), ("emails", "emails"),
                       ("phones", "phones"), ("birthday", "birthday"), ("location", "location"),
                       ("linkedin", "linkedin"), ("met", "met"), ("introduced_by", "introduced"),
                       ("knows", "knows"), ("reference", "reference"), ("tags", "tags")):
        if data.get(key) and not (key == "birthday" and data.get("next_birthday")):  # shown with the next one
            line(label, _cell(data[key]))
    if data["kind"] == "person":
        if data["cadence_days"]:
            written = data["cadence"] if data["cadence"] and not data["cadence"].isdigit() else None
            line("cadence", f"{written} (every {data['cadence_days']} days)" if written
                 else f"every {data['cadence_days']} days")
        else:
            line("cadence", f"none: never due by cadence; set one with: vaultnet set {_quoted(data['name'])} "
                            "cadence 3m")
        if data["follow_up"]:
            met = " (met)" if data["follow_up_met"] else ""
            line("follow-up", f"{data['follow_up']}{met}")
        if data["last_contact"]:
            line("last", data["last_contact"])
        if data["next_due"]:
            line("next due", f"{data['next_due']} ({relative_day(data['next_due'], app.today)}, "
                             f"{(data['due_reason'] or '').replace('_', ' ')})")
        else:
            line("next due", "never (no cadence, follow-up or open task)")
        if data["next_birthday"]:
            line("birthday", _birthday_line(data, app.today))
        if data["latest_news"]:
            line("news", f"{data['latest_news']['date']}  {_cell(data['latest_news']['text'])}")
        if data["noticed"]:
            line("noticed", f"your work {plural(data['noticed'], 'time')}")
    click.echo(f"  mentioned in {plural(data['backlinks'], 'note')}")
    if data["gave"] or data["got"]:
        line("ledger", f"gave {data['gave']}, got {data['got']}")
    if data["fields"]:
        click.echo("  fields:")
        for key, value in data["fields"].items():
            click.echo(f"    {key}: {_cell(value) if not isinstance(value, dict) else _cell(list(value.items()))}")
    if data.get("people"):
        click.echo("  people:")
        for person in data["people"]:
            role = f", {person['role']}" if person["role"] else ""
            last = f"  (last contact {person['last_contact']})" if person["last_contact"] else ""
            click.echo(f"    {person['name']}{role}{last}")
    for title, items in (("interactions", data["interactions"]), ("planned", data["planned"])):
        if not items:
            continue
        click.echo(f"  {title}:")
        shown = items if show_all else items[:10]
        for item in shown:
            where = "" if item["source"] == data["path"] else f"  ({item['source']})"
            click.echo(f"    {item['date']}  {_cell(item['text'])}{where}")
        if len(items) > len(shown):
            click.echo(f"    … {len(items) - len(shown)} more (--all for every one)")


def _quoted(name: str) -> str:
    return f'"{name}"' if any(c in name for c in " '\"") else name


@cli.command()
@click.argument("name")
@json_option
@click.pass_obj
def backlinks(app: App, name: str, as_json: bool):
    """Every place that links NAME: source, line, the line's text, its date.

    NAME may also be someone who has no note yet but is linked ([[Dana Whitfield]]).
    """
    from ..network import queries

    rows = queries.backlinks_of(app.index(), name)  # records kept beside the index, as show's
    emit(rows, as_json, [("source", "SOURCE"), ("line", "LINE"), ("date", "DATE"), ("context", "CONTEXT")],
         empty="no backlinks")


@cli.command()
@click.option("--unresolved", is_flag=True, help="Only targets with no note, most mentioned first.")
@json_option
@click.pass_obj
def links(app: App, unresolved: bool, as_json: bool):
    """Every link in the vault and what it resolves to (a note, or an attachment's path).

    --unresolved: the targets with neither, most mentioned first; FILE marks a missing
    attachment (an image, a pdf, a canvas), the others are notes to write.
    """
    from ..network import queries

    index = app.index(reads_commit=True)
    if unresolved:
        rows = queries.unresolved_links(index)
        emit(rows, as_json, [("count", "COUNT"), ("target", "TARGET"), ("attachment", "FILE"),
                             ("sources", "MENTIONED IN")], empty="no unresolved links")
    else:
        rows = queries.all_links(index)
        emit(rows, as_json, [("source", "SOURCE"), ("line", "LINE"), ("target", "TARGET"),
                             ("resolved", "RESOLVED"), ("via", "VIA")], empty="no links")


@cli.command()
@click.pass_obj
def report(app: App):
    """Write the report notes (Follow-ups, Unresolved, Ledger, Network) into the report folder."""
    from ..edits import reports

    written = reports.write(app.index(), app.today)
    folder = app.vault.config.report_dir
    warn(f"wrote {', '.join(written)}" if written else f"the reports in {folder}/ are up to date")


@cli.command()
@click.option("--no-reports", is_flag=True, help="Keep only the index current; do not write report notes.")
@click.option("--no-answers", is_flag=True,
              help="Do not answer other vaultnet commands' reading commands from memory.")
@click.pass_obj
def watch(app: App, no_reports: bool, no_answers: bool):
    """Keep the index and the report notes current as files change, until Ctrl-C.

    While it runs, reading commands (due, show, search, ledger, ...) with piped output are
    answered by it from memory, the same bytes sooner."""
    import signal
    import threading
    import time as clock

    from ..gc_pause import freeze_after_loads
    from ..index import NoteIndex
    from ..watch.watcher import Watcher
    from .resident import ResidentServer

    # Its own messages go to its own stderr, also while an answer for another process is
    # being written (cli/resident.py points sys.stderr at that process's for the while).
    stderr = sys.stderr

    def say(message: str) -> None:
        click.echo(message, file=stderr)

    freeze_after_loads(False)  # it lives on: every batch's garbage must stay collectable

    index = NoteIndex(app.vault, on_warning=lambda m: warn(f"vaultnet: {m}"))
    click.get_current_context().call_on_close(index.close)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Finish the batch in hand, then leave: no KeyboardInterrupt in the middle of a write.
            signal.signal(sig, lambda *_: stop.set())

    def summary(batch) -> str:
        st = batch.stats
        parts = [f"{len(v)} {k}" for k, v in (("added", st.added), ("updated", st.updated),
                                               ("removed", st.removed)) if v]
        if batch.reports:
            parts.append("reports: " + ", ".join(r.rsplit("/", 1)[-1] for r in batch.reports))
        return ", ".join(parts) or "no change"

    def ready(batch) -> None:
        notes = batch.stats.unchanged + len(batch.stats.added) + len(batch.stats.updated)
        from ..vault.folder import shown

        say(f"watching {shown(app.vault.root)}: {notes} notes indexed ({summary(batch)}, {batch.seconds:.2f}s); "
            "Ctrl-C to stop")
        if server is not None:
            server.start()

    def changed(batch) -> str:
        """Which notes changed, by name: `updated People/Ada Lovelace.md; added ...`."""
        st = batch.stats
        parts = []
        for what, paths in (("added", st.added), ("updated", st.updated), ("removed", st.removed)):
            if paths:
                listed = ", ".join(sorted(paths)[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
                parts.append(f"{what} {listed}")
        if batch.reports:
            parts.append("reports: " + ", ".join(r.rsplit("/", 1)[-1] for r in batch.reports))
        return "; ".join(parts) or "no change"

    def on_batch(batch) -> None:
        if not app.quiet:
            for p in batch.stats.problems:
                say(f"{p['path']}{':' + str(p['line']) if p['line'] else ''}: {p['message']}")
            say(f"{clock.strftime('%H:%M:%S')} {changed(batch)} ({batch.seconds:.2f}s)")

    guard = threading.Lock()  # batches and answers take turns on the index
    watcher = Watcher(index, lambda: app.today, on_batch, reports=not no_reports, guard=guard)
    server = None if no_answers else ResidentServer(index, watcher, guard, say)
    undo = _own_stderr_for_other_threads(stderr)
    try:
        watcher.run(stop, ready)
    finally:
        if server is not None:
            server.stop()
        undo()
    say("stopped")


def _own_stderr_for_other_threads(stderr):
    """What watchdog's threads have to say (its warnings, an exception that ends one) goes to the
    watch's stderr, not to that of a process it is answering at that moment (cli/resident.py)."""
    import logging
    import threading

    handler = logging.StreamHandler(stderr)
    handler.setFormatter(logging.Formatter("vaultnet: %(name)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    logging.getLogger("watchdog").addHandler(handler)

    def hook(args) -> None:
        import traceback

        stderr.write("".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)))
        stderr.flush()

    before = threading.excepthook
    threading.excepthook = hook

    def undo() -> None:
        logging.getLogger("watchdog").removeHandler(handler)
        threading.excepthook = before

    return undo


def _birthday_line(card: dict, today) -> str:
    """`1985-12-10: next 2026-12-10 (in 18 days, turns 41)`, or the one just past while due."""
    day = dt.date.fromisoformat(card["next_birthday"])
    age = card["age"]
    if day > today:
        return f"{card['birthday']}: next {day} ({from_today(day, today)}" \
               f"{f', turns {age + 1}' if age is not None else ''})"
    return f"{card['birthday']}: {day} ({from_today(day, today)}{f', turned {age}' if age is not None else ''})"
