"""Who knows whom (SPEC §2): the people graph, introduction paths, and graph files.

Built with networkx from the edges each note contributes (relations._edges),
kept beside the index, so no note is read. Nodes: people with notes, people
known only through links (`?Name`), organizations (notes, or `@Company` text).
An edge's weight grows with every link and every time two people met (a log
line or a dated note naming both), more for recent meetings.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from itertools import pairwise

from .errors import NameNotFound
from .index import NoteIndex
from .relations import LINK, MET, WORKS_AT
from .resolve import fold, strip_md

RECENT_DAYS = 730


def _weight(code: int, day: int, today: int) -> float:
    if code == MET and day:
        return 1.0 + max(0.0, 1.0 - (today - day) / RECENT_DAYS)
    return 0.5


def build(index: NoteIndex, today: dt.date):
    """The graph: node attributes name, kind, known (has a note); edge weight, evidence, at_org."""
    import networkx as nx

    contrib, _fields = index.contributions()
    entries = index.entries()
    graph = nx.Graph()
    org_names: dict[str, str] = {}
    for path, e in entries.items():
        if e.kind in ("person", "org"):
            graph.add_node(path, name=e.name, kind=e.kind, known=True)
        if e.kind == "org":
            for label in (e.name, *e.aliases, strip_md(path).rsplit("/", 1)[-1]):
                org_names.setdefault(fold(label), path)

    def node(raw: str) -> str:
        if raw[0] == "?":
            key = "?" + fold(raw[1:])
            if key not in graph:
                graph.add_node(key, name=raw[1:], kind="person", known=False)
            return key
        if raw[0] == "@":
            org = org_names.get(fold(raw[1:]))
            if org is not None:
                return org
            key = "@" + fold(raw[1:])
            if key not in graph:
                graph.add_node(key, name=raw[1:], kind="org", known=False)
            return key
        return raw

    now = today.toordinal()
    for source, per in contrib.items():
        for a, b, day, line, code in per.get("", ()):
            a, b = node(a), node(b)
            if a == b or a not in graph or b not in graph:
                continue  # a note that links itself, or a note that is gone
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
    from . import queries

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
    import difflib

    names = {fold(d["name"]): d["name"] for _, d in graph.nodes(data=True)}
    close = difflib.get_close_matches(wanted, list(names), n=5, cutoff=0.6)
    raise NameNotFound(text, [names[c] for c in close])


def intro(index: NoteIndex, today: dt.date, target: str, max_hops: int = 3, limit: int = 20) -> list[dict]:
    """Paths from people you know (people with notes) to the target, shortest then strongest first."""
    import networkx as nx

    graph = build(index, today)
    ends, _what = _targets(graph, index, target)
    people = graph.subgraph(n for n, d in graph.nodes(data=True) if d["kind"] == "person")
    from .queries import me_path

    me = me_path(index)
    found: dict[tuple[str, ...], tuple[int, float, float]] = {}
    for end in ends:
        if graph.nodes[end]["known"] and end != me:
            found[(end,)] = (1, float("inf"), 0.0)
            continue
        reach = nx.single_source_shortest_path(people, end, cutoff=max_hops - 1)
        for start, path in reach.items():
            if start == end or start == me or not graph.nodes[start]["known"]:
                continue
            if any(graph.nodes[n]["known"] for n in path[1:-1]):
                continue  # a shorter path starts at that known person instead
            hops = list(reversed(path))
            weights = [graph[u][v]["weight"] for u, v in pairwise(hops)]
            found[tuple(hops)] = (len(hops), min(weights), sum(weights))
    ranked = sorted(found.items(), key=lambda kv: (kv[1][0], -kv[1][1], -kv[1][2], kv[0]))[:limit]
    return [_intro_row(graph, index, hops, score) for hops, score in ranked]


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


# ---------------------------------------------------------------------- files

def as_json(graph, due: dict[str, int] | None = None) -> dict:
    due = due or {}
    return {
        "nodes": [
            {"id": n, "name": d["name"], "kind": d["kind"], "has_note": d["known"], "overdue_days": due.get(n)}
            for n, d in sorted(graph.nodes(data=True))
        ],
        "edges": [
            {"source": a, "target": b, "weight": round(d["weight"], 3)}
            for a, b, d in sorted(graph.edges(data=True))
        ],
    }


def as_graphml(graph) -> bytes:
    import io

    import networkx as nx

    # XML 1.0 has no way to write most control characters, not even escaped: a name
    # holding one would make the whole file unreadable.
    plain = type(graph)()
    plain.add_nodes_from((_one_line(n), {"name": _one_line(d["name"]), "kind": d["kind"], "has_note": d["known"]})
                         for n, d in graph.nodes(data=True))
    plain.add_edges_from((_one_line(a), _one_line(b), {"weight": round(d["weight"], 3)})
                         for a, b, d in graph.edges(data=True))
    out = io.BytesIO()
    nx.write_graphml(plain, out, encoding="utf-8")
    return out.getvalue()


def _one_line(text: str) -> str:
    """Control characters and line breaks (which no graph format keeps as written) as spaces."""
    return "".join(" " if ch in _BREAKS or unicodedata.category(ch) == "Cc" else ch for ch in text)


_BREAKS = frozenset("\x85\u2028\u2029")


def _dot_id(text: str) -> str:
    return '"' + _one_line(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def as_dot(graph) -> str:
    lines = ["graph vaultnet {", "  node [shape=box, style=rounded];"]
    for n, d in sorted(graph.nodes(data=True)):
        shape = ", shape=ellipse" if d["kind"] == "org" else ""
        style = ", style=dashed" if not d["known"] else ""
        lines.append(f"  {_dot_id(n)} [label={_dot_id(d['name'])}{shape}{style}];")
    for a, b, d in sorted(graph.edges(data=True)):
        lines.append(f"  {_dot_id(a)} -- {_dot_id(b)} [weight={d['weight']:.3f}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def as_html(graph, due: dict[str, int] | None = None, title: str = "vaultnet network") -> str:
    """One self-contained page: the data is JSON in a script tag, names are set as text, never as HTML."""
    from importlib.resources import files

    data = json.dumps(as_json(graph, due), ensure_ascii=False)
    # In a <script> element "</script>" or "<!--" would end or confuse it: write < > & as JSON escapes.
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    template = files("vaultnet").joinpath("graph.html").read_text(encoding="utf-8")
    import html
    import re

    # One pass: a title that says "__DATA__" (the vault's folder name) stays a title.
    values = {"__TITLE__": html.escape(title), "__DATA__": data}
    return re.sub("__TITLE__|__DATA__", lambda m: values[m[0]], template)
