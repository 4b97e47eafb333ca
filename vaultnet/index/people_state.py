"""What an index holds about people, beside the notes' own entries: the per-note contributions
(people_file.py) and the per-person sums (persons.py), as loaded from their shards or folded,
and what a commit changed in them, so that it writes only the shards it touched."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..vault.resolve import LinkResolver
from . import people_file
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

    def contributions(self, fold: Callable[[], people_file.Contrib]) -> people_file.Contrib:
        """The stored contributions of the newest commit, else `fold()` (every note's stored facts)."""
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
        if self.summed is None:
            some = sums.load(self.folder, self.folder.generation(), paths)
            if some is not None:
                return some
        return self.persons(contributions)

    def fold_new(self, parsed_facts: dict[str, tuple], kinds: dict[str, tuple[str, str]], meta: dict[str, Meta],
                 resolver: LinkResolver) -> None:
        """A first build: every note was just parsed."""
        self.contrib = people_file.fold_all(parsed_facts, kinds, meta, resolver)
        self.summed = (sums.fold_all(self.contrib[0]), self.contrib[1])
        self._touched = (None, None)

    def refold(self, contrib: people_file.Contrib, summed: sums.State, parsed_facts: dict[str, tuple],
               gone: list[str], old_meta: dict[str, Meta], meta: dict[str, Meta],
               kinds: dict[str, tuple[str, str]], resolver: LinkResolver,
               linking: Callable[[Iterable[str]], list[str]],
               stored_facts: Callable[[Iterable[str]], dict[str, tuple]], moved_files: Iterable[str]) -> None:
        """After a commit: `contrib` and `summed` (as of the commit before) with only what changed folded."""
        self.contrib, touched = people_file.refold(contrib, parsed_facts, gone, old_meta, meta, kinds, resolver,
                                                   linking, stored_facts, moved_files=moved_files)
        summed_again: set[str] | None = set(touched)  # a person's own fields are under their own path
        try:
            folded = sums.refold(summed[0], contrib[0], self.contrib[0], touched, summed_again)
        except ValueError:  # a sum that does not hold what is taken away: sum everything again
            folded, summed_again = sums.fold_all(self.contrib[0]), None
        self.summed = (folded, self.contrib[1])
        self._touched = (touched, summed_again)

    def write(self, generation: int | None) -> None:
        """Both tables as of commit `generation`: the shards they changed, then their heads."""
        sources, people = self._touched
        if self.contrib is not None:
            people_file.write(self.folder, generation, self.contrib, sources, self._contrib_base)
            self._contrib_base = generation
        if self.summed is not None:
            sums.write(self.folder, generation, self.summed, people, self._summed_base)
            self._summed_base = generation
        self._touched = (set(), set())
