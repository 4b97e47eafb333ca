"""The state an index holds in memory between commits: the manifest's view of the notes, their
entries and kinds, the link resolver, what is known about people (people_state.py), and what
callers derived from them; all of one commit, dropped when another commit is taken up.

NoteIndex (store.py) adds the reading and the syncing on top.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TypeVar

from ..gc_pause import gc_paused
from ..vault.folder import Stat, Vault
from ..vault.resolve import ATTACHMENT, LinkResolver, NoteRef
from . import kept_records, people_file, reader, writer
from .manifest import IndexFolder, Meta
from .people_state import PeopleState
from .persons import State as Summed
from .records import Entry
from .unwritten import Unwritten

T = TypeVar("T")
_MISSING = object()


def _attachment_ref(path: str) -> NoteRef:
    return NoteRef(path, ATTACHMENT, path.rsplit("/", 1)[-1])


class IndexState:
    def __init__(self, vault: Vault, on_warning: Callable[[str], None] | None = None):
        self.vault = vault
        self._on_warning = on_warning
        self.warnings: list[str] = []  # kept here when no on_warning callback is given
        self._use_folder(IndexFolder.within(vault.state_dir))
        self._held_lock: writer.FileLock | None = None  # our index.lock while a sync holds it
        self.temporary = False  # True once answering from a temporary index outside the vault

    def _use_folder(self, folder: IndexFolder) -> None:
        self.folder = folder
        self.dir = folder.path
        self._whoosh = reader.WhooshHandle(folder)
        self._files: dict[str, Stat] | None = None
        self._meta: dict[str, Meta] = {}
        self._kinds: dict[str, tuple[str, str]] = {}
        self._kinds_of: dict[str, Meta] | None = None  # the _meta that _kinds was made from
        self._too_large: dict[str, Stat] = {}
        self._attachments: set[str] = set()
        self._entries: dict[str, Entry] | None = None
        self._people = PeopleState(folder)  # contributions and per-person sums
        self._resolver: LinkResolver | None = None
        self._generation: int | None = None  # the commit the in-memory state describes
        self._from_manifest = False  # ... and whether it is that commit's manifest (not rebuilt from records)
        self._derived: dict = {}  # what callers computed from this state (derived()); dropped with it
        # What was derived from an earlier state, and the people whose sums, own fields or kind
        # changed since (None: not known): derived() amends it for those people alone.
        self._derived_before: dict = {}
        self._changed_since: set[str] | None = None
        # For what is kept on disk beside the index (derived(keep=...)): the commit (its manifest's
        # id) the state held is, None while it is no commit's (a change parsed, not yet written);
        # and the commit a chain of changes started from, with the people they touched (None: not
        # known), from which a value kept by another process is amended.
        self._commit_id: str | None = None
        self._kept_base: str | None = None
        self._kept_changed: set[str] | None = None
        self._keep_as: dict[Hashable, str] = {}  # key -> file name, of the values in _derived to keep
        # A first answer's notes, parsed but not yet written (unwritten.py), and the lock
        # held for writing them: no other process builds the same index meanwhile.
        self._unwritten: Unwritten | None = None
        self._unwritten_lock: writer.FileLock | None = None

    def warn(self, message: str) -> None:
        if self._on_warning is not None:
            self._on_warning(message)
        else:
            self.warnings.append(message)

    def generation(self) -> int | None:
        """The newest commit on disk (another process may have made it)."""
        return self.folder.generation()

    # ------------------------------------------------------------------ state

    def _load_manifest(self) -> dict | None:
        if self._files is not None and self._from_manifest and self._generation is not None \
                and self.folder.generation() == self._generation:
            # What we hold is that manifest (read, or written by us) and nobody committed since: a
            # long-lived process (the watcher) need not read a megabyte again per batch.
            return {"generation": self._generation, "files": self._files, "meta": self._meta,
                    "too_large": self._too_large, "attachments": self._attachments}
        return self.folder.load_manifest(self.vault.fingerprint())

    def _use_manifest(self, data: dict) -> None:
        if self._files is not None and data.get("generation") == self._generation:
            return  # what we hold in memory (a watcher's resolver, contributions) is still current
        if self._generation is not None and data.get("generation") != self._generation:
            self._whoosh.close_searcher()  # another process committed: a kept searcher reads the old state
        self._files, self._meta, self._too_large = data["files"], data["meta"], data["too_large"]
        self._attachments = data["attachments"]
        self._generation = data.get("generation")
        self._from_manifest = True
        self._entries = None
        self._people.drop()
        self._resolver = None
        self._drop_derived()
        self._commit_id = self._kept_base = data.get("commit")
        self._kept_changed = set()

    def _write_state(self, generation: int | None, change: kept_records.Change) -> None:
        """What is kept beside commit `generation` (just made by `change`): the people's shards, the
        records' (kept_records.py), then the manifest, which vouches for them all."""
        self._generation = generation
        self._from_manifest = False  # until the manifest is written
        self._people.write(generation)
        kept_records.write(self.folder.records_path, generation, change, self._committed_records)
        commit = self.folder.write_manifest(generation, self.vault.fingerprint(), self._files or {},
                                            self._meta, self._too_large, self._attachments)
        self._from_manifest = True
        self._commit_id = commit
        # What was derived from this state (a reading command's answer, before the commit written
        # behind it): that commit's now, kept for the next process.
        for key, name in self._keep_as.items():
            self.folder.write_kept(name, commit, key, self._derived[key])
        self._keep_as = {}

    def _committed_records(self) -> Iterator[dict]:
        """Every stored record of the newest commit, from Whoosh."""
        ix = self._whoosh.open()
        return reader.state_records(ix) if ix is not None else iter(())

    def _state_from_whoosh(self) -> None:
        """Rebuild the manifest's view from stored records (after a crash between two writes).
        The attachments are not in the records: the sync that follows finds them all new."""
        self._files, self._meta, self._attachments = {}, {}, set()  # _meta is filled in place below
        self._kinds_of = None
        self._entries, self._resolver = None, None
        self._people.drop()
        self._drop_derived()
        self._generation = self.folder.generation()
        self._from_manifest = False
        ix = self._whoosh.open()
        if ix is None:
            return
        for rec in reader.state_records(ix):
            self._files[rec["path"]] = tuple(rec["stat"])
            self._meta[rec["path"]] = (
                rec["kind"], rec["name"], tuple(rec["aliases"]), tuple(tuple(p) for p in rec["problems"])
            )

    def _ensure_state(self) -> None:
        if self._files is None:
            data = self._load_manifest()
            if data is not None:
                self._use_manifest(data)
            else:
                self._state_from_whoosh()

    def entries(self) -> dict[str, Entry]:
        if self._entries is None:
            self._ensure_state()
            assert self._files is not None
            self._entries = {
                path: Entry(st[0], st[1], *self._meta[path]) for path, st in self._files.items()
            }
        return self._entries

    def kinds(self) -> dict[str, tuple[str, str]]:
        """path -> (kind, name) for every note, straight from the manifest (not to be changed:
        it is kept while the manifest's view is the same, asked for several times a change)."""
        self._ensure_state()
        if self._kinds_of is not self._meta:
            self._kinds = {path: (m[0], m[1]) for path, m in self._meta.items()}
            self._kinds_of = self._meta
        return self._kinds

    def labels(self) -> dict[str, Meta]:
        """path -> (kind, name, aliases, problems) for every note, as the manifest keeps them (not
        to be changed): what a NAME is looked up in, without an Entry made for every note."""
        self._ensure_state()
        return self._meta

    def entry(self, path: str) -> Entry | None:
        """One note's entry, without building the entries of the whole vault."""
        if self._entries is not None:
            return self._entries.get(path)
        self._ensure_state()
        assert self._files is not None
        st = self._files.get(path)
        return Entry(st[0], st[1], *self._meta[path]) if st is not None else None

    def contributions(self) -> people_file.Contrib:
        """What each note contributes to each person (vault/contributions.py), and persons' own fields."""
        self._ensure_state()
        return self._people.contributions(  # lost or stale: fold every note's stored facts again
            lambda: people_file.fold_all(self.stored_facts(), self.kinds(), self._meta, self.resolver()))

    def persons(self) -> Summed:
        """Every person's contributions summed (index/persons.py), and persons' own fields: what the
        lists (due, ledger, news, references) need, without the per-note contributions."""
        self._ensure_state()
        return self._people.persons(self.contributions)

    def persons_of(self, paths: Iterable[str]) -> Summed:
        """persons() for these people only (more may come along): a card reads one shard, not all."""
        self._ensure_state()
        return self._people.persons_of(list(paths), self.contributions)

    def stored_facts(self, paths: Iterable[str] | None = None) -> dict[str, tuple]:
        raise NotImplementedError  # the reading side (NoteIndex) has them

    def resolver(self) -> LinkResolver:
        """Resolves link targets to notes and to the vault's other files (attachments)."""
        if self._resolver is None:
            self._ensure_state()
            assert self._files is not None
            with gc_paused():  # tens of thousands of strings and lists, no cycles among them
                # Not entries(): a change's refold needs no Entry per note, nor a card a NoteRef.
                self._resolver = LinkResolver.of(self._files, self._meta, self._attachments)
        return self._resolver

    def derived(self, key: Hashable, make: Callable[[], T], amend: Callable[[T, set[str]], T] | None = None,
                keep: str | None = None) -> T:
        """`make()`, kept until the index's state changes (a sync that changed something, another
        process's commit taken up): for what is costly to fold from the whole vault and asked
        again and again by a process that lives long (the MCP server's `due` at 10,000 people).

        With `amend`, after a change whose people are known: `amend(what the state before it
        gave, those people)` instead, which folds them alone (a watch's answer right after a save).

        With `keep` (a file name), the value is also kept on disk beside the index, stamped with
        the commit it was derived from, for the next process: a one-shot command finds it there
        while nothing changed, or amends it for the people a change touched. `key` then holds
        all else the value depends on (today, the settings) and must be what marshal can write;
        so must the value."""
        if key not in self._derived:
            before = self._derived_before.get(key)
            kept = False
            if amend is not None and before is not None and self._changed_since is not None:
                value = amend(before, self._changed_since)
            else:
                value, kept = self._from_kept(keep, key, amend) if keep is not None else (_MISSING, False)
                if value is _MISSING:
                    value = make()
            self._derived[key] = value
            if keep is not None and not kept:
                if self._commit_id is not None:
                    self.folder.write_kept(keep, self._commit_id, key, value)
                else:  # a change not yet written: kept once its commit is (_write_state)
                    self._keep_as[key] = keep
        return self._derived[key]

    def _from_kept(self, name: str, key: Hashable, amend: Callable | None) -> tuple:
        """(the value kept as `name` for `key`, True) if it was derived from the state held; (it
        amended, False) if from the commit the changes since started from; else (_MISSING, False)."""
        if self._kept_base is None or self._kept_changed is None:
            return _MISSING, False
        kept = self.folder.read_kept(name)
        if kept is None or kept.get("key") != key:
            return _MISSING, False
        if kept.get("commit") == self._commit_id and self._commit_id is not None:
            return kept["value"], True
        if kept.get("commit") == self._kept_base:
            if not self._kept_changed:  # changes that touched nobody: the same value
                return kept["value"], False
            if amend is not None:
                return amend(kept["value"], set(self._kept_changed)), False
        return _MISSING, False

    def _drop_derived(self, changed: Iterable[str] | None = None) -> None:
        """The state changed: what was derived from it goes. With `changed`, the people whose sums,
        own fields or kind the change touched (all others are as they were), it stays as the
        base derived() amends; changes one after another add up until something is derived again."""
        if changed is None:
            self._derived_before, self._changed_since = {}, None
            self._kept_changed = None
        elif self._derived:
            self._derived_before, self._changed_since = self._derived, set(changed)
        elif self._changed_since is not None:
            self._changed_since.update(changed)
        if changed is not None and self._kept_changed is not None:
            self._kept_changed.update(changed)
        self._derived = {}
        self._keep_as = {}
        self._commit_id = None  # until it is written, or read

    def problems(self, found: Iterable[dict] = ()) -> list[dict]:
        """Every problem known in the vault: notes' own, files skipped for their size, and Obsidian
        settings that could not be read; plus
        those of `found` (a sync's) about files the index holds nothing of (a folder or a file
        that could not be read), which every sync finds again."""
        out = [
            {"path": p, "line": line, "message": message}
            for p, e in sorted(self.entries().items())
            for line, message in e.problems
        ]
        for rel, (size, _) in sorted(self._too_large.items()):
            out.append({"path": rel, "line": None,
                        "message": f"{size} bytes, over max_file_size ({self.vault.config.max_file_size}); skipped"})
        out += [{"path": rel, "line": None, "message": message} for rel, message in self.vault.obsidian.problems]
        known = {p["path"] for p in out}
        out += [p for p in found if p["line"] is None and p["path"] not in known]
        return out
