"""`.vaultnet/config.toml`: every key optional, every error names the key."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from ..errors import ConfigError
from ..notes.kinds import DEFAULT_ORG_DIRS, DEFAULT_PEOPLE_DIRS

DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024

CONFIG_TEMPLATE = """\
# vaultnet settings. Every key is optional; delete what you don't need.

# Notes in these folders are contacts even without `type: person`.
people_dirs = ["People"]
# Notes in these folders are organizations even without `type: org`.
org_dirs = ["Companies", "Organizations"]
# Globs (gitignore style) of notes vaultnet should not read.
exclude = ["Templates/**"]
# Where `vaultnet report` and `vaultnet watch` write their notes. Never indexed.
report_dir = "vaultnet"
# Your own note, if you have one.
me = ""
# How often to be in touch with a contact who has no cadence of their own. Without it only
# people with a cadence (or a follow_up, or an open task) are ever due. To be reminded of
# everyone every three months, remove the `#`:
# default_cadence = "90d"
# Notes larger than this many bytes are skipped and reported.
max_file_size = 10485760
# The country of phone numbers written without +country code, for `doctor` ("US", "GB", "NL"...).
phone_region = ""
# Where `vaultnet import calendar` writes meeting notes, and `vaultnet import mail` its month notes.
meetings_dir = "Meetings"
mail_dir = "Mail"
# A message to more people than this (To and Cc together) is no contact with any of them.
mail_max_recipients = 8
# News about someone (a log line tagged #news) younger than this many days, that you have
# not reacted to yet, makes them due: a reason to get in touch.
news_days = 30

[cadence_by_tag]
# The shortest matching cadence wins.
# mentor = "30d"
# close = "2w"
"""


@dataclass(frozen=True)
class Config:
    """The vault's settings from `.vaultnet/config.toml`, each with its default."""

    people_dirs: tuple[str, ...] = DEFAULT_PEOPLE_DIRS
    org_dirs: tuple[str, ...] = DEFAULT_ORG_DIRS
    exclude: tuple[str, ...] = ()
    report_dir: str = "vaultnet"
    me: str = ""
    default_cadence: str = ""
    cadence_by_tag: dict[str, str] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    phone_region: str = ""
    news_days: int = 30
    meetings_dir: str = "Meetings"
    mail_dir: str = "Mail"
    mail_max_recipients: int = 8

    def fingerprint(self) -> str:
        """What, if changed, changes how notes are parsed or which are indexed."""
        return repr(
            (self.people_dirs, self.org_dirs, self.exclude, self.report_dir, self.max_file_size)
        )


def _folder(key: str, value: object, path: Path) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{path}: {key}: expected a folder name in quotes, got {value!r}")
    if os.path.isabs(value) or re.match(r"^[A-Za-z]:[\\/]", value) or value.startswith(("\\", "/")):
        raise ConfigError(f"{path}: {key}: {value!r} points outside the vault (use a folder inside it)")
    cleaned = value.replace("\\", "/").strip().strip("/")
    if cleaned.startswith("..") or "/../" in f"/{cleaned}/":
        raise ConfigError(f"{path}: {key}: {value!r} points outside the vault")
    return cleaned


def _str_list(key: str, value: object, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: {key}: expected a list of strings, got {value!r}")
    return tuple(value)


def load_config(path: Path) -> Config:
    """Read the config file; a missing file gives the defaults."""
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return Config()  # no file, or `.vaultnet` is not a folder yet: the defaults
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    return config_from_dict(data, path)


def config_from_dict(data: dict, path: Path = Path("config.toml")) -> Config:
    # Import here to keep the cadence grammar in one module without a cycle.
    from ..notes.dates import parse_cadence

    known = {f for f in Config.__dataclass_fields__}
    for key in data:
        if key not in known:
            raise ConfigError(f"{path}: {key}: unknown key (known: {', '.join(sorted(known))})")
    kwargs: dict = {}
    for key in ("people_dirs", "org_dirs"):
        if key in data:
            kwargs[key] = tuple(_folder(key, v, path) for v in _str_list(key, data[key], path))
    if "exclude" in data:
        kwargs["exclude"] = _str_list("exclude", data["exclude"], path)
    if "report_dir" in data:
        kwargs["report_dir"] = _folder("report_dir", data["report_dir"], path)
        if not kwargs["report_dir"]:
            raise ConfigError(f"{path}: report_dir: must name a folder, not the vault root")
    if "me" in data:
        if not isinstance(data["me"], str):
            raise ConfigError(f"{path}: me: expected a note name in quotes, got {data['me']!r}")
        kwargs["me"] = data["me"]
    if "default_cadence" in data:
        value = data["default_cadence"]
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise ConfigError(f"{path}: default_cadence: expected text like \"90d\", got {value!r}")
        value = str(value)
        if value and parse_cadence(value) is None:
            raise ConfigError(f"{path}: default_cadence: {value!r} is not a cadence (try 30d, 2w, 3m, 1y)")
        kwargs["default_cadence"] = value
    if "cadence_by_tag" in data:
        table = data["cadence_by_tag"]
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: cadence_by_tag: expected a table [cadence_by_tag]")
        cleaned = {}
        for tag, value in table.items():
            if not isinstance(value, (str, int)) or isinstance(value, bool) or parse_cadence(str(value)) is None:
                raise ConfigError(
                    f"{path}: cadence_by_tag.{tag}: {value!r} is not a cadence (try 30d, 2w, 3m, 1y)"
                )
            cleaned[tag.lstrip("#").lower()] = str(value)
        kwargs["cadence_by_tag"] = cleaned
    if "max_file_size" in data:
        value = data["max_file_size"]
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ConfigError(f"{path}: max_file_size: expected a positive number of bytes, got {value!r}")
        kwargs["max_file_size"] = value
    if "phone_region" in data:
        value = data["phone_region"]
        if not isinstance(value, str) or (value and not (len(value) == 2 and value.isalpha())):
            raise ConfigError(f"{path}: phone_region: expected a two-letter country code like \"US\", "
                              f"got {value!r}")
        kwargs["phone_region"] = value.upper()
    for key in ("meetings_dir", "mail_dir"):
        if key in data:
            kwargs[key] = _folder(key, data[key], path)  # "" is the vault's root
        # The report folder is never indexed: notes written there would never count.
        folder = kwargs.get(key, getattr(Config, key))
        report = kwargs.get("report_dir", Config.report_dir)
        if folder and (folder + "/").casefold().startswith(report.casefold() + "/"):
            raise ConfigError(f"{path}: {key}: {folder!r} is inside report_dir ({report!r}), which is never "
                              "indexed; choose another folder")
    if "mail_max_recipients" in data:
        value = data["mail_max_recipients"]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{path}: mail_max_recipients: expected a whole number of at least 1, "
                              f"got {value!r}")
        kwargs["mail_max_recipients"] = value
    if "news_days" in data:
        value = data["news_days"]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{path}: news_days: expected a number of days like 30, got {value!r}")
        kwargs["news_days"] = value
    return Config(**kwargs)
