"""Questions asked of the index. Each takes a NoteIndex and returns plain data."""

from __future__ import annotations

from collections import Counter

from ..errors import BadValue, NameNotFound
from ..gc_pause import gc_paused
from ..index import NoteIndex, Record
from ..vault.resolve import fold, is_attachment, is_note_path, strip_md
from .names import KINDS, find_note, find_person  # noqa: F401  (callers find names here)


def search(index: NoteIndex, text: str, kind: str | None = None, limit: int | None = 20,
           today=None) -> list[dict]:
    """Hits best first; people and organizations with their company and role, people with their
    last contact as of `today` (default: the real date)."""
    if not text.strip():
        raise BadValue("must not be empty", "query")
    import datetime as dt

    from ..index.stemming import stem_word
    from ..notes.values import field_values
    from .relations import last_contacts_from
    from .snippets import snippet

    hits = index.search(text, kind=kind, limit=limit)
    records = index.records([h.path for h in hits])
    people = [h.path for h in hits if (e := index.entry(h.path)) is not None and e.kind == "person"]
    # Their shards alone (20 hits: a third of the 64), not everyone's sums.
    last = last_contacts_from(index.persons_of(people)[0], people, today or dt.date.today()) if people else {}
    out = []
    for hit in hits:
        e = index.entry(hit.path)
        rec = records.get(hit.path)
        fm = rec.frontmatter if rec is not None else {}
        row = {
            "path": hit.path,
            "name": e.name if e else hit.path,
            "kind": e.kind if e else "note",
            "score": round(hit.score, 4),
            "snippet": snippet(_body_of(index, hit.path), hit.terms, stem_word),
        }
        if row["kind"] in ("person", "org"):
            row["company"] = _first(field_values(fm, "company", "org"))
            row["role"] = _first(field_values(fm, "role", "title"))
        if row["kind"] == "person":
            day = last.get(hit.path)
            row["last_contact"] = day.isoformat() if day else None
        out.append(row)
    return out


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


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
    return _rows_of(index.records(index.linking(keys)), wanted)


def _rows_of(records: dict[str, Record], wanted) -> list[dict]:
    """_link_rows of these records (those of the notes whose links may be wanted)."""
    out = []
    for source, rec in sorted(records.items()):
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
    return _link_rows(index, index.resolver().keys_for(path), _linking_to(index, path))


def _linking_to(index: NoteIndex, path: str):
    """Which (target, source) of a link is a backlink of the note at `path`."""
    resolver = index.resolver()
    return lambda target, source: source != path and resolver.resolve(target, source).path == path


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
                # A file that is no note: there (resolved to its path), or missing.
                "attachment": not is_note_path(res.path) if res.path is not None else is_attachment(target),
            })
    out.sort(key=lambda d: (d["source"], d["line"]))
    return out


def unresolved_links(index: NoteIndex) -> list[dict]:
    """Link targets with no note or file, most mentioned first: people to add, and missing
    attachments (`"attachment": true`: an image, a pdf, a canvas that is not in the vault)."""
    counts: Counter[str] = Counter()
    sources: dict[str, set[str]] = {}
    shown: dict[str, Counter[str]] = {}
    for link in all_links(index):
        target = link["target"]
        if link["resolved"] is not None or not target:
            continue
        key = fold(strip_md(target))
        counts[key] += 1
        sources.setdefault(key, set()).add(link["source"])
        shown.setdefault(key, Counter())[target] += 1
    rows: list[dict] = []
    for key, n in counts.items():
        target = shown[key].most_common(1)[0][0]
        rows.append({"target": target, "count": n, "sources": sorted(sources[key]),
                     "attachment": is_attachment(target)})
    rows.sort(key=lambda r: (-r["count"], fold(r["target"])))
    return rows


def network(index: NoteIndex, today, only=None):
    """Everyone's relationship facts (interactions, due dates, ledger) as of `today`; with `only`,
    the people among those paths."""
    from .relations import Network

    def fold() -> Network:
        with gc_paused():  # 10,000 people's sums and Person objects, no cycles among them
            folded, fields = index.persons() if only is None else index.persons_of(only)
            return Network(folded, fields, index.kinds(), index.vault.config, today, me=me_path(index), only=only)

    def amend(before: Network, changed: set[str]) -> Network:
        with gc_paused():
            folded, fields = index.persons()
            return before.amended(folded, fields, index.kinds(), changed, me_path(index))

    if only is not None:  # a few people (a card): nothing worth keeping
        return fold()
    return index.derived(("network", today), fold, amend)


# Bump when what a value kept beside the index holds (a due table's rows, relations.Network.due_table;
# the rows of ledger, news, references), or how it is made, changes: what older code kept is then
# never read.
KEPT_VERSION = 1


