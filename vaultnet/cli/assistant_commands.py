"""Serving the vault to an AI assistant: mcp."""

from __future__ import annotations

import click

from .base import App, cli, report_sync, warn


@cli.command()
@click.pass_obj
def mcp(app: App):
    """Serve the vault to an AI assistant over the Model Context Protocol, on stdio, until it closes."""
    from ..gc_pause import freeze_after_loads

    freeze_after_loads(False)  # it lives on: every call's garbage must stay collectable
    try:
        from ..assistant.server import serve
    except ImportError as exc:  # the SDK is an extra: `pip install 'vaultnet[mcp]'`
        raise click.ClickException(f"the MCP server needs the mcp package ({exc.name} is missing): "
                                   "pip install 'vaultnet[mcp]'") from None
    index = app.index()  # synced once, problems on stderr, as every command does
    if not app.quiet:
        warn(f"vaultnet mcp: serving {app.vault.root} on stdio ({len(index.kinds())} notes); "
             "the client ends it by closing stdin")
    serve(index, lambda: app.today, lambda stats: report_sync(stats, index, verbose=False, quiet=app.quiet),
          warn)
