"""The per-person contributions, kept beside the index in `people` and refolded after a change.

What each note contributes to each person (vault/contributions.py) is stored
per source note, stamped with the Whoosh generation it describes, together with
every person's own fields. After a commit only the notes whose share may have
changed are folded again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..notes.facts import FIELDS
from ..vault.contributions import all_contributions, caching_resolver, contributions
from ..vault.resolve import LinkResolver, fold, link_key
from .manifest import SCHEMA_VERSION, IndexFolder, Meta, read_marshal, write_marshal

Contrib = tuple[dict, dict]  # (contributions by source note, persons' own fields)


def person_fields(facts: dict[str, tuple], meta: dict[str, Meta]) -> dict[str, dict]:
    return {p: f[FIELDS] for p, f in facts.items() if meta.get(p, ("",))[0] == "person"}


def load(folder: IndexFolder) -> Contrib | None:
    """The stored contributions, if they describe the newest commit."""
    data = read_marshal(folder.people_path)
    if data is None or data.get("version") != SCHEMA_VERSION or data.get("generation") != folder.generation():
        return None
    return data["contrib"], data["fields"]


def write(folder: IndexFolder, generation: int | None, contrib: Contrib) -> None:
    write_marshal(folder.people_path, {"version": SCHEMA_VERSION, "generation": generation,
                                       "contrib": contrib[0], "fields": contrib[1]})


def fold_all(facts: dict[str, tuple], kinds: dict[str, tuple[str, str]], meta: dict[str, Meta],
             resolver: LinkResolver) -> Contrib:
    return all_contributions(facts, kinds, resolver), person_fields(facts, meta)


def refold(contrib: Contrib, parsed_facts: dict[str, tuple], gone: list[str], old_meta: dict[str, Meta],
           meta: dict[str, Meta], kinds: dict[str, tuple[str, str]], resolver: LinkResolver,
           linking: Callable[[Iterable[str]], list[str]],
           stored_facts: Callable[[Iterable[str]], dict[str, tuple]],
           moved_files: Iterable[str] = ()) -> tuple[Contrib, set[str]]:
    """Person contributions after a commit: only the notes whose share may have changed are folded.

    Those are the parsed and removed notes, plus, when a note appeared, went,
    or changed kind, name or aliases, or an attachment appeared or went
    (`moved_files`), the notes with links that may now resolve differently
    (found through the index's link keys). Also returns the notes folded again or gone.
    """
    by_source, fields = dict(contrib[0]), dict(contrib[1])
    keys: set[str] = {link_key(path) for path in moved_files}
    for path in set(old_meta) ^ set(meta) | {
        p for p in parsed_facts if p in old_meta and tuple(old_meta[p][:3]) != tuple(meta[p][:3])
    }:
        for m in (old_meta.get(path), meta.get(path)):
            if m is not None:
                keys.add(link_key(path))
                if m[0] in ("person", "org"):
                    keys.update(fold(x) for x in (m[1], *m[2]))
    relink = set(linking(keys)) - set(parsed_facts) if keys else set()
    facts = {**stored_facts(relink), **parsed_facts}
    people = {p for p, (k, _) in kinds.items() if k == "person"}
    orgs = {p for p, (k, _) in kinds.items() if k == "org"}
    resolve = caching_resolver(resolver)
    touched = set(gone) | set(facts)
    for source in touched:
        by_source.pop(source, None)
        fields.pop(source, None)
    for source, f in facts.items():
        by_source[source] = contributions(source, f, kinds[source][0], people, resolve, orgs=orgs)
    fields.update(person_fields(facts, meta))
    return (by_source, fields), touched
