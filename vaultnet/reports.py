"""Report notes written into the vault so the lists live where the user looks (SPEC §7).

Follow-ups.md, Unresolved.md, Ledger.md and Network.md go into `report_dir`,
the only folder vaultnet writes to on its own. Each is rewritten whole and
atomically, and only when its text changes, so sync tools see no churn. The
folder is never indexed, so reports never count as backlinks.
"""

from __future__ import annotations

import datetime as dt

from .dates import relative_day
from .index import NoteIndex
from .writes import WriteRefused, inside, write_export

HEADER = "<!-- Written by vaultnet (`vaultnet report` / `vaultnet watch`); edits here are overwritten. -->\n"


def _link(path: str, name: str) -> str:
    target = path[:-3] if path.lower().endswith(".md") else path
    shown = name.replace("|", "/").replace("]", ")").replace("[", "(")
    return f"[[{target}|{shown}]]" if target.rsplit("/", 1)[-1] != name else f"[[{target}]]"


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
    out = [HEADER, "# Unresolved\n\nMentioned, but without a note yet: people to add, most mentioned first.\n\n"]
    if not rows:
        out.append("Every link has a note.\n")
    for r in rows:
        sources = ", ".join(_link(s, s.rsplit("/", 1)[-1][:-3]) for s in r["sources"])
        out.append(f"- [[{r['target']}]] — {r['count']} mention{'s' if r['count'] != 1 else ''} in {sources}\n")
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


def build(index: NoteIndex, today: dt.date) -> dict[str, str]:
    """The report notes' texts, by file name."""
    from . import queries

    net = queries.network(index, today)
    due = net.due()
    soon = [r for r in net.due(within=7) if r["overdue_days"] < 0]
    orgs = sum(1 for kind, _ in index.kinds().values() if kind == "org")
    return {
        "Follow-ups.md": follow_ups(due, soon, today),
        "Unresolved.md": unresolved(queries.unresolved_links(index)),
        "Ledger.md": ledger(net.ledger()),
        "Network.md": network_totals(net, orgs, today),
    }


def write(index: NoteIndex, today: dt.date) -> list[str]:
    """Write the report notes whose text changed; returns their vault paths."""
    vault = index.vault
    folder = vault.root / vault.config.report_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteRefused(f"cannot create the report folder {vault.config.report_dir}: {exc.strerror}") from exc
    inside(vault.root, folder)
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
