"""A full-text query run on a Whoosh searcher: its hits best first, as plain tuples.

Apart from reader.py so that a one-shot `search`'s fork (search_ahead.py) runs the very same
query without importing what reads the stored records (records.py, the vault's settings).
"""

from __future__ import annotations

from ..errors import QueryError

HitTuple = tuple  # (path, score, [matched terms]): records.Hit's fields, as marshal holds them


def find_hits(s, text: str, kind: str | None = None, limit: int | None = 20) -> list[HitTuple]:
    from whoosh import query

    from .schema import parse_query

    try:
        q = parse_query(text, s.schema)
    except Exception as exc:
        raise QueryError(f"cannot read the query {text!r}: {exc}") from exc
    if kind:
        q = query.And([q, query.Term("kind", kind)])
    # Equal scores in path order: Whoosh breaks ties by document number, which depends on how the
    # index was built (a rebuild's writer processes, a first answer's writer, commits since), and
    # the answer must not. One hit more than asked says whether a tie crosses the limit; while one
    # does, twice as many are read, so that every hit tied at the limit is there to choose from.
    if limit is not None and limit < 1:
        return []
    want = None if limit is None else limit + 1
    while True:
        try:
            results = s.search(q, limit=want, terms=True)
            found = [(float(r.score or 0.0), r["path"], r) for r in results]
        except Exception as exc:
            raise QueryError(f"cannot run the query {text!r}: {exc}") from exc
        if want is None or limit is None or len(found) < want or found[limit][0] != found[limit - 1][0]:
            break
        want *= 2
    found.sort(key=lambda f: (-f[0], f[1]))
    hits = []
    for score, path, r in found[:limit]:
        terms = sorted({t.decode("utf-8", "replace") if isinstance(t, bytes) else str(t)
                        for _, t in (r.matched_terms() or [])})
        hits.append((path, score, terms))
    return hits
