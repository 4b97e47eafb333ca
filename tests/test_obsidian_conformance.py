"""Conformance with Obsidian's own reading of a real vault (SPEC §2, "Links — the Obsidian
rules").

The data lives in the shared folder beside the repo
(``../shared/testdata/obsidian-tasks-demo``): the Tasks-Demo vault of the
obsidian-tasks project, and what Obsidian's metadata cache made of it:

* ``resolvedLinks.json`` / ``unresolvedLinks.json`` — source path -> target -> count;
* ``metadata/<name>.json`` — per-note ``cachedMetadata`` (links, embeds,
  frontmatterLinks, tags; lines count from 0, frontmatter included).

What the dump shows about Obsidian (pinned by ``test_obsidian_dump_assumptions``):

* ``resolvedLinks`` counts every occurrence: duplicates (``Other Plugins/Dataview/
  Parent-Child relationships - Searches.md`` embeds the same note 11 times), embeds
  (``![[empty_yaml]]``), links in headings, links in ``%% %%`` comments, and links in
  frontmatter values (``Test Data/link_in_yaml.md`` has only a frontmatter link).
  So the vault-wide comparison is on counts, not just sets.
* A link whose note part is empty (``[[#heading]]``, ``[[#^block]]``,
  ``[text](#heading)``, a frontmatter ``"[[#Heading]]"``) resolves to the linking
  note itself and is counted in ``resolvedLinks`` under the source's own path
  (``Test Data/all_link_types.md`` -> itself: 6).
* ``unresolvedLinks`` keys are the link's note part as written: subpath stripped
  (``[[pa#th/path/x]]`` and ``[x](pa#th/path/x.md)`` both count as ``pa``), case kept,
  no ``.md`` added.
* The alias separator of a wikilink is the first ``|`` that is not the first
  character: ``[[#h#s||text]]`` shows ``|text``, but ``[[|]]``, ``[[|alias]]`` and
  ``[[|#alias]]`` are links to the notes ``|``, ``|alias`` and ``|`` (unresolved,
  ``Test Data/link_in_task_wikilink.md`` lines 41-43). ``[[]]``, ``[]()`` and
  ``[alias]()`` are not links at all.
* ``resolvedLinks`` also maps links to attachments to their path (``.pdf``, ``.png``);
  vaultnet resolves them the same way, so the comparison covers notes and files alike
  (``test_attachment_links_resolve_to_the_file`` pins the attachment links on their own).
"""

from __future__ import annotations

import json
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not SHARED.is_dir():
    pytest.skip(
        f"shared test data folder not found at {SHARED} (expected beside the repo as ../shared); "
        "Obsidian conformance tests need it",
        allow_module_level=True,
    )

# The shared folder is there: from here on, missing data is an error, never a skip.
DATA = SHARED / "testdata" / "obsidian-tasks-demo"
VAULT = DATA / "vault"
METADATA_DIR = DATA / "metadata"

from vaultnet.notes.note import parse_note  # noqa: E402
from vaultnet.vault.config import Config  # noqa: E402
from vaultnet.vault.folder import Vault  # noqa: E402
from vaultnet.vault.resolve import ATTACHMENT, LinkResolver, NoteRef, is_note_path  # noqa: E402

RESOLVED: dict[str, dict[str, int]] = json.loads((DATA / "resolvedLinks.json").read_text("utf-8"))
UNRESOLVED: dict[str, dict[str, int]] = json.loads(
    (DATA / "unresolvedLinks.json").read_text("utf-8")
)
METADATA_FILES = sorted(METADATA_DIR.glob("*.json"))

# Sources the dump lists that are notes (the dump also lists a .canvas file).
DUMP_SOURCES = sorted(s for s in RESOLVED if s.endswith(".md"))

