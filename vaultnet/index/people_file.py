"""The per-person contributions, kept beside the index in `people` and refolded after a change.

What each note contributes to each person (vault/contributions.py) is stored
per source note, in shards stamped with the Whoosh generation they describe
(shards.py), together with every person's own fields. After a commit only the
notes whose share may have changed are folded again, and only their shards
are written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..notes.facts import FIELDS
from ..vault.contributions import OfKind, all_contributions, caching_resolver, contributions
from ..vault.resolve import LinkResolver, fold, link_key
from . import shards
from .manifest import IndexFolder, Meta

Contrib = tuple[dict, dict]  # (contributions by source note, persons' own fields)


def person_fields(facts: dict[str, tuple], meta: dict[str, Meta]) -> dict[str, dict]:
    return {p: f[FIELDS] for p, f in facts.items() if meta.get(p, ("",))[0] == "person"}


def load(folder: IndexFolder, generation: int | None, keys: Iterable[str] | None = None) -> Contrib | None:
    """The stored contributions, if they describe commit `generation`; with `keys`, only the shards
    that hold these notes (whole shards, so that they can be written back)."""
    tables = shards.load(folder.people_path, generation, ("contrib", "fields"), keys)
    return None if tables is None else (tables["contrib"], tables["fields"])


def load_amended(folder: IndexFolder, generation: int | None, held: Contrib | None, touched: set[str] | None,
                 keys: Iterable[str] | None = None) -> Contrib | None:
    """As `load`, once `held` (a refold's, amending commit `generation` under `touched`) is written."""
    if held is None or touched is None:
        return None
    tables = shards.load_amended(folder.people_path, generation, ("contrib", "fields"), {"contrib": held[0], "fields": held[1]},
                                 touched, keys)
    return None if tables is None else (tables["contrib"], tables["fields"])


def write(folder: IndexFolder, generation: int | None, contrib: Contrib, touched: Iterable[str] | None,
          base: int | None, partial: bool = False) -> None:
    """Stored as shards (shards.py): those of the notes `touched` since commit `base`."""
    shards.write(folder.people_path, generation, {"contrib": contrib[0], "fields": contrib[1]}, touched, base,
                 partial)


Split = Callable[[Callable[[dict], dict], dict], dict]  # split(fold, items) == fold(items), shared out


def fold_all(facts: dict[str, tuple], kinds: dict[str, tuple[str, str]], meta: dict[str, Meta],
             resolver: LinkResolver, split: Split | None = None) -> Contrib:
    def fold(part: dict[str, tuple]) -> dict:
        return all_contributions(part, kinds, resolver)

    return (fold(facts) if split is None else split(fold, facts)), person_fields(facts, meta)


def relinked(parsed_facts: dict[str, tuple], gone: list[str], old_meta: dict[str, Meta], meta: dict[str, Meta],
             linking: Callable[[Iterable[str]], list[str]], moved_files: Iterable[str] = ()) -> set[str]:
    """Notes not parsed whose share may have changed with this commit: when a note appeared, went,
    or changed kind, name or aliases, or an attachment appeared or went (`moved_files`), the notes
    with links that may now resolve differently (found through the index's link keys)."""
    keys: set[str] = {link_key(path) for path in moved_files}
    # Notes that appeared or went, or whose kind, name or aliases changed: all were parsed or gone
    # (never a walk over the whole vault, which a watcher's every batch would pay).
    for path in set(gone) | {
        p for p in parsed_facts if p not in old_meta or tuple(old_meta[p][:3]) != tuple(meta[p][:3])
    }:
        for m in (old_meta.get(path), meta.get(path)):
            if m is not None:
                keys.add(link_key(path))
                if m[0] in ("person", "org"):
                    keys.update(fold(x) for x in (m[1], *m[2]))
    return set(linking(keys)) - set(parsed_facts) if keys else set()


def refold(contrib: Contrib, facts: dict[str, tuple], gone: Iterable[str], meta: dict[str, Meta],
           kinds: dict[str, tuple[str, str]], resolver: LinkResolver) -> Contrib:
    """Person contributions after a commit: those of the notes gone dropped, those of `facts` (the
    notes parsed and relinked) folded again. `contrib` may hold only the shards of these notes."""
    by_source, fields = dict(contrib[0]), dict(contrib[1])
    people, orgs = OfKind(kinds, "person"), OfKind(kinds, "org")  # asked of a few notes' links only
    resolve = caching_resolver(resolver)
    for source in set(gone) | set(facts):
        by_source.pop(source, None)
        fields.pop(source, None)
    for source, f in facts.items():
        by_source[source] = contributions(source, f, kinds[source][0], people, resolve, orgs=orgs)
    fields.update(person_fields(facts, meta))
    return by_source, fields
