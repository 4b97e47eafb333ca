"""Link resolution: Obsidian's rules, then vaultnet's name/alias rule (SPEC §2)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from ..notes.values import nfc

# The file formats Obsidian opens besides Markdown (help: "Accepted file formats"). A link to
# one is a link to an attachment even when the file is missing; any other target is a
# note's name (`[[Node.js]]`, `[[windows.h]]`), unless it names a file that is there.
ATTACHMENT_FORMATS = frozenset((
    "base", "canvas",
    "avif", "bmp", "gif", "jpeg", "jpg", "png", "svg", "webp",
    "flac", "m4a", "mp3", "ogg", "wav", "webm", "3gp",
    "mkv", "mov", "mp4", "ogv",
    "pdf",
))
ATTACHMENT = "attachment"  # the kind of a NoteRef that is a file, not a note


class NoteRef(NamedTuple):  # a tuple, not a frozen dataclass: 10,000 are made per resolver, 4x faster
    path: str
    kind: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a link target resolves to (None: no note or file) and how it was found."""

    path: str | None
    via: str | None  # "path", "alias" or None


UNRESOLVED = Resolution(None, None)


def fold(text: str) -> str:
    # ASCII is already NFC; skipping normalize() halves building a resolver for a large vault.
    return text.lower() if text.isascii() else nfc(text).lower()


def strip_md(text: str) -> str:
    return text[:-3] if text.lower().endswith(".md") else text


def is_attachment(target: str) -> bool:
    """A link target in one of Obsidian's file formats (`photo.png`, `deck.pdf`, `Board.canvas`):
    an attachment, there or missing. Whether a target names a file that is there is the
    resolver's to say (its path does not end in `.md`)."""
    name = target.rsplit("/", 1)[-1]
    return "." in name and name.rsplit(".", 1)[1].strip().lower() in ATTACHMENT_FORMATS


def is_note_path(path: str) -> bool:
    return path.lower().endswith(".md")


def link_key(target: str) -> str:
    """The folded file-name part of a link target: what an index can look links up by."""
    return fold(strip_md(target).rsplit("/", 1)[-1].strip())


def _shortest_first(path: str) -> tuple[int, str]:
    return (len(path), path)


def _names(ref: NoteRef) -> set[str]:
    if ref.kind not in ("person", "org"):
        return set()
    return {n for n in (fold(ref.name), *(fold(a) for a in ref.aliases)) if n}


