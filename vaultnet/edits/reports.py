"""Report notes written into the vault so the lists live where the user looks (SPEC §7).

Follow-ups.md, Unresolved.md, Ledger.md, Network.md, News.md, References.md and
Birthdays.md go into `report_dir`,
the only folder vaultnet writes to on its own. Each is rewritten whole and
atomically, and only when its text changes, so sync tools see no churn. The
folder is never indexed, so reports never count as backlinks.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import quote

from ..index import NoteIndex
from ..notes.dates import from_today, relative_day
from .writes import WriteRefused, inside, remove_stale_temps, write_export

HEADER = "<!-- Written by vaultnet (`vaultnet report` / `vaultnet watch`); edits here are overwritten. -->\n"
# A wikilink's target cannot hold these: `]]` ends it, `|` starts the shown text, `#` and `^`
# a heading or block, `[[` is no target, and a line break ends the line.
_NOT_IN_WIKILINK = re.compile(r"[\[\]|#^\x00-\x1f\x7f\x85\u2028\u2029]")


def _shown(name: str) -> str:
    """A name as link text on one line: control characters and line breaks become spaces,
    brackets, `|` and `\\` (which would end, split or escape the link) look-alikes, and a
    `%%` (which opens an Obsidian comment that can hide the rest of the note) is split
    by a zero-width space."""
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in name)
    text = " ".join(text.split())  # also \u2028, \u2029, \x85: line breaks to some editors
    text = text.replace("|", "/").replace("]", ")").replace("[", "(").replace("\\", "/")
    return text.replace("%%", "%\u200b%")


def _link(path: str, name: str) -> str:
    """A link to the note at `path`, shown as `name`, that stays one link on one line.

    A file name that a wikilink cannot hold (`a]]b#c.md`, `[[x]].md`) gets a Markdown
    link with the path percent-encoded, which Obsidian and vaultnet decode (SPEC §2).
    """
    target = path[:-3] if path.lower().endswith(".md") else path
    shown = _shown(name)
    if _NOT_IN_WIKILINK.search(target) or "%%" in target or target != target.strip():
        return f"[{shown}]({quote(path, safe='/')})"
    return f"[[{target}|{shown}]]" if target.rsplit("/", 1)[-1] != name else f"[[{target}]]"


def _unresolved_link(target: str) -> str:
    """A link to a note that does not exist yet, as the notes wrote its name."""
    if not target.strip() or _NOT_IN_WIKILINK.search(target) or "%%" in target or target != target.strip():
        return f"[{_shown(target)}]({quote(target, safe='/')})"
    return f"[[{target}]]"


def follow_ups(rows: list[dict], soon: list[dict], today: dt.date) -> str:
    out = [HEADER, "# Follow-ups\n"]
    if not rows:
        out.append("\nNobody is due. \n")
    else:
        out.append(f"\n{len(rows)} due or overdue, most overdue first:\n\n")
        for r in rows:
            last = r["last_contact"] or "never"
            out.append(f"- {_link(r['path'], r['name'])} — {r['next_due']} ({relative_day(r['next_due'], today)}, "
                       f"{r['reason'].replace('_', ' ')}); last contact {last}\n")
    if soon:
        out.append("\n## Coming up (next 7 days)\n\n")
        for r in soon:
            out.append(f"- {_link(r['path'], r['name'])} — {r['next_due']} ({relative_day(r['next_due'], today)}, "
                       f"{r['reason'].replace('_', ' ')})\n")
    return "".join(out)


def unresolved(rows: list[dict]) -> str:
    rows = [r for r in rows if not r["attachment"]]  # a missing image is nobody to add
    out = [HEADER, "# Unresolved\n\nMentioned, but without a note yet: people to add, most mentioned first.\n\n"]
    if not rows:
        out.append("Every link has a note.\n")
    for r in rows:
        sources = ", ".join(_link(s, s.rsplit("/", 1)[-1][:-3]) for s in r["sources"])
        out.append(f"- {_unresolved_link(r['target'])} — {r['count']} mention{'s' if r['count'] != 1 else ''} "
                   f"in {sources}\n")
    return "".join(out)


def ledger(rows: list[dict]) -> str:
    takes = [r for r in rows if r["balance"] < 0]
    out = [HEADER, "# Ledger\n\nWhere you only take: more `#got` than `#gave`, lowest balance first.\n\n"]
    if not takes:
        out.append("Nobody: you give at least as much as you get.\n")
    for r in takes:
        out.append(f"- {_link(r['path'], r['name'])} — gave {r['gave']}, got {r['got']} (balance {r['balance']})\n")
    return "".join(out)


def network_totals(net, orgs: int, today: dt.date) -> str:
    people = [p for p in net.people.values() if p.path != net.me]
    month_start = today.replace(day=1).toordinal()
    this_month = sum(1 for p in people for d in p.days if month_start <= d <= today.toordinal())
    due = len(net.due())
    with_cadence = sum(1 for p in people if p.cadence is not None)

    def share(n: int) -> str:
        return f"{n} ({100 * n / len(people):.0f}%)" if people else "0"

    return "".join([
        HEADER, "# Network\n\n",
        f"- People: {len(people)}\n",
        f"- Organizations: {orgs}\n",
        f"- Interactions this month ({today:%B %Y}): {this_month}\n",
        f"- People due now: {share(due)}\n",
        f"- People with a cadence: {share(with_cadence)}\n",
    ])


_MARKER = re.compile(r"(?<!\S)#(?:gave|got|news|noticed)(?!\S)", re.IGNORECASE)


def _line(text: str) -> str:
    """A note's line, links and all, kept to one line: control characters and line breaks as
    spaces, a `%%` (which would open a comment hiding the rest of the report) split, and the
    marker tags left out (in Obsidian, the report would count them a second time)."""
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in _MARKER.sub("", text))
    return " ".join(text.split()).replace("%%", "%\u200b%")


def news(rows: list[dict], days: int) -> str:
    out = [HEADER, f"# News\n\nNews about people in your network from the last {days} days, newest first:\n"
                   "a new job, a move, a promotion. A reason to get in touch.\n\n"]
    if not rows:
        out.append("No news.\n")
    for r in rows:
        out.append(f"- {r['date']} {_link(r['path'], r['name'])} — {_line(r['text'])}\n")
    return "".join(out)


def references(rows: list[dict]) -> str:
    out = [HEADER, "# References\n\nWho has seen your work and could vouch for you, strongest first. "
                   "Warm up the cold ones before you ask.\n\n"]
    if not rows:
        out.append("Nobody yet: tag a log line `#noticed` when someone sees or praises your work.\n")
    for r in rows:
        last = r["last_contact"] or "never"
        cold = ", cold" if r["cold"] else ""
        out.append(f"- {_link(r['path'], r['name'])} — last contact {last}{cold}, balance {r['balance']}\n")
        if r["reference"]:
            out.append(f"    - can speak to: {_line(r['reference'])}\n")
        for n in r["noticed"][:3]:
            out.append(f"    - {n['date']} {_line(n['text'])}\n")
    return "".join(out)


def birthdays(rows: list[dict], today: dt.date, days: int) -> str:
    out = [HEADER, f"# Birthdays\n\nThe next {days} days:\n\n"]
    if not rows:
        out.append("No birthdays coming up.\n")
    for r in rows:
        verb = "turns" if r["date"] >= today.isoformat() else "turned"
        age = f", {verb} {r['age']}" if r["age"] is not None else ""
        out.append(f"- {r['date']} {_link(r['path'], r['name'])} "
                   f"({from_today(dt.date.fromisoformat(r['date']), today)}{age})\n")
    return "".join(out)


BIRTHDAY_DAYS = 30


def build(index: NoteIndex, today: dt.date) -> dict[str, str]:
    """The report notes' texts, by file name."""
    from ..network import moments, queries

    net = queries.network(index, today)
    news_days = index.vault.config.news_days
    due = net.due()
    soon = [r for r in net.due(within=7) if r["overdue_days"] < 0]
    orgs = sum(1 for kind, _ in index.kinds().values() if kind == "org")
    return {
        "Follow-ups.md": follow_ups(due, soon, today),
        "Unresolved.md": unresolved(queries.unresolved_links(index)),
        "Ledger.md": ledger(net.ledger()),
        "Network.md": network_totals(net, orgs, today),
        "News.md": news(moments.news(index, net, today - dt.timedelta(days=news_days)), news_days),
        "References.md": references(moments.references(index, net)),
        "Birthdays.md": birthdays(moments.birthdays(net, BIRTHDAY_DAYS), today, BIRTHDAY_DAYS),
    }


def write(index: NoteIndex, today: dt.date) -> list[str]:
    """Write the report notes whose text changed; returns their vault paths."""
    vault = index.vault
    folder = vault.root / vault.config.report_dir
    # Checked before the folder is made too: with `Lists` a link to outside the vault,
    # making `Lists/vaultnet` would create a folder out there before the check refused it.
    inside(vault.root, folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteRefused(f"cannot create the report folder {vault.config.report_dir}: {exc.strerror}") from exc
    inside(vault.root, folder)
    # A report killed between its temporary file and the rename left one here. `report` and
    # `watch` may be the only commands that ever write to this vault: they remove their own.
    remove_stale_temps(folder)
    written = []
    for name, text in build(index, today).items():
        target = folder / name
        data = text.encode("utf-8")
        try:
            if target.read_bytes() == data:
                continue
        except OSError:
            pass
        write_export(target, data)
        written.append(f"{vault.config.report_dir}/{name}")
    return written
