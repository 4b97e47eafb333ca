"""A person's open tasks (SPEC §2): in their own note, or linking them from any note.

These are the tasks whose 📅 date makes the person due; `done NAME [TEXT]` picks
one of them: the one whose text holds TEXT, else the only one, else the one due
first. Never a guess between equals: those are listed (AmbiguousTask).
"""

from __future__ import annotations

from ..errors import VaultnetError
from ..index import NoteIndex
from .names import name_key


class TaskNotFound(VaultnetError):
    pass


class AmbiguousTask(VaultnetError):
    def __init__(self, message: str, tasks: list[dict]):
        self.tasks = tasks
        super().__init__(message + "".join(f"\n  {_shown(t)}" for t in tasks))


def _shown(task: dict) -> str:
    return f"{task['path']}:{task['line']}  {task['text']}"


def open_tasks(index: NoteIndex, person: str) -> list[dict]:
    """[{path, line, text, due}] of the person's open tasks, due first (undated last)."""
    resolver = index.resolver()
    sources = set(index.linking(resolver.keys_for(person))) | {person}
    found = []
    for source, rec in index.records(sorted(sources)).items():
        on_line: dict[int, set[str | None]] = {}
        for target, line, *_ in rec.links:
            on_line.setdefault(line, set()).add(resolver.resolve(target, source).path)
        for line, status, text, due, _done in rec.tasks:
            if status in (" ", "/") and (source == person or person in on_line.get(line, ())):
                found.append({"path": source, "line": line, "text": text, "due": due})
    found.sort(key=lambda t: (t["due"] is None, t["due"] or "", t["path"] != person, t["path"], t["line"]))
    return found


def choose_task(tasks: list[dict], name: str, text: str | None) -> dict:
    """The task `done NAME [TEXT]` means; raises with the candidates when it cannot tell."""
    if not tasks:
        raise TaskNotFound(f"{name} has no open task")
    if text is not None:
        wanted = name_key(text)
        matching = [t for t in tasks if wanted in name_key(t["text"])]
        if not matching:
            raise AmbiguousTask(f"no open task of {name} contains {text!r}; their open tasks:", tasks)
        if len(matching) > 1:
            raise AmbiguousTask(f"{len(matching)} open tasks of {name} contain {text!r}; "
                                "say which with more of its text:", matching)
        return matching[0]
    if len(tasks) == 1:
        return tasks[0]
    first = tasks[0]
    if first["due"] is not None and (tasks[1]["due"] is None or tasks[1]["due"] > first["due"]):
        return first
    same = [t for t in tasks if t["due"] == first["due"]]
    raise AmbiguousTask(f"{name} has {len(tasks)} open tasks and {len(same)} are due first; "
                        f"say which: vaultnet done {_quoted(name)} TEXT", tasks)


def _quoted(name: str) -> str:
    return f'"{name}"' if " " in name else name
