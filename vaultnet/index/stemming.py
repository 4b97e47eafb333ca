"""The body's stemmer (Porter's, as Whoosh's analyzer applies it), apart from schema.py.

A snippet compares each word of a note both as written and stemmed (network/snippets.py); with
the stemmer here, a `search` that took its hits from its fork (search_ahead.py) never imports
the rest of Whoosh: `whoosh.lang.porter` alone is 4 ms, the schema's modules 40.
"""

from __future__ import annotations

from functools import lru_cache

from whoosh.lang.porter import stem

stem_word = lru_cache(maxsize=200_000)(stem)
