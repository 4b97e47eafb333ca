"""Frontmatter: finding the `---` block and reading its YAML with values kept as written.

python-frontmatter strips the text before splitting it, which loses the line
numbers that backlinks and error messages need, so the block is delimited
here and the YAML itself goes to PyYAML's BaseLoader: every scalar stays the
string the user typed (`0612345678`, `yes`, `2026-01-01`, `01234`), no tag is
ever constructed, and duplicate keys are refused with their line. The one
exception is YAML's null written plain (`tags: null`, `aliases: ~`): no value,
as Obsidian reads it, the same as `tags:` with nothing after it.

Frontmatter that would cost more than its size to read is refused the same way,
so the note is read as plain text (SPEC §6): lists and mappings nested more than
MAX_DEPTH deep (libyaml looks at every open `[` for every token it reads, so `[`
nested n deep costs n**2), and aliases that expand to more than ALIAS_BUDGET
values (`&a [*a, *a, ...]` nested: tiny on disk, billions of values for anything
that walks it, such as `show --json`).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass

_WIKILINK_HINT = "[["
NULLS = frozenset(("null", "Null", "NULL", "~"))  # YAML's null, when written plain
# Template placeholders: Obsidian's Templates (`{{date}}`, `{{date:YYYY-MM-DD}}`, `{{title}}`)
# and Templater (`<% tp.date.now() %>`). Unquoted, `{{date}}` is a YAML mapping inside a
# mapping, and the whole frontmatter would fail; Obsidian reads the other keys.
PLACEHOLDER = re.compile(r"\{\{[^{}\n]*\}\}|<%[^\n]*?%>")
# Each placeholder is read as a plain word made of private-use characters (which YAML
# allows in a plain scalar and no template writes), then put back as written.
_HIDDEN_START, _HIDDEN_END = "\ue000", "\ue001"
_HIDDEN = re.compile(_HIDDEN_START + r"(\d+)" + _HIDDEN_END)
MAX_DEPTH = 100  # levels of lists and mappings
ALIAS_BUDGET = 10_000  # values that aliases may add to the frontmatter when expanded
# The only tags kept (as text, like everything else). Anything else, `!!python/...`,
# `!!binary`, `!!set`, `!local`, is refused: nothing in a note asks for a typed value.
CORE_TAGS = tuple(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map"))


class FrontmatterError(Exception):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.message = message
        self.line = line  # 0-based within the YAML text, or None


_loader_class = None


def _loader():
    """The YAML loader class, built on first use so that commands which parse
    no note (a search with nothing to sync) never import PyYAML."""
    global _loader_class
    if _loader_class is not None:
        return _loader_class
    import yaml

    base = getattr(yaml, "CBaseLoader", yaml.BaseLoader)

    error = yaml.constructor.ConstructorError
    scalar, sequence = yaml.ScalarNode, yaml.SequenceNode
    # BaseLoader would quietly build plain values for unknown tags; they are refused loudly
    # instead. Core tags (`!!str`, `!!int`...) stay harmless: kept as text.
    core_tags = frozenset(CORE_TAGS)
    default_tags = {scalar: yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG,
                    sequence: yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
                    yaml.MappingNode: yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG}

    class Loader(base):  # type: ignore[misc, valid-type]
        """libyaml's parser and composer; the values built from its nodes here, as text."""

        def __init__(self, stream):
            super().__init__(stream)
            self.link_scalars: list[tuple[str, int]] = []
            self.key_nodes: set[int] = set()  # ids of the scalars that are mapping keys
            self.placeholders: list[str] = []  # template placeholders, hidden by load_yaml
            self.shared = False  # some node was met again through an alias (build)

        def resolve(self, kind, value, implicit):
            """BaseResolver's answer, which has no implicit or path resolvers to try: every node
            the default tag of its kind (libyaml's composer asks for each node)."""
            return default_tags[kind]

        def build(self, root):
            """The document under `root`: every scalar the string written (null aside), lists
            and dicts; duplicate keys and tags other than the core ones refused, with their
            line. One walk of the composed nodes, where PyYAML's construct_document (a
            constructor looked up per node, its recursion bookkeeping) cost twice the parse
            itself. A node met again through an alias is the same object; one met inside
            itself is refused, as PyYAML refuses it."""
            built: dict[int, object] = {}
            open_nodes: set[int] = set()

            def walk(node):
                key = id(node)
                if key in built:
                    self.shared = True
                    return built[key]
                if key in open_nodes:
                    raise error(None, None, "found unconstructable recursive node", node.start_mark)
                if node.tag not in core_tags:
                    raise error(None, None, f"YAML tag {node.tag!r} is not allowed in frontmatter", node.start_mark)
                kind = type(node)
                if kind is scalar:
                    value = self.scalar(node)
                else:
                    open_nodes.add(key)
                    if kind is sequence:
                        value = [walk(child) for child in node.value]
                    else:
                        self.check_keys(node)
                        value = {}
                        for key_node, value_node in node.value:
                            item = walk(key_node)
                            if not isinstance(item, Hashable):
                                raise error("while constructing a mapping", node.start_mark,
                                            "found unhashable key", key_node.start_mark)
                            value[item] = walk(value_node)
                    open_nodes.discard(key)
                built[key] = value
                return value

            try:
                return walk(root)
            finally:
                # walk refers to itself through its closure's cell, and so to this loader: empty
                # that cell, or each note's loader waits for the collector (which a first index
                # pauses: 70 KB a note).
                walk = None  # type: ignore[assignment]

        def check_keys(self, node):
            """Refuse a duplicate key, with its line; remember which scalars are keys."""
            seen: dict[str, int] = {}
            for key_node, _ in node.value:
                if type(key_node) is scalar:
                    if key_node.value in seen:
                        raise error(
                            None,
                            None,
                            f"duplicate key {key_node.value!r} (first on line {seen[key_node.value] + 1})",
                            key_node.start_mark,
                        )
                    seen[key_node.value] = key_node.start_mark.line
                    self.key_nodes.add(id(key_node))

        def scalar(self, node):
            value = node.value
            if self.placeholders and _HIDDEN_START in value:
                value = _HIDDEN.sub(lambda m: self.placeholders[int(m[1])], value)
            if not node.style and value in NULLS and id(node) not in self.key_nodes:
                # `tags: null` and `aliases: ~` say "no value", as `tags:` does (Obsidian reads
                # them so); a quoted "null" or a key named null stays text.
                return None
            if _WIKILINK_HINT in value:
                self.link_scalars.append((value, node.start_mark.line))
            return value

    _loader_class = Loader
    return Loader


