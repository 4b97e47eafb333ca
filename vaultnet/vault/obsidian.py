"""The vault's own Obsidian settings: what Obsidian was told about its notes, read from `.obsidian/`.

Only the settings that change what a note is are read, each from the file Obsidian keeps it in:

- templates (`templates.json` "folder", and the Templater plugin's "templates_folder"): the
  notes there are templates, never contacts nor dated notes;
- Excluded files (`app.json` "userIgnoreFilters"): a path prefix (`Archive/`), or a regular
  expression between slashes (`/\\.excalidraw\\.md$/`), as Obsidian reads them; those files
  are not indexed;
- daily notes (`daily-notes.json` "folder" and "format", a moment.js format such as
  `DD.MM.YYYY` or `YYYY/MM/DD`): a note there named by the format is a dated note.

These files are Obsidian's, not ours: one that cannot be read is reported and its settings
are left out, and every other setting still applies. That includes what no JSON or regular
expression library reads without trouble (arrays nested thousands deep, a number of a
hundred thousand digits, groups nested past Python's recursion limit), and a daily-note
format too long to name a file (reading one costs arrow time that grows with its square,
for every note in the folder).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_FOLDER = ".obsidian"
APP = "app.json"
TEMPLATES = "templates.json"
TEMPLATER = "plugins/templater-obsidian/data.json"
DAILY_NOTES = "daily-notes.json"
SETTINGS_FILES = (APP, TEMPLATES, TEMPLATER, DAILY_NOTES)
MAX_DAILY_FORMAT = 255  # characters: a file name's length; a longer format names no file


@dataclass(frozen=True)
class ObsidianSettings:
    """What vaultnet takes from the vault's `.obsidian/` settings, and what it could not read there."""

    template_dirs: tuple[str, ...] = ()
    ignore_filters: tuple[str, ...] = ()  # as written: a path prefix, or /regex/
    daily_folder: str = ""
    daily_format: str = ""  # "" when not set: Obsidian's default, YYYY-MM-DD
    problems: tuple[tuple[str, str], ...] = ()  # (vault path, message)
    # What each file said that matters here, to tell which one changed (see fingerprint).
    read: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    _patterns: tuple[re.Pattern | str, ...] = field(default=(), compare=False, repr=False)

    def fingerprint(self) -> tuple[tuple[str, str], ...]:
        """(settings file, what it says that decides which files are notes and what they are)."""
        return self.read

    def is_ignored(self, rel: str) -> bool:
        """Excluded in Obsidian (Settings → Files and links → Excluded files)."""
        for pattern in self._patterns:
            if isinstance(pattern, str):
                if rel.startswith(pattern):
                    return True
            elif pattern.search(rel):
                return True
        return False


def _folder_setting(value: object) -> str:
    return value.replace("\\", "/").strip().strip("/") if isinstance(value, str) else ""


def load_settings(root: Path) -> ObsidianSettings:
    """The settings of the vault at `root`; no `.obsidian/` folder means none."""
    folder = root / CONFIG_FOLDER
    problems: list[tuple[str, str]] = []
    read: list[tuple[str, str]] = []

    def settings(name: str) -> dict:
        rel = f"{CONFIG_FOLDER}/{name}"
        try:
            raw = (folder / name).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return {}
        except OSError as exc:
            problems.append((rel, f"cannot read: {exc.strerror}; its settings are not used"))
            return {}
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            problems.append((rel, f"not UTF-8 (byte {exc.start}); its settings are not used"))
            return {}
        except json.JSONDecodeError as exc:
            problems.append((rel, f"not valid JSON (line {exc.lineno}: {exc.msg}); its settings are not used"))
            return {}
        except RecursionError:
            problems.append((rel, "JSON nested too deep to read; its settings are not used"))
            return {}
        except ValueError as exc:  # a number of more digits than Python converts (sys.set_int_max_str_digits)
            problems.append((rel, f"not readable JSON ({_short(exc)}); its settings are not used"))
            return {}
        if not isinstance(data, dict):
            problems.append((rel, "not a JSON object; its settings are not used"))
            return {}
        return data

    templates = [_folder_setting(settings(TEMPLATES).get("folder")),
                 _folder_setting(settings(TEMPLATER).get("templates_folder"))]
    template_dirs = tuple(dict.fromkeys(t for t in templates if t))
    if template_dirs:
        read.append(("templates", repr(template_dirs)))

    filters_value = settings(APP).get("userIgnoreFilters", [])
    filters: list[str] = []
    patterns: list[re.Pattern | str] = []
    if not isinstance(filters_value, list):
        filters_value = []
        problems.append((f"{CONFIG_FOLDER}/{APP}", "userIgnoreFilters is not a list; no files are excluded by it"))
    for value in filters_value:
        if not isinstance(value, str) or not value:
            continue
        if len(value) > 2 and value.startswith("/") and value.endswith("/"):
            try:
                patterns.append(re.compile(value[1:-1]))
            except (re.error, RecursionError, OverflowError, ValueError) as exc:
                why = "nested too deep" if isinstance(exc, RecursionError) else _short(exc)
                problems.append((f"{CONFIG_FOLDER}/{APP}",
                                 f"userIgnoreFilters: {_short(repr(value))} is not a regular expression ({why}); "
                                 "ignored"))
                continue
        else:
            patterns.append(value)
        filters.append(value)
    if filters:
        read.append(("userIgnoreFilters", repr(filters)))

    daily = settings(DAILY_NOTES)
    daily_folder = _folder_setting(daily.get("folder"))
    value = daily.get("format")
    daily_format = value.strip() if isinstance(value, str) else ""
    if len(daily_format) > MAX_DAILY_FORMAT:
        problems.append((f"{CONFIG_FOLDER}/{DAILY_NOTES}",
                         f"format is {len(daily_format):,} characters long, longer than any file name; "
                         "daily notes are read by their date: field or a YYYY-MM-DD name"))
        daily_format = ""
    if daily_folder or daily_format:
        read.append(("daily notes", repr((daily_folder, daily_format))))
    return ObsidianSettings(template_dirs, tuple(filters), daily_folder, daily_format, tuple(problems),
                            tuple(read), tuple(patterns))


def _short(text: object) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= 160 else text[:157] + "..."


def changed_settings(old: object, new: tuple[tuple[str, str], ...]) -> list[str]:
    """The settings that differ between two fingerprints, by name."""
    before = dict(old) if isinstance(old, (list, tuple)) else {}
    after = dict(new)
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