def _kept_key(index: NoteIndex, me: str | None, what: str, *parts) -> tuple:
    """The key of a value derived from the people's sums and fields and kept beside the index
    (NoteIndex.derived(keep=...)): all else it depends on, the settings (default cadence, news
    days, ...), the user's own note `me` (me_path), and the command's own (today, as an ordinal)."""
    return (what, KEPT_VERSION, repr(index.vault.config), me, *parts)


def due(index: NoteIndex, today, within: int = 0, tag: str | None = None) -> list[dict]:
    """Network.due(within, tag), from the due table (due_table)."""
    from .relations import due_rows

    me = me_path(index)  # a walk of every note's name when `me` is set: once
    return due_rows(due_table(index, today, me), today, within, tag, me)


def due_table(index: NoteIndex, today, me: str | None) -> dict[str, tuple]:
    """Everyone's next due day (Network.due_table), kept beside the index: a one-shot `due` with
    nothing changed reads it instead of folding 10,000 people, and one after a change folds the
    people it touched into the table the commit before it kept."""
    def make() -> dict[str, tuple]:
        return network(index, today).due_table()

    def amend(before: dict[str, tuple], changed: set[str]) -> dict[str, tuple]:
        table = {path: row for path, row in before.items() if path not in changed}
        table.update(network(index, today, only=sorted(changed)).due_table())
        return table

    return index.derived(_kept_key(index, me, "due", today.toordinal()), make, amend, keep="due")


def kept_ledger(index: NoteIndex) -> list[dict]:
    """ledger(index), kept while the index's state is the same (a watch or an MCP server asked
    again answers from memory) and beside the index, for the next command."""
    return index.derived(_kept_key(index, me_path(index), "ledger"), lambda: ledger(index), keep="ledger")


def kept_news(index: NoteIndex, today, since) -> list[dict]:
    """moments.news since `since`, built from the people who have #news lines alone; kept as
    kept_ledger is."""
    from .moments import news

    return index.derived(_kept_key(index, me_path(index), "news", today.toordinal(), since.toordinal()),
                         lambda: news(index, network(index, today, only=people_with(index, news=True)), since),
                         keep="news")


def kept_references(index: NoteIndex, today, topic: str | None = None) -> list[dict]:
    """moments.references, built from the people who have #noticed lines or a `reference` alone;
    kept as kept_ledger is, on disk without a topic only (a topic matches the notes' full text)."""
    from .moments import references

    def make() -> list[dict]:
        pool = people_with(index, noticed=True, reference=True)
        return references(index, network(index, today, only=pool), topic)

    return index.derived(_kept_key(index, me_path(index), "references", today.toordinal(), topic), make,
                         keep="references" if topic is None else None)


def people_with(index: NoteIndex, *, news: bool = False, noticed: bool = False,
                reference: bool = False) -> list[str]:
    """The people whose sums hold #news (or #noticed) lines, or whose note has a `reference`, in the
    order of a whole Network: a list about them alone (news, references) builds them alone, a
    fifth of everyone at 10,000 people."""
    from ..index.persons import NEWS, NOTICED

    with gc_paused():
        folded, fields = index.persons()
    out = []
    for path, (kind, _name) in index.kinds().items():
        if kind != "person":
            continue
        sums = folded.get(path)
        if (sums is not None and ((news and sums[NEWS]) or (noticed and sums[NOTICED]))) \
                or (reference and fields.get(path, {}).get("reference")):
            out.append(path)
    return out


def ledger(index: NoteIndex) -> list[dict]:
    """Network.ledger's rows from the per-person sums alone: gave and got need no dates, so
    nobody's next due day is worked out (most of a `ledger` at 10,000 people)."""
    from ..index.persons import GAVE, GOT
    from .relations import ledger_rows

    with gc_paused():
        folded, _fields = index.persons()
    return ledger_rows(((path, name, sums[GAVE], sums[GOT]) for path, (kind, name) in index.kinds().items()
                        if kind == "person" and (sums := folded.get(path)) is not None), me_path(index))


def me_path(index: NoteIndex) -> str | None:
    """The user's own note (config `me`), by exact file name or name; never a guess."""
    if not index.vault.config.me:
        return None
    wanted = fold(strip_md(index.vault.config.me))
    return next((p for p, (_, name) in index.kinds().items()
                 if fold(strip_md(p).rsplit("/", 1)[-1]) == wanted or fold(name) == wanted), None)


# Contact fields the card names (SPEC §2); the rest of the frontmatter is under "fields".
CARD_FIELDS = (("birthday",), ("location",), ("linkedin",), ("met", "how_met"), ("introduced_by",),
               ("reference",))
