"""Questions asked of the index. Each takes a NoteIndex and returns plain data."""

from __future__ import annotations

from collections import Counter

from ..errors import AmbiguousName, NameNotFound
from ..index import NoteIndex, Record
from ..notes.contact_fields import field_values
from ..vault.resolve import fold, is_attachment, strip_md

KINDS = ("person", "org", "note")


def find_note(index: NoteIndex, name: str, kinds: tuple[str, ...] = KINDS, guess: bool = True) -> str:
    """The path of the note NAME means: path, file name, name, alias, then (if `guess`) part of a
    name or a close misspelling."""
    entries = {p: e for p, e in index.entries().items() if e.kind in kinds}
    wanted = fold(strip_md(name.strip()).strip("/"))
    if not wanted:
        raise NameNotFound(name, [])
    for path in entries:
        if fold(strip_md(path)) == wanted:
            return path
    tiers: list[list[str]] = [[], [], []]
    for path, e in entries.items():
        if fold(strip_md(path).rsplit("/", 1)[-1]) == wanted:
            tiers[0].append(path)
        elif fold(e.name) == wanted:
            tiers[1].append(path)
        elif any(fold(a) == wanted for a in e.aliases):
            tiers[2].append(path)
    for tier in tiers:
        if len(tier) == 1:
            return tier[0]
        if tier:
            raise AmbiguousName(name, sorted(tier))
    if not guess:
        raise NameNotFound(name, [])
    # Part of a name, in whole words: a first name, a last name ("Hana" for "Hana Sato").
    words = wanted.split()
    partial = sorted(
        path for path, e in entries.items()
        if any(_has_words(fold(label).split(), words) for label in (e.name, *e.aliases))
    )
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise AmbiguousName(name, partial)
    # A close misspelling: compare with every name and alias.
    import difflib

    labels: dict[str, set[str]] = {}
    for path, e in entries.items():
        for label in (e.name, *e.aliases, strip_md(path).rsplit("/", 1)[-1]):
            labels.setdefault(fold(label), set()).add(path)
    close = difflib.get_close_matches(wanted, list(labels), n=5, cutoff=0.8)
    paths = sorted({p for label in close for p in labels[label]})
    if len(paths) == 1:
        return paths[0]
    if paths:
        raise AmbiguousName(name, paths)
    loose = difflib.get_close_matches(wanted, list(labels), n=3, cutoff=0.6)
    raise NameNotFound(name, sorted({entries[p].name for label in loose for p in labels[label]}))


def _has_words(label: list[str], words: list[str]) -> bool:
    n = len(words)
    return any(label[i : i + n] == words for i in range(len(label) - n + 1))


def search(index: NoteIndex, text: str, kind: str | None = None, limit: int | None = 20) -> list[dict]:
    from ..index.schema import stem_word
    from .snippets import snippet

    out = []
    for hit in index.search(text, kind=kind, limit=limit):
        e = index.entry(hit.path)
        body = _body_of(index, hit.path)
        out.append({
            "path": hit.path,
            "name": e.name if e else hit.path,
            "kind": e.kind if e else "note",
            "score": round(hit.score, 4),
            "snippet": snippet(body, hit.terms, stem_word),
        })
    return out


def _body_of(index: NoteIndex, path: str) -> str:
    """The note's text from disk (the index keeps no copy of bodies)."""
    from ..notes.note import decode
    from ..notes.note_yaml import find_block

    try:
        raw = index.vault.read_bytes(path)
    except OSError:
        return ""
    text, _ = decode(raw)
    block = find_block(text)
    return text[block.body_offset:] if block else text


def _link_rows(index: NoteIndex, keys: set[str], wanted) -> list[dict]:
    """Backlink rows for the links under `keys` whose (target, source) `wanted` accepts, one per line."""
    out = []
    for source, rec in sorted(index.records(index.linking(keys)).items()):
        log_dates = {line: date for line, date, _, _ in rec.log_lines}
        seen_lines = set()
        for target, line, _embed, _fm, _sub in rec.links:
            if line in seen_lines or not wanted(target, source):
                continue
            seen_lines.add(line)
            out.append({
                "source": source,
                "line": line,
                "context": rec.lines.get(line, ""),
                "date": log_dates.get(line) or rec.date,
            })
    return out


def backlinks(index: NoteIndex, path: str) -> list[dict]:
    """Every place that links the note at `path`, in source and line order."""
    resolver = index.resolver()
    return _link_rows(
        index, resolver.keys_for(path),
        lambda target, source: source != path and resolver.resolve(target, source).path == path,
    )


def backlinks_of(index: NoteIndex, name: str) -> list[dict]:
    """`backlinks NAME`: where the note NAME means is linked, or, for someone with no note
    yet ([[Dana Whitfield]]), where that name is mentioned."""
    try:
        path = find_note(index, name)
    except NameNotFound:
        rows = mentions_of_unresolved(index, name)
        if not rows:
            raise
        return rows
    return backlinks(index, path)


