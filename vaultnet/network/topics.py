"""`who TOPIC`: the people a topic belongs with, by their own notes and the notes about them.

The topic is searched through the Whoosh index (the body is stemmed, so
"compilers" finds "compiler"). A hit in a person's own note counts fully; a
hit in another note counts for the people linked on the lines that mention
the topic, and a little for everyone else that note links. Evidence lines
are read from the notes on disk, the truth.
"""

from __future__ import annotations

import re

from ..errors import BadValue
from ..index import NoteIndex

OWN, SAME_LINE, SAME_NOTE = 1.0, 0.8, 0.15
_WORD = re.compile(r"\w+(?:[.'’]\w+)*")
MAX_EVIDENCE = 3


def _lines_about(text: str, terms: set[str], stem) -> list[tuple[int, str]]:
    """(1-based line, text) of every line with a word that is, or stems to, one of `terms`."""
    out = []
    for number, line in enumerate(text.split("\n"), 1):
        for m in _WORD.finditer(line):
            word = m[0].lower()
            if word in terms or stem(word) in terms:
                out.append((number, line.strip()))
                break
    return out


def who(index: NoteIndex, topic: str, limit: int = 20, hits_considered: int = 300, today=None) -> list[dict]:
    """People for `topic`, best first, each with the lines that say why (never a bare score)
    and their last contact as of `today` (default: the real date)."""
    if not topic.strip():
        raise BadValue("must not be empty", "topic")
    import datetime as dt

    from ..index.stemming import stem_word
    from ..notes.note import decode
    from .relations import last_contacts_from

    resolver = index.resolver()
    kinds = index.kinds()
    scores: dict[str, float] = {}
    evidence: dict[str, list[dict]] = {}
    weak: dict[str, list[dict]] = {}  # where someone is linked in a note about the topic

    def credit(person: str, amount: float, source: str | None = None, line: int = 0, context: str = "") -> None:
        scores[person] = scores.get(person, 0.0) + amount
        if source is not None and len(evidence.setdefault(person, [])) < MAX_EVIDENCE:
            item = {"source": source, "line": line, "context": context}
            if item not in evidence[person]:
                evidence[person].append(item)

    hits = index.search(topic, limit=hits_considered)
    records = index.records([h.path for h in hits])
    for hit in hits:
        rec = records.get(hit.path)
        if rec is None:
            continue
        try:
            text, _ = decode(index.vault.read_bytes(hit.path))
        except OSError:
            continue
        about = _lines_about(text, {t.lower() for t in hit.terms}, stem_word)
        if kinds.get(hit.path, ("",))[0] == "person":
            credit(hit.path, hit.score * OWN)
            for line, context in about:
                credit(hit.path, 0.0, hit.path, line, context)
        about_lines = {line: context for line, context in about}
        linked_on: dict[str, int] = {}
        for target, line, *_ in rec.links:
            path = resolver.resolve(target, hit.path).path
            if path is None or path == hit.path or kinds.get(path, ("",))[0] != "person":
                continue
            if line in about_lines and path not in linked_on:
                linked_on[path] = line
        linked_anywhere = {
            p for p in (resolver.resolve(t, hit.path).path for t, *_ in rec.links)
            if p is not None and p != hit.path and kinds.get(p, ("",))[0] == "person"
        }
        for path in linked_anywhere:
            if path in linked_on:
                line = linked_on[path]
                credit(path, hit.score * SAME_LINE, hit.path, line, about_lines[line])
            else:
                credit(path, hit.score * SAME_NOTE)
                line = next(line for t, line, *_ in rec.links if resolver.resolve(t, hit.path).path == path)
                if len(weak.setdefault(path, [])) < MAX_EVIDENCE:
                    weak[path].append({"source": hit.path, "line": line, "context": rec.lines.get(line, "")})
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kinds[kv[0]][1].casefold()))
    rows = []
    for path, score in ranked:
        shown = (evidence.get(path, []) + [w for w in weak.get(path, []) if w not in evidence.get(path, [])])
        if shown:  # a score with nothing to show for it is not worth listing
            rows.append((path, score, shown[:MAX_EVIDENCE]))
        if len(rows) == limit:
            break
    last = last_contacts_from(index.persons()[0], [p for p, _, _ in rows], today or dt.date.today())
    return [
        {"path": path, "name": kinds[path][1], "score": round(score, 3), "evidence": shown,
         "last_contact": _iso(last[path])}
        for path, score, shown in rows
    ]


def _iso(day) -> str | None:
    return day.isoformat() if day else None
