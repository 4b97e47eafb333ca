"""Which notes are people and which organizations: by their `type`, else by their folder.

Apart from the parser (note.py) so that what only asks which folders hold whom (the
vault's settings, its scan) imports no parsing: a list answered from what the index
keeps reads no note and compiles none of the parser's patterns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

PERSON_TYPES = {"person", "people", "contact"}
ORG_TYPES = {"org", "organization", "organisation", "company"}
DEFAULT_PEOPLE_DIRS = ("People", "Contacts")
DEFAULT_ORG_DIRS = ("Companies", "Organizations")


class KindRules(Protocol):
    """Which folders make a note a person or an organization. The vault's Config is one."""

    @property
    def people_dirs(self) -> tuple[str, ...]: ...

    @property
    def org_dirs(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class FolderKinds:
    """Which folders make a note a person or an organization without a `type`."""

    people_dirs: tuple[str, ...] = DEFAULT_PEOPLE_DIRS
    org_dirs: tuple[str, ...] = DEFAULT_ORG_DIRS


@dataclass(frozen=True)
class NoteRules(FolderKinds):
    """KindRules, and what the vault's Obsidian settings add: folders of templates (never
    contacts nor dated notes), and the daily notes' folder and moment.js file-name format
    (a note there named by the format is a dated note). The vault builds one."""

    template_dirs: tuple[str, ...] = ()
    daily_folder: str = ""
    daily_format: str = ""


_DEFAULT_RULES = FolderKinds()


def _in_folder(path: str, folder: str) -> bool:
    return bool(folder) and path.casefold().startswith(folder.casefold() + "/")


def is_template(path: str, rules: KindRules) -> bool:
    return any(_in_folder(path, folder) for folder in getattr(rules, "template_dirs", ()))


def kind_of(path: str, type_value: str, rules: KindRules) -> str:
    if is_template(path, rules):  # a person template says `type: person` and is nobody
        return "note"
    t = type_value.strip().lower()
    if t in PERSON_TYPES:
        return "person"
    if t in ORG_TYPES:
        return "org"
    if t == "note":  # an explicit "not a contact", even inside a people folder
        return "note"
    folded = path.casefold()
    for folder in rules.people_dirs:
        if folder and folded.startswith(folder.casefold() + "/"):
            return "person"
    for folder in rules.org_dirs:
        if folder and folded.startswith(folder.casefold() + "/"):
            return "org"
    return "note"
