"""Who knows whom (SPEC §2): the people graph and introduction paths.

Built with networkx from the edges each note contributes (vault.contributions),
kept beside the index, so no note is read. Nodes: people with notes, people
known only through links (`?Name`), organizations (notes, or `@Company` text).
An edge's weight grows with every link and every time two people met (a log
line or a dated note naming both), more for recent meetings.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from ..errors import AmbiguousName, NameNotFound, NotAContact
from ..index import NoteIndex
from ..vault.contributions import LINK, MET, SAME_DAY, WORKS_AT
from ..vault.resolve import fold, link_key, strip_md

RECENT_DAYS = 730


def _weight(code: int, day: int, today: int) -> float:
    if code in (MET, SAME_DAY) and day:
        return 1.0 + max(0.0, 1.0 - (today - day) / RECENT_DAYS)
    return 0.5


def build(index: NoteIndex, today: dt.date):
    """The graph: node attributes name, kind, known (has a note); edge weight, evidence, at_org.

    A link to no note (`?Name`) is a person only when something says so: a person's or
    an organization's note links it, or a log line names it with a person who has a note.
    Being linked from a dated note is no such sign (a day links topics as well as people:
    `[[blockchain]]`, `[[1]]`), so those ties count only for names known as people
    otherwise. A name that is some person's company is that organization.
    """
    import networkx as nx

    contrib, _fields = index.contributions()
    entries = index.entries()
    # In path order, not the index's: a note saved since is last in the index, first or between in a
    # rebuild's, and the order decides ties (an edge's evidence) and how nodes and edges are listed.
    graph = nx.Graph()
    org_names: dict[str, str] = {}  # folded name -> org note path, or "@name" for one known by name
    for path, e in sorted(entries.items()):
        if e.kind in ("person", "org"):
            graph.add_node(path, name=e.name, kind=e.kind, known=True)
        if e.kind == "org":
            for label in (e.name, *e.aliases, strip_md(path).rsplit("/", 1)[-1]):
                org_names.setdefault(fold(label), path)
    all_edges = [(source, edge) for source, per in sorted(contrib.items()) for edge in per.get("", ())]
    for _source, (_a, b, _day, _line, code) in all_edges:
        if code == WORKS_AT and b[0] == "@" and fold(b[1:]) not in org_names:
            org_names[fold(b[1:])] = "@" + fold(b[1:])
            graph.add_node("@" + fold(b[1:]), name=b[1:], kind="org", known=False)
    people_by_name: set[str] = set()
    for _source, (a, b, _day, _line, code) in all_edges:
        for this, other in ((a, b), (b, a)):
            if this[0] == "?" and (code == LINK or code == MET and entries.get(other) is not None):
                people_by_name.add(fold(this[1:]))

    def node(raw: str) -> str | None:
        if raw[0] in "?@":
            name, key = raw[1:], fold(raw[1:])
            # `[[Companies/Initech]]` is the company Initech, by its file name as in a link.
            org = org_names.get(key) if raw[0] == "@" else org_names.get(link_key(name))
            if org is not None:
                return org
            if raw[0] == "@":  # a company in a person's `company`: every one was added above
                return None
            if key not in people_by_name:
                return None
            if "?" + key not in graph:
                graph.add_node("?" + key, name=name, kind="person", known=False)
            return "?" + key
        return raw

    now = today.toordinal()
    for source, (raw_a, raw_b, day, line, code) in all_edges:
        a, b = node(raw_a), node(raw_b)
        if a is None or b is None or a == b or a not in graph or b not in graph:
            continue  # a name that is no person, a note that links itself, or a note that is gone
        weight = _weight(code, day, now)
        at_org = code == WORKS_AT or (code == LINK and source in (a, b) and entries.get(source) is not None
                                      and entries[source].kind == "org")
        if graph.has_edge(a, b):
            data = graph[a][b]
            data["weight"] += weight
            data["at_org"] = data["at_org"] or at_org
            if (day, code) > (data["evidence"][2], data["evidence"][3]):
                data["evidence"] = (source, line, day, code)
        else:
            graph.add_edge(a, b, weight=weight, evidence=(source, line, day, code), at_org=at_org)
    return graph


def _targets(graph, index: NoteIndex, text: str) -> tuple[list[str], str]:
    """(nodes to reach, what the target is) for a person or an organization."""
    from ..network import queries

    wanted = fold(strip_md(text.strip()))
    orgs = [n for n, d in graph.nodes(data=True)
            if d["kind"] == "org" and (fold(d["name"]) == wanted or n == "@" + wanted)]
    try:
        path = queries.find_note(index, text, kinds=("person", "org"))
        if graph.nodes[path]["kind"] == "org":
            orgs = [path]
        else:
            return [path], "person"
    except (NameNotFound, KeyError):
        if "?" + wanted in graph:
            return ["?" + wanted], "person"
    if orgs:
        people = sorted({m for o in orgs for m in graph[o] if graph[o][m]["at_org"]
                         and graph.nodes[m]["kind"] == "person"})
        return people, "org"
    try:
        plain = queries.find_note(index, text, kinds=("note",), guess=False)
    except (NameNotFound, AmbiguousName):
        pass
    else:
        raise NotAContact(text, plain)
    import difflib

    names = {fold(d["name"]): d["name"] for _, d in graph.nodes(data=True)}
    close = difflib.get_close_matches(wanted, list(names), n=5, cutoff=0.6)
    raise NameNotFound(text, [names[c] for c in close])


def intro(index: NoteIndex, today: dt.date, target: str, max_hops: int = 3, limit: int = 20) -> list[dict]:
    """Paths from people you know (people with notes) to the target, shortest then strongest first."""
    import networkx as nx

    graph = index.derived(("graph", today), lambda: build(index, today))  # read, never changed, here
    ends, what = _targets(graph, index, target)
    people = graph.subgraph(n for n, d in graph.nodes(data=True) if d["kind"] == "person")
    from .queries import me_path

    me = me_path(index)
    found: dict[tuple[str, ...], tuple[int, float, float]] = {}
    for end in ends:
        if graph.nodes[end]["known"] and end != me:
            found[(end,)] = (1, float("inf"), 0.0)
            if what == "person":
                continue  # you know them: no friend needed
            # Someone at the organization you know: the friends of friends there come second.
        reach = nx.single_source_shortest_path(people, end, cutoff=max_hops - 1)
        for start, path in reach.items():
            if start == end or start == me or not graph.nodes[start]["known"]:
                continue
            if what == "org" and start in ends:
                continue  # at the organization themselves: listed at one hop
            if any(graph.nodes[n]["known"] for n in path[1:-1]):
                continue  # a shorter path starts at that known person instead
            hops = list(reversed(path))
            weights = [graph[u][v]["weight"] for u, v in pairwise(hops)]
            found[tuple(hops)] = (len(hops), min(weights), sum(weights))
    ranked = sorted(found.items(), key=lambda kv: (kv[1][0], -kv[1][1], -kv[1][2], kv[0]))[:limit]
    rows = [_intro_row(graph, index, hops, score) for hops, score in ranked]
    # When you were last in touch with the person each path starts at: whom to ask first.
    from .relations import last_contacts_from

    last = last_contacts_from(index.persons()[0], {r["notes"][0] for r in rows if r["notes"][0]}, today)
    for row in rows:
        day = last.get(row["notes"][0]) if row["notes"][0] else None
        row["last_contact"] = day.isoformat() if day else None
    return rows


def _intro_row(graph, index: NoteIndex, hops: tuple[str, ...], score) -> dict:
    evidence = []
    for u, v in pairwise(hops):
        source, line, day, _code = graph[u][v]["evidence"]
        rec = index.records([source]).get(source)
        evidence.append({
            "from": graph.nodes[u]["name"], "to": graph.nodes[v]["name"],
            "source": source, "line": line, "context": rec.lines.get(line, "") if rec else "",
            "date": dt.date.fromordinal(day).isoformat() if day else None,
        })
    return {
        "path": [graph.nodes[n]["name"] for n in hops],
        "hops": len(hops),
        "notes": [n if graph.nodes[n]["known"] else None for n in hops],
        "strength": round(score[1], 3) if score[1] != float("inf") else None,
        "evidence": evidence,
    }


def people_facts(net) -> dict[str, dict]:
    """What a person's card on the graph page shows, by note path: tags, company, last contact,
    next due (and how overdue), the ledger. `net` is a relations.Network; the user's own note
    (config `me`) is never due, as in `due`."""
    out = {}
    for path, p in net.people.items():
        due = None if path == net.me else p.next_due
        out[path] = {
            "tags": list(p.tags),
            "company": _company(p.fields),
            "last_contact": p.last_contact.isoformat() if p.last_contact else None,
            "next_due": due.isoformat() if due else None,
            "overdue_days": (net.today - due).days if due else None,
            "gave": p.gave,
            "got": p.got,
        }
    return out


def _company(fields: dict) -> str | None:
    """`company:` (or `org:`) as written, `[[Acme Corp]]` shown as Acme Corp."""
    for key in ("company", "org"):
        value = fields.get(key)
        if value and isinstance(value[0], str) and value[0].strip():
            text = value[0].strip()
            if text.startswith("[[") and text.endswith("]]"):
                text = text[2:-2].split("|", 1)[0].split("#", 1)[0].strip() or text
            return text
    return None
