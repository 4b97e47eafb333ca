"""Changing a note's frontmatter in place, and nothing else.

SPEC §4: every byte outside the changed part stays as it was (key order,
comments, quoting, blank lines, CRLF, a BOM, the body). Re-dumping the YAML
cannot promise that (ruamel re-indents and re-wraps), so ruamel only *reads*
the block, giving each node's position, and *writes* the new scalars; the
change itself is a splice of text at those positions. The result is read back
with our own reader (note_yaml) and refused unless it holds exactly the old
values plus the intended change.

The block and its positions: frontmatter_block; the new scalars: yaml_scalars.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .frontmatter_block import (
    BOM,
    Edit,
    FrontmatterEditError,
    NoteBlock,
    after_line,
    anchored,
    children,
    column,
    decode,
    is_empty,
    last_line_end,
    node_end,
    read_block,
    value_span,
)
from .yaml_scalars import Style, dash_style, pair, reads_back, scalar

__all__ = ["FrontmatterEditError", "edit_frontmatter", "read_frontmatter"]

# --- the edits ------------------------------------------------------------------------


def _fold(s: str) -> str:
    return s.strip().casefold()


def _plan(note: NoteBlock, op: str, key: str, value: Any) -> tuple[list[Edit], object] | None:
    """The edits for one key, and the value the reader must then see; None: nothing to do."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    style = Style.of(note)
    end = len(note.yaml)
    if op == "extend":
        value = _new_items(value, [])
    if key not in note.pairs:
        if not value:
            return None
        return [(end, end, _joined(style.entry(key, value, note.col)))], value
    k, v = note.pairs[key]
    if anchored(v):
        raise FrontmatterEditError(f"{key!r} uses a YAML anchor or alias; edit it by hand")
    empty = is_empty(v)
    flow = getattr(v, "flow_style", False)
    if op == "add":
        if not empty or not value:
            return None
        # `[]` and `{}` stay flow collections, as a list that has items would.
        if flow and isinstance(value, list) and isinstance(v, SequenceNode):
            op = "extend"
        elif flow and isinstance(value, dict) and isinstance(v, MappingNode):
            op = "add_items"
        else:
            return _fill(note, k, v, style, value), value

    old = note.data[key]
    if op == "extend":
        if not empty and not isinstance(v, (ScalarNode, SequenceNode)):
            raise FrontmatterEditError(f"{key!r} is a mapping, not a list")
        have = [] if empty else v.value if isinstance(v, SequenceNode) else [v]
        new = _new_items(value, [n.value for n in have if isinstance(n, ScalarNode)])
        if not new:
            return None
        expected: list | dict = ([] if empty else old if isinstance(old, list) else [old]) + new
        if flow and isinstance(v, SequenceNode):
            return _flow_insert(note, v, [scalar(s, "flow") for s in new]), expected
        if not empty and isinstance(v, SequenceNode):
            dash, gap = dash_style(note, v)
            at = last_line_end(note, v)
            lines = (f"{' ' * dash}-{gap}{scalar(s, 'item')}" for s in new)
            return [(at, at, _joined(lines))], expected
        if empty:
            return _fill(note, k, v, style, new), expected
        # A single value becomes a list, the old value first and written as it was
        # (a comment after it stays on the key line).
        _, stop = value_span(note, k, v)
        first = f"{' ' * (note.col + style.dash)}-{style.gap}{note.yaml[v.start_mark.index : stop]}"
        return _fill(note, k, v, style, new, first), expected

    # add_items
    if not empty and not isinstance(v, MappingNode):
        raise FrontmatterEditError(f"{key!r} is not a mapping")
    if not isinstance(value, dict):
        raise TypeError("add_items takes a dict of str per key")
    seen = {_fold(kn.value) for kn, _ in (v.value if not empty else [])}
    items = {}
    for k2, v2 in value.items():
        if _fold(k2) not in seen:
            seen.add(_fold(k2))
            items[k2] = v2
    if not items:
        return None
    expected = {**(old if isinstance(old, dict) else {}), **items}
    if flow and isinstance(v, MappingNode):
        return _flow_insert(note, v, [pair(a, b, flow=True) for a, b in items.items()]), expected
    if empty:
        return _fill(note, k, v, style, items), expected
    pad = " " * column(note.yaml, v.value[0][0].start_mark.index)
    at = last_line_end(note, v)
    return [(at, at, _joined(pad + pair(a, b, flow=False) for a, b in items.items()))], expected


