"""The command group, its one error boundary, and the helpers every command prints with."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import click

from ..errors import BadValue, VaultnetError, os_error_message

if TYPE_CHECKING:  # imported when used: a command that needs no index never loads it
    from rich.progress import Progress, TaskID

    from ..index import NoteIndex, SyncStats
    from ..vault import Vault


class Resident(Protocol):
    """A running watch's index, for a command it answers for another process (cli/resident.py)."""

    index: NoteIndex
    today: dt.date

    def catch_up(self, for_write: bool) -> SyncStats: ...

    def latest(self) -> None: ...


class App:
    """Per-invocation state: the vault, the index, and whether the sync already ran."""

    def __init__(self, vault_opt: str | None, today: dt.date | None, no_sync: bool, debug: bool, quiet: bool,
                 resident: Resident | None = None):
        self.vault_opt = vault_opt
        # Set when a running watch answers for another process (cli/resident.py): its index,
        # kept current, instead of one opened and synced here.
        self.resident = resident
        self.fixed_today = today
        self.no_sync = no_sync
        self.debug = debug
        self.quiet = quiet
        self._vault: Vault | None = None
        self._index: NoteIndex | None = None
        self.stale = False  # the index answered from its last state: no guessing names for a write

    @property
    def today(self) -> dt.date:
        """--today / VAULTNET_TODAY, else the real date (asked again each time: watch runs past midnight)."""
        return self.fixed_today or dt.date.today()

    @property
    def vault(self) -> Vault:
        if self._vault is None and self.resident is not None:
            self._vault = self.resident.index.vault
        if self._vault is None:
            from ..vault.folder import Vault, find_vault

            root = find_vault(self.vault_opt, os.environ.get("VAULTNET_VAULT"), Path.cwd())
            self._vault = Vault(root)
        return self._vault

    def index(self, sync: bool = True, for_write: bool = False, reads_commit: bool = False,
              kept: str | None = None) -> NoteIndex:
        """The index, brought up to date first unless --no-sync; `reads_commit`: the command reads
        the full text or every record (NoteIndex.expect_reading), not only what is kept beside
        them (the lists, and the few records a card reads);
        `kept`: the list kept beside the index it answers from (NoteIndex.expect_kept).

        A command about to write (`for_write`) waits as long as a writer does and never
        goes on from a stale index: a name resolved against it could pick the wrong note.
        A command that only reads and ends (protocol.READING, those a watch may answer) answers
        from the notes it parsed and writes their commit after (index/unwritten.py), holding the
        index's lock until then; any other (a server, an editor open, one that writes files)
        commits first, so that lock is never held while it goes on.
        """
        if self._index is None and self.resident is not None:
            index = self._index = self.resident.index
            if sync and not self.no_sync:
                stats = self.resident.catch_up(for_write)
                report_sync(stats, index, verbose=False, quiet=self.quiet)
                self.stale = bool(stats.stale)
            else:
                self.resident.latest()
        if self._index is None:
            from ..index import NoteIndex, sync_for

            index = self._index = NoteIndex(self.vault, on_warning=lambda m: warn(f"vaultnet: {m}"))
            click.get_current_context().call_on_close(index.close)
            if sync and not self.no_sync:
                from .protocol import READING

                if reads_commit:
                    index.expect_reading()
                if kept is not None:
                    index.expect_kept(kept)

                answer_first = not for_write and click.get_current_context().command.name in READING
                with progress_bar(self.quiet) as progress:
                    stats = sync_for(lambda wait: index.sync(progress=progress, wait=wait, answer_first=answer_first),
                                     for_write)
                report_sync(stats, index, verbose=False, quiet=self.quiet)
                self.stale = bool(stats.stale)
                if index.has_unwritten():  # a first answer, from the notes: the index after it
                    click.get_current_context().call_on_close(lambda: write_behind(index))
        return self._index


# Set by main(): this process is the `vaultnet` program, which may hand work to a process of
# its own; a test's CliRunner, or a watch answering for another process, writes in place.
_WRITE_IN_BACKGROUND = False
_KEPT_UNTIL_EXIT: list = []  # what a process that handed its writing over ends without freeing