# (source path, target) -> why vaultnet and the dump may disagree: a deliberate vaultnet
# difference (SPEC §2 rule 4, alias links; none in this vault) or a fault in the dump.
# `target` is the resolved note path for a resolved link, else the unresolved note part.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {
    (
        "How To/Find tasks in notes with particular tag.md",
        "Test Data/yaml_all_property_types_populated.md",
    ): (
        "Stale dump entry. Line 27 is a plain paragraph that starts with "
        "`[[yaml_all_property_types_populated]]`, outside any code block, comment or "
        "inline code; Obsidian indexes exactly such links everywhere else in this dump "
        "(e.g. Test Data/link_in_file_body.md -> yaml_tags_is_empty). Yet the dump lists no "
        "link at all, resolved or unresolved, for this note: its cache entry predates the "
        "line. vaultnet must count the link (test_known_differences_are_still_real checks it)."
    ),
}


# --------------------------------------------------------------------------- helpers


def split_subpath(link: str) -> tuple[str, str | None]:
    """Obsidian's `link` field -> (note part, '#subpath' or None), the target as in SPEC §2."""
    note, sep, rest = link.partition("#")
    return note, (sep + rest) if sep else None


def wikilink_display(original: str) -> str | None:
    """The shown text of `[[...]]` / `![[...]]` as written, by Obsidian's rule (see module doc)."""
    inner = original.lstrip("!")[2:-2]
    pipe = inner.find("|", 1)  # a '|' in first position is not a separator
    return inner[pipe + 1 :] if pipe > 0 else None


@dataclass
class ParsedVault:
    notes: dict = field(default_factory=dict)  # path -> Note
    errors: dict = field(default_factory=dict)  # path -> traceback text
    attachments: list = field(default_factory=list)  # non-.md files, vault-relative
    resolver: object = None


@cache
def vault() -> ParsedVault:
    """Parse every note once, the files as vaultnet's scan finds them (SPEC §1: no dot
    folders or files); the other files are the attachments links may resolve to."""
    assert VAULT.is_dir(), f"vault missing: {VAULT}"
    pv = ParsedVault()
    config = Config()
    scan = Vault(VAULT, config).scan()
    assert not scan.problems and not scan.too_large, scan
    pv.attachments = sorted(scan.attachments)
    for rel in sorted(scan.files):
        try:
            pv.notes[rel] = parse_note((VAULT / rel).read_bytes(), rel, config)
        except Exception:  # reported per note by test_every_note_parses
            pv.errors[rel] = traceback.format_exc()
    pv.resolver = LinkResolver(
        [NoteRef(n.path, n.kind, n.name, tuple(n.aliases)) for n in pv.notes.values()]
        + [NoteRef(a, ATTACHMENT, a.rsplit("/", 1)[-1]) for a in pv.attachments]
    )
    return pv


def note_for(source: str):
    pv = vault()
    if source in pv.errors:
        pytest.fail(f"parse_note raised for {source}:\n{pv.errors[source]}")
    assert source in pv.notes, f"{source} is in Obsidian's dump but was not found as a note"
    return pv.notes[source]


def resolve(target: str, source: str):
    return vault().resolver.resolve(target, source)


def fmt_link(link) -> str:
    where = "frontmatter" if link.in_frontmatter else f"line {link.line}"
    kind = "embed " if link.embed else ""
    return f"{where}: {kind}target={link.target!r} subpath={link.subpath!r}"


def is_known(source: str, *targets: str | None) -> bool:
    return any((source, t) in KNOWN_DIFFERENCES for t in targets if t is not None)


def counter_diff(expected: Counter, actual: Counter) -> str:
    missing = expected - actual
    extra = actual - expected
    lines = []
    if missing:
        lines.append("Obsidian has, vaultnet does not: " + repr(dict(missing)))
    if extra:
        lines.append("vaultnet has, Obsidian does not: " + repr(dict(extra)))
    return "\n".join(lines)


# --------------------------------------------------------------- data sanity checks


