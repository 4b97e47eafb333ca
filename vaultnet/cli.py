"""The command line: the only module that talks to the terminal."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import click

from .dates import relative_day
from .errors import NameNotFound, VaultnetError


class App:
    """Per-invocation state: the vault, the index, and whether the sync already ran."""

    def __init__(self, vault_opt: str | None, today: dt.date | None, no_sync: bool, debug: bool, quiet: bool):
        self.vault_opt = vault_opt
        self.fixed_today = today
        self.no_sync = no_sync
        self.debug = debug
        self.quiet = quiet
        self._vault = None
        self._index = None
        self.stale = False  # the index answered from its last state: no guessing names for a write

    @property
    def today(self) -> dt.date:
        """--today / VAULTNET_TODAY, else the real date (asked again each time: watch runs past midnight)."""
        return self.fixed_today or dt.date.today()

    @property
    def vault(self):
        if self._vault is None:
            from .vault import Vault, find_vault

            root = find_vault(self.vault_opt, os.environ.get("VAULTNET_VAULT"), Path.cwd())
            self._vault = Vault(root)
        return self._vault

    def index(self, sync: bool = True, for_write: bool = False):
        """The index, brought up to date first unless --no-sync.

        A command about to write (`for_write`) waits as long as a writer does and never
        goes on from a stale index: a name resolved against it could pick the wrong note.
        """
        if self._index is None:
            from .index import READER_SYNC_TIMEOUT, WRITER_TIMEOUT, NoteIndex

            self._index = NoteIndex(self.vault, on_warning=lambda m: warn(f"vaultnet: {m}"))
            click.get_current_context().call_on_close(self._index.close)
            if sync and not self.no_sync:
                from .errors import IndexReadOnly

                with progress_bar(self.quiet) as progress:
                    try:
                        stats = self._index.sync(progress=progress,
                                                 wait=WRITER_TIMEOUT if for_write else READER_SYNC_TIMEOUT)
                    except IndexReadOnly:
                        if not for_write:
                            raise
                        # A read-only or full disk: go on from the last index; the write says why it fails.
                        stats = self._index.sync(progress=progress, wait=READER_SYNC_TIMEOUT)
                report_sync(stats, self._index, verbose=False, quiet=self.quiet)
                self.stale = bool(stats.stale)
        return self._index


def warn(message: str) -> None:
    click.echo(message, err=True)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def report_sync(stats, index, verbose: bool, quiet: bool) -> None:
    if quiet:
        return
    for p in stats.problems:
        warn(f"{p['path']}{':' + str(p['line']) if p['line'] else ''}: {p['message']}")
    if verbose:
        warn(
            f"{stats.unchanged + len(stats.added) + len(stats.updated)} notes: "
            f"{len(stats.added)} added, {len(stats.updated)} updated, {len(stats.removed)} removed, "
            f"{stats.unchanged} unchanged, {len(stats.problems)} problems ({stats.seconds:.2f}s)"
        )


class progress_bar:
    """A rich progress bar on stderr for long builds, only when stderr is a terminal."""

    THRESHOLD = 200

    def __init__(self, quiet: bool):
        self.enabled = not quiet and sys.stderr.isatty()
        self._progress = None
        self._task = None

    def __enter__(self):
        return self.update if self.enabled else None

    def update(self, done: int, total: int) -> None:
        if total < self.THRESHOLD:
            return
        if self._progress is None:
            from rich.console import Console
            from rich.progress import Progress

            self._progress = Progress(console=Console(stderr=True), transient=True)
            self._progress.start()
            self._task = self._progress.add_task("indexing", total=total)
        self._progress.update(self._task, completed=done)

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.stop()


def emit(data, as_json: bool, columns: list[tuple[str, str]] | None = None, empty: str = "") -> None:
    """JSON on stdout, or a table: rich on a terminal, plain aligned text when piped."""
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not data:
        if empty:
            warn(empty)
        return
    assert columns is not None
    rows = [[_cell(row.get(key)) for key, _ in columns] for row in data]
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for _, title in columns:
            table.add_column(title, overflow="fold")
        for row in rows:
            table.add_row(*(_markup(c) for c in row))
        Console().print(table)
        return
    widths = [max(len(title), *(len(r[i]) for r in rows)) for i, (_, title) in enumerate(columns)]
    widths[-1] = 0  # the last column is never padded
    click.echo("  ".join(t.ljust(w) for (_, t), w in zip(columns, widths)).rstrip())
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return " ".join(str(value).split())


def _markup(text: str):
    from rich.text import Text

    # **bold** from snippets becomes real bold; everything else is shown as text, never markup.
    out = Text()
    parts = text.split("**")
    for i, part in enumerate(parts):
        out.append(part, style="bold yellow" if i % 2 else None)
    return out


def parse_today(ctx, param, value):
    if value is None:
        return None
    from .dates import parse_date

    day = parse_date(value)
    if day is None or len(value.strip()) != 10:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-22")
    return day


class VaultnetGroup(click.Group):
    """The one error boundary: domain errors become `Error: ...` and exit 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except VaultnetError as exc:
            if ctx.params.get("debug"):
                raise
            raise click.ClickException(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except OSError as exc:
            # A closed pipe (`vaultnet links | head`) is click's to end quietly.
            if ctx.params.get("debug") or isinstance(exc, BrokenPipeError):
                raise
            where = f" ({exc.filename})" if exc.filename else ""
            raise click.ClickException(f"{exc.strerror or exc}{where}") from None


@click.group(cls=VaultnetGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--vault", metavar="DIR", help="The vault folder (else VAULTNET_VAULT, else the nearest folder with .vaultnet/ or .obsidian/).")
@click.option("--today", metavar="YYYY-MM-DD", envvar="VAULTNET_TODAY", callback=parse_today,
              help="Take this date as today (also VAULTNET_TODAY).")
@click.option("--no-sync", is_flag=True, help="Answer from the index as it is; skip the scan for changed notes.")
@click.option("-q", "--quiet", is_flag=True, help="No counts or per-note problems on stderr.")
@click.option("--debug", is_flag=True, help="Show a traceback on errors.")
@click.version_option(package_name="vaultnet")
@click.pass_context
def cli(ctx, vault, today, no_sync, quiet, debug):
    """Keep a professional network alive in plain Markdown files."""
    ctx.obj = App(vault, today, no_sync, debug, quiet)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def init(app: App, directory: Path):
    """Make DIRECTORY (default: here) a vault, and index it."""
    from .index import NoteIndex
    from .vault import Vault, init_vault

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
    from .index import NoteIndex

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
            "problems": index.problems() + [p for p in stats.problems if p["line"] is None and
                                            not any(q["path"] == p["path"] for q in index.problems())],
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
    from . import queries

    rows = queries.search(app.index(), query, None if kind == "any" else kind, limit)
    emit(rows, as_json, [("name", "NAME"), ("kind", "KIND"), ("path", "PATH"), ("snippet", "SNIPPET")],
         empty="no matches")


@cli.command()
@click.argument("name")
@json_option
@click.pass_obj
def show(app: App, name: str, as_json: bool):
    """The card of NAME: fields, aliases, tags, how many notes mention them, their log."""
    from . import queries

    index = app.index()
    data = queries.card(index, queries.find_note(index, name), app.today)
    if as_json:
        emit(data, True)
        return
    click.echo(data["name"])
    click.echo(f"  path:       {data['path']}")
    click.echo(f"  kind:       {data['kind']}")
    for key, label in (("aliases", "aliases"), ("company", "company"), ("role", "role"),
                       ("emails", "emails"), ("phones", "phones"), ("tags", "tags"),
                       ("cadence_days", "cadence"), ("last_contact", "last"), ("next_due", "next due")):
        if data[key]:
            value = f"every {data[key]} days" if key == "cadence_days" else _cell(data[key])
            if key == "next_due":
                value += f" ({relative_day(data[key], app.today)}, {data['due_reason'].replace('_', ' ')})"
            click.echo(f"  {label + ':':<11} {value}")
    click.echo(f"  {'mentioned:':<11} {data['backlinks']} note(s)")
    if data["gave"] or data["got"]:
        click.echo(f"  {'ledger:':<11} gave {data['gave']}, got {data['got']}")
    if data["interactions"]:
        click.echo("  interactions:")
        for item in data["interactions"][:10]:
            where = "" if item["source"] == data["path"] else f"  ({item['source']})"
            click.echo(f"    {item['date']}  {_cell(item['text'])}{where}")
        if len(data["interactions"]) > 10:
            click.echo(f"    … {len(data['interactions']) - 10} more (--json for all)")


@cli.command()
@click.argument("name")
@json_option
@click.pass_obj
def backlinks(app: App, name: str, as_json: bool):
    """Every place that links NAME: source, line, the line's text, its date.

    NAME may also be someone who has no note yet but is linked ([[Dana Whitfield]]).
    """
    from . import queries

    index = app.index()
    try:
        path = queries.find_note(index, name)
    except NameNotFound:
        # Someone mentioned but without a note yet: show where they are mentioned.
        rows = queries.mentions_of_unresolved(index, name)
        if not rows:
            raise
    else:
        rows = queries.backlinks(index, path)
    emit(rows, as_json, [("source", "SOURCE"), ("line", "LINE"), ("date", "DATE"), ("context", "CONTEXT")],
         empty="no backlinks")


@cli.command()
@click.option("--unresolved", is_flag=True, help="Only targets with no note, most mentioned first.")
@json_option
@click.pass_obj
def links(app: App, unresolved: bool, as_json: bool):
    """Every link in the vault and what it resolves to."""
    from . import queries

    index = app.index()
    if unresolved:
        rows = queries.unresolved_links(index)
        emit(rows, as_json, [("count", "COUNT"), ("target", "TARGET"), ("sources", "MENTIONED IN")],
             empty="no unresolved links")
    else:
        rows = queries.all_links(index)
        emit(rows, as_json, [("source", "SOURCE"), ("line", "LINE"), ("target", "TARGET"),
                             ("resolved", "RESOLVED"), ("via", "VIA")], empty="no links")


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
    from . import queries

    rows = queries.network(app.index(), app.today).due(within=within, tag=tag)
    if ics is not None:
        from .ics import due_calendar
        from .writes import write_export

        write_export(ics, due_calendar(rows, app.today))
        warn(f"wrote {len(rows)} events to {ics}")
    for row in rows:
        row["when"] = relative_day(row["next_due"], app.today)
        row["why"] = row["reason"].replace("_", " ")
    emit(rows if not as_json else [{k: v for k, v in r.items() if k not in ("when", "why")} for r in rows],
         as_json, [("name", "NAME"), ("next_due", "DUE"), ("when", "WHEN"), ("why", "WHY"),
                   ("last_contact", "LAST CONTACT")], empty="nobody is due")


@cli.command()
@json_option
@click.pass_obj
def ledger(app: App, as_json: bool):
    """Gave and got per person (#gave/#got log lines): those you only take from first."""
    from . import queries

    rows = queries.network(app.index(), app.today).ledger()
    emit(rows, as_json, [("name", "NAME"), ("gave", "GAVE"), ("got", "GOT"), ("balance", "BALANCE")],
         empty="no #gave or #got yet")


@cli.command()
@json_option
@click.pass_obj
def orphans(app: App, as_json: bool):
    """People nobody links and with no interactions: acquaintances, not yet relationships."""
    from . import queries

    rows = queries.network(app.index(), app.today).orphans()
    emit(rows, as_json, [("name", "NAME"), ("path", "PATH")], empty="no orphans")


@cli.command()
@click.argument("name")
@click.argument("text")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="The day it happened (default: today).")
@click.option("--gave", is_flag=True, help="You helped them: adds #gave.")
@click.option("--got", is_flag=True, help="They helped you: adds #got.")
@json_option
@click.pass_obj
def log(app: App, name: str, text: str, day: str | None, gave: bool, got: bool, as_json: bool):
    """Append `- DATE TEXT` to NAME's `## Log` section (made at the end if missing)."""
    from . import queries
    from .edits import append_log, log_entry

    if gave and got:
        raise click.UsageError("use just one of --gave or --got")
    when = app.today if day is None else parse_today(None, None, day)
    assert when is not None
    index = app.index(for_write=True)
    path = queries.find_note(index, name, kinds=("person", "org", "note"), guess=not app.stale)
    result = append_log(app.vault, path, log_entry(text, when, gave, got))
    if when > app.today:
        warn(f"{when.isoformat()} is in the future: a plan, not counted as contact until that day")
    if as_json:
        emit(result, True)
    else:
        click.echo(f"{result['path']}:{result['line']}: {result['text']}")


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
    from .dates import parse_cadence
    from .edits import add_person

    if cadence is not None and parse_cadence(cadence) is None:
        raise click.BadParameter(f"{cadence!r} is not a cadence (10d, 2w, 3m, 1y, weekly, monthly...)",
                                 param_hint="--cadence")
    if not name.strip():
        raise click.BadParameter("the name is empty", param_hint="NAME")
    path = add_person(app.vault, name, company=company, role=role, emails=email, phones=phone,
                      tags=tag, cadence=cadence, met=met)
    if as_json:
        emit({"path": path}, True)
    else:
        click.echo(path)


@cli.command()
@click.pass_obj
def report(app: App):
    """Write the report notes (Follow-ups, Unresolved, Ledger, Network) into the report folder."""
    from . import reports

    written = reports.write(app.index(), app.today)
    folder = app.vault.config.report_dir
    warn(f"wrote {', '.join(written)}" if written else f"the reports in {folder}/ are up to date")


@cli.command()
@click.option("--no-reports", is_flag=True, help="Keep only the index current; do not write report notes.")
@click.pass_obj
def watch(app: App, no_reports: bool):
    """Keep the index and the report notes current as files change, until Ctrl-C."""
    import signal
    import threading
    import time as clock

    from .index import NoteIndex
    from .watcher import Watcher

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
        from .vault import shown

        warn(f"watching {shown(app.vault.root)}: {notes} notes indexed ({summary(batch)}, {batch.seconds:.2f}s); "
             "Ctrl-C to stop")

    def on_batch(batch) -> None:
        if not app.quiet:
            for p in batch.stats.problems:
                warn(f"{p['path']}{':' + str(p['line']) if p['line'] else ''}: {p['message']}")
            warn(f"{clock.strftime('%H:%M:%S')} {summary(batch)} ({batch.seconds:.2f}s)")

    Watcher(index, lambda: app.today, on_batch, reports=not no_reports).run(stop, ready)
    warn("stopped")


@cli.command()
@click.argument("target")
@click.option("--max-hops", type=click.IntRange(min=1, max=6), default=3, show_default=True,
              help="The longest chain of people to consider.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True, help="At most this many paths.")
@json_option
@click.pass_obj
def intro(app: App, target: str, max_hops: int, limit: int, as_json: bool):
    """How to reach TARGET, a person or anyone at an organization: shortest, then strongest paths."""
    from .graph import intro as find_paths

    rows = find_paths(app.index(), app.today, target, max_hops=max_hops, limit=limit)
    if as_json:
        emit(rows, True)
        return
    if not rows:
        warn(f"no path to {target} within {max_hops} hops")
        return
    for row in rows:
        click.echo(f"{row['hops']} hop{'s' if row['hops'] > 1 else ''}: " + " → ".join(row["path"]))
        for ev in row["evidence"]:
            when = f" {ev['date']}" if ev["date"] else ""
            click.echo(f"    {ev['from']} – {ev['to']}: {ev['source']}:{ev['line']}{when}  {_cell(ev['context'])}")


@cli.command()
@click.argument("topic")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True, help="At most this many people.")
@json_option
@click.pass_obj
def who(app: App, topic: str, limit: int, as_json: bool):
    """People related to TOPIC, by their own notes and the notes that mention them."""
    from .topics import who as find_people

    rows = find_people(app.index(), topic, limit=limit)
    if as_json:
        emit(rows, True)
        return
    if not rows:
        warn(f"nobody in your notes is linked to {topic!r}")
        return
    for row in rows:
        click.echo(f"{row['name']}  ({row['score']:.1f})")
        for ev in row["evidence"]:
            click.echo(f"    {ev['source']}:{ev['line']}  {_cell(ev['context'])}")


GRAPH_FORMATS = ("json", "dot", "graphml", "html")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(GRAPH_FORMATS), default="json", show_default=True,
              help="json, Graphviz dot, GraphML, or a self-contained html page.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write to FILE instead of stdout.")
