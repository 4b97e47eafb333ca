"""Changing a note's frontmatter in place, and nothing else.

SPEC §4: every byte outside the changed part stays as it was (key order,
comments, quoting, blank lines, CRLF, a BOM, the body). Re-dumping the YAML
cannot promise that (ruamel re-indents and re-wraps), so ruamel only *reads*
the block, giving each node's position, and *writes* the new scalars; the
change itself is a splice of text at those positions. The result is read back
with our own reader (note_yaml) and refused unless it holds exactly the old
values plus the intended change.

Positions are computed on the text with line ends normalized to `\\n`, as the
reader sees it, then mapped back onto the file's own line ends.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import VaultnetError
from ..notes.note import is_binary
from ..notes.note_yaml import FrontmatterError, find_block, load_yaml

_BOM = b"\xef\xbb\xbf"
_EOL = re.compile(r"(\r\n|\r|\n)")
_BREAKS = re.compile("[\r\n\x85\u2028\u2029]")
_NULLS = {"", "~", "null", "Null", "NULL"}


class FrontmatterEditError(VaultnetError):
    def __init__(self, why: str):
        self.why = why
        super().__init__(f"cannot edit the frontmatter: {why}; nothing was changed")


Edit = tuple[int, int, str]  # (start, end, new text) in the normalized YAML


@dataclass
class _Note:
    """One reading of a note: its text, and its frontmatter with ruamel's nodes."""

    text: str  # decoded without the BOM, line ends as in the file
    eol: str  # the line end new lines get
    yaml: str = ""  # between the fences, line ends normalized to \n
    yaml_at: int | None = None  # offset of the YAML in `text`; None: no frontmatter
    body_at: int = 0  # offset of the body in `text`
    shifts: list[tuple[int, int]] = field(default_factory=list)  # per line: (norm, file) start
    data: dict = field(default_factory=dict)  # as note_yaml reads it
    pairs: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # key -> (key, value) node
    col: int = 0  # column of the top-level keys

    def at(self, i: int) -> int:
        """Offset in `text` of offset `i` in the normalized YAML."""
        norm, orig = self.shifts[self.yaml.count("\n", 0, i)]
        return (self.yaml_at or 0) + orig + (i - norm)


def _decode(raw: bytes) -> tuple[bytes, str]:
    bom = _BOM if raw.startswith(_BOM) else b""
    if is_binary(raw):
        raise FrontmatterEditError("binary file (NUL bytes, not UTF-8)")
    # surrogateescape: bytes that are not UTF-8 in the body come back out unchanged.
    return bom, raw[len(bom):].decode("utf-8", errors="surrogateescape")


def _read(text: str) -> _Note:
    pieces = _EOL.split(text)
    lines = list(zip(pieces[0::2], pieces[1::2] + [""]))
    norm = "".join(c + ("\n" if e else "") for c, e in lines)
    block = find_block(norm)
    if block is None:
        if lines[0][1] and re.fullmatch(r"---[ \t]*", lines[0][0]):
            raise FrontmatterEditError("the frontmatter has no closing `---` line")
        return _Note(text, next((e for _, e in lines if e), "\n"))
    note = _Note(text, lines[0][1], block.yaml_text, len(lines[0][0]) + len(lines[0][1]))
    n = o = 0
    for c, e in lines[1 : block.end_line]:
        note.shifts.append((n, o))
        n, o = n + len(c) + 1, o + len(c) + len(e)
    note.shifts.append((n, o))  # the end of the YAML
    note.body_at = sum(len(c) + len(e) for c, e in lines[: block.end_line + 1])
    _parse(note)
    return note