def test_obsidian_dump_assumptions():
    """The facts about Obsidian that the comparisons below rely on (see module docstring)."""
    assert len(DUMP_SOURCES) >= 200
    assert len(METADATA_FILES) >= 80
    assert set(RESOLVED) == set(UNRESOLVED)
    # embeds count, once per occurrence
    assert RESOLVED["Test Data/embed_link_in_task.md"] == {"Test Data/empty_yaml.md": 1}
    parent_child = RESOLVED["Other Plugins/Dataview/Parent-Child relationships - Searches.md"]
    tasks = "Other Plugins/Dataview/Parent-Child relationships - Searches - Tasks.md"
    assert parent_child[tasks] == 11
    # frontmatter links count (this note has no body link)
    assert RESOLVED["Test Data/link_in_yaml.md"] == {"Test Data/yaml_tags_is_empty.md": 1}
    # ... including two to the same note, one of them a list item
    assert RESOLVED["Test Data/yaml_all_property_types_populated.md"] == {
        "Test Data/yaml_all_property_types_populated.md": 2,
        "Test Data/yaml_all_property_types_empty.md": 1,
    }
    # links with an empty note part resolve to the note itself
    assert RESOLVED["Test Data/all_link_types.md"]["Test Data/all_link_types.md"] == 6
    # links inside %% comments count, links inside <!-- --> do not
    assert RESOLVED["Test Data/comments_markdown_style.md"] == {
        "Test Data/comments_html_style.md": 1
    }
    assert RESOLVED["Test Data/comments_html_style.md"] == {}
    # unresolved keys: note part only, as written
    assert UNRESOLVED["Test Data/link_in_task_wikilink.md"] == {"pa": 1, "|": 2, "|alias": 1}
    assert UNRESOLVED["Test Data/link_in_task_markdown_link.md"] == {"pa": 1}
    # total: plenty of note links to compare, so the per-source tests are not vacuous
    total = sum(c for src in DUMP_SOURCES for t, c in RESOLVED[src].items() if t.endswith(".md"))
    assert total >= 100


def test_metadata_dumps_match_the_vault_files():
    """Per-note dumps are only comparable if the note on disk is the one Obsidian read."""
    stale = []
    for path in METADATA_FILES:
        dump = json.loads(path.read_text("utf-8"))
        on_disk = (VAULT / dump["filePath"]).read_text("utf-8")
        if on_disk != dump["fileContents"]:
            stale.append(dump["filePath"])
    assert not stale, f"vault files differ from their metadata dumps: {stale}"


def test_every_note_parses():
    pv = vault()
    assert len(pv.notes) + len(pv.errors) >= 200
    assert not pv.errors, "parse_note raised for:\n" + "\n".join(
        f"{p}:\n{tb}" for p, tb in pv.errors.items()
    )


# ------------------------------------------------------------ 1. vault-wide resolved


@pytest.mark.parametrize("source", DUMP_SOURCES)
def test_resolved_links_match_obsidian(source):
    """Every resolved link Obsidian has, and none it doesn't, with the same counts: links to
    notes and to attachments (`![[x.png|400]]`, `[[a.pdf]]`, `[a](a.pdf)`) alike.

    Counts include embeds, frontmatter links, duplicates and links to the note itself.
    """
    note = note_for(source)
    expected = Counter(
        {t: c for t, c in RESOLVED[source].items() if not is_known(source, t)}
    )
    actual: Counter = Counter()
    by_target: dict[str, list[str]] = {}
    for link in note.links:
        res = resolve(link.target, source)
        if res.path is None or is_known(source, res.path, link.target):
            continue
        actual[res.path] += 1
        by_target.setdefault(res.path, []).append(f"{fmt_link(link)} via={res.via}")
    if actual != expected:
        detail = "\n".join(
            f"  -> {t}: " + "; ".join(by_target[t])
            for t in sorted(set(by_target) & set((expected - actual) | (actual - expected)))
        )
        pytest.fail(
            f"{source}: resolved links differ from Obsidian's resolvedLinks\n"
            f"{counter_diff(expected, actual)}\n{detail}"
        )


# ---------------------------------------------------------- 2. vault-wide unresolved


@pytest.mark.parametrize("source", DUMP_SOURCES)
def test_unresolved_links_match_obsidian(source):
    """Unresolved targets and their counts, keyed like Obsidian: the note part as written."""
    note = note_for(source)
    expected = Counter(
        {t: c for t, c in UNRESOLVED[source].items() if not is_known(source, t)}
    )
    actual: Counter = Counter()
    lines: dict[str, list[str]] = {}
    for link in note.links:
        if resolve(link.target, source).path is not None:
            continue
        if is_known(source, link.target):
            continue
        actual[link.target] += 1
        lines.setdefault(link.target, []).append(fmt_link(link))
    if actual != expected:
        pytest.fail(
            f"{source}: unresolved links differ from Obsidian's unresolvedLinks\n"
            f"{counter_diff(expected, actual)}\n"
            + "\n".join(f"  {t!r}: " + "; ".join(v) for t, v in lines.items())
        )