@dataclass
class FrontmatterBlock:
    """Where a note's frontmatter is: its YAML text and the lines and offsets around it."""

    yaml_text: str  # between the fences
    start_line: int  # 0-based line of the opening `---`
    end_line: int  # 0-based line of the closing `---`
    body_offset: int  # character offset in the text where the body starts


_FENCE = re.compile(r"---[ \t]*")


def find_block(text: str) -> FrontmatterBlock | None:
    """The frontmatter block at the very start of the note, as Obsidian finds it."""
    if not text.startswith("---"):
        return None
    first_end = text.find("\n")
    if first_end == -1 or not _FENCE.fullmatch(text[:first_end]):
        return None
    pos = first_end + 1
    line = 1
    while pos <= len(text):
        nl = text.find("\n", pos)
        end = len(text) if nl == -1 else nl
        if _FENCE.fullmatch(text[pos:end]):
            body = len(text) if nl == -1 else nl + 1
            return FrontmatterBlock(text[first_end + 1 : pos], 0, line, body)
        if nl == -1:
            return None
        pos = nl + 1
        line += 1
    return None


def load_yaml(yaml_text: str) -> tuple[dict, list[tuple[str, int]]]:
    """The mapping, and (scalar, 0-based line) for scalars that contain `[[`.

    A template placeholder is text, kept as written: `created: {{date}}` is the string
    "{{date}}", and the other keys are read as usual.
    """
    if not yaml_text.strip():
        return {}, []
    import yaml

    placeholders: list[str] = []
    if ("{{" in yaml_text or "<%" in yaml_text) and _HIDDEN_START not in yaml_text:
        def hide(m: re.Match) -> str:
            placeholders.append(m[0])
            return f"{_HIDDEN_START}{len(placeholders) - 1}{_HIDDEN_END}"

        yaml_text = PLACEHOLDER.sub(hide, yaml_text)
    loader = _loader()(yaml_text)
    loader.placeholders = placeholders
    try:
        _check_nesting(yaml_text)
        node = loader.get_single_node()
        data = None if node is None else loader.build(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise FrontmatterError(f"invalid YAML: {problem}", mark.line if mark else None) from None
    except yaml.YAMLError as exc:
        raise FrontmatterError(f"invalid YAML: {exc}", None) from None
    except RecursionError:
        raise FrontmatterError("invalid YAML: nested too deeply", None) from None
    finally:
        loader.dispose()
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise FrontmatterError(f"frontmatter is {kind}, not key: value pairs", 0)
    for key in data:
        if not isinstance(key, str):
            raise FrontmatterError("frontmatter keys must be plain text", 0)
    if loader.shared and alias_expansion(data) > ALIAS_BUDGET:  # only aliases share
        raise FrontmatterError(
            f"frontmatter expands to too many values (YAML aliases?): more than {ALIAS_BUDGET} repeated values", 0
        )
    return data, loader.link_scalars


def _check_nesting(yaml_text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH, reading events only as far as that depth.

    Flow nesting is what costs (see the module doc), and each level needs a `[` or `{`:
    with no more of them than MAX_DEPTH there is nothing to check.
    """
    if yaml_text.count("[") + yaml_text.count("{") <= MAX_DEPTH:
        return
    import yaml

    opens = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    closes = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    loader = _loader()(yaml_text)
    depth = 0
    try:
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            if isinstance(event, opens):
                depth += 1
                if depth > MAX_DEPTH:
                    raise FrontmatterError(f"invalid YAML: nested more than {MAX_DEPTH} levels deep",
                                           event.start_mark.line)
            elif isinstance(event, closes):
                depth -= 1
    finally:
        loader.dispose()


def alias_expansion(data: object) -> int:
    """How many more values `data` holds when its shared parts (YAML aliases) count each
    time they appear than when they count once. Linear in the distinct values."""
    cap = 1 << 62  # sizes saturate here: an alias chain n deep would be a 2**n-bit number
    size: dict[int, int] = {}  # id of a list or dict -> its values, expanded
    distinct = 0
    stack: list[tuple[object, bool]] = [(data, False)]
    while stack:
        item, children_done = stack.pop()
        if not isinstance(item, (list, dict)) or id(item) in size:
            continue
        children = list(item.values()) if isinstance(item, dict) else item
        if children_done:
            size[id(item)] = min(cap, 1 + sum(size[id(c)] if isinstance(c, (list, dict)) else 1 for c in children))
            distinct += 1 + sum(not isinstance(c, (list, dict)) for c in children)
        else:
            stack.append((item, True))
            stack.extend((c, False) for c in children if isinstance(c, (list, dict)) and id(c) not in size)
    return size.get(id(data), 1) - max(distinct, 1)


class FlattenBudgetExceeded(Exception):
    pass


def flatten_text(value: object, budget: int = 20_000) -> list[str]:
    """Every scalar value under `value` (keys left out), at most `budget` of them.

    Aliases make YAML a graph: `&a [*a, *a]` nested ten deep is tiny on disk and
    billions of strings when walked, so the walk counts what it visits.
    """
    out: list[str] = []
    stack = [value]
    visited = 0
    while stack:
        item = stack.pop()
        visited += 1
        if visited > budget:
            raise FlattenBudgetExceeded()
        if isinstance(item, str):
            if item:
                out.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return out


def has_placeholder(value: object) -> bool:
    """A value that still holds a template placeholder: a template, or a note not filled in yet."""
    return isinstance(value, str) and PLACEHOLDER.search(value) is not None
