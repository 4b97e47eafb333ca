"""Importing Whoosh without two trees of modules it imports and never uses here.

`whoosh.compat` imports `urllib.request` (and with it http.client, email and
ssl) for `urlretrieve`, which nothing in Whoosh calls; `whoosh.reading` imports
the cached-property package, which imports asyncio, for one cached attribute
(`deleted_docs_set`). Together about 45 ms of every command that opens the
index (a card, a search, any change), a seventh of a `show` at 10,000 notes.
`whoosh.query` imports `whoosh.lang.morph_en`, whose hundreds of regular
expressions (10 ms) serve the `Variations` query alone, which we never ask.
While those Whoosh modules are imported, stand-ins take the three names; then
they are taken away again, so any later import gets the real module, and a
stand-in's function, if ever called, imports the real one and calls it.
"""

from __future__ import annotations

import functools
import sys
import types


def _urlretrieve(*args, **kwargs):  # pragma: no cover - Whoosh never calls it
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def _variations(*args, **kwargs):  # pragma: no cover - only the Variations query calls it
    from whoosh.lang.morph_en import variations

    return variations(*args, **kwargs)


def _stand_ins() -> dict[str, types.ModuleType]:
    request = types.ModuleType("urllib.request")
    request.urlretrieve = _urlretrieve  # type: ignore[attr-defined]
    cached = types.ModuleType("cached_property")
    cached.cached_property = functools.cached_property  # type: ignore[attr-defined]  # same for a plain method
    morph = types.ModuleType("whoosh.lang.morph_en")
    morph.variations = _variations  # type: ignore[attr-defined]
    return {"urllib.request": request, "cached_property": cached, "whoosh.lang.morph_en": morph}


def import_for_reading():
    """Whoosh's modules for opening the index and reading it (once per process); `whoosh.index`.
    Its codec and searcher too: opening the first commit imported them, 10 ms at that point."""
    import_whoosh()
    import whoosh.codec.whoosh3
    import whoosh.searching  # noqa: F401
    from whoosh import index as windex

    return windex


def import_whoosh() -> None:
    """Import the Whoosh modules every other one imports, with the stand-ins (once per process)."""
    if "whoosh.reading" in sys.modules:
        return
    stand_ins = {name: module for name, module in _stand_ins().items() if name not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        import whoosh.compat
        import whoosh.query
        import whoosh.reading  # noqa: F401
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
