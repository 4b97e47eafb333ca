"""`merge A B`: one person written twice becomes one note.

B's frontmatter joins A's (missing keys added, lists extended, a different
value left as A has it and reported), B's body is appended under a heading,
every link to B is pointed at A, and B's note is removed. Every new byte is
computed first, so a dry run and a real run see the same plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from ..errors import VaultnetError
from ..index import NoteIndex
from ..notes import markdown
from ..notes.contact_fields import LIST_KEYS, FieldMerge, same_value
from ..notes.note_yaml import find_block
from ..vault.resolve import LinkResolver, fold, strip_md
from .frontmatter_edit import edit_frontmatter, read_frontmatter
from .writes import WriteRefused, inside, replace_file, vault_write_lock

# Keys whose values may be a list: a different value joins the list instead of conflicting.
_LISTABLE = {k for keys in LIST_KEYS.values() for k in keys} | {"knows", "source", "aliases", "tags"}
_NEVER_COPIED = {"type", "name"}
_EOL = re.compile(rb"\r?\n")


@dataclass
class MergePlan:
    keep: str
    remove: str
    changes: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    rewrites: dict[str, int] = field(default_factory=dict)  # path -> links pointed at `keep`
    skipped: list[str] = field(default_factory=list)
    writes: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)  # path -> (old, new)
    removed_bytes: bytes = b""

    def as_json(self) -> dict:
        return {"keep": self.keep, "remove": self.remove, "changes": self.changes,
                "conflicts": self.conflicts,
                "links": [{"path": p, "count": n} for p, n in sorted(self.rewrites.items())],
                "skipped": self.skipped}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value] if value not in (None, "") else []


def _copyable(value) -> bool:
    """What frontmatter_edit writes: text, a list of text, a mapping of text."""
    if isinstance(value, str):
        return True
    if isinstance(value, list):
        return all(isinstance(v, str) for v in value)
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def _union(fm_a: dict, fm_b: dict, b_names: list[str]) -> tuple[dict, dict, dict, list[str]]:
    """A's additions from B; `conflicts` lists what B said that A does not get (kept aside)."""
    add: dict = {}
    extend: dict[str, list[str]] = {}
    add_items: dict[str, dict] = {}
    conflicts = []
    names_a = {fold(str(v)) for v in _as_list(fm_a.get("aliases")) + _as_list(fm_a.get("name"))}
    new_aliases = [n for n in b_names if fold(n) not in names_a]
    for key, value in fm_b.items():
        if key in _NEVER_COPIED or value in (None, "", [], {}):
            continue
        mine = fm_a.get(key)
        if not _copyable(value):
            conflicts.append(f"{key}: not copied (nested values); kept with B's text")
        elif mine in (None, "", [], {}):
            add[key] = value
        elif isinstance(mine, dict) and isinstance(value, dict):
            new_items = {k: v for k, v in value.items() if k not in mine and isinstance(v, str)}
            if new_items:
                add_items[key] = new_items
        elif (isinstance(mine, list) or isinstance(value, list) or key in _LISTABLE) and all(
                isinstance(v, str) for v in _as_list(value)):
            have = {fold(str(v).strip()) for v in _as_list(mine)}
            new = [v for v in _as_list(value) if fold(v.strip()) not in have]
            if new:
                extend[key] = new
        elif not same_value(str(mine), str(value)):
            conflicts.append(f"{key}: kept {mine!r}; the other note said {value!r} (kept with B's text)")
    if new_aliases:
        known = {fold(str(v)) for v in _as_list(fm_a.get("aliases"))}
        aliases = []
        for alias in new_aliases + extend.get("aliases", []):
            if fold(alias) not in known:
                known.add(fold(alias))
                aliases.append(alias)
        extend["aliases"] = aliases
    return add, extend, add_items, conflicts


def _eol(raw: bytes) -> bytes:
    m = _EOL.search(raw)
    return m.group(0) if m else b"\n"


def _head_end(text: str) -> int:
    """Where the body starts in `text`, whose lines may end in CRLF; 0 without frontmatter."""
    lf = text.replace("\r\n", "\n")
    block = find_block(lf)
    if block is None:
        return 0
    if block.body_offset >= len(lf):
        return len(text)
    pos = 0
    for _ in range(lf.count("\n", 0, block.body_offset)):  # only \n ends a line here, as in find_block
        pos = text.index("\n", pos) + 1
    return pos