class LinkResolver:
    """Resolves link targets against a set of notes and attachments (refs of kind
    ATTACHMENT: a note's path loses its `.md`, a file keeps its whole name, so `[[deck.pdf]]`
    finds `Files/deck.pdf` and `[[Node.js]]` only a note or a file of that name);
    `update` keeps it current in place."""

    def __init__(self, refs: Iterable[NoteRef]):
        known = {ref.path: ref for ref in refs}
        self._refs: dict[str, NoteRef] | None = known
        self._known: Mapping[str, object] = known  # every path resolved to, in the order given
        self._ref_of: Callable[[str], NoteRef] = known.__getitem__
        self._index(known)

    @classmethod
    def of(cls, notes: Iterable[str], info: Mapping[str, tuple], attachments: Iterable[str]) -> LinkResolver:
        """The resolver of these notes (paths; `info[path]` starts with their kind, name and aliases,
        as the index's manifest keeps them) and attachments (paths), whose NoteRefs are made only
        when asked for: a card resolves a few links against 11,000 notes, and making every ref and
        the dict of them was half of building the resolver. `info` is copied: what it says is what
        the notes were when this was built."""
        resolver = cls.__new__(cls)
        info = dict(info)
        known = dict.fromkeys(notes)
        known.update(dict.fromkeys(attachments))

        def ref_of(path: str) -> NoteRef:
            found = info.get(path)
            if found is None:
                return NoteRef(path, ATTACHMENT, path.rsplit("/", 1)[-1])
            kind, name, aliases = found[:3]
            return NoteRef(path, kind, name, aliases)

        resolver._refs, resolver._known, resolver._ref_of = None, known, ref_of
        resolver._index(known)
        return resolver

    def _index(self, paths: Iterable[str]) -> None:
        self._by_path: dict[str, list[str]] = {}  # folded path without .md -> paths (case twins)
        self._by_basename: dict[str, list[str]] = {}
        # Names and aliases of people and organizations: built when first asked (a link no file
        # name matches), since most links name a file and a change's refold then never needs it.
        self._by_name_table: dict[str, set[str]] | None = None
        # The loops a command pays for at every change (10,000 notes): the folds in one comprehension
        # (an ASCII path's is its lower case, inline), no call per note, and only lists of more
        # than one path sorted.
        paths = list(paths)
        stems = [(s[:-3] if (s := p.lower()).endswith(".md") else s) if p.isascii() else fold(strip_md(p))
                 for p in paths]
        by_path, by_basename = self._by_path, self._by_basename
        shared = False
        for stem, path in zip(stems, paths):
            twins = by_path.get(stem)
            if twins is None:
                by_path[stem] = [path]
            else:
                twins.append(path)
                shared = True
        if shared:
            for twins in by_path.values():
                if len(twins) > 1:
                    twins.sort()
        shared = False
        for stem, path in zip(stems, paths):
            basename = stem.rpartition("/")[2]
            same = by_basename.get(basename)
            if same is None:
                by_basename[basename] = [path]
            else:
                same.append(path)
                shared = True
        if shared:
            for same in by_basename.values():
                if len(same) > 1:
                    same.sort(key=_shortest_first)

    @property
    def refs(self) -> dict[str, NoteRef]:
        """Every path resolved to, with what it is (made on first use by a resolver `of` a manifest)."""
        if self._refs is None:
            ref_of = self._ref_of
            refs = {path: ref_of(path) for path in self._known}
            self._refs = self._known = refs  # one dict from now on: update() changes both
            return refs
        return self._refs

    def _ref(self, path: str) -> NoteRef | None:
        if self._refs is not None:
            return self._refs.get(path)
        return self._ref_of(path) if path in self._known else None

    @property
    def _by_name(self) -> dict[str, set[str]]:
        if self._by_name_table is None:
            table: dict[str, set[str]] = {}
            for path, ref in self.refs.items():
                for name in _names(ref):
                    table.setdefault(name, set()).add(path)
            self._by_name_table = table
        return self._by_name_table

    def update(self, removed: Iterable[str], added: Iterable[NoteRef]) -> None:
        """Drop the notes at `removed` and add (or replace) `added`: cheaper than a rebuild."""
        from bisect import insort

        for path in list(removed) + [r.path for r in added]:
            ref = self.refs.pop(path, None)
            if ref is None:
                continue
            stem = fold(strip_md(path))
            twins = self._by_path.get(stem, [])
            if path in twins:
                twins.remove(path)
            if not twins:
                self._by_path.pop(stem, None)
            same = self._by_basename.get(stem.rsplit("/", 1)[-1], [])
            if path in same:
                same.remove(path)
            for name in _names(ref):
                if self._by_name_table is not None:
                    self._by_name_table.get(name, set()).discard(path)
        for ref in added:
            self.refs[ref.path] = ref
            stem = fold(strip_md(ref.path))
            insort(self._by_path.setdefault(stem, []), ref.path)
            insort(self._by_basename.setdefault(stem.rsplit("/", 1)[-1], []), ref.path, key=_shortest_first)
            for name in _names(ref):
                if self._by_name_table is not None:
                    self._by_name_table.setdefault(name, set()).add(ref.path)

    def _exact(self, target: str, folded: str | None = None) -> str | None:
        """The note at this path; of two that differ only in case, the one written the same way."""
        twins = self._by_path.get(folded if folded is not None else fold(strip_md(target)))
        if twins and is_note_path(target):  # `[[x.pdf.md]]` is the note, never the file x.pdf
            twins = [p for p in twins if is_note_path(p)]
        if not twins:
            return None
        if len(twins) > 1:
            written = nfc(strip_md(target))
            for path in twins:
                if strip_md(path) == written:
                    return path
        return twins[0]

    def resolve(self, target: str, source_path: str) -> Resolution:
        if not target.strip():
            # `[[#Heading]]`: the note itself.
            return Resolution(source_path, "path")
        if target.startswith(("./", "../")):
            folder = posixpath.dirname(source_path)
            joined = posixpath.normpath(posixpath.join(folder, target))
            if not joined.startswith("../"):
                hit = self._exact(joined)
                if hit:
                    return Resolution(hit, "path")
        wanted = fold(strip_md(target.strip())).strip("/")
        hit = self._exact(target.strip().strip("/"), wanted)
        if hit:
            return Resolution(hit, "path")
        basename = wanted.rsplit("/", 1)[-1]
        candidates = self._by_basename.get(basename, ())
        if "/" in wanted:
            suffix = "/" + wanted
            candidates = [p for p in candidates if fold(strip_md(p)).endswith(suffix)]
        if candidates and is_note_path(target.strip()):
            candidates = [p for p in candidates if is_note_path(p)]
        if candidates:
            folder = posixpath.dirname(source_path)
            for path in candidates:
                if posixpath.dirname(path) == folder:
                    return Resolution(path, "path")
            return Resolution(candidates[0], "path")
        if "/" not in wanted:
            named = self._by_name.get(wanted)
            if named and len(named) == 1:
                return Resolution(next(iter(named)), "alias")
        return UNRESOLVED

    def same_file_name(self, target: str) -> list[str]:
        """Every note a bare `[[target]]` could mean by file name (Obsidian picks the first)."""
        wanted = fold(strip_md(target.strip())).strip("/")
        return [] if "/" in wanted else [p for p in self._by_basename.get(wanted, ()) if is_note_path(p)]

    def shared_names(self) -> dict[str, list[str]]:
        """Names and aliases that belong to more than one person or organization."""
        return {name: sorted(paths) for name, paths in self._by_name.items() if len(paths) > 1}

    def named(self, target: str) -> list[str]:
        return sorted(self._by_name.get(fold(strip_md(target.strip())), ()))

    def keys_for(self, path: str) -> set[str]:
        """Every link key under which a link to `path` may be indexed."""
        ref = self._ref(path)
        keys = {link_key(path)}
        if ref is not None and ref.kind in ("person", "org"):
            keys.add(fold(ref.name))
            keys.update(fold(a) for a in ref.aliases)
        keys.discard("")
        return keys
