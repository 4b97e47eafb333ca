"""Search snippets: a short excerpt of a note around the words that matched."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_WORD = re.compile(r"\w+(?:[.'’]\w+)*")


def snippet(text: str, terms: Iterable[str], stem: Callable[[str], str] | None = None, chars: int = 160) -> str:
    """About `chars` characters of `text` around the first matched word, matches in **bold**.

    `terms` are index terms (lower case, stemmed for the body), so each word of
    the text is compared both as written and stemmed.
    """
    flat = " ".join(text.split())
    wanted = {t.lower() for t in terms}
    hits: list[tuple[int, int]] = []
    if wanted:
        for m in _WORD.finditer(flat):
            word = m[0].lower()
            if word in wanted or (stem is not None and stem(word) in wanted):
                hits.append(m.span())
                if len(hits) >= 50:
                    break
    if not hits:
        return flat[:chars] + ("…" if len(flat) > chars else "")
    first = hits[0][0]
    start = max(0, first - chars // 3)
    if start:
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(flat), start + chars)
    if end < len(flat):
        space = flat.rfind(" ", hits[0][1], end)
        end = space if space > hits[0][1] else end
    out, at = [], start
    for a, b in hits:
        if a < at or b > end:
            continue
        out.append(flat[at:a])
        out.append(f"**{flat[a:b]}**")
        at = b
    out.append(flat[at:end])
    return ("…" if start else "") + "".join(out) + ("…" if end < len(flat) else "")
