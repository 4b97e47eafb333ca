"""The graph page (SPEC §11): `graph --format html`, one self-contained file that opens offline.

The drawing library (cytoscape.js, with graphology's ForceAtlas2 for the layout) is built into
vendor/graph-library.js with its licences (vendor/README.md says how) and inlined, so the page
loads nothing. The data is JSON in a `<script type="application/json">` element; the page's own
code (graph_page.html) sets every name as text (textContent, canvas text), never as markup.
"""

from __future__ import annotations

import html
import json
import re
from importlib.resources import files

from .graph_files import as_json


def page_data(graph, people: dict[str, dict] | None, vault_name: str) -> dict:
    """What the page draws: as_json's nodes and edges, and the vault's name for obsidian:// links."""
    return {"vault": vault_name, **as_json(graph, people)}


def as_html(graph, people: dict[str, dict] | None = None, vault_name: str = "vault",
            title: str = "vaultnet network") -> str:
    data = json.dumps(page_data(graph, people, vault_name), ensure_ascii=False)
    # In a <script> element "</script>" or "<!--" would end or confuse it: write < > & as JSON
    # escapes. U+2028/U+2029 need nothing: the text is read by JSON.parse, not run as code.
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    here = files("vaultnet.interop")
    template = here.joinpath("graph_page.html").read_text(encoding="utf-8")
    library = here.joinpath("vendor").joinpath("graph-library.js").read_text(encoding="utf-8")
    # One pass: a title that says "__DATA__" (the vault's folder name) stays a title, and
    # nothing inserted is searched again.
    values = {"__TITLE__": html.escape(title), "__DATA__": data, "__LIBRARY__": library}
    return re.sub("__TITLE__|__DATA__|__LIBRARY__", lambda m: values[m[0]], template)
