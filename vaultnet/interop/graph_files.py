"""The people graph as files: JSON, GraphML (Gephi) and DOT (Graphviz); the HTML page is graph_page.py.

Each takes the networkx graph network.graph.build() made; node attributes:
name, kind (person|org), known (has a note); edge attributes: weight, at_org.
"""

from __future__ import annotations

import unicodedata

# What a node says when the graph knows nothing more of it (organizations, people without a note).
NO_FACTS: dict[str, object] = {"tags": (), "company": None, "last_contact": None, "next_due": None,
                               "overdue_days": None, "gave": 0, "got": 0}


def as_json(graph, people: dict[str, dict] | None = None) -> dict:
    """Nodes and edges; `people` (network.graph.people_facts) adds each person's card facts."""
    people = people or {}
    return {
        "nodes": [
            {"id": n, "name": d["name"], "kind": d["kind"], "has_note": d["known"], **NO_FACTS, **people.get(n, {})}
            for n, d in sorted(graph.nodes(data=True))
        ],
        "edges": [
            {"source": a, "target": b, "weight": round(d["weight"], 3), "at_org": d["at_org"]}
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