def write_behind(index: NoteIndex) -> None:
    """After a first answer, write the index its notes were parsed for (index/unwritten.py).

    The program forks a process that writes it and lets the command end: its answer is out,
    and a first index takes several times as long as the parse. That process holds the
    index's lock (the same descriptor), so other commands wait for it or answer from their
    own parse; killed, it leaves what a killed `index` leaves, which the next sync heals.
    """
    import threading

    # Forking is safe only with no other thread, which could hold a lock the child then waits for
    # (the MCP server's threads: it writes in place).
    if _WRITE_IN_BACKGROUND and hasattr(os, "fork") and threading.active_count() == 1:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        try:
            pid = os.fork()
        except OSError:
            pid = -1  # no process to spare: write it here
        if pid == 0:
            _write_detached(index)
        if pid > 0:
            # Our copy of the lock's descriptor goes, not the lock: the child's now. The notes, and
            # the state folded from them, are kept until the process ends (main), which never
            # spends the time to free them: after the fork every page they are on would be copied
            # to count their references down (0.12 s of a first answer at 10,000 notes).
            _KEPT_UNTIL_EXIT.extend((index.hand_over(), index))
            return
    try:
        index.write_unwritten()
    except VaultnetError as exc:
        warn(f"vaultnet: the index was not written ({exc}); the next command writes it")
    except OSError as exc:
        warn(f"vaultnet: the index was not written ({os_error_message(exc)}); the next command writes it")


def _write_detached(index: NoteIndex):
    """In the forked process: leave the terminal's session and streams, write, and go."""
    code = 1
    try:
        os.setsid()  # a Ctrl-C at the terminal is for the command, which has ended
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # a pipe held open would keep a reader of the answer waiting
            os.dup2(null, fd)
        index.write_unwritten()
        code = 0
    except BaseException:  # nobody to tell: the next command finds no index and writes it
        pass
    finally:
        os._exit(code)


def warn(message: str) -> None:
    click.echo(message, err=True)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def report_sync(stats, index, verbose: bool, quiet: bool) -> None:
    if quiet:
        return
    # In path order, as `--json` and `doctor` list them: the scan's order is the file system's.
    for p in sorted(stats.problems, key=lambda p: (p["path"], p["line"] or 0)):
        warn(f"{p['path']}{':' + str(p['line']) if p['line'] else ''}: {p['message']}")
    if verbose:
        # Every known problem is counted, also those an earlier sync found (and printed).
        known = len(index.problems(stats.problems))
        where = " (`vaultnet doctor` lists them)" if known > len(stats.problems) else ""
        warn(
            f"{stats.unchanged + len(stats.added) + len(stats.updated)} notes: "
            f"{len(stats.added)} added, {len(stats.updated)} updated, {len(stats.removed)} removed, "
            f"{stats.unchanged} unchanged, {plural(known, 'problem')}{where} ({stats.seconds:.2f}s)"
        )


class progress_bar:
    """A rich progress bar on stderr for long builds, only when stderr is a terminal."""

    THRESHOLD = 200

    def __init__(self, quiet: bool, label: str = "indexing", threshold: int = THRESHOLD):
        self.enabled = not quiet and sys.stderr.isatty()
        self.label = label
        self.threshold = threshold  # below this total (notes, events, bytes) no bar is worth showing
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self):
        return self.update if self.enabled else None

    def update(self, done: int, total: int) -> None:
        if total < self.threshold:
            return
        if self._progress is None:
            from rich.console import Console
            from rich.progress import Progress

            progress = Progress(console=Console(stderr=True), transient=True)
            progress.start()
            self._task = progress.add_task(self.label, total=total)
            self._progress = progress
        assert self._task is not None
        self._progress.update(self._task, completed=done)

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.stop()


