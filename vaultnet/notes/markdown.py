"""Reading links, tags, log lines and tasks out of Markdown, the way Obsidian does.

Code (fenced blocks, inline spans) and HTML comments hold no links or tags, so
they are first blanked out with spaces (newlines kept, so offsets and line
numbers stay those of the file); the patterns then run over what is left.
Every pattern here is linear on any input: character classes stop at the
next bracket or newline, no two neighbouring repeats can trade characters (a
line of spaces would otherwise be tried in every split: quadratic), and the
code-span search looks each backtick run up once. tests/test_fuzz.py checks it.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from typing import NamedTuple
from urllib.parse import unquote

# Indentation and blockquote markers: any mix of spaces, tabs and `>` (`>  > ```` is a
# fence in a nested quote, as in CommonMark). Written so that each character can be
# read only one way: `[ \t]*(?:>[ \t]?)*[ \t]*` split a run of spaces between its two
# `[ \t]*` in every possible way before failing, quadratic on a long line of spaces.
_INDENT = r"[ \t]*(?:>[ \t]*)*"
_FENCE_OPEN = re.compile(_INDENT + r"(`{3,}|~{3,})([^\n]*)")
_BACKTICKS_OR_COMMENT = re.compile(r"`+|<!--")
_BACKTICK_RUN = re.compile(r"`+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t>]*\n")

WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]+)\]\]")
# The same without the `!`: a pattern that starts with a literal lets the regex engine jump
# between candidates, where `(!?)` first is tried at every character of the note (15 times
# slower on a note of prose). find_links looks at the character before instead.
_WIKILINK_AT = re.compile(r"\[\[([^\[\]\n]+)\]\]")


def _balanced(depth: int, pairs: int) -> str:
    """A link destination: no spaces, and parentheses only in pairs, nested up to `depth` deep.

    CommonMark allows parentheses in a destination when they pair up (Obsidian writes
    `[x](Roadmap%20(Nov%2023).md)`), nested as deep as cmark's 32 levels. Written as
    "a run, then (a pair, a run) repeated" so that each character can be read one way
    only: linear, and the runs are matched in C. The regex engine keeps a little state
    for every repeat of a group, so at most `pairs` pairs follow each other on one level:
    a line of ten thousand `(x)` would otherwise cost memory as it grows.
    """
    run = r"[^\s()<>]*"
    inner = run
    for _ in range(depth):
        inner = rf"{run}(?:\({inner}\){run}){{0,{pairs}}}"
    return inner


MAX_PAREN_DEPTH = 32
MAX_PAREN_PAIRS = 32
# `(?!\s)` makes the whitespace after `(` all go to the first `\s*`: without it a
# `[a](` followed by a long run of spaces or newlines was split between the three
# whitespace repeats in every way (cubic). Group 3 is the destination (merging.py).
_MDLINK_REST = (r"\[([^\[\]\n]*)\]\(\s*(?!\s)(<[^<>\n]*>|" + _balanced(MAX_PAREN_DEPTH, MAX_PAREN_PAIRS) + r")"
                r"(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)")


@functools.cache
def _mdlink_at() -> re.Pattern:
    """As _WIKILINK_AT: the `!` is looked at before it. Compiled on first use, as MDLINK is
    (module __getattr__): the two took a third of the program's start-up regexes, 10 ms of
    every command, and most commands parse no note."""
    return re.compile(_MDLINK_REST)


def __getattr__(name: str):
    if name == "MDLINK":
        pattern = globals()["MDLINK"] = re.compile(r"(!?)" + _MDLINK_REST)
        return pattern
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# Obsidian: a tag is `#` at line start or after whitespace or an opening bracket or quote,
# then letters, digits and `_ - /` (any script, emoji too), ended by whitespace or
# punctuation; all digits is not a tag. `a#b` and `site.com/#frag` are not tags.
# Punctuation is ASCII's and, as in Obsidian, Unicode's two punctuation blocks (General
# Punctuation U+2000-U+206F: curly quotes, dashes, `…`; Supplemental U+2E00-U+2E7F):
# `#“Let’s` is no tag, `#tag…` is `tag`, `#Let’s` is `Let`.
# The pattern starts with the literal `#` so the regex engine can jump between
# candidates; the character before it is checked in find_tags.
TAG = re.compile(r"#([^\s!\"#$%&'()*+,.:;<=>?@\[\\\]^`{|}~\u2000-\u206f\u2e00-\u2e7f]+)")
_TAG_MAY_FOLLOW = frozenset(" \t\n\r\f\v[({\"'>")
_LIST_ITEM = _INDENT + r"(?:[-*+]|\d{1,9}[.)])[ \t]+"
# Both start with a literal newline and run over "\n" + text (see line_items): a
# literal first character lets the regex engine skip between lines quickly.
LOG_LINE = re.compile(r"\n" + _LIST_ITEM + r"(\[\[)?(\d{4}-\d{2}-\d{2})(?(1)\]\])(?![\d])[ \t:,-]*")
TASK_LINE = re.compile(r"\n" + _LIST_ITEM + r"\[([^\n])\][ \t]+")


def line_items(pattern: re.Pattern, text: str):
    """(line start offset in `text`, match end offset in `text`, match) for each line matching `pattern`."""
    for m in pattern.finditer("\n" + text):
        yield m.start(), m.end() - 1, m
DUE_MARK = re.compile(r"📅\ufe0f?[ \t]*(\S{0,12})")
DONE_MARK = re.compile(r"✅\ufe0f?[ \t]*(\S{0,12})")


class RawLink(NamedTuple):  # a tuple: a note of prose holds dozens, and a frozen dataclass costs 3x to make
    target: str  # note part, as written (URL-decoded for Markdown links)
    subpath: str | None  # "#Heading" or "#^block"
    display: str | None
    embed: bool
    markdown: bool
    start: int  # offset in the scanned text


def mask_code_and_comments(text: str) -> str:
    """`text` with fenced code, inline code and HTML comments replaced by spaces."""
    if "`" not in text and "~~~" not in text and "<!--" not in text:
        return text
    out = list(text)

    def blank(a: int, b: int) -> None:
        for i in range(a, b):
            if out[i] != "\n":
                out[i] = " "

    # Pass 1: fenced blocks, line by line.
    pos = 0
    n = len(text)
    fence: tuple[str, int] | None = None
    block_start = 0
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl == -1 else nl
        line = text[pos:end]
        if fence is None:
            m = _FENCE_OPEN.match(line)
            if m and not (m[1][0] == "`" and "`" in m[2]):
                fence = (m[1][0], len(m[1]))
                block_start = pos
        else:
            m = _FENCE_OPEN.match(line)
            if m and m[1][0] == fence[0] and len(m[1]) >= fence[1] and not m[2].strip():
                blank(block_start, end)
                fence = None
        pos = end + 1
    if fence is not None:  # an unclosed fence runs to the end, as in CommonMark
        blank(block_start, n)
    masked = "".join(out)

    # Pass 2: inline code spans and HTML comments, left to right.
    next_run = _BacktickRuns(masked)
    breaks = [m.start() for m in _PARAGRAPH_BREAK.finditer(masked)]
    pos = 0
    while True:
        m = _BACKTICKS_OR_COMMENT.search(masked, pos)
        if not m:
            break
        if m[0] == "<!--":
            close = masked.find("-->", m.end())
            stop = n if close == -1 else close + 3
            blank(m.start(), stop)
            pos = stop
            continue
        length = len(m[0])
        close = next_run(length, m.end())
        bi = bisect_right(breaks, m.start())
        limit = breaks[bi] if bi < len(breaks) else n
        if close != -1 and close < limit:
            blank(m.start(), close + length)
            pos = close + length
        else:
            pos = m.end()
    return "".join(out)


class _BacktickRuns:
    """Where the runs of each length of backticks are, found in one pass.

    Searching the rest of the text once per distinct run length costs a pass per
    length: `` `x``x```x... `` with runs of every length up to k is k passes over
    a text of k**2/2 characters.
    """

    def __init__(self, text: str):
        self.starts: dict[int, list[int]] = {}
        for m in _BACKTICK_RUN.finditer(text):
            self.starts.setdefault(len(m[0]), []).append(m.start())

    def __call__(self, length: int, start: int) -> int:
        """Offset of the next run of exactly `length` backticks at or after `start`, or -1."""
        starts = self.starts.get(length)
        if not starts:
            return -1
        i = bisect_left(starts, start)
        return starts[i] if i < len(starts) else -1


def split_wikilink(inner: str) -> tuple[str, str | None, str | None]:
    """`Target#Sub|shown` -> (target, "#Sub", "shown"); `\\|` in tables counts as `|`."""
    display = None
    bar = inner.find("|", 1)  # Obsidian: a leading `|` belongs to the target
    if bar != -1:
        display = inner[bar + 1 :]
        inner = inner[:bar]
        inner = inner.removesuffix("\\")
    subpath = None
    hash_at = inner.find("#")
    if hash_at != -1:
        subpath = inner[hash_at:].strip()
        inner = inner[:hash_at]
    return inner.strip(), subpath, display


def _blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    parts, last = [], 0
    for a, b in spans:
        parts.append(text[last:a])
        parts.append(" " * (b - a))
        last = b
    parts.append(text[last:])
    return "".join(parts)


def find_links(masked: str) -> tuple[list[RawLink], str]:
    """The links, and the text with links that could hide a tag blanked out."""
    links: list[RawLink] = []
    spans: list[tuple[int, int]] = []
    if "[[" in masked:
        for m in _WIKILINK_AT.finditer(masked):
            start = m.start()
            embed = start > 0 and masked[start - 1] == "!"
            start -= embed
            target, subpath, display = split_wikilink(m[1])
            links.append(RawLink(target, subpath, display, embed, False, start))
            spans.append((start, m.end()))
    if "](" not in masked:
        # `[[Note#Heading]]` cannot hold a tag (no space before `#`); `[[#Heading]]` can.
        hiding = [(a, b) for a, b in spans if masked[a + 2 : a + 4] in ("#", "!#") or "[[#" in masked[a:b]]
        return links, _blank_spans(masked, hiding)
    # A wikilink's brackets must not be read again as a Markdown link.
    scan = _blank_spans(masked, spans)
    md_spans: list[tuple[int, int]] = []
    for m in _mdlink_at().finditer(scan):
        start = m.start()
        embed = start > 0 and scan[start - 1] == "!"
        start -= embed
        md_spans.append((start, m.end()))
        url = m[2]
        if url.startswith("<"):
            url = url[1:-1]
        if not url or _SCHEME.match(url):
            continue
        subpath = None
        hash_at = url.find("#")
        if hash_at != -1:
            subpath = unquote(url[hash_at:])
            url = url[:hash_at]
        links.append(RawLink(unquote(url).strip(), subpath, m[1], embed, True, start))
    if md_spans:
        links.sort(key=lambda link: link.start)
    return links, _blank_spans(scan, md_spans)


def find_tags(masked: str) -> list[tuple[str, int]]:
    """(tag without '#', offset) for every inline tag."""
    found: list[tuple[str, int]] = []
    if "#" not in masked:
        return found
    for m in TAG.finditer(masked):
        at = m.start()
        if at and masked[at - 1] not in _TAG_MAY_FOLLOW and not masked[at - 1].isspace():
            continue
        name = m[1]
        if name.strip("0123456789") == "":
            continue
        found.append((name, m.start()))
    return found