def _put(note: NoteBlock, key: str, value: str | list[str]) -> tuple[list[Edit], object] | None:
    """Edits that make `key` hold exactly `value` (a string, or a list of strings), in place.

    Written as the note writes it: an old value's quotes are kept where they still read
    back, a list stays flow (`[a, b]`) or block (`- a`) as it was, or as the note's other
    lists are; a comment on the key line stays. Plain when no YAML reader changes the text
    (`2026-12-02`, `30`), quoted when one would (`01234`, `yes`)."""
    from ruamel.yaml.nodes import ScalarNode, SequenceNode

    if isinstance(value, list) and not all(isinstance(v, str) for v in value):
        raise TypeError("put takes a str or a list of str per key")
    if not isinstance(value, (str, list)):
        raise TypeError("put takes a str or a list of str per key")
    if key not in note.pairs:
        style = Style.of(note)
        flow = _prefers_flow(note)
        end = len(note.yaml)
        while end > 1 and note.yaml[end - 2 : end] == "\n\n":  # before the blank lines that end the block
            end -= 1
        return [(end, end, _joined(_put_lines(note, key, value, style, flow, None, note.col)))], value
    k, v = note.pairs[key]
    if anchored(v):
        raise FrontmatterEditError(f"{key!r} uses a YAML anchor or alias; edit it by hand")
    if note.data.get(key) == value:
        return None
    colon = re.match(r"[ \t]*:", note.yaml[k.end_mark.index :])
    if column(note.yaml, k.start_mark.index) != note.col or colon is None:
        raise FrontmatterEditError(f"{key!r} is not written as a plain `key: value` line")
    after = k.end_mark.index + colon.end()
    one_line = node_end(v) == -1 or "\n" not in note.yaml[after : node_end(v)]
    prefer = v.style if isinstance(v, ScalarNode) and v.style in ("'", '"') else None
    if isinstance(v, SequenceNode) and v.value and isinstance(v.value[0], ScalarNode):
        prefer = v.value[0].style if v.value[0].style in ("'", '"') else None
    if one_line and not (isinstance(v, ScalarNode) and v.style in ("|", ">")):
        stop = after if node_end(v) == -1 else node_end(v)
        flow = bool(getattr(v, "flow_style", False)) if not isinstance(v, ScalarNode) else _prefers_flow(note)
        if isinstance(value, str) or flow:
            return [(after, stop, " " + _inline(value, prefer))], value
        lines = _put_lines(note, key, value, Style.of(note), False, prefer, note.col)[1:]
        at = after_line(note.yaml, after)
        return [(after, stop, ""), (at, at, _joined(lines))], value
    # Over several lines (a block list or mapping, a `|` text): the value's lines are
    # replaced; what follows the colon on the key line (a comment) stays.
    first_end = after_line(note.yaml, after)
    last = last_line_end(note, v)
    if _has_comment(note, v, first_end, last):
        raise FrontmatterEditError(f"{key!r} has comments between its values; edit it by hand")
    style = Style.of(note)
    if isinstance(v, SequenceNode) and v.value:
        style.dash, style.gap = dash_style(note, v)
        style.dash -= note.col
    if isinstance(v, ScalarNode):  # a block scalar: its indicator is on the key line
        return [(after, last, " " + _inline(value, prefer) + "\n" if isinstance(value, str) else
                 "\n" + _joined(_put_lines(note, key, value, style, False, prefer, note.col)[1:]))], value
    if isinstance(value, str):
        return [(after, after, " " + _inline(value, prefer)), (first_end, last, "")], value
    lines = _put_lines(note, key, value, style, False, prefer, note.col)[1:]
    return [(first_end, last, _joined(lines))], value