def _split_note(raw: bytes) -> tuple[bytes, bytes]:
    """B's frontmatter block and its body, as bytes, without a BOM; bytes that are not
    UTF-8 pass through unchanged."""
    text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")
    at = _head_end(text)
    return (text[:at].encode("utf-8", errors="surrogateescape"),
            text[at:].encode("utf-8", errors="surrogateescape"))


def append_section(raw: bytes, heading: str, body: bytes) -> bytes:
    eol = _eol(raw)
    body = _EOL.sub(eol, body).strip(b"\r\n")
    out = raw if raw.endswith(b"\n") or not raw else raw + eol
    if out and not out.endswith(eol + eol):
        out += eol
    out += f"## {heading}".encode() + eol + eol
    return out + (body + eol if body else b"")


class _Retarget:
    """Points links that resolve to `old` at `new`, touching nothing else in the text."""

    def __init__(self, resolver: LinkResolver, old: str, new: str):
        self.resolver = resolver
        self.old = old
        stem = strip_md(new).rsplit("/", 1)[-1]
        # The file name is enough unless another note has it too.
        self.target = stem if len(resolver.same_file_name(stem)) <= 1 else strip_md(new)
        self.new_path = new

    def means_old(self, target: str, source: str) -> bool:
        path = self.resolver.resolve(target, source).path
        # After an interrupted merge A already has B's aliases, so `[[B's alias]]` is shared by
        # both and resolves to nobody; it still means B.
        if path == self.old:
            return True
        named = set(self.resolver.named(target))
        return path is None and self.old in named and named <= {self.old, self.new_path}

    def wikilink(self, m: re.Match, source: str, in_frontmatter: bool, in_table: bool = False) -> str | None:
        target, subpath, display = markdown.split_wikilink(m[2])
        if not self.means_old(target, source):
            return None
        sep = "\\|" if "\\|" in m[2] or in_table else "|"  # a bare | would split a table cell
        inner = self.target + (subpath or "")
        if display is not None:
            inner += sep + display
        elif not m[1] and not subpath and not in_frontmatter:
            inner += sep + target  # the reader still sees the name that was written
        return f"{m[1]}[[{inner}]]"

    def mdlink(self, m: re.Match, source: str) -> str | None:
        url = m[3][1:-1] if m[3].startswith("<") else m[3]
        if not url or markdown._SCHEME.match(url):
            return None
        note, _, sub = url.partition("#")
        from urllib.parse import unquote

        if not self.means_old(unquote(note).strip(), source):
            return None
        new = strip_md(self.new_path) if "/" in note else self.target
        new = quote(new, safe="/") + (".md" if note.lower().endswith(".md") else "") + (f"#{sub}" if sub else "")
        start, end = m.span(3)
        whole = m[0]
        inner = f"<{new}>" if m[3].startswith("<") else new
        return whole[: start - m.start()] + inner + whole[end - m.start():]

    def rewrite(self, text: str, source: str) -> tuple[str, int]:
        head_end = _head_end(text)
        count = 0
        parts: list[str] = []

        def fm_sub(m: re.Match) -> str:
            nonlocal count
            new = self.wikilink(m, source, True)
            count += new is not None
            return new if new is not None else m[0]

        parts.append(markdown.WIKILINK.sub(fm_sub, text[:head_end]))
        body = text[head_end:]
        masked = markdown.mask_code_and_comments(body)
        links, _ = markdown.find_links(masked)
        last = 0
        scan = None
        for link in links:
            pattern = markdown.MDLINK if link.markdown else markdown.WIKILINK
            searched = masked
            if link.markdown:
                if scan is None:
                    scan = markdown._blank_spans(masked, [m.span() for m in markdown.WIKILINK.finditer(masked)])
                searched = scan
            m = pattern.match(searched, link.start)
            if m is None:
                continue
            # Match on the masked text (so code stays untouched), then read the real characters.
            real = pattern.match(body, link.start)
            if real is None or real.end() != m.end():
                continue
            line_start = body.rfind("\n", 0, link.start) + 1
            in_table = body[line_start:link.start].lstrip().startswith("|")
            new = self.mdlink(real, source) if link.markdown else self.wikilink(real, source, False, in_table)
            if new is None:
                continue
            parts.append(body[last:link.start])
            parts.append(new)
            last = real.end()
            count += 1
        parts.append(body[last:])
        return "".join(parts), count