@pytest.mark.parametrize(
    "source",
    [s for s in DUMP_SOURCES if any(not t.endswith(".md") for t in RESOLVED[s])],
)
def test_attachment_links_resolve_to_the_file(source):
    """Links Obsidian resolves to attachments (`![[x.png|400]]`, `[[a.pdf]]`, `[a](a.pdf)`)
    resolve to the same file in vaultnet, one by one (issue 12, item 3)."""
    note = note_for(source)
    expected = Counter({t: c for t, c in RESOLVED[source].items() if not is_note_path(t)})
    actual: Counter = Counter()
    for link in note.links:
        path = resolve(link.target, source).path
        if path is not None and not is_note_path(path):
            actual[path] += 1
    assert expected and actual == expected, counter_diff(expected, actual)


# ------------------------------------------------------------- 3. per-note details


def _metadata_id(path: Path) -> str:
    return path.stem


def _load_metadata(path: Path):
    dump = json.loads(path.read_text("utf-8"))
    source = dump["filePath"]
    return source, dump["cachedMetadata"], note_for(source)


def _obsidian_body_links(source: str, cm: dict):
    """(note part, subpath, 1-based line, embed, display, markdown) for each body link."""
    out = []
    for key, embed in (("links", False), ("embeds", True)):
        for item in cm.get(key, []):
            target, subpath = split_subpath(item["link"])
            original = item["original"]
            is_wiki = original.lstrip("!").startswith("[[")
            display = wikilink_display(original) if is_wiki else item["displayText"]
            out.append(
                (
                    target,
                    subpath,
                    item["position"]["start"]["line"] + 1,
                    embed,
                    display,
                    not is_wiki,
                )
            )
    return out


def _known_link(source: str, target: str) -> bool:
    return is_known(source, target, resolve(target, source).path)


@pytest.mark.parametrize("meta", METADATA_FILES, ids=_metadata_id)
def test_body_links_match_obsidian(meta):
    """Body links and embeds: (note part, line, embed) as multisets."""
    source, cm, note = _load_metadata(meta)
    expected = Counter(
        (t, line, embed)
        for t, _sub, line, embed, _d, _m in _obsidian_body_links(source, cm)
        if not _known_link(source, t)
    )
    actual = Counter(
        (link.target, link.line, bool(link.embed))
        for link in note.links
        if not link.in_frontmatter and not _known_link(source, link.target)
    )
    assert actual == expected, f"{source}: body links differ\n{counter_diff(expected, actual)}"


@pytest.mark.parametrize("meta", METADATA_FILES, ids=_metadata_id)
def test_link_details_match_obsidian(meta):
    """Subpath (`#Heading`, `#^block`, URL-decoded), shown text and Markdown-vs-wikilink form."""
    source, cm, note = _load_metadata(meta)
    expected = Counter(
        (line, t, sub, display, markdown)
        for t, sub, line, _e, display, markdown in _obsidian_body_links(source, cm)
        if not _known_link(source, t)
    )
    actual = Counter(
        (link.line, link.target, link.subpath or None, link.display, bool(link.markdown))
        for link in note.links
        if not link.in_frontmatter and not _known_link(source, link.target)
    )
    assert actual == expected, (
        f"{source}: (line, target, subpath, display, markdown) differ\n"
        f"{counter_diff(expected, actual)}"
    )


@pytest.mark.parametrize("meta", METADATA_FILES, ids=_metadata_id)
def test_frontmatter_links_match_obsidian(meta):
    """Links in frontmatter values, including list items and `"[[#Heading]]"` (note part '')."""
    source, cm, note = _load_metadata(meta)
    expected = Counter(
        split_subpath(item["link"])[0]
        for item in cm.get("frontmatterLinks", [])
        if not _known_link(source, split_subpath(item["link"])[0])
    )
    actual = Counter(
        link.target
        for link in note.links
        if link.in_frontmatter and not _known_link(source, link.target)
    )
    assert actual == expected, (
        f"{source}: frontmatter links differ\n{counter_diff(expected, actual)}\n"
        f"problems: {[(p.line, p.message) for p in note.problems]}"
    )