def _parse(note: _Note) -> None:
    """Fill in data and nodes; refuse what cannot be edited safely."""
    if re.search("[\udc80-\udcff]", note.yaml):
        raise FrontmatterEditError("the frontmatter is not UTF-8")
    try:
        note.data, _ = load_yaml(note.yaml)
    except FrontmatterError as exc:
        where = "" if exc.line is None else f"line {exc.line + 2}: "  # 2: after the `---`
        raise FrontmatterEditError(f"{where}{exc.message}") from None
    yaml = _yaml("rt")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            events = list(yaml.parse(note.yaml))
            root = yaml.compose(note.yaml)
    except _read_errors() as exc:  # PyYAML read it; ruamel, which gives the positions, did not
        why = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise FrontmatterEditError(f"invalid YAML: {why}") from None
    if any(getattr(ev, "tag", None) is not None for ev in events):
        raise FrontmatterEditError("the frontmatter uses a YAML tag (`!...`)")
    if root is None:
        return
    if root.flow_style:
        raise FrontmatterEditError("the frontmatter is one `{...}` mapping")
    note.pairs = {k.value: (k, v) for k, v in root.value}
    note.col = _col(note.yaml, root.value[0][0].start_mark.index) if root.value else 0


_yamls: dict[str, Any] = {}


def _read_errors() -> tuple[type[BaseException], ...]:
    """What a YAML reader raises on text it refuses (a bad date is a ValueError)."""
    import yaml
    from ruamel.yaml.error import YAMLError

    return (YAMLError, yaml.YAMLError, ValueError, TypeError, ArithmeticError, RecursionError)


def _yaml(kind: str) -> Any:
    """Cached ruamel instances: 'rt' reads positions and writes scalars, the others check them."""
    if kind not in _yamls:
        from ruamel.yaml import YAML

        yaml = YAML(typ="rt" if kind == "rt" else "safe", pure=True)
        yaml.width = 1 << 30  # never fold a long value over two lines
        if kind == "1.1":
            yaml.version = (1, 1)
        _yamls[kind] = yaml
    return _yamls[kind]


def _col(text: str, i: int) -> int:
    return i - (text.rfind("\n", 0, i) + 1)


def _after_line(text: str, i: int) -> int:
    """The start of the line after the one holding offset `i`."""
    nl = text.find("\n", i)
    return len(text) if nl == -1 else nl + 1


# --- writing scalars ------------------------------------------------------------------


def _reads_back(doc: str, expected: object, textual: bool = False) -> bool:
    """Every reader we know (YAML 1.1 and 1.2, typed or not) reads `doc` as `expected`.

    `textual`: a typed reader may see a date or a number, as long as its text is the
    text written (`2026-12-02`, `30`); never a bool, a null or a changed number (`01234`)."""
    import yaml

    loaders = [
        lambda t: yaml.load(t, Loader=yaml.SafeLoader),
        lambda t: yaml.load(t, Loader=yaml.BaseLoader),
        _yaml("1.2").load,
        _yaml("1.1").load,
    ]
    for load in loaders:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = load(doc)
                if got != expected and not (textual and _as_text(got) == expected):
                    return False
        except _read_errors():  # a reader refusing it is as bad as a wrong value
            return False
    return True


