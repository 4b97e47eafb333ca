"""One sync's batch: what a scan says changed, and those notes parsed into the Whoosh writer."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..vault.folder import ScanResult, Stat, Vault
from .manifest import Meta
from .records import SyncStats, _document, _read_note, base_document

Progress = Callable[[int, int], None]


def diff_scan(files: dict[str, Stat], too_large: dict[str, Stat], scan: ScanResult, stats: SyncStats,
              limit: int) -> tuple[list[str], list[str]]:
    """(notes to parse, notes gone) between the index's files and a scan; counted in `stats`."""
    to_parse: list[str] = []
    for rel, st in scan.files.items():
        old = files.get(rel)
        if old is st:  # a watcher's scan: only the paths it named were looked at again
            stats.unchanged += 1
        elif old is None:
            to_parse.append(rel)
            stats.added.append(rel)
        elif tuple(old) != st:
            to_parse.append(rel)
            stats.updated.append(rel)
        else:
            stats.unchanged += 1
    gone = [rel for rel in files if rel not in scan.files]
    stats.removed.extend(gone)
    for rel, st in scan.too_large.items():
        if tuple(too_large.get(rel, ())) != st:
            stats.problems.append({
                "path": rel, "line": None,
                "message": f"{st[0]} bytes, over max_file_size ({limit}); skipped",
            })
    return to_parse, gone


def write_notes(writer, vault: Vault, to_parse: list[str], gone: list[str], files: dict[str, Stat],
                meta: dict[str, Meta], stats: SyncStats, progress: Progress | None,
                keep: Callable[[dict, str | None], None] | None = None) -> dict[str, tuple]:
    """Parse each note into the writer; `files`, `meta`, `gone` and `stats` follow, and `keep` (if
    given) is handed each stored record. Returns their facts."""
    parsed_facts: dict[str, tuple] = {}
    for rel in gone:
        writer.delete_by_term("path", rel)
        files.pop(rel)
        meta.pop(rel)
    total = len(to_parse)
    document = base_document if getattr(writer, "searchable_later", False) else _document
    for done, rel in enumerate(to_parse, 1):
        try:
            parsed = _read_note(vault, rel)
        except OSError as exc:
            # Keep what the index had (if anything); the next sync tries again.
            (stats.updated if rel in files else stats.added).remove(rel)
            stats.problems.append({"path": rel, "line": None,
                                   "message": f"cannot read: {exc.strerror or exc}; not indexed"})
            continue
        if parsed is None:  # vanished between scan and read
            if rel in files:
                writer.delete_by_term("path", rel)
                files.pop(rel)
                meta.pop(rel)
                gone.append(rel)
                stats.updated.remove(rel)
                stats.removed.append(rel)
            else:
                stats.added.remove(rel)
            continue
        note, st = parsed
        doc = document(note, st)
        if rel in files:
            writer.update_document(**doc)
        else:  # new to the index: no old copy to look up and delete
            writer.add_document(**doc)
        problems = tuple((p.line, p.message) for p in note.problems)
        files[rel] = st
        meta[rel] = (note.kind, note.name, tuple(note.aliases), problems)
        parsed_facts[rel] = doc["record"]["facts"]
        if keep is not None:  # with the links field's keys where the document has them
            keep(doc["record"], None if document is base_document else doc.get("links", ""))
        for line, message in problems:
            stats.problems.append({"path": rel, "line": line, "message": message})
        if progress is not None:
            progress(done, total)
    return parsed_facts


def targeted_scan(vault: Vault, data: dict, paths: Iterable[str]) -> ScanResult:
    """The manifest's files with only these vault paths (notes, attachments or folders) looked at again."""
    files, too_large, attachments = dict(data["files"]), dict(data["too_large"]), set(data["attachments"])
    for rel in sorted(set(paths)):
        rel = rel.strip("/")
        kind, st = vault.stat_note(rel)
        if kind == "attachment":
            attachments.add(rel)
            continue
        if kind == "folder" or (kind == "none" and not rel.lower().endswith(".md")):
            # A folder appeared, went or was renamed, or a file that is no note went: rescan it
            # (also drops what is gone).
            attachments.discard(rel)
            prefix = rel + "/"
            for table in (files, too_large):
                for key in [k for k in table if k.startswith(prefix)]:
                    del table[key]
            for key in [k for k in attachments if k.startswith(prefix)]:
                attachments.discard(key)
            if kind == "folder":
                sub = vault.scan(under=rel)
                files.update(sub.files)
                too_large.update(sub.too_large)
                attachments.update(sub.attachments)
            continue
        files.pop(rel, None)
        too_large.pop(rel, None)
        if kind == "file":
            files[rel] = st
        elif kind == "too_large":
            too_large[rel] = st
    return ScanResult(files, too_large, attachments=attachments)
