"""A note's frontmatter block as ruamel reads it: the text, its line ends, and each node's
position, for frontmatter_edit to splice at (SPEC §4: nothing outside the change moves).

Positions are computed on the text with line ends normalized to `\\n`, as the reader
sees it, and mapped back onto the file's own line ends (NoteBlock.at).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from ..errors import VaultnetError
from ..notes.note import is_binary
from ..notes.note_yaml import FrontmatterError, find_block, load_yaml

BOM = b"\xef\xbb\xbf"
EOL = re.compile(r"(\r\n|\r|\n)")
BREAKS = re.compile("[\r\n\x85\u2028\u2029]")
NULLS = {"", "~", "null", "Null", "NULL"}


class FrontmatterEditError(VaultnetError):
    def __init__(self, why: str):
        self.why = why
        super().__init__(f"cannot edit the frontmatter: {why}; nothing was changed")


Edit = tuple[int, int, str]  # (start, end, new text) in the normalized YAML


@dataclass
class NoteBlock:
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


def decode(raw: bytes) -> tuple[bytes, str]:
    bom = BOM if raw.startswith(BOM) else b""
    if is_binary(raw):
        raise FrontmatterEditError("binary file (NUL bytes, not UTF-8)")
    # surrogateescape: bytes that are not UTF-8 in the body come back out unchanged.
    return bom, raw[len(bom):].decode("utf-8", errors="surrogateescape")


def read_block(text: str) -> NoteBlock:
    pieces = EOL.split(text)
    lines = list(zip(pieces[0::2], pieces[1::2] + [""]))
    norm = "".join(c + ("\n" if e else "") for c, e in lines)
    block = find_block(norm)
    if block is None:
        if lines[0][1] and re.fullmatch(r"---[ \t]*", lines[0][0]):
            raise FrontmatterEditError("the frontmatter has no closing `---` line")
        return NoteBlock(text, next((e for _, e in lines if e), "\n"))
    note = NoteBlock(text, lines[0][1], block.yaml_text, len(lines[0][0]) + len(lines[0][1]))
    n = o = 0
    for c, e in lines[1 : block.end_line]:
        note.shifts.append((n, o))
        n, o = n + len(c) + 1, o + len(c) + len(e)
    note.shifts.append((n, o))  # the end of the YAML
    note.body_at = sum(len(c) + len(e) for c, e in lines[: block.end_line + 1])
    parse_block(note)
    return note


def parse_block(note: NoteBlock) -> None:
    """Fill in data and nodes; refuse what cannot be edited safely."""
    if re.search("[\udc80-\udcff]", note.yaml):
        raise FrontmatterEditError("the frontmatter is not UTF-8")
    try:
        note.data, _ = load_yaml(note.yaml)
    except FrontmatterError as exc:
        where = "" if exc.line is None else f"line {exc.line + 2}: "  # 2: after the `---`
        raise FrontmatterEditError(f"{where}{exc.message}") from None
    yaml = ruamel_yaml("rt")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            events = list(yaml.parse(note.yaml))
            root = yaml.compose(note.yaml)
    except read_errors() as exc:  # PyYAML read it; ruamel, which gives the positions, did not
        why = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise FrontmatterEditError(f"invalid YAML: {why}") from None
    if any(getattr(ev, "tag", None) is not None for ev in events):
        raise FrontmatterEditError("the frontmatter uses a YAML tag (`!...`)")
    if root is None:
        return
    if root.flow_style:
        raise FrontmatterEditError("the frontmatter is one `{...}` mapping")
    note.pairs = {k.value: (k, v) for k, v in root.value}
    note.col = column(note.yaml, root.value[0][0].start_mark.index) if root.value else 0


_ruamels: dict[str, Any] = {}


def read_errors() -> tuple[type[BaseException], ...]:
    """What a YAML reader raises on text it refuses (a bad date is a ValueError)."""
    import yaml
    from ruamel.yaml.error import YAMLError

    return (YAMLError, yaml.YAMLError, ValueError, TypeError, ArithmeticError, RecursionError)


def ruamel_yaml(kind: str) -> Any:
    """Cached ruamel instances: 'rt' reads positions and writes scalars, the others check them."""
    if kind not in _ruamels:
        from ruamel.yaml import YAML

        yaml = YAML(typ="rt" if kind == "rt" else "safe", pure=True)
        yaml.width = 1 << 30  # never fold a long value over two lines
        if kind == "1.1":
            yaml.version = (1, 1)
        _ruamels[kind] = yaml
    return _ruamels[kind]


def column(text: str, i: int) -> int:
    return i - (text.rfind("\n", 0, i) + 1)


def after_line(text: str, i: int) -> int:
    """The start of the line after the one holding offset `i`."""
    nl = text.find("\n", i)
    return len(text) if nl == -1 else nl + 1


# --- nodes and their places -----------------------------------------------------------


def node_end(node: Any) -> int:
    """Offset just past the last character written for `node` (-1: an empty value)."""
    from ruamel.yaml.nodes import ScalarNode

    if isinstance(node, ScalarNode):
        return -1 if node.start_mark.index == node.end_mark.index else node.end_mark.index
    if node.flow_style:
        return node.end_mark.index
    return max((node_end(c) for c in children(node)), default=-1)


def last_line_end(note: NoteBlock, node: Any) -> int:
    """Where lines go after `node`: after its last character, before comments that follow."""
    i = node_end(node)
    while i > 0 and note.yaml[i - 1] in " \t\n":  # a block scalar's end_mark is past its breaks
        i -= 1
    return after_line(note.yaml, i - 1)


def is_empty(node: Any) -> bool:
    from ruamel.yaml.nodes import ScalarNode

    if isinstance(node, ScalarNode):
        if node.style is None:
            return node.value in NULLS
        return node.value == "" and node.style in "'\""
    return not node.value


def anchored(node: Any) -> bool:
    from ruamel.yaml.nodes import ScalarNode

    if getattr(node, "anchor", None):
        return True
    return not isinstance(node, ScalarNode) and any(anchored(c) for c in children(node))


def children(node: Any) -> list[Any]:
    """A collection's nodes in order, keys and values alike."""
    return [c for item in node.value for c in (item if isinstance(item, tuple) else [item])]


def value_span(note: NoteBlock, key: Any, value: Any) -> tuple[int, int]:
    """(just after the colon, end of the value): the part of the key line a new value replaces."""
    colon = re.match(r"[ \t]*:", note.yaml[key.end_mark.index :])
    if column(note.yaml, key.start_mark.index) != note.col or colon is None:
        raise FrontmatterEditError(f"{key.value!r} is not written as a plain `key: value` line")
    after = key.end_mark.index + colon.end()
    if node_end(value) == -1:  # `key:` with nothing after it
        return after, after
    if "\n" in note.yaml[after : node_end(value)]:
        raise FrontmatterEditError(f"{key.value!r} holds a value over several lines")
    return after, node_end(value)
