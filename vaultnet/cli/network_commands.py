"""Network intelligence: intro, who, graph."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .base import (
    App,
    _cell,
    cli,
    emit,
    json_option,
    warn,
    write_output,
)


@cli.command()
@click.argument("target")
@click.option("--max-hops", type=click.IntRange(min=1, max=6), default=3, show_default=True,
              help="The longest chain of people to consider.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True, help="At most this many paths.")
@json_option
@click.pass_obj
def intro(app: App, target: str, max_hops: int, limit: int, as_json: bool):
    """How to reach TARGET, a person or anyone at an organization: shortest, then strongest paths."""
    from ..network.graph import intro as find_paths

    rows = find_paths(app.index(), app.today, target, max_hops=max_hops, limit=limit)
    if as_json:
        emit(rows, True)
        return
    if not rows:
        warn(f"no path to {target} within {max_hops} hops")
        return
    for row in rows:
        since = f"  (last contact {row['last_contact']})" if row.get("last_contact") else ""
        click.echo(f"{row['hops']} hop{'s' if row['hops'] > 1 else ''}: " + " → ".join(row["path"]) + since)
        for ev in row["evidence"]:
            when = f" {ev['date']}" if ev["date"] else ""
            click.echo(f"    {ev['from']} – {ev['to']}: {ev['source']}:{ev['line']}{when}  {_cell(ev['context'])}")


@cli.command()
@click.argument("topic")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True, help="At most this many people.")
@json_option
@click.pass_obj
def who(app: App, topic: str, limit: int, as_json: bool):
    """People related to TOPIC, by their own notes and the notes that mention them."""
    from ..network.topics import who as find_people

    rows = find_people(app.index(), topic, limit=limit, today=app.today)
    if as_json:
        emit(rows, True)
        return
    if not rows:
        warn(f"nobody in your notes is linked to {topic!r}")
        return
    for row in rows:
        last = f", last contact {row['last_contact']}" if row["last_contact"] else ", never in touch"
        click.echo(f"{row['name']}  ({row['score']:.1f}{last})")
        for ev in row["evidence"]:
            click.echo(f"    {ev['source']}:{ev['line']}  {_cell(ev['context'])}")


GRAPH_FORMATS = ("json", "dot", "graphml", "html")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(GRAPH_FORMATS), default="json", show_default=True,
              help="json, Graphviz dot, GraphML, or a self-contained html page.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write to FILE instead of stdout.")
@click.pass_obj
def graph(app: App, fmt: str, output: Path | None):
    """The network as a graph file: people and organizations as nodes, who-knows-whom as edges."""
    from ..interop import graph_files as gf
    from ..interop import graph_page
    from ..network import graph as g
    from ..network import queries

    index = app.index()
    network = g.build(index, app.today)
    people = g.people_facts(queries.network(index, app.today))
    if fmt == "json":
        data = (json.dumps(gf.as_json(network, people), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    elif fmt == "dot":
        data = gf.as_dot(network).encode("utf-8")
    elif fmt == "graphml":
        data = gf.as_graphml(network)
    else:
        name = app.vault.root.name
        data = graph_page.as_html(network, people, vault_name=name, title=f"{name} — vaultnet").encode("utf-8")
    write_output(data, output)
    if output is not None:
        warn(f"wrote {network.number_of_nodes()} nodes and {network.number_of_edges()} edges to {output}")