_ON_THE_CARD = {"name", "aliases", "alias", "tags", "tag", "type", "company", "org", "role", "title", "email",
                "emails", "phone", "phones", "cadence", "last_contact", "follow_up", "knows",
                *(k for keys in CARD_FIELDS for k in keys)}


def card(index: NoteIndex, path: str, today) -> dict:
    """The contact card: fields, last contact, next due, ledger, mentions, interactions (past ones;
    those after today are `planned`); an organization's card lists its people."""

    # One read of the stored records: the note's own and those of the notes that may link it,
    # whose facts are its interactions too.
    candidates = index.linking(index.resolver().keys_for(path))
    records = index.records({path, *candidates})
    rec = records.get(path)
    if rec is None:
        raise NameNotFound(path, [])
    linking = {b["source"] for b in _rows_of({p: records[p] for p in candidates if p in records},
                                             _linking_to(index, path))}
    data = card_from_record(rec, backlink_count=len(linking))
    from .moments import latest_news
    from .relations import interactions_of

    net = network(index, today, only=[path])
    person = net.people.get(path)
    if person is not None:
        # Only their own note and the notes that link them can say anything about them.
        everything = interactions_of(path, linking | {path},
                                     lambda paths: {p: records[p].facts for p in paths if p in records},
                                     index.kinds(), index.resolver())
        birthday = person.birthday
        data.update({
            "next_birthday": person.next_birthday.isoformat() if person.next_birthday else None,
            "age": birthday.age_on(today) if birthday else None,
            "latest_news": latest_news(net, person),
            "noticed": len(person.noticed),
            "cadence_days": person.cadence.approx_days if person.cadence else None,
            "last_contact": person.last_contact.isoformat() if person.last_contact else None,
            "next_due": person.next_due.isoformat() if person.next_due else None,
            "due_reason": person.reason,
            "follow_up_met": person.follow_up_met if person.follow_up else None,
            "gave": person.gave,
            "got": person.got,
            "interactions": [i for i in everything if i["date"] <= today.isoformat()],
            "planned": sorted((i for i in everything if i["date"] > today.isoformat()),
                              key=lambda i: (i["date"], i["source"], i["line"])),
        })
    if rec.kind == "org":
        data["people"] = org_people(index, rec, today)
    return data


def org_people(index: NoteIndex, org: Record, today) -> list[dict]:
    """People whose company is this organization: a link to its note, or its name or an alias as text."""
    from ..notes.values import field_values
    from .names import name_key
    from .relations import last_contacts_from

    resolver = index.resolver()
    labels = {name_key(label) for label in (org.name, *org.aliases)}
    persons = sorted(p for p, (kind, _) in index.kinds().items() if kind == "person")
    rows = []
    for path, rec in index.records(persons).items():
        for value in field_values(rec.frontmatter, "company", "org"):
            if value.startswith("[[") and value.endswith("]]"):
                target = value[2:-2].split("|", 1)[0].split("#", 1)[0].strip()
                here = resolver.resolve(target, path).path == org.path
            else:
                here = name_key(value) in labels
            if here:
                role = field_values(rec.frontmatter, "role", "title")
                last = last_contacts_from(index.persons()[0], [path], today)[path]
                rows.append({"path": path, "name": rec.name, "role": role[0] if role else None,
                             "last_contact": last.isoformat() if last else None})
                break
    rows.sort(key=lambda r: (str(r["name"]).casefold(), r["path"]))
    return rows


def card_from_record(rec: Record, backlink_count: int) -> dict:
    from ..notes.values import field_values

    fm = rec.frontmatter
    company = field_values(fm, "company", "org")
    role = field_values(fm, "role", "title")
    named = {keys[0]: _first(field_values(fm, *keys)) for keys in CARD_FIELDS}
    follow_up = field_values(fm, "follow_up")
    cadence = field_values(fm, "cadence")
    return {
        "path": rec.path,
        "name": rec.name,
        "kind": rec.kind,
        "aliases": list(rec.aliases),
        "company": company[0] if company else None,
        "role": role[0] if role else None,
        "emails": field_values(fm, "email", "emails"),
        "phones": field_values(fm, "phone", "phones"),
        **named,
        "knows": field_values(fm, "knows"),
        "tags": list(rec.tags),
        "cadence": cadence[0] if cadence else None,
        "cadence_days": None,
        "follow_up": follow_up[0] if follow_up else None,
        "follow_up_met": None,
        "last_contact": None,
        "next_due": None,
        "due_reason": None,
        "gave": 0,
        "got": 0,
        "backlinks": backlink_count,
        "next_birthday": None,
        "age": None,
        "latest_news": None,
        "noticed": 0,
        "interactions": [],
        "planned": [],
        "fields": {k: v for k, v in fm.items() if k not in _ON_THE_CARD},
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
                                r.frontmatter, _body_of(index, p))
            for p, r in records.items()]