def _inline(value: str | list[str], prefer: str | None) -> str:
    """A value on the key line: a scalar, or a flow list."""
    if isinstance(value, str):
        return scalar(value, "item", _prefer(value, prefer), textual=True)
    return "[" + ", ".join(scalar(v, "flow", _prefer(v, prefer), textual=True) for v in value) + "]"


def _prefer(value: str, prefer: str | None) -> str | None:
    # Obsidian writes links in double quotes; follow it when the note shows no style of its own.
    return prefer if prefer is not None or "[[" not in value else '"'


def _put_lines(note: NoteBlock, key: str, value: str | list[str], style: Style, flow: bool,
               prefer: str | None, col: int) -> list[str]:
    head = f"{' ' * col}{scalar(key, 'key')}:"
    if isinstance(value, str) or flow:
        line = f"{head} {_inline(value, prefer)}"
        if not reads_back(line.strip() + "\n", {key: value}, textual=True):
            raise FrontmatterEditError(f"{key!r} cannot be written safely")
        return [line]
    pad = " " * (col + style.dash)
    return [head, *(f"{pad}-{style.gap}{scalar(v, 'item', _prefer(v, prefer), textual=True)}" for v in value)]


def _prefers_flow(note: NoteBlock) -> bool:
    """Whether this note writes its lists as `[a, b]`: as its first list does."""
    from ruamel.yaml.nodes import SequenceNode

    seq = next((v for _, v in note.pairs.values() if isinstance(v, SequenceNode)), None)
    return bool(seq is not None and seq.flow_style)


def _has_comment(note: NoteBlock, node: Any, start: int, stop: int) -> bool:
    """A `#` comment in [start, stop) outside every scalar of `node`."""
    from ruamel.yaml.nodes import ScalarNode

    spans = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ScalarNode):
            spans.append((n.start_mark.index, n.end_mark.index))
        else:
            stack.extend(children(n))
    text = note.yaml
    for i in range(start, stop):
        if text[i] == "#" and not any(a <= i < b for a, b in spans):
            return True
    return False


def _remove(note: NoteBlock, key: str) -> list[Edit] | None:
    """Edits that take `key` out: its line, and the lines of its value (with any comment on them)."""
    if key not in note.pairs:
        return None
    k, v = note.pairs[key]
    if anchored(v):
        raise FrontmatterEditError(f"{key!r} uses a YAML anchor or alias; edit it by hand")
    if column(note.yaml, k.start_mark.index) != note.col:
        raise FrontmatterEditError(f"{key!r} is not written as a plain `key: value` line")
    start = k.start_mark.index - note.col
    stop = after_line(note.yaml, k.start_mark.index) if node_end(v) == -1 else max(
        last_line_end(note, v), after_line(note.yaml, k.start_mark.index))
    return [(start, stop, "")]