def _as_text(data: object) -> object:
    """A typed reading with its dates and numbers as the text YAML reads them from."""
    import datetime as dt

    if isinstance(data, dict):
        return {_as_text(k): _as_text(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_as_text(v) for v in data]
    if isinstance(data, bool) or data is None:
        return data
    if isinstance(data, dt.datetime):
        return data
    if isinstance(data, (dt.date, int, float)):
        return data.isoformat() if isinstance(data, dt.date) else repr(data)
    return data


def _scalar(value: str, where: str, prefer: str | None = None, textual: bool = False) -> str:
    """`value` as YAML text for one place: 'item' (`- x`), 'flow' (`[x]`), 'key', 'flowkey'.

    ruamel picks the quoting; if some reader would still see a number, a bool, a date
    or a different string (`yes`, `1:30` in YAML 1.1), quote harder."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

    if not isinstance(value, str):
        raise TypeError(f"frontmatter values must be str, not {type(value).__name__}")
    wrap = {"item": ("- ", "\n"), "flow": ("[", "]\n"), "key": ("", ": x\n"),
            "flowkey": ("{", ": x}\n")}[where]
    expected: object = {value: "x"} if "key" in where else [value]
    styles: list = [str, SingleQuotedScalarString, DoubleQuotedScalarString]
    first = {None: str, "'": SingleQuotedScalarString, '"': DoubleQuotedScalarString}.get(prefer, str)
    styles.remove(first)
    if textual and prefer is None and not _BREAKS.search(value):
        # As typed, when every reader keeps its text: ruamel would quote `2026-12-02`
        # and `30`, which Obsidian shows as text properties rather than a date or a number.
        doc = wrap[0] + value + wrap[1]
        if _reads_back(doc, expected, textual=True):
            return value
    for style in [first, *styles]:
        obj: Any = CommentedMap({style(value): "x"}) if "key" in where else CommentedSeq()
        if "key" not in where:
            obj.append(style(value))
        if where.startswith("flow"):
            obj.fa.set_flow_style()
        out = io.StringIO()
        _yaml("rt").dump(obj, out)
        doc = out.getvalue()
        inner = doc[len(wrap[0]) : len(doc) - len(wrap[1])]
        one_line = doc.startswith(wrap[0]) and doc.endswith(wrap[1]) and not _BREAKS.search(inner)
        if one_line and _reads_back(doc, expected):
            return inner
    if "key" in where:  # ruamel wants `? key` for a long or escaped key; one line may do
        inner = _scalar(value, "flow" if where == "flowkey" else "item")
        doc = wrap[0] + inner + wrap[1]
        if _reads_back(doc, expected):
            return inner
    raise FrontmatterEditError(f"{value[:40]!r} cannot be written as a one-line YAML value")


def _pair(key: str, value: str, flow: bool) -> str:
    text = f"{_scalar(key, 'flowkey' if flow else 'key')}: "
    text += _scalar(value, "flow" if flow else "item")
    if not _reads_back("{" + text + "}" if flow else text + "\n", {key: value}):
        raise FrontmatterEditError(f"{key!r}: {value[:40]!r} cannot be written safely")
    return text


@dataclass
class _Style:
    """How this note writes nested blocks, learnt from its own lists and mappings."""

    dash: int = 2  # column of `-` relative to the key
    gap: str = " "  # between `-` and the item
    indent: int = 2  # of a nested mapping's keys

    @classmethod
    def of(cls, note: _Note) -> _Style:
        style = cls()
        seq = next((p for p in note.pairs.values() if _block(p[1], "seq") and p[1].value), None)
        if seq:
            style.dash, style.gap = _dash_style(note, seq[1])
            style.dash -= note.col
        mapping = next((p for p in note.pairs.values() if _block(p[1], "map") and p[1].value), None)
        if mapping:
            style.indent = _col(note.yaml, mapping[1].value[0][0].start_mark.index) - note.col
        return style

    def items(self, values: list[str], col: int) -> list[str]:
        return [f"{' ' * col}-{self.gap}{_scalar(v, 'item')}" for v in values]

    def entry(self, key: str, value: object, col: int) -> list[str]:
        """`key: value` as lines at column `col` (value: str, list of str, dict of str)."""
        if isinstance(value, str):
            return [" " * col + _pair(key, value, flow=False)]
        head = f"{' ' * col}{_scalar(key, 'key')}:"
        if isinstance(value, list):
            return [head, *self.items(value, col + self.dash)]
        if isinstance(value, dict):
            pad = " " * (col + self.indent)
            return [head, *(pad + _pair(k, v, flow=False) for k, v in value.items())]
        raise TypeError(f"cannot write a {type(value).__name__} to frontmatter")


def _block(node: Any, kind: str) -> bool:
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    return isinstance(node, SequenceNode if kind == "seq" else MappingNode) and not node.flow_style


def _dash_style(note: _Note, seq: Any) -> tuple[int, str]:
    """Column of the `-`, and the whitespace between it and the item."""
    dash = seq.start_mark.index
    first = seq.value[0].start_mark.index
    gap = note.yaml[dash + 1 : first]
    return _col(note.yaml, dash), gap if gap and not gap.strip(" \t") else " "


# --- reading nodes --------------------------------------------------------------------


def _end(node: Any) -> int:
    """Offset just past the last character written for `node` (-1: an empty value)."""
    from ruamel.yaml.nodes import ScalarNode

    if isinstance(node, ScalarNode):
        return -1 if node.start_mark.index == node.end_mark.index else node.end_mark.index
    if node.flow_style:
        return node.end_mark.index
    return max((_end(c) for c in _children(node)), default=-1)


def _last_line_end(note: _Note, node: Any) -> int:
    """Where lines go after `node`: after its last character, before comments that follow."""
    i = _end(node)
    while i > 0 and note.yaml[i - 1] in " \t\n":  # a block scalar's end_mark is past its breaks
        i -= 1
    return _after_line(note.yaml, i - 1)


def _is_empty(node: Any) -> bool:
    from ruamel.yaml.nodes import ScalarNode

    if isinstance(node, ScalarNode):
        if node.style is None:
            return node.value in _NULLS
        return node.value == "" and node.style in "'\""
    return not node.value


def _anchored(node: Any) -> bool:
    from ruamel.yaml.nodes import ScalarNode

    if getattr(node, "anchor", None):
        return True
    return not isinstance(node, ScalarNode) and any(_anchored(c) for c in _children(node))


def _children(node: Any) -> list[Any]:
    """A collection's nodes in order, keys and values alike."""
    return [c for item in node.value for c in (item if isinstance(item, tuple) else [item])]


def _value_span(note: _Note, key: Any, value: Any) -> tuple[int, int]:
    """(just after the colon, end of the value): the part of the key line a new value replaces."""
    colon = re.match(r"[ \t]*:", note.yaml[key.end_mark.index :])
    if _col(note.yaml, key.start_mark.index) != note.col or colon is None:
        raise FrontmatterEditError(f"{key.value!r} is not written as a plain `key: value` line")
    after = key.end_mark.index + colon.end()
    if _end(value) == -1:  # `key:` with nothing after it
        return after, after
    if "\n" in note.yaml[after : _end(value)]:
        raise FrontmatterEditError(f"{key.value!r} holds a value over several lines")
    return after, _end(value)


# --- the edits ------------------------------------------------------------------------


def _fold(s: str) -> str:
    return s.strip().casefold()


def _plan(note: _Note, op: str, key: str, value: Any) -> tuple[list[Edit], object] | None:
    """The edits for one key, and the value the reader must then see; None: nothing to do."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    style = _Style.of(note)
    end = len(note.yaml)
    if op == "extend":
        value = _new_items(value, [])
    if key not in note.pairs:
        if not value:
            return None
        return [(end, end, _joined(style.entry(key, value, note.col)))], value
    k, v = note.pairs[key]
    if _anchored(v):
        raise FrontmatterEditError(f"{key!r} uses a YAML anchor or alias; edit it by hand")
    empty = _is_empty(v)
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
            return _flow_insert(note, v, [_scalar(s, "flow") for s in new]), expected
        if not empty and isinstance(v, SequenceNode):
            dash, gap = _dash_style(note, v)
            at = _last_line_end(note, v)
            lines = (f"{' ' * dash}-{gap}{_scalar(s, 'item')}" for s in new)
            return [(at, at, _joined(lines))], expected
        if empty:
            return _fill(note, k, v, style, new), expected
        # A single value becomes a list, the old value first and written as it was
        # (a comment after it stays on the key line).
        _, stop = _value_span(note, k, v)
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
        return _flow_insert(note, v, [_pair(a, b, flow=True) for a, b in items.items()]), expected
    if empty:
        return _fill(note, k, v, style, items), expected
    pad = " " * _col(note.yaml, v.value[0][0].start_mark.index)
    at = _last_line_end(note, v)
    return [(at, at, _joined(pad + _pair(a, b, flow=False) for a, b in items.items()))], expected


def _put(note: _Note, key: str, value: str | list[str]) -> tuple[list[Edit], object] | None:
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
        style = _Style.of(note)
        flow = _prefers_flow(note)
        end = len(note.yaml)
        while end > 1 and note.yaml[end - 2 : end] == "\n\n":  # before the blank lines that end the block
            end -= 1
        return [(end, end, _joined(_put_lines(note, key, value, style, flow, None, note.col)))], value
    k, v = note.pairs[key]
    if _anchored(v):
        raise FrontmatterEditError(f"{key!r} uses a YAML anchor or alias; edit it by hand")
    if note.data.get(key) == value:
        return None
    colon = re.match(r"[ \t]*:", note.yaml[k.end_mark.index :])
    if _col(note.yaml, k.start_mark.index) != note.col or colon is None:
        raise FrontmatterEditError(f"{key!r} is not written as a plain `key: value` line")
    after = k.end_mark.index + colon.end()
    one_line = _end(v) == -1 or "\n" not in note.yaml[after : _end(v)]
    prefer = v.style if isinstance(v, ScalarNode) and v.style in ("'", '"') else None
    if isinstance(v, SequenceNode) and v.value and isinstance(v.value[0], ScalarNode):
        prefer = v.value[0].style if v.value[0].style in ("'", '"') else None
    if one_line and not (isinstance(v, ScalarNode) and v.style in ("|", ">")):
        stop = after if _end(v) == -1 else _end(v)
        flow = bool(getattr(v, "flow_style", False)) if not isinstance(v, ScalarNode) else _prefers_flow(note)
        if isinstance(value, str) or flow:
            return [(after, stop, " " + _inline(value, prefer))], value
        lines = _put_lines(note, key, value, _Style.of(note), False, prefer, note.col)[1:]
        at = _after_line(note.yaml, after)
        return [(after, stop, ""), (at, at, _joined(lines))], value
    # Over several lines (a block list or mapping, a `|` text): the value's lines are
    # replaced; what follows the colon on the key line (a comment) stays.
    first_end = _after_line(note.yaml, after)
    last = _last_line_end(note, v)
    if _has_comment(note, v, first_end, last):
        raise FrontmatterEditError(f"{key!r} has comments between its values; edit it by hand")
    style = _Style.of(note)
    if isinstance(v, SequenceNode) and v.value:
        style.dash, style.gap = _dash_style(note, v)
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
        return _scalar(value, "item", _prefer(value, prefer), textual=True)
    return "[" + ", ".join(_scalar(v, "flow", _prefer(v, prefer), textual=True) for v in value) + "]"


def _prefer(value: str, prefer: str | None) -> str | None:
    # Obsidian writes links in double quotes; follow it when the note shows no style of its own.
    return prefer if prefer is not None or "[[" not in value else '"'


def _put_lines(note: _Note, key: str, value: str | list[str], style: _Style, flow: bool,
               prefer: str | None, col: int) -> list[str]:
    head = f"{' ' * col}{_scalar(key, 'key')}:"
    if isinstance(value, str) or flow:
        line = f"{head} {_inline(value, prefer)}"
        if not _reads_back(line.strip() + "\n", {key: value}, textual=True):
            raise FrontmatterEditError(f"{key!r} cannot be written safely")
        return [line]
    pad = " " * (col + style.dash)
    return [head, *(f"{pad}-{style.gap}{_scalar(v, 'item', _prefer(v, prefer), textual=True)}" for v in value)]


def _prefers_flow(note: _Note) -> bool:
    """Whether this note writes its lists as `[a, b]`: as its first list does."""
    from ruamel.yaml.nodes import SequenceNode

    seq = next((v for _, v in note.pairs.values() if isinstance(v, SequenceNode)), None)
    return bool(seq is not None and seq.flow_style)


def _has_comment(note: _Note, node: Any, start: int, stop: int) -> bool:
    """A `#` comment in [start, stop) outside every scalar of `node`."""
    from ruamel.yaml.nodes import ScalarNode

    spans = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ScalarNode):
            spans.append((n.start_mark.index, n.end_mark.index))
        else:
            stack.extend(_children(n))
    text = note.yaml
    for i in range(start, stop):
        if text[i] == "#" and not any(a <= i < b for a, b in spans):
            return True
    return False


def _remove(note: _Note, key: str) -> list[Edit] | None:
    """Edits that take `key` out: its line, and the lines of its value (with any comment on them)."""
    if key not in note.pairs:
        return None
    k, v = note.pairs[key]
    if _anchored(v):
        raise FrontmatterEditError(f"{key!r} uses a YAML anchor or alias; edit it by hand")
    if _col(note.yaml, k.start_mark.index) != note.col:
        raise FrontmatterEditError(f"{key!r} is not written as a plain `key: value` line")
    start = k.start_mark.index - note.col
    stop = _after_line(note.yaml, k.start_mark.index) if _end(v) == -1 else max(
        _last_line_end(note, v), _after_line(note.yaml, k.start_mark.index))
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


def _fill(note: _Note, key: Any, value: Any, style: _Style, new: object,
          first: str | None = None) -> list[Edit]:
    """Put `new` where `key`'s value is: on the key line, or as lines under it, after the
    already written line `first` if given."""
    start, stop = _value_span(note, key, value)
    if isinstance(new, str):
        return [(start, stop, " " + _scalar(new, "item"))]
    lines = [first] if first else []
    lines += style.entry(key.value, new, note.col)[1:]
    at = _after_line(note.yaml, start)
    return [(start, stop, ""), (at, at, _joined(lines))]


def _flow_insert(note: _Note, node: Any, texts: list[str]) -> list[Edit]:
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
        between = y[max(_end(c) for c in pairs[0]) : pairs[1][0].start_mark.index]
        if re.fullmatch(r"[ \t]*,[ \t]*", between):
            sep = between
    at = max(_end(c) for c in pairs[-1])
    return [(at, at, "".join(sep + t for t in texts))]


# --- the API --------------------------------------------------------------------------


def read_frontmatter(raw: bytes) -> dict:
    """The frontmatter as plain Python, scalars as the strings written; {} if there is none."""
    _, text = _decode(raw)
    return _read(text).data


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
    bom, text = _decode(raw)
    first = _read(text)
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


def _apply(note: _Note, edits: list[Edit]) -> str:
    if note.yaml_at is None:  # no frontmatter yet: a new block at the very top
        lines = "".join(t for _, _, t in edits)
        return f"---\n{lines}---\n".replace("\n", note.eol) + note.text
    text = note.text
    for start, stop, new in sorted(edits, reverse=True):
        text = text[: note.at(start)] + new.replace("\n", note.eol) + text[note.at(stop) :]
    return text


def _verify(raw: bytes, before: _Note, new: bytes, expected: dict) -> None:
    """Read the result back with our own reader: the intended values, the same body bytes."""
    after = _reread(new.removeprefix(_BOM).decode("utf-8", "surrogateescape"))

    def body(data: bytes, note: _Note) -> bytes:
        return data[len(data) - len(note.text[note.body_at :].encode("utf-8", "surrogateescape")) :]

    if after.data != expected or list(after.data) != list(expected):
        raise FrontmatterEditError("the edited frontmatter did not read back as intended")
    if body(new, after) != body(raw, before):
        raise FrontmatterEditError("the edit would have changed the note's body")


def _reread(text: str) -> _Note:
    """Our own edit, read again: a failure here is a wrong edit, not a bad note."""
    try:
        return _read(text)
    except FrontmatterEditError as exc:
        why = f"the edited frontmatter would not read back ({exc.why})"
        raise FrontmatterEditError(why) from None
