"""Every person's contributions summed, kept in `persons` beside the index.

Summing 10,000 people's contributions (people_file.py holds them per source
note) was most of what `due` did, on every run, although nothing had changed.
This file holds the sum per person, stamped with the Whoosh generation like the
manifest (in shards, shards.py), so a list command loads one small table and
folds nothing. After a commit only the contributions of the notes that were
folded again are subtracted and added, and only their people's shards written: the sum is exact, in the order a fold of every note gives
(days, dues and moments sorted), so an incremental index equals a rebuilt one.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..vault.contributions import unpack
from . import shards
from .manifest import IndexFolder

# One person's sum: (days, gave, got, dues, links, news, noticed). days and dues are sorted
# ordinals (one per interaction, one per open task); links counts the notes that link them;
# news and noticed are sorted (day, source, line, text).
DAYS, GAVE, GOT, DUES, LINKS, NEWS, NOTICED = range(7)
Folded = dict[str, tuple]
State = tuple[Folded, dict]  # (the sums, persons' own fields)


def _add(work: dict[str, list], source: str, per: dict, sign: int) -> None:
    """Add (sign 1) or take away (-1) one source note's contributions."""
    for path, entry in per.items():
        if not path:  # the "" entry holds the note's graph edges
            continue
        days, gave, got, dues, linked, news, noticed = unpack(entry)
        acc = work.get(path)
        if acc is None:
            acc = work[path] = [[], 0, 0, [], 0, [], []]
        if sign > 0:
            acc[DAYS] += days
            acc[DUES] += dues
            acc[NEWS] += [(day, source, line, text) for day, line, text in news]
            acc[NOTICED] += [(day, source, line, text) for day, line, text in noticed]
        else:
            for day in days:
                acc[DAYS].remove(day)
            for day in dues:
                acc[DUES].remove(day)
            for day, line, text in news:
                acc[NEWS].remove((day, source, line, text))
            for day, line, text in noticed:
                acc[NOTICED].remove((day, source, line, text))
        acc[GAVE] += sign * gave
        acc[GOT] += sign * got
        acc[LINKS] += sign * bool(linked)


def _frozen(acc: list) -> tuple | None:
    if not (acc[DAYS] or acc[GAVE] or acc[GOT] or acc[DUES] or acc[LINKS] or acc[NEWS] or acc[NOTICED]):
        return None
    return (tuple(sorted(acc[DAYS])), acc[GAVE], acc[GOT], tuple(sorted(acc[DUES])), acc[LINKS],
            tuple(sorted(acc[NEWS])), tuple(sorted(acc[NOTICED])))


def fold_all(by_source: dict[str, dict]) -> Folded:
    work: dict[str, list] = {}
    for source, per in by_source.items():
        _add(work, source, per, 1)
    return {path: frozen for path, acc in work.items() if (frozen := _frozen(acc)) is not None}


def refold(folded: Folded, old: dict[str, dict], new: dict[str, dict], sources: Iterable[str],
           changed: set[str] | None = None) -> Folded:
    """The sums after the contributions of `sources` went from `old` to `new` (by source note);
    the people whose sum may have changed are added to `changed`."""
    work: dict[str, list] = {}
    for source in sources:
        before, after = old.get(source), new.get(source)
        if before == after:
            continue
        for per, sign in ((before, -1), (after, 1)):
            if not per:
                continue
            for path in per:
                if path and path not in work:
                    e = folded.get(path)
                    work[path] = ([list(e[DAYS]), e[GAVE], e[GOT], list(e[DUES]), e[LINKS], list(e[NEWS]),
                                   list(e[NOTICED])] if e is not None else [[], 0, 0, [], 0, [], []])
            _add(work, source, per, sign)
    if changed is not None:
        changed.update(work)
    if not work:
        return folded
    out = dict(folded)
    for path, acc in work.items():
        frozen = _frozen(acc)
        if frozen is None:
            out.pop(path, None)
        else:
            out[path] = frozen
    return out


def load(folder: IndexFolder, generation: int | None, keys: Iterable[str] | None = None) -> State | None:
    """The stored sums, if they describe commit `generation` (the newest); with `keys`, those of
    (at least) these people."""
    tables = shards.load(folder.persons_path, generation, ("folded", "fields"), keys)
    return None if tables is None else (tables["folded"], tables["fields"])


def load_amended(folder: IndexFolder, generation: int | None, held: State | None, touched: set[str] | None,
                 keys: Iterable[str] | None = None) -> State | None:
    """As `load`, once `held` (a refold's, amending commit `generation` under `touched`) is written."""
    if held is None or touched is None:
        return None
    tables = shards.load_amended(folder.persons_path, generation, ("folded", "fields"), {"folded": held[0], "fields": held[1]},
                                 touched, keys)
    return None if tables is None else (tables["folded"], tables["fields"])


def write(folder: IndexFolder, generation: int | None, state: State, touched: Iterable[str] | None,
          base: int | None, partial: bool = False) -> None:
    """Stored as shards (shards.py): those of the people `touched` since commit `base`."""
    shards.write(folder.persons_path, generation, {"folded": state[0], "fields": state[1]}, touched, base,
                 partial)
