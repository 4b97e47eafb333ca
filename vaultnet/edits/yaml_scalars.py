"""New YAML scalars for a frontmatter edit: ruamel picks the quoting, and every reader we
know (YAML 1.1 and 1.2, typed or not) must read the text back as the value meant."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

from .frontmatter_block import (
    BREAKS,
    FrontmatterEditError,
    NoteBlock,
    column,
    read_errors,
    ruamel_yaml,
)


def reads_back(doc: str, expected: object, textual: bool = False) -> bool:
    """Every reader we know (YAML 1.1 and 1.2, typed or not) reads `doc` as `expected`.

    `textual`: a typed reader may see a date or a number, as long as its text is the
    text written (`2026-12-02`, `30`); never a bool, a null or a changed number (`01234`)."""
    import yaml

    loaders = [
        lambda t: yaml.load(t, Loader=yaml.SafeLoader),
        lambda t: yaml.load(t, Loader=yaml.BaseLoader),
        ruamel_yaml("1.2").load,
        ruamel_yaml("1.1").load,
    ]
    for load in loaders:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = load(doc)
                if got != expected and not (textual and as_text(got) == expected):
                    return False
        except read_errors():  # a reader refusing it is as bad as a wrong value
            return False
    return True


def as_text(data: object) -> object:
    """A typed reading with its dates and numbers as the text YAML reads them from."""
    import datetime as dt

    if isinstance(data, dict):
        return {as_text(k): as_text(v) for k, v in data.items()}
    if isinstance(data, list):
        return [as_text(v) for v in data]
    if isinstance(data, bool) or data is None:
        return data
    if isinstance(data, dt.datetime):
        return data
    if isinstance(data, (dt.date, int, float)):
        return data.isoformat() if isinstance(data, dt.date) else repr(data)
    return data


def scalar(value: str, where: str, prefer: str | None = None, textual: bool = False) -> str:
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
    if textual and prefer is None and not BREAKS.search(value):
        # As typed, when every reader keeps its text: ruamel would quote `2026-12-02`
        # and `30`, which Obsidian shows as text properties rather than a date or a number.
        doc = wrap[0] + value + wrap[1]
        if reads_back(doc, expected, textual=True):
            return value
    for style in [first, *styles]:
        obj: Any = CommentedMap({style(value): "x"}) if "key" in where else CommentedSeq()
        if "key" not in where:
            obj.append(style(value))
        if where.startswith("flow"):
            obj.fa.set_flow_style()
        out = io.StringIO()
        ruamel_yaml("rt").dump(obj, out)
        doc = out.getvalue()
        inner = doc[len(wrap[0]) : len(doc) - len(wrap[1])]
        one_line = doc.startswith(wrap[0]) and doc.endswith(wrap[1]) and not BREAKS.search(inner)
        if one_line and reads_back(doc, expected):
            return inner
    if "key" in where:  # ruamel wants `? key` for a long or escaped key; one line may do
        inner = scalar(value, "flow" if where == "flowkey" else "item")
        doc = wrap[0] + inner + wrap[1]
        if reads_back(doc, expected):
            return inner
    raise FrontmatterEditError(f"{value[:40]!r} cannot be written as a one-line YAML value")


def pair(key: str, value: str, flow: bool) -> str:
    text = f"{scalar(key, 'flowkey' if flow else 'key')}: "
    text += scalar(value, "flow" if flow else "item")
    if not reads_back("{" + text + "}" if flow else text + "\n", {key: value}):
        raise FrontmatterEditError(f"{key!r}: {value[:40]!r} cannot be written safely")
    return text


@dataclass
class Style:
    """How this note writes nested blocks, learnt from its own lists and mappings."""

    dash: int = 2  # column of `-` relative to the key
    gap: str = " "  # between `-` and the item
    indent: int = 2  # of a nested mapping's keys

    @classmethod
    def of(cls, note: NoteBlock) -> Style:
        style = cls()
        seq = next((p for p in note.pairs.values() if is_block(p[1], "seq") and p[1].value), None)
        if seq:
            style.dash, style.gap = dash_style(note, seq[1])
            style.dash -= note.col
        mapping = next((p for p in note.pairs.values() if is_block(p[1], "map") and p[1].value), None)
        if mapping:
            style.indent = column(note.yaml, mapping[1].value[0][0].start_mark.index) - note.col
        return style

    def items(self, values: list[str], col: int) -> list[str]:
        return [f"{' ' * col}-{self.gap}{scalar(v, 'item')}" for v in values]

    def entry(self, key: str, value: object, col: int) -> list[str]:
        """`key: value` as lines at column `col` (value: str, list of str, dict of str)."""
        if isinstance(value, str):
            return [" " * col + pair(key, value, flow=False)]
        head = f"{' ' * col}{scalar(key, 'key')}:"
        if isinstance(value, list):
            return [head, *self.items(value, col + self.dash)]
        if isinstance(value, dict):
            pad = " " * (col + self.indent)
            return [head, *(pad + pair(k, v, flow=False) for k, v in value.items())]
        raise TypeError(f"cannot write a {type(value).__name__} to frontmatter")


def is_block(node: Any, kind: str) -> bool:
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    return isinstance(node, SequenceNode if kind == "seq" else MappingNode) and not node.flow_style


def dash_style(note: NoteBlock, seq: Any) -> tuple[int, str]:
    """Column of the `-`, and the whitespace between it and the item."""
    dash = seq.start_mark.index
    first = seq.value[0].start_mark.index
    gap = note.yaml[dash + 1 : first]
    return column(note.yaml, dash), gap if gap and not gap.strip(" \t") else " "
