"""The two edits a user asks for from the command line: a log line, a new person."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import BadValue, VaultnetError
from ..notes.dates import parse_cadence
from ..vault.folder import Vault
from .writes import (
    WriteRefused,
    add_log_line,
    create_file,
    inside,
    replace_file,
    safe_file_name,
    vault_write_lock,
)


def log_entry(text: str, day: dt.date, gave: bool = False, got: bool = False) -> str:
    """`- 2026-11-22 text #gave`: one line, whatever the text held."""
    if gave and got:
        raise BadValue("use just one of --gave or --got")
    one_line = " ".join(text.split())
    if not one_line:
        raise VaultnetError("the log text is empty")
    for flag, tag in ((gave, "#gave"), (got, "#got")):
        if flag and tag not in one_line.lower().split():
            one_line += f" {tag}"
    return f"- {day.isoformat()} {one_line}"


def append_log(vault: Vault, rel: str, entry: str) -> dict:
    """Append `entry` under the note's `## Log` heading; returns where it went."""
    target = inside(vault.root, vault.abspath(rel))
    with vault_write_lock(vault.state_dir):
        try:
            raw = target.read_bytes()
        except OSError as exc:
            raise WriteRefused(f"cannot read {rel}: {exc.strerror}") from exc
        new = add_log_line(raw, entry)
        replace_file(target, new, expected=raw)
    line = new[: new.index(entry.encode("utf-8"), _common_prefix(raw, new))].count(b"\n") + 1
    return {"path": rel, "line": line, "text": entry}


def _common_prefix(a: bytes, b: bytes) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    # Back up to the start of the line the entry begins on.
    return b.rfind(b"\n", 0, i) + 1


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


def add_person(vault: Vault, name: str, **fields) -> dict:
    """Create a person note in the first people folder; returns `{"path": its vault path}`."""
    clean_name = " ".join(name.split())
    if not clean_name:
        raise BadValue("the name is empty", "name")
    file_name = safe_file_name(clean_name)
    folder = vault.config.people_dirs[0] if vault.config.people_dirs else ""
    rel = f"{folder}/{file_name}.md" if folder else f"{file_name}.md"
    data = new_person_note(clean_name, file_name=file_name, **fields)
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