def emit(data, as_json: bool, columns: list[tuple[str, str]] | None = None, empty: str = "",
         row_style=None) -> None:
    """JSON on stdout, or a table: rich on a terminal, plain aligned text when piped.

    `row_style(row)` gives a rich style for a row (overdue in red); colour is for a
    terminal only, so piped output never holds escape codes."""
    if as_json:
        from .json_output import dumps

        click.echo(dumps(data))
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
        for row, item in zip(rows, data):
            table.add_row(*(_markup(c) for c in row), style=row_style(item) if row_style else None)
        Console().print(table)
        return
    widths = [max(len(title), *(len(r[i]) for r in rows)) for i, (_, title) in enumerate(columns)]
    widths[-1] = 0  # the last column is never padded
    lines = ["  ".join(t.ljust(w) for (_, t), w in zip(columns, widths)).rstrip()]
    lines.extend("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)
    click.echo("\n".join(lines))  # one write: thousands of rows, each echoed, took a tenth of a `due`


def _cell(value) -> str:
    if value.__class__ is str and value.isprintable() and "  " not in value \
            and value[:1] != " " and value[-1:] != " ":
        return value  # nothing to fold: isprintable() is False for every whitespace but " "
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
    from ..notes.dates import date_argument

    try:
        return date_argument(value)
    except BadValue as exc:  # a callback's error is click's to show
        raise click.BadParameter(str(exc)) from None


def parse_day_arg(value: str, today: dt.date, param: str, *, past: bool | None = None) -> dt.date:
    """A day typed on the command line (notes/dates.py's one grammar, `day_argument`), its error
    shown as click shows its own, led by `param`."""
    from ..notes.dates import day_argument

    try:
        return day_argument(value, today, past=past)
    except BadValue as exc:
        raise click.BadParameter(str(exc), param_hint=param) from None


def _quiet_stdout() -> None:
    """After a reader closed the pipe (`vaultnet due | head`): send what is left nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class VaultnetGroup(click.Group):
    """The one error boundary: domain errors become `Error: ...` and exit 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BadValue as exc:
            if ctx.params.get("debug"):
                raise
            raise click.UsageError(_bad_value(ctx, exc)) from None
        except VaultnetError as exc:
            if ctx.params.get("debug"):
                raise
            raise click.ClickException(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            # The reader has all it wanted (`vaultnet due | head`): not an error.
            _quiet_stdout()
            ctx.exit(0)
        except OSError as exc:
            if ctx.params.get("debug"):
                raise
            raise click.ClickException(os_error_message(exc)) from None

    def parse_args(self, ctx, args):
        return super().parse_args(ctx, self._globals_first(args))

    def _globals_first(self, args: list[str]) -> list[str]:
        """`vaultnet due --today 2026-12-20` as `vaultnet --today 2026-12-20 due`: the group's own
        options may also follow the command (SPEC §5). After `--` nothing is moved."""
        options = {opt: p for p in self.params if isinstance(p, click.Option) for opt in p.opts}
        head: list[str] = []
        i = 0
        while i < len(args) and args[i].startswith("-") and args[i] != "--":  # before the command
            name = args[i].split("=", 1)[0]
            takes = name in options and not options[name].is_flag and "=" not in args[i]
            head += args[i : i + 1 + takes]
            i += 1 + takes
        if i >= len(args) or args[i] not in self.commands:
            return args
        rest: list[str] = []
        moved: list[str] = []
        j = i + 1
        while j < len(args):
            arg = args[j]
            if arg == "--":
                rest += args[j:]
                break
            name = arg.split("=", 1)[0]
            option = options.get(name)
            if option is None or name in ("--help", "-h", "--version"):
                rest.append(arg)
                j += 1
                continue
            takes = not option.is_flag and "=" not in arg
            moved += args[j : j + 1 + takes]
            j += 1 + takes
        return head + moved + [args[i]] + rest


def _bad_value(ctx: click.Context, exc: BadValue) -> str:
    """The message, led by the option or argument it is about, as click says it of its own checks."""
    command = ctx.command.get_command(ctx, ctx.invoked_subcommand) if isinstance(ctx.command, click.Group) \
        and ctx.invoked_subcommand else None
    params = [*ctx.command.params, *(command.params if command is not None else [])]
    param = next((p for p in params if exc.argument is not None
                  and (p.name == exc.argument or f"--{exc.argument}" in p.opts)), None)
    if param is None:
        return str(exc)
    hint = " / ".join(f"'{o}'" for o in param.opts) if isinstance(param, click.Option) else f"'{param.human_readable_name}'"
    return f"Invalid value for {hint}: {exc}"


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
    resident = ctx.obj  # given only by a watch answering for another process (cli/resident.py)
    if resident is not None and today is None:
        today = resident.today  # the asker's date, not the watch's
    ctx.obj = App(vault, today, no_sync, debug, quiet, resident)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")


def write_output(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        from ..edits.writes import write_export

        write_export(output, data)


def main() -> None:
    global _WRITE_IN_BACKGROUND
    from ..gc_pause import freeze_after_loads

    _WRITE_IN_BACKGROUND = True

    freeze_after_loads()  # this process exits after its answer (watch and mcp say otherwise)
    try:
        cli.main(prog_name="vaultnet")
    except SystemExit as done:
        code = done.code
    else:  # pragma: no cover - standalone mode always exits
        code = 0
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the last of the output met a closed pipe: still not an error
        _quiet_stdout()
        code = 0
    if _KEPT_UNTIL_EXIT and (code is None or isinstance(code, int)):
        _end_now(code or 0)
    sys.exit(code)


def _end_now(code: int) -> None:
    """End as sys.exit would, less the interpreter's teardown: the exit handlers run (a read-only
    vault's temporary index is removed by one) and the streams are flushed, then the process ends
    without freeing what it holds, which after a first answer is every note parsed (the process
    forked to write them has its own copy)."""
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