@click.pass_obj
def graph(app: App, fmt: str, output: Path | None):
    """The network as a graph file: people and organizations as nodes, who-knows-whom as edges."""
    from . import graph as g
    from . import queries

    index = app.index()
    network = g.build(index, app.today)
    due = {r["path"]: r["overdue_days"] for r in queries.network(index, app.today).due(within=36500)}
    if fmt == "json":
        data = (json.dumps(g.as_json(network, due), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    elif fmt == "dot":
        data = g.as_dot(network).encode("utf-8")
    elif fmt == "graphml":
        data = g.as_graphml(network)
    else:
        data = g.as_html(network, due, title=f"{app.vault.root.name} — vaultnet").encode("utf-8")
    write_output(data, output)
    if output is not None:
        warn(f"wrote {network.number_of_nodes()} nodes and {network.number_of_edges()} edges to {output}")


@cli.command("import")
@click.argument("kind", type=click.Choice(["vcard", "linkedin", "google"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be created and changed; write nothing.")
@json_option
@click.pass_obj
def import_cmd(app: App, kind: str, file: Path, dry_run: bool, as_json: bool):
    """Create or update person notes from a vCard file, LinkedIn's Connections.csv or a Google Contacts CSV."""
    from .imports import apply_import, parse_file, plan_import

    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise VaultnetError(f"cannot read {file}: {exc.strerror}") from exc
    parsed = parse_file(kind, raw)
    plan = plan_import(app.vault, app.index(for_write=True), parsed)
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


@cli.command("export")
@click.argument("kind", type=click.Choice(["vcard", "csv", "json"]))
@click.option("--version", "vcard_version", type=click.Choice(["3.0", "4.0"]), default="3.0",
              show_default=True, help="The vCard version.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write to FILE instead of stdout.")
@click.pass_obj
def export_cmd(app: App, kind: str, vcard_version: str, output: Path | None):
    """Back up every person's contact details as vCard, CSV or JSON."""
    from . import exports
    from .queries import people_contacts

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
    from .doctor import diagnose

    findings, notes = diagnose(app.index())
    for note in notes:
        warn(note)
    if as_json:
        emit([f.as_json() for f in findings], True)
    else:
        for f in findings:
            click.echo(f"{f.path}{':' + str(f.line) if f.line else ''}: {f.kind}: {f.message}")
    if findings:
        warn(f"{len(findings)} problems found")
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
    from . import queries
    from .merging import apply_merge, plan_merge

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


def write_output(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        from .writes import write_export

        write_export(output, data)


def main() -> None:
    cli(prog_name="vaultnet")


if __name__ == "__main__":
    main()
