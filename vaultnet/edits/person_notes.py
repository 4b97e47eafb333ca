"""The two edits a user asks for from the command line: a log line, a new person."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import BadValue, VaultnetError
from ..index import NoteIndex
from ..notes.dates import parse_cadence
from ..vault.folder import Vault
from .frontmatter_edit import edit_frontmatter
from .writes import (
    WriteRefused,
    create_file,
    insert_log_line,
    inside,
    rewrite_note,
    safe_file_name,
    vault_write_lock,
)

MARKS = ("gave", "got", "news", "noticed")  # the log line tags the `log` flags add (SPEC §2, §8)


def log_entry(text: str, day: dt.date, gave: bool = False, got: bool = False, news: bool = False,
              noticed: bool = False) -> str:
    """`- 2026-11-22 text #gave`: one line, whatever the text held."""
    if sum((gave, got, news, noticed)) > 1:
        raise BadValue("use just one of --gave, --got, --news or --noticed")
    one_line = " ".join(text.split())
    if not one_line:
        raise VaultnetError("the log text is empty")
    for flag, tag in zip((gave, got, news, noticed), MARKS):
        if flag and f"#{tag}" not in one_line.lower().split():
            one_line += f" #{tag}"
    return f"- {day.isoformat()} {one_line}"


def append_log(vault: Vault, rel: str, entry: str, follow_up: dt.date | None = None) -> dict:
    """Add `entry` to the note's `## Log` section; with `follow_up`, also set that field, in
    the same write. Returns where the line went."""
    where: list[int] = []

    def change(raw: bytes) -> bytes:
        if follow_up is not None:
            raw = edit_frontmatter(raw, put={"follow_up": follow_up.isoformat()})
        new, line = insert_log_line(raw, entry)
        where.append(line)
        return new

    rewrite_note(vault, rel, change)
    out = {"path": rel, "line": where[-1], "text": entry}
    if follow_up is not None:
        out["follow_up"] = follow_up.isoformat()
    return out


def log_interaction(vault: Vault, index: NoteIndex, name: str, text: str, day: dt.date, *, gave: bool = False,
                    got: bool = False, news: bool = False, noticed: bool = False,
                    follow_up: dt.date | None = None, any_note: bool = False, guess: bool = True,
                    any_hint: str = "") -> dict:
    """`log NAME TEXT`: the line for `day` (with its tag) added to the log of the person NAME
    means (with `any_note`, of any note); `follow_up` also set, in the same write. `any_hint`
    tells, when NAME is a note but not a person, how to log there anyway. Returns where the line went."""
    from ..network.names import find_note, find_person

    entry = log_entry(text, day, gave, got, news, noticed)
    if any_note:
        path = find_note(index, name, guess=guess)
    else:
        path = find_person(index, name, guess=guess, what=any_hint)
    if follow_up is not None and index.entries()[path].kind != "person":
        raise BadValue(f"a follow-up is a person's; {path} is not a person", "next")
    return append_log(vault, path, entry, follow_up=follow_up)


def new_person_note(name: str, *, company: str | None = None, role: str | None = None,
                    emails: tuple[str, ...] = (), phones: tuple[str, ...] = (), tags: tuple[str, ...] = (),
                    cadence: str | None = None, met: str | None = None, file_name: str = "") -> bytes:
    """The text of a new person note, frontmatter written with python-frontmatter."""
    import frontmatter

    meta: dict = {"type": "person"}
    if file_name != name:
        meta["name"] = name
    if company:
        meta["company"] = company
    if role:
        meta["role"] = role
    if emails:
        meta["email"] = emails[0] if len(emails) == 1 else list(emails)
    if phones:
        meta["phone"] = phones[0] if len(phones) == 1 else list(phones)
    if tags:
        meta["tags"] = [t.lstrip("#") for t in tags]
    if cadence:
        if parse_cadence(cadence) is None:
            raise BadValue(f"{cadence!r} is not a cadence (10d, 2w, 3m, 1y, weekly, monthly...)", "cadence")
        meta["cadence"] = cadence
    if met:
        meta["met"] = met
    post = frontmatter.Post(f"# {name}\n\n## Log\n", **meta)
    return (frontmatter.dumps(post, sort_keys=False) + "\n").encode("utf-8")


def _refuse_nested_people_folder(vault: Vault, folder: str) -> None:
    """Never `People/People/X.md`: a vault that is itself the People folder of a vault around it
    (a stray `.vaultnet/` made there) gets no second People folder inside."""
    from ..vault.folder import is_vault

    if not folder or (vault.root / folder).exists():
        return
    root = vault.root.resolve()
    if root.name.casefold() != folder.rsplit("/", 1)[-1].casefold():
        return
    outer = next((p for p in root.parents if is_vault(p)), None)
    if outer is not None:
        raise WriteRefused(f"{root} looks like the {folder} folder of the vault {outer}, not a vault of its "
                           f"own; nothing was written (run vaultnet from {outer}, or use --vault {outer})")


def add_person(vault: Vault, name: str, **fields) -> dict:
    """Create a person note in the first people folder; returns `{"path": its vault path}`."""
    clean_name = " ".join(name.split())
    if not clean_name:
        raise BadValue("the name is empty", "name")
    file_name = safe_file_name(clean_name)
    folder = vault.config.people_dirs[0] if vault.config.people_dirs else ""
    rel = f"{folder}/{file_name}.md" if folder else f"{file_name}.md"
    data = new_person_note(clean_name, file_name=file_name, **fields)
    _refuse_nested_people_folder(vault, folder)
    with vault_write_lock(vault.state_dir):
        target_dir = vault.root / folder if folder else vault.root
        inside(vault.root, target_dir)  # before mkdir: a symlinked parent must not get a folder made outside
        try:
            target_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WriteRefused(f"cannot create the folder {folder}: {exc.strerror}") from exc
        inside(vault.root, target_dir)
        create_file(Path(target_dir) / f"{file_name}.md", data)
    return {"path": rel}
