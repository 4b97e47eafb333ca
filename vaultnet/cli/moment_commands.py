"""Moments (SPEC §8): news about people, and who could vouch for your work."""

from __future__ import annotations

import click

from .base import App, _cell, cli, emit, json_option


@cli.command()
@click.option("--since", metavar="WHEN",
              help="News since WHEN: a date (2026-09-01) or how long ago (90d, 2w, 3m); "
                   "default: news_days from the config (30).")
@json_option
@click.pass_obj
def news(app: App, since: str | None, as_json: bool):
    """Recent news about people in your network (#news log lines), newest first."""
    from ..network import queries
    from ..notes.dates import since_argument

    first = since_argument(since, app.today, app.vault.config.news_days, "since")
    rows = queries.kept_news(app.index(kept="news"), app.today, first)
    emit(rows, as_json, [("date", "DATE"), ("name", "NAME"), ("text", "NEWS"), ("source", "SOURCE")],
         empty=f"no news since {first.isoformat()}")


@cli.command()
@click.argument("topic", required=False)
@json_option
@click.pass_obj
def references(app: App, topic: str | None, as_json: bool):
    """Who has seen your work and could vouch for you (#noticed lines, `reference:`), strongest first.

    TOPIC keeps those whose noticed lines, `reference` or own notes are about it.
    """
    from ..network import queries

    rows = queries.kept_references(app.index(kept="references" if topic is None else None), app.today, topic)
    if as_json:
        emit(rows, True)
        return
    if not rows:
        emit([], False, empty="nobody yet: tag a log line #noticed when someone sees or praises your work"
             if topic is None else f"nobody about {topic!r}")
        return
    for r in rows:
        last = f"last contact {r['last_contact']}" if r["last_contact"] else "never in touch"
        cold = " — cold: warm up before you ask" if r["cold"] else ""
        click.echo(f"{r['name']}  ({r['score']}, {last}, balance {r['balance']:+d}){cold}")
        if r["reference"]:
            click.echo(f"    can speak to: {_cell(r['reference'])}")
        for n in r["noticed"][:3]:
            click.echo(f"    {n['date']}  {_cell(n['text'])}  ({n['source']}:{n['line']})")
        if len(r["noticed"]) > 3:
            click.echo(f"    … {len(r['noticed']) - 3} more (--json for all)")