def mentions_of_unresolved(index: NoteIndex, name: str) -> list[dict]:
    """Backlink rows for links to `name` that resolve to no note."""
    from ..vault.resolve import link_key

    folded = fold(strip_md(name.strip()))
    resolver = index.resolver()
    return _link_rows(
        index, {link_key(name)},
        lambda target, source: fold(strip_md(target)) == folded and resolver.resolve(target, source).path is None,
    )


def all_links(index: NoteIndex) -> list[dict]:
    resolver = index.resolver()
    out = []
    for rec in sorted(index.all_records(), key=lambda r: r.path):
        for target, line, embed, _fm, _sub in rec.links:
            res = resolver.resolve(target, rec.path)
            out.append({
                "source": rec.path,
                "line": line,
                "target": target,
                "resolved": res.path,
                "via": res.via,
                "embed": bool(embed),
            })
    out.sort(key=lambda d: (d["source"], d["line"]))
    return out


def unresolved_links(index: NoteIndex) -> list[dict]:
    """Link targets with no note, most mentioned first: people to add."""
    counts: Counter[str] = Counter()
    sources: dict[str, set[str]] = {}
    shown: dict[str, Counter[str]] = {}
    for link in all_links(index):
        target = link["target"]
        if link["resolved"] is not None or not target or is_attachment(target):
            continue
        key = fold(strip_md(target))
        counts[key] += 1
        sources.setdefault(key, set()).add(link["source"])
        shown.setdefault(key, Counter())[target] += 1
    rows: list[dict] = [
        {"target": shown[key].most_common(1)[0][0], "count": n, "sources": sorted(sources[key])}
        for key, n in counts.items()
    ]
    rows.sort(key=lambda r: (-r["count"], fold(r["target"])))
    return rows


def network(index: NoteIndex, today):
    """Everyone's relationship facts (interactions, due dates, ledger) as of `today`."""
    from .relations import Network

    def fold() -> Network:
        contrib, fields = index.contributions()
        return Network(contrib, fields, index.kinds(), index.vault.config, today, me=me_path(index))

    return index.derived(("network", today), fold)


def me_path(index: NoteIndex) -> str | None:
    """The user's own note (config `me`), by exact file name or name; never a guess."""
    if not index.vault.config.me:
        return None
    wanted = fold(strip_md(index.vault.config.me))
    return next((p for p, (_, name) in index.kinds().items()
                 if fold(strip_md(p).rsplit("/", 1)[-1]) == wanted or fold(name) == wanted), None)


def card(index: NoteIndex, path: str, today) -> dict:
    """The contact card: fields, last contact, next due, ledger, mentions, interactions."""
    rec = index.records([path]).get(path)
    if rec is None:
        raise NameNotFound(path, [])
    data = card_from_record(rec, backlink_count=len({b["source"] for b in backlinks(index, path)}))
    from .relations import interactions_of

    person = network(index, today).people.get(path)
    if person is not None:
        data.update({
            "cadence_days": person.cadence.approx_days if person.cadence else None,
            "last_contact": person.last_contact.isoformat() if person.last_contact else None,
            "next_due": person.next_due.isoformat() if person.next_due else None,
            "due_reason": person.reason,
            "gave": person.gave,
            "got": person.got,
            "interactions": interactions_of(path, index.contributions()[0], index.stored_facts,
                                            index.kinds(), index.resolver()),
        })
    return data


def card_from_record(rec: Record, backlink_count: int) -> dict:
    fm = rec.frontmatter
    company = field_values(fm, "company", "org")
    role = field_values(fm, "role", "title")
    return {
        "path": rec.path,
        "name": rec.name,
        "kind": rec.kind,
        "aliases": list(rec.aliases),
        "company": company[0] if company else None,
        "role": role[0] if role else None,
        "emails": field_values(fm, "email", "emails"),
        "phones": field_values(fm, "phone", "phones"),
        "tags": list(rec.tags),
        "cadence_days": None,
        "last_contact": None,
        "next_due": None,
        "due_reason": None,
        "gave": 0,
        "got": 0,
        "backlinks": backlink_count,
        "interactions": [],
        "fields": {k: v for k, v in fm.items() if k not in ("name", "aliases", "tags")},
        "problems": [{"line": line, "message": msg} for line, msg in rec.problems],
    }


def people_contacts(index: NoteIndex) -> list:
    """Every person's contact details, by path, for exports."""
    from ..notes.contact_fields import contact_from_fields
    from ..notes.note import _frontmatter_tags as frontmatter_tags

    persons = sorted(p for p, (kind, _) in index.kinds().items() if kind == "person")
    records = index.records(persons)
    # Only the frontmatter's tags: `#gave` in a log line describes a moment, not the person.
    return [contact_from_fields(p, r.name, list(r.aliases),
                                frontmatter_tags(r.frontmatter.get("tags", r.frontmatter.get("tag"))),
                                r.frontmatter)
            for p, r in records.items()]