def _joined(lines: Iterable[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _new_items(values: list[str], have: list[str]) -> list[str]:
    if isinstance(values, str):
        raise TypeError("extend takes a list of str per key")
    seen = {_fold(h) for h in have}
    out = []
    for item in values:
        if not isinstance(item, str):
            raise TypeError(f"list items must be str, not {type(item).__name__}")
        if item.strip() and _fold(item) not in seen:
            seen.add(_fold(item))
            out.append(item.strip())
    return out


def _fill(note: NoteBlock, key: Any, value: Any, style: Style, new: object,
          first: str | None = None) -> list[Edit]:
    """Put `new` where `key`'s value is: on the key line, or as lines under it, after the
    already written line `first` if given."""
    start, stop = value_span(note, key, value)
    if isinstance(new, str):
        return [(start, stop, " " + scalar(new, "item"))]
    lines = [first] if first else []
    lines += style.entry(key.value, new, note.col)[1:]
    at = after_line(note.yaml, start)
    return [(start, stop, ""), (at, at, _joined(lines))]


def _flow_insert(note: NoteBlock, node: Any, texts: list[str]) -> list[Edit]:
    """Add items to a `[...]` / `{...}`, after its last item, with the separator it uses."""
    y = note.yaml
    if not node.value:
        inner = (node.start_mark.index + 1, node.end_mark.index - 1)
        if y[inner[0] : inner[1]].strip():
            raise FrontmatterEditError("an empty flow collection holds something unexpected")
        return [(inner[0], inner[1], ", ".join(texts))]
    pairs = [list(p) if isinstance(p, tuple) else [p] for p in node.value]  # items as pairs
    sep = ", "
    if len(pairs) > 1:
        between = y[max(node_end(c) for c in pairs[0]) : pairs[1][0].start_mark.index]
        if re.fullmatch(r"[ \t]*,[ \t]*", between):
            sep = between
    at = max(node_end(c) for c in pairs[-1])
    return [(at, at, "".join(sep + t for t in texts))]


# --- the API --------------------------------------------------------------------------


def read_frontmatter(raw: bytes) -> dict:
    """The frontmatter as plain Python, scalars as the strings written; {} if there is none."""
    _, text = decode(raw)
    return read_block(text).data


def edit_frontmatter(raw: bytes, *, add: dict[str, object] | None = None,
                     extend: dict[str, list[str]] | None = None,
                     add_items: dict[str, dict[str, str]] | None = None,
                     put: Mapping[str, str | list[str]] | None = None,
                     remove: Iterable[str] = ()) -> bytes:
    """`raw` with the frontmatter changed as asked and every other byte kept; `raw` itself if
    there is nothing to change.

    add: set keys that are absent or empty. extend: append list items not already there
    (case-insensitive, after strip). add_items: add mapping entries whose key is missing.
    put: make keys hold exactly these values, in place (a new key goes to the end).
    remove: take keys out. Raises FrontmatterEditError (and changes nothing) for
    frontmatter it cannot edit safely.
    """
    bom, text = decode(raw)
    first = read_block(text)
    expected = dict(first.data)
    note = first
    for key in remove:
        cut = _remove(note, key)
        if cut is not None:
            expected.pop(key)
            text = _apply(note, cut)
            note = _reread(text)
    for key, wanted in (put or {}).items():
        planned = _put(note, key, wanted)
        if planned is not None:
            text = _apply(note, planned[0])
            expected[key] = planned[1]
            note = _reread(text)
    ops = [("add", add), ("extend", extend), ("add_items", add_items)]
    for op, changes in ops:
        for key, value in (changes or {}).items():
            plan = _plan(note, op, key, value)
            if plan is None:
                continue
            edits, expected[key] = plan
            text = _apply(note, edits)
            note = _reread(text)
    if note is first:
        return raw
    new = bom + text.encode("utf-8", errors="surrogateescape")
    _verify(raw, first, new, expected)
    return new


def _apply(note: NoteBlock, edits: list[Edit]) -> str:
    if note.yaml_at is None:  # no frontmatter yet: a new block at the very top
        lines = "".join(t for _, _, t in edits)
        return f"---\n{lines}---\n".replace("\n", note.eol) + note.text
    text = note.text
    for start, stop, new in sorted(edits, reverse=True):
        text = text[: note.at(start)] + new.replace("\n", note.eol) + text[note.at(stop) :]
    return text


def _verify(raw: bytes, before: NoteBlock, new: bytes, expected: dict) -> None:
    """Read the result back with our own reader: the intended values, the same body bytes."""
    after = _reread(new.removeprefix(BOM).decode("utf-8", "surrogateescape"))

    def body(data: bytes, note: NoteBlock) -> bytes:
        return data[len(data) - len(note.text[note.body_at :].encode("utf-8", "surrogateescape")) :]

    if after.data != expected or list(after.data) != list(expected):
        raise FrontmatterEditError("the edited frontmatter did not read back as intended")
    if body(new, after) != body(raw, before):
        raise FrontmatterEditError("the edit would have changed the note's body")


def _reread(text: str) -> NoteBlock:
    """Our own edit, read again: a failure here is a wrong edit, not a bad note."""
    try:
        return read_block(text)
    except FrontmatterEditError as exc:
        why = f"the edited frontmatter would not read back ({exc.why})"
        raise FrontmatterEditError(why) from None