@pytest.mark.parametrize("meta", METADATA_FILES, ids=_metadata_id)
def test_inline_tags_match_obsidian(meta):
    """Inline tags: (name without '#', 1-based line) as multisets.

    Covers tags in %% comments (counted), in <!-- --> comments (not), `#3344:` (digits
    only: not a tag), `#task<br>` (ends at '<'), `\\[\\[#Escaped` (a tag), a tag at the
    start of a line, tags in nested callouts and after a zero-width space.
    """
    source, cm, note = _load_metadata(meta)
    expected = Counter(
        (t["tag"][1:], t["position"]["start"]["line"] + 1) for t in cm.get("tags", [])
    )
    actual = Counter((t.name, t.line) for t in note.tag_occurrences)
    assert actual == expected, f"{source}: inline tags differ\n{counter_diff(expected, actual)}"


@pytest.mark.parametrize("meta", METADATA_FILES, ids=_metadata_id)
def test_all_tags_match_obsidian(meta):
    """`Note.tags`: inline tags plus frontmatter `tags`, lower-cased, without '#', no duplicates,
    and nothing else (issue 12, items 6 and 7): a string is split at commas and spaces as
    Obsidian does (`tags: a, b`), and an empty or null `tags:` gives none.
    """
    source, cm, note = _load_metadata(meta)
    wanted = {t["tag"][1:].lower() for t in cm.get("tags", [])}
    fm_tags = (cm.get("frontmatter") or {}).get("tags")
    for value in fm_tags if isinstance(fm_tags, list) else [fm_tags]:
        if value is not None:
            wanted |= {part.lstrip("#").lower() for part in re.split(r"[,\s]+", str(value)) if part.lstrip("#")}
    assert len(note.tags) == len(set(note.tags)), f"{source}: duplicate tags {note.tags}"
    assert set(note.tags) == wanted, f"{source}: Obsidian's tags {sorted(wanted)}, vaultnet's {note.tags}"


@pytest.mark.parametrize("meta", [m for m in METADATA_FILES if json.loads(m.read_text("utf-8"))
                                  ["cachedMetadata"].get("frontmatter")], ids=_metadata_id)
def test_frontmatter_keys_and_empty_values_match_obsidian(meta):
    """Every key Obsidian reads from the frontmatter, vaultnet reads too; a value Obsidian
    reads as null (`tags:`, `aliases:`) is empty or null here, and only those are."""
    source, cm, note = _load_metadata(meta)
    theirs = cm["frontmatter"]
    assert set(note.frontmatter) == set(theirs), f"{source}: {sorted(note.frontmatter)} != {sorted(theirs)}"
    empty = {k for k, v in note.frontmatter.items() if v in (None, "")}
    assert empty == {k for k, v in theirs.items() if v is None}, source


# ------------------------------------------------------------ 4. known differences


@pytest.mark.parametrize("key", sorted(KNOWN_DIFFERENCES), ids=lambda k: f"{k[0]} -> {k[1]}")
def test_known_differences_are_still_real(key):
    """Each excused case must name a dumped source and still differ from the dump as described;
    an entry that no longer differs hides nothing and must be removed."""
    source, target = key
    assert source in RESOLVED, f"{source} is not in Obsidian's dump"
    assert KNOWN_DIFFERENCES[key].strip()
    note = note_for(source)
    ours = Counter()
    for link in note.links:
        res = resolve(link.target, source)
        ours[res.path if res.path is not None else link.target] += 1
    obsidian = RESOLVED[source].get(target, 0) + UNRESOLVED[source].get(target, 0)
    assert ours[target] != obsidian, (
        f"vaultnet agrees with the dump on {key} ({obsidian} links): either vaultnet lost the "
        "link the entry describes, or the entry is obsolete and must be removed"
    )
