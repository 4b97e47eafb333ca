"""`done`: completing one task in place, in the Obsidian Tasks format.

`- [ ] Send Ada the talk 📅 2026-11-25` becomes
`- [x] Send Ada the talk 📅 2026-11-25 ✅ 2026-11-22`: the status becomes `x` and the
done date goes last, before a block id (`^abc123`) as the Tasks plugin writes it.
Only the bytes of that one line change; its line end, the BOM, and every other line stay.
"""

from __future__ import annotations

import datetime as dt
import re

from ..errors import VaultnetError
from ..notes import markdown
from ..vault.folder import Vault
from .writes import rewrite_note

_BLOCK_ID = re.compile(r"([ \t]+\^[A-Za-z0-9-]+)([ \t]*)$")
_TRAILING = re.compile(r"[ \t]*$")
RECURRING = "🔁"


class TaskChanged(VaultnetError):
    """The task is no longer where (or what) the index said: the note changed meanwhile."""


def complete_task_line(line: str, day: dt.date) -> str:
    """One task line (no line end) completed on `day`; raises if it is not an open task."""
    m = markdown.TASK_LINE.match("\n" + line)
    if m is None:
        raise TaskChanged(f"not a task line: {line.strip()[:60]!r}")
    status_at = m.start(1) - 1  # offset of the status character in `line`
    if line[status_at] not in (" ", "/"):
        raise TaskChanged(f"the task is not open any more: {line.strip()[:60]!r}")
    line = line[:status_at] + "x" + line[status_at + 1 :]
    stamp = f"✅ {day.isoformat()}"
    done = markdown.DONE_MARK.search(line, m.end() - 1)
    if done is not None:  # an old done date on an open task: Tasks replaces it
        return line[: done.start()] + stamp + line[done.end() :]
    tail = _BLOCK_ID.search(line) or _TRAILING.search(line)
    assert tail is not None
    return line[: tail.start()] + " " + stamp + line[tail.start() :]


def complete_task(raw: bytes, line_no: int, day: dt.date) -> bytes:
    """`raw` with the task on line `line_no` (1-based, as on disk) completed; every other byte kept."""
    lines = raw.splitlines(keepends=True)
    if not 1 <= line_no <= len(lines):
        raise TaskChanged(f"the note has no line {line_no} any more")
    old = lines[line_no - 1]
    body = old.rstrip(b"\r\n")
    eol = old[len(body) :]
    bom = b"\xef\xbb\xbf" if line_no == 1 and body.startswith(b"\xef\xbb\xbf") else b""
    try:
        text = body[len(bom) :].decode("utf-8")
    except UnicodeDecodeError:
        raise TaskChanged(f"line {line_no} is not UTF-8 text; complete the task by hand") from None
    lines[line_no - 1] = bom + complete_task_line(text, day).encode("utf-8") + eol
    return b"".join(lines)


def complete(vault: Vault, rel: str, line_no: int, text: str, day: dt.date) -> dict:
    """Complete the open task `text` that the index saw on line `line_no` of `rel`.

    The note is read again under the write lock: if an editor moved the task, it is
    found by its text (when that is unique among the note's open tasks); if it is gone,
    done or changed, nothing is written."""
    from ..notes.note import parse_note

    where: list[int] = []

    def change(raw: bytes) -> bytes:
        tasks = [t for t in parse_note(raw, rel, vault.rules).tasks if t.is_open and t.text == text]
        here = [t for t in tasks if t.line == line_no] or tasks
        if len(here) != 1:
            why = "is no longer there" if not here else "is there more than once"
            raise TaskChanged(f"{rel}: the task {text[:60]!r} {why} (the note changed meanwhile); "
                              "nothing was changed")
        where.append(here[0].line)
        return complete_task(raw, here[0].line, day)

    _, new = rewrite_note(vault, rel, change)
    line = new.splitlines()[where[-1] - 1].decode("utf-8", "replace").lstrip("\ufeff")
    return {"path": rel, "line": where[-1], "text": line.strip(), "recurring": RECURRING in line}


def done(vault: Vault, index, name: str, text: str | None, today: dt.date, guess: bool = True) -> dict:
    """`done NAME [TEXT]`: complete the open task of the person NAME means whose text holds TEXT,
    else their only or earliest-due one, ticked today. Returns where, and whether it recurs."""
    from ..network.names import find_person
    from ..network.tasks import choose_task, open_tasks

    person = find_person(index, name, guess=guess)
    task = choose_task(open_tasks(index, person), index.entries()[person].name, text)
    return complete(vault, task["path"], task["line"], task["text"], today)