def plan_merge(index: NoteIndex, keep: str, remove: str) -> MergePlan:
    if keep == remove:
        raise VaultnetError(f"{keep} and {remove} are the same note; nothing to merge")
    vault = index.vault
    plan = MergePlan(keep, remove)
    try:
        raw_a = vault.read_bytes(keep)
        raw_b = vault.read_bytes(remove)
    except OSError as exc:
        raise VaultnetError(f"cannot read {exc.filename}: {exc.strerror}") from exc
    plan.removed_bytes = raw_b
    fm_a, fm_b = read_frontmatter(raw_a), read_frontmatter(raw_b)
    entries = index.entries()
    b_entry = entries.get(remove)
    b_names = [strip_md(remove).rsplit("/", 1)[-1]]
    if b_entry is not None:
        b_names += [b_entry.name, *b_entry.aliases]
    b_names = [n for i, n in enumerate(b_names) if n and fold(n) not in {fold(x) for x in b_names[:i]}]
    a_entry = entries.get(keep)
    a_names = {fold(strip_md(keep).rsplit("/", 1)[-1])} | ({fold(a_entry.name)} if a_entry else set())
    add, extend, add_items, plan.conflicts = _union(fm_a, fm_b, [n for n in b_names if fold(n) not in a_names])
    new_a = edit_frontmatter(raw_a, add=add, extend=extend, add_items=add_items)
    plan.changes = FieldMerge(add, extend, add_items).changes()
    head_b, body_b = _split_note(raw_b)
    if plan.conflicts:
        # Nothing of B is lost: what A did not take stays readable, as B wrote it.
        body_b = (b"B's frontmatter, as it was:\n\n```yaml\n" + head_b.strip(b"\r\n") + b"\n```\n\n"
                  + body_b)
    name_b = b_entry.name if b_entry else b_names[0]
    with_b = append_section(new_a, f"From {name_b}", body_b)
    # A merge cut short (killed after A was written, before B was removed) is finished by
    # running it again: B's text is then already in A and is not appended twice.
    if with_b[len(new_a):].strip(b"\r\n") not in new_a:
        new_a = with_b
        plan.changes.append(f"its text appended under '## From {name_b}'")

    resolver = index.resolver()
    retarget = _Retarget(resolver, remove, keep)
    sources = set(index.linking(resolver.keys_for(remove))) | {keep}
    sources.discard(remove)
    for source in sorted(sources):
        old = raw_a if source == keep else None
        if old is None:
            try:
                old = vault.read_bytes(source)
            except OSError as exc:
                plan.skipped.append(f"{source}: cannot read ({exc.strerror}); its links were left")
                continue
        current = new_a if source == keep else old
        bom = current.startswith(b"\xef\xbb\xbf")
        try:
            text = current[3 if bom else 0:].decode("utf-8")
        except UnicodeDecodeError:
            plan.skipped.append(f"{source}: not UTF-8; its links to {remove} were left as they are")
            continue
        new_text, count = retarget.rewrite(text, source)
        if count:
            plan.rewrites[source] = count
            current = (b"\xef\xbb\xbf" if bom else b"") + new_text.encode("utf-8")
        if current != old:
            plan.writes[source] = (old, current)
    if keep not in plan.writes:
        plan.writes[keep] = (raw_a, new_a)
    return plan


def apply_merge(index: NoteIndex, plan: MergePlan) -> list[str]:
    """Write every changed note, then remove B; returns what could not be done."""
    vault = index.vault
    failures = []
    with vault_write_lock(vault.state_dir):
        for path, (old, new) in sorted(plan.writes.items(), key=lambda item: item[0] != plan.keep):
            try:
                replace_file(inside(vault.root, vault.abspath(path)), new, expected=old)
            except VaultnetError as exc:
                failures.append(str(exc))
                if path == plan.keep:
                    raise  # nothing was written yet: stop here, B stays as it is
        if failures:
            failures.append(f"{plan.remove} was kept, because not every link to it could be changed")
            return failures
        target = inside(vault.root, vault.abspath(plan.remove))
        try:
            if target.read_bytes() != plan.removed_bytes:
                raise WriteRefused(f"{plan.remove} changed on disk during the merge; it was kept")
            target.unlink()
        except OSError as exc:
            failures.append(f"cannot remove {plan.remove}: {exc.strerror}")
        except WriteRefused as exc:
            failures.append(str(exc))
    return failures
