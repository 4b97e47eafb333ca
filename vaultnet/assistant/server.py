"""`vaultnet mcp`: the vault served to an AI assistant over the Model Context Protocol, on stdio (SPEC §10).

Made with the official Python SDK's `MCPServer`. stdout is the protocol's
channel: everything else the server has to say (problems found while
indexing, a stale index) goes through `warn`, which the CLI points at stderr.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib.metadata import version

from mcp.server.mcpserver import MCPServer

from ..index import NoteIndex, SyncStats
from .live_index import LiveIndex
from .tools import READ, WRITES, Tools

INSTRUCTIONS = """\
vaultnet keeps the user's professional network as Markdown notes: one note per person \
(company, role, emails, tags, a cadence to stay in touch by) and a '## Log' of dated \
interactions. Use `due` for who to get back in touch with, `show` for one person's card, \
`search` and `who` to find people by words or topic, `intro` for who can introduce the \
user to someone, `ledger` for where the user only takes, `news` for reasons to reach out, `references` for who \
could vouch for the user. `log` records an interaction \
(the user told you they met, called, helped someone; `news` for news about them, which is \
no contact); `done` ticks off a task, `snooze` puts a follow-up off; `add` creates a person \
who has no note yet. A name may be a file name, a name, an alias, or a unique first or \
last name; when a name matches several people the error lists them: ask the user which \
one. Days are YYYY-MM-DD, or today, yesterday, 3d ago, 2w."""


def build(live: LiveIndex) -> MCPServer:
    """The server with every tool registered; `live` answers them."""
    server: MCPServer = MCPServer("vaultnet", version=version("vaultnet"), instructions=INSTRUCTIONS,
                                  log_level="WARNING")
    tools = Tools(live)
    for name in Tools.READ_TOOLS:
        server.add_tool(getattr(tools, name), name=name, annotations=READ)
    for name in Tools.WRITE_TOOLS:
        server.add_tool(getattr(tools, name), name=name, annotations=WRITES[name])
    return server


def serve(index: NoteIndex, today: Callable[[], dt.date], on_sync: Callable[[SyncStats], None],
          warn: Callable[[str], None]) -> None:
    """Serve `index` (synced once by the caller) on stdin and stdout until the client closes them.

    `on_sync` hears of every later sync that changed the index or found problems."""
    live = LiveIndex(index, today, on_batch=lambda batch: on_sync(batch.stats), on_sync=on_sync,
                     warn=lambda message: warn(f"vaultnet: {message}"))
    server = build(live)
    live.start()
    try:
        server.run("stdio")
    finally:
        live.stop()
