"""What an index holds about people, beside the notes' own entries: the per-note contributions
(people_file.py) and the per-person sums (persons.py), as loaded from their shards or folded,
and what a commit changed in them, so that it writes only the shards it touched."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..gc_pause import gc_paused
from ..vault.resolve import LinkResolver
from . import people_file, shards
from . import persons as sums
from .manifest import IndexFolder, Meta


class PeopleState:
    def __init__(self, folder: IndexFolder):
        self.folder = folder
        self.drop()

    def drop(self, empty: bool = False) -> None:
        """Forget what is held (another commit came); `empty`: a new index, nothing in it yet."""
        self.contrib: people_file.Contrib | None = ({}, {}) if empty else None
        self.summed: sums.State | None = ({}, {}) if empty else None
        # The commit whose shards the two tables were read from or written as (None: folded here),
        # and the keys changed since (None: unknown, write every shard).
        self._contrib_base: int | None = None
        self._summed_base: int | None = None
        self._touched: tuple[set[str] | None, set[str] | None] = (None, None)
        # The tables that hold only some shards (a command's refold): "contrib", "summed".
        self._partial: set[str] = set()
        # The people (and notes) whose sums or own fields the last fold changed; None: it folded
        # everything (a first build, or a set of shards that could not be amended).
        self.changed: set[str] | None = None

    def contributions(self, fold: Callable[[], people_file.Contrib]) -> people_file.Contrib:
        """The stored contributions of the newest commit, else `fold()` (every note's stored facts)."""
        if "contrib" in self._partial:  # a refold not yet written: beside the other shards of its base
            self._partial.discard("contrib")
            self.contrib = people_file.load_amended(self.folder, self._contrib_base, self.contrib, self._touched[0])
            if self.contrib is None:  # that base is gone: every shard is folded and written again
                self.contrib = fold()
                self._contrib_base, self._touched = None, (None, self._touched[1])
        if self.contrib is None:
            generation = self.folder.generation()
            self.contrib = people_file.load(self.folder, generation)
            self._contrib_base = generation
        if self.contrib is None:  # lost or stale
            self.contrib = fold()
            self._contrib_base = None
        return self.contrib

    def persons(self, contributions: Callable[[], people_file.Contrib]) -> sums.State:
        """The stored per-person sums of the newest commit, else the sum of `contributions()`."""
        if "summed" in self._partial:
            self._partial.discard("summed")
            self.summed = sums.load_amended(self.folder, self._summed_base, self.summed, self._touched[1])
            if self.summed is None:
                contrib = contributions()
                self.summed = (sums.fold_all(contrib[0]), contrib[1])
                self._summed_base, self._touched = None, (self._touched[0], None)
        if self.summed is None:
            generation = self.folder.generation()
            self.summed = sums.load(self.folder, generation)
            self._summed_base = generation
        if self.summed is None:  # lost or stale
            contrib = contributions()
            self.summed = (sums.fold_all(contrib[0]), contrib[1])
            self._summed_base = None
        return self.summed

    def persons_of(self, paths: list[str], contributions: Callable[[], people_file.Contrib]) -> sums.State:
        """The sums of (at least) these people: from memory, else from their shards alone."""
        if "summed" in self._partial:  # a refold not yet written: these shards, amended by it
            some = sums.load_amended(self.folder, self._summed_base, self.summed, self._touched[1], paths)
            if some is not None:
                return some
        elif self.summed is None:
            some = sums.load(self.folder, self.folder.generation(), paths)
            if some is not None:
                return some
        return self.persons(contributions)

    def fold_new(self, parsed_facts: dict[str, tuple], kinds: dict[str, tuple[str, str]], meta: dict[str, Meta],
                 resolver: LinkResolver, split: people_file.Split | None = None) -> None:
        """A first build: every note was just parsed. `split`: how to share the fold out (people_file)."""
        with gc_paused():  # everyone's contributions and sums: dicts, lists and tuples, no cycles
            self.contrib = people_file.fold_all(parsed_facts, kinds, meta, resolver, split)
            self.summed = (sums.fold_all(self.contrib[0]), self.contrib[1])
        self._touched = (None, None)
        self.changed = None

    def refold(self, base: int | None, parsed_facts: dict[str, tuple], gone: list[str], old_meta: dict[str, Meta],
               meta: dict[str, Meta], kinds: dict[str, tuple[str, str]], resolver: LinkResolver,
               linking: Callable[[Iterable[str]], list[str]],
               stored_facts: Callable[[Iterable[str] | None], dict[str, tuple]], moved_files: Iterable[str]) -> None:
        """After commit `base` + 1 (we hold the lock): fold again only what the commit may have changed.

        A long-lived index holds both tables whole; a command reads from the shards of commit
        `base` only those of the notes folded again and of the people they concern, and after
        writing them forgets them (the next question reads what it needs).
        """
        facts = {**stored_facts(people_file.relinked(parsed_facts, gone, old_meta, meta, linking, moved_files)),
                 **parsed_facts}
        touched = set(gone) | set(facts)
        whole = self.contrib is not None and self.summed is not None \
            and self._contrib_base == base and self._summed_base == base
        if not whole and not (shards.intact(self.folder.people_path, base)
                              and shards.intact(self.folder.persons_path, base)):
            return self._fold_again(stored_facts(None), kinds, meta, resolver)  # a set a crash or a hand broke
        old = self.contrib if whole else people_file.load(self.folder, base, touched)
        if old is None:  # lost or stale: every note's facts, as now committed
            return self._fold_again(stored_facts(None), kinds, meta, resolver)
        contrib = people_file.refold(old, facts, gone, meta, kinds, resolver)
        concerned = set(touched)  # a person's own fields are under their own path
        for source in touched:
            concerned.update(old[0].get(source, ()), contrib[0].get(source, ()))
        concerned.discard("")
        summed = self.summed if whole else sums.load(self.folder, base, concerned)
        if summed is None:
            return self._fold_again(stored_facts(None), kinds, meta, resolver)
        summed_again: set[str] = set(touched)
        try:
            folded = sums.refold(summed[0], old[0], contrib[0], touched, summed_again)
        except ValueError:  # a sum that does not hold what is taken away
            return self._fold_again(stored_facts(None), kinds, meta, resolver)
        own = dict(summed[1])  # (popped and added again: the order of a dict built without them)
        for k in touched:
            own.pop(k, None)
        own.update(people_file.person_fields(facts, meta))
        self.contrib, self.summed = contrib, (folded, own)
        self._contrib_base = self._summed_base = base  # what they amend: only the touched shards differ
        self._touched = (touched, summed_again)
        self.changed = set(summed_again)
        self._partial = set() if whole else {"contrib", "summed"}

    def _fold_again(self, facts: dict[str, tuple], kinds: dict[str, tuple[str, str]], meta: dict[str, Meta],
                    resolver: LinkResolver) -> None:
        self.fold_new(facts, kinds, meta, resolver)
        self._contrib_base = self._summed_base = None  # every shard is written
        self._partial = set()

    def write(self, generation: int | None) -> None:
        """Both tables as of commit `generation`: the shards they changed, then their heads."""
        sources, people = self._touched
        if self.contrib is not None:
            people_file.write(self.folder, generation, self.contrib, sources, self._contrib_base,
                              "contrib" in self._partial)
            self._contrib_base = generation
        if self.summed is not None:
            sums.write(self.folder, generation, self.summed, people, self._summed_base, "summed" in self._partial)
            self._summed_base = generation
        self._touched = (set(), set())
        if self._partial:  # only some shards were read: the rest is on disk, read it when asked
            self.drop()
