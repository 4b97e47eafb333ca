"""vaultnet for AI assistants: the commands as the tools of an MCP server (SPEC §10).

It sits between the CLI and the watcher: it keeps its index current with
watch/watcher.py and answers with the same core functions the commands call.
"""
